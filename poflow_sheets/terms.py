"""Payment terms: parsing `Net 30`, `Net 30 EOM`, `2/10 Net 30`, `Due on receipt`, `CIA`; due dates."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from .money import cents


class TermsError(ValueError):
    """Text that is not payment terms poflow knows."""


@dataclass(frozen=True, slots=True)
class Terms:
    """Parsed terms. `net_days` counts from the invoice date, or from the month's end when `eom`."""

    text: str
    net_days: int = 0
    eom: bool = False
    discount_pct: Decimal = Decimal(0)  # fraction: 0.02 for 2 %
    discount_days: int = 0
    in_advance: bool = False  # CIA: cash in advance

    @property
    def has_discount(self) -> bool:
        """True for early-payment discount terms such as 2/10 Net 30."""
        return self.discount_pct > 0


_NET = re.compile(r"^net\s*(\d{1,3})(\s*(?:eom|end of month))?$")
_DISC = re.compile(r"^(\d{1,2}(?:\.\d+)?)\s*%?\s*/\s*(\d{1,3})\s*,?\s*net\s*(\d{1,3})(\s*(?:eom|end of month))?$")
_RECEIPT = {"due on receipt", "on receipt", "receipt", "due upon receipt", "upon receipt", "cod", "net 0"}


def parse_terms(text: str) -> Terms:
    """Parse terms as people write them; raises TermsError with the accepted forms."""
    t = re.sub(r"\s+", " ", text.strip().lower())
    if t in _RECEIPT:
        return Terms(text.strip(), 0)
    if t in {"cia", "cash in advance", "prepaid", "prepay"}:
        return Terms(text.strip(), 0, in_advance=True)
    m = _NET.match(t)
    if m:
        return Terms(text.strip(), int(m.group(1)), eom=bool(m.group(2)))
    m = _DISC.match(t)
    if m:
        pct, ddays, net = Decimal(m.group(1)) / 100, int(m.group(2)), int(m.group(3))
        if ddays > net:
            raise TermsError(f"{text!r}: the discount days ({ddays}) are after the net days ({net})")
        return Terms(text.strip(), net, eom=bool(m.group(4)), discount_pct=pct, discount_days=ddays)
    raise TermsError(
        f"{text!r} is not payment terms; expected Net 30, Net 30 EOM, 2/10 Net 30, Due on receipt or CIA"
    )


def _start(invoice_date: date, terms: Terms) -> date:
    if not terms.eom:
        return invoice_date
    last = calendar.monthrange(invoice_date.year, invoice_date.month)[1]
    return invoice_date.replace(day=last)


def due_date(invoice_date: date, terms: Terms) -> date:
    """The calendar date the invoice is due: net days after the invoice date (or its month's end)."""
    return _start(invoice_date, terms) + timedelta(days=terms.net_days)


def discount_date(invoice_date: date, terms: Terms) -> date | None:
    """The last day the early-payment discount may be taken, or None without a discount."""
    if not terms.has_discount:
        return None
    return _start(invoice_date, terms) + timedelta(days=terms.discount_days)


def discount_amount(total: Decimal, terms: Terms) -> Decimal:
    """The discount on `total` when paid early, in cents."""
    return cents(total * terms.discount_pct) if terms.has_discount else Decimal("0.00")


def long_date(d: date) -> str:
    """A calendar date spelled out: `26 December 2026`."""
    return f"{d.day} {calendar.month_name[d.month]} {d.year}"
