"""The demo book after two years of use: 200,000 Log rows, 1,000 document tabs, 50,000 closed orders.

Everything after the demo is appended by poflow's own patcher (inline strings), as years of commands leave it.

The closed orders (2023-2024, each with 2 lines, a shipment, a paid invoice, its payment and allocation) use
buyers of the demo; the Log rows and document tabs are what poflow's own writes would have left.
Usage: python bench/gen_aged.py OUT_DIR [--log N] [--tabs N] [--closed N]
"""

from __future__ import annotations

import argparse
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from poflow_sheets.demo import BUYERS, demo_rows
from poflow_sheets.money import ZERO
from poflow_sheets.records import Allocation, Invoice, Line, Order, Payment, Shipment
from poflow_sheets.rows import record_rows
from poflow_sheets.store.edits import AnyValue
from poflow_sheets.template import write_new_workbook


def closed_history(n: int, start: date = date(2023, 1, 2)) -> dict[str, list[Any]]:
    """`n` closed, paid orders spread over two years before `start` + 600 days."""
    out: dict[str, list[Any]] = {k: [] for k in ("Orders", "Lines", "Shipments", "Invoices", "Payments",
                                                 "Allocations")}
    for i in range(n):
        po = f"H-{i:06d}"
        buyer = BUYERS[i % len(BUYERS)]
        when = start + timedelta(days=i * 600 // max(n, 1))
        ship = when + timedelta(days=7)
        out["Orders"].append(Order(po_number=po, buyer_id=buyer.buyer_id, po_date=when, status="closed", deposit_pct=ZERO,
                                   ship_date=ship, approved_on=when))
        total = ZERO
        for no, (sku, qty, price) in enumerate((("CDL-OAK-8", 24, Decimal("9.00")),
                                                ("MATCH-BOX", 48, Decimal("3.25"))), start=1):
            out["Lines"].append(Line(po_number=po, line_no=no, sku=sku, qty=qty, unit_price=price,
                                     description=sku.lower()))
            out["Shipments"].append(Shipment(shipment_id=f"SH-H{i:06d}", po_number=po, line_no=no,
                                             qty_shipped=qty, ship_date=ship, carrier="UPS",
                                             invoice_number=f"HINV-{i:06d}"))
            total += price * qty
        number = f"HINV-{i:06d}"
        out["Invoices"].append(Invoice(
            invoice_number=number, kind="final", po_number=po, invoice_date=ship, due_date=ship + timedelta(days=30),
            total=total, status="paid", terms="Net 30", amount_paid=total, balance=ZERO, tax=ZERO,
            deposit_deducted=ZERO))
        txn = f"hist:{i:06d}"
        paid_on = ship + timedelta(days=20)
        out["Payments"].append(Payment(transaction_id=txn, date=paid_on, amount=total, currency="USD",
                                       payer=buyer.name.upper(), memo=f"{number} {po}", source="history",
                                       status="applied"))
        out["Allocations"].append(Allocation(transaction_id=txn, amount=total, kind="invoice", invoice_number=number,
                                             po_number=po, method="auto", confidence=Decimal("0.99"),
                                             rule="reference+amount", applied_on=paid_on))
    return out


def log_rows(n: int, start: date = date(2023, 1, 2)) -> tuple[tuple[str, ...], ...]:
    """`n` Log rows as poflow's writes leave them (When, Command, Tab, Row Key, Column, Old, New)."""
    return tuple((f"{start + timedelta(days=i * 600 // max(n, 1))} 10:00:00", "poflow reconcile --apply", "Invoices",
             f"HINV-{i // 4:06d}", "Status", "open", "paid") for i in range(n))


def invoice_sheet(i: int, n: int, start: date = date(2023, 1, 2)) -> tuple[tuple[AnyValue, ...], ...]:
    """The printable sheet of history invoice `i` in the layout poflow writes (`documents.sheet`): title,
    seller, number, date, PO, lines and totals, so that `poflow archive` recognises and moves it."""
    from poflow_sheets.documents.sheet import DATE_FORMAT, MONEY_FORMAT
    from poflow_sheets.store import Styled

    issued = start + timedelta(days=i * 600 // max(n, 1) + 7)

    def money(v: str) -> Styled:
        return Styled(Decimal(v), num_format=MONEY_FORMAT)

    return ((Styled("INVOICE", bold=True, size=14),), (Styled("Maple & Wick Candle Co.", bold=True),),
            ("12 Harbor Road, Portland ME",), (),
            (Styled("Number", bold=True), None, f"HINV-{i:06d}"),
            (Styled("Date", bold=True), None, Styled(issued, num_format=DATE_FORMAT)),
            (Styled("Your PO", bold=True), None, Styled(f"H-{i:06d}", bold=True, size=12)),
            (Styled("Terms", bold=True), None, "Net 30"), (),
            tuple(Styled(h, bold=True) for h in ("Line", "SKU", "Description", "Qty", "Unit price", "Amount")),
            (1, "CDL-OAK-8", "cdl-oak-8", 24, money("9.00"), money("216.00")),
            (2, "MATCH-BOX", "match-box", 48, money("3.25"), money("156.00")), (),
            (None, None, None, None, Styled("Total", bold=True), money("372.00")))


def _cell(v: object) -> AnyValue:
    return v if v is None or isinstance(v, str | int | Decimal | date | bool) else str(v)


def write_aged(path: Path, *, log: int = 200_000, tabs: int = 1_000, closed: int = 50_000) -> Path:
    """Write the demo book with its history (or with none, all three 0)."""
    from poflow_sheets.documents.sheet import COL_WIDTHS
    from poflow_sheets.store import AddSheet, AppendRows, Edit, write_workbook
    from poflow_sheets.store.safety import fingerprint

    rows, settings = demo_rows()
    hist = closed_history(closed)
    path.parent.mkdir(parents=True, exist_ok=True)
    if path.exists():
        path.unlink()
    write_new_workbook(path, rows, settings=settings)
    # as poflow's own writes leave them: Log rows as inline strings, one printable tab per invoice
    edits: list[Edit] = [AppendRows(tab, tuple(tuple(_cell(v) for v in r) for r in record_rows(tab, recs)))
                         for tab, recs in hist.items() if recs]
    edits += [AppendRows("Log", log_rows(log))] if log else []
    edits += [AddSheet(f"HINV-{i:06d}", invoice_sheet(i, tabs), COL_WIDTHS) for i in range(tabs)]
    if edits:
        write_workbook(path, edits, expected=fingerprint(path), retention=0)
    return path


def main() -> None:
    """Command line."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("out", type=Path)
    ap.add_argument("--log", type=int, default=200_000)
    ap.add_argument("--tabs", type=int, default=1_000)
    ap.add_argument("--closed", type=int, default=50_000)
    a = ap.parse_args()
    print(write_aged(a.out, log=a.log, tabs=a.tabs, closed=a.closed))


if __name__ == "__main__":
    main()
