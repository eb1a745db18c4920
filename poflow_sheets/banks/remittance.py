"""Remittance advice and lockbox detail files (CSV or Excel): which invoices one payment pays.

A buyer's AP system e-mails a remittance advice, a bank's lockbox service sends the detail of the checks
it deposited; both are tables with one row per invoice paid:

    Check Number,Payer,Payment Date,Invoice Number,Invoice Amount,Amount Paid,Deduction,Reason Code
    10234,Corner Shop LLC,11/20/2026,INV-1002,393.00,393.00,,
    10234,Corner Shop LLC,11/20/2026,INV-1005,1089.00,1064.00,25.00,01

Columns are found by header name (English and German words; see COLUMNS). Rows with the same payment
(check number, payment reference, or a lockbox batch when the file has one) form one advice: the bank
line that paid it is found by that reference or by its total (reconcile.engine).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

from poflow_sheets.banks.base import amount_of, decide_dayfirst, decode_text, fail, fold, parse_bank_date
from poflow_sheets.banks.descriptors import RemittanceAdvice, RemittanceLine
from poflow_sheets.errors import BankFileError

COLUMNS: dict[str, tuple[str, ...]] = {
    "batch": ("batch", "batchnumber", "batchid", "lockboxbatch", "depositid", "depositnumber"),
    "payment": ("checknumber", "checkno", "check", "chequenumber", "paymentreference", "paymentref", "paymentid",
                "paymentnumber", "tracenumber", "trace", "remittanceid", "item", "itemnumber", "zahlungsreferenz"),
    "payer": ("payer", "payername", "customer", "customername", "remitter", "company", "from", "name", "zahler"),
    "date": ("paymentdate", "checkdate", "depositdate", "date", "datum", "zahlungsdatum"),
    "invoice": ("invoicenumber", "invoice", "invoiceno", "inv", "invoiceref", "documentnumber", "document",
                "rechnungsnummer", "rechnung", "reference"),
    "paid": ("amountpaid", "paidamount", "paid", "paymentamount", "netamount", "net", "amount", "betrag",
             "bezahlt"),
    "total": ("invoiceamount", "invoicetotal", "grossamount", "originalamount", "gross", "rechnungsbetrag"),
    "discount": ("discount", "discounttaken", "discountamount", "skonto"),
    "deduction": ("deduction", "deductionamount", "adjustment", "adjustmentamount", "shortpay", "abzug"),
    "code": ("reasoncode", "deductioncode", "adjustmentcode", "reason", "code", "grund"),
}


def _roles(header: Sequence[str]) -> dict[str, int]:
    folded = [fold(h) for h in header]
    used: set[int] = set()
    out: dict[str, int] = {}
    for role, words in COLUMNS.items():
        for word in words:
            hit = next((i for i, f in enumerate(folded) if f == word and i not in used), None)
            if hit is not None:
                out[role] = hit
                used.add(hit)
                break
    return out


def _rows(data: bytes, name: str) -> list[list[str]]:
    if data.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        from python_calamine import CalamineWorkbook

        try:
            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
            sheet = book.get_sheet_by_index(0).to_python(skip_empty_area=False)
        except Exception as exc:  # calamine raises its own error types
            raise fail(name, f"not a readable spreadsheet: {exc}") from None
        out = []
        for r in sheet:
            cells = []
            for c in r:
                if isinstance(c, float) and c.is_integer():
                    c = int(c)
                cells.append(c.isoformat() if isinstance(c, date) else str(c if c is not None else ""))
            out.append(cells)
        return out
    text = decode_text(data)
    sample = "\n".join(text.splitlines()[:20])
    delimiter = max((",", ";", "\t", "|"), key=sample.count)
    return [list(r) for r in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)]


def parse_remittance(data: bytes, name: str) -> tuple[RemittanceAdvice, ...]:
    """The advices in one remittance or lockbox file, given as bytes."""
    rows = [[c.strip() for c in r] for r in _rows(data, name)]
    head = next((i for i, r in enumerate(rows[:30]) if {"invoice", "paid"} <= set(_roles(r))), None)
    if head is None:
        raise fail(name, "not a remittance advice: no header with an invoice column and an amount paid column "
                         f"(columns such as {', '.join(COLUMNS['invoice'][:2])} and {', '.join(COLUMNS['paid'][:2])})")
    roles = _roles(rows[head])

    def get(row: list[str], role: str) -> str:
        i = roles.get(role)
        return row[i] if i is not None and i < len(row) else ""

    body = [(head + 2 + k, r) for k, r in enumerate(rows[head + 1:]) if any(r)]
    dayfirst = decide_dayfirst([get(r, "date") for _, r in body if get(r, "date")])
    groups: dict[str, list[tuple[int, list[str]]]] = {}
    for line, row in body:
        if not get(row, "invoice") and not get(row, "paid"):
            continue
        key = get(row, "batch") or get(row, "payment") or f"{get(row, 'payer')}|{get(row, 'date')}"
        groups.setdefault(key, []).append((line, row))
    out: list[RemittanceAdvice] = []
    for key, members in groups.items():
        lines: list[RemittanceLine] = []
        first_line, first = members[0]
        for line, row in members:
            def money(role: str, row: list[str] = row, line: int = line) -> Decimal | None:
                text = get(row, role)
                return amount_of(text, name, line) if text else None

            paid = money("paid")
            if paid is None or not get(row, "invoice"):
                raise fail(name, "a remittance row needs an invoice number and an amount paid", line)
            deduction = money("deduction")
            lines.append(RemittanceLine(get(row, "invoice"), paid, money("total"), money("discount"),
                                        -abs(deduction) if deduction else None, get(row, "code")))
        when_text = get(first, "date")
        when = parse_bank_date(when_text, name, first_line, dayfirst=dayfirst) if when_text else None
        payers = list(dict.fromkeys(get(r, "payer") for _, r in members if get(r, "payer")))
        payment = "" if key.endswith(f"|{when_text}") and "|" in key else key
        out.append(RemittanceAdvice(payment, payers[0] if len(payers) == 1 else "", when, tuple(lines),
                                    f"{name}:{first_line}"))
    return tuple(out)


def read_remittance_files(paths: Sequence[Path]) -> tuple[RemittanceAdvice, ...]:
    """Every advice in these files (CSV or Excel)."""
    out: list[RemittanceAdvice] = []
    for path in paths:
        try:
            data = Path(path).read_bytes()
        except OSError as exc:
            raise BankFileError(f"{path}: cannot be read ({getattr(exc, 'strerror', None) or exc})") from None
        out.extend(parse_remittance(data, Path(path).name))
    return tuple(out)
