"""Benchmark: `poflow validate` on 10,000 orders / 100,000 lines against pandas.read_excel(calamine).

Each job runs in a fresh process (best of N for time; peak RSS of that process for memory).
Target: time ratio <= 1.5, memory ratio <= 2.0.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent


def measure(job: str, path: Path, repeat: int = 3) -> tuple[float, float]:
    """Best wall time and its peak memory (MiB) of a job over `repeat` fresh processes."""
    best = (float("inf"), 0.0)
    for _ in range(repeat):
        out = subprocess.run([sys.executable, str(HERE / "_measure.py"), job, str(path)], capture_output=True,
                             text=True, check=True, cwd=REPO).stdout.split()
        seconds, peak = float(out[-2]), float(out[-1])
        if seconds < best[0]:
            best = (seconds, peak)
    return best


def main() -> None:
    """Generate the workbook if needed, measure both, print the ratios."""
    sys.path.insert(0, str(REPO))
    from bench.gen_book import OUT, write_book

    path = OUT / "book-10k.xlsx"
    if not path.exists():
        write_book(path)
    base_t, base_m = measure("pandas", path)
    ours_t, ours_m = measure("validate", path)
    print(f"workbook: {path.name} (10,000 orders, 100,000 lines)")
    print(f"pandas.read_excel(calamine): {base_t:.3f} s, peak {base_m:.0f} MiB")
    print(f"poflow validate:             {ours_t:.3f} s, peak {ours_m:.0f} MiB")
    print(f"validate/read time ratio: {ours_t / base_t:.2f} (target <= 1.5)")
    print(f"validate/read memory ratio: {ours_m / base_m:.2f} (target <= 2.0)")


if __name__ == "__main__":
    main()
