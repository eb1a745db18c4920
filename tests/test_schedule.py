"""The nightly run: which bank files are new, recording them as processed, and the shell script itself."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
import sys
from datetime import date
from pathlib import Path

import pytest

from poflow_sheets.schedule import (
    STATE_NAME,
    default_state,
    file_sha256,
    main,
    mark_processed,
    new_bank_files,
    pending,
    processed_hashes,
)

REPO = Path(__file__).resolve().parents[1]
SCRIPT = REPO / "scripts" / "nightly-reconcile.sh"


def write(folder: Path, name: str, data: str) -> Path:
    path = folder / name
    path.write_text(data, encoding="utf-8")
    return path


def test_new_files_then_nothing_once_marked(tmp_path: Path) -> None:
    a = write(tmp_path, "b-march.csv", "date,amount\n2026-03-01,10.00\n")
    b = write(tmp_path, "a-april.ofx", "<OFX>april</OFX>")
    state = default_state(tmp_path)
    assert state == tmp_path / STATE_NAME
    assert new_bank_files(tmp_path) == [b, a]  # sorted by name
    assert mark_processed([b, a], state) == 2
    assert new_bank_files(tmp_path) == []
    assert processed_hashes(state) == {file_sha256(a), file_sha256(b)}
    lines = state.read_text().splitlines()
    assert lines == [f"{file_sha256(b)}  a-april.ofx", f"{file_sha256(a)}  b-march.csv"]  # sha256sum's layout
    assert mark_processed([a], state) == 0 and state.read_text().splitlines() == lines


def test_content_decides_not_the_name(tmp_path: Path) -> None:
    a = write(tmp_path, "export.csv", "one\n")
    mark_processed([a], default_state(tmp_path))
    a.rename(tmp_path / "renamed.csv")  # the same export under another name is not read again
    assert new_bank_files(tmp_path) == []
    changed = write(tmp_path, "renamed.csv", "one\ntwo\n")  # a re-downloaded, longer export is
    assert new_bank_files(tmp_path) == [changed]


def test_duplicates_hidden_partial_and_folders_are_skipped(tmp_path: Path) -> None:
    first = write(tmp_path, "a.csv", "same\n")
    write(tmp_path, "b.csv", "same\n")
    for name in (".hidden.csv", "~$bank.xlsx", "bank.csv.part", "bank.csv.crdownload", "x.tmp"):
        write(tmp_path, name, name)
    (tmp_path / "reports").mkdir()
    write(tmp_path / "reports", "inner.csv", "inner\n")
    write(tmp_path, STATE_NAME, "")
    assert new_bank_files(tmp_path) == [first]


def test_state_file_elsewhere_and_tolerant_of_junk(tmp_path: Path) -> None:
    bank = tmp_path / "bank"
    bank.mkdir()
    f = write(bank, "x.csv", "x\n")
    state = tmp_path / "state" / "done.txt"
    state.parent.mkdir()
    state.write_text("# comment\nnot a hash\n\n" + hashlib.sha256(b"other").hexdigest().upper() + "  old.csv")
    assert new_bank_files(bank, state) == [f]
    assert mark_processed([f], state) == 1
    text = state.read_text()
    assert text.startswith("# comment\nnot a hash\n") and text.endswith(f"{file_sha256(f)}  x.csv\n")
    assert new_bank_files(bank, state) == []
    assert len(processed_hashes(state)) == 2
    assert [p.name for p in state.parent.iterdir()] == ["done.txt"]  # no temp file left


def test_mark_with_the_hashes_read_before_processing(tmp_path: Path) -> None:
    f = write(tmp_path, "x.csv", "first\n")
    [(path, digest)] = pending(tmp_path)
    f.write_text("changed while reconciling\n")
    mark_processed([path], default_state(tmp_path), hashes=[digest])
    assert new_bank_files(tmp_path) == [f]  # the changed content is still new
    with pytest.raises(ValueError):
        mark_processed([f], default_state(tmp_path), hashes=[])


def test_main_pending(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    f = write(tmp_path, "x.csv", "x\n")
    assert main(["pending", str(tmp_path)]) == 0
    assert capsys.readouterr().out == f"{f}\n"
    assert main(["pending", str(tmp_path / "missing")]) == 2
    assert main(["bogus"]) == 2


# ---------------------------------------------------------------------------------------------- the script

FAKE_POFLOW = """#!/usr/bin/env python3
# Stands in for `poflow`: records its arguments, marks the folder's files as processed, exits $FAKE_RC.
# `remind` only appends its arguments to $FAKE_REMIND and exits $FAKE_REMIND_RC.
import os, sys
from pathlib import Path
from poflow_sheets.schedule import default_state, mark_processed, new_bank_files
args = sys.argv[1:]
with open(os.environ["FAKE_ORDER"], "a") as fh:
    fh.write(args[0] + "\\n")
if args[0] == "remind":
    with open(os.environ["FAKE_REMIND"], "a") as fh:
        fh.write(" ".join(args) + "\\n")
    print("remind output line", flush=True)
    sys.exit(int(os.environ.get("FAKE_REMIND_RC", "0")))
Path(os.environ["FAKE_ARGS"]).write_text("\\n".join(args))
folder = Path(args[args.index("--folder") + 1])
mark_processed(new_bank_files(folder), default_state(folder))
Path(args[args.index("--report") + 1]).write_bytes(b"report")
print("poflow output line", flush=True)
sys.exit(int(os.environ.get("FAKE_RC", "0")))
"""


@pytest.fixture()
def nightly(tmp_path: Path) -> dict[str, Path]:
    fake = tmp_path / "fake-poflow"
    fake.write_text(FAKE_POFLOW)
    fake.chmod(0o755)
    bank = tmp_path / "bank"
    bank.mkdir()
    workbook = tmp_path / "orders.xlsx"
    workbook.write_bytes(b"xlsx")
    return {"fake": fake, "bank": bank, "workbook": workbook, "reports": tmp_path / "reports",
            "args": tmp_path / "args.txt", "remind": tmp_path / "remind.txt", "order": tmp_path / "order.txt"}


def run_script(paths: dict[str, Path], rc: int = 0, *extra: str, remind_rc: int = 0) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, POFLOW=f"{sys.executable} {paths['fake']}", PYTHON=sys.executable,
               PYTHONPATH=str(REPO), FAKE_ARGS=str(paths["args"]), FAKE_RC=str(rc), FAKE_REMIND=str(paths["remind"]),
               FAKE_REMIND_RC=str(remind_rc), FAKE_ORDER=str(paths["order"]))
    env.pop("POFLOW_NO_EMAIL", None)
    env.pop("POFLOW_NO_REMIND", None)
    return subprocess.run(["bash", str(SCRIPT), str(paths["workbook"]), str(paths["bank"]), *extra],
                          capture_output=True, text=True, env=env, timeout=60, check=False)


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_script_runs_reconcile_on_new_files_and_passes_its_status(nightly: dict[str, Path]) -> None:
    write(nightly["bank"], "march.csv", "data\n")
    reports = nightly["reports"]
    proc = run_script(nightly, 1, str(reports))
    assert proc.returncode == 1, proc.stderr
    args = nightly["args"].read_text().splitlines()
    report = reports / f"reconcile-{date.today().isoformat()}.xlsx"
    assert args == ["reconcile", str(nightly["workbook"]), "--folder", str(nightly["bank"]), "--apply",
                    "--report", str(report), "--email"]
    assert report.read_bytes() == b"report"
    log = (reports / "poflow-nightly.log").read_text()
    assert "new bank files: " in log and "march.csv" in log
    assert "poflow output line" in log and "some transactions need review" in log
    assert re.search(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d", log, re.M)
    assert (reports / "poflow-nightly.log").stat().st_mode & 0o077 == 0  # private

    # the second night: nothing new, poflow is not run, the log grows
    nightly["args"].unlink()
    proc = run_script(nightly, 1, str(reports))
    assert proc.returncode == 0 and not nightly["args"].exists()
    assert "no new bank files" in (reports / "poflow-nightly.log").read_text()
    assert log in (reports / "poflow-nightly.log").read_text()  # appended, not replaced


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_script_default_report_folder_and_errors(nightly: dict[str, Path]) -> None:
    write(nightly["bank"], "a.csv", "a\n")
    proc = run_script(nightly, 0)
    assert proc.returncode == 0, proc.stderr
    assert (nightly["bank"] / "reports" / "poflow-nightly.log").is_file()
    assert "every transaction settled or ignored" in proc.stderr
    write(nightly["bank"], "b.csv", "b\n")
    assert run_script(nightly, 2).returncode == 2
    nightly["workbook"].unlink()
    proc = run_script(nightly, 0)
    assert proc.returncode == 2 and "not found" in proc.stderr
    assert subprocess.run(["bash", str(SCRIPT)], capture_output=True, check=False).returncode == 64


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_script_reconciles_first_then_reminds(nightly: dict[str, Path]) -> None:
    """A payment that arrived today is applied before anyone is chased; no reminders when reconcile failed."""
    write(nightly["bank"], "a.csv", "a\n")
    proc = run_script(nightly, 1)
    assert proc.returncode == 1, proc.stderr
    assert nightly["order"].read_text().splitlines() == ["reconcile", "remind"]
    assert nightly["remind"].read_text() == f"remind {nightly['workbook']}\n"
    log = (nightly["bank"] / "reports" / "poflow-nightly.log").read_text()
    assert "remind output line" in log and "reminders: done" in log
    proc = run_script(nightly, 0, remind_rc=2)  # nothing new: reconcile is not run, the reminders are
    assert proc.returncode == 2 and nightly["order"].read_text().splitlines()[-1] == "remind"
    write(nightly["bank"], "b.csv", "b\n")
    proc = run_script(nightly, 2)
    assert proc.returncode == 2 and nightly["order"].read_text().splitlines()[-1] == "reconcile"
    assert "reminders skipped" in proc.stderr
