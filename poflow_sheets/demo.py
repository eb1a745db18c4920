"""A small, realistic sample business: Hollow Oak Candle Co. sells to five shops.

Orders stand at every step of the flow (awaiting approval, approved, acknowledged awaiting a
deposit, partially shipped, shipped not invoiced, invoiced, overdue and partly paid, paid).
Totals, due dates and statuses are computed by the same code poflow uses, so the demo validates clean.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal as D
from pathlib import Path
from typing import Any

from .ledger import Facts
from .money import ZERO, cents
from .records import Allocation, Buyer, Invoice, Line, Order, Payment, PriceTier, Product, Settings, Shipment
from .rows import record_rows
from .terms import due_date, parse_terms

SETTINGS = {
    "seller_name": "Hollow Oak Candle Co.",
    "seller_address": "418 Mill Street, Asheville, NC 28801, USA",
    "seller_email": "orders@hollowoak.example",
    "currency": "USD",
    "default_terms": "Net 30",
    "default_deposit_pct": "0%",
    "first_order_deposit_pct": "50%",
    "invoice_prefix": "INV-",
    "next_invoice_number": 1006,
    "confirmation_prefix": "OC-",
    "next_confirmation_number": 3,
    "credit_prefix": "CN-",
    "next_credit_number": 1,
    "tax_rate": "0%",
    "remit_to": "First Mountain Bank, ACH routing 053000196, account 4410 2287 19, Hollow Oak Candle Co.",
    "lead_time_days": 7,
}

BUYERS = (
    Buyer("CORNER", "Corner Shop LLC", "buying@cornershop.example", "12 Elm St, Raleigh, NC 27601",
          "12 Elm St, Raleigh, NC 27601", "Net 30", D(0), ("CORNER SHOP LL", "CORNERSHOP"), True, "NC-RS-55821"),
    Buyer("MAPLE", "Maple & Main Goods Inc.", "ap@maplemain.example", "200 Main St, Greenville, SC 29601",
          "Store 14, 200 Main St, Greenville, SC 29601", "2/10 Net 30", D(0), ("MAPLE AND MAIN GOODS",), True,
          "SC-ST8-10442"),
    Buyer("FERN", "Little Fern Boutique", "hello@littlefern.example", "7 Fern Ave, Boone, NC 28607",
          "7 Fern Ave, Boone, NC 28607", "Net 15", D(0), ("LITTLE FERN",), False, ""),
    Buyer("HARBOR", "Harbor Home Co.", "orders@harborhome.example", "3 Dock Rd, Charleston, SC 29401",
          "3 Dock Rd, Charleston, SC 29401", "Net 30 EOM", D(0), ("HARBOR HOME CO",), True, "SC-ST8-20931"),
    Buyer("WILLOW", "Willow & Wick Mercantile LLC", "shop@willowwick.example", "5 Willow Ln, Hendersonville, NC 28739",
          "5 Willow Ln, Hendersonville, NC 28739", "Net 30", None, (), False, ""),
    Buyer("JUNIPER", "Juniper General Store", "owner@junipergeneral.example", "88 Pine Rd, Floyd, VA 24091",
          "88 Pine Rd, Floyd, VA 24091", "", None, (), False, ""),
)

PRODUCTS = (
    Product("CDL-OAK-8", "Oak & Amber soy candle, 8 oz tin", D("9.00"), "each", 12, 6, 480, 14),
    Product("CDL-FIR-8", "Balsam Fir soy candle, 8 oz tin", D("9.00"), "each", 12, 6, 36, 21),
    Product("CDL-LAV-12", "Lavender Fields candle, 12 oz jar", D("14.50"), "each", 6, 6, 200, 14),
    Product("MATCH-BOX", "Long safety matches, gift box", D("3.25"), "each", 24, 12, 1000, 10),
)

TIERS = (
    PriceTier("CDL-OAK-8", 12, D("9.00")), PriceTier("CDL-OAK-8", 48, D("8.25")),
    PriceTier("CDL-OAK-8", 144, D("7.50")),
    PriceTier("CDL-FIR-8", 12, D("9.00")), PriceTier("CDL-FIR-8", 48, D("8.25")),
    PriceTier("CDL-LAV-12", 6, D("14.50")), PriceTier("CDL-LAV-12", 36, D("13.25")),
    PriceTier("MATCH-BOX", 24, D("3.25")), PriceTier("MATCH-BOX", 120, D("2.90")),
)

PRICE = {p.sku: p for p in PRODUCTS}


def _line(po: str, no: int, sku: str, qty: int, **kw: object) -> Line:
    price = max((t for t in TIERS if t.sku == sku and qty >= t.min_qty), key=lambda t: t.min_qty).unit_price
    return Line(po, no, sku, qty, price, PRICE[sku].description, **kw)  # type: ignore[arg-type]


def demo_book() -> dict[str, list[Any]]:
    """Every demo record by tab name (Settings excluded)."""
    d = date
    orders = [
        Order("PO-1001", "CORNER", d(2026, 8, 3), "paid", ship_date=d(2026, 8, 17), acknowledged_on=d(2026, 8, 4)),
        Order("PO-0998", "HARBOR", d(2026, 8, 20), "invoiced", ship_date=d(2026, 9, 1), acknowledged_on=d(2026, 8, 21)),
        Order("4500012345", "MAPLE", d(2026, 10, 20), "invoiced", ship_date=d(2026, 11, 2),
              acknowledged_on=d(2026, 10, 21), notes="Ship complete; no backorders."),
        Order("CS-2291", "FERN", d(2026, 11, 3), "shipped", ship_date=d(2026, 11, 16), acknowledged_on=d(2026, 11, 4)),
        Order("PO-1004", "HARBOR", d(2026, 11, 5), "partially shipped", ship_date=d(2026, 11, 18),
              acknowledged_on=d(2026, 11, 6)),
        Order("OC-0001", "JUNIPER", d(2026, 11, 10), "acknowledged", "OC-0001", d(2026, 12, 1),
              confirmation_sent_on=d(2026, 11, 10), approved_on=d(2026, 11, 12), acknowledged_on=d(2026, 11, 13),
              notes="First order: 50% deposit before shipping."),
        Order("PO-1007", "CORNER", d(2026, 11, 20), "approved", ship_date=d(2026, 12, 4), approved_on=d(2026, 11, 21)),
        Order("OC-0002", "FERN", d(2026, 11, 24), "confirmation sent", "OC-0002", d(2026, 12, 8),
              confirmation_sent_on=d(2026, 11, 24)),
        Order("PO-1009", "MAPLE", d(2026, 11, 25), "draft", ship_date=d(2026, 12, 15)),
        Order("WW-1126", "WILLOW", d(2026, 11, 26), "draft", ship_date=d(2026, 12, 14),
              notes="New shop, no PO system: send our order confirmation."),
    ]
    lines = [
        _line("PO-1001", 1, "CDL-OAK-8", 48), _line("PO-1001", 2, "MATCH-BOX", 24),
        _line("PO-0998", 1, "CDL-LAV-12", 36), _line("PO-0998", 2, "CDL-OAK-8", 24),
        _line("4500012345", 1, "CDL-OAK-8", 144), _line("4500012345", 2, "CDL-FIR-8", 48),
        _line("4500012345", 3, "MATCH-BOX", 120),
        _line("CS-2291", 1, "CDL-LAV-12", 12), _line("CS-2291", 2, "CDL-FIR-8", 12),
        _line("PO-1004", 1, "CDL-OAK-8", 96), _line("PO-1004", 2, "CDL-FIR-8", 48, ack_status="backordered",
                                                     ack_qty=36, promised_date=d(2026, 12, 9),
                                                     note="36 now, 12 backordered to 9 Dec"),
        _line("OC-0001", 1, "CDL-OAK-8", 48), _line("OC-0001", 2, "CDL-LAV-12", 12),
        _line("PO-1007", 1, "CDL-LAV-12", 36), _line("PO-1007", 2, "MATCH-BOX", 120),
        _line("OC-0002", 1, "CDL-OAK-8", 24),
        _line("PO-1009", 1, "CDL-FIR-8", 24),
        _line("WW-1126", 1, "CDL-OAK-8", 48), _line("WW-1126", 2, "CDL-LAV-12", 36),
        _line("WW-1126", 3, "MATCH-BOX", 24),
    ]
    shipments = [
        Shipment("SH-0001", "PO-1001", 1, 48, d(2026, 8, 17), "UPS", "1Z999AA10123456784", invoice_number="INV-1001"),
        Shipment("SH-0001", "PO-1001", 2, 24, d(2026, 8, 17), "UPS", "1Z999AA10123456784", invoice_number="INV-1001"),
        Shipment("SH-0002", "PO-0998", 1, 36, d(2026, 9, 1), "FedEx", "771234567890", invoice_number="INV-1002"),
        Shipment("SH-0002", "PO-0998", 2, 24, d(2026, 9, 1), "FedEx", "771234567890", invoice_number="INV-1002"),
        Shipment("SH-0003", "4500012345", 1, 144, d(2026, 11, 2), "UPS", "1Z999AA10123456785", invoice_number="INV-1003"),
        Shipment("SH-0003", "4500012345", 2, 48, d(2026, 11, 2), "UPS", "1Z999AA10123456785", invoice_number="INV-1003"),
        Shipment("SH-0003", "4500012345", 3, 120, d(2026, 11, 2), "UPS", "1Z999AA10123456785", invoice_number="INV-1003"),
        Shipment("SH-0004", "CS-2291", 1, 12, d(2026, 11, 16), "USPS", "9400111899223344556677"),
        Shipment("SH-0004", "CS-2291", 2, 12, d(2026, 11, 16), "USPS", "9400111899223344556677"),
        Shipment("SH-0005", "PO-1004", 1, 96, d(2026, 11, 18), "UPS", "1Z999AA10123456786"),
        Shipment("SH-0005", "PO-1004", 2, 36, d(2026, 11, 18), "UPS", "1Z999AA10123456786"),
    ]
    settings = Settings(default_terms="Net 30", first_order_deposit_pct=D("0.5"))
    buyers = list(BUYERS)
    facts = Facts(settings, tuple(buyers), tuple(orders), tuple(lines), tuple(shipments), (), ())

    def final(number: str, po: str, when: date) -> Invoice:
        order = facts.order[po]
        text = facts.terms_text(order)
        return Invoice(number, "final", po, when, due_date(when, parse_terms(text)), facts.shipped_value(po),
                       "open", text, tax=ZERO, deposit_deducted=ZERO)

    deposit_total = cents(facts.order_total("OC-0001") * D("0.5"))
    invoices = [
        final("INV-1001", "PO-1001", d(2026, 8, 17)),
        final("INV-1002", "PO-0998", d(2026, 9, 1)),
        final("INV-1003", "4500012345", d(2026, 11, 2)),
        Invoice("INV-1005", "deposit", "OC-0001", d(2026, 11, 13), d(2026, 11, 13), deposit_total, "open",
                "Due on receipt"),
    ]
    pay1 = invoices[0].total
    payments = [
        Payment("demo:0001", d(2026, 9, 14), pay1, "USD", "CORNER SHOP LL", "ACH CREDIT INV-1001 PO-1001",
                "demo", "applied"),
        Payment("demo:0002", d(2026, 10, 20), D("300.00"), "USD", "HARBOR HOME CO", "PO-0998 part payment",
                "demo", "partial"),
    ]
    allocations = [
        Allocation("demo:0001", pay1, "invoice", "INV-1001", "PO-1001", "auto", D("0.99"), "reference+amount",
                   d(2026, 9, 14)),
        Allocation("demo:0002", D("300.00"), "invoice", "INV-1002", "PO-0998", "auto", D("0.95"),
                   "reference+partial", d(2026, 10, 20)),
    ]
    paid = {"INV-1001": pay1, "INV-1002": D("300.00")}
    invoices = [
        replace(i, amount_paid=paid.get(i.invoice_number, ZERO), balance=i.total - paid.get(i.invoice_number, ZERO),
                status="paid" if paid.get(i.invoice_number) == i.total else
                ("partial" if paid.get(i.invoice_number) else "open"))
        for i in invoices
    ]
    # Skip INV-1004 would be a gap: number the deposit invoice right after the finals instead.
    invoices[3] = replace(invoices[3], invoice_number="INV-1004")
    return {
        "Buyers": buyers, "Products": list(PRODUCTS), "PriceTiers": list(TIERS), "Orders": orders, "Lines": lines,
        "Shipments": shipments, "Invoices": invoices, "Payments": payments, "Allocations": allocations,
    }


def demo_rows() -> tuple[dict[str, list[tuple[object, ...]]], dict[str, Any]]:
    """The demo business as rows per tab (schema column order) and Settings values."""
    settings: dict[str, Any] = dict(SETTINGS)
    settings["next_invoice_number"] = 1005
    return {tab: record_rows(tab, recs) for tab, recs in demo_book().items()}, settings


def write_demo(path: Path) -> None:
    """Write the demo workbook at `path`."""
    from .template import write_new_workbook

    rows, settings = demo_rows()
    write_new_workbook(path, rows, settings=settings)
