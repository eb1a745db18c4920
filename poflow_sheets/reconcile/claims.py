"""Short payments that hold back an open claim: the invoice allocation plus a pending deduction.

A post-step on matching's result (the engine is not changed): a buyer who reported damaged goods often pays
the invoice less the claim's value. When a payment's shortfall against one invoice equals, to the cent, the
value (`ledger.Facts.claim_value`) of exactly one open claim billed on that invoice, and the payment is from
that invoice's buyer, it is allocated as what it is:

- an `invoice` allocation of the money received, and
- a `deduction` allocation of the shortfall, naming the claim in its rule; the claim's Deducted On Payment
  cell names the transaction.

A deduction is not money received and does not settle the invoice (`ledger.PAYING_KINDS` leaves it out): the
invoice stays partial by the claim's value until the claim is settled (its credit note closes the invoice) or
rejected (the amount is still owed). So nothing is written off before a person decides the claim, and the
payment is no longer left unmatched.

From that buyer means: matching applied the payment to that invoice already (a partial payment, or a
shortfall small enough to pass as a wire fee: the fee becomes the deduction), or the payer's name is the
buyer's name or one of its aliases, or the memo names the invoice or its PO and the payer is no other buyer.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from ..claims import OPEN, claim_invoice
from ..ledger import PAYING_KINDS, Facts
from ..money import ZERO
from ..records import Claim, Invoice, Transaction
from .engine import MatchResult, ProposedAllocation

DEDUCTION_CONFIDENCE = Decimal("0.95")
_SUFFIXES = frozenset({"llc", "inc", "co", "corp", "ltd", "company", "incorporated", "the"})


@dataclass(frozen=True)
class Deduction:
    """A payment short by an open claim's value: what was received and what was held back for the claim."""

    transaction_id: str
    claim: Claim
    invoice_number: str
    received: Decimal
    held: Decimal


def _name(text: str) -> str:
    words = re.sub(r"[^a-z0-9]+", " ", text.casefold()).split()
    return " ".join(w for w in words if w not in _SUFFIXES)


def _named(number: str, text: str) -> bool:
    return bool(number) and re.search(rf"(?<![A-Za-z0-9]){re.escape(number)}(?![A-Za-z0-9])", text, re.I) is not None


def claim_deductions(transactions: Sequence[Transaction], result: MatchResult,
                     allocations: Sequence[ProposedAllocation], facts: Facts, *,
                     taken: Collection[str] = ()) -> tuple[list[ProposedAllocation], list[Deduction]]:
    """The allocations with each short payment that equals an open claim's value turned into an invoice
    allocation plus a deduction; and those deductions. `taken`: transactions a person confirmed (left alone)."""
    claims: dict[str, list[Claim]] = defaultdict(list)
    invoices: dict[str, Invoice] = {}
    for c in facts.claims:
        inv = claim_invoice(facts, c) if c.status in OPEN and not c.deduction else None
        if inv is not None and inv.kind != "credit" and inv.status != "void":
            claims[inv.invoice_number].append(c)
            invoices[inv.invoice_number] = inv
    if not claims:
        return list(allocations), []
    run_paid: dict[str, Decimal] = defaultdict(lambda: ZERO)  # settled in this run, per invoice
    by_txn: dict[str, list[ProposedAllocation]] = defaultdict(list)
    for a in allocations:
        by_txn[a.transaction_id].append(a)
        if a.invoice_number and a.kind in PAYING_KINDS:
            run_paid[a.invoice_number] += a.amount
    open_txns = {s.transaction_id for s in result.suggestions} | {u.transaction_id for u in result.unmatched}
    suggested: dict[str, set[str]] = {s.transaction_id: {c.invoice_number for c in s.candidates}
                                      for s in result.suggestions}
    names: dict[str, set[str]] = {b.buyer_id: {_name(n) for n in (b.name, *b.aliases)} - {""} for b in facts.buyers}
    out = list(allocations)
    made: list[Deduction] = []
    used: set[str] = set()

    def fits(number: str, held: Decimal) -> Claim | None:
        found = [c for c in claims.get(number, []) if c.claim_number not in used and facts.claim_value(c) == held]
        return found[0] if len(found) == 1 else None

    for t in sorted(transactions, key=lambda t: (t.date, t.transaction_id)):
        txn = t.transaction_id
        if t.amount <= 0 or txn in taken:
            continue
        mine = by_txn.get(txn, [])
        if mine:  # matching applied it: to one invoice with a claim, as a partial payment or payment plus fee
            numbers = {a.invoice_number for a in mine}
            if len(numbers) != 1 or any(a.kind not in ("invoice", "fee") for a in mine):
                continue
            number = numbers.pop()
            if number not in claims:
                continue
            paid = sum((a.amount for a in mine if a.kind == "invoice"), ZERO)
            fee = sum((a.amount for a in mine if a.kind == "fee"), ZERO)
            held = facts.balance(invoices[number]) - (run_paid[number] - paid - fee) - paid
            claim = fits(number, held) if held > 0 else None
            if claim is None:
                continue
            received = paid
            pay = next(a for a in mine if a.kind == "invoice")
            out = [a for a in out if not (a.transaction_id == txn and a.kind == "fee")]
            out.append(replace(pay, amount=held, kind="deduction", rule=f"claim-deduction {claim.claim_number}"))
            run_paid[number] -= fee
        elif txn in open_txns:  # suggested or unmatched: the buyer's payment of a claimed invoice less the claim
            payer = _name(t.payer)
            who = {b for b, ns in names.items() if payer and payer in ns}
            text = f"{t.memo} {t.payer} {' '.join(t.references)}"
            found: list[tuple[str, Claim, Decimal]] = []
            for number, inv in invoices.items():
                order = facts.order.get(inv.po_number)
                buyer = order.buyer_id if order is not None else ""
                named = _named(number, text) or _named(inv.po_number, text) or number in suggested.get(txn, ())
                if not (buyer in who or (named and not who - {buyer})):
                    continue
                held = facts.balance(inv) - run_paid[number] - t.amount
                claim = fits(number, held) if held > 0 else None
                if claim is not None:
                    found.append((number, claim, held))
            if len(found) != 1:
                continue
            number, claim, held = found[0]
            received = t.amount
            po = invoices[number].po_number
            rule = "reference+claim" if _named(number, text) or _named(po, text) else "payer+claim"
            out.append(ProposedAllocation(
                transaction_id=txn, source=t.source, invoice_number=number, po_number=po, amount=t.amount,
                kind="invoice", rule=rule, confidence=DEDUCTION_CONFIDENCE))
            out.append(ProposedAllocation(
                transaction_id=txn, source=t.source, invoice_number=number, po_number=po, amount=held,
                kind="deduction", rule=f"claim-deduction {claim.claim_number}", confidence=DEDUCTION_CONFIDENCE))
            run_paid[number] += t.amount
        else:
            continue
        used.add(claim.claim_number)
        made.append(Deduction(transaction_id=txn, claim=claim, invoice_number=number, received=received, held=held))
    return out, made
