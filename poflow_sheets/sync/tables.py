"""Both sides' schema tabs laid side by side: which columns sync compares, and each side's rows normalized.

A keyed tab (the schema's `Tab.key`: PO number, PO number + line, invoice number...) compares the schema's
columns either side has, and a person's own columns (headers not in the schema) that both sides have under
the same header. A tab without a key (Allocations, Messages) compares the columns both sides have: its rows
are matched by their whole content. A column only one side has, and that is not the schema's, is the
person's own: sync never reads, writes or copies it, and a row holding a value there is never deleted.
The Log (the audit trail) is not synced: each side keeps its own history.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from typing import Any, NamedTuple

from .. import schema
from ..reader import Book
from ..schema import Tab, norm
from .values import EMPTY, Cell, key_part, normalize

NOT_SYNCED = ("Log",)  # each side keeps its own audit trail
SYNCED_TABS: tuple[Tab, ...] = tuple(t for t in schema.TABS if t.name not in NOT_SYNCED)
OWN = "own:"  # column ids of a person's own columns: OWN + the header's norm()


@dataclass(frozen=True)
class SideTab:
    """One schema tab on one side, as read."""

    title: str | None  # None: the side has no such tab
    header_row: int = 0  # 1-based
    width: int = 0
    fields: dict[str, int] = field(default_factory=dict)  # schema field -> 0-based column
    own: dict[str, tuple[int, str]] = field(default_factory=dict)  # norm(header) -> (column, header as written)
    rows: Sequence[Sequence[Any]] = ()  # the whole tab from A1
    empty_sheet: str | None = None  # no such tab, but an empty sheet of its name that sync may fill
    foreign_sheet: str | None = None  # no such tab, but a sheet of its name that is a person's own


def read_side(book: Book, rows_of: Callable[[str], Sequence[Sequence[Any]]], tab: Tab) -> SideTab:
    """A schema tab of a Book (its TableInfo) with its raw rows."""
    info = book.tables.get(tab.name)
    if info is None:
        sheet = next((n for n in book.sheet_names if norm(n) == norm(tab.name)), None)
        if sheet is None:
            return SideTab(None)
        rows = rows_of(sheet)
        if any(v not in ("", None) for r in rows for v in r):
            return SideTab(None, foreign_sheet=sheet)
        return SideTab(None, empty_sheet=sheet)
    rows = rows_of(info.title)
    header = rows[info.header_row - 1] if 0 < info.header_row <= len(rows) else []
    fields = {key: idx for key, (idx, _) in info.columns.items()}
    mapped = set(fields.values())
    schema_norms = {norm(c.header) for c in tab.columns} | {norm(c.key) for c in tab.columns}
    own: dict[str, tuple[int, str]] = {}
    twice: set[str] = set()
    for i, h in enumerate(header):
        n = norm(h)
        if not n or i in mapped or n in schema_norms:
            continue
        if n in own:
            twice.add(n)
        own[n] = (i, str(h).strip())
    for n in twice:  # the same header twice: neither is compared
        del own[n]
    return SideTab(title=info.title, header_row=info.header_row, width=max(info.width, len(header)), fields=fields,
                   own=own, rows=rows)


@dataclass(frozen=True)
class Placement:
    """Where a layout's columns are on one side."""

    title: str | None  # the tab (None: the side lacks it)
    header_row: int
    width: int
    idx: tuple[int | None, ...]  # per layout column, the 0-based sheet column (None: the side lacks it)
    empty_sheet: str | None = None


@dataclass(frozen=True)
class Layout:
    """The columns sync compares in one tab, and where each is on either side."""

    tab: Tab
    cols: tuple[str, ...]  # schema field keys, then OWN + norm(header)
    headers: tuple[str, ...]  # per column: the schema's header, or the left side's own header
    left: Placement
    right: Placement
    key_pos: tuple[int, ...] = ()  # positions of the key fields in cols; () for a tab matched by content

    @property
    def keyed(self) -> bool:
        return bool(self.tab.key)

    def column(self, i: int) -> schema.Column | None:
        """The schema column of layout column i (None for a person's own)."""
        c = self.cols[i]
        return None if c.startswith(OWN) else self.tab.column(c)


def layout(tab: Tab, left: SideTab, right: SideTab) -> Layout:
    """The columns compared in `tab`: see the module's docstring."""
    both = left.title is not None and right.title is not None
    fields = [c.key for c in tab.columns if c.key in left.fields or c.key in right.fields]
    if not tab.key and both:
        fields = [f for f in fields if f in left.fields and f in right.fields]
    own = [n for n in left.own if n in right.own] if both else []
    cols = (*fields, *(OWN + n for n in own))
    headers = (*(tab.column(f).header for f in fields), *(left.own[n][1] for n in own))

    def place(side: SideTab) -> Placement:
        idx = tuple(side.fields.get(f) for f in fields) + tuple(side.own[n][0] if n in side.own else None for n in own)
        return Placement(title=side.title, header_row=side.header_row, width=side.width, idx=idx,
                         empty_sheet=side.empty_sheet)

    key_pos = tuple(cols.index(k) for k in tab.key) if all(k in cols for k in tab.key) else ()
    return Layout(tab=tab, cols=cols, headers=headers, left=place(left), right=place(right), key_pos=key_pos)


class Row(NamedTuple):
    """One row of one side: its Excel row, its values per layout column, its key, and whether it holds a value
    in a column sync leaves alone (a person's own). A named tuple: 100,000 of them are made in a blink."""

    row: int
    values: tuple[Cell | None, ...]  # normalized; None where the side lacks the column
    key: tuple[str, ...] = ()  # the key fields' texts (a tab with a key)
    own: bool = False


def encode_rows(lay: Layout, place: Placement, side: SideTab) -> list[Row]:
    """The side's data rows (below the header), normalized a column at a time; rows empty in every compared
    column are left out."""
    if side.title is None:
        return []
    data = side.rows[side.header_row:]
    if not data:
        return []
    width = max(map(len, data))
    if min(map(len, data)) != width:
        data = [list(r) + [""] * (width - len(r)) for r in data]
    by_col = list(zip(*data))  # noqa: B905 - rectangular
    n = len(data)
    cols: list[Any] = []
    for i, idx in enumerate(place.idx):
        col = lay.column(i)
        if idx is None:
            cols.append(repeat(None, n))
        elif idx >= width:
            cols.append(repeat(EMPTY, n))
        else:
            cols.append(normalize(by_col[idx], dates=col is not None and col.type == schema.DATE))
    keys: Any = repeat((), n)
    if lay.key_pos and all(place.idx[p] is not None for p in lay.key_pos):
        keys = zip(*([key_part(v) for v in cols[p]] for p in lay.key_pos))  # noqa: B905 - one length
    synced = {idx for idx in place.idx if idx is not None}
    others = [j for j in range(width) if j not in synced]
    empty = len(place.idx)
    numbers = range(side.header_row + 1, side.header_row + 1 + n)
    if not others:
        return [Row(r, values, key, False) for r, values, key in zip(numbers, zip(*cols), keys)  # noqa: B905
                if values.count(EMPTY) + values.count(None) != empty]
    return [Row(r, values, key, any(raw[j] not in ("", None) for j in others))
            for r, values, key, raw in zip(numbers, zip(*cols), keys, data)  # noqa: B905 - one length
            if values.count(EMPTY) + values.count(None) != empty]


def key_text(key: tuple[str, ...]) -> str:
    """A row's key as the Log writes it: its parts joined by ' / '."""
    return " / ".join(key)


__all__ = ["OWN", "SYNCED_TABS", "Layout", "Placement", "Row", "SideTab", "encode_rows", "key_text", "layout",
           "read_side"]
