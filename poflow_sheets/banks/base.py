"""Shared pieces of the bank readers: result types, the parser protocol, ids, dates and text.

Every reader turns bytes into a `BankImport`; a file that cannot be read at all raises
`BankFileError` with one line naming the file (and the line where it applies).
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import lru_cache
from typing import Protocol

from poflow_sheets.dates import full_year
from poflow_sheets.errors import BankFileError
from poflow_sheets.money import AmountError, cents, parse_amount
from poflow_sheets.records import Transaction


@dataclass(frozen=True, slots=True)
class BankProblem:
    """A row that was left out of the import (pending, ragged, not a transaction), and why."""

    file: str
    line: int
    message: str

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class BankImport:
    """The normalized content of one or more bank files."""

    transactions: tuple[Transaction, ...]
    problems: tuple[BankProblem, ...] = ()
    format: str = ""
    account: str = ""

    @property
    def total(self) -> Decimal:
        """Sum of all amounts (positive = received)."""
        return sum((t.amount for t in self.transactions), Decimal("0.00"))


class BankParser(Protocol):
    """One bank format: `sniff` looks at the first bytes and the file name, `parse` reads it all."""

    name: str

    def sniff(self, head: bytes, name: str) -> bool: ...

    def parse(self, data: bytes, name: str, *, mapping: str | None = None, default_currency: str = "USD") -> BankImport: ...


@dataclass(frozen=True, slots=True)
class BankOptions:
    """What a person allowed in the Bank Mapping setting beyond the columns (``round=yes``, ``pre1900=yes``)."""

    round: bool = False  # amounts with more than two decimals are rounded to cents instead of refused
    pre1900: bool = False  # dates before 1900 are accepted instead of refused


OPTION_KEYS = {"round": "round", "pre1900": "pre1900"}
_OPTIONS: ContextVar[BankOptions | None] = ContextVar("bank_options", default=None)
_DEFAULT_OPTIONS = BankOptions()
_YES = ("yes", "y", "true", "1", "on")


def split_options(mapping: str | None) -> tuple[str | None, BankOptions]:
    """The Bank Mapping setting without its options, and the options: ``chase;round=yes`` -> ("chase", round)."""
    if not mapping:
        return mapping, BankOptions()
    rest: list[str] = []
    found: dict[str, bool] = {}
    for part in mapping.split(";"):
        key, sep, value = part.partition("=")
        if sep and key.strip().lower() in OPTION_KEYS:
            found[OPTION_KEYS[key.strip().lower()]] = value.strip().lower() in _YES
        elif part.strip():
            rest.append(part.strip())
    return (";".join(rest) or None), BankOptions(**found)


@contextmanager
def bank_options(options: BankOptions) -> Iterator[None]:
    """Read bank files with these options (the readers ask `options()`)."""
    token = _OPTIONS.set(options)
    try:
        yield
    finally:
        _OPTIONS.reset(token)


def options() -> BankOptions:
    """The options in force for the bank file being read."""
    return _OPTIONS.get() or _DEFAULT_OPTIONS


def fail(name: str, message: str, line: int | None = None) -> BankFileError:
    """A `BankFileError` whose one-line message names the file and, where known, the line."""
    where = f"{name}:{line}" if line else name
    return BankFileError(f"{where}: {one_line(message)}")


def one_line(text: str) -> str:
    """Collapse whitespace (newlines included) so a message or value fits on one line."""
    return " ".join(str(text).split())


# --------------------------------------------------------------------------- text


def decode_text(data: bytes) -> str:
    """Decode a text export: UTF-8 (with or without BOM), UTF-16 with BOM, else cp1252, else latin-1."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("cp1252")
    except UnicodeDecodeError:
        return data.decode("latin-1")


def clean(text: object) -> str:
    """Trim and collapse inner whitespace of a cell or tag value; None becomes ''."""
    if text is None:
        return ""
    s = text if type(text) is str else str(text)
    if "\u00a0" in s:
        s = s.replace("\u00a0", " ")
    return " ".join(s.split())


def join_text(parts: Iterable[str], sep: str = " ") -> str:
    """Join the non-empty parts, dropping exact repeats (a bank often repeats the name in the memo)."""
    seen: list[str] = []
    for part in parts:
        p = clean(part)
        if p and p not in seen:
            seen.append(p)
    return sep.join(seen)


@lru_cache(maxsize=8192)
def fold(text: str) -> str:
    """A header name folded for comparison: lower case, umlauts spelled out, only letters/digits."""
    t = text.strip().lower()
    for a, b in (("ä", "ae"), ("ö", "oe"), ("ü", "ue"), ("ß", "ss")):
        t = t.replace(a, b)
    t = unicodedata.normalize("NFKD", t)
    t = "".join(ch for ch in t if not unicodedata.combining(ch))
    return re.sub(r"[^a-z0-9]+", "", t)


# --------------------------------------------------------------------------- amounts


# A plain amount: optional minus, digits without grouping, at most two decimals after a dot.
_PLAIN_AMOUNT = re.compile(r"(-?)([0-9]{1,15}(?:\.[0-9]{1,2})?)")  # ASCII digits only, as parse_amount


def plain_amount(text: str, decimal_mark: str | None) -> Decimal | None:
    """The amount `money.parse_amount(text, decimal_mark)` gives, computed directly when the text
    is a plain `-1234.5`-style number read with a "." (or guessed) decimal mark; else None.

    For such a text parse_amount strips nothing, guesses ".", builds the same Decimal, negates it
    and rounds it to cents: these steps are repeated here, in the same order, so the value (and
    its exponent and sign, "-0.00" included) is identical; anything else goes to parse_amount.
    """
    if decimal_mark is not None and decimal_mark != ".":
        return None
    m = _PLAIN_AMOUNT.fullmatch(text)
    if m is None:
        return None
    whole, _, frac = m[2].partition(".")
    value = Decimal(f"{whole}.{frac or '0'}")
    if m[1]:
        value = -value
    return cents(value)


def amount_of(text: str, name: str, line: int, decimal_mark: str | None = None, what: str = "amount") -> Decimal:
    """Parse an amount through `money.parse_amount`, translating the error to a `BankFileError`.

    An amount with more than two decimals (`1,234.567`) is refused with the file and line: rounding it
    silently would book a different amount than the bank did (``round=yes`` in Bank Mapping allows it).
    """
    plain = plain_amount(text, decimal_mark)
    if plain is not None:
        return plain
    try:
        exact = parse_amount(text, decimal_mark, quantize=False)
        value = cents(exact)
    except AmountError as exc:
        raise fail(name, f"bad {what} {text.strip()!r}: {exc}", line) from None
    check_places(exact, value, text, name, line)
    return value


def check_places(exact: Decimal, value: Decimal, text: object, name: str, line: int) -> None:
    """Refuse an amount that rounding to cents would change (unless ``round=yes``)."""
    if exact != value and not options().round:
        places = -exact.normalize().as_tuple().exponent  # type: ignore[operator]
        raise fail(name, f"amount {str(text).strip()!r} has {places} decimals but money has 2 (cents); poflow would "
                   "have to round it. Check the export, or add 'round=yes' to the Bank Mapping setting to round "
                   "such amounts to cents", line)


# --------------------------------------------------------------------------- dates

_YMD = re.compile(r"^(\d{4})[-/.]?(\d{1,2})[-/.]?(\d{1,2})(?:$|[T\s])")
_YMD_COMPACT = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:$|[T\s\d\[])")
_ABY = re.compile(r"^(\d{1,2})([-/.])(\d{1,2})\2(\d{2}|\d{4})(?:$|[T\s,])")
_MONTHS = {
    m: i + 1
    for i, names in enumerate(
        [
            ("jan", "january", "januar", "janvier", "jän", "jaen"),
            ("feb", "february", "februar", "fevrier", "février", "fév", "fev"),
            ("mar", "march", "maerz", "märz", "mär", "mars", "mrz"),
            ("apr", "april", "avril", "avr"),
            ("may", "mai"),
            ("jun", "june", "juni", "juin"),
            ("jul", "july", "juli", "juillet", "juil"),
            ("aug", "august", "aout", "août"),
            ("sep", "sept", "september", "septembre"),
            ("oct", "october", "oktober", "octobre", "okt"),
            ("nov", "november", "novembre"),
            ("dec", "december", "dezember", "decembre", "décembre", "dez", "déc"),
        ]
    )
    for m in names
}
_DMONY = re.compile(r"^(\d{1,2})[\s\-./]*([A-Za-zäéû]{3,9})\.?[\s\-./,]*(\d{4}|\d{2})(?:$|[T\s,])")
_MONDY = re.compile(r"^([A-Za-zäéû]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})(?:$|[T\s,])")


def _year(y: str) -> int:
    return full_year(int(y)) if len(y) == 2 else int(y)


class DateShape:
    """How one date text splits: a definite (y, m, d), or an (a, b, y) pair whose order is open."""

    __slots__ = ("fixed", "pair", "sep")

    def __init__(self, fixed: tuple[int, int, int] | None, pair: tuple[int, int, int] | None, sep: str = "") -> None:
        self.fixed, self.pair, self.sep = fixed, pair, sep


@lru_cache(maxsize=8192)  # a column repeats the same few hundred dates; shapes are never modified
def date_shape(text: str) -> DateShape | None:
    """Split a date text into numbers, or None if it does not look like a date at all."""
    s = text.strip().strip('"').strip()
    if not s:
        return None
    m = _YMD.match(s)
    if m and len(s.split()[0]) >= 8:
        return DateShape((int(m[1]), int(m[2]), int(m[3])), None)
    m = _YMD_COMPACT.match(s)
    if m:
        return DateShape((int(m[1]), int(m[2]), int(m[3])), None)
    m = _ABY.match(s)
    if m:
        return DateShape(None, (int(m[1]), int(m[3]), _year(m[4])), m[2])
    m = _DMONY.match(s)
    if m and m[2].lower().rstrip(".") in _MONTHS:
        return DateShape((_year(m[3]), _MONTHS[m[2].lower()], int(m[1])), None)
    m = _MONDY.match(s)
    if m and m[1].lower().rstrip(".") in _MONTHS:
        return DateShape((int(m[3]), _MONTHS[m[1].lower()], int(m[2])), None)
    return None


def looks_like_date(text: str) -> bool:
    """True when the text has the shape of a date (it may still be an impossible one)."""
    return date_shape(text) is not None


class DayFirstVotes:
    """`decide_dayfirst` counted one date text at a time (a whole column without keeping it)."""

    __slots__ = ("counts", "first_big", "second_big", "seps")

    def __init__(self) -> None:
        self.first_big = self.second_big = False
        self.seps: Counter[str] = Counter()
        self.counts: dict[str, int] = {}  # texts not yet counted in: a column repeats the same few dates

    def add(self, text: str) -> None:
        counts = self.counts
        counts[text] = counts.get(text, 0) + 1
        if len(counts) > 50_000:
            self._fold()

    def _fold(self) -> None:
        for text, n in self.counts.items():
            shape = date_shape(text)
            if shape is None or shape.pair is None:
                continue
            a, b, _ = shape.pair
            self.seps[shape.sep] += n
            self.first_big |= a > 12
            self.second_big |= b > 12
        self.counts.clear()

    def merge(self, later: DayFirstVotes) -> None:
        """Add the votes of another part of the same column."""
        self._fold()
        later._fold()
        self.first_big |= later.first_big
        self.second_big |= later.second_big
        self.seps.update(later.seps)

    def decide(self, hint: bool | None = None) -> bool:
        self._fold()
        if self.first_big and not self.second_big:
            return True
        if self.second_big and not self.first_big:
            return False
        if hint is not None:
            return hint
        return bool(self.seps) and self.seps.most_common(1)[0][0] == "."


def decide_dayfirst(texts: Iterable[str], hint: bool | None = None) -> bool:
    """Decide D/M/Y versus M/D/Y from a whole column: a first part over 12 means day first.

    Refuses nothing here: when the column cannot tell, `hint` decides, else the separator
    (`.` is day first in every country that writes it), else month first.
    """
    first_big = second_big = False
    seps: Counter[str] = Counter()
    for t in texts:
        shape = date_shape(t)
        if shape is None or shape.pair is None:
            continue
        a, b, _ = shape.pair
        seps[shape.sep] += 1
        first_big |= a > 12
        second_big |= b > 12
    if first_big and not second_big:
        return True
    if second_big and not first_big:
        return False
    if hint is not None:
        return hint
    return bool(seps) and seps.most_common(1)[0][0] == "."


def parse_bank_date(text: str, name: str, line: int, *, dayfirst: bool = False) -> date:
    """Parse one date with the column's order; an impossible date is a `BankFileError`."""
    shape = date_shape(text)
    if shape is None:
        raise fail(name, f"{text.strip()!r} is not a date", line)
    if shape.fixed is not None:
        y, m, d = shape.fixed
    else:
        assert shape.pair is not None
        a, b, y = shape.pair
        d, m = (a, b) if dayfirst else (b, a)
    try:
        return check_year(date(y, m, d), text, name, line)
    except ValueError:
        order = "day/month/year" if dayfirst and shape.fixed is None else "year-month-day"
        if shape.fixed is None and not dayfirst:
            order = "month/day/year"
        raise fail(name, f"{text.strip()!r} is not a date (read as {order})", line) from None


def compact_date(text: str, name: str, line: int) -> date:
    """A date from the first 8 digits `YYYYMMDD` (OFX DTPOSTED), never shifted by a timezone."""
    s = text.strip()
    if len(s) < 8 or not s[:8].isdigit():
        raise fail(name, f"{s!r} is not a date (expected YYYYMMDD…)", line)
    try:
        when = date(int(s[:4]), int(s[4:6]), int(s[6:8]))
    except ValueError:
        raise fail(name, f"{s!r} is not a date", line) from None
    return check_year(when, s, name, line)


def check_year(when: date, text: str, name: str, line: int) -> date:
    """Refuse a date before 1900 (a spreadsheet cannot hold it as a date; it would read back as a time)."""
    if when.year < 1900 and not options().pre1900:
        raise fail(name, f"date {text.strip()!r} is before 1900, which a spreadsheet cannot store as a date (it "
                   "would read back as a time). Check the export, or add 'pre1900=yes' to the Bank Mapping setting "
                   "to accept such dates", line)
    return when


# --------------------------------------------------------------------------- identity


def content_id(account: str, when: date, amount: Decimal, payer: str, memo: str) -> str:
    """A content id for a transaction without a bank id: `fp:` + 16 hex digits of a SHA-1."""
    key = "|".join((clean(account), when.isoformat(), f"{amount:.2f}", clean(payer), clean(memo)))
    return "fp:" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]


def number_repeats(transactions: Iterable[Transaction]) -> tuple[Transaction, ...]:
    """Within one file, make repeated ids unique: the 2nd identical row gets `:2`, the 3rd `:3`.

    Two genuine identical payments on one day stay two, while the same row seen again in an
    overlapping export (same position among its twins) gets the same id.
    """
    once: set[str] = set()
    repeats: Counter[str] = Counter()  # only the ids seen more than once: a set is cheaper for a million rows
    out: list[Transaction] = []
    for t in transactions:
        tid = t.transaction_id
        if tid not in once:
            once.add(tid)
            out.append(t)
            continue
        n = repeats[tid] = repeats.get(tid, 1) + 1
        out.append(replace(t, transaction_id=f"{tid}:{n}"))
    return tuple(out)


def bank_id(prefix: str, account: str, ident: str) -> str:
    """`<prefix>:<account>:<id>`, or `<prefix>:<id>` when the account is unknown."""
    ident = clean(ident)
    return f"{prefix}:{account}:{ident}" if account else f"{prefix}:{ident}"
