"""Steps 1 and 2 of the flow as pure functions: the line sheet, the quote, and the order made from a quote.

A quote prices each line at the volume tier for its quantity and checks MOQ and case packs, proposing the
rounded quantity in a note without changing what was asked. An accepted, unexpired quote becomes an
order at the quoted prices; the quote records which order it became, so a second run changes nothing.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from .changeset import ChangeSet, RowAppend, SettingUpdate
from .documents.model import DocLine, Document, Party
from .errors import Refused
from .ledger import facts_of
from .money import ZERO, cents, format_money
from .reader import Book
from .records import Line, Order, Quote, QuoteLine
from .terms import TermsError, long_date, parse_terms


def parse_items(items: tuple[str, ...]) -> dict[str, int]:
    """`SKU=QTY` arguments as {SKU: quantity}; Refused for anything else."""
    out: dict[str, int] = {}
    for item in items:
        sku, sep, qty = item.strip().partition("=")
        if not sep or not sku.strip() or not qty.strip().isdigit() or int(qty) <= 0:
            raise Refused(f"{item!r}: expected SKU=QTY with a whole quantity above 0, such as CND-8OZ=48")
        out[sku.strip()] = out.get(sku.strip(), 0) + int(qty)
    return out


def _seller(book: Book) -> Party:
    s = book.settings
    return Party(s.seller_name or "(Seller Name not set)", s.seller_address, s.seller_email)


def _tiers_text(book: Book, sku: str) -> str:
    rows = facts_of(book).prices.tier_table(sku)
    return " / ".join(f"{q:,}+ {format_money(p)}" for q, p in rows)


def linesheet(book: Book, today: date, *, buyer: str = "") -> ChangeSet:
    """The line sheet buyers see before they inquire: every product, its case pack, MOQ and tier prices."""
    facts = facts_of(book)
    if not book.products:
        raise Refused(f"{book.path}: the Products tab has no products; nothing to put on a line sheet")
    party = Party("All buyers")
    notes = []
    if buyer:
        b = facts.buyer.get(buyer)
        if b is None:
            raise Refused(f"{book.path}: unknown buyer {buyer!r} (Buyers tab)")
        party = Party(b.name, b.bill_to, b.email)
        notes.append(f"Your terms: {facts.terms_text(None) if not b.terms else b.terms}.")
    first = book.settings.first_order_deposit_pct
    if first:
        notes.append(f"First orders: a deposit of {(first * 100).normalize():f}% before shipping.")
    notes.append("Prices per unit, before sales tax; orders in whole cases, at or above the MOQ.")
    lines = []
    for i, p in enumerate(sorted(book.products, key=lambda p: p.sku), start=1):
        pack = [f"case {p.case_pack}" if p.case_pack else "", f"MOQ {p.moq}" if p.moq else ""]
        lines.append(DocLine(
            line_no=i, sku=p.sku, description=p.description, qty=p.case_pack or 1, unit=p.unit,
            unit_price=p.unit_price, amount=ZERO, note=", ".join(x for x in pack if x),
            tiers=_tiers_text(book, p.sku)))
    number = f"LS-{today.isoformat()}" + (f"-{buyer}" if buyer else "")
    cs = ChangeSet()
    cs.documents.append(Document(
        kind="linesheet", number=number, issue_date=today, seller=_seller(book), buyer=party,
        currency=book.settings.currency, lines=tuple(lines), notes=tuple(notes)))
    cs.messages.append(f"line sheet {number}: {len(lines)} product(s)")
    return cs


def quote(book: Book, buyer: str, items: dict[str, int], today: date, *, valid_days: int | None = None,
          prospect: str = "") -> ChangeSet:
    """A quote (price confirmation) at the volume-tier prices; MOQ and case packs checked and proposed."""
    facts = facts_of(book)
    if not items:
        raise Refused("a quote needs at least one SKU=QTY")
    b = facts.buyer.get(buyer)
    if b is None and not prospect:
        known = ", ".join(sorted(facts.buyer)[:8]) or "none"
        raise Refused(f"{book.path}: unknown buyer {buyer!r} (Buyers tab; known: {known}); for a shop not in Buyers "
                      "yet, name it with --prospect \"Shop name\"")
    unknown = [sku for sku in items if sku not in facts.product]
    if unknown:
        known = ", ".join(sorted(facts.product)[:8]) or "none"
        raise Refused(f"{book.path}: unknown SKU {unknown[0]!r} (Products tab); known SKUs include: {known}")
    s = book.settings
    days = valid_days if valid_days is not None else s.quote_valid_days
    if days < 0:
        raise Refused(f"--valid-days {days}: expected 0 or more days")
    for q in book.quotes:  # the same request on the same day is the same quote (idempotent)
        if q.buyer_id == buyer and q.quote_date == today and q.status in ("inquiry", "quoted"):
            mine = {ql.sku: ql.qty for ql in book.quote_lines if ql.quote_number == q.quote_number}
            if mine == items:
                cs = ChangeSet()
                cs.messages.append(f"quote {q.quote_number} for {buyer} exists already (same items, same day)")
                return cs
    number = f"{s.quote_prefix}{s.next_quote_number:04d}"
    valid_until = today + timedelta(days=days)
    order = Order(po_number="", buyer_id=buyer, po_date=today, status="draft")
    terms = facts.terms_text(order)
    try:
        terms = parse_terms(terms).text
    except TermsError as exc:
        raise Refused(f"{book.path}: buyer {buyer!r}: {exc}") from None
    first = b is None or not any(o.buyer_id == buyer and o.status != "cancelled" for o in book.orders)
    pct = b.deposit_pct if b is not None and b.deposit_pct is not None else (
        (s.first_order_deposit_pct or s.default_deposit_pct) if first else s.default_deposit_pct)
    cs = ChangeSet()
    doc_lines, records = [], []
    for i, (sku, qty) in enumerate(items.items(), start=1):
        p = facts.product[sku]
        check = facts.prices.check_qty(sku, qty)
        price = facts.prices.unit_price(sku, qty) or ZERO
        note = ""
        if check.changed:
            better = facts.prices.unit_price(sku, check.proposed) or price
            note = (f"We propose {check.proposed} ({'; '.join(check.reasons)}) at {format_money(better)}; "
                    f"quoted as asked")
        tiers = _tiers_text(book, sku)
        records.append(QuoteLine(quote_number=number, line_no=i, sku=sku, qty=qty, unit_price=price,
                                 description=p.description, unit=p.unit, note=note))
        doc_lines.append(DocLine(
            line_no=i, sku=sku, description=p.description, qty=qty, unit=p.unit, unit_price=price,
            amount=cents(price * qty), note=note, tiers=tiers))
    subtotal = sum((d.amount for d in doc_lines), ZERO)
    exempt = b is not None and b.tax_exempt
    tax = ZERO if exempt else cents(subtotal * (s.tax_rate or ZERO))
    rec = Quote(quote_number=number, buyer_id=buyer, quote_date=today, valid_until=valid_until, status="quoted",
                prospect=prospect if b is None else "", terms=terms, deposit_pct=pct)
    cs.appends.append(RowAppend("Quotes", rec, number))
    for r in records:
        cs.appends.append(RowAppend("QuoteLines", r, f"{number} / {r.line_no}"))
    cs.settings.append(SettingUpdate("next_quote_number", s.next_quote_number + 1, s.next_quote_number))
    party = Party(b.name, b.bill_to, b.email) if b is not None else Party(prospect or buyer)
    notes = [f"Prices hold until {long_date(valid_until)}. Terms: {terms}."]
    if pct:
        notes.append(f"Deposit before shipping: {(pct * 100).normalize():f}% of the order total.")
    notes.append("Reply to accept; we then send the order confirmation (or send us your PO quoting this number).")
    tax_note = ("Exempt from sales tax" + (f": resale certificate {b.resale_certificate}" if b and b.resale_certificate
                                           else "")) if exempt else (
        f"Sales tax {((s.tax_rate or ZERO) * 100).normalize():f}%" if s.tax_rate else "No sales tax charged")
    cs.documents.append(Document(
        kind="quote", number=number, issue_date=today, seller=_seller(book), buyer=party, currency=s.currency,
        lines=tuple(doc_lines), subtotal=subtotal, tax=tax, tax_note=tax_note, total=subtotal + tax,
        amount_due=subtotal + tax, terms_text=terms, valid_until=valid_until, notes=tuple(notes)))
    cs.messages.append(f"quote {number} for {buyer}: {format_money(subtotal + tax)}, valid until {long_date(valid_until)}")
    return cs


def order_from_quote(book: Book, quote_number: str, today: date, *, po: str = "") -> ChangeSet:
    """Orders and Lines from an accepted (or quoted, accepted now), unexpired quote, at the quoted prices.
    Without a buyer PO, our confirmation number stands in as the order's reference."""
    facts = facts_of(book)
    q = next((x for x in book.quotes if x.quote_number == quote_number.strip()), None)
    if q is None:
        known = ", ".join(x.quote_number for x in book.quotes[:8]) or "none"
        raise Refused(f"{book.path}: unknown quote {quote_number!r} (Quotes tab); known quotes include: {known}")
    cs = ChangeSet()
    if q.po_number:
        cs.messages.append(f"quote {q.quote_number} is order {q.po_number} already")
        return cs
    if q.status in ("expired", "lost"):
        raise Refused(f"{book.path}: quote {q.quote_number} is {q.status}; quote again with `poflow quote`")
    if q.valid_until is not None and today > q.valid_until:
        raise Refused(f"{book.path}: quote {q.quote_number} expired on {long_date(q.valid_until)}; quote again "
                      "with `poflow quote` (prices may have changed)")
    if q.buyer_id not in facts.buyer:
        raise Refused(f"{book.path}: quote {q.quote_number} is for {q.buyer_id!r}, who is not in the Buyers tab; "
                      "add the buyer (name, email, terms) first")
    lines = [ql for ql in book.quote_lines if ql.quote_number == q.quote_number]
    if not lines:
        raise Refused(f"{book.path}: quote {q.quote_number} has no lines in the QuoteLines tab")
    s = book.settings
    our_ref = ""
    if not po:
        our_ref = f"{s.confirmation_prefix}{s.next_confirmation_number:04d}"
        cs.settings.append(SettingUpdate("next_confirmation_number", s.next_confirmation_number + 1,
                                         s.next_confirmation_number))
        po = our_ref
    if po in facts.order:
        raise Refused(f"{book.path}: PO {po} exists already in the Orders tab")
    order = Order(po_number=po, buyer_id=q.buyer_id, po_date=today, status="draft", our_ref=our_ref,
                  terms=q.terms, deposit_pct=q.deposit_pct, notes=f"From quote {q.quote_number}")
    cs.appends.append(RowAppend("Orders", order, po))
    for ql in lines:
        ln = Line(po_number=po, line_no=ql.line_no, sku=ql.sku, qty=ql.qty, unit_price=ql.unit_price,
                  description=ql.description, unit=ql.unit)
        cs.appends.append(RowAppend("Lines", ln, f"{po} / {ql.line_no}"))
    cs.update("Quotes", q, "status", "accepted", q.quote_number)
    cs.update("Quotes", q, "po_number", po, q.quote_number)
    total = sum((cents(ql.unit_price * ql.qty) for ql in lines), Decimal(0))
    ref = f"PO {po}" if not our_ref else f"order {po} (no buyer PO: our reference)"
    cs.messages.append(f"quote {q.quote_number}: {ref} with {len(lines)} line(s), {format_money(total)} before tax; "
                       f"next: `poflow confirm` (or `poflow acknowledge` when the buyer sent a PO)")
    return cs
