"""Small workbooks built in the store tests (xlsxwriter writes them; poflow then patches them)."""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

import xlsxwriter


def make_book(path: Path, rows: int = 5, *, table: bool = False, autofilter: bool = False) -> Path:
    """A workbook with an Invoices tab (bold header, date and money formats) and a chart on a Data tab."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Invoices")
    bold = wb.add_format({"bold": True})
    money = wb.add_format({"num_format": "#,##0.00"})
    day = wb.add_format({"num_format": "dd/mm/yyyy"})
    header = ["Invoice Number", "Invoice Date", "Total", "Status"]
    ws.write_row(0, 0, header, bold)
    for i in range(1, rows + 1):
        ws.write_string(i, 0, f"INV-{i:04d}")
        ws.write_datetime(i, 1, date(2026, 1, 1 + i % 28), day)
        ws.write_number(i, 2, i * 10.25, money)
        ws.write_string(i, 3, "open")
    if table:
        ws.add_table(0, 0, rows, 3, {"name": "InvoiceTable", "columns": [{"header": h} for h in header]})
    if autofilter:
        ws.autofilter(0, 0, rows, 3)
    data = wb.add_worksheet("Data")
    data.write_column(0, 0, [1, 2, 3])
    chart = wb.add_chart({"type": "line"})
    chart.add_series({"values": "=Data!$A$1:$A$3"})
    data.insert_chart("C3", chart)
    wb.close()
    return path


def members(path: Path) -> dict[str, bytes]:
    """Every zip member's uncompressed bytes."""
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}
