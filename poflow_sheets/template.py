"""Write a new poflow workbook from the declarative schema with xlsxwriter.

Everything a tab holds is derived from `schema.TABS` and `schema.SETTINGS_KEYS`: the tabs and their
order, headers, widths, number formats by column type, drop-downs for choices, Yes/No and references,
header comments with the help texts, an Excel Table per tab, and conditional formatting for columns
that carry a meaning (a due date and a balance: overdue invoices; a status: finished or cancelled rows).

The output is deterministic: the same call gives byte-identical files (fixed document dates, the
workbook is built in memory so every zip member has xlsxwriter's fixed 1980-01-01 timestamp).
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, cast

import xlsxwriter
from xlsxwriter.format import Format
from xlsxwriter.utility import quote_sheetname, xl_col_to_name
from xlsxwriter.worksheet import Worksheet

from poflow_sheets import schema

FORMAT_ROWS = 5000  # validation and formatting reach at least this (1-based) row of every tab ...
FORMAT_MARGIN = 1000  # ... and this many rows beyond the last data row of a larger tab
MAX_ROWS = 1_048_576  # Excel's sheet height, header included
CREATED = datetime(2026, 1, 1)  # fixed document date, so that the output is reproducible

NUMBER_FORMATS: dict[str, str] = {
    schema.MONEY: "#,##0.00",
    schema.PERCENT: "0%",
    schema.DATE: "yyyy-mm-dd",
    schema.INTEGER: "0",
}
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
YES, NO = "Yes", "No"
TABLE_STYLE = "Table Style Light 9"

HEADER_STYLE: dict[str, object] = {
    "bold": True, "bg_color": "#DDEBF7", "font_color": "#1F3864", "border": 1, "border_color": "#8EA9DB",
    "text_wrap": True, "valign": "top",
}
OVERDUE_STYLE: dict[str, object] = {"bg_color": "#FFC7CE", "font_color": "#9C0006"}
UNPAID_STYLE: dict[str, object] = {"bold": True, "font_color": "#C65911"}
MUTED_STYLE: dict[str, object] = {"font_color": "#808080", "italic": True}
DONE_STYLE: dict[str, object] = {"bg_color": "#C6EFCE", "font_color": "#006100"}
ATTENTION_STYLE: dict[str, object] = {"bg_color": "#FFEB9C", "font_color": "#9C5700"}

# Status values (wherever a `status` choice column offers them) and how their cell is highlighted.
# Only values the schema offers are used; the rest are left plain.
STATUS_STYLES: dict[str, dict[str, object]] = {
    "cancelled": MUTED_STYLE, "void": MUTED_STYLE, "ignored": MUTED_STYLE,
    "paid": DONE_STYLE, "closed": DONE_STYLE, "applied": DONE_STYLE,
    "review": ATTENTION_STYLE, "unmatched": ATTENTION_STYLE, "partial": ATTENTION_STYLE,
}
# Status values after which an open balance is no longer chased (excluded from "overdue").
SETTLED_STATUSES = ("void", "paid")

Rows = Mapping[str, Sequence[Sequence[object]]]


def write_new_workbook(
    path: Path,
    rows: Rows | None = None,
    *,
    settings: Mapping[str, object] | None = None,
) -> None:
    """Write a complete new workbook at `path`: one tab per `schema.TABS`, in order.

    `rows` maps a tab name to its data rows, each a sequence of values in the schema's column order
    (str, int, float, Decimal -> number, date/datetime -> date cell, bool, None -> empty; shorter rows
    are padded). A bool in a Yes/No column is written as "Yes"/"No", as its drop-down offers.

    The Settings tab lists every `schema.SETTINGS_KEYS` entry: its label, the value from `settings`
    (by key name such as "default_deposit_pct", or by label) or else from rows given for the Settings
    tab (matched by label), or else the default, converted to its cell type ("30%" -> 0.3 shown as a
    percent, integers as numbers), and its help text. Settings rows with a label the schema does not know
    are kept after the known keys.
    """
    rows = rows or {}
    unknown = [name for name in rows if name not in schema.TAB_BY_NAME]
    if unknown:
        raise ValueError(f"no such tab in the schema: {', '.join(map(repr, unknown))}")
    data: dict[str, list[Sequence[object]]] = {}
    for tab in schema.TABS:
        given = list(rows.get(tab.name, ()))
        if tab.name == settings_tab().name:
            given = settings_rows(given, settings or {})
        if len(given) >= MAX_ROWS:
            raise ValueError(f"{tab.name} has {len(given)} rows, more than a sheet holds ({MAX_ROWS - 1})")
        for i, row in enumerate(given, start=2):
            if len(row) > len(tab.columns):
                raise ValueError(
                    f"{tab.name} row {i} has {len(row)} values, the tab has {len(tab.columns)} columns"
                )
        data[tab.name] = given

    buffer = io.BytesIO()  # built in memory: a failed build leaves no partial file behind
    workbook = xlsxwriter.Workbook(
        buffer,
        {
            "in_memory": True,  # fixed zip timestamps, no temporary files
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "remove_timezone": True,
        },
    )
    try:
        workbook.set_properties({
            "title": "poflow order book",
            "subject": "Wholesale orders, invoices and payments",
            "author": "poflow",
            "comments": "Created by poflow_sheets from its schema.",
            "created": CREATED,
        })
        _Builder(workbook, data).build()
    finally:
        workbook.close()
    Path(path).write_bytes(buffer.getvalue())


def settings_tab() -> schema.Tab:
    """The tab that holds the Settings keys: keyed by its first column `key`, with `value` second."""
    return schema.TABS[0] if _is_settings(schema.TABS[0]) else next(t for t in schema.TABS if _is_settings(t))


def _is_settings(tab: schema.Tab) -> bool:
    keys = tuple(c.key for c in tab.columns)
    return keys[:2] == ("key", "value") and tab.key == ("key",)


def settings_rows(given: list[Sequence[object]], settings: Mapping[str, object]) -> list[Sequence[object]]:
    """The Settings rows: every known key in schema order, then the unknown keys of `given`."""
    by_norm: dict[str, schema.SettingKey] = {}
    for sk in schema.SETTINGS_KEYS:
        by_norm[schema.norm(sk.key)] = sk
        by_norm[schema.norm(sk.label)] = sk
    chosen: dict[str, object] = {}
    extra: list[Sequence[object]] = []
    for row in given:
        label = row[0] if row else None
        known = by_norm.get(schema.norm(label)) if label not in (None, "") else None
        if known is None:
            if any(v not in (None, "") for v in row):
                extra.append(row)
        elif len(row) > 1:
            chosen[known.key] = row[1]
    for name, value in settings.items():
        known = by_norm.get(schema.norm(name))
        if known is None:
            raise ValueError(f"no such setting: {name!r}")
        chosen[known.key] = value
    ncols = len(settings_tab().columns)
    out: list[Sequence[object]] = []
    for sk in schema.SETTINGS_KEYS:
        cells: list[object] = [sk.label, chosen.get(sk.key, sk.default), sk.help]
        out.append(cells[:ncols] + [None] * (ncols - len(cells)))
    return out + extra


def setting_value(sk: schema.SettingKey, value: object) -> object:
    """A Settings value as the cell it becomes: numbers for integer, number and percent keys.

    A percent is a fraction (Decimal("0.3")) whether given as "30%", "0.3", "30", 30 or 0.3. Text that
    is not a valid value of the key's type is kept as text, for validation to report.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        return value
    if sk.type == schema.TEXT:
        return value if isinstance(value, (str, date)) else str(value)
    number = _number(value)
    if number is None:
        return value
    if sk.type == schema.PERCENT:
        percent_sign = isinstance(value, str) and value.strip().endswith("%")
        return number / 100 if percent_sign or abs(number) > 1 else number
    if sk.type == schema.INTEGER:
        return int(number) if number == number.to_integral_value() else number
    return number


def _number(value: object) -> Decimal | None:
    """A number from an int, float, Decimal or numeric text ("30%", "1,001", " 7 "), else None."""
    if isinstance(value, Decimal):
        return value if value.is_finite() else None
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value)) if math.isfinite(value) else None
    if isinstance(value, str):
        text = value.strip().removesuffix("%").replace(",", "").strip()
        try:
            number = Decimal(text)
        except InvalidOperation:
            return None
        return number if number.is_finite() else None
    return None


def _table_name(tab_name: str) -> str:
    """The Excel Table name for a tab: the tab's name, made a valid defined name when it is not one."""
    name = re.sub(r"\W", "_", tab_name)
    looks_like_cell = re.fullmatch(r"[A-Za-z]{1,3}\d+|[rcRC]|[rcRC]\d+[rcRC]\d+", name)
    if not re.match(r"[A-Za-z_\\]", name) or looks_like_cell:
        name = "T_" + name
    return name


def extent(n_rows: int) -> int:
    """The last row (0-based) that drop-downs and formatting reach on a tab with `n_rows` data rows."""
    return min(max(FORMAT_ROWS, n_rows + 1 + FORMAT_MARGIN), MAX_ROWS) - 1


class _Builder:
    """Writes every tab of one workbook."""

    def __init__(self, workbook: xlsxwriter.Workbook, data: Mapping[str, list[Sequence[object]]]) -> None:
        self.wb = workbook
        self.data = data
        self.header = workbook.add_format(HEADER_STYLE)
        self.number_formats = {t: workbook.add_format({"num_format": f}) for t, f in NUMBER_FORMATS.items()}
        self.datetime_format = workbook.add_format({"num_format": DATETIME_FORMAT})
        self.styles: dict[str, Format] = {}

    def build(self) -> None:
        for tab in schema.TABS:
            ws = self.wb.add_worksheet(tab.name)
            self.tab(ws, tab, self.data[tab.name])

    def tab(self, ws: Worksheet, tab: schema.Tab, rows: list[Sequence[object]]) -> None:
        n_cols = len(tab.columns)
        last = extent(len(rows))
        formats = [self.number_formats.get(c.type) for c in tab.columns]
        settings_tab = _is_settings(tab)
        for c, col in enumerate(tab.columns):
            ws.set_column(c, c, col.width, formats[c])
        ws.freeze_panes(1, 0)
        if any(len(c.header) > c.width for c in tab.columns):
            ws.set_row(0, 30)
        # The Table: header + data rows, or header + one empty row (xlsxwriter needs one; its cells are
        # not written, so readers see no data row).
        ws.add_table(0, 0, max(len(rows), 1), n_cols - 1, {
            "name": _table_name(tab.name),
            "style": TABLE_STYLE,
            "columns": [{"header": c.header, "header_format": self.header} for c in tab.columns],
        })
        for c, col in enumerate(tab.columns):
            if col.help:
                ws.write_comment(0, c, col.help, {"author": "poflow", "x_scale": 1.6, "y_scale": 0.8})
        if settings_tab:
            self.settings_values(ws, rows)
        else:
            self.write_rows(ws, tab, rows, formats)
        self.validations(ws, tab, last)
        self.conditional_formats(ws, tab, last)

    def write_rows(
        self, ws: Worksheet, tab: schema.Tab, rows: list[Sequence[object]], formats: list[Format | None]
    ) -> None:
        """Write the data rows, each value as the cell its Python type calls for.

        The common types are dispatched inline and written with xlsxwriter's private cell writers
        (the public ones parse A1 notation on every call): 100,000 rows take a few seconds.
        """
        yes_no = [col.type == schema.BOOLEAN for col in tab.columns]
        date_fmt = self.number_formats[schema.DATE]
        write_string = ws._write_string
        write_number = ws._write_number
        serials: dict[date, float] = {}
        isfinite = math.isfinite
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(cast(Sequence[Any], row)):
                kind = type(value)
                if kind is str:
                    if value:
                        write_string(r, c, value, None)
                elif value is None:
                    continue
                elif kind is Decimal and value.is_finite():
                    write_number(r, c, float(value), formats[c])
                elif (kind is int or kind is float) and isfinite(value):
                    write_number(r, c, value, formats[c])
                elif kind is date:
                    serial = serials.get(value)
                    if serial is None:
                        serial = serials[value] = ws._convert_date_time(value)
                    write_number(r, c, serial, date_fmt)
                else:
                    self.write_cell(ws, r, c, value, formats[c], yes_no[c])

    def write_cell(
        self, ws: Worksheet, r: int, c: int, value: object, fmt: Format | None, yes_no: bool
    ) -> None:
        """Write one value of any supported type; `yes_no` writes a bool as Yes/No text."""
        if isinstance(value, bool):
            if yes_no:
                ws._write_string(r, c, YES if value else NO, None)
            else:
                ws._write_boolean(r, c, value, None)
        elif isinstance(value, datetime):
            plain_date = value.time() == time(0) and value.tzinfo is None
            ws._write_datetime(r, c, value, fmt if plain_date and fmt is not None else (
                self.number_formats[schema.DATE] if plain_date else self.datetime_format))
        elif isinstance(value, date):
            ws._write_datetime(r, c, value, self.number_formats[schema.DATE])
        elif isinstance(value, Decimal | int | float):
            number = float(value)
            if math.isfinite(number):
                ws._write_number(r, c, number, fmt)
            else:
                ws._write_string(r, c, str(value), None)
        elif isinstance(value, str):
            if value:
                ws._write_string(r, c, str(value), None)
        elif value is not None:
            raise TypeError(f"cannot write {value!r} ({type(value).__name__}) to a cell")

    def settings_values(self, ws: Worksheet, rows: list[Sequence[object]]) -> None:
        """Settings rows: label, value converted to its key's type, help."""
        by_label = {sk.label: sk for sk in schema.SETTINGS_KEYS}
        for r, row in enumerate(rows, start=1):
            sk = by_label.get(str(row[0])) if row else None
            for c, value in enumerate(row):
                if c == 1 and sk is not None:
                    cell = setting_value(sk, value)
                    fmt = self.number_formats.get(sk.type) if not isinstance(cell, str) else None
                    self.write_cell(ws, r, c, cell, fmt, sk.type == schema.BOOLEAN)
                else:
                    self.write_cell(ws, r, c, value, None, False)

    def style(self, name: str, properties: dict[str, object]) -> Format:
        """A conditional-format style, made once per workbook."""
        if name not in self.styles:
            self.styles[name] = self.wb.add_format(properties)
        return self.styles[name]

    def validations(self, ws: Worksheet, tab: schema.Tab, last: int) -> None:
        """Drop-downs: choices, Yes/No and references to another tab's key column."""
        for rule in drop_downs(tab, {name: len(rows) for name, rows in self.data.items()}):
            options: dict[str, object] = {
                "validate": "list", "source": list(rule.values) if rule.values else rule.source,
                "error_type": "stop" if rule.strict else "warning",
                "error_title": rule.title, "error_message": rule.message, "ignore_blank": True,
            }
            ws.data_validation(1, rule.col, last, rule.col, options)

    def conditional_formats(self, ws: Worksheet, tab: schema.Tab, last: int) -> None:
        """Overdue rows (a due date before today and a balance left), open balances, status colours."""
        for rule in highlights(tab):
            if rule.formula:
                options: dict[str, object] = {"type": "formula", "criteria": rule.formula}
            else:
                options = {"type": "cell", "criteria": "==", "value": f'"{rule.equals}"'}
            options["format"] = self.style(rule.name, rule.style)
            ws.conditional_format(1, rule.first_col, last, rule.last_col, options)


@dataclass(frozen=True)
class DropDown:
    """A column's drop-down, from row 2 down: a list of values, or the cells of another tab's key column."""

    col: int  # 0-based
    title: str
    values: tuple[str, ...]  # the choices; empty when `source` names the cells
    source: str  # "='Buyers'!$A$2:$A$5001" for a reference
    strict: bool  # stop a value not in the list (choices, Yes/No) or only warn (references)
    message: str


def drop_downs(tab: schema.Tab, data_rows: Mapping[str, int]) -> list[DropDown]:
    """The drop-downs of a tab (`data_rows`: data rows per tab, for how far references reach)."""
    out = []
    for c, col in enumerate(tab.columns):
        if col.choices:
            out.append(DropDown(c, col.header, tuple(col.choices), "", True, _choice_message(col.choices)))
        elif col.type == schema.BOOLEAN:
            out.append(DropDown(c, col.header, (YES, NO), "", True, f"Choose {YES} or {NO}."))
        elif col.ref:
            out.append(DropDown(c, col.header, (), ref_source(col.ref, data_rows), False,
                                f"Not found in {col.ref.split('.')[0]}: add it there first, "
                                "or keep it if it is about to be added."))
    return out


def ref_source(ref: str, data_rows: Mapping[str, int]) -> str:
    """The list formula for a reference "Tab.key": that tab's key column, as far as it reaches."""
    tab_name, _, key = ref.partition(".")
    tab = schema.TAB_BY_NAME[tab_name]
    c = next(i for i, col in enumerate(tab.columns) if col.key == key)
    letter = xl_col_to_name(c)
    end = extent(data_rows.get(tab_name, 0)) + 1
    return f"={quote_sheetname(tab.name)}!${letter}$2:${letter}${end}"


@dataclass(frozen=True)
class Highlight:
    """A conditional format from row 2 down over columns first..last (0-based): a formula, or a cell value."""

    name: str
    first_col: int
    last_col: int
    formula: str  # "=AND(...)" with row-2 references, or ""
    equals: str  # the cell value that is highlighted when `formula` is ""
    style: dict[str, object]


def highlights(tab: schema.Tab) -> list[Highlight]:
    """Overdue rows (a due date before today and a balance left), open balances, status colours."""
    cols = {col.key: (c, col) for c, col in enumerate(tab.columns)}
    end_col = len(tab.columns) - 1
    due, balance, status = cols.get("due_date"), cols.get("balance"), cols.get("status")
    out = []
    if due and balance and due[1].type == schema.DATE and balance[1].type == schema.MONEY:
        d = f"${xl_col_to_name(due[0])}2"
        b = f"${xl_col_to_name(balance[0])}2"
        terms = [f"N({d})>0", f"{d}<TODAY()", f"N({b})>0"]
        if status and status[1].choices:
            s = f"${xl_col_to_name(status[0])}2"
            terms += [f'{s}<>"{v}"' for v in SETTLED_STATUSES if v in status[1].choices]
        out.append(Highlight("overdue", 0, end_col, f"=AND({','.join(terms)})", "", OVERDUE_STYLE))
        out.append(Highlight("unpaid", balance[0], balance[0], f"=N({b})>0", "", UNPAID_STYLE))
    if status and status[1].choices:
        for value, style in STATUS_STYLES.items():
            if value in status[1].choices:
                out.append(Highlight(value, status[0], status[0], "", value, style))
    return out


def _choice_message(choices: Sequence[str]) -> str:
    """The error text of a choice drop-down, within Excel's 255 characters."""
    message = "Choose one of: " + ", ".join(choices) + "."
    return message if len(message) <= 255 else message[:252] + "..."

