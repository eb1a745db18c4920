"""`poflow undo` on both backends: a reconcile reverted cell by cell, a cell a person changed since left alone
and reported, the undo logged, and a second undo reverting the run before."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl
import pytest

from tests.fake_sheets import FakeSheets
from tests.sheets_helpers import invoke, sheet_tabs, xlsx_tabs

BANK = Path(__file__).resolve().parents[1] / "scripts" / "demo-bank.csv"
TODAY = "2026-11-26"
SHEET = "BOOKS-UNDO"


def _status_cell(tabs: dict[str, list[list[Any]]], invoice: str) -> tuple[int, int]:
    rows = tabs["Invoices"]
    col = rows[0].index("Status")
    row = next(i for i, r in enumerate(rows) if r and r[0] == invoice)
    return row, col


def _without_log(tabs: dict[str, list[list[Any]]]) -> dict[str, list[list[Any]]]:
    return {t: rows for t, rows in tabs.items() if t != "Log"}


def check_undo(read: Any, write_status: Any, workbook: str) -> None:
    """init --demo, reconcile --apply, a person voids INV-1003, undo: all reverted but that cell."""
    invoke("init", workbook, "--demo")
    before = read()
    invoke("reconcile", workbook, BANK, "--apply", "--today", TODAY)
    after_reconcile = read()
    r, c = _status_cell(after_reconcile, "INV-1003")
    assert after_reconcile["Invoices"][r][c] == "paid" and before != after_reconcile
    write_status(r, c, "void")  # a person, after the reconcile

    result = invoke("undo", workbook, ok=(1,))
    assert "left alone: Invoices INV-1003 Status: now 'void', that command wrote 'paid'" in result.output
    assert "Payments: cleared 3 row(s)" in result.output and "Allocations: cleared 2 row(s)" in result.output
    expected = _without_log(before)
    expected["Invoices"][r][c] = "void"
    assert _without_log(read()) == expected
    log = read()["Log"]
    undo_rows = [row for row in log if "poflow undo" in str(row[1])]
    assert undo_rows and all("(reverts 2026-" in row[1] and "poflow reconcile" in row[1] for row in undo_rows)

    # A second undo reverts the run before (init wrote no Log): nothing left to undo.
    result = invoke("undo", workbook)
    assert "nothing to undo" in result.output


def test_undo_reverts_a_reconcile_on_an_xlsx(tmp_path: Path) -> None:
    xlsx = tmp_path / "books.xlsx"

    def write_status(r: int, c: int, value: str) -> None:
        wb = openpyxl.load_workbook(xlsx)
        wb["Invoices"].cell(r + 1, c + 1).value = value
        wb.save(xlsx)

    check_undo(lambda: xlsx_tabs(xlsx), write_status, str(xlsx))


def test_undo_reverts_a_reconcile_on_a_google_sheet(google: FakeSheets) -> None:
    google.create(SHEET, "books")

    def write_status(r: int, c: int, value: str) -> None:
        invoices = google.books[SHEET].by_title("Invoices")
        assert invoices is not None
        invoices.put(r, c, value)

    check_undo(lambda: sheet_tabs(google, SHEET), write_status, f"gsheet:{SHEET}")


def test_undo_dry_run_writes_nothing(google: FakeSheets) -> None:
    google.create(SHEET, "books")
    wb = f"gsheet:{SHEET}"
    invoke("init", wb, "--demo")
    invoke("reconcile", wb, BANK, "--apply", "--today", TODAY)
    before = sheet_tabs(google, SHEET)
    result = invoke("undo", wb, "--dry-run")
    assert "would change Invoices INV-1003: Status 'paid' -> 'open'" in result.output
    assert sheet_tabs(google, SHEET) == before


@pytest.mark.parametrize("kind", ["xlsx", "sheet"])
def test_undo_then_undo_walks_back_through_the_log(kind: str, google: FakeSheets, tmp_path: Path) -> None:
    if kind == "xlsx":
        wb = str(tmp_path / "b.xlsx")

        def read() -> dict[str, list[list[Any]]]:
            return xlsx_tabs(Path(wb))
    else:
        google.create(SHEET, "books")
        wb = f"gsheet:{SHEET}"

        def read() -> dict[str, list[list[Any]]]:
            return sheet_tabs(google, SHEET)
    invoke("init", wb, "--demo")
    start = _without_log(read())
    invoke("reconcile", wb, BANK, "--apply", "--today", TODAY)
    invoke("invoice", wb, "--all-ready", "--today", TODAY, "--no-sheet", "--out", tmp_path / kind)
    invoke("undo", wb)  # the invoices
    invoke("undo", wb)  # the reconcile
    assert _without_log(read()) == start
