"""The main job of scripts/demo.sh on a Google Sheet (the fake) and on an .xlsx: the same workbook, cell by cell.

init --demo, validate, reconcile --apply, invoice --all-ready, validate, status: run through the real CLI
(in this process, so gspread's requests reach the fake), with the Log's clock fixed. Then every tab of
the Google Sheet, document tabs included, is compared with the .xlsx, and the commands said the same.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from tests.fake_sheets import FakeSheets
from tests.sheets_helpers import NOW, invoke, same_cells, sheet_tabs, xlsx_tabs

REPO = Path(__file__).resolve().parents[1]
BANK = REPO / "scripts" / "demo-bank.csv"
TODAY = "2026-11-26"


@pytest.fixture(autouse=True)
def fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Log's clock, fixed: both runs record the same time."""
    from poflow_sheets.app import payments, workbook

    monkeypatch.setattr(workbook, "utc_now", lambda: NOW)
    monkeypatch.setattr(payments, "utc_now", lambda: NOW)


def demo_flow(workbook: str, folder: Path) -> list[str]:
    """scripts/demo.sh's commands on one workbook; what each printed, the workbook named WORKBOOK."""
    said = []
    for args, ok in (
        (("init", workbook, "--demo"), (0,)),
        (("validate", workbook, "--json"), (0,)),
        (("reconcile", workbook, BANK, "--apply", "--today", TODAY, "--json", "--report",
          folder / "reconcile.xlsx"), (0, 1)),
        (("invoice", workbook, "--all-ready", "--today", TODAY, "--out", folder / "documents"), (0,)),
        (("validate", workbook, "--json"), (0,)),
        (("status", workbook, "--today", TODAY, "--json"), (0,)),
    ):
        result = invoke(*args, ok=ok)
        text = re.sub(r" \(backup [^)]*\)", "", result.output)  # files keep backups; Google keeps versions
        said.append(text.replace(workbook, "WORKBOOK").replace(str(folder), "FOLDER"))
    return said


def normalized(tabs: dict[str, list[list[object]]], workbook: str, folder: Path) -> dict[str, list[list[object]]]:
    """The Log's Command column names the workbook and the output folder: where the two runs rightly differ."""
    def same(v: object) -> object:
        return v.replace(workbook, "WORKBOOK").replace(str(folder), "FOLDER") if isinstance(v, str) else v

    return {t: [[same(v) for v in r] for r in rows] for t, rows in tabs.items()}


def test_demo_flow_gives_the_same_workbook_on_a_google_sheet_and_an_xlsx(google: FakeSheets, tmp_path: Path) -> None:
    xlsx = tmp_path / "x" / "demo.xlsx"
    xlsx.parent.mkdir()
    said_xlsx = demo_flow(str(xlsx), xlsx.parent)
    google.create("DEMO-SHEET-1", "demo")
    (tmp_path / "g").mkdir()
    said_sheet = demo_flow("gsheet:DEMO-SHEET-1", tmp_path / "g")

    assert said_sheet == said_xlsx
    assert json.loads(said_sheet[-1])  # status --json parsed
    a = normalized(xlsx_tabs(xlsx), str(xlsx), xlsx.parent)
    b = normalized(sheet_tabs(google, "DEMO-SHEET-1"), "gsheet:DEMO-SHEET-1", tmp_path / "g")
    assert "INV-1005" in b and "Log" in b, list(b)
    differences = same_cells(a, b)
    assert differences == [], "\n".join(differences[:40])
    pdfs = sorted(p.name for p in (tmp_path / "g" / "documents").glob("*/*/*.pdf"))
    assert pdfs == sorted(p.name for p in (xlsx.parent / "documents").glob("*/*/*.pdf")) and pdfs
