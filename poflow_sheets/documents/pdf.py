"""Render a `Document` to PDF bytes with fpdf2.

Layout: seller at the top left, the title and the document's facts at the top right, a shaded
band with the PO number (and the due date on invoices), the parties, then the exceptions box
(acknowledgement) or the approval request (confirmation), the lines table (descriptions wrap,
long tables break across pages and repeat their header), the totals, the payment block
(terms, "Due: 26 December 2026", the early-payment discount with both dates and amounts),
remit-to and notes. Every page's footer repeats the title, number and PO number, and "Page x/y".

Paper: US Letter by default (`Document.paper`, the brand is a US seller); A4 on request.

Fonts: the PDF core font Helvetica in the Windows-1252 encoding (which covers the euro sign,
curly quotes and dashes), so nothing is embedded and a short invoice renders in about 2 ms.
A character outside Windows-1252 is replaced by its closest form (accents dropped, "->" for an
arrow) or "?". When a document holds such characters and DejaVu Sans is installed (Debian
package fonts-dejavu-core), it is rendered again with DejaVu embedded, which is slower
(tens of ms) but shows the text as written.

Output is deterministic: the PDF creation date is the document's issue date.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Any

from fpdf import FPDF

from ..money import format_money
from ..terms import long_date
from .model import MONEYLESS, DocLine, Document, StatementRow, is_accepted, status_label

FONT_DIRS = (
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts"),
)

_MARGIN = 15.0
_BOTTOM = 18.0  # room for the footer
_LH = 4.2  # table line height, mm
_PT = 0.3528  # mm per point

_REPLACE = {
    "\u2212": "-",
    "\u2010": "-",
    "\u2011": "-",
    "\u2012": "-",
    "\u2043": "-",
    "\u2190": "<-",
    "\u2192": "->",
    "\u2194": "<->",
    "\u21d2": "=>",
    "\u2264": "<=",
    "\u2265": ">=",
    "\u2260": "!=",
    "\u2248": "~",
    "\u2032": "'",
    "\u2033": '"',
    "\u2116": "No.",
    "\u2009": " ",
    "\u200a": " ",
    "\u2007": " ",
    "\u202f": " ",
    "\u2002": " ",
    "\u2003": " ",
    "\u200b": "",
    "\u200c": "",
    "\u200d": "",
    "\ufeff": "",
    "\u00ad": "",
    "\t": " ",
    "\u0141": "L",
    "\u0142": "l",
    "\u0110": "D",
    "\u0111": "d",
    "\u0131": "i",
    "\u0126": "H",
    "\u0127": "h",
    "\u0166": "T",
    "\u0167": "t",
}


# replacements that lose nothing a reader needs (spaces, invisible marks, hyphen and minus forms)
_HARMLESS = frozenset("\u2212\u2010\u2011\u2012\u2009\u200a\u2007\u202f\u2002\u2003\u200b\u200c\u200d\ufeff\u00ad\t")


@lru_cache(maxsize=4096)
def _char_for_core(ch: str) -> str:
    rep = _REPLACE.get(ch)
    if rep is not None:
        return rep
    if unicodedata.category(ch) == "Cc":
        return " "
    try:
        ch.encode("cp1252")
        return ch
    except UnicodeEncodeError:
        pass
    decomposed = unicodedata.normalize("NFKD", ch)
    stripped = "".join(c for c in decomposed if not unicodedata.combining(c))
    try:
        stripped.encode("cp1252")
    except UnicodeEncodeError:
        return "?"
    return stripped or "?"


def core_safe(text: str) -> str:
    """`text` in characters the core fonts can show (Windows-1252), replacing the rest."""
    if text.isascii() and text.isprintable():
        return text
    try:
        text.encode("cp1252")
        if text.isprintable():
            return text
    except UnicodeEncodeError:
        pass
    return "".join(_char_for_core(c) for c in text)


def _dejavu() -> tuple[Path, Path, Path] | None:
    for folder in FONT_DIRS:
        regular = folder / "DejaVuSans.ttf"
        bold = folder / "DejaVuSans-Bold.ttf"
        italic = folder / "DejaVuSans-Oblique.ttf"
        if regular.is_file() and bold.is_file():
            return regular, bold, italic if italic.is_file() else regular
    return None


def qty_text(q: int | Decimal | None) -> str:
    """A quantity as printed: `1,200`, `2.5`."""
    if q is None:
        return ""
    if isinstance(q, Decimal):
        if q == q.to_integral_value():
            return f"{int(q):,}"
        return f"{q.normalize():,f}"
    return f"{q:,}"


def pct_text(fraction: Decimal) -> str:
    """A fraction as a percentage: 0.02 -> `2%`, 0.015 -> `1.5%`."""
    value = (fraction * 100).normalize()
    return f"{value:f}%"


def money(v: Decimal) -> str:
    """An amount as printed in the tables: `1,234.56`."""
    return format_money(v)


def tax_label(doc: Document) -> str:
    """The tax row's label: `Sales tax 6%`, `Sales tax (exempt)` or `Sales tax (none charged)`."""
    if doc.tax:
        return "Sales tax"
    return "Sales tax (exempt)" if "exempt" in doc.tax_note.lower() else "Sales tax (none charged)"


def full_title(doc: Document) -> str:
    """The title with the document number: `INVOICE INV-1001`, `ORDER ACKNOWLEDGEMENT ACK-7`."""
    if doc.number and doc.number not in doc.title:
        return f"{doc.title} {doc.number}"
    return doc.title


def discount_sentence(doc: Document) -> str:
    """`Pay 1,234.56 by 10 December 2026 (2% discount) or 1,259.75 by 30 December 2026`."""
    if not doc.has_discount or doc.discount_date is None:
        return ""
    what = f"{pct_text(doc.discount_pct)} discount" if doc.discount_pct else "discount"
    text = f"Pay {money(doc.discounted_total)} by {long_date(doc.discount_date)} ({what} of {money(doc.discount_amount)})"
    if doc.due_date is not None:
        text += f" or {money(doc.amount_due)} by {long_date(doc.due_date)}"
    return text


# --------------------------------------------------------------------------- table columns


@dataclass(frozen=True, slots=True)
class _Col:
    header: str
    width: float  # 0 = takes the rest of the line
    align: str  # "L" or "R"
    wrap: bool = False


def _line_cols(doc: Document) -> tuple[_Col, ...]:
    if doc.kind == "linesheet":
        return (
            _Col("SKU", 26, "L", wrap=True),
            _Col("Description", 0, "L", wrap=True),
            _Col("Unit", 14, "L"),
            _Col("Case / MOQ", 22, "R"),
            _Col("Price by quantity", 52, "L", wrap=True),
        )
    if doc.kind == "packing_slip":
        return (
            _Col("#", 7, "R"),
            _Col("SKU", 26, "L", wrap=True),
            _Col("Description", 0, "L", wrap=True),
            _Col("Ordered", 16, "R"),
            _Col("Committed", 19, "R"),
            _Col("This box", 17, "R"),
            _Col("Before", 15, "R"),
            _Col("Backordered", 22, "R"),
        )
    if doc.kind == "invoice" and any(ln.ordered_qty is not None for ln in doc.lines):
        return (
            _Col("#", 7, "R"),
            _Col("SKU", 24, "L", wrap=True),
            _Col("Description", 0, "L", wrap=True),
            _Col("Ordered", 16, "R"),
            _Col("Shipped", 16, "R"),
            _Col("Backord.", 17, "R"),
            _Col("Unit price", 21, "R"),
            _Col("Amount", 24, "R"),
        )
    if doc.kind == "acknowledgement":
        return (
            _Col("#", 7, "R"),
            _Col("SKU", 24, "L", wrap=True),
            _Col("Description", 0, "L", wrap=True),
            _Col("Ordered", 15, "R"),
            _Col("Accepted", 16, "R"),
            _Col("Unit price", 20, "R"),
            _Col("Amount", 23, "R"),
            _Col("Status", 26, "L", wrap=True),
        )
    return (
        _Col("#", 7, "R"),
        _Col("SKU", 26, "L", wrap=True),
        _Col("Description", 0, "L", wrap=True),
        _Col("Qty", 16, "R"),
        _Col("Unit", 13, "L"),
        _Col("Unit price", 23, "R"),
        _Col("Amount", 27, "R"),
    )


def _line_cells(doc: Document, ln: DocLine) -> list[str]:
    desc = ln.description
    unit = f" {ln.unit}" if ln.unit else ""
    if doc.kind == "linesheet":
        return [ln.sku, "\n".join(x for x in (desc, ln.note) if x), ln.unit, qty_text(ln.qty), ln.tiers]
    if doc.kind == "packing_slip":
        this_box = 0 if doc.replaces_claim else ln.qty  # a replacement is not part of what was committed
        return [str(ln.line_no), ln.sku, "\n".join(x for x in (desc, ln.note) if x),
                qty_text(ln.ordered_qty) + unit if ln.ordered_qty is not None else "",
                qty_text(this_box + (ln.shipped_before or 0) + (ln.backordered_qty or 0)) + unit,
                qty_text(ln.qty) + unit, qty_text(ln.shipped_before or 0), qty_text(ln.backordered_qty or 0)]
    if doc.kind == "invoice" and any(x.ordered_qty is not None for x in doc.lines):
        return [str(ln.line_no), ln.sku, "\n".join(x for x in (desc, ln.note) if x),
                qty_text(ln.ordered_qty) + unit, qty_text(ln.qty) + unit, qty_text(ln.backordered_qty or 0),
                money(ln.unit_price), money(ln.amount)]
    if doc.kind == "acknowledgement":
        extras = []
        if ln.note:
            extras.append(ln.note)
        if ln.promised_date is not None:
            extras.append(f"Ships: {long_date(ln.promised_date)}")
        if extras:
            desc = "\n".join([desc, *extras])
        return [
            str(ln.line_no),
            ln.sku,
            desc,
            qty_text(ln.ordered_qty if ln.ordered_qty is not None else ln.qty) + unit,
            qty_text(ln.qty) + unit,
            money(ln.unit_price),
            money(ln.amount),
            status_label(ln.status) or "Accepted",
        ]
    if ln.note:
        desc = f"{desc}\n{ln.note}"
    return [str(ln.line_no), ln.sku, desc, qty_text(ln.qty), ln.unit, money(ln.unit_price), money(ln.amount)]


_STATEMENT_COLS = (
    _Col("Date", 22, "L"),
    _Col("Type", 0, "L", wrap=True),
    _Col("Number", 24, "L", wrap=True),
    _Col("PO number", 28, "L", wrap=True),
    _Col("Due", 22, "L"),
    _Col("Amount", 22, "R"),
    _Col("Paid / applied", 24, "R"),
    _Col("Balance", 22, "R"),
)


def _short_date(d: date | None) -> str:
    return f"{d.day} {d:%b} {d.year}" if d is not None else ""


def _statement_cells(r: StatementRow) -> list[str]:
    return [
        _short_date(r.date),
        r.kind,
        r.number,
        r.po_number,
        _short_date(r.due_date),
        money(r.amount),
        money(r.paid),
        money(r.balance),
    ]


# --------------------------------------------------------------------------- the renderer


class _Pdf(FPDF):
    footer_text = ""
    font_name = "helvetica"

    def footer(self) -> None:
        self.set_font(self.font_name, "", 7.5)
        self.set_text_color(110, 110, 110)
        y = self.h - 10
        self.set_draw_color(190, 190, 190)
        self.line(_MARGIN, y - 4, self.w - _MARGIN, y - 4)
        self.text(_MARGIN, y, self.footer_text)
        # the {nb} alias is only replaced in text written by cell()
        self.set_xy(self.w - _MARGIN - 40, y - 2.8)
        self.cell(40, 3.8, f"Page {self.page_no()}/{{nb}}", align="R")
        self.set_text_color(0, 0, 0)


class _Renderer:
    def __init__(self, doc: Document, unicode_fonts: tuple[Path, Path, Path] | None) -> None:
        self.doc = doc
        self.lossy = False
        pdf = _Pdf(orientation="P", unit="mm", format="letter" if doc.paper == "letter" else "A4")
        self.pdf = pdf
        if unicode_fonts is not None:
            regular, bold, italic = unicode_fonts
            pdf.add_font("dejavu", "", str(regular))
            pdf.add_font("dejavu", "B", str(bold))
            pdf.add_font("dejavu", "I", str(italic))
            pdf.font_name = "dejavu"
            self.safe: Callable[[str], str] = self._unicode_safe
        else:
            pdf.core_fonts_encoding = "cp1252"
            self.safe = self._core_safe
        self.font = pdf.font_name
        self.unicode = unicode_fonts is not None
        self._cw: dict[str, int] | None = None
        self._scale = 0.0
        stamp = datetime(doc.issue_date.year, doc.issue_date.month, doc.issue_date.day, tzinfo=UTC)
        pdf.set_creation_date(stamp)
        pdf.set_title(self.safe(full_title(doc)))
        pdf.set_author(self.safe(doc.seller.name))
        pdf.set_creator("poflow_sheets")
        pdf.set_margins(_MARGIN, 14, _MARGIN)
        pdf.set_auto_page_break(False)
        foot = [full_title(doc)]
        if doc.po_number:
            foot.append(f"PO {doc.po_number}")
        foot.append(doc.seller.name)
        pdf.footer_text = self.safe("  |  ".join(s for s in foot if s))
        self.right = pdf.w - _MARGIN
        self.width = pdf.w - 2 * _MARGIN
        self.limit = pdf.h - _BOTTOM
        self.y = 14.0

    # -- text helpers

    def _core_safe(self, text: str) -> str:
        out = core_safe(text)
        if out != text and not self.lossy:
            # only a real loss counts (a tab or a thin space turned into a space does not)
            self.lossy = any(_char_for_core(c) != c and c not in _HARMLESS for c in text)
        return out

    def _unicode_safe(self, text: str) -> str:
        font: Any = self.pdf.current_font
        cmap = getattr(font, "cmap", None)
        text = "".join(" " if unicodedata.category(c) == "Cc" else c for c in text)
        if not cmap:
            return text
        return "".join(c if ord(c) in cmap or c.isspace() else "?" for c in text)

    def set_font(self, size: float, style: str = "") -> None:
        self.pdf.set_font(self.font, style, size)
        font: Any = self.pdf.current_font
        # the core fonts' widths are a table by character: summing it is 10x faster than fpdf2's
        # get_string_width, which builds text fragments (same result, checked in the tests)
        self._cw = None if self.unicode else font.cw
        self._scale = self.pdf.font_size_pt * 0.001 / self.pdf.k

    def width_of(self, text: str) -> float:
        """The width in mm of already-safe text in the current font."""
        cw = self._cw
        if cw is None:
            return self.pdf.get_string_width(text)
        if not text.isascii():
            text = text.encode("cp1252").decode("latin-1")
        return sum(map(cw.__getitem__, text)) * self._scale

    def put(self, x: float, top: float, text: str, *, width: float = 0.0, align: str = "L", line_h: float = _LH) -> None:
        """Write one line of text in a box starting at `top` (baseline worked out from the font)."""
        if not text:
            return
        pdf = self.pdf
        s = self.safe(text)
        base = top + (line_h + pdf.font_size * 0.7) / 2
        if align == "R":
            x = x + width - self.width_of(s) - 1.0
        elif align == "C":
            x = x + (width - self.width_of(s)) / 2
        else:
            x = x + 1.0
        pdf.text(x, base, s)

    def wrap(self, text: str, width: float) -> list[str]:
        """Break `text` into lines no wider than `width` mm in the current font (newlines kept)."""
        room = width - 2.0
        out: list[str] = []
        for para in text.split("\n"):
            para = self.safe(para.strip())
            if self.width_of(para) <= room:
                out.append(para)
                continue
            line = ""
            for word in para.split(" "):
                trial = f"{line} {word}" if line else word
                if self.width_of(trial) <= room:
                    line = trial
                    continue
                if line:
                    out.append(line)
                line = word
                while self.width_of(line) > room and len(line) > 1:  # a word longer than the cell
                    cut = len(line) - 1
                    while cut > 1 and self.width_of(line[:cut]) > room:
                        cut -= 1
                    out.append(line[:cut])
                    line = line[cut:]
            out.append(line)
        return out or [""]

    def new_page(self) -> None:
        self.pdf.add_page()
        self.y = 14.0
        if self.pdf.page_no() > 1:  # a continued page says whose it is at the top
            size, style = self.pdf.font_size_pt, self.pdf.font_style
            self.set_font(8.5, "B")
            self.pdf.set_text_color(100, 100, 100)
            cont = full_title(self.doc) + (f", PO {self.doc.po_number}" if self.doc.po_number else "")
            self.put(_MARGIN - 1, self.y, f"{cont} (continued)")
            self.pdf.set_text_color(0, 0, 0)
            self.set_font(size, style)
            self.y += 6

    def ensure(self, height: float) -> bool:
        """Start a new page when `height` mm do not fit below the cursor; True if it did."""
        if self.y + height > self.limit:
            self.new_page()
            return True
        return False

    def paragraph(
        self, text: str, size: float = 9, style: str = "", x: float | None = None, width: float | None = None, line_h: float = 4.4
    ) -> None:
        x = _MARGIN - 1 if x is None else x
        width = self.width if width is None else width
        self.set_font(size, style)
        for line in self.wrap(text, width):
            self.ensure(line_h)
            self.put(x, self.y, line, line_h=line_h)
            self.y += line_h

    # -- blocks

    def header(self) -> None:
        doc, pdf = self.doc, self.pdf
        top = self.y
        # seller, top left
        self.set_font(15, "B")
        left_w = self.width * 0.52
        y = top
        for i, line in enumerate(doc.seller.lines()):
            if i == 0:
                for part in self.wrap(line, left_w):
                    self.put(_MARGIN - 1, y, part, line_h=6.5)
                    y += 6.5
                self.set_font(9)
                y += 0.5
                continue
            for part in self.wrap(line, left_w):
                self.put(_MARGIN - 1, y, part, line_h=4.2)
                y += 4.2
        left_bottom = y
        # title and facts, top right
        col_x = _MARGIN + self.width * 0.55
        col_w = self.right - col_x
        self.set_font(15, "B")
        ry = top
        for part in self.wrap(doc.title, col_w + 2):
            self.put(col_x, ry, part, width=col_w + 1, align="R", line_h=6.5)
            ry += 6.5
        ry += 1.5
        label_w = col_w * 0.45
        for label, value in self.facts():
            self.set_font(8.5)
            pdf.set_text_color(100, 100, 100)
            self.put(col_x, ry, label, line_h=4.4)
            pdf.set_text_color(0, 0, 0)
            self.set_font(8.5, "B")
            for part in self.wrap(value, col_w - label_w + 1):
                self.put(col_x + label_w, ry, part, width=col_w - label_w + 1, align="R", line_h=4.4)
                ry += 4.4
        self.y = max(left_bottom, ry) + 3

    def facts(self) -> list[tuple[str, str]]:
        doc = self.doc
        number_label = {
            "invoice": "Invoice no.",
            "deposit_invoice": "Invoice no.",
            "credit_note": "Credit note no.",
            "acknowledgement": "Acknowledgement no.",
            "confirmation": "Confirmation no.",
            "statement": "Statement no.",
            "quote": "Quote no.",
            "linesheet": "Line sheet",
            "packing_slip": "Packing slip no.",
        }[doc.kind]
        date_label = "Statement date" if doc.kind == "statement" else "Date"
        out = [(number_label, doc.number), (date_label, long_date(doc.issue_date))]
        if doc.po_number:
            out.append(("Your PO", doc.po_label))
        if doc.valid_until is not None:
            out.append(("Valid until", long_date(doc.valid_until)))
        if doc.our_ref and not doc.no_buyer_po:
            out.append(("Our order ref.", doc.our_ref))
        if doc.related_invoice:
            out.append(("Credits invoice", doc.related_invoice))
        if doc.terms_text:
            out.append(("Terms", doc.terms_text))
        if doc.due_date is not None and doc.kind in ("invoice", "deposit_invoice"):
            out.append(("Due date", long_date(doc.due_date)))
        if doc.requested_ship_date is not None:
            out.append(("Requested ship date", long_date(doc.requested_ship_date)))
        if doc.promised_ship_date is not None:
            out.append(("Promised ship date", long_date(doc.promised_ship_date)))
        out.append(("Currency", doc.currency))
        out.extend(doc.extra)
        return out

    def band(self) -> None:
        """The shaded band with the PO number, and the due date on invoices."""
        doc, pdf = self.doc, self.pdf
        left = f"PO NUMBER: {doc.po_number}" if doc.po_number and not doc.no_buyer_po else ""
        if doc.no_buyer_po:
            left = f"YOUR PO: none. OUR REFERENCE: {doc.our_ref}"
        if doc.kind == "quote" and doc.valid_until is not None:
            left = f"VALID UNTIL: {long_date(doc.valid_until)}"
        if doc.kind == "statement":
            left = f"BALANCE DUE: {money(doc.amount_due)} {doc.currency}"
        right = ""
        if doc.kind in ("invoice", "deposit_invoice") and doc.due_date is not None:
            right = f"Due: {long_date(doc.due_date)}"
        elif doc.kind == "credit_note" and doc.related_invoice:
            right = f"Credit against invoice {doc.related_invoice}"
        elif doc.kind == "acknowledgement" and doc.promised_ship_date is not None:
            right = f"Ships: {long_date(doc.promised_ship_date)}"
        if not left and not right:
            return
        h = 9.0
        pdf.set_fill_color(232, 236, 242)
        pdf.rect(_MARGIN, self.y, self.width, h, style="F")
        self.set_font(12, "B")
        self.put(_MARGIN + 1, self.y, left, line_h=h)
        self.put(_MARGIN, self.y, right, width=self.width - 1, align="R", line_h=h)
        self.y += h + 4

    def parties(self) -> None:
        doc = self.doc
        label = {"statement": "ACCOUNT", "linesheet": "FOR", "quote": "QUOTE FOR"}.get(doc.kind, "BILL TO")
        blocks: list[tuple[str, tuple[str, ...]]] = [(label, doc.buyer.lines())]
        if doc.ship_to is not None:
            blocks.append(("SHIP TO", doc.ship_to.lines()))
        col_w = self.width / 2 - 4
        bottom = self.y
        for i, (label, lines) in enumerate(blocks):
            x = _MARGIN - 1 + i * (self.width / 2)
            y = self.y
            self.set_font(8, "B")
            self.pdf.set_text_color(100, 100, 100)
            self.put(x, y, label)
            self.pdf.set_text_color(0, 0, 0)
            y += 4.4
            for j, line in enumerate(lines):
                self.set_font(9.5 if j == 0 else 9, "B" if j == 0 else "")
                for part in self.wrap(line, col_w):
                    self.put(x, y, part)
                    y += 4.2
            bottom = max(bottom, y)
        self.y = bottom + 4

    def boxed(self, title: str, items: Sequence[str], fill: tuple[int, int, int], bullet: bool = True) -> None:
        """A shaded box with a bold title and wrapped items (the exceptions, the approval request)."""
        pdf = self.pdf
        pad = 2.5
        self.set_font(9)
        lines: list[tuple[str, bool]] = []
        for item in items:
            wrapped = self.wrap(item, self.width - 2 * pad - 5)
            for k, part in enumerate(wrapped):
                lines.append((part, k == 0))
        height = pad * 2 + 5.5 + len(lines) * 4.4
        self.ensure(min(height, 60))
        pdf.set_fill_color(*fill)
        if fill[0] > fill[2] + 20:
            pdf.set_draw_color(200, 150, 60)
        else:
            pdf.set_draw_color(150, 170, 200)
        pdf.rect(_MARGIN, self.y, self.width, min(height, self.limit - self.y), style="DF")
        self.set_font(10, "B")
        self.put(_MARGIN + pad, self.y + pad, title, line_h=5)
        y = self.y + pad + 5.5
        self.set_font(9)
        for part, first in lines:
            if y + 4.4 > self.limit:
                self.new_page()
                y = self.y
                self.set_font(9)
            if bullet and first:
                self.put(_MARGIN + pad, y, "\u2022", line_h=4.4)
            self.put(_MARGIN + pad + (4 if bullet else 0), y, part, line_h=4.4)
            y += 4.4
        self.y = y + pad + 4

    def table(self, cols: Sequence[_Col], rows: Sequence[list[str]]) -> None:
        pdf = self.pdf
        fixed = sum(c.width for c in cols)
        widths = [c.width or (self.width - fixed) for c in cols]
        xs: list[float] = []
        x = _MARGIN
        for w in widths:
            xs.append(x)
            x += w
        header_h = 6.0

        def draw_header() -> None:
            pdf.set_fill_color(55, 65, 81)
            pdf.rect(_MARGIN, self.y, self.width, header_h, style="F")
            pdf.set_text_color(255, 255, 255)
            self.set_font(8, "B")
            for col, cx, w in zip(cols, xs, widths, strict=True):
                self.put(cx, self.y, col.header, width=w, align=col.align, line_h=header_h)
            pdf.set_text_color(0, 0, 0)
            self.y += header_h

        self.ensure(header_h + _LH + 2)
        draw_header()
        pdf.set_draw_color(215, 215, 215)
        pdf.set_line_width(0.2)
        self.set_font(8.5)
        for cells in rows:
            cell_lines = [
                self.wrap(text, w) if col.wrap else [self.safe(text)] for col, text, w in zip(cols, cells, widths, strict=True)
            ]
            n = max(len(cl) for cl in cell_lines)
            row_h = n * _LH + 1.2
            fits_a_page = row_h <= self.limit - 14 - header_h
            if (self.y + row_h > self.limit and fits_a_page) or self.y + min(row_h, 2 * _LH + 1.2) > self.limit:
                self.new_page()
                draw_header()
                self.set_font(8.5)
                pdf.set_draw_color(215, 215, 215)
            top = self.y + 0.6
            for k in range(n):
                if top + _LH > self.limit:  # a row taller than a page: continue it on the next
                    self.new_page()
                    draw_header()
                    self.set_font(8.5)
                    pdf.set_draw_color(215, 215, 215)
                    top = self.y + 0.6
                for col, cl, cx, w in zip(cols, cell_lines, xs, widths, strict=True):
                    if k < len(cl):
                        self.put(cx, top, cl[k], width=w, align=col.align)
                top += _LH
            self.y = top + 0.6
            pdf.line(_MARGIN, self.y, self.right, self.y)
        self.y += 3

    def totals(self) -> None:
        doc, pdf = self.doc, self.pdf
        rows: list[tuple[str, str, bool]] = []
        cur = doc.currency
        rows.append(("Subtotal", money(doc.subtotal), False))
        if doc.kind != "deposit_invoice":  # a deposit is a share of a total that already includes its tax
            rows.append((tax_label(doc), money(doc.tax), False))
        final_label = {
            "credit_note": f"TOTAL CREDIT ({cur})",
            "confirmation": f"ORDER TOTAL ({cur})",
            "quote": f"QUOTE TOTAL ({cur})",
            "acknowledgement": f"ORDER TOTAL ({cur})",
        }.get(doc.kind, f"AMOUNT DUE ({cur})")
        if doc.deposit_deductions:
            rows.append(("Invoice total", money(doc.total), True))
            for d in doc.deposit_deductions:
                rows.append((f"Less deposit invoice {d.number} of {long_date(d.date)}", money(-d.amount), False))
        elif doc.amount_due != doc.total:
            rows.append(("Total", money(doc.total), True))
        value_w = 34.0
        value_x = self.right - value_w
        label_w = 110.0
        label_x = value_x - label_w
        height = len(rows) * 5 + 10 + 2
        self.ensure(height)
        for label, value, bold in rows:
            self.set_font(9, "B" if bold else "")
            self.put(label_x, self.y, label, width=label_w, align="R", line_h=5)
            self.put(value_x, self.y, value, width=value_w, align="R", line_h=5)
            self.y += 5
        self.y += 1
        pdf.set_fill_color(232, 236, 242)
        box_x = self.right - 92
        pdf.rect(box_x, self.y, 92, 8, style="F")
        self.set_font(10.5, "B")
        self.put(box_x, self.y, final_label, width=92 - value_w, align="R", line_h=8)
        self.put(value_x, self.y, money(doc.amount_due), width=value_w, align="R", line_h=8)
        self.y += 11
        if doc.tax_note:
            self.paragraph(doc.tax_note, size=8.5, style="I")
            self.y += 1

    def payment(self) -> None:
        doc = self.doc
        if doc.kind not in ("invoice", "deposit_invoice"):
            if doc.terms_text and doc.kind in ("confirmation", "acknowledgement"):
                self.paragraph(f"Payment terms: {doc.terms_text}", size=9.5)
                self.y += 1
            return
        self.ensure(20)
        if doc.terms_text:
            self.paragraph(f"Terms: {doc.terms_text}", size=9.5)
        if doc.due_date is not None:
            self.paragraph(f"Due: {long_date(doc.due_date)}", size=11, style="B", line_h=5.5)
        sentence = discount_sentence(doc)
        if sentence:
            self.paragraph(sentence, size=9.5, style="B")
            self.paragraph(
                "The discount applies only to a payment received in full by the discount date; "
                "until then the full amount stays due.",
                size=8,
                style="I",
            )
        self.y += 2

    def remit(self) -> None:
        doc = self.doc
        if not doc.remit_to.strip() or doc.kind in ("confirmation", "acknowledgement", "credit_note"):
            return
        lines = [s.strip() for s in doc.remit_to.splitlines() if s.strip()]
        self.set_font(9)
        height = 6 + 4.4 * sum(len(self.wrap(s, self.width * 0.6)) for s in lines) + 3
        self.ensure(height)
        self.pdf.set_draw_color(180, 180, 180)
        self.pdf.rect(_MARGIN, self.y, self.width * 0.62, height, style="D")
        y = self.y + 1.5
        self.set_font(9, "B")
        self.put(_MARGIN + 1.5, y, "REMIT TO")
        y += 4.6
        self.set_font(9)
        for line in lines:
            for part in self.wrap(line, self.width * 0.6):
                self.put(_MARGIN + 1.5, y, part)
                y += 4.4
        self.y += height + 4

    def notes(self) -> None:
        if not self.doc.notes:
            return
        self.ensure(12)
        self.set_font(9, "B")
        self.put(_MARGIN - 1, self.y, "NOTES")
        self.y += 4.6
        for note in self.doc.notes:
            self.paragraph(note, size=9)
            self.y += 1

    def aging(self) -> None:
        doc = self.doc
        if not doc.aging:
            return
        labels = [label for label, _ in doc.aging] + ["Total due"]
        values = [money(v) for _, v in doc.aging] + [money(doc.amount_due)]
        w = self.width / len(labels)
        self.ensure(20)
        self.set_font(10, "B")
        self.put(_MARGIN - 1, self.y, "AGING (days past due)", line_h=5)
        self.y += 6
        pdf = self.pdf
        pdf.set_fill_color(55, 65, 81)
        pdf.rect(_MARGIN, self.y, self.width, 6, style="F")
        pdf.set_text_color(255, 255, 255)
        self.set_font(8.5, "B")
        for i, label in enumerate(labels):
            self.put(_MARGIN + i * w, self.y, label, width=w, align="R", line_h=6)
        pdf.set_text_color(0, 0, 0)
        self.y += 6
        for i, value in enumerate(values):
            self.set_font(9.5, "B" if i == len(values) - 1 else "")
            self.put(_MARGIN + i * w, self.y, value, width=w, align="R", line_h=6.5)
        self.y += 6.5
        pdf.set_draw_color(180, 180, 180)
        pdf.line(_MARGIN, self.y, self.right, self.y)
        self.y += 5

    def statement_total(self) -> None:
        doc, pdf = self.doc, self.pdf
        self.ensure(12)
        box_x = self.right - 92
        pdf.set_fill_color(232, 236, 242)
        pdf.rect(box_x, self.y, 92, 8, style="F")
        self.set_font(10.5, "B")
        self.put(box_x, self.y, f"BALANCE DUE ({doc.currency})", width=58, align="R", line_h=8)
        self.put(self.right - 34, self.y, money(doc.amount_due), width=34, align="R", line_h=8)
        self.y += 12

    # -- the whole document

    def render(self) -> bytes:
        doc = self.doc
        self.pdf.alias_nb_pages()
        self.new_page()
        self.header()
        self.band()
        self.parties()
        if doc.kind == "acknowledgement":
            changed = [ln for ln in doc.lines if not is_accepted(ln.status)]
            if doc.exceptions:
                n = len(changed)
                title = f"EXCEPTIONS: {n} line{'s' if n != 1 else ''} not accepted as ordered" if n else "EXCEPTIONS"
                if doc.revision > 1:
                    title = "CHANGES SINCE OUR LAST ACKNOWLEDGEMENT"
                self.boxed(title, doc.exceptions, (255, 243, 224))
            else:
                self.boxed("All lines accepted as ordered", (), (232, 245, 233), bullet=False)
        if doc.kind == "confirmation" and doc.ask_to_approve:
            self.boxed(
                "PLEASE APPROVE THIS ORDER",
                (
                    "Please reply 'approved' to this email to confirm this order exactly as shown: "
                    "items, quantities, prices, terms and dates. We start work once you approve.",
                ),
                (232, 240, 254),
                bullet=False,
            )
        if doc.kind == "statement":
            self.table(_STATEMENT_COLS, [_statement_cells(r) for r in doc.statement_rows])
            self.statement_total()
            self.aging()
        else:
            if doc.kind == "credit_note" and doc.related_invoice:
                ref = f"This credit note credits invoice {doc.related_invoice}"
                if doc.po_number:
                    ref += f" (PO {doc.po_number})"
                self.paragraph(ref + ".", size=9.5, style="B")
                self.y += 2
            self.table(_line_cols(doc), [_line_cells(doc, ln) for ln in doc.lines])
            if doc.kind not in MONEYLESS:
                self.totals()
                self.payment()
        self.remit()
        self.notes()
        return bytes(self.pdf.output())


def render_pdf(doc: Document, *, unicode_font: bool | None = None) -> bytes:
    """The document as PDF bytes.

    `unicode_font`: None (default) uses the core font and re-renders with DejaVu Sans only when
    the text has characters the core font cannot show and DejaVu is installed; True forces
    DejaVu (raises FileNotFoundError without it); False never embeds a font.
    """
    if unicode_font:
        fonts = _dejavu()
        if fonts is None:
            raise FileNotFoundError("DejaVu Sans is not installed (Debian package fonts-dejavu-core)")
        return _Renderer(doc, fonts).render()
    renderer = _Renderer(doc, None)
    data = renderer.render()
    if renderer.lossy and unicode_font is None:
        fonts = _dejavu()
        if fonts is not None:
            return _Renderer(doc, fonts).render()
    return data
