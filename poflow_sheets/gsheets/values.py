"""Cell values between poflow and the Sheets API: exact numbers, dates as serial numbers, text as text.

Written with valueInputOption=RAW, a string is stored as a string whatever it looks like (a bank memo
`=IMPORTXML(...)` or a SKU `00123`); a Decimal goes as a JSON number only when it comes back exactly (the
round trip is checked for every one; else the write is refused before anything is sent); a date goes as
its serial number (days since 1899-12-30, the epoch Sheets shares with Excel) with a date format.

Read with UNFORMATTED_VALUE and SERIAL_NUMBER, numbers come back as JSON numbers; they are handed to the
reader as floats, exactly as calamine hands over an .xlsx, so both backends give the same Book.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from poflow_sheets.cells import EXCEL_EPOCH as EPOCH  # Sheets counts days from the same day as Excel
from poflow_sheets.errors import Refused
from poflow_sheets.store.edits import AnyValue, Formula, Styled

DATE_PATTERN = "yyyy-mm-dd"
DATETIME_PATTERN = "yyyy-mm-dd hh:mm:ss"
EXACT_INT = 2**53  # beyond this a double skips integers


@dataclass(frozen=True)
class CellFormat:
    """The little formatting poflow sets on a cell (hashable, so equal formats merge into one range)."""

    number_type: str | None = None  # NUMBER, PERCENT, DATE, DATE_TIME, TEXT
    pattern: str | None = None
    bold: bool = False
    wrap: bool = False
    size: float | None = None

    def user_entered(self) -> tuple[dict[str, Any], str]:
        """The `userEnteredFormat` and the `fields` mask of a repeatCell request."""
        fmt: dict[str, Any] = {}
        fields: list[str] = []
        if self.number_type is not None:
            fmt["numberFormat"] = {"type": self.number_type, "pattern": self.pattern or ""}
            fields.append("userEnteredFormat.numberFormat")
        text: dict[str, Any] = {}
        if self.bold:
            text["bold"] = True
            fields.append("userEnteredFormat.textFormat.bold")
        if self.size is not None:
            text["fontSize"] = self.size
            fields.append("userEnteredFormat.textFormat.fontSize")
        if text:
            fmt["textFormat"] = text
        if self.wrap:
            fmt["wrapStrategy"] = "WRAP"
            fields.append("userEnteredFormat.wrapStrategy")
        return fmt, ",".join(fields)


DATE_FORMAT = CellFormat("DATE", DATE_PATTERN)
DATETIME_FORMAT = CellFormat("DATE_TIME", DATETIME_PATTERN)


@dataclass(frozen=True)
class SheetCell:
    """One value ready for the API: the JSON value (None: leave the cell as it is), a format, a formula."""

    value: Any
    fmt: CellFormat | None = None
    formula: str | None = None


def serial(value: date | datetime) -> int | float:
    """A date as its serial number (a datetime with the time as the day's fraction)."""
    if isinstance(value, datetime):
        days = (value.date() - EPOCH).days
        secs = value.hour * 3600 + value.minute * 60 + value.second + value.microsecond / 1e6
        return days + secs / 86400 if secs else days
    return (value - EPOCH).days


def exact_number(value: Decimal | int, where: str) -> int | float:
    """A number as JSON sends it, refused when Sheets would not give back exactly the same value."""
    if isinstance(value, int):
        if abs(value) > EXACT_INT:
            raise Refused(f"{where}: {value} is too large for a Google Sheets number; nothing was written")
        return value
    if not value.is_finite():
        raise Refused(f"{where}: {value} is not a number Google Sheets can hold; nothing was written")
    as_float = float(value)
    if not math.isfinite(as_float) or Decimal(repr(as_float)) != value:
        raise Refused(f"{where}: {value} has more digits than a Google Sheets number holds exactly; "
                      "nothing was written")
    if value == value.to_integral_value() and abs(as_float) < EXACT_INT:
        return int(value)
    return as_float


def _number_format(pattern: str) -> CellFormat:
    low = pattern.lower()
    if "%" in pattern:
        kind = "PERCENT"
    elif pattern == "@":
        kind = "TEXT"
    elif any(ch in low for ch in "ydhs") or ("m" in low and not any(ch in low for ch in "#0")):
        kind = "DATE_TIME" if any(ch in low for ch in "hs") else "DATE"
    else:
        kind = "NUMBER"
    return CellFormat(kind, pattern)


def to_cell(value: AnyValue, where: str) -> SheetCell:
    """A store value (plain or Styled) as a Sheets cell: JSON value, format, formula."""
    styled = value if isinstance(value, Styled) else None
    v = styled.value if styled is not None else value
    fmt: CellFormat | None = None
    formula: str | None = None
    if v is None:
        out: Any = ""
    elif isinstance(v, bool | str):
        out = v
    elif isinstance(v, Decimal | int):
        out = exact_number(v, where)
    elif isinstance(v, datetime):
        out, fmt = serial(v), (DATETIME_FORMAT if v.time() != datetime.min.time() else DATE_FORMAT)
    elif isinstance(v, date):
        out, fmt = serial(v), DATE_FORMAT
    elif isinstance(v, Formula):
        out, formula = None, "=" + v.body()
    else:  # pragma: no cover - the store's value types are closed
        raise TypeError(f"{where}: cannot write {type(v).__name__} to a cell")
    if styled is not None:
        base = _number_format(styled.num_format) if styled.num_format else (fmt or CellFormat())
        fmt = CellFormat(base.number_type, base.pattern, styled.bold, styled.wrap, styled.size)
        if fmt == CellFormat():
            fmt = None
    return SheetCell(out, fmt, formula)


def from_sheet(rows: Sequence[Sequence[Any]]) -> list[list[object]]:
    """Rows as the API returns them, as a rectangle the reader takes: '' for empty, float for numbers."""
    width = max((len(r) for r in rows), default=0)
    out: list[list[object]] = []
    for r in rows:
        row: list[object] = [float(v) if v.__class__ is int else v for v in r]
        if len(row) < width:
            row.extend([""] * (width - len(row)))
        out.append(row)
    return out


__all__ = ["DATE_FORMAT", "EPOCH", "CellFormat", "SheetCell", "exact_number", "from_sheet", "serial", "to_cell"]
