"""`poflow status`: the pipeline on the demo workbook, and the facts-over-status rules on variants of it."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest
from rich.console import Console

from poflow_sheets.demo import write_demo
from poflow_sheets.pipeline import STEP_KEYS, Pipeline, pipeline
from poflow_sheets.reader import Book, read_workbook
from poflow_sheets.records import Allocation, Order, Payment, Shipment
from poflow_sheets.render import render_pipeline

TODAY = date(2026, 11, 26)


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Book:
    path: Path = tmp_path_factory.mktemp("demo") / "demo.xlsx"
    write_demo(path)
    return read_workbook(path)


@pytest.fixture(scope="module")
def pipe(book: Book) -> Pipeline:
    return pipeline(book, TODAY)


def _with_order(book: Book, po: str, **changes: object) -> Book:
    orders = tuple(replace(o, **changes) if o.po_number == po else o for o in book.orders)  # type: ignore[arg-type]
    return replace(book, orders=orders)


# ------------------------------------------------------------------------------------------ the demo

EXPECTED_STEP = {
    "OC-0002": "awaiting_approval",  # confirmation sent 2 days ago
    "PO-1009": "draft",  # draft, nothing sent yet
    "WW-1126": "draft",  # draft (its first-order deposit is asked after acknowledgement)
    "PO-1007": "awaiting_acknowledgement",  # approved
    "OC-0001": "awaiting_deposit",  # acknowledged, 50 % first-order deposit (285.00) unpaid
    "PO-1004": "partially_shipped",  # 12 of line 2 backordered
    "CS-2291": "shipped_not_invoiced",  # shipped complete, no invoice
    "4500012345": "invoiced_open",  # INV-1003 due 2 Dec 2026
    "PO-0998": "overdue_1_30",  # INV-1002 due 30 Oct 2026: 27 days past due, 300.00 paid
    "PO-1001": "paid_closed",  # INV-1001 paid in full
}


def test_every_demo_order_lands_where_its_facts_say(book: Book, pipe: Pipeline) -> None:
    assert pipe.step_of == EXPECTED_STEP
    assert sum(s.count for s in pipe.steps) == len(book.orders)
    assert [s.key for s in pipe.steps] == list(STEP_KEYS)
    for key in ("ready_to_ship", "overdue_31_60", "overdue_61_90", "overdue_90_plus", "cancelled"):
        assert pipe.step(key).count == 0
        assert pipe.step(key).amount == D("0.00")
    assert pipe.step("awaiting_approval").po_numbers == ("OC-0002",)
    assert pipe.step("draft").po_numbers == ("PO-1009", "WW-1126")  # sheet order


def test_money_per_step_from_the_demo_lines(pipe: Pipeline) -> None:
    oc_0002 = 24 * D("9.00")
    po_1009 = 24 * D("9.00")
    ww_1126 = 48 * D("8.25") + 36 * D("13.25") + 24 * D("3.25")
    assert pipe.step("awaiting_approval").amount == oc_0002 == D("216.00")
    assert pipe.step("draft").amount == po_1009 + ww_1126 == D("1167.00")
    assert pipe.step("awaiting_acknowledgement").amount == 36 * D("13.25") + 120 * D("2.90") == D("825.00")
    assert pipe.step("awaiting_deposit").amount == 48 * D("8.25") + 12 * D("14.50") == D("570.00")
    assert pipe.step("partially_shipped").amount == 96 * D("8.25") + 48 * D("8.25") == D("1188.00")
    assert pipe.step("shipped_not_invoiced").amount == 12 * D("14.50") + 12 * D("9.00") == D("282.00")
    # invoiced and overdue steps count the open balance, not the order total
    assert pipe.step("invoiced_open").amount == 144 * D("7.50") + 48 * D("8.25") + 120 * D("2.90") == D("1824.00")
    assert pipe.step("overdue_1_30").amount == 36 * D("13.25") + 24 * D("9.00") - D("300.00") == D("393.00")
    assert pipe.step("paid_closed").amount is None
    # every open invoice, the unpaid deposit invoice INV-1004 of OC-0001 included
    assert pipe.receivable == D("393.00") + D("1824.00") + D("285.00")


def test_actions_name_the_right_pos(pipe: Pipeline) -> None:
    codes = {a.po_number: a.codes for a in pipe.actions}
    assert codes == {
        "PO-0998": ("invoice-overdue",),
        "OC-0001": ("invoice-overdue", "deposit-outstanding"),
        "CS-2291": ("not-invoiced",),
        "PO-1004": ("not-invoiced",),  # its backorder is promised for 9 Dec: nothing to ship today
        "PO-1007": ("acknowledge",),
        "PO-1009": ("draft",),
        "WW-1126": ("draft",),
    }
    assert [a.po_number for a in pipe.actions][:2] == ["PO-0998", "OC-0001"]  # money overdue first
    by_po = {a.po_number: a for a in pipe.actions}
    assert "INV-1002 is 27 days overdue, 393.00 open" in by_po["PO-0998"].reason
    assert "deposit 285.00 outstanding" in by_po["OC-0001"].reason
    assert "INV-1004 is 13 days overdue" in by_po["OC-0001"].reason
    assert "shipped 1,089.00 not yet invoiced" in by_po["PO-1004"].reason
    assert all("\n" not in a.reason for a in pipe.actions)


def test_to_json_amounts_are_strings(pipe: Pipeline) -> None:
    data = pipe.to_json()
    json.dumps(data)  # serializable as is
    steps = {s["step"]: s for s in data["steps"]}  # type: ignore[attr-defined]
    assert steps["overdue_1_30"] == {"step": "overdue_1_30", "label": "Overdue 1-30 days", "orders": 1,
                                     "amount": "393.00", "po_numbers": ["PO-0998"]}
    assert steps["awaiting_approval"]["amount"] == "216.00"
    assert steps["draft"]["amount"] == "1167.00"
    assert steps["ready_to_ship"]["amount"] == "0.00"
    assert steps["paid_closed"]["amount"] is None and steps["paid_closed"]["orders"] == 1
    assert all(isinstance(s["orders"], int) for s in steps.values())
    assert data["receivable"] == "2502.00"
    assert data["today"] == "2026-11-26"
    first = data["actions"][0]  # type: ignore[index]
    assert first["po_number"] == "PO-0998" and first["codes"] == ["invoice-overdue"]
    assert isinstance(first["reason"], str)


def test_render_shows_the_table_and_actions(pipe: Pipeline) -> None:
    console = Console(record=True, width=120)
    render_pipeline(pipe, console)
    text = console.export_text()
    assert "Order pipeline as of 26 November 2026" in text
    for label, n, amount in (("Awaiting approval", 1, "216.00"), ("Draft", 2, "1,167.00"), ("Partially shipped", 1, "1,188.00"),
                             ("Overdue 1-30 days", 1, "393.00"), ("Shipped, not invoiced", 1, "282.00")):
        row = next(line for line in text.splitlines() if label in line)
        assert f" {n} " in row and amount in row
    assert "PO-1009, WW-1126" in text
    assert "Action today" in text
    assert "PO-0998 (HARBOR): invoice INV-1002 is 27 days overdue" in text
    assert text.index("Action today") < text.index("PO-1007 (CORNER)")


def test_render_with_nothing_to_do(book: Book) -> None:
    empty = replace(book, orders=(), lines=(), shipments=(), invoices=(), allocations=(), payments=())
    console = Console(record=True, width=120)
    render_pipeline(pipeline(empty, TODAY), console)
    assert "Nothing needs action today." in console.export_text()


def test_po_preview_is_cut_after_four(book: Book) -> None:
    drafts = tuple(Order(f"D-{i}", "CORNER", TODAY, "draft") for i in range(6))
    console = Console(record=True, width=120)
    render_pipeline(pipeline(replace(book, orders=drafts), TODAY), console)
    assert "D-0, D-1, D-2, D-3, +2 more" in console.export_text()


# --------------------------------------------------------------------- facts over the Status cell

def test_status_approved_but_fully_shipped_counts_as_shipped(book: Book) -> None:
    b = _with_order(book, "CS-2291", status="approved")
    p = pipeline(b, TODAY)
    assert p.step_of["CS-2291"] == "shipped_not_invoiced"
    b = _with_order(book, "PO-0998", status="approved")
    assert pipeline(b, TODAY).step_of["PO-0998"] == "overdue_1_30"


def test_status_shipped_without_shipments_is_not_shipped(book: Book) -> None:
    b = _with_order(book, "PO-1007", status="shipped", acknowledged_on=date(2026, 11, 22))
    assert pipeline(b, TODAY).step_of["PO-1007"] == "ready_to_ship"


def test_deposit_paid_status_without_the_money_still_awaits_the_deposit(book: Book) -> None:
    b = _with_order(book, "OC-0001", status="deposit paid")
    assert pipeline(b, TODAY).step_of["OC-0001"] == "awaiting_deposit"
    paid = replace(b, payments=(*b.payments, Payment("t:9", date(2026, 11, 20), D("285.00"))),
                   allocations=(*b.allocations, Allocation(
                       transaction_id="t:9", amount=D("285.00"), kind="invoice", invoice_number="INV-1004",
                       po_number="OC-0001")))
    p = pipeline(paid, TODAY)
    assert p.step_of["OC-0001"] == "ready_to_ship"
    assert "OC-0001" not in {a.po_number for a in p.actions}  # ship date 1 Dec is not due yet
    later = pipeline(paid, date(2026, 12, 1))
    action = next(a for a in later.actions if a.po_number == "OC-0001")
    assert action.codes == ("ship-due",)
    assert "60 units due to ship by 1 December 2026" in action.reason


def test_confirmation_unanswered_for_more_than_a_week_is_chased(book: Book) -> None:
    assert "OC-0002" not in {a.po_number for a in pipeline(book, date(2026, 12, 1)).actions}  # 7 days
    p = pipeline(book, date(2026, 12, 2))  # 8 days
    action = next(a for a in p.actions if a.po_number == "OC-0002")
    assert action.codes == ("chase-approval",)
    assert "confirmation sent 8 days ago" in action.reason


def test_cancel_date_passed_while_unshipped(book: Book) -> None:
    b = _with_order(book, "PO-1007", cancel_date=date(2026, 11, 25))
    action = next(a for a in pipeline(b, TODAY).actions if a.po_number == "PO-1007")
    assert action.codes[0] == "cancel-date"
    assert "cancel date passed on 25 November 2026 with 156 units unshipped" in action.reason
    b = _with_order(book, "CS-2291", cancel_date=date(2026, 11, 20))  # shipped complete: nothing to say
    action = next(a for a in pipeline(b, TODAY).actions if a.po_number == "CS-2291")
    assert action.codes == ("not-invoiced",)


def test_cancelled_orders(book: Book) -> None:
    b = _with_order(book, "PO-1009", status="cancelled")
    p = pipeline(b, TODAY)
    assert p.step_of["PO-1009"] == "cancelled"
    assert p.step("cancelled").amount == D("216.00")
    assert "PO-1009" not in {a.po_number for a in p.actions}
    # cancelling the backordered balance: nothing left to ship, it goes on by its invoices
    b = _with_order(book, "PO-1004", status="cancelled")
    assert pipeline(b, TODAY).step_of["PO-1004"] == "shipped_not_invoiced"


def test_invoice_due_today_and_the_overdue_buckets(book: Book) -> None:
    p = pipeline(book, date(2026, 12, 2))  # INV-1003 falls due
    assert p.step_of["4500012345"] == "invoiced_open"
    action = next(a for a in p.actions if a.po_number == "4500012345")
    assert action.codes == ("invoice-due-today",)
    for day, step in ((date(2026, 11, 29), "overdue_1_30"), (date(2026, 11, 30), "overdue_31_60"),
                      (date(2027, 1, 28), "overdue_61_90"), (date(2027, 1, 29), "overdue_90_plus")):
        p = pipeline(book, day)
        assert p.step_of["PO-0998"] == step, day
        assert p.step(step).po_numbers == ("PO-0998",) and p.step(step).amount == D("393.00")


def test_rejected_and_reduced_lines_are_not_left_to_ship(book: Book) -> None:
    lines = tuple(replace(ln, ack_status="quantity changed", ack_qty=36) if (ln.po_number, ln.line_no) ==
                  ("PO-1004", 2) else ln for ln in book.lines)
    assert pipeline(replace(book, lines=lines), TODAY).step_of["PO-1004"] == "shipped_not_invoiced"
    extra = (*book.shipments, Shipment(
        shipment_id="SH-9", po_number="PO-1004", line_no=2, qty_shipped=12, ship_date=TODAY))
    assert pipeline(replace(book, shipments=extra), TODAY).step_of["PO-1004"] == "shipped_not_invoiced"
