"""Add the few cell formats poflow needs to xl/styles.xml, reusing identical ones, keeping the rest."""

from __future__ import annotations

import copy
import re
from collections.abc import Collection

from lxml import etree

from poflow_sheets.errors import Refused, WorkbookUnreadable

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_N = f"{{{MAIN_NS}}}"

# Built-in number formats that show a date or time.
_BUILTIN_DATE_IDS = frozenset([*range(14, 23), *range(27, 37), 45, 46, 47, *range(50, 59)])
_BUILTIN_FORMATS = {0: "General", 14: "mm-dd-yy", 22: "m/d/yy h:mm", 49: "@"}

XML_DECL = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"

MINIMAL_STYLES = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    b'<fonts count="1"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    b'<fills count="2"><fill><patternFill patternType="none"/></fill>'
    b'<fill><patternFill patternType="gray125"/></fill></fills>'
    b'<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    b'<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    b'<cellXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/></cellXfs>'
    b'<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    b"</styleSheet>"
)

# Children of <styleSheet> in schema order (new containers are inserted where they belong).
_ORDER = ["numFmts", "fonts", "fills", "borders", "cellStyleXfs", "cellXfs", "cellStyles", "dxfs",
          "tableStyles", "colors", "extLst"]


def is_date_format(code: str) -> bool:
    """True when an Excel number format code shows a date or a time."""
    if code.lower() == "general":
        return False
    stripped = re.sub(r'"[^"]*"|\\.|_.|\*.', "", code)
    stripped = re.sub(r"\[(?!h\]|hh\]|m\]|mm\]|s\]|ss\])[^\]]*\]", "", stripped, flags=re.I)
    return bool(re.search(r"[dmyhs]", stripped, re.I))


def canonical(el: etree._Element, drop: Collection[str] = (), *, no_layout_text: bool = False) -> bytes:
    """A canonical form of an element (attributes in order, no tails), so an identical xf or font is found
    and reused; `drop`: children (by local name) left out; `no_layout_text`: the whitespace text of elements
    that hold others ignored too."""
    clone = copy.deepcopy(el)
    for child in list(clone):
        if drop and isinstance(child.tag, str) and etree.QName(child).localname in drop:
            clone.remove(child)
    for node in clone.iter():
        if isinstance(node.tag, str):
            items = sorted(node.attrib.items())
            node.attrib.clear()
            for k, v in items:
                node.set(k, v)
        node.tail = None
        if no_layout_text and isinstance(node.tag, str) and len(node):
            node.text = None
    return etree.tostring(clone, method="c14n")


def _key(el: etree._Element) -> bytes:
    return canonical(el)


def parse_part(data: bytes, label: str, part: str) -> etree._Element:
    """A package part parsed with lxml: malformed XML, a DTD or entities are a damaged workbook (one line)."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=True, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise WorkbookUnreadable(f"{label}: {part} is not well-formed XML ({' '.join(str(exc).split())}); the file "
                                 "is damaged: open it in Excel and save it again") from None
    tree = root.getroottree()
    if tree.docinfo.internalDTD is not None or tree.docinfo.doctype:
        raise WorkbookUnreadable(f"{label}: {part} declares a DTD or XML entities, which no Excel file has; "
                                 "poflow does not read it (open it in Excel and save it again)")
    return root


class StyleBook:
    """xl/styles.xml opened for adding cell formats (``changed`` tells whether it must be written)."""

    def __init__(self, data: bytes | None, label: str = "workbook", part: str = "xl/styles.xml") -> None:
        self.created = data is None
        self.root = parse_part(data or MINIMAL_STYLES, label, part)
        self.changed = self.created
        self._xf_cache: dict[tuple[object, ...], int] = {}
        self._xf_keys: dict[bytes, int] | None = None
        self._font_keys: dict[bytes, int] | None = None
        self._fmt_by_code: dict[str, int] | None = None
        self._date_xf: dict[int, bool] = {}

    # -- containers -------------------------------------------------------------------------------
    def _container(self, name: str) -> etree._Element:
        el = self.root.find(_N + name)
        if el is not None:
            return el
        el = etree.Element(_N + name)
        el.set("count", "0")
        later = set(_ORDER[_ORDER.index(name) + 1:])
        for i, child in enumerate(self.root):
            if isinstance(child.tag, str) and etree.QName(child).localname in later:
                self.root.insert(i, el)
                break
        else:
            self.root.append(el)
        self.changed = True
        return el

    def _items(self, name: str, item: str) -> list[etree._Element]:
        cont = self.root.find(_N + name)
        return [] if cont is None else cont.findall(_N + item)

    def _append(self, name: str, item: etree._Element) -> int:
        cont = self._container(name)
        tag = etree.QName(item).localname
        existing = cont.findall(_N + tag)
        if existing:
            existing[-1].addnext(item)
        else:
            cont.insert(0, item)
        cont.set("count", str(len(existing) + 1))
        self.changed = True
        return len(existing)

    # -- number formats ---------------------------------------------------------------------------
    def _formats(self) -> dict[str, int]:
        if self._fmt_by_code is None:
            self._fmt_by_code = {}
            for nf in self._items("numFmts", "numFmt"):
                code, fid = nf.get("formatCode"), nf.get("numFmtId")
                if code is not None and fid is not None and fid.isdigit():
                    self._fmt_by_code.setdefault(code, int(fid))
        return self._fmt_by_code

    def format_code(self, fmt_id: int) -> str:
        """The format code of a number format id (built-ins partly known)."""
        for nf in self._items("numFmts", "numFmt"):
            if nf.get("numFmtId") == str(fmt_id):
                return nf.get("formatCode") or "General"
        return _BUILTIN_FORMATS.get(fmt_id, "General")

    def num_fmt_id(self, code: str) -> int:
        """The id of number format ``code``, added to styles.xml when missing."""
        builtin = {"General": 0, "0": 1, "0.00": 2, "#,##0": 3, "#,##0.00": 4, "0%": 9, "0.00%": 10, "@": 49}
        if code in builtin:
            return builtin[code]
        fmts = self._formats()
        if code in fmts:
            return fmts[code]
        new_id = max([163, *fmts.values()]) + 1
        nf = etree.Element(_N + "numFmt")
        nf.set("numFmtId", str(new_id))
        nf.set("formatCode", code)
        self._append("numFmts", nf)
        fmts[code] = new_id
        return new_id

    # -- fonts ------------------------------------------------------------------------------------
    def _font_id(self, base_font: int, bold: bool, size: float | None) -> int:
        fonts = self._items("fonts", "font")
        src = fonts[base_font] if 0 <= base_font < len(fonts) else (fonts[0] if fonts else None)
        font = copy.deepcopy(src) if src is not None else etree.Element(_N + "font")
        font.tail = None
        if bold and font.find(_N + "b") is None:
            font.insert(0, etree.Element(_N + "b"))
        if size is not None:
            sz = font.find(_N + "sz")
            if sz is None:
                sz = etree.Element(_N + "sz")
                font.insert(len(font.findall(_N + "b")) + len(font.findall(_N + "i")), sz)
            sz.set("val", format(size, "g"))
        if self._font_keys is None:
            self._font_keys = {}
            for i, f in enumerate(fonts):
                self._font_keys.setdefault(_key(f), i)
        k = _key(font)
        if k in self._font_keys:
            return self._font_keys[k]
        idx = self._append("fonts", font)
        self._font_keys[k] = idx
        return idx

    # -- cell formats -----------------------------------------------------------------------------
    def xf_count(self) -> int:
        """How many cell formats (cellXfs) the workbook has."""
        return len(self._items("cellXfs", "xf"))

    def is_date_xf(self, s: int) -> bool:
        """True when cell format ``s`` shows its number as a date or time."""
        if s not in self._date_xf:
            xfs = self._items("cellXfs", "xf")
            fid = int(xfs[s].get("numFmtId", "0")) if 0 <= s < len(xfs) else 0
            self._date_xf[s] = fid in _BUILTIN_DATE_IDS or (fid >= 164 and is_date_format(self.format_code(fid)))
        return self._date_xf[s]

    def derive(self, base: int, *, num_format: str | None = None, bold: bool = False,
               wrap: bool = False, size: float | None = None, quote_prefix: bool = False) -> int:
        """The index of a cell format like ``base`` with these additions (added once, reused after)."""
        xfs = self._items("cellXfs", "xf")
        if not xfs:
            # A styles part without any cell format: give it the default one first.
            default = etree.Element(_N + "xf")
            for k, v in (("numFmtId", "0"), ("fontId", "0"), ("fillId", "0"), ("borderId", "0")):
                default.set(k, v)
            self._append("cellXfs", default)
            xfs = self._items("cellXfs", "xf")
        if not 0 <= base < len(xfs):
            base = 0
        cache_key = (base, num_format, bold, wrap, size, quote_prefix)
        if cache_key in self._xf_cache:
            return self._xf_cache[cache_key]
        xf = copy.deepcopy(xfs[base])
        xf.tail = None
        if num_format is not None:
            xf.set("numFmtId", str(self.num_fmt_id(num_format)))
            xf.set("applyNumberFormat", "1")
        if bold or size is not None:
            xf.set("fontId", str(self._font_id(int(xf.get("fontId", "0")), bold, size)))
            xf.set("applyFont", "1")
        if wrap:
            align = xf.find(_N + "alignment")
            if align is None:
                align = etree.Element(_N + "alignment")
                xf.insert(0, align)
            align.set("wrapText", "1")
            xf.set("applyAlignment", "1")
        if quote_prefix:
            xf.set("quotePrefix", "1")
        if self._xf_keys is None:
            self._xf_keys = {}
            for i, x in enumerate(xfs):
                self._xf_keys.setdefault(_key(x), i)
        xk = _key(xf)
        if xk in self._xf_keys:
            idx = self._xf_keys[xk]
        else:
            idx = self._append("cellXfs", xf)
            self._xf_keys[xk] = idx
            if idx >= 65000:
                raise Refused("the workbook has too many cell formats to add another")
        self._xf_cache[cache_key] = idx
        return idx

    def to_bytes(self) -> bytes:
        """The styles part as bytes."""
        return XML_DECL + etree.tostring(self.root.getroottree(), encoding="UTF-8")
