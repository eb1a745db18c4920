"""The one pricing rule: a SKU's unit price at a quantity (volume tiers, else the list price), MOQ and case packs.

Validation, quotes, acknowledgements and the documents all ask here, so a price is never computed two ways.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from .records import PriceTier, Product


@dataclass(frozen=True)
class QtyCheck:
    """What MOQ and case pack say of an ordered quantity: the quantity to propose and why (empty: fine)."""

    proposed: int
    reasons: tuple[str, ...] = ()

    @property
    def changed(self) -> bool:
        """True when the quantity must change to meet MOQ or whole cases."""
        return bool(self.reasons)


class PriceList:
    """Products and their volume tiers, indexed once."""

    def __init__(self, products: Iterable[Product], tiers: Iterable[PriceTier]) -> None:
        self.products: dict[str, Product] = {p.sku: p for p in products}
        by_sku: dict[str, list[PriceTier]] = defaultdict(list)
        for t in tiers:
            by_sku[t.sku].append(t)
        for v in by_sku.values():
            v.sort(key=lambda t: t.min_qty)
        self.tiers: dict[str, list[PriceTier]] = dict(by_sku)

    def unit_price(self, sku: str, qty: int) -> Decimal | None:
        """The unit price the volume tiers (else the list price) give for a quantity; None for an unknown SKU."""
        best: Decimal | None = None
        for t in self.tiers.get(sku, ()):
            if qty >= t.min_qty:
                best = t.unit_price
        if best is None and sku in self.products:
            best = self.products[sku].unit_price
        return best

    def tier_table(self, sku: str) -> tuple[tuple[int, Decimal], ...]:
        """(from quantity, unit price) rows for a SKU: the list price from 1 (or the MOQ), then each tier."""
        p = self.products.get(sku)
        rows: list[tuple[int, Decimal]] = []
        if p is not None:
            start = p.moq or 1
            if not any(t.min_qty <= start for t in self.tiers.get(sku, ())):
                rows.append((start, p.unit_price))
        rows += [(t.min_qty, t.unit_price) for t in self.tiers.get(sku, ())]
        return tuple(rows)

    def check_qty(self, sku: str, qty: int) -> QtyCheck:
        """Raise to the MOQ, then round up to whole cases; never lower a quantity."""
        p = self.products.get(sku)
        if p is None:
            return QtyCheck(qty)
        reasons = []
        q = qty
        if p.moq and q < p.moq:
            q = p.moq
            reasons.append(f"raised to the MOQ of {p.moq}")
        if p.case_pack and q % p.case_pack:
            q += p.case_pack - q % p.case_pack
            reasons.append(f"rounded up to whole cases of {p.case_pack}")
        return QtyCheck(q, tuple(reasons))
