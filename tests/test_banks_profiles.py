"""Ready bank profiles (one small inline export each, as LAYOUTS.md describes them), the generic
header guess, the user mapping string, Excel workbooks and property tests of amounts and dates."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import xlsxwriter
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from poflow_sheets.banks import parse_bank_bytes, read_bank_file, read_bank_files
from poflow_sheets.errors import BankFileError

CHASE = """Details,Posting Date,Description,Amount,Type,Balance,Check or Slip #,
CREDIT,03/15/2024,"ACME RETAIL INC   PPD ID: 99 INV-1001",1250.00,ACH_CREDIT,5000.00,,
DEBIT,03/14/2024,"MONTHLY SERVICE FEE",-15.00,FEE_TRANSACTION,3750.00,,
CREDIT,03/13/2024,"REMOTE ONLINE DEPOSIT #  1",300.50,DEPOSIT,3765.00,,
"""

BOFA = """Description,,Summary Amt.
Beginning balance as of 03/01/2024,,"1,000.00"
Total credits,,"2,500.00"
Total debits,,"-1,234.56"
Ending balance as of 03/31/2024,,"2,265.44"

Date,Description,Amount,Running Bal.
03/01/2024,Beginning balance as of 03/01/2024,,"1,000.00"
03/05/2024,"ZELLE FROM BOUTIQUE LUNA; Conf# abc123","2,500.00","3,500.00"
03/20/2024,"CHECKCARD 0320 OFFICE SUPPLY","-1,234.56","2,265.44"
"""

WELLS = """"03/15/2024","1250.00","*","","ACH CREDIT ACME RETAIL INV-1001"
"03/16/2024","-45.10","*","1234","CHECK # 1234"
"""

MERCURY = """Date (UTC),Description,Amount,Status,Source Account,Bank Description,Reference,Note,Last Four Digits,\
Name On Card,Category,GL Code,Timestamp,Original Currency
03-15-2024,Boutique Luna,2400.00,Sent,Mercury Checking ••1234,BOUTIQUE LUNA ACH,INV-1002,,,,,,03-15-2024 10:01:02,USD
03-16-2024,Gusto,-800.00,Sent,Mercury Checking ••1234,GUSTO PAYROLL,,,,,,,03-16-2024 09:00:00,USD
03-17-2024,Late Buyer,99.00,Pending,Mercury Checking ••1234,LATE BUYER ACH,INV-1003,,,,,,03-17-2024 11:00:00,USD
"""

WISE = """TransferWise ID,Date,Amount,Currency,Description,Payment Reference,Running Balance,Exchange From,\
Exchange To,Exchange Rate,Payer Name,Payee Name,Payee Account Number,Merchant,Card Last Four Digits,\
Card Holder Full Name,Attachment,Note,Total fees
TRANSFER-111,15-03-2024,980.00,EUR,Received money from Laden GmbH with reference RE-77,RE-77,980.00,,,,\
Laden GmbH,,,,,,,,0.00
TRANSFER-112,16-03-2024,-120.00,EUR,Sent money to Packaging Co,,860.00,,,,,Packaging Co,DE00,,,,,,0.45
"""

REVOLUT = """Type,Product,Started Date,Completed Date,Description,Amount,Fee,Currency,State,Balance
TRANSFER,Current,2024-03-15 10:00:00,2024-03-15 10:00:05,Payment from Shop Nord,640.00,0.00,GBP,COMPLETED,640.00
CARD_PAYMENT,Current,2024-03-16 12:00:00,,Coffee,-3.20,0.00,GBP,PENDING,
CARD_PAYMENT,Current,2024-03-16 13:00:00,2024-03-17 09:00:00,Printer,-40.00,0.00,GBP,COMPLETED,600.00
"""

STRIPE = """balance_transaction_id,created_utc,available_on_utc,currency,gross,fee,net,reporting_category,description,\
automatic_payout_id,customer_name
txn_1,2024-03-15 10:00:00,2024-03-17 00:00:00,usd,500.00,-14.80,485.20,charge,Invoice INV-1004,po_1,Store West
txn_2,2024-03-15 11:00:00,2024-03-17 00:00:00,usd,250.00,-7.55,242.45,charge,Invoice INV-1005,po_1,Store East
txn_3,2024-03-16 11:00:00,2024-03-18 00:00:00,usd,-50.00,0.00,-50.00,refund,Refund INV-1005,po_1,Store East
"""

PAYPAL = (
    '\ufeff"Date","Time","TimeZone","Name","Type","Status","Currency","Gross","Fee","Net","From Email Address",'
    '"To Email Address","Transaction ID","Reference Txn ID","Invoice Number","Balance"\n'
    '"03/15/2024","10:00:00","PDT","Gift Shop Ltd","Express Checkout Payment","Completed","USD","1,200.00",'
    '"-35.10","1,164.90","buyer@gift.example","me@brand.example","1AB23456CD789012E","","INV-1006","1,164.90"\n'
    '"03/15/2024","10:00:00","PDT","","Bank Deposit to PP Account ","Pending","USD","25.00","0.00","25.00","",'
    '"me@brand.example","9ZZ","","","1,189.90"\n'
    '"03/16/2024","08:00:00","PDT","Label Printer Inc","Express Checkout Payment","Completed","USD","-80.00",'
    '"0.00","-80.00","me@brand.example","sales@labels.example","7XY","","","1,084.90"\n'
)

# profile -> (inline export, format, count, sum, first payer)
PROFILE_CASES = {
    "chase": (CHASE, "csv:chase", 3, "1535.50", "ACME RETAIL INC PPD ID: 99 INV-1001"),
    "bofa": (BOFA, "csv:bofa", 2, "1265.44", "ZELLE FROM BOUTIQUE LUNA; Conf# abc123"),
    "wells_fargo": (WELLS, "csv:wells_fargo", 2, "1204.90", "ACH CREDIT ACME RETAIL INV-1001"),
    "mercury": (MERCURY, "csv:mercury", 2, "1600.00", "Boutique Luna"),
    "wise": (WISE, "csv:wise", 2, "860.00", "Laden GmbH"),
    "revolut": (REVOLUT, "csv:revolut", 2, "600.00", "Payment from Shop Nord"),
    "stripe": (STRIPE, "csv:stripe", 3, "700.00", "Store West"),
    "paypal": (PAYPAL, "csv:paypal", 2, "1120.00", "Gift Shop Ltd"),
}


@pytest.mark.parametrize("profile", sorted(PROFILE_CASES))
def test_ready_profile(profile: str) -> None:
    text, fmt, count, total, payer = PROFILE_CASES[profile]
    result = parse_bank_bytes(text.encode("utf-8"), f"{profile}.csv")
    assert result.format == fmt
    assert len(result.transactions) == count
    assert result.total == Decimal(total)
    assert result.transactions[0].payer == payer


def test_profile_details() -> None:
    mercury = parse_bank_bytes(MERCURY.encode(), "m.csv")
    assert mercury.transactions[0].date == dt.date(2024, 3, 15)
    assert [p.line for p in mercury.problems] == [4] and "pending" in mercury.problems[0].message
    wise = parse_bank_bytes(WISE.encode(), "w.csv")
    assert wise.transactions[0].transaction_id == "wise:TRANSFER-111"
    assert wise.transactions[0].currency == "EUR" and wise.transactions[0].references == ("RE-77",)
    assert wise.transactions[1].payer == "Packaging Co"  # money out: the payee
    assert wise.transactions[0].date == dt.date(2024, 3, 15)
    stripe = parse_bank_bytes(STRIPE.encode(), "s.csv")
    assert {t.currency for t in stripe.transactions} == {"USD"}
    assert stripe.transactions[0].bank_code == "charge" and "po_1" in stripe.transactions[0].references
    paypal = parse_bank_bytes(PAYPAL.encode(), "p.csv")
    first = paypal.transactions[0]
    assert (first.amount, first.transaction_id, first.references) == (
        Decimal("1200.00"),
        "paypal:1AB23456CD789012E",
        ("INV-1006",),
    )
    assert "fee -35.10" in first.memo
    bofa = parse_bank_bytes(BOFA.encode(), "b.csv")
    assert bofa.problems == ()  # the beginning-balance pseudo-row is silently not a transaction
    revolut = parse_bank_bytes(REVOLUT.encode(), "r.csv")
    assert revolut.transactions[1].date == dt.date(2024, 3, 17)  # completed, not started


def test_generic_german_headers() -> None:
    text = (
        "Kontoauszug;Girokonto\nZeitraum;01.03.2024 - 31.03.2024\n\n"
        "Buchungstag;Valuta;Auftraggeber/Empfänger;Verwendungszweck;Betrag;Währung\n"
        "15.03.2024;15.03.2024;Laden GmbH;RE-2024-0042 danke;1.234,50;EUR\n"
        "18.03.2024;18.03.2024;Stadtwerke;Abschlag;-89,00;EUR\n"
    )
    result = parse_bank_bytes(text.encode("cp1252"), "de.csv")
    assert result.format == "csv:generic"
    assert [(t.date, t.amount, t.payer, t.currency) for t in result.transactions] == [
        (dt.date(2024, 3, 15), Decimal("1234.50"), "Laden GmbH", "EUR"),
        (dt.date(2024, 3, 18), Decimal("-89.00"), "Stadtwerke", "EUR"),
    ]


def test_amount_with_dc_indicator_and_parentheses() -> None:
    text = 'Date,Narrative,Value,Cr/Dr\n02/01/2024,Shop A,"1,000.00",CR\n03/01/2024,Fee,(12.50),DR\n'
    result = parse_bank_bytes(text.encode(), "dc.csv")
    assert [t.amount for t in result.transactions] == [Decimal("1000.00"), Decimal("-12.50")]


def test_trailing_minus_and_currency_symbols() -> None:
    text = "Date;Text;Amount\n31.01.2024;Kunde;1.250,00 €\n01.02.2024;Gebühr;12,00-\n"
    result = parse_bank_bytes(text.encode(), "t.csv")
    assert [t.amount for t in result.transactions] == [Decimal("1250.00"), Decimal("-12.00")]
    assert result.transactions[0].currency == "EUR"
    assert result.transactions[0].date == dt.date(2024, 1, 31)


def test_date_order_from_the_whole_column() -> None:
    text = "Date,Description,Amount\n03/04/2024,a,1.00\n25/04/2024,b,2.00\n"
    result = parse_bank_bytes(text.encode(), "d.csv")
    assert [t.date for t in result.transactions] == [dt.date(2024, 4, 3), dt.date(2024, 4, 25)]
    us = "Date,Description,Amount\n03/04/2024,a,1.00\n04/25/2024,b,2.00\n"
    assert parse_bank_bytes(us.encode(), "d.csv").transactions[0].date == dt.date(2024, 3, 4)


def test_user_mapping() -> None:
    text = "When;Who;Why;Sum;Ref\n01.02.2024;ACME;INV-7;1.000,00;X1\n02.02.2024;Bob;rent;-500,00;X2\n"
    result = parse_bank_bytes(
        text.encode(), "m.csv", mapping="date=When;amount=Sum;payer=Who;memo=Why+Ref;decimal=,;dayfirst=yes;id=Ref"
    )
    assert result.format == "csv:mapping"
    t = result.transactions[0]
    assert (t.date, t.amount, t.payer, t.memo, t.transaction_id) == (
        dt.date(2024, 2, 1),
        Decimal("1000.00"),
        "ACME",
        "INV-7 X1",
        "csv:X1",
    )
    split = "Day,Out,In,Party\n2024-02-01,,100.00,A\n2024-02-02,40.00,,B\n"
    res = parse_bank_bytes(split.encode(), "s.csv", mapping="date=Day;debit=Out;credit=In;payer=Party")
    assert [t.amount for t in res.transactions] == [Decimal("100.00"), Decimal("-40.00")]
    headerless = "2024-02-01|x|5.00\n2024-02-02|y|6.00\n"
    res = parse_bank_bytes(headerless.encode(), "h.txt", mapping="date=#1;amount=#3;memo=#2")
    assert res.total == Decimal("11.00")
    named = parse_bank_bytes(CHASE.encode(), "c.csv", mapping="chase")
    assert named.format == "csv:chase"


def test_mapping_unknown_profile() -> None:
    with pytest.raises(BankFileError, match="neither"):
        parse_bank_bytes(CHASE.encode(), "c.csv", mapping="nosuchbank")


def test_identical_rows_stay_two_and_overlap_dedups(tmp_path: Path) -> None:
    a = "Date,Description,Amount\n01/02/2024,Coffee,-3.00\n01/02/2024,Coffee,-3.00\n01/03/2024,ACME,10.00\n"
    b = "Date,Description,Amount\n01/02/2024,Coffee,-3.00\n01/02/2024,Coffee,-3.00\n01/04/2024,Bob,7.00\n"
    (tmp_path / "a.csv").write_text(a)
    (tmp_path / "b.csv").write_text(b)
    ra = read_bank_file(tmp_path / "a.csv")
    ids = [t.transaction_id for t in ra.transactions]
    assert ids[1] == ids[0] + ":2" and ids[0].startswith("fp:")
    both = read_bank_files([tmp_path / "a.csv", tmp_path / "b.csv"])
    assert both.total == Decimal("-6.00") + Decimal("10.00") + Decimal("7.00")


def test_excel_workbook_with_preamble(tmp_path: Path) -> None:
    path = tmp_path / "export.xlsx"
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("Transactions")
    dates = book.add_format({"num_format": "dd/mm/yyyy"})
    sheet.write_row(0, 0, ["Account", "DE89370400440532013000"])
    sheet.write_row(2, 0, ["Booking Date", "Counterparty", "Description", "Amount", "Currency"])
    sheet.write_datetime(3, 0, dt.datetime(2024, 3, 15), dates)
    sheet.write_row(3, 1, ["Laden GmbH", "RE-1", 1234.5, "EUR"])
    sheet.write_datetime(4, 0, dt.datetime(2024, 3, 16), dates)
    sheet.write_row(4, 1, ["Bank", "fee", -0.1 - 0.2, "EUR"])
    sheet.write_row(5, 0, ["2024-03-17", "Text date", "x", "12,50", "EUR"])
    book.close()
    result = read_bank_file(path)
    assert result.format == "xlsx:generic"
    assert result.account == "DE89370400440532013000"
    assert [(t.date, t.amount) for t in result.transactions] == [
        (dt.date(2024, 3, 15), Decimal("1234.50")),
        (dt.date(2024, 3, 16), Decimal("-0.30")),
        (dt.date(2024, 3, 17), Decimal("12.50")),
    ]
    assert result.transactions[0].source == "export.xlsx:4"


# --------------------------------------------------------------------------- properties

amounts = st.decimals(min_value=Decimal("-99999999.99"), max_value=Decimal("99999999.99"), places=2).filter(lambda d: d != 0)
days = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2060, 12, 31))


def _us(value: Decimal, style: int) -> str:
    text = f"{abs(value):,.2f}"
    if value >= 0:
        return f'"${text}"' if style else f'"{text}"'
    return f'"({text})"' if style else f'"-{text}"'


def _eu(value: Decimal, style: int) -> str:
    text = f"{abs(value):,.2f}".replace(",", "X").replace(".", ",").replace("X", ".")
    if value >= 0:
        return f"{text} €" if style else text
    return f"{text}-" if style else f"-{text}"


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=st.lists(st.tuples(days, amounts, st.integers(0, 1)), min_size=1, max_size=8))
def test_us_and_eu_exports_round_trip(rows: list[tuple[dt.date, Decimal, int]]) -> None:
    us = "Date,Description,Amount\n" + "".join(f"{d:%m/%d/%Y},row {i},{_us(a, s)}\n" for i, (d, a, s) in enumerate(rows))
    eu = "Buchungstag;Verwendungszweck;Betrag\n" + "".join(
        f"{d:%d.%m.%Y};Zeile {i};{_eu(a, s)}\n" for i, (d, a, s) in enumerate(rows)
    )
    expected = [(d, a) for d, a, _ in rows]
    for text, name in ((us, "us.csv"), (eu, "eu.csv")):
        result = parse_bank_bytes(text.encode("utf-8"), name)
        assert [(t.date, t.amount) for t in result.transactions] == expected, text


@settings(max_examples=40, deadline=None)
@given(rows=st.lists(st.tuples(days, amounts), min_size=1, max_size=6))
def test_day_first_decided_by_column(rows: list[tuple[dt.date, Decimal]]) -> None:
    # one row with day 25 makes the whole column day-first, as a bank's D/M/Y export
    rows = [(dt.date(2024, 1, 25), Decimal("1.00")), *rows]
    text = "Date,Description,Amount\n" + "".join(f"{d:%d/%m/%Y},x,{a}\n" for d, a in rows)
    result = parse_bank_bytes(text.encode(), "d.csv")
    assert [t.date for t in result.transactions] == [d for d, _ in rows]
