"""Generate a realistic wholesale business with ground truth for the payment matcher (seeded, deterministic).

Buyers have legal names ("Corner Shop LLC") and the names their banks print ("CORNER SHOP LL", "CORNERSHOP",
"J SMITH DBA CORNER SHOP", truncated names, learned aliases); the workbook holds N open invoices (plus paid
and partly paid ones, deposits and orders awaiting a deposit); the bank export holds as many transactions,
split over a Chase-style CSV, monthly camt.053 XML statements and an OFX file, with every case the matcher knows in
realistic proportions plus noise. Beside them, truth.json says for each transaction (keyed by its `source`)
which allocations are right, or "ignore", or that there is no correct answer (null).

Usage: python bench/gen_business.py [--invoices N] [--transactions N] [--out DIR]
"""

from __future__ import annotations

import argparse
import json
import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape

from poflow_sheets.money import cents
from poflow_sheets.records import Allocation, Buyer, Invoice, Line, Order, Payment
from poflow_sheets.rows import record_rows
from poflow_sheets.schema import AllocationMethod, InvoiceKind, OrderStatus
from poflow_sheets.template import write_new_workbook
from poflow_sheets.terms import discount_amount, discount_date, due_date, parse_terms

OUT = Path(__file__).resolve().parent / "out"
TODAY = date(2026, 6, 30)
D = Decimal

W1 = ("Corner", "Maple", "Harbor", "Juniper", "Fern", "Oak", "River", "Summit", "Birch", "Cedar", "Willow",
      "Meadow", "Copper", "Lantern", "Prairie", "Granite", "Hollow", "Orchard", "Thistle", "Bramble", "Blue",
      "Golden", "Silver", "Little", "Old Town", "Main Street", "Northside", "Seaside", "Hilltop", "Red Barn",
      "Wild", "Honey", "Sage", "Pine", "Ivy", "Coral", "Amber", "Indigo", "Rosewood", "Stone", "Sparrow",
      "Heron", "Fox", "Bear", "Otter", "Falcon", "Magnolia", "Aspen", "Clover", "Poppy", "Driftwood",
      "Lighthouse", "Canyon", "Valley", "Brook", "Elm", "Hazel", "Laurel", "Marigold", "Saffron")
W2 = ("Shop", "Boutique", "Market", "Goods", "Mercantile", "Trading", "Supply", "Emporium", "General Store",
      "Provisions", "Outfitters", "Gallery", "Home", "Kitchen", "Garden", "Apothecary", "Books", "Gifts",
      "Pantry", "Collective", "Studio", "Depot", "Company Store", "Bazaar", "Corner", "House", "Hardware",
      "Atelier", "Cellar", "Larder")
PLACES = ("North", "East", "West", "South", "Two", "Plus", "of Austin", "of Denver", "Brooklyn", "Portland",
          "of Boise", "Tucson", "of Maine", "Raleigh", "Savannah", "of Tulsa", "Madison", "Sedona", "Ojai",
          "Marfa", "of Vermont", "Napa", "Asheville", "Bend", "Taos")
LEGAL = ("LLC", "LLC", "LLC", "Inc", "Inc.", "Ltd", "Co", "Corp", "GmbH", "L.L.C.", "Company")
FIRST = ("J", "M", "A", "R", "S", "K", "D", "L", "T", "E")
LAST = ("SMITH", "JOHNSON", "GARCIA", "NGUYEN", "PATEL", "BROWN", "MILLER", "DAVIS", "LOPEZ", "WILSON",
        "ANDERSON", "TAYLOR", "MOORE", "MARTIN", "LEE", "CLARK", "WALKER", "HALL", "YOUNG", "KING")
PRICES = tuple(D(p) for p in ("4.50", "6.25", "7.95", "9.99", "12.40", "14.75", "18.00", "22.50", "27.35",
                              "31.10", "38.90", "45.00", "52.75", "64.20", "89.00"))


@dataclass
class GenTxn:
    """One bank transaction as generated, with its truth."""

    when: date
    amount: Decimal
    payer: str  # as the bank prints it ("" where the format has no payer field)
    memo: str
    code: str
    case: str
    answer: list[list[str]] | str | None  # allocations [[invoice, po, amount, kind]...], "ignore", or None
    fmt: str = ""
    source: str = ""


@dataclass
class Business:
    """Records per tab, settings, and the bank transactions with their truth."""

    rows: dict[str, list[object]] = field(default_factory=dict)
    settings: dict[str, object] = field(default_factory=dict)
    txns: list[GenTxn] = field(default_factory=list)


@dataclass
class _Open:
    number: str
    po: str
    buyer: str
    when: date
    total: Decimal
    balance: Decimal
    terms: str
    kind: str = "final"


class _Gen:
    def __init__(self, n_invoices: int, n_txns: int, seed: int):
        self.r = random.Random(seed)
        self.n_invoices, self.n_txns = n_invoices, n_txns
        self.buyers: list[Buyer] = []
        self.bank_name: dict[str, str] = {}
        self.other_names: dict[str, list[str]] = {}
        self.orders: list[Order] = []
        self.lines: list[Line] = []
        self.invoices: list[Invoice] = []
        self.payments: list[Payment] = []
        self.allocations: list[Allocation] = []
        self.open: list[_Open] = []
        self.deposit_orders: list[tuple[Order, Decimal]] = []  # (order, expected deposit), no invoice yet
        self.po_seq = 1000
        self.inv_seq = 0
        self.txns: list[GenTxn] = []

    # -- the ledger -------------------------------------------------------------------------------
    def make_buyers(self) -> None:
        n = max(20, self.n_invoices // 8)
        seen: set[str] = set()
        r = self.r
        while len(self.buyers) < n:
            base = f"{r.choice(W1)} {r.choice(W2)}"
            if base.upper() in seen:
                base = f"{base} {r.choice(PLACES)}"
                if base.upper() in seen:
                    continue
            seen.add(base.upper())
            legal = f"{base} {r.choice(LEGAL)}"
            bid = f"B{len(self.buyers) + 1:05d}"
            owner = f"{r.choice(FIRST)} {r.choice(LAST)}"
            style = r.choices(("upper", "trunc_suffix", "compact", "trunc16", "dba", "alias"),
                              (35, 20, 10, 15, 10, 10))[0]
            up = base.upper()
            aliases: tuple[str, ...] = ()
            if style == "upper":
                printed = legal.upper().replace(".", "").replace(",", "")
            elif style == "trunc_suffix":
                printed = f"{up} {legal.split()[-1].upper().replace('.', '')[:2]}"
            elif style == "compact":
                printed = up.replace(" ", "")
            elif style == "trunc16":
                printed = legal.upper()[:16].rstrip()
            elif style == "dba":
                printed = f"{owner} DBA {up}"
            else:
                printed = f"{''.join(w[0] for w in up.split())}{r.randint(10, 99)} HOLDINGS {owner.split()[1]}"
                aliases = (printed,)
            self.bank_name[bid] = printed
            terms = r.choices(("Net 30", "2/10 Net 30", "Net 15", "Net 30 EOM"), (70, 15, 10, 5))[0]
            dep = r.choice((D("0.3"), D("0.5"))) if r.random() < 0.2 else None
            self.buyers.append(Buyer(bid, legal, f"ap@{bid.lower()}.example", terms=terms, deposit_pct=dep,
                                     aliases=aliases))

    def po_number(self, buyer: Buyer) -> str:
        self.po_seq += 1
        k = int(buyer.buyer_id[1:]) % 10
        n = self.po_seq
        if k < 5:
            return f"PO-{n}"
        if k < 7:
            return f"4500{n:06d}"
        if k < 9:
            initials = "".join(w[0] for w in buyer.name.split()[:2]).upper()
            return f"{initials}-{n:05d}"
        return f"{n + 70000}"

    def make_order(self, buyer: Buyer, when: date, status: OrderStatus, total: Decimal | None = None) -> tuple[Order, Decimal]:
        po = self.po_number(buyer)
        r = self.r
        order = Order(po, buyer.buyer_id, when, status)
        if total is not None:
            self.lines.append(Line(
                po_number=po, line_no=1, sku="SKU-MIX", qty=1, unit_price=total, description="assorted"))
            return order, total
        amount = D(0)
        for no in range(1, r.choice((1, 2, 2, 3, 4, 5)) + 1):
            qty = r.choice((6, 12, 12, 24, 24, 36, 48, 60, 72, 96, 120, 144, 240))
            price = r.choice(PRICES) if r.random() < 0.3 else D(r.randint(250, 9500)) / 100
            self.lines.append(Line(
                po_number=po, line_no=no, sku=f"SKU-{r.randint(100, 999)}", qty=qty, unit_price=price,
                description="goods"))
            amount += price * qty
        return order, amount

    def new_invoice(self, po: str, buyer: Buyer, when: date, total: Decimal, kind: InvoiceKind = "final") -> Invoice:
        self.inv_seq += 1
        number = f"INV-{self.inv_seq:06d}"
        text = buyer.terms or "Net 30"
        inv = Invoice(
            invoice_number=number, kind=kind, po_number=po, invoice_date=when,
            due_date=due_date(when, parse_terms(text)), total=total, status="open", terms=text,
            amount_paid=D("0.00"), balance=total)
        self.invoices.append(inv)
        return inv

    def make_ledger(self) -> None:
        r = self.r
        start = TODAY - timedelta(days=150)
        n_paid = self.n_invoices // 5
        n_partial = self.n_invoices // 20
        n_dep_orders = self.n_invoices // 20
        totals_seen: list[tuple[Decimal, str]] = []
        for i in range(self.n_invoices + n_paid):
            buyer = self.buyers[r.randrange(len(self.buyers))]
            when = start + timedelta(days=r.randrange(0, 145))
            same = None
            if totals_seen and r.random() < 0.01:  # the same total as another buyer's invoice
                same = r.choice(totals_seen)
                if same[1] == buyer.buyer_id:
                    same = None
            order, total = self.make_order(buyer, when - timedelta(days=r.randint(5, 20)), "invoiced",
                                           same[0] if same else None)
            self.orders.append(order)
            inv = self.new_invoice(order.po_number, buyer, when, total)
            totals_seen.append((total, buyer.buyer_id))
            if i < n_paid:  # paid long ago: its payment and allocation are in the ledger
                tid = f"chase:hist{i:07d}"
                paid_on = when + timedelta(days=r.randint(5, 30))
                method: AllocationMethod = "manual" if r.random() < 0.1 else "auto"
                self.payments.append(Payment(
                    transaction_id=tid, date=paid_on, amount=total, currency="USD",
                    payer=self.bank_name[buyer.buyer_id], memo=inv.invoice_number, source="history.csv",
                    status="applied"))
                self.allocations.append(Allocation(
                    transaction_id=tid, amount=total, kind="invoice", invoice_number=inv.invoice_number,
                    po_number=order.po_number, method=method, confidence=D("0.99") if method == "auto" else None,
                    rule="reference+amount" if method == "auto" else "", applied_on=paid_on))
                self.invoices[-1] = Invoice(
                    invoice_number=inv.invoice_number, kind="final", po_number=inv.po_number, invoice_date=when,
                    due_date=inv.due_date, total=total, status="paid", terms=inv.terms, amount_paid=total,
                    balance=D("0.00"))
                continue
            balance = total
            if i < n_paid + n_partial:
                part = cents(total * D(r.choice(("0.25", "0.4", "0.5"))))
                tid = f"chase:part{i:07d}"
                paid_on = when + timedelta(days=r.randint(3, 20))
                self.payments.append(Payment(
                    transaction_id=tid, date=paid_on, amount=part, currency="USD",
                    payer=self.bank_name[buyer.buyer_id], memo=inv.invoice_number, source="history.csv",
                    status="partial"))
                self.allocations.append(Allocation(
                    transaction_id=tid, amount=part, kind="invoice", invoice_number=inv.invoice_number,
                    po_number=order.po_number, method="auto", confidence=D("0.92"), rule="reference+partial",
                    applied_on=paid_on))
                balance = total - part
                self.invoices[-1] = Invoice(
                    invoice_number=inv.invoice_number, kind="final", po_number=inv.po_number, invoice_date=when,
                    due_date=inv.due_date, total=total, status="partial", terms=inv.terms, amount_paid=part,
                    balance=balance)
            self.open.append(_Open(inv.invoice_number, order.po_number, buyer.buyer_id, when, total, balance,
                                   inv.terms))
        for i in range(n_dep_orders):  # approved orders asking a deposit
            buyer = self.buyers[r.randrange(len(self.buyers))]
            when = TODAY - timedelta(days=r.randint(3, 60))
            pct = r.choice((D("0.3"), D("0.5")))
            order, total = self.make_order(buyer, when, "approved")
            order = Order(order.po_number, order.buyer_id, when, "approved", deposit_pct=pct)
            self.orders.append(order)
            expected = cents(total * pct)
            if i % 2 == 0:
                inv = self.new_invoice(order.po_number, buyer, when + timedelta(days=1), expected, "deposit")
                self.open.append(_Open(inv.invoice_number, order.po_number, buyer.buyer_id, inv.invoice_date or when,
                                       expected, expected, inv.terms, "deposit"))
            else:
                self.deposit_orders.append((order, expected))

    # -- bank transactions ------------------------------------------------------------------------
    def ref_text(self, number: str) -> str:
        """An invoice or PO number as a person types it."""
        r = self.r
        if number.startswith("INV-"):
            n = int(number[4:])
            return r.choice((f"INV-{n:06d}", f"inv {n}", f"Invoice #{n}", f"INV{n:06d}", f"INV {n}",
                             f"invoice {n:06d}", f"Inv#{n}"))
        if number.startswith("PO-"):
            n = int(number[3:])
            return r.choice((f"PO#{n}", f"P.O. {n}", f"po{n}", f"PO {n}", f"PO-{n}"))
        return r.choice((number, number.replace("-", ""), number.lower(), f"PO {number}"))

    def memo_for(self, bid: str, refs: list[str], fmt: str, printed: str | None = None) -> tuple[str, str]:
        """(payer, memo) as this format prints them."""
        r = self.r
        name = printed if printed is not None else self.bank_name[bid]
        ref = " ".join(refs)
        if fmt == "chase":
            style = r.choice(("ach", "wire", "zelle", "plain"))
            if style == "ach":
                memo = (f"ORIG CO NAME:{name[:16]} ORIG ID:{r.randint(10**9, 10**10 - 1)} DESC DATE:260101 "
                        f"CO ENTRY DESCR:PAYMENT SEC:CCD TRACE#:{r.randint(10**14, 10**15 - 1)} EED:260101 "
                        f"IND ID:{ref or 'PAYMENT'} IND NAME:{name[:22]} TRN: {r.randint(10**9, 10**10 - 1)}TC")
            elif style == "wire":
                memo = f"WIRE FROM {name} {ref}".strip() + f" TRN {r.randint(10**8, 10**9 - 1)}"
            elif style == "zelle":
                memo = f"ZELLE FROM {name} ON 0{r.randint(1, 6)}/{r.randint(10, 28)} {ref}".strip()
            else:
                memo = f"ACH CREDIT FROM {name} {ref}".strip()
            return "", memo
        generic = r.choice(("PAYMENT", "THANK YOU", "PMT", "REMITTANCE", ""))
        memo = f"{ref} {generic}".strip() if ref else generic
        return (name[:32] if fmt == "ofx" else name), memo

    def add(self, case: str, when: date, amount: Decimal, bid: str | None, refs: list[str],
            answer: list[list[str]] | str | None, printed: str | None = None, code: str = "") -> None:
        fmt = self.r.choices(("chase", "camt", "ofx"), (50, 25, 25))[0]
        if bid is None and printed is None:
            payer, memo = "", " ".join(refs)
        else:
            payer, memo = self.memo_for(bid or "", refs, fmt, printed)
        self.txns.append(GenTxn(min(when, TODAY), amount, payer, memo, code, case, answer, fmt))

    def pay_date(self, o: _Open) -> date:
        return min(TODAY, o.when + timedelta(days=self.r.randint(1, 45)))

    def make_transactions(self) -> None:
        r = self.r
        o: _Open | None
        by_buyer: dict[str, list[_Open]] = {}
        for item in self.open:
            by_buyer.setdefault(item.buyer, []).append(item)
        used: set[str] = set()
        pools: dict[str, list[_Open]] = {}
        preds = {
            "any": lambda x: True,
            "fee": lambda x: x.balance > 300,
            "discount": lambda x: x.terms == "2/10 Net 30" and x.balance == x.total and x.kind == "final",
            "deposit": lambda x: x.kind == "deposit",
        }
        for key, pred in preds.items():
            pools[key] = [o for o in self.open if pred(o)]
            r.shuffle(pools[key])

        def take(key: str = "any") -> _Open | None:
            pool = pools[key]
            while pool:
                o = pool.pop()
                if o.number not in used:
                    used.add(o.number)
                    return o
            return None

        def inv_answer(o: _Open, amount: Decimal, kind: str = "invoice") -> list[str]:
            return [o.number, o.po, str(amount), kind]

        n = self.n_txns
        plan = [("noise", 0.12), ("ref_exact", 0.455), ("payer_exact", 0.14), ("multi", 0.07), ("partial", 0.04),
                ("fee", 0.04), ("discount", 0.03), ("over", 0.015), ("deposit", 0.04), ("unknown_payer", 0.015),
                ("typo", 0.015), ("conflict", 0.005), ("ambiguous", 0.005), ("no_answer", 0.01)]
        counts = {k: round(n * p) for k, p in plan}
        counts["ref_exact"] += n - sum(counts.values())
        # same-amount pairs for the ambiguous case
        by_amount: dict[Decimal, list[_Open]] = {}
        for o in self.open:
            if o.balance == o.total:
                by_amount.setdefault(o.balance, []).append(o)
        pairs = [v for v in by_amount.values() if len({o.buyer for o in v}) >= 2]
        r.shuffle(pairs)
        for _ in range(counts["ambiguous"]):
            if not pairs:
                counts["ref_exact"] += 1
                continue
            group = pairs.pop()
            if any(o.number in used for o in group):
                counts["ref_exact"] += 1
                continue
            first = group[0]
            used.update(x.number for x in group)
            self.add("ambiguous", self.pay_date(first), first.balance, None, [], [inv_answer(first, first.balance)],
                     printed=f"{r.choice(FIRST)} {r.choice(LAST)}")
        multi_buyers = sorted(b for b, lst in by_buyer.items() if len(lst) >= 3)
        r.shuffle(multi_buyers)
        for _ in range(counts["multi"]):
            bid = ""
            while multi_buyers and not bid:
                b = multi_buyers.pop()
                if sum(1 for o in by_buyer[b] if o.number not in used) >= 2:
                    bid = b
            if not bid:
                break
            mine = sorted((o for o in by_buyer[bid] if o.number not in used), key=lambda o: (o.when, o.number))
            chosen = mine[: r.randint(2, min(4, len(mine)))]
            used.update(o.number for o in chosen)
            when = min(TODAY, max(o.when for o in chosen) + timedelta(days=r.randint(1, 20)))
            amount = sum((o.balance for o in chosen), D("0.00"))
            refs = [self.ref_text(o.number) for o in chosen] if r.random() < 0.5 else []
            self.add("multi", when, amount, bid, refs, [inv_answer(o, o.balance) for o in chosen])
        for _ in range(counts["partial"]):
            o = take()
            if o is None:
                break
            amount = cents(o.balance * D(r.choice(("0.3", "0.5", "0.6", "0.75"))))
            self.add("partial", self.pay_date(o), amount, o.buyer, [self.ref_text(o.number)],
                     [inv_answer(o, amount)])
        for _ in range(counts["fee"]):
            o = take("fee")
            if o is None:
                break
            fee = D(r.choice(("10.00", "15.00", "20.00", "25.00", "30.00", "12.50")))
            self.add("fee", self.pay_date(o), o.balance - fee, o.buyer, [self.ref_text(o.number)],
                     [inv_answer(o, o.balance - fee), inv_answer(o, fee, "fee")])
        for _ in range(counts["discount"]):
            o = take("discount")
            if o is None:
                break
            t = parse_terms(o.terms)
            disc = discount_amount(o.total, t)
            last = discount_date(o.when, t) or o.when
            when = min(TODAY, o.when + timedelta(days=r.randint(1, (last - o.when).days)))
            self.add("discount", when, o.total - disc, o.buyer, [self.ref_text(o.number)],
                     [inv_answer(o, o.total - disc), inv_answer(o, disc, "discount")])
        for _ in range(counts["over"]):
            o = take()
            if o is None:
                break
            extra = D(r.randint(500, 20000)) / 100
            self.add("over", self.pay_date(o), o.balance + extra, o.buyer, [self.ref_text(o.number)],
                     [inv_answer(o, o.balance), ["", o.po, str(extra), "credit"]])
        dep_orders = list(self.deposit_orders)
        r.shuffle(dep_orders)
        for k in range(counts["deposit"]):
            if k % 2 == 0 and dep_orders:
                order, expected = dep_orders.pop()
                when = min(TODAY, (order.po_date or TODAY) + timedelta(days=r.randint(1, 10)))
                refs = [self.ref_text(order.po_number)] if r.random() < 0.7 else []
                self.add("deposit_po", when, expected, order.buyer_id, refs,
                         [["", order.po_number, str(expected), "deposit"]])
            else:
                o = take("deposit")
                if o is None:
                    continue
                ref = self.ref_text(o.po if r.random() < 0.6 else o.number)
                self.add("deposit_invoice", self.pay_date(o), o.balance, o.buyer, [ref], [inv_answer(o, o.balance)])
        for _ in range(counts["unknown_payer"]):
            o = take()
            if o is None:
                break
            self.add("unknown_payer", self.pay_date(o), o.balance, None, [], [inv_answer(o, o.balance)],
                     printed=f"{r.choice(FIRST)} {r.choice(LAST)} {r.choice(LAST)}")
        for _ in range(counts["typo"]):
            o = take()
            if o is None:
                break
            digits = o.number[4:]
            i = r.randrange(len(digits) - 1)
            typo = digits[:i] + digits[i + 1] + digits[i] + digits[i + 2:]
            if typo == digits:
                typo = digits[:-1] + str((int(digits[-1]) + 1) % 10)
            self.add("typo", self.pay_date(o), o.balance, o.buyer, [f"INV {typo}"], [inv_answer(o, o.balance)])
        for _ in range(counts["conflict"]):
            o = take()
            if o is None:
                break
            other = r.choice([b for b in self.buyers if b.buyer_id != o.buyer])
            self.add("conflict", self.pay_date(o), o.balance, other.buyer_id, [self.ref_text(o.number)],
                     [inv_answer(o, o.balance)])
        for _ in range(counts["payer_exact"]):
            o = take()
            if o is None:
                break
            self.add("payer_exact", self.pay_date(o), o.balance, o.buyer, [], [inv_answer(o, o.balance)])
        for _ in range(counts["ref_exact"]):
            o = take()
            if o is None:
                break
            self.add("ref_exact", self.pay_date(o), o.balance, o.buyer, [self.ref_text(o.number)],
                     [inv_answer(o, o.balance)])
        paid = [i for i in self.invoices if i.status == "paid"]
        buyer_of_po = {o.po_number: o.buyer_id for o in self.orders}
        for k in range(counts["no_answer"]):
            when = TODAY - timedelta(days=r.randint(1, 60))
            if k % 2 == 0 and paid:  # a duplicate payment of an invoice paid long ago
                inv = r.choice(paid)
                bid = buyer_of_po[inv.po_number]
                self.add("duplicate", when, inv.total, bid, [self.ref_text(inv.invoice_number)], None)
            else:
                amount = D(r.randint(1000, 500000)) / 100
                self.add("stranger", when, amount, None, [], None, printed=f"{r.choice(LAST)} CONSULTING")
        self.noise(counts["noise"])
        self.txns.sort(key=lambda t: (t.when, t.case))

    def noise(self, n: int) -> None:
        r = self.r
        for _ in range(n):
            when = TODAY - timedelta(days=r.randint(0, 120))
            kind = r.choices(("interest", "fee_refund", "transfer_in", "debit", "payout", "fee_debit"),
                             (10, 5, 10, 55, 12, 8))[0]
            if kind == "interest":
                self.add("interest", when, D(r.randint(1, 5000)) / 100, None, ["INTEREST PAYMENT"], "ignore",
                         code="INT")
            elif kind == "fee_refund":
                self.add("fee_refund", when, D(r.choice(("15.00", "25.00", "35.00"))), None,
                         ["SERVICE FEE REVERSAL"], "ignore", code="FEE")
            elif kind == "transfer_in":
                self.add("transfer_in", when, D(r.randint(100, 50000)), None,
                         [f"ONLINE TRANSFER FROM SAV ...{r.randint(1000, 9999)}"], "ignore", code="XFER")
            elif kind == "debit":
                self.add("debit", when, -D(r.randint(500, 900000)) / 100, None,
                         [r.choice(("PAYROLL GUSTO", "UPS BILLING", "CARDBOARD SUPPLY CO INV 4411",
                                    "RENT JUNE", "AMAZON WEB SERVICES", "CHECK 1042"))], "ignore", code="DEBIT")
            elif kind == "payout":
                self.add("payout", when, D(r.randint(5000, 900000)) / 100, None,
                         [f"{r.choice(('STRIPE', 'SHOPIFY', 'PAYPAL', 'SQUARE'))} TRANSFER PAYOUT "
                          f"ST-{r.randint(10**7, 10**8)}"], "ignore", code="CREDIT")
            else:
                self.add("fee_debit", when, -D(r.choice(("15.00", "25.00", "12.00"))), None,
                         ["MONTHLY SERVICE FEE"], "ignore", code="FEE")


def generate(n_invoices: int = 10_000, n_transactions: int = 10_000, seed: int = 11) -> Business:
    """The business: workbook rows per tab, settings, and bank transactions with truth."""
    g = _Gen(n_invoices, n_transactions, seed)
    g.make_buyers()
    g.make_ledger()
    g.make_transactions()
    rows: dict[str, list[object]] = {
        "Buyers": list(g.buyers), "Orders": list(g.orders), "Lines": list(g.lines), "Invoices": list(g.invoices),
        "Payments": list(g.payments), "Allocations": list(g.allocations),
    }
    settings: dict[str, object] = {
        "seller_name": "Sample Wholesale Co", "currency": "USD", "default_terms": "Net 30",
        "default_deposit_pct": "0%", "invoice_prefix": "INV-", "next_invoice_number": g.inv_seq + 1,
    }
    return Business(rows, settings, g.txns)


# -- writing ----------------------------------------------------------------------------------------


def _chase(txns: list[GenTxn], path: Path) -> None:
    lines = ["Details,Posting Date,Description,Amount,Type,Balance,Check or Slip #,"]
    balance = D("250000.00")
    for i, t in enumerate(txns):
        balance += t.amount
        code = t.code or ("ACH_CREDIT" if t.amount > 0 else "ACH_DEBIT")
        code = {"INT": "MISC_CREDIT", "FEE": "FEE_TRANSACTION", "XFER": "ACCT_XFER", "CREDIT": "MISC_CREDIT",
                "DEBIT": "ACH_DEBIT"}.get(code, code)
        desc = t.memo.replace('"', "'")
        lines.append(f'{"CREDIT" if t.amount > 0 else "DEBIT"},{t.when:%m/%d/%Y},"{desc}",{t.amount},{code},'
                     f'{balance},,')
        t.source = f"{path.name}:{i + 2}"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _camt(txns: list[GenTxn], path: Path, month: str) -> None:
    out = ['<?xml version="1.0" encoding="UTF-8"?>',
           '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>',
           "<GrpHdr><MsgId>GEN-1</MsgId><CreDtTm>2026-06-30T18:00:00</CreDtTm></GrpHdr>",
           f"<Stmt><Id>GEN-STMT-{month}</Id><CreDtTm>2026-06-30T18:00:00</CreDtTm>",
           "<Acct><Id><IBAN>US00GEN0000000000001</IBAN></Id><Ccy>USD</Ccy></Acct>"]
    for i, t in enumerate(txns):
        ref = f"CAMT{month.replace('-', '')}{i + 1:07d}"
        t.source = f"{path.name}:{ref}"
        credit = t.amount > 0
        dom, fam, sub = ("PMNT", "RCDT", "ESCT") if credit else ("PMNT", "ICDT", "ESCT")
        if t.code == "INT":
            dom, fam, sub = "ACMT", "MDOP", "INTR"
        elif t.code == "FEE":
            dom, fam, sub = "ACMT", "MDOP", "CHRG"
        party = "Dbtr" if credit else "Cdtr"
        name = f"<RltdPties><{party}><Nm>{escape(t.payer)}</Nm></{party}></RltdPties>" if t.payer else ""
        memo = f"<RmtInf><Ustrd>{escape(t.memo)}</Ustrd></RmtInf>" if t.memo else ""
        out.append(
            f'<Ntry><Amt Ccy="USD">{abs(t.amount)}</Amt><CdtDbtInd>{"CRDT" if credit else "DBIT"}</CdtDbtInd>'
            f"<Sts>BOOK</Sts><BookgDt><Dt>{t.when.isoformat()}</Dt></BookgDt><ValDt><Dt>{t.when.isoformat()}</Dt>"
            f"</ValDt><AcctSvcrRef>{ref}</AcctSvcrRef><BkTxCd><Domn><Cd>{dom}</Cd><Fmly><Cd>{fam}</Cd>"
            f"<SubFmlyCd>{sub}</SubFmlyCd></Fmly></Domn></BkTxCd><NtryDtls><TxDtls><Refs><EndToEndId>NOTPROVIDED"
            f"</EndToEndId></Refs>{name}{memo}</TxDtls></NtryDtls></Ntry>")
    out.append("</Stmt></BkToCstmrStmt></Document>")
    path.write_text("\n".join(out) + "\n", encoding="utf-8")


def _ofx(txns: list[GenTxn], path: Path) -> None:
    out = ["OFXHEADER:100", "DATA:OFXSGML", "VERSION:102", "SECURITY:NONE", "ENCODING:USASCII", "CHARSET:1252",
           "COMPRESSION:NONE", "OLDFILEUID:NONE", "NEWFILEUID:NONE", "",
           "<OFX><SIGNONMSGSRSV1><SONRS><STATUS><CODE>0<SEVERITY>INFO</STATUS><DTSERVER>20260630120000"
           "<LANGUAGE>ENG</SONRS></SIGNONMSGSRSV1><BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STATUS><CODE>0"
           "<SEVERITY>INFO</STATUS><STMTRS><CURDEF>USD<BANKACCTFROM><BANKID>021000021<ACCTID>000123456789"
           "<ACCTTYPE>CHECKING</BANKACCTFROM><BANKTRANLIST><DTSTART>20260101<DTEND>20260630"]
    for i, t in enumerate(txns):
        fitid = f"OFX{i + 1:09d}"
        t.source = f"{path.name}:{fitid}"
        code = t.code or ("CREDIT" if t.amount > 0 else "DEBIT")
        name = f"<NAME>{escape(t.payer[:32])}" if t.payer else ""
        memo = f"<MEMO>{escape(t.memo)}" if t.memo else ""
        out.append(f"<STMTTRN><TRNTYPE>{code}<DTPOSTED>{t.when:%Y%m%d}120000<TRNAMT>{t.amount}<FITID>{fitid}"
                   f"{name}{memo}</STMTTRN>")
    out.append("</BANKTRANLIST><LEDGERBAL><BALAMT>0.00<DTASOF>20260630</LEDGERBAL></STMTRS></STMTTRNRS>"
               "</BANKMSGSRSV1></OFX>")
    path.write_text("\n".join(out) + "\n", encoding="cp1252", errors="replace")


def write_business(out: Path, n_invoices: int = 10_000, n_transactions: int = 10_000, seed: int = 11) -> dict[str, Path]:
    """Generate and write workbook.xlsx, the three bank files and truth.json under `out`; returns their paths."""
    biz = generate(n_invoices, n_transactions, seed)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"workbook": out / "workbook.xlsx", "truth": out / "truth.json", "chase": out / "bank_chase.csv",
             "ofx": out / "bank.ofx"}
    write_new_workbook(paths["workbook"], {tab: record_rows(tab, recs) for tab, recs in biz.rows.items()},
                       settings=biz.settings)
    _chase([t for t in biz.txns if t.fmt == "chase"], paths["chase"])
    _ofx([t for t in biz.txns if t.fmt == "ofx"], paths["ofx"])
    months: dict[str, list[GenTxn]] = {}
    for t in biz.txns:  # camt.053 statements come one per period: here one per month
        if t.fmt == "camt":
            months.setdefault(f"{t.when:%Y-%m}", []).append(t)
    for month, txns in sorted(months.items()):
        paths[f"camt-{month}"] = out / f"bank_camt053_{month}.xml"
        _camt(txns, paths[f"camt-{month}"], month)
    (out / "files.json").write_text(json.dumps({k: v.name for k, v in paths.items()}))
    truth = {t.source: {"case": t.case, "answer": t.answer, "date": t.when.isoformat(), "amount": str(t.amount)}
             for t in biz.txns}
    paths["truth"].write_text(json.dumps({"today": TODAY.isoformat(), "transactions": truth}, indent=0))
    return paths


def main() -> None:
    """Command line."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--invoices", type=int, default=10_000)
    ap.add_argument("--transactions", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=11)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    out = args.out or OUT / f"business-{args.invoices}"
    for name, path in write_business(out, args.invoices, args.transactions, args.seed).items():
        print(f"{name}: {path}")


if __name__ == "__main__":
    main()
