"""A `Document` as rows for a printable worksheet (one sheet per document, named by its number).

`sheet_rows(doc)` returns rows of cells; a cell is a plain value (str, Decimal, int, date or
None) or a `Cell` carrying the value with light formatting hints: `bold`, `money` (show as
#,##0.00: `MONEY_FORMAT`), `date` (show as `DATE_FORMAT`), `size` (font points) and `wrap`.
Money stays Decimal, never float. Column layout (widths in `COL_WIDTHS`, Excel characters):

    A #/Date  B SKU/Type  C Description/Number  D Qty/PO  E Unit/Due  F Unit price/Amount
    G Amount/Paid  H Status/Balance

`as_styled(rows, styled)` maps the cells onto the xlsx patcher's `Styled(value, bold=,
num_format=, wrap=, size=)` (passed in, so this module does not import the store).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..terms import long_date
from .model import MONEYLESS, Document, is_accepted, status_label
from .pdf import discount_sentence, full_title, tax_label

COL_WIDTHS: tuple[float, ...] = (11, 16, 40, 11, 11, 22, 14, 18)
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "d mmmm yyyy"

Value = str | Decimal | int | date | None


@dataclass(frozen=True, slots=True)
class Cell:
    """A value with formatting hints for the worksheet."""

    value: Value
    bold: bool = False
    money: bool = False
    date: bool = False
    size: float | None = None
    wrap: bool = False


Row = tuple[Cell | Value, ...]

_BAD_SHEET_CHARS = re.compile(r"[\[\]:*?/\\]")


def sheet_name(doc: Document) -> str:
    """The document number as a valid Excel sheet name: no []:*?/\\, no edge quote, <= 31 chars."""
    return number_sheet_name(doc.number.strip() or f"{doc.kind}-{doc.issue_date:%Y%m%d}")


def number_sheet_name(number: str) -> str:
    """The sheet name of the document with this number (`sheet_name`, from the number alone)."""
    name = _BAD_SHEET_CHARS.sub("-", number.strip())
    name = name.strip("'")[:31].strip("'")
    if name.lower() == "history":  # reserved by Excel
        name = f"{name}-doc"
    return name or "document"


def hashed_sheet_name(number: str, n: int = 1, base: str | None = None) -> str:
    """The sheet name of a document whose number does not fit a tab name, or whose name another document of
    the same run took: the name shortened, "~", 4 hex digits of the whole number (and `n` past the first)."""
    import hashlib

    suffix = "~" + hashlib.sha1(number.encode("utf-8")).hexdigest()[:4] + (str(n) if n > 1 else "")
    return (base or number_sheet_name(number))[: 31 - len(suffix)].rstrip("'") + suffix


def names_document(name: str, number: str) -> bool:
    """True when a tab of this name is the sheet of the document with this number (either form)."""
    key = name.casefold()
    if key == number_sheet_name(number).casefold():
        return True
    _head, tilde, tail = name.rpartition("~")
    if not tilde or len(tail) < 4:
        return False
    extra = tail[4:]
    n = int(extra) if extra.isdigit() and int(extra) > 1 else 1 if not extra else 0
    return n > 0 and key == hashed_sheet_name(number, n).casefold()


def _m(v: Decimal, bold: bool = False) -> Cell:
    return Cell(v, bold=bold, money=True)


def _d(v: date | None) -> Cell | None:
    return Cell(v, date=True) if v is not None else None


def sheet_rows(doc: Document) -> tuple[Row, ...]:
    """The document as worksheet rows, top to bottom, in the order the PDF shows it."""
    rows: list[Row] = []
    add = rows.append
    add((Cell(full_title(doc), bold=True, size=14),))
    for i, line in enumerate(doc.seller.lines()):
        add((Cell(line, bold=True) if i == 0 else line,))
    add(())
    number_label = "Statement no." if doc.kind == "statement" else "Number"
    add((Cell(number_label, bold=True), None, doc.number))
    add((Cell("Date", bold=True), None, _d(doc.issue_date)))
    if doc.po_number:
        add((Cell("Your PO", bold=True), None, Cell(doc.po_label, bold=True, size=12)))
    if doc.valid_until is not None:
        add((Cell("Valid until", bold=True), None, _d(doc.valid_until)))
    if doc.our_ref and not doc.no_buyer_po:
        add((Cell("Our order ref.", bold=True), None, doc.our_ref))
    if doc.related_invoice:
        add((Cell("Credits invoice", bold=True), None, doc.related_invoice))
    if doc.terms_text:
        add((Cell("Terms", bold=True), None, doc.terms_text))
    if doc.due_date is not None and doc.kind in ("invoice", "deposit_invoice"):
        add((Cell("Due date", bold=True), None, _d(doc.due_date)))
    if doc.requested_ship_date is not None:
        add((Cell("Requested ship date", bold=True), None, _d(doc.requested_ship_date)))
    if doc.promised_ship_date is not None:
        add((Cell("Promised ship date", bold=True), None, _d(doc.promised_ship_date)))
    add((Cell("Currency", bold=True), None, doc.currency))
    for label, value in doc.extra:
        add((Cell(label, bold=True), None, value))
    add(())
    add((Cell("Account" if doc.kind == "statement" else "Bill to", bold=True),))
    for line in doc.buyer.lines():
        add((None, None, line))
    if doc.ship_to is not None:
        add((Cell("Ship to", bold=True),))
        for line in doc.ship_to.lines():
            add((None, None, line))
    add(())
    if doc.kind == "acknowledgement":
        n = sum(1 for ln in doc.lines if not is_accepted(ln.status))
        add((Cell(f"EXCEPTIONS: {n} line(s) not accepted as ordered" if n else "EXCEPTIONS", bold=True),))
        for text in doc.exceptions or ("None: all lines accepted as ordered.",):
            add((None, None, text))
        add(())
    if doc.kind == "confirmation" and doc.ask_to_approve:
        add((Cell("Please reply 'approved' to this email to confirm this order exactly as shown.", bold=True),))
        add(())
    if doc.kind == "statement":
        _statement(doc, add)
    else:
        _lines(doc, add)
        if doc.kind not in MONEYLESS:
            _totals(doc, add)
    if doc.remit_to.strip() and doc.kind not in ("confirmation", "acknowledgement", "credit_note"):
        add(())
        add((Cell("Remit to", bold=True),))
        for line in doc.remit_to.splitlines():
            if line.strip():
                add((None, None, line.strip()))
    if doc.notes:
        add(())
        add((Cell("Notes", bold=True),))
        for note in doc.notes:
            add((None, None, note))
    return tuple(rows)


def _lines(doc: Document, add: Callable[[Row], None]) -> None:
    """The line table. A note or a promised date goes on its own row under its line, in the Description
    column: no wrapped cell, so no row height to guess and nothing printed over the next row."""
    def extras(*texts: str) -> None:
        for text in texts:
            for part in text.splitlines():
                if part.strip():
                    add((None, None, Cell(part.strip(), size=9)))

    if doc.kind == "linesheet":
        add(tuple(Cell(h, bold=True) for h in ("SKU", None, "Description", "Unit", "Case / MOQ", "Price by quantity")))
        for ln in doc.lines:
            add((ln.sku, None, ln.description, ln.unit, ln.qty, ln.tiers))
            extras(ln.note)
        return
    if doc.kind == "packing_slip" or (doc.kind == "invoice" and any(x.ordered_qty is not None for x in doc.lines)):
        slip = doc.kind == "packing_slip"
        heads = ("#", "SKU", "Description", "Ordered", "Shipped" if not slip else "This box",
                 "Backordered", "Unit price" if not slip else "Shipped before", "Amount" if not slip else None)
        add(tuple(Cell(h, bold=True) for h in heads if h is not None))
        for ln in doc.lines:
            base = (ln.line_no, ln.sku, ln.description, ln.ordered_qty, ln.qty, ln.backordered_qty or 0)
            add((*base, ln.shipped_before or 0) if slip else (*base, _m(ln.unit_price), _m(ln.amount)))
            extras(ln.note)
        return
    ack = doc.kind == "acknowledgement"
    header = ("#", "SKU", "Description", "Ordered" if ack else "Qty", "Accepted" if ack else "Unit", "Unit price", "Amount")
    add(tuple(Cell(h, bold=True) for h in (*header, "Status")) if ack else tuple(Cell(h, bold=True) for h in header))
    for ln in doc.lines:
        if ack:
            ordered = ln.ordered_qty if ln.ordered_qty is not None else ln.qty
            add((ln.line_no, ln.sku, ln.description, ordered, ln.qty, _m(ln.unit_price), _m(ln.amount),
                 status_label(ln.status) or "Accepted"))
        else:
            add((ln.line_no, ln.sku, ln.description, ln.qty, ln.unit, _m(ln.unit_price), _m(ln.amount)))
        extras(ln.note, f"Ships: {long_date(ln.promised_date)}" if ack and ln.promised_date is not None else "")


def _totals(doc: Document, add: Callable[[Row], None]) -> None:
    def total(label: str, value: Decimal, bold: bool = False) -> None:
        add((None, None, None, None, None, Cell(label, bold=bold), _m(value, bold)))

    add(())
    total("Subtotal", doc.subtotal)
    if doc.kind != "deposit_invoice":
        total(tax_label(doc), doc.tax)
    if doc.deposit_deductions:
        total("Invoice total", doc.total, True)
        for d in doc.deposit_deductions:
            add(
                (None, None, Cell(f"Less deposit invoice {d.number} of {long_date(d.date)}"), None, None, d.number, _m(-d.amount))
            )
    elif doc.amount_due != doc.total:
        total("Total", doc.total, True)
    final = {"credit_note": "Total credit", "confirmation": "Order total", "acknowledgement": "Order total",
             "quote": "Quote total"}
    total(f"{final.get(doc.kind, 'Amount due')} ({doc.currency})", doc.amount_due, True)
    if doc.tax_note:
        add((None, None, Cell(doc.tax_note, size=9)))
    add(())
    if doc.terms_text:
        add((None, None, f"Terms: {doc.terms_text}"))
    if doc.kind in ("invoice", "deposit_invoice") and doc.due_date is not None:
        add((None, None, Cell(f"Due: {long_date(doc.due_date)}", bold=True)))
    sentence = discount_sentence(doc)
    if sentence:
        add((None, None, Cell(sentence, bold=True)))


def _statement(doc: Document, add: Callable[[Row], None]) -> None:
    header = ("Date", "Type", "Number", "PO number", "Due", "Amount", "Paid / applied", "Balance")
    add(tuple(Cell(h, bold=True) for h in header))
    for r in doc.statement_rows:
        add((_d(r.date), r.kind, r.number, r.po_number, _d(r.due_date), _m(r.amount), _m(r.paid), _m(r.balance)))
    add(())
    add((None, None, None, None, None, None, Cell(f"Balance due ({doc.currency})", bold=True), _m(doc.amount_due, True)))
    if doc.aging:
        add(())
        add((Cell("Aging (days past due)", bold=True),))
        add((*(Cell(label, bold=True) for label, _ in doc.aging), Cell("Total due", bold=True)))
        add((*(_m(v) for _, v in doc.aging), _m(doc.amount_due, True)))


def as_styled(rows: Sequence[Row], styled: Callable[..., object]) -> list[list[object]]:
    """Rows with each `Cell` turned into `styled(value, bold=, num_format=, wrap=, size=)`."""
    out: list[list[object]] = []
    for row in rows:
        new: list[object] = []
        for c in row:
            if isinstance(c, Cell):
                fmt = MONEY_FORMAT if c.money else DATE_FORMAT if c.date else None
                new.append(styled(c.value, bold=c.bold, num_format=fmt, wrap=c.wrap, size=c.size))
            else:
                new.append(c)
        out.append(new)
    return out


__all__ = ["COL_WIDTHS", "DATE_FORMAT", "MONEY_FORMAT", "Cell", "as_styled", "hashed_sheet_name", "names_document",
           "number_sheet_name", "sheet_name", "sheet_rows"]
