"""Read a workbook into typed records, fast (python-calamine), driven by the schema.

A file poflow cannot read as a workbook raises WorkbookUnreadable (one line, exit 2).
A cell that is not of its column's type becomes a Finding and reads as empty.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import MISSING, dataclass, field, fields, replace
from decimal import Decimal
from itertools import repeat
from operator import is_
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

from . import schema
from .cells import CellError, converter
from .errors import WorkbookUnreadable
from .findings import Finding, col_letter, finding
from .layout import Header, NonRecords, choose_header, non_record_rows, xlsx_probe
from .mapping import EMPTY, MAP_HEADERS, MAP_TAB, WorkbookMap, map_problem, parse_map
from .perf import without_gc
from .records import (
    Allocation,
    Buyer,
    Claim,
    Invoice,
    Line,
    Message,
    Order,
    Payment,
    PriceTier,
    Product,
    Quote,
    QuoteLine,
    Settings,
    Shipment,
    Template,
)
from .schema import SETTING_BY_NORM, TAB_BY_NAME, Tab, norm
from .store.backend import Stamp, TabSource
from .store.xlsx_read import CalamineSource, open_workbook

RECORD_OF: dict[str, type] = {
    "Buyers": Buyer, "Products": Product, "PriceTiers": PriceTier, "Quotes": Quote, "QuoteLines": QuoteLine,
    "Orders": Order, "Lines": Line,
    "Shipments": Shipment, "Invoices": Invoice, "Payments": Payment, "Allocations": Allocation, "Claims": Claim,
    "Messages": Message, "Templates": Template,
}
# Record fields that must not be None: the record's default stands in for an empty cell.
_DEFAULTS: dict[type, dict[str, Any]] = {}


@dataclass(frozen=True)
class TableInfo:
    """Where a schema tab lives in this workbook: its title, header row and columns as written."""

    tab: Tab
    title: str
    header_row: int  # Excel row number of the header
    first_col: int  # 0-based sheet column of the table's first cell
    columns: dict[str, tuple[int, str]]  # field key -> (0-based sheet column, header as written)
    width: int = 0
    last_row: int = 0  # Excel row number of the last data row (header_row when empty)
    # Excel row of the last record (header_row when none); rows below it up to last_row are the person's
    # totals, notes and blank rows. 0: the same as last_row.
    records_end: int = 0
    totals_below: bool = False  # a totals row follows the records: new rows go above it

    def where(self, key: str) -> tuple[str, str]:
        """(header as written, column letter) of a field, or the schema header and '' if absent."""
        if key in self.columns:
            idx, header = self.columns[key]
            return header, col_letter(idx)
        return self.tab.column(key).header, ""


@dataclass(frozen=True)
class Book:
    """A whole workbook, typed."""

    path: Path
    settings: Settings
    buyers: tuple[Buyer, ...] = ()
    products: tuple[Product, ...] = ()
    tiers: tuple[PriceTier, ...] = ()
    quotes: tuple[Quote, ...] = ()
    quote_lines: tuple[QuoteLine, ...] = ()
    orders: tuple[Order, ...] = ()
    lines: tuple[Line, ...] = ()
    shipments: tuple[Shipment, ...] = ()
    invoices: tuple[Invoice, ...] = ()
    payments: tuple[Payment, ...] = ()
    allocations: tuple[Allocation, ...] = ()
    claims: tuple[Claim, ...] = ()
    messages: tuple[Message, ...] = ()
    templates: tuple[Template, ...] = ()
    tables: dict[str, TableInfo] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()  # cell-level problems met while reading
    sheet_names: tuple[str, ...] = ()
    rows_read: int = 0
    fingerprint: Stamp | None = None  # the workbook as it was read: a write checks it is unchanged

    def table(self, name: str) -> TableInfo | None:
        """The TableInfo of a schema tab, None when the workbook has no such tab."""
        return self.tables.get(name)

    def frame(self, tab: str) -> pd.DataFrame:
        """One tab's records as a pandas DataFrame, for analysis in a notebook.

        Columns are the schema's field names plus `row` (the Excel row); money stays Decimal (object
        dtype) so sums tie to the cent; dates are `datetime.date`. Read-only: poflow never writes from it.
        """
        import pandas as pd

        if tab not in ATTR_OF_TAB:
            raise KeyError(f"no tab {tab!r}; tabs with records: {', '.join(ATTR_OF_TAB)}")
        columns = [c.key for c in schema.TAB_BY_NAME[tab].columns] + ["row"]
        records = getattr(self, ATTR_OF_TAB[tab])
        return pd.DataFrame([[getattr(r, c, None) for c in columns] for r in records], columns=columns)

    def frames(self) -> dict[str, pd.DataFrame]:
        """Every tab with records as a DataFrame, by tab name."""
        return {tab: self.frame(tab) for tab in ATTR_OF_TAB}


ATTR_OF_TAB = {
    "Buyers": "buyers", "Products": "products", "PriceTiers": "tiers", "Quotes": "quotes", "QuoteLines": "quote_lines",
    "Orders": "orders", "Lines": "lines",
    "Shipments": "shipments", "Invoices": "invoices", "Payments": "payments", "Allocations": "allocations",
    "Claims": "claims", "Messages": "messages", "Templates": "templates",
}


def _header_row(rows: Sequence[Sequence[object]]) -> int:
    for i, row in enumerate(rows):
        if any(v not in ("", None) for v in row):
            return i
    return -1


def _known_headers(tab: Tab, wmap: WorkbookMap) -> frozenset[str]:
    """Every normalised header that names one of the tab's columns: schema headers, field names, the map's."""
    return frozenset({norm(c.header) for c in tab.columns} | {norm(c.key) for c in tab.columns}
                     | set(wmap.names_of(tab.name)))


def _merged(source: TabSource, title: str) -> Callable[[], Any]:
    """The tab's merged cell ranges, when the backend knows them (an .xlsx does; a Google Sheet here does not)."""
    def merged() -> Any:
        ranges = getattr(source, "merged_ranges", None)
        try:
            return ranges(title) if ranges is not None else ()
        except Exception:  # a format without merge information
            return ()
    return merged


def _header_choice(rows: Sequence[Sequence[object]], tab: Tab, wmap: WorkbookMap, merged: Callable[[], Any]) -> Header:
    """The header row among the first 20 rows (title rows, notes and blank rows above it allowed)."""
    if tab.owned and not tab.required:  # a "Log" of the person's own must not be taken for ours by one word
        first = _header_row(rows)
        return Header(first, tuple(rows[first]) if first >= 0 else ())
    return choose_header(rows, _known_headers(tab, wmap), merged)


def _non_records(info: TableInfo, data: Sequence[Sequence[object]], merged: Callable[[], Any],
                 path: Path) -> NonRecords:
    """Totals, subtotal and section label rows among the data: skipped, not reported."""
    first_key = info.tab.columns[0].key
    key_idx = info.columns[first_key][0] if first_key in info.columns else min(
        (i for i, _ in info.columns.values()), default=None)

    probe = xlsx_probe(path, info.title) if path.suffix.lower() in (".xlsx", ".xlsm") else None
    return non_record_rows(data, key_idx, info.header_row + 1, merged=merged, probe=probe)


def _head(source: TabSource, title: str, n: int = 20) -> list[list[Any]]:
    """The first rows of a tab that only grows (the Log): its header is all a command needs of it (appends go
    after the sheet's last row, found by the writer), so the rest is never parsed where the backend can stop."""
    head = getattr(source, "head_rows", None)
    return head(title, n) if head is not None else source.rows(title)[:n]


def read_map(source: TabSource) -> WorkbookMap:
    """The `poflow Map` tab, when the workbook has one: the person's names for poflow's tabs and columns."""
    key = norm(MAP_TAB)
    title = next((n for n in source.sheet_names if norm(n) == key), None)
    if title is None:
        return EMPTY
    source.fetch([title])
    rows = source.rows(title)
    known = frozenset(norm(h) for h in MAP_HEADERS)
    return parse_map(title, rows, choose_header(rows, known).index)


def _map_columns(tab: Tab, title: str, header: Sequence[object], offset: int, path: Path,
                 wmap: WorkbookMap = EMPTY, findings: list[Finding] | None = None) -> dict[str, tuple[int, str]]:
    by_norm = {norm(c.header): c for c in tab.columns}
    extra_alias = {norm(c.key): c for c in tab.columns}
    mapped = wmap.names_of(tab.name)
    found: dict[str, tuple[int, str]] = {}
    for i, h in enumerate(header):
        for key in mapped.get(norm(h), ()):  # the map first: one column of the person's may hold two of ours
            if key not in found:
                found[key] = (offset + i, str(h).strip())
    for i, h in enumerate(header):
        n = norm(h)
        if not n or n in mapped:
            continue
        col = by_norm.get(n) or extra_alias.get(n)
        if col is not None and col.key not in found:
            found[col.key] = (offset + i, str(h).strip())
    if wmap.entries and findings is not None:
        present = {norm(h) for h in header}
        for e in wmap.columns(tab.name):
            if e.name and norm(e.name) not in present:
                findings.append(map_problem(wmap, e, f"{tab.name} column '{tab.column(e.column).header}' is named "
                                                      f"{e.name!r}, which is not in the header row of '{title}'"))
    absent = wmap.absent(tab.name)
    missing = [c for c in tab.columns if c.contract and c.key not in found and c.key not in absent]
    if missing:
        written = [str(h).strip() for h in header if str(h).strip()]
        col = missing[0]
        close = difflib.get_close_matches(col.header, written, n=1, cutoff=0.6)
        near = f" ('{close[0]}' looks like a misspelling)" if close else ""
        how = (f"; name your column for it in the '{wmap.title}' tab" if wmap.title else "")
        raise WorkbookUnreadable(
            f"{path}: tab '{title}' has no '{col.header}' column{near}; "
            f"expected headers: {', '.join(c.header for c in tab.columns if c.contract)}; "
            f"found: {', '.join(written) or 'nothing'}{how}"
        )
    return found


def _by_key(names: Sequence[str]) -> dict[str, str]:
    """The first tab of each name key (`norm`), for finding tabs among many (a book of a thousand documents)."""
    out: dict[str, str] = {}
    for n in names:
        out.setdefault(norm(n), n)
    return out


def _find_sheet(names: Sequence[str], tab: Tab, wmap: WorkbookMap = EMPTY,
                by_key: Mapping[str, str] | None = None) -> str | None:
    keyed = _by_key(names) if by_key is None else by_key
    entry = wmap.sheet_for(tab.name)
    if entry is not None and norm(entry.name) in keyed:
        return keyed[norm(entry.name)]
    want = norm(tab.name)
    if want in {norm(e.name) for e in wmap.entries if not e.column and e.name and e.tab != tab.name}:
        return None
    return keyed.get(want)


def read_workbook(path: Path | str, *, progress: Callable[[str], None] | None = None,
                  tabs: Collection[str] | None = None) -> Book:
    """Read every schema tab (or only `tabs`) of a workbook file into typed records (python-calamine)."""
    source = CalamineSource(Path(path))
    try:
        return read_book(source, progress=progress, tabs=tabs)
    finally:
        source.close()


@without_gc
def read_book(source: TabSource, *, progress: Callable[[str], None] | None = None,
              tabs: Collection[str] | None = None, extra: Sequence[str] = ()) -> Book:
    """Read every schema tab (or only `tabs`) of an open workbook into typed records, whatever its backend.

    `extra` names other tabs to fetch in the same read (the source keeps their rows for the caller).
    """
    path = source.path
    wanted = [t for t in schema.TABS if tabs is None or t.name in tabs]
    names = source.sheet_names
    wmap = read_map(source)
    keyed = _by_key(names)
    titles = {t.name: title for t in wanted if (title := _find_sheet(names, t, wmap, keyed)) is not None}
    missing = [t.name for t in wanted if t.required and t.name not in titles]
    if missing:
        raise WorkbookUnreadable(
            f"{path}: required tab{'s' if len(missing) > 1 else ''} {', '.join(repr(m) for m in missing)} "
            f"missing; found tabs: {', '.join(names) or 'none'}"
            + ("; `poflow init WORKBOOK` adds the missing tabs" if wmap.title else "")
        )
    findings: list[Finding] = list(wmap.problems)
    for e in wmap.entries:
        if not e.column and _find_sheet(names, TAB_BY_NAME[e.tab], wmap, keyed) != e.name and \
                norm(e.name) not in keyed:
            findings.append(map_problem(wmap, e, f"the tab {e.name!r} named for {e.tab} is not in the workbook"))
    source.fetch([*titles.values(), *(n for n in extra if n in names and n not in titles.values())])
    tables: dict[str, TableInfo] = {}
    parts: dict[str, Any] = {}
    settings = Settings()
    rows_read = 0
    for tab in wanted:
        title = titles.get(tab.name)
        if title is None:
            continue
        if progress:
            progress(title)
        rows = _head(source, title) if tab.name == "Log" else source.rows(title)
        merged = _merged(source, title)
        header = _header_choice(rows, tab, wmap, merged)
        h = header.index
        if h < 0:
            if tab.required:
                raise WorkbookUnreadable(
                    f"{path}: tab '{title}' is empty; expected a header row with "
                    f"{', '.join(c.header for c in tab.columns if c.contract)}")
            continue
        cols = _map_columns(tab, title, header.cells, 0, path, wmap, findings)
        if tab.owned and not tab.required and not cols:
            continue  # a person's own tab that happens to share the name (their "Log"): not ours
        data = rows[h + 1:]
        while data and all(v in ("", None) for v in data[-1]):
            data = data[:-1]
        # the Log was read by its head only: its length is unknown here (0), and appends go after its last row
        last = 0 if tab.name == "Log" else h + 1 + len(data)
        info = TableInfo(tab, title, h + 1, 0, cols, len(rows[h]), last)
        skip: frozenset[int] = frozenset()
        if tab.name not in ("Log", "Settings"):
            nr = _non_records(info, data, merged, path)
            skip = nr.skip
            if skip:
                info = replace(info, records_end=h + 2 + nr.last_record, totals_below=nr.totals_below)
        tables[tab.name] = info
        rows_read += len(data) - len(skip)
        if tab.name == "Log":
            rows_read -= len(data)  # the audit trail is kept, not checked
        elif tab.name == "Settings":
            settings = _read_settings(info, data, findings)
        else:
            parts[ATTR_OF_TAB[tab.name]] = _read_records(info, data, findings, skip)
    return Book(path=path, settings=settings, tables=tables, findings=tuple(findings), sheet_names=names,
                rows_read=rows_read, fingerprint=source.stamp, **parts)


def _read_records(info: TableInfo, data: Sequence[Sequence[object]], findings: list[Finding],
                  skip: Collection[int] = ()) -> tuple[Any, ...]:
    """Rows to records, column by column (fast); a bad cell is reported and reads as empty; rows in `skip`
    (totals, subtotal and label rows) are no records."""
    cls = RECORD_OF[info.tab.name]
    defaults = _record_defaults(cls)
    names = [f.name for f in fields(cls) if f.name != "row"]
    cols = {c.key: c for c in info.tab.columns}
    width = max((idx for idx, _ in info.columns.values()), default=0) + 1
    first = info.header_row + 1
    numbers = list(range(first, first + len(data)))
    rows = [r if len(r) >= width else list(r) + [""] * (width - len(r)) for r in data]
    if skip:
        rows = [r for i, r in enumerate(rows) if i not in skip]
        numbers = [n for i, n in enumerate(numbers) if i not in skip]
    if rows:
        key_idx = info.columns[info.tab.columns[0].key][0] if info.tab.columns[0].key in info.columns else 0
        if "" in [r[key_idx] for r in rows]:  # drop rows that are empty all through
            keep = [i for i, r in enumerate(rows) if r.count("") + r.count(None) != len(r)]
            rows = [rows[i] for i in keep]
            numbers = [numbers[i] for i in keep]
    if not rows:
        return ()
    by_col = list(zip(*rows))  # noqa: B905 - rows were padded to one width
    columns: list[Any] = []
    n = len(rows)
    for name in names:
        default = defaults[name]
        if name not in info.columns:
            columns.append([default] * n)
            continue
        col = cols[name]
        idx = info.columns[name][0]
        values = _convert_column(info, col, idx, by_col[idx], numbers, findings)
        # by identity: `None in values` would compare None with each Decimal (an isinstance check each)
        gaps = any(map(is_, values, repeat(None)))
        if gaps:
            if col.required:
                _report_empty(info, col, idx, by_col[idx], values, numbers, findings)
            if default is not None:
                values = [default if v is None else v for v in values]
                gaps = False
        if col.nonnegative:
            _report_negative(info, col, idx, by_col[idx], values, numbers, findings, gaps)
        columns.append(values)
    columns.append(numbers)
    return tuple(map(cls, *columns))


def _convert_column(info: TableInfo, col: schema.Column, idx: int, cells: Sequence[object], numbers: list[int],
                    findings: list[Finding]) -> list[Any]:
    """Convert one column; on a bad cell, go cell by cell and report each bad one."""
    if cells[0] == "" and cells.count("") == len(cells):
        return [None] * len(cells)
    conv = converter(col)
    try:
        if col.type in (schema.TEXT,):
            return [c.strip() or None if c.__class__ is str else conv(c) for c in cells]
        if col.type == schema.MONEY:
            # a number of 15 digits or more before the decimal mark is no real amount: conv refuses it (then
            # cell by cell, each reported)
            return [Decimal(repr(c)) if c.__class__ is float and -1e15 < c < 1e15 else conv(c) for c in cells]
        if col.type == schema.INTEGER:
            return [int(c) if c.__class__ is float and c.is_integer() else conv(c) for c in cells]
        return [conv(c) for c in cells]
    except CellError:
        pass
    out: list[Any] = []
    for cell, excel_row in zip(cells, numbers, strict=True):
        try:
            out.append(conv(cell))
        except CellError as exc:
            header, letter = info.columns[col.key][1], col_letter(idx)
            findings.append(finding(exc.code, info.title, excel_row, header, letter, cell,
                                    f"{info.title} row {excel_row}, column \"{header}\" ({letter}): {exc}"))
            out.append(None)
    return out


def _report_empty(info: TableInfo, col: schema.Column, idx: int, cells: Sequence[object], values: list[Any],
                  numbers: list[int], findings: list[Finding]) -> None:
    header, letter = info.columns[col.key][1], col_letter(idx)
    for cell, v, excel_row in zip(cells, values, numbers, strict=True):
        if v is None and cell in ("", None):
            findings.append(finding("required", info.title, excel_row, header, letter, "",
                                    f"{info.title} row {excel_row}: \"{header}\" ({letter}) is empty; "
                                    f"expected {_expect(col)}"))


def _report_negative(info: TableInfo, col: schema.Column, idx: int, cells: Sequence[object], values: list[Any],
                     numbers: list[int], findings: list[Finding], gaps: bool = True) -> None:
    present = [v for v in values if v is not None] if gaps else values
    if not present or min(present) >= 0:
        return
    header, letter = info.columns[col.key][1], col_letter(idx)
    for cell, v, excel_row in zip(cells, values, numbers, strict=True):
        if v is not None and v < 0:
            findings.append(finding("negative", info.title, excel_row, header, letter, cell,
                                    f"{info.title} row {excel_row}, column \"{header}\" ({letter}): "
                                    f"{cell} is negative; expected 0 or more"))


def _record_defaults(cls: type) -> dict[str, Any]:
    """Each field's value for an empty cell: the record's default, else a neutral empty value."""
    if cls not in _DEFAULTS:
        _DEFAULTS[cls] = {
            f.name: (f.default if f.default is not MISSING else _EMPTY_BY_TYPE.get(str(f.type)))
            for f in fields(cls) if f.name != "row"
        }
    return _DEFAULTS[cls]


_EMPTY_BY_TYPE = {"str": "", "int": 0, "Decimal": Decimal("0.00")}


def _expect(col: schema.Column) -> str:
    """What a column wants, in words."""
    if col.choices:
        return "one of " + ", ".join(col.choices)
    return {"text": "a value", "integer": "a whole number", "money": "an amount", "date": "a date",
            "percent": "a percentage", "boolean": "yes or no", "number": "a number"}.get(col.type, "a value")


def _read_settings(info: TableInfo, data: Sequence[Sequence[object]], findings: list[Finding]) -> Settings:
    kidx = info.columns["key"][0]
    vidx, vheader = info.columns["value"]
    values: dict[str, Any] = {}
    rows: dict[str, int] = {}
    extra: dict[str, str] = {}
    first = info.header_row + 1
    for i, raw in enumerate(data):
        key = raw[kidx] if kidx < len(raw) else ""
        if key in ("", None):
            continue
        cell = raw[vidx] if vidx < len(raw) else ""
        spec = SETTING_BY_NORM.get(norm(key)) or SETTING_BY_NORM_KEY.get(norm(key))
        if spec is None:
            extra[str(key).strip()] = "" if cell in ("", None) else str(cell)
            continue
        rows[spec.key] = first + i
        col = schema.Column(spec.key, spec.label, spec.type)
        try:
            v = converter(col)(cell)
        except CellError as exc:
            letter = col_letter(vidx)
            findings.append(finding("setting", info.title, first + i, vheader, letter, cell,
                                    f"Settings row {first + i} ({spec.label}): {exc}"))
            continue
        if v is not None:
            values[spec.key] = v
        elif spec.type == schema.TEXT:
            values[spec.key] = ""  # present but empty: not the default (e.g. no default terms)
    return Settings(**_settings_kwargs(values), rows=rows, extra=extra)


SETTING_BY_NORM_KEY = {norm(s.key): s for s in schema.SETTINGS_KEYS}


def _settings_kwargs(values: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for f in fields(Settings):
        if f.name in values:
            v = values[f.name]
            if f.type in ("int",) and isinstance(v, Decimal):
                v = int(v)
            out[f.name] = v
    return out


__all__ = ["TAB_BY_NAME", "Book", "TableInfo", "open_workbook", "read_book", "read_map", "read_workbook"]
