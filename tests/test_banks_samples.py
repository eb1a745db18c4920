"""Every public sample export in ../shared/data/bank-samples imports with the right count, sum and rows.

The samples are not in the repository (see conftest: without ../shared those tests are skipped, in CI
they fail). The project's own small files in tests/data/banks/ cover every format without it. Both
have golden rows in tests/golden/banks/ (``pytest tests/test_banks_samples.py --regen`` rewrites them).
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from poflow_sheets.banks import read_bank_file, read_bank_files
from poflow_sheets.records import Transaction

from .conftest import DATA, FIXTURES, GOLDEN, needs_bank_samples

SAMPLES = DATA / "bank-samples"
GOLDEN_SUFFIXES = {".md", ".yml", ".beancount", ".extract"}

# file -> (format, transactions, sum of amounts). Where each expected number comes from:
EXPECTED: dict[str, tuple[str, int, str]] = {
    # counted by hand from the file: 8 rows, all "Gebucht"
    "RechnungsPilot/dkb.csv": ("csv:dkb", 8, "50.43"),
    # 11 rows, 2 "Ausstehend" (pending authorisation holds) left out
    "RechnungsPilot/paypal.csv": ("csv:paypal", 9, "0.94"),
    # 10 rows, 3 "Umsatz vorgemerkt" (pending) left out
    "RechnungsPilot/sparkasse-lzo-camt-v8.csv": ("csv:sparkasse", 7, "332.51"),
    # mt-940 5.1.1 parses the same 5 lines and sum; :60F:/:62F: balances agree day by day
    "RechnungsPilot/vr-teilhaberbank.mta": ("mt940", 5, "-341.91"),
    # OCA test expectations: 33.50 D -> -33.50, "-1,533.50" C -> +1533.50
    "bank-statement-import/debit_credit.csv": ("csv:generic", 2, "1500.00"),
    # 4 rows: debits 50 + 100 + 80.68, credit 1300 (decimal comma); balance lines are not rows
    "bank-statement-import/meta_data_separated_credit_debit.csv": ("csv:generic", 4, "1069.32"),
    # 3 entries; the batch entry 664.05 splits into its TxDtls 564.05 + 100.00
    "bank-statement-import/test-camt053": ("camt.053", 4, "-12.99"),
    "bank-statement-import/test-camt054": ("camt.054", 1, "5.00"),
    # ofxparse 0.21 agrees: 4 transactions, -360 (the credit card statement is empty)
    "bank-statement-import/test_ofx_iban.ofx": ("ofx", 4, "-360.00"),
    # golden .extract: 10 postings summing to the closing balance 500.00
    "beancount_reds_importers/Main_Checking_Account_Transactions.csv": ("csv:dcu", 10, "500.00"),
    # Deposit 1.00, Withdrawal 2.00
    "beancount_reds_importers/schwab_XXX234_Checking_Transactions_20220203.csv": ("csv:schwab", 2, "-1.00"),
    # ofxparse 0.21 agrees (second STMTTRN reuses the FITID: kept, numbered :2)
    "beancount_reds_importers/transactions.qfx": ("ofx", 2, "-1055.00"),
    # ofxparse 0.21 agrees for both AMEX downloads
    "beangulp/2013-12-03.bofa.ofx": ("ofx", 27, "-989.26"),
    "beangulp/ofxdownload.ofx": ("ofx", 12, "-352.82"),
    # golden statement.csv.beancount: 6 postings
    "beangulp/statement.csv": ("csv:chase", 6, "-1490.16"),
    # 7 rows, 3 "Pending" bank-deposit mirror rows left out: -6.99 - 7.00 - 2.00 + 10.00
    "hledger/paypal-custom.csv": ("csv:paypal", 4, "-5.99"),
    # 50.00 - 10.00 - 20.00 (cp1252 file)
    "hledger/sample.fr.cp1252.csv": ("csv:generic", 3, "20.00"),
    # mt-940 5.1.1 with Options(reversal_sign=True): two RC (reversal of credit) lines are debits;
    # its default (RC positive) would give -9268316.38
    "mt940/betterplace/sepa_mt9401.sta": ("mt940", 97, "-9269135.90"),
    # golden .yml files of WoLpH/mt940
    "mt940/jejik/abnamro.sta": ("mt940", 10, "-345.93"),
    "mt940/jejik/ing.sta": ("mt940", 7, "-45.59"),
    "mt940/mBank/mt942.sta": ("mt942", 3, "0.03"),
    "mt940/self-provided/sparkassen.sta": ("mt940", 1, "30.00"),
    # ofxparse 0.21 agrees
    "ofxparse/anzcc.ofx": ("ofx", 1, "-5.50"),
    "ofxparse/checking.ofx": ("ofx", 3, "-59.50"),
    "ofxparse/suncorp.ofx": ("ofx", 1, "-16.85"),
    "ofxtools/stmtrs_euro.ofx": ("ofx", 2, "-500.00"),
}


def _sample_files() -> list[str]:
    return sorted(
        str(p.relative_to(SAMPLES))
        for p in SAMPLES.rglob("*")
        if p.is_file() and p.suffix not in GOLDEN_SUFFIXES and p.name not in ("LICENSE",)
    )


@needs_bank_samples
def test_every_sample_file_has_expectations() -> None:
    assert SAMPLES.is_dir(), f"missing {SAMPLES}"
    assert set(_sample_files()) == set(EXPECTED)


@needs_bank_samples
@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_sample_imports(rel: str) -> None:
    fmt, count, total = EXPECTED[rel]
    result = read_bank_file(SAMPLES / rel)
    assert result.format == fmt
    assert len(result.transactions) == count
    assert sum((t.amount for t in result.transactions), Decimal(0)) == Decimal(total)
    ids = [t.transaction_id for t in result.transactions]
    assert len(ids) == len(set(ids)), "ids are unique within a file"
    name = Path(rel).name
    for t in result.transactions:
        assert t.source.startswith(f"{name}:") and t.source_file == name
        assert t.amount == t.amount.quantize(Decimal("0.01"))
        assert t.currency and len(t.currency) == 3


@needs_bank_samples
def test_sample_imports_are_idempotent() -> None:
    for rel in EXPECTED:
        a = read_bank_file(SAMPLES / rel)
        b = read_bank_file(SAMPLES / rel)
        assert [t.transaction_id for t in a.transactions] == [t.transaction_id for t in b.transactions]


@needs_bank_samples
def test_overlapping_ofx_downloads_give_the_union_once() -> None:
    older = read_bank_file(SAMPLES / "beangulp/2013-12-03.bofa.ofx")
    newer = read_bank_file(SAMPLES / "beangulp/ofxdownload.ofx")
    shared = {t.transaction_id for t in older.transactions} & {t.transaction_id for t in newer.transactions}
    assert len(shared) == 3
    both = read_bank_files([SAMPLES / "beangulp/2013-12-03.bofa.ofx", SAMPLES / "beangulp/ofxdownload.ofx"])
    assert len(both.transactions) == 27 + 12 - 3
    assert both.total == Decimal("-989.26") + Decimal("-352.82") - Decimal("-9.99") - Decimal("-61.71") - Decimal("-17.75")
    again = read_bank_files([SAMPLES / "beangulp/ofxdownload.ofx", SAMPLES / "beangulp/ofxdownload.ofx"])
    assert len(again.transactions) == 12


@needs_bank_samples
def test_ofx_details() -> None:
    result = read_bank_file(SAMPLES / "beangulp/ofxdownload.ofx")
    first = result.transactions[0]
    # DTPOSTED 20131201000000.000[-7:MST]: the bank's own day, not shifted to UTC
    assert first.date == date(2013, 12, 1)
    assert first.transaction_id == "ofx:379700001111222:320133350353869664"
    assert first.source == "ofxdownload.ofx:320133350353869664"
    assert first.bank_code == "DEBIT" and first.payer == "SPOTIFY USA 28770130901"
    euro = read_bank_file(SAMPLES / "ofxtools/stmtrs_euro.ofx")
    assert [t.amount for t in euro.transactions] == [Decimal("-200.00"), Decimal("-300.00")]
    ally = read_bank_file(SAMPLES / "beancount_reds_importers/transactions.qfx")
    assert [t.transaction_id for t in ally.transactions] == ["ofx:23456:21302970191741", "ofx:23456:21302970191741:2"]
    assert ally.transactions[0].date == date(2019, 1, 9)


@needs_bank_samples
def test_camt_details() -> None:
    result = read_bank_file(SAMPLES / "bank-statement-import/test-camt053")
    assert result.account == "NL77ABNA0574908765"
    credit = [t for t in result.transactions if t.amount > 0]
    assert len(credit) == 1
    assert credit[0].payer == "3rd party Media" and credit[0].amount == Decimal("1405.31")
    assert credit[0].bank_code == "PMNT/RCDT/ESCT"
    batch = [t for t in result.transactions if t.payer == "Test Customer"]
    assert sorted(t.amount for t in batch) == [Decimal("-564.05"), Decimal("-100.00")]
    assert all(t.transaction_id.startswith("fp:") for t in result.transactions)  # no bank ids in this file
    ntf = read_bank_file(SAMPLES / "bank-statement-import/test-camt054").transactions[0]
    assert ntf.transaction_id == "camt:NL77ABNA0574908765:15180015077602405"
    assert ntf.payer == "Test Customer" and ntf.currency == "EUR"
    assert "000000000000000000000000003" in ntf.references  # structured creditor reference (QRR)


@needs_bank_samples
def test_mt940_details() -> None:
    vr = read_bank_file(SAMPLES / "RechnungsPilot/vr-teilhaberbank.mta")
    assert vr.account == "76069559/0003267288"
    credit = [t for t in vr.transactions if t.amount > 0]
    assert [(t.payer, t.amount, t.memo) for t in credit] == [("Max Mustermann", Decimal("175.00"), "Rate")]
    paypal = vr.transactions[0]
    assert paypal.payer == "PayPal Europe S.a.r.l. et Cie S.C.A"
    assert "1046450041914" in paypal.references  # EREF+
    assert paypal.bank_code == "NDDT"
    sparkasse = read_bank_file(SAMPLES / "mt940/self-provided/sparkassen.sta").transactions[0]
    assert (sparkasse.date, sparkasse.amount, sparkasse.memo) == (date(2018, 11, 26), Decimal("30.00"), "Test")
    mbank = read_bank_file(SAMPLES / "mt940/mBank/mt942.sta")
    assert mbank.transactions[0].transaction_id == "mt940:PL29114010810000267002001002:MB170119012058"
    assert mbank.transactions[0].currency == "PLN"
    abn = read_bank_file(SAMPLES / "mt940/jejik/abnamro.sta")
    # the 25-digit payment reference is cut at the 65-character line end and joined again
    assert "0000000421886595314606715" in abn.transactions[0].memo


@needs_bank_samples
def test_csv_details() -> None:
    dkb = read_bank_file(SAMPLES / "RechnungsPilot/dkb.csv")
    assert dkb.account == "DE42120300001033738756"
    assert dkb.transactions[0].date == date(2025, 12, 8)
    assert dkb.transactions[0].payer == "Max Mustermann" and dkb.transactions[0].currency == "EUR"
    assert dkb.transactions[1].payer == "Firma"  # money out: the payee column
    meta = read_bank_file(SAMPLES / "bank-statement-import/meta_data_separated_credit_debit.csv")
    assert meta.transactions[-1].date == date(2020, 4, 2)  # DD/MM/YY (decimal-comma export)
    assert meta.transactions[-1].transaction_id == "csv:08088804068:UNIQUE OP 4"
    spk = read_bank_file(SAMPLES / "RechnungsPilot/sparkasse-lzo-camt-v8.csv")
    assert [p.line for p in spk.problems] == [2, 3, 4]
    assert all("pending" in p.message for p in spk.problems)
    fr = read_bank_file(SAMPLES / "hledger/sample.fr.cp1252.csv")
    assert fr.transactions[2].memo == "CAFÉ — €20 REÇU"


# --------------------------------------------------------------------------- golden rows

BANK_FIXTURES = FIXTURES / "banks"
GOLDEN_BANKS = GOLDEN / "banks"
FIXTURE_FILES = sorted(p.name for p in BANK_FIXTURES.iterdir() if p.is_file() and p.name != "README.md")


def _row(t: Transaction) -> dict[str, object]:
    return {
        "date": t.date.isoformat(),
        "amount": str(t.amount),
        "currency": t.currency,
        "payer": t.payer,
        "memo": t.memo,
        "transaction_id": t.transaction_id,
        "source": t.source,
        "bank_code": t.bank_code,
        "references": list(t.references),
    }


def snapshot(path: Path) -> dict[str, object]:
    """What a bank file imports as, in the golden files' shape."""
    result = read_bank_file(path)
    return {
        "format": result.format,
        "account": result.account,
        "problems": [str(p) for p in result.problems],
        "rows": [_row(t) for t in result.transactions],
    }


def _differences(got: dict[str, Any], want: dict[str, Any]) -> list[str]:
    diffs = [f"{key}: got {got[key]!r}, want {want.get(key)!r}" for key in ("format", "account", "problems")
             if got[key] != want.get(key)]
    rows, expected = got["rows"], want.get("rows", [])
    if len(rows) != len(expected):
        diffs.append(f"{len(rows)} rows, want {len(expected)}")
    for i, (g, w) in enumerate(zip(rows, expected, strict=False), start=1):
        for field in sorted(set(g) | set(w)):
            if g.get(field) != w.get(field):
                diffs.append(f"row {i} ({w.get('source')}) {field}: got {g.get(field)!r}, want {w.get(field)!r}")
    return diffs


def check_golden(golden: Path, got: dict[str, Any], regen: bool) -> None:
    """Compare with the golden file row by row; under --regen, (re)write it instead."""
    if regen:
        golden.parent.mkdir(parents=True, exist_ok=True)
        golden.write_text(json.dumps(got, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return
    assert golden.is_file(), f"no golden file {golden.relative_to(GOLDEN.parent)}: run pytest {__file__} --regen"
    want = json.loads(golden.read_text(encoding="utf-8"))
    diffs = _differences(got, want)
    assert not diffs, f"{golden.name} (rewrite with --regen if the change is right):\n" + "\n".join(diffs[:30])


@needs_bank_samples
@pytest.mark.parametrize("rel", sorted(EXPECTED))
def test_sample_golden_rows(rel: str, regen: bool) -> None:
    check_golden(GOLDEN_BANKS / "shared" / f"{rel}.json", snapshot(SAMPLES / rel), regen)


@pytest.mark.parametrize("name", FIXTURE_FILES)
def test_fixture_golden_rows(name: str, regen: bool) -> None:
    check_golden(GOLDEN_BANKS / "fixtures" / f"{name}.json", snapshot(BANK_FIXTURES / name), regen)


def test_golden_files_match_the_samples() -> None:
    """No golden file without its sample (a renamed sample leaves a stale one), none missing."""
    shared = sorted(str(p.relative_to(GOLDEN_BANKS / "shared"))[: -len(".json")]
                    for p in (GOLDEN_BANKS / "shared").rglob("*.json"))
    assert shared == sorted(EXPECTED)
    own = sorted(p.name[: -len(".json")] for p in (GOLDEN_BANKS / "fixtures").glob("*.json"))
    assert own == FIXTURE_FILES


# --------------------------------------------------------------------------- the project's own bank files

# file -> (format, account, rows, sum, first date, payer of the first row, problems); counted by hand
FIXTURE_FACTS: dict[str, tuple[str, str, int, str, date, str, int]] = {
    # trailing comma on every row, M/D/YYYY: 03/04/2026 is 4 March, not 3 April
    "chase_checking.csv": ("csv:chase", "", 5, "1246.15", date(2026, 3, 4), "ZÜRICH BOUTIQUE AG WIRE INV-1004", 0),
    # summary preamble and a "Beginning balance" pseudo-row; "1,855.25" quoted with a thousands comma
    "bofa_checking.csv": ("csv:bofa", "", 5, "1794.85", date(2026, 2, 5), "Zoë's Corner Shop DES:PAYMENT ID:INV-1003", 0),
    # OFX 1.02 SGML in cp1252, DTPOSTED with and without a time zone, &amp; in NAME
    "checking.ofx": ("ofx", "55501234", 4, "2818.15", date(2026, 3, 2), "CAFÉ MÜLLER GMBH", 0),
    # camt.053.001.02: opening 1000.00 + 1978.60 = closing 2978.60; one PDNG entry left out
    "statement.camt053.xml": ("camt.053", "DE89370400440532013000", 3, "1978.60", date(2026, 4, 3), "Bäckerei Jürgen Weiß", 1),
    # the same account as MT940 with ?20..?32 subfields: opening 1000,00 + 1966,60 = closing 2966,60
    "statement.sta": ("mt940", "37040044/0532013000", 4, "1966.60", date(2026, 4, 3), "Bäckerei Jürgen Weiß", 0),
    # ING Germany: ISO-8859-1, 13 preamble lines (IBAN with spaces), Buchung/Wertstellungsdatum, Saldo beside Betrag
    "ing_de_umsatzanzeige.csv": ("csv:generic", "DE12500105170123456789", 6, "16331.90", date(2026, 11, 28),
                                 "Sonnenladen GmbH", 0),
    # no header: date, value date, one text column (payer IBAN BIC reference), debit, credit, currency
    "headerless_packed.csv": ("csv:headerless", "", 5, "14284.11", date(2026, 11, 30), "SONNENLADEN GMBH", 0),
}


def test_every_fixture_has_facts() -> None:
    assert sorted(FIXTURE_FACTS) == FIXTURE_FILES


@pytest.mark.parametrize("name", sorted(FIXTURE_FACTS))
def test_fixture_imports(name: str) -> None:
    fmt, account, count, total, first_date, first_payer, problems = FIXTURE_FACTS[name]
    result = read_bank_file(BANK_FIXTURES / name)
    assert (result.format, result.account) == (fmt, account)
    assert len(result.transactions) == count and len(result.problems) == problems
    assert result.total == Decimal(total)
    first = result.transactions[0]
    assert (first.date, first.payer) == (first_date, first_payer)
    assert first.amount > 0 and any(t.amount < 0 for t in result.transactions), "a credit and a debit"
    assert any(not t.payer.isascii() for t in result.transactions), "a non-ASCII payer"
    assert any(t.date.day <= 12 and t.date.day != t.date.month for t in result.transactions), "a day/month swap would show"
    ids = [t.transaction_id for t in result.transactions]
    assert len(ids) == len(set(ids))
    for t in result.transactions:
        assert t.source.startswith(f"{name}:") and t.source_file == name


def test_fixture_camt_and_mt940_tell_the_same_story() -> None:
    """The camt.053 and MT940 fixtures hold the same three bookings (the MT940 one has a fee more)."""
    camt = read_bank_file(BANK_FIXTURES / "statement.camt053.xml").transactions
    mt = read_bank_file(BANK_FIXTURES / "statement.sta").transactions
    assert [(t.date, t.amount, t.payer, t.memo) for t in camt] == [(t.date, t.amount, t.payer, t.memo) for t in mt[:3]]
    assert (mt[3].amount, mt[3].memo) == (Decimal("-12.00"), "Kontofuehrung 04/2026")
