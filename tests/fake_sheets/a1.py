"""A1 notation as the Sheets API reads and writes it: 'Tab'!A1:B2, Tab!A:A, Tab!3:3, A1:C, a bare tab title."""

from __future__ import annotations

import re
from dataclasses import dataclass

_CELL = re.compile(r"^([A-Za-z]{0,3})(\d*)$")
_PLAIN_TITLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LOOKS_LIKE_CELL = re.compile(r"^([A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*|[A-Za-z]{1,3})$")


class RangeError(ValueError):
    """An A1 range the API cannot parse."""


@dataclass(frozen=True)
class Span:
    """Rows and columns, 0-based, end exclusive; None for an open end (to the grid's edge)."""

    r0: int
    r1: int | None
    c0: int
    c1: int | None

    def clip(self, rows: int, cols: int) -> tuple[int, int, int, int]:
        """Closed against a grid of rows x cols."""
        return (self.r0, rows if self.r1 is None else self.r1, self.c0, cols if self.c1 is None else self.c1)


def letters(col: int) -> str:
    """0-based column index as letters."""
    out = ""
    col += 1
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def col_index(text: str) -> int:
    """Letters as a 0-based column index."""
    n = 0
    for ch in text.upper():
        n = n * 26 + ord(ch) - 64
    return n - 1


def split(text: str) -> tuple[str | None, str | None]:
    """(sheet title or None, cell part or None) of an A1 range."""
    text = text.strip()
    if text.startswith("'"):
        i, title = 1, list[str]()
        while i < len(text):
            ch = text[i]
            if ch == "'":
                if i + 1 < len(text) and text[i + 1] == "'":
                    title.append("'")
                    i += 2
                    continue
                break
            title.append(ch)
            i += 1
        rest = text[i + 1:]
        if not rest:
            return "".join(title), None
        if not rest.startswith("!"):
            raise RangeError(text)
        return "".join(title), rest[1:]
    if "!" in text:
        name, _, ref = text.rpartition("!")
        return name, ref
    return None, text


def parse_ref(ref: str) -> Span:
    """A cell part (A1, A1:B2, A:A, 3:3, A1:C, D4:A1) as a span."""
    parts = ref.split(":")
    if len(parts) > 2 or not ref:
        raise RangeError(ref)
    cells = []
    for p in parts:
        m = _CELL.match(p.strip())
        if not m or (not m.group(1) and not m.group(2)):
            raise RangeError(ref)
        col = col_index(m.group(1)) if m.group(1) else None
        row = int(m.group(2)) - 1 if m.group(2) else None
        if row is not None and row < 0:
            raise RangeError(ref)
        cells.append((row, col))
    if len(cells) == 1:
        cells.append(cells[0])
    (ra, ca), (rb, cb) = cells
    r0, r1 = _axis(ra, rb)
    c0, c1 = _axis(ca, cb)
    return Span(r0, r1, c0, c1)


def _axis(a: int | None, b: int | None) -> tuple[int, int | None]:
    """Both ends given: min..max; one given: from it to the edge; none: the whole axis."""
    if a is not None and b is not None:
        return min(a, b), max(a, b) + 1
    if a is not None or b is not None:
        return (a if a is not None else b) or 0, None
    return 0, None


def quote_title(title: str) -> str:
    """A title as the API writes it in a range: bare when plain, else quoted."""
    if _PLAIN_TITLE.match(title) and not _LOOKS_LIKE_CELL.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def format_range(title: str, r0: int, r1: int, c0: int, c1: int) -> str:
    """A closed range as the API echoes it: Sheet1!A1:D4, or Sheet1!D4 for one cell."""
    start = f"{letters(c0)}{r0 + 1}"
    if r1 - r0 == 1 and c1 - c0 == 1:
        return f"{quote_title(title)}!{start}"
    return f"{quote_title(title)}!{start}:{letters(c1 - 1)}{r1}"


__all__ = ["RangeError", "Span", "col_index", "format_range", "letters", "parse_ref", "quote_title", "split"]
