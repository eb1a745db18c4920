"""`spreadsheets:batchUpdate`: every request applied in order to a copy, kept only if all succeed."""

from __future__ import annotations

import copy
import random
from collections.abc import Callable
from typing import Any

from .cells import Formula, is_number
from .model import (
    ApiError,
    Box,
    FormatRange,
    Sheet,
    Spreadsheet,
    bad,
    echo_range,
    get_path,
    grid_range,
    mask_paths,
    parse_mask,
    set_path,
)

Handler = Callable[[Spreadsheet, dict[str, Any], str], dict[str, Any]]
_rng = random.Random(20261126)


def new_id(book: Spreadsheet) -> int:
    used = {s.sheet_id for s in book.sheets}
    while True:
        i = _rng.randrange(10_000_000, 2_000_000_000)
        if i not in used:
            return i


def apply(book: Spreadsheet, body: dict[str, Any], account: str) -> tuple[Spreadsheet, dict[str, Any]]:
    """Apply a batch to a copy of `book`; the copy and the answer (ApiError if any request fails)."""
    requests = body.get("requests")
    if not isinstance(requests, list) or not requests:
        raise bad("Must specify at least one request.")
    twin = book.clone()
    replies = []
    for i, req in enumerate(requests):
        if not isinstance(req, dict) or len(req) != 1:
            raise bad(f"Invalid requests[{i}]: exactly one kind of request expected")
        kind, args = next(iter(req.items()))
        handler = HANDLERS.get(kind)
        if handler is None:
            raise bad(f"Invalid requests[{i}]: {kind} is not supported by this fake")
        try:
            replies.append(handler(twin, args or {}, account))
        except ApiError as exc:
            if exc.message.startswith("Invalid requests["):
                raise
            raise ApiError(exc.code, f"Invalid requests[{i}].{kind}: {exc.message}", exc.status) from None
    return twin, {"spreadsheetId": book.spreadsheet_id, "replies": replies}


def _sheet(book: Spreadsheet, args: dict[str, Any]) -> Sheet:
    return book.by_id(int(args.get("sheetId", 0)))


def _range_sheet(book: Spreadsheet, gr: dict[str, Any]) -> tuple[Sheet, Box]:
    sheet = book.by_id(int(gr.get("sheetId", 0)))
    return sheet, grid_range(sheet, gr)


# Tabs ----------------------------------------------------------------------------------------------------


def add_sheet(book: Spreadsheet, args: dict[str, Any], account: str) -> dict[str, Any]:
    props = copy.deepcopy(args.get("properties") or {})
    title = props.get("title")
    if title is None:
        n = len(book.sheets) + 1
        while book.by_title(f"Sheet{n}") is not None:
            n += 1
        title = f"Sheet{n}"
    if any(s.title.casefold() == str(title).casefold() for s in book.sheets):
        raise bad(f'A sheet with the name "{title}" already exists. Please enter another name.')
    sheet_id = props.get("sheetId")
    if sheet_id is None:
        sheet_id = new_id(book)
    elif any(s.sheet_id == sheet_id for s in book.sheets):
        raise bad(f"A sheet with the id {sheet_id} already exists.")
    grid = props.get("gridProperties") or {}
    rows, cols = int(grid.get("rowCount", 1000)), int(grid.get("columnCount", 26))
    extra = {k: v for k, v in props.items() if k not in ("sheetId", "title", "index", "sheetType", "gridProperties")}
    sheet = book.add_sheet(str(title), int(sheet_id), rows, cols, props.get("index"), **extra)
    for k, v in grid.items():
        if k not in ("rowCount", "columnCount"):
            sheet.grid[k] = v
    return {"addSheet": {"properties": copy.deepcopy(sheet.props)}}


def delete_sheet(book: Spreadsheet, args: dict[str, Any], account: str) -> dict[str, Any]:
    sheet = _sheet(book, args)
    if len(book.sheets) == 1:
        raise bad("You can't remove all the sheets in a document.")
    book.sheets.remove(sheet)
    book.reindex()
    book.named_ranges = [n for n in book.named_ranges if int(n["range"].get("sheetId", 0)) != sheet.sheet_id]
    return {}


def update_sheet_properties(book: Spreadsheet, args: dict[str, Any], account: str) -> dict[str, Any]:
    props = args.get("properties") or {}
    sheet = _sheet(book, props)
    paths = mask_paths(parse_mask(str(args.get("fields", ""))))
    if not paths:
        raise bad("At least one field must be updated, but 'fields' is empty.")
    for path in paths:
        present, value = get_path(props, path)
        if path == ("index",):
            index = int(value or 0)
            book.sheets.remove(sheet)
            book.sheets.insert(min(index, len(book.sheets)), sheet)
            book.reindex()
            continue
        if path == ("title",) and value and any(s is not sheet and s.title.casefold() == str(value).casefold()
                                                 for s in book.sheets):
            raise bad(f'A sheet with the name "{value}" already exists. Please enter another name.')
        if path == ("hidden",) and value and all(s.props.get("hidden") or s is sheet for s in book.sheets):
            raise bad("You can't hide all the sheets in a document.")
        if path[0] == "tabColorStyle" or path[0] == "tabColor":
            _set_tab_color(sheet, props.get(path[0]) if present else None)
            continue
        set_path(sheet.props, path, value, present)
        if path == ("hidden",) and not value:
            sheet.props.pop("hidden", None)
        if path[-1] in ("rowCount", "columnCount"):
            _shrink(sheet)
        if path[-1] in ("frozenRowCount", "frozenColumnCount", "hideGridlines") and not value:
            sheet.grid.pop(path[-1], None)
    return {}


def _set_tab_color(sheet: Sheet, style: Any) -> None:
    from .model import color

    rgb = (style or {}).get("rgbColor") if isinstance(style, dict) else None
    if rgb is None and isinstance(style, dict) and ("red" in style or "green" in style or "blue" in style):
        rgb = style
    if not rgb:
        sheet.props.pop("tabColor", None)
        sheet.props.pop("tabColorStyle", None)
        return
    c = color(rgb)
    sheet.props["tabColor"] = c
    sheet.props["tabColorStyle"] = {"rgbColor": c}


def _shrink(sheet: Sheet) -> None:
    del sheet.rows[sheet.row_count:]
    for row in sheet.rows:
        del row[sheet.col_count:]
    sheet.notes = {k: v for k, v in sheet.notes.items() if k[0] < sheet.row_count and k[1] < sheet.col_count}


def update_spreadsheet_properties(book: Spreadsheet, args: dict[str, Any], account: str) -> dict[str, Any]:
    props = args.get("properties") or {}
    for path in mask_paths(parse_mask(str(args.get("fields", "")))):
        present, value = get_path(props, path)
        if path == ("title",):
            book.title = str(value)
        else:
            set_path(book.properties, path, value, present)
    return {}


# Dimensions -----------------------------------------------------------------------------------------------


def append_dimension(book: Spreadsheet, args: dict[str, Any], account: str) -> dict[str, Any]:
    sheet = _sheet(book, args)
    key = "rowCount" if args.get("dimension") == "ROWS" else "columnCount"
    sheet.grid[key] = int(sheet.grid.get(key, 0)) + int(args.get("length", 0))
    return {}


def _shift_box(box: Box, rows: bool, at: int, n: int) -> Box | None:
    """A box after inserting (n > 0) or deleting (n < 0) rows/columns at `at`."""
    lo, hi = (box.r0, box.r1) if rows else (box.c0, box.c1)
    if n > 0:
        lo2 = lo + n if lo >= at else lo
        hi2 = hi + n if hi > at else hi
    else:
        end = at - n
        def move(x: int) -> int:
            return x if x <= at else (at if x <= end else x + n)
        lo2, hi2 = move(lo), move(hi)
        if hi2 <= lo2:
            return None
    return Box(lo2, hi2, box.c0, box.c1) if rows else Box(box.r0, box.r1, lo2, hi2)


def _shift(sheet: Sheet, rows: bool, at: int, n: int) -> None:
    if rows:
        if n > 0:
            for _ in range(n):
                if at < len(sheet.rows):
                    sheet.rows.insert(at, [])
        else:
            del sheet.rows[at:at - n]
    else:
        for row in sheet.rows:
            if n > 0:
                if at < len(row):
                    row[at:at] = [None] * n
            else:
                del row[at:at - n]
    def moved(r: int, c: int) -> tuple[int, int] | None:
        x = r if rows else c
        if n > 0:
            x = x + n if x >= at else x
        else:
            if at <= x < at - n:
                return None
            x = x + n if x >= at - n else x
        return (x, c) if rows else (r, x)
    notes = {}
    for (r, c), text in sheet.notes.items():
        m = moved(r, c)
        if m is not None:
            notes[m] = text
    sheet.notes = notes
    sheet.formats = [FormatRange(b, f.paths, f.values) for f in sheet.formats
                     if (b := _shift_box(f.box, rows, at, n)) is not None]
    sheet.validations = [(b, rule) for box, rule in sheet.validations if (b := _shift_box(box, rows, at, n)) is not None]
    merges = []
    for merge in sheet.merges:
        moved_box = _shift_box(grid_range(sheet, merge), rows, at, n)
        if moved_box is not None:
            merges.append({"sheetId": sheet.sheet_id, "startRowIndex": moved_box.r0, "endRowIndex": moved_box.r1,
                           "startColumnIndex": moved_box.c0, "endColumnIndex": moved_box.c1})
    sheet.merges = merges


def insert_dimension(book: Spreadsheet, args: dict[str, Any], account: str) -> dict[str, Any]:
    rng = args.get("range") or {}
    sheet = _sheet(book, rng)
    rows = rng.get("dimension") == "ROWS"
    at, end = int(rng.get("startIndex", 0)), int(rng.get("endIndex", 0))
    key = "rowCount" if rows else "columnCount"
    sheet.grid[key] = int(sheet.grid.get(key, 0)) + (end - at)
    _shift(sheet, rows, at, end - at)
    return {}


def delete_dimension(book: Spreadsheet, args: dict[str, Any], account: str) -> dict[str, Any]:
    rng = args.get("range") or {}
    sheet = _sheet(book, rng)
    rows = rng.get("dimension") == "ROWS"
    key = "rowCount" if rows else "columnCount"
    at, end = int(rng.get("startIndex", 0)), int(rng.get("endIndex", sheet.grid.get(key, 0)))
    if end - at >= int(sheet.grid.get(key, 0)):
        raise bad("You can't delete all the rows on the sheet." if rows else "You can't delete all the columns on the sheet.")
    sheet.grid[key] = int(sheet.grid.get(key, 0)) - (end - at)
    _shift(sheet, rows, at, at - end)
    return {}


def update_dimension_properties(book: Spreadsheet, args: dict[str, Any], account: str) -> dict[str, Any]:
    rng = args.get("range") or {}
    sheet = _sheet(book, rng)
    meta = sheet.row_meta if rng.get("dimension") == "ROWS" else sheet.col_meta
    props = args.get("properties") or {}
    for i in range(int(rng.get("startIndex", 0)), int(rng.get("endIndex", 0))):
        entry = meta.setdefault(i, {})
        for path in mask_paths(parse_mask(str(args.get("fields", "")))):
            present, value = get_path(props, path)
            set_path(entry, path, value, present and value is not False)
    return {}


# Text width in Arial 10 (Google's default font), with Helvetica's advance widths (the same metrics): pixels per
# em-unit calibrated on the one recorded auto-resize (1,024 capital A -> 8,691 px), plus the cell's 3 + 3 px padding.
PX_PER_EM = 12.7158
PADDING = 6


def text_pixels(text: str) -> int:
    from fpdf.fonts import CORE_FONTS_CHARWIDTHS

    widths = CORE_FONTS_CHARWIDTHS["helvetica"]
    units = sum(widths.get(ch, 556) for ch in text)
    return round(units / 1000 * PX_PER_EM + PADDING)


def auto_resize_dimensions(book: Spreadsheet, args: dict[str, Any], account: str) -> dict[str, Any]:
    dims = args.get("dimensions") or {}
    sheet = _sheet(book, dims)
    start, end = int(dims.get("startIndex", 0)), int(dims.get("endIndex", sheet.col_count))
    if dims.get("dimension") == "COLUMNS":
        for c in range(start, end):
            texts = [sheet.render(r, c, "FORMATTED_VALUE", "FORMATTED_STRING") for r in range(sheet.used_rows())]
            longest = max((text_pixels(str(t)) for t in texts if t != ""), default=None)
            if longest is not None:
                sheet.col_meta.setdefault(c, {})["pixelSize"] = longest
    return {}


def _groups(sheet: Sheet, dimension: str) -> list[dict[str, Any]]:
    return sheet.row_groups if dimension == "ROWS" else sheet.column_groups


def add_dimension_group(book: Spreadsheet, args: dict[str, Any], account: str) -> dict[str, Any]:
    rng = args.get("range") or {}
    sheet = _sheet(book, rng)
    dimension = str(rng.get("dimension"))
    groups = _groups(sheet, dimension)
    start, end = int(rng.get("startIndex", 0)), int(rng.get("endIndex", 0))
    depth = 1 + sum(1 for g in groups if g["range"]["startIndex"] <= start and end <= g["range"]["endIndex"])
    groups.append({"range": {"dimension": dimension, "startIndex": start, "endIndex": end}, "depth": depth})
    sheet.grid["rowGroupControlAfter" if dimension == "ROWS" else "columnGroupControlAfter"] = True
    return {"addDimensionGroup": {"dimensionGroups": copy.deepcopy(groups)}}


def delete_dimension_group(book: Spreadsheet, args: dict[str, Any], account: str) -> dict[str, Any]:
    rng = args.get("range") or {}
    sheet = _sheet(book, rng)
    groups = _groups(sheet, str(rng.get("dimension")))
    start, end = int(rng.get("startIndex", 0)), int(rng.get("endIndex", 0))
    keep = [g for g in groups if not (g["range"]["startIndex"] == start and g["range"]["endIndex"] == end)]
    groups[:] = keep
    return {"deleteDimensionGroup": {"dimensionGroups": copy.deepcopy(keep)} if keep else {}}


# Cells --------------------------------------------------------------------------------------------------


def _apply_cell(sheet: Sheet, r: int, c: int, cell: dict[str, Any], paths: list[tuple[str, ...]]) -> None:
    fmt_paths: list[tuple[str, ...]] = []
    for path in paths:
        head = path[0]
        if head == "userEnteredValue":
            value = cell.get("userEnteredValue")
            sheet.put(r, c, _from_extended(value))
        elif head == "note":
            note = cell.get("note")
            if note:
                sheet.notes[(r, c)] = str(note)
            else:
                sheet.notes.pop((r, c), None)
        elif head == "userEnteredFormat":
            fmt_paths.append(path[1:])
        elif head == "dataValidation":
            sheet.validations.append((Box(r, r + 1, c, c + 1), cell.get("dataValidation")))
    if fmt_paths:
        sheet.formats.append(FormatRange(Box(r, r + 1, c, c + 1), fmt_paths,
                                         copy.deepcopy(cell.get("userEnteredFormat") or {})))


def _from_extended(value: dict[str, Any] | None) -> Any:
    if not value:
        return None
    if "formulaValue" in value:
        return Formula(str(value["formulaValue"]))
    if "numberValue" in value:
        return value["numberValue"]
    if "boolValue" in value:
        return bool(value["boolValue"])
    if "stringValue" in value:
        return str(value["stringValue"])
    return None


def _cell_paths(fields: str) -> list[tuple[str, ...]]:
    if fields.strip() == "*":
        return [("userEnteredValue",), ("userEnteredFormat",), ("note",), ("dataValidation",)]
    paths = mask_paths(parse_mask(fields))
    if not paths:
        raise bad("At least one field must be updated, but 'fields' is empty.")
    return paths


def repeat_cell(book: Spreadsheet, args: dict[str, Any], account: str) -> dict[str, Any]:
    sheet, box = _range_sheet(book, args.get("range") or {})
    cell = args.get("cell") or {}
    paths = _cell_paths(str(args.get("fields", "")))
    fmt_paths = [p[1:] for p in paths if p[0] == "userEnteredFormat"]
    if fmt_paths:
        sheet.formats.append(FormatRange(box, fmt_paths, copy.deepcopy(cell.get("userEnteredFormat") or {})))
    other = [p for p in paths if p[0] != "userEnteredFormat"]
    if other:
        for r in range(box.r0, box.r1):
            for c in range(box.c0, box.c1):
                _apply_cell(sheet, r, c, cell, other)
    return {}


def update_cells(book: Spreadsheet, args: dict[str, Any], account: str) -> dict[str, Any]:
    if "range" in args:
        sheet, box = _range_sheet(book, args["range"])
        r0, c0 = box.r0, box.c0
    else:
        start = args.get("start") or {}
        sheet = _sheet(book, start)
        r0, c0 = int(start.get("rowIndex", 0)), int(start.get("columnIndex", 0))
    paths = _cell_paths(str(args.get("fields", "")))
    for i, row in enumerate(args.get("rows") or []):
        for j, cell in enumerate(row.get("values") or []):
            _apply_cell(sheet, r0 + i, c0 + j, cell or {}, paths)
    return {}


def _copy_block(book: Spreadsheet, source: dict[str, Any], dest_sheet: Sheet, dest: Box, paste: str,
                cut: bool = False) -> None:
    src_sheet, src = _range_sheet(book, source)
    h, w = src.r1 - src.r0, src.c1 - src.c0
    values = [[src_sheet.get(r, c) for c in range(src.c0, src.c1)] for r in range(src.r0, src.r1)]
    formats = [[src_sheet.fmt(r, c) if src_sheet.formats else {} for c in range(src.c0, src.c1)]
               for r in range(src.r0, src.r1)]
    notes = {(r - src.r0, c - src.c0): t for (r, c), t in src_sheet.notes.items() if (r, c) in src}
    if cut:
        for r in range(src.r0, src.r1):
            for c in range(src.c0, src.c1):
                src_sheet.put(r, c, None)
    rows_out = max(dest.r1 - dest.r0, h)
    cols_out = max(dest.c1 - dest.c0, w)
    if (dest.r1 - dest.r0) % h or (dest.c1 - dest.c0) % w:
        rows_out, cols_out = h, w
    for i in range(rows_out):
        for j in range(cols_out):
            r, c = dest.r0 + i, dest.c0 + j
            if paste in ("PASTE_NORMAL", "PASTE_VALUES"):
                dest_sheet.put(r, c, values[i % h][j % w])
            if paste in ("PASTE_NORMAL", "PASTE_FORMAT"):
                fmt = formats[i % h][j % w]
                dest_sheet.formats.append(FormatRange(Box(r, r + 1, c, c + 1), [()], fmt))
            if paste == "PASTE_NORMAL" and (i % h, j % w) in notes:
                dest_sheet.notes[(r, c)] = notes[(i % h, j % w)]


def copy_paste(book: Spreadsheet, args: dict[str, Any], account: str) -> dict[str, Any]:
    dest_sheet, dest = _range_sheet(book, args.get("destination") or {})
    _copy_block(book, args.get("source") or {}, dest_sheet, dest, str(args.get("pasteType", "PASTE_NORMAL")))
    return {}


def cut_paste(book: Spreadsheet, args: dict[str, Any], account: str) -> dict[str, Any]:
    source = args.get("source") or {}
    _src_sheet, src = _range_sheet(book, source)
    coord = args.get("destination") or {}
    dest_sheet = _sheet(book, coord)
    r0, c0 = int(coord.get("rowIndex", 0)), int(coord.get("columnIndex", 0))
    dest = Box(r0, r0 + src.r1 - src.r0, c0, c0 + src.c1 - src.c0)
    _copy_block(book, source, dest_sheet, dest, str(args.get("pasteType", "PASTE_NORMAL")), cut=True)
    return {}


def merge_cells(book: Spreadsheet, args: dict[str, Any], account: str) -> dict[str, Any]:
    sheet, box = _range_sheet(book, args.get("range") or {})
    kind = args.get("mergeType", "MERGE_ALL")
    if kind == "MERGE_ROWS":
        boxes = [Box(r, r + 1, box.c0, box.c1) for r in range(box.r0, box.r1)]
    elif kind == "MERGE_COLUMNS":
        boxes = [Box(box.r0, box.r1, c, c + 1) for c in range(box.c0, box.c1)]
    else:
        boxes = [box]
    sheet.merges = [m for m in sheet.merges if not box.overlaps(grid_range(sheet, m))]  # merged again
    for b in boxes:
        if b.r1 - b.r0 == 1 and b.c1 - b.c0 == 1:
            continue
        for r in range(b.r0, b.r1):
            for c in range(b.c0, b.c1):
                if (r, c) != (b.r0, b.c0):
                    sheet.put(r, c, None)
        sheet.merges.append({"sheetId": sheet.sheet_id, "startRowIndex": b.r0, "endRowIndex": b.r1,
                             "startColumnIndex": b.c0, "endColumnIndex": b.c1})
    return {}


def unmerge_cells(book: Spreadsheet, args: dict[str, Any], account: str) -> dict[str, Any]:
    sheet, box = _range_sheet(book, args.get("range") or {})
    sheet.merges = [m for m in sheet.merges if not box.overlaps(grid_range(sheet, m))]
    return {}


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (3, "")
    if is_number(value):
        return (0, float(value))
    if isinstance(value, bool):
        return (2, value)
    return (1, str(value).casefold())


def sort_range(book: Spreadsheet, args: dict[str, Any], account: str) -> dict[str, Any]:
    sheet, box = _range_sheet(book, args.get("range") or {})
    rows = [[sheet.get(r, c) for c in range(box.c0, box.c1)] for r in range(box.r0, min(box.r1, max(sheet.used_rows(), box.r0)))]
    for spec in reversed(args.get("sortSpecs") or []):
        idx = int(spec.get("dimensionIndex", 0)) - box.c0
        descending = spec.get("sortOrder") == "DESCENDING"
        blanks = [r for r in rows if r[idx] is None]
        filled = [r for r in rows if r[idx] is not None]
        filled.sort(key=lambda r: _sort_key(r[idx]), reverse=descending)
        rows = filled + blanks
    for i, row in enumerate(rows):
        for j, v in enumerate(row):
            sheet.put(box.r0 + i, box.c0 + j, v)
    return {}


# Rules and ranges ------------------------------------------------------------------------------------------


def set_data_validation(book: Spreadsheet, args: dict[str, Any], account: str) -> dict[str, Any]:
    sheet, box = _range_sheet(book, args.get("range") or {})
    sheet.validations.append((box, copy.deepcopy(args.get("rule"))))
    return {}


def add_conditional_format_rule(book: Spreadsheet, args: dict[str, Any], account: str) -> dict[str, Any]:
    rule = copy.deepcopy(args.get("rule") or {})
    ranges = rule.get("ranges") or []
    if not ranges:
        raise bad("The rule must have at least one range.")
    sheet = book.by_id(int(ranges[0].get("sheetId", 0)))
    rule["ranges"] = [echo_range(sheet.sheet_id, r) for r in ranges]
    index = int(args.get("index", 0))
    sheet.conditional_formats.insert(min(index, len(sheet.conditional_formats)), rule)
    return {}


def add_named_range(book: Spreadsheet, args: dict[str, Any], account: str) -> dict[str, Any]:
    named = copy.deepcopy(args.get("namedRange") or {})
    if any(n["name"] == named.get("name") for n in book.named_ranges):
        raise bad(f"Named range with name \"{named.get('name')}\" already exists.")
    named.setdefault("namedRangeId", str(_rng.randrange(10_000_000, 2_000_000_000)))
    book.named_ranges.append(named)
    reply = {"namedRangeId": named["namedRangeId"], "name": named["name"],
             "range": echo_range(int(named["range"].get("sheetId", 0)), named["range"])}
    return {"addNamedRange": {"namedRange": reply}}


def update_named_range(book: Spreadsheet, args: dict[str, Any], account: str) -> dict[str, Any]:
    patch = args.get("namedRange") or {}
    named = next((n for n in book.named_ranges if n["namedRangeId"] == patch.get("namedRangeId")), None)
    if named is None:
        raise bad(f"No named range with id {patch.get('namedRangeId')}")
    for path in mask_paths(parse_mask(str(args.get("fields", "")))):
        present, value = get_path(patch, path)
        set_path(named, path, value, present)
    return {}


def delete_named_range(book: Spreadsheet, args: dict[str, Any], account: str) -> dict[str, Any]:
    book.named_ranges = [n for n in book.named_ranges if n["namedRangeId"] != args.get("namedRangeId")]
    return {}


def add_protected_range(book: Spreadsheet, args: dict[str, Any], account: str) -> dict[str, Any]:
    given = args.get("protectedRange") or {}
    sheet = book.by_id(int((given.get("range") or {}).get("sheetId", 0)))
    pid = _rng.randrange(10_000_000, 2_000_000_000)
    reply: dict[str, Any] = {"protectedRangeId": pid, "range": echo_range(sheet.sheet_id, given.get("range") or {})}
    if given.get("description"):
        reply["description"] = given["description"]
    if given.get("warningOnly"):
        reply["warningOnly"] = True
    reply["requestingUserCanEdit"] = True
    reply["editors"] = {}
    stored = copy.deepcopy(reply)
    stored["editors"] = {"users": [account]}  # the requesting account edits what it protects
    sheet.protected_ranges.append(stored)
    return {"addProtectedRange": {"protectedRange": reply}}


def delete_protected_range(book: Spreadsheet, args: dict[str, Any], account: str) -> dict[str, Any]:
    pid = args.get("protectedRangeId")
    for s in book.sheets:
        s.protected_ranges = [p for p in s.protected_ranges if p["protectedRangeId"] != pid]
    return {}


def set_basic_filter(book: Spreadsheet, args: dict[str, Any], account: str) -> dict[str, Any]:
    flt = copy.deepcopy(args.get("filter") or {})
    sheet = book.by_id(int((flt.get("range") or {}).get("sheetId", 0)))
    box = grid_range(sheet, flt.get("range") or {})
    flt["range"] = echo_range(sheet.sheet_id, {"startRowIndex": box.r0, "endRowIndex": box.r1,
                                               "startColumnIndex": box.c0, "endColumnIndex": box.c1})
    sheet.basic_filter = flt
    return {}


def clear_basic_filter(book: Spreadsheet, args: dict[str, Any], account: str) -> dict[str, Any]:
    _sheet(book, args).basic_filter = None
    return {}


HANDLERS: dict[str, Handler] = {
    "addSheet": add_sheet, "deleteSheet": delete_sheet, "updateSheetProperties": update_sheet_properties,
    "updateSpreadsheetProperties": update_spreadsheet_properties, "appendDimension": append_dimension,
    "insertDimension": insert_dimension, "deleteDimension": delete_dimension,
    "updateDimensionProperties": update_dimension_properties, "autoResizeDimensions": auto_resize_dimensions,
    "addDimensionGroup": add_dimension_group, "deleteDimensionGroup": delete_dimension_group,
    "repeatCell": repeat_cell, "updateCells": update_cells, "copyPaste": copy_paste, "cutPaste": cut_paste,
    "mergeCells": merge_cells, "unmergeCells": unmerge_cells, "sortRange": sort_range,
    "setDataValidation": set_data_validation, "addConditionalFormatRule": add_conditional_format_rule,
    "addNamedRange": add_named_range, "updateNamedRange": update_named_range, "deleteNamedRange": delete_named_range,
    "addProtectedRange": add_protected_range, "deleteProtectedRange": delete_protected_range,
    "setBasicFilter": set_basic_filter, "clearBasicFilter": clear_basic_filter,
}

__all__ = ["HANDLERS", "apply"]
