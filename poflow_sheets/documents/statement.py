"""Statement of account for one buyer: open items with aging, as a `Document(kind="statement")`.

Pure: `statement_document(book, buyer_id, today, number)` reads the records as of `today` (invoices
dated after it and payments received after it are left out) and follows the sign rules of
`documents.model` so `doc.check()` is empty:

* an open invoice (deposit or final, not void, balance > 0): amount = its total, paid = payments,
  fees, discounts and credit notes applied to it, balance = amount - paid;
* a payment of the buyer's that was applied to an invoice listed, or that still has money on account:
  amount = minus the payment, paid = minus what was applied (invoice and deposit allocations),
  balance = minus what is left on account (allocations of kind `credit`, and any part never allocated);
* a credit note: amount = its (negative) total; applied in full (paid = amount, balance 0) when it
  names the invoice it corrects, listed only when that invoice is; unapplied (balance = amount) when it
  names none.

A payment is the buyer's when one of its allocations names the buyer's PO or invoice, or, having no
allocation at all, when its payer is the buyer's name or one of its aliases.
Aging: each invoice's balance by days past its due date (Current, 1-30, 31-60, 61-90, 90+); money on
account (negative balances) counts as Current, so the buckets add up to the balance due.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import replace
from datetime import date
from decimal import Decimal

from ..errors import Refused
from ..ledger import AGING_BUCKETS, FROM_PAYMENT_KINDS, aging_bucket, facts_of
from ..money import ZERO, cents, format_money
from ..reader import Book
from ..records import Allocation, Buyer, Invoice, Payment
from ..terms import long_date
from .model import Document, Party, StatementRow

APPLIED_KINDS = tuple(k for k in FROM_PAYMENT_KINDS if k != "credit")  # out of a payment onto invoices/deposits


def _find_buyer(book: Book, buyer_id: str) -> Buyer:
    by_id = {b.buyer_id: b for b in book.buyers}
    if buyer_id in by_id:
        return by_id[buyer_id]
    folded = [b for b in book.buyers if b.buyer_id.casefold() == buyer_id.strip().casefold()]
    if len(folded) == 1:
        return folded[0]
    known = ", ".join(b.buyer_id for b in book.buyers) or "none"
    raise Refused(f"unknown buyer {buyer_id!r}; known: {known}")


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", " ", text.casefold()).strip()


def _as_of(book: Book, today: date) -> Book:
    """The book as it stood on `today`: later invoices, payments and their allocations left out."""
    late = {p.transaction_id for p in book.payments if p.date is not None and p.date > today}
    invoices = tuple(i for i in book.invoices if i.invoice_date is None or i.invoice_date <= today)
    allocations = tuple(a for a in book.allocations if a.transaction_id not in late
                        and (a.applied_on is None or a.applied_on <= today))
    payments = tuple(p for p in book.payments if p.transaction_id not in late)
    return replace(book, invoices=invoices, allocations=allocations, payments=payments)


def _kind_word(inv: Invoice) -> str:
    return {"deposit": "Deposit invoice", "final": "Invoice", "credit": "Credit note"}.get(inv.kind, "Invoice")


def _buyer_payments(book: Book, buyer: Buyer, pos: set[str], numbers: set[str]) -> list[Payment]:
    allocs: dict[str, list[Allocation]] = defaultdict(list)
    for a in book.allocations:
        allocs[a.transaction_id].append(a)
    names = {_norm(buyer.name), *(_norm(x) for x in buyer.aliases)} - {""}
    out = []
    for p in book.payments:
        if p.amount <= 0 or p.status == "ignored":
            continue
        mine = allocs.get(p.transaction_id, [])
        if mine:
            if any(a.po_number in pos or a.invoice_number in numbers for a in mine):
                out.append(p)
        elif _norm(p.payer) in names:
            out.append(p)
    return out


def statement_document(book: Book, buyer_id: str, today: date, number: str) -> Document:
    """The statement of account of one buyer as of `today` (open items, payments and credits, aging).

    Raises Refused for a buyer id the Buyers tab does not have (ids match case-insensitively).
    """
    buyer = _find_buyer(book, buyer_id)
    book = _as_of(book, today)
    facts = facts_of(book)
    pos = {o.po_number for o in book.orders if o.buyer_id == buyer.buyer_id}
    theirs = [i for i in book.invoices if i.po_number in pos and i.status != "void"]
    numbers = {i.invoice_number for i in theirs}

    rows: list[tuple[StatementRow, str]] = []  # (row, aging label)
    listed: set[str] = set()
    for inv in theirs:
        if inv.kind == "credit":
            continue
        amount = cents(inv.total)
        paid = cents(facts.paid.get(inv.invoice_number, ZERO))
        if amount - paid <= 0:
            continue
        due = inv.due_date or inv.invoice_date
        days = (today - due).days if due is not None else 0
        row = StatementRow(
            date=inv.invoice_date or today, kind=_kind_word(inv), number=inv.invoice_number, po_number=inv.po_number,
            due_date=due, amount=amount, paid=paid, balance=amount - paid)
        rows.append((row, aging_bucket(days)))
        listed.add(inv.invoice_number)

    for note in theirs:
        if note.kind != "credit":
            continue
        amount = cents(-abs(note.total))
        applied = bool(note.related)  # the ledger settles the named invoice with it
        if applied and note.related not in listed:
            continue  # applied in full to an invoice that is settled: not an open item
        paid = amount if applied else ZERO
        row = StatementRow(
            date=note.invoice_date or today, kind="Credit note", number=note.invoice_number,
            po_number=note.po_number, due_date=None, amount=amount, paid=paid, balance=amount - paid)
        rows.append((row, "Current"))

    applied_to: dict[str, Decimal] = defaultdict(lambda: ZERO)
    touches: dict[str, set[str]] = defaultdict(set)
    pos_of: dict[str, set[str]] = defaultdict(set)
    for a in book.allocations:
        if a.kind in APPLIED_KINDS:
            applied_to[a.transaction_id] += a.amount
        if a.invoice_number:
            touches[a.transaction_id].add(a.invoice_number)
        po = a.po_number or (facts.invoice[a.invoice_number].po_number if a.invoice_number in facts.invoice else "")
        if po:
            pos_of[a.transaction_id].add(po)
    for p in _buyer_payments(book, buyer, pos, numbers):
        amount = cents(-p.amount)
        paid = cents(-min(applied_to[p.transaction_id], p.amount))
        balance = amount - paid
        if balance == 0 and not touches[p.transaction_id] & listed:
            continue  # applied in full to settled invoices: not an open item
        po_text = ", ".join(sorted(pos_of[p.transaction_id] & pos))
        row = StatementRow(
            date=p.date or today, kind="Payment", number=p.transaction_id, po_number=po_text, due_date=None,
            amount=amount, paid=paid, balance=balance)
        rows.append((row, "Current"))

    rows.sort(key=lambda r: (r[0].date, r[0].kind == "Payment", r[0].number))
    s = book.settings
    aging = {label: ZERO for label in AGING_BUCKETS}
    for row, label in rows:
        aging[label] += row.balance
    due_total = sum((r.balance for r, _ in rows), ZERO)
    if rows:
        notes = [f"Open items as of {long_date(today)}: unpaid invoices, and payments and credits with how they "
                 "were applied. A negative balance is money on account."]
    else:
        notes = [f"Nothing is open as of {long_date(today)}: every invoice is paid and no money is on account. "
                 f"Balance due {format_money(ZERO, s.currency)}. Thank you."]
    overdue = [r for r, label in rows if label != "Current" and r.balance > 0]
    if overdue:
        total_overdue = sum((r.balance for r in overdue), ZERO)
        notes.append(f"{len(overdue)} invoice{'s' if len(overdue) != 1 else ''} past due, "
                     f"{format_money(total_overdue, s.currency)}: please pay now or tell us if anything is in dispute.")
    return Document(
        kind="statement",
        number=number,
        issue_date=today,
        seller=Party(s.seller_name or "(Seller Name not set)", s.seller_address, s.seller_email),
        buyer=Party(buyer.name or buyer.buyer_id, buyer.bill_to, buyer.email),
        currency=s.currency,
        total=due_total,
        amount_due=due_total,
        terms_text=buyer.terms or s.default_terms,
        statement_rows=tuple(r for r, _ in rows),
        aging=tuple((label, aging[label]) for label in AGING_BUCKETS),
        notes=tuple(notes),
        remit_to=s.remit_to,
        extra=(("Account", buyer.buyer_id),),
    )
