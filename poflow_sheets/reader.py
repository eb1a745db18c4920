"""Read a workbook into typed records, fast (python-calamine), driven by the schema.

A file poflow cannot read as a workbook raises WorkbookUnreadable (one line, exit 2).
A cell that is not of its column's type becomes a Finding and reads as empty.
"""

from __future__ import annotations

import difflib
import zipfile
from collections.abc import Callable, Collection, Sequence
from dataclasses import MISSING, dataclass, field, fields
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

from python_calamine import CalamineWorkbook

if TYPE_CHECKING:
    import pandas as pd

from . import schema
from .cells import CellError, converter
from .errors import WorkbookUnreadable
from .findings import Finding, col_letter, finding
from .limits import check_package
from .perf import without_gc
from .records import (
    Allocation,
    Buyer,
    Invoice,
    Line,
    Order,
    Payment,
    PriceTier,
    Product,
    Settings,
    Shipment,
)
from .schema import SETTING_BY_NORM, TAB_BY_NAME, Tab, norm
from .store.edits import Fingerprint
from .store.safety import fingerprint

RECORD_OF: dict[str, type] = {
    "Buyers": Buyer, "Products": Product, "PriceTiers": PriceTier, "Orders": Order, "Lines": Line,
    "Shipments": Shipment, "Invoices": Invoice, "Payments": Payment, "Allocations": Allocation,
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
    orders: tuple[Order, ...] = ()
    lines: tuple[Line, ...] = ()
    shipments: tuple[Shipment, ...] = ()
    invoices: tuple[Invoice, ...] = ()
    payments: tuple[Payment, ...] = ()
    allocations: tuple[Allocation, ...] = ()
    tables: dict[str, TableInfo] = field(default_factory=dict)
    findings: tuple[Finding, ...] = ()  # cell-level problems met while reading
    sheet_names: tuple[str, ...] = ()
    rows_read: int = 0
    fingerprint: Fingerprint | None = None  # the file as it was read: a write checks it is unchanged

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
    "Buyers": "buyers", "Products": "products", "PriceTiers": "tiers", "Orders": "orders", "Lines": "lines",
    "Shipments": "shipments", "Invoices": "invoices", "Payments": "payments", "Allocations": "allocations",
}


def open_workbook(path: Path) -> CalamineWorkbook:
    """Open a workbook with calamine, translating every failure into one clear line."""
    name = str(path)
    if not path.exists():
        raise WorkbookUnreadable(f"{name}: no such file")
    if path.is_dir():
        raise WorkbookUnreadable(f"{name}: is a folder, expected a workbook file (.xlsx)")
    size = path.stat().st_size
    if size == 0:
        raise WorkbookUnreadable(f"{name}: the file is empty, expected an .xlsx workbook")
    with path.open("rb") as fh:
        head = fh.read(8)
    suffix = path.suffix.lower()
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        if suffix in (".xlsx", ".xlsm") or _is_encrypted_ole(path):
            raise WorkbookUnreadable(
                f"{name}: the workbook is password protected (encrypted); save a copy without a password")
    elif head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise WorkbookUnreadable(f"{name}: the file is damaged or truncated ({exc})") from None
        if "xl/workbook.xml" not in names and "content.xml" not in names:
            raise WorkbookUnreadable(f"{name}: a zip file but not an Excel workbook (no xl/workbook.xml)")
        # sizes, ratio, duplicate members, cells, shared strings, the longest cell, the encoding; and every
        # XML member inflated once against its CRC (a damaged member is found here, not by calamine)
        check_package(path, name)
    elif suffix in (".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"):
        kind = "text (CSV?)" if _looks_text(head) else "not a spreadsheet"
        raise WorkbookUnreadable(f"{name}: not a real {suffix} workbook: the content is {kind}")
    else:
        raise WorkbookUnreadable(f"{name}: not a workbook; expected an .xlsx file")
    try:
        return CalamineWorkbook.from_path(name)
    except Exception as exc:  # calamine raises several types; all mean the same to the user
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "password" in text.lower() or "encrypt" in text.lower():
            raise WorkbookUnreadable(f"{name}: the workbook is password protected") from None
        raise WorkbookUnreadable(f"{name}: cannot be read as a workbook ({text})") from None


def _looks_text(head: bytes) -> bool:
    return all(32 <= b < 127 or b in (9, 10, 13) for b in head.lstrip(b"\xef\xbb\xbf"))


def _is_encrypted_ole(path: Path) -> bool:
    with path.open("rb") as fh:
        data = fh.read(1 << 16)
    return "EncryptedPackage".encode("utf-16-le") in data


def _header_row(rows: Sequence[Sequence[object]]) -> int:
    for i, row in enumerate(rows):
        if any(v not in ("", None) for v in row):
            return i
    return -1


def _map_columns(tab: Tab, title: str, header: Sequence[object], offset: int, path: Path) -> dict[str, tuple[int, str]]:
    by_norm = {norm(c.header): c for c in tab.columns}
    extra_alias = {norm(c.key): c for c in tab.columns}
    found: dict[str, tuple[int, str]] = {}
    for i, h in enumerate(header):
        n = norm(h)
        if not n:
            continue
        col = by_norm.get(n) or extra_alias.get(n)
        if col is not None and col.key not in found:
            found[col.key] = (offset + i, str(h).strip())
    missing = [c for c in tab.columns if c.contract and c.key not in found]
    if missing:
        written = [str(h).strip() for h in header if str(h).strip()]
        col = missing[0]
        close = difflib.get_close_matches(col.header, written, n=1, cutoff=0.6)
        near = f" ('{close[0]}' looks like a misspelling)" if close else ""
        raise WorkbookUnreadable(
            f"{path}: tab '{title}' has no '{col.header}' column{near}; "
            f"expected headers: {', '.join(c.header for c in tab.columns if c.contract)}; "
            f"found: {', '.join(written) or 'nothing'}"
        )
    return found


def _find_sheet(names: Sequence[str], tab: Tab) -> str | None:
    want = norm(tab.name)
    for n in names:
        if norm(n) == want:
            return n
    return None


@without_gc
def read_workbook(path: Path | str, *, progress: Callable[[str], None] | None = None,
                  tabs: Collection[str] | None = None) -> Book:
    """Read every schema tab (or only `tabs`) of the workbook into typed records (fast path: python-calamine)."""
    path = Path(path)
    wb = open_workbook(path)
    taken = fingerprint(path)
    wanted = [t for t in schema.TABS if tabs is None or t.name in tabs]
    try:
        names = tuple(wb.sheet_names)
        missing = [t.name for t in wanted if t.required and _find_sheet(names, t) is None]
        if missing:
            raise WorkbookUnreadable(
                f"{path}: required tab{'s' if len(missing) > 1 else ''} {', '.join(repr(m) for m in missing)} "
                f"missing; found tabs: {', '.join(names) or 'none'}"
            )
        findings: list[Finding] = []
        tables: dict[str, TableInfo] = {}
        parts: dict[str, Any] = {}
        settings = Settings()
        rows_read = 0
        for tab in wanted:
            title = _find_sheet(names, tab)
            if title is None:
                continue
            if progress:
                progress(title)
            try:
                sheet = wb.get_sheet_by_name(title)
                rows = sheet.to_python(skip_empty_area=False)
            except Exception as exc:
                raise WorkbookUnreadable(f"{path}: tab '{title}' cannot be read ({exc})") from None
            h = _header_row(rows)
            if h < 0:
                if tab.required:
                    raise WorkbookUnreadable(
                        f"{path}: tab '{title}' is empty; expected a header row with "
                        f"{', '.join(c.header for c in tab.columns if c.contract)}")
                continue
            cols = _map_columns(tab, title, rows[h], 0, path)
            if tab.owned and not tab.required and not cols:
                continue  # a person's own tab that happens to share the name (their "Log"): not ours
            data = rows[h + 1:]
            while data and all(v in ("", None) for v in data[-1]):
                data = data[:-1]
            info = TableInfo(tab, title, h + 1, 0, cols, len(rows[h]), h + 1 + len(data))
            tables[tab.name] = info
            rows_read += len(data)
            if tab.name == "Log":
                rows_read -= len(data)  # the audit trail is kept, not checked
            elif tab.name == "Settings":
                settings = _read_settings(info, data, findings)
            else:
                parts[ATTR_OF_TAB[tab.name]] = _read_records(info, data, findings)
    finally:
        wb.close()
    return Book(path=path, settings=settings, tables=tables, findings=tuple(findings), sheet_names=names,
                rows_read=rows_read, fingerprint=taken, **parts)


def _read_records(info: TableInfo, data: Sequence[Sequence[object]], findings: list[Finding]) -> tuple[Any, ...]:
    """Rows to records, column by column (fast); a bad cell is reported and reads as empty."""
    cls = RECORD_OF[info.tab.name]
    defaults = _record_defaults(cls)
    names = [f.name for f in fields(cls) if f.name != "row"]
    cols = {c.key: c for c in info.tab.columns}
    width = max((idx for idx, _ in info.columns.values()), default=0) + 1
    first = info.header_row + 1
    numbers = list(range(first, first + len(data)))
    rows = [r if len(r) >= width else list(r) + [""] * (width - len(r)) for r in data]
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
        if None in values:
            if col.required:
                _report_empty(info, col, idx, by_col[idx], values, numbers, findings)
            if default is not None:
                values = [default if v is None else v for v in values]
        if col.nonnegative:
            _report_negative(info, col, idx, by_col[idx], values, numbers, findings)
        columns.append(values)
    columns.append(numbers)
    return tuple(map(cls, *columns))


def _convert_column(info: TableInfo, col: schema.Column, idx: int, cells: Sequence[object], numbers: list[int],
                    findings: list[Finding]) -> list[Any]:
    """Convert one column; on a bad cell, go cell by cell and report each bad one."""
    if cells.count("") == len(cells):
        return [None] * len(cells)
    conv = converter(col)
    try:
        if col.type in (schema.TEXT,):
            return [c.strip() or None if c.__class__ is str else conv(c) for c in cells]
        if col.type == schema.MONEY:
            money: list[Any] = [Decimal(repr(c)) if c.__class__ is float else conv(c) for c in cells]
            if max((abs(v) for v in money if v is not None), default=0) >= _MONEY_LIMIT:
                raise CellError("larger than any real amount")  # then cell by cell, each reported
            return money
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
                     numbers: list[int], findings: list[Finding]) -> None:
    present = [v for v in values if v is not None]
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


_MONEY_LIMIT = Decimal(10) ** 15
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


__all__ = ["TAB_BY_NAME", "Book", "TableInfo", "open_workbook", "read_workbook"]
