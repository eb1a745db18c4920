"""A book that ages well: status, validate, confirm and reconcile --apply on the demo book, on the demo book
with two years of history (200,000 Log rows, 1,000 document tabs, 50,000 closed orders) in it, and on that
book after `poflow archive`, each in a fresh process (time and peak memory), in the same run.

Target (issue 17): each command within 1.5x the time and memory of the book without the history.
Usage: python bench/bench_aging.py [--log N] [--tabs N] [--closed N]
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
OUT = HERE / "out" / "aging"
BANK = ("Details,Posting Date,Description,Amount,Type,Balance,Check or Slip #,\n"
        'CREDIT,11/20/2026,"HARBOR HOME CO PO-0998",393.00,ACH_CREDIT,1,,\n')
COMMANDS = {
    "status": ["status", "{book}", "--today", "2026-12-01"],
    "validate": ["validate", "{book}", "--today", "2026-12-01"],
    "confirm": ["confirm", "{book}", "WW-1126", "--today", "2026-12-01"],
    "reconcile --apply": ["reconcile", "{book}", "{bank}", "--apply", "--today", "2026-12-01"],
}


def measure(book: Path, argv: list[str]) -> tuple[float, float]:
    """(seconds, peak MiB) of one command on a fresh copy of `book`, in its own process."""
    work = OUT / "run"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    copy = work / book.name
    shutil.copyfile(book, copy)
    for arch in book.parent.glob(f"{book.stem}-archive-*.xlsx"):
        shutil.copyfile(arch, work / arch.name)
    bank = work / "bank.csv"
    bank.write_text(BANK)
    args = [a.replace("{book}", str(copy)).replace("{bank}", str(bank)) for a in argv]
    code = ("import resource, sys, time\nfrom poflow_sheets.cli import main\nt0 = time.perf_counter()\n"
            "try:\n    main(sys.argv[1:])\nexcept SystemExit:\n    pass\n"
            "print(f'@@ {time.perf_counter() - t0:.3f} "
            "{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f}', file=sys.stderr)\n")
    proc = subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=HERE.parent,
                          check=False)
    line = next((x for x in proc.stderr.splitlines() if x.startswith("@@ ")), None)
    if line is None:
        raise SystemExit(f"{' '.join(args)} failed: {proc.stderr[-2000:]}")
    _, s, m = line.split()
    return float(s), float(m)


def main() -> int:
    """Generate the three books, measure, print the table; exit 1 when the archived book misses the target."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--log", type=int, default=200_000)
    ap.add_argument("--tabs", type=int, default=1_000)
    ap.add_argument("--closed", type=int, default=50_000)
    a = ap.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    # generated in child processes: a process's peak memory is inherited by the processes it starts
    gen = [sys.executable, str(HERE / "gen_aged.py")]
    base, aged = OUT / "base.xlsx", OUT / "aged.xlsx"
    subprocess.run([*gen, str(base), "--log", "0", "--tabs", "0", "--closed", "0"], check=True, cwd=HERE.parent,
                   capture_output=True)
    subprocess.run([*gen, str(aged), "--log", str(a.log), "--tabs", str(a.tabs), "--closed", str(a.closed)],
                   check=True, cwd=HERE.parent, capture_output=True)
    archived = OUT / "archived.xlsx"
    shutil.copyfile(aged, archived)
    for old in OUT.glob("archived-archive-*.xlsx"):
        old.unlink()
    r = subprocess.run([sys.executable, "-m", "poflow_sheets", "archive", str(archived), "--today", "2026-12-01"],
                       capture_output=True, text=True, cwd=HERE.parent, check=False)
    print(r.stdout.strip())
    print(f"history: {a.log:,} Log rows, {a.tabs:,} document tabs, {a.closed:,} closed orders")
    print(f"{'command':<20} {'no history':>16} {'history in book':>22} {'after archive':>22}  target 1.5x")
    bad = 0
    for name, argv in COMMANDS.items():
        b = measure(base, argv)
        h = measure(aged, argv)
        x = measure(archived, argv)
        ok = x[0] <= 1.5 * b[0] and x[1] <= 1.5 * b[1]
        bad += not ok
        print(f"{name:<20} {b[0]:6.2f} s {b[1]:5.0f} MiB  {h[0]:6.2f} s {h[1]:5.0f} MiB ({h[0] / b[0]:4.1f}x)"
              f"  {x[0]:6.2f} s {x[1]:5.0f} MiB ({x[0] / b[0]:.2f}x, {x[1] / b[1]:.2f}x mem)  {'ok' if ok else 'MISSED'}",
              flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
