"""Buyer claims as pure commands: record a claim on a shipped line, decide it, settle it.

A claim (short, damaged, wrong item, return) is recorded in the Claims tab with a number from the Settings
sequence; one reported later than `Claim Window Days` after delivery (Shipments' Delivered On, else the ship
date) is recorded and flagged Late. It is settled by a credit note (the existing credit sequence, against the
invoice that billed the goods while that invoice's balance covers it, else on the buyer's account), by a
replacement shipment at no charge (a packing slip marked replacement, stock taken off; the shipment names the
claim, so `ledger.Facts` neither counts it against the order nor bills it), or with no remedy; or rejected.
Each function returns a ChangeSet and is idempotent like every command of `flow`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta
from typing import Literal

from .changeset import ChangeSet, RowAppend, SettingUpdate
from .documents.model import Document
from .errors import Refused
from .flow import Context, _money_lines, _number, credit, next_shipment_id
from .ledger import Facts
from .money import format_money
from .reader import Book
from .records import Claim, Invoice, Shipment
from .schema import CLAIM_KINDS, ClaimKind, ClaimStatus

Settlement = Literal["credit", "replacement", "none"]
SETTLEMENTS: tuple[Settlement, ...] = ("credit", "replacement", "none")
OPEN: tuple[ClaimStatus, ...] = ("open", "approved")  # a claim still to be settled or rejected
CREDIT_LABEL: dict[str, str] = {"short": "Not received", "damaged": "Damaged", "wrong item": "Wrong item",
                                "return": "Returned"}


def parse_kind(text: str) -> ClaimKind:
    """A claim kind as a person types it (`wrong-item`, `Damaged`), or Refused naming the kinds."""
    want = " ".join(text.strip().lower().replace("-", " ").replace("_", " ").split())
    for kind in CLAIM_KINDS:
        if kind == want:
            return kind
    raise Refused(f"--kind {text!r}: expected one of {', '.join(CLAIM_KINDS)}")


def _key(c: Claim) -> str:
    return c.claim_number


def delivered_on(facts: Facts, po: str, line_no: int, before: date | None = None) -> date | None:
    """When the goods of a line reached the buyer: the latest Delivered On (else ship date) of its shipments
    up to `before` (the day a claim was reported); None when nothing had shipped."""
    when = None
    for s in facts.shipments_of.get(po, []):
        if s.line_no != line_no:
            continue
        got = s.delivered_on or s.ship_date
        if got is None or (before is not None and s.ship_date is not None and s.ship_date > before):
            continue
        when = got if when is None else max(when, got)
    return when


def days_late(facts: Facts, c: Claim) -> int:
    """Days a claim was reported after its window closed (Settings Claim Window Days after delivery); 0 if in time."""
    got = delivered_on(facts, c.po_number, c.line_no, c.reported_on)
    if got is None or c.reported_on is None:
        return 0
    return max((c.reported_on - (got + timedelta(days=facts.settings.claim_window_days))).days, 0)


def claimed(facts: Facts, po: str, line_no: int, *, but: str = "") -> int:
    """Units claimed on a line by claims not rejected (leaving out claim `but`)."""
    return sum(c.qty for c in facts.claims_of.get(po, [])
               if c.line_no == line_no and c.status != "rejected" and c.claim_number != but)


def shipped_all(facts: Facts, po: str, line_no: int) -> int:
    """Units that left for a line: shipped against the order and as replacements (a replacement may be claimed)."""
    return facts.shipped.get((po, line_no), 0) + facts.replaced.get((po, line_no), 0)


def claim_invoice(facts: Facts, c: Claim) -> Invoice | None:
    """The invoice that billed the goods claimed: the claim's own Invoice Number, else the final invoice of the
    line's latest invoiced shipment (None while nothing of the line is invoiced)."""
    if c.invoice_number:
        return facts.invoice.get(c.invoice_number)
    billed = [s for s in facts.shipments_of.get(c.po_number, [])
              if s.line_no == c.line_no and not s.claim_number and s.invoice_number]
    if not billed:
        return None
    last = max(billed, key=lambda s: (s.ship_date or date.min, s.row))
    return facts.invoice.get(last.invoice_number)


def open_claims(facts: Facts, po: str) -> list[Claim]:
    """The PO's claims still to be settled or rejected."""
    return [c for c in facts.claims_of.get(po, []) if c.status in OPEN]


def record(book: Book, po: str, today: date, *, line: int, kind: ClaimKind, qty: int, statement: str = "",
           files: tuple[str, ...] = (), reported_on: date | None = None) -> ChangeSet:
    """Record a buyer's claim on a shipped line (never for more than shipped and not yet claimed); flagged Late
    when reported after the claim window."""
    ctx = Context.of(book)
    order = ctx.order(po)
    po = order.po_number
    f = ctx.facts
    cs = ChangeSet()
    when = reported_on or today
    lines = {ln.line_no: ln for ln in ctx.lines(po)}
    if line not in lines:
        raise Refused(f"{book.path}: PO {po} has no line {line}; its lines are {', '.join(map(str, lines)) or 'none'}")
    if qty <= 0:
        raise Refused(f"--qty {qty}: a claim is for 1 unit or more")
    for c in f.claims_of.get(po, []):
        if (c.line_no, c.kind, c.qty, c.reported_on, c.statement) == (line, kind, qty, when, statement):
            cs.messages.append(f"PO {po} line {line}: this claim is recorded already as {c.claim_number} ({c.status})")
            return cs
    left = shipped_all(f, po, line) - claimed(f, po, line)
    if qty > left:
        raise Refused(f"{book.path}: PO {po} line {line}: a claim of {qty} is more than the {left} unit(s) shipped and "
                      f"not yet claimed (shipped {shipped_all(f, po, line)}, claimed {claimed(f, po, line)})")
    first = min((s.ship_date for s in f.shipments_of.get(po, []) if s.line_no == line and s.ship_date), default=None)
    if first is not None and when < first:
        raise Refused(f"{book.path}: PO {po} line {line}: reported on {when}, before it shipped on {first}")
    s = book.settings
    number = _number(s.claim_prefix, s.next_claim_number)
    draft = Claim(claim_number=number, po_number=po, line_no=line, kind=kind, qty=qty, reported_on=when,
                  status="open", statement=statement, files=files)
    late = days_late(f, draft)
    inv = claim_invoice(f, draft)
    rec = replace(draft, late=bool(late), invoice_number=inv.invoice_number if inv else "")
    cs.appends.append(RowAppend("Claims", rec, number))
    cs.settings.append(SettingUpdate("next_claim_number", s.next_claim_number + 1, s.next_claim_number))
    value = f.claim_value(rec)
    billed = f"on invoice {inv.invoice_number}" if inv else "not invoiced yet"
    cs.messages.append(f"PO {po} line {line}: claim {number} recorded: {kind}, {qty} unit(s) worth "
                       f"{format_money(value)} ({billed})")
    if late:
        got = delivered_on(f, po, line, when)
        cs.messages.append(f"{number}: reported {late} day(s) after the claim window closed (delivered {got}, "
                           f"window {s.claim_window_days} days): recorded and flagged Late")
    return cs


def _find(ctx: Context, po: str, number: str) -> Claim:
    """The claim named, or the PO's only open claim."""
    mine = ctx.facts.claims_of.get(po, [])
    if number:
        for c in mine:
            if c.claim_number == number.strip():
                return c
        known = ", ".join(c.claim_number for c in mine) or "none"
        raise Refused(f"{ctx.book.path}: PO {po} has no claim {number!r} (Claims tab); its claims: {known}")
    pending = [c for c in mine if c.status in OPEN]
    if len(pending) == 1:
        return pending[0]
    if not pending and len(mine) == 1:
        return mine[0]  # the PO's only claim, decided already: a rerun says so
    if not pending and mine:
        listed = ", ".join(f"{c.claim_number} {c.status}" for c in mine)
        raise Refused(f"{ctx.book.path}: PO {po} has no open claim ({listed}); name one with --claim")
    if not pending:
        raise Refused(f"{ctx.book.path}: PO {po} has no open claim; record one with `poflow claim {po} --line N "
                      "--kind K --qty Q`")
    raise Refused(f"{ctx.book.path}: PO {po} has {len(pending)} open claims "
                  f"({', '.join(c.claim_number for c in pending)}); name one with --claim")


def _deduction_note(f: Facts, c: Claim, inv: Invoice | None, owed: bool) -> list[str]:
    if not c.deduction:
        return []
    value = format_money(f.claim_value(c))
    where = inv.invoice_number if inv else "the invoice"
    if owed:
        return [f"{c.claim_number}: the buyer held back {value} on payment {c.deduction}; that amount is still owed "
                f"on {where}"]
    return [f"{c.claim_number}: the {value} the buyer held back on payment {c.deduction} is settled on {where}"]


def decide(book: Book, po: str, today: date, *, claim: str = "", approve: bool = False, reason: str = "") -> ChangeSet:
    """Approve an open claim, or reject it (with a reason; nothing is owed to the buyer for it)."""
    ctx = Context.of(book)
    po = ctx.order(po).po_number
    c = _find(ctx, po, claim)
    cs = ChangeSet()
    if c.status not in OPEN:
        cs.messages.append(f"{c.claim_number}: {c.status} already" + (f" ({c.resolution})" if c.resolution else ""))
        return cs
    if approve:
        if c.status == "approved":
            cs.messages.append(f"{c.claim_number}: approved already; settle it with --settle credit|replacement")
            return cs
        cs.update("Claims", c, "status", "approved", _key(c))
        cs.messages.append(f"{c.claim_number}: approved; settle it with --settle credit|replacement")
        return cs
    if not reason.strip():
        raise Refused("rejecting a claim needs --note \"why\" (it is recorded)")
    cs.update("Claims", c, "status", "rejected", _key(c))
    cs.update("Claims", c, "resolution", "none", _key(c))
    cs.update("Claims", c, "settled_on", today, _key(c))
    cs.update("Claims", c, "note", reason.strip(), _key(c))
    cs.messages.append(f"{c.claim_number}: rejected ({reason.strip()})")
    cs.messages += _deduction_note(ctx.facts, c, claim_invoice(ctx.facts, c), owed=True)
    return cs


def settle(book: Book, po: str, today: date, *, how: Settlement, claim: str = "", carrier: str = "",
           tracking: str = "", note: str = "") -> ChangeSet:
    """Settle a claim: by a credit note for its value, by a replacement shipment at no charge, or with none."""
    ctx = Context.of(book)
    order = ctx.order(po)
    po = order.po_number
    c = _find(ctx, po, claim)
    f = ctx.facts
    cs = ChangeSet()
    if c.status == "settled":
        done = c.credit_note or c.shipment_id
        cs.messages.append(f"{c.claim_number}: settled already ({c.resolution or 'none'}{', ' + done if done else ''})")
        return cs
    if c.status == "rejected":
        raise Refused(f"{book.path}: claim {c.claim_number} was rejected on {c.settled_on}; set its Status to open "
                      "in the Claims tab to settle it after all")
    inv = claim_invoice(f, c)
    text = f"claim {c.claim_number}: {c.kind}, {c.qty} unit(s) of line {c.line_no} reported {c.reported_on}"
    if how == "credit":
        if inv is None:
            raise Refused(f"{book.path}: PO {po} line {c.line_no} is not invoiced yet, so there is nothing to credit; "
                          f"invoice it first (`poflow invoice {po}`) or settle by replacement")
        value = f.claim_value(c)
        said = (f"Buyer's statement: {c.statement}",) if c.statement else ()
        sub = credit(book, inv.invoice_number, today, lines={c.line_no: c.qty}, reason=text, label=CREDIT_LABEL[c.kind],
                     notes=said, on_account=f.balance(inv) < value, claim=c.claim_number)
        number = next(a.key for a in sub.appends if a.tab == "Invoices")
        cs.extend(sub)
        cs.update("Claims", c, "credit_note", number, _key(c))
    elif how == "replacement":
        sent, sid = _replacement(ctx, c, today, carrier=carrier, tracking=tracking, note=note)
        cs.extend(sent)
        cs.update("Claims", c, "shipment_id", sid, _key(c))
    cs.update("Claims", c, "status", "settled", _key(c))
    cs.update("Claims", c, "resolution", how, _key(c))
    cs.update("Claims", c, "settled_on", today, _key(c))
    if inv is not None:
        cs.update("Claims", c, "invoice_number", inv.invoice_number, _key(c))
    if note.strip():
        cs.update("Claims", c, "note", note.strip(), _key(c))
    if how == "none":
        cs.messages.append(f"{c.claim_number}: settled with no credit and no replacement")
    cs.messages += _deduction_note(f, c, inv, owed=how != "credit")
    return cs


def _replacement(ctx: Context, c: Claim, when: date, *, carrier: str, tracking: str,
                 note: str) -> tuple[ChangeSet, str]:
    """A shipment of the claimed units at no charge, naming the claim; stock taken off; its packing slip."""
    f, po = ctx.facts, c.po_number
    ln = next(x for x in ctx.lines(po) if x.line_no == c.line_no)
    order = ctx.order(po)
    sku = f.ship_sku(ln)
    p = ctx.product(sku)
    if p is not None and p.stock is not None and p.stock < c.qty:
        raise Refused(f"{ctx.book.path}: {sku}: replacing {c.qty} with {p.stock} in stock would take stock below "
                      "zero; correct Stock On Hand in Products, or settle by credit")
    cs = ChangeSet()
    sid = next_shipment_id(ctx.book)
    said = f"replacement at no charge for claim {c.claim_number} ({c.kind})"
    rec = Shipment(shipment_id=sid, po_number=po, line_no=c.line_no, qty_shipped=c.qty, ship_date=when, sku=sku,
                   carrier=carrier, tracking=tracking, note="; ".join(x for x in (said, note.strip()) if x),
                   claim_number=c.claim_number)
    cs.appends.append(RowAppend("Shipments", rec, f"{sid} / {po} / {c.line_no}"))
    if p is not None and p.stock is not None and p.row:
        cs.update("Products", p, "stock", p.stock - c.qty, sku)
    d = _money_lines(ctx, [ln], {c.line_no: c.qty})[0]
    slip = replace(d, description=f"Replacement: {d.description}", ordered_qty=ln.qty,
                   shipped_before=f.shipped.get((po, c.line_no), 0), backordered_qty=f.open_qty(ln), note="")
    notes = (f"Replacement at no charge for claim {c.claim_number}: {c.kind}, {c.qty} unit(s) of line {c.line_no} "
             f"reported {c.reported_on}.", f"Carrier: {carrier}" if carrier else "",
             f"Tracking: {tracking}" if tracking else "", note.strip())
    cs.documents.append(Document(
        kind="packing_slip", number=f"PS-{sid}", issue_date=when, seller=ctx.seller(), buyer=ctx.buyer_party(order),
        po_number=po, our_ref=order.our_ref, currency=ctx.book.settings.currency, lines=(slip,),
        ship_to=ctx.ship_to(order) or ctx.buyer_party(order), notes=tuple(x for x in notes if x),
        extra=(("Replaces claim", c.claim_number), ("Charge", "none")), replaces_claim=c.claim_number))
    cs.messages.append(f"PO {po}: replacement shipment {sid} for claim {c.claim_number}, {c.qty} x {sku} at no charge")
    return cs, sid
