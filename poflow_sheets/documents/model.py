"""The business documents as data: one frozen model for every kind, pure, no I/O.

A `Document` restates exactly what was agreed, so every figure it prints is stored in it,
already computed and rounded to cents by whoever builds it; the renderers (PDF, sheet rows,
text) only lay the figures out and never compute money. `Document.check()` proves the
figures tie to the cent before anything is sent.

Money fields are `Decimal` with at most two decimals. Quantities are `int` or `Decimal`.

Kinds and how their totals relate:

* every kind but `statement`: sum(line.amount) == subtotal; subtotal + tax == total;
  total - sum(deposit_deductions.amount) == amount_due.
* with an early-payment discount: amount_due - discount_amount == discounted_total, paid by
  `discount_date`; the full `amount_due` is due by `due_date`.
* `credit_note`: the amounts are the credit, positive; `related_invoice` names the invoice.
* `statement` (open items): one `StatementRow` per open invoice, payment or credit.
  An invoice row: amount = invoice total, paid = payments and credits applied to it,
  balance = amount - paid. A payment or credit row: amount = minus its full amount,
  paid = minus the part applied to the invoices listed, balance = minus the part left
  unapplied (so 0 when fully applied). amount_due == sum(row.balance) == sum(aging amounts).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal, get_args

Kind = Literal["quote", "linesheet", "confirmation", "acknowledgement", "deposit_invoice", "invoice",
               "packing_slip", "credit_note", "statement"]
KINDS: tuple[Kind, ...] = get_args(Kind)
MONEYLESS: tuple[Kind, ...] = ("linesheet", "packing_slip")  # no totals: a price list, a slip in the box

ZERO = Decimal("0.00")

TITLES: dict[str, str] = {
    "quote": "QUOTE",
    "linesheet": "LINE SHEET",
    "packing_slip": "PACKING SLIP",
    "confirmation": "ORDER CONFIRMATION",
    "acknowledgement": "ORDER ACKNOWLEDGEMENT",
    "deposit_invoice": "DEPOSIT INVOICE",
    "invoice": "INVOICE",
    "credit_note": "CREDIT NOTE",
    "statement": "STATEMENT OF ACCOUNT",
}

# X12 855 line statuses (ACK01) and the words printed for them.
X12_ACK_CODES: dict[str, str] = {
    "IA": "Accepted",
    "IC": "Accepted with changes",
    "IQ": "Quantity changed",
    "IP": "Price changed",
    "IB": "Backordered",
    "IS": "Substituted",
    "IR": "Rejected",
}
_ACCEPTED_WORDS = {"", "ia", "accepted"}

Qty = int | Decimal


def file_name(number: str, suffix: str = ".pdf") -> str:
    """A document's file name: its number made safe as a file name (`documents/INV-1001.pdf`)."""
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in number) + suffix


def status_label(status: str) -> str:
    """The printed word for a line status: an X12 code (`IB`) or already a word (`Backordered`)."""
    return X12_ACK_CODES.get(status.strip().upper(), status.strip())


def is_accepted(status: str) -> bool:
    """True when a line status means accepted as ordered (blank counts as accepted)."""
    return status.strip().lower() in _ACCEPTED_WORDS


@dataclass(frozen=True, slots=True)
class Party:
    """A seller, buyer or ship-to. `address` may hold several lines separated by newlines."""

    name: str
    address: str = ""
    email: str = ""
    extra_lines: tuple[str, ...] = ()

    def lines(self) -> tuple[str, ...]:
        """Name, address lines, e-mail and extra lines, blanks left out."""
        out = [self.name]
        out.extend(part.strip() for part in self.address.splitlines())
        out.append(self.email)
        out.extend(self.extra_lines)
        return tuple(s for s in out if s and s.strip())


@dataclass(frozen=True, slots=True)
class DocLine:
    """One line. On an acknowledgement `qty` is the accepted quantity and `ordered_qty` the
    buyer's; `status` is an X12 855 code or word, `promised_date` the line's ship date."""

    line_no: int
    sku: str
    description: str
    qty: Qty
    unit: str
    unit_price: Decimal
    amount: Decimal
    status: str = ""
    note: str = ""
    promised_date: date | None = None
    ordered_qty: Qty | None = None
    shipped_before: Qty | None = None  # invoice and packing slip: shipped on earlier shipments
    backordered_qty: Qty | None = None  # invoice and packing slip: still to ship after this one
    tiers: str = ""  # line sheet and quote: "12+ 9.50 / 48+ 8.75"


@dataclass(frozen=True, slots=True)
class DepositDeduction:
    """A deposit invoice deducted on the final invoice, by its number, date and amount."""

    number: str
    date: date
    amount: Decimal


@dataclass(frozen=True, slots=True)
class StatementRow:
    """One open item on a statement of account (see the module docstring for the signs)."""

    date: date
    kind: str  # "Invoice", "Deposit invoice", "Payment", "Credit note"
    number: str
    po_number: str
    due_date: _dt.date | None
    amount: Decimal
    paid: Decimal
    balance: Decimal


@dataclass(frozen=True, slots=True)
class Document:
    """One business document of any kind; every figure printed is a field here."""

    kind: Kind
    number: str
    issue_date: date
    seller: Party
    buyer: Party
    po_number: str = ""
    our_ref: str = ""  # the seller's own order number
    currency: str = "USD"
    lines: tuple[DocLine, ...] = ()
    subtotal: Decimal = ZERO
    tax: Decimal = ZERO
    tax_note: str = ""  # "Sales tax 8.25 % (TX)" or "Exempt: resale certificate TX-123 (Texas)"
    deposit_deductions: tuple[DepositDeduction, ...] = ()
    total: Decimal = ZERO
    amount_due: Decimal = ZERO
    terms_text: str = ""
    due_date: date | None = None
    discount_date: date | None = None
    discount_amount: Decimal = ZERO
    discounted_total: Decimal = ZERO
    discount_pct: Decimal = ZERO  # fraction, 0.02 for 2 %; only used to print "(2% discount)"
    exceptions: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()
    remit_to: str = ""  # several lines separated by newlines
    requested_ship_date: date | None = None
    promised_ship_date: date | None = None
    related_invoice: str = ""  # a credit note's invoice
    statement_rows: tuple[StatementRow, ...] = ()
    aging: tuple[tuple[str, Decimal], ...] = ()  # ("Current", ..), ("1-30", ..) .. ("90+", ..)
    ask_to_approve: bool = False
    ship_to: Party | None = None
    paper: Literal["letter", "A4"] = "letter"  # Letter for a US seller, A4 elsewhere
    extra: tuple[tuple[str, str], ...] = field(default=())  # more (label, value) header facts
    revision: int = 0  # acknowledgement: 2 for ACK-...-R2 (0 and 1: the first)
    valid_until: date | None = None  # quote
    replaces_claim: str = ""  # packing slip: a replacement at no charge for this buyer claim

    @property
    def no_buyer_po(self) -> bool:
        """True when the buyer sent no PO and our confirmation number stands in as the reference."""
        return bool(self.our_ref) and self.po_number == self.our_ref

    @property
    def po_label(self) -> str:
        """The PO as printed: the buyer's number, or `none; our reference OC-0007`."""
        if self.no_buyer_po:
            return f"none; our reference {self.our_ref}"
        return self.po_number

    @property
    def title(self) -> str:
        """The printed title: `INVOICE INV-1001`, `ORDER ACKNOWLEDGEMENT`, ..."""
        base = TITLES[self.kind]
        if self.kind == "acknowledgement" and self.revision > 1:
            return f"{base} (REVISION {self.revision})"
        if self.kind == "packing_slip" and self.replaces_claim:
            return f"{base} (REPLACEMENT)"
        if self.kind in ("invoice", "deposit_invoice", "credit_note") and self.number:
            return f"{base} {self.number}"
        return base

    @property
    def has_discount(self) -> bool:
        """True when an early-payment discount is offered (a date and an amount)."""
        return self.discount_date is not None and self.discount_amount > 0

    @property
    def deductions_total(self) -> Decimal:
        """The sum of the deposit invoices deducted."""
        return sum((d.amount for d in self.deposit_deductions), ZERO)

    def check(self) -> list[str]:
        """Every way the figures fail to tie to the cent, or a required fact is missing; [] if none."""
        problems: list[str] = []
        if self.kind not in KINDS:
            problems.append(f"unknown document kind {self.kind!r}")
        if not self.number.strip():
            problems.append("the document has no number")
        money: list[tuple[str, Decimal]] = [
            ("subtotal", self.subtotal),
            ("tax", self.tax),
            ("total", self.total),
            ("amount due", self.amount_due),
            ("discount amount", self.discount_amount),
            ("discounted total", self.discounted_total),
        ]
        money += [(f"line {ln.line_no} unit price", ln.unit_price) for ln in self.lines]
        money += [(f"line {ln.line_no} amount", ln.amount) for ln in self.lines]
        money += [(f"deposit {d.number} amount", d.amount) for d in self.deposit_deductions]
        for r in self.statement_rows:
            money += [(f"{r.number} amount", r.amount), (f"{r.number} paid", r.paid)]
            money += [(f"{r.number} balance", r.balance)]
        money += [(f"aging {label}", amt) for label, amt in self.aging]
        for label, value in money:
            if not isinstance(value, Decimal):
                problems.append(f"{label} is {type(value).__name__} {value!r}, expected a Decimal")
            elif not value.is_finite() or value != value.quantize(Decimal("0.01")):
                problems.append(f"{label} {value} is not a whole number of cents")
        if problems:
            return problems  # the sums below would be meaningless or raise

        if self.kind == "statement":
            problems += self._check_statement()
        elif self.kind in MONEYLESS:
            pass
        else:
            problems += self._check_lines()
            problems += self._check_totals()
        if self.due_date is not None and self.due_date < self.issue_date:
            problems.append(f"due date {self.due_date} is before the issue date {self.issue_date}")
        if self.kind in ("invoice", "deposit_invoice"):
            if not self.po_number.strip():
                problems.append("an invoice must show the buyer's PO number")
            if self.amount_due > 0 and self.due_date is None:
                problems.append("an invoice with money due must state its due date")
        if self.kind == "credit_note" and not self.related_invoice.strip():
            problems.append("a credit note must reference the invoice it credits")
        if self.kind == "acknowledgement":
            changed = [ln.line_no for ln in self.lines if not is_accepted(ln.status)]
            if changed and not self.exceptions:
                problems.append(f"lines {changed} are not accepted as ordered but no exception is listed")
        return problems

    def _check_lines(self) -> list[str]:
        problems: list[str] = []
        seen: set[int] = set()
        for ln in self.lines:
            if ln.line_no in seen:
                problems.append(f"line number {ln.line_no} is used twice")
            seen.add(ln.line_no)
            expected = (Decimal(ln.qty) * ln.unit_price).quantize(Decimal("0.01"))
            if expected != ln.amount and not (ln.qty == 0 and ln.amount == 0):
                problems.append(f"line {ln.line_no}: {ln.qty} x {ln.unit_price} = {expected}, but the amount is {ln.amount}")
            if ln.qty < 0 and self.kind != "credit_note":
                problems.append(f"line {ln.line_no}: negative quantity {ln.qty}")
            if (
                self.kind == "acknowledgement"
                and ln.ordered_qty is not None
                and ln.qty > ln.ordered_qty
                and status_label(ln.status) not in ("Substituted", "Quantity changed", "Quantity Changed")
            ):
                problems.append(f"line {ln.line_no}: accepted quantity {ln.qty} exceeds the ordered {ln.ordered_qty}")
        return problems

    def _check_totals(self) -> list[str]:
        problems: list[str] = []
        line_sum = sum((ln.amount for ln in self.lines), ZERO)
        if line_sum != self.subtotal:
            problems.append(f"the lines add up to {line_sum}, but the subtotal is {self.subtotal}")
        if self.subtotal + self.tax != self.total:
            problems.append(f"subtotal {self.subtotal} + tax {self.tax} != total {self.total}")
        due = self.total - self.deductions_total
        if due != self.amount_due:
            problems.append(
                f"total {self.total} - deposits {self.deductions_total} = {due}, but the amount due is {self.amount_due}"
            )
        if self.tax == 0 and self.kind in ("invoice", "deposit_invoice") and not self.tax_note.strip():
            problems.append("no tax charged and no exemption stated (tax_note)")
        if self.discount_date is not None or self.discount_amount or self.discounted_total:
            if self.discount_date is None:
                problems.append("a discount amount without a discount date")
            if self.amount_due - self.discount_amount != self.discounted_total:
                problems.append(
                    f"amount due {self.amount_due} - discount {self.discount_amount} != discounted total {self.discounted_total}"
                )
            if self.due_date and self.discount_date and self.discount_date > self.due_date:
                problems.append(f"discount date {self.discount_date} is after the due date {self.due_date}")
        return problems

    def _check_statement(self) -> list[str]:
        problems: list[str] = []
        for r in self.statement_rows:
            if r.amount - r.paid != r.balance:
                problems.append(f"{r.kind} {r.number}: {r.amount} - {r.paid} != balance {r.balance}")
        row_sum = sum((r.balance for r in self.statement_rows), ZERO)
        if row_sum != self.amount_due:
            problems.append(f"the rows' balances add up to {row_sum}, but the balance due is {self.amount_due}")
        if self.aging:
            aged = sum((amt for _label, amt in self.aging), ZERO)
            if aged != self.amount_due:
                problems.append(f"the aging buckets add up to {aged}, but the balance due is {self.amount_due}")
        return problems
