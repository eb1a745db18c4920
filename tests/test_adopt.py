"""Adopting the books sellers already keep (issue 16), on workbooks built the way people build them
(tests/adopt_books.py), as openpyxl leaves them and as LibreOffice saves them again:

- validate reads every real record and reports nothing for title, totals, label rows or the layout;
- a command that appends puts its rows above the totals row, and the person's total formula covers them
  when LibreOffice recalculates;
- `adopt` proposes the mapping of renamed tabs and columns (every proposal checked) and `--apply` writes it;
- `adopt --split` turns a one-tab tracker into a workbook that validates with its orders, lines and payments;
- `init` on an adopted workbook adds only the tabs still missing.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from poflow_sheets.adopt import propose, read_sheets
from poflow_sheets.demo import demo_book
from poflow_sheets.findings import flatten
from poflow_sheets.reader import ATTR_OF_TAB, Book, read_workbook
from poflow_sheets.schema import TAB_BY_NAME
from poflow_sheets.validate import validate

from . import adopt_books as books
from .cli import run, sha

TODAY = date(2026, 11, 26)
BANK = ("Details,Posting Date,Description,Amount,Type,Balance,Check or Slip #,\n"
        'CREDIT,11/20/2026,"HARBOR HOME CO PO-0998",393.00,ACH_CREDIT,1,,\n')
KINDS = {"title_and_totals": books.title_and_totals, "table_with_totals": books.table_with_totals,
         "merged_and_two_row_headers": books.merged_and_two_row_headers}


@pytest.fixture(scope="module")
def made(tmp_path_factory: pytest.TempPathFactory) -> dict[tuple[str, str], Path]:
    """Every kind of book, as openpyxl wrote it and as LibreOffice saved it again (one soffice run)."""
    folder = tmp_path_factory.mktemp("books")
    plain = {kind: build(folder / f"{kind}.xlsx") for kind, build in KINDS.items()}
    plain["renamed"] = books.renamed(folder / "renamed.xlsx")
    plain["tracker"] = books.tracker(folder / "tracker.xlsx")
    saved = books.libreoffice_saved(list(plain.values()), folder / "lo")
    out = {(kind, "openpyxl"): p for kind, p in plain.items()}
    out.update({(kind, "libreoffice"): saved[p] for kind, p in plain.items()})
    return out


def copy(made: dict[tuple[str, str], Path], kind: str, saver: str, tmp_path: Path) -> Path:
    target = tmp_path / f"{kind}-{saver}.xlsx"
    shutil.copyfile(made[(kind, saver)], target)
    return target


def records(book: Book) -> dict[str, list[object]]:
    """Every record of every tab, without its row number (compared with the demo's)."""
    return {tab: [replace(r, row=0) for r in getattr(book, attr)] for tab, attr in ATTR_OF_TAB.items()}


def demo_records() -> dict[str, list[object]]:
    data = demo_book()
    return {tab: list(data.get(tab, ())) for tab in ATTR_OF_TAB}


SAVERS = ("openpyxl", "libreoffice")


# --------------------------------------------------------------------------- reading


@pytest.mark.parametrize("saver", SAVERS)
@pytest.mark.parametrize("kind", sorted(KINDS))
def test_every_real_record_is_read_and_the_layout_reports_nothing(
        made: dict[tuple[str, str], Path], kind: str, saver: str) -> None:
    book = read_workbook(made[(kind, saver)])
    assert flatten(validate(book, TODAY).findings) == []
    assert records(book) == demo_records()


@pytest.mark.parametrize("saver", SAVERS)
def test_rows_keep_the_excel_numbers_the_person_sees(made: dict[tuple[str, str], Path], saver: str) -> None:
    book = read_workbook(made[("title_and_totals", saver)])
    info = book.tables["Invoices"]
    assert (info.header_row, book.invoices[0].row, book.invoices[-1].row) == (3, 4, 7)
    assert (info.records_end, info.totals_below) == (7, True)
    merged = read_workbook(made[("merged_and_two_row_headers", saver)])
    assert merged.tables["Buyers"].header_row == 3 and merged.buyers[0].row == 4
    assert merged.tables["Buyers"].where("buyer_id") == ("Buyer ID", "A")  # the group label joined in
    assert merged.tables["Buyers"].where("terms") == ("Terms", "F")  # a name merged down both header rows
    assert merged.orders[0].row == 3  # row 2 is the section label "Autumn 2026 orders"


@pytest.mark.parametrize("saver", SAVERS)
def test_a_finding_names_the_row_the_person_sees(made: dict[tuple[str, str], Path], saver: str,
                                                 tmp_path: Path) -> None:
    import openpyxl

    path = copy(made, "title_and_totals", saver, tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb["Lines"]
    qty = next(c.column_letter for c in ws[3] if c.value == "Qty")
    ws[f"{qty}17"] = "twelve"  # the demo's Lines row 15 (test_validate_rules' case), two title rows lower
    wb.save(path)
    assert flatten(validate(read_workbook(path), TODAY).findings) == [["Lines", 17, "Qty", "type"]]


# --------------------------------------------------------------------------- appending above totals


def totals_row(tab: list[list[str]], label: str) -> list[str]:
    return next(r for r in tab if r and r[0] == label)


def money(text: str) -> Decimal:
    return Decimal(text.replace(",", "") or "0")


@pytest.mark.parametrize("saver", SAVERS)
def test_reconcile_apply_writes_above_the_totals_row_and_the_total_covers_it(
        made: dict[tuple[str, str], Path], saver: str, tmp_path: Path) -> None:
    path = copy(made, "title_and_totals", saver, tmp_path)
    bank = tmp_path / "bank.csv"
    bank.write_text(BANK)
    before = read_workbook(path)
    run("reconcile", path, bank, "--apply", "--today", "2026-11-26")
    after = read_workbook(path)
    assert flatten(validate(after, TODAY).findings) == []
    new = [p for p in after.payments if p.transaction_id not in {q.transaction_id for q in before.payments}]
    assert [p.row for p in new] == [before.tables["Payments"].records_end + 1]  # right under the last record
    assert after.tables["Payments"].records_end == new[0].row and after.tables["Payments"].totals_below
    sheets = books.libreoffice_csv(path, tmp_path / "csv")
    payments = sheets["Payments"]
    header = payments[2]
    amount = header.index("Amount")
    total = totals_row(payments, "TOTAL")
    assert payments.index(total) == new[0].row  # the TOTAL row moved down under the new row (0-based index)
    amounts = [money(r[amount]) for r in payments[3:payments.index(total)]]
    assert money(total[amount]) == sum(amounts) and money(total[amount]) > 0
    invoices = sheets["Invoices"]
    balance = invoices[2].index("Balance")
    assert money(totals_row(invoices, "TOTAL")[balance]) == sum(i.balance or 0 for i in after.invoices)


@pytest.mark.parametrize("saver", SAVERS)
def test_invoice_goes_into_the_table_above_its_totals_row(made: dict[tuple[str, str], Path], saver: str,
                                                        tmp_path: Path) -> None:
    path = copy(made, "table_with_totals", saver, tmp_path)
    run("invoice", path, "CS-2291", "--today", "2026-11-26", "--no-sheet", "--out", tmp_path / "docs")
    book = read_workbook(path)
    assert flatten(validate(book, TODAY).findings) == []
    assert [i.invoice_number for i in book.invoices][-1] == "INV-1005" and book.invoices[-1].row == 8
    sheets = books.libreoffice_csv(path, tmp_path / "csv")
    invoices = sheets["Invoices"]
    total = invoices[2].index("Total")
    row = totals_row(invoices, "Total")
    assert invoices.index(row) == 8
    assert money(row[total]) == sum(i.total for i in book.invoices)


def test_table_grows_over_the_new_rows(made: dict[tuple[str, str], Path], tmp_path: Path) -> None:
    import zipfile

    path = copy(made, "table_with_totals", "openpyxl", tmp_path)
    run("invoice", path, "CS-2291", "--today", "2026-11-26", "--no-sheet", "--out", tmp_path / "docs")
    with zipfile.ZipFile(path) as zf:
        table = zf.read("xl/tables/table1.xml").decode()
    from poflow_sheets.store.sheetxml import column_letters

    last = column_letters(len(TAB_BY_NAME["Invoices"].columns))  # the book has every Invoices column
    assert f'ref="A3:{last}9"' in table and 'totalsRowCount="1"' in table  # header, 5 invoices, totals row


# --------------------------------------------------------------------------- adopt: the person's names

EXPECTED_TABS = {"Buyers": "Customers", "Orders": "PO Log", "Lines": "Order Items"}
EXPECTED_COLUMNS = {(tab, col): name for tab, (_, cols) in books.RENAMES.items() for col, name in cols.items()
                    if col != "Line"}  # "Line #" is the header "Line" as poflow matches headers


@pytest.mark.parametrize("saver", SAVERS)
def test_adopt_proposes_every_renamed_tab_and_column(made: dict[tuple[str, str], Path], saver: str) -> None:
    proposal = propose(read_sheets(made[("renamed", saver)]))
    tabs = {t.tab: t for t in proposal.tabs}
    assert {t.tab: t.sheet for t in proposal.tabs if t.sheet != t.tab} == EXPECTED_TABS
    assert all(t.sheet == t.tab for t in proposal.tabs if t.tab not in EXPECTED_TABS)
    renamed = {(t.tab, c.schema_header): c.header for t in proposal.tabs for c in t.columns
               if c.header != c.schema_header and (t.tab, c.schema_header) != ("Lines", "Line")}
    assert renamed == EXPECTED_COLUMNS
    for t in proposal.tabs:
        assert t.unplaced == () and t.absent == () and t.added == (), t
        for c in t.columns:
            assert c.confidence >= 0.75 and c.evidence, c
    assert tabs["Orders"].confidence >= 0.9
    buyer = next(c for c in tabs["Orders"].columns if c.column == "buyer_id")
    assert "10 of 10 found in 'Customers' column 'Customer'" in buyer.evidence and buyer.samples
    assert proposal.missing == () and proposal.one_tab == ""


@pytest.mark.parametrize("saver", SAVERS)
def test_adopt_apply_writes_the_map_and_every_command_reads_the_persons_names(
        made: dict[tuple[str, str], Path], saver: str, tmp_path: Path) -> None:
    path = copy(made, "renamed", saver, tmp_path)
    ran = run("adopt", path)
    assert "PO Number            <- 'PO #' (A)  95%" in ran.stdout and "nothing written" in ran.stdout
    assert sha(path) == sha(made[("renamed", saver)]), "adopt without --apply writes nothing"
    ran = run("adopt", path, "--apply")
    assert "row(s) written to the 'poflow Map' tab" in ran.stdout
    book = read_workbook(path)
    assert {name: book.tables[name].title for name in EXPECTED_TABS} == EXPECTED_TABS
    assert book.tables["Orders"].where("po_number") == ("PO #", "A")
    assert flatten(validate(book, TODAY).findings) == []
    assert records(book) == demo_records()
    import openpyxl

    wb = openpyxl.load_workbook(path)
    assert [c.value for c in wb["PO Log"][1]][:4] == ["PO #", "Our Ref", "Customer", "Order Date"]  # untouched
    rows = [[c.value for c in r] for r in wb["poflow Map"].iter_rows(values_only=False)]
    assert rows[0] == ["Tab", "Column", "Your Name", "Note"]
    assert rows[1 + [r[0] for r in rows[1:]].index("Orders")][:3] == ["Orders", None, "PO Log"]
    assert ["Orders", "PO Number", "PO #"] in [r[:3] for r in rows]
    assert "(new row)" in run("log", path).stdout
    run("adopt", path, "--apply")  # a second run changes nothing
    before = sha(path)
    assert "nothing to write" in run("adopt", path, "--apply").stdout
    assert sha(path) == before
    run("acknowledge", path, "PO-1007", "--today", "2026-11-26", "--no-sheet", "--out", tmp_path / "docs")
    after = read_workbook(path)
    assert next(o for o in after.orders if o.po_number == "PO-1007").acknowledged_on == TODAY
    assert flatten(validate(after, TODAY).findings) == []


def test_init_on_an_adopted_workbook_adds_only_the_missing_tabs(made: dict[tuple[str, str], Path],
                                                                tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "mine.xlsx"
    wb = openpyxl.load_workbook(made[("renamed", "openpyxl")])
    for name in ("Settings", "Payments", "Allocations", "Log", "Quotes", "QuoteLines", "Shipments", "Invoices"):
        del wb[name]
    wb.save(path)
    ran = run("validate", path, ok=(2,))
    assert "'Settings'" in ran.stderr and "'Buyers'" in ran.stderr  # not readable before adoption
    run("adopt", path, "--apply")
    assert "`poflow init WORKBOOK` adds the missing tabs" in run("validate", path, ok=(2,)).stderr
    ran = run("init", path)
    said = (ran.stdout + ran.stderr).strip()  # adopt --apply added the Log tab with its own trail
    assert said.endswith("added tabs Settings, Quotes, QuoteLines, Shipments, Invoices, Payments, Allocations"), said
    wb = openpyxl.load_workbook(path)
    assert "Orders" not in wb.sheetnames and "Buyers" not in wb.sheetnames and "PO Log" in wb.sheetnames
    book = read_workbook(path)
    assert len(book.orders) == len(demo_book()["Orders"]) and book.invoices == ()
    again = run("init", path)
    assert "nothing to do" in again.stdout + again.stderr


def test_a_map_names_a_column_the_person_does_not_keep(made: dict[tuple[str, str], Path], tmp_path: Path) -> None:
    """A contract column the person lacks: listed in the map with no name, it reads as empty."""
    import openpyxl

    path = tmp_path / "no-deposit.xlsx"
    wb = openpyxl.load_workbook(made[("renamed", "openpyxl")])
    ws = wb["PO Log"]
    col = next(c.column for c in ws[1] if c.value == "Deposit %")
    ws.delete_cols(col)
    wb.save(path)
    assert "not kept (read as empty): Deposit Pct" in run("adopt", path).stdout
    run("adopt", path, "--apply")
    rows = [[c.value for c in r] for r in openpyxl.load_workbook(path)["poflow Map"].iter_rows()]
    assert ["Orders", "Deposit Pct", None] in [r[:3] for r in rows]
    book = read_workbook(path)
    assert "deposit_pct" not in book.tables["Orders"].columns
    assert flatten(validate(book, TODAY).findings) == []


# --------------------------------------------------------------------------- one-tab trackers


def split(made: dict[tuple[str, str], Path], saver: str, tmp_path: Path, *args: str,
          ok: tuple[int, ...] = (0,)) -> tuple[Path, str]:
    target = tmp_path / "split.xlsx"
    before = sha(made[("tracker", saver)])
    ran = run("adopt", made[("tracker", saver)], "--split", target, *args, ok=ok)
    assert sha(made[("tracker", saver)]) == before, "the tracker itself is never changed"
    return target, ran.stdout


@pytest.mark.parametrize("saver", SAVERS)
def test_split_a_one_tab_tracker_into_a_workbook_that_validates(made: dict[tuple[str, str], Path], saver: str,
                                                                 tmp_path: Path) -> None:
    target, out = split(made, saver, tmp_path)
    assert "read as one row per order line" in out
    assert "3 buyers, 4 orders, 6 lines, 5 shipments, 3 invoices, 2 payments" in out
    assert "validate finds 0 error(s)" in out and "not placed" not in out
    book = read_workbook(target)
    assert flatten(validate(book, TODAY).findings) == []
    assert [(b.buyer_id, b.name, b.email) for b in book.buyers] == [
        ("WILLOW", "Willow & Wren", "buying@willowwren.example"), ("HARBOR", "Harbor Home Co", "ap@harborhome.example"),
        ("CORNER", "Corner Shop LLC", "orders@cornershop.example")]
    assert [(o.po_number, o.buyer_id, o.status) for o in book.orders] == [
        ("PO-2001", "WILLOW", "closed"), ("PO-2002", "HARBOR", "invoiced"), ("PO-2003", "WILLOW", "draft"),
        ("PO-2004", "CORNER", "closed")]
    assert [(ln.po_number, ln.line_no, ln.sku, ln.qty, ln.unit_price) for ln in book.lines][:2] == [
        ("PO-2001", 1, "CDL-OAK-8", 24, Decimal("8.25")), ("PO-2001", 2, "MATCH-BOX", 12, Decimal("6.5"))]
    assert [(i.invoice_number, i.total, i.amount_paid, i.status, i.due_date) for i in book.invoices] == [
        ("INV-3001", Decimal("276.00"), Decimal("276.00"), "paid", date(2026, 4, 9)),
        ("INV-3002", Decimal("477.00"), Decimal("0.00"), "open", date(2026, 3, 27)),
        ("INV-3003", Decimal("315.00"), Decimal("315.00"), "paid", date(2026, 4, 19))]
    assert [(p.date, p.amount) for p in book.payments] == [(date(2026, 4, 5), Decimal("276.00")),
                                                            (date(2026, 4, 2), Decimal("315.00"))]
    assert [(a.invoice_number, a.amount) for a in book.allocations] == [("INV-3001", Decimal("276.00")),
                                                                       ("INV-3003", Decimal("315.00"))]
    assert book.settings.invoice_prefix == "INV-" and book.settings.next_invoice_number == 3004


def test_split_detects_one_row_per_order(tmp_path: Path) -> None:
    tracker = books.tracker(tmp_path / "per-order.xlsx", per_order=True)
    ran = run("adopt", tracker, "--split", tmp_path / "new.xlsx")
    assert "read as one row per order" in ran.stdout and "4 orders, 4 lines" in ran.stdout
    assert flatten(validate(read_workbook(tmp_path / "new.xlsx"), TODAY).findings) == []


def test_split_reports_every_row_and_value_it_cannot_place(tmp_path: Path) -> None:
    rows = [list(r) for r in books.TRACKER_ROWS]
    rows[2][1] = "ASAP"  # an order date that is no date
    rows[3][7] = None  # a line with no quantity
    rows.append([None, None, None, None, None, None, None, None, None, None, None, None, None, None, None, None,
                 "call the shop"])  # a note on a row with no order
    rows[0].append("rep: Ann")  # a column poflow has no place for
    tracker = books.tracker(tmp_path / "messy.xlsx", rows)
    import openpyxl

    wb = openpyxl.load_workbook(tracker)
    wb.active.cell(3, 18, "Sales Rep")  # type: ignore[union-attr]
    wb.save(tracker)
    ran = run("adopt", tracker, "--split", tmp_path / "new.xlsx", ok=(1,))
    out = ran.stdout
    assert "not placed: row 6, 'Order Date': 'ASAP': " in out
    assert "not placed: row 7, 'Qty': a line of PO-2003 (CDL-OAK-8) with no quantity: left out" in out
    assert "not placed: row 10: 'call the shop': a note or section label with no order: left out" in out
    assert "column left alone: 'Sales Rep' (R): 1 value(s) not placed, e.g. rep: Ann" in out
    assert "note: row 11: a totals row: not a record" in out
    assert "validate finds 1 error(s)" in out  # PO-2002 has no order date: the new workbook says so too


def test_split_refuses_to_overwrite(made: dict[tuple[str, str], Path], tmp_path: Path) -> None:
    target = tmp_path / "exists.xlsx"
    target.write_bytes(b"x")
    ran = run("adopt", made[("tracker", "openpyxl")], "--split", target, ok=(2,))
    assert "already exists" in ran.stderr and target.read_bytes() == b"x"


def test_adopt_points_a_one_tab_tracker_at_split(made: dict[tuple[str, str], Path]) -> None:
    ran = run("adopt", made[("tracker", "openpyxl")])
    assert "holds orders, their lines and buyers in one tab" in ran.stdout and "--split NEW.xlsx" in ran.stdout


def test_a_required_column_the_person_lacks_gets_its_header_at_the_end(made: dict[tuple[str, str], Path],
                                                                       tmp_path: Path) -> None:
    import openpyxl

    path = tmp_path / "no-status.xlsx"
    wb = openpyxl.load_workbook(made[("renamed", "openpyxl")])
    ws = wb["PO Log"]
    ws.delete_cols(next(c.column for c in ws[1] if c.value == "Status"))
    width = ws.max_column
    wb.save(path)
    assert "required, not found: Status (--apply adds the header" in run("adopt", path).stdout
    run("adopt", path, "--apply")
    ws = openpyxl.load_workbook(path)["PO Log"]
    assert [c.value for c in ws[1]][width] == "Status" and ws.max_column == width + 1
    findings = flatten(validate(read_workbook(path), TODAY).findings)
    assert findings and all(f[2:] == ["Status", "required"] for f in findings if f[0] == "PO Log")
