"""What poflow read from a Google Sheet: each tab's id, grid size and, for the tabs it fetched, its values.

A write compares the cells it is about to change (and the rows where it appends) with these values, so
a person's edit made between poflow's read and its write is found and the write refused.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from poflow_sheets.store.backend import ReadStamp


@dataclass
class TabRead:
    """One tab as read: its id and grid size, and its values from A1 when it was fetched."""

    title: str
    sheet_id: int
    index: int
    row_count: int
    col_count: int
    rows: list[list[object]] | None = None  # None: not fetched

    def value(self, row: int, col: int) -> object:
        """The value read at (row, col), 1-based; '' outside what was read."""
        rows = self.rows or []
        if 0 < row <= len(rows):
            r = rows[row - 1]
            if 0 < col <= len(r):
                return r[col - 1]
        return ""

    def last_row(self) -> int:
        """The last row (1-based) holding any value; 0 for an empty tab."""
        rows = self.rows or []
        for i in range(len(rows) - 1, -1, -1):
            if any(v not in ("", None) for v in rows[i]):
                return i + 1
        return 0

    def first_row(self) -> int:
        """The first row (1-based) holding any value (the header); 0 for an empty tab."""
        for i, r in enumerate(self.rows or []):
            if any(v not in ("", None) for v in r):
                return i + 1
        return 0


@dataclass
class SheetStamp(ReadStamp):
    """A spreadsheet as read: every grid tab by title."""

    spreadsheet_id: str
    title: str = ""
    tabs: dict[str, TabRead] = field(default_factory=dict)

    @classmethod
    def from_metadata(cls, spreadsheet_id: str, meta: dict[str, Any]) -> SheetStamp:
        """From a `spreadsheets.get` answer limited to sheet properties."""
        tabs: dict[str, TabRead] = {}
        for sheet in meta.get("sheets", []):
            p = sheet.get("properties", {})
            if p.get("sheetType", "GRID") != "GRID":
                continue  # a chart sheet has no cells
            grid = p.get("gridProperties", {})
            tabs[p["title"]] = TabRead(p["title"], int(p.get("sheetId", 0)), int(p.get("index", len(tabs))),
                                       int(grid.get("rowCount", 0)), int(grid.get("columnCount", 0)))
        return cls(spreadsheet_id, meta.get("properties", {}).get("title", ""), tabs)

    def find(self, name: str) -> TabRead | None:
        """A tab by title, case ignored (as the store's edits name them)."""
        tab = self.tabs.get(name)
        if tab is not None:
            return tab
        folded = name.casefold()
        return next((t for t in self.tabs.values() if t.title.casefold() == folded), None)

    def titles(self) -> tuple[str, ...]:
        """Tab titles in the spreadsheet's order."""
        return tuple(t.title for t in sorted(self.tabs.values(), key=lambda t: t.index))


__all__ = ["SheetStamp", "TabRead"]
