"""`poflow reconcile` and `poflow import-bank` through the real CLI on the demo workbook."""

from __future__ import annotations

import email
import json
from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from aiosmtpd.controller import Controller

from poflow_sheets.demo import write_demo
from poflow_sheets.reader import read_workbook

from .cli import run, sha
from .test_mailer import Store, free_port

HEADER = "Details,Posting Date,Description,Amount,Type,Balance,Check or Slip #,\n"




@pytest.fixture()
def book(tmp_path: Path) -> Path:
    path = tmp_path / "books.xlsx"
    write_demo(path)
    return path


def bank(tmp_path: Path, name: str, *rows: str) -> Path:
    path = tmp_path / name
    path.write_text(HEADER + "".join(r + "\n" for r in rows))
    return path


PAY_1002 = 'CREDIT,11/20/2026,"HARBOR HOME CO PAYMENT PO-0998",393.00,ACH_CREDIT,1000.00,,'
AMBIGUOUS = 'CREDIT,11/21/2026,"J GENERAL",285.00,ACH_CREDIT,1285.00,,'
MEMO_FORMULA = 'CREDIT,11/22/2026,"=HYPERLINK(""http://x"",""click"")",12.34,ACH_CREDIT,1297.34,,'


def test_json_contract_and_nothing_written_without_apply(book: Path, tmp_path: Path) -> None:
    f = bank(tmp_path, "nov.csv", PAY_1002, AMBIGUOUS)
    before = sha(book)
    proc = run("reconcile", book, f, "--json", "--today", "2026-11-26", ok=(1,))
    assert sha(book) == before
    data = json.loads(proc.stdout)
    assert set(data) == {"transactions", "allocations", "suggestions", "unmatched"}
    assert [(a["invoice_number"], a["amount"], a["kind"], a["source"]) for a in data["allocations"]] == \
        [("INV-1002", "393.00", "invoice", "nov.csv:2")]
    t = data["transactions"][0]
    assert set(t) == {"transaction_id", "source", "date", "amount", "currency", "payer", "memo"}
    assert t["date"] == "2026-11-20" and t["amount"] == "393.00"
    assert 0 <= data["allocations"][0]["confidence"] <= 1
    waiting = data["suggestions"] + data["unmatched"]
    assert [w["source"] for w in waiting] == ["nov.csv:3"]


def test_apply_twice_and_overlapping_exports_apply_once(book: Path, tmp_path: Path) -> None:
    first = bank(tmp_path, "a.csv", PAY_1002)
    overlap = bank(tmp_path, "b.csv", PAY_1002, 'CREDIT,11/25/2026,"MAPLE AND MAIN GOODS INV-1003",1824.00,ACH_CREDIT,3217.00,,')
    run("reconcile", book, first, "--apply", "--today", "2026-11-26")
    once = sha(book)
    run("reconcile", book, first, "--apply", "--today", "2026-11-26")
    assert sha(book) == once
    run("reconcile", book, overlap, "--apply", "--today", "2026-11-26")
    wb = read_workbook(book)
    paid = sorted(a.invoice_number for a in wb.allocations if a.invoice_number)
    assert paid == ["INV-1001", "INV-1002", "INV-1002", "INV-1003"]
    assert len(wb.payments) == 4  # two from the demo, two new: the overlapping row once
    invs = {i.invoice_number: i for i in wb.invoices}
    assert (invs["INV-1002"].status, invs["INV-1003"].status) == ("paid", "paid")
    twice = sha(book)
    run("reconcile", book, overlap, first, "--apply", "--today", "2026-11-26")
    assert sha(book) == twice
    assert json.loads(run("validate", book, "--json").stdout)["summary"]["errors"] == 0


def test_accept_applies_a_suggestion_and_learns_the_payer(book: Path, tmp_path: Path) -> None:
    f = bank(tmp_path, "nov.csv", AMBIGUOUS)
    data = json.loads(run("reconcile", book, f, "--json", "--today", "2026-11-26", ok=(1,)).stdout)
    waiting = data["suggestions"] + data["unmatched"]
    txn = waiting[0]["transaction_id"]
    run("reconcile", book, f, "--apply", "--accept", f"{txn}=INV-1004", "--today", "2026-11-26")
    wb = read_workbook(book)
    alloc = next(a for a in wb.allocations if a.transaction_id == txn)
    assert (alloc.invoice_number, alloc.method, alloc.amount) == ("INV-1004", "confirmed", 285)
    juniper = next(b for b in wb.buyers if b.buyer_id == "JUNIPER")
    assert "J GENERAL" in juniper.aliases
    assert json.loads(run("validate", book, "--json").stdout)["summary"]["errors"] == 0


def test_outside_text_lands_as_text(book: Path, tmp_path: Path) -> None:
    f = bank(tmp_path, "memo.csv", MEMO_FORMULA)
    run("import-bank", book, f)
    ws = openpyxl.load_workbook(book)["Payments"]
    memos = [c for c in ws["F"] if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert memos and all(c.data_type == "s" for c in memos)
    assert memos[0].value.startswith("=HYPERLINK(")


BAD = {
    "truncated.ofx": "OFXHEADER:100\nDATA:OFXSGML\n\n<OFX><BANKMSGSRSV1><STMTTRNRS><STMTRS><BANKTRANLIST>"
                     "<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20261120<TRNAMT>10.00",
    "entity.xml": '<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
                  '<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt>&x;'
                  "</BkToCstmrStmt></Document>",
    "amount.csv": HEADER + 'CREDIT,11/20/2026,"SHOP",1.234.5,ACH_CREDIT,1.00,,\n',
    "date.csv": HEADER + 'CREDIT,11/45/2026,"SHOP",12.00,ACH_CREDIT,1.00,,\n',
    "empty.csv": "",
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_bank_files_are_refused_and_nothing_written(name: str, book: Path, tmp_path: Path) -> None:
    f = tmp_path / name
    f.write_text(BAD[name])
    before = sha(book)
    for cmd in (("reconcile", book, f, "--apply"), ("import-bank", book, f)):
        proc = run(*cmd, ok=(2,))
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and name in lines[0], proc.stderr
    assert sha(book) == before


def test_ragged_row_is_reported_and_the_rest_imports(book: Path, tmp_path: Path) -> None:
    f = bank(tmp_path, "ragged.csv", PAY_1002, 'CREDIT,11/21/2026,"SHORT ROW"', AMBIGUOUS)
    proc = run("import-bank", book, f)
    assert "ragged.csv:3" in proc.stdout + proc.stderr
    assert len(read_workbook(book).payments) == 4


@pytest.fixture()
def smtp() -> Iterator[tuple[Store, int]]:
    store = Store()
    port = free_port()
    controller = Controller(store, hostname="127.0.0.1", port=port, auth_require_tls=False)
    controller.start()
    try:
        yield store, port
    finally:
        controller.stop()


def test_report_and_email_through_a_real_smtp_server(book: Path, tmp_path: Path, smtp: tuple[Store, int]) -> None:
    store, port = smtp
    f = bank(tmp_path, "nov.csv", PAY_1002, AMBIGUOUS)
    report = tmp_path / "reconcile-2026-11-26.xlsx"
    env = {"POFLOW_SMTP_HOST": "127.0.0.1", "POFLOW_SMTP_PORT": str(port), "POFLOW_REPORT_TO": "owner@brand.example",
           "POFLOW_SMTP_FROM": "poflow@brand.example"}
    run("reconcile", book, f, "--report", report, "--email", "--today", "2026-11-26", ok=(1,), env=env)
    assert {"Summary", "Applied", "Suggestions", "Unmatched"} <= set(openpyxl.load_workbook(report).sheetnames)
    assert len(store.messages) == 1
    envelope = store.messages[0]
    assert envelope.rcpt_tos == ["owner@brand.example"]
    msg = email.message_from_bytes(envelope.content)
    assert "poflow reconciliation 2026-11-26" in msg["Subject"]
    parts = {p.get_content_type(): p for p in msg.walk()}
    assert "text/plain" in parts and "text/html" in parts
    attached = [p for p in msg.walk() if p.get_filename() == report.name]
    assert attached and attached[0].get_payload(decode=True) == report.read_bytes()
