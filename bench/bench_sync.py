"""Benchmark: `poflow sync` of an .xlsx and a Google Sheet (the fake Sheets API, its own process) holding
10,000 orders and 100,000 lines, with 1% of the orders and 1% of the lines changed on each side since the
last sync.

For each size (1,000 orders / 10,000 lines, then 10,000 / 100,000) it runs: the first sync (no base; the two
sides equal), the sync after 1% of the rows changed on each side (each side gets the other's changes), and a
second sync that finds nothing to do. Each is timed and the requests sent to the fake are counted by API
method, next to a pandas+calamine read of the .xlsx (`pd.read_excel(path, sheet_name=None,
engine="calamine")`, in a fresh process). The requests do not grow with the number of rows: 2 to read the
Google Sheet and at most 3 to write it (README), at both sizes; a spreadsheets:batchUpdate is sent only when
the sheet's structure must change (a tab's grid grown to hold the appended rows), and the bench names what
it asked.

Usage: python bench/bench_sync.py
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
import subprocess
import sys
import time
from collections import Counter
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from bench.bench_gsheets import CountingAdapter, seeded_fake  # noqa: E402
from bench.gen_book import OUT, write_book  # noqa: E402
from poflow_sheets.app.sync import SyncOptions, SyncRun, sync  # noqa: E402
from poflow_sheets.reader import read_workbook  # noqa: E402
from poflow_sheets.store import SetCell, fingerprint, write_workbook  # noqa: E402
from tests.fake_sheets import service_account_file  # noqa: E402

SHEET = "BENCH-SYNC"
SIZES = ((1_000, "book-1k.xlsx"), (10_000, "book-10k.xlsx"))
EVERY = 100  # 1% of the rows
BOUND = 5  # README: 2 requests to read a Google Sheet, at most 3 to write it


class Adapter(CountingAdapter):
    """Counts requests by API method, and names what each spreadsheets:batchUpdate asks (structure, formats)."""

    def __init__(self, base_url: str) -> None:
        super().__init__(base_url)
        self.structure: Counter[str] = Counter()

    def send(self, request: Any, **kwargs: Any) -> Any:  # type: ignore[override]
        url = (request.url or "").split("?", 1)[0]
        if url.endswith(":batchUpdate") and "/values:" not in url and request.body:
            import json

            for item in json.loads(request.body).get("requests", []):
                self.structure.update(item.keys())
        return super().send(request, **kwargs)


def serve(path: Path, pipe: Connection) -> None:
    """The fake, seeded with the workbook's tabs; applies a person's edits sent through the pipe."""
    fake = seeded_fake(path, SHEET)
    book = fake.books[SHEET]
    fake.start()
    pipe.send(fake.url)
    while True:
        msg = pipe.recv()
        if msg == "stop":
            break
        with fake.lock:
            for tab, r, c, value in msg:
                found = book.by_title(tab)
                assert found is not None
                found.put(r, c, value)
        pipe.send("ok")
    fake.stop()


def pandas_read(path: Path) -> float:
    """pandas.read_excel of every tab with calamine, in a fresh process (best of 2)."""
    best = float("inf")
    for _ in range(2):
        out = subprocess.run([sys.executable, str(HERE / "_measure.py"), "pandas", str(path)], capture_output=True,
                             text=True, check=True, cwd=REPO)
        best = min(best, float(out.stdout.split()[-2]))
    return best


def edits(path: Path, offset: int) -> dict[str, list[tuple[int, int, Any]]]:
    """1% of the Orders and 1% of the Lines (every 100th row from `offset`): (Excel row, 1-based column, value)."""
    book = read_workbook(path, tabs=("Orders", "Lines"))
    orders, lines = book.tables["Orders"], book.tables["Lines"]
    notes = orders.columns["notes"][0] + 1 if "notes" in orders.columns else orders.width + 1
    note = lines.columns["note"][0] + 1
    qty = lines.columns["qty"][0] + 1
    out: dict[str, list[tuple[int, int, Any]]] = {"Orders": [], "Lines": []}
    for i, o in enumerate(book.orders):
        if i % EVERY == offset:
            out["Orders"].append((o.row, notes, f"edited on side {offset}"))
    for i, ln in enumerate(book.lines):
        if i % EVERY == offset:
            out["Lines"].append((ln.row, qty, ln.qty + 6) if offset == 0 else (ln.row, note, "edited on the sheet"))
    return out


def timed(left: Path, right: Path, adapter: Adapter) -> tuple[float, Counter[str], SyncRun]:
    adapter.counts.clear()
    adapter.structure.clear()
    t0 = time.perf_counter()
    run = sync(left, right, SyncOptions(command="poflow sync (bench)"))
    return time.perf_counter() - t0, Counter(adapter.counts), run


def show(counts: Counter[str]) -> str:
    return f"{sum(counts.values())} requests ({', '.join(f'{k} {v}' for k, v in sorted(counts.items()))})"


def bench(n_orders: int, name: str, work: Path) -> tuple[int, int, int]:
    """One size: prints its lines; returns the request counts of the three syncs."""
    from poflow_sheets.gsheets.connect import use_transport

    source = OUT / name
    if not source.exists():
        write_book(source, n_orders)
    left = work / f"owner-{name}"
    shutil.copyfile(source, left)
    shutil.rmtree(work / ".poflow-sync", ignore_errors=True)
    parent, child = multiprocessing.Pipe()
    server = multiprocessing.Process(target=serve, args=(source, child), daemon=True)
    server.start()
    url = parent.recv()
    adapter = Adapter(url)
    right = Path(f"gsheet:{SHEET}")
    ref = pandas_read(source)
    book = read_workbook(source, tabs=("Orders", "Lines"))
    print(f"{name}: {len(book.orders):,} orders, {len(book.lines):,} lines; pandas+calamine read of the .xlsx: "
          f"{ref:.2f} s")
    try:
        with use_transport(adapter):
            t, first, run = timed(left, right, adapter)
            assert run.exit_status == 0 and run.written == ("base",), run.written
            print(f"  first sync (no base, sides equal):         {t:6.2f} s ({t / ref:.2f} x pandas), {show(first)}")
            mine = edits(left, 0)
            write_workbook(left, [SetCell(tab, r, c, v) for tab, cells in mine.items() for r, c, v in cells],
                           expected=fingerprint(left))
            theirs = edits(left, EVERY // 2)
            parent.send([(tab, r - 1, c - 1, v) for tab, cells in theirs.items() for r, c, v in cells])
            parent.recv()
            n_left = sum(len(v) for v in mine.values())
            n_right = sum(len(v) for v in theirs.values())
            t, changed, run = timed(left, right, adapter)
            assert run.exit_status == 0 and run.written == ("left", "right", "base"), run.written
            got = sum(tp.left.changed_rows for tp in run.plan.tabs), sum(tp.right.changed_rows for tp in run.plan.tabs)
            assert got == (n_right, n_left), (got, n_right, n_left)
            asked = ", ".join(f"{k} {v}" for k, v in sorted(adapter.structure.items()))
            print(f"  sync, 1% of rows changed on each side:     {t:6.2f} s ({t / ref:.2f} x pandas), {show(changed)}; "
                  f"{n_right:,} rows to the .xlsx, {n_left:,} to the sheet"
                  + (f"; the batchUpdate asked: {asked}" if asked else ""))
            before = left.read_bytes()
            t, again, run = timed(left, right, adapter)
            assert run.exit_status == 0 and run.written == () and left.read_bytes() == before, run.written
            print(f"  second sync (nothing to do, no byte written): {t:6.2f} s ({t / ref:.2f} x pandas), "
                  f"{show(again)}")
    finally:
        parent.send("stop")
        server.join(10)
    return sum(first.values()), sum(changed.values()), sum(again.values())


def main() -> int:
    """Both sizes; fails when a sync sends more requests than the bound."""
    work = OUT / "sync"
    work.mkdir(parents=True, exist_ok=True)
    os.environ["POFLOW_GOOGLE_CREDENTIALS"] = str(service_account_file(work))
    counts = [bench(n, name, work) for n, name in SIZES]
    held = all(c <= BOUND for run in counts for c in run)
    print(f"requests per sync (first, changed, nothing to do) at {SIZES[0][0]:,} and {SIZES[1][0]:,} orders: "
          f"{counts[0]} and {counts[1]}; bound of {BOUND} per sync whatever the number of rows: "
          f"{'held' if held else 'EXCEEDED'}")
    return 0 if held else 1


if __name__ == "__main__":
    sys.exit(main())
