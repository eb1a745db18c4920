"""Benchmark: `poflow invoice WORKBOOK --all-ready` on 10,000 orders with 1,000 shipped, uninvoiced orders.

Writes 1,000 invoice rows, 1,000 PDFs and (with --sheets, the default here) 1,000 invoice sheets through the
lossless write path. Prints invoices per second and the peak memory. Target: >= 50 invoices/s.
"""

from __future__ import annotations

import argparse
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def main() -> None:
    """Generate the workbook if needed, copy it, time the CLI in a fresh process."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--no-sheet", action="store_true", help="Skip the per-invoice sheets.")
    args = ap.parse_args()
    sys.path.insert(0, str(REPO))
    from bench.gen_book import OUT, write_book

    src = OUT / "book-10k.xlsx"
    if not src.exists():
        write_book(src)
    work = OUT / "invoice-run"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    book = work / "book.xlsx"
    shutil.copyfile(src, book)
    cmd = [sys.executable, "-m", "poflow_sheets", "-q", "invoice", str(book), "--all-ready", "--today", "2026-11-26"]
    if args.no_sheet:
        cmd.append("--no-sheet")
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, check=False, cwd=REPO)
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    if proc.returncode != 0:
        raise SystemExit(f"invoice failed ({proc.returncode}): {proc.stderr.strip()[-2000:]}")
    pdfs = len(list((work / "documents").glob("*/*/*.pdf")))
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(book))
    sheets = sum(1 for n in wb.sheet_names if n.startswith("INV-"))
    rows = len(wb.get_sheet_by_name("Invoices").to_python()) - 1
    print(f"invoices written: {pdfs} PDFs, {sheets} invoice sheets, {rows} rows in Invoices")
    print(f"wall time: {seconds:.2f} s (whole command: read, compute, write workbook, render PDFs)")
    print(f"invoices per second: {pdfs / seconds:.1f} (target >= 50)")
    print(f"peak memory: {peak:.0f} MiB")


if __name__ == "__main__":
    main()
