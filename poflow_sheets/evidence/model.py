"""The evidence pack of one order as data (pure): what happened, in date order, and where each item came from.

`wanted(book, po)` names the files the pack looks for (the order's documents by number, the claims' photos
by path); the edge (`app/evidence.py`) reads them, the Log tab and a Messages tab when the workbook has one,
and calls `assemble`, which reads nothing and asks `ledger.Facts` for every amount. The items:

    quote, the buyer's PO (or the order with our confirmation as its reference), our confirmation, the
    approval (the buyer's reply from a Messages tab where one is recorded, else Approved On and the Log entry
    of the command that recorded it), every acknowledgement and revision, deposit and final invoices,
    payments with their bank reference, shipments with carrier, tracking and packing slip, claims, credit
    notes, reminders and other messages; then the order's Log entries.

Each item is dated by the workbook (the date the document carries, which is also its PDF's creation date); an
acknowledgement revision, which the workbook does not date, by its PDF, else by the Log. Items of one day
keep the order of the flow. Every file is listed with its SHA-256, so a reader can check it was not edited.
"""

from __future__ import annotations

import re
import shlex
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from ..claims import OPEN, claim_invoice, days_late
from ..documents.model import file_name
from ..ledger import Facts, facts_of
from ..money import ZERO, format_money
from ..reader import Book
from ..records import Allocation, Order, Payment, Shipment
from ..schema import norm
from ..terms import long_date

# The order of the flow, for items of one day.
RANK = {"quote": 0, "order": 1, "confirmation": 2, "approval": 3, "acknowledgement": 4, "deposit invoice": 5,
        "payment": 6, "shipment": 7, "invoice": 8, "claim": 9, "credit note": 10, "replacement": 11, "reminder": 12,
        "message": 13}


@dataclass(frozen=True)
class Found:
    """A file the edge found: where (as a person reads it), its SHA-256 and size, and a PDF's own date."""

    found_at: str
    sha256: str
    size: int
    issued: date | None = None


@dataclass(frozen=True)
class FileRef:
    """A file in the pack: its name in the ZIP and among the PDF's attachments, where it was found, its hash."""

    name: str
    found_at: str
    sha256: str
    size: int


@dataclass(frozen=True)
class Wanted:
    """A file the pack looks for: a document by number (`documents/NUMBER.pdf`) or a claim's file by path."""

    key: str  # a document number, or a claim file's path as the Claims tab has it
    name: str  # its name in the pack
    document: bool


@dataclass(frozen=True)
class LogEntry:
    """One row of the Log tab (poflow's audit trail), as written."""

    row: int
    when: str
    command: str
    tab: str
    key: str
    column: str
    old: str
    new: str


@dataclass(frozen=True)
class MessageRow:
    """One row of a Messages tab (kept by the mail feature), as (header, text) pairs."""

    row: int
    cells: tuple[tuple[str, str], ...]

    def get(self, *headers: str) -> str:
        """The first non-empty cell under one of these headers (compared as `schema.norm` does)."""
        want = [norm(h) for h in headers]
        for w in want:
            for header, text in self.cells:
                if norm(header) == w and text:
                    return text
        return ""


@dataclass(frozen=True)
class Item:
    """One thing that happened to the order, with its date, what it is, where it came from, and its files."""

    when: date | None
    kind: str
    number: str
    title: str
    source: str
    facts: tuple[tuple[str, str], ...] = ()
    files: tuple[FileRef, ...] = ()
    missing: tuple[str, ...] = ()  # files expected and not found

    @property
    def sort_key(self) -> tuple[date, int, str]:
        return (self.when or date.max, RANK[self.kind], self.number)


@dataclass(frozen=True)
class Pack:
    """The whole pack: cover facts, the items in date order, and the order's Log entries."""

    po: str
    po_label: str
    currency: str
    seller: tuple[str, ...]
    buyer: tuple[str, ...]
    workbook: str
    workbook_sha256: str
    amounts: tuple[tuple[str, str], ...]
    dispute: tuple[str, ...]
    items: tuple[Item, ...]
    log: tuple[LogEntry, ...]
    log_source: str
    messages_source: str
    created: date

    @property
    def files(self) -> tuple[FileRef, ...]:
        """Every file of the pack once, in item order."""
        seen: dict[str, FileRef] = {}
        for item in self.items:
            for f in item.files:
                seen.setdefault(f.name, f)
        return tuple(seen.values())

    @property
    def name(self) -> str:
        """The pack's file name without extension: EVIDENCE-PO."""
        return "EVIDENCE-" + safe_name(self.po)


def safe_name(text: str) -> str:
    """A number made safe as a file name (as documents are named in `documents/`)."""
    return file_name(text, "")


def _order(book: Book, facts: Facts, po: str) -> Order:
    from ..flow import Context

    return Context(book, facts).order(po)


def _claim_file_name(claim: str, path: str) -> str:
    return f"{claim}-{safe_name(path.replace(chr(92), '/').rsplit('/', 1)[-1])}"


def wanted(book: Book, po: str, facts: Facts | None = None) -> list[Wanted]:
    """The files the pack of this order looks for: its documents by number, and its claims' files."""
    f = facts or facts_of(book)
    order = _order(book, f, po)
    po = order.po_number
    numbers = [q.quote_number for q in book.quotes if q.po_number == po]
    if order.our_ref and order.confirmation_sent_on is not None:
        numbers.append(order.our_ref)
    if order.acknowledged_on is not None:
        numbers += [f"ACK-{po}" if r == 1 else f"ACK-{po}-R{r}" for r in range(1, (order.ack_revision or 1) + 1)]
    numbers += list(dict.fromkeys(f"PS-{s.shipment_id}" for s in f.shipments_of.get(po, [])))
    numbers += [i.invoice_number for i in f.invoices_of.get(po, [])]
    out = [Wanted(n, file_name(n), True) for n in dict.fromkeys(numbers)]
    for c in f.claims_of.get(po, []):
        out += [Wanted(p, _claim_file_name(c.claim_number, p), False) for p in c.files]
    return out


def _money(value: Decimal, currency: str) -> str:
    return format_money(value, currency)


def _day(d: date | None) -> str:
    return long_date(d) if d is not None else "(no date)"


def _date_in(text: str) -> date | None:
    m = re.search(r"(\d{4})-(\d{2})-(\d{2})", text)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


def _words(command: str) -> set[str]:
    try:
        return set(shlex.split(command))
    except ValueError:
        return set(command.split())


class _Builder:
    def __init__(self, book: Book, po: str, files: Mapping[str, Found], log: Sequence[LogEntry],
                 messages: Sequence[MessageRow]) -> None:
        self.book = book
        self.f: Facts = facts_of(book)
        self.order = _order(book, self.f, po)
        self.po = self.order.po_number
        self.cur = book.settings.currency
        self.found = files
        self.wanted = wanted(book, self.po, self.f)
        self.names = {w.key: w.name for w in self.wanted}
        self.log = log
        self.messages = messages
        self.items: list[Item] = []

    def title(self, tab: str) -> str:
        info = self.book.table(tab)
        return info.title if info is not None else tab

    def file(self, key: str) -> tuple[tuple[FileRef, ...], tuple[str, ...]]:
        got = self.found.get(key)
        name = self.names.get(key, safe_name(key))
        if got is None:
            return (), (name,)
        return (FileRef(name, got.found_at, got.sha256, got.size),), ()

    def add(self, when: date | None, kind: str, number: str, title: str, source: str,
            facts: Sequence[tuple[str, str]] = (), doc: str = "", extra_files: Sequence[str] = ()) -> None:
        files: list[FileRef] = []
        missing: list[str] = []
        for key in ([doc] if doc else []) + list(extra_files):
            have, lack = self.file(key)
            files += have
            missing += lack
        self.items.append(Item(when=when, kind=kind, number=number, title=title, source=source, facts=tuple(facts),
                               files=tuple(files), missing=tuple(missing)))

    # -- the log, for who recorded what and when

    def log_rows(self, tab: str, key: str, column: str) -> list[LogEntry]:
        return [e for e in self.log if e.tab == tab and e.key == key and e.column == column]

    def keys(self) -> set[str]:
        f, po = self.f, self.po
        keys = {po, self.order.our_ref} - {""}
        keys |= {i.invoice_number for i in f.invoices_of.get(po, [])}
        keys |= {s.shipment_id for s in f.shipments_of.get(po, [])}
        keys |= {c.claim_number for c in f.claims_of.get(po, [])}
        keys |= {w.key for w in self.wanted if w.document}
        keys |= {q.quote_number for q in self.book.quotes if q.po_number == po}
        return keys

    def order_log(self) -> tuple[LogEntry, ...]:
        """The Log entries of this order: rows keyed by it or its invoices, shipments, claims, documents and
        payments, and every row written by a command that named it."""
        keys = self.keys()
        named = {self.po, self.order.our_ref} - {""}
        named |= {i.invoice_number for i in self.f.invoices_of.get(self.po, [])}
        named |= {c.claim_number for c in self.f.claims_of.get(self.po, [])}
        txns = {a.transaction_id for a in self._allocations()}
        out = []
        for e in self.log:
            parts = {p.strip() for p in e.key.split(" / ")}
            if parts & keys or e.key in txns or _words(e.command) & named:
                out.append(e)
        return tuple(out)

    # -- items

    def _allocations(self) -> list[Allocation]:
        numbers = {i.invoice_number for i in self.f.invoices_of.get(self.po, [])}
        return [a for a in self.book.allocations if a.invoice_number in numbers or
                (not a.invoice_number and a.po_number == self.po)]

    def quotes(self) -> None:
        for q in self.book.quotes:
            if q.po_number != self.po:
                continue
            self.add(q.quote_date, "quote", q.quote_number, f"Quote {q.quote_number}",
                     f"{self.title('Quotes')} row {q.row}",
                     [("Quoted", _day(q.quote_date)), ("Valid until", _day(q.valid_until)), ("Status", q.status)],
                     doc=q.quote_number)

    def purchase_order(self) -> None:
        o, f = self.order, self.f
        lines = f.lines_of.get(self.po, [])
        facts = [("Buyer", f"{o.buyer_id}"), ("PO date", _day(o.po_date))]
        if o.ship_date:
            facts.append(("Requested ship date", _day(o.ship_date)))
        facts.append(("Terms", f.terms_text(o)))
        for ln in lines:
            price = f.unit_price(ln)
            unit = f" {ln.unit}" if ln.unit else ""
            facts.append((f"Line {ln.line_no}", f"{ln.sku} {ln.description}".strip() +
                          f": {ln.qty}{unit} at {_money(price, self.cur)}"))
        facts.append(("Ordered total", _money(f.money_of(self.po, ordered=True).total, self.cur)))
        rows = sorted(ln.row for ln in lines if ln.row)
        where = f"{self.title('Orders')} row {o.row}"
        if rows:
            where += f"; {self.title('Lines')} rows {rows[0]}-{rows[-1]}" if len(rows) > 1 else \
                f"; {self.title('Lines')} row {rows[0]}"
        if o.po_number == o.our_ref:
            title = f"Order {o.po_number} (the buyer sent no PO; our confirmation number is the reference)"
        else:
            title = f"The buyer's purchase order {o.po_number}"
        self.add(o.po_date, "order", o.po_number, title, where, facts)

    def confirmation(self) -> None:
        o = self.order
        if not o.our_ref or o.confirmation_sent_on is None:
            return
        self.add(o.confirmation_sent_on, "confirmation", o.our_ref, f"Our order confirmation {o.our_ref}",
                 f"{self.title('Orders')} row {o.row} (Our Ref, Confirmation Sent On)",
                 [("Sent", _day(o.confirmation_sent_on))], doc=o.our_ref)

    def approvals(self, replies: list[MessageRow]) -> None:
        o = self.order
        for m in replies:
            self.message(m, "approval")
        if replies or o.approved_on is None:
            return
        entries = self.log_rows("Orders", self.po, "Approved On")
        totals = {e.when: e.new for e in self.log_rows("Orders", self.po, "Approved Total")}
        if not entries:
            self.add(o.approved_on, "approval", f"{self.po} approved", "The buyer's approval",
                     f"{self.title('Orders')} row {o.row} (Approved On); no Log entry: typed in the workbook",
                     [("Approved on", _day(o.approved_on)),
                      ("Approved total", _money(o.approved_total, self.cur) if o.approved_total is not None else "")])
            return
        for n, e in enumerate(entries, start=1):
            when = _date_in(e.new)
            facts = [("Approved on", _day(when)), ("Recorded by", e.command), ("Recorded at", f"{e.when} (UTC)")]
            if totals.get(e.when):
                facts.append(("Approved total", totals[e.when]))
            what = "The buyer's approval" if n == 1 else "The buyer's approval of the revised total"
            self.add(when, "approval", f"{self.po} approval {n}", what,
                     f"{self.title('Orders')} row {o.row} (Approved On); Log row {e.row}", facts)

    def acknowledgements(self) -> None:
        o, po = self.order, self.po
        if o.acknowledged_on is None:
            return
        last = o.ack_revision or 1
        revised = {e.new: e for e in self.log_rows("Orders", po, "Ack Revision")}
        for r in range(1, last + 1):
            number = f"ACK-{po}" if r == 1 else f"ACK-{po}-R{r}"
            got = self.found.get(number)
            when = got.issued if got is not None and got.issued else None
            how = "its PDF's date"
            if when is None and r == 1:
                when, how = o.acknowledged_on, "Acknowledged On"
            elif when is None and str(r) in revised:
                when, how = _date_in(revised[str(r)].when), f"Log row {revised[str(r)].row}"
            facts = [("Issued", _day(when))]
            if r == last:  # what the last acknowledgement said of each line
                for ln in self.f.lines_of.get(po, []):
                    said = ln.acked_as or (f"{ln.ack_status} {self.f.committed_qty(ln)}" if ln.ack_status else "")
                    if said:
                        facts.append((f"Line {ln.line_no}", said))
            title = "Our acknowledgement" if r == 1 else f"Our revised acknowledgement, revision {r}"
            self.add(when, "acknowledgement", number, f"{title} {number}",
                     f"{self.title('Orders')} row {o.row} (Acknowledged On, Ack Revision {last}); dated by {how}",
                     facts, doc=number)

    def invoices(self) -> None:
        f = self.f
        for inv in f.invoices_of.get(self.po, []):
            facts = [("Date", _day(inv.invoice_date)), ("Total", _money(inv.total, self.cur))]
            if inv.kind == "credit":
                kind, title = "credit note", f"Credit note {inv.invoice_number}"
                facts.append(("Credits", inv.related or "the buyer's account (on account)"))
                claim = next((c for c in f.claims_of.get(self.po, []) if c.credit_note == inv.invoice_number), None)
                if claim is not None:
                    facts.append(("Settles claim", claim.claim_number))
            else:
                kind = "deposit invoice" if inv.kind == "deposit" else "invoice"
                title = f"{'Deposit invoice' if inv.kind == 'deposit' else 'Invoice'} {inv.invoice_number}"
                if inv.tax:
                    facts.append(("Tax", _money(inv.tax, self.cur)))
                if inv.deposit_deducted:
                    facts.append(("Deposit deducted", _money(inv.deposit_deducted, self.cur)))
                facts += [("Terms", inv.terms), ("Due", _day(inv.due_date)),
                          ("Paid and credited", _money(f.paid.get(inv.invoice_number, ZERO), self.cur)),
                          ("Balance", _money(f.balance(inv), self.cur)), ("Status", inv.status)]
            self.add(inv.invoice_date, kind, inv.invoice_number, title, f"{self.title('Invoices')} row {inv.row}",
                     [x for x in facts if x[1]], doc=inv.invoice_number)

    def payments(self) -> None:
        allocs: dict[str, list[Allocation]] = defaultdict(list)
        for a in self._allocations():
            allocs[a.transaction_id].append(a)
        by_id: dict[str, Payment] = {p.transaction_id: p for p in self.book.payments}
        for txn, mine in allocs.items():
            p = by_id.get(txn)
            facts: list[tuple[str, str]] = []
            if p is not None:
                facts += [("Received", _day(p.date)), ("Amount", _money(p.amount, self.cur)), ("Payer", p.payer),
                          ("Memo", p.memo), ("Bank reference", p.source or txn), ("Status", p.status)]
            for a in mine:
                target = a.invoice_number or f"PO {a.po_number}"
                facts.append(("Applied", f"{_money(a.amount, self.cur)} to {target} as {a.kind} ({a.method}, {a.rule})"))
            where = f"{self.title('Payments')} row {p.row}" if p is not None else "no Payments row"
            where += f"; {self.title('Allocations')} rows " + ", ".join(str(a.row) for a in mine)
            self.add(p.date if p is not None else None, "payment", txn, f"Payment {txn}", where,
                     [x for x in facts if x[1]])

    def shipments(self) -> None:
        by_id: dict[str, list[Shipment]] = defaultdict(list)
        for s in self.f.shipments_of.get(self.po, []):
            by_id[s.shipment_id].append(s)
        lines = {ln.line_no: ln for ln in self.f.lines_of.get(self.po, [])}
        for sid, ships in by_id.items():
            first = ships[0]
            claim = first.claim_number
            facts = [("Shipped", _day(first.ship_date)), ("Carrier", first.carrier), ("Tracking", first.tracking)]
            if first.delivered_on:
                facts.append(("Delivered", _day(first.delivered_on)))
            for s in ships:
                ln = lines.get(s.line_no)
                facts.append((f"Line {s.line_no}", f"{s.qty_shipped} x {s.sku or (ln.sku if ln else '')}"))
            if first.invoice_number:
                facts.append(("Billed on", first.invoice_number))
            if first.note:
                facts.append(("Note", first.note))
            rows = ", ".join(str(s.row) for s in ships)
            title = (f"Replacement shipment {sid} for claim {claim} (no charge)" if claim else f"Shipment {sid}") + \
                f", packing slip PS-{sid}"
            self.add(first.ship_date, "replacement" if claim else "shipment", f"PS-{sid}", title,
                     f"{self.title('Shipments')} rows {rows}", [x for x in facts if x[1]], doc=f"PS-{sid}")

    def claims(self) -> None:
        f = self.f
        lines = {ln.line_no: ln for ln in f.lines_of.get(self.po, [])}
        for c in f.claims_of.get(self.po, []):
            ln = lines.get(c.line_no)
            inv = claim_invoice(f, c)
            late = days_late(f, c)
            facts = [("Reported", _day(c.reported_on)), ("Kind", c.kind),
                     ("Line", f"{c.line_no} {ln.sku if ln else ''}".strip()), ("Quantity", str(c.qty)),
                     ("Value", _money(f.claim_value(c), self.cur)), ("Buyer's statement", c.statement),
                     ("On invoice", inv.invoice_number if inv else "not invoiced"),
                     ("Reported in time", f"no: {late} day(s) after the claim window" if late else "yes"),
                     ("Status", c.status), ("Resolution", c.resolution), ("Credit note", c.credit_note),
                     ("Replacement shipment", c.shipment_id), ("Deducted on payment", c.deduction),
                     ("Settled", _day(c.settled_on) if c.settled_on else ""), ("Note", c.note)]
            self.add(c.reported_on, "claim", c.claim_number, f"Claim {c.claim_number}: {c.kind}",
                     f"{self.title('Claims')} row {c.row}", [x for x in facts if x[1]], extra_files=c.files)

    def order_messages(self) -> tuple[list[MessageRow], list[MessageRow]]:
        """The Messages rows of this order: (approval replies, the rest)."""
        names = {self.po, self.order.our_ref} - {""}
        names |= {i.invoice_number for i in self.f.invoices_of.get(self.po, [])}
        names |= {c.claim_number for c in self.f.claims_of.get(self.po, [])}
        pattern = re.compile("|".join(rf"(?<![A-Za-z0-9]){re.escape(n)}(?![A-Za-z0-9])" for n in names), re.I)
        replies: list[MessageRow] = []
        rest: list[MessageRow] = []
        for m in self.messages:
            po = m.get("PO Number", "PO")
            if po and po not in names:
                continue
            if not po and not any(pattern.search(text) for _, text in m.cells):
                continue
            what = " ".join(m.get(h) for h in ("Kind", "Type", "Status", "Purpose", "Template", "Subject",
                                               "Category")).lower()
            incoming = m.get("Direction").lower() in ("", "in")
            (replies if "approv" in what and incoming else rest).append(m)
        return replies, rest

    def message(self, m: MessageRow, kind: str) -> None:
        when = None
        for h in ("Date", "Sent At", "Sent On", "Sent", "Received At", "Received On", "Received", "When", "Timestamp"):
            when = _date_in(m.get(h))
            if when is not None:
                break
        what = " ".join(m.get(h) for h in ("Kind", "Type", "Purpose", "Template", "Subject")).lower()
        if kind == "message" and "remind" in what:
            kind = "reminder"
        ident = m.get("Message-ID", "Message ID", "MessageID") or f"row {m.row}"
        subject = m.get("Subject")
        title = {"approval": "The buyer's approval (the reply)", "reminder": "Reminder sent"}.get(kind, "Message")
        self.add(when, kind, ident, f"{title}: {subject}" if subject else title,
                 f"Messages row {m.row}", [(h, t) for h, t in m.cells if t])

    def build(self) -> list[Item]:
        replies, rest = self.order_messages()
        self.quotes()
        self.purchase_order()
        self.confirmation()
        self.approvals(replies)
        self.acknowledgements()
        self.invoices()
        self.payments()
        self.shipments()
        self.claims()
        for m in rest:
            self.message(m, "message")
        return sorted(self.items, key=lambda i: i.sort_key)

    # -- the cover

    def amounts(self) -> tuple[tuple[str, str], ...]:
        f, po, cur = self.f, self.po, self.cur
        invs = [i for i in f.invoices_of.get(po, []) if i.status != "void"]
        billed = [i for i in invs if i.kind in ("deposit", "final")]
        shipped = {ln.line_no: f.shipped.get((po, ln.line_no), 0) for ln in f.lines_of.get(po, [])}
        received = sum((a.amount for a in self._allocations() if a.kind in ("invoice", "deposit")), ZERO)
        held = sum((f.claim_value(c) for c in f.claims_of.get(po, []) if c.status in OPEN and c.deduction), ZERO)
        credited = sum((-i.total for i in invs if i.kind == "credit"), ZERO)
        on_account = sum((-f.balance(i) for i in invs if i.kind == "credit" and not i.related and i.status == "open"),
                         ZERO)
        out = [("Ordered", _money(f.money_of(po, ordered=True).total, cur)),
               ("Acknowledged", _money(f.order_total(po), cur) if self.order.acknowledged_on else "not acknowledged"),
               ("Shipped", _money(f.money_of(po, shipped).total, cur)),
               ("Invoiced", _money(sum((i.total for i in billed), ZERO), cur)),
               ("Credited", _money(credited, cur)),
               ("Paid", _money(received, cur)),
               ("Open", _money(sum((f.balance(i) for i in billed), ZERO), cur))]
        if held:
            out.insert(6, ("Held back for claims", _money(held, cur)))
        if on_account:
            out.append(("Credit on the buyer's account", _money(on_account, cur)))
        return tuple(out)

    def dispute(self) -> tuple[str, ...]:
        f = self.f
        out = []
        for c in f.claims_of.get(self.po, []):
            if c.status not in OPEN:
                continue
            text = (f"Claim {c.claim_number} ({c.status}): {c.kind}, {c.qty} unit(s) of line {c.line_no}, worth "
                    f"{_money(f.claim_value(c), self.cur)}, reported {_day(c.reported_on)}")
            if days_late(f, c):
                text += f", {days_late(f, c)} day(s) after the claim window"
            if c.deduction:
                text += f"; the buyer held back its value on payment {c.deduction}"
            out.append(text + ".")
        settled = [c for c in f.claims_of.get(self.po, []) if c.status not in OPEN]
        if settled:
            out.append("Decided: " + "; ".join(f"{c.claim_number} {c.status}" + (f" ({c.resolution})" if c.resolution
                                                                                    else "") for c in settled) + ".")
        return tuple(out) or ("No claim or dispute is recorded for this order.",)


def _party(name: str, *more: str) -> tuple[str, ...]:
    return tuple(x for x in (name, *(p.strip() for m in more for p in m.splitlines())) if x)


def assemble(book: Book, po: str, *, files: Mapping[str, Found], log: Sequence[LogEntry] = (), log_source: str = "",
             messages: Sequence[MessageRow] = (), messages_source: str = "", workbook_sha256: str = "") -> Pack:
    """The evidence pack of an order from the workbook, the files found, the Log and any Messages (pure)."""
    b = _Builder(book, po, files, log, messages)
    items = b.build()
    o = b.order
    s = book.settings
    buyer = b.f.buyer.get(o.buyer_id)
    dates = [i.when for i in items if i.when is not None]
    created = max(dates) if dates else (o.po_date or date(2000, 1, 1))
    label = f"none; our reference {o.our_ref}" if o.our_ref and o.our_ref == o.po_number else o.po_number
    return Pack(
        po=b.po, po_label=label, currency=s.currency, seller=_party(s.seller_name, s.seller_address, s.seller_email),
        buyer=_party(buyer.name if buyer else o.buyer_id, f"Buyer ID {o.buyer_id}", buyer.bill_to if buyer else "",
                     buyer.email if buyer else ""),
        workbook=book.path.name, workbook_sha256=workbook_sha256, amounts=b.amounts(), dispute=b.dispute(),
        items=tuple(items), log=b.order_log(), log_source=log_source, messages_source=messages_source,
        created=created)


def pdf_date(data: bytes) -> date | None:
    """A PDF's own creation date (poflow's documents carry their issue date there), None if it has none."""
    m = re.search(rb"/CreationDate\s*\(D:(\d{4})(\d{2})(\d{2})", data[-65536:]) or \
        re.search(rb"/CreationDate\s*\(D:(\d{4})(\d{2})(\d{2})", data)
    if not m:
        return None
    try:
        return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:
        return None


__all__ = ["FileRef", "Found", "Item", "LogEntry", "MessageRow", "Pack", "Wanted", "assemble", "pdf_date", "safe_name",
           "wanted"]
