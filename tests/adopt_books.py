"""Workbooks built the way people build their own order books (openpyxl here; LibreOffice re-saves them in
the tests): a title block above the header, a TOTAL row of formulas under the data, an Excel Table with a
totals row, merged and two-row headers, their own tab and column names, and a flat one-tab tracker.

Each book holds the demo business (poflow_sheets.demo), so every real record is known and the book
validates clean: anything validate reports on it comes from the layout, not the data."""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import openpyxl
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.filters import AutoFilter
from openpyxl.worksheet.table import Table, TableColumn, TableStyleInfo

from poflow_sheets.demo import SETTINGS, demo_book
from poflow_sheets.rows import record_rows
from poflow_sheets.template import write_new_workbook

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")


def _demo(path: Path) -> openpyxl.Workbook:
    rows = {t: [list(r) for r in record_rows(t, recs)] for t, recs in demo_book().items()}
    settings = dict(SETTINGS)
    settings["next_invoice_number"] = 1005
    write_new_workbook(path, rows, settings=settings)
    wb = openpyxl.load_workbook(path)
    for ws in wb.worksheets:  # a person's own sheets: plain ranges (a Table is added where a test wants one)
        for name in list(ws.tables):
            del ws.tables[name]
    return wb


def _letter(ws: openpyxl.worksheet.worksheet.Worksheet, header_row: int, header: str) -> str:
    for cell in ws[header_row]:
        if cell.value == header:
            return get_column_letter(cell.column)
    raise KeyError(header)


def _title_block(ws: openpyxl.worksheet.worksheet.Worksheet, title: str, note: str = "") -> None:
    """Two rows above the header: a bold title merged across, and a note (or a blank row)."""
    ws.insert_rows(1, 2)
    ws["A1"] = title
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells("A1:F1")
    if note:
        ws["A2"] = note


def _totals(ws: openpyxl.worksheet.worksheet.Worksheet, header_row: int, sums: tuple[str, ...],
            counts: tuple[str, ...] = ()) -> int:
    """A TOTAL row under the data: =SUM over money and quantity columns, =COUNTA over a text column."""
    first, last = header_row + 1, ws.max_row
    row = last + 1
    ws.cell(row, 1, "TOTAL").font = Font(bold=True)
    for header in sums:
        col = _letter(ws, header_row, header)
        ws[f"{col}{row}"] = f"=SUM({col}{first}:{col}{last})"
    for header in counts:
        col = _letter(ws, header_row, header)
        ws[f"{col}{row}"] = f"=COUNTA({col}{first}:{col}{last})"
    return row


TOTALS = {"Orders": ((), ("Buyer ID",)), "Lines": (("Qty",), ()), "Invoices": (("Total", "Balance"), ()),
          "Payments": (("Amount",), ())}


def title_and_totals(path: Path) -> Path:
    """Orders, Lines, Invoices and Payments below a title block, each with a TOTAL row of formulas."""
    wb = _demo(path)
    for name, (sums, counts) in TOTALS.items():
        ws = wb[name]
        _title_block(ws, f"2026 Wholesale {name} - Cedar & Finch", "Amounts in USD" if name == "Invoices" else "")
        _totals(ws, 3, sums, counts)
    wb.save(path)
    return path


def table_with_totals(path: Path) -> Path:
    """Invoices as an Excel Table with a totals row (Total label, SUBTOTAL formulas), under a title row."""
    wb = _demo(path)
    ws = wb["Invoices"]
    ws.insert_rows(1, 2)
    ws["A1"] = "Invoices"
    ws["A1"].font = Font(bold=True, size=14)
    header_row, last = 3, ws.max_row
    width = ws.max_column
    totals = last + 1
    table = Table(displayName="InvoiceBook", ref=f"A{header_row}:{get_column_letter(width)}{totals}",
                  totalsRowCount=1, totalsRowShown=True)
    columns = []
    for c in range(1, width + 1):
        name = str(ws.cell(header_row, c).value)
        col = TableColumn(id=c, name=name)
        if name in ("Total", "Balance"):
            col.totalsRowFunction = "sum"
            ws.cell(totals, c, f"=SUBTOTAL(109,InvoiceBook[{name}])")
        columns.append(col)
    columns[0].totalsRowLabel = "Total"
    ws.cell(totals, 1, "Total")
    table.tableColumns = columns
    table.tableStyleInfo = TableStyleInfo(name="TableStyleMedium2", showRowStripes=True)
    table.autoFilter = AutoFilter(ref=f"A{header_row}:{get_column_letter(width)}{last}")
    ws.add_table(table)
    wb.save(path)
    return path


def merged_and_two_row_headers(path: Path) -> Path:
    """Buyers under a two-row header (a group label merged over its columns, single names merged down both
    rows); Orders with a header cell merged across two columns (a wide Notes column) and a section label row."""
    wb = _demo(path)
    ws = wb["Buyers"]
    names = [c.value for c in ws[1]]
    ws.insert_rows(1, 2)
    ws["A1"] = "Wholesale accounts"
    ws.merge_cells("A1:D1")
    for c in range(1, len(names) + 1):
        ws.cell(2, c, None)
        ws.cell(3, c, None)
    ws["A2"] = "Buyer"
    ws.merge_cells("A2:B2")
    ws["A3"], ws["B3"] = "ID", "Name"
    ws["C2"] = "Contact"
    ws.merge_cells("C2:E2")
    ws["C3"], ws["D3"], ws["E3"] = "Email", "Bill To", "Ship To"
    for c in range(6, len(names) + 1):
        ws.cell(2, c, names[c - 1])
        ws.merge_cells(start_row=2, start_column=c, end_row=3, end_column=c)
    orders = wb["Orders"]
    notes = _letter(orders, 1, "Notes")
    col = orders[f"{notes}1"].column
    orders.insert_cols(col + 1)
    orders.merge_cells(start_row=1, start_column=col, end_row=1, end_column=col + 1)
    orders.insert_rows(2)
    orders["A2"] = "Autumn 2026 orders"
    orders.merge_cells("A2:E2")
    wb.save(path)
    return path


RENAMES = {
    "Buyers": ("Customers", {"Buyer ID": "Customer", "Name": "Store Name", "Email": "Contact Email",
                             "Terms": "Payment Terms", "Deposit Pct": "Deposit %", "Aliases": "Bank Names",
                             "Tax Exempt": "Resale?", "Resale Certificate": "Resale Cert #"}),
    "Orders": ("PO Log", {"PO Number": "PO #", "Buyer ID": "Customer", "PO Date": "Order Date", "Ship Date": "Ship By",
                          "Cancel Date": "Cancel By", "Terms": "Payment Terms", "Deposit Pct": "Deposit %"}),
    "Lines": ("Order Items", {"PO Number": "PO #", "Line": "Line #", "SKU": "Style #", "Description": "Item",
                              "Qty": "Qty Ordered", "Unit Price": "Price Each"}),
}


def renamed(path: Path) -> Path:
    """Buyers, Orders and Lines under the person's own tab and column names (RENAMES)."""
    wb = _demo(path)
    for tab, (title, cols) in RENAMES.items():
        ws = wb[tab]
        ws.title = title
        for c in ws[1]:
            if c.value in cols:
                c.value = cols[c.value]
    wb.save(path)
    return path


TRACKER_HEADER = ["PO #", "Order Date", "Customer", "Email", "Terms", "Item #", "Description", "Qty", "Price",
                  "Line Total", "Shipped", "Tracking #", "Invoice #", "Invoice Date", "Paid Date", "Amount Paid", "Notes"]
D = date
TRACKER_ROWS = [
    ["PO-2001", D(2026, 3, 2), "Willow & Wren", "buying@willowwren.example", "Net 30", "CDL-OAK-8", "Oak candle, 8 oz",
     24, 8.25, None, D(2026, 3, 10), "1Z001", "INV-3001", D(2026, 3, 10), D(2026, 4, 5), 276, None],
    ["PO-2001", D(2026, 3, 2), "Willow & Wren", "buying@willowwren.example", "Net 30", "MATCH-BOX", "Matches, gift box",
     12, 6.50, None, D(2026, 3, 10), "1Z001", None, None, None, None, None],
    ["PO-2002", D(2026, 3, 5), "Harbor Home Co", "ap@harborhome.example", "Net 15", "CDL-LAV-12",
     "Lavender candle, 12 oz", 36, 13.25, None, D(2026, 3, 12), None, "INV-3002", D(2026, 3, 12), None, None, "rush"],
    ["PO-2003", D(2026, 3, 9), "Willow and Wren", "buying@willowwren.example", "Net 30", "CDL-OAK-8",
     "Oak candle, 8 oz", 48, 8.25, None, None, None, None, None, None, None, None],
    ["PO-2004", D(2026, 3, 11), "Corner Shop LLC", "orders@cornershop.example", "Net 30", "MATCH-BOX",
     "Matches, gift box", 24, 6.50, None, D(2026, 3, 20), "1Z004", "INV-3003", D(2026, 3, 20), D(2026, 4, 2), 315, None],
    ["PO-2004", D(2026, 3, 11), "Corner Shop LLC", "orders@cornershop.example", "Net 30", "CDL-LAV-12",
     "Lavender candle, 12 oz", 12, 13.25, None, D(2026, 3, 20), "1Z004", None, None, None, None, None],
]


def tracker(path: Path, rows: list[list[object]] | None = None, *, per_order: bool = False) -> Path:
    """A flat one-tab tracker: a title, one row per order line (or per order), a TOTAL row of SUMs."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Orders 2026"
    ws["A1"] = "Cedar & Finch - Wholesale Orders 2026"
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells("A1:H1")
    ws.append([])
    ws.append(TRACKER_HEADER)
    data = [list(r) for r in (rows if rows is not None else TRACKER_ROWS)]
    if per_order:
        data = [r for i, r in enumerate(data) if i == 0 or r[0] != data[i - 1][0]]
    for i, r in enumerate(data, start=4):
        r[9] = f"=H{i}*I{i}"
        ws.append(r)
    last = 3 + len(data)
    ws.append(["TOTAL", None, None, None, None, None, None, f"=SUM(H4:H{last})", None, f"=SUM(J4:J{last})",
               None, None, None, None, None, f"=SUM(P4:P{last})"])
    for row in ws.iter_rows(min_row=4):
        for cell in row:
            if isinstance(cell.value, date):
                cell.number_format = "yyyy-mm-dd"
    wb.save(path)
    return path


def libreoffice_saved(paths: list[Path], out: Path) -> dict[Path, Path]:
    """Each workbook opened and saved again by LibreOffice (one soffice run): cached formula values, its own
    styles and shared strings, as a person's LibreOffice would leave them."""
    assert SOFFICE is not None, "LibreOffice (soffice) must be installed: scripts/setup_system.sh installs it"
    out.mkdir(parents=True, exist_ok=True)
    work = out / "in"
    work.mkdir(exist_ok=True)
    sources = []
    for p in paths:  # LibreOffice writes NAME.xlsx into --outdir: give it copies under their own folder
        src = work / p.name
        shutil.copyfile(p, src)
        sources.append(src)
    subprocess.run([SOFFICE, f"-env:UserInstallation={(out / 'profile').as_uri()}", "--headless", "--norestore",
                    "--convert-to", "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), *map(str, sources)],
                   capture_output=True, text=True, timeout=300, check=True)
    saved = {p: out / p.name for p in paths}
    missing = [str(p) for p in saved.values() if not p.is_file()]
    assert not missing, f"LibreOffice did not write {missing}"
    return saved


def libreoffice_csv(path: Path, out: Path) -> dict[str, list[list[str]]]:
    """Every tab of a workbook as LibreOffice computes it (every formula recalculated on load), as CSV rows."""
    import csv

    assert SOFFICE is not None
    out.mkdir(parents=True, exist_ok=True)
    user = out / "profile" / "user"
    user.mkdir(parents=True, exist_ok=True)
    # LibreOffice keeps the cached results of a file it saved itself unless told to recalculate on load:
    # this profile tells it to, always (Tools > Options > Calc > Formula > Recalculation on file load).
    (user / "registrymodifications.xcu").write_text(
        '<?xml version="1.0" encoding="UTF-8"?>\n<oor:items xmlns:oor="http://openoffice.org/2001/registry" '
        'xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        '<item oor:path="/org.openoffice.Office.Calc/Formula/Load"><prop oor:name="OOXMLRecalcMode" oor:op="fuse">'
        '<value>0</value></prop></item></oor:items>\n', encoding="utf-8")
    subprocess.run([SOFFICE, f"-env:UserInstallation={(out / 'profile').as_uri()}", "--headless", "--norestore",
                    "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1",
                    "--outdir", str(out), str(path)], capture_output=True, text=True, timeout=300, check=True)
    tabs = {}
    for f in out.glob(f"{path.stem}-*.csv"):
        with f.open(encoding="utf-8") as fh:
            tabs[f.stem[len(path.stem) + 1:]] = list(csv.reader(fh))
    return tabs
