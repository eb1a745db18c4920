"""Benchmark the lossless .xlsx write path against a calamine read of the same workbook.

    python bench/bench_write.py                 # timings (workbook generated in bench/out/)
    python bench/bench_write.py --corpus all    # also patch and check all Excel-made corpus workbooks
"""

from __future__ import annotations

import argparse
import random
import resource
import shutil
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import openpyxl
import pandas as pd
import xlsxwriter

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from poflow_sheets.store import AppendRows, Edit, SetCell, fingerprint, write_workbook  # noqa: E402

N_ORDERS, N_LINES, N_INVOICES, N_PAYMENTS, N_BUYERS = 10_000, 100_000, 10_000, 5_000, 200
INVOICE_HEADER = ["Invoice Number", "Kind", "PO Number", "Invoice Date", "Terms", "Due Date", "Total",
                  "Amount Paid", "Balance", "Status"]
ALLOC_HEADER = ["Transaction ID", "Invoice Number", "PO Number", "Amount", "Kind", "Method", "Confidence"]


def generate(path: Path) -> None:
    """The benchmark workbook: Orders, Lines (100k rows), Invoices, Allocations (a header-only Table), ..."""
    rng = random.Random(7)
    wb = xlsxwriter.Workbook(str(path))
    bold = wb.add_format({"bold": True})
    day = wb.add_format({"num_format": "yyyy-mm-dd"})
    money = wb.add_format({"num_format": "#,##0.00"})
    start = date(2025, 1, 1)

    ws = wb.add_worksheet("Orders")
    ws.write_row(0, 0, ["PO Number", "Buyer ID", "PO Date", "Ship Date", "Terms", "Deposit Pct", "Status"], bold)
    for i in range(N_ORDERS):
        d = start + timedelta(days=i % 365)
        ws.write_string(i + 1, 0, f"PO-{i + 1:05d}")
        ws.write_string(i + 1, 1, f"B{rng.randrange(N_BUYERS):03d}")
        ws.write_datetime(i + 1, 2, d, day)
        ws.write_datetime(i + 1, 3, d + timedelta(days=30), day)
        ws.write_string(i + 1, 4, "Net 30")
        ws.write_number(i + 1, 5, 0.3)
        ws.write_string(i + 1, 6, "invoiced")

    ws = wb.add_worksheet("Lines")
    ws.write_row(0, 0, ["PO Number", "Line", "SKU", "Description", "Qty", "Unit Price"], bold)
    for i in range(N_LINES):
        ws.write_string(i + 1, 0, f"PO-{i // 10 + 1:05d}")
        ws.write_number(i + 1, 1, i % 10 + 1)
        ws.write_string(i + 1, 2, f"SKU-{rng.randrange(500):04d}")
        ws.write_string(i + 1, 3, f"Product {rng.randrange(500)} in colour {rng.randrange(20)}")
        ws.write_number(i + 1, 4, rng.randrange(1, 200))
        ws.write_number(i + 1, 5, rng.randrange(100, 10000) / 100, money)

    ws = wb.add_worksheet("Invoices")
    ws.write_row(0, 0, INVOICE_HEADER, bold)
    for i in range(N_INVOICES):
        d = start + timedelta(days=i % 365)
        total = rng.randrange(1000, 1_000_000) / 100
        ws.write_string(i + 1, 0, f"INV-{i + 1:05d}")
        ws.write_string(i + 1, 1, "final")
        ws.write_string(i + 1, 2, f"PO-{i + 1:05d}")
        ws.write_datetime(i + 1, 3, d, day)
        ws.write_string(i + 1, 4, "Net 30")
        ws.write_datetime(i + 1, 5, d + timedelta(days=30), day)
        ws.write_number(i + 1, 6, total, money)
        ws.write_number(i + 1, 7, 0, money)
        ws.write_number(i + 1, 8, total, money)
        ws.write_string(i + 1, 9, "open")

    ws = wb.add_worksheet("Allocations")
    ws.add_table(0, 0, 1, len(ALLOC_HEADER) - 1, {"name": "Allocations",
                                                    "columns": [{"header": h} for h in ALLOC_HEADER]})

    ws = wb.add_worksheet("Payments")
    ws.write_row(0, 0, ["Transaction ID", "Date", "Amount", "Currency", "Payer", "Memo", "Source", "Status"], bold)
    for i in range(N_PAYMENTS):
        ws.write_row(i + 1, 0, [f"T{i:06d}", None, rng.randrange(100, 100000) / 100, "USD", f"Buyer {i % 200}",
                                f"INV-{i + 1:05d}", "bank.csv", "matched"])
        ws.write_datetime(i + 1, 1, start + timedelta(days=i % 365), day)

    ws = wb.add_worksheet("Buyers")
    ws.write_row(0, 0, ["Buyer ID", "Name", "Email", "Terms", "Deposit Pct", "Aliases", "Tax Exempt"], bold)
    for i in range(N_BUYERS):
        ws.write_row(i + 1, 0, [f"B{i:03d}", f"Buyer {i}", f"b{i}@example.com", "Net 30", 0.3, f"BUYER {i}", "no"])
    wb.close()


def changes() -> list[Edit]:
    """Status and Balance of every invoice, plus 10,000 Allocations rows."""
    out: list[Edit] = []
    for i in range(N_INVOICES):
        out.append(SetCell("Invoices", i + 2, 9, Decimal(i % 1000) + Decimal("0.25")))
        out.append(SetCell("Invoices", i + 2, 10, "partial" if i % 3 else "paid"))
    out.append(AppendRows("Allocations", tuple(
        (f"T{i:06d}", f"INV-{i + 1:05d}", f"PO-{i + 1:05d}", Decimal("100.10"), "invoice", "reference+amount",
         Decimal("0.99")) for i in range(N_INVOICES))))
    return out


def timed(fn: Callable[[], object], repeat: int = 3) -> float:
    """Best wall time of ``repeat`` runs."""
    best = float("inf")
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t)
    return best


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark; returns the exit status."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    ap.add_argument("--corpus", choices=["none", "sample", "all"], default="none")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    src = args.out / "bench.xlsx"
    t = time.perf_counter()
    generate(src)
    print(f"generated {src.name}: {src.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - t:.1f}s "
          f"(Orders {N_ORDERS}, Lines {N_LINES}, Invoices {N_INVOICES}, Payments {N_PAYMENTS} rows)")

    read_s = timed(lambda: pd.read_excel(src, sheet_name=None, engine="calamine"), args.repeat)
    print(f"read  (pandas.read_excel, calamine, all tabs): {read_s:.3f}s")

    work = args.out / "work.xlsx"
    todo = changes()

    def write_once() -> None:
        shutil.copyfile(src, work)
        fp = fingerprint(work)
        write_workbook(work, todo, expected=fp, backup_dir=args.out / "backups", retention=2)

    write_s = float("inf")
    for _ in range(args.repeat):
        shutil.copyfile(src, work)
        fp = fingerprint(work)
        t = time.perf_counter()
        result = write_workbook(work, todo, expected=fp, backup_dir=args.out / "backups", retention=2)
        write_s = min(write_s, time.perf_counter() - t)
    print(f"write (write_workbook: 20,000 SetCell + 10,000 appended rows): {write_s:.3f}s; "
          f"parts modified {len(result.parts_modified)}: {', '.join(result.parts_modified)}")
    print(f"write/read ratio: {write_s / read_s:.2f} (target <= 2.0)")
    check = pd.read_excel(work, sheet_name=None, engine="calamine")
    assert len(check["Allocations"]) == N_INVOICES and check["Invoices"]["Status"].iloc[0] == "paid"

    tracemalloc.start()
    write_once()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"peak memory of one write (tracemalloc, Python allocations): {peak / 1e6:.1f} MB; "
          f"process max RSS so far: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")

    def openpyxl_roundtrip() -> None:
        wb = openpyxl.load_workbook(src)
        wb.save(args.out / "openpyxl.xlsx")

    op_s = timed(openpyxl_roundtrip, 1)
    print(f"openpyxl load+save (for comparison, loses drawings): {op_s:.3f}s; "
          f"openpyxl/read ratio: {op_s / read_s:.2f} (expected > 10)")

    if args.corpus != "none":
        from tests.test_store_corpus import run_corpus

        with tempfile.TemporaryDirectory(prefix="poflow-corpus-") as tmp:
            t = time.perf_counter()
            report = run_corpus(args.corpus, Path(tmp))
            print(f"corpus ({args.corpus}): {report.line()} in {time.perf_counter() - t:.0f}s")
            for line in report.failures[:50]:
                print("  FAIL", line)
            if report.failures:
                return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
