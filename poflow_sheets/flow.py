"""The order flow's commands as pure functions: Book + request + today -> ChangeSet (or Refused).

confirm, approve, acknowledge (and its revisions), deposit invoice, ship (with a packing slip), final
invoice, credit note, cancel. Each is idempotent: run again on the workbook it wrote, it returns an
empty ChangeSet. Every figure comes from `ledger.Facts` (one computation of an order's money), and once
an order is acknowledged, the acknowledgement is the truth: its quantities, line statuses and
substitutes drive the deposit, what may ship, what is invoiced and `status`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from decimal import Decimal

from .changeset import ChangeSet, RowAppend, SettingUpdate
from .documents.model import DepositDeduction, DocLine, Document, Party
from .errors import Refused
from .ledger import Facts, OrderMoney, facts_of, invoice_status, order_complete
from .money import ZERO, cents, format_money
from .reader import Book
from .records import Invoice, Line, Order, Product, Shipment
from .schema import LineStatus, OrderStatus
from .terms import Terms, TermsError, discount_amount, discount_date, due_date, long_date, parse_terms

Compute = Callable[[Book], ChangeSet]  # a command's pure part: the workbook read, the change it wants

PRE_APPROVAL: tuple[OrderStatus, ...] = ("draft", "confirmation sent")
PRE_ACK: tuple[OrderStatus, ...] = ("draft", "confirmation sent", "approved")
PRE_SHIP: tuple[OrderStatus, ...] = ("draft", "confirmation sent", "approved", "acknowledged", "deposit paid",
                                     "partially shipped")
# Data errors that make any document of the order wrong; flow-state findings do not block documents.
BLOCKING_CODES = ("required", "type", "choice", "negative", "duplicate-key", "unknown-reference", "below-moq",
                  "price-mismatch", "date-order", "terms", "substitute")


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
        o = self.facts.order.get(po.strip())
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

    def lines(self, po: str) -> list[Line]:
        """The PO's lines, in line order."""
        return self.facts.lines_of.get(po, [])

    def tax_note(self, order: Order) -> str:
        """The tax sentence every document of the order prints the same way."""
        b = self.facts.buyer.get(order.buyer_id)
        if b is not None and b.tax_exempt:
            cert = f": resale certificate {b.resale_certificate}" if b.resale_certificate else ""
            return f"Exempt from sales tax{cert}"
        rate = self.facts.tax_rate(order)
        return f"Sales tax {(rate * 100).normalize():f}%" if rate else "No sales tax charged"

    def refuse_on_errors(self, order: Order, today: date, what: str) -> None:
        """Refuse a document for an order whose rows validate reports errors on, listing them."""
        from .validate import validate

        rows = {("Orders", order.row)} | {("Lines", ln.row) for ln in self.lines(order.po_number)}
        buyer = self.facts.buyer.get(order.buyer_id)
        if buyer is not None:
            rows.add(("Buyers", buyer.row))
        titles = {name: info.title for name, info in self.book.tables.items()}
        wanted = {(titles.get(tab, tab), row) for tab, row in rows if row}
        po = order.po_number
        # Only this order's rows (with the lists they point at) are validated: a batch of a thousand invoices
        # must not validate the whole book a thousand times.
        skus = {s for ln in self.lines(po) for s in (ln.sku, ln.substitute_sku) if s}
        own = replace(self.book, orders=tuple(self.facts.orders_of.get(po, ())),
                      buyers=tuple(b for b in (self.facts.buyer.get(order.buyer_id),) if b is not None),
                      products=tuple(p for p in (self.facts.product.get(s) for s in sorted(skus)) if p is not None),
                      tiers=tuple(t for s in sorted(skus) for t in self.facts.prices.tiers.get(s, ())),
                      lines=tuple(self.facts.lines_of.get(po, ())),
                      shipments=tuple(self.facts.shipments_of.get(po, ())),
                      invoices=tuple(self.facts.invoices_of.get(po, ())), payments=(), allocations=(),
                      quotes=(), quote_lines=(),
                      findings=tuple(f for f in self.book.findings if (f.tab, f.row) in wanted))
        found = [f for f in validate(own, today).findings
                 if f.severity == "error" and f.code in BLOCKING_CODES and (f.tab, f.row) in wanted]
        if found:
            listed = "; ".join(f.message for f in found[:5]) + (f"; and {len(found) - 5} more" if len(found) > 5 else "")
            raise Refused(f"{self.book.path}: no {what} for PO {order.po_number} while validate reports "
                          f"{len(found)} error(s) on it: {listed}")


def _number(prefix: str, n: int, width: int = 4) -> str:
    return f"{prefix}{n:0{width}d}"


def _key(ln: Line) -> str:
    return f"{ln.po_number} / {ln.line_no}"


def _fill_lines(ctx: Context, cs: ChangeSet, lines: Iterable[Line]) -> list[Line]:
    """Blank descriptions, units and unit prices filled in from Products and PriceTiers, and written into
    the row, so the order stays as agreed when the list changes later. Returns the filled lines."""
    out = []
    for ln in lines:
        p = ctx.product(ln.sku)
        new = ln
        if p is not None:
            if not ln.description and p.description:
                new = replace(new, description=p.description)
            if not ln.unit and p.unit:
                new = replace(new, unit=p.unit)
        if ln.unit_price is None:
            new = replace(new, unit_price=ctx.facts.unit_price(ln))
        for name in ("description", "unit", "unit_price"):
            cs.update("Lines", ln, name, getattr(new, name), _key(ln))
        out.append(new)
    return out


def _refresh(ctx: Context, lines: list[Line]) -> Context:
    """The context with some lines replaced (filled in or acknowledged), for computing the documents."""
    by_key = {(ln.po_number, ln.line_no): ln for ln in lines}
    book = replace(ctx.book, lines=tuple(by_key.get((ln.po_number, ln.line_no), ln) for ln in ctx.book.lines))
    return Context.of(book)


def _money_lines(ctx: Context, lines: Iterable[Line], qty: dict[int, int] | None = None, *,
                 ordered: bool = False) -> tuple[DocLine, ...]:
    """Document lines at the committed (or given, or ordered) quantities; prices as `Facts` bills them."""
    f = ctx.facts
    out = []
    for ln in lines:
        q = qty.get(ln.line_no, 0) if qty is not None else (ln.qty if ordered else f.committed_qty(ln))
        if qty is not None and q == 0:
            continue
        price = f.unit_price(ln) if ordered else f.bill_price(ln)
        sku = ln.sku if ordered else f.ship_sku(ln)
        desc = ln.description or ln.sku
        if sku != ln.sku:
            p = ctx.product(sku)
            desc = f"{p.description if p else sku} (substitute for {ln.sku})"
        out.append(DocLine(
            line_no=ln.line_no, sku=sku, description=desc, qty=q, unit=ln.unit, unit_price=price,
            amount=cents(price * q), note=ln.note))
    return tuple(out)


def _deposit_note(ctx: Context, order: Order, money: OrderMoney) -> tuple[str, ...]:
    """The deposit sentence: what was invoiced and received once a deposit invoice exists, else what is due."""
    f, cur = ctx.facts, ctx.book.settings.currency
    invoiced = [i for i in f.invoices_of.get(order.po_number, ()) if i.kind == "deposit" and i.status != "void"]
    if invoiced:
        paid = f.deposit_paid(order.po_number)
        numbers = ", ".join(i.invoice_number for i in invoiced)
        asked = sum((i.total for i in invoiced), ZERO)
        if paid >= asked:
            return (f"Deposit received: {format_money(paid, cur)} (invoice {numbers}); it is deducted on the final invoice.",)
        return (f"Deposit invoice {numbers} of {format_money(asked, cur)} is due before shipping "
                f"({format_money(paid, cur)} received).",)
    required = cents(money.total * f.deposit_pct(order))
    if not required:
        return ()
    pct = (f.deposit_pct(order) * 100).normalize()
    return (f"Deposit due before shipping: {format_money(required, cur)} "
            f"({pct:f}% of the order total {format_money(money.total)}).",)


# 1. Order confirmation ------------------------------------------------------------------------------

def confirmation_document(ctx: Context, order: Order, number: str, issued: date) -> Document:
    """The order confirmation a buyer answers "approved": the same money every later document uses."""
    po = order.po_number
    lines = _money_lines(ctx, ctx.lines(po), ordered=True)
    money = ctx.facts.money_of(po, ordered=True)
    return Document(
        kind="confirmation", number=number, issue_date=issued, seller=ctx.seller(), buyer=ctx.buyer_party(order),
        po_number=po, our_ref=number, currency=ctx.book.settings.currency, lines=lines, subtotal=money.subtotal,
        tax=money.tax, tax_note=ctx.tax_note(order), total=money.total, amount_due=money.total,
        terms_text=ctx.terms(order).text, requested_ship_date=order.ship_date,
        notes=_deposit_note(ctx, order, money), ask_to_approve=True, ship_to=ctx.ship_to(order))


def confirm(book: Book, po: str, today: date) -> ChangeSet:
    """Assign our confirmation number (never reused) and issue the order confirmation."""
    ctx = Context.of(book)
    order = ctx.order(po)
    po = order.po_number
    cs = ChangeSet()
    if not ctx.lines(po):
        raise Refused(f"{book.path}: PO {po} has no lines in the Lines tab; nothing to confirm")
    if order.our_ref and order.confirmation_sent_on:
        cs.messages.append(f"PO {po}: confirmation {order.our_ref} was sent on {order.confirmation_sent_on}")
        return cs
    if order.status == "cancelled":
        raise Refused(f"{book.path}: PO {po} is cancelled")
    ctx.refuse_on_errors(order, today, "order confirmation")
    s = book.settings
    number = order.our_ref or _number(s.confirmation_prefix, s.next_confirmation_number)
    if not order.our_ref:
        cs.settings.append(SettingUpdate("next_confirmation_number", s.next_confirmation_number + 1,
                                         s.next_confirmation_number))
    ctx = _refresh(ctx, _fill_lines(ctx, cs, ctx.lines(po)))
    cs.update("Orders", order, "our_ref", number, po)
    cs.update("Orders", order, "confirmation_sent_on", today, po)
    if order.status == "draft":
        cs.update("Orders", order, "status", "confirmation sent", po)
    cs.documents.append(confirmation_document(ctx, replace(order, our_ref=number), number, today))
    cs.messages.append(f"PO {po}: order confirmation {number} for {format_money(ctx.facts.money_of(po).total)}; "
                       "ask the buyer to reply \"approved\"")
    return cs


def approve(book: Book, po: str, on: date) -> ChangeSet:
    """Record the buyer's "approved": to our confirmation, or again to a revision that raised the total."""
    ctx = Context.of(book)
    order = ctx.order(po)
    po = order.po_number
    cs = ChangeSet()
    if order.status == "cancelled":
        raise Refused(f"{book.path}: PO {po} is cancelled")
    total = ctx.facts.order_total(po)
    if order.approved_on is not None and (order.approved_total is None or total <= order.approved_total):
        cs.messages.append(f"PO {po}: already approved on {order.approved_on}")
        return cs
    if order.confirmation_sent_on is not None and on < order.confirmation_sent_on:
        raise Refused(f"{book.path}: PO {po}: an approval on {on} is before the confirmation was sent on "
                      f"{order.confirmation_sent_on}")
    if order.po_date is not None and on < order.po_date:
        raise Refused(f"{book.path}: PO {po}: an approval on {on} is before the PO date {order.po_date}")
    if order.approved_on is not None:
        if order.acknowledged_on is not None and on < order.acknowledged_on:
            raise Refused(f"{book.path}: PO {po}: an approval on {on} is before the revised acknowledgement")
        cs.messages.append(f"PO {po}: the buyer approved the revised total {format_money(total)} on {on} "
                           f"(was {format_money(order.approved_total or ZERO)})")
    else:
        cs.messages.append(f"PO {po}: approved on {on}, total {format_money(total)}")
    cs.update("Orders", order, "approved_on", on, po)
    cs.update("Orders", order, "approved_total", total, po)
    if order.status in PRE_APPROVAL:
        cs.update("Orders", order, "status", "approved", po)
    return cs


# 2. Acknowledgement and its revisions ---------------------------------------------------------------

def acked_text(facts: Facts, ln: Line) -> str:
    """What an acknowledgement says of a line, in words a person can read and poflow can compare."""
    if ln.ack_status in ("rejected", "cancelled"):
        return ln.ack_status
    parts = [ln.ack_status or "accepted", str(facts.committed_qty(ln))]
    if ln.ack_status == "substituted":
        parts.append(f"as {facts.ship_sku(ln)} at {cents(facts.bill_price(ln)):f}")
    if ln.promised_date is not None:
        parts.append(f"by {ln.promised_date.isoformat()}")
    return " ".join(parts)


def revision_due(facts: Facts, order: Order) -> list[Line]:
    """Lines of an acknowledged order that differ from what the last acknowledgement said."""
    if order.acknowledged_on is None:
        return []
    return [ln for ln in facts.lines_of.get(order.po_number, [])
            if ln.acked_as and ln.acked_as != acked_text(facts, ln)]


def _propose(ctx: Context, ln: Line, today: date, promised: date) -> tuple[Line, str]:
    """A line's answer on the first acknowledgement: what a person set is kept; a blank status is
    proposed from the product (unknown SKU, MOQ, case pack, stock). Returns the line and the exception."""
    lead = ctx.book.settings.lead_time_days
    if ln.ack_status:  # set by a person: kept as typed; the quantity and date default sensibly
        qty = ln.ack_qty if ln.ack_qty is not None else (0 if ln.ack_status in ("rejected", "cancelled") else ln.qty)
        when = ln.promised_date or (None if ln.ack_status in ("rejected", "cancelled") else promised)
        why = ln.note or ""
        if ln.ack_status == "substituted":
            why = why or f"{ln.substitute_sku} ships instead of {ln.sku}"
        return replace(ln, ack_qty=qty, promised_date=when), why
    p = ctx.product(ln.sku)
    if p is None:
        return replace(ln, ack_status="rejected", ack_qty=0), f"unknown SKU {ln.sku}"
    status: LineStatus = "accepted"
    qty, when, why = ln.qty, promised, ""
    if not ln.note:
        check = ctx.facts.prices.check_qty(ln.sku, ln.qty)
        if check.changed:
            status, qty, why = "quantity changed", check.proposed, "; ".join(check.reasons)
    if p.stock is not None and p.stock < qty:
        restock = max(today + timedelta(days=p.lead_time_days or lead), promised)
        status, when = "backordered", restock
        why = ("out of stock" if p.stock <= 0 else f"{p.stock} in stock") + f"; ships {long_date(restock)}"
    return replace(ln, ack_status=status, ack_qty=qty, promised_date=when), why


def acknowledge(book: Book, po: str, today: date) -> ChangeSet:
    """Answer every line (X12 855 style); on an acknowledged order whose lines changed since, issue the
    revision ACK-PO-R2, R3... (a new document; the earlier ones are kept)."""
    ctx = Context.of(book)
    order = ctx.order(po)
    po = order.po_number
    lines = ctx.lines(po)
    if not lines:
        raise Refused(f"{book.path}: PO {po} has no lines in the Lines tab; nothing to acknowledge")
    if order.status == "cancelled":
        raise Refused(f"{book.path}: PO {po} is cancelled")
    cs = ChangeSet()
    first = order.acknowledged_on is None
    if not first and not revision_due(ctx.facts, order) and all(ln.acked_as for ln in lines):
        cs.messages.append(f"PO {po}: acknowledged on {order.acknowledged_on}; nothing changed since")
        return cs
    ctx.refuse_on_errors(order, today, "acknowledgement")
    if not first and not any(ln.acked_as for ln in lines):
        # Acknowledged before poflow recorded what an acknowledgement says: record it now, issue nothing.
        for ln in lines:
            cs.update("Lines", ln, "acked_as", acked_text(ctx.facts, ln), _key(ln))
        cs.update("Orders", order, "ack_revision", order.ack_revision or 1, po)
        cs.messages.append(f"PO {po}: acknowledged on {order.acknowledged_on}; recorded what it says of "
                           f"{len(lines)} line(s) (Acknowledged As), so later changes are told by a revision")
        return cs
    lines = _fill_lines(ctx, cs, lines)
    earliest = today + timedelta(days=book.settings.lead_time_days)
    promised = max(order.ship_date or earliest, earliest)
    exceptions: list[str] = []
    if first and order.ship_date and order.ship_date < earliest:
        exceptions.append(f"Requested ship date {long_date(order.ship_date)} cannot be met; "
                          f"earliest ship date {long_date(earliest)}.")
    answered: list[Line] = []
    whys: dict[int, str] = {}
    for ln in lines:
        if first or not ln.acked_as:
            new, why = _propose(ctx, ln, today, promised)
        else:
            new, why = ln, ln.note
        answered.append(new)
        whys[ln.line_no] = why
    ctx = _refresh(ctx, answered)
    f = ctx.facts
    revision = 1 if first else (order.ack_revision or 1) + 1
    number = f"ACK-{po}" if revision == 1 else f"ACK-{po}-R{revision}"
    doc_lines = []
    for old, ln in zip(lines, answered, strict=True):
        text = acked_text(f, ln)
        status = ln.ack_status or "accepted"
        if first and status != "accepted":
            price = f.prices.unit_price(ln.sku, f.committed_qty(ln))
            exceptions.append(f"Line {ln.line_no} ({ln.sku}): {status}: {whys[ln.line_no] or text}.")
            if price is not None and ln.unit_price is not None and price != ln.unit_price and not ln.note \
                    and status == "quantity changed":
                exceptions.append(f"Line {ln.line_no} ({ln.sku}): {f.committed_qty(ln)} would be priced "
                                  f"{format_money(price)} at our tiers; we keep your price {format_money(ln.unit_price)}.")
        elif first and old.unit_price is not None:
            price = f.prices.unit_price(ln.sku, ln.qty)
            if price is not None and price != old.unit_price and not ln.note:
                exceptions.append(f"Line {ln.line_no} ({ln.sku}): PO price {format_money(old.unit_price)} differs "
                                  f"from our tier price {format_money(price)} for {ln.qty}; we invoice the PO price "
                                  "only if you confirm it.")
        if not first and old.acked_as != text:
            what = f"changed from \"{old.acked_as}\" to" if old.acked_as else "added:"
            exceptions.append(f"Line {ln.line_no} ({ln.sku}): {what} \"{text}\"" + (f": {ln.note}" if ln.note else "") + ".")
        for name in ("ack_status", "ack_qty", "promised_date"):
            cs.update("Lines", old, name, getattr(ln, name), _key(ln))
        cs.update("Lines", old, "acked_as", text, _key(ln))
        doc_lines.append(replace(_money_lines(ctx, [ln])[0], status=status.title(), promised_date=ln.promised_date,
                                 note=whys[ln.line_no] if status != "accepted" else ln.note, ordered_qty=ln.qty))
    money = f.money_of(po)
    notes = list(_deposit_note(ctx, order, money))
    approved = order.approved_total
    if approved is None and order.confirmation_sent_on is None:
        approved = f.money_of(po, ordered=True).total  # the buyer's own PO is its approval of its total
    if approved is not None and money.total > approved:
        notes.append(f"This {'revision' if not first else 'acknowledgement'} raises the order total from "
                     f"{format_money(approved)} to {format_money(money.total)}: please reply \"approved\" "
                     "before we ship.")
    if first:
        cs.update("Orders", order, "acknowledged_on", today, po)
        if order.approved_total is None and approved is not None and order.confirmation_sent_on is None:
            cs.update("Orders", order, "approved_total", approved, po)
        if order.status in PRE_ACK:
            cs.update("Orders", order, "status", "acknowledged", po)
    cs.update("Orders", order, "ack_revision", revision, po)
    doc = Document(
        kind="acknowledgement", number=number, issue_date=today, seller=ctx.seller(), buyer=ctx.buyer_party(order),
        po_number=po, our_ref=order.our_ref, currency=book.settings.currency, lines=tuple(doc_lines),
        subtotal=money.subtotal, tax=money.tax, tax_note=ctx.tax_note(order), total=money.total,
        amount_due=money.total, terms_text=ctx.terms(order).text, requested_ship_date=order.ship_date,
        promised_ship_date=max((ln.promised_date for ln in answered if ln.promised_date), default=promised),
        exceptions=tuple(exceptions), notes=tuple(notes), ship_to=ctx.ship_to(order), revision=revision)
    cs.documents.append(doc)
    what = "acknowledged" if first else f"revised acknowledgement {number} issued"
    cs.messages.append(f"PO {po}: {what}, {len(exceptions)} exception(s), total {format_money(money.total)}")
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
    """Issue the deposit invoice an order requires (due on receipt), on the acknowledged total with tax."""
    ctx = Context.of(book)
    order = ctx.order(po)
    po = order.po_number
    cs = ChangeSet()
    required = ctx.facts.deposit_required(order)
    if required <= 0:
        raise Refused(f"{book.path}: PO {po} requires no deposit (deposit % is 0 on the order, the buyer and Settings)")
    existing = [i for i in ctx.facts.invoices_of.get(po, []) if i.kind == "deposit" and i.status != "void"]
    if existing:
        cs.messages.append(f"PO {po}: deposit invoice {existing[0].invoice_number} exists already")
        return cs
    ctx.refuse_on_errors(order, today, "deposit invoice")
    number = _next_invoice(book, cs)
    inv = Invoice(invoice_number=number, kind="deposit", po_number=po, invoice_date=today, due_date=today,
                  total=required, status="open", terms="Due on receipt", amount_paid=ZERO, balance=required)
    cs.appends.append(RowAppend("Invoices", inv, number))
    _bump_invoice_number(book, cs)
    pct = ctx.facts.deposit_pct(order)
    money = ctx.facts.money_of(po)
    line = DocLine(
        line_no=1, sku="DEPOSIT",
        description=f"Deposit of {(pct * 100).normalize():f}% on PO {po} "
                   f"(order total {format_money(money.total)})",
        qty=1, unit="", unit_price=required, amount=required)
    tax_note = ctx.tax_note(order)
    if money.tax:
        tax_note = f"The order total includes {tax_note.lower()} ({format_money(money.tax)}); the deposit is a share of it"
    cs.documents.append(Document(
        kind="deposit_invoice", number=number, issue_date=today, seller=ctx.seller(), buyer=ctx.buyer_party(order),
        po_number=po, our_ref=order.our_ref, currency=book.settings.currency, lines=(line,), subtotal=required,
        total=required, amount_due=required, terms_text="Due on receipt", due_date=today, tax_note=tax_note,
        remit_to=book.settings.remit_to))
    cs.messages.append(f"PO {po}: deposit invoice {number} for {format_money(required)}, due on receipt")
    return cs


def final_invoice(book: Book, po: str, today: date, cs: ChangeSet | None = None,
                  ctx: Context | None = None) -> ChangeSet:
    """Invoice what has shipped and is not yet invoiced, line for line: ordered, shipped, backordered."""
    ctx = ctx or Context.of(book)
    order = ctx.order(po)
    po = order.po_number
    cs = cs if cs is not None else ChangeSet()
    ships = ctx.facts.shipments_of.get(po, [])
    if not ships:
        raise Refused(f"{book.path}: PO {po} has not shipped (no rows in the Shipments tab); "
                      "record the shipment with `poflow ship` first")
    todo = [s for s in ships if not s.invoice_number and not s.claim_number]  # a replacement is not billed
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
    ctx.refuse_on_errors(order, today, "invoice")
    terms = ctx.terms(order)
    number = _next_invoice(book, cs)
    f = ctx.facts
    qty: dict[int, int] = {}
    for s in todo:
        qty[s.line_no] = qty.get(s.line_no, 0) + s.qty_shipped
    money = f.money_of(po, qty)
    lines = tuple(replace(d, ordered_qty=ln.qty, backordered_qty=f.open_qty(ln))
                  for d, ln in _with_lines(_money_lines(ctx, ctx.lines(po), qty), ctx.lines(po)))
    deductions = _deposit_deductions(ctx, po, money.total)
    deducted = sum((d.amount for d in deductions), ZERO)
    due = money.total - deducted
    when = due_date(today, terms)
    disc = discount_amount(due, terms)
    inv = Invoice(invoice_number=number, kind="final", po_number=po, invoice_date=today, due_date=when, total=due,
                  status="open" if due > 0 else "paid", terms=terms.text, amount_paid=ZERO, balance=due,
                  tax=money.tax, deposit_deducted=deducted)
    cs.appends.append(RowAppend("Invoices", inv, number))
    for s in todo:
        cs.update("Shipments", s, "invoice_number", number, f"{s.shipment_id} / {po} / {s.line_no}")
    _bump_invoice_number(book, cs)
    notes = []
    short = [ln for ln in ctx.lines(po) if f.committed_qty(ln) < ln.qty]
    if short:
        notes.append("Not shipped and not billed: " + "; ".join(
            f"line {ln.line_no} {ln.qty - f.committed_qty(ln)} of {ln.qty} ({ln.ack_status or 'changed'})"
            for ln in short) + ".")
    open_left = any(f.open_qty(ln) for ln in ctx.lines(po))
    # Complete once this invoice is issued (ledger.order_complete, asked without rebuilding the facts of the
    # whole book for each order of a batch): nothing open, every shipment billed, every invoice paid.
    others_paid = all(f.balance(i) <= 0 for i in f.invoices_of.get(po, []) if i.kind in ("deposit", "final")
                      and i.status != "void")
    if not open_left and due <= 0 and others_paid:
        cs.update("Orders", order, "status", "closed", po)
        cs.messages.append(f"PO {po}: shipped, invoiced and paid by its deposit; order closed")
    elif not open_left and order.status not in ("invoiced", "paid", "closed"):
        cs.update("Orders", order, "status", "invoiced", po)
    doc = Document(
        kind="invoice", number=number, issue_date=today, seller=ctx.seller(), buyer=ctx.buyer_party(order),
        po_number=po, our_ref=order.our_ref, currency=book.settings.currency, lines=lines, subtotal=money.subtotal,
        tax=money.tax, tax_note=ctx.tax_note(order), deposit_deductions=deductions, total=money.total,
        amount_due=due, terms_text=terms.text, due_date=when, discount_date=discount_date(today, terms),
        discount_amount=disc, discounted_total=due - disc, discount_pct=terms.discount_pct,
        remit_to=book.settings.remit_to, ship_to=ctx.ship_to(order), notes=tuple(notes))
    cs.documents.append(doc)
    cs.messages.append(f"PO {po}: invoice {number} for {format_money(due)}, due {long_date(when)}")
    return cs


def _with_lines(docs: tuple[DocLine, ...], lines: list[Line]) -> list[tuple[DocLine, Line]]:
    by_no = {ln.line_no: ln for ln in lines}
    return [(d, by_no[d.line_no]) for d in docs]


def _shipment_value(ctx: Context, po: str, ships: list[Shipment]) -> Decimal:
    qty: dict[int, int] = {}
    for s in ships:
        qty[s.line_no] = qty.get(s.line_no, 0) + s.qty_shipped
    return ctx.facts.money_of(po, qty).subtotal


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
        if not s.invoice_number and not s.claim_number:
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

def _ship_refusals(ctx: Context, order: Order, wanted: dict[int, int], lines: dict[int, Line]) -> list[str]:
    """Why this shipment may not leave as asked (each a sentence); [] when it may."""
    f, po = ctx.facts, order.po_number
    out = []
    if order.acknowledged_on is None:
        out.append(f"PO {po} is not acknowledged; ship only what was acknowledged: run `poflow acknowledge` first")
    changed = revision_due(f, order)
    if changed:
        nums = ", ".join(str(ln.line_no) for ln in changed)
        out.append(f"PO {po} line(s) {nums} changed since the last acknowledgement; tell the buyer first: "
                   "`poflow acknowledge` issues the revision")
    total = f.order_total(po)
    if order.approved_total is not None and total > order.approved_total:
        out.append(f"PO {po}: the acknowledged total {format_money(total)} is more than the "
                   f"{format_money(order.approved_total)} the buyer approved; record the buyer's approval with "
                   "`poflow approve` first")
    for n, q in wanted.items():
        ln = lines[n]
        left = f.open_qty(ln)
        if 0 < q < left and ln.ack_status != "backordered":
            out.append(f"PO {po} line {n}: shipping {q} of the {left} acknowledged is a short-ship; tell the buyer "
                       "first: set the line's Ack Qty (or Ack Status 'backordered' with a Promised Date) and run "
                       "`poflow acknowledge` to issue the revision")
    owed = f.deposit_outstanding(order)
    if owed > 0:
        out.append(f"PO {po}: {format_money(owed)} of the required deposit is unpaid")
    need: dict[str, int] = {}
    for n, q in wanted.items():
        need[f.ship_sku(lines[n])] = need.get(f.ship_sku(lines[n]), 0) + q
    for sku, q in need.items():
        p = ctx.product(sku)
        if p is not None and p.stock is not None and p.stock < q:
            out.append(f"{sku}: shipping {q} with {p.stock} in stock would take stock below zero; correct Stock On "
                       "Hand in Products or ship less")
    return out


def next_shipment_id(book: Book) -> str:
    """The id the next shipment gets: SH-0001, SH-0002... (never one in use)."""
    existing = {s.shipment_id for s in book.shipments}
    n_id = len(existing) + 1
    while f"SH-{n_id:04d}" in existing:
        n_id += 1
    return f"SH-{n_id:04d}"


def ship(book: Book, po: str, when: date, lines: dict[int, int] | None = None, *, carrier: str = "",
         tracking: str = "", note: str = "", force_reason: str = "") -> ChangeSet:
    """Record a shipment of what was acknowledged (every open quantity, or the given line quantities), take
    it off stock, and issue its packing slip. Refused: more than acknowledged, a short-ship or substitute not
    told first, a raised total not approved again, stock below zero, an unpaid deposit (--force --reason)."""
    ctx = Context.of(book)
    order = ctx.order(po)
    po = order.po_number
    cs = ChangeSet()
    if order.status == "cancelled":
        raise Refused(f"{book.path}: PO {po} is cancelled; nothing may ship")
    po_lines = {ln.line_no: ln for ln in ctx.lines(po)}
    if not po_lines:
        raise Refused(f"{book.path}: PO {po} has no lines in the Lines tab")
    if tracking and any(s.tracking == tracking for s in ctx.facts.shipments_of.get(po, [])):
        cs.messages.append(f"PO {po}: a shipment with tracking {tracking} is recorded already")
        return cs
    f = ctx.facts
    wanted = lines if lines is not None else {n: f.open_qty(ln) for n, ln in po_lines.items()}
    for n, q in wanted.items():
        if n not in po_lines:
            raise Refused(f"{book.path}: PO {po} has no line {n}; its lines are {', '.join(map(str, po_lines))}")
        if q < 0:
            raise Refused(f"{book.path}: PO {po} line {n}: a quantity of {q} is negative")
        left = f.open_qty(po_lines[n])
        if q > left:
            raise Refused(f"{book.path}: PO {po} line {n}: shipping {q} is more than the {left} still open "
                          f"(acknowledged {f.committed_qty(po_lines[n])}, ordered {po_lines[n].qty})")
    wanted = {n: q for n, q in wanted.items() if q > 0}
    if not wanted:
        cs.messages.append(f"PO {po}: nothing left to ship")
        return cs
    if order.po_date and when < order.po_date:
        raise Refused(f"{book.path}: PO {po}: a ship date of {when} is before the PO date {order.po_date}")
    why_not = _ship_refusals(ctx, order, wanted, po_lines)
    if why_not and not force_reason:
        raise Refused(f"{book.path}: " + "; ".join(why_not) + "; or ship with --force --reason \"...\" "
                      "(the reason is recorded)")
    sid = next_shipment_id(book)
    forced = f"shipped with --force: {force_reason} ({'; '.join(why_not)})" if why_not else ""
    text = "; ".join(x for x in (note, forced) if x)
    for n, q in sorted(wanted.items()):
        rec = Shipment(shipment_id=sid, po_number=po, line_no=n, qty_shipped=q, ship_date=when,
                       sku=f.ship_sku(po_lines[n]), carrier=carrier, tracking=tracking, note=text)
        cs.appends.append(RowAppend("Shipments", rec, f"{sid} / {po} / {n}"))
    after = {n: f.open_qty(ln) - wanted.get(n, 0) for n, ln in po_lines.items()}
    status: OrderStatus = "shipped" if not any(after.values()) else "partially shipped"
    if order.status in PRE_SHIP:
        cs.update("Orders", order, "status", status, po)
    by_sku: dict[str, int] = {}
    for n, q in wanted.items():
        sku = f.ship_sku(po_lines[n])
        by_sku[sku] = by_sku.get(sku, 0) + q
    for sku, q in by_sku.items():
        p = ctx.product(sku)
        if p is not None and p.stock is not None and p.row:
            if p.stock < q:
                cs.messages.append(f"{sku}: stock {p.stock} is less than the {q} shipped (forced); Stock On Hand "
                                   "set to 0: count the stock and correct it")
            cs.update("Products", p, "stock", max(p.stock - q, 0), sku)
    slip = []
    for n, ln in po_lines.items():
        if n not in wanted:
            continue
        d = _money_lines(ctx, [ln], {n: wanted[n]})[0]
        before = f.shipped.get((po, n), 0)
        slip.append(replace(d, ordered_qty=ln.qty, shipped_before=before, backordered_qty=after[n], note=""))
    cs.documents.append(Document(
        kind="packing_slip", number=f"PS-{sid}", issue_date=when, seller=ctx.seller(), buyer=ctx.buyer_party(order),
        po_number=po, our_ref=order.our_ref, currency=book.settings.currency, lines=tuple(slip),
        ship_to=ctx.ship_to(order) or ctx.buyer_party(order),
        notes=tuple(x for x in (f"Carrier: {carrier}" if carrier else "",
                                                         f"Tracking: {tracking}" if tracking else "", note) if x)))
    cs.messages.append(f"PO {po}: shipment {sid}, {sum(wanted.values())} unit(s) on {len(wanted)} line(s); "
                       f"order {status}")
    return cs


# 5. Credit notes ------------------------------------------------------------------------------------

def credit(book: Book, invoice_number: str, today: date, *, amount: Decimal | None = None,
           lines: dict[int, int] | None = None, reason: str, label: str = "Returned", notes: tuple[str, ...] = (),
           on_account: bool = False, claim: str = "") -> ChangeSet:
    """A credit note for returns or damages, referencing the invoice and the PO, in its own sequence.

    `label` starts each credited line's description; `notes` are printed after the reason. With `on_account`
    (the invoice is paid already) the credit note does not settle the invoice: it stays open on the buyer's
    account, to be taken off a later invoice or refunded. `claim` names the buyer claim it settles (printed; the
    claim's own status, not the credit's amount and date, tells a rerun that it is settled)."""
    ctx = Context.of(book)
    inv = ctx.facts.invoice.get(invoice_number.strip())
    if inv is None:
        raise Refused(f"{book.path}: unknown invoice {invoice_number!r} (Invoices tab)")
    if inv.kind == "credit":
        raise Refused(f"{book.path}: {invoice_number} is a credit note; credit the invoice it corrects")
    if not reason:
        raise Refused("a credit note needs --reason (returns, damages...)")
    order = ctx.order(inv.po_number)
    cs = ChangeSet()
    po_lines = {ln.line_no: ln for ln in ctx.lines(inv.po_number)}
    rate = ctx.facts.tax_rate(order)
    if lines:
        for n in lines:
            if n not in po_lines:
                raise Refused(f"{book.path}: PO {inv.po_number} has no line {n}")
        doc_lines = tuple(replace(d, description=f"{label}: {d.description}")
                          for d in _money_lines(ctx, list(po_lines.values()), lines))
        subtotal = sum((d.amount for d in doc_lines), ZERO)
        tax = cents(subtotal * rate)
    elif amount is not None and amount > 0:
        subtotal, tax = cents(amount), ZERO
        doc_lines = (DocLine(
            line_no=1, sku="CREDIT", description=reason, qty=1, unit="", unit_price=subtotal, amount=subtotal),)
    else:
        raise Refused("a credit note needs --amount AMOUNT or --line N=QTY")
    value = subtotal + tax
    if value > ctx.facts.balance(inv) + ctx.facts.paid.get(inv.invoice_number, ZERO):
        raise Refused(f"{book.path}: a credit of {format_money(value)} is more than invoice {inv.invoice_number} "
                      f"({format_money(inv.total)})")
    for other in ctx.book.invoices:
        if not claim and not on_account and other.kind == "credit" and other.related == inv.invoice_number and \
                -other.total == value and other.invoice_date == today:
            cs.messages.append(f"{inv.invoice_number}: credit note {other.invoice_number} for {format_money(value)} "
                               "exists already")
            return cs
    s = book.settings
    number = _number(s.credit_prefix, s.next_credit_number)
    cs.settings.append(SettingUpdate("next_credit_number", s.next_credit_number + 1, s.next_credit_number))
    printed = (f"Reason: {reason}", *notes)
    if on_account:
        note = Invoice(invoice_number=number, kind="credit", po_number=inv.po_number, invoice_date=today,
                       due_date=today, total=-value, status="open", amount_paid=ZERO, balance=-value,
                       tax=-tax if tax else None)
        cs.appends.append(RowAppend("Invoices", note, number))
        printed += (f"Invoice {inv.invoice_number} is paid: this credit stays on your account; it is taken off your "
                    "next invoice, or refunded on request.",)
    else:
        note = Invoice(invoice_number=number, kind="credit", po_number=inv.po_number, invoice_date=today,
                       due_date=today, total=-value, status="paid", amount_paid=ZERO, balance=ZERO,
                       related=inv.invoice_number, tax=-tax if tax else None)
        cs.appends.append(RowAppend("Invoices", note, number))
        paid = ctx.facts.paid.get(inv.invoice_number, ZERO) + value
        balance = inv.total - paid
        cs.update("Invoices", inv, "amount_paid", paid, inv.invoice_number)
        cs.update("Invoices", inv, "balance", balance, inv.invoice_number)
        cs.update("Invoices", inv, "status", invoice_status(inv.total, paid), inv.invoice_number)
        after = replace(ctx.facts, invoices=(*ctx.facts.invoices, note))
        if order.status not in ("closed", "cancelled") and order_complete(after, order.po_number):
            cs.update("Orders", order, "status", "closed", order.po_number)
            cs.messages.append(f"PO {order.po_number}: settled in full; order closed")
    doc = Document(
        kind="credit_note", number=number, issue_date=today, seller=ctx.seller(), buyer=ctx.buyer_party(order),
        po_number=inv.po_number, our_ref=order.our_ref, currency=s.currency, lines=doc_lines, subtotal=subtotal,
        tax=tax, total=value, amount_due=value, related_invoice=inv.invoice_number, notes=printed,
        tax_note=ctx.tax_note(order), extra=(("Settles claim", claim),) if claim else ())
    cs.documents.append(doc)
    where = "on the buyer's account" if on_account else f"against {inv.invoice_number}"
    cs.messages.append(f"{inv.invoice_number}: credit note {number} for {format_money(value)} {where}")
    return cs


# 6. Cancellation -------------------------------------------------------------------------------------

def cancel(book: Book, po: str, today: date, *, lines: tuple[int, ...] = (), reason: str) -> ChangeSet:
    """Cancel the order or some lines (what has not shipped). A deposit paid beyond what the order now
    costs becomes a credit on account (an unapplied credit note); the order closes when nothing is left."""
    ctx = Context.of(book)
    order = ctx.order(po)
    po = order.po_number
    if not reason.strip():
        raise Refused("cancel needs --reason \"...\" (it is recorded)")
    cs = ChangeSet()
    po_lines = {ln.line_no: ln for ln in ctx.lines(po)}
    for n in lines:
        if n not in po_lines:
            raise Refused(f"{book.path}: PO {po} has no line {n}; its lines are {', '.join(map(str, po_lines))}")
    f = ctx.facts
    targets = [po_lines[n] for n in lines] if lines else list(po_lines.values())
    targets = [ln for ln in targets if ln.ack_status not in ("cancelled", "rejected") and f.open_qty(ln) > 0]
    if not targets:
        cs.messages.append(f"PO {po}: nothing left to cancel")
        return cs
    changed = []
    for ln in targets:
        shipped = f.shipped.get((po, ln.line_no), 0)
        new = replace(ln, ack_status="cancelled", ack_qty=shipped,
                      note="; ".join(x for x in (ln.note, f"cancelled {today.isoformat()}: {reason}") if x))
        for name in ("ack_status", "ack_qty", "note"):
            cs.update("Lines", ln, name, getattr(new, name), _key(ln))
        changed.append(new)
    ctx2 = _refresh(ctx, changed)
    f2 = ctx2.facts
    nothing_shipped = not f.shipments_of.get(po)
    whole = all(f2.open_qty(ln) == 0 for ln in f2.lines_of.get(po, []))
    if whole:  # nothing is left to tell: the cancellation itself is the last word on every line
        for old, new in zip(targets, changed, strict=True):
            if old.acked_as:
                cs.update("Lines", old, "acked_as", acked_text(f2, new), _key(old))
    paid = f.deposit_paid(po)
    billed = sum((i.total + (i.deposit_deducted or ZERO) for i in f.invoices_of.get(po, [])
                  if i.kind == "final" and i.status != "void"), ZERO)
    still = f2.order_total(po) - billed  # what the remaining goods will still cost
    deducted = sum((i.deposit_deducted or ZERO for i in f.invoices_of.get(po, []) if i.kind == "final"), ZERO)
    excess = paid - deducted - max(still, ZERO)
    if excess > 0:
        s = book.settings
        number = _number(s.credit_prefix, s.next_credit_number)
        note = Invoice(invoice_number=number, kind="credit", po_number=po, invoice_date=today, due_date=today,
                       total=-excess, status="open", amount_paid=ZERO, balance=-excess)
        cs.appends.append(RowAppend("Invoices", note, number))
        cs.settings.append(SettingUpdate("next_credit_number", s.next_credit_number + 1, s.next_credit_number))
        cs.documents.append(Document(
            kind="credit_note", number=number, issue_date=today, seller=ctx.seller(), buyer=ctx.buyer_party(order),
            po_number=po, our_ref=order.our_ref, currency=s.currency,
            lines=(DocLine(
                line_no=1, sku="CREDIT", description=f"Deposit paid on cancelled goods of PO {po}", qty=1, unit="",
                unit_price=excess, amount=excess),),
            subtotal=excess, total=excess, amount_due=excess, related_invoice=f"deposit on PO {po}",
            notes=(f"Reason: {reason}", "Credit on account: it is taken off your next invoice, or refunded on request."),
            tax_note=ctx.tax_note(order)))
        cs.messages.append(f"PO {po}: {format_money(excess)} of deposit becomes credit note {number} on account")
    if whole and nothing_shipped:
        cs.update("Orders", order, "status", "cancelled", po)
        cs.messages.append(f"PO {po}: order cancelled ({reason})")
    elif whole and order_complete(f2, po) and excess <= 0:
        cs.update("Orders", order, "status", "closed", po)
        cs.messages.append(f"PO {po}: the rest cancelled; shipped, invoiced and paid; order closed")
    else:
        nums = ", ".join(str(ln.line_no) for ln in changed)
        cs.messages.append(f"PO {po}: line(s) {nums} cancelled ({reason}); tell the buyer with `poflow acknowledge`")
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
