"""One seeded mistake per validation rule: each is reported with its tab, row, column and code, and nothing else."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest

from poflow_sheets.demo import SETTINGS, demo_book
from poflow_sheets.findings import flatten
from poflow_sheets.reader import read_workbook
from poflow_sheets.rows import record_rows
from poflow_sheets.schema import SETTINGS_KEYS, TAB_BY_NAME
from poflow_sheets.template import write_new_workbook
from poflow_sheets.validate import validate

TODAY = date(2026, 11, 26)
Rows = dict[str, list[list[object]]]


def demo_rows() -> Rows:
    return {tab: [list(r) for r in record_rows(tab, recs)] for tab, recs in demo_book().items()}


def put(rows: Rows, tab: str, excel_row: int, header: str, value: object) -> None:
    """Set one cell, addressed as a person would: tab, Excel row, header."""
    idx = [c.header for c in TAB_BY_NAME[tab].columns].index(header)
    rows[tab][excel_row - 2][idx] = value


def write(rows: Rows, path: Path, **settings: object) -> Path:
    merged = dict(SETTINGS)
    merged["next_invoice_number"] = 1005
    merged.update(settings)
    write_new_workbook(path, rows, settings=merged)
    return path


def check(rows: Rows, tmp_path: Path, **settings: object) -> list[list[object]]:
    book = read_workbook(write(rows, tmp_path / "book.xlsx", **settings))
    return flatten(validate(book, TODAY).findings)


def test_demo_is_clean(tmp_path: Path) -> None:
    assert check(demo_rows(), tmp_path) == []


def _add_shipment_for_unpaid_deposit(r: Rows) -> None:
    put(r, "Orders", 7, "Status", "partially shipped")
    r["Shipments"].append(["SH-0099", "OC-0001", 1, 12, date(2026, 11, 20), "UPS", "1Z", None])


def _add_unshipped_invoice(r: Rows) -> None:
    r["Invoices"].append(["INV-0999", "final", "PO-1007", date(2026, 11, 25), "Net 30", date(2026, 12, 25),
                          10, 0, 10, "open", None, 0, 0])


def _over_allocate(r: Rows) -> None:
    put(r, "Allocations", 3, "Amount", 400)
    put(r, "Invoices", 3, "Amount Paid", 400)
    put(r, "Invoices", 3, "Balance", 293)


def _bad_total(r: Rows) -> None:
    total = r["Invoices"][2][6]
    put(r, "Invoices", 4, "Total", total + 100)
    put(r, "Invoices", 4, "Balance", total + 100)


def _claim(qty: int, reported: date, status: str = "open") -> Callable[[Rows], None]:
    """A claim on PO 4500012345 line 1 (144 shipped on 2026-11-02, invoiced on INV-1003)."""
    def mutate(r: Rows) -> None:
        r.setdefault("Claims", []).append(["CL-0001", "4500012345", 1, "damaged", qty, "crushed cartons", reported,
                                           None, status, None, "INV-1003"])
    return mutate


BACKUP_ROW = [k.key for k in SETTINGS_KEYS].index("backup_retention") + 2  # the key's row in the Settings tab
KEPT_ROW = [k.key for k in SETTINGS_KEYS].index("document_sheets_kept") + 2

CASES: list[tuple[str, Callable[[Rows], None], list[list[object]]]] = [
    ("required", lambda r: put(r, "Lines", 9, "SKU", None), [["Lines", 9, "SKU", "required"]]),
    ("type-qty", lambda r: put(r, "Lines", 15, "Qty", "twelve"), [["Lines", 15, "Qty", "type"]]),
    ("type-money", lambda r: put(r, "Lines", 16, "Unit Price", "abc"), [["Lines", 16, "Unit Price", "type"]]),
    ("type-date", lambda r: put(r, "Orders", 10, "PO Date", "31/02/2026"), [["Orders", 10, "PO Date", "type"]]),
    ("negative", lambda r: put(r, "Lines", 18, "Qty", -5), [["Lines", 18, "Qty", "negative"]]),
    ("choice", lambda r: put(r, "Orders", 9, "Status", "shipped-ish"), [["Orders", 9, "Status", "choice"]]),
    ("duplicate-key", lambda r: r["Buyers"].append(list(r["Buyers"][0])), [["Buyers", 8, "Buyer ID", "duplicate-key"]]),
    ("unknown-reference", lambda r: put(r, "Orders", 9, "Buyer ID", "NOBODY"),
     [["Orders", 9, "Buyer ID", "unknown-reference"]]),
    ("below-moq", lambda r: put(r, "Lines", 17, "Qty", 6), [["Lines", 17, "Qty", "below-moq"]]),
    ("case-pack", lambda r: put(r, "Lines", 17, "Qty", 27), [["Lines", 17, "Qty", "case-pack"]]),
    ("price-mismatch", lambda r: put(r, "Lines", 15, "Unit Price", 12), [["Lines", 15, "Unit Price", "price-mismatch"]]),
    ("date-order", lambda r: put(r, "Orders", 8, "Ship Date", date(2026, 11, 1)), [["Orders", 8, "Ship Date", "date-order"]]),
    ("due-date", lambda r: put(r, "Invoices", 2, "Due Date", date(2026, 9, 17)), [["Invoices", 2, "Due Date", "due-date"]]),
    ("terms", lambda r: put(r, "Buyers", 4, "Terms", "Net thirty"), [["Buyers", 4, "Terms", "terms"]]),
    ("invoice-total", _bad_total, [["Invoices", 4, "Total", "invoice-total"]]),
    ("invoice-balance", lambda r: put(r, "Invoices", 3, "Amount Paid", 250), [["Invoices", 3, "Amount Paid", "invoice-balance"]]),
    ("invoice-status", lambda r: put(r, "Invoices", 4, "Status", "paid"), [["Invoices", 4, "Status", "invoice-status"]]),
    ("deposit-unpaid", _add_shipment_for_unpaid_deposit, [["Shipments", 13, "PO Number", "deposit-unpaid"]]),
    ("not-shipped", _add_unshipped_invoice, [["Invoices", 6, "PO Number", "not-shipped"]]),
    ("over-shipped", lambda r: put(r, "Shipments", 10, "Qty Shipped", 20), [["Shipments", 10, "Qty Shipped", "over-shipped"]]),
    ("short-ship-note", lambda r: put(r, "Shipments", 10, "Qty Shipped", 6), [["Lines", 10, "Note", "short-ship-note"]]),
    ("status-flow", lambda r: put(r, "Orders", 8, "Status", "shipped"), [["Orders", 8, "Status", "status-flow"]]),
    ("over-allocated", _over_allocate, [["Allocations", 3, "Amount", "over-allocated"]]),
    ("substitute", lambda r: put(r, "Lines", 13, "Ack Status", "substituted"),
     [["Lines", 13, "Substitute SKU", "substitute"]]),
    ("substitute-unknown", lambda r: (put(r, "Lines", 13, "Ack Status", "substituted"),
                                      put(r, "Lines", 13, "Substitute SKU", "NO-SUCH")),
     [["Lines", 13, "Substitute SKU", "substitute"]]),
    ("ack-revision", lambda r: put(r, "Lines", 13, "Acknowledged As", "accepted 24"),
     [["Lines", 13, "Acknowledged As", "ack-revision"]]),
    ("claim-qty", _claim(150, date(2026, 11, 5)), [["Claims", 2, "Qty", "claim-qty"]]),
    ("claim-late", _claim(6, date(2026, 11, 20)), [["Claims", 2, "Date Reported", "claim-late"]]),
    ("claim-late-decided", _claim(6, date(2026, 11, 20), "rejected"), []),
    ("claim-unknown-line", lambda r: (_claim(6, date(2026, 11, 5))(r), put(r, "Claims", 2, "Line", 9)),
     [["Claims", 2, "Line", "unknown-reference"]]),
    ("replacement-unknown-claim", lambda r: r["Shipments"].append(
        ["SH-0099", "4500012345", 1, 6, date(2026, 11, 10), "UPS", "1ZR", None, None, None, None, "CL-0404"]),
     [["Shipments", 13, "Claim", "unknown-reference"]]),
    ("backup-retention-0", lambda r: r.setdefault("Settings", []).append(["Backup Retention", 0]),
     [["Settings", BACKUP_ROW, "Value", "setting"]]),
    ("backup-retention-negative", lambda r: r.setdefault("Settings", []).append(["Backup Retention", -5]),
     [["Settings", BACKUP_ROW, "Value", "setting"]]),
    ("document-sheets-kept-negative", lambda r: r.setdefault("Settings", []).append(["Document Sheets Kept", -1]),
     [["Settings", KEPT_ROW, "Value", "setting"]]),
]


@pytest.mark.parametrize("name,mutate,expected", CASES, ids=[c[0] for c in CASES])
def test_seeded_mistake(name: str, mutate: Callable[[Rows], None], expected: list[list[object]], tmp_path: Path) -> None:
    rows = demo_rows()
    mutate(rows)
    assert check(rows, tmp_path) == expected


def test_setting_next_number_reused(tmp_path: Path) -> None:
    assert check(demo_rows(), tmp_path, next_invoice_number=1003) == [["Settings", 10, "Value", "setting"]]


def test_email_template_and_mail_settings(tmp_path: Path) -> None:
    """The Templates tab's placeholders and names, and the Reminder Ladder, are checked like every other row."""
    rows = demo_rows()
    rows["Templates"] = [["invoice", "Invoice {document}", "Dear {customer}, {amount} is due {due_date}."]]
    assert check(rows, tmp_path) == [["Templates", 2, "Body", "template"]]
    from poflow_sheets.schema import SETTINGS_KEYS

    row = 2 + [k.key for k in SETTINGS_KEYS].index("reminder_ladder")
    assert check(demo_rows(), tmp_path, reminder_ladder="1, seven") == [["Settings", row, "Value", "setting"]]


def test_headers_in_other_order_and_extra_columns_read_the_same(tmp_path: Path) -> None:
    """A person's own layout: friendlier headers, other order, extra columns and tabs."""
    import xlsxwriter

    path = tmp_path / "own.xlsx"
    write(demo_rows(), path)
    reference = read_workbook(path)
    wb = xlsxwriter.Workbook(str(tmp_path / "own2.xlsx"))
    for tab in ("Settings", "Buyers", "Orders", "Lines", "Invoices", "Payments", "Allocations"):
        ws = wb.add_worksheet(tab.upper() if tab == "Orders" else tab)
        info = reference.tables[tab]
        cols = list(reversed(list(info.columns)))
        headers = [info.columns[k][1].lower().replace(" ", "_") for k in cols] + ["My Own Column"]
        ws.write_row(0, 0, headers)
        from python_calamine import CalamineWorkbook

        src = CalamineWorkbook.from_path(str(path)).get_sheet_by_name(info.title).to_python()
        for r, raw in enumerate(src[1:], start=1):
            ws.write_row(r, 0, [raw[info.columns[k][0]] for k in cols] + ["x"])
    wb.add_worksheet("Notes").write(0, 0, "my notes")
    wb.close()
    other = read_workbook(tmp_path / "own2.xlsx")
    assert other.orders == reference.orders
    assert other.lines == reference.lines
    assert other.invoices == reference.invoices
    assert other.buyers == reference.buyers


def test_validate_cli_json_and_exit_codes(tmp_path: Path) -> None:
    rows = demo_rows()
    put(rows, "Lines", 15, "Qty", "twelve")
    path = write(rows, tmp_path / "bad.xlsx")
    proc = subprocess.run([sys.executable, "-m", "poflow_sheets", "validate", str(path), "--json"],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 1, proc.stderr
    data = json.loads(proc.stdout)
    assert data["summary"]["errors"] == 1
    f = data["findings"][0]
    assert (f["tab"], f["row"], f["column"], f["column_letter"], f["code"], f["severity"], f["value"]) == \
        ("Lines", 15, "Qty", "E", "type", "error", "twelve")
    assert "twelve" in f["message"] and f["hint"]
    clean = write(demo_rows(), tmp_path / "good.xlsx")
    proc = subprocess.run([sys.executable, "-m", "poflow_sheets", "validate", str(clean)],
                          capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "0 error(s)" in proc.stdout


def test_map_rows_that_name_nothing_are_reported(tmp_path: Path) -> None:
    """The poflow Map is checked: a name the tab lacks, a tab or column poflow does not have, a column named twice."""
    from poflow_sheets.store import AddSheet, apply_changes

    path = write(demo_rows(), tmp_path / "plain.xlsx")
    mapped = tmp_path / "mapped.xlsx"
    apply_changes(path, mapped, [AddSheet("poflow Map", (
        ("Tab", "Column", "Your Name", "Note"),
        ("Orders", "Notes", "Remarks", "no such header in Orders"),
        ("Ordres", "", "PO Log", "no such tab"),
        ("Orders", "Shipping Method", "Ship Via", "no such column"),
        ("Orders", "Notes", "Comments", "named twice"),
    ))])
    findings = flatten(validate(read_workbook(mapped), TODAY).findings)
    assert findings == [
        ["poflow Map", 2, "Your Name", "map"],
        ["poflow Map", 3, "Tab", "map"],
        ["poflow Map", 4, "Column", "map"],
        ["poflow Map", 5, "Column", "map"],
    ]


def test_more_document_tabs_than_kept_is_warned() -> None:
    """`document-tabs`: more printable document tabs than Settings `Document Sheets Kept` (a Google Sheet keeps
    them; a file book's are moved by `poflow archive`, see tests/test_document_tabs.py)."""
    from poflow_sheets.growth import document_tab_findings

    assert document_tab_findings(["INV-1", "INV-2"], 2) == []
    assert [[f.tab, f.row, f.column, f.code] for f in document_tab_findings(["INV-1", "INV-2", "INV-3"], 2)] == [
        ["", 0, "", "document-tabs"],
    ]


def test_a_tab_near_excels_row_limit_is_warned() -> None:
    """`size`: at 80 % of Excel's rows per tab (the sizes come from each sheet's <dimension>, see limits.py)."""
    from poflow_sheets.growth import EXCEL_ROWS, limit_findings

    rows = int(EXCEL_ROWS * 0.8) + 1
    assert [[f.tab, f.row, f.column, f.code] for f in limit_findings({"Log": (rows, 7)})] == [
        ["Log", rows, "", "size"],
    ]
