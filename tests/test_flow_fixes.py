"""The smaller contradictions a new seller met, each with the test that failed before it was mended.

In process through click's runner on the demo workbook (dates around 26 November 2026).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import openpyxl
import pytest

from poflow_sheets.demo import write_demo
from poflow_sheets.documents.statement import statement_document
from poflow_sheets.pipeline import pipeline
from poflow_sheets.reader import read_workbook
from poflow_sheets.validate import validate

from . import cli
from .cli import filed, sha


def run(*args: object, code: int = 0) -> str:
    ran = cli.run(*args, ok=(code,))
    return ran.stdout + ran.stderr


@pytest.fixture()
def book(tmp_path: Path) -> Path:
    path = tmp_path / "books.xlsx"
    write_demo(path)
    return path


def set_cells(book: Path, tab: str, key: tuple[object, ...], **values: object) -> None:
    """Type values into the row whose first cells are `key`, by header, as a person would."""
    wb = openpyxl.load_workbook(book)
    ws = wb[tab]
    head = [c.value for c in ws[1]]
    for r in range(2, ws.max_row + 1):
        if tuple(ws.cell(r, i + 1).value for i in range(len(key))) == key:
            for header, value in values.items():
                ws.cell(r, head.index(header.replace("_", " ")) + 1).value = value
            break
    else:
        raise AssertionError(f"no row {key} in {tab}")
    wb.save(book)


def test_a_substitution_typed_before_the_acknowledgement_is_kept(book: Path) -> None:
    """Before: a typed 'substituted' status was overwritten with 'backordered'."""
    set_cells(book, "Lines", ("PO-1007", 1), Ack_Status="substituted", Substitute_SKU="CDL-OAK-8",
              Note="lavender out: oak instead")
    run("acknowledge", book, "PO-1007", "--today", "2026-11-26")
    ln = next(x for x in read_workbook(book).lines if (x.po_number, x.line_no) == ("PO-1007", 1))
    assert (ln.ack_status, ln.substitute_sku, ln.ack_qty) == ("substituted", "CDL-OAK-8", 36)
    assert ln.acked_as.startswith("substituted 36 as CDL-OAK-8")


def test_a_shipment_note_stays_on_the_shipment(book: Path) -> None:
    """Before: `ship --note` wrote the note onto the Lines row, where it printed under the invoice line."""
    notes_before = {(x.po_number, x.line_no): x.note for x in read_workbook(book).lines}
    run("ship", book, "OC-0001", "--date", "2026-12-02", "--note", "left by the back door", "--force", "--reason",
        "deposit promised by phone")
    after = read_workbook(book)
    assert {(x.po_number, x.line_no): x.note for x in after.lines} == notes_before
    assert all("left by the back door" in s.note for s in after.shipments if s.po_number == "OC-0001")


def test_reconcile_preview_says_nothing_was_written(book: Path, tmp_path: Path) -> None:
    """Before: without --apply, reconcile said 'applied' and 'order closed' though nothing was written."""
    bank = tmp_path / "b.csv"
    bank.write_text("Details,Posting Date,Description,Amount,Type,Balance,Check or Slip #,\n"
                    'CREDIT,11/25/2026,"ORIG CO NAME:HARBOR HOME CO IND ID:INV-1002",393.00,ACH_CREDIT,1.00,,\n')
    before = sha(book)
    out = run("reconcile", book, bank, "--today", "2026-11-26")
    assert sha(book) == before
    assert "would be applied" in out and "applied automatically" not in out
    assert "order closed" not in out or "(preview, not written)" in out


def test_zero_balance_statement_says_so(book: Path) -> None:
    doc = statement_document(read_workbook(book), "CORNER", date(2026, 11, 26), "ST-1")
    assert doc.amount_due == 0 and not doc.statement_rows
    assert any("Nothing is open" in n for n in doc.notes)


def test_status_calls_a_draft_a_draft_and_a_missed_ship_date_late(book: Path) -> None:
    pipe = pipeline(read_workbook(book), date(2026, 12, 20))
    assert pipe.step_of["PO-1009"] == "draft"
    late = next(a for a in pipe.actions if a.po_number == "PO-1004")
    assert "ship-late" in late.codes and "late" in late.reason


def test_an_order_paid_in_full_but_not_closed_is_flagged(book: Path) -> None:
    """Before: an order whose invoices were all paid stayed 'partially shipped' and validate said nothing."""
    set_cells(book, "Orders", ("PO-1001",), Status="partially shipped")
    findings = validate(read_workbook(book), date(2026, 11, 26)).findings
    assert [(f.tab, f.row, f.code, f.severity) for f in findings] == [("Orders", 2, "status-flow", "warning")]
    assert "expected 'closed'" in findings[0].message


def test_an_acknowledged_line_changed_by_hand_needs_a_revision(book: Path, tmp_path: Path) -> None:
    """Before: editing an acknowledged line and running acknowledge said 'nothing to do'."""
    run("acknowledge", book, "PO-1007", "--today", "2026-11-26")
    set_cells(book, "Lines", ("PO-1007", 2), Ack_Qty=96, Ack_Status="quantity changed", Note="96 only")
    data = json.loads(run("validate", book, "--json", "--today", "2026-11-26"))
    assert [f["code"] for f in data["findings"]] == ["ack-revision"]
    out = run("acknowledge", book, "PO-1007", "--today", "2026-11-27")
    assert "ACK-PO-1007-R2" in out
    docs = tmp_path / "documents"
    assert filed(docs, "ACK-PO-1007.pdf").exists() and filed(docs, "ACK-PO-1007-R2.pdf").exists()
    assert json.loads(run("validate", book, "--json", "--today", "2026-11-27"))["findings"] == []


def test_an_order_acknowledged_before_poflow_kept_what_it_said_is_recorded_not_revised(book: Path,
                                                                                        tmp_path: Path) -> None:
    """PO-1004 was acknowledged in an older book (no Acknowledged As): recorded once, no revision issued."""
    out = run("acknowledge", book, "PO-1004", "--today", "2026-11-26")
    assert "recorded what it says" in out and not (tmp_path / "documents").exists()
    lines = [x for x in read_workbook(book).lines if x.po_number == "PO-1004"]
    assert [x.acked_as for x in lines] == ["accepted 96", "backordered 48 by 2026-12-09"]
    before = sha(book)
    run("acknowledge", book, "PO-1004", "--today", "2026-11-26")
    assert sha(book) == before
