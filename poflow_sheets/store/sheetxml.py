"""Surgery on one worksheet's XML text: rows and cells are edited in place, everything else kept as is.

A worksheet can hold 100,000 rows; building a DOM for it is slow and risks changing what poflow does not
own. The editor indexes ``<row>`` elements with a regular expression, parses only the rows it touches and
splices them back, so untouched rows (and every element outside ``<sheetData>``) keep their exact text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from poflow_sheets.errors import Refused

MAX_ROW = 1_048_576
MAX_COL = 16_384

_P = r"(?:[A-Za-z_][\w.-]*:)?"  # an optional namespace prefix
ROW_RE = re.compile(rf"<{_P}row\b[^>]*?(?:/>|>.*?</{_P}row>)", re.S)
ROW_OPEN_RE = re.compile(rf"<{_P}row\b([^>]*?)(/?)>", re.S)
CELL_RE = re.compile(rf"<{_P}c\b([^>]*?)(?:/>|>(.*?)</{_P}c>)", re.S)
ATTR_RE = re.compile(r"([\w:.-]+)\s*=\s*(?:\"([^\"]*)\"|'([^']*)')")
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
            close = text.find(f"</{self.prefix}sheetData>", m.end())
            if close < 0:
                raise Refused(f"{part}: unterminated <sheetData>")
            self.head, self.inner, self.tail = text[: m.end()], text[m.end(): close], text[close:]
        self.rows: list[tuple[int, int, int]] = []
        self.row_pos: dict[int, int] = {}
        prev = 0
        for rm in ROW_RE.finditer(self.inner):
            om = ROW_OPEN_RE.match(self.inner, rm.start())
            a = attrs(om.group(1)) if om else {}
            r = int(a["r"]) if a.get("r", "").isdigit() else prev + 1
            self.row_pos.setdefault(r, len(self.rows))
            self.rows.append((r, rm.start(), rm.end()))
            prev = r
        self.edited: dict[int, RowState] = {}
        self.min_written: tuple[int, int] | None = None
        self.max_written: tuple[int, int] | None = None
        self._last_value: int | None = None
        self._col_styles: list[tuple[int, int, int]] | None = None
        self._markers: dict[str, bool] = {}
        self._parsed: dict[int, RowState] = {}  # rows parsed for reading, not (yet) edited

    # -- reading --------------------------------------------------------------------------------------
    def _parse_row(self, r: int) -> RowState:
        idx = self.row_pos.get(r)
        if idx is None:
            return RowState(r)
        _, start, end = self.rows[idx]
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
        if r not in self.row_pos:
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
        if r not in self.row_pos:
            return {}
        parsed = self._parsed.get(r)
        if parsed is None:
            parsed = self._parsed[r] = self._parse_row(r)
        return parsed.cells

    def row_numbers(self) -> list[int]:
        """Every row the sheet has (written or edited), in order."""
        return sorted(set(self.row_pos) | set(self.edited))

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
        return st.style if st is not None else (self._parse_row(r).style if r in self.row_pos else None)

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
        idx = self.row_pos.get(r)
        if idx is None:
            return False
        _, start, end = self.rows[idx]
        return HAS_VALUE_RE.search(self.inner, start, end) is not None

    def last_value_row(self) -> int:
        """The last row that has any value (0 for an empty sheet)."""
        if self._last_value is None:
            candidates = sorted(set(self.row_pos) | set(self.edited), reverse=True)
            self._last_value = next((r for r in candidates if self._row_has_value(r)), 0)
        return self._last_value

    def first_value_row(self) -> int:
        """The first row that has any value (the header row of a poflow tab; 0 for an empty sheet)."""
        candidates = sorted(set(self.row_pos) | set(self.edited))
        return next((r for r in candidates if self._row_has_value(r)), 0)

    def iter_formula_cells(self, marker: str) -> list[tuple[int, int, str]]:
        """(row, col, cell text) of every cell whose text contains ``marker`` (e.g. ``t="array"``)."""
        out: list[tuple[int, int, str]] = []
        if marker not in self._markers:
            self._markers[marker] = marker in self.inner
        if not self._markers[marker]:
            return out  # poflow never writes array formulas, so the original text decides
        for r in sorted(set(self.row_pos) | set(self.edited)):
            st = self.edited.get(r)
            if st is None:
                idx = self.row_pos[r]
                _, start, end = self.rows[idx]
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
        new_rows = sorted(r for r in self.edited if r not in self.row_pos)
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
        tail = self.tail
        head_text = "".join(pieces)
        return self._fix_dimension(head_text) + tail

    def _fix_dimension(self, text: str) -> str:
        if self.min_written is None or self.max_written is None:
            return text
        m = re.search(rf"<{_P}dimension\b[^>]*?\bref\s*=\s*\"([^\"]*)\"", text[: len(self.head)])
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
