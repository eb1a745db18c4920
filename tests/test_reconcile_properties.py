"""Properties of reference extraction, payer names and matching, over generated inputs."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from poflow_sheets.reconcile import Ledger, MatchConfig, PayerIndex, RefIndex, match_payments, normalize_name
from poflow_sheets.records import Buyer, Invoice, Order, Transaction

NUMBERS = st.integers(min_value=1, max_value=99999)
INVOICE_WORDS = st.sampled_from(["INV", "inv", "Invoice", "INVOICE", "Inv"])
SEPARATORS = st.sampled_from(["", " ", "-", "#", " #", ": ", " no. ", "-0", "00"])


@given(NUMBERS, INVOICE_WORDS, SEPARATORS, st.text(alphabet="abc XYZ", max_size=12))
def test_invoice_number_found_however_typed(n: int, word: str, sep: str, noise: str) -> None:
    number = f"INV-{n:05d}"
    ix = RefIndex([number, f"INV-{n + 1:05d}"], ["PO-1"])
    refs = ix.extract(f"{noise} {word}{sep}{n} {noise}")
    assert refs.invoices == {number: "strong"}


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2030, 12, 31)),
       st.decimals(min_value=Decimal("0.01"), max_value=Decimal("999999.99"), places=2))
def test_dates_and_amounts_are_not_references(when: date, amount: Decimal) -> None:
    numbers = [f"INV-{k}" for k in range(1, 3000)]
    ix = RefIndex(numbers, [str(k) for k in range(1, 100)])
    memo = f"PAID {when:%m/%d/%Y} {when.isoformat()} AMT {amount:,.2f}"
    assert not ix.extract(memo)


@given(st.sampled_from(["LLC", "Inc", "Inc.", "Ltd", "GmbH", "Co", "Corp", "L.L.C.", "Company", ""]),
       st.sampled_from(["", "The "]))
def test_legal_suffixes_do_not_matter(suffix: str, the: str) -> None:
    assert normalize_name(f"{the}Corner Shop {suffix}") == "CORNER SHOP"


def test_payer_index_never_identifies_near_twins_by_name_alone() -> None:
    index = PayerIndex([Buyer("B1", "Corner Shop LLC"), Buyer("B2", "Corner Shops Inc")])
    assert index.match("CORNER SHOP").best is not None
    assert index.match("CORNER SHOP").identified() is None  # 100 vs 96: too close to call


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(st.integers(1, 3), st.integers(100, 100000)), min_size=1, max_size=12))
def test_unknown_payers_without_reference_are_never_applied(pays: list[tuple[int, int]]) -> None:
    buyers = tuple(Buyer(f"B{i}", f"Shop Number {'ABC'[i - 1]} LLC") for i in (1, 2, 3))
    orders = tuple(Order(f"PO-{i}", f"B{i}", date(2026, 1, 1), "invoiced") for i in (1, 2, 3))
    invoices = tuple(Invoice(
        invoice_number=f"INV-{i}", kind="final", po_number=f"PO-{i}", invoice_date=date(2026, 1, 2), due_date=None,
        total=Decimal(i * 100), status="open")
                     for i in (1, 2, 3))
    ledger = Ledger(buyers, orders, (), invoices)
    txs = [Transaction(
        transaction_id=f"T{k}", date=date(2026, 1, 20), amount=Decimal(i * 100) if c % 2 else Decimal(c) / 100,
        currency="USD", payer="SOMEONE UNKNOWN", memo="thanks", source=f"x:{k}") for k, (i, c) in enumerate(pays)]
    result = match_payments(txs, ledger, MatchConfig(), date(2026, 2, 1))
    assert not result.allocations
    assert len(result.suggestions) + len(result.unmatched) == len(txs)
