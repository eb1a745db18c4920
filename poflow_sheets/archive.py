"""What `poflow archive` moves out of a book: pure selection, records in, Excel rows per tab out.

An order moves when it is finished (closed or cancelled) and everything about it is older than the cut-off
date: its own date, its shipments, its invoices and the payments applied to them. With it go its lines,
shipments, claims, invoices (credit notes too), the allocations to any of them and the payments whose every
allocation moves (a payment that also paid something that stays, stays, and so does the order it paid:
balances are sums over allocations, so an allocation never lives apart from its invoice). Log rows move
when they were written before the cut-off. Nothing here reads a file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from .reader import Book

FINISHED = ("closed", "cancelled")
MOVED_TABS = ("Orders", "Lines", "Shipments", "Claims", "Invoices", "Payments", "Allocations")


@dataclass(frozen=True)
class Selection:
    """The Excel rows to move, per tab (the Log's among them), and the orders they belong to."""

    rows: dict[str, tuple[int, ...]] = field(default_factory=dict)
    orders: tuple[str, ...] = ()

    def count(self) -> int:
        """How many rows move."""
        return sum(len(r) for r in self.rows.values())


def default_cutoff(book: Book, today: date) -> date:
    """Settings `Archive After Months` (default 18) months before today."""
    raw = book.settings.extra.get("Archive After Months", "") or "18"
    try:
        months = int(float(raw))
    except ValueError:
        months = 18
    y, m = divmod(today.year * 12 + today.month - 1 - months, 12)
    return date(y, m + 1, min(today.day, 28))


def select(book: Book, before: date, log_when: Sequence[tuple[int, str]] = ()) -> Selection:
    """The rows older than `before` that move to the archive; `log_when` is (Excel row, When text) of the Log."""
    def old(d: date | None) -> bool:
        return d is None or d < before

    invoices_of: dict[str, list[str]] = {}
    for inv in book.invoices:
        invoices_of.setdefault(inv.po_number, []).append(inv.invoice_number)
    po_of_invoice = {inv.invoice_number: inv.po_number for inv in book.invoices}
    candidates = {o.po_number for o in book.orders if o.status in FINISHED and old(o.po_date)}
    candidates -= {s.po_number for s in book.shipments if not old(s.ship_date)}
    candidates -= {i.po_number for i in book.invoices if not old(i.invoice_date)}
    pay_date = {p.transaction_id: p.date for p in book.payments}
    allocs_of: dict[str, list[str]] = {}  # transaction -> POs it touches
    for a in book.allocations:
        po = a.po_number or po_of_invoice.get(a.invoice_number, "")
        allocs_of.setdefault(a.transaction_id, []).append(po)
    changed = True
    while changed:  # a payment that touches a staying order keeps all the orders it touches
        changed = False
        for txn, pos in allocs_of.items():
            if any(p in candidates for p in pos) and (
                    not all(p in candidates for p in pos) or not old(pay_date.get(txn))):
                before_n = len(candidates)
                candidates -= set(pos)
                changed |= len(candidates) != before_n
    moved_invoices = {n for po in candidates for n in invoices_of.get(po, ())}
    moved_txns = {t for t, pos in allocs_of.items() if pos and all(p in candidates for p in pos)}
    rows: dict[str, tuple[int, ...]] = {
        "Orders": tuple(o.row for o in book.orders if o.po_number in candidates),
        "Lines": tuple(x.row for x in book.lines if x.po_number in candidates),
        "Shipments": tuple(x.row for x in book.shipments if x.po_number in candidates),
        "Claims": tuple(x.row for x in book.claims if x.po_number in candidates),
        "Invoices": tuple(x.row for x in book.invoices if x.invoice_number in moved_invoices),
        "Payments": tuple(x.row for x in book.payments if x.transaction_id in moved_txns),
        "Allocations": tuple(x.row for x in book.allocations if x.transaction_id in moved_txns),
    }
    cut = before.isoformat()
    rows["Log"] = tuple(r for r, when in log_when if when and when[:10] < cut)
    return Selection({t: r for t, r in rows.items() if r}, tuple(sorted(candidates)))


def select_back(arch: Book, orders: set[str] | None, log_when: Sequence[tuple[int, str]] = ()) -> Selection:
    """The rows of an archive that go back to the book: the named orders (None: all of them, with every
    row of `log_when`), with their lines, shipments, claims and invoices, the allocations to those and the
    payments of those allocations; and every order such a payment also paid (an allocation never lives
    apart from its invoice, nor a payment apart from its allocations)."""
    po_of_invoice = {inv.invoice_number: inv.po_number for inv in arch.invoices}
    pos_of_txn: dict[str, set[str]] = {}
    txns_of_po: dict[str, set[str]] = {}
    for a in arch.allocations:
        po = a.po_number or po_of_invoice.get(a.invoice_number, "")
        pos_of_txn.setdefault(a.transaction_id, set()).add(po)
        txns_of_po.setdefault(po, set()).add(a.transaction_id)
    have = {o.po_number for o in arch.orders}
    chosen = set(have) if orders is None else orders & have
    todo = list(chosen)
    while todo:
        po = todo.pop()
        for txn in txns_of_po.get(po, ()):
            for other in pos_of_txn.get(txn, ()):
                if other in have and other not in chosen:
                    chosen.add(other)
                    todo.append(other)
    invoices = {inv.invoice_number for inv in arch.invoices if inv.po_number in chosen}
    txns = {t for t, pos in pos_of_txn.items() if pos & chosen}
    everything = orders is None
    rows: dict[str, tuple[int, ...]] = {
        "Orders": tuple(o.row for o in arch.orders if o.po_number in chosen),
        "Lines": tuple(x.row for x in arch.lines if x.po_number in chosen),
        "Shipments": tuple(x.row for x in arch.shipments if x.po_number in chosen),
        "Claims": tuple(x.row for x in arch.claims if x.po_number in chosen),
        "Invoices": tuple(x.row for x in arch.invoices if x.invoice_number in invoices or everything),
        "Payments": tuple(x.row for x in arch.payments if x.transaction_id in txns or everything),
        "Allocations": tuple(x.row for x in arch.allocations if x.transaction_id in txns or everything),
        "Log": tuple(r for r, _ in log_when) if everything else (),
    }
    return Selection({t: r for t, r in rows.items() if r}, tuple(sorted(chosen)))


__all__ = ["FINISHED", "MOVED_TABS", "Selection", "default_cutoff", "select", "select_back"]
