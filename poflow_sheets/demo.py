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
    Buyer(
        buyer_id="CORNER", name="Corner Shop LLC", email="buying@cornershop.example",
        bill_to="12 Elm St, Raleigh, NC 27601", ship_to="12 Elm St, Raleigh, NC 27601", terms="Net 30",
        deposit_pct=D(0), aliases=("CORNER SHOP LL", "CORNERSHOP"), tax_exempt=True,
        resale_certificate="NC-RS-55821"),
    Buyer(
        buyer_id="MAPLE", name="Maple & Main Goods Inc.", email="ap@maplemain.example",
        bill_to="200 Main St, Greenville, SC 29601", ship_to="Store 14, 200 Main St, Greenville, SC 29601",
        terms="2/10 Net 30", deposit_pct=D(0), aliases=("MAPLE AND MAIN GOODS",), tax_exempt=True,
        resale_certificate="SC-ST8-10442"),
    Buyer(
        buyer_id="FERN", name="Little Fern Boutique", email="hello@littlefern.example",
        bill_to="7 Fern Ave, Boone, NC 28607", ship_to="7 Fern Ave, Boone, NC 28607", terms="Net 15",
        deposit_pct=D(0), aliases=("LITTLE FERN",), tax_exempt=False, resale_certificate=""),
    Buyer(
        buyer_id="HARBOR", name="Harbor Home Co.", email="orders@harborhome.example",
        bill_to="3 Dock Rd, Charleston, SC 29401", ship_to="3 Dock Rd, Charleston, SC 29401", terms="Net 30 EOM",
        deposit_pct=D(0), aliases=("HARBOR HOME CO",), tax_exempt=True, resale_certificate="SC-ST8-20931"),
    Buyer(
        buyer_id="WILLOW", name="Willow & Wick Mercantile LLC", email="shop@willowwick.example",
        bill_to="5 Willow Ln, Hendersonville, NC 28739", ship_to="5 Willow Ln, Hendersonville, NC 28739",
        terms="Net 30", deposit_pct=None, aliases=(), tax_exempt=False, resale_certificate=""),
    Buyer(
        buyer_id="JUNIPER", name="Juniper General Store", email="owner@junipergeneral.example",
        bill_to="88 Pine Rd, Floyd, VA 24091", ship_to="88 Pine Rd, Floyd, VA 24091", terms="", deposit_pct=None,
        aliases=(), tax_exempt=False, resale_certificate=""),
)

PRODUCTS = (
    Product(
        sku="CDL-OAK-8", description="Oak & Amber soy candle, 8 oz tin", unit_price=D("9.00"), unit="each", moq=12,
        case_pack=6, stock=480, lead_time_days=14),
    Product(
        sku="CDL-FIR-8", description="Balsam Fir soy candle, 8 oz tin", unit_price=D("9.00"), unit="each", moq=12,
        case_pack=6, stock=36, lead_time_days=21),
    Product(
        sku="CDL-LAV-12", description="Lavender Fields candle, 12 oz jar", unit_price=D("14.50"), unit="each", moq=6,
        case_pack=6, stock=200, lead_time_days=14),
    Product(
        sku="MATCH-BOX", description="Long safety matches, gift box", unit_price=D("3.25"), unit="each", moq=24,
        case_pack=12, stock=1000, lead_time_days=10),
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
    return Line(
        po_number=po, line_no=no, sku=sku, qty=qty, unit_price=price, description=PRICE[sku].description, **kw)  # type: ignore[arg-type]


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
        Order(
            po_number="OC-0001", buyer_id="JUNIPER", po_date=d(2026, 11, 10), status="acknowledged",
            our_ref="OC-0001", ship_date=d(2026, 12, 1), confirmation_sent_on=d(2026, 11, 10),
            approved_on=d(2026, 11, 12), acknowledged_on=d(2026, 11, 13),
            notes="First order: 50% deposit before shipping."),
        Order("PO-1007", "CORNER", d(2026, 11, 20), "approved", ship_date=d(2026, 12, 4), approved_on=d(2026, 11, 21)),
        Order(
            po_number="OC-0002", buyer_id="FERN", po_date=d(2026, 11, 24), status="confirmation sent",
            our_ref="OC-0002", ship_date=d(2026, 12, 8), confirmation_sent_on=d(2026, 11, 24)),
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
                                                     ack_qty=48, promised_date=d(2026, 12, 9),
                                                     note="36 now, 12 backordered to 9 Dec"),
        _line("OC-0001", 1, "CDL-OAK-8", 48), _line("OC-0001", 2, "CDL-LAV-12", 12),
        _line("PO-1007", 1, "CDL-LAV-12", 36), _line("PO-1007", 2, "MATCH-BOX", 120),
        _line("OC-0002", 1, "CDL-OAK-8", 24),
        _line("PO-1009", 1, "CDL-FIR-8", 24),
        _line("WW-1126", 1, "CDL-OAK-8", 48), _line("WW-1126", 2, "CDL-LAV-12", 36),
        _line("WW-1126", 3, "MATCH-BOX", 24),
    ]
    shipments = [
        Shipment(
            shipment_id="SH-0001", po_number="PO-1001", line_no=1, qty_shipped=48, ship_date=d(2026, 8, 17),
            carrier="UPS", tracking="1Z999AA10123456784", invoice_number="INV-1001"),
        Shipment(
            shipment_id="SH-0001", po_number="PO-1001", line_no=2, qty_shipped=24, ship_date=d(2026, 8, 17),
            carrier="UPS", tracking="1Z999AA10123456784", invoice_number="INV-1001"),
        Shipment(
            shipment_id="SH-0002", po_number="PO-0998", line_no=1, qty_shipped=36, ship_date=d(2026, 9, 1),
            carrier="FedEx", tracking="771234567890", invoice_number="INV-1002"),
        Shipment(
            shipment_id="SH-0002", po_number="PO-0998", line_no=2, qty_shipped=24, ship_date=d(2026, 9, 1),
            carrier="FedEx", tracking="771234567890", invoice_number="INV-1002"),
        Shipment(
            shipment_id="SH-0003", po_number="4500012345", line_no=1, qty_shipped=144, ship_date=d(2026, 11, 2),
            carrier="UPS", tracking="1Z999AA10123456785", invoice_number="INV-1003"),
        Shipment(
            shipment_id="SH-0003", po_number="4500012345", line_no=2, qty_shipped=48, ship_date=d(2026, 11, 2),
            carrier="UPS", tracking="1Z999AA10123456785", invoice_number="INV-1003"),
        Shipment(
            shipment_id="SH-0003", po_number="4500012345", line_no=3, qty_shipped=120, ship_date=d(2026, 11, 2),
            carrier="UPS", tracking="1Z999AA10123456785", invoice_number="INV-1003"),
        Shipment(
            shipment_id="SH-0004", po_number="CS-2291", line_no=1, qty_shipped=12, ship_date=d(2026, 11, 16),
            carrier="USPS", tracking="9400111899223344556677"),
        Shipment(
            shipment_id="SH-0004", po_number="CS-2291", line_no=2, qty_shipped=12, ship_date=d(2026, 11, 16),
            carrier="USPS", tracking="9400111899223344556677"),
        Shipment(
            shipment_id="SH-0005", po_number="PO-1004", line_no=1, qty_shipped=96, ship_date=d(2026, 11, 18),
            carrier="UPS", tracking="1Z999AA10123456786"),
        Shipment(
            shipment_id="SH-0005", po_number="PO-1004", line_no=2, qty_shipped=36, ship_date=d(2026, 11, 18),
            carrier="UPS", tracking="1Z999AA10123456786"),
    ]
    settings = Settings(default_terms="Net 30", first_order_deposit_pct=D("0.5"))
    buyers = list(BUYERS)
    facts = Facts(settings, tuple(buyers), tuple(orders), tuple(lines), tuple(shipments), (), ())

    def final(number: str, po: str, when: date) -> Invoice:
        order = facts.order[po]
        text = facts.terms_text(order)
        return Invoice(
            invoice_number=number, kind="final", po_number=po, invoice_date=when,
            due_date=due_date(when, parse_terms(text)), total=facts.shipped_value(po), status="open", terms=text,
            tax=ZERO, deposit_deducted=ZERO)

    deposit_total = cents(facts.order_total("OC-0001") * D("0.5"))
    invoices = [
        final("INV-1001", "PO-1001", d(2026, 8, 17)),
        final("INV-1002", "PO-0998", d(2026, 9, 1)),
        final("INV-1003", "4500012345", d(2026, 11, 2)),
        Invoice(
            invoice_number="INV-1005", kind="deposit", po_number="OC-0001", invoice_date=d(2026, 11, 13),
            due_date=d(2026, 11, 13), total=deposit_total, status="open", terms="Due on receipt"),
    ]
    pay1 = invoices[0].total
    payments = [
        Payment(
            transaction_id="demo:0001", date=d(2026, 9, 14), amount=pay1, currency="USD", payer="CORNER SHOP LL",
            memo="ACH CREDIT INV-1001 PO-1001", source="demo", status="applied"),
        Payment(
            transaction_id="demo:0002", date=d(2026, 10, 20), amount=D("300.00"), currency="USD",
            payer="HARBOR HOME CO", memo="PO-0998 part payment", source="demo", status="partial"),
    ]
    allocations = [
        Allocation(
            transaction_id="demo:0001", amount=pay1, kind="invoice", invoice_number="INV-1001", po_number="PO-1001",
            method="auto", confidence=D("0.99"), rule="reference+amount", applied_on=d(2026, 9, 14)),
        Allocation(
            transaction_id="demo:0002", amount=D("300.00"), kind="invoice", invoice_number="INV-1002",
            po_number="PO-0998", method="auto", confidence=D("0.95"), rule="reference+partial",
            applied_on=d(2026, 10, 20)),
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
