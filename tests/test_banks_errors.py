"""Files that cannot be read raise one clear BankFileError; a bad row in a good file is a problem."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest

from poflow_sheets.banks import read_bank_file
from poflow_sheets.errors import BankFileError

from .conftest import DATA, FIXTURES, needs_bank_samples

SAMPLES = DATA / "bank-samples"
OWN = FIXTURES / "banks"


def _write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    return path


def _error(path: Path, **kwargs: str) -> str:
    with pytest.raises(BankFileError) as info:
        read_bank_file(path, **kwargs)
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message
    assert message.startswith(path.name), message
    return message


@pytest.mark.parametrize("src", [
    OWN / "checking.ofx",
    pytest.param(SAMPLES / "ofxparse/checking.ofx", marks=needs_bank_samples, id="shared-ofxparse-checking.ofx"),
], ids=lambda p: p.name)
def test_truncated_ofx(src: Path, tmp_path: Path) -> None:
    data = src.read_bytes()
    path = _write(tmp_path, "checking.ofx", data[: len(data) // 2])
    assert "truncated" in _error(path)


def test_truncated_single_line_ofx(tmp_path: Path) -> None:
    """Our own OFX with every line break taken out (as Wells Fargo and AMEX send it), cut inside a transaction."""
    data = (OWN / "checking.ofx").read_bytes()
    head, _, body = data.partition(b"<OFX>")
    one_line = head + b"<OFX>" + body.replace(b"\r\n", b"")
    assert b"\n" not in one_line.partition(b"<OFX>")[2]
    assert len(read_bank_file(_write(tmp_path, "whole.qfx", one_line)).transactions) == 4
    cut = one_line.index(b"<STMTTRN>", one_line.index(b"<STMTTRN>") + 1) + 40
    assert "truncated" in _error(_write(tmp_path, "bank.qfx", one_line[:cut]))


@needs_bank_samples
def test_truncated_single_line_ofx_sample(tmp_path: Path) -> None:
    data = (SAMPLES / "beangulp/ofxdownload.ofx").read_bytes()
    cut = data.index(b"<STMTTRN>", 1000) + 40
    assert "truncated" in _error(_write(tmp_path, "amex.qfx", data[:cut]))


CAMT_XXE = """<?xml version="1.0"?>
<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><Stmt>
<Acct><Id><IBAN>NL77ABNA0574908765</IBAN></Id></Acct>
<Ntry><Amt Ccy="EUR">1.00</Amt><CdtDbtInd>CRDT</CdtDbtInd><Sts>BOOK</Sts>
<BookgDt><Dt>2024-01-02</Dt></BookgDt><AddtlNtryInf>&xxe;</AddtlNtryInf></Ntry>
</Stmt></BkToCstmrStmt></Document>
"""


def test_camt_with_external_entity_is_refused(tmp_path: Path) -> None:
    message = _error(_write(tmp_path, "evil.xml", CAMT_XXE))
    assert "unsafe XML" in message


def test_camt_with_internal_entity_bomb_is_refused(tmp_path: Path) -> None:
    bomb = CAMT_XXE.replace('SYSTEM "file:///etc/passwd"', '"lol"')
    assert "unsafe XML" in _error(_write(tmp_path, "bomb.camt053.xml", bomb))


def test_camt_not_well_formed(tmp_path: Path) -> None:
    broken = CAMT_XXE.replace('<!DOCTYPE Document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n', "")
    broken = broken.replace("&xxe;", "x").replace("</Stmt>", "")
    assert "not well-formed" in _error(_write(tmp_path, "broken.xml", broken))


def test_bad_amount_names_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "bank.csv", "Date,Description,Amount\n01/02/2024,ACME,10.00\n01/03/2024,Bob,1.234.5\n")
    message = _error(path)
    assert message.startswith("bank.csv:3:") and "1.234.5" in message


def test_non_date_names_file_and_line(tmp_path: Path) -> None:
    path = _write(tmp_path, "bank.csv", "Date,Description,Amount\n2024-01-02,ACME,10.00\n2024-02-30,Bob,12.00\n")
    message = _error(path)
    assert message.startswith("bank.csv:3:") and "not a date" in message


@pytest.mark.parametrize("content", [b"", b"\xef\xbb\xbf", b"\n\n  \r\n"])
def test_empty_file(tmp_path: Path, content: bytes) -> None:
    assert "empty" in _error(_write(tmp_path, "empty.csv", content))


def test_unknown_layout(tmp_path: Path) -> None:
    message = _error(_write(tmp_path, "odd.csv", "Foo,Bar,Baz\nx,y,z\nu,v,w\n"))
    assert "found columns Foo, Bar, Baz" in message
    assert "missing a date column and an amount column" in message


def test_unknown_layout_with_a_date(tmp_path: Path) -> None:
    message = _error(_write(tmp_path, "odd.csv", "Date,Who,What\n01/02/2024,x,z\n"))
    assert "found columns Date, Who, What; missing an amount column" in message


def test_broken_workbook(tmp_path: Path) -> None:
    assert "not a readable spreadsheet" in _error(_write(tmp_path, "bank.xlsx", b"PK\x03\x04garbage"))


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(BankFileError, match="no such file"):
        read_bank_file(tmp_path / "nope.csv")


def test_bad_mt940_line(tmp_path: Path) -> None:
    text = ":20:X\n:25:123\n:60F:C240101EUR0,00\n:61:240102XYZ\n:62F:C240102EUR0,00\n-\n"
    message = _error(_write(tmp_path, "bank.sta", text))
    assert message.startswith("bank.sta:4:")


def test_ragged_row_is_a_problem_and_the_rest_imports(tmp_path: Path) -> None:
    text = (
        "Date,Description,Amount,Balance\n"
        "01/02/2024,ACME Corp INV-1001,100.00,100.00\n"
        "01/03/2024,Broken\n"
        "01/04/2024,Bob,-5.00,95.00\n"
    )
    result = read_bank_file(_write(tmp_path, "bank.csv", text))
    assert [t.amount for t in result.transactions] == [Decimal("100.00"), Decimal("-5.00")]
    assert [(p.file, p.line) for p in result.problems] == [("bank.csv", 3)]
    assert "fields" in result.problems[0].message


def test_unquoted_thousands_amount_is_realigned(tmp_path: Path) -> None:
    text = "Date,Description,Amount\n01/02/2024,ACME,1,234.56\n01/03/2024,Bob,-5.00\n"
    result = read_bank_file(_write(tmp_path, "bank.csv", text))
    assert [t.amount for t in result.transactions] == [Decimal("1234.56"), Decimal("-5.00")]
    assert result.problems == ()


def test_ambiguous_ragged_row_is_left_out(tmp_path: Path) -> None:
    text = "Date,Name,Memo,Amount\n01/02/2024,Smith, John,ref 1,10.00\n01/03/2024,Bob,x,-5.00\n"
    result = read_bank_file(_write(tmp_path, "bank.csv", text))
    assert [t.amount for t in result.transactions] == [Decimal("-5.00")]
    assert [p.line for p in result.problems] == [2]


def test_bad_mapping(tmp_path: Path) -> None:
    path = _write(tmp_path, "bank.csv", "When,What,How much\n01/02/2024,x,1.00\n")
    with pytest.raises(BankFileError, match="not key=column"):
        read_bank_file(path, mapping="date=When;amount")
    message = _error(path, mapping="date=When;amount=Sum")
    assert "Sum" in message and "When, What, How much" in message
