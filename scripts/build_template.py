"""Write the empty workbook template from the schema: `python scripts/build_template.py [OUT]`.

OUT defaults to `workbook_template.xlsx` at the repository root. The output is deterministic, so the
committed template can be compared byte for byte with a fresh build (tests/test_template.py does).
"""

from __future__ import annotations

import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run from a checkout without installing the package
    sys.path.insert(0, str(REPO))

from poflow_sheets.template import write_new_workbook  # noqa: E402

DEFAULT_OUT = REPO / "workbook_template.xlsx"


def main(argv: list[str] | None = None) -> int:
    """Build the template at the path given (or the default) and say where it went."""
    args = sys.argv[1:] if argv is None else argv
    if len(args) > 1 or (args and args[0] in ("-h", "--help")):
        print(__doc__.strip().splitlines()[0], file=sys.stderr)
        return 2
    out = Path(args[0]) if args else DEFAULT_OUT
    write_new_workbook(out)
    print(out)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
