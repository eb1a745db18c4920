"""Run one measured job in a fresh process: prints `seconds peak_rss_mib` on its last line.

Usage: python bench/_measure.py JOB PATH   (JOB: pandas | validate | read)
"""

from __future__ import annotations

import resource
import sys
import time
from datetime import date
from pathlib import Path


def main() -> None:
    """Run the job named on the command line."""
    job, path = sys.argv[1], Path(sys.argv[2])
    if job == "pandas":
        import pandas as pd

        t0 = time.perf_counter()
        pd.read_excel(path, sheet_name=None, engine="calamine")
    elif job == "validate":
        from poflow_sheets.reader import read_workbook
        from poflow_sheets.validate import validate

        t0 = time.perf_counter()
        validate(read_workbook(path), date(2026, 11, 26))
    elif job == "read":
        from poflow_sheets.reader import read_workbook

        t0 = time.perf_counter()
        read_workbook(path)
    else:
        raise SystemExit(f"unknown job {job}")
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"{seconds:.4f} {peak:.1f}")


if __name__ == "__main__":
    main()
