"""How far a book can grow: the limits of Excel and Google Sheets, and a warning at 80 % of any of them."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

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


def document_tab_findings(tabs: Sequence[str], keep: int, *, google: bool = False) -> list[Finding]:
    """A warning when the book holds more document tabs (`tabs`, oldest first) than Settings `Document Sheets
    Kept`: a file book moves them with `poflow archive` (and its document commands), a Google Sheet keeps them."""
    if len(tabs) <= keep:
        return []
    hint = ("poflow moves no tab of a Google Sheet: delete the oldest document tabs there (each one's PDF is in "
            "documents/YYYY/MM/), or download the book as .xlsx and run `poflow archive` on it." if google else None)
    return [finding("document-tabs", "", 0, "", "", len(tabs),
                    f"the book holds {len(tabs):,} document tabs, more than Settings Document Sheets Kept "
                    f"({keep}); the oldest is {tabs[0]}", hint=hint)]


__all__ = ["EXCEL_ROWS", "SHEETS_CELLS", "TABS", "document_tab_findings", "limit_findings"]
