"""A book that ages well: status, validate, confirm and reconcile --apply on the demo book, on the demo book
with two years of history (200,000 Log rows, 1,000 document tabs, 50,000 closed orders) in it, and on that
book after `poflow archive`, each in a fresh process (time and peak memory), in the same run.

Target (issue 17): each command within 1.5x the time and memory of the book without the history. Times are
tens of milliseconds: each cell is the best of --runs runs, timed inside the process once poflow and the
modules the command imports on first use are imported (interpreter start-up and imports are not timed).
Usage: python bench/bench_aging.py [--log N] [--tabs N] [--closed N] [--runs N]
"""

from __future__ import annotations

import argparse
import json
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


# The child: poflow's CLI imported before the clock starts; the modules a command imports on first use
# (found by a first run of it) imported then too, so no import is timed; peak memory from the kernel's
# high-water mark of this process (VmHWM: ru_maxrss would count the parent's memory, inherited over exec).
CHILD = """
import importlib, json, resource, sys, time
from poflow_sheets.cli import main
for name in json.loads(sys.argv.pop(1)):
    try:
        importlib.import_module(name)
    except Exception:
        pass
before = set(sys.modules)
t0 = time.perf_counter()
try:
    main(sys.argv[1:])
except SystemExit:
    pass
seconds = time.perf_counter() - t0
try:
    with open("/proc/self/status") as fh:
        peak = next(int(x.split()[1]) / 1024 for x in fh if x.startswith("VmHWM:"))
except (OSError, StopIteration):
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"@@ {seconds:.5f} {peak:.1f}", file=sys.stderr)
print("@M " + json.dumps(sorted(set(sys.modules) - before)), file=sys.stderr)
"""


def measure(book: Path, argv: list[str], preload: list[str] | None = None) -> tuple[float, float, list[str]]:
    """(seconds, peak MiB, modules imported while it ran) of one command on a fresh copy of `book`, in its own
    process; `preload`: modules imported before the clock starts."""
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
    proc = subprocess.run([sys.executable, "-c", CHILD, json.dumps(preload or []), *args], capture_output=True,
                          text=True, cwd=HERE.parent, check=False)
    line = next((x for x in proc.stderr.splitlines() if x.startswith("@@ ")), None)
    mods = next((x for x in proc.stderr.splitlines() if x.startswith("@M ")), None)
    if line is None or mods is None:
        raise SystemExit(f"{' '.join(args)} failed: {proc.stderr[-2000:]}")
    _, s, m = line.split()
    return float(s), float(m), json.loads(mods[3:])


def best(book: Path, argv: list[str], preload: list[str], runs: int) -> tuple[float, float]:
    """The fastest of `runs` runs, and the least peak memory of them (the machine's noise only ever adds)."""
    got = [measure(book, argv, preload)[:2] for _ in range(runs)]
    return min(t for t, _ in got), min(m for _, m in got)


def main() -> int:
    """Generate the three books, measure, print the table; exit 1 when the archived book misses the target."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--log", type=int, default=200_000)
    ap.add_argument("--tabs", type=int, default=1_000)
    ap.add_argument("--closed", type=int, default=50_000)
    ap.add_argument("--runs", type=int, default=3, help="runs per cell without history and after archive (best)")
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
    for old in [*OUT.glob("archived-archive-*.xlsx"), *OUT.glob("archived-documents-*.xlsx")]:
        old.unlink()
    r = subprocess.run([sys.executable, "-m", "poflow_sheets", "archive", str(archived), "--today", "2026-12-01"],
                       capture_output=True, text=True, cwd=HERE.parent, check=False)
    print(r.stdout.strip())
    print(f"history: {a.log:,} Log rows, {a.tabs:,} document tabs, {a.closed:,} closed orders")
    print(f"each cell: best of {a.runs} runs (the book with history in it: 1 run), in its own process, timed after "
          "poflow and the modules the command imports are imported")
    print(f"{'command':<20} {'no history':>18} {'history in book':>26} {'after archive':>30}  target 1.5x")
    bad = 0
    for name, argv in COMMANDS.items():
        # a first run of each: the modules the command imports on first use (imported before the clock after)
        preload = sorted(set(measure(base, argv)[2]) | set(measure(archived, argv)[2]))
        b = best(base, argv, preload, a.runs)
        h = best(aged, argv, preload, 1)
        x = best(archived, argv, preload, a.runs)
        ok = x[0] <= 1.5 * b[0] and x[1] <= 1.5 * b[1]
        bad += not ok
        print(f"{name:<20} {b[0] * 1000:7.1f} ms {b[1]:5.0f} MiB  {h[0] * 1000:8.0f} ms {h[1]:5.0f} MiB "
              f"({h[0] / b[0]:5.1f}x)  {x[0] * 1000:7.1f} ms {x[1]:5.0f} MiB ({x[0] / b[0]:.2f}x, {x[1] / b[1]:.2f}x mem)"
              f"  {'ok' if ok else 'MISSED'}", flush=True)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
