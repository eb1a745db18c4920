"""Derived facts of the order book, computed from inputs (never trusted from cached cells).

Pure functions over a Book: order totals, shipped quantities, deposits required and paid,
invoice amounts paid and balances. Every other module asks these questions here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from functools import cached_property
from operator import attrgetter
from typing import TYPE_CHECKING, Protocol

from .money import ZERO, cents
from .pricing import PriceList
from .records import Allocation, Buyer, Claim, Invoice, Line, Order, PriceTier, Product, Settings, Shipment
from .schema import InvoiceStatus
from .terms import Terms, TermsError, parse_terms

if TYPE_CHECKING:
    from .reader import Book

class HasAllocation(Protocol):
    """A proposed allocation (reconcile's), which can become an Allocations row."""

    def to_allocation(self) -> Allocation: ...


_LINE_NO = attrgetter("line_no")
PAYING_KINDS = ("invoice", "fee", "discount")  # allocation kinds that reduce an invoice's balance
# A `deduction` (what a buyer held back for an open claim) is neither: the invoice stays open by it until the
# claim is settled (a credit note closes it) or rejected (it is still owed).
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
    tiers: tuple[PriceTier, ...] = ()
    claims: tuple[Claim, ...] = ()

    @cached_property
    def prices(self) -> PriceList:
        """Products and volume tiers, indexed."""
        return PriceList(self.products, self.tiers)

    @cached_property
    def buyer(self) -> dict[str, Buyer]:
        """Buyers by id."""
        return {b.buyer_id: b for b in self.buyers}

    @cached_property
    def product(self) -> dict[str, Product]:
        """Products by SKU."""
        return {p.sku: p for p in self.products}

    @cached_property
    def orders_of(self) -> dict[str, list[Order]]:
        """Orders by PO number, every row (a PO typed twice has two)."""
        out: dict[str, list[Order]] = defaultdict(list)
        for o in self.orders:
            out[o.po_number].append(o)
        return out

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
            if len(v) > 1:
                v.sort(key=_LINE_NO)
        return out

    @cached_property
    def shipped(self) -> dict[tuple[str, int], int]:
        """Units shipped per (PO, line) against the order: a replacement for a claim is not counted (it is
        neither more than was committed nor billed)."""
        out: dict[tuple[str, int], int] = defaultdict(int)
        for s in self.shipments:
            if not s.claim_number:
                out[(s.po_number, s.line_no)] += s.qty_shipped
        return out

    @cached_property
    def replaced(self) -> dict[tuple[str, int], int]:
        """Units shipped per (PO, line) as replacements for claims, at no charge."""
        out: dict[tuple[str, int], int] = defaultdict(int)
        for s in self.shipments:
            if s.claim_number:
                out[(s.po_number, s.line_no)] += s.qty_shipped
        return out

    @cached_property
    def claims_of(self) -> dict[str, list[Claim]]:
        """Claims by PO number, in sheet order."""
        out: dict[str, list[Claim]] = defaultdict(list)
        for c in self.claims:
            out[c.po_number].append(c)
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

    # -- one computation of an order's money: every document, status, validate and matching ask here --

    def unit_price(self, ln: Line) -> Decimal:
        """The line's agreed unit price; a blank one is the tier price for the ordered quantity."""
        if ln.unit_price is not None:
            return ln.unit_price
        return self.prices.unit_price(ln.sku, ln.qty) or ZERO

    def bill_price(self, ln: Line) -> Decimal:
        """The unit price billed: a substitute's own price when one is set, else the line's."""
        if ln.ack_status == "substituted" and ln.substitute_price is not None:
            return ln.substitute_price
        return self.unit_price(ln)

    def ship_sku(self, ln: Line) -> str:
        """The SKU that leaves the warehouse for a line: the substitute's when substituted."""
        return ln.substitute_sku if ln.ack_status == "substituted" and ln.substitute_sku else ln.sku

    def committed_qty(self, ln: Line) -> int:
        """What ships and is billed: the acknowledged quantity once acknowledged (0 when rejected), else
        the ordered one. A cancelled line keeps only what had shipped before it was cancelled."""
        if ln.ack_status == "rejected":
            return 0
        if ln.ack_status == "cancelled":
            return min(self.shipped.get((ln.po_number, ln.line_no), 0), ln.ack_qty if ln.ack_qty is not None else ln.qty)
        if ln.ack_status and ln.ack_qty is not None:
            return ln.ack_qty
        return ln.qty

    def tax_rate(self, order: Order | None) -> Decimal:
        """The sales-tax rate of an order: 0 for a buyer with a resale certificate, else Settings Tax Rate."""
        buyer = self.buyer.get(order.buyer_id) if order is not None else None
        if buyer is not None and buyer.tax_exempt:
            return ZERO
        return self.settings.tax_rate or ZERO

    def money_of(self, po: str, qty: Mapping[int, int] | None = None, *, ordered: bool = False) -> OrderMoney:
        """An order's money at its committed quantities (or `qty` per line, or the `ordered` ones):
        each line rounded to cents, tax on the subtotal rounded to cents, total = subtotal + tax."""
        subtotal = ZERO
        for ln in self.lines_of.get(po, ()):
            if qty is not None:
                q = qty.get(ln.line_no, 0)
            else:
                q = ln.qty if ordered else self.committed_qty(ln)
            if q:
                subtotal += cents((self.unit_price(ln) if ordered else self.bill_price(ln)) * q)
        tax = cents(subtotal * self.tax_rate(self.order.get(po)))
        return OrderMoney(subtotal, tax, subtotal + tax)

    def order_total(self, po: str) -> Decimal:
        """The order's total with tax, at the committed quantities, in cents."""
        return self.money_of(po).total

    def shipped_value(self, po: str) -> Decimal:
        """Value of what has shipped on the PO, before tax, at the billed prices, in cents."""
        return self.money_of(po, {ln.line_no: self.shipped.get((po, ln.line_no), 0)
                                  for ln in self.lines_of.get(po, ())}).subtotal

    def claim_value(self, claim: Claim) -> Decimal:
        """What a claim is worth: its quantity of the line at the billed price, with the order's tax, in cents
        (the credit note that settles it, and the short payment that deducts it, are this amount)."""
        return self.money_of(claim.po_number, {claim.line_no: claim.qty}).total

    def open_qty(self, ln: Line) -> int:
        """Units of a line still to ship: committed less shipped."""
        return max(self.committed_qty(ln) - self.shipped.get((ln.po_number, ln.line_no), 0), 0)

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
        """Deposit amount required before shipping, in cents: what the deposit invoice asked once one is
        issued (a later change of the order does not move it), else the deposit share of the order total."""
        asked = [i.total for i in self.invoices_of.get(order.po_number, ()) if i.kind == "deposit" and i.status != "void"]
        if asked:
            return sum(asked, ZERO)
        pct = self.deposit_pct(order)
        return cents(self.order_total(order.po_number) * pct) if pct else ZERO

    def deposit_paid(self, po: str) -> Decimal:
        """Deposit money received for the PO."""
        return self.deposit_allocated.get(po, ZERO)

    def deposit_outstanding(self, order: Order) -> Decimal:
        """Deposit still to be received before the order may ship."""
        return max(self.deposit_required(order) - self.deposit_paid(order.po_number), ZERO)

    def with_allocations(self, allocations: Iterable[Allocation | HasAllocation]) -> Facts:
        """The facts after these allocations are written (proposed ones are turned into rows)."""
        rows = tuple(a if isinstance(a, Allocation) else a.to_allocation() for a in allocations)
        return replace(self, allocations=(*self.allocations, *rows))

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
                 book.allocations, book.products, book.tiers, book.claims)


@dataclass(frozen=True)
class OrderMoney:
    """An order's (or a part of it) money: subtotal, tax and total, each in cents."""

    subtotal: Decimal
    tax: Decimal
    total: Decimal


def order_complete(facts: Facts, po: str) -> bool:
    """True when an order is done: every committed unit shipped, every shipment invoiced, and every deposit
    and final invoice paid (the rule every command that may close an order asks, and validate checks)."""
    lines = facts.lines_of.get(po)
    if not lines or any(facts.open_qty(ln) for ln in lines):
        return False
    ships = [s for s in facts.shipments_of.get(po, []) if not s.claim_number]  # replacements are not billed
    if not ships or any(not s.invoice_number for s in ships):
        return False
    invoices = [i for i in facts.invoices_of.get(po, []) if i.kind in ("deposit", "final") and i.status != "void"]
    return all(facts.balance(i) <= 0 for i in invoices)


def invoice_status(total: Decimal, paid: Decimal) -> InvoiceStatus:
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
