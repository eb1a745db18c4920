"""The schema's tabs as Sheets API requests: what `poflow init gsheet:ID` adds, as the template does on .xlsx.

Each missing tab gets the header row (bold, shaded, the help text as a note), a frozen header, column
widths, number and date formats down each column, drop-downs for choices, Yes/No and references (data
validation), and the overdue and unpaid highlights (conditional formats), all from the same rules the
.xlsx template is written from (`template.drop_downs`, `template.highlights`, `template.NUMBER_FORMATS`).
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from poflow_sheets import schema, template
from poflow_sheets.gsheets import a1
from poflow_sheets.gsheets.values import DATETIME_FORMAT, CellFormat, exact_number, serial
from poflow_sheets.gsheets.write import pixels

HEADER_ROW_PIXELS = 40  # the template's 30-point header row


def color(hex_color: object) -> dict[str, float]:
    """'#DDEBF7' as the API's color (0..1 floats)."""
    h = str(hex_color).lstrip("#")
    return {"red": int(h[0:2], 16) / 255, "green": int(h[2:4], 16) / 255, "blue": int(h[4:6], 16) / 255}


def cell_format(style: Mapping[str, object], *, conditional: bool = False) -> dict[str, Any]:
    """An xlsxwriter style dict (the template's) as a Sheets CellFormat (a conditional format takes only
    colours, bold and italic)."""
    fmt: dict[str, Any] = {}
    text: dict[str, Any] = {}
    if style.get("bold"):
        text["bold"] = True
    if style.get("italic"):
        text["italic"] = True
    if "font_color" in style:
        text["foregroundColor"] = color(style["font_color"])
    if "bg_color" in style:
        fmt["backgroundColor"] = color(style["bg_color"])
    if text:
        fmt["textFormat"] = text
    if not conditional:
        if style.get("text_wrap"):
            fmt["wrapStrategy"] = "WRAP"
        if style.get("valign") == "top":
            fmt["verticalAlignment"] = "TOP"
        if style.get("border"):
            side = {"style": "SOLID", "color": color(style.get("border_color", "#000000"))}
            fmt["borders"] = {k: dict(side) for k in ("top", "bottom", "left", "right")}
    return fmt


def number_format(col_type: str) -> CellFormat | None:
    """The number format of a column type, as the template sets it."""
    pattern = template.NUMBER_FORMATS.get(col_type)
    if pattern is None:
        return None
    kind = {schema.PERCENT: "PERCENT", schema.DATE: "DATE"}.get(col_type, "NUMBER")
    return CellFormat(kind, pattern)


def _grid(sheet_id: int, r0: int, r1: int, c0: int, c1: int) -> dict[str, int]:
    """A GridRange from 0-based, end-exclusive rows and columns."""
    return {"sheetId": sheet_id, "startRowIndex": r0, "endRowIndex": r1, "startColumnIndex": c0, "endColumnIndex": c1}


def _value(col: schema.Column | None, value: object, where: str) -> tuple[Any, CellFormat | None]:
    """A template value as a RAW cell value (and a format it needs beyond its column's)."""
    if value is None or value == "":
        return "", None
    if isinstance(value, bool):
        if col is not None and col.type == schema.BOOLEAN:
            return (template.YES if value else template.NO), None
        return value, None
    if isinstance(value, str):
        return value, None
    if isinstance(value, float):
        return exact_number(Decimal(repr(value)), where), None
    if isinstance(value, Decimal | int):
        return exact_number(value, where), None
    if isinstance(value, datetime):
        return serial(value), (DATETIME_FORMAT if value.time() != datetime.min.time() else None)
    if isinstance(value, date):
        return serial(value), None
    raise TypeError(f"{where}: cannot write {value!r} ({type(value).__name__}) to a cell")


def new_tabs(tabs: Sequence[schema.Tab], *, first_index: int, used_ids: set[int],
             rows: Mapping[str, Sequence[Sequence[object]]] | None = None,
             settings: Mapping[str, object] | None = None) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[int]]:
    """Requests (structure and formats), values (RAW) and the new sheet ids that add `tabs`."""
    rows = rows or {}
    sizes = {name: len(r) for name, r in rows.items()}
    rng = random.Random()
    structure: list[dict[str, Any]] = []
    formats: list[dict[str, Any]] = []
    data: list[dict[str, Any]] = []
    ids: list[int] = []
    for offset, tab in enumerate(tabs):
        sheet_id = rng.randrange(1, 2**31 - 1)
        while sheet_id in used_ids:
            sheet_id = rng.randrange(1, 2**31 - 1)
        used_ids.add(sheet_id)
        ids.append(sheet_id)
        given: list[Sequence[object]] = list(rows.get(tab.name, ()))
        if tab.name == template.settings_tab().name:
            given = template.settings_rows(given, settings or {})
        last = template.extent(len(given))  # 0-based last row drop-downs and formats reach
        n = len(tab.columns)
        structure.append({"addSheet": {"properties": {
            "sheetId": sheet_id, "title": tab.name, "index": first_index + offset, "sheetType": "GRID",
            "gridProperties": {"rowCount": last + 1, "columnCount": n, "frozenRowCount": 1}}}})
        formats += _tab_formats(tab, sheet_id, last, sizes)
        values, cell_formats = _tab_values(tab, given)
        width = max([n, *(len(v) for v in values)])
        data.append({"range": a1.block(tab.name, 1, 1, len(values), width), "values": values})
        for (r, c), fmt in cell_formats.items():
            user, mask = fmt.user_entered()
            formats.append({"repeatCell": {"range": _grid(sheet_id, r, r + 1, c, c + 1),
                                           "cell": {"userEnteredFormat": user}, "fields": mask}})
    return structure + formats, data, ids


def _tab_values(tab: schema.Tab, given: Sequence[Sequence[object]]) -> tuple[list[list[Any]], dict[tuple[int, int], CellFormat]]:
    """The header and data rows as RAW values, and the cells that need a format of their own."""
    values: list[list[Any]] = [[c.header for c in tab.columns]]
    cell_formats: dict[tuple[int, int], CellFormat] = {}
    settings_tab = tab.name == template.settings_tab().name
    by_label = {sk.label: sk for sk in schema.SETTINGS_KEYS}
    for r, row in enumerate(given, start=1):
        out: list[Any] = []
        sk = by_label.get(str(row[0])) if settings_tab and row else None
        for c, value in enumerate(row):
            col = tab.columns[c] if c < len(tab.columns) else None
            if settings_tab and c == 1 and sk is not None:
                cell = template.setting_value(sk, value)
                v, fmt = _value(None, cell, a1.ref(tab.name, r + 1, c + 1))
                if not isinstance(cell, str) and cell is not None:
                    fmt = number_format(sk.type) or fmt
            else:
                v, fmt = _value(col, value, a1.ref(tab.name, r + 1, c + 1))
            out.append(v)
            if fmt is not None:
                cell_formats[(r, c)] = fmt
        values.append(out)
    return values, cell_formats


def _tab_formats(tab: schema.Tab, sheet_id: int, last: int, sizes: Mapping[str, int]) -> list[dict[str, Any]]:
    """Widths, header style and notes, number formats, drop-downs and highlights of one new tab."""
    n = len(tab.columns)
    out: list[dict[str, Any]] = []
    for c, col in enumerate(tab.columns):
        out.append({"updateDimensionProperties": {
            "range": {"sheetId": sheet_id, "dimension": "COLUMNS", "startIndex": c, "endIndex": c + 1},
            "properties": {"pixelSize": pixels(col.width)}, "fields": "pixelSize"}})
    if any(len(c.header) > c.width for c in tab.columns):
        out.append({"updateDimensionProperties": {
            "range": {"sheetId": sheet_id, "dimension": "ROWS", "startIndex": 0, "endIndex": 1},
            "properties": {"pixelSize": HEADER_ROW_PIXELS}, "fields": "pixelSize"}})
    header = cell_format(template.HEADER_STYLE)
    out.append({"repeatCell": {"range": _grid(sheet_id, 0, 1, 0, n), "cell": {"userEnteredFormat": header},
                               "fields": "userEnteredFormat(" + ",".join(header) + ")"}})
    out.append({"updateCells": {"range": _grid(sheet_id, 0, 1, 0, n), "fields": "note",
                                "rows": [{"values": [{"note": c.help} if c.help else {} for c in tab.columns]}]}})
    for c, col in enumerate(tab.columns):
        fmt = number_format(col.type)
        if fmt is not None:
            user, mask = fmt.user_entered()
            out.append({"repeatCell": {"range": _grid(sheet_id, 1, last + 1, c, c + 1),
                                       "cell": {"userEnteredFormat": user}, "fields": mask}})
    for rule in template.drop_downs(tab, sizes):
        if rule.values:
            condition: dict[str, Any] = {"type": "ONE_OF_LIST",
                                         "values": [{"userEnteredValue": v} for v in rule.values]}
        else:
            condition = {"type": "ONE_OF_RANGE", "values": [{"userEnteredValue": rule.source}]}
        out.append({"setDataValidation": {
            "range": _grid(sheet_id, 1, last + 1, rule.col, rule.col + 1),
            "rule": {"condition": condition, "inputMessage": rule.message, "strict": rule.strict,
                     "showCustomUi": True}}})
    for i, hl in enumerate(template.highlights(tab)):
        if hl.formula:
            condition = {"type": "CUSTOM_FORMULA", "values": [{"userEnteredValue": hl.formula}]}
        else:
            condition = {"type": "TEXT_EQ", "values": [{"userEnteredValue": hl.equals}]}
        out.append({"addConditionalFormatRule": {"index": i, "rule": {
            "ranges": [_grid(sheet_id, 1, last + 1, hl.first_col, hl.last_col + 1)],
            "booleanRule": {"condition": condition, "format": cell_format(hl.style, conditional=True)}}}})
    return out


__all__ = ["cell_format", "color", "new_tabs", "number_format"]
