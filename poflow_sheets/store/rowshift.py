"""References after rows are inserted into a sheet: ``n`` new rows at row ``at`` move the rows from ``at`` down.

The rule is Excel's for a row insert (a reference to a moved row moves; a range that spans the insertion
point grows), plus one of poflow's: with ``extend``, a range that ends on the row just above the insertion
point (the last record: the person's ``=SUM(E4:E10)`` under the data) grows over the new rows too, so the
person's total still covers them. Data rows' own formulas are shifted without ``extend`` (a running
balance ``=SUM($E$4:E10)`` on row 10 keeps meaning rows 4 to 10).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

_CELL = r"(\$?)([A-Za-z]{1,3})(\$?)(\d+)"
CELL_RE = re.compile(rf"^{_CELL}$")
AREA_RE = re.compile(rf"^{_CELL}:{_CELL}$")
ROWS_RE = re.compile(r"^(\$?)(\d+):(\$?)(\d+)$")
_DIGITS = re.compile(r"\d+")
# Functions a person's totals row computes with.
AGGREGATE = re.compile(r"\b(?:SUBTOTAL|AGGREGATE|SUM|SUMIFS?|SUMPRODUCT|COUNTA?|COUNTIFS?|AVERAGE|MIN|MAX)\s*\(",
                       re.I)


@dataclass(frozen=True)
class Shift:
    """``n`` rows inserted at row ``at`` of the sheet named ``sheet``."""

    sheet: str
    at: int
    n: int

    def rows(self, r1: int, r2: int, extend: bool) -> tuple[int, int]:
        """A row span after the insert."""
        if r1 >= self.at:
            return r1 + self.n, r2 + self.n
        if r2 >= self.at or (extend and r2 == self.at - 1 and r1 < r2):
            return r1, r2 + self.n
        return r1, r2

    def area(self, text: str, extend: bool) -> str:
        """``A1``, ``$A$1:$B$9`` or ``3:5`` after the insert (other text unchanged)."""
        m = AREA_RE.match(text)
        if m:
            d1, c1, e1, r1, d2, c2, e2, r2 = m.groups()
            a, b = int(r1), int(r2)
            lo, hi = (a, b) if a <= b else (b, a)
            lo2, hi2 = self.rows(lo, hi, extend)
            if (lo2, hi2) == (lo, hi):
                return text
            na, nb = (lo2, hi2) if a <= b else (hi2, lo2)
            return f"{d1}{c1}{e1}{na}:{d2}{c2}{e2}{nb}"
        m = CELL_RE.match(text)
        if m:
            d1, c1, e1, r1 = m.groups()
            r = int(r1)
            return text if r < self.at else f"{d1}{c1}{e1}{r + self.n}"
        m = ROWS_RE.match(text)
        if m:
            d1, r1, d2, r2 = m.groups()
            lo2, hi2 = self.rows(int(r1), int(r2), extend)
            return f"{d1}{lo2}:{d2}{hi2}"
        return text

    def sqref(self, text: str, extend: bool) -> str:
        """A space-separated list of areas (``sqref``) after the insert."""
        return " ".join(self.area(part, extend) for part in text.split(" "))

    def formula(self, text: str, *, own: bool, extend: bool) -> str:
        """A formula's text (without ``=``) after the insert. `own`: unqualified references are to this
        sheet (a formula on it); otherwise only references qualified with the sheet's name move."""
        if not text or max((int(d) for d in _DIGITS.findall(text)), default=0) < self.at - 1:
            return text  # no number as large as the insertion point: nothing can move
        if not own and self.sheet.casefold() not in text.casefold():
            return text
        from openpyxl.formula.tokenizer import Token, Tokenizer

        try:
            tok = Tokenizer("=" + text)
        except Exception:  # a formula openpyxl cannot tokenise is left as it is
            return text
        changed = False
        for item in tok.items:
            if item.type != Token.OPERAND or item.subtype != Token.RANGE or item.value.startswith("["):
                continue
            new = self._operand(item.value, own, extend)
            if new != item.value:
                item.value = new
                changed = True
        return tok.render()[1:] if changed else text

    def _operand(self, value: str, own: bool, extend: bool) -> str:
        prefix, bang, area = value.rpartition("!")
        if bang:
            name = prefix[1:-1].replace("''", "'") if prefix.startswith("'") and prefix.endswith("'") else prefix
            if name.casefold() != self.sheet.casefold():
                return value
            return f"{prefix}!{self.area(area, extend)}"
        return self.area(value, extend) if own else value


__all__ = ["AGGREGATE", "Shift"]
