"""Scheduling sync: scripts/sync.sh (for the cron line and the systemd timer) with the real poflow, and the
nightly script syncing before and after it reconciles (with a stand-in poflow that records its calls)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from poflow_sheets.demo import write_demo

REPO = Path(__file__).resolve().parents[1]
SYNC = REPO / "scripts" / "sync.sh"
NIGHTLY = REPO / "scripts" / "nightly-reconcile.sh"

pytestmark = pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")


def _env(**extra: str) -> dict[str, str]:
    env = dict(os.environ, POFLOW=f"{sys.executable} -m poflow_sheets", PYTHON=sys.executable, PYTHONPATH=str(REPO))
    for name in ("POFLOW_SYNC_WITH", "POFLOW_NO_EMAIL", "POFLOW_NO_REMIND"):
        env.pop(name, None)
    env.update(extra)
    return env


def _set_note(path: Path, po: str, note: str) -> None:
    wb = openpyxl.load_workbook(path)
    ws = wb["Orders"]
    header = [c.value for c in ws[1]]
    row = next(r for r in range(2, ws.max_row + 1) if ws.cell(r, 1).value == po)
    ws.cell(row, header.index("Notes") + 1).value = note
    wb.save(path)


def test_sync_script_logs_each_run_and_passes_the_status(tmp_path: Path) -> None:
    owner, partner = tmp_path / "owner.xlsx", tmp_path / "partner.xlsx"
    write_demo(owner)
    write_demo(partner)
    logs = tmp_path / "logs"

    def run() -> subprocess.CompletedProcess[str]:
        return subprocess.run(["bash", str(SYNC), str(owner), str(partner), str(logs)], capture_output=True, text=True,
                              env=_env(), timeout=120, check=False)

    proc = run()
    assert proc.returncode == 0, proc.stderr
    _set_note(owner, "PO-1009", "owner")
    _set_note(partner, "PO-1009", "partner")
    proc = run()
    assert proc.returncode == 1 and "conflicts left as they are" in proc.stderr
    log = (logs / "poflow-sync.log").read_text()
    assert "done: in step" in log and "conflict: Orders PO-1009, Notes:" in log
    assert (logs / "poflow-sync.log").stat().st_mode & 0o077 == 0
    assert subprocess.run(["bash", str(SYNC)], capture_output=True, check=False).returncode == 64
    proc = subprocess.run(["bash", str(SYNC), str(owner), str(partner)], capture_output=True, text=True, env=_env(),
                          timeout=120, check=False)
    assert proc.returncode == 1 and (tmp_path / "poflow-sync.log").is_file()  # beside the workbook by default


FAKE_POFLOW = """#!/usr/bin/env python3
# Stands in for `poflow`: appends its arguments to $FAKE_CALLS; `sync` exits $FAKE_SYNC_RC; `reconcile`
# marks the folder's files processed and writes its report.
import os, sys
from pathlib import Path
from poflow_sheets.schedule import default_state, mark_processed, new_bank_files
args = sys.argv[1:]
with open(os.environ["FAKE_CALLS"], "a") as fh:
    fh.write(" ".join(args) + "\\n")
if args[0] == "sync":
    sys.exit(int(os.environ.get("FAKE_SYNC_RC", "0")))
if args[0] == "reconcile":
    folder = Path(args[args.index("--folder") + 1])
    mark_processed(new_bank_files(folder), default_state(folder))
    Path(args[args.index("--report") + 1]).write_bytes(b"report")
sys.exit(0)
"""


@pytest.mark.parametrize(("sync_rc", "status"), [(0, 0), (1, 1), (2, 2)])
def test_nightly_syncs_before_and_after_it_reconciles(tmp_path: Path, sync_rc: int, status: int) -> None:
    fake = tmp_path / "fake-poflow"
    fake.write_text(FAKE_POFLOW)
    bank = tmp_path / "bank"
    bank.mkdir()
    (bank / "a.csv").write_text("a\n")
    workbook = tmp_path / "orders.xlsx"
    workbook.write_bytes(b"xlsx")
    calls = tmp_path / "calls.txt"
    env = _env(POFLOW=f"{sys.executable} {fake}", FAKE_CALLS=str(calls), FAKE_SYNC_RC=str(sync_rc),
               POFLOW_SYNC_WITH="gsheet:PARTNER", POFLOW_NO_EMAIL="1")
    proc = subprocess.run(["bash", str(NIGHTLY), str(workbook), str(bank)], capture_output=True, text=True, env=env,
                          timeout=60, check=False)
    assert proc.returncode == status, proc.stderr
    words = [line.split()[:2] for line in calls.read_text().splitlines()]
    assert words == [["sync", str(workbook)], ["reconcile", str(workbook)], ["remind", str(workbook)],
                     ["sync", str(workbook)]]
    assert calls.read_text().splitlines()[0] == f"sync {workbook} gsheet:PARTNER"
    log = (bank / "reports" / "poflow-nightly.log").read_text()
    assert {0: "sync: in step with gsheet:PARTNER", 1: "sync: conflicts left as they are",
            2: "sync with gsheet:PARTNER failed with exit status 2"}[sync_rc] in log
    # without POFLOW_SYNC_WITH, no sync
    calls.unlink()
    env.pop("POFLOW_SYNC_WITH")
    proc = subprocess.run(["bash", str(NIGHTLY), str(workbook), str(bank)], capture_output=True, text=True, env=env,
                          timeout=60, check=False)
    assert proc.returncode == 0 and [line.split()[0] for line in calls.read_text().splitlines()] == ["remind"]
