"""Inline OFX, camt and MT940 files for quirks the public samples do not cover."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from poflow_sheets.banks import detect_parser, parse_bank_bytes

OFX_AEST = b"""OFXHEADER: 100
DATA:OFXSGML
VERSION:102
CHARSET:1252

<OFX ><BANKMSGSRSV1><STMTTRNRS><STMTRS><CURDEF>AUD<BANKACCTFROM><BANKID>0123456789012<ACCTID>987654
<ACCTTYPE>CHECKING</BANKACCTFROM><BANKTRANLIST>
<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>20240301000000.000[+10:AEST]<TRNAMT>1.250,00<FITID>A1
<NAME>KOALA GIFTS PTY &amp; CO<MEMO>INV-1001 thank you</STMTTRN>
<STMTTRN><FITID>A2<TRNAMT>-9.5<NAME>BANK FEE<TRNTYPE>SRVCHG<DTPOSTED>202403020000</STMTTRN>
</BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1></OFX>
"""


def test_ofx_positive_offset_decimal_comma_out_of_order() -> None:
    result = parse_bank_bytes(OFX_AEST, "koala.ofx")
    first, fee = result.transactions
    assert first.date == dt.date(2024, 3, 1)  # UTC would make it 29 Feb
    assert first.amount == Decimal("1250.00") and first.currency == "AUD"
    assert first.payer == "KOALA GIFTS PTY & CO" and first.memo == "INV-1001 thank you"
    assert first.transaction_id == "ofx:987654:A1" and first.bank_code == "CREDIT"
    assert (fee.date, fee.amount, fee.bank_code) == (dt.date(2024, 3, 2), Decimal("-9.50"), "SRVCHG")


CAMT_V8 = """<?xml version="1.0" encoding="UTF-8"?>
<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.08">
 <BkToCstmrStmt><GrpHdr><MsgId>1</MsgId></GrpHdr>
  <Stmt><Id>S1</Id><Acct><Id><IBAN>CH9300762011623852957</IBAN></Id><Ccy>CHF</Ccy></Acct>
   <Ntry><NtryRef>N-1</NtryRef><Amt Ccy="CHF">300.00</Amt><CdtDbtInd>CRDT</CdtDbtInd>
    <Sts><Cd>BOOK</Cd></Sts><BookgDt><DtTm>2024-03-05T10:11:12+01:00</DtTm></BookgDt>
    <AcctSvcrRef>BANKREF-1</AcctSvcrRef>
    <BkTxCd><Prtry><Cd>ZE01</Cd></Prtry></BkTxCd>
    <NtryDtls><Btch><NbOfTxs>2</NbOfTxs></Btch>
     <TxDtls><Refs><EndToEndId>E2E-A</EndToEndId></Refs><Amt Ccy="CHF">200.00</Amt>
      <CdtDbtInd>CRDT</CdtDbtInd><RltdPties><Dbtr><Pty><Nm>Boutique Alpin</Nm></Pty></Dbtr></RltdPties>
      <RmtInf><Ustrd>Rechnung INV-2001</Ustrd><Strd><CdtrRefInf><Ref>RF18539007547034</Ref></CdtrRefInf></Strd>
      </RmtInf></TxDtls>
     <TxDtls><Refs><EndToEndId>NOTPROVIDED</EndToEndId></Refs><Amt Ccy="CHF">100.00</Amt>
      <CdtDbtInd>CRDT</CdtDbtInd><RltdPties><Dbtr><Pty><Nm>Laden Zug</Nm></Pty></Dbtr></RltdPties>
      <RmtInf><Ustrd>INV-2002</Ustrd></RmtInf></TxDtls>
    </NtryDtls></Ntry>
   <Ntry><Amt Ccy="CHF">5.00</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts><Cd>PDNG</Cd></Sts>
    <BookgDt><Dt>2024-03-06</Dt></BookgDt></Ntry>
   <Ntry><Amt Ccy="CHF">2.50</Amt><CdtDbtInd>DBIT</CdtDbtInd><Sts>BOOK</Sts>
    <BookgDt><Dt>2024-03-06</Dt></BookgDt><AcctSvcrRef>FEE-9</AcctSvcrRef>
    <BkTxCd><Domn><Cd>ACMT</Cd><Fmly><Cd>MDOP</Cd><SubFmlyCd>CHRG</SubFmlyCd></Fmly></Domn></BkTxCd>
    <AddtlNtryInf>Kontoführung</AddtlNtryInf></Ntry>
  </Stmt></BkToCstmrStmt></Document>
"""


def test_camt_v8_batch_pending_and_fee() -> None:
    result = parse_bank_bytes(CAMT_V8.encode(), "stmt.xml")
    assert result.format == "camt.053" and result.account == "CH9300762011623852957"
    a, b, fee = result.transactions
    assert (a.amount, a.payer, a.date, a.currency) == (Decimal("200.00"), "Boutique Alpin", dt.date(2024, 3, 5), "CHF")
    assert a.transaction_id == "camt:CH9300762011623852957:BANKREF-1/1"
    assert b.transaction_id == "camt:CH9300762011623852957:BANKREF-1/2"
    assert a.references == ("RF18539007547034", "E2E-A") and b.references == ()
    assert "INV-2001" in a.memo and a.bank_code == "ZE01"
    assert (fee.amount, fee.bank_code, fee.memo) == (Decimal("-2.50"), "ACMT/MDOP/CHRG", "Kontoführung")
    assert len(result.problems) == 1 and "PDNG" in result.problems[0].message
    assert result.problems[0].line == 18


MT940_SWIFT = (
    b"\x01{1:F01ABCDDEFFAXXX0000000000}{2:O9401200240102ABCDDEFFAXXX00000000002401021200N}{4:\r\n"
    b":20:STMT1\r\n:25:DE89370400440532013000\r\n:28C:1/1\r\n:60F:C231229EUR1000,00\r\n"
    b":61:2312290102CR1500,00NTRFNONREF//B-1\r\n"
    b":86:166?00GUTSCHRIFT?20EREF+INV-3001?21SVWZ+Rechnung INV-3001 M\xfcller?32M\xfcller Handel GmbH\r\n"
    b":61:2401020102RC20,00NRTINONREF\r\n:86:Storno Gutschrift\r\n"
    b":61:2401020102RD5,00NCHGNONREF\r\n:86:Gebuehr zurueck\r\n"
    b":62F:C240102EUR2485,00\r\n-}\x03"
)


def test_mt940_swift_envelope_reversals_year_boundary_latin1() -> None:
    assert detect_parser(MT940_SWIFT[:4096], "x.txt").name == "mt940"
    result = parse_bank_bytes(MT940_SWIFT, "x.txt")
    first, rc, rd = result.transactions
    assert first.date == dt.date(2024, 1, 2)  # entry date 0102 after value date 29 Dec 2023
    assert (first.amount, first.payer, first.currency) == (Decimal("1500.00"), "Müller Handel GmbH", "EUR")
    assert first.references == ("INV-3001",) and first.memo == "Rechnung INV-3001 Müller"
    assert first.transaction_id == "mt940:DE89370400440532013000:B-1"
    assert rc.amount == Decimal("-20.00")  # reversal of a credit takes money out
    assert rd.amount == Decimal("5.00")  # reversal of a debit puts it back
    assert result.total == Decimal("1485.00")
    assert first.source == "x.txt:6"
