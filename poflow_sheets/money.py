"""Exact money: every amount poflow handles is a Decimal quantized to cents, parsed in one place."""

from __future__ import annotations

import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")
ZERO = Decimal("0.00")

_CURRENCY_CHARS = re.compile(r"[$€£¥₹¤]|\b(?:USD|EUR|GBP|CAD|AUD|CHF|JPY|NZD|SEK|NOK|DKK|PLN)\b", re.I)
_SPACES = re.compile(r"[\s\u00a0\u202f']")


class AmountError(ValueError):
    """Text that is not an amount; the message says what was found and what was expected."""


MAX_DIGITS = 15  # digits before the decimal mark: more than any real amount (and than a float holds)


def cents(value: Decimal) -> Decimal:
    """Round a Decimal to whole cents, half up (the way invoices are rounded).

    An amount of more than 15 digits before the decimal mark (or not finite) is no real money: AmountError.
    """
    if not value.is_finite():
        raise AmountError(f"{value} is not a finite number, expected an amount")
    if value.adjusted() >= MAX_DIGITS:
        raise AmountError(f"{value:f} has more than {MAX_DIGITS} digits before the decimal mark; "
                          f"no real amount is that large")
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def to_decimal(value: object) -> Decimal:
    """Convert a cell value (int, float, Decimal or text) to an exact Decimal, not rounded."""
    if isinstance(value, bool):
        raise AmountError(f"{value!r} is a true/false value, expected an amount")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        # A float from a spreadsheet cell is converted once, here, through its shortest repr.
        if value != value or value in (float("inf"), float("-inf")):
            raise AmountError(f"{value!r} is not a finite number")
        return Decimal(repr(value))
    if isinstance(value, str):
        return parse_amount(value, quantize=False)
    raise AmountError(f"{value!r} is not an amount")


def parse_amount(text: str, decimal_mark: str | None = None, *, quantize: bool = True) -> Decimal:
    """Parse an amount as people and banks write it: `$1,234.50`, `(12.00)`, `12.00-`, `1.234,50`.

    `decimal_mark` is "." or ","; None guesses from the text, refusing what is ambiguous.
    """
    raw = text
    s = _SPACES.sub("", _CURRENCY_CHARS.sub("", text.strip()))
    if not s:
        raise AmountError("empty, expected an amount")
    negative = False
    if s.startswith("(") and s.endswith(")"):
        negative, s = True, s[1:-1]
    s = _CURRENCY_CHARS.sub("", s)
    for suffix, neg in (("CR", False), ("DR", True)):
        if s.upper().endswith(suffix) and len(s) > 2:
            s, negative = s[:-2], negative ^ neg
    if s.endswith("-"):
        negative, s = not negative, s[:-1]
    elif s.endswith("+"):
        s = s[:-1]
    if s.startswith("-"):
        negative, s = not negative, s[1:]
    elif s.startswith("+"):
        s = s[1:]
    s = _CURRENCY_CHARS.sub("", s)
    if s.startswith("-"):  # "$-12.00"
        negative, s = not negative, s[1:]
    if not s or not re.fullmatch(r"[0-9.,]+", s) or not re.search(r"[0-9]", s):
        raise AmountError(f"{raw!r} is not a number, expected an amount such as 1234.50")
    mark = decimal_mark or _guess_mark(s, raw)
    group = "," if mark == "." else "."
    if s.count(mark) > 1:
        raise AmountError(f"{raw!r} has more than one decimal mark {mark!r}")
    whole, _, frac = s.partition(mark)
    if group in whole:
        parts = whole.split(group)
        if not parts[0] or any(len(p) != 3 for p in parts[1:]) or len(parts[0]) > 3:
            raise AmountError(
                f"{raw!r}: digit groups are not in threes, expected an amount such as 1,234.50"
            )
        whole = "".join(parts)
    if group in frac:
        raise AmountError(f"{raw!r}: a {group!r} after the decimal mark {mark!r}")
    try:
        value = Decimal(f"{whole or '0'}.{frac or '0'}")
    except InvalidOperation as exc:  # pragma: no cover - guarded by the regex above
        raise AmountError(f"{raw!r} is not a number") from exc
    if negative:
        value = -value
    return cents(value) if quantize else value


def _guess_mark(s: str, raw: str) -> str:
    has_dot, has_comma = "." in s, "," in s
    if has_dot and has_comma:
        return "." if s.rfind(".") > s.rfind(",") else ","
    if has_comma:
        if s.count(",") > 1:
            return "."
        tail = s.rsplit(",", 1)[1]
        return "." if len(tail) == 3 else ","
    if has_dot and s.count(".") > 1:
        parts = s.split(".")
        if all(len(p) == 3 for p in parts[1:]) and 1 <= len(parts[0]) <= 3:
            return ","
        raise AmountError(f"{raw!r} has more than one decimal mark '.', expected an amount such as 1234.50")
    return "."


def format_money(value: Decimal, currency: str = "") -> str:
    """Show an amount with thousands separators and two decimals: `1,234.50 USD`."""
    text = f"{cents(value):,.2f}"
    return f"{text} {currency}".strip()


def money_str(value: Decimal) -> str:
    """The contract's decimal string for JSON: `1234.50`."""
    text = str(value)
    if text[-3:-2] == "." and len(text) - (text[0] == "-") <= MAX_DIGITS + 3:
        return text  # in cents already (exactly two decimals, in plain notation): nothing to round
    return f"{cents(value):.2f}"
