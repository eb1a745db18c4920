"""One order, one truth: an empty workbook a seller fills in, walked from the line sheet to a closed order.

Through the real CLI (click's runner, in process), on a workbook this test fills in as a person would:
a taxable buyer (6 % sales tax) and a resale-exempt one, case packs, MOQ, stock, tiers. After every step
`validate` is clean, every PDF's totals (read back with pdftotext) agree with the workbook to the cent,
and running the same command again changes no byte.
"""

from __future__ import annotations

import json
import re
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from poflow_sheets.ledger import facts_of
from poflow_sheets.reader import read_workbook

from . import cli
from .cli import filed, sha

D = Decimal


def run(*args: object, code: int = 0) -> str:
    ran = cli.run(*args, ok=(code,))
    return ran.stdout + ran.stderr


def again(book: Path, *args: object) -> None:
    """The same command a second time writes nothing."""
    before = sha(book)
    run(*args)
    assert sha(book) == before, f"a second {args[0]} changed the workbook"


def refused(book: Path, *args: object, words: tuple[str, ...]) -> str:
    before = sha(book)
    out = run(*args, code=2)
    lines = [ln for ln in out.strip().splitlines() if ln.startswith("poflow:")]
    assert len(lines) == 1, out
    for w in words:
        assert w in out, (w, out)
    assert sha(book) == before, "a refused command must write nothing"
    return out


def clean(book: Path, today: str, *, warnings: tuple[str, ...] = ()) -> None:
    """validate: no error, and no warning but the ones named (a case-pack warning before the acknowledgement)."""
    data = json.loads(run("validate", book, "--json", "--today", today))
    assert data["summary"]["errors"] == 0, data["findings"]
    assert sorted({f["code"] for f in data["findings"]}) == sorted(warnings), data["findings"]


def pdf(path: Path) -> str:
    return subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout


def amount_after(text: str, label: str) -> Decimal:
    """The amount printed after a label on the same line of a PDF's text."""
    m = re.search(re.escape(label) + r"[^\n]*?(-?[\d,]+\.\d\d)\s*$", text, re.M)
    assert m, f"{label!r} not in\n{text}"
    return D(m.group(1).replace(",", ""))


def fill(book: Path) -> None:
    """What a seller types into a new workbook: Settings, two buyers, products, tiers."""
    wb = openpyxl.load_workbook(book)
    settings = wb["Settings"]
    values = {"Seller Name": "Fern & Flint Ceramics", "Tax Rate": 0.06, "Remit To": "Bank: First Local, ACH 0123",
              "Default Terms": "Net 30", "First Order Deposit Pct": 0.5, "Lead Time Days": 3}
    for row in settings.iter_rows(min_row=2):
        if row[0].value in values:
            row[1].value = values[row[0].value]
    buyers = wb["Buyers"]
    buyers.append(["SHOP", "Juniper Shop LLC", "ap@juniper.example", "1 Main St", None, "Net 30", None, None, None])
    buyers.append(["EXEMPT", "Resale Goods Inc", "buy@resale.example", "9 Dock Rd", None, "Net 15", None, None, True,
                   "TX-12345 exp 2028"])
    products = wb["Products"]
    products.append(["VASE-S", "Small vase, speckled", "each", 12, 6, 6, 40, 10])
    products.append(["VASE-L", "Large vase, speckled", "each", 20, 6, 6, 40, 10])
    products.append(["CUP", "Stoneware cup", "each", 5, 12, 12, 30, 14])
    tiers = wb["PriceTiers"]
    tiers.append(["CUP", 48, 4.5])
    wb.save(book)


@pytest.fixture()
def book(tmp_path: Path) -> Path:
    path = tmp_path / "books.xlsx"
    run("init", path)
    fill(path)
    return path


def cents(value: Decimal) -> Decimal:
    return value.quantize(D("0.01"))


@pytest.mark.parametrize("buyer,name,rate", [("SHOP", "JUNIPER SHOP LLC", D("0.06")),
                                             ("EXEMPT", "RESALE GOODS INC", D(0))], ids=["taxable", "resale-exempt"])
def test_walk_from_line_sheet_to_closed_order(book: Path, tmp_path: Path, artifacts: Path, buyer: str, name: str,
                                              rate: Decimal) -> None:
    docs = tmp_path / "documents"

    def with_tax(subtotal: Decimal) -> Decimal:
        return subtotal + cents(subtotal * rate)

    def tax_row(text: str) -> Decimal:
        return amount_after(text, "Sales tax") if rate else amount_after(text, "Sales tax (exempt)")

    clean(book, "2026-12-01")
    # Step 1: the line sheet.
    run("linesheet", book, "--today", "2026-12-01")
    text = pdf(filed(docs, "LS-2026-12-01.pdf"))
    assert "LINE SHEET" in text and "VASE-S" in text and "48+ 4.50" in text and "case 12, MOQ 12" in text
    again(book, "linesheet", book, "--today", "2026-12-01")
    # Step 2: a quote at the tier prices; 10 vases is not a whole case: proposed, never applied.
    run("quote", book, buyer, "VASE-S=10", "CUP=48", "--today", "2026-12-01")
    again(book, "quote", book, buyer, "VASE-S=10", "CUP=48", "--today", "2026-12-01")
    text = pdf(filed(docs, "Q-0001.pdf"))
    assert "We propose 12" in text and "4.50" in text
    quoted = 10 * D(12) + 48 * D("4.50")  # 336.00
    assert tax_row(text) == cents(quoted * rate)
    assert amount_after(text, "QUOTE TOTAL") == with_tax(quoted)
    clean(book, "2026-12-01")
    # Step 3: the accepted quote becomes an order; the shop has no PO: our confirmation number is the reference.
    run("order", book, "--from-quote", "Q-0001", "--today", "2026-12-02")
    again(book, "order", book, "--from-quote", "Q-0001", "--today", "2026-12-02")
    po = "OC-0001"
    clean(book, "2026-12-02", warnings=("case-pack",))  # 10 vases, not whole cases: the acknowledgement answers it
    run("confirm", book, po, "--today", "2026-12-02")
    again(book, "confirm", book, po, "--today", "2026-12-02")
    text = pdf(filed(docs, "OC-0001.pdf"))
    confirmed = amount_after(text, "ORDER TOTAL")
    assert confirmed == with_tax(quoted) and tax_row(text) == cents(quoted * rate)
    assert "none; our reference OC-0001" in text and "none charged" not in text
    clean(book, "2026-12-02", warnings=("case-pack",))
    run("approve", book, po, "--on", "2026-12-03")
    again(book, "approve", book, po, "--on", "2026-12-03")
    # Step 4: the acknowledgement rounds the vases up to whole cases; cups are short of stock: backordered.
    wb = openpyxl.load_workbook(book)
    wb["Products"]["G4"] = 30  # CUP stock 30 < 48
    wb.save(book)
    run("acknowledge", book, po, "--today", "2026-12-03")
    again(book, "acknowledge", book, po, "--today", "2026-12-03")
    text = pdf(filed(docs, f"ACK-{po}.pdf"))
    lines = {ln.line_no: ln for ln in read_workbook(book).lines}
    assert (lines[1].ack_status, lines[1].ack_qty) == ("quantity changed", 12)
    assert lines[2].ack_status == "backordered" and lines[2].promised_date == date(2026, 12, 17)
    acked = with_tax(12 * D(12) + 48 * D("4.50"))  # 360.00 before tax
    assert amount_after(text, "ORDER TOTAL") == acked
    assert "please reply" in text.lower()  # the rounding raised the total: approve again
    clean(book, "2026-12-03")
    # Step 5: the first-order deposit (50 %) on the acknowledged total with tax.
    run("invoice", book, po, "--deposit", "--today", "2026-12-03")
    again(book, "invoice", book, po, "--deposit", "--today", "2026-12-03")
    deposit = cents(acked / 2)
    text = pdf(filed(docs, "INV-1001.pdf"))
    assert amount_after(text, "AMOUNT DUE") == deposit and "none charged" not in text
    assert read_workbook(book).invoices[0].total == deposit
    assert "Sales tax" not in [ln.strip().split("  ")[0] for ln in text.splitlines()]  # no tax row on a deposit
    bank = tmp_path / "dec.csv"
    bank.write_text("Details,Posting Date,Description,Amount,Type,Balance,Check or Slip #,\n"
                    f'CREDIT,12/04/2026,"ORIG CO NAME:{name} IND ID:INV-1001",{deposit},ACH_CREDIT,1190.80,,\n')
    run("reconcile", book, bank, "--apply", "--today", "2026-12-04")
    again(book, "reconcile", book, bank, "--apply", "--today", "2026-12-04")
    assert read_workbook(book).invoices[0].status == "paid"
    # Shipping before the buyer approved the raised total is refused.
    refused(book, "ship", book, po, "--line", "1=12", "--date", "2026-12-05", words=("approve",))
    # Step 6: a substitution: the large vase ships instead of the small one, at its own price. Told first.
    wb = openpyxl.load_workbook(book)
    ws = wb["Lines"]
    head = [c.value for c in ws[1]]
    ws.cell(2, head.index("Ack Status") + 1).value = "substituted"
    ws.cell(2, head.index("Substitute SKU") + 1).value = "VASE-L"
    ws.cell(2, head.index("Substitute Price") + 1).value = 14
    ws.cell(2, head.index("Note") + 1).value = "small vase glaze failed; large vase instead"
    wb.save(book)
    refused(book, "ship", book, po, "--line", "1=12", "--date", "2026-12-05", words=("changed since",))
    run("acknowledge", book, po, "--today", "2026-12-05")
    again(book, "acknowledge", book, po, "--today", "2026-12-05")
    text = pdf(filed(docs, f"ACK-{po}-R2.pdf"))
    assert "REVISION 2" in text and "VASE-L" in text and filed(docs, f"ACK-{po}.pdf").exists()
    revised = with_tax(12 * D(14) + 48 * D("4.50"))  # 384.00 before tax
    assert amount_after(text, "ORDER TOTAL") == revised
    assert f"Deposit received: {deposit}" in text
    refused(book, "ship", book, po, "--line", "1=12", "--date", "2026-12-05", words=("approve",))
    run("approve", book, po, "--on", "2026-12-05")
    again(book, "approve", book, po, "--on", "2026-12-05")
    assert read_workbook(book).orders[0].approved_total == revised
    clean(book, "2026-12-05")
    # Step 7: ship the vases and the 30 cups in stock; cups beyond stock are refused.
    refused(book, "ship", book, po, "--date", "2026-12-06", words=("stock",))
    run("ship", book, po, "--line", "1=12", "--line", "2=30", "--date", "2026-12-06", "--tracking", "1ZFF1")
    again(book, "ship", book, po, "--line", "1=12", "--line", "2=30", "--date", "2026-12-06", "--tracking", "1ZFF1")
    text = pdf(filed(docs, "PS-SH-0001.pdf"))
    assert "PACKING SLIP" in text and "VASE-L" in text and "18" in text  # 18 cups backordered
    facts = facts_of(read_workbook(book))
    assert facts.product["VASE-L"].stock == 28 and facts.product["VASE-S"].stock == 40
    clean(book, "2026-12-06")
    # Step 8: the other 18 cups will not come: a short-ship, told by a revision (it lowers the total).
    wb = openpyxl.load_workbook(book)
    ws = wb["Lines"]
    ws.cell(3, head.index("Ack Qty") + 1).value = 30
    ws.cell(3, head.index("Ack Status") + 1).value = "quantity changed"
    ws.cell(3, head.index("Note") + 1).value = "cup line discontinued: 30 only"
    wb.save(book)
    run("acknowledge", book, po, "--today", "2026-12-07")
    again(book, "acknowledge", book, po, "--today", "2026-12-07")
    text = pdf(filed(docs, f"ACK-{po}-R3.pdf"))
    final_total = with_tax(12 * D(14) + 30 * D("4.50"))  # our short-ship keeps the agreed price per cup
    assert amount_after(text, "ORDER TOTAL") == final_total
    clean(book, "2026-12-07")
    # Step 9: the final invoice bills what shipped, with tax, the deposit deducted.
    run("invoice", book, po, "--today", "2026-12-08")
    again(book, "invoice", book, po, "--today", "2026-12-08")
    text = pdf(filed(docs, "INV-1002.pdf"))
    assert amount_after(text, "Invoice total") == final_total
    assert tax_row(text) == cents(303 * rate)
    due = final_total - deposit
    assert amount_after(text, "AMOUNT DUE") == due
    assert "Ordered" in text and "Backord" in text and "Not shipped and not billed" in text
    if rate:
        subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(filed(docs, "INV-1002.pdf")),
                        str(artifacts / "one_truth_INV-1002")], check=True)
    invoices = read_workbook(book).invoices
    invoiced = sum((i.total + (i.deposit_deducted or 0) for i in invoices if i.kind == "final"), D(0))
    assert invoiced == final_total and next(i for i in invoices if i.kind == "final").total == due
    # What the buyer approved (R2) = what was invoiced + what did not ship (18 cups at their price, with tax).
    assert revised == invoiced + with_tax(18 * D("4.50"))
    clean(book, "2026-12-08")
    # Step 10: payment; the order closes.
    bank2 = tmp_path / "dec2.csv"
    bank2.write_text("Details,Posting Date,Description,Amount,Type,Balance,Check or Slip #,\n"
                     f'CREDIT,12/20/2026,"ORIG CO NAME:{name} IND ID:INV-1002",{due},ACH_CREDIT,1321.18,,\n')
    run("reconcile", book, bank2, "--apply", "--today", "2026-12-21")
    again(book, "reconcile", book, bank, bank2, "--apply", "--today", "2026-12-21")
    o = read_workbook(book).orders[0]
    assert o.status == "closed"
    clean(book, "2026-12-21")
    status = json.loads(run("status", book, "--json", "--today", "2026-12-21"))
    assert po in next(s for s in status["steps"] if s["step"] == "paid_closed")["po_numbers"]


def test_exempt_buyer_with_its_own_po_and_blank_prices(book: Path, tmp_path: Path) -> None:
    """A PO typed by hand with blank descriptions and prices: filled in from the lists; no tax anywhere."""
    docs = tmp_path / "documents"
    wb = openpyxl.load_workbook(book)
    wb["Orders"].append(["PO-77", None, "EXEMPT", date(2026, 12, 1), None, None, None, 0, "draft"])  # no deposit
    wb["Lines"].append(["PO-77", 1, "CUP", None, 48, None])
    wb["Lines"].append(["PO-77", 2, "VASE-S", None, 12, None])
    wb["Products"]["G4"] = 100  # cups in stock
    wb.save(book)
    clean(book, "2026-12-01")
    run("acknowledge", book, "PO-77", "--today", "2026-12-01")
    lines = read_workbook(book).lines
    assert [(ln.description, ln.unit, ln.unit_price) for ln in lines] == [
        ("Stoneware cup", "each", D("4.5")), ("Small vase, speckled", "each", D("12"))]
    text = pdf(filed(docs, "ACK-PO-77.pdf"))
    total = 48 * D("4.50") + 12 * D(12)  # 360.00, no tax
    assert amount_after(text, "ORDER TOTAL") == total and "resale certificate TX-12345" in text
    assert "Sales tax (exempt)" in text
    run("ship", book, "PO-77", "--date", "2026-12-02")
    run("invoice", book, "PO-77", "--today", "2026-12-02")
    text = pdf(filed(docs, "INV-1001.pdf"))
    assert amount_after(text, "AMOUNT DUE") == total and "Exempt from sales tax" in text
    clean(book, "2026-12-02")
    run("invoice", book, "PO-77", "--today", "2026-12-02")  # again: nothing new shipped
    assert len(read_workbook(book).invoices) == 1


def test_refusals_write_nothing(book: Path) -> None:
    wb = openpyxl.load_workbook(book)
    wb["Orders"].append(["PO-9", None, "SHOP", date(2026, 12, 1), None, None, None, None, "draft"])
    wb["Lines"].append(["PO-9", 1, "NO-SUCH-SKU", "mystery", 6, 10])
    wb["Lines"].append(["PO-9", 2, "VASE-S", None, 12, None])
    wb.save(book)
    # Item 8: no document for an order validate reports errors on.
    for cmd in ("confirm", "acknowledge"):
        refused(book, cmd, book, "PO-9", "--today", "2026-12-01", words=("validate reports", "NO-SUCH-SKU"))
    refused(book, "invoice", book, "PO-9", "--deposit", "--today", "2026-12-01", words=("validate reports",))
    wb = openpyxl.load_workbook(book)
    wb["Lines"].delete_rows(2)
    wb.save(book)
    # Item 6: never more than stock, never before acknowledgement (a stray space is no part of a PO number).
    refused(book, "ship", book, " PO-9 ", "--date", "2026-12-02", words=("not acknowledged",))
    run("acknowledge", book, "PO-9", "--today", "2026-12-01")
    wb = openpyxl.load_workbook(book)
    wb["Products"]["G2"] = 5  # VASE-S stock 5 < 12 after the acknowledgement
    wb.save(book)
    refused(book, "ship", book, "PO-9", "--date", "2026-12-05", words=("stock below zero",))
    # Item 5: a short-ship not told first.
    wb = openpyxl.load_workbook(book)
    wb["Products"]["G2"] = 40
    wb.save(book)
    refused(book, "ship", book, "PO-9", "--line", "2=6", "--date", "2026-12-05", words=("short-ship",))
    # Forced with a reason: recorded, and stock never clamped silently.
    out = run("ship", book, "PO-9", "--line", "2=6", "--date", "2026-12-05", "--force", "--reason", "half now")
    ship = read_workbook(book).shipments[0]
    assert "half now" in ship.note and "short-ship" in ship.note, out


def test_printable_invoice_sheet_renders_cleanly_in_libreoffice(book: Path, tmp_path: Path, artifacts: Path) -> None:
    """The invoice sheet as LibreOffice prints it: every label whole, notes on their own rows."""
    import shutil

    wb = openpyxl.load_workbook(book)
    wb["Orders"].append(["PO-5", None, "SHOP", date(2026, 12, 1), None, None, None, 0, "draft"])
    wb["Lines"].append(["PO-5", 1, "VASE-S", None, 12, None, "a long note that would once have been printed over "
                        "the header row of the table, and cut the amount-due label short"])
    wb.save(book)
    run("acknowledge", book, "PO-5", "--today", "2026-12-01")
    run("ship", book, "PO-5", "--date", "2026-12-02")
    run("invoice", book, "PO-5", "--today", "2026-12-02")
    only = tmp_path / "sheet" / "INV-1001.xlsx"
    only.parent.mkdir()
    wb = openpyxl.load_workbook(book)
    for name in wb.sheetnames:
        if name != "INV-1001":
            del wb[name]
    wb.save(only)
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice must be installed (scripts/setup_system.sh)"
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to", "pdf",
                    "--outdir", str(only.parent), str(only)], capture_output=True, timeout=180, check=True)
    text = pdf(only.with_suffix(".pdf"))
    assert "Amount due (USD)" in text and amount_after(text, "Amount due (USD)") == D("152.64")  # 144 + 6 %
    desc_row = next(ln for ln in text.splitlines() if "Small vase, speckled" in ln)
    assert "a long note" not in desc_row  # the note has a row of its own
    subprocess.run(["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", str(only.with_suffix(".pdf")),
                    str(artifacts / "invoice_sheet_libreoffice")], check=True)
