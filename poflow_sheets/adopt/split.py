"""`poflow adopt TRACKER.xlsx --split NEW.xlsx`: a one-tab order tracker as a new workbook in poflow's schema.

The tracker is one flat tab: one row per order, or one row per order line (the PO number repeats; detected
from the rows), with the buyer's name and e-mail inline, and often the invoice number, its amount and the
date it was paid. What it holds becomes Buyers (one per buyer, the same e-mail or name taken as one),
Orders, Lines, Shipments (an order with a ship date, tracking number or invoice has shipped), Invoices and
Payments with their Allocations. Every row and value that cannot be placed is reported with its row and
column; the tracker itself is never changed. Nothing is invented silently: each value poflow derives
(a buyer id, a shipment from an invoiced order, a due date from the terms) is said in the report.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..cells import CellError, parse_bool, parse_date, parse_int, parse_money, parse_text
from ..errors import Refused
from ..ledger import invoice_status
from ..money import ZERO, cents, format_money
from ..records import Allocation, Buyer, Invoice, Line, Order, Payment, Shipment
from ..rows import record_rows
from ..schema import BOOLEAN, DATE, INTEGER, MONEY, ORDER_STATUSES, TEXT, Column, OrderStatus, Tab, norm
from ..terms import TermsError, due_date, parse_terms
from .propose import _shown, name_score, value_fit
from .sheets import SheetColumn, SheetView, read_sheets

# The roles a tracker's columns play, with the names people give them.
ROLES: tuple[tuple[Column, tuple[str, ...]], ...] = (
    (Column("po_number", "PO Number", TEXT), ("PO", "PO #", "PO No", "Purchase Order", "Order #", "Order No",
                                               "Order Number", "Order ID", "Customer PO", "PO Ref")),
    (Column("po_date", "Order Date", DATE), ("PO Date", "Date", "Date Ordered", "Ordered On", "Order Received")),
    (Column("buyer_name", "Customer", TEXT), ("Customer Name", "Store", "Store Name", "Account", "Account Name",
                                              "Retailer", "Buyer", "Company", "Shop", "Client", "Business Name")),
    (Column("buyer_email", "Email", TEXT), ("E-mail", "Email Address", "Contact Email", "Buyer Email",
                                            "Customer Email", "AP Email")),
    (Column("buyer_id", "Customer ID", TEXT), ("Account #", "Account ID", "Customer #", "Customer Code", "Buyer ID")),
    (Column("bill_to", "Billing Address", TEXT), ("Bill To", "Address")),
    (Column("ship_to", "Shipping Address", TEXT), ("Ship To", "Ship To Address", "Delivery Address")),
    (Column("terms", "Terms", TEXT), ("Payment Terms", "Pay Terms", "Net Terms")),
    (Column("status", "Status", TEXT), ("Order Status", "Stage", "State")),
    (Column("ship_date", "Ship By", DATE), ("Requested Ship Date", "Ship Window", "Start Ship", "In Hands Date",
                                            "Deliver By", "Requested Date")),
    (Column("cancel_date", "Cancel Date", DATE), ("Cancel", "Cancel By", "Cancel After")),
    (Column("shipped_on", "Shipped", DATE), ("Shipped On", "Date Shipped", "Ship Date", "Shipped Date", "Sent")),
    (Column("carrier", "Carrier", TEXT), ("Shipper", "Via", "Ship Via")),
    (Column("tracking", "Tracking", TEXT), ("Tracking #", "Tracking Number", "Tracking No")),
    (Column("line_no", "Line", INTEGER), ("Line #", "Line No", "Ln")),
    (Column("sku", "SKU", TEXT), ("Item #", "Item No", "Item Code", "Style #", "Style No", "Style Number",
                                  "Product Code", "Product #", "SKU #", "Code", "Style")),
    (Column("description", "Description", TEXT), ("Item", "Item Name", "Product", "Product Name", "Desc",
                                                  "Item Description", "Style Name")),
    (Column("qty", "Qty", INTEGER), ("Qty Ordered", "Quantity", "Units", "Order Qty", "Quantity Ordered",
                                     "Units Ordered", "Ordered", "Qty.")),
    (Column("unit_price", "Unit Price", MONEY), ("Price", "Price Each", "Unit Cost", "Wholesale", "Wholesale Price",
                                                 "Each", "Rate", "Cost Each", "WS Price")),
    (Column("line_total", "Line Total", MONEY), ("Ext Price", "Extended", "Extended Price", "Ext", "Line Amount",
                                                 "Amount", "Total")),
    (Column("invoice_number", "Invoice Number", TEXT), ("Invoice #", "Invoice No", "Inv #", "Inv No", "Invoice",
                                                        "Inv")),
    (Column("invoice_date", "Invoice Date", DATE), ("Date Invoiced", "Invoiced", "Inv Date", "Billed On",
                                                    "Invoiced On")),
    (Column("due_date", "Due Date", DATE), ("Due", "Payment Due", "Due On")),
    (Column("invoice_total", "Invoice Total", MONEY), ("Invoice Amount", "Amount Due", "Order Total", "Total Due",
                                                       "Invoiced Amount", "Total", "Amount")),
    (Column("amount_paid", "Amount Paid", MONEY), ("Paid", "Paid Amount", "Payment", "Payment Amount", "Received",
                                                   "Amount Received")),
    (Column("paid_date", "Paid Date", DATE), ("Paid", "Date Paid", "Paid On", "Payment Date", "Payment Received",
                                              "Received On")),
    (Column("paid_flag", "Paid?", BOOLEAN), ("Paid", "Is Paid")),
    (Column("balance", "Balance", MONEY), ("Balance Due", "Outstanding", "Open Balance", "Remaining")),
    (Column("notes", "Notes", TEXT), ("Comments", "Remarks", "Note", "Memo")),
)
_TRACKER = Tab("Tracker", tuple(c for c, _ in ROLES))
_NAMES = {c.key: names for c, names in ROLES}
TYPED = (DATE, MONEY, INTEGER, BOOLEAN)
LEGAL = re.compile(r"\b(llc|inc|co|ltd|corp|company|the)\b\.?", re.I)


@dataclass(frozen=True)
class Problem:
    """A row or value of the tracker that could not be placed (or was placed with a note), and why."""

    row: int  # Excel row; 0 for the whole tab
    column: str  # the tracker's header; "" for the whole row
    value: str
    reason: str

    def text(self) -> str:
        """The problem as one line."""
        where = f"row {self.row}" if self.row else "tracker"
        col = f", '{self.column}'" if self.column else ""
        val = f": {self.value!r}" if self.value else ""
        return f"{where}{col}{val}: {self.reason}"


@dataclass
class SplitResult:
    """What --split read and wrote."""

    tracker: Path
    target: Path
    tab: str
    per_line: bool
    roles: dict[str, str]  # role -> the tracker's header
    counts: dict[str, int] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)  # not placed
    notes: list[Problem] = field(default_factory=list)  # placed, with a value poflow derived
    left_alone: list[str] = field(default_factory=list)  # columns not placed
    findings: int = 0  # errors validate reports on the new workbook

    def lines(self) -> list[str]:
        """The report."""
        shape = "one row per order line" if self.per_line else "one row per order"
        out = [f"{self.tracker}: tab '{self.tab}' read as {shape}",
               "columns: " + ", ".join(f"{h!r} -> {r}" for r, h in self.roles.items())]
        out += [f"column left alone: {c}" for c in self.left_alone]
        out.append(f"{self.target}: written with " + ", ".join(f"{n} {tab}" for tab, n in self.counts.items()))
        out += [f"note: {p.text()}" for p in self.notes]
        out += [f"not placed: {p.text()}" for p in self.problems]
        out.append(f"{self.target}: validate finds {self.findings} error(s)"
                   + ("" if not self.findings else f"; run `poflow validate {self.target}` for them"))
        return out


def _roles(view: SheetView) -> tuple[dict[str, SheetColumn], list[SheetColumn]]:
    """The tracker's columns by role (best pairs first; typed roles need values of their type)."""
    cands: list[tuple[float, int, str, SheetColumn]] = []
    order = [c.key for c, _ in ROLES]
    for col, names in ROLES:
        for pc in view.columns:
            score, _ = name_score(_TRACKER, col, pc.header, names)
            if not score:
                continue
            fit, _ = value_fit(_TRACKER, col, pc.sample())
            if col.type in TYPED and fit < 0.5:
                continue
            cands.append((score * (0.6 + 0.4 * fit), -order.index(col.key), col.key, pc))
    cands.sort(key=lambda c: (-c[0], -c[1]))
    roles: dict[str, SheetColumn] = {}
    used: set[int] = set()
    for conf, _, role, pc in cands:
        if conf < 0.5 or role in roles or pc.index in used:
            continue
        roles[role] = pc
        used.add(pc.index)
    return roles, [pc for pc in view.columns if pc.index not in used]


def is_tracker(view: SheetView) -> bool:
    """A flat tracker: orders and their items in one tab (an order number, an item or quantity, and a customer
    or an order date)."""
    roles = set(_roles(view)[0])
    return "po_number" in roles and bool(roles & {"sku", "qty", "description"}) and bool(
        roles & {"buyer_name", "buyer_email", "po_date"})


def pick_tab(views: Sequence[SheetView], tab: str) -> SheetView:
    """The tracker's tab: the one named, else the one whose columns play the most roles."""
    if tab:
        view = next((v for v in views if norm(v.title) == norm(tab)), None)
        if view is None:
            raise Refused(f"no tab named {tab!r}; tabs: {', '.join(v.title for v in views)}")
        return view
    scored = [(len(_roles(v)[0]), -i, v) for i, v in enumerate(views) if v.columns]
    if not scored:
        raise Refused("the tracker has no tab with a header row")
    return max(scored, key=lambda s: (s[0], s[1]))[2]


class _Cells:
    """A tracker row's values by role, converted, with every value that does not convert reported."""

    def __init__(self, roles: dict[str, SheetColumn], problems: list[Problem]) -> None:
        self.roles = roles
        self.problems = problems

    def raw(self, role: str, i: int) -> object:
        pc = self.roles.get(role)
        return pc.values[i] if pc is not None else ""

    def get(self, role: str, i: int, row: int) -> Any:
        pc = self.roles.get(role)
        if pc is None:
            return None
        v = pc.values[i]
        parse = {DATE: parse_date, MONEY: parse_money, INTEGER: parse_int, BOOLEAN: parse_bool}.get(
            next(c.type for c, _ in ROLES if c.key == role), parse_text)
        try:
            return parse(v)
        except CellError as exc:
            self.problems.append(Problem(row, pc.header, _shown(v), f"{exc}; left out"))
            return None


def _buyer_key(name: str) -> str:
    return norm(LEGAL.sub(" ", name.replace("&", " and ")))


def _buyer_ids(names: list[str]) -> list[str]:
    """Short ids from names: the first word in capitals (WILLOW), then two words (WILLOW-WREN), then a number."""
    out: list[str] = []
    for name in names:
        words = [w for w in re.findall(r"[A-Za-z0-9]+", LEGAL.sub(" ", name)) if w.lower() != "and"] or ["BUYER"]
        for cand in (words[0].upper(), "-".join(w.upper() for w in words[:2]), "-".join(w.upper() for w in words)):
            if cand not in out:
                out.append(cand)
                break
        else:
            k = 2
            while f"{words[0].upper()}{k}" in out:
                k += 1
            out.append(f"{words[0].upper()}{k}")
    return out


_SHIPPED_WORDS = ("ship", "deliver", "invoice", "paid", "closed", "complete", "done")


def split_tracker(tracker: Path, target: Path, *, tab: str = "") -> SplitResult:
    """Read the tracker, build the records, write the new workbook and check it (see the module text)."""
    from ..reader import read_workbook
    from ..template import write_new_workbook
    from ..validate import validate

    views = read_sheets(tracker)
    view = pick_tab(views, tab)
    roles, left = _roles(view)
    if "po_number" not in roles:
        raise Refused(f"{tracker}: tab '{view.title}' has no PO or order number column "
                      f"(found: {', '.join(c.header for c in view.columns)}); poflow needs one to tell orders apart")
    problems: list[Problem] = []
    notes: list[Problem] = []
    cells = _Cells(roles, problems)
    rows = view.rows
    po_col = roles["po_number"]
    pos = [parse_text(v) or "" for v in po_col.values]
    per_line = any(n > 1 for n in Counter(p for p in pos if p).values())
    line_roles = {"sku", "description", "qty", "unit_price", "line_total"} & set(roles)
    # A line under an order whose PO cell is empty belongs to the PO above (filled down by hand).
    for i, p in enumerate(pos):
        if not p and i and pos[i - 1] and any(cells.raw(r, i) not in ("", None) for r in line_roles):
            pos[i] = pos[i - 1]
            per_line = True
            notes.append(Problem(rows[i], po_col.header, "", f"no PO number: a line of {pos[i]} (the row above)"))
    order = [c.key for c, _ in ROLES]
    result = SplitResult(tracker, target, view.title, per_line,
                         {r: roles[r].header for r in sorted(roles, key=order.index)})
    for pc in left:
        vals = pc.filled()
        if vals:
            shown = ", ".join(dict.fromkeys(_shown(v) for v in vals[:3]))
            result.left_alone.append(f"'{pc.header}' ({pc.letter}): {len(vals)} value(s) not placed, e.g. {shown}")
    for r, kind, text in view.skipped:
        if kind == "totals":
            notes.append(Problem(r, "", "", "a totals row: not a record"))
        else:
            problems.append(Problem(r, "", text, "a note or section label with no order: left out"))
    by_po: dict[str, list[int]] = defaultdict(list)
    for i, p in enumerate(pos):
        if p:
            by_po[p].append(i)
        elif any(v not in ("", None) for v in (pc.values[i] for pc in view.columns)):
            problems.append(Problem(rows[i], po_col.header, "", "no PO number; the row is left out"))

    # Buyers: the same e-mail or the same name (legal suffixes aside) is one buyer.
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            x = parent[x]
        return x

    def union(a: str, b: str) -> None:
        parent[find(a)] = find(b)

    buyer_of_po: dict[str, str] = {}
    names_seen: dict[str, Counter[str]] = defaultdict(Counter)
    email_of: dict[str, str] = {}
    given_of: dict[str, str] = {}
    for po, idx in by_po.items():
        i = idx[0]
        name = cells.get("buyer_name", i, rows[i]) or ""
        email = (cells.get("buyer_email", i, rows[i]) or "").strip()
        given = cells.get("buyer_id", i, rows[i]) or ""
        keys = [f"id:{norm(given)}"] if given else []
        keys += [f"name:{_buyer_key(name)}"] if name else []
        keys += [f"mail:{email.casefold()}"] if email else []
        if not keys:
            problems.append(Problem(rows[i], roles["buyer_name"].header if "buyer_name" in roles else "", "",
                                    f"no customer for {po}; the order is left out"))
            continue
        for k in keys[1:]:
            union(keys[0], k)
        buyer_of_po[po] = keys[0]
        if name:
            names_seen[keys[0]][name] += 1
        if email:
            email_of.setdefault(keys[0], email)
        if given:
            given_of.setdefault(keys[0], given)
    groups: dict[str, list[str]] = defaultdict(list)
    for po, k in buyer_of_po.items():
        groups[find(k)].append(po)
    group_names: dict[str, Counter[str]] = defaultdict(Counter)
    group_email: dict[str, str] = {}
    group_given: dict[str, str] = {}
    for k in list(parent):
        root = find(k)
        group_names[root].update(names_seen.get(k, Counter()))
        if k in email_of and root not in group_email:
            group_email[root] = email_of[k]
        if k in given_of and root not in group_given:
            group_given[root] = given_of[k]
    roots = list(dict.fromkeys(find(buyer_of_po[po]) for po in by_po if po in buyer_of_po))
    display = [(group_names[r].most_common(1)[0][0] if group_names[r] else group_email.get(r, "Buyer")) for r in roots]
    generated = _buyer_ids(display)
    buyer_id_of: dict[str, str] = {}
    buyers: list[Buyer] = []
    for root, name, gen in zip(roots, display, generated, strict=True):
        bid = group_given.get(root) or gen
        buyer_id_of[root] = bid
        spellings = [n for n in group_names[root] if n != name]
        if spellings:
            notes.append(Problem(0, roles["buyer_name"].header if "buyer_name" in roles else "", ", ".join(spellings),
                                 f"taken as the buyer '{name}' ({bid}): the same e-mail or name"))
        if bid == gen and not group_given.get(root):
            notes.append(Problem(0, "", name, f"buyer id {bid} made from the name"))
        buyers.append(Buyer(buyer_id=bid, name=name, email=group_email.get(root, "")))

    orders: list[Order] = []
    lines: list[Line] = []
    shipments: list[Shipment] = []
    invoices: list[Invoice] = []
    payments: list[Payment] = []
    allocations: list[Allocation] = []
    terms_of_buyer: dict[str, Counter[str]] = defaultdict(Counter)
    invoice_numbers: list[str] = []
    ship_no = 0
    for po, idx in by_po.items():
        if po not in buyer_of_po:
            continue
        first = idx[0]
        r0 = rows[first]
        bid = buyer_id_of[find(buyer_of_po[po])]

        def one(role: str, po: str = po, idx: list[int] = idx) -> Any:
            """The order's value of a role: the first row's, differing values on its other rows reported."""
            values = [(rows[i], cells.get(role, i, rows[i])) for i in idx]
            present = [(r, v) for r, v in values if v not in (None, "")]
            if not present:
                return None
            r, v = present[0]
            for r2, v2 in present[1:]:
                if v2 != v:
                    problems.append(Problem(r2, roles[role].header, _shown(v2),
                                            f"{po} says {_shown(v)} on row {r}; that value is kept"))
            return v

        terms = one("terms") or ""
        if terms:
            try:
                parse_terms(terms)
                terms_of_buyer[bid][terms] += 1
            except TermsError as exc:
                problems.append(Problem(r0, roles["terms"].header, terms, f"{exc}; the order takes the default terms"))
                terms = ""
        status_word = (one("status") or "").strip()
        order_lines: list[Line] = []
        for n, i in enumerate(idx if per_line else idx[:1], start=1):
            row = rows[i]
            sku = cells.get("sku", i, row) or ""
            desc = cells.get("description", i, row) or ""
            qty = cells.get("qty", i, row)
            price = cells.get("unit_price", i, row)
            total = cells.get("line_total", i, row)
            if not (sku or desc or qty is not None or price is not None):
                if per_line or line_roles:
                    problems.append(Problem(row, "", "", f"no item, quantity or price: no line for {po}"))
                continue
            if not sku:
                sku = desc
                if sku:
                    notes.append(Problem(row, roles["description"].header, desc, "no SKU: the item is the SKU"))
            if not sku:
                problems.append(Problem(row, "", "", f"a line of {po} with no item: left out"))
                continue
            if qty is None:
                problems.append(Problem(row, roles["qty"].header if "qty" in roles else "", "",
                                        f"a line of {po} ({sku}) with no quantity: left out"))
                continue
            if price is None and total is not None and qty:
                price = cents(total / qty)
                notes.append(Problem(row, roles["line_total"].header, _shown(total),
                                     f"unit price {format_money(price)} is the line total divided by {qty}"))
            elif price is not None and total is not None and cents(price * qty) != cents(total):
                problems.append(Problem(row, roles["line_total"].header, _shown(total),
                                        f"{qty} x {format_money(price)} is {format_money(cents(price * qty))}; "
                                        "the line keeps the unit price"))
            given_no = cells.get("line_no", i, row)
            order_lines.append(Line(po_number=po, line_no=given_no or n, sku=sku, qty=qty, unit_price=price,
                                    description=desc if desc != sku else ""))
        lines += order_lines
        lines_total = sum((cents((ln.unit_price or ZERO) * ln.qty) for ln in order_lines), ZERO)
        shipped_on = one("shipped_on")
        tracking = one("tracking") or ""
        invoice_number = one("invoice_number") or ""
        invoice_date = one("invoice_date")
        says_shipped = any(w in status_word.lower() for w in _SHIPPED_WORDS)
        shipped = bool(shipped_on or tracking or invoice_number or says_shipped)
        ship_day = shipped_on or invoice_date
        if shipped and order_lines and ship_day is None:
            problems.append(Problem(r0, roles["shipped_on"].header if "shipped_on" in roles else "", "",
                                    f"{po} has shipped but the tracker gives no date: no shipment recorded"))
            shipped = False
        elif shipped and order_lines:
            ship_no += 1
            sid = f"SH-{ship_no:04d}"
            if not shipped_on:
                notes.append(Problem(r0, "", po, f"shipped: the shipment {sid} is dated with the invoice date"))
            for ln in order_lines:
                shipments.append(Shipment(shipment_id=sid, po_number=po, line_no=ln.line_no, qty_shipped=ln.qty,
                                          ship_date=ship_day, carrier=one("carrier") or "", tracking=tracking,
                                          invoice_number=invoice_number))
        paid_total = ZERO
        invoice: Invoice | None = None
        if invoice_number:
            invoice_numbers.append(invoice_number)
            if invoice_date is None:
                invoice_date = shipped_on
                if invoice_date is not None:
                    notes.append(Problem(r0, "", invoice_number, "invoice date taken from the ship date"))
            if invoice_date is None:
                problems.append(Problem(r0, roles["invoice_number"].header, invoice_number,
                                        "no invoice date and no ship date: the invoice is left out"))
            else:
                inv_terms = terms or "Net 30"
                due = one("due_date") or due_date(invoice_date, parse_terms(inv_terms))
                amount = one("invoice_total")
                if amount is None:
                    amount = lines_total
                    notes.append(Problem(r0, "", invoice_number, f"invoice total {format_money(amount)} from the lines"))
                elif cents(amount) != lines_total and order_lines:
                    problems.append(Problem(r0, roles["invoice_total"].header, _shown(amount),
                                            f"invoice {invoice_number} is {format_money(amount)} but its lines add up "
                                            f"to {format_money(lines_total)}; the tracker's amount is kept"))
                invoice = Invoice(invoice_number=invoice_number, kind="final", po_number=po, invoice_date=invoice_date,
                                  due_date=due, total=cents(amount), status="open", terms=inv_terms,
                                  amount_paid=ZERO, balance=cents(amount), tax=ZERO, deposit_deducted=ZERO)
        # The payment: a paid date with the amount paid (or the invoice total when only the date or a flag says so).
        paid_date = one("paid_date")
        amount_paid = one("amount_paid")
        flag = one("paid_flag")
        says_paid = bool(flag) or "paid" in status_word.lower()
        if amount_paid is None and (paid_date is not None or says_paid) and invoice is not None:
            amount_paid = invoice.total
        if amount_paid is not None and amount_paid > 0:
            if paid_date is None:
                problems.append(Problem(r0, roles["amount_paid"].header if "amount_paid" in roles else "",
                                        _shown(amount_paid), f"paid on {po} but no date: no payment recorded"))
            else:
                txn = f"TRK-{po}"
                payments.append(Payment(transaction_id=txn, date=paid_date, amount=cents(amount_paid),
                                        currency="USD", payer=display[roots.index(find(buyer_of_po[po]))],
                                        memo=f"{view.title} row {r0}", source=f"{tracker.name}:{r0}", status="applied"))
                if invoice is not None:
                    applied = min(cents(amount_paid), invoice.total)
                    allocations.append(Allocation(transaction_id=txn, invoice_number=invoice.invoice_number,
                                                  po_number=po, amount=applied, kind="invoice", method="manual",
                                                  confidence=Decimal(1), rule="tracker", applied_on=paid_date))
                    paid_total = applied
                    if cents(amount_paid) > invoice.total:
                        allocations.append(Allocation(transaction_id=txn, invoice_number="", po_number=po,
                                                      amount=cents(amount_paid) - invoice.total, kind="credit",
                                                      method="manual", confidence=Decimal(1), rule="tracker",
                                                      applied_on=paid_date))
                        notes.append(Problem(r0, "", _shown(amount_paid), "more than the invoice: the rest is a "
                                                                           "credit on the buyer's account"))
                else:
                    allocations.append(Allocation(transaction_id=txn, invoice_number="", po_number=po,
                                                  amount=cents(amount_paid), kind="deposit", method="manual",
                                                  confidence=Decimal(1), rule="tracker", applied_on=paid_date))
                    notes.append(Problem(r0, "", _shown(amount_paid), f"paid with no invoice: a deposit on {po}"))
        if invoice is not None:
            status = invoice_status(invoice.total, paid_total)
            invoice = Invoice(invoice_number=invoice.invoice_number, kind="final", po_number=po,
                              invoice_date=invoice.invoice_date, due_date=invoice.due_date, total=invoice.total,
                              status=status, terms=invoice.terms, amount_paid=paid_total,
                              balance=invoice.total - paid_total, tax=ZERO, deposit_deducted=ZERO)
            given_balance = one("balance")
            balance = invoice.total - paid_total
            if given_balance is not None and cents(given_balance) != balance:
                problems.append(Problem(r0, roles["balance"].header, _shown(given_balance),
                                        f"balance of {invoice.invoice_number} is {format_money(balance)} "
                                        "from the payments recorded; the tracker's balance is not kept"))
            invoices.append(invoice)
        order_status = _status(status_word, shipped and bool(order_lines), invoice, r0, roles, notes)
        orders.append(Order(po_number=po, buyer_id=bid, po_date=one("po_date"), status=order_status,
                            ship_date=one("ship_date"), cancel_date=one("cancel_date"), terms=terms,
                            deposit_pct=ZERO, notes=one("notes") or ""))
        if orders[-1].po_date is None:
            problems.append(Problem(r0, roles["po_date"].header if "po_date" in roles else "", "",
                                    f"{po} has no order date; validate will ask for one"))
    buyers = [replace(b, terms=common[0][0]) if (common := terms_of_buyer[b.buyer_id].most_common(1)) else b
              for b in buyers]  # a buyer's usual terms: those of most of its orders
    if orders:
        notes.append(Problem(0, "", "", "deposits: the tracker records none, so the orders ask none (Deposit Pct 0%)"))
    settings = _settings(invoice_numbers)
    data: dict[str, Sequence[Sequence[object]]] = {
        "Buyers": record_rows("Buyers", buyers), "Orders": record_rows("Orders", orders),
        "Lines": record_rows("Lines", lines), "Shipments": record_rows("Shipments", shipments),
        "Invoices": record_rows("Invoices", invoices), "Payments": record_rows("Payments", payments),
        "Allocations": record_rows("Allocations", allocations),
    }
    write_new_workbook(target, data, settings=settings)
    result.counts = {"buyers": len(buyers), "orders": len(orders), "lines": len(lines), "shipments": len(shipments),
                     "invoices": len(invoices), "payments": len(payments)}
    result.problems = problems
    result.notes = notes
    report = validate(read_workbook(target), date.today())
    result.findings = report.errors
    return result


def _status(word: str, shipped: bool, invoice: Invoice | None, row: int, roles: dict[str, SheetColumn],
            notes: list[Problem]) -> OrderStatus:
    """The order's status from what the tracker shows happened (its own status word where it says more)."""
    lowered = word.lower()
    if "cancel" in lowered and not shipped:
        return "cancelled"
    if shipped:
        if invoice is None:
            return "shipped"
        return "closed" if invoice.balance == 0 else "invoiced"
    canon = {norm(s): s for s in ORDER_STATUSES}
    status = canon.get(norm(word))
    if status in ("draft", "confirmation sent", "approved", "acknowledged", "deposit paid"):
        return status
    if word:
        notes.append(Problem(row, roles["status"].header, word, "not shipped: the order is a draft in poflow"))
    return "draft"


def _settings(invoice_numbers: list[str]) -> dict[str, object]:
    """The invoice numbering that follows the tracker's: its prefix, and the number after the highest."""
    out: dict[str, object] = {}
    prefixes = Counter(m.group(1) for n in invoice_numbers if (m := re.fullmatch(r"(.*?)(\d+)", n)))
    if prefixes:
        prefix = prefixes.most_common(1)[0][0]
        top = max(int(m.group(2)) for n in invoice_numbers if (m := re.fullmatch(r"(.*?)(\d+)", n))
                  and m.group(1) == prefix)
        out["invoice_prefix"] = prefix
        out["next_invoice_number"] = top + 1
    return out


__all__ = ["Problem", "SplitResult", "is_tracker", "pick_tab", "split_tracker"]
