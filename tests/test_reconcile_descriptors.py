"""Bank descriptor conventions (banks/descriptors.py) and what the matcher does with them: the payer read
from each bank's and rail's wording, the seller's own name never a payer, truncated and abbreviated
names, the buyer used once known, RMR*IV remittance and remittance advice files."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from poflow_sheets.banks.descriptors import (
    CONVENTIONS,
    RemittanceAdvice,
    RemittanceLine,
    convention,
    cut_address,
    read_descriptor,
    remittance_lines,
)
from poflow_sheets.banks.remittance import parse_remittance
from poflow_sheets.ledger import Facts
from poflow_sheets.reconcile import Ledger, MatchConfig, MatchResult, PayerIndex, match_payments
from poflow_sheets.reconcile.engine import _State
from poflow_sheets.records import Allocation, Buyer, Invoice, Order, Settings, Transaction

D = Decimal
TODAY = date(2026, 12, 15)
SELLER = "Mapleleaf Wholesale Co"
SETTINGS = Settings(seller_name=SELLER, seller_aliases="MLW Trading, Mapleleaf Whsl")


# ------------------------------------------------------------------------------------------------ conventions


@pytest.mark.parametrize("conv", CONVENTIONS, ids=lambda c: c.name)
def test_every_convention_reads_its_example_line(conv: object) -> None:
    c = convention(conv.name)
    d = read_descriptor(c.example)
    assert d.convention == c.name
    assert d.payers[:1] == ((c.example_payer,) if c.example_payer else ())
    assert d.remittance == c.example_remit


# (descriptor, payer, words the remittance must hold, convention): real wordings of each bank and rail
LINES = [
    ("LITTLE TRADING DES:PAYMENT ID:9006267575 INDN:MAPLELEAF WHOLESALE CO ID:7721546653 CCD PMT INFO:Invoice #222",
     "LITTLE TRADING", "Invoice #222", "bofa_ach"),
    ("MEADOW PANTRY LL DES:AP PMT ID:000012345 INDN:Mapleleaf Wholesale CO ID:1234567890 CTX PMT INFO:"
     "RMR*IV*INV-0042*PO*1234.50*1234.50\\", "MEADOW PANTRY LL", "RMR*IV*INV-0042", "bofa_ach"),
    ("WIRE TYPE:WIRE IN DATE: 261120 TIME:0915 ET TRN:2026112000012345 SEQ:2026112000012345/000111 "
     "ORIG:SUNNY GOODS LLC 12 MAIN ST ID:000987654321 SND BK:CITIBANK NA ID:0008 PMT DET:INV 1234",
     "SUNNY GOODS LLC", "INV 1234", "bofa_wire"),
    ("ORIG CO NAME:COPPER SHOP LTD ORIG ID:1234567890 DESC DATE:261120 CO ENTRY DESCR:PAYABLES SEC:CCD "
     "TRACE#:021000021234567 EED:261120 IND ID:INV0042 IND NAME:MAPLELEAF WHOLESALE CO TRN: 3251234567TC",
     "COPPER SHOP LTD", "INV0042", "chase_ach"),
    ("FEDWIRE CREDIT VIA: WELLS FARGO BANK/121000248 B/O: MEADOW PANTRY LL PORTLAND OR 97201 REF: CHASE NYC/"
     "CTR/BNF=MAPLELEAF WHOLESALE CO/AC-000000001234 RFB=OUR REF 77 OBI=PO 1001 IMAD: 1120MMQFMP2N012345",
     "MEADOW PANTRY LL", "PO 1001", "chase_wire"),
    ("WT FED#03919 WELLS FARGO BANK /ORG=SUNNY GOODS LLC SRF# 0012345678 TRN#261120012345 RFB# 000123 "
     "OBI=INV 1234 BNF=MAPLELEAF WHOLESALE CO", "SUNNY GOODS LLC", "INV 1234", "wf_wire"),
    ("COPPER SHOP LTD PAYMENT 260552 8938884633 MAPLELEAF WHOLESALE CO INV-00270", "COPPER SHOP LTD",
     "INV-00270", "wf_ach"),
    ("ELECTRONIC DEPOSIT FROM HARBOR HOME CO REF=261120001234567N00 1234567890PAYABLES INV 1002",
     "HARBOR HOME CO", "INV 1002", "usbank_ach"),
    ("CORPORATE ACH AP PMT HARBOR HOME CO 1234567890 INV 1002", "HARBOR HOME CO", "INV 1002", "pnc_ach"),
    ("ACH CR HARBOR HOME CO VENDOR PMT 261120 CO ID:1234567890 INV 1002", "HARBOR HOME CO", "INV 1002", "citi_ach"),
    ('Zelle payment from CORNER SHOP LLC for "INV-0042"; Conf# BAC0XY12Z', "CORNER SHOP LLC", "INV-0042", "zelle"),
    ("ZELLE FROM J SMITH ON 11/20 REF # PP0ABC123 INVOICE 42", "J SMITH", "INVOICE 42", "zelle"),
    ("Zelle Transfer Conf# abc123; Jane Doe", "Jane Doe", "", "zelle"),
    ("REMOTE ONLINE DEPOSIT # 1", "", "", "check_deposit"),
    ("BKOFAMERICA MOBILE 11/20 XXXXX12345 DEPOSIT *MOBILE", "", "", "check_deposit"),
    ("LOCKBOX DEPOSIT 0012345 BATCH 002", "", "", "lockbox"),
    ("EREF+RE-2026-0042 SVWZ+Rechnung RE-2026-0042 ABWA+Sonnenladen GmbH", "Sonnenladen GmbH", "Rechnung",
     "sepa"),
    ("SUNNY GOODS GMBH DE89370400440532013000 COBADEFFXXX RE 2026-0042", "SUNNY GOODS GMBH", "RE 2026-0042",
     "packed_iban"),
    ("SHOPIFY TRANSFER ST-A1B2C3", "SHOPIFY", "", "processor"),
    ("PAYPAL DES:TRANSFER ID:1034567 INDN:MAPLELEAF WHOLESALE CO ID:PAYPALSD11 PPD", "PAYPAL", "", "bofa_ach"),
    ("ORIG CO NAME:STRIPE ORIG ID:1800948598 DESC DATE:261120 CO ENTRY DESCR:TRANSFER SEC:CCD IND NAME:MAPLELEAF",
     "STRIPE", "", "chase_ach"),
]


@pytest.mark.parametrize(("text", "payer", "remit", "conv"), LINES, ids=[f"{c}-{i}" for i, (*_, c) in enumerate(LINES)])
def test_payer_and_remittance_of_each_wording(text: str, payer: str, remit: str, conv: str) -> None:
    d = read_descriptor(text)
    assert d.convention == conv
    assert (d.payers[0] if d.payers else "") == payer
    assert remit in d.remittance


@pytest.mark.parametrize(("text", "payer", "remit", "conv"), LINES, ids=[f"{c}-{i}" for i, (*_, c) in enumerate(LINES)])
def test_the_sellers_own_name_is_never_a_payer(text: str, payer: str, remit: str, conv: str) -> None:
    index = PayerIndex([Buyer("B9", "Mapleleaf Home Shop")], seller_names=(SELLER, "MLW Trading"))
    m = index.match("", text)
    assert all("MAPLELEAF WHOLESALE" not in n for n in m.names)
    assert all(not index.is_seller(n) for n in m.names)
    assert index.is_seller("MAPLELEAF WHOLESALE") and index.is_seller("MAPLELEAF WHOLES")
    assert not index.is_seller("MAPLELEAF HOME SHOP")


def test_processor_payouts_are_never_matched() -> None:
    ledger = Ledger(
        buyers=(Buyer("B1", "Shopify Goods LLC"),), orders=(Order("PO-1", "B1", date(2026, 11, 1), "invoiced"),),
        lines=(),
        invoices=(Invoice(
                        invoice_number="INV-1", kind="final", po_number="PO-1", invoice_date=date(2026, 11, 2),
                        due_date=None, total=D("500.00"), status="open", terms="Net 30"),),
        allocations=(), payments=(), settings=SETTINGS)
    for memo in ("SHOPIFY TRANSFER ST-A1B2C3 INV-1", "STRIPE DES:TRANSFER ID:ST-1 INDN:MAPLELEAF WHOLESALE CO ID:1 CCD"):
        r = match_payments([Transaction(
            transaction_id="t", date=date(2026, 11, 20), amount=D("500.00"), currency="USD", payer="", memo=memo,
            source="b:1")], ledger,
                           MatchConfig(), TODAY)
        assert not r.allocations
    assert read_descriptor("SHOPIFY TRANSFER ST-A1B2C3").processor == "SHOPIFY"


def test_wire_names_lose_their_address() -> None:
    assert cut_address("SUNNY GOODS LLC NEW YORK NY 10001") == "SUNNY GOODS LLC"
    assert cut_address("MEADOW PANTRY LL PORTLAND OR 97201") == "MEADOW PANTRY LL"
    assert cut_address("SUNNY GOODS 12 MAIN ST") == "SUNNY GOODS"
    assert cut_address("ACME CORP, 1 MAIN ST") == "ACME CORP"


# ------------------------------------------------------------------------------------------------ names

BUYERS = (
    Buyer("B1", "Meadow Pantry LLC"),
    Buyer("B2", "Old Town Mercantile of Austin Inc"),
    Buyer("B3", "Old Town Mercantile of Denver Inc"),
    Buyer("B4", "Blue Heron Boutique Inc"),
    Buyer("B5", "Copper Shop Ltd", aliases=("CS HOLDINGS 42",)),
    Buyer("B6", "Juniper General Store Company"),
)


def _index() -> PayerIndex:
    return PayerIndex(BUYERS, seller_names=(SELLER,))


@pytest.mark.parametrize(("memo", "buyer"), [
    ("MEADOW PANTRY LL DES:PAYMENT ID:1 INDN:MAPLELEAF WHOLESALE CO ID:2 CCD", "B1"),  # NACHA 16 characters
    ("ORIG CO NAME:JUNIPER GENERAL S ORIG ID:1 SEC:CCD", "B6"),  # cut mid-word
    ("WT FED#0001 BANK /ORG=JUNIPER GENERAL STORE COMPA SRF# 1", "B6"),  # wire ORG= cut at 35
    ("BHB INC DES:PAYMENT ID:123 INDN:MAPLELEAF WHOLESALE CO ID:9 CCD", "B4"),  # initials plus suffix
    ("ORIG CO NAME:CS HOLDINGS 42 ORIG ID:1 SEC:CCD", "B5"),  # an alias
])
def test_truncated_and_abbreviated_names_are_recognised(memo: str, buyer: str) -> None:
    m = _index().match("", memo)
    assert m.identified() == buyer, m


def test_a_prefix_two_buyers_share_identifies_neither() -> None:
    m = _index().match("", "ORIG CO NAME:OLD TOWN MERCANT ORIG ID:1 SEC:CCD")
    assert m.identified() is None
    assert {b for b, s, _ in m.scores[:2]} == {"B2", "B3"} and m.scores[0][1] == m.scores[1][1]


def test_initials_need_the_same_suffix() -> None:
    assert _index().match("", "BHB LLC DES:PAYMENT ID:1 CCD").identified() is None


# ------------------------------------------------------------------------------------------------ the matcher

ORDERS = tuple(Order(f"PO-{i}", b, date(2026, 10, 1), "invoiced") for i, b in
               ((1, "B1"), (2, "B1"), (3, "B1"), (4, "B2"), (5, "B3"), (6, "B4"), (7, "B5"), (8, "B6")))


def _inv(number: str, po: str, total: str, terms: str = "Net 30", kind: str = "final", related: str = "") -> Invoice:
    return Invoice(
        invoice_number=number, kind=kind, po_number=po, invoice_date=date(2026, 11, 1), due_date=None,
        total=D(total), status="open", terms=terms, related=related)


INVOICES = (
    _inv("INV-0101", "PO-1", "1200.00"), _inv("INV-0102", "PO-2", "830.40"), _inv("INV-0103", "PO-3", "99.00", "2/10 Net 30"),
    _inv("INV-0104", "PO-4", "640.00"), _inv("INV-0105", "PO-5", "640.00"),
    _inv("INV-0106", "PO-6", "1000.00", "2/10 Net 30"), _inv("INV-0107", "PO-7", "2500.00"),
    _inv("INV-0108", "PO-8", "780.00"),
    _inv("CN-0001", "PO-8", "-80.00", kind="credit", related="INV-0108"),
)
LEDGER = Ledger(
    buyers=BUYERS, orders=ORDERS, lines=(), invoices=INVOICES, allocations=(), payments=(), settings=SETTINGS)


def _run(memo: str, amount: str, when: date = date(2026, 11, 8), *, advices: tuple[RemittanceAdvice, ...] = (),
         refs: tuple[str, ...] = ()) -> MatchResult:
    t = Transaction(
        transaction_id="t1", date=when, amount=D(amount), currency="USD", payer="", memo=memo, source="bank.csv:2",
        references=refs)
    return match_payments([t], LEDGER, MatchConfig(), TODAY, advices)


def _got(r: MatchResult) -> list[tuple[str, str, str]]:
    return sorted((a.invoice_number, f"{a.amount:.2f}", a.kind) for a in r.allocations)


def test_overpayment_naming_its_invoice_from_the_truncated_buyer_is_applied() -> None:
    r = _run("MEADOW PANTRY LL DES:PAYMENT ID:9006267575 INDN:MAPLELEAF WHOLESALE CO ID:77 CCD PMT INFO:INV 101",
             "1250.00")
    assert _got(r) == [("", "50.00", "credit"), ("INV-0101", "1200.00", "invoice")]


def test_early_payment_discount_from_the_buyer_is_applied() -> None:
    r = _run("WT FED#03919 WELLS FARGO BANK /ORG=BLUE HERON BOUTIQUE INC SRF# 1 OBI=INV 106 BNF=MAPLELEAF", "980.00")
    assert _got(r) == [("INV-0106", "20.00", "discount"), ("INV-0106", "980.00", "invoice")]


def test_combined_payment_without_reference_from_a_recognised_buyer_is_solved() -> None:
    r = _run("MEADOW PANTRY LL PAYMENT 261108 8938884633 MAPLELEAF WHOLESALE CO", "929.40")
    assert _got(r) == [("INV-0102", "830.40", "invoice"), ("INV-0103", "99.00", "invoice")]


def test_payment_of_an_invoice_less_its_credit_note() -> None:
    r = _run("ORIG CO NAME:JUNIPER GENERAL S ORIG ID:1 SEC:CCD IND NAME:MAPLELEAF WHOLESALE", "700.00")
    assert _got(r) == [("INV-0108", "700.00", "invoice")]
    r = _run("ACH CR SOMEONE ELSE PAYMENT 261108 CO ID:1 INV 108", "700.00")
    assert _got(r) == [("INV-0108", "700.00", "invoice")]


def test_two_buyers_fitting_equally_make_a_suggestion() -> None:
    r = _run("ORIG CO NAME:OLD TOWN MERCANT ORIG ID:1 SEC:CCD", "640.00")
    assert not r.allocations
    assert {c.invoice_number for c in r.suggestions[0].candidates} >= {"INV-0104", "INV-0105"}


def test_engine_balances_follow_ledger_facts() -> None:
    """The open-item index asks ledger.Facts: credit notes and allocations settle an invoice as Facts says."""
    allocs = (Allocation(
        transaction_id="old", amount=D("100.00"), kind="invoice", invoice_number="INV-0101", po_number="PO-1",
        method="auto"),
              Allocation(
                  transaction_id="old2", amount=D("5.00"), kind="fee", invoice_number="INV-0101", po_number="PO-1",
                  method="auto"))
    ledger = Ledger(
        buyers=BUYERS, orders=ORDERS, lines=(), invoices=INVOICES, allocations=allocs, payments=(),
        settings=SETTINGS)
    st = _State(ledger, MatchConfig())
    facts = Facts(SETTINGS, BUYERS, ORDERS, (), (), INVOICES, allocs)
    for i in INVOICES:
        if i.kind == "credit":
            continue
        expected = i.total - facts.paid.get(i.invoice_number, D(0))
        assert D(st.items[i.invoice_number].balance) / 100 == expected


# ------------------------------------------------------------------------------------------------ remittance


def test_rmr_segments_are_read() -> None:
    lines = remittance_lines("RMR*IV*INV-0101*PO*1200.00*1200.00\\RMR*IV*0102**800.40*830.40\\ADX*-30.00*01\\"
                             "RMR*IV*INV-0106**980.00*1000.00*20.00\\")
    assert lines == (RemittanceLine("INV-0101", D("1200.00"), D("1200.00")),
                     RemittanceLine("0102", D("800.40"), D("830.40"), None, D("-30.00"), "01"),
                     RemittanceLine("INV-0106", D("980.00"), D("1000.00"), D("20.00")))


def test_rmr_addenda_split_one_payment_with_a_short_pay_and_a_discount() -> None:
    memo = ("MEADOW PANTRY LL DES:EDI PYMNTS ID:1 INDN:MAPLELEAF WHOLESALE CO ID:2 CTX PMT INFO:"
            "RMR*IV*INV-0101*PO*1200.00*1200.00\\RMR*IV*INV-0102**800.40*830.40\\ADX*-30.00*01\\"
            "RMR*IV*INV-0103**97.02*99.00*1.98\\")
    r = _run(memo, "2097.42")
    assert _got(r) == [("INV-0101", "1200.00", "invoice"), ("INV-0102", "800.40", "invoice"),
                       ("INV-0103", "1.98", "discount"), ("INV-0103", "97.02", "invoice")]
    assert {a.rule for a in r.allocations} == {"remittance"}


def test_rmr_that_does_not_add_up_is_only_suggested() -> None:
    r = _run("ACH CR X PAYMENT 261108 CO ID:1 RMR*IV*INV-0101**1200.00\\RMR*IV*INV-0103**99.00\\", "1200.00")
    assert not r.allocations or _got(r) == [("INV-0101", "1200.00", "invoice")]
    assert not any(a.rule == "remittance" for a in r.allocations)


ADVICE = b"""Check Number,Payer,Payment Date,Invoice Number,Invoice Amount,Amount Paid,Deduction,Reason Code
0010234,Copper Shop Ltd,11/06/2026,INV-0107,2500.00,2450.00,50.00,01
0010234,Copper Shop Ltd,11/06/2026,INV-0104,640.00,640.00,,
"""


def test_remittance_advice_file_splits_a_check_deposit() -> None:
    advices = parse_remittance(ADVICE, "advice.csv")
    assert len(advices) == 1 and advices[0].payment == "0010234" and advices[0].total == D("3090.00")
    assert advices[0].lines[0] == RemittanceLine("INV-0107", D("2450.00"), D("2500.00"), None, D("-50.00"), "01")
    r = _run("MOBILE DEPOSIT REF NUMBER :810270123456", "3090.00", advices=advices)
    assert _got(r) == [("INV-0104", "640.00", "invoice"), ("INV-0107", "2450.00", "invoice")]
    r = _run("DEPOSIT ID NUMBER 44", "3090.00", advices=advices, refs=("10234",))
    assert r.allocations[0].confidence == D("0.97")
    assert not _run("MOBILE DEPOSIT REF NUMBER :810270123456", "3090.00").allocations


def test_remittance_advice_as_excel(tmp_path: object) -> None:
    """The same advice kept in Excel: numbers as numbers, a date as a date, headers in another order."""
    import datetime as dt
    import io

    import xlsxwriter

    buf = io.BytesIO()
    book = xlsxwriter.Workbook(buf, {"in_memory": True})
    sheet = book.add_worksheet("Remittance")
    sheet.write_row(0, 0, ["Remittance advice from Copper Shop Ltd"])
    sheet.write_row(2, 0, ["Invoice No", "Amount Paid", "Payment Reference", "Payment Date", "Discount"])
    fmt = book.add_format({"num_format": "yyyy-mm-dd"})
    sheet.write_row(3, 0, ["INV-0107", 2500.00, "ACH-7781"])
    sheet.write_datetime(3, 3, dt.datetime(2026, 11, 6), fmt)
    sheet.write_row(4, 0, ["INV-0106", 980.00, "ACH-7781"])
    sheet.write_datetime(4, 3, dt.datetime(2026, 11, 6), fmt)
    sheet.write_number(4, 4, 20.00)
    book.close()
    advices = parse_remittance(buf.getvalue(), "advice.xlsx")
    assert len(advices) == 1
    adv = advices[0]
    assert (adv.payment, adv.date, adv.total) == ("ACH-7781", date(2026, 11, 6), D("3480.00"))
    assert adv.lines[1] == RemittanceLine("INV-0106", D("980.00"), None, D("20.00"))
    # a parent company pays for two of its stores, naming the advice in IND ID
    r = _run("ORIG CO NAME:ACME HOLDINGS ORIG ID:1 SEC:CCD IND ID:ACH-7781 IND NAME:MAPLELEAF", "3480.00",
             advices=advices)
    assert _got(r) == [("INV-0106", "20.00", "discount"), ("INV-0106", "980.00", "invoice"),
                       ("INV-0107", "2500.00", "invoice")]


def test_a_short_pay_with_a_deduction_code_is_not_a_wire_fee() -> None:
    """20.00 short is within the fee tolerance, but the addenda say why: a deduction, left open on the invoice."""
    r = _run("MEADOW PANTRY LL DES:EDI PYMNTS ID:1 INDN:MAPLELEAF WHOLESALE CO ID:2 CTX PMT INFO:"
             "RMR*IV*INV-0101*PO*1180.00*1200.00\\ADX*-20.00*01\\", "1180.00")
    assert _got(r) == [("INV-0101", "1180.00", "invoice")]
    assert r.allocations[0].rule == "remittance"


def test_readme_lists_every_convention() -> None:
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
    assert [c.name for c in CONVENTIONS if f"`{c.name}`" not in readme] == []
