"""Statements of account: open items, payments and credits, aging, the model's sign rules, the PDF."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import replace
from datetime import date
from decimal import Decimal as D
from pathlib import Path

import pytest

from poflow_sheets.demo import write_demo
from poflow_sheets.documents.model import StatementRow
from poflow_sheets.documents.pdf import render_pdf
from poflow_sheets.documents.sheet import sheet_rows
from poflow_sheets.documents.statement import statement_document
from poflow_sheets.errors import Refused
from poflow_sheets.reader import Book, read_workbook
from poflow_sheets.records import Allocation, Invoice, Payment

TODAY = date(2026, 11, 26)
ZERO = D("0.00")


@pytest.fixture(scope="module")
def book(tmp_path_factory: pytest.TempPathFactory) -> Book:
    path: Path = tmp_path_factory.mktemp("demo") / "demo.xlsx"
    write_demo(path)
    return read_workbook(path)


def _aging(doc_aging: tuple[tuple[str, D], ...]) -> dict[str, D]:
    return dict(doc_aging)


def test_harbor_statement_rows_balance_and_aging(book: Book) -> None:
    doc = statement_document(book, "HARBOR", TODAY, "ST-HARBOR-2026-11-26")
    assert doc.kind == "statement" and doc.check() == []
    invoice_total = 36 * D("13.25") + 24 * D("9.00")  # PO-0998 as shipped and invoiced on INV-1002
    assert doc.statement_rows == (
        StatementRow(
            date=date(2026, 9, 1), kind="Invoice", number="INV-1002", po_number="PO-0998",
            due_date=date(2026, 10, 30), amount=invoice_total, paid=D("300.00"), balance=invoice_total - D("300.00")),
        StatementRow(
            date=date(2026, 10, 20), kind="Payment", number="demo:0002", po_number="PO-0998", due_date=None,
            amount=D("-300.00"), paid=D("-300.00"), balance=ZERO),
    )
    # PO-1004 is partially shipped but not invoiced: not an open item
    assert all(r.po_number != "PO-1004" for r in doc.statement_rows)
    assert doc.amount_due == D("393.00")
    aging = _aging(doc.aging)
    assert list(aging) == ["Current", "1-30", "31-60", "61-90", "90+"]
    assert aging["1-30"] == D("393.00")  # due 30 Oct 2026, 27 days past due
    assert sum(aging.values(), ZERO) == doc.amount_due
    assert doc.seller.name == "Hollow Oak Candle Co."
    assert doc.buyer.name == "Harbor Home Co." and "3 Dock Rd" in doc.buyer.address
    assert doc.currency == "USD" and doc.terms_text == "Net 30 EOM"
    assert doc.remit_to.startswith("First Mountain Bank")
    assert sheet_rows(doc)  # the worksheet rendering accepts it


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="needs pdftotext (poppler-utils)")
def test_harbor_statement_pdf(book: Book, tmp_path: Path) -> None:
    doc = statement_document(book, "HARBOR", TODAY, "ST-HARBOR-2026-11-26")
    pdf = tmp_path / "statement.pdf"
    pdf.write_bytes(render_pdf(doc))
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout
    assert "STATEMENT OF ACCOUNT" in text
    assert "Harbor Home Co." in text
    assert "BALANCE DUE: 393.00 USD" in text
    assert "INV-1002" in text and "30 Oct 2026" in text


def test_every_demo_buyer_ties(book: Book) -> None:
    due = {}
    for b in book.buyers:
        doc = statement_document(book, b.buyer_id, TODAY, f"ST-{b.buyer_id}")
        assert doc.check() == [], b.buyer_id
        due[b.buyer_id] = doc.amount_due
    assert due == {"CORNER": ZERO, "MAPLE": D("1824.00"), "FERN": ZERO, "HARBOR": D("393.00"),
                   "WILLOW": ZERO, "JUNIPER": D("285.00")}
    juniper = statement_document(book, "JUNIPER", TODAY, "ST-J")
    assert [(r.kind, r.number) for r in juniper.statement_rows] == [("Deposit invoice", "INV-1004")]
    assert _aging(juniper.aging)["1-30"] == D("285.00")  # due on receipt, 13 Nov 2026
    maple = statement_document(book, "MAPLE", TODAY, "ST-M")
    assert _aging(maple.aging)["Current"] == D("1824.00")  # due 2 Dec 2026


def test_unknown_buyer_is_refused(book: Book) -> None:
    with pytest.raises(Refused) as err:
        statement_document(book, "NOPE", TODAY, "ST-1")
    assert str(err.value) == "unknown buyer 'NOPE'; known: CORNER, MAPLE, FERN, HARBOR, WILLOW, JUNIPER"
    assert "\n" not in str(err.value)
    assert statement_document(book, "harbor", TODAY, "ST-1").buyer.name == "Harbor Home Co."


def test_overpayment_is_money_on_account(book: Book) -> None:
    pay = Payment(
        transaction_id="t:7", date=date(2026, 11, 20), amount=D("500.00"), currency="USD", payer="HARBOR HOME CO",
        memo="INV-1002", source="bank", status="applied")
    allocs = (Allocation(
        transaction_id="t:7", amount=D("393.00"), kind="invoice", invoice_number="INV-1002", po_number="PO-0998"),
              Allocation(
                  transaction_id="t:7", amount=D("107.00"), kind="credit", invoice_number="", po_number="PO-0998"))
    b = replace(book, payments=(*book.payments, pay), allocations=book.allocations + allocs)
    doc = statement_document(b, "HARBOR", TODAY, "ST-1")
    assert doc.check() == []
    # INV-1002 is settled and the first payment fully applied to it: neither is an open item any more
    assert doc.statement_rows == (
        StatementRow(
            date=date(2026, 11, 20), kind="Payment", number="t:7", po_number="PO-0998", due_date=None,
            amount=D("-500.00"), paid=D("-393.00"), balance=D("-107.00")),
    )
    assert doc.amount_due == D("-107.00")
    assert _aging(doc.aging)["Current"] == D("-107.00")


def test_credit_notes_applied_and_unapplied(book: Book) -> None:
    applied = Invoice(
        invoice_number="CN-0001", kind="credit", po_number="PO-0998", invoice_date=date(2026, 11, 2),
        due_date=date(2026, 11, 2), total=D("-50.00"), status="paid", related="INV-1002")
    loose = Invoice(
        invoice_number="CN-0002", kind="credit", po_number="PO-1004", invoice_date=date(2026, 11, 20),
        due_date=date(2026, 11, 20), total=D("-25.00"), status="paid")
    void = Invoice(
        invoice_number="INV-1099", kind="final", po_number="PO-1004", invoice_date=date(2026, 11, 19),
        due_date=date(2026, 12, 31), total=D("99.00"), status="void")
    b = replace(book, invoices=(*book.invoices, applied, loose, void))
    doc = statement_document(b, "HARBOR", TODAY, "ST-1")
    assert doc.check() == []
    rows = {r.number: r for r in doc.statement_rows}
    assert set(rows) == {"INV-1002", "CN-0001", "CN-0002", "demo:0002"}
    assert (rows["INV-1002"].paid, rows["INV-1002"].balance) == (D("350.00"), D("343.00"))
    assert (rows["CN-0001"].amount, rows["CN-0001"].paid, rows["CN-0001"].balance) == (D("-50.00"),) * 2 + (ZERO,)
    assert (rows["CN-0002"].amount, rows["CN-0002"].paid, rows["CN-0002"].balance) == (D("-25.00"), ZERO,
                                                                                        D("-25.00"))
    assert doc.amount_due == D("343.00") - D("25.00")
    assert _aging(doc.aging) == {"Current": D("-25.00"), "1-30": D("343.00"), "31-60": ZERO, "61-90": ZERO,
                                 "90+": ZERO}


def test_unallocated_payment_from_the_buyer_by_name(book: Book) -> None:
    pay = Payment(
        transaction_id="t:8", date=date(2026, 11, 24), amount=D("120.00"), currency="USD", payer="Harbor Home Co",
        memo="thanks", source="bank", status="unmatched")
    stranger = Payment(
        transaction_id="t:9", date=date(2026, 11, 24), amount=D("80.00"), currency="USD", payer="Someone Else",
        memo="", source="bank", status="unmatched")
    b = replace(book, payments=(*book.payments, pay, stranger))
    doc = statement_document(b, "HARBOR", TODAY, "ST-1")
    assert doc.check() == []
    row = next(r for r in doc.statement_rows if r.number == "t:8")
    assert (row.amount, row.paid, row.balance) == (D("-120.00"), ZERO, D("-120.00"))
    assert "t:9" not in {r.number for r in doc.statement_rows}
    assert doc.amount_due == D("393.00") - D("120.00")


def test_as_of_an_earlier_date(book: Book) -> None:
    doc = statement_document(book, "HARBOR", date(2026, 10, 15), "ST-1")  # before the part payment
    assert doc.check() == []
    assert [(r.number, r.paid, r.balance) for r in doc.statement_rows] == [("INV-1002", ZERO, D("693.00"))]
    assert _aging(doc.aging)["Current"] == D("693.00")  # due 30 Oct 2026
    maple = statement_document(book, "MAPLE", date(2026, 11, 1), "ST-2")  # INV-1003 is dated 2 Nov
    assert maple.statement_rows == () and maple.amount_due == ZERO and maple.check() == []
