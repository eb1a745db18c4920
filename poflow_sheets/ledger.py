"""Derived facts of the order book, computed from inputs (never trusted from cached cells).

Pure functions over a Book: order totals, shipped quantities, deposits required and paid,
invoice amounts paid and balances. Every other module asks these questions here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property
from typing import TYPE_CHECKING

from .money import ZERO, cents
from .records import Allocation, Buyer, Invoice, Line, Order, Product, Settings, Shipment
from .terms import Terms, TermsError, parse_terms

if TYPE_CHECKING:
    from .reader import Book

PAYING_KINDS = ("invoice", "fee", "discount")  # allocation kinds that reduce an invoice's balance
FROM_PAYMENT_KINDS = ("invoice", "deposit", "credit")  # kinds whose money came out of the payment


@dataclass(frozen=True)
class Facts:
    """Indexes and sums over one Book's records, built once."""

    settings: Settings
    buyers: tuple[Buyer, ...]
    orders: tuple[Order, ...]
    lines: tuple[Line, ...]
    shipments: tuple[Shipment, ...]
    invoices: tuple[Invoice, ...]
    allocations: tuple[Allocation, ...]
    products: tuple[Product, ...] = ()

    @cached_property
    def buyer(self) -> dict[str, Buyer]:
        """Buyers by id."""
        return {b.buyer_id: b for b in self.buyers}

    @cached_property
    def product(self) -> dict[str, Product]:
        """Products by SKU."""
        return {p.sku: p for p in self.products}

    @cached_property
    def order(self) -> dict[str, Order]:
        """Orders by PO number."""
        return {o.po_number: o for o in self.orders}

    @cached_property
    def lines_of(self) -> dict[str, list[Line]]:
        """Lines by PO number, in line order."""
        out: dict[str, list[Line]] = defaultdict(list)
        for ln in self.lines:
            out[ln.po_number].append(ln)
        for v in out.values():
            v.sort(key=lambda ln: ln.line_no)
        return out

    @cached_property
    def shipped(self) -> dict[tuple[str, int], int]:
        """Units shipped per (PO, line)."""
        out: dict[tuple[str, int], int] = defaultdict(int)
        for s in self.shipments:
            out[(s.po_number, s.line_no)] += s.qty_shipped
        return out

    @cached_property
    def shipments_of(self) -> dict[str, list[Shipment]]:
        """Shipments by PO number."""
        out: dict[str, list[Shipment]] = defaultdict(list)
        for s in self.shipments:
            out[s.po_number].append(s)
        return out

    @cached_property
    def invoices_of(self) -> dict[str, list[Invoice]]:
        """Invoices by PO number."""
        out: dict[str, list[Invoice]] = defaultdict(list)
        for inv in self.invoices:
            out[inv.po_number].append(inv)
        return out

    @cached_property
    def invoice(self) -> dict[str, Invoice]:
        """Invoices by number."""
        return {i.invoice_number: i for i in self.invoices}

    @cached_property
    def paid(self) -> dict[str, Decimal]:
        """Amount settled per invoice number: its invoice, fee and discount allocations, and credit notes."""
        out: dict[str, Decimal] = defaultdict(lambda: ZERO)
        for a in self.allocations:
            if a.invoice_number and a.kind in PAYING_KINDS:
                out[a.invoice_number] += a.amount
        for inv in self.invoices:  # a credit note settles the invoice it corrects
            if inv.kind == "credit" and inv.related and inv.status != "void":
                out[inv.related] += -inv.total
        return out

    @cached_property
    def deposit_allocated(self) -> dict[str, Decimal]:
        """Deposit money received per PO: `deposit` allocations and allocations to deposit invoices."""
        out: dict[str, Decimal] = defaultdict(lambda: ZERO)
        kind = {i.invoice_number: i for i in self.invoices}
        for a in self.allocations:
            inv = kind.get(a.invoice_number) if a.invoice_number else None
            if a.kind == "deposit" or (inv is not None and inv.kind == "deposit" and a.kind in PAYING_KINDS):
                po = a.po_number or (inv.po_number if inv else "")
                if po:
                    out[po] += a.amount
        return out

    @cached_property
    def first_po_of_buyer(self) -> dict[str, str]:
        """Each buyer's first order (earliest PO date, then sheet order)."""
        out: dict[str, tuple[date, int, str]] = {}
        for o in self.orders:
            if o.status == "cancelled":
                continue
            key = (o.po_date or date.max, o.row, o.po_number)
            if o.buyer_id not in out or key < out[o.buyer_id]:
                out[o.buyer_id] = key
        return {b: v[2] for b, v in out.items()}

    def order_total(self, po: str) -> Decimal:
        """Sum of the PO's line amounts, in cents."""
        return sum((cents(ln.amount) for ln in self.lines_of.get(po, ())), ZERO)

    def shipped_value(self, po: str) -> Decimal:
        """Value of what has shipped on the PO, at the line prices, in cents."""
        total = ZERO
        for ln in self.lines_of.get(po, ()):
            q = self.shipped.get((po, ln.line_no), 0)
            if q:
                total += cents(ln.unit_price * q)
        return total

    def open_qty(self, ln: Line) -> int:
        """Units of a line still to ship."""
        return max(ln.qty - self.shipped.get((ln.po_number, ln.line_no), 0), 0)

    def deposit_pct(self, order: Order) -> Decimal:
        """The deposit share an order requires: the order's, else the buyer's, else the defaults."""
        if order.deposit_pct is not None:
            return order.deposit_pct
        buyer = self.buyer.get(order.buyer_id)
        if buyer is not None and buyer.deposit_pct is not None:
            return buyer.deposit_pct
        first = self.settings.first_order_deposit_pct
        if first and self.first_po_of_buyer.get(order.buyer_id) == order.po_number:
            return first
        return self.settings.default_deposit_pct

    def deposit_required(self, order: Order) -> Decimal:
        """Deposit amount required before shipping, in cents."""
        pct = self.deposit_pct(order)
        return cents(self.order_total(order.po_number) * pct) if pct else ZERO

    def deposit_paid(self, po: str) -> Decimal:
        """Deposit money received for the PO."""
        return self.deposit_allocated.get(po, ZERO)

    def deposit_outstanding(self, order: Order) -> Decimal:
        """Deposit still to be received before the order may ship."""
        return max(self.deposit_required(order) - self.deposit_paid(order.po_number), ZERO)

    def balance(self, inv: Invoice) -> Decimal:
        """Invoice total less what allocations settled."""
        return inv.total - self.paid.get(inv.invoice_number, ZERO)

    def terms_text(self, order: Order | None) -> str:
        """The terms that govern an order: the order's, else the buyer's, else the Settings default."""
        if order is not None and order.terms:
            return order.terms
        buyer = self.buyer.get(order.buyer_id) if order is not None else None
        if buyer is not None and buyer.terms:
            return buyer.terms
        return self.settings.default_terms

    def terms_for(self, order: Order | None) -> Terms | None:
        """Parsed governing terms, None when they cannot be parsed."""
        try:
            return parse_terms(self.terms_text(order))
        except TermsError:
            return None


def facts_of(book: Book) -> Facts:
    """Facts of a Book."""
    return Facts(book.settings, book.buyers, book.orders, book.lines, book.shipments, book.invoices,
                 book.allocations, book.products)


def invoice_status(total: Decimal, paid: Decimal) -> str:
    """The status a balance gives: open, partial or paid."""
    if paid <= 0:
        return "open" if total > 0 else "paid"
    return "paid" if paid >= total else "partial"


AGING_BUCKETS = ("Current", "1-30", "31-60", "61-90", "90+")  # the one aging rule: reports, statements, status


def aging_bucket(days_past_due: int) -> str:
    """The aging bucket of a balance this many days past due: Current (0 or less), 1-30, 31-60, 61-90, 90+."""
    if days_past_due <= 0:
        return "Current"
    if days_past_due <= 30:
        return "1-30"
    if days_past_due <= 60:
        return "31-60"
    if days_past_due <= 90:
        return "61-90"
    return "90+"
