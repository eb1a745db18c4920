"""Disputes (issue 15): buyer claims settled by a credit or a replacement, short payments that hold back an open
claim, and the evidence pack of an order.

Through the CLI in process, on an empty workbook filled in as in test_one_truth: a taxable shop (6 % sales
tax, Net 30) and a resale-exempt one (Net 15). After every step that writes, `validate` is clean and the
invoice balances and order statuses are what the ledger says.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from poflow_sheets.ledger import facts_of
from poflow_sheets.reader import read_workbook

from . import cli
from .cli import sha
from .test_one_truth import fill, pdf

D = Decimal
HEAD = "Details,Posting Date,Description,Amount,Type,Balance,Check or Slip #,\n"


def run(*args: object, code: int = 0) -> str:
    ran = cli.run(*args, ok=(code,))
    return ran.stdout + ran.stderr


def again(book: Path, *args: object) -> None:
    """The same command a second time writes nothing."""
    before = sha(book)
    run(*args)
    assert sha(book) == before, f"a second {args[0]} changed the workbook"


def clean(book: Path, today: str, *, warnings: tuple[str, ...] = ()) -> None:
    data = json.loads(run("validate", book, "--json", "--today", today))
    assert data["summary"]["errors"] == 0, data["findings"]
    assert sorted({f["code"] for f in data["findings"]}) == sorted(warnings), data["findings"]


def bank(path: Path, *rows: tuple[str, str, Decimal]) -> Path:
    """A Chase export: (MM/DD/YYYY, description, amount) per credit."""
    path.write_text(HEAD + "".join(f'CREDIT,{when},"{what}",{amount},ACH_CREDIT,1000.00,,\n'
                                   for when, what, amount in rows))
    return path


@pytest.fixture()
def book(tmp_path: Path) -> Path:
    path = tmp_path / "books.xlsx"
    run("init", path)
    fill(path)
    wb = openpyxl.load_workbook(path)
    wb["Products"]["G4"] = 100  # cups in stock
    wb.save(path)
    return path


def order(book: Path, po: str, buyer: str, *lines: tuple[str, int]) -> None:
    """A PO typed in by hand (no deposit asked), then acknowledged, shipped in full and invoiced."""
    wb = openpyxl.load_workbook(book)
    wb["Orders"].append([po, None, buyer, date(2026, 12, 1), None, None, None, 0, "draft"])
    for n, (sku, qty) in enumerate(lines, start=1):
        wb["Lines"].append([po, n, sku, None, qty, None])
    wb.save(book)
    run("acknowledge", book, po, "--today", "2026-12-01")
    run("ship", book, po, "--date", "2026-12-02", "--carrier", "UPS", "--tracking", f"1Z{po}")
    run("invoice", book, po, "--today", "2026-12-03")


def test_damaged_goods_short_payment_then_credit(book: Path, tmp_path: Path) -> None:
    """Damaged goods: the buyer pays the invoice less the claim (a pending deduction), the credit settles it."""
    order(book, "PO-500", "SHOP", ("VASE-S", 12), ("CUP", 48))
    total = D("381.60")  # 12 x 12.00 + 48 x 4.50 = 360.00, 6 % tax 21.60
    assert read_workbook(book).invoices[0].total == total
    out = run("claim", book, "PO-500", "--line", "1", "--kind", "damaged", "--qty", "3",
              "--note", "three vases arrived cracked", "--today", "2026-12-05")
    assert "CL-0001" in out and "38.16" in out  # 3 x 12.00 + 6 % tax
    again(book, "claim", book, "PO-500", "--line", "1", "--kind", "damaged", "--qty", "3",
          "--note", "three vases arrived cracked", "--today", "2026-12-05")
    claim = read_workbook(book).claims[0]
    assert (claim.status, claim.invoice_number, claim.late, claim.qty) == ("open", "INV-1001", False, 3)
    clean(book, "2026-12-05")

    # The buyer pays the invoice less the claim's value: payment plus a pending deduction, nothing unmatched.
    short = total - D("38.16")
    csv = bank(tmp_path / "dec.csv", ("12/10/2026", "ORIG CO NAME:JUNIPER SHOP LLC IND ID:INV-1001", short))
    out = run("reconcile", book, csv, "--apply", "--today", "2026-12-10")
    again(book, "reconcile", book, csv, "--apply", "--today", "2026-12-10")
    b = read_workbook(book)
    allocs = sorted((a.kind, a.amount, a.invoice_number, a.rule) for a in b.allocations)
    assert [(k, amt, inv) for k, amt, inv, _ in allocs] == [("deduction", D("38.16"), "INV-1001"),
                                                            ("invoice", short, "INV-1001")], allocs
    assert "claim-deduction CL-0001" in allocs[0][3]
    assert [p.status for p in b.payments] == ["applied"]
    inv = b.invoices[0]
    assert (inv.status, inv.amount_paid, inv.balance) == ("partial", short, D("38.16"))
    assert b.claims[0].deduction == b.payments[0].transaction_id and b.claims[0].status == "open"
    assert b.orders[0].status == "invoiced"
    clean(book, "2026-12-10")

    # Settled by credit: the credit note closes the invoice's balance, and the order closes.
    out = run("claim", book, "PO-500", "--settle", "credit", "--today", "2026-12-11")
    again(book, "claim", book, "PO-500", "--settle", "credit", "--today", "2026-12-11")
    assert "CN-0001" in out and "order closed" in out
    b = read_workbook(book)
    note = next(i for i in b.invoices if i.kind == "credit")
    assert (note.invoice_number, note.total, note.related) == ("CN-0001", D("-38.16"), "INV-1001")
    inv = next(i for i in b.invoices if i.invoice_number == "INV-1001")
    assert (inv.status, inv.balance) == ("paid", D("0.00"))
    c = b.claims[0]
    assert (c.status, c.resolution, c.credit_note, c.settled_on) == ("settled", "credit", "CN-0001", date(2026, 12, 11))
    assert b.orders[0].status == "closed"
    text = pdf(tmp_path / "documents" / "CN-0001.pdf")
    assert "Damaged: Small vase" in text and "CL-0001" in text and "INV-1001" in text and "38.16" in text
    clean(book, "2026-12-11")


def test_shortage_settled_by_replacement(book: Path, tmp_path: Path) -> None:
    """A shortage replaced at no charge: stock moves, nothing more is counted shipped or billed, the order closes."""
    order(book, "PO-600", "EXEMPT", ("VASE-L", 12))
    assert facts_of(read_workbook(book)).product["VASE-L"].stock == 28
    run("claim", book, "PO-600", "--line", "1", "--kind", "short", "--qty", "2", "--note", "the box held 10",
        "--today", "2026-12-04")
    out = run("claim", book, "PO-600", "--settle", "replacement", "--carrier", "UPS", "--tracking", "1ZREPL",
              "--today", "2026-12-05")
    again(book, "claim", book, "PO-600", "--settle", "replacement", "--carrier", "UPS", "--tracking", "1ZREPL",
          "--today", "2026-12-05")
    assert "SH-0002" in out and "no charge" in out
    b = read_workbook(book)
    facts = facts_of(b)
    rep = next(s for s in b.shipments if s.claim_number)
    assert (rep.shipment_id, rep.qty_shipped, rep.claim_number, rep.tracking) == ("SH-0002", 2, "CL-0001", "1ZREPL")
    assert facts.shipped[("PO-600", 1)] == 12 and facts.replaced[("PO-600", 1)] == 2  # not shipping more than committed
    assert facts.product["VASE-L"].stock == 26
    c = b.claims[0]
    assert (c.status, c.resolution, c.shipment_id) == ("settled", "replacement", "SH-0002")
    text = pdf(tmp_path / "documents" / "PS-SH-0002.pdf")
    assert "PACKING SLIP (REPLACEMENT)" in text and "CL-0001" in text and "Replacement: Large vase" in text
    # Nothing to invoice: a replacement is not billed; the invoice and the order stand as they were.
    assert "no shipped, uninvoiced orders" in run("invoice", book, "--all-ready", "--today", "2026-12-05")
    inv = b.invoices[0]
    assert (inv.total, inv.balance, inv.status) == (D("240.00"), D("240.00"), "open")
    assert b.orders[0].status == "invoiced"
    clean(book, "2026-12-05")
    # The buyer pays the invoice in full: the order closes (the replacement needs no invoice).
    csv = bank(tmp_path / "dec.csv", ("12/15/2026", "ORIG CO NAME:RESALE GOODS INC IND ID:INV-1001", D("240.00")))
    run("reconcile", book, csv, "--apply", "--today", "2026-12-15")
    b = read_workbook(book)
    assert b.invoices[0].status == "paid" and b.orders[0].status == "closed"
    clean(book, "2026-12-15")


@pytest.mark.parametrize("qty,memo,rule", [(1, "thank you", "payer+fee"), (6, "remittance", "payer+claim")],
                         ids=["fee-sized", "payer-only"])
def test_short_payment_by_the_claim_from_a_known_payer(book: Path, tmp_path: Path, qty: int, memo: str,
                                                       rule: str) -> None:
    """No invoice named, the payer is the buyer: matching took a small shortfall for a wire fee (it becomes the
    deduction), or left a larger one unmatched (it is allocated)."""
    order(book, "PO-700", "SHOP", ("CUP", 48))
    total = D("228.96")  # 48 x 4.50 = 216.00 + 12.96 tax
    run("claim", book, "PO-700", "--line", "1", "--kind", "damaged", "--qty", str(qty), "--today", "2026-12-05")
    value = (qty * D("4.50") * D("1.06")).quantize(D("0.01"))
    wb = openpyxl.load_workbook(book)
    wb["Buyers"]["H2"] = "JUNIPER SHOP"  # the name the bank prints, learned as an alias
    wb.save(book)
    csv = tmp_path / "dec.csv"
    csv.write_text("Date,Description,Amount,Payer\n" f"2026-12-10,{memo},{total - value},JUNIPER SHOP\n")
    wb = openpyxl.load_workbook(book)
    wb["Settings"].append(["Bank Mapping", "date=Date;amount=Amount;payer=Payer;memo=Description"])
    wb.save(book)
    run("reconcile", book, csv, "--apply", "--today", "2026-12-10")
    b = read_workbook(book)
    assert sorted((a.kind, a.amount) for a in b.allocations) == [("deduction", value), ("invoice", total - value)]
    assert next(a.rule for a in b.allocations if a.kind == "invoice") == rule
    assert b.invoices[0].balance == value and b.claims[0].deduction
    clean(book, "2026-12-10")


def test_claims_are_checked_against_what_shipped(book: Path) -> None:
    order(book, "PO-800", "SHOP", ("VASE-S", 12))
    cli.refused(book, "claim", book, "PO-800", "--line", "1", "--kind", "short", "--qty", "13", "--today", "2026-12-04",
                words=("more than the 12",))
    cli.refused(book, "claim", book, "PO-800", "--line", "2", "--kind", "short", "--qty", "1", words=("no line 2",))
    cli.refused(book, "claim", book, "PO-800", "--settle", "credit", words=("no open claim",))
    # Reported after the window (7 days from the ship date): recorded, flagged Late, a warning until decided.
    out = run("claim", book, "PO-800", "--line", "1", "--kind", "wrong item", "--qty", "12", "--today", "2026-12-20")
    assert "flagged Late" in out
    assert read_workbook(book).claims[0].late is True
    clean(book, "2026-12-20", warnings=("claim-late",))
    cli.refused(book, "claim", book, "PO-800", "--line", "1", "--kind", "damaged", "--qty", "1",
                "--today", "2026-12-20", words=("not yet claimed",))
    run("claim", book, "PO-800", "--reject", "--note", "reported too late", "--today", "2026-12-21")
    c = read_workbook(book).claims[0]
    assert (c.status, c.resolution, c.note) == ("rejected", "none", "reported too late")
    clean(book, "2026-12-21")
    # A claim typed by hand for more than shipped is an error.
    wb = openpyxl.load_workbook(book)
    wb["Claims"].append(["CL-0009", "PO-800", 1, "damaged", 20, "typed by hand", date(2026, 12, 5), None, "open"])
    wb.save(book)
    data = json.loads(run("validate", book, "--json", "--today", "2026-12-21", code=1))
    assert [(f["tab"], f["code"]) for f in data["findings"] if f["severity"] == "error"] == [("Claims", "claim-qty")]
