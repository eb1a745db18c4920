"""Business documents: the model's checks, the PDF (through pdftotext / pdfinfo / pdftoppm), sheet rows."""

from __future__ import annotations

import dataclasses
import re
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

from poflow_sheets.documents import DepositDeduction, DocLine, Document, Party, StatementRow
from poflow_sheets.documents.pdf import core_safe, render_pdf
from poflow_sheets.documents.sheet import COL_WIDTHS, Cell, sheet_name, sheet_rows
from poflow_sheets.documents.text import render_text
from poflow_sheets.money import cents
from poflow_sheets.terms import discount_amount, discount_date, due_date, parse_terms

D = Decimal
SELLER = Party(
    "Juniper & Pine Goods LLC",
    "410 Mill Street, Suite 2\nAsheville, NC 28801\nUSA",
    "orders@juniperpine.example",
    ("Tel. +1 828 555 0142",),
)
BUYER = Party(
    "Harbor Lane Boutique",
    "88 Front Street\nPortland, ME 04101",
    "ap@harborlane.example",
    ("Buyer ID: B-0042",),
)
REMIT = (
    "Juniper & Pine Goods LLC\n"
    "First Mountain Bank, ABA 053000219, Account 0012345678\n"
    "Or check to: PO Box 77, Asheville, NC 28802"
)



def _line(no: int, sku: str, desc: str, qty: int, price: str, **kw: object) -> DocLine:
    p = D(price)
    return DocLine(
        line_no=no, sku=sku, description=desc, qty=qty, unit="ea", unit_price=p, amount=cents(p * qty), **kw)  # type: ignore[arg-type]


def make_invoice(
    number: str = "INV-1001",
    issue: date = date(2026, 11, 30),
    terms_text: str = "2/10 Net 30",
    lines: tuple[DocLine, ...] | None = None,
    deposits: tuple[DepositDeduction, ...] = (),
    tax_rate: Decimal = Decimal(0),
) -> Document:
    """An invoice whose figures are computed the way the invoicing code should compute them."""
    if lines is None:
        lines = (
            _line(1, "JP-CAN-8OZ", "Soy candle, cedar & sage, 8 oz amber jar", 48, "12.50"),
            _line(2, "JP-TEA-12", "Loose-leaf tea tin, smoky lapsang, 12 x 50 g", 24, "9.75"),
            _line(3, "JP-MUG-BLU", "Stoneware mug, speckled blue glaze", 36, "14.20"),
        )
    subtotal = sum((ln.amount for ln in lines), D("0.00"))
    tax = cents(subtotal * tax_rate)
    total = subtotal + tax
    due = total - sum((d.amount for d in deposits), D("0.00"))
    terms = parse_terms(terms_text)
    disc_amt = discount_amount(due, terms)
    return Document(
        kind="invoice",
        number=number,
        issue_date=issue,
        seller=SELLER,
        buyer=BUYER,
        po_number="HLB-PO-77731",
        our_ref="SO-2026-118",
        lines=lines,
        subtotal=subtotal,
        tax=tax,
        tax_note=(
            f"Sales tax {tax_rate * 100:.2f} % (NC)"
            if tax
            else "No sales tax: sale for resale, buyer's Maine resale certificate ME-RC-5521 on file"
        ),
        deposit_deductions=deposits,
        total=total,
        amount_due=due,
        terms_text=terms_text,
        due_date=due_date(issue, terms),
        discount_date=discount_date(issue, terms),
        discount_amount=disc_amt,
        discounted_total=due - disc_amt if terms.has_discount else D("0.00"),
        discount_pct=terms.discount_pct,
        remit_to=REMIT,
        notes=("Thank you for your order.",),
    )


def make_ack() -> Document:
    lines = (
        DocLine(
            line_no=1, sku="JP-CAN-8OZ", description="Soy candle, cedar & sage, 8 oz", qty=48, unit="ea",
            unit_price=D("12.50"), amount=D("600.00"), status="IA", promised_date=date(2026, 11, 20), ordered_qty=48),
        DocLine(
            line_no=2, sku="JP-TEA-12", description="Loose-leaf tea tin, smoky lapsang", qty=12, unit="ea",
            unit_price=D("9.75"), amount=D("117.00"), status="IB",
            note="12 ship now; 12 backordered, expected 15 January 2027", promised_date=date(2026, 11, 20),
            ordered_qty=24),
        DocLine(
            line_no=3, sku="JP-MUG-GRN", description="Stoneware mug, speckled green glaze (for JP-MUG-BLU)", qty=36,
            unit="ea", unit_price=D("14.20"), amount=D("511.20"), status="IS",
            note="Substitutes JP-MUG-BLU, discontinued; same price", promised_date=date(2026, 11, 20),
            ordered_qty=36),
        DocLine(
            line_no=4, sku="JP-SOAP-3", description="Goat milk soap, 3-pack", qty=0, unit="ea", unit_price=D("8.00"),
            amount=D("0.00"), status="IR", note="Rejected: out of stock, no longer made", ordered_qty=20),
    )
    sub = sum((ln.amount for ln in lines), D("0.00"))
    return Document(
        kind="acknowledgement",
        number="ACK-0007",
        issue_date=date(2026, 11, 12),
        seller=SELLER,
        buyer=BUYER,
        po_number="HLB-PO-77731",
        our_ref="SO-2026-118",
        lines=lines,
        subtotal=sub,
        total=sub,
        amount_due=sub,
        terms_text="2/10 Net 30",
        requested_ship_date=date(2026, 11, 18),
        promised_ship_date=date(2026, 11, 20),
        exceptions=(
            "Line 2 JP-TEA-12: backordered: 12 of 24 ship on 20 November 2026, the other 12 by 15 January 2027.",
            "Line 3 JP-MUG-BLU: substituted by JP-MUG-GRN (blue discontinued), same price 14.20.",
            "Line 4 JP-SOAP-3: rejected, out of stock and no longer made; 20 x 8.00 = 160.00 removed.",
            "Ship date: 20 November 2026, two days after the requested 18 November 2026.",
        ),
    )


def make_credit_note() -> Document:
    lines = (_line(1, "JP-MUG-BLU", "Stoneware mug, speckled blue glaze: 3 arrived broken", 3, "14.20"),)
    return Document(
        kind="credit_note",
        number="CN-0003",
        issue_date=date(2026, 12, 8),
        seller=SELLER,
        buyer=BUYER,
        po_number="HLB-PO-77731",
        lines=lines,
        subtotal=D("42.60"),
        total=D("42.60"),
        amount_due=D("42.60"),
        related_invoice="INV-1001",
        tax_note="No sales tax: sale for resale.",
        notes=("Deduct this credit from your next payment, or we refund it on request.",),
    )


def make_statement() -> Document:
    rows = (
        StatementRow(
            date=date(2026, 7, 10), kind="Invoice", number="INV-0990", po_number="HLB-PO-71002",
            due_date=date(2026, 8, 9), amount=D("2400.00"), paid=D("1000.00"), balance=D("1400.00")),
        StatementRow(
            date=date(2026, 9, 20), kind="Invoice", number="INV-0998", po_number="HLB-PO-74410",
            due_date=date(2026, 10, 20), amount=D("880.40"), paid=D("0.00"), balance=D("880.40")),
        StatementRow(
            date=date(2026, 11, 30), kind="Invoice", number="INV-1001", po_number="HLB-PO-77731",
            due_date=date(2026, 12, 30), amount=D("1635.20"), paid=D("42.60"), balance=D("1592.60")),
        StatementRow(
            date=date(2026, 11, 2), kind="Payment", number="ACH 8841", po_number="", due_date=None,
            amount=D("-1250.00"), paid=D("-1000.00"), balance=D("-250.00")),
        StatementRow(
            date=date(2026, 12, 8), kind="Credit note", number="CN-0003", po_number="HLB-PO-77731", due_date=None,
            amount=D("-42.60"), paid=D("-42.60"), balance=D("0.00")),
    )
    bal = sum((r.balance for r in rows), D("0.00"))
    return Document(
        kind="statement",
        number="ST-2026-12-B0042",
        issue_date=date(2026, 12, 15),
        seller=SELLER,
        buyer=BUYER,
        statement_rows=rows,
        amount_due=bal,
        remit_to=REMIT,
        aging=(
            ("Current", D("1342.60")),
            ("1-30", D("0.00")),
            ("31-60", D("880.40")),
            ("61-90", D("0.00")),
            ("90+", D("1400.00")),
        ),
        notes=("Payment ACH 8841 of 2 November 2026: 1,000.00 applied to INV-0990, 250.00 unapplied.",),
    )


def make_confirmation() -> Document:
    lines = (_line(1, "JP-CAN-8OZ", "Soy candle, cedar & sage", 24, "12.50"),)
    return Document(
        kind="confirmation",
        number="OC-0012",
        issue_date=date(2026, 10, 1),
        seller=SELLER,
        buyer=BUYER,
        po_number="phone order 1 Oct",
        lines=lines,
        subtotal=D("300.00"),
        total=D("300.00"),
        amount_due=D("300.00"),
        terms_text="Net 30",
        requested_ship_date=date(2026, 10, 15),
        ask_to_approve=True,
    )


# ---------------------------------------------------------------------------- helpers


def pdf_text(data: bytes, tmp_path: Path, name: str) -> str:
    path = tmp_path / f"{name}.pdf"
    path.write_bytes(data)
    out = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, check=True, text=True)
    return out.stdout


def page_count(data: bytes, tmp_path: Path) -> int:
    path = tmp_path / "count.pdf"
    path.write_bytes(data)
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
    m = re.search(r"^Pages:\s+(\d+)", info, re.M)
    assert m, info
    return int(m.group(1))


def keep_png(data: bytes, artifacts: Path, name: str) -> Path:
    pdf = artifacts / f"{name}.pdf"
    pdf.write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(artifacts / name)],
        check=True,
    )
    png = artifacts / f"{name}.png"
    assert png.stat().st_size > 1000
    return png


def flat(text: str) -> str:
    """pdftotext -layout text with runs of spaces squeezed, for phrase assertions."""
    return re.sub(r"[ \t]+", " ", text)


# ---------------------------------------------------------------------------- model checks


def test_invoice_ties() -> None:
    inv = make_invoice(deposits=(DepositDeduction("INV-1000", date(2026, 11, 2), D("500.00")),))
    assert inv.check() == []
    assert inv.subtotal == D("1345.20")
    assert inv.amount_due == D("845.20")
    assert inv.title == "INVOICE INV-1001"


def test_check_catches_a_total_that_does_not_tie() -> None:
    inv = make_invoice()
    bad = dataclasses.replace(inv, total=inv.total + D("0.01"))
    problems = bad.check()
    assert any("total" in p for p in problems), problems
    bad_line = dataclasses.replace(
        inv, subtotal=inv.subtotal - D("1.00"), total=inv.total - D("1.00"), amount_due=inv.amount_due - D("1.00")
    )
    assert any("lines add up to" in p for p in bad_line.check())
    wrong_amount = dataclasses.replace(inv, lines=(dataclasses.replace(inv.lines[0], amount=D("600.01")), *inv.lines[1:]))
    assert any("48 x 12.50 = 600.00" in p for p in wrong_amount.check())
    floaty = dataclasses.replace(inv, tax=0.0)  # type: ignore[arg-type]
    assert any("expected a Decimal" in p for p in floaty.check())
    sub_cent = dataclasses.replace(inv, tax=D("0.001"))
    assert any("whole number of cents" in p for p in sub_cent.check())
    no_po = dataclasses.replace(inv, po_number="")
    assert any("PO number" in p for p in no_po.check())
    disc = dataclasses.replace(inv, discounted_total=inv.discounted_total + D("0.01"))
    assert any("discounted total" in p for p in disc.check())


def test_check_other_kinds() -> None:
    assert make_ack().check() == []
    assert make_credit_note().check() == []
    assert make_statement().check() == []
    assert make_confirmation().check() == []
    st = make_statement()
    bad_aging = dataclasses.replace(st, aging=((st.aging[0][0], st.aging[0][1] + 1), *st.aging[1:]))
    assert any("aging" in p for p in bad_aging.check())
    ack = make_ack()
    assert any("no exception" in p for p in dataclasses.replace(ack, exceptions=()).check())
    over = dataclasses.replace(ack.lines[0], qty=50, amount=D("625.00"))
    bad_ack = dataclasses.replace(
        ack, lines=(over, *ack.lines[1:]), subtotal=ack.subtotal + 25, total=ack.total + 25, amount_due=ack.amount_due + 25
    )
    assert any("exceeds the ordered" in p for p in bad_ack.check())
    assert any("credit" in p for p in dataclasses.replace(make_credit_note(), related_invoice="").check())


# ---------------------------------------------------------------------------- PDF


def test_invoice_pdf_discount_and_deposit(tmp_path: Path, artifacts: Path) -> None:
    inv = make_invoice(deposits=(DepositDeduction("INV-1000", date(2026, 11, 2), D("500.00")),))
    assert inv.check() == []
    data = render_pdf(inv)
    assert data.startswith(b"%PDF-")
    text = flat(pdf_text(data, tmp_path, "inv"))
    assert "INVOICE INV-1001" in text
    assert "PO NUMBER: HLB-PO-77731" in text
    assert "Due: 30 December 2026" in text
    assert "Terms: 2/10 Net 30" in text
    assert "1,345.20" in text  # subtotal
    assert "Less deposit invoice INV-1000 of 2 November 2026 -500.00" in text
    assert "AMOUNT DUE (USD) 845.20" in text
    # 2 % of 845.20 = 16.90; 845.20 - 16.90 = 828.30
    assert "Pay 828.30 by 10 December 2026 (2% discount of 16.90) or 845.20 by 30 December 2026" in text
    assert "Maine resale certificate ME-RC-5521" in text
    assert "REMIT TO" in text and "ABA 053000219" in text
    assert "Page 1/1" in text
    assert "Soy candle, cedar & sage" in text
    assert render_pdf(inv) == data, "the same document renders to the same bytes"
    keep_png(data, artifacts, "invoice_INV-1001")


def test_invoice_due_26_december_and_tax(tmp_path: Path) -> None:
    inv = make_invoice(number="INV-1002", issue=date(2026, 11, 26), terms_text="Net 30", tax_rate=D("0.0475"))
    assert inv.check() == []
    text = flat(pdf_text(render_pdf(inv), tmp_path, "inv26"))
    assert "Due: 26 December 2026" in text
    assert "Sales tax 63.90" in text  # 1,345.20 x 4.75 % = 63.897
    assert "AMOUNT DUE (USD) 1,409.10" in text
    assert "Pay " not in text


def test_eom_due_date(tmp_path: Path) -> None:
    inv = make_invoice(number="INV-1003", issue=date(2026, 1, 14), terms_text="Net 30 EOM")
    assert inv.due_date == date(2026, 3, 2)  # 31 January + 30 days
    text = flat(pdf_text(render_pdf(inv), tmp_path, "eom"))
    assert "Due: 2 March 2026" in text
    assert "Net 30 EOM" in text


def test_29_february_invoice(tmp_path: Path) -> None:
    inv = make_invoice(number="INV-1004", issue=date(2028, 2, 29), terms_text="2/10 Net 30")
    assert inv.check() == []
    text = flat(pdf_text(render_pdf(inv), tmp_path, "leap"))
    assert "29 February 2028" in text
    assert "Due: 30 March 2028" in text
    assert "by 10 March 2028 (2% discount of 26.90)" in text


def test_acknowledgement_pdf(tmp_path: Path, artifacts: Path) -> None:
    ack = make_ack()
    data = render_pdf(ack)
    raw = pdf_text(data, tmp_path, "ack")
    text = flat(raw)
    assert "ORDER ACKNOWLEDGEMENT" in text
    assert "PO NUMBER: HLB-PO-77731" in text
    assert "EXCEPTIONS: 3 lines not accepted as ordered" in text
    assert "Backordered" in text and "Substituted" in text and "Rejected" in text
    assert "Substitutes JP-MUG-BLU" in text
    assert "Promised ship date 20 November 2026" in text
    assert "ORDER TOTAL (USD) 1,228.20" in text
    # the exceptions come before the lines table
    assert raw.index("EXCEPTIONS") < raw.index("Description")
    keep_png(data, artifacts, "acknowledgement_ACK-0007")


def test_credit_note_pdf(tmp_path: Path) -> None:
    text = flat(pdf_text(render_pdf(make_credit_note()), tmp_path, "cn"))
    assert "CREDIT NOTE CN-0003" in text
    assert "credits invoice INV-1001 (PO HLB-PO-77731)" in text
    assert "TOTAL CREDIT (USD) 42.60" in text


def test_statement_pdf(tmp_path: Path, artifacts: Path) -> None:
    st = make_statement()
    data = render_pdf(st)
    text = flat(pdf_text(data, tmp_path, "st"))
    assert "STATEMENT OF ACCOUNT" in text
    assert "BALANCE DUE: 3,623.00 USD" in text
    for label in ("Current", "1-30", "31-60", "61-90", "90+"):
        assert label in text
    assert "1,400.00" in text and "-250.00" in text and "INV-0998" in text
    assert "Total due" in text
    keep_png(data, artifacts, "statement")


def test_confirmation_asks_for_approval(tmp_path: Path) -> None:
    text = flat(pdf_text(render_pdf(make_confirmation()), tmp_path, "oc"))
    assert "ORDER CONFIRMATION" in text
    assert "Please reply 'approved'" in text


def test_long_invoice_spans_pages(tmp_path: Path, artifacts: Path) -> None:
    lines = tuple(
        _line(
            i,
            f"SKU-{i:04d}",
            (
                "Hand-poured soy candle in a reusable amber glass jar with a wooden lid, scent number "
                f"{i}, wrapped in recycled tissue"
                if i % 3 == 0
                else f"Item {i}"
            ),
            i,
            "3.15",
        )
        for i in range(1, 61)
    )
    inv = make_invoice(number="INV-1060", lines=lines)
    assert inv.check() == []
    data = render_pdf(inv)
    pages = page_count(data, tmp_path)
    assert pages >= 3
    raw = pdf_text(data, tmp_path, "long")
    text = flat(raw)
    assert f"Page {pages}/{pages}" in text
    # the table header is repeated on every page, and every line is there once
    assert raw.count("Unit price") == pages
    for i in (1, 30, 60):
        assert f"SKU-{i:04d}" in text
    assert "AMOUNT DUE (USD) " + f"{inv.amount_due:,.2f}" in text
    # each page's footer repeats the invoice and PO numbers
    assert text.count("INVOICE INV-1001") == 0
    assert text.count("INVOICE INV-1060 | PO HLB-PO-77731") == pages
    keep_png(data, artifacts, "invoice_long_INV-1060")


def test_non_latin1_text_is_safe(tmp_path: Path) -> None:
    buyer = Party("Łódź Concept Store — 東京", "ul. Piotrkowska 1\nŁódź", "zakupy@example.pl")
    inv = dataclasses.replace(make_invoice(), buyer=buyer)
    core = render_pdf(inv, unicode_font=False)
    text = pdf_text(core, tmp_path, "core")
    assert "Lódz Concept Store — ??" in text  # ź has no Windows-1252 form, Ł -> L
    assert core_safe("− → ≥ ½ €\t“x”") == "- -> >= ½ € “x”"
    auto = render_pdf(inv)
    if Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf").is_file():
        assert "Łódź Concept Store" in pdf_text(auto, tmp_path, "auto")  # DejaVu embedded
    else:
        assert auto == core


# ---------------------------------------------------------------------------- sheet and text


def test_sheet_rows() -> None:
    inv = make_invoice(deposits=(DepositDeduction("INV-1000", date(2026, 11, 2), D("500.00")),))
    rows = sheet_rows(inv)
    values = [c.value if isinstance(c, Cell) else c for row in rows for c in row]
    assert "INVOICE INV-1001" in values
    assert "HLB-PO-77731" in values
    assert D("845.20") in values and D("-500.00") in values
    assert "Due: 30 December 2026" in values
    assert all(len(row) <= len(COL_WIDTHS) for row in rows)
    assert not any(isinstance(v, float) for v in values)
    assert sheet_name(inv) == "INV-1001"
    assert sheet_name(dataclasses.replace(inv, number="A/B:C?" + "x" * 40)) == "A-B-C-" + "x" * 25
    assert sheet_rows(make_statement()) and sheet_rows(make_ack())


def test_text_rendering() -> None:
    inv = make_invoice(deposits=(DepositDeduction("INV-1000", date(2026, 11, 2), D("500.00")),))
    out = render_text(inv)
    assert "INVOICE INV-1001" in out and "PO number: HLB-PO-77731" in out
    assert "Due: 30 December 2026" in out
    assert "Pay 828.30 by 10 December 2026 (2% discount of 16.90) or 845.20 by 30 December 2026" in out
    assert "EXCEPTIONS" in render_text(make_ack())


def test_fast_width_matches_fpdf2() -> None:
    from poflow_sheets.documents.pdf import _Renderer

    r = _Renderer(make_invoice(), None)
    r.pdf.add_page()
    for style in ("", "B"):
        r.set_font(9.5, style)
        for s in ("Soy candle, cedar & sage", "€ “Œuvre” — naïve 1,234.56", ""):
            assert abs(r.width_of(s) - r.pdf.get_string_width(s)) < 1e-9


def test_row_taller_than_a_page(tmp_path: Path) -> None:
    desc = " ".join(f"word{i}" for i in range(900))
    inv = make_invoice(number="INV-1900", lines=(_line(1, "JP-LONG", desc, 1, "5.00"),))
    data = render_pdf(inv)
    text = flat(pdf_text(data, tmp_path, "tall"))
    assert "word0 " in text and "word899" in text
    assert "INVOICE INV-1900, PO HLB-PO-77731 (continued)" in text
    assert page_count(data, tmp_path) >= 2


def test_deposit_invoice_due_on_receipt_a4(tmp_path: Path) -> None:
    line = DocLine(
        line_no=1, sku="DEPOSIT", description="50 % deposit on PO HLB-PO-77731 (order total 1,345.20)", qty=1,
        unit="", unit_price=D("672.60"), amount=D("672.60"))
    dep = Document(
        kind="deposit_invoice",
        number="INV-1000",
        issue_date=date(2026, 11, 2),
        seller=SELLER,
        buyer=BUYER,
        po_number="HLB-PO-77731",
        lines=(line,),
        subtotal=D("672.60"),
        total=D("672.60"),
        amount_due=D("672.60"),
        terms_text="Due on receipt",
        due_date=date(2026, 11, 2),
        tax_note="No sales tax on a deposit; tax, if any, is charged on the final invoice.",
        remit_to=REMIT,
        paper="A4",
    )
    assert dep.check() == []
    data = render_pdf(dep)
    text = flat(pdf_text(data, tmp_path, "dep"))
    assert "DEPOSIT INVOICE INV-1000" in text
    assert "Due: 2 November 2026" in text and "Terms: Due on receipt" in text
    assert "AMOUNT DUE (USD) 672.60" in text
    path = tmp_path / "dep.pdf"
    info = subprocess.run(["pdfinfo", str(path)], capture_output=True, check=True, text=True).stdout
    assert "(A4)" in info
