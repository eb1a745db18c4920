"""`poflow reconcile --remittance FILE`: a lockbox credit split over the invoices its detail file lists."""

from __future__ import annotations

import json
from pathlib import Path

from poflow_sheets.demo import write_demo
from poflow_sheets.reader import read_workbook

from .conftest import FIXTURES
from .test_reconcile_cli import HEADER, run

LOCKBOX = FIXTURES / "remittance" / "lockbox_batch_002.csv"  # hand-written: three checks, one short-paid (code 01)
BANK = 'CREDIT,11/25/2026,"LOCKBOX DEPOSIT 0012345 BATCH 002",2477.00,DEPOSIT,1,,\n'


def test_lockbox_credit_split_by_its_detail_file(tmp_path: Path) -> None:
    book = tmp_path / "books.xlsx"
    write_demo(book)
    bank = tmp_path / "bank.csv"
    bank.write_text(HEADER + BANK)
    without = json.loads(run("reconcile", book, bank, "--json", "--today", "2026-11-30", ok=(1,)).stdout)
    assert not without["allocations"]  # a lockbox credit names no payer and no invoice
    proc = run("reconcile", book, bank, "--remittance", LOCKBOX, "--json", "--today", "2026-11-30")
    data = json.loads(proc.stdout)
    got = sorted((a["invoice_number"], a["po_number"], a["amount"], a["kind"], a["rule"]) for a in data["allocations"])
    assert got == [("INV-1002", "PO-0998", "393.00", "invoice", "remittance"),
                   ("INV-1003", "4500012345", "1799.00", "invoice", "remittance"),
                   ("INV-1004", "OC-0001", "285.00", "invoice", "remittance")]
    assert not data["suggestions"] and not data["unmatched"]
    run("reconcile", book, bank, "--remittance", LOCKBOX, "--apply", "--today", "2026-11-30")
    after = {i.invoice_number: i for i in read_workbook(book).invoices}
    assert (after["INV-1002"].status, after["INV-1004"].status) == ("paid", "paid")
    assert after["INV-1003"].status == "partial" and after["INV-1003"].balance == 25  # the deduction stays open


def test_missing_remittance_file_is_refused(tmp_path: Path) -> None:
    book = tmp_path / "books.xlsx"
    write_demo(book)
    bank = tmp_path / "bank.csv"
    bank.write_text(HEADER + BANK)
    proc = run("reconcile", book, bank, "--remittance", tmp_path / "nope.csv", ok=(2,))
    assert "no such remittance file" in proc.stderr
