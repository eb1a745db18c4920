"""Typed cell values: turn what a spreadsheet cell holds into text, int, Decimal, date or bool.

Each converter takes the raw cell (as python-calamine or the Sheets API gives it: str, float,
int, bool, date, datetime, or '' for empty) and returns the typed value, None for empty,
or raises CellError saying what was expected.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal

from .dates import full_year
from .money import MAX_DIGITS, AmountError, to_decimal
from .schema import BOOLEAN, DATE, ENUM, INTEGER, LIST, MONEY, NUMBER, PERCENT, TEXT, Column

EXCEL_EPOCH = date(1899, 12, 30)


class CellError(ValueError):
    """A cell whose value is not of its column's type; the message says what was expected."""

    def __init__(self, message: str, code: str = "type") -> None:
        super().__init__(message)
        self.code = code


Converter = Callable[[object], object]

_MONTHS = {m: i for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"], start=1)}
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
_NUMERIC = re.compile(r"^(\d{1,4})[/.\-](\d{1,2})[/.\-](\d{2,4})$")
_YMD_SLASH = re.compile(r"^(\d{4})[/.](\d{1,2})[/.](\d{1,2})$")
_DMY_WORDS = re.compile(r"^(\d{1,2})[ \-]([a-z]{3,9})\.?,?[ \-](\d{2,4})$")
_MDY_WORDS = re.compile(r"^([a-z]{3,9})\.? (\d{1,2}),? (\d{2,4})$")


def _real_date(y: int, m: int, d: int, raw: object) -> date:
    y = full_year(y)
    try:
        return date(y, m, d)
    except ValueError:
        raise CellError(f"{raw!s} is not a real date (no day {d} in month {m} of {y}); "
                        "expected a date such as 2026-03-31") from None


def parse_date(value: object) -> date | None:
    """A date from a date cell, an Excel serial number, ISO text, or the common typed forms."""
    if value.__class__ is date:
        return value
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, bool):
        raise CellError(f"{value} is not a date; expected a date such as 2026-03-31")
    if isinstance(value, int | float):
        if not 1 <= value < 2958466:
            raise CellError(f"{value} is not a date serial number; expected a date such as 2026-03-31")
        return EXCEL_EPOCH + timedelta(days=int(value))
    text = str(value).strip().lower()
    if not text:
        return None
    if m := _ISO.match(text):
        return _real_date(int(m[1]), int(m[2]), int(m[3]), value)
    if m := _YMD_SLASH.match(text):
        return _real_date(int(m[1]), int(m[2]), int(m[3]), value)
    if m := _NUMERIC.match(text):
        a, b, y = int(m[1]), int(m[2]), int(m[3])
        sep = text[len(m[1])]
        # 31.12.2026 and 31/12/2026 are day first; 12/31/2026 is month first; 03/04/2026 is read
        # month first with "/" (US) and day first with "." or "-".
        if sep == "." or a > 12 or (sep == "-" and b <= 12):
            return _real_date(y, b, a, value)
        return _real_date(y, a, b, value)
    if m := _DMY_WORDS.match(text):
        mon = _MONTHS.get(m[2][:3])
        if mon:
            return _real_date(int(m[3]), mon, int(m[1]), value)
    if m := _MDY_WORDS.match(text):
        mon = _MONTHS.get(m[1][:3])
        if mon:
            return _real_date(int(m[3]), mon, int(m[2]), value)
    raise CellError(f"{value!s} is not a date; expected a date such as 2026-03-31")


def parse_text(value: object) -> str | None:
    """Text; numbers typed into a text column (PO 1001) become their digits."""
    if value.__class__ is str:
        return value.strip() or None
    if value is None:
        return None
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime | date):
        return value.isoformat()[:10] if not isinstance(value, datetime) or not value.time() else value.isoformat()
    s = str(value).strip()
    return s or None


def parse_int(value: object) -> int | None:
    """A whole number."""
    if value.__class__ is float and value.is_integer():
        return int(value)
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CellError(f"{value} is not a whole number")
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        if value.is_integer():
            return int(value)
        raise CellError(f"{value} is not a whole number; expected a quantity such as 12")
    s = str(value).strip().replace(",", "")
    if re.fullmatch(r"[+-]?\d+(\.0*)?", s):
        return int(float(s)) if "." in s else int(s)
    if not s:
        return None
    raise CellError(f"{value!s} is not a whole number; expected a quantity such as 12")


def parse_money(value: object) -> Decimal | None:
    """An exact amount (not rounded: unit prices may carry fractions of a cent)."""
    if isinstance(value, float) and -1e15 < value < 1e15:
        return Decimal(repr(value))
    if value is None or value == "":
        return None
    if isinstance(value, str) and not value.strip():
        return None
    try:
        d = to_decimal(value)
    except AmountError as exc:
        raise CellError(f"{exc}; expected an amount such as 1234.50") from None
    if not d.is_finite() or d.adjusted() >= MAX_DIGITS:
        raise CellError(f"{value!s} is larger than any real amount (at most {MAX_DIGITS} digits before the "
                        "decimal mark); expected an amount such as 1234.50")
    return d


def parse_percent(value: object) -> Decimal | None:
    """A percentage as a fraction: `30%`, 0.3 and 30 all give 0.3."""
    if value is None or value == "":
        return None
    if isinstance(value, str):
        s = value.strip()
        if not s:
            return None
        pct = s.endswith("%")
        try:
            d = to_decimal(s.rstrip("%").strip())
        except AmountError:
            raise CellError(f"{value!s} is not a percentage; expected 30% or 0.3") from None
        d = d / 100 if pct or d > 1 else d
    else:
        d = parse_money(value) or Decimal(0)
        d = d / 100 if d > 1 else d
    if not 0 <= d <= 1:
        raise CellError(f"{value!s} is not a percentage from 0% to 100%")
    return d.normalize() if d else Decimal(0)


_TRUE = {"yes", "y", "true", "1", "x", "exempt", "✓"}
_FALSE = {"no", "n", "false", "0", "-"}


def parse_bool(value: object) -> bool | None:
    """Yes/No, True/False, 1/0, x."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return value
    if isinstance(value, int | float):
        return bool(value)
    s = str(value).strip().lower()
    if s in _TRUE:
        return True
    if s in _FALSE:
        return False
    raise CellError(f"{value!s} is not yes or no")


def parse_list(value: object) -> tuple[str, ...] | None:
    """Several names separated by ';'."""
    text = parse_text(value)
    if text is None:
        return None
    return tuple(p.strip() for p in text.split(";") if p.strip())


def parse_number(value: object) -> Decimal | None:
    """A plain number, kept exact."""
    return parse_money(value)


def enum_parser(choices: tuple[str, ...]) -> Converter:
    """A converter accepting the choices ignoring case and extra spaces; returns the canonical one."""
    canon = {_ENUM_SPACES.sub(" ", c.lower()): c for c in choices}
    seen: dict[str, str] = {}  # cell text -> its choice: a column repeats a few spellings

    def parse_enum(value: object) -> str | None:
        if isinstance(value, str):
            hit = seen.get(value)
            if hit is not None:
                return hit
        text = parse_text(value)
        if text is None:
            return None
        key = _ENUM_SPACES.sub(" ", text.lower()).strip()
        if key not in canon:
            raise CellError(f"{text!r} is not one of: {', '.join(choices)}", code="choice")
        choice = canon[key]
        if isinstance(value, str) and len(seen) < 256:
            seen[value] = choice
        return choice

    return parse_enum


_ENUM_SPACES = re.compile(r"[\s_\-]+")


_BY_TYPE: dict[str, Converter] = {
    TEXT: parse_text, INTEGER: parse_int, MONEY: parse_money, PERCENT: parse_percent, DATE: parse_date,
    BOOLEAN: parse_bool, LIST: parse_list, NUMBER: parse_number,
}


def converter(column: Column) -> Converter:
    """The converter for a schema column."""
    if column.type == ENUM:
        return enum_parser(column.choices)
    return _BY_TYPE[column.type]
