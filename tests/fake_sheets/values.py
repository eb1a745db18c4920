"""The `spreadsheets.values` endpoints: get, batchGet, update, batchUpdate, append, clear, batchClear."""

from __future__ import annotations

from typing import Any

from .a1 import Span, format_range
from .cells import Formula, parse_raw, parse_user_entered
from .model import ApiError, Box, FormatRange, Sheet, Spreadsheet, bad

VALUE_OPTIONS = ("FORMATTED_VALUE", "UNFORMATTED_VALUE", "FORMULA")
DATE_OPTIONS = ("SERIAL_NUMBER", "FORMATTED_STRING")


def _option(params: dict[str, list[str]], name: str, allowed: tuple[str, ...], default: str) -> str:
    value = (params.get(name) or [default])[0]
    if value not in allowed:
        raise bad(f"Invalid value at '{_snake(name)}' (type.googleapis.com/google.apps.sheets.v4."
                  f"{name[0].upper() + name[1:]}), \"{value}\"")
    return value


def _snake(name: str) -> str:
    return "".join("_" + ch.lower() if ch.isupper() else ch for ch in name)


def value_range(book: Spreadsheet, text: str, params: dict[str, list[str]]) -> dict[str, Any]:
    """A ValueRange as values.get answers it."""
    value_option = _option(params, "valueRenderOption", VALUE_OPTIONS, "FORMATTED_VALUE")
    default_date = "SERIAL_NUMBER" if value_option != "FORMATTED_VALUE" else "FORMATTED_STRING"
    date_option = _option(params, "dateTimeRenderOption", DATE_OPTIONS, default_date)
    dimension = _option(params, "majorDimension", ("ROWS", "COLUMNS", "DIMENSION_UNSPECIFIED"), "ROWS")
    dimension = "ROWS" if dimension == "DIMENSION_UNSPECIFIED" else dimension
    sheet, span = book.resolve(text)
    box, echo = book.echo(sheet, span)
    rows = read_box(sheet, box, value_option, date_option)
    if dimension == "COLUMNS":
        width = max((len(r) for r in rows), default=0)
        cols = [[r[c] if c < len(r) else "" for r in rows] for c in range(width)]
        rows = [_trim(c) for c in cols]
        while rows and not rows[-1]:
            rows.pop()
    out: dict[str, Any] = {"range": echo, "majorDimension": dimension}
    if rows:
        out["values"] = rows
    return out


def _trim(row: list[Any]) -> list[Any]:
    end = len(row)
    while end and row[end - 1] == "":
        end -= 1
    return row[:end] if end != len(row) else row


def read_box(sheet: Sheet, box: Box, value_option: str, date_option: str) -> list[list[Any]]:
    """The rendered values of a box, trailing empty cells and rows left out."""
    last = min(box.r1, sheet.used_rows())
    out: list[list[Any]] = []
    plain = value_option != "FORMATTED_VALUE" and not sheet.formats
    for r in range(box.r0, last):
        stored = sheet.rows[r][box.c0:box.c1] if r < len(sheet.rows) else []
        if plain and not any(isinstance(v, Formula) for v in stored):
            row = ["" if v is None else (int(v) if v.__class__ is float and v.is_integer() and abs(v) < 2**53
                                         else v) for v in stored]
        else:
            row = [sheet.render(r, c, value_option, date_option) for c in range(box.c0, box.c0 + len(stored))]
        out.append(_trim(row))
    while out and not out[-1]:
        out.pop()
    return out


def _matrix(body: dict[str, Any]) -> list[list[Any]]:
    values = body.get("values")
    if values is None:
        return []
    if not isinstance(values, list) or any(not isinstance(r, list) for r in values):
        shown = values if isinstance(values, str) else str(values)
        raise ApiError(400, f"Invalid value at 'data.values' (type.googleapis.com/google.protobuf.ListValue), "
                            f"\"{shown}\"", details=[{
                                "@type": "type.googleapis.com/google.rpc.BadRequest",
                                "fieldViolations": [{"field": "data.values", "description":
                                                     f"Invalid value at 'data.values' (type.googleapis.com/"
                                                     f"google.protobuf.ListValue), \"{shown}\""}]}])
    if (body.get("majorDimension") or "ROWS") == "COLUMNS":
        height = max((len(c) for c in values), default=0)
        return [[c[r] if r < len(c) else None for c in values] for r in range(height)]
    return values


def write(book: Spreadsheet, sheet: Sheet, r0: int, c0: int, values: list[list[Any]], input_option: str,
          limit: Box | None = None, text: str = "") -> dict[str, Any]:
    """Write a matrix from (r0, c0); the UpdateValuesResponse."""
    height = len(values)
    width = max((len(r) for r in values), default=0)
    if limit is not None and (r0 + height > limit.r1 or c0 + width > limit.c1):
        over_row = r0 + height > limit.r1
        where = f"row [{limit.r1}]" if over_row else f"column [{limit.c1}]"
        raise bad(f"Requested writing within range [{text}], but tried writing to {where}")
    if r0 + height > sheet.row_count or c0 + width > sheet.col_count:
        raise bad(f"Range ({format_range(sheet.title, r0, r0 + max(height, 1), c0, c0 + max(width, 1))}) exceeds "
                  f"grid limits. Max rows: {sheet.row_count}, max columns: {sheet.col_count}")
    rows, cols, cells = set(), set(), 0
    for i, row in enumerate(values):
        for j, v in enumerate(row):
            if v is None:
                continue
            if isinstance(v, dict | list):
                raise bad(f"Invalid values[{i}][{j}]: {v}")
            if input_option == "RAW":
                stored, nf = parse_raw(v), None
            else:
                stored, nf = parse_user_entered(v)
            sheet.put(r0 + i, c0 + j, stored)
            if nf is not None:
                sheet.formats.append(FormatRange(Box(r0 + i, r0 + i + 1, c0 + j, c0 + j + 1),
                                                 [("numberFormat",)], {"numberFormat": nf}))
            rows.add(i)
            cols.add(j)
            cells += 1
    out: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
    out["updatedRange"] = format_range(sheet.title, r0, r0 + max(height, 1), c0, c0 + max(width, 1))
    if cells:
        out.update(updatedRows=len(rows), updatedColumns=len(cols), updatedCells=cells)
    out["_cells"] = {(sheet.sheet_id, r0 + i) for i in rows}, {(sheet.sheet_id, c0 + j) for j in cols}, cells
    return out


def _input_option(value: Any) -> str:
    if value not in ("RAW", "USER_ENTERED"):
        if not value:
            raise bad("'valueInputOption' is required but not specified")
        raise bad(f"Invalid value at 'value_input_option' (type.googleapis.com/google.apps.sheets.v4."
                  f"ValueInputOption), \"{value}\"")
    return str(value)


def update(book: Spreadsheet, text: str, params: dict[str, list[str]], body: dict[str, Any]) -> dict[str, Any]:
    """values.update (PUT)."""
    option = _input_option((params.get("valueInputOption") or [""])[0])
    matrix = _matrix(body)  # the body is checked before the range
    sheet, span = book.resolve(text)
    box, _ = book.echo(sheet, span)
    out = write(book, sheet, span.r0, span.c0, matrix, option, _limit(box), _plain(book, sheet, span))
    out.pop("_cells")
    return out


def _limit(box: Box) -> Box | None:
    """A one-cell range only says where to start; a larger one bounds the write."""
    return None if box.r1 - box.r0 == 1 and box.c1 - box.c0 == 1 else box


def _plain(book: Spreadsheet, sheet: Sheet, span: Span) -> str:
    return book.echo(sheet, span)[1]


def batch_update(book: Spreadsheet, body: dict[str, Any]) -> dict[str, Any]:
    """values.batchUpdate."""
    option = _input_option(body.get("valueInputOption"))
    responses = []
    rows: set[tuple[int, int]] = set()
    cols: set[tuple[int, int]] = set()
    sheets: set[int] = set()
    total = 0
    for item in body.get("data") or []:
        matrix = _matrix(item)
        sheet, span = book.resolve(str(item.get("range", "")))
        box, _ = book.echo(sheet, span)
        out = write(book, sheet, span.r0, span.c0, matrix, option, _limit(box), _plain(book, sheet, span))
        r, c, n = out.pop("_cells")
        rows |= r
        cols |= c
        total += n
        if n:
            sheets.add(sheet.sheet_id)
        responses.append(out)
    result: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
    if total:
        result.update(totalUpdatedRows=len(rows), totalUpdatedColumns=len({c for _, c in cols}),
                      totalUpdatedCells=total, totalUpdatedSheets=len(sheets))
    result["responses"] = responses
    return result


def append(book: Spreadsheet, text: str, params: dict[str, list[str]], body: dict[str, Any]) -> dict[str, Any]:
    """values.append: after the table found from the range's top-left corner."""
    option = _input_option((params.get("valueInputOption") or [""])[0])
    insert = (params.get("insertDataOption") or ["OVERWRITE"])[0]
    values = _matrix(body)
    sheet, span = book.resolve(text)
    box, _ = book.echo(sheet, span)
    out: dict[str, Any] = {"spreadsheetId": book.spreadsheet_id}
    table = _table(sheet, box)
    if table is None:  # no data where the range looks: write at its start
        start, c0 = box.r0, box.c0
    else:
        out["tableRange"] = format_range(sheet.title, table.r0, table.r1, table.c0, table.c1)
        start, c0 = table.r1, table.c0
    height = len(values)
    if insert == "INSERT_ROWS":
        for _ in range(height):
            sheet.rows.insert(start, [])
        sheet.grid["rowCount"] = sheet.row_count + height
    elif start + height > sheet.row_count:
        sheet.grid["rowCount"] = start + height
    width = max((len(r) for r in values), default=0)
    if c0 + width > sheet.col_count:
        sheet.grid["columnCount"] = c0 + width
    updates = write(book, sheet, start, c0, values, option)
    updates.pop("_cells")
    out["updates"] = updates
    return out


def _table(sheet: Sheet, box: Box) -> Box | None:
    """The "table" values.append extends: the block of touching cells holding the range's first cell when it
    is one cell; otherwise the last block found in the range (Google's choice: it may start a row in a column
    other than the range's first)."""
    def filled(r: int, c: int) -> bool:
        return sheet.get(r, c) is not None

    def block(r: int, c: int) -> Box:
        seen, todo = {(r, c)}, [(r, c)]
        while todo:
            y, x = todo.pop()
            for ny, nx in ((y + 1, x), (y - 1, x), (y, x + 1), (y, x - 1)):
                if (ny, nx) not in seen and ny >= 0 and nx >= 0 and filled(ny, nx):
                    seen.add((ny, nx))
                    todo.append((ny, nx))
        rows, cols = [y for y, _ in seen], [x for _, x in seen]
        return Box(min(rows), max(rows) + 1, min(cols), max(cols) + 1)

    if box.r1 - box.r0 == 1 and box.c1 - box.c0 == 1:
        return block(box.r0, box.c0) if filled(box.r0, box.c0) else None
    last = None
    covered: list[Box] = []
    for r in range(box.r0, min(box.r1, sheet.used_rows())):
        row = sheet.rows[r]
        for c in range(box.c0, min(box.c1, len(row))):
            if row[c] is not None and not any((r, c) in b for b in covered):
                found = block(r, c)
                covered.append(found)
                last = found
    return last


def clear(book: Spreadsheet, text: str) -> str:
    """Clear the values of a range; the range echoed."""
    sheet, span = book.resolve(text)
    box, echo = book.echo(sheet, span)
    for r in range(box.r0, min(box.r1, len(sheet.rows))):
        row = sheet.rows[r]
        for c in range(box.c0, min(box.c1, len(row))):
            row[c] = None
    return echo


__all__ = ["append", "batch_update", "clear", "read_box", "update", "value_range", "write"]
