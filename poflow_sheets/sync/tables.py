"""Both sides' schema tabs laid side by side: which columns sync compares, and each side's rows encoded.

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
from typing import Any

from .. import schema
from ..reader import Book
from ..schema import Tab, norm
from .values import EMPTY, encoder, key_part

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


@dataclass(frozen=True)
class Row:
    """One row of one side: its Excel row, its values per layout column, and whether it holds a person's own."""

    row: int
    values: tuple[str | None, ...]  # encoded; None where the side lacks the column
    own: bool = False  # a value in a column sync leaves alone

    def key(self, pos: tuple[int, ...]) -> tuple[str, ...]:
        return tuple(key_part(self.values[p] or EMPTY) for p in pos)


def encode_rows(lay: Layout, place: Placement, side: SideTab) -> list[Row]:
    """The side's data rows (below the header), encoded; rows empty in every compared column are left out."""
    if side.title is None:
        return []
    pairs = [(i, idx, encoder(lay.column(i))) for i, idx in enumerate(place.idx)]
    synced = {idx for idx in place.idx if idx is not None}
    out: list[Row] = []
    for n, raw in enumerate(side.rows[side.header_row:], start=side.header_row + 1):
        width = len(raw)
        values = tuple(None if idx is None else (enc(raw[idx]) if idx < width else EMPTY) for _, idx, enc in pairs)
        if not any(values):
            continue
        own = any(raw[j] not in ("", None) for j in range(width) if j not in synced) if width > len(synced) else False
        out.append(Row(n, values, own))
    return out


def key_text(key: tuple[str, ...]) -> str:
    """A row's key as the Log writes it: its parts joined by ' / '."""
    return " / ".join(key)


__all__ = ["OWN", "SYNCED_TABS", "Layout", "Placement", "Row", "SideTab", "encode_rows", "key_text", "layout",
           "read_side"]
