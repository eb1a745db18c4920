"""Check every row of a Book against the schema and the order flow's rules; findings are data."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from operator import attrgetter
from typing import Any

from .findings import ERROR, Finding, finding
from .ledger import FROM_PAYMENT_KINDS, Facts, facts_of, invoice_status, order_complete
from .money import ZERO, cents, format_money
from .perf import without_gc
from .pricing import PriceList
from .reader import ATTR_OF_TAB, Book
from .schema import SETTINGS_KEYS, TAB_BY_NAME, TABS
from .terms import TermsError, due_date, long_date, parse_terms

SHIPPED_STATES = ("partially shipped", "shipped", "invoiced", "paid", "closed")
DONE_SHIPPING = ("shipped", "invoiced", "paid", "closed")
BEFORE_SHIPPING = ("draft", "confirmation sent", "approved", "acknowledged", "deposit paid")


@dataclass(frozen=True)
class Report:
    """Findings of one validation run."""

    findings: tuple[Finding, ...]
    rows_checked: int

    @property
    def errors(self) -> int:
        """How many findings are errors."""
        return sum(1 for f in self.findings if f.severity == ERROR)

    @property
    def warnings(self) -> int:
        """How many findings are warnings."""
        return len(self.findings) - self.errors

    def to_json(self) -> dict[str, object]:
        """The contract's JSON shape."""
        return {
            "findings": [f.to_json() for f in self.findings],
            "summary": {"errors": self.errors, "warnings": self.warnings, "rows_checked": self.rows_checked},
        }


class _Out:
    """Collects findings, addressing cells by schema tab and field key."""

    def __init__(self, book: Book) -> None:
        self.book = book
        self.items: list[Finding] = []
        # A row with a cell that could not be read gets only that finding, not its consequences.
        self.unread = {(f.tab, f.row) for f in book.findings}

    def add(self, code: str, tab: str, row: int, key: str, value: object, message: str,
            hint: str | None = None, severity: str | None = None) -> None:
        info = self.book.table(tab)
        if info is None:
            title, header, letter = tab, TAB_BY_NAME[tab].column(key).header if key else "", ""
        else:
            title = info.title
            header, letter = info.where(key) if key else ("", "")
        if (title, row) in self.unread:
            return
        where = f'{title} row {row}, column "{header}"' + (f" ({letter})" if letter else "") if key else f"{title} row {row}"
        self.items.append(finding(code, title, row, header, letter, _show(value), f"{where}: {message}", hint, severity))


def _show(v: object) -> str:
    if isinstance(v, Decimal):
        return f"{v:f}"
    if isinstance(v, date):
        return v.isoformat()
    return "" if v is None else str(v)


@without_gc
def validate(book: Book, today: date) -> Report:
    """Every finding in the workbook: cell types from reading, then keys, references and flow rules."""
    out = _Out(book)
    facts = facts_of(book)
    _check_settings(book, out)
    _check_keys(book, out)
    _check_references(book, out)
    _check_terms(book, facts, out)
    _check_lines(book, out)
    _check_dates(book, facts, out)
    _check_shipments(book, facts, out)
    _check_invoices(book, facts, out)
    _check_allocations(book, facts, out)
    _check_status(book, facts, out)
    _check_claims(book, facts, out)
    out.items += _mail_findings(book, out)
    del today  # the rules need no clock today; overdue is reported by `poflow status`
    order = {name: i for i, name in enumerate(TAB_BY_NAME)}
    found = list(book.findings) + out.items
    found.sort(key=lambda f: (order.get(_schema_name(book, f.tab), 99), f.row, f.column_letter, f.code))
    return Report(tuple(found), book.rows_read)


def _schema_name(book: Book, title: str) -> str:
    for name, info in book.tables.items():
        if info.title == title:
            return name
    return title


def _check_settings(book: Book, out: _Out) -> None:
    s = book.settings
    for spec in SETTINGS_KEYS:
        if spec.contract and spec.key not in s.rows and not spec.default:
            out.add("setting", "Settings", 0, "", "", f"the setting '{spec.label}' is missing; {spec.help}")
    try:
        parse_terms(s.default_terms)
    except TermsError as exc:
        out.add("terms", "Settings", s.rows.get("default_terms", 0), "value", s.default_terms, str(exc))
    if s.backup_retention < 1:
        out.add("setting", "Settings", s.rows.get("backup_retention", 0), "value", s.backup_retention,
                f"Backup Retention is {s.backup_retention}: fewer than one backup would turn backups off; poflow "
                "keeps one anyway", hint="Set it to 1 or more (the default is 20).")
    if s.document_sheets_kept < 0:
        out.add("setting", "Settings", s.rows.get("document_sheets_kept", 0), "value", s.document_sheets_kept,
                f"Document Sheets Kept is {s.document_sheets_kept}: a count of tabs is 0 or more; poflow keeps "
                "the default, 100", hint="Set it to 0 (keep none in the book) or more (the default is 100).")
    used = [_number_of(i.invoice_number, s.invoice_prefix) for i in book.invoices if i.kind != "credit"]
    top = max((n for n in used if n is not None), default=None)
    if top is not None and s.next_invoice_number <= top:
        out.add("setting", "Settings", s.rows.get("next_invoice_number", 0), "value", s.next_invoice_number,
                f"Next Invoice Number is {s.next_invoice_number} but {s.invoice_prefix}{top} exists; "
                f"numbers would be reused", hint=f"Set it to {top + 1}.")


def _number_of(number: str, prefix: str) -> int | None:
    if prefix and number.startswith(prefix):
        rest = number[len(prefix):]
        return int(rest) if rest.isdigit() else None
    return None


def _check_keys(book: Book, out: _Out) -> None:
    for spec in TABS:  # every tab whose schema declares a key (Tab.key): each key once
        key = spec.key
        if not key or spec.name == "Settings" or spec.name not in ATTR_OF_TAB:
            continue
        tab, records = spec.name, getattr(book, ATTR_OF_TAB[spec.name])
        get = attrgetter(*key)
        keys = [get(r) for r in records]
        if len(set(keys)) == len(keys):
            continue  # the common case: no duplicates at all
        seen: dict[Any, int] = {}
        for r, k in zip(records, keys, strict=True):
            parts = k if isinstance(k, tuple) else (k,)
            if any(v in ("", None) for v in parts):
                continue
            if k in seen:
                shown = " / ".join(str(v) for v in parts)
                out.add("duplicate-key", tab, r.row, key[-1], parts[-1],
                        f"{shown} appears again (first on row {seen[k]}); expected each only once")
            else:
                seen[k] = r.row


def _check_references(book: Book, out: _Out) -> None:
    buyers = {b.buyer_id for b in book.buyers}
    pos = {o.po_number for o in book.orders}
    skus = {p.sku for p in book.products}
    invoices = {i.invoice_number for i in book.invoices}
    txns = {p.transaction_id for p in book.payments}
    lines = {(ln.po_number, ln.line_no) for ln in book.lines}
    has_products = book.table("Products") is not None and bool(book.products)

    def ref(tab: str, records: Iterable[Any], key: str, known: set[Any], target: str, optional: bool = False) -> None:
        for r in records:
            v = getattr(r, key)
            if v in ("", None) and optional:
                continue
            if v not in ("", None) and v not in known:
                out.add("unknown-reference", tab, r.row, key, v, f"{v!r} is not in the {target}")

    ref("Orders", book.orders, "buyer_id", buyers, "Buyers tab")
    ref("Lines", book.lines, "po_number", pos, "Orders tab")
    if has_products:
        ref("Lines", book.lines, "sku", skus, "Products tab")
        ref("PriceTiers", book.tiers, "sku", skus, "Products tab")
    ref("Shipments", book.shipments, "po_number", pos, "Orders tab")
    for s in book.shipments:
        if s.po_number in pos and s.line_no and (s.po_number, s.line_no) not in lines:
            out.add("unknown-reference", "Shipments", s.row, "line_no", s.line_no,
                    f"PO {s.po_number} has no line {s.line_no} in the Lines tab")
    ref("Invoices", book.invoices, "po_number", pos, "Orders tab")
    ref("Invoices", book.invoices, "related", invoices, "Invoices tab", optional=True)
    ref("Allocations", book.allocations, "transaction_id", txns, "Payments tab")
    ref("Allocations", book.allocations, "invoice_number", invoices, "Invoices tab", optional=True)
    ref("Allocations", book.allocations, "po_number", pos, "Orders tab", optional=True)
    claims = {c.claim_number: c for c in book.claims}
    ref("Claims", book.claims, "po_number", pos, "Orders tab")
    for c in book.claims:
        if c.po_number in pos and c.line_no and (c.po_number, c.line_no) not in lines:
            out.add("unknown-reference", "Claims", c.row, "line_no", c.line_no,
                    f"PO {c.po_number} has no line {c.line_no} in the Lines tab")
    ref("Claims", book.claims, "invoice_number", invoices, "Invoices tab", optional=True)
    ref("Claims", book.claims, "credit_note", invoices, "Invoices tab", optional=True)
    ref("Shipments", book.shipments, "claim_number", set(claims), "Claims tab", optional=True)
    for s in book.shipments:
        replaced = claims.get(s.claim_number)
        if replaced is not None and (replaced.po_number, replaced.line_no) != (s.po_number, s.line_no):
            out.add("unknown-reference", "Shipments", s.row, "claim_number", s.claim_number,
                    f"claim {replaced.claim_number} is for PO {replaced.po_number} line {replaced.line_no}, not this "
                    f"shipment's PO {s.po_number} line {s.line_no}")


def _check_terms(book: Book, facts: Facts, out: _Out) -> None:
    for tab, records in (("Buyers", book.buyers), ("Orders", book.orders), ("Invoices", book.invoices)):
        for r in records:
            if r.terms:
                try:
                    parse_terms(r.terms)
                except TermsError as exc:
                    out.add("terms", tab, r.row, "terms", r.terms, str(exc))


def _check_lines(book: Book, out: _Out) -> None:
    prices = PriceList(book.products, book.tiers)
    products = prices.products
    facts = facts_of(book)
    for ln in book.lines:
        p = products.get(ln.sku)
        if p is None or ln.qty <= 0:
            continue
        # Once acknowledged, the acknowledged quantity is what ships: MOQ and case packs apply to it.
        qty, key = (facts.committed_qty(ln), "ack_qty") if ln.ack_status and ln.ack_qty is not None else (ln.qty, "qty")
        if ln.ack_status in ("rejected", "cancelled", "substituted") or qty <= 0:
            qty = 0
        if p.moq and 0 < qty < p.moq and not ln.note:
            out.add("below-moq", "Lines", ln.row, key, qty,
                    f"{qty} is below the MOQ of {p.moq} for {ln.sku}; expected at least {p.moq} "
                    "or a note explaining the override")
        if p.case_pack and qty % p.case_pack and not ln.note:
            out.add("case-pack", "Lines", ln.row, key, qty,
                    f"{qty} is not a multiple of the case pack of {p.case_pack} for {ln.sku}")
        price = prices.unit_price(ln.sku, ln.qty)
        if price is not None and ln.unit_price is not None and ln.unit_price != price and not ln.note:
            out.add("price-mismatch", "Lines", ln.row, "unit_price", ln.unit_price,
                    f"{format_money(ln.unit_price)} differs from the tier price {format_money(price)} for "
                    f"{ln.qty} x {ln.sku}; expected the tier price or a note explaining the override")


def _check_dates(book: Book, facts: Facts, out: _Out) -> None:
    for o in book.orders:
        if o.po_date and o.ship_date and o.ship_date < o.po_date:
            out.add("date-order", "Orders", o.row, "ship_date", o.ship_date,
                    f"ship date {o.ship_date} is before the PO date {o.po_date}")
        if o.cancel_date and o.ship_date and o.cancel_date < o.ship_date:
            out.add("date-order", "Orders", o.row, "cancel_date", o.cancel_date,
                    f"cancel date {o.cancel_date} is before the ship date {o.ship_date}")
        if o.approved_on and o.confirmation_sent_on and o.approved_on < o.confirmation_sent_on:
            out.add("date-order", "Orders", o.row, "approved_on", o.approved_on,
                    f"approved on {o.approved_on}, before the confirmation was sent on {o.confirmation_sent_on}")
    for s in book.shipments:
        so = facts.order.get(s.po_number)
        if so and so.po_date and s.ship_date and s.ship_date < so.po_date:
            out.add("date-order", "Shipments", s.row, "ship_date", s.ship_date,
                    f"shipped {s.ship_date}, before the PO date {so.po_date}")
    for inv in book.invoices:
        io = facts.order.get(inv.po_number)
        if io and io.po_date and inv.invoice_date and inv.invoice_date < io.po_date:
            out.add("date-order", "Invoices", inv.row, "invoice_date", inv.invoice_date,
                    f"invoice date {inv.invoice_date} is before the PO date {io.po_date}")


def _check_shipments(book: Book, facts: Facts, out: _Out) -> None:
    lines = {(ln.po_number, ln.line_no): max(ln.qty, facts.committed_qty(ln)) for ln in facts.lines}
    over = {k for k, total in facts.shipped.items() if k in lines and total > lines[k]}
    if over:
        running: dict[tuple[str, int], int] = defaultdict(int)
        for s in book.shipments:
            key = (s.po_number, s.line_no)
            if key not in over:
                continue
            running[key] += s.qty_shipped
            if running[key] > lines[key]:
                out.add("over-shipped", "Shipments", s.row, "qty_shipped", s.qty_shipped,
                        f"{running[key]} shipped in all on PO {s.po_number} line {s.line_no}, "
                        f"more than the {lines[key]} ordered and acknowledged")
    for po, ships in facts.shipments_of.items():
        o = facts.order.get(po)
        if o is None or facts.deposit_pct(o) == 0:
            continue
        owed = facts.deposit_outstanding(o)
        forced = any(x.note for x in ships)
        if owed > 0 and not forced:
            out.add("deposit-unpaid", "Shipments", ships[0].row, "po_number", po,
                    f"PO {po} shipped while {format_money(owed)} of its "
                    f"{format_money(facts.deposit_required(o))} deposit is unpaid")
    for ln in facts.lines:
        o = facts.order.get(ln.po_number)
        if ln.ack_status == "substituted" and not ln.substitute_sku:
            out.add("substitute", "Lines", ln.row, "substitute_sku", "",
                    f"line {ln.line_no} of PO {ln.po_number} is 'substituted' but names no substitute SKU")
        elif ln.substitute_sku and ln.substitute_sku not in facts.product and facts.products:
            out.add("substitute", "Lines", ln.row, "substitute_sku", ln.substitute_sku,
                    f"substitute {ln.substitute_sku} is not in the Products tab")
        if o is None:
            continue
        acked = ln.acked_as
        if acked and o.acknowledged_on is not None and o.status not in ("closed", "cancelled"):
            from .flow import acked_text  # the acknowledgement's own wording of a line

            now = acked_text(facts, ln)
            if now != acked:
                out.add("ack-revision", "Lines", ln.row, "acked_as", acked,
                        f"line {ln.line_no} of PO {ln.po_number} now reads \"{now}\" but the last acknowledgement "
                        f"said \"{acked}\"; tell the buyer first: `poflow acknowledge {ln.po_number}` issues the revision")
        if o.status not in DONE_SHIPPING or not facts.shipments_of.get(o.po_number):
            continue
        shipped = facts.shipped.get((ln.po_number, ln.line_no), 0)
        committed = facts.committed_qty(ln)
        if shipped < committed and not ln.note and ln.ack_status not in ("backordered",):
            out.add("short-ship-note", "Lines", ln.row, "note", "",
                    f"PO {ln.po_number} is {o.status} but line {ln.line_no} shipped {shipped} of {committed} "
                    "with no note and no acknowledgement of the change")


def _check_invoices(book: Book, facts: Facts, out: _Out) -> None:
    for inv in book.invoices:
        o = facts.order.get(inv.po_number)
        if inv.invoice_date and inv.due_date and inv.kind != "credit":
            text = inv.terms or ("Due on receipt" if inv.kind == "deposit" else facts.terms_text(o))
            try:
                t = parse_terms(text)
            except TermsError:
                t = None
            if t is not None:
                want = due_date(inv.invoice_date, t)
                if inv.due_date != want:
                    out.add("due-date", "Invoices", inv.row, "due_date", inv.due_date,
                            f"due {inv.due_date}, but {inv.invoice_date} with terms {text!r} gives {want} "
                            f"({long_date(want)})")
        paid = facts.paid.get(inv.invoice_number, ZERO)
        if inv.status != "void" and inv.row and inv.kind != "credit":  # a credit note settles its invoice
            if inv.amount_paid and inv.amount_paid != paid:
                out.add("invoice-balance", "Invoices", inv.row, "amount_paid", inv.amount_paid,
                        f"amount paid {format_money(inv.amount_paid)} but the allocations add up to {format_money(paid)}")
            if inv.balance is not None and inv.balance != inv.total - paid:
                out.add("invoice-balance", "Invoices", inv.row, "balance", inv.balance,
                        f"balance {format_money(inv.balance)} but total less paid is {format_money(inv.total - paid)}")
            want_status = invoice_status(inv.total, paid)
            if inv.status and inv.status != want_status:
                out.add("invoice-status", "Invoices", inv.row, "status", inv.status,
                        f"status {inv.status!r} but {format_money(paid)} of {format_money(inv.total)} is paid; "
                        f"expected {want_status!r}")
    for po, invs in facts.invoices_of.items():
        finals = [i for i in invs if i.kind == "final" and i.status != "void"]
        if not finals or po not in facts.order:
            continue
        last = max(finals, key=lambda i: i.row)
        if not facts.shipments_of.get(po):
            for i in finals:
                out.add("not-shipped", "Invoices", i.row, "po_number", po,
                        f"final invoice {i.invoice_number} for PO {po}, which has not shipped")
            continue
        goods = sum((i.total + (i.deposit_deducted or ZERO) - (i.tax or ZERO) for i in finals), ZERO)
        shipped = facts.shipped_value(po)
        if cents(goods) > shipped:
            out.add("invoice-total", "Invoices", last.row, "total", last.total,
                    f"final invoices for PO {po} bill goods of {format_money(goods)} but only "
                    f"{format_money(shipped)} has shipped")
        deducted = sum((i.deposit_deducted or ZERO for i in finals), ZERO)
        deposits = sum((i.total for i in invs if i.kind == "deposit" and i.status != "void"), ZERO)
        deposits = max(deposits, facts.deposit_paid(po))
        if deducted > deposits:
            out.add("invoice-total", "Invoices", last.row, "deposit_deducted", deducted,
                    f"deducts a deposit of {format_money(deducted)} but deposits for PO {po} total {format_money(deposits)}")


def _check_allocations(book: Book, facts: Facts, out: _Out) -> None:
    payment = {p.transaction_id: p for p in book.payments}
    used: dict[str, Decimal] = defaultdict(lambda: ZERO)
    last_row: dict[str, int] = {}
    for a in book.allocations:
        if a.kind in FROM_PAYMENT_KINDS:
            used[a.transaction_id] += a.amount
            last_row[a.transaction_id] = a.row
    for txn, amount in used.items():
        p = payment.get(txn)
        if p is not None and amount > p.amount:
            out.add("over-allocated", "Allocations", last_row[txn], "amount", amount,
                    f"payment {txn} of {format_money(p.amount)} is allocated {format_money(amount)}")
    per_inv_row: dict[str, int] = {}
    for a in book.allocations:
        if a.invoice_number:
            per_inv_row[a.invoice_number] = a.row
    for number, paid in facts.paid.items():
        inv = facts.invoice.get(number)
        if inv is not None and inv.total >= 0 and paid > inv.total:
            out.add("over-allocated", "Allocations", per_inv_row[number], "amount", paid,
                    f"invoice {number} of {format_money(inv.total)} is allocated {format_money(paid)}")


def _check_status(book: Book, facts: Facts, out: _Out) -> None:
    for o in book.orders:
        ships = facts.shipments_of.get(o.po_number)
        finals = [i for i in facts.invoices_of.get(o.po_number, ()) if i.kind == "final" and i.status != "void"]
        if o.status in SHIPPED_STATES and not ships:
            out.add("status-flow", "Orders", o.row, "status", o.status,
                    f"PO {o.po_number} is {o.status!r} but nothing has shipped")
        elif o.status in BEFORE_SHIPPING and ships:
            out.add("status-flow", "Orders", o.row, "status", o.status,
                    f"PO {o.po_number} is {o.status!r} but the Shipments tab has shipments for it")
        if o.status in ("invoiced", "paid", "closed") and not finals:
            out.add("status-flow", "Orders", o.row, "status", o.status,
                    f"PO {o.po_number} is {o.status!r} but has no final invoice")
        if o.status in ("paid", "closed") and any(facts.balance(i) > 0 for i in finals):
            out.add("status-flow", "Orders", o.row, "status", o.status,
                    f"PO {o.po_number} is {o.status!r} but an invoice still has a balance")
        if o.status not in ("paid", "closed", "cancelled") and ships and order_complete(facts, o.po_number):
            out.add("status-flow", "Orders", o.row, "status", o.status,
                    f"PO {o.po_number} is shipped, invoiced and paid in full; expected 'closed'", severity="warning")
        if o.status == "approved" and o.approved_on is None and book.table("Orders") and \
                "approved_on" in book.tables["Orders"].columns:
            out.add("status-flow", "Orders", o.row, "approved_on", "",
                    f"PO {o.po_number} is approved but 'Approved On' is empty", severity="warning")

def _check_claims(book: Book, facts: Facts, out: _Out) -> None:
    """No claim for more than shipped on its line; a claim still open and reported after its window is flagged."""
    from .claims import OPEN, days_late, shipped_all

    running: dict[tuple[str, int], int] = defaultdict(int)
    for c in book.claims:
        if c.status == "rejected" or all(ln.line_no != c.line_no for ln in facts.lines_of.get(c.po_number, ())):
            continue  # an unknown PO or line is reported as such
        key = (c.po_number, c.line_no)
        running[key] += c.qty
        shipped = shipped_all(facts, *key)
        if running[key] > shipped:
            out.add("claim-qty", "Claims", c.row, "qty", c.qty,
                    f"claims on PO {c.po_number} line {c.line_no} add up to {running[key]} unit(s), more than the "
                    f"{shipped} shipped")
        late = days_late(facts, c)
        if late and c.status in OPEN:
            out.add("claim-late", "Claims", c.row, "reported_on", c.reported_on,
                    f"claim {c.claim_number} was reported {late} day(s) after the claim window of "
                    f"{book.settings.claim_window_days} days from delivery closed")
def _mail_findings(book: Book, out: _Out) -> list[Finding]:
    from .mail.templates import check_mail  # the Templates tab and the mail Settings

    return [f for f in check_mail(book) if (f.tab, f.row) not in out.unread]


__all__ = ["Report", "validate"]
