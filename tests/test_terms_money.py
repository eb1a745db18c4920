"""Payment terms at month ends and 29 February; exact money parsing."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from poflow_sheets.money import AmountError, format_money, parse_amount
from poflow_sheets.terms import TermsError, discount_amount, discount_date, due_date, long_date, parse_terms


@pytest.mark.parametrize("terms,invoiced,due", [
    ("Net 30", date(2026, 1, 31), date(2026, 3, 2)),
    ("Net 30", date(2028, 1, 31), date(2028, 3, 1)),       # leap year: February has 29 days
    ("Net 30", date(2028, 2, 29), date(2028, 3, 30)),
    ("Net 15", date(2026, 12, 20), date(2027, 1, 4)),      # across the year end
    ("Net 30 EOM", date(2026, 1, 5), date(2026, 3, 2)),    # from 31 January
    ("Net 30 EOM", date(2028, 2, 10), date(2028, 3, 30)),  # from 29 February 2028
    ("Net 30 EOM", date(2026, 2, 28), date(2026, 3, 30)),  # from 28 February 2026
    ("Due on receipt", date(2026, 5, 31), date(2026, 5, 31)),
    ("CIA", date(2026, 5, 31), date(2026, 5, 31)),
    ("2/10 Net 30", date(2028, 2, 29), date(2028, 3, 30)),
])
def test_due_dates(terms: str, invoiced: date, due: date) -> None:
    assert due_date(invoiced, parse_terms(terms)) == due


def test_early_payment_discount_dates_and_amounts() -> None:
    t = parse_terms("2/10 Net 30")
    assert discount_date(date(2028, 2, 25), t) == date(2028, 3, 6)
    assert discount_amount(Decimal("845.20"), t) == Decimal("16.90")
    assert discount_date(date(2026, 1, 1), parse_terms("Net 30")) is None


def test_long_date() -> None:
    assert long_date(date(2026, 12, 26)) == "26 December 2026"


@pytest.mark.parametrize("bad", ["Net thirty", "30 days", "5/40 Net 30", ""])
def test_unknown_terms_are_refused(bad: str) -> None:
    with pytest.raises(TermsError):
        parse_terms(bad)


@pytest.mark.parametrize("text,value", [
    ("$1,234.50", "1234.50"), ("(12.00)", "-12.00"), ("12.00-", "-12.00"), ("1.234,50", "1234.50"),
    ("-$7,971.39", "-7971.39"), ("-200,00", "-200.00"), ("1 234,56 €", "1234.56"), ("USD 5", "5.00"),
])
def test_parse_amount_forms(text: str, value: str) -> None:
    assert parse_amount(text) == Decimal(value)


@pytest.mark.parametrize("bad", ["1.234.5", "abc", "", "1,23,4", "12..0"])
def test_parse_amount_refuses(bad: str) -> None:
    with pytest.raises(AmountError):
        parse_amount(bad)


@given(st.decimals(min_value=Decimal("-99999999.99"), max_value=Decimal("99999999.99"), places=2))
def test_formatted_amounts_parse_back_exactly(value: Decimal) -> None:
    assert parse_amount(format_money(value)) == value
    assert parse_amount(f"{value:.2f}") == value
