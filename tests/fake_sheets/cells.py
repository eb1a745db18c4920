"""Cell values as Google Sheets holds them: user-entered input parsed (en_US), formulas evaluated, values
rendered as FORMATTED_VALUE, UNFORMATTED_VALUE or FORMULA, with number and date formats applied."""

from __future__ import annotations

import ast
import math
import operator
import re
import struct
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

EPOCH = datetime(1899, 12, 30)


@dataclass(frozen=True)
class Formula:
    """A formula as entered (with its leading '=')."""

    text: str


@dataclass(frozen=True)
class CellError:
    """An error value (#DIV/0!, #NAME?, #ERROR!)."""

    code: str


_NUMBER = re.compile(r"^[+-]?(\d{1,3}(,\d{3})+|\d+)?(\.\d+)?([eE][+-]?\d+)?$")
_PERCENT = re.compile(r"^([+-]?[\d,]*\.?\d+)\s*%$")
_CURRENCY = re.compile(r"^([+-]?)\$\s*([\d,]*\.?\d+)$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_US_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$")


def serial_of(d: date) -> int:
    """A date's serial number (days since 1899-12-30)."""
    return (datetime(d.year, d.month, d.day) - EPOCH).days


def parse_user_entered(value: Any) -> tuple[Any, dict[str, Any] | None]:
    """What a person typing `value` gets (USER_ENTERED): (stored value, number format it implies)."""
    if value is None:
        return None, None
    if isinstance(value, bool | int | float):
        return value, None
    s = str(value)
    if s.startswith("="):
        return Formula(s), None
    if s.startswith("'"):
        return s[1:], None
    t = s.strip()
    if not t:
        return s, None
    if t.upper() in ("TRUE", "FALSE"):
        return t.upper() == "TRUE", None
    if _NUMBER.match(t) and any(ch.isdigit() for ch in t):
        number = float(t.replace(",", ""))
        if "," in t:
            decimals = len(t.split(".")[1]) if "." in t else 0
            pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
            return _int_or_float(number), {"type": "NUMBER", "pattern": pattern}
        return _int_or_float(number), None
    m = _PERCENT.match(t)
    if m:
        digits = m.group(1).replace(",", "")
        decimals = len(digits.split(".")[1]) if "." in digits else 0
        pattern = "0" + ("." + "0" * decimals if decimals else "") + "%"
        return _int_or_float(float(digits) / 100), {"type": "PERCENT", "pattern": pattern}
    m = _CURRENCY.match(t)
    if m:
        number = float(m.group(2).replace(",", "")) * (-1 if m.group(1) == "-" else 1)
        return _int_or_float(number), {"type": "CURRENCY", "pattern": '"$"#,##0.00'}
    m = _ISO_DATE.match(t)
    if m:
        try:
            d = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
        except ValueError:
            return s, None
        return serial_of(d), {"type": "DATE", "pattern": "yyyy-mm-dd"}
    m = _US_DATE.match(t)
    if m:
        try:
            d = date(int(m.group(3)), int(m.group(1)), int(m.group(2)))
        except ValueError:
            return s, None
        return serial_of(d), {"type": "DATE", "pattern": "M/d/yyyy"}
    return s, None


def parse_raw(value: Any) -> Any:
    """What RAW input stores: the value as given ('' clears the cell)."""
    if value == "":
        return None
    return value


def _int_or_float(x: float) -> int | float:
    return int(x) if x.is_integer() and abs(x) < 2**53 else x


_OPS = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.Div: operator.truediv,
        ast.Pow: operator.pow}


def evaluate(formula: Formula) -> Any:
    """A formula's value: arithmetic on numbers; anything else is #NAME? (the fake knows no functions)."""
    body = formula.text[1:].strip()
    try:
        tree = ast.parse(body.replace("^", "**"), mode="eval")
        return _int_or_float(float(_eval(tree.body)))
    except ZeroDivisionError:
        return CellError("#DIV/0!")
    except (SyntaxError, ValueError, TypeError, KeyError):
        return CellError("#NAME?")


def _eval(node: ast.AST) -> float:
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return float(node.value)
    if isinstance(node, ast.BinOp) and type(node.op) in _OPS:
        return float(_OPS[type(node.op)](_eval(node.left), _eval(node.right)))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        v = _eval(node.operand)
        return -v if isinstance(node.op, ast.USub) else v
    raise ValueError("unsupported")


def general(x: float | int) -> str:
    """A number in the automatic format: integers plain, others to 10 decimal places, zeros dropped."""
    if isinstance(x, int) or (isinstance(x, float) and x.is_integer() and abs(x) < 1e15):
        return str(int(x))
    if abs(x) >= 1e15 or (x != 0 and abs(x) < 1e-10):
        mant, exp = f"{x:.2E}".split("E")
        return f"{mant}E{'+' if int(exp) >= 0 else '-'}{abs(int(exp)):02d}"
    text = f"{x:.10f}".rstrip("0").rstrip(".")
    return text


def _number_pattern(x: float, pattern: str) -> str:
    pct = pattern.endswith("%")
    core = pattern.rstrip("%").split(";")[0]
    core = core.replace('"$"', "").replace("$", "")
    value = x * 100 if pct else x
    decimals = len(core.split(".")[1].rstrip("#")) if "." in core else 0
    grouped = "," in core
    text = f"{abs(value):,.{decimals}f}" if grouped else f"{abs(value):.{decimals}f}"
    sign = "-" if value < 0 and float(text.replace(",", "")) != 0 else ""
    prefix = "$" if "$" in pattern else ""
    return f"{sign}{prefix}{text}{'%' if pct else ''}"


def _date_pattern(x: float, pattern: str) -> str:
    dt = EPOCH + timedelta(days=x)
    out = []
    i = 0
    p = pattern
    seen_hour = False
    while i < len(p):
        rest = p[i:]
        low = rest.lower()
        if low.startswith("yyyy"):
            out.append(f"{dt.year:04d}")
            i += 4
        elif low.startswith("yy"):
            out.append(f"{dt.year % 100:02d}")
            i += 2
        elif low.startswith("dd"):
            out.append(f"{dt.day:02d}")
            i += 2
        elif low.startswith("d"):
            out.append(str(dt.day))
            i += 1
        elif low.startswith("hh"):
            out.append(f"{dt.hour:02d}")
            seen_hour = True
            i += 2
        elif low.startswith("h"):
            out.append(str(dt.hour))
            seen_hour = True
            i += 1
        elif low.startswith("ss"):
            out.append(f"{dt.second:02d}")
            i += 2
        elif low.startswith("mm"):
            minute = seen_hour or p[i + 2:i + 3] == ":"
            out.append(f"{dt.minute:02d}" if minute else f"{dt.month:02d}")
            i += 2
        elif low.startswith("m"):
            out.append(str(dt.minute) if seen_hour else str(dt.month))
            i += 1
        else:
            out.append(rest[0])
            i += 1
    return "".join(out)


def formatted(value: Any, number_format: dict[str, Any] | None) -> str:
    """FORMATTED_VALUE of an effective value."""
    if isinstance(value, CellError):
        return value.code
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, str):
        return value
    if isinstance(value, int | float):
        kind = (number_format or {}).get("type")
        pattern = (number_format or {}).get("pattern") or ""
        if kind in ("DATE", "TIME", "DATE_TIME") and pattern:
            return _date_pattern(float(value), pattern)
        if kind in ("NUMBER", "PERCENT", "CURRENCY") and pattern:
            return _number_pattern(float(value), pattern)
        if kind == "PERCENT":
            return _number_pattern(float(value), "0%")
        return general(value)
    return ""


def is_date_format(number_format: dict[str, Any] | None) -> bool:
    """True for date, time and date-time formats."""
    return (number_format or {}).get("type") in ("DATE", "TIME", "DATE_TIME")


def unformatted(value: Any) -> Any:
    """UNFORMATTED_VALUE of an effective value (numbers as JSON numbers, whole ones without a point)."""
    if isinstance(value, CellError):
        return value.code
    if isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        return int(value)
    return value


def float32(x: float) -> float | int:
    """A colour component as Google keeps it (a float32), printed as the shortest decimal that reads back."""
    f = struct.unpack("f", struct.pack("f", x))[0]
    if f.is_integer():
        return int(f)
    for digits in range(1, 10):
        text = f"{f:.{digits}g}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == f:
            return float(text)
    return f


def is_number(value: Any) -> bool:
    """A number cell value (not a bool)."""
    return isinstance(value, int | float) and not isinstance(value, bool) and not (
        isinstance(value, float) and math.isnan(value))


__all__ = ["CellError", "Formula", "evaluate", "float32", "formatted", "general", "is_date_format", "is_number",
           "parse_raw", "parse_user_entered", "serial_of", "unformatted"]
