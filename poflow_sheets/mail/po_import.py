"""A buyer's PO spreadsheet (CSV or Excel) as Orders and Lines rows, checked against tiers, MOQ and case packs.

Columns are found by name, as bank files are: the header row may sit below a preamble, headers may be
in English, Spanish, French or German, and the PO number and dates may be a column or a `PO Number: ...`
line of the preamble. `read_po_file` is the edge (bytes to rows); `import_po` is pure.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from ..banks.base import decode_text
from ..cells import CellError, parse_date, parse_int, parse_money
from ..changeset import ChangeSet, RowAppend
from ..errors import Refused
from ..findings import Finding, col_letter, finding
from ..money import format_money
from ..pricing import PriceList
from ..reader import Book
from ..records import Line, Order
from ..schema import norm
from .replies import fold

# Field -> header names (normalised: lower-case letters and digits), first match wins.
NAMES: dict[str, tuple[str, ...]] = {
    "sku": ("sku", "itemnumber", "itemno", "item", "itemcode", "productcode", "product", "style", "stylenumber",
            "vendorsku", "suppliersku", "yoursku", "article", "articlenumber", "artikel", "artikelnummer",
            "referencia", "reference", "ref", "codigo", "code", "partnumber"),
    "qty": ("qty", "quantity", "orderqty", "qtyordered", "quantityordered", "units", "pcs", "pieces", "cantidad",
            "menge", "anzahl", "quantite", "qte"),
    "unit_price": ("unitprice", "price", "unitcost", "cost", "wholesale", "wholesaleprice", "precio",
                   "preciounitario", "preis", "einzelpreis", "prixunitaire", "prix"),
    "description": ("description", "desc", "itemdescription", "productname", "name", "descripcion",
                    "beschreibung", "bezeichnung", "designation", "libelle"),
    "line_no": ("line", "lineno", "linenumber", "ln", "pos", "position"),
    "po_number": ("ponumber", "po", "pono", "purchaseorder", "purchaseordernumber", "ordernumber", "bestellnummer",
                  "numerodecommande", "numeropedido", "pedido", "bestellung"),
    "po_date": ("podate", "orderdate", "date", "fecha", "datum", "bestelldatum", "datedecommande"),
    "ship_date": ("shipdate", "requestedshipdate", "deliverydate", "shipby", "startship", "fechaentrega",
                  "liefertermin", "lieferdatum", "datedelivraison"),
    "cancel_date": ("canceldate", "cancelby", "cancelafter", "completedate"),
}
_HEADER_FIELDS = ("sku", "qty", "unit_price", "description", "line_no")


@dataclass(frozen=True)
class PoTable:
    """A PO file as rows of cells (the first sheet that has a header), with its name for findings."""

    name: str
    rows: tuple[tuple[object, ...], ...]


@dataclass(frozen=True)
class PoImport:
    """What import-po writes and what it found."""

    changes: ChangeSet
    findings: tuple[Finding, ...]
    po_number: str


def read_po_file(path: Path) -> PoTable:
    """CSV (any delimiter, UTF-8/UTF-16/cp1252) or a spreadsheet (.xlsx, .xls, .ods) as rows."""
    if not path.is_file():
        raise Refused(f"{path}: no such file")
    data = path.read_bytes()
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        from python_calamine import CalamineWorkbook

        try:
            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
            for i in range(len(book.sheet_names)):
                rows = book.get_sheet_by_index(i).to_python(skip_empty_area=False)
                if _header_index([tuple(r) for r in rows]) is not None:
                    return PoTable(path.name, tuple(tuple(r) for r in rows))
        except Exception as exc:  # calamine raises its own types for every kind of damage
            raise Refused(f"{path}: not a readable spreadsheet ({str(exc).splitlines()[0] if str(exc) else exc})") from None
        raise Refused(f"{path}: no sheet has a header with an SKU (or Item) and a Qty (or Quantity) column")
    if data.startswith(b"%PDF"):
        raise Refused(f"{path}: a PDF; poflow reads POs from CSV or Excel files (type a PDF's lines into the "
                      "Orders and Lines tabs)")
    text = decode_text(data)
    first = "\n".join(text.splitlines()[:20])
    delimiter = max(",;\t|", key=first.count)
    found = tuple(tuple(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    return PoTable(path.name, found)


def _text(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return "" if v is None else str(v).strip()


def _key(text: object) -> str:
    """A header as compared: accents folded (Código -> codigo), then lower-case letters and digits only."""
    return norm(fold(_text(text)))


def _match(header: Sequence[object], field: str) -> int | None:
    normed = [_key(h) for h in header]
    for name in NAMES[field]:
        if name in normed:
            return normed.index(name)
    return None


def _header_index(rows: Sequence[Sequence[object]]) -> int | None:
    for i, row in enumerate(rows[:40]):
        if _match(row, "sku") is not None and _match(row, "qty") is not None:
            return i
    return None


def _preamble(rows: Sequence[Sequence[object]]) -> dict[str, object]:
    """`PO Number: 5501` in one cell, or a label cell and the value beside it, above the header."""
    out: dict[str, object] = {}
    for row in rows:
        cells = [c for c in row if _text(c)]
        for i, cell in enumerate(cells):
            label, sep, value = _text(cell).partition(":")
            key = _key(label)
            for field in ("po_number", "po_date", "ship_date", "cancel_date"):
                if key in NAMES[field] and field not in out:
                    if sep and value.strip():
                        out[field] = value.strip()
                    elif i + 1 < len(cells):
                        out[field] = cells[i + 1]
    return out


def import_po(book: Book, table: PoTable, buyer_id: str, today: date, *, po: str = "") -> PoImport:
    """Orders and Lines rows for the PO, and findings for what tiers, MOQ and case packs say of it."""
    buyer = next((b for b in book.buyers if b.buyer_id == buyer_id), None)
    if buyer is None:
        known = ", ".join(b.buyer_id for b in book.buyers[:8]) or "none"
        raise Refused(f"{book.path}: unknown buyer {buyer_id!r} (Buyers tab); known buyers include: {known}")
    rows = table.rows
    h = _header_index(rows)
    if h is None:
        raise Refused(f"{table.name}: no header row with an SKU (or Item) and a Qty (or Quantity) column in the "
                      "first 40 rows")
    header = rows[h]
    col = {f: _match(header, f) for f in NAMES}
    meta = _preamble(rows[:h])
    body = [(h + 2 + i, r) for i, r in enumerate(rows[h + 1:])]

    def cell(r: Sequence[object], field: str) -> object:
        i = col[field]
        return r[i] if i is not None and i < len(r) else ""

    findings: list[Finding] = []

    def add(code: str, excel_row: int, field: str, value: object, message: str) -> None:
        i = col[field]
        head = _text(header[i]) if i is not None else field
        findings.append(finding(code, table.name, excel_row, head, col_letter(i) if i is not None else "",
                                value, f"{table.name} row {excel_row}, column \"{head}\": {message}"))

    number = po.strip() or _text(meta.get("po_number", "")) or next(
        (_text(cell(r, "po_number")) for _, r in body if _text(cell(r, "po_number"))), "")
    if not number:
        raise Refused(f"{table.name}: no PO number in the file (a PO Number column or a 'PO Number: ...' line); "
                      "give it with --po")
    existing = next((o for o in book.orders if o.po_number == number), None)
    cs = ChangeSet()
    if existing is not None:
        if existing.buyer_id != buyer_id:
            raise Refused(f"{book.path}: PO {number} exists already for buyer {existing.buyer_id}")
        cs.messages.append(f"PO {number} of {buyer_id} is in the Orders tab already; nothing imported")
        return PoImport(cs, (), number)

    def day(field: str) -> date | None:
        raw = meta.get(field) or next((cell(r, field) for _, r in body if _text(cell(r, field))), "")
        try:
            return parse_date(raw)
        except CellError:
            return None

    prices = PriceList(book.products, book.tiers)
    lines: list[Line] = []
    for excel_row, r in body:
        sku = _text(cell(r, "sku"))
        if not sku:
            continue  # blank rows, and totals rows with no SKU
        try:
            qty = parse_int(cell(r, "qty"))
        except CellError as exc:
            add("type", excel_row, "qty", cell(r, "qty"), f"{exc}; the line is left out")
            continue
        if not qty:
            continue
        try:
            price = parse_money(cell(r, "unit_price")) if col["unit_price"] is not None else None
        except CellError as exc:
            add("type", excel_row, "unit_price", cell(r, "unit_price"), f"{exc}; the tier price stands in")
            price = None
        n = len(lines) + 1
        line_no = cell(r, "line_no")
        if isinstance(line_no, float | int) and int(line_no) > 0 and int(line_no) not in {ln.line_no for ln in lines}:
            n = int(line_no)
        p = prices.products.get(sku)
        if p is None:
            add("unknown-reference", excel_row, "sku", sku, f"{sku!r} is not in the Products tab")
        else:
            if p.moq and qty < p.moq:
                add("below-moq", excel_row, "qty", qty, f"{qty} x {sku} is below the MOQ of {p.moq}")
            if p.case_pack and qty % p.case_pack:
                add("case-pack", excel_row, "qty", qty,
                    f"{qty} x {sku} is not a multiple of the case pack of {p.case_pack}")
            tier = prices.unit_price(sku, qty)
            if price is not None and tier is not None and price != tier:
                add("price-mismatch", excel_row, "unit_price", price,
                    f"the PO's {format_money(price)} differs from the tier price {format_money(tier)} for {qty} x {sku}")
        lines.append(Line(po_number=number, line_no=n, sku=sku, qty=qty, unit_price=price,
                          description=_text(cell(r, "description"))))
    if not lines:
        raise Refused(f"{table.name}: no lines with an SKU and a quantity below the header on row {h + 1}")
    order = Order(po_number=number, buyer_id=buyer_id, po_date=day("po_date") or today, status="draft",
                  ship_date=day("ship_date"), cancel_date=day("cancel_date"), notes=f"Imported from {table.name}")
    cs.appends.append(RowAppend("Orders", order, number))
    for ln in lines:
        cs.appends.append(RowAppend("Lines", ln, f"{number} / {ln.line_no}"))
    cs.messages.append(f"PO {number} of {buyer_id}: {len(lines)} line(s) imported from {table.name}"
                       + (f"; {len(findings)} finding(s) to resolve before `poflow acknowledge {number}`"
                          if findings else f"; next: `poflow acknowledge {number}`"))
    return PoImport(cs, tuple(findings), number)
