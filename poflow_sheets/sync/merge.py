"""The three-way merge of one tab (pure): the base (both sides at the last sync), left and right → what to
write on each side, the conflicts, and the new base.

Keyed tabs match rows by `Tab.key`, never by position. For each key:

- on both sides: each column compared with the base. Changed on one side only: taken from that side.
  Changed on both to the same value: nothing to do. Changed on both to different values, or different
  where the base does not know the cell (the first sync, a column newly compared): a conflict, left as it
  is on both sides unless `prefer` names the side to take. A side lacking a schema column has not changed it;
- on one side only and not in the base: new, added to the other side;
- in the base and on one side only: deleted on the other. The deletion is carried over when this side did
  not change the row (and it holds nothing in a person's own columns); else a conflict;
- twice on one side: a conflict, the key left alone.

Tabs without a key (Allocations, Messages) match rows by their whole content, counted: a row added on a
side is added to the other, a row removed on one side and unchanged on the other is removed there; when both
changed the count of the same content differently, the larger is kept (nothing is removed).

A conflict keeps the base's value (unknown stays unknown), so it is reported again at every sync until the
two sides agree. The base is only ever what both sides held.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from .tables import Layout, Placement, Row, key_text
from .values import Cell, text

Side = Literal["left", "right"]
ConflictKind = Literal[
    "changed on both sides", "deleted on left, changed on right", "deleted on right, changed on left",
    "key twice", "no key", "own columns", "tab",
]
Key = tuple[str, ...]
BaseRow = tuple[Cell | None, ...]  # per column, None where the base does not know the cell


@dataclass(frozen=True)
class Conflict:
    """Something sync left as it is on both sides (or took from one side, `resolved`, with --prefer)."""

    tab: str
    key: str
    column: str
    kind: ConflictKind
    base: Cell | None = None  # the cell's values; None: unknown (base), deleted (a side) or not applicable
    left: Cell | None = None
    right: Cell | None = None
    resolved: Side | None = None
    side: Side | None = None  # the side a conflict of one side only concerns (no key, key twice, tab...)


@dataclass(frozen=True)
class CellSet:
    """Write one compared column of an existing row on one side."""

    row: int
    col: int  # position in Layout.cols
    old: Cell | None  # None: the side lacks the column (it is added)
    new: Cell
    key: str


@dataclass(frozen=True)
class RowAdd:
    """Append a row (values per Layout.cols)."""

    key: str
    values: tuple[Cell, ...]


@dataclass(frozen=True)
class RowDelete:
    """Clear a row's compared cells (the row it was matched by)."""

    row: int
    key: str
    values: tuple[Cell | None, ...]


@dataclass
class SideEdits:
    """What one side gets in one tab."""

    sets: list[CellSet] = field(default_factory=list)
    adds: list[RowAdd] = field(default_factory=list)
    deletes: list[RowDelete] = field(default_factory=list)

    @property
    def changed_rows(self) -> int:
        return len({s.row for s in self.sets})

    def __bool__(self) -> bool:
        return bool(self.sets or self.adds or self.deletes)


@dataclass(frozen=True)
class BaseTab:
    """A tab as both sides held it at the last sync: rows per column (and, for a keyed tab, each row's key)."""

    columns: tuple[str, ...]
    rows: tuple[BaseRow, ...] = ()
    keys: tuple[Key, ...] | None = None  # None for a tab matched by content

    def aligned(self, cols: tuple[str, ...]) -> list[BaseRow]:
        """The rows per `cols` (a column the base lacks is unknown)."""
        if self.columns == cols:
            return list(self.rows)
        pos = [self.columns.index(c) if c in self.columns else None for c in cols]
        return [tuple(None if p is None else r[p] for p in pos) for r in self.rows]


@dataclass
class TabPlan:
    """One tab's merge: edits per side, conflicts, and the base to keep once both sides are written."""

    layout: Layout
    left: SideEdits = field(default_factory=SideEdits)
    right: SideEdits = field(default_factory=SideEdits)
    conflicts: list[Conflict] = field(default_factory=list)
    base: BaseTab | None = None  # None: keep the old base of this tab

    @property
    def name(self) -> str:
        return self.layout.tab.name

    def side(self, which: Side) -> SideEdits:
        return self.left if which == "left" else self.right


def _other(side: Side) -> Side:
    return "right" if side == "left" else "left"


def merge_tab(lay: Layout, left: list[Row], right: list[Row], base: BaseTab | None,
              prefer: Side | None = None) -> TabPlan:
    """The merge of one tab (see the module's docstring). `base` None: the tab has no base (first sync)."""
    plan = TabPlan(lay)
    missing = [s for s, p in (("left", lay.left), ("right", lay.right)) if p.title is None]
    if missing:  # a side lacks the tab: it gets the other side's rows, nothing is deleted
        base = None
    if lay.keyed:
        sides: tuple[tuple[Side, Placement], ...] = (("left", lay.left), ("right", lay.right))
        for side, place in sides:
            lacking = [lay.tab.column(k).header for k in lay.tab.key
                       if place.title is not None and (k not in lay.cols or place.idx[lay.cols.index(k)] is None)]
            if lacking:
                plan.conflicts.append(Conflict(tab=lay.tab.name, key="", column=", ".join(lacking), kind="tab",
                                               side=side))
        if plan.conflicts:
            return plan  # the old base is kept
        _merge_keyed(plan, left, right, base, prefer)
    else:
        _merge_content(plan, left, right, base)
    return plan


# Keyed tabs -------------------------------------------------------------------------------------------------

def _index(plan: TabPlan, rows: list[Row], side: Side) -> dict[Key, list[Row]]:
    lay = plan.layout
    out: dict[Key, list[Row]] = defaultdict(list)
    for r in rows:
        k = r.key
        if "" in k:
            plan.conflicts.append(Conflict(tab=lay.tab.name, key=f"row {r.row}", column=", ".join(
                lay.headers[p] for p, part in zip(lay.key_pos, k, strict=True) if not part), kind="no key", side=side))
            continue
        out[k].append(r)
    return out


def _merge_keyed(plan: TabPlan, left: list[Row], right: list[Row], base: BaseTab | None,
                 prefer: Side | None) -> None:
    lay = plan.layout
    by_left, by_right = _index(plan, left, "left"), _index(plan, right, "right")
    old: dict[Key, BaseRow] = {}
    if base is not None and base.keys is not None:
        old = dict(zip(base.keys, base.aligned(lay.cols), strict=True))
    keys: dict[Key, None] = dict.fromkeys(by_left)
    keys.update(dict.fromkeys(by_right))
    keys.update(dict.fromkeys(old))
    new_keys: list[Key] = []
    new_rows: list[BaseRow] = []

    def keep(k: Key, row: BaseRow | None) -> None:
        if row is not None:
            new_keys.append(k)
            new_rows.append(row)

    for k in keys:
        ls, rs, b = by_left.get(k, []), by_right.get(k, []), old.get(k)
        if len(ls) > 1 or len(rs) > 1:
            where: Side = "left" if len(ls) > 1 else "right"
            rows = ", ".join(str(r.row) for r in (ls if len(ls) > 1 else rs))
            plan.conflicts.append(Conflict(tab=lay.tab.name, key=key_text(k), column=f"rows {rows}", kind="key twice",
                                           side=where))
            keep(k, b)
        elif ls and rs:
            keep(k, _merge_row(plan, k, ls[0], rs[0], b, prefer))
        elif ls or rs:
            side: Side = "left" if ls else "right"
            row = (ls or rs)[0]
            if b is None:  # new on this side
                plan.side(_other(side)).adds.append(RowAdd(key_text(k), _filled(row.values)))
                keep(k, _filled(row.values))
            else:  # deleted on the other side
                keep(k, _deleted(plan, k, side, row, b, prefer))
        # on neither side: deleted on both, dropped from the base
    plan.base = BaseTab(lay.cols, tuple(new_rows), tuple(new_keys))


def _merge_row(plan: TabPlan, k: Key, lrow: Row, rrow: Row, b: BaseRow | None, prefer: Side | None) -> BaseRow:
    lay = plan.layout
    key = key_text(k)
    if lrow.values == rrow.values:  # the same on both sides: nothing to do, whatever the base said
        return lrow.values
    out: list[Cell | None] = []
    for i, (lv, rv) in enumerate(zip(lrow.values, rrow.values, strict=True)):
        bv = b[i] if b is not None else None
        if lv == rv:
            out.append(lv)
        elif lv is None or rv is None:  # a side lacks this (schema) column: it has not changed it
            have: Side = "right" if lv is None else "left"
            v = rv if lv is None else lv
            if v != "" and v != bv:
                plan.side(_other(have)).sets.append(CellSet(lrow.row if have == "right" else rrow.row, i, None, v, key))
            out.append(v)
        elif bv is not None and lv == bv:
            plan.left.sets.append(CellSet(lrow.row, i, lv, rv, key))
            out.append(rv)
        elif bv is not None and rv == bv:
            plan.right.sets.append(CellSet(rrow.row, i, rv, lv, key))
            out.append(lv)
        else:
            plan.conflicts.append(Conflict(tab=lay.tab.name, key=key, column=lay.headers[i],
                                           kind="changed on both sides", base=bv, left=lv, right=rv, resolved=prefer))
            if prefer == "left":
                plan.right.sets.append(CellSet(rrow.row, i, rv, lv, key))
                out.append(lv)
            elif prefer == "right":
                plan.left.sets.append(CellSet(lrow.row, i, lv, rv, key))
                out.append(rv)
            else:
                out.append(bv)
    return tuple(out)


def _deleted(plan: TabPlan, k: Key, side: Side, row: Row, b: BaseRow, prefer: Side | None) -> BaseRow | None:
    """`side` still has the row, the other side deleted it since the base: the new base row (None: dropped)."""
    lay = plan.layout
    key = key_text(k)
    changed = [i for i, v in enumerate(row.values) if v is not None and (b[i] is None or v != b[i])]
    deleter = _other(side)
    if not changed and not row.own:
        plan.side(side).deletes.append(RowDelete(row.row, key, row.values))
        return None
    if row.own and not changed:
        kind: ConflictKind = "own columns"
        column = "a column of its own"
    else:
        kind = "deleted on left, changed on right" if deleter == "left" else "deleted on right, changed on left"
        column = ", ".join(lay.headers[i] for i in changed)
    shown = "; ".join(f"{lay.headers[i]} {_quoted(b[i])} -> {_quoted(row.values[i])}" for i in changed) or None
    resolved = prefer if prefer is not None and not (prefer == deleter and row.own) else None
    plan.conflicts.append(Conflict(tab=lay.tab.name, key=key, column=column, kind=kind,
                                   left=shown if side == "left" else None, right=shown if side == "right" else None,
                                   resolved=resolved, side=side))
    if resolved == deleter:
        plan.side(side).deletes.append(RowDelete(row.row, key, row.values))
        return None
    if resolved == side:  # the row comes back on the side that deleted it
        values = _filled(row.values)
        plan.side(deleter).adds.append(RowAdd(key, values))
        return values
    return b


# Tabs matched by content -----------------------------------------------------------------------------------

def _quoted(v: Cell | None) -> str:
    return "(unknown)" if v is None else repr(text(v))


def _filled(values: tuple[Cell | None, ...]) -> tuple[Cell, ...]:
    """Values with a column the side lacks as empty."""
    return tuple("" if v is None else v for v in values)


def _content_key(plan: TabPlan, values: tuple[Cell | None, ...]) -> str:
    """The Log's key of a row without a key: its first two schema columns (as `app.write.key_of`)."""
    lay = plan.layout
    firsts = [c.key for c in lay.tab.columns[:2]]
    return " / ".join(text(values[lay.cols.index(f)]).strip() if f in lay.cols else "" for f in firsts)


def _merge_content(plan: TabPlan, left: list[Row], right: list[Row], base: BaseTab | None) -> None:
    lay = plan.layout
    lrows: dict[tuple[Cell | None, ...], list[Row]] = defaultdict(list)
    rrows: dict[tuple[Cell | None, ...], list[Row]] = defaultdict(list)
    for r in left:
        lrows[r.values].append(r)
    for r in right:
        rrows[r.values].append(r)
    counts: Counter[tuple[Cell | None, ...]] = Counter(base.aligned(lay.cols)) if base is not None else Counter()
    contents: dict[tuple[Cell | None, ...], None] = dict.fromkeys(lrows)
    contents.update(dict.fromkeys(rrows))
    contents.update(dict.fromkeys(counts))
    kept: list[tuple[Cell | None, ...]] = []
    for c in contents:
        lr, rr, b = lrows.get(c, []), rrows.get(c, []), counts.get(c, 0)
        n_l, n_r = len(lr), len(rr)
        if n_l == n_r:
            target = n_l
        elif n_l == b:
            target = n_r
        elif n_r == b:
            target = n_l
        else:
            target = max(n_l, n_r)
        on_left = _settle(plan, "left", c, lr, target)
        on_right = _settle(plan, "right", c, rr, target)
        kept += [c] * (target if on_left == on_right == target else b)
    plan.base = BaseTab(lay.cols, tuple(kept), None)


def _settle(plan: TabPlan, side: Side, content: tuple[Cell | None, ...], rows: list[Row], target: int) -> int:
    """Bring one side's count of `content` to `target`; returns the count it will have."""
    values = _filled(content)
    key = _content_key(plan, content)
    edits = plan.side(side)
    if target > len(rows):
        edits.adds += [RowAdd(key, values)] * (target - len(rows))
        return target
    extra = len(rows) - target
    if not extra:
        return target
    removable = [r for r in reversed(rows) if not r.own][:extra]
    for r in removable:
        edits.deletes.append(RowDelete(r.row, key, r.values))
    if len(removable) < extra:
        plan.conflicts.append(Conflict(tab=plan.layout.tab.name, key=key, column="a column of its own",
                                       kind="own columns", left=_join(content) if side == "left" else None,
                                       right=_join(content) if side == "right" else None, side=side))
    return len(rows) - len(removable)


def _join(values: Iterable[Cell | None]) -> str:
    return "; ".join(text(v) for v in values)


__all__ = ["BaseTab", "CellSet", "Conflict", "ConflictKind", "RowAdd", "RowDelete", "Side", "SideEdits", "TabPlan",
           "merge_tab"]
