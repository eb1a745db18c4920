"""Run every benchmark and print its figures: `python bench/run_all.py` (or name some: validate write gsheets sync ...).

Benchmarks are not tests: each compares poflow with a reference measured in the same run and prints
the ratio against its issue's target. Generated workbooks go to bench/out/ (not committed).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
BENCHES = {
    "validate": ["bench_validate.py"],
    "write": ["bench_write.py"],
    "invoice": ["bench_invoice.py"],
    "pdf": ["bench_pdf.py"],
    "reconcile": ["bench_reconcile.py"],
    "corpus": ["bench_write.py", "--corpus", "all"],
    "gsheets": ["bench_gsheets.py"],
    "hardening": ["bench_hardening.py"],
    "sync": ["bench_sync.py"],
    "aging": ["bench_aging.py"],
}
DEFAULT = ("validate", "write", "invoice", "pdf", "reconcile", "gsheets", "hardening", "sync")


def main() -> int:
    """Run the named benchmarks (default: all but the full-corpus check, which takes ~10 minutes)."""
    names = sys.argv[1:] or list(DEFAULT)
    failed = 0
    for name in names:
        if name not in BENCHES:
            print(f"unknown benchmark {name!r}; choose from {', '.join(BENCHES)}")
            return 2
        script, *args = BENCHES[name]
        print(f"== {name}", flush=True)
        proc = subprocess.run([sys.executable, str(HERE / script), *args], cwd=HERE.parent, check=False)
        failed += proc.returncode != 0
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
