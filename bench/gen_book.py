"""Generate a large, valid order book: 10,000 orders and 100,000 lines (seeded, deterministic).

8,000 orders are invoiced (half of those paid), 1,000 shipped and not yet invoiced, 1,000 approved.
Usage: python bench/gen_book.py [OUT.xlsx] [--orders N]
"""

from __future__ import annotations

import argparse
import random
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from poflow_sheets.demo import PRODUCTS, SETTINGS, TIERS
from poflow_sheets.ledger import Facts
from poflow_sheets.money import ZERO
from poflow_sheets.records import Allocation, Buyer, Invoice, Line, Order, Payment, Settings, Shipment
from poflow_sheets.rows import record_rows
from poflow_sheets.schema import OrderStatus
from poflow_sheets.template import write_new_workbook
from poflow_sheets.terms import due_date, parse_terms

OUT = Path(__file__).resolve().parent / "out"
LEGAL = ("LLC", "Inc.", "Co.", "Ltd.", "Goods LLC", "Mercantile Inc.")
WORDS = ("Corner", "Maple", "Harbor", "Juniper", "Fern", "Oak", "River", "Summit", "Birch", "Cedar", "Willow",
         "Meadow", "Copper", "Lantern", "Prairie", "Granite", "Hollow", "Orchard", "Thistle", "Bramble")


def price_for(sku: str, qty: int) -> Decimal:
    """The tier price for a quantity."""
    return max((t for t in TIERS if t.sku == sku and qty >= t.min_qty), key=lambda t: t.min_qty).unit_price


def generate(n_orders: int = 10_000, lines_per_order: int = 10, seed: int = 7,
             shipped_uninvoiced: int | None = None) -> dict[str, list[Any]]:
    """Records per tab for a business of `n_orders` orders."""
    rnd = random.Random(seed)
    buyers = [Buyer(f"B{i:04d}", f"{rnd.choice(WORDS)} {rnd.choice(WORDS)} {rnd.choice(LEGAL)}",
                    f"ap{i}@shop.example", terms=rnd.choice(("Net 30", "Net 15", "2/10 Net 30", "Net 30 EOM")),
                    deposit_pct=Decimal(0)) for i in range(1, 201)]
    skus = [p.sku for p in PRODUCTS]
    moq = {p.sku: (p.moq or 1, p.case_pack or 1) for p in PRODUCTS}
    orders, lines, shipments, invoices, payments, allocations = [], [], [], [], [], []
    n_ready = n_orders // 10 if shipped_uninvoiced is None else shipped_uninvoiced
    n_approved = n_orders // 10
    n_invoiced = n_orders - n_ready - n_approved
    start = date(2025, 1, 1)
    for i in range(n_orders):
        po = f"PO-{100000 + i}"
        buyer = buyers[i % len(buyers)]
        po_date = start + timedelta(days=i * 600 // n_orders)
        state: OrderStatus = "invoiced" if i < n_invoiced else ("shipped" if i < n_invoiced + n_ready else "approved")
        for no in range(1, lines_per_order + 1):
            sku = skus[(i + no) % len(skus)]
            m, pack = moq[sku]
            qty = max(m, pack * rnd.randint(1, 30))
            qty -= qty % pack
            lines.append(Line(
                po_number=po, line_no=no, sku=sku, qty=qty, unit_price=price_for(sku, qty), description=sku.lower()))
        orders.append(Order(po, buyer.buyer_id, po_date, state, ship_date=po_date + timedelta(days=10),
                            approved_on=po_date if state == "approved" else None))
    settings = Settings(default_terms="Net 30")
    if True:
        facts = Facts(settings, tuple(buyers), tuple(orders), tuple(lines), (), (), ())
    by_po = facts.lines_of
    inv_no = 1
    for i, o in enumerate(orders):
        if o.status == "approved":
            continue
        ship: date = (o.po_date or start) + timedelta(days=10)
        billed = f"INV-{inv_no:06d}" if o.status == "invoiced" else ""
        for ln in by_po[o.po_number]:
            shipments.append(Shipment(
                shipment_id=f"SH-{i:06d}", po_number=o.po_number, line_no=ln.line_no, qty_shipped=ln.qty,
                ship_date=ship, carrier="UPS", invoice_number=billed))
        if o.status != "invoiced":
            continue
        total = sum(((ln.unit_price or ZERO) * ln.qty for ln in by_po[o.po_number]), ZERO)
        text = facts.terms_text(o)
        number = f"INV-{inv_no:06d}"
        inv_no += 1
        paid = total if i % 2 == 0 else ZERO
        invoices.append(Invoice(
            invoice_number=number, kind="final", po_number=o.po_number, invoice_date=ship,
            due_date=due_date(ship, parse_terms(text)), total=total, status="paid" if paid else "open", terms=text,
            amount_paid=paid, balance=total - paid, tax=ZERO, deposit_deducted=ZERO))
        if paid:
            orders[i] = replace(o, status="closed")  # shipped, invoiced and paid in full: the order is done
            txn = f"gen:{i:06d}"
            payments.append(Payment(
                transaction_id=txn, date=ship + timedelta(days=20), amount=paid, currency="USD",
                payer=facts.buyer[o.buyer_id].name.upper(), memo=f"{number} {o.po_number}", source="generated",
                status="applied"))
            allocations.append(Allocation(
                transaction_id=txn, amount=paid, kind="invoice", invoice_number=number, po_number=o.po_number,
                method="auto", confidence=Decimal("0.99"), rule="reference+amount",
                applied_on=ship + timedelta(days=20)))
    return {"Buyers": buyers, "Products": list(PRODUCTS), "PriceTiers": list(TIERS), "Orders": orders,
            "Lines": lines, "Shipments": shipments, "Invoices": invoices, "Payments": payments,
            "Allocations": allocations, "_next": [inv_no]}


def write_book(path: Path, n_orders: int = 10_000, shipped_uninvoiced: int | None = None) -> Path:
    """Generate and write the workbook; returns its path."""
    data = generate(n_orders, shipped_uninvoiced=shipped_uninvoiced)
    next_no = data.pop("_next")[0]
    settings = dict(SETTINGS)
    settings["invoice_prefix"] = "INV-"
    settings["next_invoice_number"] = next_no
    path.parent.mkdir(parents=True, exist_ok=True)
    write_new_workbook(path, {tab: record_rows(tab, recs) for tab, recs in data.items()}, settings=settings)
    return path


def main() -> None:
    """Command line."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out", nargs="?", type=Path, default=OUT / "book-10k.xlsx")
    ap.add_argument("--orders", type=int, default=10_000)
    args = ap.parse_args()
    print(write_book(args.out, args.orders))


if __name__ == "__main__":
    main()
