"""A person's sheets as `poflow adopt` sees them: the header row, and each column's header and values."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from itertools import islice
from pathlib import Path
from typing import Any

from ..errors import WorkbookUnreadable
from ..findings import col_letter
from ..layout import choose_header, non_record_rows, xlsx_probe
from ..reader import open_workbook
from ..schema import TABS, norm
from .vocab import known_norms

# Every name of every column of every tab (and the usual names people give them): what a header row holds.
ALL_NAMES: frozenset[str] = frozenset().union(
    *(known_norms(t.name, tuple((c.key, c.header) for c in t.columns)) for t in TABS))


@dataclass(frozen=True)
class SheetColumn:
    """One column of a person's sheet: its header as written and its values on record rows."""

    index: int  # 0-based sheet column
    header: str
    values: tuple[object, ...]  # one per record row ("" when empty)

    @property
    def letter(self) -> str:
        """The column letter."""
        return col_letter(self.index)

    def filled(self) -> list[object]:
        """The values that are not empty."""
        return [v for v in self.values if v not in ("", None)]

    def sample(self, n: int = 500) -> list[object]:
        """The first `n` values that are not empty (what a column's contents are judged by)."""
        return list(islice((v for v in self.values if v not in ("", None)), n))


@dataclass(frozen=True)
class SheetView:
    """A sheet's header row and columns, with the Excel rows of its records."""

    title: str
    header_row: int  # Excel row of the header; 0 when the sheet is empty
    columns: tuple[SheetColumn, ...]
    rows: tuple[int, ...]  # Excel row of each record
    skipped: tuple[tuple[int, str, str], ...]  # (Excel row, "totals" or "label", the label's text): no records
    width: int = 0  # cells in the header row (a new column goes after them)

    def column(self, index: int) -> SheetColumn:
        """The column at a sheet index."""
        return next(c for c in self.columns if c.index == index)


def read_sheets(path: Path, *, only: Sequence[str] = ()) -> list[SheetView]:
    """Every sheet of the workbook (or the named ones), its header found as the reader finds it."""
    wb = open_workbook(path)
    views = []
    try:
        for title in wb.sheet_names:
            if only and title not in only:
                continue
            if norm(title).startswith("poflow") and norm(title) != "poflow":
                continue  # poflow's own tabs (poflow Map, poflow Log)
            try:
                sheet = wb.get_sheet_by_name(title)
                rows = sheet.to_python(skip_empty_area=False)
            except Exception as exc:
                raise WorkbookUnreadable(f"{path}: tab '{title}' cannot be read ({exc})") from None
            views.append(view_of(path, title, rows, sheet))
    finally:
        wb.close()
    return views


def view_of(path: Path, title: str, rows: Sequence[Sequence[object]], sheet: Any = None) -> SheetView:
    """One sheet's header and record rows (totals, subtotal, label and blank rows left out)."""

    def merged() -> Any:
        try:
            return (sheet.merged_cell_ranges or ()) if sheet is not None else ()
        except Exception:
            return ()

    header = choose_header(rows, ALL_NAMES, merged)
    if header.index < 0:
        return SheetView(title, 0, (), (), ())
    data = list(rows[header.index + 1:])
    while data and all(v in ("", None) for v in data[-1]):
        data.pop()
    named = [i for i, h in enumerate(header.cells) if str(h or "").strip()]
    first = header.index + 2
    probe = xlsx_probe(path, title) if path.suffix.lower() in (".xlsx", ".xlsm") else None
    nr = non_record_rows(data, named[0] if named else None, first, merged=merged, probe=probe)
    keep = [i for i, r in enumerate(data) if i not in nr.skip and any(v not in ("", None) for v in r)]
    skipped = tuple((first + i, "totals" if i in nr.totals else "label",
                     " ".join(str(v).strip() for v in data[i] if v not in ("", None))) for i in sorted(nr.skip))
    columns = []
    for i in named:
        values = tuple(data[r][i] if i < len(data[r]) else "" for r in keep)
        columns.append(SheetColumn(i, str(header.cells[i]).strip(), values))
    return SheetView(title, header.index + 1, tuple(columns), tuple(first + i for i in keep), skipped,
                     len(rows[header.index]))


__all__ = ["ALL_NAMES", "SheetColumn", "SheetView", "read_sheets", "view_of"]
