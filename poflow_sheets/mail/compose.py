"""Which document goes to whom, once, and the message that carries it (pure).

A document is sent to the buyer's addresses (the Billing Email for invoices, credit notes, statements and
reminders, else Email; several separated by ';' or ','). The Messages tab says what reached the server:
a document is never sent twice to the same address unless asked again, and a failed send is tried again.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from email.message import EmailMessage
from email.utils import formatdate

from ..documents.model import Document, Kind
from ..errors import Refused
from ..ledger import Facts, facts_of
from ..mailer import split_addresses
from ..money import ZERO, cents, format_money
from ..reader import Book
from ..records import Message
from ..schema import MessageKind, MessageStatus
from ..terms import long_date
from .ladder import Reminder
from .templates import render, template_for

BILLING: tuple[Kind, ...] = ("deposit_invoice", "invoice", "credit_note", "statement")
MESSAGE_KIND: dict[Kind, MessageKind] = {
    "quote": "quote", "linesheet": "linesheet", "confirmation": "confirmation", "acknowledgement": "acknowledgement",
    "deposit_invoice": "deposit invoice", "invoice": "invoice", "packing_slip": "packing slip",
    "credit_note": "credit note", "statement": "statement",
}
SENT: tuple[MessageStatus, ...] = ("sent", "bounced")  # reached the server
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")


@dataclass(frozen=True)
class DocRef:
    """An issued document as mail needs it: what, whose, how much, due when."""

    kind: Kind
    number: str
    buyer_id: str
    po_number: str = ""
    amount: Decimal | None = None
    due_date: date | None = None
    addresses: tuple[str, ...] = ()  # a prospect's own address when the buyer is not in the Buyers tab


@dataclass(frozen=True)
class Outgoing:
    """One message to send: recipients, wording, and the documents (by number) to attach."""

    kind: MessageKind
    document: str
    po_number: str
    to: tuple[str, ...]
    subject: str
    body: str
    attach: tuple[str, ...] = ()  # document numbers whose PDFs are attached
    step: int | None = None
    in_reply_to: str = ""


def _statement_buyer(book: Book, number: str, prefix: str) -> str:
    """The buyer a statement (`ST-B-date`) or line sheet (`LS-date-B`) number names (ids match in any case)."""
    ids = sorted((b.buyer_id for b in book.buyers), key=len, reverse=True)
    n = number.casefold()
    for bid in ids:
        b = bid.casefold()
        if (prefix == "ST-" and n.startswith(f"st-{b}-")) or (prefix == "LS-" and n.endswith(f"-{b}")):
            return bid
    return ""


def _quote_amount(book: Book, facts: Facts, number: str, buyer_id: str) -> Decimal:
    subtotal = sum((cents(q.unit_price * q.qty) for q in book.quote_lines if q.quote_number == number), ZERO)
    b = facts.buyer.get(buyer_id)
    rate = ZERO if (b is not None and b.tax_exempt) else (book.settings.tax_rate or ZERO)
    return subtotal + cents(subtotal * rate)


def _open_balance(facts: Facts, buyer_id: str) -> Decimal:
    pos = {o.po_number for o in facts.order.values() if o.buyer_id == buyer_id}
    return sum((facts.balance(i) for i in facts.invoices if i.po_number in pos and i.status != "void"), ZERO)


def locate(book: Book, number: str) -> DocRef:
    """An issued document of this workbook by its number, or Refused."""
    n = number.strip()
    facts = facts_of(book)
    inv = facts.invoice.get(n)
    if inv is not None:
        order = facts.order.get(inv.po_number)
        kind: Kind = {"deposit": "deposit_invoice", "final": "invoice", "credit": "credit_note"}[inv.kind]  # type: ignore[assignment]
        return DocRef(kind, n, order.buyer_id if order else "", inv.po_number, abs(inv.total),
                      inv.due_date if inv.kind != "credit" else None)
    for o in book.orders:
        if o.our_ref == n and o.confirmation_sent_on is not None:
            return DocRef("confirmation", n, o.buyer_id, o.po_number, facts.money_of(o.po_number, ordered=True).total)
    if n.startswith("ACK-"):
        rest = n[4:]
        m = re.fullmatch(r"(.+)-R(\d+)", rest)
        po = rest if rest in facts.order else (m.group(1) if m and m.group(1) in facts.order else "")
        if po and facts.order[po].acknowledged_on is not None:
            return DocRef("acknowledgement", n, facts.order[po].buyer_id, po, facts.order_total(po))
    q = next((x for x in book.quotes if x.quote_number == n), None)
    if q is not None:
        known = q.buyer_id if q.buyer_id in facts.buyer else ""
        return DocRef("quote", n, known, "", _quote_amount(book, facts, n, q.buyer_id),
                      addresses=tuple(_EMAIL.findall(q.prospect)))
    if n.startswith("PS-"):
        ship = next((s for s in book.shipments if s.shipment_id == n[3:]), None)
        if ship is not None and ship.po_number in facts.order:
            return DocRef("packing_slip", n, facts.order[ship.po_number].buyer_id, ship.po_number)
    if n.startswith("ST-"):
        bid = _statement_buyer(book, n, "ST-")
        if bid:
            return DocRef("statement", n, bid, "", _open_balance(facts, bid))
    if n.startswith("LS-"):
        bid = _statement_buyer(book, n, "LS-")
        if bid:
            return DocRef("linesheet", n, bid)
        raise Refused(f"{n}: a line sheet for all buyers names nobody to send it to; issue it with "
                      "`poflow linesheet --buyer B --send`")
    raise Refused(f"{book.path}: no document {n!r} in this workbook (not an invoice, credit note, confirmation, "
                  "acknowledgement, quote, statement, line sheet or packing slip number)")


def ref_of_document(book: Book, doc: Document) -> DocRef:
    """A document just computed (not yet in the workbook) as mail needs it."""
    facts = facts_of(book)
    buyer_id = ""
    if doc.po_number and doc.po_number in facts.order:
        buyer_id = facts.order[doc.po_number].buyer_id
    elif doc.kind in ("statement", "linesheet"):
        buyer_id = _statement_buyer(book, doc.number, "ST-" if doc.kind == "statement" else "LS-")
        if not buyer_id and doc.kind == "linesheet":
            raise Refused(f"{doc.number}: a line sheet for all buyers names nobody to send it to; issue it with "
                          "`poflow linesheet --buyer B --send`")
    else:
        buyer_id = next((b.buyer_id for b in book.buyers if b.name == doc.buyer.name), "")
    amount = None if doc.kind in ("linesheet", "packing_slip") else doc.amount_due
    return DocRef(doc.kind, doc.number, buyer_id, doc.po_number, amount, doc.due_date,
                  addresses=tuple(_EMAIL.findall(f"{doc.buyer.name} {doc.buyer.email}")) if not buyer_id else ())


def recipients(book: Book, ref: DocRef, *, billing: bool | None = None) -> tuple[str, ...]:
    """Where a document goes: the buyer's Billing Email for money documents (else Email), a prospect's own."""
    buyer = next((b for b in book.buyers if b.buyer_id == ref.buyer_id), None)
    if buyer is None:
        return ref.addresses
    billing = ref.kind in BILLING if billing is None else billing
    text = buyer.billing_email if billing and buyer.billing_email.strip() else buyer.email
    return split_addresses(text)


def need_recipients(book: Book, ref: DocRef) -> tuple[str, ...]:
    """The recipients, or Refused naming the cell to fill."""
    to = recipients(book, ref)
    if not to:
        who = f"buyer {ref.buyer_id!r}" if ref.buyer_id else "the prospect"
        raise Refused(f"{ref.number}: {who} has no email address (Buyers tab: Email"
                      f"{' or Billing Email' if ref.kind in BILLING else ''}); nothing to send it to")
    return to


def _key(m: Message) -> tuple[str, int | None]:
    return m.document_number, (m.step if m.kind == "reminder" else None)


def reached(book: Book, number: str, step: int | None = None) -> dict[str, str]:
    """Addresses (lower case) a document (or a reminder step of it) reached, with the date."""
    out: dict[str, str] = {}
    for m in book.messages:
        if m.direction == "out" and m.status in SENT and _key(m) == (number, step) \
                and (m.kind == "reminder") == (step is not None):
            for a in split_addresses(m.to_addr):
                out.setdefault(a.lower(), m.date.isoformat() if m.date else m.when[:10])
    return out


def failed_documents(book: Book) -> list[str]:
    """Documents (not reminders: the ladder takes those) with a failed send to an address never reached since."""
    out: dict[str, None] = {}
    for m in book.messages:
        if m.direction == "out" and m.status == "failed" and m.kind != "reminder" and m.document_number:
            got = reached(book, m.document_number)
            if any(a.lower() not in got for a in split_addresses(m.to_addr)):
                out.setdefault(m.document_number, None)
    return list(out)


def values(book: Book, ref: DocRef, *, days: int | None = None, amount: Decimal | None = None) -> dict[str, str]:
    """The placeholders' values for a document."""
    buyer = next((b for b in book.buyers if b.buyer_id == ref.buyer_id), None)
    order = next((o for o in book.orders if o.po_number == ref.po_number), None)
    po = ref.po_number
    if order is not None and order.our_ref and order.our_ref == po:
        po = f"{po} (our reference)"
    money = amount if amount is not None else ref.amount
    return {
        "buyer": buyer.name if buyer is not None else (ref.addresses[0] if ref.addresses else ref.buyer_id),
        "po": po,
        "document": ref.number,
        "due_date": long_date(ref.due_date) if ref.due_date else "",
        "amount": format_money(money, book.settings.currency) if money is not None else "",
        "seller": book.settings.seller_name,
        "days": str(abs(days)) if days is not None else "",
    }


def document_message(book: Book, ref: DocRef, to: Sequence[str]) -> Outgoing:
    """The message that sends an issued document."""
    kind = MESSAGE_KIND[ref.kind]
    subject, body = template_for(book, kind)
    v = values(book, ref)
    return Outgoing(kind, ref.number, ref.po_number, tuple(to), render(subject, v), render(body, v), (ref.number,))


def reminder_message(book: Book, reminder: Reminder, to: Sequence[str], statement: str = "") -> Outgoing:
    """A reminder of one step for one invoice, the invoice attached (and on the last step the statement),
    in the thread of the message that sent the invoice when there is one."""
    inv = reminder.invoice
    ref = locate(book, inv.invoice_number)
    subject, body = template_for(book, "reminder", step=reminder.step, last=reminder.last)
    v = values(book, ref, days=reminder.days, amount=facts_of(book).balance(inv))
    first = next((m.message_id for m in book.messages if m.direction == "out" and m.kind != "reminder"
                  and m.document_number == inv.invoice_number and m.status in SENT and m.message_id), "")
    attach = (inv.invoice_number, statement) if statement else (inv.invoice_number,)
    return Outgoing("reminder", inv.invoice_number, inv.po_number, tuple(to), render(subject, v), render(body, v),
                    attach, step=reminder.step, in_reply_to=first)


def build_email(out: Outgoing, *, sender: str, message_id: str, attachments: Sequence[tuple[str, bytes]],
                reply_to: str = "") -> EmailMessage:
    """The message as sent: text body, PDFs attached, our Message-ID, threaded under what it follows."""
    msg = EmailMessage()
    msg["Subject"] = re.sub(r"\s+", " ", out.subject).strip()  # no line break may reach a header
    msg["From"] = sender
    msg["To"] = ", ".join(out.to)
    if reply_to and reply_to.lower() != sender.lower():
        msg["Reply-To"] = reply_to
    msg["Date"] = formatdate(localtime=True)
    msg["Message-ID"] = message_id
    if out.in_reply_to:
        msg["In-Reply-To"] = out.in_reply_to
        msg["References"] = out.in_reply_to
    if out.kind == "reminder":
        msg["Auto-Submitted"] = "auto-generated"
    msg["X-Poflow-Document"] = out.document
    msg.set_content(out.body)
    for name, data in attachments:
        msg.add_attachment(data, maintype="application", subtype="pdf", filename=name)
    return msg


def record(out: Outgoing, *, sender: str, message_id: str, status: MessageStatus, now: datetime, today: date,
           error: str = "", file: str = "") -> Message:
    """The Messages row of a message sent (or that failed)."""
    return Message(direction="out", kind=out.kind, status=status, when=now.strftime("%Y-%m-%d %H:%M:%S"), date=today,
                   from_addr=sender, to_addr=", ".join(out.to), subject=re.sub(r"\s+", " ", out.subject).strip(),
                   document_number=out.document, po_number=out.po_number, step=out.step, message_id=message_id,
                   in_reply_to=out.in_reply_to, file=file, error=error)
