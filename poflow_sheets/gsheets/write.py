"""A store change list as Sheets API requests, prepared in full before anything is sent.

`WriteDraft(changes, stamp)` converts every value first (a Decimal that would not come back exactly
refuses the write here). `reread()` names the ranges to read again just before writing: the cells to
change (with their row's first cell, which moves when a person inserts or deletes rows) and everything
below the last row where rows are appended. `settle(values)` compares them with what the command read:
any difference is a `WriteConflict` naming the cells, and nothing is written. Otherwise it returns one
`spreadsheets:batchUpdate` (new tabs, grid growth, formats, frozen headers, column widths) and one
`values:batchUpdate` (RAW) that together make the change.

Appends land after the last row that holds data at write time; appended rows take the format of the
row above (as on .xlsx), and dates get a date format.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from poflow_sheets.errors import Refused, WriteConflict
from poflow_sheets.gsheets import a1
from poflow_sheets.gsheets.stamp import SheetStamp, TabRead
from poflow_sheets.gsheets.values import CellFormat, SheetCell, from_sheet, to_cell
from poflow_sheets.store.edits import AddSheet, AnyValue, AppendRows, Edit, PatchResult, SetCell

NEW_TAB_ROWS = 1000  # a new tab's grid, as Google makes one
NEW_TAB_COLS = 26
MAX_NAMED = 8  # conflicting cells named in the message


def pixels(width: float) -> int:
    """An Excel column width (characters) in pixels, as Sheets sizes columns."""
    return round(width * 7 + 5)


@dataclass
class _Target:
    """One tab the write touches."""

    title: str
    sheet_id: int
    row_count: int
    col_count: int
    read: TabRead | None = None  # an existing tab (its values known when it was fetched)
    new: bool = False
    cells: dict[tuple[int, int], SheetCell] = field(default_factory=dict)
    checks: set[tuple[int, int]] = field(default_factory=set)
    contents: list[list[SheetCell]] = field(default_factory=list)  # a new tab's rows from A1
    appends: list[list[SheetCell]] = field(default_factory=list)
    widths: tuple[float, ...] = ()
    freeze: bool = False
    append_at: int = 0  # first appended row, settled at write time

    @property
    def fetched(self) -> bool:
        return self.read is not None and self.read.rows is not None


@dataclass
class Plan:
    """What to send: structure and formats, then values; and what the write did."""

    requests: list[dict[str, Any]]
    data: list[dict[str, Any]]
    result: PatchResult
    added_ids: tuple[int, ...] = ()


class WriteDraft:
    """A change list converted and placed, waiting for the check against the sheet as it is now."""

    def __init__(self, changes: Sequence[Edit], stamp: SheetStamp, label: str) -> None:
        self.stamp = stamp
        self.label = label
        self.targets: dict[str, _Target] = {}
        used = {t.sheet_id for t in stamp.tabs.values()}
        self._rng = random.Random()
        self._used = used
        self._reread: list[tuple[_Target, str, int]] | None = None
        for ch in changes:
            if isinstance(ch, AddSheet):
                self._add_sheet(ch)
            elif isinstance(ch, SetCell):
                self._set_cell(ch)
            elif isinstance(ch, AppendRows):
                self._append(ch)
            else:
                raise TypeError(f"unknown change {ch!r}")

    # Building -------------------------------------------------------------------------------------

    def _target(self, name: str) -> _Target:
        key = name.casefold()
        if key in self.targets:
            return self.targets[key]
        read = self.stamp.find(name)
        if read is None:
            raise Refused(f"{self.label}: no tab named {name!r}; nothing was written")
        t = _Target(read.title, read.sheet_id, read.row_count, read.col_count, read=read)
        self.targets[key] = t
        return t

    def _new_id(self) -> int:
        while True:
            i = self._rng.randrange(1, 2**31 - 1)
            if i not in self._used:
                self._used.add(i)
                return i

    def _convert(self, title: str, row: int, col: int, value: AnyValue) -> SheetCell:
        return to_cell(value, a1.ref(title, row, col))

    def _add_sheet(self, ch: AddSheet) -> None:
        key = ch.name.casefold()
        if key in self.targets and self.targets[key].new:
            raise Refused(f"{self.label}: tab {ch.name!r} added twice; nothing was written")
        if self.stamp.find(ch.name) is not None:
            if ch.if_missing:
                return
            raise Refused(f"{self.label}: a tab named {ch.name!r} exists already; nothing was written")
        t = _Target(ch.name, self._new_id(), NEW_TAB_ROWS, NEW_TAB_COLS, new=True, widths=ch.col_widths,
                    freeze=ch.freeze_header)
        t.contents = [[self._convert(ch.name, r, c, v) for c, v in enumerate(row, start=1)]
                      for r, row in enumerate(ch.rows, start=1)]
        self.targets[key] = t

    def _set_cell(self, ch: SetCell) -> None:
        t = self._target(ch.sheet)
        cell = self._convert(t.title, ch.row, ch.col, ch.value)
        if t.new:
            while len(t.contents) < ch.row:
                t.contents.append([])
            row = t.contents[ch.row - 1]
            while len(row) < ch.col:
                row.append(SheetCell(None))
            row[ch.col - 1] = cell
            return
        t.cells[(ch.row, ch.col)] = cell
        if t.fetched:
            t.checks.add((ch.row, ch.col))
            t.checks.add((ch.row, 1))

    def _append(self, ch: AppendRows) -> None:
        t = self._target(ch.sheet)
        base = len(t.contents) + len(t.appends) if t.new else 0
        rows = [[self._convert(t.title, base + i, c, v) for c, v in enumerate(row, start=1)]
                for i, row in enumerate(ch.rows, start=1)]
        if t.new:
            t.contents.extend(rows)
        else:
            t.appends.extend(rows)

    @property
    def empty(self) -> bool:
        """True when there is nothing to write."""
        return not self.targets

    # The check at write time -----------------------------------------------------------------------

    def reread(self) -> list[tuple[_Target, str, int]]:
        """The ranges to read just before writing: (target, A1 range, first row of the range)."""
        if self._reread is not None:
            return self._reread
        out = []
        for t in self.targets.values():
            if t.new or (not t.checks and not t.appends):
                continue
            if not t.fetched:
                if t.appends:
                    out.append((t, a1.whole(t.title), 1))
                continue
            assert t.read is not None
            rows = [r for r, _ in t.checks]
            if t.appends:
                rows.append(t.read.last_row() + 1)
            first = max(1, min(rows))
            last_col = max([t.col_count, *(c for _, c in t.checks)])
            out.append((t, a1.down_from(t.title, first, last_col), first))
        self._reread = out
        return out

    def settle(self, reread: Sequence[Sequence[Sequence[Any]]]) -> Plan:
        """Compare the re-read values with what was read; then the requests and the values to send."""
        conflicts: list[str] = []
        for (t, _, first), raw in zip(self.reread(), reread, strict=True):
            now = from_sheet(raw)
            last_now = _last_row(now)

            def at(row: int, col: int, now: list[list[object]] = now, first: int = first) -> object:
                i = row - first
                if 0 <= i < len(now) and 0 < col <= len(now[i]):
                    return now[i][col - 1]
                return ""

            if not t.fetched:
                t.append_at = (first + last_now) if last_now else 1
                continue
            assert t.read is not None
            for r, c in sorted(t.checks):
                was, is_ = t.read.value(r, c), at(r, c)
                if was != is_:
                    conflicts.append(f"{a1.ref(t.title, r, c)} (was {_show(was)}, now {_show(is_)})")
            read_last = t.read.last_row()
            if t.appends:
                if last_now and first + last_now - 1 > read_last:
                    added = [first + i for i, row in enumerate(now)
                             if first + i > read_last and any(v not in ("", None) for v in row)]
                    conflicts.append(f"{t.title} row{'s' if len(added) > 1 else ''} "
                                     f"{_span(added)} (added where poflow appends)")
                t.append_at = read_last + 1
        if conflicts:
            shown = ", ".join(conflicts[:MAX_NAMED])
            more = f" and {len(conflicts) - MAX_NAMED} more" if len(conflicts) > MAX_NAMED else ""
            raise WriteConflict(f"{self.label} changed since poflow read it: {shown}{more}; nothing was written. "
                                "Run the command again")
        return self._requests()

    # Requests -------------------------------------------------------------------------------------------

    def _requests(self) -> Plan:
        structure: list[dict[str, Any]] = []
        after: list[dict[str, Any]] = []
        data: list[dict[str, Any]] = []
        formats: dict[tuple[int, CellFormat], set[tuple[int, int]]] = defaultdict(set)
        formulas: list[tuple[int, int, int, str]] = []
        written = 0
        appended: list[tuple[str, int, int]] = []
        added: list[str] = []
        index = len(self.stamp.tabs)

        def place(t: _Target, row: int, col: int, cell: SheetCell) -> None:
            if cell.fmt is not None:
                formats[(t.sheet_id, cell.fmt)].add((row, col))
            if cell.formula is not None:
                formulas.append((t.sheet_id, row, col, cell.formula))

        for t in self.targets.values():
            if t.new:
                rows = t.contents
                width = max((len(r) for r in rows), default=1)
                t.row_count = max(NEW_TAB_ROWS, len(rows))
                t.col_count = max(NEW_TAB_COLS, width)
                grid: dict[str, Any] = {"rowCount": t.row_count, "columnCount": t.col_count}
                if t.freeze:
                    grid["frozenRowCount"] = 1
                structure.append({"addSheet": {"properties": {
                    "sheetId": t.sheet_id, "title": t.title, "index": index, "sheetType": "GRID",
                    "gridProperties": grid}}})
                index += 1
                added.append(t.title)
                for c, w in enumerate(t.widths):
                    after.append(_width(t.sheet_id, c, w))
                if rows:
                    data.append({"range": a1.block(t.title, 1, 1, len(rows), width),
                                 "values": [[cell.value for cell in r] for r in rows]})
                for r, row in enumerate(rows, start=1):
                    for c, cell in enumerate(row, start=1):
                        place(t, r, c, cell)
                        written += cell.value is not None
                continue
            need_rows, need_cols = 0, 0
            for (r, c), cell in sorted(t.cells.items()):
                place(t, r, c, cell)
                need_rows, need_cols = max(need_rows, r), max(need_cols, c)
            for run_row, run_col, values in _runs(t.cells):
                data.append({"range": a1.block(t.title, run_row, run_col, 1, len(values)), "values": [values]})
                written += len(values)
            if t.appends:
                start = t.append_at
                width = max((len(r) for r in t.appends), default=1)
                data.append({"range": a1.block(t.title, start, 1, len(t.appends), width),
                             "values": [[cell.value for cell in r] for r in t.appends]})
                for i, row in enumerate(t.appends):
                    for c, cell in enumerate(row, start=1):
                        place(t, start + i, c, cell)
                        written += cell.value not in (None, "")
                end = start + len(t.appends) - 1
                appended.append((t.title, start, end))
                need_rows, need_cols = max(need_rows, end), max(need_cols, width)
                header = t.read.first_row() if t.read is not None and t.fetched else 1
                if start - 1 > max(header, 1):  # a data row above: the new rows take its format (as on .xlsx)
                    after.insert(0, _copy_format(t.sheet_id, start - 1, len(t.appends),
                                                 max(t.col_count, need_cols)))
            if need_rows > t.row_count:
                structure.append({"appendDimension": {"sheetId": t.sheet_id, "dimension": "ROWS",
                                                      "length": need_rows - t.row_count}})
            if need_cols > t.col_count:
                structure.append({"appendDimension": {"sheetId": t.sheet_id, "dimension": "COLUMNS",
                                                      "length": need_cols - t.col_count}})
        for (sheet_id, fmt), cells in formats.items():
            user, mask = fmt.user_entered()
            for r0, r1, c0, c1 in _rectangles(cells):
                after.append({"repeatCell": {"range": _grid(sheet_id, r0, r1, c0, c1),
                                             "cell": {"userEnteredFormat": user}, "fields": mask}})
        for sheet_id, r, c, text in formulas:
            after.append({"updateCells": {"range": _grid(sheet_id, r, r, c, c),
                                          "rows": [{"values": [{"userEnteredValue": {"formulaValue": text}}]}],
                                          "fields": "userEnteredValue"}})
            written += 1
        ids = tuple(t.sheet_id for t in self.targets.values() if t.new)
        result = PatchResult(changed=bool(data or structure or after), sheets_added=tuple(added),
                             cells_written=written, appended=tuple(appended))
        return Plan(structure + after, data, result, ids)


def _show(value: object) -> str:
    text = repr(value if value not in (None,) else "")
    return text if len(text) <= 40 else text[:37] + "...'"


def _span(rows: list[int]) -> str:
    if not rows:
        return "?"
    return str(rows[0]) if len(rows) == 1 else f"{rows[0]}-{rows[-1]}"


def _last_row(rows: list[list[object]]) -> int:
    for i in range(len(rows) - 1, -1, -1):
        if any(v not in ("", None) for v in rows[i]):
            return i + 1
    return 0


def _grid(sheet_id: int, r0: int, r1: int, c0: int, c1: int) -> dict[str, int]:
    """A GridRange from 1-based inclusive rows and columns."""
    return {"sheetId": sheet_id, "startRowIndex": r0 - 1, "endRowIndex": r1,
            "startColumnIndex": c0 - 1, "endColumnIndex": c1}


def _width(sheet_id: int, col0: int, width: float) -> dict[str, Any]:
    return {"updateDimensionProperties": {
        "range": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": col0, "endIndex": col0 + 1},
        "properties": {"pixelSize": pixels(width)}, "fields": "pixelSize"}}


def _copy_format(sheet_id: int, above: int, count: int, width: int) -> dict[str, Any]:
    return {"copyPaste": {"source": _grid(sheet_id, above, above, 1, width),
                          "destination": _grid(sheet_id, above + 1, above + count, 1, width),
                          "pasteType": "PASTE_FORMAT", "pasteOrientation": "NORMAL"}}


def _runs(cells: dict[tuple[int, int], SheetCell]) -> list[tuple[int, int, list[Any]]]:
    """Cells as horizontal runs of neighbours in one row: (row, first col, values)."""
    out: list[tuple[int, int, list[Any]]] = []
    for (r, c), cell in sorted(cells.items()):
        if out and out[-1][0] == r and out[-1][1] + len(out[-1][2]) == c:
            out[-1][2].append(cell.value)
        else:
            out.append((r, c, [cell.value]))
    return out


def _rectangles(cells: set[tuple[int, int]]) -> list[tuple[int, int, int, int]]:
    """Cells merged into few rectangles (r0, r1, c0, c1), 1-based inclusive: runs down each column, then
    equal runs of neighbouring columns side by side."""
    by_col: dict[int, list[int]] = defaultdict(list)
    for r, c in cells:
        by_col[c].append(r)
    runs: dict[tuple[int, int], list[int]] = defaultdict(list)  # (r0, r1) -> columns
    for c, rows in by_col.items():
        rows.sort()
        start = prev = rows[0]
        for r in rows[1:]:
            if r != prev + 1:
                runs[(start, prev)].append(c)
                start = r
            prev = r
        runs[(start, prev)].append(c)
    out = []
    for (r0, r1), cols in runs.items():
        cols.sort()
        c0 = prev = cols[0]
        for c in cols[1:]:
            if c != prev + 1:
                out.append((r0, r1, c0, prev))
                c0 = c
            prev = c
        out.append((r0, r1, c0, prev))
    return sorted(out)


__all__ = ["Plan", "WriteDraft", "pixels"]
