"""The Google Sheets backend against the fake: exact values, the same Book as calamine, a bounded number of
requests, a person's edit between read and write refused, nothing half-written, appends after the last row."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from poflow_sheets.app.workbook import load
from poflow_sheets.app.write import apply_changeset
from poflow_sheets.changeset import ChangeSet, RowAppend
from poflow_sheets.errors import Refused, WriteConflict
from poflow_sheets.gsheets import SheetsBackend
from poflow_sheets.gsheets.location import sheet_id_of, sheet_path
from poflow_sheets.reader import read_workbook
from poflow_sheets.records import Invoice, Payment, Product
from poflow_sheets.store.edits import AddSheet, AppendRows, SetCell
from tests.fake_sheets import FakeSheets
from tests.fake_sheets.cells import Formula
from tests.sheets_helpers import NOW, invoke, sheet_tabs

SHEET = "BOOKS-1"
WB = f"gsheet:{SHEET}"
MEMO = '=IMPORTXML("http://x","//a")'
READ = {"spreadsheets.get": 1, "values.batchGet": 1}
WRITE = {"spreadsheets.get": 1, "values.batchGet": 2, "spreadsheets.batchUpdate": 1, "values.batchUpdate": 1}


def demo_sheet(fake: FakeSheets) -> Path:
    fake.create(SHEET, "books")
    invoke("init", WB, "--demo")
    return sheet_path(SHEET)


def test_locations() -> None:
    assert sheet_id_of("gsheet:1AbC-d_9") == "1AbC-d_9"
    assert sheet_id_of("https://docs.google.com/spreadsheets/d/1AbC-d_9/edit#gid=0") == "1AbC-d_9"
    assert sheet_id_of("https://docs.google.com/spreadsheets/u/1/d/XYZ/edit?usp=sharing") == "XYZ"
    assert sheet_id_of("books.xlsx") is None
    with pytest.raises(Refused, match="not a spreadsheet id"):
        sheet_id_of("gsheet:../../etc")
    with pytest.raises(Refused, match="not a Google Sheets address"):
        sheet_id_of("https://docs.google.com/document/d/XYZ/edit")


def test_memo_sku_and_money_come_back_exactly_as_written(google: FakeSheets) -> None:
    path = demo_sheet(google)
    book = load(path)
    cs = ChangeSet()
    cs.appends.append(RowAppend("Products", Product(
        sku="00123", description="Leading zeros stay", unit_price=Decimal("4.10"), unit="each", moq=6)))
    cs.appends.append(RowAppend("Invoices", Invoice(
        invoice_number="INV-2001", kind="final", po_number="PO-1001", invoice_date=date(2026, 11, 26),
        due_date=date(2026, 12, 26), total=Decimal("1234.10"), status="open", terms="Net 30",
        amount_paid=Decimal("0.00"), balance=Decimal("1234.10"))))
    cs.appends.append(RowAppend("Payments", Payment(
        transaction_id="bank:1", date=date(2026, 11, 26), amount=Decimal("1234.10"), currency="USD", payer="SOMEONE",
        memo=MEMO, source="test", status="new")))
    apply_changeset(book, cs, command="test", now=NOW, backend=SheetsBackend(path))
    sheet = google.books[SHEET]
    products, invoices, payments = (sheet.by_title(t) for t in ("Products", "Invoices", "Payments"))
    assert products is not None and invoices is not None and payments is not None
    memo_cell = payments.get(payments.used_rows() - 1, 5)
    assert memo_cell == MEMO and not isinstance(memo_cell, Formula)  # RAW: stored as text, never a formula
    assert payments.render(payments.used_rows() - 1, 5, "FORMATTED_VALUE", "FORMATTED_STRING") == MEMO
    assert products.get(products.used_rows() - 1, 0) == "00123"
    assert invoices.get(invoices.used_rows() - 1, 6) == 1234.1
    again = load(path)
    assert next(p for p in again.products if p.sku == "00123").unit_price == Decimal("4.10")
    inv = next(i for i in again.invoices if i.invoice_number == "INV-2001")
    assert inv.total == Decimal("1234.10") and inv.due_date == date(2026, 12, 26)
    assert next(p for p in again.payments if p.transaction_id == "bank:1").memo == MEMO
    # Dates went as serial numbers with a date format.
    assert invoices.get(invoices.used_rows() - 1, 3) == (date(2026, 11, 26) - date(1899, 12, 30)).days
    assert invoices.number_format(invoices.used_rows() - 1, 3) == {"type": "DATE", "pattern": "yyyy-mm-dd"}


def test_a_decimal_that_would_not_come_back_exactly_is_refused_before_anything_is_sent(google: FakeSheets) -> None:
    path = demo_sheet(google)
    book = load(path)
    mark = google.mark()
    cs = ChangeSet()
    cs.appends.append(RowAppend("Products", Product("P-1", "Too precise", Decimal("0.12345678901234567890"))))
    with pytest.raises(Refused, match="more digits than a Google Sheets number holds"):
        apply_changeset(book, cs, command="test", now=NOW, backend=SheetsBackend(path))
    assert google.counts(mark) == {}


def test_the_same_book_as_from_the_xlsx(google: FakeSheets, tmp_path: Path) -> None:
    path = demo_sheet(google)
    xlsx = tmp_path / "demo.xlsx"
    invoke("init", xlsx, "--demo")
    a, b = read_workbook(xlsx), load(path)
    for f in dataclasses.fields(a):
        if f.name in ("path", "fingerprint", "tables"):
            continue
        assert getattr(a, f.name) == getattr(b, f.name), f.name
    assert {k: (t.title, t.header_row, t.columns, t.last_row) for k, t in a.tables.items()} == \
           {k: (t.title, t.header_row, t.columns, t.last_row) for k, t in b.tables.items()}


def test_every_command_sends_a_bounded_number_of_requests(google: FakeSheets, tmp_path: Path) -> None:
    """README: at most 2 requests to read and 3 to write, whatever the number of rows."""
    path = str(demo_sheet(google))
    bank = tmp_path / "bank.csv"
    lines = ["Date,Description,Amount"] + [f"11/{1 + i % 25:02d}/2026,ACH CREDIT PAYER {i} REF X{i},{10 + i}.25"
                                           for i in range(400)]
    bank.write_text("\n".join(lines) + "\n", encoding="utf-8")
    for args, expect in (
        (("validate", path), READ),
        (("status", path, "--today", "2026-11-26"), READ),
        (("reconcile", path, bank, "--today", "2026-11-26"), READ),
        (("reconcile", path, bank, "--apply", "--today", "2026-11-26"), WRITE),
        (("undo", path), WRITE),
        (("invoice", path, "--all-ready", "--today", "2026-11-26", "--out", tmp_path), WRITE),
        (("log", path), READ),
    ):
        mark = google.mark()
        invoke(*args, ok=(0, 1))
        counts = google.counts(mark)
        assert dict(counts) == expect, (args[0], counts)
        assert sum(counts.values()) <= 5
        if args[0] == "undo":
            payments = google.books[SHEET].by_title("Payments")
            assert payments is not None and payments.used_rows() == 3  # the 400 rows reconcile added: cleared


def test_a_persons_edit_between_read_and_write_is_refused_and_nothing_is_written(google: FakeSheets,
                                                                                 tmp_path: Path) -> None:
    path = str(demo_sheet(google))
    bank = Path(__file__).resolve().parents[1] / "scripts" / "demo-bank.csv"

    def person_marks_paid(fake: FakeSheets) -> None:
        invoices = fake.books[SHEET].by_title("Invoices")
        assert invoices is not None
        invoices.put(2, 9, "void")  # J3: the status of INV-1002, which reconcile is about to set

    google.before("values.batchGet", person_marks_paid, nth=2)  # after poflow's read, before its write
    before_write = None

    def snapshot(fake: FakeSheets) -> None:
        nonlocal before_write
        before_write = sheet_tabs(fake, SHEET)

    google.before("values.batchGet", snapshot, nth=2)
    mark = google.mark()
    result = invoke("reconcile", path, bank, "--apply", "--today", "2026-11-26", ok=(2,))
    assert result.stderr.count("\n") == 1, result.stderr
    assert "Invoices!J3 (was 'partial', now 'void')" in result.stderr and "nothing was written" in result.stderr
    counts = google.counts(mark)
    assert counts["spreadsheets.batchUpdate"] == 0 and counts["values.batchUpdate"] == 0
    assert sheet_tabs(google, SHEET) == before_write


def test_rows_added_where_poflow_appends_are_refused(google: FakeSheets) -> None:
    path = str(demo_sheet(google))
    bank = Path(__file__).resolve().parents[1] / "scripts" / "demo-bank.csv"

    def person_appends(fake: FakeSheets) -> None:
        payments = fake.books[SHEET].by_title("Payments")
        assert payments is not None
        payments.put(payments.used_rows(), 0, "typed by hand")

    google.before("values.batchGet", person_appends, nth=2)
    result = invoke("reconcile", path, bank, "--apply", "--today", "2026-11-26", ok=(2,))
    assert "Payments row 4 (added where poflow appends)" in result.stderr, result.stderr


def test_appends_land_after_the_last_row_that_holds_data_at_write_time(google: FakeSheets) -> None:
    """A tab poflow did not read (its own 'poflow Log' beside a person's Log): found at write time."""
    google.create(SHEET, "books")
    invoke("init", WB)
    book = google.books[SHEET]
    log = book.by_title("Log")
    assert log is not None
    log.props["title"] = "Log"
    log.rows = [["My notes"], ["a note of mine"]]  # a person's own Log tab: poflow keeps its trail beside it
    path = sheet_path(SHEET)
    backend = SheetsBackend(path)
    b = load(path, backend=backend)
    backend.write([AddSheet("poflow Log", (("When", "Command"),))], expected=b.fingerprint)
    trail = google.books[SHEET].by_title("poflow Log")
    assert trail is not None
    trail.put(1, 0, "a row someone typed")  # below the header, after poflow read the sheet
    b2 = load(path, backend=backend)
    b2_stamp = b2.fingerprint
    trail.put(2, 0, "and another")  # between this read and the write
    backend.write([AppendRows("poflow Log", (("2026-11-26", "poflow x"),))], expected=b2_stamp)
    trail = google.books[SHEET].by_title("poflow Log")  # each write replaces the tab (applied to a copy)
    assert trail is not None
    assert [r[0] for r in trail.rows if r and r[0]] == ["When", "a row someone typed", "and another", "2026-11-26"]


def test_a_set_cell_into_a_grid_too_small_grows_it(google: FakeSheets) -> None:
    google.create(SHEET, "books")
    invoke("init", WB)
    path = sheet_path(SHEET)
    backend = SheetsBackend(path)
    book = load(path, backend=backend)
    orders = google.books[SHEET].by_title("Orders")
    assert orders is not None
    cols = orders.col_count
    backend.write([SetCell("Orders", 1, cols + 2, "Extra")], expected=book.fingerprint)
    orders = google.books[SHEET].by_title("Orders")
    assert orders is not None
    assert orders.col_count == cols + 2 and orders.get(0, cols + 1) == "Extra"


def test_nothing_is_half_written_when_the_values_fail(google: FakeSheets, tmp_path: Path) -> None:
    path = str(demo_sheet(google))
    before = sheet_tabs(google, SHEET)
    google.fail(500, endpoint="values.batchUpdate", times=None)
    result = invoke("invoice", path, "--all-ready", "--today", "2026-11-26", "--out", tmp_path, ok=(2,))
    assert result.stderr.count("\n") == 1, result.stderr
    assert "no cell was changed" in result.stderr and "removed again" in result.stderr
    assert sheet_tabs(google, SHEET) == before  # the invoice tabs added first were removed again
    assert not list(tmp_path.glob("*.pdf"))


def test_a_write_refused_by_google_writes_nothing(google: FakeSheets, tmp_path: Path) -> None:
    path = str(demo_sheet(google))
    before = sheet_tabs(google, SHEET)
    google.fail(503, endpoint="spreadsheets.batchUpdate", times=None)
    result = invoke("invoice", path, "--all-ready", "--today", "2026-11-26", "--out", tmp_path, ok=(2,))
    assert "nothing was written" in result.stderr and result.stderr.count("\n") == 1
    assert sheet_tabs(google, SHEET) == before


def test_write_conflict_is_a_refusal() -> None:
    assert issubclass(WriteConflict, Refused)
