"""Files poflow cannot read as a workbook get one clear line and exit 2; bad cells are findings (exit 1)."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
import xlsxwriter

from poflow_sheets.demo import write_demo

from .cli import Ran
from .cli import run as cli_run


def run(*args: str | Path) -> Ran:
    return cli_run(*args, ok=(0, 1, 2))


def assert_refused(proc: Ran, *words: str) -> None:
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert proc.stdout == ""
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for w in words:
        assert w in lines[0], lines[0]


@pytest.fixture()
def demo(tmp_path: Path) -> Path:
    path = tmp_path / "demo.xlsx"
    write_demo(path)
    return path


def test_missing_file(tmp_path: Path) -> None:
    assert_refused(run("validate", tmp_path / "nope.xlsx"), "nope.xlsx", "no such file")


def test_empty_file(tmp_path: Path) -> None:
    (tmp_path / "empty.xlsx").write_bytes(b"")
    assert_refused(run("validate", tmp_path / "empty.xlsx"), "empty.xlsx", "empty")


def test_csv_renamed_xlsx(tmp_path: Path) -> None:
    (tmp_path / "orders.xlsx").write_text("PO Number,Buyer ID\nPO-1,B1\n")
    assert_refused(run("validate", tmp_path / "orders.xlsx"), "orders.xlsx", "not a real .xlsx", "CSV")


def test_truncated_zip(demo: Path, tmp_path: Path) -> None:
    data = demo.read_bytes()
    cut = tmp_path / "cut.xlsx"
    cut.write_bytes(data[: len(data) // 2])
    assert_refused(run("validate", cut), "cut.xlsx", "damaged")


def test_password_protected_ole(tmp_path: Path) -> None:
    # An encrypted .xlsx is an OLE compound file holding an EncryptedPackage stream.
    blob = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 504 + "EncryptedPackage".encode("utf-16-le") + b"\0" * 1000
    (tmp_path / "locked.xlsx").write_bytes(blob)
    assert_refused(run("validate", tmp_path / "locked.xlsx"), "locked.xlsx", "password")


def test_missing_required_tab(demo: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(demo)
    del wb["Invoices"]
    wb.save(tmp_path / "notab.xlsx")
    assert_refused(run("validate", tmp_path / "notab.xlsx"), "notab.xlsx", "'Invoices'", "missing", "found tabs")


def test_misspelled_header_names_expected_and_found(demo: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(demo)
    wb["Orders"]["D1"] = "PO Dte"
    wb.save(tmp_path / "typo.xlsx")
    proc = run("validate", tmp_path / "typo.xlsx")
    assert_refused(proc, "typo.xlsx", "tab 'Orders'", "'PO Date'", "'PO Dte' looks like a misspelling", "found:")


def test_not_a_workbook_suffix(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("hello")
    assert_refused(run("validate", tmp_path / "notes.txt"), "notes.txt", "not a workbook")


def test_bad_cells_are_findings_not_tracebacks(demo: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(demo)
    ws = wb["Orders"]
    ws["D10"] = "31/02/2026"  # PO Date: no 31 February
    ws["I9"] = "sort of shipped"  # Status: unknown
    lines = wb["Lines"]
    lines["F16"] = "twelve dollars"  # Unit Price: text
    lines["E18"] = -5  # Qty: negative
    lines["E15"] = "a dozen"  # Qty: text
    wb.save(tmp_path / "cells.xlsx")
    proc = run("validate", tmp_path / "cells.xlsx", "--json")
    assert proc.returncode == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    got = sorted((f["tab"], f["row"], f["column_letter"], f["code"]) for f in json.loads(proc.stdout)["findings"])
    assert got == sorted([("Orders", 10, "D", "type"), ("Orders", 9, "I", "choice"), ("Lines", 16, "F", "type"),
                          ("Lines", 18, "E", "negative"), ("Lines", 15, "E", "type")])


def test_annotate_writes_a_marked_copy_and_leaves_the_original(demo: Path, tmp_path: Path) -> None:
    wb = openpyxl.load_workbook(demo)
    wb["Lines"]["E15"] = "a dozen"
    bad = tmp_path / "bad.xlsx"
    wb.save(bad)
    before = bad.read_bytes()
    out = tmp_path / "marked.xlsx"
    proc = run("validate", bad, "--annotate", out)
    assert proc.returncode == 1
    assert bad.read_bytes() == before
    cell = openpyxl.load_workbook(out)["Lines"]["E15"]
    assert cell.comment is not None and "type" in cell.comment.text
    assert cell.fill.fgColor.rgb.endswith("FFC7CE")


def test_friendly_headers_with_extra_tab(tmp_path: Path) -> None:
    """The contract's minimum workbook, and nothing more, is a valid poflow workbook."""
    path = tmp_path / "min.xlsx"
    wb = xlsxwriter.Workbook(str(path))
    minimum = {
        "Settings": ["Key", "Value"],
        "Buyers": ["Buyer ID", "Name", "Email", "Terms", "Deposit Pct", "Aliases", "Tax Exempt"],
        "Orders": ["PO Number", "Buyer ID", "PO Date", "Ship Date", "Terms", "Deposit Pct", "Status"],
        "Lines": ["PO Number", "Line", "SKU", "Description", "Qty", "Unit Price"],
        "Invoices": ["Invoice Number", "Kind", "PO Number", "Invoice Date", "Terms", "Due Date", "Total",
                     "Amount Paid", "Balance", "Status"],
        "Payments": ["Transaction ID", "Date", "Amount", "Currency", "Payer", "Memo", "Source", "Status"],
        "Allocations": ["Transaction ID", "Invoice Number", "PO Number", "Amount", "Kind", "Method", "Confidence"],
    }
    for tab, headers in minimum.items():
        ws = wb.add_worksheet(tab)
        ws.write_row(0, 0, headers)
    s = wb.get_worksheet_by_name("Settings")
    for i, (k, v) in enumerate([("seller name", "Acme"), ("currency", "USD"), ("default terms", "Net 30"),
                                ("default deposit pct", "0%"), ("invoice prefix", "INV-"),
                                ("next invoice number", 1)], start=1):
        s.write_row(i, 0, [k, v])
    o = wb.get_worksheet_by_name("Buyers")
    o.write_row(1, 0, ["B1", "Shop", "", "Net 30", "", "", "no"])
    o = wb.get_worksheet_by_name("Orders")
    o.write_row(1, 0, ["PO-1", "B1", "2026-03-04", "", "", "", "Draft"])
    o = wb.get_worksheet_by_name("Lines")
    o.write_row(1, 0, ["PO-1", 1, "SKU-1", "Thing", 5, "$1,234.50"])
    wb.close()
    proc = run("validate", path, "--json")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert json.loads(proc.stdout)["summary"]["rows_checked"] == 9
