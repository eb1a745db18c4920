"""Human renderings of reports: tables for a terminal."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .console import Out
from .money import format_money, money_str
from .pipeline import Pipeline
from .reconcile.engine import MatchResult
from .terms import long_date
from .validate import Report


def print_findings(out: Out, report: Report, workbook: Path) -> None:
    """Findings as a table, then a one-line summary."""
    if report.findings:
        table = Table(show_lines=False, header_style="bold")
        for col in ("Tab", "Row", "Col", "Column", "Code", "Severity", "Message"):
            table.add_column(col, overflow="fold")
        for f in report.findings:
            style = "red" if f.severity == "error" else "yellow"
            table.add_row(f.tab, str(f.row or ""), f.column_letter, f.column, f.code, f.severity,
                          f.message + (f"\n→ {f.hint}" if f.hint and out.verbose else ""), style=style)
        out.stdout.print(table)
    summary = f"{workbook.name}: {report.errors} error(s), {report.warnings} warning(s), {report.rows_checked} rows checked"
    out.stdout.print(summary, markup=False)


def print_reconcile(out: Out, result: MatchResult, *, written: bool = True) -> None:
    """A short summary of a reconcile run, then what needs review with the reasons."""
    n = len({t.transaction_id for t in result.transactions})
    applied = {a.transaction_id for a in result.allocations}
    verb = "applied automatically" if written else "would be applied (preview: run with --apply to write)"
    out.stdout.print(f"{n} transaction(s): {len(applied)} {verb}, {len(result.suggestions)} to review, "
                     f"{len(result.unmatched)} unmatched, {len(result.ignored)} ignored, "
                     f"{len(result.already)} already applied", markup=False)
    if result.allocations:
        table = Table(title="Applied" if written else "Would apply (not written)", header_style="bold")
        for col in ("Transaction", "Invoice", "PO", "Amount", "Kind", "Rule", "Confidence"):
            table.add_column(col, overflow="fold")
        for a in result.allocations:
            table.add_row(a.transaction_id, a.invoice_number, a.po_number, money_str(a.amount), a.kind, a.rule,
                          f"{a.confidence}")
        out.stdout.print(table)
    if result.suggestions:
        table = Table(title="To review (confirm with --accept TXN=INVOICE)", header_style="bold")
        for col in ("Transaction", "Source", "Candidate", "Amount", "Score", "Why"):
            table.add_column(col, overflow="fold")
        for s in result.suggestions:
            for i, c in enumerate(s.candidates):
                table.add_row(s.transaction_id if i == 0 else "", s.source if i == 0 else "",
                              c.invoice_number or c.po_number, money_str(c.amount), f"{c.score}", c.why)
        out.stdout.print(table)
    if result.unmatched:
        table = Table(title="Unmatched", header_style="bold")
        for col in ("Transaction", "Source", "Reason"):
            table.add_column(col, overflow="fold")
        for u in result.unmatched:
            table.add_row(u.transaction_id, u.source, u.reason)
        out.stdout.print(table)


def print_log(out: Out, workbook: Path, limit: int) -> None:
    """The last `limit` rows of the Log tab."""
    from .app.trail import read_trail
    from .schema import TAB_BY_NAME

    rows = read_trail(workbook)
    if len(rows) <= 1:
        out.stdout.print(f"{workbook.name}: poflow has not changed this workbook yet (no Log entries)", markup=False)
        return
    table = Table(header_style="bold")
    headers = [c.header for c in TAB_BY_NAME["Log"].columns]
    for h in headers:
        table.add_column(h, overflow="fold")
    for r in rows[1:][-limit:]:
        table.add_row(*[("" if v is None else str(v)) for v in list(r)[: len(headers)]])
    out.stdout.print(table)


PO_PREVIEW = 4  # POs shown per step in the pipeline table


def _preview(pos: Iterable[str]) -> str:
    items = list(pos)
    shown = ", ".join(items[:PO_PREVIEW])
    more = len(items) - PO_PREVIEW
    return f"{shown}, +{more} more" if more > 0 else shown


def render_pipeline(pipeline: Pipeline, console: Console) -> None:
    """The pipeline as a table (step, orders, amount, first POs), then the "Action today" list."""
    table = Table(title=Text(f"Order pipeline as of {long_date(pipeline.today)}"), title_justify="left")
    table.add_column("Step")
    table.add_column("Orders", justify="right")
    table.add_column(f"Amount ({pipeline.currency})", justify="right")
    table.add_column("POs")
    for s in pipeline.steps:
        overdue = s.key.startswith("overdue") and s.count > 0
        style = "bold red" if overdue else ("dim" if s.count == 0 else "")
        amount = "" if s.amount is None else format_money(s.amount)
        table.add_row(Text(s.label), Text(str(s.count)), Text(amount), Text(_preview(s.po_numbers)), style=style)
    console.print(table)
    console.print(Text(f"Open invoices, all orders: {format_money(pipeline.receivable, pipeline.currency)}"))
    console.print()
    console.print(Text("Action today", style="bold"))
    if not pipeline.actions:
        console.print(Text("  Nothing needs action today."))
        return
    for a in pipeline.actions:
        line = Text("  ")
        line.append(a.po_number, style="bold")
        if a.buyer_id:
            line.append(f" ({a.buyer_id})")
        line.append(f": {a.reason}")
        console.print(line)
