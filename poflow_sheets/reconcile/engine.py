"""Payment matching: bank transactions against open invoices and deposits, as pure functions.

Only an unambiguous match whose confidence reaches the threshold is applied; anything else becomes
ranked suggestions with a reason a person can read, or unmatched with a reason. Open items are
indexed by reference, by buyer and by amount in cents, so each transaction looks at a handful of
candidates. Transactions are taken in date order and each applied allocation lowers the balance the
next one sees; passes repeat until nothing more applies, so running the same transactions again on
the updated ledger adds nothing.

Rules and confidences (payer agrees with the referenced buyer / says nothing either way); with the
default threshold 0.9 a match is applied when it reaches it and is the only distinct match that does:

    remittance             0.97 / 0.95   RMR*IV addenda (or an advice named by reference / found by its total)
                                         list the invoices paid: each its amount, a discount taken, a short-pay
                                         left open with its deduction code; it beats any reading of the amount
                                         (0.75 when the payer is clearly another buyer, 0.6 if it does not add up)
    reference+amount       0.99 / 0.96   memo names the invoice (or its PO, or several invoices summing up)
    reference+discount     0.97 / 0.94   total less the early-payment discount, paid by the discount date
    reference+fee          0.95 / 0.92   short by at most fee_tolerance and at most 10 % of the balance
    reference+partial      0.92 / 0.80   less than the balance: needs the payer to agree
    reference+overpayment  0.92 / 0.80   more than the balance: invoice paid, the rest a credit
    deposit:po-reference   0.97 / 0.95   PO not invoiced yet, amount = expected deposit (0.92 / 0.80 otherwise)
    payer+amount 0.95, payer+discount 0.93, payer+fee 0.91, payer+subset 0.93, deposit:payer+amount 0.93:
        the payer is one buyer (or a few look-alike names, -0.02) and exactly one of its open items, or
        one subset of them, fits.
Open balances are ledger.Facts' own (allocations and the credit notes that correct an invoice), so a payment
of an invoice less its credit note is an exact match.
Less: a payer name only near a buyer's (-0.06), a strong reference to something else in the memo
(-0.07), a bare number as the reference (-0.05); a payer clearly another buyer caps it at 0.75, an
invoice outside the payment window at 0.80. The amount alone is only ever a suggestion (0.55 to 0.75).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache, partial
from itertools import takewhile

from ..banks.descriptors import RemittanceAdvice, RemittanceLine, read_descriptor
from ..errors import Refused
from ..ledger import Facts
from ..money import money_str
from ..perf import without_gc
from ..records import Allocation, Buyer, Invoice, Line, Order, Payment, Settings, Transaction
from ..schema import AllocationKind, AllocationMethod
from ..terms import Terms, TermsError, discount_amount, discount_date, due_date, parse_terms
from .classify import classify, paid_out
from .payers import PayerIndex, PayerMatch, display_payer
from .references import STRONG, RefIndex

BALANCE_KINDS = frozenset({"invoice", "fee", "discount"})
PERSON_METHODS = frozenset({"manual", "confirmed"})
_NO_DEPOSIT_STATUSES = frozenset({"cancelled", "closed", "paid", "invoiced"})


@dataclass(frozen=True)
class MatchConfig:
    """How cautious matching is; `from_settings` reads the workbook's Settings."""

    threshold: Decimal = Decimal("0.9")
    fee_tolerance: Decimal = Decimal("35.00")
    window_days: int = 180
    max_subset_items: int = 12
    deposit_grace_days: int = 7
    payer_min_score: float = 88.0  # rapidfuzz score (0..100) from which a payer is taken to be a buyer
    payer_margin: float = 8.0  # how far ahead of the next buyer the best one must be
    max_candidates: int = 5

    @classmethod
    def from_settings(cls, settings: Settings) -> MatchConfig:
        """The Settings tab's match threshold, fee tolerance and payment window."""
        return cls(
            threshold=settings.match_threshold,
            fee_tolerance=settings.fee_tolerance,
            window_days=settings.payment_window_days,
        )


@dataclass(frozen=True)
class Ledger:
    """The workbook's records the matcher needs. Balances are recomputed from allocations."""

    buyers: tuple[Buyer, ...] = ()
    orders: tuple[Order, ...] = ()
    lines: tuple[Line, ...] = ()
    invoices: tuple[Invoice, ...] = ()
    allocations: tuple[Allocation, ...] = ()
    payments: tuple[Payment, ...] = ()
    settings: Settings = field(default_factory=Settings)


@dataclass(frozen=True, slots=True)
class ProposedAllocation:
    """One allocation poflow proposes to write to the Allocations tab."""

    transaction_id: str
    source: str
    invoice_number: str
    po_number: str
    amount: Decimal
    kind: AllocationKind
    rule: str
    confidence: Decimal
    method: AllocationMethod = "auto"

    def to_allocation(self, applied_on: date | None = None) -> Allocation:
        """As an Allocations row."""
        return Allocation(
            transaction_id=self.transaction_id, amount=self.amount, kind=self.kind, invoice_number=self.invoice_number,
            po_number=self.po_number, method=self.method, confidence=self.confidence, rule=self.rule,
            applied_on=applied_on,
        )


@dataclass(frozen=True, slots=True)
class Candidate:
    """One possible match for a person to confirm, with the reason in words."""

    invoice_number: str
    po_number: str
    amount: Decimal
    score: Decimal
    why: str


@dataclass(frozen=True, slots=True)
class Suggestion:
    transaction_id: str
    source: str
    candidates: tuple[Candidate, ...]


@dataclass(frozen=True, slots=True)
class Unmatched:
    transaction_id: str
    source: str
    reason: str


@dataclass(frozen=True, slots=True)
class MatchResult:
    """What matching decided for every transaction: applied, suggested, unmatched, ignored or already."""

    transactions: tuple[Transaction, ...]
    allocations: tuple[ProposedAllocation, ...]
    suggestions: tuple[Suggestion, ...]
    unmatched: tuple[Unmatched, ...]
    ignored: tuple[Unmatched, ...]
    already: tuple[str, ...]

    @property
    def exit_status(self) -> int:
        """0 when every transaction is settled or ignored, 1 when some need review (suggestions or unmatched)."""
        return 1 if self.suggestions or self.unmatched else 0


# --------------------------------------------------------------------------------------------------
# The ledger's open items, indexed


@dataclass(slots=True)
class _Item:
    """An open invoice: balance in cents changes as allocations are applied during the run."""

    number: str
    po: str
    buyer: str
    kind: str
    date: date | None
    total: int
    balance: int
    terms: Terms | None
    lo: int = 0  # first and last day (ordinals) a payment may match it
    hi: int = 0
    disc: int = 0  # early-payment discount in cents (0: none)
    due: int = 0  # due date (ordinal), to rank equal amounts


@dataclass(slots=True)
class _Deposit:
    """A PO awaiting its deposit: no final invoice, no open deposit invoice."""

    po: str
    buyer: str
    date: date | None
    expected: int  # cents still expected (0 when the order asks no deposit)
    paid: int


def seller_names(settings: Settings) -> tuple[str, ...]:
    """The seller's own names (Settings Seller Name and Seller Aliases): a receiver, never a payer."""
    aliases = [a.strip() for a in settings.seller_aliases.replace(";", ",").split(",")]
    return tuple(n for n in (settings.seller_name, *aliases) if n)


_TOKEN = re.compile(r"[A-Z0-9][A-Z0-9\-/]*")


def _compact_ref(text: str) -> str:
    """A payment reference compared as letters and digits, leading zeros dropped (`0010234` = `10234`)."""
    c = "".join(ch for ch in text.upper() if ch.isalnum())
    return c.lstrip("0") or c


def _c(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value(ROUND_HALF_UP))


def _d(value: int) -> Decimal:
    return Decimal(value).scaleb(-2)


@lru_cache(maxsize=4096)
def _terms(*texts: str) -> Terms | None:
    for text in texts:
        if text and text.strip():
            try:
                return parse_terms(text)
            except TermsError:
                return None
    return None


class _State:
    def __init__(self, ledger: Ledger, config: MatchConfig, remittances: Sequence[RemittanceAdvice] = ()):
        self.config = config
        # remittance advices (files a person gave): by payment reference and by total, each used once
        self.advices = tuple(remittances)
        self.advice_by_ref: dict[str, list[int]] = {}
        self.advice_by_total: dict[int, list[int]] = {}
        self.advice_used: set[int] = set()
        for k, adv in enumerate(self.advices):
            ref = _compact_ref(adv.payment)
            if len(ref) >= 4:
                self.advice_by_ref.setdefault(ref, []).append(k)
            self.advice_by_total.setdefault(_c(adv.total), []).append(k)
        settings = ledger.settings
        self.currency = settings.currency
        self.buyers = {b.buyer_id: b for b in ledger.buyers}
        self.buyer_names = {buyer_id: b.name for buyer_id, b in self.buyers.items()}
        self.orders = {o.po_number: o for o in ledger.orders}
        self.invoices = {i.invoice_number: i for i in ledger.invoices}
        # The ledger's one computation of what settles an invoice (its allocations and the credit notes
        # that correct it) and of the deposit an order asks (order, buyer, first order, default).
        facts = Facts(settings, ledger.buyers, ledger.orders, ledger.lines, (), ledger.invoices, ledger.allocations)
        applied = {number: _c(paid) for number, paid in facts.paid.items()}
        deposit_paid: dict[str, int] = {}
        for a in ledger.allocations:
            if a.kind == "deposit" and not a.invoice_number and a.po_number:
                deposit_paid[a.po_number] = deposit_paid.get(a.po_number, 0) + _c(a.amount)
        self.items: dict[str, _Item] = {}
        self.by_buyer: dict[str, list[_Item]] = {}
        self.by_po: dict[str, list[_Item]] = {}
        self.by_amount: dict[int, list[_Item]] = {}
        self.by_discounted: dict[int, list[_Item]] = {}
        invoiced_pos: set[str] = set()
        items, by_buyer, by_po, by_amount = self.items, self.by_buyer, self.by_po, self.by_amount
        orders, buyers, default_terms = self.orders, self.buyers, settings.default_terms
        window, deposit_grace = config.window_days, config.deposit_grace_days
        lo_min, hi_max = date.min.toordinal(), date.max.toordinal()
        for inv in ledger.invoices:
            kind = inv.kind
            if kind == "credit" or inv.status == "void":
                continue
            po = inv.po_number
            invoiced_pos.add(po)  # its deposit, if any, is asked by invoice
            total = _c(inv.total)
            number = inv.invoice_number
            balance = total - applied.get(number, 0)
            if total <= 0 or balance <= 0:
                continue
            order = orders.get(po)
            if order is not None:
                buyer_id = order.buyer_id
                buyer = buyers.get(buyer_id)
                terms = _terms(inv.terms, order.terms, buyer.terms if buyer else "", default_terms)
            else:
                buyer_id = ""
                terms = _terms(inv.terms, "", "", default_terms)
            when = inv.invoice_date
            if when is not None:
                ordinal = when.toordinal()
                lo, hi = ordinal - (deposit_grace if kind == "deposit" else 0), ordinal + window
            else:
                lo, hi = lo_min, hi_max
            item = _Item(number, po, buyer_id, kind, when, total, balance, terms, lo, hi)
            if inv.due_date is not None:
                item.due = inv.due_date.toordinal()
            elif when is not None and terms is not None:
                item.due = due_date(when, terms).toordinal()
            items[number] = item
            if buyer_id in by_buyer:
                by_buyer[buyer_id].append(item)
            else:
                by_buyer[buyer_id] = [item]
            if po in by_po:
                by_po[po].append(item)
            else:
                by_po[po] = [item]
            if balance in by_amount:
                by_amount[balance].append(item)
            else:
                by_amount[balance] = [item]
            if terms is not None and terms.has_discount and balance == total:
                disc = _c(discount_amount(inv.total, terms))
                item.disc = disc
                self.by_discounted.setdefault(total - disc, []).append(item)
        for lst in self.by_buyer.values():
            lst.sort(key=lambda i: (i.date or date.min, i.number))
        self.deposits: dict[str, _Deposit] = {}
        self.deposits_by_amount: dict[int, list[_Deposit]] = {}
        self.deposits_by_buyer: dict[str, list[_Deposit]] = {}
        waiting = [o for o in ledger.orders if o.po_number not in invoiced_pos and o.status not in _NO_DEPOSIT_STATUSES]
        if waiting:
            # the deposit an order asks comes from its own lines: the Facts of these orders' lines only
            need = {o.po_number for o in waiting}
            facts = replace(facts, lines=tuple(ln for ln in ledger.lines if ln.po_number in need))
        for o in waiting:
            expected = _c(facts.deposit_required(o))
            dep = _Deposit(
                po=o.po_number, buyer=o.buyer_id, date=o.po_date, expected=expected,
                paid=deposit_paid.get(o.po_number, 0))
            self.deposits[o.po_number] = dep
            self.deposits_by_buyer.setdefault(o.buyer_id, []).append(dep)
            if expected > dep.paid:
                self.deposits_by_amount.setdefault(expected - dep.paid, []).append(dep)
        self.refs = RefIndex((i.invoice_number for i in ledger.invoices), self.orders)
        self.payers = PayerIndex(ledger.buyers, seller_names=seller_names(settings))
        for buyer_id, names in learned_aliases(ledger, self.payers).items():
            self.payers.add_aliases(buyer_id, names)

    def set_balance(self, item: _Item, balance: int) -> None:
        item.balance = balance
        if balance > 0:
            self.by_amount.setdefault(balance, []).append(item)

    def in_window(self, when: date | None, paid_on: date, grace: int = 0) -> bool:
        if when is None:
            return True
        return when - timedelta(days=grace) <= paid_on <= when + timedelta(days=self.config.window_days)

    def item_ok(self, item: _Item, paid_on: date) -> bool:
        return item.balance > 0 and item.lo <= paid_on.toordinal() <= item.hi

    def buyer_name(self, buyer_id: str) -> str:
        name = self.buyer_names.get(buyer_id)
        return name if name is not None else buyer_id or "unknown buyer"


# --------------------------------------------------------------------------------------------------
# Proposals: one way to settle a transaction, with its rule, confidence and reason


_Alloc = tuple[str, str, int, AllocationKind]  # (invoice_number, po_number, cents, kind)


@dataclass(slots=True)
class _Proposal:
    allocs: tuple[_Alloc, ...]
    rule: str
    confidence: float
    tier: int  # 1: reference fits exactly; 2: payer fits exactly; 3: partial, over or weak
    why: str | Callable[[], str]  # the reason in words, or how to write it (only a suggestion shows it)
    advice: int = -1  # the remittance advice it follows (used once), or -1

    def reason(self) -> str:
        """The reason in words."""
        if not isinstance(self.why, str):
            self.why = self.why()
        return self.why


@dataclass(slots=True)
class _Decision:
    auto: _Proposal | None = None
    proposals: list[_Proposal] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    ignored: str = ""
    no_auto: str = ""  # why nothing may be applied automatically (a payout, another currency)
    payout: bool = False


def _fit(item: _Item, amount: int, paid_on: date, fee_tol: int) -> tuple[str, tuple[_Alloc, ...]]:
    """How an amount settles one invoice: exact, discount, fee, partial or over."""
    inv, po, bal = item.number, item.po, item.balance
    if amount == bal:
        return "exact", ((inv, po, amount, "invoice"),)
    terms = item.terms
    if terms is not None and terms.has_discount and bal == item.total and item.date is not None:
        last = discount_date(item.date, terms)
        disc = _c(discount_amount(_d(item.total), terms))
        if amount == bal - disc:
            if last is not None and paid_on <= last:
                return "discount", ((inv, po, amount, "invoice"), (inv, po, disc, "discount"))
            return "late-discount", ((inv, po, amount, "invoice"),)  # discount taken after its date
    if 0 < bal - amount <= fee_tol and (bal - amount) * 10 <= bal:  # a fee is a small part of a payment
        return "fee", ((inv, po, amount, "invoice"), (inv, po, bal - amount, "fee"))
    if amount < bal:
        return "partial", ((inv, po, amount, "invoice"),)
    return "over", ((inv, po, bal, "invoice"), ("", po, amount - bal, "credit"))


def _subsets(values: Sequence[int], target: int) -> tuple[int, tuple[int, ...]]:
    """Subsets of two or more values summing to target (meet in the middle): (count capped at 2, first)."""
    n = len(values)
    half = n // 2
    left: dict[int, list[int]] = {}
    for mask in range(1 << half):
        s = sum(values[i] for i in range(half) if mask >> i & 1)
        if s <= target:
            left.setdefault(s, []).append(mask)
    count, first = 0, 0
    for mask_r in range(1 << (n - half)):
        s = sum(values[half + i] for i in range(n - half) if mask_r >> i & 1)
        for mask_l in left.get(target - s, ()):
            full = mask_l | (mask_r << half)
            if full.bit_count() >= 2:
                count += 1
                if count == 1:
                    first = full
                if count >= 2:
                    return count, tuple(i for i in range(n) if first >> i & 1)
    return count, tuple(i for i in range(n) if first >> i & 1)


_REF_CONF = {  # (agree, unknown): the payer agrees with the referenced buyer, or says nothing either way
    "exact": (0.99, 0.96), "discount": (0.97, 0.94), "fee": (0.95, 0.92),
    "partial": (0.92, 0.80), "over": (0.92, 0.80), "late-discount": (0.85, 0.80),
}
_REF_RULE = {"exact": "reference+amount", "discount": "reference+discount", "fee": "reference+fee",
             "partial": "reference+partial", "over": "reference+overpayment",
             "late-discount": "reference+late-discount"}
_PAYER_RULE = {"exact": "payer+amount", "discount": "payer+discount", "fee": "payer+fee"}
_PAYER_CONF = {"exact": 0.95, "discount": 0.93, "fee": 0.91}


class _Matcher:
    def __init__(self, st: _State):
        self.st = st
        self.cfg = st.config
        self.fee_tol = _c(st.config.fee_tolerance)
        self.threshold = float(st.config.threshold) - 1e-9
        self.threshold_value = float(st.config.threshold)  # what a suggestion is capped below
        self._pm: PayerMatch | None = None
        self._ident: str | None = None

    # -- payer relation ---------------------------------------------------------------------------
    def relation(self, pm: PayerMatch, buyer: str) -> str:
        """agree, conflict (clearly another buyer) or unknown."""
        score = pm.score_of(buyer)
        ident = self._ident if pm is self._pm else pm.identified(self.cfg.payer_min_score, self.cfg.payer_margin)
        if score >= 85 and ident in (None, buyer):
            return "agree"
        if ident is not None and ident != buyer and pm.score_of(ident) >= 90 and score < 75:
            return "conflict"  # the payer is clearly one other buyer
        best = pm.best
        if best is not None and best[1] >= 90 and score < 60:
            return "conflict"  # the payer's name is other buyers' names, nothing like this one's
        return "unknown"

    def payer_words(self, pm: PayerMatch, buyer: str) -> str:
        shown = pm.names[0] if pm.names else ""
        if not shown:
            return "no payer name"
        score = pm.score_of(buyer)
        name = self.st.buyer_name(buyer)
        if score >= 97:
            return f"payer '{shown}' is buyer '{name}' ({score:.0f})"
        if score >= 60:
            return f"payer '{shown}' resembles buyer '{name}' ({score:.0f})"
        best = pm.best
        if best is not None and best[1] >= 85:
            if pm.identified(self.cfg.payer_min_score, self.cfg.payer_margin) == best[0]:
                return f"payer '{shown}' looks like another buyer, '{self.st.buyer_name(best[0])}' ({best[1]:.0f})"
            return f"payer '{shown}' resembles other buyers' names, such as '{self.st.buyer_name(best[0])}'"
        return f"payer '{shown}' not recognized"

    # -- one transaction -------------------------------------------------------------------------
    def evaluate(self, t: Transaction) -> _Decision:
        st, cfg = self.st, self.cfg
        d = _Decision()
        kind, reason = classify(t)
        if kind == "ignore":
            d.ignored = reason
            return d
        if kind == "payout":
            d.no_auto, d.payout = reason, True
        currency = st.currency
        if t.currency and currency and t.currency.upper() != currency.upper():
            d.no_auto = f"paid in {t.currency}, the workbook is in {currency}: a person must convert it"
        amount = _c(t.amount)
        refs = st.refs.lookup(t.memo, t.payer if t.payer != t.memo else "", *t.references)
        pm = st.payers.match(t.payer, t.memo)
        ident = pm.identified(cfg.payer_min_score, cfg.payer_margin)
        self._pm, self._ident = pm, ident  # the payer of the transaction evaluated, for relation()
        props = d.proposals
        for u in refs.unknown:
            d.notes.append(f"reference '{u}' is not in the workbook")

        # 0. A remittance (RMR*IV segments in the addenda, or an advice file) lists the invoices paid.
        if st.advices or "*" in t.memo:
            self.remittance_proposals(t, amount, pm, props, d.notes)
        if props and any(p.rule == "remittance" and p.confidence >= self.threshold for p in props):
            # the buyer's own list of what it pays (short-pays included) beats any reading of the amount
            self.decide(d)
            return d

        # 1. References: invoices named, and the open invoices of POs named.
        ref_items: dict[str, tuple[_Item, str]] = {}
        for number, strength in refs.invoices.items():
            item = st.items.get(number)
            if item is not None and item.balance > 0:
                ref_items[number] = (item, strength)
            elif number in st.invoices and st.invoices[number].kind != "credit":
                d.notes.append(f"{number} is already paid")
        for po, strength in refs.pos.items():
            open_items = [i for i in st.by_po.get(po, ()) if i.balance > 0]
            for item in open_items:
                if item.number not in ref_items or strength == STRONG:
                    ref_items[item.number] = (item, strength)
            if not open_items and po not in st.deposits:
                d.notes.append(f"PO {po} has no open invoice")
        for item, strength in ref_items.values():
            self.ref_proposal(t, item, strength, amount, pm, props)
        if len(ref_items) >= 2:
            self.ref_subset(t, list(ref_items.values()), amount, pm, props)
        for po, strength in refs.pos.items():
            dep = st.deposits.get(po)
            if dep is not None and not any(i.balance > 0 for i in st.by_po.get(po, ())):
                self.deposit_ref(t, dep, strength, amount, pm, props)

        # 2. The payer: one buyer's open items by amount, discount, fee, subset; its deposits.
        group = [ident] if ident is not None else []
        if ident is None and pm.scores and pm.scores[0][1] >= cfg.payer_min_score:
            top = pm.scores[0][1]
            floor = max(cfg.payer_min_score, top - cfg.payer_margin + 1e-9)
            group = [b for b, _, _ in takewhile(lambda x: x[1] >= floor, pm.scores)][:8]
        # a reference settles it alone: the payer's other items cannot change that
        if group and len({p.allocs for p in props if p.tier == 1 and p.confidence >= self.threshold}) != 1:
            strong = STRONG in refs.invoices.values() or STRONG in refs.pos.values()
            self.payer_proposals(t, group, amount, pm, strong, props)

        # 3. The amount alone, across all buyers: suggestions only.
        if not props or not any(p.confidence >= self.threshold for p in props):
            self.amount_candidates(t, amount, pm, props)

        self.decide(d)
        return d

    def advices_for(self, t: Transaction, amount: int) -> tuple[list[int], str]:
        """Advices this payment follows: named by its reference (check number, trace) or of its total."""
        st = self.st
        if not st.advices:
            return [], ""
        used = st.advice_used
        texts = " ".join((t.memo, t.bank_id, *t.references)).upper()
        by_ref: list[int] = []
        for tok in _TOKEN.findall(texts):
            for k in st.advice_by_ref.get(_compact_ref(tok), ()):
                if k not in used and k not in by_ref and _c(st.advices[k].total) == amount:
                    by_ref.append(k)
        if by_ref:
            return by_ref, "reference"
        near = [k for k in st.advice_by_total.get(amount, ()) if k not in used
                and (st.advices[k].date is None or abs((t.date - st.advices[k].date).days) <= 15)]  # type: ignore[operator]
        return near, "amount"

    def remittance_proposals(self, t: Transaction, amount: int, pm: PayerMatch, props: list[_Proposal],
                             notes: list[str]) -> None:
        rmr = read_descriptor(t.memo).lines if "*" in t.memo and "RMR*" in t.memo.upper() else ()
        if rmr:
            self.remit_proposal(t, rmr, amount, pm, props, notes, "ACH addenda RMR", 0.97, -1)
            return
        found, how = self.advices_for(t, amount)
        for k in found:
            adv = self.st.advices[k]
            sure = len(found) == 1
            conf = (0.97 if how == "reference" else 0.95) if sure else 0.6
            self.remit_proposal(t, adv.lines, amount, pm, props, notes,
                                f"remittance advice {adv.source}" + (f" (payment {adv.payment})" if adv.payment else ""),
                                conf, k)

    def remit_proposal(self, t: Transaction, lines: Sequence[RemittanceLine], amount: int, pm: PayerMatch,
                       props: list[_Proposal], notes: list[str], what: str, conf: float, advice: int) -> None:
        """One allocation per invoice the remittance lists: paid, discount taken, short-pay or more."""
        st = self.st
        allocs: list[_Alloc] = []
        words: list[str] = []
        buyers: set[str] = set()
        listed = sum(_c(ln.paid) for ln in lines)
        for ln in lines:
            refs = st.refs.lookup(ln.reference if any(ch.isalpha() for ch in ln.reference)
                                   else f"INV {ln.reference}")
            numbers = [n for n in refs.invoices if n in st.items and st.items[n].balance > 0]
            if len(numbers) != 1:
                notes.append(f"{what}: invoice {ln.reference} is not an open invoice in the workbook")
                return
            item = st.items[numbers[0]]
            buyers.add(item.buyer)
            paid, bal = _c(ln.paid), item.balance
            disc = _c(ln.discount) if ln.discount else 0
            if paid == bal:
                allocs.append((item.number, item.po, paid, "invoice"))
                words.append(f"{item.number} {money_str(ln.paid)}")
            elif disc and paid + disc == bal:
                allocs += [(item.number, item.po, paid, "invoice"), (item.number, item.po, disc, "discount")]
                words.append(f"{item.number} {money_str(ln.paid)} less discount {money_str(_d(disc))}")
            elif paid < bal:
                allocs.append((item.number, item.po, paid, "invoice"))
                short = f"short-paid {money_str(_d(bal - paid))}"
                if ln.code:
                    short += f", deduction code {ln.code}"
                words.append(f"{item.number} {money_str(ln.paid)} ({short}; the rest stays open)")
            else:
                allocs += [(item.number, item.po, bal, "invoice"), ("", item.po, paid - bal, "credit")]
                words.append(f"{item.number} {money_str(_d(bal))}, {money_str(_d(paid - bal))} more (a credit)")
        if listed != amount:
            notes.append(f"{what} lists {money_str(_d(listed))}, the payment is {money_str(_d(amount))}")
            conf = min(conf, 0.6)
        rels = {self.relation(pm, b) for b in buyers}
        if "conflict" in rels:
            conf = min(conf, 0.75)
        why = f"{what} lists {len(lines)} invoice(s): " + "; ".join(words)
        if len(buyers) == 1:
            why += f"; {self.payer_words(pm, next(iter(buyers)))}"
        props.append(_Proposal(
            allocs=tuple(allocs), rule="remittance", confidence=conf, tier=1, why=why, advice=advice))

    def ref_proposal(self, t: Transaction, item: _Item, strength: str, amount: int, pm: PayerMatch,
                     props: list[_Proposal]) -> None:
        how, allocs = _fit(item, amount, t.date, self.fee_tol)
        rel = self.relation(pm, item.buyer)
        agree, unknown = _REF_CONF[how]
        conf = agree if rel == "agree" else unknown
        if rel == "conflict":
            conf = min(conf, 0.75)
        if strength != STRONG:
            conf -= 0.05
        outside = not self.st.item_ok(item, t.date)
        if outside:
            conf = min(conf, 0.8)
        tier = 1 if how in ("exact", "discount", "fee") and strength == STRONG else 3
        # the words are written only for a suggestion (most proposals are applied): from the balance as it is now
        why = partial(self.ref_words, item.number, item.po, item.buyer, item.date, item.balance, strength, how,
                      allocs, pm, outside)
        props.append(_Proposal(allocs, _REF_RULE[how], conf, tier, why))

    def ref_words(self, number: str, po: str, buyer: str, when: date | None, balance: int, strength: str, how: str,
                  allocs: tuple[_Alloc, ...], pm: PayerMatch, outside: bool) -> str:
        """Why a reference proposal: the reference, the amount, the payer (and the payment window)."""
        words = [f"reference to {number}" + (f" (PO {po})" if po else "")
                 + ("" if strength == STRONG else " (a bare number)"),
                 self.amount_text(how, number, balance, allocs), self.payer_words(pm, buyer)]
        if outside:
            words.append(f"but {number} is dated {when} (outside the payment window)")
        return "; ".join(words)

    def ref_subset(self, t: Transaction, refd: list[tuple[_Item, str]], amount: int, pm: PayerMatch,
                   props: list[_Proposal]) -> None:
        refd = [r for r in refd if self.st.item_ok(r[0], t.date)][: self.cfg.max_subset_items]
        count, chosen = _subsets([r[0].balance for r in refd], amount)
        if count != 1:
            return
        items = [refd[i][0] for i in chosen]
        rels = {self.relation(pm, i.buyer) for i in items}
        conf = 0.75 if "conflict" in rels else 0.98 if rels == {"agree"} else 0.95
        if any(refd[i][1] != STRONG for i in chosen):
            conf -= 0.05
        numbers = ", ".join(i.number for i in items)
        why = f"references to {numbers}; amount equals their balances together; {self.payer_words(pm, items[0].buyer)}"
        props.append(_Proposal(
            allocs=tuple((i.number, i.po, i.balance, "invoice") for i in items), rule="reference+amount",
            confidence=conf, tier=1, why=why))

    def deposit_ref(self, t: Transaction, dep: _Deposit, strength: str, amount: int, pm: PayerMatch,
                    props: list[_Proposal]) -> None:
        rel = self.relation(pm, dep.buyer)
        due = dep.expected - dep.paid
        exact = dep.expected > 0 and amount == due
        if exact:
            conf = 0.97 if rel == "agree" else 0.95
            what = f"amount equals the expected deposit {money_str(_d(due))}"
        else:
            conf = 0.92 if rel == "agree" else 0.8
            what = (f"expected deposit {money_str(_d(due))}, paid {money_str(_d(amount))}" if due > 0
                    else "the order asks no deposit: paid in advance")
        if rel == "conflict":
            conf = min(conf, 0.75)
        if strength != STRONG:
            conf -= 0.05
        if not self.st.in_window(dep.date, t.date, self.cfg.deposit_grace_days):
            conf = min(conf, 0.8)
        why = f"reference to PO {dep.po}, not invoiced yet; {what}; {self.payer_words(pm, dep.buyer)}"
        props.append(_Proposal(
            allocs=(("", dep.po, amount, "deposit"),), rule="deposit:po-reference", confidence=conf,
            tier=1 if exact and strength == STRONG else 3, why=why))

    def payer_proposals(self, t: Transaction, group: list[str], amount: int, pm: PayerMatch, has_refs: bool,
                        props: list[_Proposal]) -> None:
        """Proposals from the buyer(s) the payer is: one buyer, or a few whose names the payer fits equally."""
        st, cfg = self.st, self.cfg

        def penalty(buyer: str) -> float:
            p = 0.0 if pm.score_of(buyer) >= 95 else 0.06  # a fuzzy name alone is not enough
            if has_refs:
                p += 0.07  # the memo names something else: a person should look
            if len(group) > 1:
                p += 0.02  # the payer fits several buyers' names; the amount picked one
            return p

        shared = "" if len(group) == 1 else f" (the payer also fits {len(group) - 1} other buyer name(s))"
        before = len(props)
        day = t.date.toordinal()
        items_of = {b: [i for i in st.by_buyer.get(b, ()) if i.balance > 0 and i.lo <= day <= i.hi] for b in group}
        fits: dict[str, list[tuple[_Item, tuple[_Alloc, ...]]]] = {"exact": [], "discount": [], "fee": []}
        for items in items_of.values():
            for item in items:
                short = item.balance - amount
                if short == 0 or 0 < short <= self.fee_tol or (item.disc and short == item.disc):
                    how, allocs = _fit(item, amount, t.date, self.fee_tol)
                    if how in fits:
                        fits[how].append((item, allocs))
        deps = [dp for b in group for dp in st.deposits_by_buyer.get(b, ())
                if dp.expected > dp.paid and dp.expected - dp.paid == amount
                and st.in_window(dp.date, t.date, cfg.deposit_grace_days)]
        found_single = False
        for how in ("exact", "discount", "fee"):
            hits = fits[how]
            if how == "fee" and deps:
                break  # an expected deposit of exactly this amount beats an invoice short by a fee
            if not hits:
                continue
            found_single = True
            for item, allocs in hits:
                who = self.payer_words(pm, item.buyer)
                if len(hits) == 1:
                    props.append(_Proposal(
                        allocs=allocs, rule=_PAYER_RULE[how], confidence=_PAYER_CONF[how] - penalty(item.buyer),
                        tier=2,
                        why=f"{self.amount_words(how, item, allocs)}; {who}{shared}; "
                                           "the only open invoice of this buyer that fits"))
                else:
                    props.append(_Proposal(
                        allocs=allocs, rule=_PAYER_RULE[how], confidence=0.7 - penalty(item.buyer), tier=3,
                        why=f"{self.amount_words(how, item, allocs)}; {who}{shared}; "
                                           f"but {len(hits)} open invoices fit"))
            break
        if not found_single:
            solutions = []
            for buyer, items in items_of.items():
                smaller = [i for i in items if i.balance < amount]
                pool = smaller[: cfg.max_subset_items]
                if len(pool) < 2:
                    continue
                count, chosen = _subsets([i.balance for i in pool], amount)
                if count:
                    solutions.append((buyer, count, [pool[i] for i in chosen], len(smaller) > len(pool)))
            for buyer, count, picked, truncated in solutions:
                sure = count == 1 and not truncated and len(solutions) == 1
                numbers = ", ".join(i.number for i in picked)
                note = "" if sure else " (other combinations may fit)"
                props.append(_Proposal(
                    allocs=tuple((i.number, i.po, i.balance, "invoice") for i in picked), rule="payer+subset",
                    confidence=(0.93 if sure else 0.6) - penalty(buyer), tier=2,
                    why=f"amount equals open invoices {numbers} together{note}; "
                                       f"{self.payer_words(pm, buyer)}{shared}"))
                found_single = True
        for dp in deps:
            conf = (0.93 if len(deps) == 1 and not found_single else 0.7) - penalty(dp.buyer)
            props.append(_Proposal(
                allocs=(("", dp.po, amount, "deposit"),), rule="deposit:payer+amount", confidence=conf, tier=2,
                why=f"amount equals the expected deposit on PO {dp.po}; "
                                   f"{self.payer_words(pm, dp.buyer)}{shared}"))
        if len(props) == before:
            near = sorted(items_of[group[0]], key=lambda i: abs(i.balance - amount))[:3]
            for item in near:
                how, allocs = _fit(item, amount, t.date, self.fee_tol)
                props.append(_Proposal(
                    allocs=allocs, rule="payer+" + how, confidence=0.4, tier=3,
                    why=f"{self.amount_words(how, item, allocs)}; {self.payer_words(pm, item.buyer)}"))

    def amount_words(self, how: str, item: _Item, allocs: tuple[_Alloc, ...]) -> str:
        return self.amount_text(how, item.number, item.balance, allocs)

    @staticmethod
    def amount_text(how: str, number: str, balance: int, allocs: tuple[_Alloc, ...]) -> str:
        """How the amount settles an invoice of this balance, in words."""
        if how == "exact":
            return f"amount matches {number} exactly"
        if how == "discount":
            return f"amount is {number} less its early-payment discount {money_str(_d(allocs[1][2]))}"
        if how == "fee":
            return f"amount is {money_str(_d(allocs[1][2]))} short of {number} (a bank fee)"
        if how == "partial":
            return f"amount is part of {number}'s balance {money_str(_d(balance))}"
        if how == "late-discount":
            return f"amount is {number} less its early-payment discount, taken after the discount date"
        return f"amount is more than {number}'s balance {money_str(_d(balance))}"

    def amount_candidates(self, t: Transaction, amount: int, pm: PayerMatch, props: list[_Proposal]) -> None:
        st = self.st
        exact = [i for i in st.by_amount.get(amount, ()) if i.balance == amount and st.item_ok(i, t.date)]
        exact = list({i.number: i for i in exact}.values())
        base = 0.7 if len(exact) == 1 else 0.55
        for item in exact:
            # equal amounts are ranked by payer resemblance, then by how near the payment is to the due date
            bonus = min(pm.score_of(item.buyer), 100) / 1000
            if item.due:
                bonus += 0.05 * max(0.0, 1 - abs(t.date.toordinal() - item.due) / 60)
            props.append(_Proposal(
                allocs=((item.number, item.po, amount, "invoice"),), rule="amount", confidence=base + bonus, tier=3,
                why=f"amount matches {item.number} exactly; {self.payer_words(pm, item.buyer)}"))
        for item in st.by_discounted.get(amount, ()):
            if item.balance == item.total and st.item_ok(item, t.date):
                how, allocs = _fit(item, amount, t.date, self.fee_tol)
                if how == "discount":
                    props.append(_Proposal(
                        allocs=allocs, rule="discount", confidence=0.5, tier=3,
                        why=f"{self.amount_words(how, item, allocs)}; {self.payer_words(pm, item.buyer)}"))
        for dep in st.deposits_by_amount.get(amount, ()):
            if dep.expected - dep.paid == amount and st.in_window(dep.date, t.date, self.cfg.deposit_grace_days):
                props.append(_Proposal(
                    allocs=(("", dep.po, amount, "deposit"),), rule="deposit:amount", confidence=0.5, tier=3,
                    why=f"amount equals the expected deposit on PO {dep.po}; "
                                       f"{self.payer_words(pm, dep.buyer)}"))

    def decide(self, d: _Decision) -> None:
        props = d.proposals
        if len(props) == 1:  # the one proposal: applied when it reaches the threshold (and nothing forbids it)
            if props[0].confidence >= self.threshold and not d.no_auto:
                d.auto = props[0]
            return
        threshold = self.threshold_value
        able = [p for p in props if p.confidence >= self.threshold]
        tier1 = [p for p in able if p.tier == 1]
        pool = tier1 or able
        distinct = {p.allocs for p in pool}
        if len(distinct) == 1 and not d.no_auto:
            d.auto = max(pool, key=lambda p: p.confidence)
        elif len(distinct) > 1:
            d.notes.append(f"{len(distinct)} different matches fit equally well")
            for p in pool:
                p.confidence = min(p.confidence, threshold - 0.01)

    def apply(self, p: _Proposal) -> None:
        if p.advice >= 0:
            self.st.advice_used.add(p.advice)
        for inv, po, amount, kind in p.allocs:
            if kind in BALANCE_KINDS and inv:
                item = self.st.items[inv]
                self.st.set_balance(item, item.balance - amount)
            elif kind == "deposit" and po in self.st.deposits:
                self.st.deposits[po].paid += amount


# --------------------------------------------------------------------------------------------------
# Public functions


@without_gc
def match_payments(transactions: Sequence[Transaction], ledger: Ledger, config: MatchConfig,
                   today: date, remittances: Sequence[RemittanceAdvice] = ()) -> MatchResult:
    """Match bank transactions to the ledger's open invoices and deposits; apply only what is certain.
    `remittances`: remittance advices or lockbox detail (banks.remittance) that split payments."""
    return _match_payments(transactions, ledger, config, today, remittances)


def _match_payments(transactions: Sequence[Transaction], ledger: Ledger, config: MatchConfig,
                    today: date, remittances: Sequence[RemittanceAdvice] = ()) -> MatchResult:
    st = _State(ledger, config, remittances)
    matcher = _Matcher(st)
    done = {a.transaction_id for a in ledger.allocations}
    already: list[str] = []
    fresh: list[Transaction] = []
    seen: set[str] = set()
    for t in transactions:
        if t.transaction_id in done or t.transaction_id in seen:
            already.append(t.transaction_id)
        else:
            seen.add(t.transaction_id)
            fresh.append(t)
    decisions: dict[str, _Decision] = {}
    future: list[Transaction] = []
    # Money paid out is never a buyer payment and changes nothing: it is only reported (classify says why),
    # without a decision object or a place in the matching order (a busy account has a million of them).
    paid: set[str] = set()  # ids of money paid out
    pending = []
    zero = Decimal(0)
    for t in fresh:
        if t.date > today:
            future.append(t)
        elif t.amount <= zero:
            paid.add(t.transaction_id)
        else:
            pending.append(t)
    pending.sort(key=lambda t: (t.date, t.transaction_id))
    for _ in range(6):  # repeat until a pass applies nothing: the result is a fixpoint (idempotent)
        applied_any = False
        left: list[Transaction] = []
        for t in pending:
            dec = matcher.evaluate(t)
            decisions[t.transaction_id] = dec
            if dec.auto is not None:
                matcher.apply(dec.auto)
                applied_any = True
            elif not dec.ignored:
                left.append(t)
        pending = left
        if not applied_any:
            break
    allocations: list[ProposedAllocation] = []
    suggestions: list[Suggestion] = []
    unmatched: list[Unmatched] = []
    ignored: list[Unmatched] = []
    confidences: dict[float, Decimal] = {}  # as written: two decimals
    for t in future:
        unmatched.append(Unmatched(t.transaction_id, t.source, f"dated {t.date}, after today ({today})"))
    for t in transactions:
        if paid and t.transaction_id in paid:
            paid.discard(t.transaction_id)  # a repeated id in the input is reported once
            ignored.append(Unmatched(t.transaction_id, t.source, paid_out(t)))
            continue
        if t.transaction_id not in decisions:
            continue
        dec = decisions.pop(t.transaction_id)  # a repeated id in the input is reported once
        if dec.ignored:
            ignored.append(Unmatched(t.transaction_id, t.source, dec.ignored))
        elif dec.auto is not None:
            c = dec.auto.confidence
            conf = confidences.get(c) if c else None  # (0.0 and -0.0 are one key)
            if conf is None:
                conf = confidences[c] = Decimal(str(round(c, 2)))
            for inv, po, amount, kind in dec.auto.allocs:
                allocations.append(ProposedAllocation(
                    transaction_id=t.transaction_id, source=t.source, invoice_number=inv, po_number=po,
                    amount=_d(amount), kind=kind, rule=dec.auto.rule, confidence=conf))
        else:
            cands = _candidates(dec, config)
            if cands:
                suggestions.append(Suggestion(t.transaction_id, t.source, cands))
            elif dec.payout:
                ignored.append(Unmatched(t.transaction_id, t.source, dec.no_auto))
            else:
                unmatched.append(Unmatched(t.transaction_id, t.source, _reason(t, dec, st)))
    return MatchResult(
        transactions=tuple(transactions), allocations=tuple(allocations), suggestions=tuple(suggestions),
        unmatched=tuple(unmatched), ignored=tuple(ignored), already=tuple(already))


def _candidates(dec: _Decision, config: MatchConfig) -> tuple[Candidate, ...]:
    best: dict[tuple[str, str], Candidate] = {}
    extra = "; ".join(dec.notes)
    if dec.no_auto:
        extra = f"{dec.no_auto}; {extra}" if extra else dec.no_auto
    for p in dec.proposals:
        for inv, po, amount, kind in p.allocs:
            if kind not in ("invoice", "deposit"):
                continue
            score = max(0.0, min(p.confidence, float(config.threshold) - 0.01))
            reason = p.reason()
            why = f"{reason}; {extra}" if extra else reason
            cand = Candidate(
                invoice_number=inv, po_number=po, amount=_d(amount), score=Decimal(str(round(score, 2))),
                why=f"{why} [rule {p.rule}]")
            key = (inv, po)
            if key not in best or cand.score > best[key].score:
                best[key] = cand
    ranked = sorted(best.values(), key=lambda c: (-c.score, c.invoice_number, c.po_number))
    return tuple(ranked[: config.max_candidates])


def _reason(t: Transaction, dec: _Decision, st: _State) -> str:
    pm = st.payers.match(t.payer, t.memo)
    parts = [dec.no_auto] if dec.no_auto else []
    parts.append("no reference in the memo names an open invoice or PO")
    if pm.names:
        best = pm.best
        if best is not None and best[1] >= 60:
            parts.append(f"payer '{pm.names[0]}' resembles buyer '{st.buyer_name(best[0])}' ({best[1]:.0f}) "
                         "but no open invoice of that buyer fits")
        else:
            parts.append(f"payer '{pm.names[0]}' is not a known buyer or alias")
    else:
        parts.append("no payer name")
    parts.append(f"amount {money_str(t.amount)} matches no open invoice or expected deposit")
    return "; ".join(parts + dec.notes)


def accept(transaction: Transaction, invoice_number: str, ledger: Ledger, today: date,
           config: MatchConfig | None = None) -> tuple[tuple[ProposedAllocation, ...], tuple[str, str] | None]:
    """A person's confirmation that this transaction pays this invoice (or PO, for a deposit).

    Returns the allocations to write (method `confirmed`) and, when the payer's name is new for the
    buyer, (buyer_id, payer name) to add to the buyer's aliases.
    """
    config = config or MatchConfig.from_settings(ledger.settings)
    st = _State(ledger, config)
    amount = _c(transaction.amount)
    if amount <= 0:
        raise Refused(f"transaction {transaction.transaction_id} is not money received ({transaction.amount})")
    item = st.items.get(invoice_number)
    if item is not None:
        how, allocs = _fit(item, amount, transaction.date, _c(config.fee_tolerance))
        buyer = item.buyer
        rule = f"confirmed:{how}"
    elif invoice_number in st.orders:
        po = invoice_number
        open_items = [i for i in st.by_po.get(po, ()) if i.balance > 0]
        if open_items:
            item = open_items[0]
            how, allocs = _fit(item, amount, transaction.date, _c(config.fee_tolerance))
            rule = f"confirmed:{how}"
        else:
            allocs = (("", po, amount, "deposit"),)
            rule = "confirmed:deposit"
        buyer = st.orders[po].buyer_id
    elif invoice_number in st.invoices:
        raise Refused(f"{invoice_number} has no open balance; nothing to apply {transaction.transaction_id} to")
    else:
        raise Refused(f"{invoice_number} is neither an invoice nor a PO number in the workbook")
    out = tuple(
        ProposedAllocation(
            transaction_id=transaction.transaction_id, source=transaction.source, invoice_number=inv, po_number=po,
            amount=_d(c), kind=kind, rule=rule, confidence=Decimal("1.00"), method="confirmed")
        for inv, po, c, kind in allocs
    )
    name = display_payer(transaction.payer, transaction.memo)
    alias = None
    if name and buyer and not st.payers.knows(buyer, name):
        alias = (buyer, name)
    return out, alias


def learned_aliases(ledger: Ledger, index: PayerIndex | None = None) -> dict[str, tuple[str, ...]]:
    """Payer names of payments a person allocated by hand, per buyer, that the buyer does not have yet.

    `index` is the buyers' PayerIndex when the caller has one already (else it is built here).
    """
    orders = {o.po_number: o.buyer_id for o in ledger.orders}
    inv_po = {i.invoice_number: i.po_number for i in ledger.invoices}
    payments = {p.transaction_id: p for p in ledger.payments}
    found: dict[str, list[str]] = {}
    for a in ledger.allocations:
        if a.method not in PERSON_METHODS:
            continue
        pay = payments.get(a.transaction_id)
        buyer = orders.get(inv_po.get(a.invoice_number, a.po_number) or a.po_number, "")
        if pay is None or not buyer:
            continue
        name = display_payer(pay.payer, pay.memo)
        if name and name not in found.setdefault(buyer, []):
            found[buyer].append(name)
    if not found:
        return {}
    index = index or PayerIndex(ledger.buyers)
    out: dict[str, tuple[str, ...]] = {}
    for buyer, names in found.items():
        new = tuple(sorted(n for n in names if not index.knows(buyer, n)))
        if new:
            out[buyer] = new
    return out


def to_json(result: MatchResult) -> dict[str, object]:
    """The `poflow reconcile --json` object: transactions, allocations, suggestions, unmatched."""
    return {
        "transactions": [
            {"transaction_id": t.transaction_id, "source": t.source, "date": t.date.isoformat(),
             "amount": money_str(t.amount), "currency": t.currency, "payer": t.payer, "memo": t.memo}
            for t in result.transactions
        ],
        "allocations": [
            {"transaction_id": a.transaction_id, "source": a.source, "invoice_number": a.invoice_number,
             "po_number": a.po_number, "amount": money_str(a.amount), "kind": a.kind, "rule": a.rule,
             "confidence": float(a.confidence)}
            for a in result.allocations
        ],
        "suggestions": [
            {"transaction_id": s.transaction_id, "source": s.source,
             "candidates": [
                 {"invoice_number": c.invoice_number, "po_number": c.po_number, "amount": money_str(c.amount),
                  "score": float(c.score), "why": c.why}
                 for c in s.candidates
             ]}
            for s in result.suggestions
        ],
        "unmatched": [
            {"transaction_id": u.transaction_id, "source": u.source, "reason": u.reason}
            for u in result.unmatched
        ],
    }


def apply_to_ledger(ledger: Ledger, allocations: Iterable[ProposedAllocation], applied_on: date) -> Ledger:
    """The ledger with these allocations added (for a second run, and for tests of idempotence)."""
    return replace(ledger, allocations=ledger.allocations + tuple(a.to_allocation(applied_on) for a in allocations))
