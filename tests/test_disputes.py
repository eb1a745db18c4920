"""Disputes (issue 15): buyer claims settled by a credit or a replacement, short payments that hold back an open
claim, and the evidence pack of an order.

Through the CLI in process, on an empty workbook filled in as in test_one_truth: a taxable shop (6 % sales
tax, Net 30) and a resale-exempt one (Net 15). After every step that writes, `validate` is clean and the
invoice balances and order statuses are what the ledger says.
"""

from __future__ import annotations

import json
import re
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from poflow_sheets.ledger import facts_of
from poflow_sheets.reader import read_workbook

from . import cli
from .cli import filed, sha
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
    text = pdf(filed(tmp_path / "documents", "CN-0001.pdf"))
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
    text = pdf(filed(tmp_path / "documents", "PS-SH-0002.pdf"))
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


def test_claim_on_a_paid_invoice_is_credited_on_account(book: Path, tmp_path: Path) -> None:
    """The buyer paid in full, then a claim is approved and settled by credit: the invoice is not credited twice;
    the credit stays on the buyer's account."""
    order(book, "PO-550", "EXEMPT", ("VASE-S", 12))  # 144.00, no tax
    csv = bank(tmp_path / "dec.csv", ("12/04/2026", "ORIG CO NAME:RESALE GOODS INC IND ID:INV-1001", D("144.00")))
    run("reconcile", book, csv, "--apply", "--today", "2026-12-04")
    assert read_workbook(book).orders[0].status == "closed"
    run("claim", book, "PO-550", "--line", "1", "--kind", "return", "--qty", "1", "--today", "2026-12-05")
    assert "approved" in run("claim", book, "PO-550", "--approve", "--today", "2026-12-06")
    again(book, "claim", book, "PO-550", "--approve", "--today", "2026-12-06")
    out = run("claim", book, "PO-550", "--settle", "credit", "--today", "2026-12-07")
    assert "on the buyer's account" in out
    b = read_workbook(book)
    note = next(i for i in b.invoices if i.kind == "credit")
    assert (note.total, note.related, note.status, note.balance) == (D("-12.00"), "", "open", D("-12.00"))
    inv = next(i for i in b.invoices if i.kind == "final")
    assert (inv.status, inv.balance) == ("paid", D("0.00"))
    assert (b.claims[0].status, b.claims[0].credit_note) == ("settled", note.invoice_number)
    assert "Returned: Small vase" in pdf(filed(tmp_path / "documents", f"{note.invoice_number}.pdf"))
    clean(book, "2026-12-07")


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


NUMBER = r"(?<![\w-]){}(?![\w-])"


def walk(book: Path, tmp_path: Path) -> list[str]:
    """An order through the whole flow, with a revision, a deposit, a claim, a short payment and a credit.
    Returns the order's document numbers in date order."""
    run("quote", book, "SHOP", "VASE-S=12", "CUP=48", "--today", "2026-12-01")
    run("order", book, "--from-quote", "Q-0001", "--po", "PO-900", "--today", "2026-12-02")
    run("confirm", book, "PO-900", "--today", "2026-12-02")
    run("approve", book, "PO-900", "--on", "2026-12-03")
    run("acknowledge", book, "PO-900", "--today", "2026-12-03")
    run("invoice", book, "PO-900", "--deposit", "--today", "2026-12-03")
    deposit = read_workbook(book).invoices[0].total
    run("reconcile", book, bank(tmp_path / "dep.csv", ("12/04/2026", "ORIG CO NAME:JUNIPER SHOP LLC IND ID:INV-1001",
                                                      deposit)), "--apply", "--today", "2026-12-04")
    wb = openpyxl.load_workbook(book)  # only 30 cups will come: told by a revision (it lowers the total)
    ws = wb["Lines"]
    head = [c.value for c in ws[1]]
    ws.cell(3, head.index("Ack Qty") + 1).value = 30
    ws.cell(3, head.index("Ack Status") + 1).value = "quantity changed"
    ws.cell(3, head.index("Note") + 1).value = "cups: 30 only"
    wb.save(book)
    run("acknowledge", book, "PO-900", "--today", "2026-12-05")
    run("ship", book, "PO-900", "--date", "2026-12-06", "--carrier", "UPS", "--tracking", "1ZPO900")
    run("invoice", book, "PO-900", "--today", "2026-12-07")
    run("claim", book, "PO-900", "--line", "1", "--kind", "damaged", "--qty", "2", "--note", "two vases cracked",
        "--file", tmp_path / "photos" / "crack.jpg", "--today", "2026-12-09")
    final = next(i for i in read_workbook(book).invoices if i.invoice_number == "INV-1002")
    short = final.total - D("25.44")  # 2 vases at 12.00 with 6 % tax
    run("reconcile", book, bank(tmp_path / "dec.csv", ("12/12/2026", "ORIG CO NAME:JUNIPER SHOP LLC IND ID:INV-1002",
                                                      short)), "--apply", "--today", "2026-12-12")
    run("claim", book, "PO-900", "--settle", "credit", "--today", "2026-12-13")
    clean(book, "2026-12-13")
    return ["Q-0001", "OC-0001", "ACK-PO-900", "INV-1001", "ACK-PO-900-R2", "PS-SH-0001", "INV-1002", "CN-0001"]


def test_evidence_pack_of_an_order_through_the_whole_flow(book: Path, tmp_path: Path, artifacts: Path) -> None:
    import hashlib
    import subprocess
    import zipfile

    (tmp_path / "photos").mkdir()
    (tmp_path / "photos" / "crack.jpg").write_bytes(b"\xff\xd8\xff\xe0 a photo of two cracked vases")
    numbers = walk(book, tmp_path)
    docs = tmp_path / "documents"
    before = sha(book)
    out = run("evidence", book, "PO-900")
    assert sha(book) == before, "the evidence pack only reads the workbook"
    assert "not found" not in out, out
    pack, bundle = docs / "EVIDENCE-PO-900.pdf", docs / "EVIDENCE-PO-900.zip"
    info = subprocess.run(["pdfinfo", str(pack)], capture_output=True, text=True, check=True).stdout
    assert "Pages:" in info
    text = pdf(pack)
    subprocess.run(["pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "2", str(pack), str(artifacts / "evidence")],
                   check=True)
    # The cover: amounts and the dispute as decided.
    assert "PO-900" in text and "Juniper Shop LLC" in text and "CL-0001 settled (credit)" in text
    # Every document number of the order, in date order, in the contents; one section each.
    contents = text[text.index("CONTENTS, IN DATE ORDER"):text.index("1. 1 December 2026")]
    at = [re.search(NUMBER.format(re.escape(n)), contents) for n in numbers]
    assert all(at), [n for n, m in zip(numbers, at, strict=True) if not m]
    assert [m.start() for m in at if m] == sorted(m.start() for m in at if m), contents
    heads = re.findall(r"^\s*(\d+)\. (\d{1,2} \w+ \d{4}): (.*)$", text, re.M)
    assert [int(n) for n, _, _ in heads] == list(range(1, len(heads) + 1))
    days = [datetime.strptime(d, "%d %B %Y").date() for _, d, _ in heads]
    assert days == sorted(days)
    for n in numbers:
        assert sum(1 for *_, title in heads if re.search(NUMBER.format(re.escape(n)), title)) == 1, n
    assert "approval" in text.lower() and "poflow approve" in text  # who recorded the approval, by which command
    assert "claim-deduction CL-0001" in text and "poflow claim" in text  # the payment's deduction; the Log
    # Each file's SHA-256 is printed, is the file's, and the same bytes are attached and zipped.
    files = {p.name: p.read_bytes() for p in docs.glob("*/*/*.pdf") if not p.name.startswith("EVIDENCE")}
    files["CL-0001-crack.jpg"] = (tmp_path / "photos" / "crack.jpg").read_bytes()
    assert {f"{n}.pdf" for n in numbers} <= set(files)
    for name, data in files.items():
        assert hashlib.sha256(data).hexdigest() in text, name
    attached = tmp_path / "attached"
    attached.mkdir()
    subprocess.run(["pdfdetach", "-saveall", "-o", str(attached), str(pack)], check=True)
    assert {p.name: p.read_bytes() for p in attached.iterdir()} == files
    with zipfile.ZipFile(bundle) as zf:
        assert zf.testzip() is None
        assert {n.removeprefix("files/"): zf.read(n) for n in zf.namelist() if n.startswith("files/")} == files
        assert zf.read("EVIDENCE-PO-900.pdf") == pack.read_bytes()
        sums = dict(reversed(line.split("  ", 1)) for line in zf.read("SHA256SUMS").decode().splitlines())
        manifest = json.loads(zf.read("manifest.json"))
    assert sums["EVIDENCE-PO-900.pdf"] == hashlib.sha256(pack.read_bytes()).hexdigest()
    assert all(sums[f"files/{n}"] == hashlib.sha256(d).hexdigest() for n, d in files.items())
    assert [i["number"] for i in manifest["items"] if i["number"] in numbers] == numbers
    # A rerun gives the same pack, byte for byte.
    first = (sha(pack), sha(bundle))
    run("evidence", book, "PO-900")
    assert (sha(pack), sha(bundle)) == first


def test_evidence_picks_up_a_messages_tab(book: Path, tmp_path: Path) -> None:
    """Where the mail feature records messages, the reply with its headers is the approval; reminders are listed."""
    run("quote", book, "SHOP", "VASE-S=12", "--today", "2026-12-01")
    run("order", book, "--from-quote", "Q-0001", "--today", "2026-12-02")
    run("confirm", book, "OC-0001", "--today", "2026-12-02")
    run("approve", book, "OC-0001", "--on", "2026-12-03")
    # The Messages tab as `poflow inbox` and `poflow remind` keep it (its columns are the schema's).
    wb = openpyxl.load_workbook(book)
    ws = wb["Messages"]
    head = [c.value for c in ws[1]]

    def message(**cells: object) -> None:
        ws.append([cells.get(h) for h in head])

    message(When="2026-12-03 09:14:00", Direction="in", Kind="reply", Status="approved", Date=date(2026, 12, 3),
            From="ap@juniper.example", To="orders@fern.example", Subject="Re: Order confirmation OC-0001",
            **{"PO Number": "OC-0001", "Message-ID": "<r1@juniper.example>", "In-Reply-To": "<oc1@fern.example>"})
    message(When="2026-12-20 08:00:00", Direction="out", Kind="reminder", Status="sent", Date=date(2026, 12, 20),
            From="orders@fern.example", To="ap@juniper.example", Subject="Reminder: OC-0001 is due",
            **{"Message-ID": "<m7@fern.example>"})
    message(When="2026-12-20 08:00:00", Direction="out", Kind="reminder", Status="sent", Subject="Another order",
            **{"PO Number": "PO-1", "Message-ID": "<x@other.example>"})
    wb.save(book)
    run("evidence", book, "OC-0001", "--out", tmp_path / "pack")
    text = pdf(tmp_path / "pack" / "EVIDENCE-OC-0001.pdf")
    assert "The buyer's approval (the reply)" in text and "<r1@juniper.example>" in text
    assert "In-Reply-To" in text and "<oc1@fern.example>" in text and "Messages row 2" in text
    assert "Reminder sent: Reminder: OC-0001 is due" in text and "Another order" not in text
    assert "none; our reference OC-0001" in text
