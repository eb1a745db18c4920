"""Every matching case through the real CLI: the demo workbook and a small hand-written bank file each."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

import pytest

from poflow_sheets.demo import write_demo
from poflow_sheets.reader import read_workbook

from .cli import run
from .test_reconcile_cli import HEADER

CASES = {
    # name: (bank rows, today, expected allocations as (invoice, po, amount, kind), needs review)
    "one payment, one invoice": (['CREDIT,11/20/2026,"HARBOR HOME CO PO-0998",393.00,ACH_CREDIT,1,,'],
                                 [("INV-1002", "PO-0998", "393.00", "invoice")], False),
    "several invoices of one buyer": (['CREDIT,11/27/2026,"HARBOR HOME CO PAYMENT",1482.00,ACH_CREDIT,1,,'],
                                      [("INV-1002", "PO-0998", "393.00", "invoice"),
                                       ("INV-1005", "PO-1004", "1089.00", "invoice")], False),
    "partial payment": (['CREDIT,11/20/2026,"HARBOR HOME CO INV-1002",200.00,ACH_CREDIT,1,,'],
                        [("INV-1002", "PO-0998", "200.00", "invoice")], False),
    "wire fee": (['CREDIT,11/25/2026,"MAPLE AND MAIN GOODS INV-1003 WIRE",1799.00,WIRE_INCOMING,1,,'],
                 [("INV-1003", "4500012345", "1799.00", "invoice"), ("INV-1003", "4500012345", "25.00", "fee")], False),
    "early-payment discount": (['CREDIT,11/10/2026,"MAPLE AND MAIN GOODS INV-1003",1787.52,ACH_CREDIT,1,,'],
                               [("INV-1003", "4500012345", "1787.52", "invoice"),
                                ("INV-1003", "4500012345", "36.48", "discount")], False),
    "overpayment": (['CREDIT,11/20/2026,"HARBOR HOME CO INV-1002",400.00,ACH_CREDIT,1,,'],
                    [("INV-1002", "PO-0998", "393.00", "invoice"), ("", "PO-0998", "7.00", "credit")], False),
    "deposit against a PO": (['CREDIT,11/26/2026,"WILLOW & WICK MERCANTILE DEPOSIT WW-1126",475.50,ACH_CREDIT,1,,'],
                             [("", "WW-1126", "475.50", "deposit")], False),
    "deposit invoice": (['CREDIT,11/20/2026,"JUNIPER GENERAL STORE INV-1004",285.00,ACH_CREDIT,1,,'],
                        [("INV-1004", "OC-0001", "285.00", "invoice")], False),
    "debits and bank fees ignored": (['DEBIT,11/20/2026,"MONTHLY SERVICE FEE",-15.00,FEE_TRANSACTION,1,,',
                                      'DEBIT,11/21/2026,"ONLINE TRANSFER TO SAVINGS",-500.00,ACCT_XFER,1,,',
                                      'CREDIT,11/22/2026,"INTEREST PAYMENT",0.42,INTEREST,1,,'], [], False),
    "amount alone is never applied": (['CREDIT,11/20/2026,"ACME HOLDINGS",393.00,ACH_CREDIT,1,,'], [], True),
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_case(case: str, tmp_path: Path) -> None:
    rows, expected, review = CASES[case]
    book = tmp_path / "books.xlsx"
    write_demo(book)
    today = "2026-11-30"
    if case == "several invoices of one buyer":  # a second open invoice for Harbor: PO-1004's partial shipment
        run("invoice", book, "PO-1004", "--today", "2026-11-26", "--no-sheet")
    bank = tmp_path / "bank.csv"
    bank.write_text(HEADER + "".join(r + "\n" for r in rows))
    proc = run("reconcile", book, bank, "--json", "--today", today, ok=(1,) if review else (0,))
    data = json.loads(proc.stdout)
    got = sorted((a["invoice_number"], a["po_number"], a["amount"], a["kind"]) for a in data["allocations"])
    assert got == sorted(expected), json.dumps(data, indent=1)
    assert all(0 < a["confidence"] <= 1 for a in data["allocations"])
    if review:
        assert data["suggestions"] or data["unmatched"]
        why = [c["why"] for s in data["suggestions"] for c in s["candidates"]] + [u["reason"] for u in data["unmatched"]]
        assert all(why)
    run("reconcile", book, bank, "--apply", "--today", today, ok=(1,) if review else (0,))
    once = book.read_bytes()
    run("reconcile", book, bank, "--apply", "--today", today, ok=(1,) if review else (0,))
    assert book.read_bytes() == once
    assert json.loads(run("validate", book, "--json").stdout)["summary"]["errors"] == 0
    if case == "partial payment":
        inv = next(i for i in read_workbook(book).invoices if i.invoice_number == "INV-1002")
        assert (inv.status, inv.balance) == ("partial", Decimal("193.00"))
