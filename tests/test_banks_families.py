"""The two export families poflow could not read (issue 11), hand-written from LAYOUTS.md and checked row
by row: an ING Germany export (ISO-8859-1, a metadata preamble, `;`, decimal comma, `Buchung` and
`Wertstellungsdatum` headers) and a headerless export whose one text column packs payer, IBAN and
reference, with debit and credit in separate columns. Also the scope of the Settings' Bank Mapping."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from poflow_sheets.banks import parse_bank_bytes, read_bank_file
from poflow_sheets.banks.csv_layouts import split_mappings
from poflow_sheets.errors import BankFileError

from .conftest import FIXTURES

BANKS = FIXTURES / "banks"

ING_ROWS = [  # (date, amount, payer, memo, bank code) as the file says, newest first
    (date(2026, 11, 28), "1234.50", "Sonnenladen GmbH", "RE 2026-0042 Danke", "Gutschrift"),
    (date(2026, 11, 25), "480.00", "Bäckerei Müller KG", "Rechnung 2026-0038", "Gutschrift"),
    (date(2026, 11, 12), "-59.95", "Deutsche Telekom AG", "Kundennr 123 Rechnung Nov", "Lastschrift"),
    (date(2026, 11, 5), "12500.00", "Grünhaus Handel GmbH", "RE 2026-0035 RE 2026-0036", "Ueberweisung"),
    (date(2026, 11, 3), "-4.90", "ING", "Kontoführung", "Entgelt"),
    (date(2026, 11, 2), "2182.25", "Papier & Co. OHG", "RE 2026-0031", "Gutschrift"),
]

PACKED_ROWS = [  # (date, amount, payer, memo): payer before the IBAN, the reference after IBAN and BIC
    (date(2026, 11, 30), "1234.50", "SONNENLADEN GMBH", "RE 2026-0042"),
    (date(2026, 11, 24), "-89.00", "STADTWERKE MÜNSTER", "Abschlag Strom 11/2026"),
    (date(2026, 11, 10), "12500.00", "GRÜNHAUS HANDEL GMBH", "RE 2026-0035 RE 2026-0036"),
    (date(2026, 11, 5), "2138.61", "PAPIER UND CO OHG", "RE-2026-0031 Skonto 2%"),
    (date(2026, 11, 2), "-1500.00", "BAECKEREI MUELLER KG", "Miete Lager November"),
]


def test_ing_germany_export_with_its_preamble() -> None:
    result = read_bank_file(BANKS / "ing_de_umsatzanzeige.csv")
    assert result.format == "csv:generic" and result.account == "DE12500105170123456789"
    assert not result.problems
    assert len(result.transactions) == 6 and result.total == Decimal("16331.90")
    got = [(t.date, str(t.amount), t.payer, t.memo, t.bank_code) for t in result.transactions]
    assert got == ING_ROWS
    assert {t.currency for t in result.transactions} == {"EUR"}
    # the balance column (Saldo 66.331,90) is never read as the amount, the preamble never as the header
    assert all(t.amount != Decimal("66331.90") for t in result.transactions)
    assert next(t.source for t in result.transactions) == "ing_de_umsatzanzeige.csv:15"


def test_headerless_packed_text_with_debit_and_credit_columns() -> None:
    result = read_bank_file(BANKS / "headerless_packed.csv")
    assert result.format == "csv:headerless" and not result.problems
    assert len(result.transactions) == 5 and result.total == Decimal("14284.11")
    got = [(t.date, str(t.amount), t.payer, t.memo) for t in result.transactions]
    assert got == PACKED_ROWS
    assert {t.currency for t in result.transactions} == {"EUR"}


def test_unsigned_debit_and_credit_columns_read_debit_first() -> None:
    text = ('"02.11.2026";"ACME GMBH DE89370400440532013000 RE 1";"";"100,00"\n'
            '"03.11.2026";"MIETE GMBH DE02120300000000202051 Miete";"50,00";""\n')
    result = parse_bank_bytes(text.encode(), "u.csv")
    assert [(t.amount, t.payer) for t in result.transactions] == [(Decimal("100.00"), "ACME GMBH"),
                                                                  (Decimal("-50.00"), "MIETE GMBH")]


def test_an_ambiguous_shape_points_at_bank_mapping() -> None:
    text = '"02.11.2026";"ACME RE 1";"100,00";"1.100,00";"3,00"\n"03.11.2026";"X";"-50,00";"1.050,00";"0,00"\n'
    with pytest.raises(BankFileError, match="Bank Mapping"):
        parse_bank_bytes(text.encode(), "a.csv")
    mapped = parse_bank_bytes(text.encode(), "a.csv", mapping="date=#1;amount=#3;memo=#2")
    assert mapped.total == Decimal("50.00")


CHASE = ("Details,Posting Date,Description,Amount,Type,Balance,Check or Slip #,\n"
         "CREDIT,11/20/2026,\"ORIG CO NAME:CORNER SHOP ORIG ID:1 SEC:CCD\",393.00,ACH_CREDIT,1000.00,,\n")


def test_bank_mapping_applies_only_to_files_it_fits() -> None:
    other = "date=Buchung;amount=Betrag;payer=Auftraggeber/Empfänger;memo=Verwendungszweck"
    chase = parse_bank_bytes(CHASE.encode(), "chase.csv", mapping=other)
    assert chase.format == "csv:chase" and chase.total == Decimal("393.00")
    # a positional mapping does not take over a file whose columns it does not fit
    assert parse_bank_bytes(CHASE.encode(), "chase.csv", mapping="date=#3;amount=#2").format == "csv:chase"
    # a named ready profile that does not fit falls back to detection too
    assert parse_bank_bytes(CHASE.encode(), "chase.csv", mapping="dkb").format == "csv:chase"


def test_several_named_mappings() -> None:
    setting = "ing: date=Tag;amount=Wert;payer=Wer | targo: date=#1;debit=#3;credit=#4;memo=#2"
    assert split_mappings(setting) == [("ing", "date=Tag;amount=Wert;payer=Wer"),
                                       ("targo", "date=#1;debit=#3;credit=#4;memo=#2")]
    first = parse_bank_bytes(b"Tag;Wer;Wert\n01.02.2026;ACME;1,00\n", "i.csv", mapping=setting)
    assert first.format == "csv:mapping" and first.transactions[0].payer == "ACME"
    second = parse_bank_bytes(b"01.02.2026|rent|5,00|\n02.02.2026|ACME RE 1||7,00\n", "t.txt", mapping=setting)
    assert [t.amount for t in second.transactions] == [Decimal("-5.00"), Decimal("7.00")]
    chase = parse_bank_bytes(CHASE.encode(), "chase.csv", mapping=setting)
    assert chase.format == "csv:chase"


def test_a_mapping_that_fits_nothing_is_named_in_the_error() -> None:
    with pytest.raises(BankFileError, match="Bank Mapping 'date=When;amount=Sum' does not fit"):
        parse_bank_bytes(b"Foo,Bar\nx,y\n", "x.csv", mapping="date=When;amount=Sum")
