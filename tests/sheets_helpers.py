"""Helpers for the Google Sheets tests: run the CLI in-process, and read every tab of either backend as plain
values (numbers as Sheets gives them, dates as serial numbers) so the two can be compared cell by cell."""

from __future__ import annotations

import sys
from datetime import date, datetime
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from poflow_sheets.cli import main
from tests.fake_sheets import FakeSheets
from tests.fake_sheets.values import read_box

NOW = datetime(2026, 11, 26, 9, 30, 0)


def invoke(*args: str | Path, ok: tuple[int, ...] = (0,)) -> Result:
    """Run `poflow ARGS` in this process (so the fake's transport applies), as a person types it."""
    argv = ["poflow", *map(str, args)]
    saved = sys.argv
    sys.argv = argv
    try:
        result = CliRunner().invoke(main, argv[1:], catch_exceptions=False)
    finally:
        sys.argv = saved
    assert result.exit_code in ok, f"{argv}: exit {result.exit_code}\n{result.output}"
    assert "Traceback" not in result.output
    return result


def _plain(v: Any) -> Any:
    if isinstance(v, datetime):
        days = (v - datetime(1899, 12, 30)).total_seconds() / 86400
        return int(days) if days.is_integer() else days
    if isinstance(v, date):
        return (v - date(1899, 12, 30)).days
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _trimmed(rows: list[list[Any]]) -> list[list[Any]]:
    out = []
    for r in rows:
        r = [_plain(v) for v in r]
        while r and r[-1] in ("", None):
            r.pop()
        out.append(r)
    while out and not out[-1]:
        out.pop()
    return out


def xlsx_tabs(path: Path) -> dict[str, list[list[Any]]]:
    """Every tab of a workbook file as values."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    try:
        return {n: _trimmed(wb.get_sheet_by_name(n).to_python(skip_empty_area=False)) for n in wb.sheet_names}
    finally:
        wb.close()


def sheet_tabs(fake: FakeSheets, spreadsheet_id: str) -> dict[str, list[list[Any]]]:
    """Every tab of a fake spreadsheet as values (UNFORMATTED_VALUE, dates as serial numbers)."""
    from tests.fake_sheets.model import Box

    book = fake.books[spreadsheet_id]
    return {s.title: _trimmed(read_box(s, Box(0, s.row_count, 0, s.col_count), "UNFORMATTED_VALUE", "SERIAL_NUMBER"))
            for s in book.sheets}


def same_cells(a: dict[str, list[list[Any]]], b: dict[str, list[list[Any]]]) -> list[str]:
    """The cells where two workbooks differ, as 'Tab!A1: x != y' lines (tab lists compared too)."""
    from poflow_sheets.store.sheetxml import column_letters

    out = []
    if list(a) != list(b):
        out.append(f"tabs: {list(a)} != {list(b)}")
    for tab in a:
        if tab not in b:
            continue
        ra, rb = a[tab], b[tab]
        for r in range(max(len(ra), len(rb))):
            xa = ra[r] if r < len(ra) else []
            xb = rb[r] if r < len(rb) else []
            for c in range(max(len(xa), len(xb))):
                va = xa[c] if c < len(xa) else ""
                vb = xb[c] if c < len(xb) else ""
                if va != vb:
                    out.append(f"{tab}!{column_letters(c + 1)}{r + 1}: {va!r} != {vb!r}")
    return out


__all__ = ["NOW", "invoke", "same_cells", "sheet_tabs", "xlsx_tabs"]
