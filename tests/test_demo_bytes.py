"""The demo and template workbooks are written exactly as before the adoption work (issue 16): the same
commands, with the same clock, write the same bytes. The golden hashes in tests/golden/demo_bytes.json were
made by the code before header detection, non-record rows, the poflow Map and inserts above totals rows
existed (`pytest tests/test_demo_bytes.py --regen` rewrites them; do that only for a change meant to alter
the bytes)."""

from __future__ import annotations

import hashlib
import json
from datetime import date, datetime
from pathlib import Path

from poflow_sheets import app
from poflow_sheets.demo import write_demo
from poflow_sheets.template import write_new_workbook

from .conftest import GOLDEN

TODAY = date(2026, 11, 26)
NOW = datetime(2026, 11, 26, 12, 0, 0)
BANK = ("Details,Posting Date,Description,Amount,Type,Balance,Check or Slip #,\n"
        'CREDIT,11/20/2026,"HARBOR HOME CO PO-0998",393.00,ACH_CREDIT,1,,\n')
FILE = GOLDEN / "demo_bytes.json"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _run(tmp: Path) -> dict[str, str]:
    """Each step's workbook hash: the demo through the order flow, the template through init and a bank import."""
    demo, template, bank = tmp / "demo.xlsx", tmp / "template.xlsx", tmp / "bank.csv"
    bank.write_text(BANK)
    out: dict[str, str] = {}

    def opts(command: str) -> app.WriteOptions:
        return app.WriteOptions(command=f"poflow {command}", now=NOW, out_dir=tmp / "docs")

    write_demo(demo)
    out["demo"] = _sha(demo)
    app.init(demo)
    out["demo init"] = _sha(demo)
    steps = [
        ("quote", lambda: app.quote(demo, "CORNER", {"CDL-OAK-8": 48}, TODAY, opts=opts("quote"))),
        ("linesheet", lambda: app.linesheet(demo, TODAY, opts=opts("linesheet"))),
        ("confirm", lambda: app.confirm(demo, "PO-1009", TODAY, opts("confirm"))),
        ("approve", lambda: app.approve(demo, "OC-0002", TODAY, opts("approve"))),
        ("acknowledge", lambda: app.acknowledge(demo, "PO-1007", TODAY, opts("acknowledge"))),
        ("invoice", lambda: app.invoice(demo, "CS-2291", TODAY, opts=opts("invoice"))),
        ("credit", lambda: app.credit(demo, "INV-1003", TODAY, reason="scratched", amount=None,
                                      lines={1: 1}, opts=opts("credit"))),
        ("statement", lambda: app.statement(demo, "HARBOR", TODAY, opts("statement"))),
        ("import-bank", lambda: app.import_bank(demo, [bank], opts("import-bank"))),
        ("reconcile", lambda: app.reconcile(demo, [bank], TODAY, apply=True, opts=opts("reconcile"))),
        ("cancel", lambda: app.cancel(demo, "PO-1009", TODAY, reason="shop closed", opts=opts("cancel"))),
    ]
    for name, step in steps:
        step()
        out[f"demo {name}"] = _sha(demo)
    write_new_workbook(template)
    out["template"] = _sha(template)
    app.init(template)
    out["template init"] = _sha(template)
    app.import_bank(template, [bank], opts("import-bank"))
    out["template import-bank"] = _sha(template)
    return out


def test_demo_and_template_bytes_are_as_before(tmp_path: Path, regen: bool) -> None:
    got = _run(tmp_path)
    if regen:
        FILE.write_text(json.dumps(got, indent=1) + "\n")
    want = json.loads(FILE.read_text())
    assert got == want
