"""Read a worksheet back as the `AddSheet` that would write it again: how a printable document tab moves
from the book to its documents workbook without losing anything.

The values come from calamine (as every read does); the formatting from the sheet's own XML: per cell the
little poflow ever sets (`Styled`: bold, number format, wrap, font size, read from the cell's `s=` through
styles.xml), the column widths from `<cols>`, the page setup (fit to width, orientation, header, footer).
A tab holding anything an `AddSheet` cannot write again is refused with the reason (`NotCarried`):
formulas, merged cells, drawings, comments, pictures, tables, links, validation, conditional formats, rich
text, hidden or custom-height rows, a font, fill, border or alignment other than bold/size/wrap, a filter,
protection, page breaks. What is not carried and is no part of what prints or shows in a cell: the window
state (selection, zoom, frozen panes), the printer's own settings and paper size, the page margins.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from lxml import etree

from poflow_sheets.errors import Refused, WorkbookUnreadable
from poflow_sheets.store.edits import AddSheet, AnyValue, CellValue, PrintSetup, Styled
from poflow_sheets.store.sheetxml import parse_ref
from poflow_sheets.store.styles import MAIN_NS, canonical, parse_part
from poflow_sheets.store.xlsx_patch import T_STYLES, Package
from poflow_sheets.store.xlsx_read import open_workbook
from poflow_sheets.store.xlsx_remove import sheets_referenced

_N = f"{{{MAIN_NS}}}"
MAX_PART = 4 << 20  # a printable document is a page or a few: a larger sheet is not one
DEFAULT_WIDTH = 8.43  # Excel's width of a column that sets none

# what a worksheet element outside the cells carries, when an AddSheet cannot write it again
_NOT_CARRIED = {
    "mergeCells": "merged cells", "drawing": "a drawing or picture", "legacyDrawing": "comments",
    "legacyDrawingHF": "a picture in the header", "picture": "a background picture", "oleObjects": "embedded objects",
    "controls": "form controls", "dataValidations": "data validation", "conditionalFormatting": "conditional formats",
    "hyperlinks": "links", "tableParts": "an Excel table", "sheetProtection": "protection",
    "protectedRanges": "protected ranges", "autoFilter": "a filter", "sortState": "a sort", "rowBreaks": "page breaks",
    "colBreaks": "page breaks", "extLst": "Excel extensions (newer formats, validation or sparklines)",
    "customSheetViews": "custom views", "scenarios": "scenarios", "dataConsolidate": "a consolidation",
    "cellWatches": "cell watches", "smartTags": "smart tags", "webPublishItems": "web publishing",
    "sheetCalcPr": "calculation settings",
}
# an alignment attribute at its default value changes nothing (LibreOffice writes them all out)
_ALIGN_DEFAULT = {"horizontal": "general", "vertical": "bottom", "textRotation": "0", "indent": "0",
                  "relativeIndent": "0", "shrinkToFit": "false", "justifyLastLine": "false", "readingOrder": "0"}
_CARRIED_OR_VIEW = {"sheetPr", "dimension", "sheetViews", "sheetFormatPr", "cols", "sheetData", "printOptions",
                    "pageMargins", "pageSetup", "headerFooter", "ignoredErrors", "phoneticPr"}


class NotCarried(Refused):
    """A tab holds something an AddSheet cannot write again; it stays where it is."""


@dataclass(frozen=True)
class _Look:
    bold: bool = False
    num_format: str | None = None
    wrap: bool = False
    size: float | None = None

    def plain(self) -> bool:
        return not (self.bold or self.num_format or self.wrap or self.size is not None)


def _local(el: etree._Element) -> str:
    return etree.QName(el).localname if isinstance(el.tag, str) else ""


def _key(el: etree._Element | None, drop: tuple[str, ...] = ()) -> bytes:
    """A canonical form of a style element (attribute order, whitespace and `drop`ped children ignored)."""
    return b"" if el is None else canonical(el, drop, no_layout_text=True)


def _true(v: str | None) -> bool:
    return (v or "").strip().lower() in ("1", "true")


class _Styles:
    """The cell formats of a workbook, read as what `Styled` expresses (or why it cannot)."""

    def __init__(self, data: bytes | None, label: str) -> None:
        root = parse_part(data, label, "styles.xml") if data else None

        def items(cont: str, item: str) -> list[etree._Element]:
            c = root.find(_N + cont) if root is not None else None
            return [] if c is None else c.findall(_N + item)

        self.xfs = items("cellXfs", "xf")
        self.fonts = items("fonts", "font")
        self.fills = items("fills", "fill")
        self.borders = items("borders", "border")
        self.codes = {nf.get("numFmtId", ""): nf.get("formatCode") or "" for nf in items("numFmts", "numFmt")}
        font0 = self.fonts[0] if self.fonts else None
        self.font0 = _key(font0, ("b", "sz"))
        sz = font0.find(_N + "sz") if font0 is not None else None
        self.size0 = float(sz.get("val", "11")) if sz is not None else 11.0
        self.fill0 = _key(self.fills[0]) if self.fills else b""
        self.border0 = _key(self.borders[0]) if self.borders else b""
        self._cache: dict[int, _Look | str] = {}

    def look(self, s: int) -> _Look | str:
        """What cell format `s` shows, as Styled's fields; a str saying what it has beyond them."""
        if s not in self._cache:
            self._cache[s] = self._look(s)
        return self._cache[s]

    def _code(self, fid: str) -> str | None:
        from openpyxl.styles.numbers import BUILTIN_FORMATS

        if fid in self.codes:
            code: str | None = self.codes[fid]
        else:
            code = BUILTIN_FORMATS.get(int(fid)) if fid.isdigit() else None
        return None if not code or code == "General" else code

    def _look(self, s: int) -> _Look | str:
        if s == 0 and not self.xfs:
            return _Look()
        if not 0 <= s < len(self.xfs):
            return f"a cell format ({s}) styles.xml does not have"
        xf = self.xfs[s]
        if xf.get("xfId", "0") != "0":
            return "a named cell style"
        fill, border = int(xf.get("fillId", "0") or 0), int(xf.get("borderId", "0") or 0)
        if fill and (fill >= len(self.fills) or _key(self.fills[fill]) != self.fill0):
            return "a fill colour"
        if border and (border >= len(self.borders) or _key(self.borders[border]) != self.border0):
            return "borders"
        font_id = int(xf.get("fontId", "0") or 0)
        bold, size = False, None
        if font_id:
            if font_id >= len(self.fonts):
                return f"a font ({font_id}) styles.xml does not have"
            font = self.fonts[font_id]
            if _key(font, ("b", "sz")) != self.font0:
                return "a font other than bold or a size (a colour, italics, another typeface)"
            b = font.find(_N + "b")
            bold = b is not None and b.get("val", "1").strip().lower() not in ("0", "false")
            sz = font.find(_N + "sz")
            if sz is not None and float(sz.get("val", "0")) != self.size0:
                size = float(sz.get("val", "0"))
        wrap = False
        align = xf.find(_N + "alignment")
        if align is not None:
            extra = sorted(k for k, v in align.attrib.items() if k != "wrapText" and _ALIGN_DEFAULT.get(k) != v.lower())
            if extra:
                return f"an alignment ({', '.join(extra)})"
            wrap = _true(align.get("wrapText"))
        return _Look(bold, self._code(xf.get("numFmtId", "0")), wrap, size)


def _value(v: Any) -> CellValue:
    """A value as calamine read it, as the patcher writes it (numbers exact as typed, money Decimal)."""
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, float):
        return int(v) if v.is_integer() else Decimal(repr(v))
    if isinstance(v, int | str | date | datetime):
        return None if v == "" else v
    raise NotCarried(f"a value poflow does not write again ({type(v).__name__})")


def _cell_col(c: etree._Element, prev: int) -> tuple[int, int | None]:
    ref = c.get("r")
    if ref:
        try:
            r, col = parse_ref(ref)
        except ValueError:
            return prev + 1, None
        return col, r
    return prev + 1, None


class SheetCopier:
    """A workbook opened to read tabs back as AddSheets (calamine for the values, the XML for the rest)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._zip = zipfile.ZipFile(self.path)
        try:
            self.pkg = Package(self._zip, self.path.name)
            self._book = open_workbook(self.path)
        except BaseException:
            self._zip.close()
            raise
        styles = None
        for rel in self.pkg.wb_rels:
            if rel.get("Type") == T_STYLES:
                part = self.pkg.resolve(self.pkg.wb_part, rel.get("Target", ""))
                if self.pkg.exists(part):
                    styles = self.pkg.read(part)
        self.styles = _Styles(styles, self.path.name)
        self._rich: set[int] | None = None

    def __enter__(self) -> SheetCopier:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Release the file."""
        self._book.close()
        self._zip.close()

    def referenced(self, names: list[str]) -> set[str]:
        """Which of these tabs (casefolded) a formula, chart, pivot table or name elsewhere refers to."""
        return sheets_referenced(self.pkg, names)

    def _rich_strings(self) -> set[int]:
        """Indexes of shared strings with formatted runs (rich text)."""
        if self._rich is None:
            self._rich = set()
            for rel in self.pkg.wb_rels:
                if (rel.get("Type") or "").endswith("/sharedStrings"):
                    part = self.pkg.resolve(self.pkg.wb_part, rel.get("Target", ""))
                    if not self.pkg.exists(part):
                        continue
                    with self._zip.open(self.pkg.names[part.lower()]) as fh:
                        for i, (_, el) in enumerate(etree.iterparse(fh, events=("end",), tag=f"{_N}si")):
                            if el.find(_N + "r") is not None:
                                self._rich.add(i)
                            el.clear()
        return self._rich

    def copy(self, name: str) -> AddSheet:
        """The tab as the AddSheet that writes it again; NotCarried (with the reason) when it cannot."""
        found = self.pkg.find_sheet(name)
        if found is None:
            raise WorkbookUnreadable(f"{self.path.name}: no tab named {name!r}")
        _idx, el = found
        title = el.get("name") or name
        if el.get("state", "visible") != "visible":
            raise NotCarried(f"tab {title!r} is hidden")
        part, rtype = self.pkg.sheet_part(el)
        if not rtype.endswith("/worksheet"):
            raise NotCarried(f"tab {title!r} is not a worksheet")
        rels = self.pkg.rels_of(part)
        if self.pkg.exists(rels):
            for rel in self.pkg.xml(rels):
                kind = (rel.get("Type") or "").rsplit("/", 1)[-1]
                if kind != "printerSettings":
                    raise NotCarried(f"tab {title!r} has {_NOT_CARRIED.get(kind, kind)} ({kind})")
        real = self.pkg.names.get(part.lower(), part)
        if self._zip.getinfo(real).file_size > MAX_PART:
            raise NotCarried(f"tab {title!r} is larger than a printable document")
        root = parse_part(self.pkg.read(part), self.path.name, part)
        looks, height = self._cells(title, root)
        widths = self._widths(title, root)
        print_setup = self._print_setup(title, root)
        try:
            values = self._book.get_sheet_by_name(title).to_python(skip_empty_area=False)
        except Exception as exc:  # calamine raises several types; all mean the same here
            raise WorkbookUnreadable(f"{self.path.name}: tab {title!r} cannot be read ({exc})") from None
        rows: list[tuple[AnyValue, ...]] = []
        for r in range(1, max(len(values), height) + 1):
            raw = values[r - 1] if r - 1 < len(values) else []
            width = max(len(raw), max((c for (rr, c) in looks if rr == r), default=0))
            out: list[AnyValue] = []
            for c in range(1, width + 1):
                try:
                    v: CellValue = _value(raw[c - 1]) if c - 1 < len(raw) else None
                except NotCarried as exc:
                    raise NotCarried(f"tab {title!r} has {exc}") from None
                look = looks.get((r, c))
                out.append(Styled(v, look.bold, look.num_format, look.wrap, look.size)
                           if look is not None and not look.plain() else v)
            while out and out[-1] is None:
                out.pop()
            rows.append(tuple(out))
        while rows and not rows[-1]:
            rows.pop()
        return AddSheet(title, tuple(rows), widths, if_missing=True, print_setup=print_setup)

    def _cells(self, title: str, root: etree._Element) -> tuple[dict[tuple[int, int], _Look], int]:
        """Each styled cell's look; the last row that has a cell. Refuses what a cell holds beyond a value."""
        for child in root:
            ln = _local(child)
            if ln in _NOT_CARRIED:
                raise NotCarried(f"tab {title!r} has {_NOT_CARRIED[ln]}")
            if ln and ln not in _CARRIED_OR_VIEW:
                raise NotCarried(f"tab {title!r} has <{ln}>, which poflow does not copy")
        pr = root.find(_N + "sheetPr")
        if pr is not None:
            if pr.find(_N + "tabColor") is not None:
                raise NotCarried(f"tab {title!r} has a tab colour")
            if _true(pr.get("filterMode")):
                raise NotCarried(f"tab {title!r} has a filter")
        looks: dict[tuple[int, int], _Look] = {}
        last = 0
        data = root.find(_N + "sheetData")
        prev_r = 0
        for row in data if data is not None else ():
            if _local(row) != "row":
                continue
            r = int(row.get("r")) if (row.get("r") or "").isdigit() else prev_r + 1
            prev_r = r
            if _true(row.get("hidden")) or _true(row.get("customHeight")) or int(row.get("outlineLevel", "0") or 0):
                raise NotCarried(f"tab {title!r} has a hidden, grouped or custom-height row ({r})")
            if _true(row.get("customFormat")) and row.get("s", "0") != "0":
                raise NotCarried(f"tab {title!r} has a formatted row ({r})")
            prev_c = 0
            for c in row:
                if _local(c) != "c":
                    continue
                col, _ = _cell_col(c, prev_c)
                prev_c = col
                where = f"tab {title!r} cell {c.get('r') or col}"
                if c.find(_N + "f") is not None:
                    raise NotCarried(f"{where} has a formula")
                t = c.get("t", "n")
                if t == "e":
                    raise NotCarried(f"{where} holds an error value")
                inline = c.find(_N + "is")
                if inline is not None and inline.find(_N + "r") is not None:
                    raise NotCarried(f"{where} has rich text (formatted runs)")
                if t == "s":
                    v = c.findtext(_N + "v") or ""
                    if v.isdigit() and int(v) in self._rich_strings():
                        raise NotCarried(f"{where} has rich text (formatted runs)")
                s = int(c.get("s", "0") or 0) if (c.get("s", "0") or "0").isdigit() else 0
                look = self.styles.look(s)
                if isinstance(look, str):
                    raise NotCarried(f"{where} has {look}")
                if not look.plain():
                    looks[(r, col)] = look
                last = max(last, r)
        return looks, last

    def _widths(self, title: str, root: etree._Element) -> tuple[float, ...]:
        cols = root.find(_N + "cols")
        if cols is None:
            return ()
        fmt = root.find(_N + "sheetFormatPr")
        default = float(fmt.get("defaultColWidth")) if fmt is not None and fmt.get("defaultColWidth") else DEFAULT_WIDTH
        widths: dict[int, float] = {}
        for col in cols.findall(_N + "col"):
            lo, hi = int(col.get("min", "1")), int(col.get("max", "1"))
            if _true(col.get("hidden")) or int(col.get("outlineLevel", "0") or 0):
                raise NotCarried(f"tab {title!r} has hidden or grouped columns")
            if col.get("style", "0") not in ("0", ""):
                look = self.styles.look(int(col.get("style", "0")))
                if not isinstance(look, _Look) or not look.plain():
                    raise NotCarried(f"tab {title!r} has formatted columns")
            if not col.get("width"):
                continue
            for k in range(lo, min(hi, lo + 255, 256) + 1):
                widths[k] = float(col.get("width", str(default)))
        if not widths:
            return ()
        return tuple(widths.get(k, default) for k in range(1, max(widths) + 1))

    def _print_setup(self, title: str, root: etree._Element) -> PrintSetup | None:
        setup = root.find(_N + "pageSetup")
        hf = root.find(_N + "headerFooter")
        fit_el = root.find(f"{_N}sheetPr/{_N}pageSetUpPr")
        fit = fit_el is not None and _true(fit_el.get("fitToPage"))
        if setup is None and hf is None and not fit:
            return None
        header = footer = ""
        if hf is not None:
            if _true(hf.get("differentOddEven")) or _true(hf.get("differentFirst")):
                raise NotCarried(f"tab {title!r} has different headers on odd, even or first pages")
            for child in hf:
                ln = _local(child)
                if ln == "oddHeader":
                    header = child.text or ""
                elif ln == "oddFooter":
                    footer = child.text or ""
                elif ln:
                    raise NotCarried(f"tab {title!r} has a {ln} (only one header and footer are copied)")
        landscape = setup is not None and setup.get("orientation") == "landscape"
        return PrintSetup(fit_width=fit, landscape=landscape, header=header, footer=footer)


__all__ = ["NotCarried", "SheetCopier"]
