"""SIGKILL a poflow write at random moments: the workbook is always the old or the new version, never broken."""

from __future__ import annotations

import hashlib
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import python_calamine

from poflow_sheets.store import SetCell, apply_changes
from tests.conftest import REPO
from tests.store_helpers import make_book

KILLS = 60
VALUES = ("paid", "partial")

CHILD = """
import sys
from pathlib import Path
from poflow_sheets.store import SetCell, write_workbook
from poflow_sheets.errors import WriteConflict
path = Path(sys.argv[1])
print("ready", flush=True)
i = 0
while True:
    value = {values!r}[i % 2]
    try:
        write_workbook(path, [SetCell("Invoices", 2, 4, value)], expected=None, retention=2)
    except WriteConflict:
        pass
    i += 1
"""


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _versions(start: Path, work: Path) -> set[str]:
    """Every file content a sequence of the child's writes can produce from ``start``."""
    known = {_sha(start.read_bytes()): start.read_bytes()}
    frontier = list(known.values())
    n = 0
    while frontier:
        data = frontier.pop()
        src = work / f"v{n}.xlsx"
        src.write_bytes(data)
        for value in VALUES:
            n += 1
            dst = work / f"v{n}.xlsx"
            apply_changes(src, dst, [SetCell("Invoices", 2, 4, value)])
            new = dst.read_bytes()
            if _sha(new) not in known:
                known[_sha(new)] = new
                frontier.append(new)
    return set(known)


@pytest.mark.parametrize("via_link", [False, True], ids=["file", "symlink"])
def test_sigkill_during_write_leaves_old_or_new(tmp_path: Path, via_link: bool) -> None:
    work = tmp_path / "work"
    work.mkdir()
    folder = tmp_path
    if via_link:  # the workbook is a symbolic link: the write goes to the file it points to, in its folder
        folder = tmp_path / "real"
        folder.mkdir()
    book = make_book(folder / "book.xlsx", rows=3000)
    target = book
    if via_link:
        book = tmp_path / "book.xlsx"
        book.symlink_to(target)
    valid = _versions(target, tmp_path / "work")
    assert len(valid) <= 4, "patching should converge to a few versions"
    rng = random.Random(20260304)
    script = CHILD.format(values=VALUES)
    seen: set[str] = set()
    mid_write = 0
    for _ in range(KILLS):
        child = subprocess.Popen([sys.executable, "-c", script, str(book)], cwd=REPO,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert child.stdout is not None
        assert child.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.0, 0.25))
        child.send_signal(signal.SIGKILL)
        child.wait()
        if (folder / ".book.xlsx.poflow-lock").exists():
            mid_write += 1  # killed while holding the lock: inside write_workbook
        assert book.is_symlink() == via_link, "the link was replaced by a file"
        data = target.read_bytes()
        digest = _sha(data)
        assert digest in valid, "workbook is neither the old nor a new version"
        seen.add(digest)
        sheet = python_calamine.CalamineWorkbook.from_path(str(book)).get_sheet_by_name("Invoices")
        assert sheet.to_python()[1][3] in (*VALUES, "open")
    # the kills landed at different moments: more than one version was observed
    assert len(seen) >= 2
    assert mid_write >= KILLS // 2, f"only {mid_write} kills landed inside a write"
    print(f"kills: {KILLS}, inside a write: {mid_write}, versions seen: {len(seen)}")
    leftovers = [p.name for p in folder.iterdir() if p.name.startswith(".book.xlsx.poflow-tmp")]
    assert len(leftovers) <= 1  # at most the temp file of the last killed run; the next run removes it
