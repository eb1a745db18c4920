"""The payment matcher, one case at a time, on a small hand-written ledger."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date
from decimal import Decimal

import pytest

from poflow_sheets.reconcile import (
    Ledger,
    MatchConfig,
    MatchResult,
    PayerIndex,
    RefIndex,
    accept,
    apply_to_ledger,
    learned_aliases,
    match_payments,
    payer_candidates,
    to_json,
)
from poflow_sheets.records import Allocation, Buyer, Invoice, Line, Order, Payment, Settings, Transaction

D = Decimal
TODAY = date(2026, 4, 30)
CFG = MatchConfig()


def inv(number: str, po: str, total: str, when: date = date(2026, 3, 1), *, kind: str = "final",
        terms: str = "Net 30") -> Invoice:
    return Invoice(
        invoice_number=number, kind=kind, po_number=po, invoice_date=when, due_date=None, total=D(total),
        status="open", terms=terms)


def order(po: str, buyer: str, when: date = date(2026, 2, 1), *, status: str = "invoiced",
          deposit_pct: Decimal | None = None) -> Order:
    return Order(po, buyer, when, status, deposit_pct=deposit_pct)


BUYERS = (
    Buyer("B1", "Corner Shop LLC"),
    Buyer("B2", "Blue Heron Boutique Inc"),
    Buyer("B3", "Acme Retail GmbH"),
    Buyer("B4", "Cedar & Stone Co"),
    Buyer("B5", "Green Leaf Garden Ltd"),
    Buyer("B6", "Harbor Goods Corp"),
)
ORDERS = (
    order("PO-1001", "B1"), order("PO-1002", "B1"), order("PO-1003", "B1"),
    order("PO-2001", "B2"), order("4500012345", "B3"), order("CS-2291", "B4"),
    order("PO-5001", "B5"), order("PO-6001", "B6"),
    order("PO-3001", "B2", date(2026, 3, 20), status="approved", deposit_pct=D("0.3")),
    order("PO-3002", "B2", date(2026, 3, 20), status="approved", deposit_pct=D("0.5")),
)
LINES = (Line(po_number="PO-3001", line_no=1, sku="SKU-1", qty=10, unit_price=D("100.00")), Line(
    po_number="PO-3002", line_no=1, sku="SKU-1", qty=9, unit_price=D("100.00")))
INVOICES = (
    inv("INV-0042", "PO-1001", "1234.50"),
    inv("INV-0043", "PO-1002", "500.00"),
    inv("INV-0044", "PO-1003", "250.25"),
    inv("INV-0050", "PO-2001", "980.00", terms="2/10 Net 30"),
    inv("INV-0060", "4500012345", "2000.00"),
    inv("INV-0070", "CS-2291", "777.77"),
    inv("INV-0080", "PO-5001", "150.00"),
    inv("INV-0081", "PO-6001", "150.00"),
    inv("INV-0090", "PO-3002", "450.00", date(2026, 3, 21), kind="deposit"),
)
LEDGER = Ledger(
    buyers=BUYERS, orders=ORDERS, lines=LINES, invoices=INVOICES, allocations=(), payments=(), settings=Settings())


def tx(tid: str, amount: str, payer: str = "", memo: str = "", when: date = date(2026, 3, 25), *,
       code: str = "") -> Transaction:
    return Transaction(
        transaction_id=tid, date=when, amount=D(amount), currency="USD", payer=payer, memo=memo,
        source=f"bank.csv:{tid}", bank_code=code)


def run(*txs: Transaction, ledger: Ledger = LEDGER) -> MatchResult:
    return match_payments(txs, ledger, CFG, TODAY)


def applied(result: MatchResult) -> list[tuple[str, str, str, str, str]]:
    return [(a.invoice_number, a.po_number, str(a.amount), a.kind, a.rule) for a in result.allocations]


def top(result: MatchResult) -> list[str]:
    assert len(result.suggestions) == 1, result
    return [c.invoice_number or c.po_number for c in result.suggestions[0].candidates]


# -- references -------------------------------------------------------------------------------------


@pytest.mark.parametrize("memo", ["INV-0042", "inv 42", "Invoice #42", "INV0042", "payment for INV 0042 thanks"])
def test_invoice_reference_forms(memo: str) -> None:
    ix = RefIndex(["INV-0042", "INV-1042", "CN-0042"], ["PO-1001"])
    assert ix.extract(memo).invoices == {"INV-0042": "strong"}


@pytest.mark.parametrize("memo", ["PO#1001", "P.O. 1001", "po1001", "PO 1001", "PO-01001"])
def test_po_reference_forms(memo: str) -> None:
    ix = RefIndex(["INV-0042"], ["PO-1001", "4500012345", "CS-2291"])
    assert ix.extract(memo).pos == {"PO-1001": "strong"}


def test_buyer_po_formats_and_noise() -> None:
    ix = RefIndex(["INV-1042"], ["PO-1001", "4500012345", "CS-2291"])
    assert ix.extract("REMIT 4500012345").pos == {"4500012345": "strong"}
    assert ix.extract("cs 2291").pos == {"CS-2291": "strong"}
    assert ix.extract("CS2291").pos == {"CS-2291": "strong"}
    # dates, amounts, account and trace numbers are not references
    noisy = ix.extract("PAID 03/04/2026 AMT 1,042.00 ACCT 000123456789 TRACE#021000021001")
    assert not noisy
    assert ix.extract("INV-99999").unknown == ("INV 99999",)


# -- one payment, one invoice --------------------------------------------------------------------


def test_reference_and_amount_is_highest_confidence() -> None:
    r = run(tx("T1", "1234.50", "CORNER SHOP LLC", "INV-0042"))
    assert applied(r) == [("INV-0042", "PO-1001", "1234.50", "invoice", "reference+amount")]
    assert r.allocations[0].confidence == D("0.99")


def test_buyer_po_format_reference() -> None:
    r = run(tx("T1", "2000.00", "", "ACH CREDIT REMIT 4500012345"))
    assert applied(r) == [("INV-0060", "4500012345", "2000.00", "invoice", "reference+amount")]


def test_payer_and_unique_amount() -> None:
    memo = "ORIG CO NAME:CORNER SHOP LL ORIG ID:9876543210 DESC DATE:260325 CO ENTRY DESCR:PAYMENT SEC:CCD"
    r = run(tx("T1", "500.00", "", memo))
    assert applied(r) == [("INV-0043", "PO-1002", "500.00", "invoice", "payer+amount")]
    assert r.allocations[0].confidence >= CFG.threshold


def test_amount_alone_is_only_a_suggestion() -> None:
    r = run(tx("T1", "777.77", "MARY JONES", "THANK YOU"))
    assert not r.allocations
    assert top(r)[0] == "INV-0070"
    assert "amount matches INV-0070 exactly" in r.suggestions[0].candidates[0].why


# -- several invoices, partial, fee, discount, overpayment ---------------------------------------


def test_one_payment_for_several_invoices() -> None:
    r = run(tx("T1", "750.25", "Corner Shop", "weekly payment"))
    assert sorted(applied(r)) == [
        ("INV-0043", "PO-1002", "500.00", "invoice", "payer+subset"),
        ("INV-0044", "PO-1003", "250.25", "invoice", "payer+subset"),
    ]


def test_several_subsets_fit_is_not_applied() -> None:
    buyers = (Buyer("B1", "Corner Shop LLC"),)
    orders = tuple(order(f"PO-{n}", "B1") for n in range(1, 5))
    invoices = tuple(inv(f"INV-{n}", f"PO-{n}", f"{n}00.00") for n in range(1, 5))
    ledger = Ledger(buyers, orders, (), invoices)
    r = run(tx("T1", "500.00", "CORNER SHOP", ""), ledger=ledger)  # 100+400 or 200+300
    assert not r.allocations and r.suggestions


def test_references_to_several_invoices() -> None:
    r = run(tx("T1", "1734.50", "", "INV 42 / INV 43"))
    assert sorted(applied(r)) == [
        ("INV-0042", "PO-1001", "1234.50", "invoice", "reference+amount"),
        ("INV-0043", "PO-1002", "500.00", "invoice", "reference+amount"),
    ]


def test_partial_payment_then_the_rest() -> None:
    r = run(tx("T1", "600.00", "CORNER SHOP LLC", "INV-0042 part 1"))
    assert applied(r) == [("INV-0042", "PO-1001", "600.00", "invoice", "reference+partial")]
    ledger = apply_to_ledger(LEDGER, r.allocations, TODAY)
    r2 = run(tx("T2", "634.50", "CORNER SHOP LLC", "INV-0042 rest", date(2026, 4, 2)), ledger=ledger)
    assert applied(r2) == [("INV-0042", "PO-1001", "634.50", "invoice", "reference+amount")]


def test_partial_payment_needs_the_payer() -> None:
    r = run(tx("T1", "600.00", "SOMEONE ELSE", "INV-0042"))
    assert not r.allocations and top(r)[0] == "INV-0042"


def test_wire_fee_shortfall() -> None:
    r = run(tx("T1", "1975.00", "WIRE FROM ACME RETAIL", "INV 60"))
    assert applied(r) == [
        ("INV-0060", "4500012345", "1975.00", "invoice", "reference+fee"),
        ("INV-0060", "4500012345", "25.00", "fee", "reference+fee"),
    ]


def test_early_payment_discount_within_window() -> None:
    r = run(tx("T1", "960.40", "BLUE HERON BOUTIQUE", "INV-0050", date(2026, 3, 9)))
    assert applied(r) == [
        ("INV-0050", "PO-2001", "960.40", "invoice", "reference+discount"),
        ("INV-0050", "PO-2001", "19.60", "discount", "reference+discount"),
    ]


def test_discount_taken_late_is_not_applied() -> None:
    r = run(tx("T1", "960.40", "BLUE HERON BOUTIQUE", "INV-0050", date(2026, 3, 20)))
    assert not r.allocations
    assert "after the discount date" in r.suggestions[0].candidates[0].why


def test_overpayment_leaves_a_credit() -> None:
    r = run(tx("T1", "520.00", "Corner Shop LLC", "INV-0043"))
    assert applied(r) == [
        ("INV-0043", "PO-1002", "500.00", "invoice", "reference+overpayment"),
        ("", "PO-1002", "20.00", "credit", "reference+overpayment"),
    ]


# -- deposits ---------------------------------------------------------------------------------------


def test_deposit_against_po_reference() -> None:
    r = run(tx("T1", "300.00", "BLUE HERON BOUTIQUE", "deposit PO 3001"))
    assert applied(r) == [("", "PO-3001", "300.00", "deposit", "deposit:po-reference")]


def test_deposit_by_payer_and_expected_amount() -> None:
    r = run(tx("T1", "300.00", "BLUE HERON BOUTIQUE INC", "deposit"))
    assert applied(r) == [("", "PO-3001", "300.00", "deposit", "deposit:payer+amount")]


def test_deposit_goes_to_the_open_deposit_invoice() -> None:
    r = run(tx("T1", "450.00", "", "PO 3002 deposit", date(2026, 3, 19)))  # two days' grace
    assert applied(r) == [("INV-0090", "PO-3002", "450.00", "invoice", "reference+amount")]


def test_deposit_pct_falls_back_to_buyer_then_settings() -> None:
    buyers = (Buyer("B1", "Corner Shop LLC", deposit_pct=D("0.25")), Buyer("B2", "Blue Heron Boutique"))
    orders = (order("PO-1", "B1", status="approved"), order("PO-2", "B2", status="approved"))
    lines = (Line(po_number="PO-1", line_no=1, sku="A", qty=4, unit_price=D("100.00")), Line(
        po_number="PO-2", line_no=1, sku="A", qty=4, unit_price=D("100.00")))
    ledger = Ledger(buyers, orders, lines, (), settings=Settings(default_deposit_pct=D("0.4"), first_order_deposit_pct=None))
    r = run(tx("T1", "100.00", "CORNER SHOP", ""), tx("T2", "160.00", "BLUE HERON BOUTIQUE", ""), ledger=ledger)
    assert sorted(applied(r)) == [("", "PO-1", "100.00", "deposit", "deposit:payer+amount"),
                                  ("", "PO-2", "160.00", "deposit", "deposit:payer+amount")]


def test_first_order_deposit_is_the_ledgers_rule() -> None:
    """Default 0 % and First Order 50 %: the engine expects the deposit the ledger asks (one rule)."""
    buyers = (Buyer("B2", "Blue Heron Boutique"),)
    orders = (order("PO-2", "B2", status="approved"),)
    lines = (Line(po_number="PO-2", line_no=1, sku="A", qty=4, unit_price=D("100.00")),)
    ledger = Ledger(buyers, orders, lines, (), settings=Settings(default_deposit_pct=D(0), first_order_deposit_pct=D("0.5")))
    r = run(tx("T2", "200.00", "BLUE HERON BOUTIQUE", ""), ledger=ledger)
    assert applied(r) == [("", "PO-2", "200.00", "deposit", "deposit:payer+amount")]


# -- not buyer payments -----------------------------------------------------------------------------


def test_debits_fees_interest_transfers_are_ignored() -> None:
    r = run(
        tx("T1", "-1234.50", "CORNER SHOP LLC", "INV-0042"),
        tx("T2", "0.42", "", "INTEREST PAYMENT"),
        tx("T3", "25.00", "", "SERVICE FEE REVERSAL"),
        tx("T4", "500.00", "", "ONLINE TRANSFER FROM SAV ...4321"),
        tx("T5", "12.00", "", "", code="INT"),
        tx("T6", "845.12", "", "STRIPE TRANSFER ST-ABC123 PAYOUT"),
    )
    assert not r.allocations and not r.suggestions and not r.unmatched
    assert [u.transaction_id for u in r.ignored] == ["T1", "T2", "T3", "T4", "T5", "T6"]


def test_payout_matching_an_invoice_is_only_suggested() -> None:
    r = run(tx("T1", "1234.50", "", "PAYPAL TRANSFER PAYOUT INV-0042"))
    assert not r.allocations and top(r)[0] == "INV-0042"


# -- ambiguity and payers ---------------------------------------------------------------------------


def test_same_amount_for_two_buyers_is_never_applied() -> None:
    r = run(tx("T1", "150.00", "J DOE", "PAYMENT"))
    assert not r.allocations
    assert set(top(r)[:2]) == {"INV-0080", "INV-0081"}
    assert all(c.score < CFG.threshold for c in r.suggestions[0].candidates)


def test_same_amount_ranked_by_payer_resemblance() -> None:
    r = run(tx("T1", "150.00", "HARBOR GOODZ", ""))
    assert not r.allocations
    first = r.suggestions[0].candidates[0]
    assert first.invoice_number == "INV-0081"
    assert "amount matches INV-0081 exactly; payer 'HARBOR GOODZ' resembles buyer 'Harbor Goods Corp'" in first.why


@pytest.mark.parametrize(("printed", "expected"), [
    ("ORIG CO NAME:CORNER SHOP LL ORIG ID:123 DESC DATE:0304 IND ID:INV42 IND NAME:CORNER SHOP", "CORNER SHOP"),
    ("ACH CREDIT FROM CORNER SHOP LLC", "CORNER SHOP"),
    ("WIRE FROM CORNERSHOP REF 778", "CORNERSHOP"),
    ("ZELLE FROM J SMITH DBA CORNER SHOP ON 03/04", "CORNER SHOP"),
    ("Corner Shop, L.L.C.", "CORNER SHOP"),
])
def test_payer_descriptor_noise_removed(printed: str, expected: str) -> None:
    assert expected in payer_candidates("", printed)
    index = PayerIndex(BUYERS)
    assert index.match("", printed).identified() == "B1"


def test_truncated_payer_names_match() -> None:
    index = PayerIndex(BUYERS)
    assert index.match("BLUE HERON BOUTIQ").identified() == "B2"
    assert index.match("GREEN LEAF GARDEN L").identified() == "B5"
    assert index.match("GREEN GROCER").identified() is None


# -- date window, conflicting payer, people's allocations, learning -----------------------------------


def test_payment_before_invoice_date_or_after_window_is_not_applied() -> None:
    early = run(tx("T1", "1234.50", "CORNER SHOP LLC", "INV-0042", date(2026, 2, 20)))
    assert not early.allocations and top(early)[0] == "INV-0042"
    late = match_payments([tx("T2", "1234.50", "CORNER SHOP LLC", "INV-0042", date(2026, 9, 30))],
                          LEDGER, CFG, date(2026, 10, 1))
    assert not late.allocations
    assert "outside the payment window" in late.suggestions[0].candidates[0].why


def test_reference_with_another_buyers_payer_is_a_suggestion() -> None:
    r = run(tx("T1", "777.77", "BLUE HERON BOUTIQUE INC", "INV-0070"))
    assert not r.allocations and top(r)[0] == "INV-0070"
    assert "looks like another buyer" in r.suggestions[0].candidates[0].why


def test_peoples_allocations_are_kept_and_counted() -> None:
    manual = Allocation(
        transaction_id="T9", amount=D("100.00"), kind="invoice", invoice_number="INV-0044", po_number="PO-1003",
        method="manual")
    payment = Payment(
        transaction_id="T9", date=date(2026, 3, 10), amount=D("100.00"), currency="USD", payer="CSHOP PAYMENTS",
        memo="", source="bank.csv:9", status="applied")
    ledger = replace(LEDGER, allocations=(manual,), payments=(payment,))
    r = run(tx("T9", "100.00", "CSHOP PAYMENTS", "INV-0044"), tx("T10", "150.25", "", "INV-0044"), ledger=ledger)
    assert r.already == ("T9",)
    assert applied(r) == [("INV-0044", "PO-1003", "150.25", "invoice", "reference+amount")]
    assert all(a.transaction_id != "T9" for a in r.allocations)


def test_learned_aliases_and_their_use() -> None:
    manual = Allocation(
        transaction_id="T9", amount=D("100.00"), kind="invoice", invoice_number="INV-0044", po_number="PO-1003",
        method="confirmed")
    payment = Payment(
        transaction_id="T9", date=date(2026, 3, 10), amount=D("100.00"), currency="USD", payer="CSHOP PAYMENTS",
        memo="", source="bank.csv:9", status="applied")
    ledger = replace(LEDGER, allocations=(manual,), payments=(payment,))
    assert learned_aliases(ledger) == {"B1": ("CSHOP PAYMENTS",)}
    assert learned_aliases(LEDGER) == {}
    r = run(tx("T11", "500.00", "CSHOP PAYMENTS", ""), ledger=ledger)
    assert applied(r) == [("INV-0043", "PO-1002", "500.00", "invoice", "payer+amount")]


def test_accept_returns_confirmed_allocations_and_alias() -> None:
    t = tx("T1", "1225.00", "J SMITH", "thanks")
    allocs, alias = accept(t, "INV-0042", LEDGER, TODAY)
    assert [(a.invoice_number, str(a.amount), a.kind, a.method) for a in allocs] == [
        ("INV-0042", "1225.00", "invoice", "confirmed"), ("INV-0042", "9.50", "fee", "confirmed")]
    assert alias == ("B1", "J SMITH")
    _, known = accept(tx("T2", "500.00", "CORNER SHOP LLC", ""), "INV-0043", LEDGER, TODAY)
    assert known is None
    dep, _ = accept(tx("T3", "300.00", "BLUE HERON", ""), "PO-3001", LEDGER, TODAY)
    assert [(a.po_number, a.kind) for a in dep] == [("PO-3001", "deposit")]


# -- idempotence and output ---------------------------------------------------------------------------


def test_second_run_on_updated_ledger_adds_nothing() -> None:
    batch = [
        tx("T1", "1234.50", "CORNER SHOP LLC", "INV-0042"),
        tx("T2", "750.25", "CORNER SHOP", ""),
        tx("T3", "150.00", "J DOE", ""),
        tx("T4", "300.00", "BLUE HERON BOUTIQUE", "PO 3001"),
        tx("T5", "0.42", "", "INTEREST"),
    ]
    first = run(*batch)
    assert {a.transaction_id for a in first.allocations} == {"T1", "T2", "T4"}
    second = run(*batch, ledger=apply_to_ledger(LEDGER, first.allocations, TODAY))
    assert not second.allocations
    assert set(second.already) == {"T1", "T2", "T4"}
    assert [s.transaction_id for s in second.suggestions] == ["T3"]


def test_same_invoice_is_not_paid_twice_in_one_batch() -> None:
    r = run(tx("T1", "500.00", "CORNER SHOP LLC", "INV-0043"),
            tx("T2", "500.00", "CORNER SHOP LLC", "INV-0043", date(2026, 3, 26)))
    assert [a.transaction_id for a in r.allocations] == ["T1"]
    assert "INV-0043 is already paid" in (r.suggestions[0].candidates[0].why if r.suggestions else r.unmatched[0].reason)


def test_json_shape() -> None:
    r = run(tx("T1", "1234.50", "CORNER SHOP LLC", "INV-0042"), tx("T2", "150.00", "J DOE", ""),
            tx("T3", "3.33", "NOBODY", ""))
    out = to_json(r)
    assert list(out) == ["transactions", "allocations", "suggestions", "unmatched"]
    assert out["allocations"] == [{
        "transaction_id": "T1", "source": "bank.csv:T1", "invoice_number": "INV-0042", "po_number": "PO-1001",
        "amount": "1234.50", "kind": "invoice", "rule": "reference+amount", "confidence": 0.99}]
    cand = out["suggestions"][0]["candidates"][0]  # type: ignore[index]
    assert set(cand) == {"invoice_number", "po_number", "amount", "score", "why"}
    assert isinstance(cand["score"], float) and cand["amount"] == "150.00"
    assert out["unmatched"][0]["transaction_id"] == "T3"  # type: ignore[index]
    json.dumps(out)


def test_other_currency_is_never_applied() -> None:
    t = replace(tx("T1", "1234.50", "CORNER SHOP LLC", "INV-0042"), currency="EUR")
    r = run(t)
    assert not r.allocations
    assert "paid in EUR" in r.suggestions[0].candidates[0].why


def test_unmatched_says_why() -> None:
    r = run(tx("T1", "3.33", "NOBODY SPECIAL", "INV-0043 INV-99999"), tx("T0", "500.00", "CORNER SHOP LLC", "INV-0043"))
    reason = next(u.reason for u in r.unmatched if u.transaction_id == "T1")
    assert "payer 'NOBODY SPECIAL' is not a known buyer" in reason
    assert "reference 'INV 99999' is not in the workbook" in reason


def test_alias_from_a_bank_without_payer_column() -> None:
    memo = "ZELLE FROM MARY JONES ON 03/04 INV 42"
    _, alias = accept(tx("T1", "1234.50", memo, memo), "INV-0042", LEDGER, TODAY)
    assert alias == ("B1", "MARY JONES")
