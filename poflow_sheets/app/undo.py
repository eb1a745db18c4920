"""`poflow undo`: revert the last command's changes recorded in the Log, cell by cell.

A cell is put back to its old value only where it still holds what that command wrote; a cell a person
changed since is reported and left alone. Rows the command appended are cleared when their key still
matches and nobody wrote beside them; tabs it added stay (they are named). The undo is itself one
write, logged like any other, its Command naming the run it reverts: a second `poflow undo` reverts the
run before that one. Works the same on .xlsx and on Google Sheets.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path
from typing import Any

from .. import schema
from ..cells import CellError, converter
from ..changeset import CellUpdate, ChangeSet, SettingUpdate
from ..reader import ATTR_OF_TAB, Book, TableInfo, read_book
from ..schema import TAB_BY_NAME, norm
from .trail import MOVED, NEW_ROW, NEW_SHEET, Entry, entries, last_run, trail_title, undo_command
from .workbook import WriteOptions, backend_of, utc_now
from .write import apply_changeset, check_writable, key_of, text_of


@dataclass
class UndoPlan:
    """What undo changes, and what it leaves alone and why."""

    changes: ChangeSet = field(default_factory=ChangeSet)
    skipped: list[str] = field(default_factory=list)  # cells a person changed since: left alone
    notes: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class UndoRun:
    """What `poflow undo` did."""

    lines: tuple[str, ...]
    skipped: tuple[str, ...]


def _typed(col: schema.Column, value: object) -> tuple[bool, Any]:
    """(readable, value) of a cell or Log text in a column's type; an unreadable value is (False, text)."""
    if value in ("", None):
        return True, None
    try:
        return True, converter(col)(value)
    except CellError:
        return False, value


def _column_by_header(tab: schema.Tab, header: str) -> schema.Column | None:
    want = norm(header)
    return next((c for c in tab.columns if norm(c.header) == want or norm(c.key) == want), None)


class _Tab:
    """One tab's rows as read, indexed by the keys the Log writes."""

    def __init__(self, book: Book, name: str, rows: list[list[object]]) -> None:
        self.info: TableInfo = book.tables[name]
        self.spec = TAB_BY_NAME[name]
        self.rows = rows
        self.records: list[Any] = sorted(getattr(book, ATTR_OF_TAB[name]), key=lambda r: r.row)
        self.by_key: dict[str, list[Any]] = defaultdict(list)
        for rec in self.records:
            for k in self.keys(rec):
                self.by_key[k].append(rec)

    def keys(self, rec: Any) -> set[str]:
        first = self.spec.key[0] if self.spec.key else self.spec.columns[0].key
        return {key_of(rec, self.spec.name), text_of(getattr(rec, first, ""))}

    def raw(self, row: int, key: str) -> object:
        idx = self.info.columns[key][0]
        r = self.rows[row - 1] if 0 < row <= len(self.rows) else []
        return r[idx] if idx < len(r) else ""


def plan_undo(book: Book, rows: dict[str, list[list[object]]], run: Sequence[Entry]) -> UndoPlan:
    """The changes that revert `run` (pure): `rows` are the tabs' cells as read, by schema tab name."""
    plan = UndoPlan()
    tabs: dict[str, _Tab] = {}

    def tab(name: str) -> _Tab | None:
        if name not in tabs and name in ATTR_OF_TAB and name in book.tables and name in rows:
            tabs[name] = _Tab(book, name, rows[name])
        return tabs.get(name)

    appended: dict[str, list[str]] = defaultdict(list)
    for e in reversed(run):  # the earliest old value wins when a run changed a cell twice
        if e.column == NEW_SHEET:
            plan.notes.append(f"tab {e.tab!r} was added by that command; it is left in place (delete it if unwanted)")
        elif e.column == MOVED:
            plan.notes.append(f"that command moved {e.tab!r} to {e.new}; it stays there")
        elif e.column == NEW_ROW:
            appended[e.tab].insert(0, e.key)
        elif e.tab == "Settings":
            _revert_setting(book, e, plan)
        else:
            _revert_cell(tab(e.tab), e, plan)
    for name, keys in appended.items():
        t = tab(name)
        if t is None:
            plan.skipped.append(f"{name}: the {len(keys)} row(s) that command added were not found; left alone")
            continue
        _clear_rows(t, keys, plan)
    return plan


def _revert_setting(book: Book, e: Entry, plan: UndoPlan) -> None:
    spec = schema.SETTING_BY_NORM.get(norm(e.key))
    if spec is None or spec.key not in book.settings.rows:
        plan.skipped.append(f"Settings {e.key!r}: no longer in the Settings tab; left alone")
        return
    col = schema.Column(spec.key, spec.label, spec.type)
    current = getattr(book.settings, spec.key, None)
    ok_new, wrote = _typed(col, e.new)
    ok_old, old = _typed(col, e.old)
    if not (ok_new and ok_old) or _normal(current) != _normal(wrote):
        plan.skipped.append(f"Settings {spec.label}: now {text_of(current)!r}, that command wrote {e.new!r}; "
                            "left alone")
        return
    plan.changes.settings.append(SettingUpdate(spec.key, old, current))


def _normal(v: object) -> object:
    return None if v in ("", None) else v


def _revert_cell(t: _Tab | None, e: Entry, plan: UndoPlan) -> None:
    where = f"{e.tab} {e.key} {e.column}"
    if t is None:
        plan.skipped.append(f"{where}: the tab is gone; left alone")
        return
    col = _column_by_header(t.spec, e.column)
    if col is None or col.key not in t.info.columns:
        plan.skipped.append(f"{where}: the column is gone; left alone")
        return
    found = t.by_key.get(e.key, [])
    if len(found) != 1:
        plan.skipped.append(f"{where}: {'no row' if not found else 'several rows'} with that key now; left alone")
        return
    rec = found[0]
    ok_now, now = _typed(col, t.raw(rec.row, col.key))
    ok_new, wrote = _typed(col, e.new)
    ok_old, old = _typed(col, e.old)
    if not (ok_now and ok_new and ok_old) or now != wrote:
        plan.skipped.append(f"{where}: now {text_of(now)!r}, that command wrote {e.new!r}; left alone")
        return
    plan.changes.updates.append(CellUpdate(e.tab, rec.row, col.key, old, now, e.key))


def _clear_rows(t: _Tab, keys: list[str], plan: UndoPlan) -> None:
    """Clear the rows a command appended: the block whose keys match in order, searched from the bottom."""
    n = len(keys)
    recs = t.records
    chosen: list[Any] = []
    for start in range(len(recs) - n, -1, -1):
        block = recs[start:start + n]
        if all(k in t.keys(r) for k, r in zip(keys, block, strict=True)) and \
                all(b.row == a.row + 1 for a, b in pairwise(block)):
            chosen = block
            break
    if not chosen:  # not one block any more (rows sorted or moved): each key's last row
        taken: set[int] = set()
        for k in keys:
            rec = next((r for r in reversed(t.by_key.get(k, [])) if r.row not in taken), None)
            if rec is None:
                plan.skipped.append(f"{t.spec.name} {k}: the row that command added is gone; nothing to clear")
                continue
            taken.add(rec.row)
            chosen.append(rec)
    ours = {idx for idx, _ in t.info.columns.values()}
    cleared = 0
    for rec, key in zip(chosen, keys, strict=False):
        raw = t.rows[rec.row - 1] if rec.row <= len(t.rows) else []
        if any(v not in ("", None) for i, v in enumerate(raw) if i not in ours):
            plan.skipped.append(f"{t.spec.name} {key}: someone wrote beside the row that command added "
                                f"(row {rec.row}); left alone")
            continue
        for c in t.spec.columns:
            if c.key in t.info.columns and t.raw(rec.row, c.key) not in ("", None):
                _, now = _typed(c, t.raw(rec.row, c.key))
                plan.changes.updates.append(CellUpdate(t.spec.name, rec.row, c.key, None, now, key))
        cleared += 1
    if cleared:
        plan.notes.append(f"{t.spec.name}: cleared {cleared} row(s) that command added")


def undo(workbook: Path, opts: WriteOptions) -> UndoRun:
    """Revert the last run recorded in the workbook's Log (dry_run shows what would change)."""
    if not opts.dry_run:
        check_writable(workbook)
    backend = backend_of(workbook)
    source = backend.open()
    try:
        title = trail_title(source.sheet_names)
        book = read_book(source, extra=[title] if title else ())
        trail = entries(source.rows(title)) if title else []
        rows = {name: source.rows(info.title) for name, info in book.tables.items() if name in ATTR_OF_TAB}
    finally:
        source.close()
    run = last_run(trail)
    if not run:
        return UndoRun((f"{workbook}: nothing to undo (the Log holds no poflow command that is not undone "
                        "already)",), ())
    step = run[0].step
    plan = plan_undo(book, rows, run)
    lines = [f"undoing {step[1]} (run {step[0]}, {len(run)} change(s) in the Log)"]
    lines += plan.notes
    lines += [f"left alone: {s}" for s in plan.skipped]
    lines += apply_changeset(book, plan.changes, command=undo_command(opts.command, step), now=opts.now or utc_now(),
                             force=opts.force, dry_run=opts.dry_run, sheets=False, backend=backend)
    return UndoRun(tuple(lines), tuple(plan.skipped))


__all__ = ["UndoPlan", "UndoRun", "plan_undo", "undo"]
