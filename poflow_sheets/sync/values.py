"""Cell values as sync compares them: the same whichever backend they were read from, normalized a column at a
time (most columns need no work at all: 100,000 rows are compared at C speed).

A cell is what the person typed, as the backends hand it over: '' for an empty cell, str, float (or int),
bool; in the schema's date columns a date (an .xlsx gives dates, a Google Sheet serial numbers: both become
the day); elsewhere a date or a date and time becomes its serial number, as Google Sheets has it. So
"Shipped" and "shipped" differ, as do 30% and 0.3 typed as text, while 12 and 12.0 are the same number.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from ..cells import EXCEL_EPOCH
from ..store.edits import AnyValue

Cell = Any  # str | float | int | bool | date: '' is an empty cell
EMPTY = ""
_PLAIN = {str, float, int, bool}
_LAST_SERIAL = 2958466  # 9999-12-31
_EXACT = 2**53


def _serial(v: date) -> float:
    if isinstance(v, datetime):
        secs = v.hour * 3600 + v.minute * 60 + v.second + round(v.microsecond / 1e6)
        return float((v.date() - EXCEL_EPOCH).days) + secs / 86400
    return float((v - EXCEL_EPOCH).days)


def _other(v: Any) -> Cell:
    """A cell of a type the backends rarely give: None, a date outside a date column, a non-finite float, time."""
    if v is None:
        return EMPTY
    if isinstance(v, date):
        return _serial(v)
    if isinstance(v, float):
        return repr(v)  # nan, inf: kept as their text (nan never equals itself)
    if isinstance(v, str | int | bool):
        return v
    return str(v)


def _day(v: Any) -> Cell:
    cls = v.__class__
    if cls is date:
        return v
    if cls is datetime:
        return v.date()
    if (cls is float or cls is int) and 1 <= v < _LAST_SERIAL:
        return EXCEL_EPOCH + timedelta(days=int(v))
    if cls is str or cls is bool:
        return v
    return _other(v)


def normalize(cells: Sequence[Any], *, dates: bool = False) -> list[Cell]:
    """One column's cells, normalized (`dates`: a schema date column)."""
    if dates:
        seen: dict[Any, Cell] = {}
        out = []
        for v in cells:
            if v == "":
                out.append(EMPTY)
                continue
            try:
                got = seen[v]
            except KeyError:
                got = seen[v] = _day(v)
            except TypeError:  # unhashable: never from a backend
                got = _other(v)
            out.append(got)
        return out
    types = set(map(type, cells))
    if types <= _PLAIN and not (float in types and any(v - v != 0 for v in cells if v.__class__ is float)):
        return list(cells)
    return [v if v.__class__ is str or (v.__class__ is float and v - v == 0) else _other(v) for v in cells]


def key_part(v: Cell) -> str:
    """One part of a row's key as matched and shown: the text a person reads, spaces trimmed."""
    if v.__class__ is str:
        return str(v).strip()
    return text(v).strip()


def text(v: Cell) -> str:
    """A value as the Log writes it and a person reads it ('' for empty; None, unknown, too)."""
    if v is None:
        return ""
    cls = v.__class__
    if cls is str:
        return str(v)
    if cls is float:
        return str(int(v)) if v.is_integer() and abs(v) < _EXACT else repr(v)
    if isinstance(v, date):
        return v.isoformat()
    return str(v)


def cell(v: Cell) -> AnyValue:
    """A value as the store writes it: numbers exact (the float's shortest repr), dates as dates."""
    if v == EMPTY or v is None:
        return None
    if isinstance(v, float):
        return int(v) if v.is_integer() and abs(v) < _EXACT else Decimal(repr(v))
    if isinstance(v, str | bool | int | date):
        return v
    return str(v)


__all__ = ["EMPTY", "Cell", "cell", "key_part", "normalize", "text"]
