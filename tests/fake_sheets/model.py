"""The fake's spreadsheets: tabs of cells with formats, notes, validations, merges and the rest, rendered in
the Sheets API v4 shapes (`Spreadsheet`, `Sheet`, `GridRange`, `CellData`) and projected by field masks."""

from __future__ import annotations

import copy
import json
import math
from dataclasses import dataclass, field
from typing import Any

from .a1 import RangeError, Span, format_range, parse_ref, split
from .cells import CellError, Formula, evaluate, float32, formatted, is_date_format, unformatted

DEFAULT_PROPERTIES: dict[str, Any] = json.loads("""{"locale": "en_US", "autoRecalc": "ON_CHANGE", "timeZone": "Etc/GMT",
 "defaultFormat": {"backgroundColor": {"red": 1, "green": 1, "blue": 1}, "padding": {"top": 2, "right": 3, "bottom": 2,
 "left": 3}, "verticalAlignment": "BOTTOM", "wrapStrategy": "OVERFLOW_CELL", "textFormat": {"foregroundColor": {},
 "fontFamily": "arial,sans,sans-serif", "fontSize": 10, "bold": false, "italic": false, "strikethrough": false,
 "underline": false, "foregroundColorStyle": {"rgbColor": {}}}, "backgroundColorStyle": {"rgbColor": {"red": 1,
 "green": 1, "blue": 1}}}, "spreadsheetTheme": {"primaryFontFamily": "Arial", "themeColors": [{"colorType": "TEXT",
 "color": {"rgbColor": {}}}, {"colorType": "BACKGROUND", "color": {"rgbColor": {"red": 1, "green": 1, "blue": 1}}},
 {"colorType": "ACCENT1", "color": {"rgbColor": {"red": 0.25882354, "green": 0.52156866, "blue": 0.95686275}}},
 {"colorType": "ACCENT2", "color": {"rgbColor": {"red": 0.91764706, "green": 0.2627451, "blue": 0.20784314}}},
 {"colorType": "ACCENT3", "color": {"rgbColor": {"red": 0.9843137, "green": 0.7372549, "blue": 0.015686275}}},
 {"colorType": "ACCENT4", "color": {"rgbColor": {"red": 0.20392157, "green": 0.65882355, "blue": 0.3254902}}},
 {"colorType": "ACCENT5", "color": {"rgbColor": {"red": 1, "green": 0.42745098, "blue": 0.003921569}}},
 {"colorType": "ACCENT6", "color": {"rgbColor": {"red": 0.27450982, "green": 0.7411765, "blue": 0.7764706}}},
 {"colorType": "LINK", "color": {"rgbColor": {"red": 0.06666667, "green": 0.33333334, "blue": 0.8}}}]}}""")


class ApiError(Exception):
    """An error answer: HTTP status, Google's status name and message."""

    def __init__(self, code: int, message: str, status: str = "INVALID_ARGUMENT",
                 details: list[dict[str, Any]] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.details = details

    def body(self) -> dict[str, Any]:
        error: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.status}
        if self.details:
            error["details"] = self.details
        return {"error": error}


def bad(message: str) -> ApiError:
    return ApiError(400, message)


# Field masks -------------------------------------------------------------------------------------

Mask = dict[str, Any]  # segment -> sub-mask, None for the whole subtree


def parse_mask(text: str) -> Mask:
    """A field mask (`a.b,c(d,e/f)`) as a tree."""
    pos = 0

    def ident() -> str:
        nonlocal pos
        start = pos
        while pos < len(text) and (text[pos].isalnum() or text[pos] in "_*@"):
            pos += 1
        return text[start:pos]

    def items() -> Mask:
        nonlocal pos
        tree: Mask = {}
        while True:
            while pos < len(text) and text[pos] == " ":
                pos += 1
            segs = [ident()]
            while pos < len(text) and text[pos] in "./":
                pos += 1
                segs.append(ident())
            sub: Mask | None = None
            if pos < len(text) and text[pos] == "(":
                pos += 1
                sub = items()
                if pos < len(text) and text[pos] == ")":
                    pos += 1
            node = tree
            for seg in segs[:-1]:
                if node.get(seg, {}) is None:
                    break
                node = node.setdefault(seg, {})
            else:
                last = segs[-1]
                if sub is None or node.get(last, {}) is None:
                    node[last] = None
                else:
                    node.setdefault(last, {}).update(sub)
            if pos < len(text) and text[pos] == ",":
                pos += 1
                continue
            return tree

    return items() if text else {}


def mask_paths(mask: Mask, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """The leaves of a mask as paths."""
    out: list[tuple[str, ...]] = []
    for k, sub in mask.items():
        if sub is None or not sub:
            out.append((*prefix, k))
        else:
            out += mask_paths(sub, (*prefix, k))
    return out


def project(obj: Any, mask: Mask | None) -> Any:
    """`obj` limited to the fields of `mask`."""
    if mask is None:
        return obj
    if isinstance(obj, list):
        return [project(x, mask) for x in obj]
    if isinstance(obj, dict):
        if "*" in mask:
            return obj
        return {k: project(obj[k], sub) for k, sub in mask.items() if k in obj}
    return obj


def get_path(obj: Any, path: tuple[str, ...]) -> tuple[bool, Any]:
    for seg in path:
        if not isinstance(obj, dict) or seg not in obj:
            return False, None
        obj = obj[seg]
    return True, obj


def set_path(obj: dict[str, Any], path: tuple[str, ...], value: Any, present: bool) -> None:
    """Set (or, when not `present`, delete) a path, as an update with a field mask does."""
    for seg in path[:-1]:
        nxt = obj.get(seg)
        if not isinstance(nxt, dict):
            if not present:
                return
            nxt = obj[seg] = {}
        obj = nxt
    if present and value is not None:
        obj[path[-1]] = copy.deepcopy(value)
    else:
        obj.pop(path[-1], None)


def prune(obj: Any) -> Any:
    """Drop empty dicts left inside a dict after deletions (the API never answers with them there)."""
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            v = prune(v)
            if isinstance(v, dict) and not v and k not in ("rgbColor", "foregroundColor"):
                continue
            out[k] = v
        return out
    return obj


def color(value: dict[str, Any] | None) -> dict[str, Any]:
    """A Color as the API echoes it: 8 bits a component (a half rounds down), as float32, zeros left out."""
    out: dict[str, Any] = {}
    for k in ("red", "green", "blue", "alpha"):
        v = (value or {}).get(k)
        if v:
            level = math.ceil(float(v) * 255 - 0.5 - 1e-9)
            if level:
                out[k] = float32(level / 255)
    return out


def echo_format(fmt: dict[str, Any]) -> dict[str, Any]:
    """A stored userEnteredFormat as the API answers it: colours as float32 with their *Style twins."""
    out = copy.deepcopy(fmt)
    if "backgroundColor" in out:
        out["backgroundColor"] = color(out["backgroundColor"])
        out.setdefault("backgroundColorStyle", {"rgbColor": out["backgroundColor"]})
    text = out.get("textFormat")
    if isinstance(text, dict) and "foregroundColor" in text:
        text["foregroundColor"] = color(text["foregroundColor"])
        text.setdefault("foregroundColorStyle", {"rgbColor": text["foregroundColor"]})
    borders = out.get("borders")
    if isinstance(borders, dict):
        for side in borders.values():
            if isinstance(side, dict) and "color" in side:
                side["color"] = color(side["color"])
                side.setdefault("colorStyle", {"rgbColor": side["color"]})
                side.setdefault("width", 1)
    return out


# Grid ranges --------------------------------------------------------------------------------------


@dataclass
class Box:
    """A closed rectangle of cells, 0-based, end exclusive."""

    r0: int
    r1: int
    c0: int
    c1: int

    def __contains__(self, rc: tuple[int, int]) -> bool:
        r, c = rc
        return self.r0 <= r < self.r1 and self.c0 <= c < self.c1

    def overlaps(self, other: Box) -> bool:
        return self.r0 < other.r1 and other.r0 < self.r1 and self.c0 < other.c1 and other.c0 < self.c1


def grid_range(sheet: Sheet, gr: dict[str, Any]) -> Box:
    """A GridRange (open ends to the grid's edge) as a Box."""
    return Box(int(gr.get("startRowIndex", 0)), int(gr.get("endRowIndex", sheet.row_count)),
               int(gr.get("startColumnIndex", 0)), int(gr.get("endColumnIndex", sheet.col_count)))


def echo_range(sheet_id: int, gr: dict[str, Any]) -> dict[str, Any]:
    """A GridRange as the API echoes it (sheetId 0 left out)."""
    out: dict[str, Any] = {}
    if sheet_id:
        out["sheetId"] = sheet_id
    for k in ("startRowIndex", "endRowIndex", "startColumnIndex", "endColumnIndex"):
        if k in gr:
            out[k] = gr[k]
    return out


# Sheets ---------------------------------------------------------------------------------------------


@dataclass
class FormatRange:
    """A format written over a rectangle: the paths set (relative to userEnteredFormat) and their values."""

    box: Box
    paths: list[tuple[str, ...]]
    values: dict[str, Any]


@dataclass
class Sheet:
    """One tab."""

    props: dict[str, Any]
    rows: list[list[Any]] = field(default_factory=list)  # values; None is an empty cell
    formats: list[FormatRange] = field(default_factory=list)
    notes: dict[tuple[int, int], str] = field(default_factory=dict)
    validations: list[tuple[Box, dict[str, Any] | None]] = field(default_factory=list)
    merges: list[dict[str, Any]] = field(default_factory=list)
    conditional_formats: list[dict[str, Any]] = field(default_factory=list)
    protected_ranges: list[dict[str, Any]] = field(default_factory=list)
    basic_filter: dict[str, Any] | None = None
    row_groups: list[dict[str, Any]] = field(default_factory=list)
    column_groups: list[dict[str, Any]] = field(default_factory=list)
    row_meta: dict[int, dict[str, Any]] = field(default_factory=dict)
    col_meta: dict[int, dict[str, Any]] = field(default_factory=dict)

    @property
    def sheet_id(self) -> int:
        return int(self.props.get("sheetId", 0))

    @property
    def title(self) -> str:
        return str(self.props["title"])

    @property
    def grid(self) -> dict[str, Any]:
        g: dict[str, Any] = self.props.setdefault("gridProperties", {})
        return g

    @property
    def row_count(self) -> int:
        return int(self.grid.get("rowCount", 0))

    @property
    def col_count(self) -> int:
        return int(self.grid.get("columnCount", 0))

    # values
    def get(self, r: int, c: int) -> Any:
        if r < len(self.rows):
            row = self.rows[r]
            if c < len(row):
                return row[c]
        return None

    def put(self, r: int, c: int, value: Any) -> None:
        if value is None and self.get(r, c) is None:
            return
        while len(self.rows) <= r:
            self.rows.append([])
        row = self.rows[r]
        if len(row) <= c:
            row.extend([None] * (c + 1 - len(row)))
        row[c] = value

    def effective(self, r: int, c: int) -> Any:
        v = self.get(r, c)
        return evaluate(v) if isinstance(v, Formula) else v

    def used_rows(self) -> int:
        """How many rows from the top hold anything (values)."""
        for i in range(len(self.rows) - 1, -1, -1):
            if any(v is not None for v in self.rows[i]):
                return i + 1
        return 0

    def fmt(self, r: int, c: int) -> dict[str, Any]:
        """The cell's userEnteredFormat, from the formats written over it in order."""
        out: dict[str, Any] = {}
        for f in self.formats:
            if (r, c) in f.box:
                for p in f.paths:
                    present, value = get_path(f.values, p)
                    if p == ():
                        out = copy.deepcopy(f.values)
                    else:
                        set_path(out, p, value, present)
        return prune(out)

    def number_format(self, r: int, c: int) -> dict[str, Any] | None:
        if not self.formats:
            return None
        nf = self.fmt(r, c).get("numberFormat")
        return nf if isinstance(nf, dict) else None

    def render(self, r: int, c: int, value_option: str, date_option: str) -> Any:
        """A cell as values.get renders it ('' for empty)."""
        raw = self.get(r, c)
        if raw is None:
            return ""
        value = evaluate(raw) if isinstance(raw, Formula) else raw
        if value_option == "FORMULA" and isinstance(raw, Formula):
            return raw.text
        if value_option == "FORMATTED_VALUE":
            return formatted(value, self.number_format(r, c))
        if date_option == "FORMATTED_STRING" and isinstance(value, int | float) and not isinstance(value, bool):
            nf = self.number_format(r, c)
            if is_date_format(nf):
                return formatted(value, nf)
        return unformatted(value)

    def cell_data(self, r: int, c: int) -> dict[str, Any]:
        """A CellData (what includeGridData answers for one cell)."""
        out: dict[str, Any] = {}
        raw = self.get(r, c)
        if raw is not None:
            out["userEnteredValue"] = extended(raw)
            value = evaluate(raw) if isinstance(raw, Formula) else raw
            out["effectiveValue"] = extended(value)
            out["formattedValue"] = formatted(value, self.number_format(r, c))
        if self.formats:
            f = self.fmt(r, c)
            if f:
                out["userEnteredFormat"] = echo_format(f)
        if (r, c) in self.notes:
            out["note"] = self.notes[(r, c)]
        for box, rule in reversed(self.validations):
            if (r, c) in box:
                if rule is not None:
                    out["dataValidation"] = copy.deepcopy(rule)
                break
        return out

    def resource(self, data: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        """This tab as a `Sheet` resource."""
        out: dict[str, Any] = {"properties": copy.deepcopy(self.props)}
        if data is not None:
            out["data"] = data
        if self.merges:
            out["merges"] = [echo_range(self.sheet_id, m) for m in self.merges]
        if self.conditional_formats:
            out["conditionalFormats"] = copy.deepcopy(self.conditional_formats)
        if self.protected_ranges:
            out["protectedRanges"] = copy.deepcopy(self.protected_ranges)
        if self.basic_filter is not None:
            out["basicFilter"] = copy.deepcopy(self.basic_filter)
        if self.row_groups:
            out["rowGroups"] = copy.deepcopy(self.row_groups)
        if self.column_groups:
            out["columnGroups"] = copy.deepcopy(self.column_groups)
        return out

    def grid_data(self, box: Box, full: bool) -> dict[str, Any]:
        """GridData of a rectangle: rows of CellData, trailing empties left out as the API does."""
        rows: list[dict[str, Any]] = []
        for r in range(box.r0, min(box.r1, self.row_count)):
            values = [self.cell_data(r, c) for c in range(box.c0, min(box.c1, self.col_count))]
            rows.append({"values": values})
        out: dict[str, Any] = {}
        if box.r0:
            out["startRow"] = box.r0
        if box.c0:
            out["startColumn"] = box.c0
        out["rowData"] = rows
        if full:
            out["rowMetadata"] = [self.row_meta.get(r, {"pixelSize": 21}) for r in range(box.r0, min(box.r1, self.row_count))]
            out["columnMetadata"] = [self.col_meta.get(c, {"pixelSize": 100})
                                     for c in range(box.c0, min(box.c1, self.col_count))]
        return out


def extended(value: Any) -> dict[str, Any]:
    """An ExtendedValue."""
    if isinstance(value, Formula):
        return {"formulaValue": value.text}
    if isinstance(value, CellError):
        return {"errorValue": {"type": "ERROR", "message": value.code}}
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int | float):
        return {"numberValue": unformatted(value)}
    return {"stringValue": str(value)}


def prune_grid(data: Any) -> Any:
    """Masked GridData without empty cells at row ends, empty rows at the end, and empty lists."""
    if isinstance(data, list):
        return [prune_grid(x) for x in data]
    if not isinstance(data, dict):
        return data
    out = dict(data)
    if "rowData" in out:
        rows = []
        for row in out["rowData"]:
            row = dict(row)
            values = list(row.get("values", []))
            while values and values[-1] == {}:
                values.pop()
            if values:
                row["values"] = values
            else:
                row.pop("values", None)
            rows.append(row)
        while rows and rows[-1] == {}:
            rows.pop()
        if rows:
            out["rowData"] = rows
        else:
            out.pop("rowData")
    return out


@dataclass
class Spreadsheet:
    """One spreadsheet."""

    spreadsheet_id: str
    title: str
    sheets: list[Sheet] = field(default_factory=list)
    properties: dict[str, Any] = field(default_factory=lambda: copy.deepcopy(DEFAULT_PROPERTIES))
    named_ranges: list[dict[str, Any]] = field(default_factory=list)
    shared_with: set[str] | None = None  # None: anyone with a token may use it

    def add_sheet(self, title: str, sheet_id: int, rows: int = 1000, cols: int = 26, index: int | None = None,
                  **extra: Any) -> Sheet:
        props: dict[str, Any] = {"sheetId": sheet_id, "title": title, "index": len(self.sheets),
                                 "sheetType": "GRID", "gridProperties": {"rowCount": rows, "columnCount": cols}}
        props.update(extra)
        sheet = Sheet(props)
        pos = len(self.sheets) if index is None else max(0, min(index, len(self.sheets)))
        self.sheets.insert(pos, sheet)
        self.reindex()
        return sheet

    def reindex(self) -> None:
        for i, s in enumerate(self.sheets):
            s.props["index"] = i

    def by_title(self, title: str) -> Sheet | None:
        return next((s for s in self.sheets if s.title == title), None) or next(
            (s for s in self.sheets if s.title.casefold() == title.casefold()), None)

    def by_id(self, sheet_id: int) -> Sheet:
        for s in self.sheets:
            if s.sheet_id == sheet_id:
                return s
        raise bad(f"No grid with id: {sheet_id}")

    def resolve(self, text: str) -> tuple[Sheet, Span]:
        """An A1 range (or a named range) as a tab and a span."""
        try:
            title, ref = split(text)
        except RangeError:
            raise bad(f"Unable to parse range: {text}") from None
        if title is None:
            assert ref is not None
            named = next((n for n in self.named_ranges if n["name"] == ref), None)
            if named is not None:
                gr = named["range"]
                sheet = self.by_id(int(gr.get("sheetId", 0)))
                return sheet, Span(gr.get("startRowIndex", 0), gr.get("endRowIndex"), gr.get("startColumnIndex", 0),
                                   gr.get("endColumnIndex"))
            whole = self.by_title(ref)
            if whole is not None:
                return whole, Span(0, None, 0, None)
            visible = [s for s in self.sheets if not s.props.get("hidden")]
            sheet = (visible or self.sheets)[0]
        else:
            found = self.by_title(title)
            if found is None:
                raise bad(f"Unable to parse range: {text}")
            sheet = found
            if ref is None:
                return sheet, Span(0, None, 0, None)
        try:
            span = parse_ref(ref)
        except RangeError:
            named = next((n for n in self.named_ranges if n["name"] == ref), None)
            if named is None:
                raise bad(f"Unable to parse range: {text}") from None
            gr = named["range"]
            return self.by_id(int(gr.get("sheetId", 0))), Span(gr.get("startRowIndex", 0), gr.get("endRowIndex"),
                                                                gr.get("startColumnIndex", 0), gr.get("endColumnIndex"))
        return sheet, span

    def echo(self, sheet: Sheet, span: Span) -> tuple[Box, str]:
        """The closed box of a span (open ends at the grid's edge) and the range text the API echoes for it."""
        r0, r1, c0, c1 = span.clip(sheet.row_count, sheet.col_count)
        return Box(r0, r1, c0, c1), format_range(sheet.title, r0, max(r1, r0 + 1), c0, max(c1, c0 + 1))

    def clone(self) -> Spreadsheet:
        """A copy to apply a batch to (kept only if every request of the batch succeeds)."""
        twin = copy.copy(self)
        twin.properties = copy.deepcopy(self.properties)
        twin.named_ranges = copy.deepcopy(self.named_ranges)
        twin.sheets = []
        for s in self.sheets:
            t = copy.copy(s)
            t.props = copy.deepcopy(s.props)
            t.rows = [list(r) for r in s.rows]
            t.formats = list(s.formats)
            t.notes = dict(s.notes)
            t.validations = list(s.validations)
            t.merges = copy.deepcopy(s.merges)
            t.conditional_formats = copy.deepcopy(s.conditional_formats)
            t.protected_ranges = copy.deepcopy(s.protected_ranges)
            t.basic_filter = copy.deepcopy(s.basic_filter)
            t.row_groups = copy.deepcopy(s.row_groups)
            t.column_groups = copy.deepcopy(s.column_groups)
            t.row_meta = copy.deepcopy(s.row_meta)
            t.col_meta = copy.deepcopy(s.col_meta)
            twin.sheets.append(t)
        return twin

    def resource(self, mask: Mask | None, include_grid: bool, ranges: list[str]) -> dict[str, Any]:
        """This spreadsheet as a `Spreadsheet` resource, limited to `mask`."""
        wants_data = include_grid or (mask is not None and "data" in (mask.get("sheets") or {}))
        boxes: dict[int, list[Box]] = {}
        for text in ranges:
            sheet, span = self.resolve(text)
            box, _ = self.echo(sheet, span)
            boxes.setdefault(sheet.sheet_id, []).append(box)
        sheets = []
        for s in self.sheets:
            if ranges and s.sheet_id not in boxes:
                continue
            data = None
            if wants_data:
                data_mask = ((mask or {}).get("sheets") or {}).get("data") if mask is not None else None
                meta = mask is None or data_mask is None or any(k in data_mask for k in ("rowMetadata", "columnMetadata"))
                data = [s.grid_data(b, meta) for b in boxes.get(s.sheet_id, [Box(0, s.row_count, 0, s.col_count)])]
            sheets.append(s.resource(data))
        out: dict[str, Any] = {"spreadsheetId": self.spreadsheet_id,
                               "properties": {"title": self.title, **copy.deepcopy(self.properties)},
                               "sheets": sheets}
        if self.named_ranges:
            out["namedRanges"] = [{**{k: v for k, v in n.items() if k != "range"},
                                   "range": echo_range(int(n["range"].get("sheetId", 0)), n["range"])}
                                  for n in self.named_ranges]
        out["spreadsheetUrl"] = f"https://docs.google.com/spreadsheets/d/{self.spreadsheet_id}/edit"
        projected = project(out, mask)
        if wants_data and "sheets" in projected:
            for sheet in projected["sheets"]:
                if "data" in sheet:
                    sheet["data"] = prune_grid(sheet["data"])
        return projected


__all__ = ["ApiError", "Box", "FormatRange", "Mask", "Sheet", "Spreadsheet", "bad", "color", "echo_format",
           "echo_range", "extended", "get_path", "grid_range", "mask_paths", "parse_mask", "project", "prune",
           "set_path"]
