"""Benchmark: validate and reconcile on a Google Sheet of 10,000 orders and 100,000 lines, held by the fake.

The fake Sheets API (tests/fake_sheets) runs in its own process on 127.0.0.1, seeded with the rows of
bench/out/book-10k.xlsx; poflow reaches it through gspread as it would reach Google. For each command the
requests sent are counted (by API method) and timed, next to the same command on the .xlsx. The request
count is the README's bound (at most 2 to read, 3 to write, whatever the number of rows); the times are
against a local server, so they show poflow's own cost (JSON over HTTP, conversion), not Google's latency.

Usage: python bench/bench_gsheets.py [--repeat N]
"""

from __future__ import annotations

import argparse
import multiprocessing
import shutil
import sys
import time
from collections import Counter
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.gen_book import OUT, write_book  # noqa: E402
from poflow_sheets import app  # noqa: E402
from poflow_sheets.gsheets.values import serial  # noqa: E402
from poflow_sheets.reader import read_workbook  # noqa: E402
from tests.fake_sheets import FakeSheets, LocalAdapter, service_account_file  # noqa: E402

SHEET = "BENCH-BOOK-10K"
TODAY = date(2026, 11, 26)
BOUND = 5  # README: at most 2 requests to read and 3 to write


def classify(method: str, url: str) -> str:
    """The Sheets API method of a request URL."""
    path = url.split("?", 1)[0]
    if "/values:batchGet" in path:
        return "values.batchGet"
    if "/values:batchUpdate" in path:
        return "values.batchUpdate"
    if path.endswith(":batchUpdate"):
        return "spreadsheets.batchUpdate"
    if "/values/" in path:
        return "values." + {"GET": "get", "PUT": "update"}.get(method, "other")
    if "oauth2" in path or "/token" in path:
        return "token"
    return "spreadsheets.get"


class CountingAdapter(LocalAdapter):
    """Sends Google's URLs to the fake and counts the requests by API method (the OAuth token apart)."""

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url)
        self.counts: Counter[str] = Counter()

    def send(self, request: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        kind = classify(request.method or "GET", request.url or "")
        if kind != "token":
            self.counts[kind] += 1
        return super().send(request, **kwargs)


def sheet_rows(path: Path) -> dict[str, list[list[Any]]]:
    """Every tab of the workbook as the values Google would hold (dates as serial numbers)."""
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_path(str(path))
    out: dict[str, list[list[Any]]] = {}
    for name in wb.sheet_names:
        rows = []
        for r in wb.get_sheet_by_name(name).to_python(skip_empty_area=False):
            row: list[Any] = []
            for v in r:
                if v == "":
                    row.append(None)
                elif isinstance(v, date):  # datetime too
                    row.append(serial(v))
                else:
                    row.append(v)
            rows.append(row)
        out[name] = rows
    wb.close()
    return out


def seeded_fake(path: Path, sheet_id: str = SHEET) -> FakeSheets:
    """A fake Sheets server holding the workbook's tabs as the spreadsheet `sheet_id` (not started)."""
    fake = FakeSheets()
    book = fake.create(sheet_id, "bench", sheet=None)
    for i, (name, rows) in enumerate(sheet_rows(path).items()):
        width = max((len(r) for r in rows), default=1)
        sheet = book.add_sheet(name, 1000 + i, rows=max(1000, len(rows) + 100), cols=max(26, width))
        sheet.rows = rows
    return fake


def serve(path: Path, pipe: Connection) -> None:
    """The fake, seeded with the workbook's tabs, in this (child) process until told to stop."""
    fake = seeded_fake(path)
    fake.start()
    pipe.send(fake.url)
    pipe.recv()
    fake.stop()


def timed(job: Callable[[Path], object], workbook: Path) -> float:
    t0 = time.perf_counter()
    job(workbook)
    return time.perf_counter() - t0


def bank_file(path: Path, out: Path) -> Path:
    """A bank export paying 2,000 of the book's open invoices by reference (and some noise)."""
    book = read_workbook(path)
    open_ = [i for i in book.invoices if i.status in ("open", "partial") and (i.balance or Decimal(0)) > 0][:2000]
    lines = ["Details,Posting Date,Description,Amount,Type,Balance,Check or Slip #"]
    for n, inv in enumerate(open_):
        lines.append(f"CREDIT,11/{1 + n % 25:02d}/2026,ACH CREDIT {inv.invoice_number} PAYMENT,{inv.balance},"
                     "ACH_CREDIT,,")
    for n in range(200):
        lines.append(f"DEBIT,11/{1 + n % 25:02d}/2026,CARD PURCHASE OFFICE SUPPLY {n},-{10 + n}.50,DEBIT_CARD,,")
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return out


def main() -> int:
    """Seed the fake, run each command on both backends, print requests and times."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--repeat", type=int, default=2, help="best of N for the read-only commands")
    args = ap.parse_args()
    from poflow_sheets.gsheets.connect import use_transport

    xlsx = OUT / "book-10k.xlsx"
    if not xlsx.exists():
        write_book(xlsx)
    work = OUT / "gsheets"
    work.mkdir(parents=True, exist_ok=True)
    bank = bank_file(xlsx, work / "bank.csv")
    key = service_account_file(work)
    import os

    os.environ["POFLOW_GOOGLE_CREDENTIALS"] = str(key)
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(xlsx, child), daemon=True)
    t0 = time.perf_counter()
    server.start()
    url = parent.recv()
    print(f"book: {xlsx.relative_to(REPO)} (10,000 orders, 100,000 lines), seeded into the fake Sheets API "
          f"(its own process, {url}) in {time.perf_counter() - t0:.1f} s")
    adapter = CountingAdapter(url)
    sheet = Path(f"gsheet:{SHEET}")
    copy = work / "book.xlsx"
    shutil.copyfile(xlsx, copy)
    opts = app.WriteOptions(command="poflow bench", out_dir=work / "documents")
    jobs: list[tuple[str, Callable[[Path], object], int]] = [
        ("validate", lambda wb: app.validate(wb, TODAY), args.repeat),
        ("reconcile (preview)", lambda wb: app.reconcile(wb, [bank], TODAY, opts=opts), args.repeat),
        ("reconcile --apply", lambda wb: app.reconcile(wb, [bank], TODAY, apply=True, opts=opts), 1),
    ]
    over = 0
    try:
        with use_transport(adapter):
            for name, job, repeat in jobs:
                sheet_t, xlsx_t = [], []
                counts: Counter[str] = Counter()
                for _ in range(repeat):
                    adapter.counts.clear()
                    sheet_t.append(timed(job, sheet))
                    counts = Counter(adapter.counts)
                    xlsx_t.append(timed(job, copy))
                total = sum(counts.values())
                over += total > BOUND
                detail = ", ".join(f"{k} {v}" for k, v in sorted(counts.items()))
                print(f"{name:20s} Google Sheet (fake): {total} requests ({detail}), {min(sheet_t):.2f} s | "
                      f".xlsx: {min(xlsx_t):.2f} s | ratio {min(sheet_t) / min(xlsx_t):.2f}")
    finally:
        parent.send("stop")
        server.join(10)
    print(f"request bound (README): at most {BOUND} per command whatever the number of rows: "
          f"{'held' if not over else 'EXCEEDED'}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
