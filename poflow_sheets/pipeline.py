"""`poflow status`: how many orders and how much money sit at each step of the flow, and what needs action today.

Pure: `pipeline(book, today)` derives everything from the records through `ledger.Facts`; the Orders tab's
Status cell is trusted only where no other record can say more (see `pipeline` for the rules).
`render_pipeline` lays a `Pipeline` out as a rich table; `Pipeline.to_json()` is the `--json` shape.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from .ledger import Facts, aging_bucket, facts_of
from .money import ZERO, cents, format_money, money_str
from .reader import Book
from .records import Invoice, Line, Order
from .terms import long_date

# Steps in flow order: (key, label). Every order lands in exactly one of them.
STEPS: tuple[tuple[str, str], ...] = (
    ("draft", "Draft (nothing sent yet)"),
    ("awaiting_approval", "Awaiting approval"),
    ("awaiting_acknowledgement", "Awaiting acknowledgement"),
    ("awaiting_deposit", "Awaiting deposit"),
    ("ready_to_ship", "Ready to ship"),
    ("partially_shipped", "Partially shipped"),
    ("shipped_not_invoiced", "Shipped, not invoiced"),
    ("invoiced_open", "Invoiced, not yet due"),
    ("overdue_1_30", "Overdue 1-30 days"),
    ("overdue_31_60", "Overdue 31-60 days"),
    ("overdue_61_90", "Overdue 61-90 days"),
    ("overdue_90_plus", "Overdue 90+ days"),
    ("paid_closed", "Paid / closed"),
    ("cancelled", "Cancelled"),
)
STEP_KEYS: tuple[str, ...] = tuple(k for k, _ in STEPS)
COUNT_ONLY: frozenset[str] = frozenset({"paid_closed"})  # steps whose money is not shown (None)
CHASE_AFTER_DAYS = 7  # a confirmation unanswered this long needs chasing

# Action codes, most urgent first (an action's rank is its most urgent reason's).
ACTION_CODES: tuple[str, ...] = (
    "invoice-overdue",
    "cancel-date",
    "ship-late",
    "deposit-outstanding",
    "ship-due",
    "not-invoiced",
    "invoice-due-today",
    "chase-approval",
    "acknowledge",
    "draft",
)

_ACKED = ("acknowledged", "deposit paid")
_PAST_ACK = ("partially shipped", "shipped", "invoiced", "paid", "closed")


@dataclass(frozen=True, slots=True)
class Step:
    """One step of the pipeline: the orders sitting there and their money (None for count-only steps)."""

    key: str
    label: str
    po_numbers: tuple[str, ...] = ()
    amount: Decimal | None = ZERO

    @property
    def count(self) -> int:
        """How many orders sit at this step."""
        return len(self.po_numbers)


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a PO needs action: a stable code and one line of text."""

    code: str
    text: str


@dataclass(frozen=True, slots=True)
class Action:
    """A PO that needs action today, with every reason (most urgent first)."""

    po_number: str
    buyer_id: str
    step: str
    reasons: tuple[Reason, ...]

    @property
    def reason(self) -> str:
        """The reasons as one line."""
        return "; ".join(r.text for r in self.reasons)

    @property
    def codes(self) -> tuple[str, ...]:
        """The reasons' codes."""
        return tuple(r.code for r in self.reasons)


@dataclass(frozen=True)
class Pipeline:
    """Orders and money per step as of `today`, and the POs that need action."""

    today: date
    currency: str
    steps: tuple[Step, ...]
    actions: tuple[Action, ...] = ()
    step_of: dict[str, str] = field(default_factory=dict)  # PO number -> step key
    receivable: Decimal = ZERO  # every open invoice balance (deposit invoices too), whatever the step

    def step(self, key: str) -> Step:
        """The step with this key (KeyError for an unknown key)."""
        for s in self.steps:
            if s.key == key:
                return s
        raise KeyError(key)

    def to_json(self) -> dict[str, object]:
        """The `--json` shape: amounts as "1234.50" strings (null for count-only steps), counts as ints."""
        return {
            "today": self.today.isoformat(),
            "currency": self.currency,
            "steps": [
                {
                    "step": s.key,
                    "label": s.label,
                    "orders": s.count,
                    "amount": None if s.amount is None else money_str(s.amount),
                    "po_numbers": list(s.po_numbers),
                }
                for s in self.steps
            ],
            "receivable": money_str(self.receivable),
            "actions": [
                {
                    "po_number": a.po_number,
                    "buyer_id": a.buyer_id,
                    "step": a.step,
                    "codes": list(a.codes),
                    "reason": a.reason,
                }
                for a in self.actions
            ],
        }


# --------------------------------------------------------------------------------------------------
# Derivation


def units_to_ship(facts: Facts, order: Order, ln: Line) -> int:
    """Units of a line still to ship: none on a cancelled order or a rejected line; a line
    acknowledged with a changed quantity is due up to that quantity; a backorder stays due in full."""
    if order.status == "cancelled":
        return 0
    return facts.open_qty(ln)


def invoiced_goods(facts: Facts, po: str) -> Decimal:
    """Value of goods billed on the PO's final invoices (total + deposit deducted - tax), void ones left out."""
    finals = [i for i in facts.invoices_of.get(po, ()) if i.kind == "final" and i.status != "void"]
    return cents(sum((i.total + (i.deposit_deducted or ZERO) - (i.tax or ZERO) for i in finals), ZERO))


def open_balances(facts: Facts) -> dict[str, list[tuple[Invoice, Decimal]]]:
    """Deposit and final invoices with a balance left, with that balance, by PO (void ones and credit
    notes left out), in sheet order."""
    paid = facts.paid
    out: dict[str, list[tuple[Invoice, Decimal]]] = {}
    for inv in facts.invoices:
        if inv.kind == "credit" or inv.status == "void":
            continue
        balance = inv.total - paid.get(inv.invoice_number, ZERO)
        if balance > 0:
            out.setdefault(inv.po_number, []).append((inv, balance))
    return out


def days_past_due(inv: Invoice, today: date) -> int:
    """Days since the invoice's due date (its date when it has none; 0 or less is not overdue)."""
    due = inv.due_date or inv.invoice_date
    return (today - due).days if due is not None else 0


def overdue_step(days: int) -> str:
    """The step key for an order whose oldest open invoice is this many days past due."""
    bucket = aging_bucket(days)
    return "invoiced_open" if bucket == "Current" else "overdue_" + bucket.replace("-", "_").replace("+", "_plus")


def _pre_shipping(facts: Facts, order: Order) -> str:
    """Where an order with nothing shipped sits: by its status, moved forward by its approval and
    acknowledgement dates, and by its deposit facts once acknowledged."""
    s = order.status
    acked = s in _ACKED or s in _PAST_ACK or order.acknowledged_on is not None
    if not acked:
        if s == "approved" or order.approved_on is not None:
            return "awaiting_acknowledgement"
        if s == "draft" and order.confirmation_sent_on is None:
            return "draft"
        return "awaiting_approval"
    if facts.deposit_outstanding(order) > 0:
        return "awaiting_deposit"
    return "ready_to_ship"


def place(facts: Facts, order: Order, today: date,
          open_by_po: dict[str, list[tuple[Invoice, Decimal]]] | None = None) -> tuple[str, Decimal]:
    """The step an order sits at and the money it counts there (`open_by_po`: `open_balances(facts)`)."""
    po = order.po_number
    total = facts.order_total(po)
    shipped = bool(facts.shipments_of.get(po))
    if order.status == "cancelled" and not shipped:
        return "cancelled", total
    if not shipped:
        return _pre_shipping(facts, order), total
    if any(units_to_ship(facts, order, ln) for ln in facts.lines_of.get(po, ())):
        return "partially_shipped", total
    if facts.shipped_value(po) > invoiced_goods(facts, po):
        return "shipped_not_invoiced", total
    invs = (open_by_po if open_by_po is not None else open_balances(facts)).get(po)
    if invs:
        balance = sum((b for _, b in invs), ZERO)
        worst = max(days_past_due(i, today) for i, _ in invs)
        return overdue_step(worst), cents(balance)
    return "paid_closed", ZERO


def _reasons(facts: Facts, order: Order, step: str, today: date,
             open_by_po: dict[str, list[tuple[Invoice, Decimal]]]) -> list[Reason]:
    """Why this order needs action today (empty when it does not)."""
    po = order.po_number
    out: list[Reason] = []
    lines = facts.lines_of.get(po, [])
    left = [ln for ln in lines if units_to_ship(facts, order, ln)]
    # Money owed now, on any invoice of the PO (a deposit invoice too), whatever the order's step.
    for inv, balance in sorted(open_by_po.get(po, ()), key=lambda ib: (ib[0].due_date or date.min,
                                                                        ib[0].invoice_number)):
        days = days_past_due(inv, today)
        what = "deposit invoice" if inv.kind == "deposit" else "invoice"
        bal = format_money(balance)
        if days > 0:
            out.append(Reason("invoice-overdue", f"{what} {inv.invoice_number} is {days} day{'s' * (days != 1)} "
                                                 f"overdue, {bal} open: chase payment"))
        elif days == 0:
            out.append(Reason("invoice-due-today", f"{what} {inv.invoice_number} is due today, {bal} open"))
    if left and order.cancel_date is not None and order.cancel_date <= today and order.status != "cancelled":
        when = "is today" if order.cancel_date == today else f"passed on {long_date(order.cancel_date)}"
        out.append(Reason("cancel-date", f"cancel date {when} with {sum(units_to_ship(facts, order, ln) for ln in left)} "
                                         "units unshipped: ship, or agree a new date, or cancel"))
    if step == "awaiting_deposit":
        owed = format_money(facts.deposit_outstanding(order))
        has_invoice = any(i.kind == "deposit" and i.status != "void" for i in facts.invoices_of.get(po, ()))
        tail = "" if has_invoice else ": send a deposit invoice"
        out.append(Reason("deposit-outstanding", f"deposit {owed} outstanding before shipping{tail}"))
    if step in ("ready_to_ship", "partially_shipped"):
        due = [ln.promised_date or order.ship_date for ln in left]
        late = [d for d in due if d is not None and d < today]
        if late:
            units = sum(units_to_ship(facts, order, ln) for ln, d in zip(left, due, strict=True) if d is not None and d < today)
            out.append(Reason("ship-late", f"late: {units} units were due to ship by {long_date(min(late))}: ship "
                                           "them, or tell the buyer the new date with a revised acknowledgement"))
        ready = [d for d in due if d is not None and d == today]
        if ready:
            units = sum(units_to_ship(facts, order, ln) for ln, d in zip(left, due, strict=True) if d == today)
            out.append(Reason("ship-due", f"{units} units due to ship by {long_date(today)}: ship them"))
    unbilled = facts.shipped_value(po) - invoiced_goods(facts, po) if facts.shipments_of.get(po) else ZERO
    if unbilled > 0:
        out.append(Reason("not-invoiced", f"shipped {format_money(unbilled)} not yet invoiced: send the invoice"))
    sent = order.confirmation_sent_on
    if step == "awaiting_approval" and sent is not None and (today - sent).days > CHASE_AFTER_DAYS:
        days = (today - sent).days
        out.append(Reason("chase-approval", f"confirmation sent {days} days ago, not approved: chase the buyer"))
    if step == "draft":
        out.append(Reason("draft", "draft: send the order confirmation or acknowledge the PO"))
    if step == "awaiting_acknowledgement":
        on = f" on {long_date(order.approved_on)}" if order.approved_on else ""
        out.append(Reason("acknowledge", f"approved{on}: send the acknowledgement"))
    rank = {c: i for i, c in enumerate(ACTION_CODES)}
    out.sort(key=lambda r: rank[r.code])
    return out


def pipeline(book: Book, today: date) -> Pipeline:
    """Every order placed at exactly one step, in flow order, from its records (never its Status alone).

    Rules, first match wins:

    * cancelled: Status is "cancelled" and nothing has shipped (no other record can say cancelled).
      A cancelled order that shipped something has no quantity left to ship and goes on by its invoices.
    * nothing shipped (no Shipments rows): awaiting approval (draft, confirmation sent); awaiting
      acknowledgement (Status approved or an Approved On date); once acknowledged (Status acknowledged or
      deposit paid or any later status, or an Acknowledged On date): awaiting deposit while
      `deposit_outstanding > 0`, else ready to ship. So a "deposit paid" order whose deposit is not in
      the Allocations waits for its deposit, and an order whose Status claims "shipped" with no shipment
      counts as acknowledged, not shipped.
    * something shipped: partially shipped while a line has units left to ship (`open_qty`: rejected
      lines and cancelled orders have none, "quantity changed" lines are due up to the acknowledged
      quantity, backorders in full); else shipped not invoiced while the shipped value exceeds the goods
      on the final invoices; else invoiced open / overdue by the oldest open invoice's days past due;
      else paid/closed. So an order whose Status says "approved" but is fully shipped and invoiced
      counts where its shipments and invoices put it.

    Money per step: the order total (lines at their prices); for invoiced and overdue steps the
    order's open invoice balances; paid/closed is count only (None). Cancelled counts the order total.
    """
    facts = facts_of(book)
    placed: dict[str, list[str]] = {k: [] for k in STEP_KEYS}
    money: dict[str, Decimal] = {k: ZERO for k in STEP_KEYS}
    step_of: dict[str, str] = {}
    actions: list[Action] = []
    rank = {c: i for i, c in enumerate(ACTION_CODES)}
    open_by_po = open_balances(facts)
    for order in book.orders:
        if not order.po_number or order.po_number in step_of:
            continue  # a duplicate PO number is validate's finding; count it once
        key, amount = place(facts, order, today, open_by_po)
        step_of[order.po_number] = key
        placed[key].append(order.po_number)
        money[key] += amount
        reasons = _reasons(facts, order, key, today, open_by_po)
        if reasons:
            actions.append(Action(order.po_number, order.buyer_id, key, tuple(reasons)))
    order_row = {o.po_number: i for i, o in enumerate(book.orders)}
    actions.sort(key=lambda a: (rank[a.reasons[0].code], order_row[a.po_number]))
    steps = tuple(Step(k, label, tuple(placed[k]), None if k in COUNT_ONLY else cents(money[k])) for k, label in STEPS)
    receivable = cents(sum((b for invs in open_by_po.values() for _, b in invs), ZERO))
    return Pipeline(
        today=today, currency=book.settings.currency, steps=steps, actions=tuple(actions), step_of=step_of,
        receivable=receivable)


# --------------------------------------------------------------------------------------------------
# Rendering
