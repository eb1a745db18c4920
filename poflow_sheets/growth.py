"""How far a book can grow: the limits of Excel and Google Sheets, and a warning at 80 % of any of them."""

from __future__ import annotations

from collections.abc import Mapping

from .findings import Finding, finding

EXCEL_ROWS = 1_048_576  # rows per worksheet
SHEETS_CELLS = 10_000_000  # cells per Google spreadsheet, all tabs together
TABS = 200  # tabs: poflow's own limit (Excel and Sheets open a workbook of more tabs slowly)
WARN_AT = 0.8


def limit_findings(sizes: Mapping[str, tuple[int, int]]) -> list[Finding]:
    """Warnings for a workbook of these tab sizes ((rows, columns) per tab) at 80 % of a limit."""
    out: list[Finding] = []
    for title, (rows, _cols) in sizes.items():
        if rows >= WARN_AT * EXCEL_ROWS:
            out.append(finding("size", title, rows, "", "", rows,
                               f"{title} has {rows:,} rows; Excel stops at {EXCEL_ROWS:,}"))
    cells = sum(r * c for r, c in sizes.values())
    if cells >= WARN_AT * SHEETS_CELLS:
        out.append(finding("size", "", 0, "", "", cells,
                           f"the workbook has {cells:,} cells; Google Sheets stops at {SHEETS_CELLS:,}"))
    if len(sizes) >= WARN_AT * TABS:
        out.append(finding("size", "", 0, "", "", len(sizes),
                           f"the workbook has {len(sizes):,} tabs; poflow advises at most {TABS}"))
    return out


__all__ = ["EXCEL_ROWS", "SHEETS_CELLS", "TABS", "limit_findings"]
