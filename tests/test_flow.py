"""One order walked from confirmation to a paid, closed order with the real CLI on the demo workbook.

At every step the workbook, the printable sheet and the PDF say what the flow says, and
`poflow validate` stays clean. Bad requests are refused with exit 2 and nothing written.
"""

from __future__ import annotations

import json
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from poflow_sheets.demo import write_demo
from poflow_sheets.reader import read_workbook

from .cli import filed, refused, run, sha

PO = "WW-1126"


def pdf_text(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout




def assert_clean(book: Path) -> None:
    proc = run("validate", book, "--json")
    assert json.loads(proc.stdout)["findings"] == []


def order(book: Path) -> object:
    return next(o for o in read_workbook(book).orders if o.po_number == PO)


def invoices(book: Path) -> dict[str, object]:
    return {i.invoice_number: i for i in read_workbook(book).invoices}


@pytest.fixture()
def book(tmp_path: Path) -> Path:
    path = tmp_path / "books.xlsx"
    write_demo(path)
    return path


def test_order_from_confirmation_to_closed(book: Path, tmp_path: Path, artifacts: Path) -> None:
    docs = tmp_path / "documents"
    # Step 3: our order confirmation (the shop has no PO system); the number is taken from Settings.
    run("confirm", book, PO, "--today", "2026-11-26")
    o = order(book)
    assert (o.our_ref, o.status, o.confirmation_sent_on) == ("OC-0003", "confirmation sent", date(2026, 11, 26))
    assert read_workbook(book).settings.next_confirmation_number == 4
    text = pdf_text(filed(docs, "OC-0003.pdf"))
    assert "ORDER CONFIRMATION" in text and PO in text and "951.00" in text and "approved" in text
    assert "OC-0003" in openpyxl.load_workbook(book).sheetnames
    assert_clean(book)
    before = sha(book)
    run("confirm", book, PO, "--today", "2026-11-27")  # twice: nothing changes
    assert sha(book) == before
    # The approval cannot predate the confirmation.
    refused(book, "approve", book, PO, "--on", "2026-11-25", words=("before the confirmation",))
    run("approve", book, PO, "--on", "2026-11-27")
    assert (order(book).status, order(book).approved_on) == ("approved", date(2026, 11, 27))
    assert_clean(book)
    # Step 4: acknowledgement, a status per line.
    run("acknowledge", book, PO, "--today", "2026-11-27")
    wb = read_workbook(book)
    lines = [ln for ln in wb.lines if ln.po_number == PO]
    assert [(ln.ack_status, ln.ack_qty) for ln in lines] == [("accepted", 48), ("accepted", 36), ("accepted", 24)]
    assert all(ln.promised_date == date(2026, 12, 14) for ln in lines)
    assert "ORDER ACKNOWLEDGEMENT" in pdf_text(filed(docs, f"ACK-{PO}.pdf"))
    assert_clean(book)
    # Step 5: the deposit on a first order (50 % by the Settings default), due on receipt.
    run("invoice", book, PO, "--deposit", "--today", "2026-11-27")
    dep = invoices(book)["INV-1005"]
    assert (dep.kind, dep.total, dep.due_date, dep.status) == ("deposit", Decimal("475.5"), date(2026, 11, 27), "open")
    assert "475.50" in pdf_text(filed(docs, "INV-1005.pdf"))
    run("invoice", book, PO, "--deposit", "--today", "2026-11-28")  # twice: no second deposit invoice
    assert len([i for i in invoices(book).values() if i.kind == "deposit" and i.po_number == PO]) == 1
    refused(book, "ship", book, PO, "--date", "2026-12-01", words=("deposit", "unpaid"))
    assert_clean(book)
    # The deposit arrives at the bank.
    bank1 = tmp_path / "chase-dec.csv"
    bank1.write_text(
        "Details,Posting Date,Description,Amount,Type,Balance,Check or Slip #,\n"
        'CREDIT,12/02/2026,"ORIG CO NAME:WILLOW & WICK MERC IND ID:INV-1005 DEPOSIT",475.50,ACH_CREDIT,10475.50,,\n'
        'DEBIT,12/02/2026,"MONTHLY SERVICE FEE",-15.00,FEE_TRANSACTION,10460.50,,\n')
    run("reconcile", book, bank1, "--apply", "--today", "2026-12-03")
    assert invoices(book)["INV-1005"].status == "paid"
    assert order(book).status == "deposit paid"
    assert_clean(book)
    # Step 6: a partial shipment, more than is open is refused; a short shipment is refused until the buyer
    # is told: the line is marked backordered by hand, and a revised acknowledgement goes out first.
    refused(book, "ship", book, PO, "--line", "1=49", words=("more than the 48 still open",))
    refused(book, "ship", book, PO, "--line", "1=24", "--line", "2=36", "--line", "3=24", "--date", "2026-12-04",
            words=("short-ship", "poflow acknowledge"))
    wb = openpyxl.load_workbook(book)
    ws = wb["Lines"]
    head = [c.value for c in ws[1]]
    row = next(r for r in range(2, ws.max_row + 1)
               if ws.cell(r, head.index("PO Number") + 1).value == PO and ws.cell(r, head.index("Line") + 1).value == 1)
    ws.cell(row, head.index("Ack Status") + 1).value = "backordered"
    ws.cell(row, head.index("Promised Date") + 1).value = date(2026, 12, 10)
    wb.save(book)
    refused(book, "ship", book, PO, "--line", "1=24", "--date", "2026-12-04", words=("changed since the last",))
    run("acknowledge", book, PO, "--today", "2026-12-03")
    text = pdf_text(filed(docs, f"ACK-{PO}-R2.pdf"))
    assert "REVISION 2" in text and "backordered" in text.lower() and filed(docs, f"ACK-{PO}.pdf").exists()
    assert order(book).ack_revision == 2
    before = sha(book)
    run("acknowledge", book, PO, "--today", "2026-12-03")  # nothing changed since R2
    assert sha(book) == before
    run("ship", book, PO, "--line", "1=24", "--line", "2=36", "--line", "3=24", "--date", "2026-12-04",
        "--carrier", "UPS", "--tracking", "1ZWW1")
    assert order(book).status == "partially shipped"
    run("ship", book, PO, "--line", "1=24", "--line", "2=36", "--line", "3=24", "--date", "2026-12-04",
        "--carrier", "UPS", "--tracking", "1ZWW1")  # the same shipment twice: recorded once
    assert sum(s.qty_shipped for s in read_workbook(book).shipments if s.po_number == PO) == 84
    assert_clean(book)
    # Step 7: the final invoice for what shipped, the deposit deducted by number, date and amount.
    run("invoice", book, PO, "--today", "2026-12-05")
    inv = invoices(book)["INV-1006"]
    assert (inv.kind, inv.total, inv.deposit_deducted) == ("final", Decimal("277.5"), Decimal("475.5"))
    assert inv.due_date == date(2027, 1, 4)
    text = pdf_text(filed(docs, "INV-1006.pdf"))
    for want in ("INV-1006", PO, "753.00", "475.50", "277.50", "Due: 4 January 2027", "INV-1005"):
        assert want in text, want
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(filed(docs, "INV-1006.pdf")),
                    str(artifacts / "flow_INV-1006")], check=True)
    assert list(artifacts.glob("flow_INV-1006*.png"))
    refused(book, "invoice", book, "NO-SUCH-PO", words=("unknown PO",))
    run("invoice", book, PO, "--today", "2026-12-05")  # nothing new shipped: no second invoice
    assert "INV-1007" not in invoices(book)
    assert_clean(book)
    run("ship", book, PO, "--date", "2026-12-10", "--tracking", "1ZWW2")  # the rest
    assert order(book).status == "shipped"
    run("invoice", book, PO, "--today", "2026-12-10")
    last = invoices(book)["INV-1007"]
    assert (last.total, last.deposit_deducted) == (Decimal("198"), Decimal("0"))
    assert order(book).status == "invoiced"
    assert_clean(book)
    # Step 8: both invoices paid from one bank file; the order closes; a second run changes nothing.
    bank2 = tmp_path / "chase-jan.csv"
    bank2.write_text(
        "Details,Posting Date,Description,Amount,Type,Balance,Check or Slip #,\n"
        'CREDIT,12/20/2026,"WILLOW & WICK MERCANTILE INV-1006",277.50,ACH_CREDIT,10738.00,,\n'
        'CREDIT,12/28/2026,"WILLOW AND WICK PAYMENT INVOICE 1007",198.00,ACH_CREDIT,10936.00,,\n')
    proc = run("reconcile", book, bank1, bank2, "--apply", "--json", "--today", "2026-12-30")
    data = json.loads(proc.stdout)
    assert sorted(a["invoice_number"] for a in data["allocations"]) == ["INV-1006", "INV-1007"]
    assert all(isinstance(a["amount"], str) for a in data["allocations"])
    assert {i: invoices(book)[i].status for i in ("INV-1006", "INV-1007")} == {"INV-1006": "paid", "INV-1007": "paid"}
    assert order(book).status == "closed"
    assert_clean(book)
    before = sha(book)
    run("reconcile", book, bank2, bank1, "--apply", "--today", "2026-12-30")
    assert sha(book) == before
    log = run("log", book).stdout
    assert "reconcile" in log and "Status" in log


def test_refusals_write_nothing(book: Path) -> None:
    refused(book, "ship", book, "PO-0000", words=("unknown PO 'PO-0000'",))
    refused(book, "invoice", book, "PO-1007", words=("has not shipped",))
    refused(book, "ship", book, "PO-1007", "--line", "1=999", words=("more than the 36 still open",))
    refused(book, "ship", book, "PO-1007", "--line", "9=1", words=("has no line 9",))
    refused(book, "credit", book, "INV-9999", "--amount", "5", "--reason", "x", words=("unknown invoice",))


def test_buyer_with_no_terms_and_no_default_is_refused(book: Path) -> None:
    wb = openpyxl.load_workbook(book)
    settings = wb["Settings"]
    for row in settings.iter_rows(min_row=2):
        if row[0].value == "Default Terms":
            row[1].value = None
    wb["Buyers"]["F6"] = None  # WILLOW's terms
    wb.save(book)
    refused(book, "confirm", book, PO, "--today", "2026-11-26", words=("no terms", "Default Terms"))


def test_credit_note_has_its_own_sequence_and_settles_the_invoice(book: Path, tmp_path: Path) -> None:
    run("credit", book, "INV-1003", "--line", "2=6", "--reason", "6 candles arrived broken", "--today", "2026-11-26")
    invs = invoices(book)
    cn = invs["CN-0001"]
    assert (cn.kind, cn.total, cn.related, cn.po_number) == ("credit", Decimal("-49.5"), "INV-1003", "4500012345")
    assert (invs["INV-1003"].amount_paid, invs["INV-1003"].balance, invs["INV-1003"].status) == \
        (Decimal("49.5"), Decimal("1774.5"), "partial")
    assert read_workbook(book).settings.next_credit_number == 2
    text = pdf_text(filed(tmp_path / "documents", "CN-0001.pdf"))
    assert "CREDIT NOTE" in text and "INV-1003" in text and "4500012345" in text and "49.50" in text
    assert_clean(book)
    before = sha(book)
    run("credit", book, "INV-1003", "--line", "2=6", "--reason", "6 candles arrived broken", "--today", "2026-11-26")
    assert sha(book) == before


def test_dry_run_writes_nothing(book: Path, tmp_path: Path) -> None:
    before = sha(book)
    proc = run("invoice", book, "CS-2291", "--today", "2026-11-26", "--dry-run")
    assert "would write" in proc.stdout and "INV-1005" in proc.stdout
    assert sha(book) == before
    assert not (tmp_path / "documents").exists()


def test_status_and_statement_commands(book: Path, tmp_path: Path) -> None:
    data = json.loads(run("status", book, "--json", "--today", "2026-11-26").stdout)
    steps = {s["step"]: s for s in data["steps"]}
    assert any("PO-0998" in s["po_numbers"] for key, s in steps.items() if "overdue" in key)
    assert all(isinstance(s["amount"], str | None) for s in data["steps"])
    table = run("status", book, "--today", "2026-11-26").stdout
    assert "CS-2291" in table
    run("statement", book, "HARBOR", "--today", "2026-11-26")
    text = pdf_text(filed(tmp_path / "documents", "ST-HARBOR-2026-11-26.pdf"))
    assert "STATEMENT OF ACCOUNT" in text and "Harbor Home Co." in text and "393.00" in text
    assert "ST-HARBOR-2026-11-26" in openpyxl.load_workbook(book).sheetnames
    refused(book, "statement", book, "NOBODY", "--today", "2026-11-26", words=("unknown buyer",))
    assert_clean(book)


def test_all_ready_never_bills_goods_twice_when_shipments_name_no_invoice(book: Path) -> None:
    """A person's workbook whose final invoices predate the Shipments 'Invoice Number' column."""
    wb = openpyxl.load_workbook(book)
    ws = wb["Shipments"]
    col = [c.value for c in ws[1]].index("Invoice Number") + 1
    for row in range(2, ws.max_row + 1):
        ws.cell(row, col).value = None
    wb.save(book)
    proc = run("invoice", book, "--all-ready", "--today", "2026-11-26")
    billed = sorted(i.po_number for i in invoices(book).values() if i.kind == "final" and i.invoice_date == date(2026, 11, 26))
    assert billed == ["CS-2291", "PO-1004"], proc.stdout
    assert_clean(book)


def test_pdfs_are_filed_by_the_month_they_were_issued(book: Path, tmp_path: Path) -> None:
    """documents/YYYY/MM/NUMBER.pdf by each document's own date; a PDF left at the old place (documents/) by an
    earlier version is still found by the evidence pack."""
    docs = tmp_path / "documents"
    run("confirm", book, PO, "--today", "2026-11-30")
    run("approve", book, PO, "--on", "2026-12-01")
    run("acknowledge", book, PO, "--today", "2026-12-01")
    assert (docs / "2026" / "11" / "OC-0003.pdf").is_file()
    assert (docs / "2026" / "12" / f"ACK-{PO}.pdf").is_file()
    assert not list(docs.glob("*.pdf"))
    (docs / "2026" / "11" / "OC-0003.pdf").rename(docs / "OC-0003.pdf")  # as an earlier version left it
    out = run("evidence", book, PO).stdout
    assert "OC-0003" not in "".join(x for x in out.splitlines() if x.startswith("not found")), out
