"""`poflow sync LEFT RIGHT`: keep two workbooks (.xlsx or Google Sheets, any pair) in step, never overwriting
what a person typed.

Both sides are read through the workbook seam, merged against the base (what both held after the last
sync: `sync/base.py`) by the pure merge (`sync/merge.py`), and each side's edits are written through its own
backend's safe path: the .xlsx patcher (lock files, changed-since-read check, backup, atomic replace) or
the Sheets write (re-read before write, retries), with the Log tab of each side naming the sync. Left is
written first, then right, then the base, so a sync that stops half way leaves each side as it was or fully
synced, and the next run finishes it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..console import Out
from ..errors import PoflowError, Refused, WriteConflict
from ..gsheets.location import is_sheet
from ..reader import Book, read_book
from ..schema import PERCENT, norm
from ..store import AddSheet, AppendRows, Backend, Edit, SetCell, Stamp, Styled, open_elsewhere, refuse_unwritable
from ..store.edits import AnyValue
from ..store.safety import poflow_lock
from ..sync import base as bases
from ..sync.merge import Side, SideEdits, TabPlan
from ..sync.plan import SyncPlan, plan_sync, same_base
from ..sync.tables import SYNCED_TABS, Layout, SideTab, read_side
from ..sync.values import Cell, cell, text
from .workbook import backend_of, utc_now
from .write import NEW_ROW, LogRow, log_changes


@dataclass(frozen=True)
class SyncOptions:
    """How `poflow sync` runs."""

    prefer: Side | None = None  # take this side's value in a conflict
    base: Path | None = None  # the base file (default: bases.default_path)
    dry_run: bool = False
    force: bool = False  # write .xlsx files even when Excel or LibreOffice has them open
    command: str = "poflow sync"  # as the Log records it
    now: datetime | None = None
    out: Out | None = None


@dataclass(frozen=True)
class SyncRun:
    """What a sync did."""

    plan: SyncPlan
    written: tuple[str, ...]  # "left", "right", "base"
    lines: tuple[str, ...]

    @property
    def exit_status(self) -> int:
        return self.plan.exit_status


HEAD = 100  # rows of each tab the reader is given to find its header and map its columns


class _Kept:
    """A TabSource that keeps the rows it hands out (each tab is read once). While `head` is set, the reader is
    given only the first HEAD rows of each tab but Settings: it finds the header and maps the columns there,
    and sync reads the rows itself (the reader's records of 100,000 lines would be built for nothing)."""

    def __init__(self, source: Any) -> None:
        self.source = source
        self.path: Path = source.path
        self.sheet_names: tuple[str, ...] = source.sheet_names
        self.head = True
        self._rows: dict[str, list[list[Any]]] = {}

    @property
    def stamp(self) -> Stamp:
        stamp: Stamp = self.source.stamp
        return stamp

    def fetch(self, titles: Sequence[str]) -> None:
        self.source.fetch(titles)

    def rows(self, title: str) -> list[list[Any]]:
        if title not in self._rows:
            self._rows[title] = self.source.rows(title)
        rows = self._rows[title]
        return rows[:HEAD] if self.head and norm(title) != norm("Settings") else rows

    def close(self) -> None:
        self.source.close()


@dataclass
class _Side:
    """One side as read."""

    name: Side
    workbook: Path
    backend: Backend
    book: Book
    tabs: dict[str, SideTab]


def _read(name: Side, workbook: Path) -> _Side:
    backend = backend_of(workbook)
    source = _Kept(backend.open())
    try:
        book = read_book(source)
        source.head = False
        tabs = {t.name: read_side(book, source.rows, t) for t in SYNCED_TABS}
    finally:
        source.close()
    return _Side(name, workbook, backend, book, tabs)


# Store edits for one side ------------------------------------------------------------------------------------

def _value(lay: Layout, i: int, value: Cell, *, new_tab: bool = False) -> AnyValue:
    v = cell(value)
    col = lay.column(i)
    if new_tab and col is not None and col.type == PERCENT and isinstance(v, Decimal | int):
        return Styled(v, num_format="0%")
    return v


def side_changes(book: Book, plan: SyncPlan, side: Side, *, command: str, now: datetime) -> tuple[list[Edit],
                                                                                                list[LogRow]]:
    """The store edits and Log rows that bring one side in step (pure)."""
    edits: list[Edit] = []
    log: list[LogRow] = []
    stamp = now.strftime("%Y-%m-%d %H:%M:%S")
    for tp, e in plan.edits(side):
        _tab_changes(tp, e, side, edits, log, command, stamp)
    if log:
        edits += log_changes(book, log)
    return edits, log


def _tab_changes(tp: TabPlan, e: SideEdits, side: Side, edits: list[Edit], log: list[LogRow], command: str,
                 stamp: str) -> None:
    lay = tp.layout
    tab = lay.tab
    place = lay.left if side == "left" else lay.right

    def logged(key: str, column: str, old: str, new: str) -> None:
        log.append(LogRow(when=stamp, command=command, tab=tab.name, row_key=key, column=column, old=old, new=new))

    if place.title is None:  # the side lacks the tab: it gets it, with the schema's header
        pos = {c.key: n for n, c in enumerate(tab.columns)}
        rows: list[tuple[AnyValue, ...]] = []
        for add in e.adds:
            row: list[AnyValue] = [None] * len(tab.columns)
            for i, c in enumerate(lay.cols):
                if c in pos:
                    row[pos[c]] = _value(lay, i, add.values[i], new_tab=True)
            rows.append(tuple(row))
            logged(add.key, NEW_ROW, "", "")
        header = tuple(Styled(c.header, bold=True) for c in tab.columns)
        if place.empty_sheet is not None:
            edits.append(AppendRows(place.empty_sheet, (header, *rows)))
        else:
            edits.append(AddSheet(tab.name, (header, *rows), tuple(float(c.width) for c in tab.columns),
                                  if_missing=True, freeze_header=True))
        return
    title = place.title
    idx = list(place.idx)

    def column(i: int) -> int:
        """The 0-based column of layout column i, adding the schema's header where the side lacks it."""
        found = idx[i]
        if found is None:
            used = [c for c in idx if c is not None]
            found = idx[i] = max(max(used, default=-1) + 1, place.width)
            edits.append(SetCell(title, place.header_row, found + 1, Styled(lay.headers[i], bold=True)))
        return found

    for s in e.sets:
        edits.append(SetCell(title, s.row, column(s.col) + 1, _value(lay, s.col, s.new)))
        logged(s.key, lay.headers[s.col], text(s.old), text(s.new))
    for d in e.deletes:
        for i, v in enumerate(d.values):
            if v is not None and v != "":
                edits.append(SetCell(title, d.row, column(i) + 1, None))
                logged(d.key, lay.headers[i], text(v), "")
    if e.adds:
        for add in e.adds:
            for i, v in enumerate(add.values):
                if v != "":
                    column(i)
        width = max(c for c in idx if c is not None) + 1
        out: list[tuple[AnyValue, ...]] = []
        for add in e.adds:
            cells: list[AnyValue] = [None] * width
            for i, v in enumerate(add.values):
                at = idx[i]
                if at is not None:
                    cells[at] = _value(lay, i, v)
            out.append(tuple(cells))
            logged(add.key, NEW_ROW, "", "")
        edits.append(AppendRows(title, tuple(out)))


# The run --------------------------------------------------------------------------------------------------

@contextlib.contextmanager
def _steps(out: Out | None, total: int) -> Iterator[Callable[[str], None]]:
    """A progress bar on a terminal (nothing elsewhere); yields a function marking each step done."""
    if out is None:
        yield lambda _label: None
        return
    with out.progress("Syncing", total=total) as bar:
        def step(label: str) -> None:
            if bar is not None:
                bar.update(bar.task_ids[0], advance=1, description=label)
        yield step


def _preflight(side: _Side, force: bool) -> None:
    """Refuse before anything is written when a side cannot be written."""
    if is_sheet(side.workbook):
        return
    refuse_unwritable(side.workbook)
    other = None if force else open_elsewhere(side.workbook)
    if other is not None:
        raise WriteConflict(f"{side.workbook.name} is open in another program (lock file {other.name}); close it "
                            "there and try again, or use --force; nothing was written")


def sync(left: Path, right: Path, opts: SyncOptions | None = None) -> SyncRun:
    """Bring LEFT and RIGHT in step (see the module's docstring); `opts.dry_run` only plans."""
    opts = opts or SyncOptions()
    if bases.identity(left) == bases.identity(right):
        raise Refused(f"{left} and {right} are the same workbook; name two workbooks to sync")
    base_path = opts.base or bases.default_path(left, right)
    if not opts.dry_run:
        for wb in (left, right):
            if not is_sheet(wb):
                refuse_unwritable(wb)
        base_path.parent.mkdir(parents=True, exist_ok=True)
    lock = poflow_lock(base_path) if not opts.dry_run else contextlib.nullcontext()
    with lock, _steps(opts.out, 6) as step:
        old = bases.load(base_path, left, right)
        a = _read("left", left)
        step(f"Read {left}")
        b = _read("right", right)
        step(f"Read {right}")
        tabs, extra = plan_sync(a.tabs, b.tabs, old.tabs if old is not None else None, opts.prefer)
        plan = SyncPlan(left=left, right=right, base_path=base_path, first=old is None,
                        synced_at=old.synced_at if old is not None else "", tabs=tabs, extra=extra)
        step("Merged")
        if opts.dry_run:
            return SyncRun(plan, (), ())
        now = opts.now or utc_now()
        changes = {s.name: side_changes(s.book, plan, s.name, command=opts.command, now=now) for s in (a, b)}
        for s in (a, b):
            if changes[s.name][0]:
                _preflight(s, opts.force)
        written: list[str] = []
        lines: list[str] = []
        for s in (a, b):
            edits, log = changes[s.name]
            if not edits:
                step(f"{s.workbook}: nothing to write")
                continue
            try:
                result = s.backend.write(edits, expected=s.book.fingerprint, force=opts.force,
                                         retention=s.book.settings.backup_retention)
            except (PoflowError, KeyboardInterrupt) as exc:
                if not written:
                    raise
                why = str(exc) or "interrupted"
                raise Refused(f"{why}; {left} was synced, {right} was not written and the base is unchanged: "
                              "run the same `poflow sync` again to finish") from None
            written.append(s.name)
            lines.append(f"{s.workbook}: {len(log)} change(s) written" +
                         (f" (backup {result.backup})" if result.backup else ""))
            step(f"Wrote {s.workbook}")
        first, second = sorted((bases.identity(left), bases.identity(right)))
        new = bases.Base((first, second), now.strftime("%Y-%m-%d %H:%M:%S UTC"), dict(old.tabs) if old else {})
        for tp in plan.tabs:
            if tp.base is not None:
                new.tabs[tp.name] = tp.base
        unchanged = old is not None and set(old.tabs) == set(new.tabs) and all(
            same_base(old.tabs[n], new.tabs[n]) for n in new.tabs)
        if not unchanged:
            bases.save(base_path, new)
            written.append("base")
            lines.append(f"{base_path}: base of the next sync written")
        step("Done")
        return SyncRun(plan, tuple(written), tuple(lines))


__all__ = ["SyncOptions", "SyncRun", "side_changes", "sync"]
