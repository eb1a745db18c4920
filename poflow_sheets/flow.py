"""The order flow's commands as pure functions: Book + request + today -> ChangeSet (or Refused).

confirm, approve, acknowledge, deposit invoice, ship, final invoice, credit note. Each is idempotent:
run again on the workbook it wrote, it returns an empty ChangeSet (re-rendering a missing PDF only).
Money is Decimal throughout; line amounts are rounded to cents and totals are sums of those.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from .changeset import ChangeSet, RowAppend, SettingUpdate
from .documents.model import DepositDeduction, DocLine, Document, Party
from .errors import Refused
from .ledger import Facts, facts_of
from .money import ZERO, cents, format_money
from .pricing import PriceList
from .reader import Book
from .records import Invoice, Line, Order, Product, Shipment
from .terms import Terms, TermsError, discount_amount, discount_date, due_date, long_date, parse_terms

Compute = Callable[[Book], ChangeSet]  # a command's pure part: the workbook read, the change it wants

PRE_APPROVAL = ("draft", "confirmation sent")
PRE_ACK = ("draft", "confirmation sent", "approved")


@dataclass(frozen=True)
class Context:
    """A Book with its derived facts, read once per command."""

    book: Book
    facts: Facts

    @classmethod
    def of(cls, book: Book) -> Context:
        """Build the facts of a Book."""
        return cls(book, facts_of(book))

    def order(self, po: str) -> Order:
        """The order with this PO number, or Refused naming the known ones."""
        o = self.facts.order.get(po)
        if o is None:
            known = ", ".join(list(self.facts.order)[:8]) or "none"
            raise Refused(f"{self.book.path}: unknown PO {po!r} (Orders tab); known POs include: {known}")
        return o

    def seller(self) -> Party:
        """The seller as printed on documents."""
        s = self.book.settings
        return Party(s.seller_name or "(Seller Name not set)", s.seller_address, s.seller_email)

    def buyer_party(self, order: Order) -> Party:
        """The buyer as printed on documents (bill-to)."""
        b = self.facts.buyer.get(order.buyer_id)
        if b is None:
            return Party(order.buyer_id)
        return Party(b.name, b.bill_to, b.email)

    def ship_to(self, order: Order) -> Party | None:
        """The ship-to party when it differs from bill-to."""
        b = self.facts.buyer.get(order.buyer_id)
        if b is None or not b.ship_to or b.ship_to == b.bill_to:
            return None
        return Party(b.name, b.ship_to)

    def terms(self, order: Order) -> Terms:
        """The order's governing terms, or Refused when there are none or they cannot be read."""
        text = self.facts.terms_text(order)
        if not text:
            raise Refused(f"{self.book.path}: PO {order.po_number}: buyer {order.buyer_id!r} has no terms and "
                          "Settings has no Default Terms; set one of them (e.g. Net 30)")
        try:
            return parse_terms(text)
        except TermsError as exc:
            raise Refused(f"{self.book.path}: PO {order.po_number}: {exc}") from None

    def product(self, sku: str) -> Product | None:
        """The product with this SKU."""
        return self.facts.product.get(sku)


def _number(prefix: str, n: int, width: int = 4) -> str:
    return f"{prefix}{n:0{width}d}"


def _doc_lines(lines: list[Line], qty: dict[int, int] | None = None) -> tuple[DocLine, ...]:
    out = []
    for ln in lines:
        q = ln.qty if qty is None else qty.get(ln.line_no, 0)
        if qty is not None and q == 0:
            continue
        out.append(DocLine(ln.line_no, ln.sku, ln.description or ln.sku, q, "", ln.unit_price,
                           cents(ln.unit_price * q), note=ln.note))
    return tuple(out)


# 1. Order confirmation ------------------------------------------------------------------------------

def confirmation_document(ctx: Context, order: Order, number: str, issued: date) -> Document:
    """The order confirmation a buyer answers "approved"."""
    lines = _doc_lines(ctx.facts.lines_of.get(order.po_number, []))
    subtotal = sum((ln.amount for ln in lines), ZERO)
    terms = ctx.terms(order)
    deposit = ctx.facts.deposit_required(order)
    notes = [f"Deposit due before shipping: {format_money(deposit, ctx.book.settings.currency)} "
             f"({(ctx.facts.deposit_pct(order) * 100).normalize():f}%)."] if deposit else []
    return Document("confirmation", number, issued, ctx.seller(), ctx.buyer_party(order), po_number=order.po_number,
                    our_ref=number, currency=ctx.book.settings.currency, lines=lines, subtotal=subtotal,
                    total=subtotal, amount_due=subtotal, terms_text=terms.text, requested_ship_date=order.ship_date,
                    notes=tuple(notes), ask_to_approve=True, ship_to=ctx.ship_to(order))


def confirm(book: Book, po: str, today: date) -> ChangeSet:
    """Assign our confirmation number (never reused) and issue the order confirmation."""
    ctx = Context.of(book)
    order = ctx.order(po)
    cs = ChangeSet()
    if not ctx.facts.lines_of.get(po):
        raise Refused(f"{book.path}: PO {po} has no lines in the Lines tab; nothing to confirm")
    if order.our_ref and order.confirmation_sent_on:
        cs.messages.append(f"PO {po}: confirmation {order.our_ref} was sent on {order.confirmation_sent_on}")
        return cs
    s = book.settings
    number = order.our_ref or _number(s.confirmation_prefix, s.next_confirmation_number)
    if not order.our_ref:
        cs.settings.append(SettingUpdate("next_confirmation_number", s.next_confirmation_number + 1,
                                         s.next_confirmation_number))
    cs.update("Orders", order, "our_ref", number, po)
    cs.update("Orders", order, "confirmation_sent_on", today, po)
    if order.status == "draft":
        cs.update("Orders", order, "status", "confirmation sent", po)
    cs.documents.append(confirmation_document(ctx, order, number, today))
    cs.messages.append(f"PO {po}: order confirmation {number}; ask the buyer to reply \"approved\"")
    return cs


def approve(book: Book, po: str, on: date) -> ChangeSet:
    """Record the buyer's "approved" answer to our confirmation."""
    ctx = Context.of(book)
    order = ctx.order(po)
    cs = ChangeSet()
    if order.approved_on is not None:
        cs.messages.append(f"PO {po}: already approved on {order.approved_on}")
        return cs
    if order.confirmation_sent_on is not None and on < order.confirmation_sent_on:
        raise Refused(f"{book.path}: PO {po}: an approval on {on} is before the confirmation was sent on "
                      f"{order.confirmation_sent_on}")
    if order.po_date is not None and on < order.po_date:
        raise Refused(f"{book.path}: PO {po}: an approval on {on} is before the PO date {order.po_date}")
    if order.status == "cancelled":
        raise Refused(f"{book.path}: PO {po} is cancelled")
    cs.update("Orders", order, "approved_on", on, po)
    if order.status in PRE_APPROVAL:
        cs.update("Orders", order, "status", "approved", po)
    cs.messages.append(f"PO {po}: approved on {on}")
    return cs


# 2. Acknowledgement ---------------------------------------------------------------------------------

def acknowledge(book: Book, po: str, today: date) -> ChangeSet:
    """Check stock, MOQ, case packs, tier prices and the ship date; answer every line (X12 855 style)."""
    ctx = Context.of(book)
    order = ctx.order(po)
    lines = ctx.facts.lines_of.get(po, [])
    if not lines:
        raise Refused(f"{book.path}: PO {po} has no lines in the Lines tab; nothing to acknowledge")
    cs = ChangeSet()
    if order.acknowledged_on is not None:
        cs.messages.append(f"PO {po}: already acknowledged on {order.acknowledged_on}")
        return cs
    if order.status == "cancelled":
        raise Refused(f"{book.path}: PO {po} is cancelled")
    lead = book.settings.lead_time_days
    earliest = today + timedelta(days=lead)
    promised = max(order.ship_date or earliest, earliest)
    exceptions: list[str] = []
    if order.ship_date and order.ship_date < earliest:
        exceptions.append(f"Requested ship date {long_date(order.ship_date)} cannot be met; "
                          f"earliest ship date {long_date(earliest)}.")
    doc_lines = []
    for ln in lines:
        p = ctx.product(ln.sku)
        status, qty, when, note = "accepted", ln.qty, promised, ""
        if p is None:
            status, qty, note = "rejected", 0, f"unknown SKU {ln.sku}"
        else:
            if p.moq and ln.qty < p.moq and not ln.note:
                status, qty = "quantity changed", p.moq
                note = f"raised to the MOQ of {p.moq}"
            if p.case_pack and qty % p.case_pack and not ln.note:
                qty = qty + p.case_pack - qty % p.case_pack
                status, note = "quantity changed", f"rounded up to whole cases of {p.case_pack}"
            if p.stock is not None and p.stock < qty:
                restock = today + timedelta(days=p.lead_time_days or lead)
                if p.stock <= 0:
                    when = max(restock, promised)
                    status, note = "backordered", f"out of stock; ships {long_date(when)}"
                else:
                    status, note = "backordered", (f"{p.stock} ship {long_date(promised)}, {qty - p.stock} backordered "
                                                   f"to {long_date(max(restock, promised))}")
                    when = max(restock, promised)
            price = PriceList(book.products, book.tiers).unit_price(ln.sku, qty)
            if price is not None and price != ln.unit_price and not ln.note:
                exceptions.append(f"Line {ln.line_no} ({ln.sku}): PO price {format_money(ln.unit_price)} differs from "
                                  f"our tier price {format_money(price)} for {qty}; we invoice the PO price only "
                                  "if you confirm it.")
        if status != "accepted":
            exceptions.append(f"Line {ln.line_no} ({ln.sku}): {status}: {note}.")
        cs.update("Lines", ln, "ack_status", status, f"{po} / {ln.line_no}")
        cs.update("Lines", ln, "ack_qty", qty, f"{po} / {ln.line_no}")
        cs.update("Lines", ln, "promised_date", when, f"{po} / {ln.line_no}")
        doc_lines.append(DocLine(ln.line_no, ln.sku, ln.description or ln.sku, qty, "", ln.unit_price,
                                 cents(ln.unit_price * qty), status=status.title(), note=note, promised_date=when,
                                 ordered_qty=ln.qty))
    cs.update("Orders", order, "acknowledged_on", today, po)
    if order.status in PRE_ACK:
        cs.update("Orders", order, "status", "acknowledged", po)
    subtotal = sum((d.amount for d in doc_lines), ZERO)
    deposit = ctx.facts.deposit_required(order)
    notes = (f"Deposit due before shipping: {format_money(deposit, book.settings.currency)}.",) if deposit else ()
    doc = Document("acknowledgement", f"ACK-{po}", today, ctx.seller(), ctx.buyer_party(order), po_number=po,
                   our_ref=order.our_ref, currency=book.settings.currency, lines=tuple(doc_lines), subtotal=subtotal,
                   total=subtotal, amount_due=subtotal, terms_text=ctx.terms(order).text,
                   requested_ship_date=order.ship_date, promised_ship_date=promised, exceptions=tuple(exceptions),
                   notes=notes, ship_to=ctx.ship_to(order))
    cs.documents.append(doc)
    cs.messages.append(f"PO {po}: acknowledged, {len(exceptions)} exception(s)")
    return cs


# 3. Invoices ----------------------------------------------------------------------------------------

def _next_invoice(book: Book, cs: ChangeSet) -> str:
    s = book.settings
    n = s.next_invoice_number + sum(1 for a in cs.appends if a.tab == "Invoices" and
                                    getattr(a.record, "kind", "") != "credit")
    return _number(s.invoice_prefix, n)


def _bump_invoice_number(book: Book, cs: ChangeSet) -> None:
    s = book.settings
    issued = sum(1 for a in cs.appends if a.tab == "Invoices" and getattr(a.record, "kind", "") != "credit")
    cs.settings = [u for u in cs.settings if u.key != "next_invoice_number"]
    cs.settings.append(SettingUpdate("next_invoice_number", s.next_invoice_number + issued, s.next_invoice_number))


def deposit_invoice(book: Book, po: str, today: date) -> ChangeSet:
    """Issue the deposit invoice an order requires (due on receipt)."""
    ctx = Context.of(book)
    order = ctx.order(po)
    cs = ChangeSet()
    required = ctx.facts.deposit_required(order)
    if required <= 0:
        raise Refused(f"{book.path}: PO {po} requires no deposit (deposit % is 0 on the order, the buyer and Settings)")
    existing = [i for i in ctx.facts.invoices_of.get(po, []) if i.kind == "deposit" and i.status != "void"]
    if existing:
        cs.messages.append(f"PO {po}: deposit invoice {existing[0].invoice_number} exists already")
        return cs
    number = _next_invoice(book, cs)
    inv = Invoice(number, "deposit", po, today, today, required, "open", "Due on receipt", ZERO, required)
    cs.appends.append(RowAppend("Invoices", inv, number))
    _bump_invoice_number(book, cs)
    pct = ctx.facts.deposit_pct(order)
    line = DocLine(1, "DEPOSIT", f"Deposit of {(pct * 100).normalize():f}% on PO {po} "
                   f"(order total {format_money(ctx.facts.order_total(po))})", 1, "", required, required)
    cs.documents.append(Document("deposit_invoice", number, today, ctx.seller(), ctx.buyer_party(order), po_number=po,
                                 our_ref=order.our_ref, currency=book.settings.currency, lines=(line,),
                                 subtotal=required, total=required, amount_due=required, terms_text="Due on receipt",
                                 due_date=today, tax_note=_tax_note(ctx, order, ZERO),
                                 remit_to=book.settings.remit_to))
    cs.messages.append(f"PO {po}: deposit invoice {number} for {format_money(required)}, due on receipt")
    return cs


def _tax_note(ctx: Context, order: Order, tax: Decimal) -> str:
    b = ctx.facts.buyer.get(order.buyer_id)
    if b is not None and b.tax_exempt:
        cert = f": resale certificate {b.resale_certificate}" if b.resale_certificate else ""
        return f"Exempt from sales tax{cert}"
    rate = ctx.book.settings.tax_rate
    return f"Sales tax {(rate * 100).normalize():f}%" if rate else "No sales tax charged"


def final_invoice(book: Book, po: str, today: date, cs: ChangeSet | None = None,
                  ctx: Context | None = None) -> ChangeSet:
    """Invoice what has shipped and is not yet invoiced, line for line against the PO."""
    ctx = ctx or Context.of(book)
    order = ctx.order(po)
    cs = cs if cs is not None else ChangeSet()
    ships = ctx.facts.shipments_of.get(po, [])
    if not ships:
        raise Refused(f"{book.path}: PO {po} has not shipped (no rows in the Shipments tab); "
                      "record the shipment with `poflow ship` first")
    todo = [s for s in ships if not s.invoice_number]
    if not todo:
        cs.messages.append(f"PO {po}: every shipment is invoiced already")
        return cs
    legacy = _billed_without_link(ctx, po)
    if legacy > 0:
        # Final invoices that name no shipment (made before poflow, or by hand) already bill goods:
        # never invoice those goods twice.
        value = _shipment_value(ctx, po, todo)
        if legacy >= value:
            cs.messages.append(f"PO {po}: what shipped is billed already by final invoices that name no shipment")
            return cs
        raise Refused(f"{book.path}: PO {po}: final invoices bill {format_money(legacy)} of goods without naming "
                      f"their shipments, and {format_money(value)} is shipped unbilled; fill 'Invoice Number' in the "
                      "Shipments tab for the shipments those invoices billed, then run again")
    terms = ctx.terms(order)
    number = _next_invoice(book, cs)
    qty: dict[int, int] = {}
    for s in todo:
        qty[s.line_no] = qty.get(s.line_no, 0) + s.qty_shipped
    lines = _doc_lines(ctx.facts.lines_of.get(po, []), qty)
    subtotal = sum((ln.amount for ln in lines), ZERO)
    b = ctx.facts.buyer.get(order.buyer_id)
    tax = ZERO if (b is not None and b.tax_exempt) else cents(subtotal * book.settings.tax_rate)
    deductions = _deposit_deductions(ctx, po, subtotal + tax)
    deducted = sum((d.amount for d in deductions), ZERO)
    total = subtotal + tax
    due = total - deducted
    when = due_date(today, terms)
    disc_date = discount_date(today, terms)
    disc = discount_amount(due, terms)
    inv = Invoice(number, "final", po, today, when, due, "open" if due > 0 else "paid", terms.text, ZERO, due,
                  tax=tax, deposit_deducted=deducted)
    cs.appends.append(RowAppend("Invoices", inv, number))
    for s in todo:
        cs.update("Shipments", s, "invoice_number", number, f"{s.shipment_id} / {po} / {s.line_no}")
    _bump_invoice_number(book, cs)
    open_left = any(ctx.facts.open_qty(ln) for ln in ctx.facts.lines_of.get(po, []))
    if not open_left and order.status not in ("invoiced", "paid", "closed"):
        cs.update("Orders", order, "status", "invoiced", po)
    doc = Document("invoice", number, today, ctx.seller(), ctx.buyer_party(order), po_number=po, our_ref=order.our_ref,
                   currency=book.settings.currency, lines=lines, subtotal=subtotal, tax=tax,
                   tax_note=_tax_note(ctx, order, tax), deposit_deductions=deductions, total=total, amount_due=due,
                   terms_text=terms.text, due_date=when, discount_date=disc_date, discount_amount=disc,
                   discounted_total=due - disc, discount_pct=terms.discount_pct, remit_to=book.settings.remit_to,
                   ship_to=ctx.ship_to(order))
    cs.documents.append(doc)
    cs.messages.append(f"PO {po}: invoice {number} for {format_money(due)}, due {long_date(when)}")
    return cs


def _shipment_value(ctx: Context, po: str, ships: list[Shipment]) -> Decimal:
    price = {ln.line_no: ln.unit_price for ln in ctx.facts.lines_of.get(po, [])}
    qty: dict[int, int] = {}
    for s in ships:
        qty[s.line_no] = qty.get(s.line_no, 0) + s.qty_shipped
    return sum((cents(price.get(n, ZERO) * q) for n, q in qty.items()), ZERO)


def _billed_without_link(ctx: Context, po: str) -> Decimal:
    """Goods billed by final invoices of the PO beyond the shipments that name an invoice."""
    finals = [i for i in ctx.facts.invoices_of.get(po, []) if i.kind == "final" and i.status != "void"]
    goods = sum((i.total + (i.deposit_deducted or ZERO) - (i.tax or ZERO) for i in finals), ZERO)
    linked = _shipment_value(ctx, po, [s for s in ctx.facts.shipments_of.get(po, []) if s.invoice_number])
    return max(goods - linked, ZERO)


def _deposit_deductions(ctx: Context, po: str, cap: Decimal) -> tuple[DepositDeduction, ...]:
    """Deposits received on the PO and not yet deducted by an earlier final invoice."""
    invs = ctx.facts.invoices_of.get(po, [])
    already = sum((i.deposit_deducted or ZERO for i in invs if i.kind == "final" and i.status != "void"), ZERO)
    out = []
    for dep in sorted((i for i in invs if i.kind == "deposit" and i.status != "void"), key=lambda i: i.row):
        paid = min(ctx.facts.paid.get(dep.invoice_number, ZERO), dep.total)
        take = min(max(paid - already, ZERO), cap)
        already = max(already - paid, ZERO)
        if take > 0:
            out.append(DepositDeduction(dep.invoice_number, dep.invoice_date or date.min, take))
            cap -= take
    loose = [a for a in ctx.book.allocations if a.kind == "deposit" and a.po_number == po and not a.invoice_number]
    for a in loose:
        take = min(max(a.amount - already, ZERO), cap)
        already = max(already - a.amount, ZERO)
        if take > 0:
            out.append(DepositDeduction(f"Deposit {a.transaction_id}", a.applied_on or date.min, take))
            cap -= take
    return tuple(out)


def ready_to_invoice(book: Book) -> list[str]:
    """POs with shipments that no final invoice covers yet."""
    seen: dict[str, None] = {}
    for s in book.shipments:
        if not s.invoice_number:
            seen.setdefault(s.po_number, None)
    return list(seen)


def invoice_all_ready(book: Book, today: date) -> ChangeSet:
    """Final invoices for every shipped, uninvoiced order, numbered in one run."""
    ctx = Context.of(book)
    cs = ChangeSet()
    for po in ready_to_invoice(book):
        if po in ctx.facts.order:
            try:
                final_invoice(book, po, today, cs, ctx)
            except Refused as exc:  # one PO that needs a person does not stop the batch
                cs.messages.append(f"skipped: {exc}")
    if not cs.appends:
        cs.messages.append("no shipped, uninvoiced orders")
    return cs


# 4. Shipments ---------------------------------------------------------------------------------------

def ship(book: Book, po: str, when: date, lines: dict[int, int] | None = None, *, carrier: str = "",
         tracking: str = "", note: str = "", force_reason: str = "") -> ChangeSet:
    """Record a shipment: every open quantity, or the given line quantities."""
    ctx = Context.of(book)
    order = ctx.order(po)
    cs = ChangeSet()
    if order.status == "cancelled":
        raise Refused(f"{book.path}: PO {po} is cancelled; nothing may ship")
    po_lines = {ln.line_no: ln for ln in ctx.facts.lines_of.get(po, [])}
    if not po_lines:
        raise Refused(f"{book.path}: PO {po} has no lines in the Lines tab")
    if tracking and any(s.tracking == tracking for s in ctx.facts.shipments_of.get(po, [])):
        cs.messages.append(f"PO {po}: a shipment with tracking {tracking} is recorded already")
        return cs
    wanted = lines if lines is not None else {n: ctx.facts.open_qty(ln) for n, ln in po_lines.items()}
    for n, q in wanted.items():
        if n not in po_lines:
            raise Refused(f"{book.path}: PO {po} has no line {n}; its lines are {', '.join(map(str, po_lines))}")
        if q < 0:
            raise Refused(f"{book.path}: PO {po} line {n}: a quantity of {q} is negative")
        left = ctx.facts.open_qty(po_lines[n])
        if q > left:
            raise Refused(f"{book.path}: PO {po} line {n}: shipping {q} is more than the {left} still open "
                          f"(ordered {po_lines[n].qty})")
    wanted = {n: q for n, q in wanted.items() if q > 0}
    if not wanted:
        cs.messages.append(f"PO {po}: nothing left to ship")
        return cs
    if order.po_date and when < order.po_date:
        raise Refused(f"{book.path}: PO {po}: a ship date of {when} is before the PO date {order.po_date}")
    owed = ctx.facts.deposit_outstanding(order)
    if owed > 0 and not force_reason:
        raise Refused(f"{book.path}: PO {po}: {format_money(owed)} of the required deposit is unpaid; "
                      "ship with --force --reason \"...\" to ship anyway (the reason is recorded)")
    existing = {s.shipment_id for s in book.shipments}
    n_id = len(existing) + 1
    while f"SH-{n_id:04d}" in existing:
        n_id += 1
    sid = f"SH-{n_id:04d}"
    text = "; ".join(x for x in (note, f"shipped with deposit unpaid: {force_reason}" if owed > 0 else "") if x)
    for n, q in sorted(wanted.items()):
        rec = Shipment(sid, po, n, q, when, carrier, tracking, text)
        cs.appends.append(RowAppend("Shipments", rec, f"{sid} / {po} / {n}"))
    after = {n: ctx.facts.open_qty(ln) - wanted.get(n, 0) for n, ln in po_lines.items()}
    status = "shipped" if not any(after.values()) else "partially shipped"
    if order.status in ("draft", "confirmation sent", "approved", "acknowledged", "deposit paid", "partially shipped"):
        cs.update("Orders", order, "status", status, po)
    if note:
        for n in wanted:
            ln = po_lines[n]
            if after[n] and not ln.note:
                cs.update("Lines", ln, "note", note, f"{po} / {n}")
    by_sku: dict[str, int] = {}
    for n, q in wanted.items():
        by_sku[po_lines[n].sku] = by_sku.get(po_lines[n].sku, 0) + q
    for sku, q in by_sku.items():
        p = ctx.product(sku)
        if p is not None and p.stock is not None and p.row:
            cs.update("Products", p, "stock", max(p.stock - q, 0), sku)
    cs.messages.append(f"PO {po}: shipment {sid}, {sum(wanted.values())} unit(s) on {len(wanted)} line(s); "
                       f"order {status}")
    return cs


# 5. Credit notes ------------------------------------------------------------------------------------

def credit(book: Book, invoice_number: str, today: date, *, amount: Decimal | None = None,
           lines: dict[int, int] | None = None, reason: str) -> ChangeSet:
    """A credit note for returns or damages, referencing the invoice and the PO, in its own sequence."""
    ctx = Context.of(book)
    inv = ctx.facts.invoice.get(invoice_number)
    if inv is None:
        raise Refused(f"{book.path}: unknown invoice {invoice_number!r} (Invoices tab)")
    if inv.kind == "credit":
        raise Refused(f"{book.path}: {invoice_number} is a credit note; credit the invoice it corrects")
    if not reason:
        raise Refused("a credit note needs --reason (returns, damages...)")
    order = ctx.order(inv.po_number)
    cs = ChangeSet()
    po_lines = {ln.line_no: ln for ln in ctx.facts.lines_of.get(inv.po_number, [])}
    if lines:
        doc_lines = []
        for n, q in lines.items():
            if n not in po_lines:
                raise Refused(f"{book.path}: PO {inv.po_number} has no line {n}")
            ln = po_lines[n]
            doc_lines.append(DocLine(n, ln.sku, f"Returned: {ln.description or ln.sku}", q, "", ln.unit_price,
                                     cents(ln.unit_price * q)))
        value = sum((d.amount for d in doc_lines), ZERO)
    elif amount is not None and amount > 0:
        value = cents(amount)
        doc_lines = [DocLine(1, "CREDIT", reason, 1, "", value, value)]
    else:
        raise Refused("a credit note needs --amount AMOUNT or --line N=QTY")
    if value > ctx.facts.balance(inv) + ctx.facts.paid.get(invoice_number, ZERO):
        raise Refused(f"{book.path}: a credit of {format_money(value)} is more than invoice {invoice_number} "
                      f"({format_money(inv.total)})")
    for other in ctx.book.invoices:
        if other.kind == "credit" and other.related == invoice_number and -other.total == value and \
                other.invoice_date == today:
            cs.messages.append(f"{invoice_number}: credit note {other.invoice_number} for {format_money(value)} "
                               "exists already")
            return cs
    s = book.settings
    number = _number(s.credit_prefix, s.next_credit_number)
    note = Invoice(number, "credit", inv.po_number, today, today, -value, "paid", "", ZERO, ZERO, related=invoice_number)
    cs.appends.append(RowAppend("Invoices", note, number))
    cs.settings.append(SettingUpdate("next_credit_number", s.next_credit_number + 1, s.next_credit_number))
    paid = ctx.facts.paid.get(invoice_number, ZERO) + value
    balance = inv.total - paid
    cs.update("Invoices", inv, "amount_paid", paid, invoice_number)
    cs.update("Invoices", inv, "balance", balance, invoice_number)
    cs.update("Invoices", inv, "status", "paid" if balance <= 0 else "partial", invoice_number)
    doc = Document("credit_note", number, today, ctx.seller(), ctx.buyer_party(order), po_number=inv.po_number,
                   our_ref=order.our_ref, currency=s.currency, lines=tuple(doc_lines), subtotal=value, total=value,
                   amount_due=value, related_invoice=invoice_number, notes=(f"Reason: {reason}",),
                   tax_note=_tax_note(ctx, order, ZERO))
    cs.documents.append(doc)
    cs.messages.append(f"{invoice_number}: credit note {number} for {format_money(value)}")
    return cs


def parse_line_qty(items: tuple[str, ...]) -> dict[int, int] | None:
    """`--line 2=10 --line 3=4` as {2: 10, 3: 4}; Refused for anything else."""
    if not items:
        return None
    out: dict[int, int] = {}
    for item in items:
        left, sep, right = item.partition("=")
        if not sep or not left.strip().isdigit() or not right.strip().lstrip("-").isdigit():
            raise Refused(f"--line {item!r}: expected LINE=QTY such as 2=10")
        out[int(left)] = int(right)
    return out
