"""The reminder ladder: which step of which unpaid invoice is due today (pure).

Each step is a number of days after the due date (negative: before it). An invoice gets the highest step
whose day has come, once, and never a step below one it already had; steps that fall on or before the
invoice date are skipped (a deposit invoice due on receipt gets no "due soon" note). Invoices that are paid,
credited in full, void, disputed or on hold (the Invoices `Hold` column), of a cancelled order, or with a
payment waiting for review that names them, are not chased.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from ..ledger import facts_of
from ..reader import Book
from ..records import Invoice

SENT = ("sent", "bounced")  # a step that reached the server counts as given


@dataclass(frozen=True)
class Reminder:
    """One reminder to send: the invoice, its step, whether it is the last step, days past due."""

    invoice: Invoice
    step: int
    last: bool
    days: int  # today - due date (negative: before)


@dataclass(frozen=True)
class Skipped:
    """An invoice the ladder would chase but that is held back, and why."""

    invoice: Invoice
    reason: str


def _squash(text: str) -> str:
    return re.sub(r"[^0-9a-z]", "", text.lower())


def steps_given(book: Book, number: str) -> set[int]:
    """The reminder steps already sent for an invoice."""
    return {m.step for m in book.messages
            if m.kind == "reminder" and m.direction == "out" and m.document_number == number
            and m.status in SENT and m.step is not None}


def due_reminders(book: Book, today: date, ladder: tuple[int, ...]) -> tuple[list[Reminder], list[Skipped]]:
    """The reminders due today, and the invoices held back with a reason."""
    facts = facts_of(book)
    pending = [_squash(f"{p.memo} {p.payer}") for p in book.payments if p.status in ("new", "review", "unmatched")]
    out: list[Reminder] = []
    held: list[Skipped] = []
    for inv in book.invoices:
        if inv.kind == "credit" or inv.status in ("paid", "void") or inv.due_date is None:
            continue
        if facts.balance(inv) <= 0:
            continue
        order = facts.order.get(inv.po_number)
        issued = inv.invoice_date or inv.due_date
        came = [s for s in ladder if inv.due_date + timedelta(days=s) <= today
                and inv.due_date + timedelta(days=s) > issued]
        if not came:
            continue
        step = max(came)
        given = steps_given(book, inv.invoice_number)
        if any(g >= step for g in given):
            continue
        if inv.hold:
            held.append(Skipped(inv, f"marked {inv.hold!r} in the Invoices tab"))
            continue
        if order is not None and order.status == "cancelled":
            held.append(Skipped(inv, f"PO {inv.po_number} is cancelled"))
            continue
        number = _squash(inv.invoice_number)
        if any(number and number in p for p in pending):
            held.append(Skipped(inv, "a payment naming it waits for review in the Payments tab"))
            continue
        out.append(Reminder(inv, step, step == ladder[-1], (today - inv.due_date).days))
    return out, held
