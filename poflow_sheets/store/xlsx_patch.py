"""The lossless .xlsx patcher: change the cells poflow owns, copy every other byte of the package.

openpyxl load-and-save drops drawings, pivot caches and more, so it is never used for writing. Instead the
package (a zip) is rewritten member by member: parts poflow does not need to touch are copied as raw
compressed bytes; touched worksheets are edited as text (see ``sheetxml``); small parts (workbook.xml, its
relationships, [Content_Types].xml, styles.xml, tables) are edited with lxml, which keeps namespaces,
``mc:Ignorable`` and ``extLst`` as they were.
"""

from __future__ import annotations

import html
import posixpath
import re
import zipfile
import zlib
from collections.abc import Callable, Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from lxml import etree

from poflow_sheets.errors import Refused, WorkbookUnreadable
from poflow_sheets.limits import check_directory, limits
from poflow_sheets.store.edits import (
    AddSheet,
    AnyValue,
    AppendRows,
    Edit,
    Formula,
    PatchResult,
    SetCell,
    Styled,
)
from poflow_sheets.store.inert import looks_like_formula
from poflow_sheets.store.rowshift import AGGREGATE, Shift
from poflow_sheets.store.sheetxml import (
    _P,
    F_RE,
    SheetEditor,
    attrs,
    cell_has_value,
    cell_style,
    check_bounds,
    column_letters,
    format_range,
    parse_range,
    parse_ref,
)
from poflow_sheets.store.styles import DATE_FORMAT, DATETIME_FORMAT, XML_DECL, StyleBook, parse_part
from poflow_sheets.store.zipcopy import copy_file, rewrite_zip
from poflow_sheets.store.zipdir import open_zip, remembered

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
EP_NS = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
VT_NS = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
RT = REL_NS  # relationship types live under this URI
R_ID = f"{{{REL_NS}}}id"
T_WORKSHEET = RT + "/worksheet"
T_TABLE = RT + "/table"
T_STYLES = RT + "/styles"
T_CALCCHAIN = RT + "/calcChain"
T_OFFICEDOC = RT + "/officeDocument"
CT_WORKSHEET = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
CT_TABLE = "application/vnd.openxmlformats-officedocument.spreadsheetml.table+xml"
CT_STYLES = "application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"
CT_RELS = "application/vnd.openxmlformats-package.relationships+xml"

WRITABLE_SUFFIXES = (".xlsx", ".xlsm")
MAX_TEXT = 32767
_INVALID_SHEET_CHARS = set("[]:*?/\\")
# Element order inside <workbook>; new children are inserted where they belong.
_WB_ORDER = ["fileVersion", "fileSharing", "workbookPr", "appleProperties", "workbookProtection", "bookViews",
             "sheets", "functionGroups", "externalReferences", "definedNames", "calcPr", "oleSize",
             "customWorkbookViews", "pivotCaches", "smartTagPr", "smartTagTypes", "webPublishing",
             "fileRecoveryPr", "webPublishObjects", "extLst"]


def _n(tag: str) -> str:
    return f"{{{MAIN_NS}}}{tag}"


def writable_format(path: Path) -> bool:
    """True for the formats poflow patches losslessly (.xlsx, .xlsm): the one rule every writer asks."""
    return path.suffix.lower() in WRITABLE_SUFFIXES


def refuse_unwritable(path: Path) -> None:
    """Refuse .xls, .ods and anything else poflow cannot patch losslessly, pointing at --output."""
    if not writable_format(path):
        raise Refused(f"{path}: poflow reads {path.suffix or 'this kind of'} files but writes only .xlsx and .xlsm; "
                      f"run again with --output {path.with_suffix('.xlsx').name} to write a new .xlsx copy")


# -- values ---------------------------------------------------------------------------------------------
_XML_BAD = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_ESCAPED_LOOKALIKE = re.compile(r"_(x[0-9A-Fa-f]{4}_)")


def xml_text(s: str) -> str:
    """Text for an element body: XML-escaped, CR kept, characters XML cannot hold as Excel's _xHHHH_."""
    s = _ESCAPED_LOOKALIKE.sub(r"_x005F_\1", s)
    s = s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    s = s.replace("\r", "&#13;")
    return _XML_BAD.sub(lambda m: f"_x{ord(m.group(0)):04X}_", s)


def excel_serial(value: date | datetime, date1904: bool) -> str:
    """A date or datetime as Excel's serial number text (exact, no float round-trip)."""
    d = value.date() if isinstance(value, datetime) else value
    if d < (date(1904, 1, 1) if date1904 else date(1900, 1, 1)):
        raise Refused(f"cannot write the date {d.isoformat()}: a spreadsheet stores no date before "
                      f"{1904 if date1904 else 1900} (it would read back as a time)")
    if date1904:
        days = (d - date(1904, 1, 1)).days
    elif d < date(1900, 3, 1):
        days = (d - date(1899, 12, 31)).days  # Excel's serials count a 29 Feb 1900 that never was
    else:
        days = (d - date(1899, 12, 30)).days
    if not isinstance(value, datetime):
        return str(days)
    secs = Decimal(value.hour * 3600 + value.minute * 60 + value.second) + Decimal(value.microsecond) / 10**6
    frac = (secs / Decimal(86400)).quantize(Decimal("1e-12"))
    text = format(Decimal(days) + frac, "f").rstrip("0").rstrip(".")
    return text or "0"


def number_text(value: int | Decimal) -> str:
    """A number as the exact decimal text Excel reads."""
    if isinstance(value, Decimal):
        if not value.is_finite():
            raise Refused(f"cannot write {value} as a number")
        text = str(value)
        return format(value, "f") if "E" in text or "e" in text else text
    return str(value)


class Package:
    """An .xlsx/.xlsm package opened for patching."""

    def __init__(self, zin: zipfile.ZipFile, label: str) -> None:
        self.zin = zin
        self.label = label
        self.names = {n.lower(): n for n in zin.namelist()}
        self.replaced: dict[str, bytes] = {}
        self.added: dict[str, bytes] = {}
        self.removed: set[str] = set()
        self._xml: dict[str, etree._Element] = {}
        self._dirty: set[str] = set()
        self.editors: dict[str, SheetEditor] = {}
        self._by_name: dict[str, tuple[str, int, SheetEditor]] = {}
        self._styles: StyleBook | None = None
        self.cells_written = 0
        self.sheets_added: list[str] = []
        self.sheets_removed: list[str] = []  # tabs taken out whole (store.xlsx_remove.remove_sheets)
        self.appended: list[tuple[str, int, int]] = []
        self.formulas_affected = False
        self.drop_calc_chain = False
        self.notes: list[str] = []
        if "[content_types].xml" not in self.names:
            raise WorkbookUnreadable(f"{label}: not an Excel workbook (no [Content_Types].xml)")
        root_rels = self.xml("_rels/.rels")
        wb = next((r.get("Target", "") for r in root_rels if r.get("Type") == T_OFFICEDOC), None)
        if wb is None:
            wb = next((r.get("Target", "") for r in root_rels if (r.get("Type") or "").endswith("/officeDocument")),
                      None)
        if not wb:
            raise WorkbookUnreadable(f"{label}: no workbook part in the package")
        self.wb_part = self.resolve("", wb)
        self.wb = self.xml(self.wb_part)
        if etree.QName(self.wb).namespace != MAIN_NS:
            raise Refused(f"{label}: workbook uses an XML dialect poflow does not patch (Strict Open XML?)")
        self.wb_rels_part = self.rels_of(self.wb_part)
        self.wb_rels = self.xml(self.wb_rels_part)
        pr = self.wb.find(_n("workbookPr"))
        self.date1904 = pr is not None and pr.get("date1904", "0").lower() in ("1", "true")

    # -- package plumbing ---------------------------------------------------------------------------------
    @staticmethod
    def resolve(base_part: str, target: str) -> str:
        """A relationship target as a part name (no leading slash)."""
        if target.startswith("/"):
            return target.lstrip("/")
        return posixpath.normpath(posixpath.join(posixpath.dirname(base_part), target))

    @staticmethod
    def rels_of(part: str) -> str:
        """The relationships part name of ``part``."""
        d, b = posixpath.split(part)
        return posixpath.join(d, "_rels", b + ".rels")

    def exists(self, part: str) -> bool:
        """True when the package has (or will have) ``part``."""
        return (part.lower() in self.names and self.names[part.lower()] not in self.removed) or part in self.added

    def read(self, part: str) -> bytes:
        """The current bytes of ``part``."""
        if part in self.added:
            return self.added[part]
        real = self.names.get(part.lower())
        if real is None:
            raise KeyError(part)
        if real in self.replaced:
            return self.replaced[real]
        try:
            return self.zin.read(real)  # inflated against its CRC: a reader may have read only its top
        except (zipfile.BadZipFile, EOFError, zlib.error, NotImplementedError) as exc:
            raise WorkbookUnreadable(f"{self.label}: the file is damaged or truncated ({' '.join(str(exc).split())});"
                                     " open it in Excel and save it again; nothing was written") from None

    def xml(self, part: str, *, create: bytes | None = None) -> etree._Element:
        """A small part parsed with lxml (cached; mark it with ``touch`` to have it written)."""
        if part not in self._xml:
            try:
                data = self.read(part)
            except KeyError:
                if create is None:
                    raise WorkbookUnreadable(f"{self.label}: missing part {part}") from None
                data = create
                self._dirty.add(part)
            self._xml[part] = parse_part(data, self.label, part)
        return self._xml[part]

    def touch(self, part: str) -> None:
        """Mark a parsed part as changed."""
        self._dirty.add(part)

    def put(self, part: str, data: bytes) -> None:
        """Set the bytes of a part (replacing an existing member or adding a new one)."""
        real = self.names.get(part.lower())
        if real is not None and real not in self.removed:
            self.replaced[real] = data
        else:
            self.added[part] = data

    def remove(self, part: str) -> None:
        """Drop a member from the package."""
        real = self.names.get(part.lower())
        if real is not None:
            self.removed.add(real)

    def new_rel_id(self, rels: etree._Element) -> str:
        """An unused relationship id in ``rels``."""
        used = {r.get("Id") for r in rels}
        n = len(used) + 1
        while f"rId{n}" in used:
            n += 1
        return f"rId{n}"

    def add_rel(self, rels_part: str, rel_type: str, target: str) -> str:
        """Add a relationship; returns its id."""
        rels = self.xml(rels_part, create=f'<Relationships xmlns="{PKG_REL_NS}"/>'.encode())
        rid = self.new_rel_id(rels)
        el = etree.SubElement(rels, f"{{{PKG_REL_NS}}}Relationship")
        el.set("Id", rid)
        el.set("Type", rel_type)
        el.set("Target", target)
        self.touch(rels_part)
        return rid

    def add_override(self, part: str, content_type: str) -> None:
        """Declare the content type of a new part."""
        ct = self.xml("[Content_Types].xml")
        el = etree.SubElement(ct, f"{{{CT_NS}}}Override")
        el.set("PartName", "/" + part)
        el.set("ContentType", content_type)
        self.touch("[Content_Types].xml")

    def unused_part(self, pattern: str) -> str:
        """The first ``pattern % n`` (n = 1, 2, ...) that is not a part yet (nor one removed in this patch)."""
        n = 1
        while self.exists(pattern % n) or self.names.get((pattern % n).lower()) in self.removed:
            n += 1
        return pattern % n

    # -- sheets --------------------------------------------------------------------------------------------
    def sheet_elements(self) -> list[etree._Element]:
        """The <sheet> entries of workbook.xml in tab order."""
        sheets = self.wb.find(_n("sheets"))
        return [] if sheets is None else sheets.findall(_n("sheet"))

    def find_sheet(self, name: str) -> tuple[int, etree._Element] | None:
        """(index, <sheet>) of the tab named ``name``, case ignored."""
        key = name.casefold()
        for i, el in enumerate(self.sheet_elements()):
            if (el.get("name") or "").casefold() == key:
                return i, el
        return None

    def sheet_part(self, el: etree._Element) -> tuple[str, str]:
        """(part name, relationship type) of a <sheet> entry."""
        rid = el.get(R_ID)
        for rel in self.wb_rels:
            if rel.get("Id") == rid:
                return self.resolve(self.wb_part, rel.get("Target", "")), rel.get("Type", "")
        raise WorkbookUnreadable(f"{self.label}: tab {el.get('name')!r} has no part")

    def editor(self, sheet: str) -> tuple[str, int, SheetEditor]:
        """(tab name as written, index, editor) of a worksheet, refusing chart sheets and unknown tabs."""
        cached = self._by_name.get(sheet.casefold())
        if cached is not None:
            return cached
        found = self.find_sheet(sheet)
        if found is None:
            raise Refused(f"{self.label}: no tab named {sheet!r}")
        idx, el = found
        part, rtype = self.sheet_part(el)
        if not rtype.endswith("/worksheet"):
            raise Refused(f"{self.label}: tab {el.get('name')!r} is not a worksheet")
        ed = self.editors.get(part)
        if ed is None:
            raw = self.read(part)
            try:
                text = raw.decode("utf-8-sig")
            except UnicodeDecodeError:
                raise Refused(f"{self.label}: {part} is not UTF-8; poflow does not patch it") from None
            ed = SheetEditor(part, text)
            self.editors[part] = ed
        out = (el.get("name") or sheet, idx, ed)
        self._by_name[sheet.casefold()] = out
        return out

    @property
    def styles(self) -> StyleBook:
        """xl/styles.xml opened for adding formats."""
        if self._styles is None:
            part = None
            for rel in self.wb_rels:
                if rel.get("Type") == T_STYLES:
                    part = self.resolve(self.wb_part, rel.get("Target", ""))
            if part is not None and self.exists(part):
                self._styles = StyleBook(self.read(part), self.label, part)
                self._styles_part = part
            else:
                self._styles = StyleBook(None)
                self._styles_part = posixpath.join(posixpath.dirname(self.wb_part), "styles.xml")
        return self._styles

    # -- cells ---------------------------------------------------------------------------------------------
    def cell_xml(self, r: int, c: int, value: AnyValue, base_s: int) -> str | None:
        """The ``<c>`` element for a value, its format derived from ``base_s``; None for an empty cell."""
        styled = value if isinstance(value, Styled) else None
        v = value.value if isinstance(value, Styled) else value
        num_format = styled.num_format if styled else None
        quote = False
        t = ""
        if v is None:
            inner = ""
        elif isinstance(v, bool):
            t, inner = "b", f"<v>{int(v)}</v>"
        elif isinstance(v, int | Decimal):
            inner = f"<v>{number_text(v)}</v>"
        elif isinstance(v, date):
            inner = f"<v>{excel_serial(v, self.date1904)}</v>"
            if num_format is None and not self.styles.is_date_xf(base_s):
                num_format = DATETIME_FORMAT if isinstance(v, datetime) else DATE_FORMAT
        elif isinstance(v, Formula):
            inner = f"<f>{xml_text(v.body())}</f>"
            self.formulas_affected = True
        elif isinstance(v, str):
            if len(v) > MAX_TEXT:
                raise Refused(f"text of {len(v)} characters does not fit in a cell (at most {MAX_TEXT})")
            quote = looks_like_formula(v)
            space = ' xml:space="preserve"' if v != v.strip() or "\n" in v else ""
            t, inner = "inlineStr", f"<is><t{space}>{xml_text(v)}</t></is>"
        else:
            raise TypeError(f"cannot write a {type(v).__name__} to a cell: {v!r}")
        s = base_s
        if styled is not None or num_format is not None or quote:
            s = self.styles.derive(
                base_s, num_format=num_format,
                bold=bool(styled and styled.bold), wrap=bool(styled and styled.wrap),
                size=styled.size if styled else None, quote_prefix=quote)
        if not inner and not s:
            return None
        p = ""
        s_attr = f' s="{s}"' if s else ""
        t_attr = f' t="{t}"' if t else ""
        ref = f"{column_letters(c)}{r}"
        if not inner:
            return f'<{p}c r="{ref}"{s_attr}/>'
        return f'<{p}c r="{ref}"{s_attr}{t_attr}>{inner}</{p}c>'

    def _prefixed(self, ed: SheetEditor, cell: str | None) -> str | None:
        if cell is None or not ed.prefix:
            return cell
        p = ed.prefix
        return re.sub(r"<(/?)(c|f|v|is|t)\b", lambda m: f"<{m.group(1)}{p}{m.group(2)}", cell)

    def _release_formula(self, ed: SheetEditor, r: int, c: int, old: str) -> None:
        """Before overwriting (r, c): keep formulas that depend on its shared formula, refuse array parts."""
        if "<" not in old:
            return
        fm = F_RE.search(old)
        if fm is not None:
            self.drop_calc_chain = True
            self.formulas_affected = True
            fa = attrs(fm.group(2))
            if fa.get("t") == "shared" and fa.get("ref") and fm.group(3):
                self._expand_shared(ed, r, c, fa, html.unescape(fm.group(3)))

    def _check_array(self, ed: SheetEditor, r: int, c: int) -> None:
        for mr, mc, cell in ed.iter_formula_cells('t="array"'):
            fm = F_RE.search(cell)
            if fm is None or (mr, mc) == (r, c):
                continue
            ref = attrs(fm.group(2)).get("ref")
            if ref:
                r1, c1, r2, c2 = parse_range(ref)
                if r1 <= r <= r2 and c1 <= c <= c2:
                    raise Refused(f"{self.label}: cell {column_letters(c)}{r} is part of an array formula in {ref}")

    def _expand_shared(self, ed: SheetEditor, r: int, c: int, fa: dict[str, str], text: str) -> None:
        from openpyxl.formula.translate import Translator

        si = fa.get("si")
        r1, c1, r2, c2 = parse_range(fa["ref"])
        origin = f"{column_letters(c)}{r}"
        for rr in range(r1, r2 + 1):
            for cc in range(c1, c2 + 1):
                if (rr, cc) == (r, c):
                    continue
                cell = ed.get_cell(rr, cc)
                if cell is None:
                    continue
                fm = F_RE.search(cell)
                if fm is None or fm.group(3):
                    continue
                da = attrs(fm.group(2))
                if da.get("t") != "shared" or da.get("si") != si:
                    continue
                moved = Translator("=" + text, origin=origin).translate_formula(f"{column_letters(cc)}{rr}")[1:]
                new_f = f"<{fm.group(1)}f>{xml_text(moved)}</{fm.group(1)}f>"
                ed.set_cell(rr, cc, cell[: fm.start()] + new_f + cell[fm.end():])

    def set_cell(self, ch: SetCell) -> None:
        """Apply one SetCell."""
        check_bounds(ch.row, ch.col)
        _, _, ed = self.editor(ch.sheet)
        old = ed.get_cell(ch.row, ch.col)
        self._check_array(ed, ch.row, ch.col)
        if old is not None:
            self._release_formula(ed, ch.row, ch.col, old)
            base = cell_style(old)
        else:
            rs = ed.row_style(ch.row)
            base = rs if rs is not None else ed.col_style(ch.col)
        new = self._prefixed(ed, self.cell_xml(ch.row, ch.col, ch.value, base))
        if new != old:
            ed.set_cell(ch.row, ch.col, new)
            self.cells_written += 1
            if (old is not None and cell_has_value(old)) or new is not None:
                self.formulas_affected = True

    def append_rows(self, ch: AppendRows) -> None:
        """Apply one AppendRows."""
        if not ch.rows:
            return
        name, idx, ed = self.editor(ch.sheet)
        last = ed.last_value_row()
        if 0 < ch.after < last and (ch.totals_below or self._totals_between(ed, ch.after, last)):
            self.insert_rows(name, idx, ed, ch)
            return
        header = ch.header_row or ed.first_value_row()
        # a merged range reaching below the last value (a title block, a note) is not written into
        for m in re.finditer(r"<(?:[A-Za-z_][\w.-]*:)?mergeCell\b[^>]*?\bref\s*=\s*\"([^\"]+)\"", ed.tail):
            try:
                r1, _, r2, _ = parse_range(m.group(1))
            except ValueError:
                continue
            if r1 <= last < r2:
                last = r2
        n = len(ch.rows)
        width = max((len(r) for r in ch.rows), default=0)
        check_bounds(last + n, max(width, 1))
        above_is_header = last == 0 or last == header
        bases: dict[int, int] = {}
        for c in range(1, width + 1):
            above = None if above_is_header else ed.get_cell(last, c)
            if above is not None:
                bases[c] = cell_style(above)
            else:
                rs = None if above_is_header else ed.row_style(last)
                bases[c] = rs if rs is not None else ed.col_style(c)
        if ed.iter_formula_cells('t="array"'):
            for i in range(n):
                for c in range(1, len(ch.rows[i]) + 1):
                    self._check_array(ed, last + 1 + i, c)
        for i, values in enumerate(ch.rows):
            r = last + 1 + i
            for c, value in enumerate(values, start=1):
                old = ed.get_cell(r, c)
                if value is None and old is None:
                    continue
                if old is not None:
                    self._release_formula(ed, r, c, old)
                base = cell_style(old) if old is not None and cell_style(old) else bases[c]
                new = self._prefixed(ed, self.cell_xml(r, c, value, base))
                if new != old:
                    ed.set_cell(r, c, new)
                    self.cells_written += 1
        self.formulas_affected = True
        self.appended.append((name, last + 1, last + n))
        self._extend_ranges(ed, idx, name, last, last + n, max(width, 1))

    # -- rows inserted above a person's totals row -------------------------------------------------------
    def _totals_between(self, ed: SheetEditor, after: int, last: int) -> bool:
        """True when a row below ``after`` (up to ``last``) is a totals row: SUM/SUBTOTAL/COUNTA... formulas,
        or the totals row of an Excel Table on the sheet."""
        for r in ed.row_numbers_in(after + 1, last):
            for cell in ed.cells_of(r).values():
                fm = F_RE.search(cell)
                if fm is not None and fm.group(3) and AGGREGATE.search(html.unescape(fm.group(3))):
                    return True
        for _tpart, table in self._tables_of(ed):
            count = int(table.get("totalsRowCount", "0") or 0)
            try:
                r2 = parse_range(table.get("ref", ""))[2]
            except ValueError:
                continue
            if count and after < r2 <= last:
                return True
        return False

    def _tables_of(self, ed: SheetEditor) -> list[tuple[str, etree._Element]]:
        rels_part = self.rels_of(ed.part)
        out: list[tuple[str, etree._Element]] = []
        if self.exists(rels_part):
            for rel in self.xml(rels_part):
                if rel.get("Type") != T_TABLE or rel.get("TargetMode") == "External":
                    continue
                tpart = self.resolve(ed.part, rel.get("Target", ""))
                if self.exists(tpart):
                    out.append((tpart, self.xml(tpart)))
        return out

    def _related(self, part: str, suffix: str) -> list[str]:
        """Parts related to ``part`` by a relationship whose type ends with ``suffix``."""
        rels_part = self.rels_of(part)
        if not self.exists(rels_part):
            return []
        return [self.resolve(part, rel.get("Target", "")) for rel in self.xml(rels_part)
                if (rel.get("Type") or "").endswith(suffix) and rel.get("TargetMode") != "External"
                and self.exists(self.resolve(part, rel.get("Target", "")))]

    def insert_rows(self, name: str, idx: int, ed: SheetEditor, ch: AppendRows) -> None:
        """Write ``ch.rows`` right after row ``ch.after``, moving the rows below (the person's totals) down;
        references to the moved rows follow them and the totals' ranges grow over the new rows."""
        at, n = ch.after + 1, len(ch.rows)
        width = max((len(r) for r in ch.rows), default=0)
        check_bounds(max(ed.last_value_row(), at) + n, max(width, 1))
        shift = Shift(name, at, n)
        for _r, _c, cell in ed.iter_formula_cells('t="array"'):
            fm = F_RE.search(cell)
            ref = attrs(fm.group(2)).get("ref", "") if fm is not None else ""
            try:
                r1, _, r2, _ = parse_range(ref) if ref else (0, 0, 0, 0)
            except ValueError:
                continue
            if r1 < at <= r2:
                raise Refused(f"{self.label}: {name}: rows cannot be inserted inside the array formula in {ref}")
        ed.move_rows_down(at, n, lambda cell, r: self._moved_cell(cell, r, shift))
        self._shift_formulas_above(ed, shift)
        above_is_header = ch.after == (ch.header_row or ed.first_value_row())
        bases: dict[int, int] = {}
        for c in range(1, width + 1):
            above = None if above_is_header else ed.get_cell(ch.after, c)
            if above is not None:
                bases[c] = cell_style(above)
            else:
                rs = None if above_is_header else ed.row_style(ch.after)
                bases[c] = rs if rs is not None else ed.col_style(c)
        for i, values in enumerate(ch.rows):
            r = at + i
            for c, value in enumerate(values, start=1):
                if value is None:
                    continue
                new = self._prefixed(ed, self.cell_xml(r, c, value, bases[c]))
                if new is not None:
                    ed.set_cell(r, c, new)
                    self.cells_written += 1
        self._shift_sheet_xml(ed, shift)
        for tpart, table in self._tables_of(ed):
            for el in (table, *table.iter(_n("autoFilter")), *table.iter(_n("sortState"))):
                ref = el.get("ref")
                if ref:
                    el.set("ref", shift.area(ref, extend=True))
            self.touch(tpart)
        names = self.wb.find(_n("definedNames"))
        for dn in names.findall(_n("definedName")) if names is not None else ():
            if dn.text:
                new_text = shift.formula(dn.text, own=False, extend=True)
                if new_text != dn.text:
                    dn.text = new_text
                    self.touch(self.wb_part)
        self._shift_other_sheets(name, ed, shift)
        self._shift_drawings(ed, shift)
        self.formulas_affected = True
        self.drop_calc_chain = True
        self.appended.append((name, at, at + n - 1))

    def _moved_cell(self, cell: str, r: int, shift: Shift) -> str:
        head_end = cell.find(">")
        head = re.sub(r"(\sr\s*=\s*[\"'][A-Za-z]+)\d+", lambda m: f"{m.group(1)}{r}", cell[:head_end], count=1)
        cell = head + cell[head_end:]
        return self._shift_cell_formula(cell, shift, own=True, extend=True)

    @staticmethod
    def _shift_cell_formula(cell: str, shift: Shift, *, own: bool, extend: bool) -> str:
        fm = F_RE.search(cell)
        if fm is None:
            return cell
        attr_text = fm.group(2)
        ref = attrs(attr_text).get("ref")
        if ref:
            attr_text = re.sub(r"(\bref\s*=\s*\")[^\"]*", lambda m: m.group(1) + shift.sqref(ref, False), attr_text)
        body = fm.group(3)
        if body:
            body = xml_text(shift.formula(html.unescape(body), own=own, extend=extend))
        if attr_text == fm.group(2) and body == fm.group(3):
            return cell
        p = fm.group(1)
        new_f = f"<{p}f{attr_text}>{body}</{p}f>" if body is not None else f"<{p}f{attr_text}/>"
        cell = cell[: fm.start()] + new_f + cell[fm.end():]
        if body != fm.group(3):  # the cached result was of the old formula: leave it to be computed on load
            cell = re.sub(rf"<{_P}v\b[^>]*?(?:/>|>[^<]*</{_P}v>)", "", cell, count=1)
            head_end = cell.find(">")
            cell = re.sub(r"\st\s*=\s*\"[^\"]*\"", "", cell[:head_end], count=1) + cell[head_end:]
        return cell

    def _shift_formulas_above(self, ed: SheetEditor, shift: Shift) -> None:
        """Formulas of the rows that stay (the data) follow the moved rows, without growing their ranges."""
        for r in ed.row_numbers():
            if r >= shift.at:
                break
            idx = ed.row_pos.get(r)
            if r not in ed.edited and idx is not None:
                _, start, end = ed.rows[idx]
                if F_RE.search(ed.inner, start, end) is None:
                    continue
            for c, cell in list(ed.cells_of(r).items()):
                new = self._shift_cell_formula(cell, shift, own=True, extend=False)
                if new != cell:
                    ed.set_cell(r, c, new)

    def _shift_sheet_xml(self, ed: SheetEditor, shift: Shift) -> None:
        """Merged cells, conditional formats, validations, hyperlinks, filters, page breaks, the dimension."""
        grow = {"conditionalFormatting": True, "dataValidation": True, "autoFilter": True, "sortState": True,
                "mergeCell": False, "hyperlink": False, "protectedRange": False, "ignoredError": False}

        def element(m: re.Match[str]) -> str:
            extend = grow[m.group(2)]
            return re.sub(r"(\b(?:sq)?ref\s*=\s*\")([^\"]*)",
                          lambda a: a.group(1) + shift.sqref(a.group(2), extend), m.group(0))

        tail = re.sub(rf"<({_P})({'|'.join(grow)})\b[^>]*>", element, ed.tail)
        tail = re.sub(rf"(<{_P}(?:formula|formula1|formula2|f)>)([^<]*)(</{_P}(?:formula|formula1|formula2|f)>)",
                      lambda m: m.group(1) + xml_text(shift.formula(html.unescape(m.group(2)), own=True,
                                                                    extend=False)) + m.group(3), tail)
        tail = re.sub(rf"(<{_P}sqref>)([^<]*)(</{_P}sqref>)",
                      lambda m: m.group(1) + shift.sqref(m.group(2), True) + m.group(3), tail)

        def breaks(m: re.Match[str]) -> str:
            return re.sub(r"(<(?:\w+:)?brk\b[^>]*?\bid\s*=\s*\")(\d+)",
                          lambda b: b.group(1) + str(int(b.group(2)) + shift.n if int(b.group(2)) >= shift.at
                                                     else int(b.group(2))), m.group(0))

        tail = re.sub(rf"<{_P}rowBreaks\b.*?</{_P}rowBreaks>", breaks, tail, flags=re.S)
        ed.tail = tail
        ed.head = re.sub(rf"(<{_P}dimension\b[^>]*?\bref\s*=\s*\")([^\"]*)",
                         lambda m: m.group(1) + shift.sqref(m.group(2), False), ed.head, count=1)

    def _shift_other_sheets(self, name: str, ed: SheetEditor, shift: Shift) -> None:
        """Formulas on other tabs that name this one (a summary's ``=Orders!E12``) follow its moved rows."""
        key = name.casefold().encode("utf-8")
        for el in self.sheet_elements():
            other = el.get("name") or ""
            try:
                part, rtype = self.sheet_part(el)
            except WorkbookUnreadable:
                continue
            if part == ed.part or not rtype.endswith("/worksheet") or not self.exists(part):
                continue
            current = self.editors.get(part)
            raw = current.text().encode("utf-8") if current is not None else self.read(part)
            if key not in raw.lower():
                continue
            _, _, oed = self.editor(other)
            for r in oed.row_numbers():
                for c, cell in list(oed.cells_of(r).items()):
                    if "<" in cell and F_RE.search(cell):
                        new = self._shift_cell_formula(cell, shift, own=False, extend=True)
                        if new != cell:
                            oed.set_cell(r, c, new)
        for part in self._related(ed.part, "/comments"):
            comments = self.xml(part)
            for el in comments.iter(_n("comment")):
                ref = el.get("ref")
                if ref and shift.area(ref, False) != ref:
                    el.set("ref", shift.area(ref, False))
                    self.touch(part)

    def _shift_drawings(self, ed: SheetEditor, shift: Shift) -> None:
        """Pictures, charts and comment boxes anchored at or below the moved rows move with them; charts'
        series over the data grow over the new rows."""

        def rows0(m: re.Match[str]) -> str:  # anchors count rows from 0
            v = int(m.group(2))
            return m.group(1) + str(v + shift.n if v >= shift.at - 1 else v) + m.group(3)

        for part in self._related(ed.part, "/drawing"):
            text = self.read(part).decode("utf-8")
            new = re.sub(r"(<(?:\w+:)?row>)(\d+)(</(?:\w+:)?row>)", rows0, text)
            if new != text:
                self.put(part, new.encode("utf-8"))
            for chart in self._related(part, "/chart"):
                ctext = self.read(chart).decode("utf-8")
                cnew = re.sub(r"(<(?:\w+:)?f>)([^<]*)(</(?:\w+:)?f>)",
                              lambda m: m.group(1) + xml_text(shift.formula(html.unescape(m.group(2)), own=False,
                                                                            extend=True)) + m.group(3), ctext)
                if cnew != ctext:
                    self.put(chart, cnew.encode("utf-8"))
        for part in self._related(ed.part, "/vmlDrawing"):
            text = self.read(part).decode("utf-8", "replace")
            new = re.sub(r"(<x:Row>)(\d+)(</x:Row>)", rows0, text)
            if new != text:
                self.put(part, new.encode("utf-8"))

    def _extend_ranges(self, ed: SheetEditor, idx: int, name: str, last: int, new_last: int, width: int) -> None:
        """Grow the tab's Tables and autoFilter that end at the old last row so they cover the new rows."""

        def grows(ref: str) -> tuple[int, int, int, int] | None:
            try:
                r1, c1, r2, c2 = parse_range(ref)
            except ValueError:
                return None
            if r1 <= max(last, 1) and last <= r2 < new_last and c1 <= width:
                return r1, c1, new_last, c2
            return None

        rels_part = self.rels_of(ed.part)
        if self.exists(rels_part):
            for rel in self.xml(rels_part):
                if rel.get("Type") != T_TABLE or rel.get("TargetMode") == "External":
                    continue
                tpart = self.resolve(ed.part, rel.get("Target", ""))
                if not self.exists(tpart):
                    continue
                table = self.xml(tpart)
                if int(table.get("totalsRowCount", "0") or 0) > 0:
                    self.notes.append(f"{name}: table {table.get('name')} has a totals row; not extended")
                    continue
                new = grows(table.get("ref", ""))
                if new is None:
                    continue
                old_r2 = parse_range(table.get("ref", ""))[2]
                table.set("ref", format_range(*new))
                for child in table:
                    if not isinstance(child.tag, str) or etree.QName(child).localname != "autoFilter":
                        continue
                    child.set("ref", format_range(*new))
                    for ss in child.iter(_n("sortState")):
                        self._grow_ref_attr(ss, old_r2, new_last)
                for ss in table.findall(_n("sortState")):
                    self._grow_ref_attr(ss, old_r2, new_last)
                self.touch(tpart)
        m = re.search(r"<((?:[A-Za-z_][\w.-]*:)?)autoFilter\b[^>]*?\bref\s*=\s*\"([^\"]+)\"", ed.tail)
        if m:
            new = grows(m.group(2))
            if new is not None:
                new_ref = format_range(*new)
                ed.tail = ed.tail[: m.start(2)] + new_ref + ed.tail[m.end(2):]
                self._update_filter_name(idx, new)

    @staticmethod
    def _grow_ref_attr(el: etree._Element, old_r2: int, new_r2: int) -> None:
        try:
            r1, c1, r2, c2 = parse_range(el.get("ref", ""))
        except ValueError:
            return
        if r2 == old_r2:
            el.set("ref", format_range(r1, c1, new_r2, c2))

    def _update_filter_name(self, idx: int, new: tuple[int, int, int, int]) -> None:
        names = self.wb.find(_n("definedNames"))
        if names is None:
            return
        for dn in names.findall(_n("definedName")):
            if dn.get("name") == "_xlnm._FilterDatabase" and dn.get("localSheetId") == str(idx) and dn.text:
                sheet, bang, _ = dn.text.rpartition("!")
                if bang:
                    r1, c1, r2, c2 = new
                    dn.text = f"{sheet}!${column_letters(c1)}${r1}:${column_letters(c2)}${r2}"
                    self.touch(self.wb_part)

    # -- new sheets ----------------------------------------------------------------------------------------
    def add_sheet(self, ch: AddSheet) -> None:
        """Apply one AddSheet."""
        name = ch.name
        bad = sorted(_INVALID_SHEET_CHARS & set(name))
        if not name or len(name) > 31 or bad or name.startswith("'") or name.endswith("'") \
                or name.casefold() == "history":
            raise Refused(f"{name!r} is not a valid tab name (1-31 characters, none of [ ] : * ? / \\, "
                          f"not starting or ending with ', not 'History')")
        if self.find_sheet(name) is not None:
            if ch.if_missing:
                return
            raise Refused(f"{self.label}: a tab named {name!r} already exists")
        sheets = self.wb.find(_n("sheets"))
        if sheets is None:
            raise WorkbookUnreadable(f"{self.label}: workbook.xml has no <sheets>")
        index = len(sheets.findall(_n("sheet")))
        part = self.unused_part(posixpath.join(posixpath.dirname(self.wb_part), "worksheets/sheet%d.xml"))
        nrows = len(ch.rows)
        ncols = max([len(r) for r in ch.rows] + [len(ch.col_widths), 1])
        check_bounds(max(nrows, 1), ncols)

        cells_rows: list[str] = []
        for i, values in enumerate(ch.rows, start=1):
            cells = [x for c, v in enumerate(values, start=1) if (x := self.cell_xml(i, c, v, 0)) is not None]
            self.cells_written += len(cells)
            if cells:
                cells_rows.append(f'<row r="{i}">' + "".join(cells) + "</row>")
        used = format_range(1, 1, max(nrows, 1), ncols)
        ps = ch.print_setup
        out = ['<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n',
               f'<worksheet xmlns="{MAIN_NS}" xmlns:r="{REL_NS}">']
        if ps is not None and ps.fit_width:
            out.append('<sheetPr><pageSetUpPr fitToPage="1"/></sheetPr>')
        out.append(f'<dimension ref="{used if cells_rows else "A1"}"/>')
        if ch.freeze_header and nrows >= 1:
            out.append('<sheetViews><sheetView workbookViewId="0"><pane ySplit="1" topLeftCell="A2" '
                       'activePane="bottomLeft" state="frozen"/><selection pane="bottomLeft" activeCell="A2" '
                       'sqref="A2"/></sheetView></sheetViews>')
        else:
            out.append('<sheetViews><sheetView workbookViewId="0"/></sheetViews>')
        out.append('<sheetFormatPr defaultRowHeight="15"/>')
        if ch.col_widths:
            out.append("<cols>" + "".join(
                f'<col min="{i}" max="{i}" width="{w:g}" customWidth="1"/>'
                for i, w in enumerate(ch.col_widths, start=1)) + "</cols>")
        out.append("<sheetData>" + "".join(cells_rows) + "</sheetData>")
        if ps is not None:
            out.append('<printOptions gridLines="0"/>')
        out.append('<pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>')
        if ps is not None:
            fit = ' fitToWidth="1" fitToHeight="0"' if ps.fit_width else ""
            orient = "landscape" if ps.landscape else "portrait"
            out.append(f'<pageSetup orientation="{orient}"{fit}/>')
            if ps.header or ps.footer:
                hf = "<headerFooter>"
                if ps.header:
                    hf += f"<oddHeader>{xml_text(ps.header)}</oddHeader>"
                if ps.footer:
                    hf += f"<oddFooter>{xml_text(ps.footer)}</oddFooter>"
                out.append(hf + "</headerFooter>")
        if ch.as_table and nrows >= 1:
            table_part = self._add_table(part, name, ch.rows[0], ncols, max(nrows, 2))
            rid = self.add_rel(self.rels_of(part), T_TABLE, posixpath.relpath(table_part, posixpath.dirname(part)))
            out.append(f'<tableParts count="1"><tablePart r:id="{rid}"/></tableParts>')
        out.append("</worksheet>")
        self.added[part] = "".join(out).encode("utf-8")
        self.add_override(part, CT_WORKSHEET)

        rid = self.add_rel(self.wb_rels_part, T_WORKSHEET,
                           posixpath.relpath(part, posixpath.dirname(self.wb_part)))
        ids = [int(s.get("sheetId", "0")) for s in sheets.findall(_n("sheet")) if s.get("sheetId", "").isdigit()]
        el = etree.SubElement(sheets, _n("sheet"))
        el.set("name", name)
        el.set("sheetId", str(max(ids, default=0) + 1))
        el.set(R_ID, rid)
        if ps is not None:
            dn = etree.Element(_n("definedName"))
            dn.set("name", "_xlnm.Print_Area")
            dn.set("localSheetId", str(index))
            dn.text = "'" + name.replace("'", "''") + "'!" + re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", used)
            self._wb_child("definedNames").append(dn)
        self.touch(self.wb_part)
        self._app_add_sheet(name)
        self.sheets_added.append(name)

    def _wb_child(self, tag: str) -> etree._Element:
        el = self.wb.find(_n(tag))
        if el is not None:
            return el
        el = etree.Element(_n(tag))
        later = set(_WB_ORDER[_WB_ORDER.index(tag) + 1:])
        for i, child in enumerate(self.wb):
            if isinstance(child.tag, str) and etree.QName(child).localname in later:
                self.wb.insert(i, el)
                break
        else:
            self.wb.append(el)
        return el

    def _table_names(self) -> tuple[set[int], set[str]]:
        ids: set[int] = set()
        names: set[str] = set()
        for real in self.names.values():
            if real.lower().startswith(posixpath.join(posixpath.dirname(self.wb_part), "tables/").lower()) \
                    and real.lower().endswith(".xml") and real not in self.removed:
                t = self.xml(real)
                if t.get("id", "").isdigit():
                    ids.add(int(t.get("id", "0")))
                names.add((t.get("displayName") or t.get("name") or "").casefold())
        for dn in self.wb.iter(_n("definedName")):
            names.add((dn.get("name") or "").casefold())
        return ids, names

    def _add_table(self, sheet_part: str, sheet_name: str, header: tuple[AnyValue, ...], ncols: int,
                   last_row: int) -> str:
        ids, names = self._table_names()
        for t in self._new_tables:
            ids.add(t[0])
            names.add(t[1].casefold())
        base = re.sub(r"\W", "_", sheet_name, flags=re.ASCII) or "Table"
        if not re.match(r"[A-Za-z_]", base) or re.fullmatch(r"[A-Za-z]{1,3}\d+|[RrCc]\d*([RrCc]\d*)?", base):
            base = "Table_" + base
        tname, k = base, 1
        while tname.casefold() in names:
            k += 1
            tname = f"{base}{k}"
        tid = max(ids, default=0) + 1
        self._new_tables.append((tid, tname))
        cols: list[str] = []
        seen: set[str] = set()
        for c in range(1, ncols + 1):
            v = header[c - 1] if c - 1 < len(header) else None
            v = v.value if isinstance(v, Styled) else v
            label = str(v) if v is not None and not isinstance(v, Formula) else f"Column{c}"
            cand, k = label, 1
            while cand.casefold() in seen:
                k += 1
                cand = f"{label}{k}"
            seen.add(cand.casefold())
            esc = html.escape(cand, quote=True)
            cols.append(f'<tableColumn id="{c}" name="{esc}"/>')
        ref = format_range(1, 1, last_row, ncols)
        xml = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<table xmlns="{MAIN_NS}" id="{tid}" '
               f'name="{tname}" displayName="{tname}" ref="{ref}" totalsRowShown="0"><autoFilter ref="{ref}"/>'
               f'<tableColumns count="{ncols}">{"".join(cols)}</tableColumns>'
               '<tableStyleInfo name="TableStyleMedium2" showFirstColumn="0" showLastColumn="0" '
               'showRowStripes="1" showColumnStripes="0"/></table>')
        part = self.unused_part(posixpath.join(posixpath.dirname(self.wb_part), "tables/table%d.xml"))
        self.added[part] = xml.encode("utf-8")
        self.add_override(part, CT_TABLE)
        return part

    _new_tables: list[tuple[int, str]]

    def app_lists(self) -> tuple[etree._Element, etree._Element] | None:
        """docProps/app.xml's HeadingPairs and TitlesOfParts vectors; None when the part is missing, damaged
        (it is informational: left alone) or not of the usual shape."""
        if not self.exists("docProps/app.xml"):
            return None
        try:
            app = self.xml("docProps/app.xml")
        except WorkbookUnreadable:
            return None
        pairs = app.find(f"{{{EP_NS}}}HeadingPairs/{{{VT_NS}}}vector")
        titles = app.find(f"{{{EP_NS}}}TitlesOfParts/{{{VT_NS}}}vector")
        return None if pairs is None or titles is None else (pairs, titles)

    def _app_add_sheet(self, name: str) -> None:
        """Add the tab to docProps/app.xml's list of worksheets when the list has the usual shape."""
        lists = self.app_lists()
        if lists is None:
            return
        pairs, titles = lists
        vt = f"{{{VT_NS}}}"
        variants = pairs.findall(vt + "variant")
        offset = 0
        for i in range(0, len(variants) - 1, 2):
            label = variants[i].findtext(vt + "lpstr")
            count_el = variants[i + 1].find(vt + "i4")
            if count_el is None or not (count_el.text or "").strip().isdigit():
                return
            count = int(count_el.text or "0")
            if label == "Worksheets":
                items = titles.findall(vt + "lpstr")
                if len(items) < offset + count:
                    return
                new = etree.Element(vt + "lpstr")
                new.text = name
                if count:
                    items[offset + count - 1].addnext(new)
                else:
                    titles.insert(offset, new)
                count_el.text = str(count + 1)
                titles.set("size", str(len(titles.findall(vt + "lpstr"))))
                self.touch("docProps/app.xml")
                return
            offset += count

    # -- finishing -----------------------------------------------------------------------------------------
    def finish(self) -> None:
        """Serialize every changed part."""
        sheet_changed = False
        for part, ed in self.editors.items():
            text = ed.text()
            if text != ed.original:
                self.put(part, text.encode("utf-8"))
                sheet_changed = True
        if self.sheets_added or self.sheets_removed:
            sheet_changed = True
        if not sheet_changed:
            # nothing a person would see changed: write nothing at all
            self.replaced.clear()
            self.added.clear()
            self.removed.clear()
            self._dirty.clear()
            return
        if self._styles is not None and self._styles.changed:
            if self._styles.created:
                self.add_rel(self.wb_rels_part, T_STYLES,
                             posixpath.relpath(self._styles_part, posixpath.dirname(self.wb_part)))
                self.add_override(self._styles_part, CT_STYLES)
            self.put(self._styles_part, self._styles.to_bytes())
        if self.formulas_affected:
            calc = self._wb_child("calcPr")
            if calc.get("fullCalcOnLoad") != "1":
                calc.set("fullCalcOnLoad", "1")
                self.touch(self.wb_part)
        if self.drop_calc_chain:
            for rel in list(self.wb_rels):
                if rel.get("Type") == T_CALCCHAIN:
                    cpart = self.resolve(self.wb_part, rel.get("Target", ""))
                    self.wb_rels.remove(rel)
                    self.touch(self.wb_rels_part)
                    self.remove(cpart)
                    ct = self.xml("[Content_Types].xml")
                    for ov in list(ct):
                        if (ov.get("PartName") or "").lstrip("/").lower() == cpart.lower():
                            ct.remove(ov)
                            self.touch("[Content_Types].xml")
        for part in sorted(self._dirty):
            root = self._xml[part]
            self.put(part, XML_DECL + etree.tostring(root.getroottree(), encoding="UTF-8"))


def _unwrap(v: AnyValue) -> object:
    return v.value if isinstance(v, Styled) else v


def apply_changes(src: Path, dst: Path, changes: Sequence[Edit], *,
                  before: Callable[[Package], object] | None = None) -> PatchResult:
    """Write ``dst``: the workbook ``src`` with ``changes`` applied, every other byte of the package kept;
    ``before``: what is done to the package first (rows or whole tabs taken out: `xlsx_remove`)."""
    src, dst = Path(src), Path(dst)
    refuse_unwritable(src)
    refuse_unwritable(dst)
    if src.resolve() == dst.resolve():
        raise ValueError("apply_changes writes a new file; use write_workbook to change a workbook in place")
    if not zipfile.is_zipfile(src):
        raise WorkbookUnreadable(f"{src.name}: not an .xlsx package (encrypted, or not a workbook)")
    with open_zip(src) as zin:
        lim = limits()  # duplicate members, sizes, ratio: before anything is inflated (once per unchanged file)
        remembered(zin, f"check_directory {lim}", lambda: check_directory(zin, src.name, lim))
        pkg = Package(zin, src.name)
        pkg._new_tables = []
        if before is not None:
            before(pkg)
        for ch in changes:
            if isinstance(ch, SetCell):
                pkg.set_cell(ch)
            elif isinstance(ch, AppendRows):
                pkg.append_rows(ch)
            elif isinstance(ch, AddSheet):
                pkg.add_sheet(ch)
            else:
                raise TypeError(f"unknown change {ch!r}")
        pkg.finish()
    if not (pkg.replaced or pkg.added or pkg.removed):
        copy_file(src, dst)
        return PatchResult(changed=False, notes=tuple(pkg.notes))
    rewrite_zip(src, dst, pkg.replaced, pkg.added, frozenset(pkg.removed))
    return PatchResult(
        changed=True,
        parts_modified=tuple(sorted(pkg.replaced)),
        parts_added=tuple(pkg.added),
        parts_removed=tuple(sorted(pkg.removed)),
        sheets_added=tuple(pkg.sheets_added),
        sheets_removed=tuple(pkg.sheets_removed),
        cells_written=pkg.cells_written,
        appended=tuple(pkg.appended),
        notes=tuple(pkg.notes),
    )


__all__ = ["apply_changes", "excel_serial", "parse_ref", "refuse_unwritable"]
