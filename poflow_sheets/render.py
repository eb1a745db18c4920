"""Human renderings of reports: tables for a terminal."""

from __future__ import annotations

from pathlib import Path

from rich.table import Table

from .console import Out
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
