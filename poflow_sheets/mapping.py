"""The person's names for poflow's tabs and columns, kept in the workbook's `poflow Map` tab.

One row per name: `Tab` (poflow's tab), `Column` (poflow's column; empty for the tab itself), `Your Name`
(the person's tab or column header; empty: the person does not keep this column, so it reads as empty and
poflow adds it at the end of the header row when a command writes it) and a free `Note`.

Why a tab of its own and not Settings keys: a mapping has one entry per tab and per column (thirty or more
for a real tracker), each a pair of names. As Settings keys it would be one long `a=b;c=d` string per tab
that a person cannot read, sort or correct, and a finding could not point at the one wrong entry; as rows,
validate names the row of a wrong entry, and `poflow adopt --apply` adds rows without touching the
person's own Settings. The tab is poflow's (its name starts with "poflow", like `poflow Log`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from .findings import Finding, col_letter, finding
from .schema import TAB_BY_NORM, TABS, Tab, norm

MAP_TAB = "poflow Map"
MAP_HEADERS = ("Tab", "Column", "Your Name", "Note")
MAP_WIDTHS = (14.0, 18.0, 24.0, 60.0)


@dataclass(frozen=True)
class MapEntry:
    """One row of the map: a schema tab (and column) and the person's name for it."""

    row: int  # Excel row
    tab: str  # schema tab name
    column: str  # schema column key; "" for the tab itself
    name: str  # the person's tab or header name; "" when the person does not keep the column


@dataclass(frozen=True)
class WorkbookMap:
    """The whole map as read; `problems` are rows naming no poflow tab or column, or one named twice."""

    title: str = ""  # the map tab as written; "" when the workbook has none
    entries: tuple[MapEntry, ...] = ()
    problems: tuple[Finding, ...] = field(default=())
    header_row: int = 1
    name_letter: str = ""  # the column letter of "Your Name"

    def sheet_for(self, tab: str) -> MapEntry | None:
        """The entry naming the person's tab for a schema tab."""
        return next((e for e in self.entries if e.tab == tab and not e.column and e.name), None)

    def columns(self, tab: str) -> list[MapEntry]:
        """The entries naming the person's columns of a schema tab (and the columns they do not keep)."""
        return [e for e in self.entries if e.tab == tab and e.column]

    def names_of(self, tab: str) -> dict[str, tuple[str, ...]]:
        """Normalised person's header -> the schema column keys it holds (usually one), for one tab."""
        out: dict[str, tuple[str, ...]] = {}
        for e in self.columns(tab):
            if e.name:
                out[norm(e.name)] = (*out.get(norm(e.name), ()), e.column)
        return out

    def absent(self, tab: str) -> set[str]:
        """Schema column keys the person does not keep in this tab (listed with no name)."""
        return {e.column for e in self.columns(tab) if not e.name}


EMPTY = WorkbookMap()


def _column_of(tab: Tab, text: str) -> str | None:
    n = norm(text)
    for c in tab.columns:
        if norm(c.header) == n or norm(c.key) == n:
            return c.key
    return None


def parse_map(title: str, rows: Sequence[Sequence[object]], header_index: int) -> WorkbookMap:
    """The map from its rows (`header_index`: the 0-based header row); every unusable row is a problem."""
    if header_index < 0:
        return WorkbookMap(title=title)
    header = [norm(v) for v in rows[header_index]]
    idx = {name: header.index(norm(name)) for name in MAP_HEADERS if norm(name) in header}
    entries: list[MapEntry] = []
    problems: list[Finding] = []
    seen: dict[tuple[str, str], int] = {}

    def cell(raw: Sequence[object], name: str) -> str:
        i = idx.get(name)
        v = raw[i] if i is not None and i < len(raw) else ""
        if isinstance(v, float) and v.is_integer():
            v = int(v)
        return "" if v is None else str(v).strip()

    def problem(row: int, column: str, value: str, message: str) -> None:
        letter = col_letter(idx[column]) if column in idx else ""
        problems.append(finding("map", title, row, column, letter, value, f"{title} row {row}: {message}"))

    for r, raw in enumerate(rows[header_index + 1:], start=header_index + 2):
        tab_text, col_text, name = cell(raw, "Tab"), cell(raw, "Column"), cell(raw, "Your Name")
        if not tab_text and not col_text and not name:
            continue
        tab = TAB_BY_NORM.get(norm(tab_text))
        if tab is None:
            problem(r, "Tab", tab_text, f"{tab_text!r} is not a poflow tab; expected one of "
                                        f"{', '.join(t.name for t in TABS)}")
            continue
        key = ""
        if col_text:
            found = _column_of(tab, col_text)
            if found is None:
                problem(r, "Column", col_text, f"the {tab.name} tab has no column {col_text!r}; expected one of "
                                               f"{', '.join(c.header for c in tab.columns)}")
                continue
            key = found
        elif not name:
            problem(r, "Your Name", "", f"no name given for the {tab.name} tab")
            continue
        if (tab.name, key) in seen:
            what = f"{tab.name} column '{tab.column(key).header}'" if key else f"the {tab.name} tab"
            problem(r, "Column" if key else "Tab", col_text or tab_text,
                    f"{what} is named again (first on row {seen[(tab.name, key)]}); expected once")
            continue
        seen[(tab.name, key)] = r
        entries.append(MapEntry(r, tab.name, key, name))
    return WorkbookMap(title=title, entries=tuple(entries), problems=tuple(problems), header_row=header_index + 1,
                       name_letter=col_letter(idx["Your Name"]) if "Your Name" in idx else "")


def map_problem(wmap: WorkbookMap, entry: MapEntry, message: str) -> Finding:
    """A finding on one row of the map (a name it gives that the workbook does not have)."""
    return finding("map", wmap.title, entry.row, "Your Name", wmap.name_letter, entry.name,
                   f"{wmap.title} row {entry.row}: {message}")


__all__ = ["EMPTY", "MAP_HEADERS", "MAP_TAB", "MapEntry", "WorkbookMap", "map_problem", "parse_map"]
