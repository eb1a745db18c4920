"""Surgery on one worksheet's XML text: rows and cells are edited in place, everything else kept as is.

A worksheet can hold 100,000 rows; building a DOM for it is slow and risks changing what poflow does not
own. The editor finds ``<row>`` elements with a regular expression, parses only the rows it touches and
splices them back, so untouched rows (and every element outside ``<sheetData>``) keep their exact text.

Rows are found without reading the others: Excel keeps rows in ascending order, each with its number
(``r``), so a row is found by bisecting the text, and the last one by looking back from ``</sheetData>``.
Appending to a Log of 200,000 rows looks at a few of them, whatever the Log's length. Only what needs every
row (inserting rows above a totals row, array formulas, a row without its number) indexes them all.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from poflow_sheets.errors import Refused

MAX_ROW = 1_048_576
MAX_COL = 16_384

_P = r"(?:[A-Za-z_][\w.-]*:)?"  # an optional namespace prefix
ROW_RE = re.compile(rf"<{_P}row\b[^>]*?(?:/>|>.*?</{_P}row>)", re.S)
ROW_OPEN_RE = re.compile(rf"<{_P}row\b([^>]*?)(/?)>", re.S)
ROW_START_RE = re.compile(rf"<{_P}row\b")
CELL_RE = re.compile(rf"<{_P}c\b([^>]*?)(?:/>|>(.*?)</{_P}c>)", re.S)
ATTR_RE = re.compile(r"([\w:.-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
R_NUM_RE = re.compile(r"(?:^|\s)r\s*=\s*[\"'](\d+)[\"']")  # a row's number
R_ATTR_RE = re.compile(r"(?:^|\s)r\s*=\s*[\"']([A-Za-z]*)(\d+)[\"']")
HAS_VALUE_RE = re.compile(rf"<{_P}v\b[^>]*>[^<]|<{_P}f\b|<{_P}is\b")
S_ATTR_RE = re.compile(r"(?:^|\s)s\s*=\s*[\"'](\d+)[\"']")
F_RE = re.compile(rf"<({_P})f\b([^>]*?)(?:/>|>(.*?)</{_P}f>)", re.S)
REF_RE = re.compile(r"^\$?([A-Za-z]{1,3})\$?(\d+)$")


def column_letters(col: int) -> str:
    """Column number (1-based) to letters: 1 -> A, 28 -> AB."""
    out = ""
    while col:
        col, rem = divmod(col - 1, 26)
        out = chr(65 + rem) + out
    return out


def col_number(letters: str) -> int:
    """Column letters to number: AB -> 28."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def parse_ref(ref: str) -> tuple[int, int]:
    """``"B7"`` -> (row 7, col 2)."""
    m = REF_RE.match(ref.strip())
    if not m:
        raise ValueError(f"not a cell reference: {ref!r}")
    return int(m.group(2)), col_number(m.group(1))


def parse_range(ref: str) -> tuple[int, int, int, int]:
    """``"A1:C9"`` -> (row1, col1, row2, col2); a single cell is a 1x1 range."""
    first, _, last = ref.partition(":")
    r1, c1 = parse_ref(first)
    r2, c2 = parse_ref(last) if last else (r1, c1)
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def format_range(r1: int, c1: int, r2: int, c2: int) -> str:
    """(row1, col1, row2, col2) -> ``"A1:C9"`` (``"A1"`` for one cell)."""
    a = f"{column_letters(c1)}{r1}"
    b = f"{column_letters(c2)}{r2}"
    return a if a == b else f"{a}:{b}"


def attrs(text: str) -> dict[str, str]:
    """Attributes of an opening tag's attribute text (values left XML-escaped)."""
    return {m.group(1): m.group(2) if m.group(2) is not None else m.group(3) for m in ATTR_RE.finditer(text)}


def cell_style(cell_xml: str) -> int:
    """The ``s`` (cell format index) of a ``<c>`` element's text; 0 when absent."""
    head = cell_xml[: cell_xml.find(">") + 1]
    m = S_ATTR_RE.search(head[2:])
    return int(m.group(1)) if m else 0


def cell_has_value(cell_xml: str) -> bool:
    """True when a ``<c>`` element holds a value, a formula or an inline string."""
    return HAS_VALUE_RE.search(cell_xml) is not None


class _Unnumbered(Exception):
    """A row element without its number (``r``): the sheet's rows are numbered by indexing them all."""


@dataclass
class RowState:
    """A row parsed for editing: its attribute text (without r and spans) and cells by column."""

    r: int
    attr_text: str = ""
    cells: dict[int, str] = field(default_factory=dict)
    style: int | None = None  # row format when customFormat="1"
    drop: bool = False  # a row moved away by an insert: written only if it gets cells again


class SheetEditor:
    """One worksheet's XML opened for cell edits."""

    def __init__(self, part: str, text: str) -> None:
        self.part = part
        self.original = text
        m = re.search(rf"<({_P})sheetData\b([^>]*?)(/?)>", text)
        if m is None:
            raise Refused(f"{part}: no <sheetData> in the worksheet")
        self.prefix = m.group(1)
        if m.group(3):
            self.head = text[: m.start()] + f"<{self.prefix}sheetData{m.group(2)}>"
            self.inner = ""
            self.tail = f"</{self.prefix}sheetData>" + text[m.end():]
        else:
            close = text.rfind(f"</{self.prefix}sheetData>", m.end())  # from the end: the rows are not read
            if close < 0:
                raise Refused(f"{part}: unterminated <sheetData>")
            self.head, self.inner, self.tail = text[: m.end()], text[m.end(): close], text[close:]
        # every row as (number, start, end) in inner, and number -> its index: built only when needed
        self._rows: list[tuple[int, int, int]] | None = None
        self._row_pos: dict[int, int] = {}
        self._spans: dict[int, tuple[int, int] | None] = {}  # rows found without the index (None: no such row)
        self._last_row: tuple[int, int, int] | None = None  # the last row element, once looked for
        self._last_found = False
        self.edited: dict[int, RowState] = {}
        self.min_written: tuple[int, int] | None = None
        self.max_written: tuple[int, int] | None = None
        self._last_value: int | None = None
        self._col_styles: list[tuple[int, int, int]] | None = None
        self._markers: dict[str, bool] = {}
        self._parsed: dict[int, RowState] = {}  # rows parsed for reading, not (yet) edited

    # -- finding rows ---------------------------------------------------------------------------------
    @property
    def indexed(self) -> bool:
        """True once every row of the sheet was indexed (what an append to the end never needs)."""
        return self._rows is not None

    @property
    def rows(self) -> list[tuple[int, int, int]]:
        """Every row element as (number, start, end) in ``inner``, in the text's order (indexes them all)."""
        return self._index()[0]

    @property
    def row_pos(self) -> dict[int, int]:
        """Row number -> its position in ``rows`` (indexes every row)."""
        return self._index()[1]

    def _index(self) -> tuple[list[tuple[int, int, int]], dict[int, int]]:
        if self._rows is None:
            rows: list[tuple[int, int, int]] = []
            pos: dict[int, int] = {}
            prev = 0
            for rm in ROW_RE.finditer(self.inner):
                om = ROW_OPEN_RE.match(self.inner, rm.start())
                a = attrs(om.group(1)) if om else {}
                r = int(a["r"]) if a.get("r", "").isdigit() else prev + 1
                pos.setdefault(r, len(rows))
                rows.append((r, rm.start(), rm.end()))
                prev = r
            self._rows, self._row_pos = rows, pos
        return self._rows, self._row_pos

    def _element(self, start: int) -> tuple[int, int, int]:
        """(number, start, end) of the row element starting at ``start``; _Unnumbered when it has no ``r``."""
        om = ROW_OPEN_RE.match(self.inner, start)
        rm = ROW_RE.match(self.inner, start)
        if om is None or rm is None:
            raise _Unnumbered
        m = R_NUM_RE.search(om.group(1))
        if m is None:
            raise _Unnumbered
        return int(m.group(1)), start, rm.end()

    def _row_at(self, pos: int) -> tuple[int, int, int] | None:
        """The first row element starting at or after ``pos``."""
        m = ROW_START_RE.search(self.inner, pos)
        return None if m is None else self._element(m.start())

    def _row_before(self, pos: int) -> tuple[int, int, int] | None:
        """The last row element starting before ``pos`` (a row's start, or the end of ``inner``)."""
        width = 4096
        while True:
            lo = max(0, pos - width)
            last = None
            for m in ROW_START_RE.finditer(self.inner, lo, pos):
                last = m.start()
            if last is not None:
                return self._element(last)
            if lo == 0:
                return None
            width *= 8

    def _last(self) -> tuple[int, int, int] | None:
        """The last row element of the sheet."""
        if not self._last_found:
            self._last_row = self._row_before(len(self.inner))
            self._last_found = True
        return self._last_row

    def _first_from(self, r: int) -> tuple[int, int, int] | None:
        """The first row element numbered ``r`` or more, found by bisecting the text (rows ascend)."""
        last = self._last()
        if last is None or last[0] < r:
            return None
        lo, hi = 0, last[1]
        while lo < hi:
            mid = (lo + hi) // 2
            row = self._row_at(mid)
            if row is None or row[0] >= r:
                hi = mid
            else:
                lo = row[2]
        return self._row_at(lo)

    def _span(self, r: int) -> tuple[int, int] | None:
        """(start, end) in ``inner`` of row ``r``'s element; None when the sheet has no such row."""
        if self._rows is not None:
            idx = self._row_pos.get(r)
            return None if idx is None else self._rows[idx][1:]
        if r in self._spans:
            return self._spans[r]
        try:
            row = self._first_from(r)
        except _Unnumbered:
            self._index()
            return self._span(r)
        span = (row[1], row[2]) if row is not None and row[0] == r else None
        self._spans[r] = span
        return span

    def _backward(self) -> Iterator[tuple[int, int, int]]:
        """The row elements from the last one up (_Unnumbered when one has no ``r``)."""
        row = self._last()
        while row is not None:
            yield row
            row = self._row_before(row[1])

    def _forward(self, pos: int = 0, prev: int = 0) -> Iterator[tuple[int, int, int]]:
        """The row elements from ``pos`` (the first row, or a numbered row's start) down, numbered as the
        index numbers them (``prev``: the number of the row before ``pos``)."""
        for rm in ROW_RE.finditer(self.inner, pos):
            om = ROW_OPEN_RE.match(self.inner, rm.start())
            a = attrs(om.group(1)) if om else {}
            r = int(a["r"]) if a.get("r", "").isdigit() else prev + 1
            yield r, rm.start(), rm.end()
            prev = r

    # -- reading --------------------------------------------------------------------------------------
    def _parse_row(self, r: int) -> RowState:
        span = self._span(r)
        if span is None:
            return RowState(r)
        start, end = span
        text = self.inner[start:end]
        om = ROW_OPEN_RE.match(text)
        assert om is not None
        a_text = om.group(1)
        a = attrs(a_text)
        keep = " ".join(m.group(0) for m in ATTR_RE.finditer(a_text) if m.group(1) not in ("r", "spans"))
        style = int(a["s"]) if a.get("customFormat") in ("1", "true") and a.get("s", "").isdigit() else None
        state = RowState(r, keep, {}, style)
        if not om.group(2):
            prev = 0
            for cm in CELL_RE.finditer(text, om.end()):
                cell = cm.group(0)
                rm = R_ATTR_RE.search(cm.group(1))
                if rm and rm.group(1):
                    col = col_number(rm.group(1))
                else:
                    col = prev + 1
                    # give the cell an explicit reference so inserting a neighbour cannot shift it
                    om2 = re.match(rf"<({_P})c\b", cell)
                    if om2 is not None:
                        cell = f'<{om2.group(1)}c r="{column_letters(col)}{r}"' + cell[om2.end():]
                state.cells[col] = cell
                prev = col
        return state

    def row(self, r: int) -> RowState:
        """The row ``r`` for editing (parsed once; a new empty row when it does not exist)."""
        st = self.edited.get(r)
        if st is None:
            st = self._parsed.pop(r, None) or self._parse_row(r)
            self.edited[r] = st
        return st

    def get_cell(self, r: int, c: int) -> str | None:
        """The current ``<c>`` text at (r, c), or None."""
        st = self.edited.get(r)
        if st is not None:
            return st.cells.get(c)
        if r not in self._parsed and self._span(r) is None:
            return None
        parsed = self._parsed.get(r)
        if parsed is None:
            parsed = self._parsed[r] = self._parse_row(r)
        return parsed.cells.get(c)

    def cells_of(self, r: int) -> dict[int, str]:
        """The current cells of row ``r`` by column, for reading (the row is not marked as edited)."""
        st = self.edited.get(r)
        if st is not None:
            return st.cells
        if r not in self._parsed and self._span(r) is None:
            return {}
        parsed = self._parsed.get(r)
        if parsed is None:
            parsed = self._parsed[r] = self._parse_row(r)
        return parsed.cells

    def row_numbers(self) -> list[int]:
        """Every row the sheet has (written or edited), in order."""
        return sorted(set(self.row_pos) | set(self.edited))

    def row_numbers_in(self, lo: int, hi: int) -> list[int]:
        """The rows numbered ``lo`` to ``hi`` the sheet has (written or edited), in order; only those looked at."""
        found = {r for r in self.edited if lo <= r <= hi}
        if self._rows is not None:
            found.update(r for r in self._row_pos if lo <= r <= hi)
            return sorted(found)
        try:
            first = self._first_from(lo)
            if first is not None:
                for r, _s, _e in self._forward(first[1], first[0] - 1):
                    if r > hi:
                        break
                    found.add(r)
        except _Unnumbered:
            self._index()
            return self.row_numbers_in(lo, hi)
        return sorted(found)

    def move_rows_down(self, at: int, n: int, fix: Callable[[str, int], str]) -> None:
        """Move every row from ``at`` down by ``n`` (an insert); ``fix(cell_xml, new_row)`` rewrites each
        moved cell (its reference and formulas). The rows from ``at`` to ``at + n - 1`` are left empty."""
        src = [r for r in self.row_numbers() if r >= at]
        moved: dict[int, RowState] = {}
        for r in src:
            st = self.row(r)
            moved[r + n] = RowState(r + n, st.attr_text, {c: fix(x, r + n) for c, x in st.cells.items()}, st.style)
        for r in src:
            self.edited[r] = RowState(r, drop=True)
        self.edited.update(moved)
        for r, st in moved.items():
            if st.cells:
                lo, hi = min(st.cells), max(st.cells)
                self.min_written = (r, lo) if self.min_written is None else (
                    min(self.min_written[0], r), min(self.min_written[1], lo))
                self.max_written = (r, hi) if self.max_written is None else (
                    max(self.max_written[0], r), max(self.max_written[1], hi))
        self._last_value = None

    def row_style(self, r: int) -> int | None:
        """The row's own format when it has one (customFormat)."""
        st = self.edited.get(r)
        return st.style if st is not None else self._parse_row(r).style

    def col_style(self, c: int) -> int:
        """The column's default format from ``<cols>`` (0 when none)."""
        if self._col_styles is None:
            self._col_styles = []
            cols = re.search(rf"<{_P}cols\b[^>]*>(.*?)</{_P}cols>", self.head, re.S)
            if cols:
                for cm in re.finditer(rf"<{_P}col\b([^>]*?)/?>", cols.group(1)):
                    a = attrs(cm.group(1))
                    if a.get("min", "").isdigit() and a.get("max", "").isdigit() and a.get("style", "").isdigit():
                        self._col_styles.append((int(a["min"]), int(a["max"]), int(a["style"])))
        for lo, hi, s in self._col_styles:
            if lo <= c <= hi:
                return s
        return 0

    def _row_has_value(self, r: int) -> bool:
        st = self.edited.get(r)
        if st is not None:
            return any(cell_has_value(x) for x in st.cells.values())
        span = self._span(r)
        return span is not None and HAS_VALUE_RE.search(self.inner, span[0], span[1]) is not None

    def _element_has_value(self, r: int, start: int, end: int) -> bool:
        st = self.edited.get(r)
        if st is not None:
            return any(cell_has_value(x) for x in st.cells.values())
        return HAS_VALUE_RE.search(self.inner, start, end) is not None

    def _new_rows_with_value(self) -> list[int]:
        """Edited rows the sheet did not have, that hold a value."""
        return [r for r, st in self.edited.items() if self._span(r) is None
                and any(cell_has_value(x) for x in st.cells.values())]

    def last_value_row(self) -> int:
        """The last row that has any value (0 for an empty sheet), looking back from the sheet's end."""
        if self._last_value is None:
            if self._rows is not None:
                candidates = sorted(set(self._row_pos) | set(self.edited), reverse=True)
                self._last_value = next((r for r in candidates if self._row_has_value(r)), 0)
            else:
                try:
                    found = next((r for r, s, e in self._backward() if self._element_has_value(r, s, e)), 0)
                except _Unnumbered:
                    self._index()
                    return self.last_value_row()
                self._last_value = max([found, *self._new_rows_with_value()])
        return self._last_value

    def first_value_row(self) -> int:
        """The first row that has any value (the header row of a poflow tab; 0 for an empty sheet)."""
        if self._rows is not None:
            candidates = sorted(set(self._row_pos) | set(self.edited))
            return next((r for r in candidates if self._row_has_value(r)), 0)
        found = next((r for r, s, e in self._forward() if self._element_has_value(r, s, e)), 0)
        new = self._new_rows_with_value()
        return min([found, *new]) if found and new else found or min(new, default=0)

    def iter_formula_cells(self, marker: str) -> list[tuple[int, int, str]]:
        """(row, col, cell text) of every cell whose text contains ``marker`` (e.g. ``t="array"``)."""
        out: list[tuple[int, int, str]] = []
        if marker not in self._markers:
            self._markers[marker] = marker in self.inner
        if not self._markers[marker]:
            return out  # poflow never writes array formulas, so the original text decides
        rows, row_pos = self._index()
        for r in sorted(set(row_pos) | set(self.edited)):
            st = self.edited.get(r)
            if st is None:
                idx = row_pos[r]
                _, start, end = rows[idx]
                if self.inner.find(marker, start, end) < 0:
                    continue
                st = self._parse_row(r)
            out.extend((r, c, x) for c, x in st.cells.items() if marker in x)
        return out

    # -- writing --------------------------------------------------------------------------------------
    def set_cell(self, r: int, c: int, cell_xml: str | None) -> None:
        """Replace (or with None remove) the cell at (r, c)."""
        st = self.row(r)
        if cell_xml is None:
            st.cells.pop(c, None)
        else:
            st.cells[c] = cell_xml
            lo = self.min_written
            self.min_written = (r, c) if lo is None else (min(lo[0], r), min(lo[1], c))
            hi = self.max_written
            self.max_written = (r, c) if hi is None else (max(hi[0], r), max(hi[1], c))
        self._last_value = None

    def _row_text(self, st: RowState) -> str:
        p = self.prefix
        if st.drop and not st.cells:
            return ""
        head = f'<{p}row r="{st.r}"' + (f" {st.attr_text}" if st.attr_text else "")
        if not st.cells:
            return head + "/>"
        return head + ">" + "".join(st.cells[c] for c in sorted(st.cells)) + f"</{p}row>"

    def text(self) -> str:
        """The worksheet XML with the edits spliced in."""
        if not self.edited:
            return self.original
        if self._rows is None:
            try:
                return "".join([self._fix_dimension(self.head), *self._spliced(), self.tail])
            except _Unnumbered:
                self._index()
        new_rows = sorted(r for r in self.edited if r not in self._row_pos)
        pieces: list[str] = [self.head]
        pos = 0
        k = 0
        for r, start, end in self.rows:
            while k < len(new_rows) and new_rows[k] < r:
                pieces.append(self._row_text(self.edited[new_rows[k]]))
                k += 1
            pieces.append(self.inner[pos:start])
            st = self.edited.get(r)
            pieces.append(self._row_text(st) if st is not None else self.inner[start:end])
            pos = end
        while k < len(new_rows):
            pieces.append(self._row_text(self.edited[new_rows[k]]))
            k += 1
        pieces.append(self.inner[pos:])
        pieces[0] = self._fix_dimension(self.head)
        pieces.append(self.tail)
        return "".join(pieces)

    def _spliced(self) -> list[str]:
        """``inner`` (in pieces) with the edited rows replaced and the new ones inserted, only the edited rows
        looked up.

        A new row goes right after the last row numbered below it (before the text between two rows), as
        the indexed path puts it."""
        cuts: list[tuple[int, int, int]] = []  # (start, end, row number) of each piece of inner replaced
        after: tuple[int, int, int] | None = None  # the first row numbered above the new row at hand
        at = -1  # where new rows below `after` go
        for r in sorted(self.edited):
            span = self._span(r)
            if span is not None:
                cuts.append((span[0], span[1], r))
                continue
            if at < 0 or (after is not None and after[0] < r):
                after = self._first_from(r)
                before = self._row_before(after[1]) if after is not None else self._last()
                at = before[2] if before is not None else 0
            cuts.append((at, at, r))
        cuts.sort()
        pieces: list[str] = []
        pos = 0
        for start, end, r in cuts:
            pieces.append(self.inner[pos:start])
            pieces.append(self._row_text(self.edited[r]))
            pos = end
        pieces.append(self.inner[pos:])
        return pieces

    def _fix_dimension(self, text: str) -> str:
        """The head (the text before the rows) with `<dimension>` grown over the cells written."""
        if self.min_written is None or self.max_written is None:
            return text
        m = re.search(rf"<{_P}dimension\b[^>]*?\bref\s*=\s*\"([^\"]*)\"", text)
        if not m:
            return text
        try:
            r1, c1, r2, c2 = parse_range(m.group(1))
        except ValueError:
            return text
        lo, hi = self.min_written, self.max_written
        if m.group(1) == "A1" and self.last_value_row() and not self.original_has_values():
            r1, c1, r2, c2 = lo[0], lo[1], hi[0], hi[1]
        else:
            r1, c1, r2, c2 = min(r1, lo[0]), min(c1, lo[1]), max(r2, hi[0]), max(c2, hi[1])
        return text[: m.start(1)] + format_range(r1, c1, r2, c2) + text[m.end(1):]

    def original_has_values(self) -> bool:
        """True when the sheet had any value before the edits."""
        return HAS_VALUE_RE.search(self.inner) is not None

    def replace_in_tail(self, pattern: str, repl: str) -> None:
        """Regex substitution outside sheetData, after it (autoFilter, tableParts, ...)."""
        self.tail = re.sub(pattern, repl, self.tail, count=1)


def check_bounds(r: int, c: int) -> None:
    """Refuse a cell outside Excel's grid."""
    if not (1 <= r <= MAX_ROW and 1 <= c <= MAX_COL):
        raise Refused(f"cell row {r}, column {c} is outside the sheet (rows 1-{MAX_ROW}, columns 1-{MAX_COL})")
