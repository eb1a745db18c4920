"""Reconciliation reports: the xlsx report, the email summary, aging of open invoices, the exit status.

The figures are computed in Decimal by pure functions (`aging_buckets`, `open_items`, `overdue_by_buyer`,
`summary_figures`); only `write_report` touches the disk, and it converts money to float at the xlsxwriter
edge, where a number cell needs one. Text from outside (bank memos, payer names, ids, buyer names) is
always written with `write_string`, so a memo such as `=HYPERLINK(...)` stays text and never runs.
"""

from __future__ import annotations

import html
import os
import re
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import xlsxwriter

from .ledger import AGING_BUCKETS, FROM_PAYMENT_KINDS, Facts, aging_bucket
from .money import ZERO, format_money
from .reconcile.engine import Ledger, MatchResult, ProposedAllocation
from .records import Allocation, Invoice, Transaction
from .terms import TermsError, due_date, parse_terms

BUCKETS = AGING_BUCKETS
SHEETS: tuple[str, ...] = (
    "Summary", "Applied", "Suggestions", "Unmatched", "Ignored", "Open Invoices", "Overdue by Buyer",
)
MONEY_FORMAT = "#,##0.00"
DATE_FORMAT = "yyyy-mm-dd"
TOP_BUYERS = 5


# --------------------------------------------------------------------------------------------------
# Aging (pure)



def due_on(invoice: Invoice, terms: str = "") -> date | None:
    """The invoice's due date: its Due Date cell, else its date plus its terms (or `terms`), else its date."""
    if invoice.due_date is not None:
        return invoice.due_date
    if invoice.invoice_date is None:
        return None
    text = invoice.terms or terms
    if text.strip():
        try:
            return due_date(invoice.invoice_date, parse_terms(text))
        except TermsError:
            pass
    return invoice.invoice_date


def _is_open(invoice: Invoice) -> bool:
    return invoice.kind != "credit" and invoice.status != "void"


def aging_buckets(invoices: Iterable[Invoice], paid: Mapping[str, Decimal], today: date, *,
                  terms: Mapping[str, str] | None = None) -> dict[str, Decimal]:
    """Open balances (total less paid) by days past due: current, 1-30, 31-60, 61-90, 90+.

    Void invoices, credit notes and invoices with nothing left to pay are left out. `terms` gives the
    governing terms per invoice number, used when an invoice has neither a due date nor terms of its own.
    """
    out = {b: ZERO for b in BUCKETS}
    terms = terms or {}
    for inv in invoices:
        if not _is_open(inv):
            continue
        balance = inv.total - paid.get(inv.invoice_number, ZERO)
        if balance <= 0:
            continue
        due = due_on(inv, terms.get(inv.invoice_number, ""))
        out[aging_bucket((today - due).days if due else 0)] += balance
    return out


@dataclass(frozen=True, slots=True)
class OpenItem:
    """One invoice with money still owed, as the Open Invoices sheet shows it."""

    invoice_number: str
    kind: str
    po_number: str
    buyer_id: str
    buyer_name: str
    invoice_date: date | None
    due_date: date | None
    days_past_due: int
    total: Decimal
    paid: Decimal
    balance: Decimal

    @property
    def bucket(self) -> str:
        """Its aging bucket."""
        return aging_bucket(self.days_past_due)


@dataclass(frozen=True, slots=True)
class BuyerOverdue:
    """One buyer's open and overdue balances, for the Overdue by Buyer sheet and the email."""

    buyer_id: str
    name: str
    invoices: int
    open_balance: Decimal
    overdue: Decimal
    buckets: tuple[Decimal, ...]  # in BUCKETS order
    oldest_days: int


def new_allocations(result: MatchResult, ledger: Ledger) -> tuple[ProposedAllocation, ...]:
    """The result's allocations not in the ledger yet (the ledger may be read before or after `--apply`)."""
    done = {a.transaction_id for a in ledger.allocations}
    return tuple(a for a in result.allocations if a.transaction_id not in done)


def facts_after(ledger: Ledger, allocations: Iterable[ProposedAllocation] = ()) -> Facts:
    """The ledger's facts with these allocations applied."""
    extra: tuple[Allocation, ...] = tuple(a.to_allocation() for a in allocations)
    return Facts(ledger.settings, ledger.buyers, ledger.orders, ledger.lines, (), ledger.invoices,
                 ledger.allocations + extra)


def open_items(facts: Facts, today: date) -> tuple[OpenItem, ...]:
    """Every invoice with money owed, oldest due first (void, credit notes and settled ones left out)."""
    out: list[OpenItem] = []
    for inv in facts.invoices:
        if not _is_open(inv):
            continue
        paid = facts.paid.get(inv.invoice_number, ZERO)
        balance = inv.total - paid
        if balance <= 0:
            continue
        order = facts.order.get(inv.po_number)
        buyer_id = order.buyer_id if order else ""
        buyer = facts.buyer.get(buyer_id)
        due = due_on(inv, facts.terms_text(order))
        days = (today - due).days if due else 0
        out.append(OpenItem(inv.invoice_number, inv.kind, inv.po_number, buyer_id, buyer.name if buyer else "",
                            inv.invoice_date, due, days, inv.total, paid, balance))
    out.sort(key=lambda i: (-i.days_past_due, i.invoice_number))
    return tuple(out)


def overdue_by_buyer(items: Iterable[OpenItem]) -> tuple[BuyerOverdue, ...]:
    """Open and overdue balances per buyer, most overdue first (buyers with nothing overdue last)."""
    groups: dict[str, list[OpenItem]] = {}
    for item in items:
        groups.setdefault(item.buyer_id, []).append(item)
    rows: list[BuyerOverdue] = []
    for buyer_id, its in groups.items():
        buckets = {b: ZERO for b in BUCKETS}
        for i in its:
            buckets[i.bucket] += i.balance
        open_balance = sum((i.balance for i in its), ZERO)
        rows.append(BuyerOverdue(buyer_id, its[0].buyer_name, len(its), open_balance,
                                 open_balance - buckets["Current"], tuple(buckets[b] for b in BUCKETS),
                                 max(max(i.days_past_due for i in its), 0)))
    rows.sort(key=lambda r: (-r.overdue, -r.oldest_days, r.buyer_id))
    return tuple(rows)


# --------------------------------------------------------------------------------------------------
# Summary figures (pure)


@dataclass(frozen=True, slots=True)
class Figure:
    """One Summary line: how many transactions and how much money."""

    label: str
    count: int
    amount: Decimal


@dataclass(frozen=True, slots=True)
class Summary:
    """What the run did, in figures; `currency` is the Settings currency."""

    currency: str
    cash_received: Figure
    applied: Figure
    needs_review: Figure
    unmatched: Figure
    ignored: Figure
    credits: Figure
    already: Figure
    aging: dict[str, Decimal]
    buyers: tuple[BuyerOverdue, ...]
    items: tuple[OpenItem, ...]

    @property
    def figures(self) -> tuple[Figure, ...]:
        """The Summary lines in the order they are shown."""
        return (self.cash_received, self.applied, self.needs_review, self.unmatched, self.ignored,
                self.credits, self.already)


def _by_id(result: MatchResult, transactions: Sequence[Transaction]) -> dict[str, Transaction]:
    out: dict[str, Transaction] = {}
    for t in (*transactions, *result.transactions):
        out.setdefault(t.transaction_id, t)
    return out


def _sum_of(ids: Iterable[str], txs: Mapping[str, Transaction]) -> tuple[int, Decimal]:
    unique = list(dict.fromkeys(ids))
    return len(unique), sum((txs[i].amount for i in unique if i in txs), ZERO)


def summary_figures(result: MatchResult, transactions: Sequence[Transaction], ledger: Ledger, today: date) -> Summary:
    """Counts and Decimal sums of the run, with the aging of what is still open after it."""
    txs = _by_id(result, transactions)
    unique = list({t.transaction_id: t for t in (transactions or result.transactions)}.values())
    received = [t for t in unique if t.amount > 0]
    applied_ids = list(dict.fromkeys(a.transaction_id for a in result.allocations))
    applied_amount = sum((a.amount for a in result.allocations if a.kind in FROM_PAYMENT_KINDS), ZERO)
    credits = [a for a in result.allocations if a.kind == "credit"]
    facts = facts_after(ledger, new_allocations(result, ledger))
    items = open_items(facts, today)
    aging = {b: ZERO for b in BUCKETS}
    for i in items:
        aging[i.bucket] += i.balance
    return Summary(
        currency=ledger.settings.currency,
        cash_received=Figure("Cash received", len(received), sum((t.amount for t in received), ZERO)),
        applied=Figure("Applied automatically", len(applied_ids), applied_amount),
        needs_review=Figure("Needs review (suggestions)", *_sum_of((s.transaction_id for s in result.suggestions), txs)),
        unmatched=Figure("Unmatched", *_sum_of((u.transaction_id for u in result.unmatched), txs)),
        ignored=Figure("Ignored", *_sum_of((u.transaction_id for u in result.ignored), txs)),
        credits=Figure("Credits on account", len(credits), sum((a.amount for a in credits), ZERO)),
        already=Figure("Already reconciled", *_sum_of(result.already, txs)),
        aging=aging,
        buyers=overdue_by_buyer(items),
        items=items,
    )


# --------------------------------------------------------------------------------------------------
# The xlsx report


class _Sheet:
    """A worksheet written row by row: text always as strings, money as numbers, dates as dates."""

    def __init__(self, wb: Any, name: str, formats: dict[str, Any], headers: Sequence[str],
                 widths: Sequence[int]):
        self.ws = wb.add_worksheet(name)
        self.f = formats
        self.row = 0
        for col, (h, w) in enumerate(zip(headers, widths, strict=True)):
            # long text (memo, reason, why) wraps in its column instead of spilling over the page
            self.ws.set_column(col, col, w, formats["wrap"] if w >= 40 else None)
            self.ws.write_string(0, col, h, formats["header"])
        self.ws.freeze_panes(1, 0)
        self.ws.set_landscape()
        self.ws.fit_to_pages(1, 0)  # printed: as wide as one page, as many pages long as needed
        self.ws.repeat_rows(0)
        self.ncols = len(headers)
        self.wrap = {col for col, w in enumerate(widths) if w >= 40}

    def add(self, *values: object) -> None:
        self.row += 1
        for col, v in enumerate(values):
            self.cell(self.row, col, v)

    def cell(self, row: int, col: int, v: object) -> None:
        ws, f = self.ws, self.f
        if v is None:
            ws.write_blank(row, col, None)
        elif isinstance(v, Decimal):
            ws.write_number(row, col, float(v), f["money"])
        elif isinstance(v, bool):
            ws.write_string(row, col, "yes" if v else "no")
        elif isinstance(v, int):
            ws.write_number(row, col, v)
        elif isinstance(v, _Score):
            ws.write_number(row, col, float(v.value), f["score"])
        elif isinstance(v, date):
            ws.write_datetime(row, col, datetime(v.year, v.month, v.day), f["date"])
        else:
            ws.write_string(row, col, str(v), f["wrap"] if col in self.wrap else None)

    def finish(self) -> None:
        if self.row:
            self.ws.autofilter(0, 0, self.row, self.ncols - 1)


@dataclass(frozen=True, slots=True)
class _Score:
    value: Decimal


def write_report(path: Path, result: MatchResult, transactions: Sequence[Transaction], ledger: Ledger,
                 today: date) -> Path:
    """Write the reconciliation report workbook to `path` (atomically: a temp file, then os.replace)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".~{path.stem}-", suffix=".xlsx.tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        _write(tmp, result, transactions, ledger, today)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return path


def _write(path: Path, result: MatchResult, transactions: Sequence[Transaction], ledger: Ledger, today: date) -> None:
    s = summary_figures(result, transactions, ledger, today)
    txs = _by_id(result, transactions)
    wb = xlsxwriter.Workbook(str(path), {
        "strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False,
        "default_date_format": DATE_FORMAT,
    })
    wb.set_properties({"title": f"poflow reconciliation {today.isoformat()}", "author": "poflow",
                       "created": datetime(today.year, today.month, today.day)})
    formats = {
        "header": wb.add_format({"bold": True, "bg_color": "#DDE4EE", "border": 1}),
        "money": wb.add_format({"num_format": MONEY_FORMAT}),
        "score": wb.add_format({"num_format": "0.00"}),
        "date": wb.add_format({"num_format": DATE_FORMAT}),
        "title": wb.add_format({"bold": True, "font_size": 14}),
        "bold": wb.add_format({"bold": True}),
        "wrap": wb.add_format({"text_wrap": True, "valign": "top"}),
        "bold_money": wb.add_format({"bold": True, "num_format": MONEY_FORMAT}),
    }
    _summary_sheet(wb, formats, s, today)

    def tx_cols(tid: str) -> tuple[object, ...]:
        t = txs.get(tid)
        return (t.date, t.amount, t.payer, t.memo) if t else (None, None, "", "")

    applied = _Sheet(wb, "Applied", formats,
                     ("Transaction ID", "Source", "Date", "Transaction Amount", "Payer", "Memo", "Invoice Number",
                      "PO Number", "Amount", "Kind", "Rule", "Confidence"),
                     (22, 22, 11, 14, 26, 40, 14, 14, 12, 10, 24, 11))
    for a in result.allocations:
        applied.add(a.transaction_id, a.source, *tx_cols(a.transaction_id), a.invoice_number, a.po_number,
                    a.amount, a.kind, a.rule, _Score(a.confidence))
    applied.finish()

    sugg = _Sheet(wb, "Suggestions", formats,
                  ("Transaction ID", "Source", "Date", "Transaction Amount", "Payer", "Memo", "Rank", "Invoice Number",
                   "PO Number", "Candidate Amount", "Score", "Why"),
                  (22, 22, 11, 14, 26, 40, 6, 14, 14, 14, 8, 80))
    for sg in result.suggestions:
        for rank, c in enumerate(sg.candidates, 1):
            sugg.add(sg.transaction_id, sg.source, *tx_cols(sg.transaction_id), rank, c.invoice_number,
                     c.po_number, c.amount, _Score(c.score), c.why)
    sugg.finish()

    for name, rows in (("Unmatched", result.unmatched), ("Ignored", result.ignored)):
        sheet = _Sheet(wb, name, formats, ("Transaction ID", "Source", "Date", "Amount", "Payer", "Memo", "Reason"),
                       (22, 22, 11, 14, 26, 40, 80))
        for u in rows:
            sheet.add(u.transaction_id, u.source, *tx_cols(u.transaction_id), u.reason)
        sheet.finish()

    open_sheet = _Sheet(wb, "Open Invoices", formats,
                        ("Invoice Number", "Kind", "PO Number", "Buyer ID", "Buyer", "Invoice Date", "Due Date",
                         "Days Past Due", "Total", "Paid", "Balance", *(_bucket_header(b) for b in BUCKETS)),
                        (14, 9, 14, 10, 28, 11, 11, 8, 12, 12, 12, 12, 12, 12, 12, 12))
    for i in s.items:
        open_sheet.add(i.invoice_number, i.kind, i.po_number, i.buyer_id, i.buyer_name, i.invoice_date, i.due_date,
                       i.days_past_due, i.total, i.paid, i.balance,
                       *(i.balance if b == i.bucket else None for b in BUCKETS))
    _total_row(open_sheet, 8, _sums((i.total, i.paid, i.balance, *(i.balance if b == i.bucket else ZERO for b in BUCKETS))
                                    for i in s.items))
    open_sheet.finish()

    by_buyer = _Sheet(wb, "Overdue by Buyer", formats,
                      ("Buyer ID", "Buyer", "Open Invoices", "Open Balance", "Overdue",
                       *(_bucket_header(b) for b in BUCKETS), "Oldest Days Past Due"),
                      (10, 28, 8, 13, 13, 12, 12, 12, 12, 12, 10))
    for r in s.buyers:
        by_buyer.add(r.buyer_id, r.name, r.invoices, r.open_balance, r.overdue, *r.buckets, r.oldest_days)
    _total_row(by_buyer, 3, _sums((r.open_balance, r.overdue, *r.buckets) for r in s.buyers))
    by_buyer.finish()
    wb.close()


def _bucket_header(bucket: str) -> str:
    return "Current" if bucket == "Current" else f"{bucket} Days"


def _total_row(sheet: _Sheet, first: int, totals: Sequence[Decimal]) -> None:
    """A bold Total row under the money columns from `first` on (sums computed in Decimal, written as numbers)."""
    if not sheet.row:
        return
    row = sheet.row + 2
    sheet.ws.write_string(row, 0, "Total", sheet.f["bold"])
    for col, value in enumerate(totals, first):
        sheet.ws.write_number(row, col, float(value), sheet.f["bold_money"])


def _sums(rows: Iterable[Sequence[Decimal]]) -> list[Decimal]:
    out: list[Decimal] = []
    for r in rows:
        out = [a + b for a, b in zip(out, r, strict=True)] if out else list(r)
    return out


def _summary_sheet(wb: Any, f: dict[str, Any], s: Summary, today: date) -> None:
    ws = wb.add_worksheet("Summary")
    ws.set_landscape()
    ws.fit_to_pages(1, 1)
    ws.set_column(0, 0, 30)
    ws.set_column(1, 1, 14)
    ws.set_column(2, 2, 16)
    ws.write_string(0, 0, "poflow reconciliation", f["title"])
    ws.write_string(1, 0, "Date")
    ws.write_datetime(1, 1, datetime(today.year, today.month, today.day), f["date"])
    ws.write_string(2, 0, "Currency")
    ws.write_string(2, 1, s.currency)
    row = 4
    for col, h in enumerate(("", "Transactions", "Amount")):
        ws.write_string(row, col, h, f["header"])
    for fig in s.figures:
        row += 1
        ws.write_string(row, 0, fig.label)
        ws.write_number(row, 1, fig.count)
        ws.write_number(row, 2, float(fig.amount), f["money"])
    row += 2
    aging_top = row
    ws.write_string(row, 0, "Aging of open invoices", f["header"])
    ws.write_string(row, 1, "Invoices", f["header"])
    ws.write_string(row, 2, "Balance", f["header"])
    counts = {b: 0 for b in BUCKETS}
    for i in s.items:
        counts[i.bucket] += 1
    for b in BUCKETS:
        row += 1
        ws.write_string(row, 0, _bucket_header(b))
        ws.write_number(row, 1, counts[b])
        ws.write_number(row, 2, float(s.aging[b]), f["money"])
    row += 1
    ws.write_string(row, 0, "Total open", f["bold"])
    ws.write_number(row, 1, len(s.items), f["bold"])
    ws.write_number(row, 2, float(sum(s.aging.values(), ZERO)), f["bold_money"])

    chart = wb.add_chart({"type": "column"})
    chart.add_series({
        "name": "Open balance",
        "categories": ["Summary", aging_top + 1, 0, aging_top + len(BUCKETS), 0],
        "values": ["Summary", aging_top + 1, 2, aging_top + len(BUCKETS), 2],
        "data_labels": {"value": True, "num_format": MONEY_FORMAT},
    })
    chart.set_title({"name": "Open invoices by days past due"})
    chart.set_y_axis({"num_format": MONEY_FORMAT})
    chart.set_legend({"none": True})
    ws.insert_chart(4, 4, chart, {"x_scale": 1.3, "y_scale": 1.2})
    ws.activate()


# --------------------------------------------------------------------------------------------------
# The email summary

_SPACE = re.compile(r"\s+")


def _line(text: str, limit: int = 160) -> str:
    """Outside text on one line (a memo's line breaks must not forge lines in the email), shortened."""
    t = _SPACE.sub(" ", "".join(ch if ch.isprintable() else " " for ch in text)).strip()
    return t if len(t) <= limit else t[: limit - 1] + "…"


@dataclass(frozen=True, slots=True)
class _Review:
    transaction_id: str
    when: str
    amount: Decimal | None
    payer: str
    what: str  # "suggested" or "unmatched"
    detail: str


def _reviews(result: MatchResult, transactions: Sequence[Transaction]) -> list[_Review]:
    txs = _by_id(result, transactions)
    out: list[_Review] = []
    for sg in result.suggestions:
        t = txs.get(sg.transaction_id)
        best = sg.candidates[0] if sg.candidates else None
        detail = (f"best candidate {best.invoice_number or best.po_number} ({best.score:.2f}): {best.why}"
                  if best else "no candidate")
        if len(sg.candidates) > 1:
            detail += f" (+{len(sg.candidates) - 1} more)"
        out.append(_Review(sg.transaction_id, t.date.isoformat() if t else "", t.amount if t else None,
                           t.payer if t else "", "suggested", detail))
    for u in result.unmatched:
        t = txs.get(u.transaction_id)
        out.append(_Review(u.transaction_id, t.date.isoformat() if t else "", t.amount if t else None,
                           t.payer if t else "", "unmatched", u.reason))
    return out


def _money(amount: Decimal | None, currency: str) -> str:
    return format_money(amount, currency) if amount is not None else "?"


def summary_markdown(result: MatchResult, transactions: Sequence[Transaction], ledger: Ledger, today: date) -> str:
    """A short plain-text (Markdown) summary for the email: totals, what needs review and why, top overdue buyers."""
    s = summary_figures(result, transactions, ledger, today)
    cur = s.currency
    out = [f"# poflow reconciliation {today.isoformat()}", ""]
    out += [f"- {fig.label}: {fig.count}, {format_money(fig.amount, cur)}" for fig in s.figures]
    reviews = _reviews(result, transactions)
    out += ["", f"## Needs review ({len(reviews)})", ""]
    if not reviews:
        out.append("Nothing: every transaction was settled or ignored.")
    for r in reviews:
        payer = f", {_line(r.payer, 60)}" if r.payer.strip() else ""
        out.append(f"- {_line(r.transaction_id, 60)} ({r.when}, {_money(r.amount, cur)}{payer}) {r.what}: "
                   f"{_line(r.detail, 300)}")
    overdue = [b for b in s.buyers if b.overdue > 0][:TOP_BUYERS]
    out += ["", "## Top overdue buyers", ""]
    if not overdue:
        out.append("No invoice is past due.")
    for b in overdue:
        out.append(f"- {_line(b.name or b.buyer_id or 'unknown buyer', 60)}: {format_money(b.overdue, cur)} overdue "
                   f"of {format_money(b.open_balance, cur)} open, oldest {b.oldest_days} days past due")
    total_open = sum(s.aging.values(), ZERO)
    out += ["", "Aging of open invoices ({}): {}".format(
        format_money(total_open, cur),
        ", ".join(f"{_bucket_header(b)} {format_money(s.aging[b])}" for b in BUCKETS))]
    return "\n".join(out) + "\n"


def summary_html(result: MatchResult, transactions: Sequence[Transaction], ledger: Ledger, today: date) -> str:
    """The same summary as a small HTML document; every outside string is HTML-escaped."""
    s = summary_figures(result, transactions, ledger, today)
    cur = s.currency

    def e(text: str, limit: int = 160) -> str:
        return html.escape(_line(text, limit), quote=True)

    rows = "".join(f"<tr><td>{e(fig.label)}</td><td align=\"right\">{fig.count}</td>"
                   f"<td align=\"right\">{e(format_money(fig.amount, cur))}</td></tr>" for fig in s.figures)
    parts = [
        "<!DOCTYPE html><html><head><meta charset=\"utf-8\"></head><body>",
        f"<h2>poflow reconciliation {today.isoformat()}</h2>",
        f"<table border=\"1\" cellpadding=\"4\" cellspacing=\"0\"><tr><th></th><th>Transactions</th>"
        f"<th>Amount</th></tr>{rows}</table>",
    ]
    reviews = _reviews(result, transactions)
    parts.append(f"<h3>Needs review ({len(reviews)})</h3>")
    if not reviews:
        parts.append("<p>Nothing: every transaction was settled or ignored.</p>")
    else:
        items = []
        for r in reviews:
            payer = f", {e(r.payer, 60)}" if r.payer.strip() else ""
            items.append(f"<li><b>{e(r.transaction_id, 60)}</b> ({e(r.when)}, {e(_money(r.amount, cur))}{payer}) "
                         f"{e(r.what)}: {e(r.detail, 300)}</li>")
        parts.append("<ul>" + "".join(items) + "</ul>")
    overdue = [b for b in s.buyers if b.overdue > 0][:TOP_BUYERS]
    parts.append("<h3>Top overdue buyers</h3>")
    if not overdue:
        parts.append("<p>No invoice is past due.</p>")
    else:
        parts.append("<ul>" + "".join(
            f"<li>{e(b.name or b.buyer_id or 'unknown buyer', 60)}: {e(format_money(b.overdue, cur))} overdue of "
            f"{e(format_money(b.open_balance, cur))} open, oldest {b.oldest_days} days past due</li>"
            for b in overdue) + "</ul>")
    parts.append("<p>Aging of open invoices: " + ", ".join(
        f"{e(_bucket_header(b))} {e(format_money(s.aging[b]))}" for b in BUCKETS) + "</p>")
    parts.append("</body></html>")
    return "\n".join(parts) + "\n"
