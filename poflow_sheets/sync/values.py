"""Cell values as sync compares them: one short text per cell, the same whichever backend it was read from.

A cell is encoded as a tagged string: "" for an empty cell, "s:TEXT", "n:NUMBER" (an integer, or the
shortest repr of a float), "b:1"/"b:0", and "d:YYYY-MM-DD" in the schema's date columns. Elsewhere a date
or a date and time is its serial number, as Google Sheets hands it over, so an .xlsx (calamine gives dates)
and a Google Sheet (serial numbers) read the same. The value is otherwise what the person typed: "Shipped"
and "shipped" differ, as do 30% and 0.3 written as text. Encoded values compare as strings, hash cheaply and
are what the sync base keeps.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from ..cells import EXCEL_EPOCH
from ..schema import DATE, Column
from ..store.edits import AnyValue

EMPTY = ""
_EXACT = 2**53
_LAST_SERIAL = 2958466  # 9999-12-31


def _number(v: float) -> str:
    if v.is_integer() and -_EXACT < v < _EXACT:
        return f"n:{int(v)}"
    if v != v or v in (float("inf"), float("-inf")):
        return "s:" + repr(v)
    return "n:" + repr(v)


def _serial(v: date) -> str:
    if isinstance(v, datetime):
        secs = v.hour * 3600 + v.minute * 60 + v.second + round(v.microsecond / 1e6)
        days = (v.date() - EXCEL_EPOCH).days
        return _number(days + secs / 86400) if secs else f"n:{days}"
    return f"n:{(v - EXCEL_EPOCH).days}"


def encode(v: Any) -> str:
    """A cell of any column but a schema date column."""
    cls = v.__class__
    if cls is str:
        return "s:" + v if v else EMPTY
    if cls is float:
        return _number(v)
    if v is None:
        return EMPTY
    if cls is bool:
        return "b:1" if v else "b:0"
    if cls is int:
        return f"n:{v}"
    if isinstance(v, date):
        return _serial(v)
    if isinstance(v, Decimal):
        return "n:" + format(v.normalize(), "f") if v.is_finite() else "s:" + str(v)
    return "s:" + str(v)


def encode_date(v: Any) -> str:
    """A cell of a schema date column: a date, a date and time, or a serial number is its day."""
    cls = v.__class__
    if cls is date:
        return "d:" + v.isoformat()
    if cls is datetime:
        return "d:" + v.date().isoformat()
    if (cls is float or cls is int) and 1 <= v < _LAST_SERIAL:
        return "d:" + (EXCEL_EPOCH + timedelta(days=int(v))).isoformat()
    return encode(v)


def encoder(col: Column | None) -> Any:
    """The encoder of a column (None: a person's own column)."""
    return encode_date if col is not None and col.type == DATE else encode


def decode(enc: str) -> str | int | Decimal | bool | date | None:
    """The value to write for an encoded cell."""
    if not enc:
        return None
    tag, text = enc[0], enc[2:]
    if tag == "s":
        return text
    if tag == "n":
        if text.lstrip("-").isdigit():
            return int(text)
        return Decimal(text)
    if tag == "d":
        return date.fromisoformat(text)
    if tag == "b":
        return text == "1"
    return enc  # pragma: no cover - every encoding has one of the tags above


def cell(enc: str) -> AnyValue:
    """An encoded value as the store writes it (a number stays exact: Decimal or int)."""
    return decode(enc)


def text(enc: str | None) -> str:
    """An encoded value as the Log writes it and a person reads it ('' for empty)."""
    if not enc:
        return ""
    v = decode(enc)
    if isinstance(v, Decimal):
        return f"{v:f}"
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def key_part(enc: str) -> str:
    """One part of a row's key as matched and shown: the text a person reads, spaces trimmed."""
    return text(enc).strip()


__all__ = ["EMPTY", "cell", "decode", "encode", "encode_date", "encoder", "key_part", "text"]
