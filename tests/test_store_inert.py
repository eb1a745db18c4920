"""Formula-inert text: memos like =HYPERLINK(...) land as visible text everywhere."""

from __future__ import annotations

import csv
import shutil
import subprocess
import tempfile
from pathlib import Path

import openpyxl
import pytest
import python_calamine
from hypothesis import given
from hypothesis import strategies as st

from poflow_sheets.store import AppendRows, apply_changes, inert_csv
from poflow_sheets.store.inert import FORMULA_TRIGGERS
from tests.store_helpers import make_book

MEMOS = ['=HYPERLINK("http://x","click")', "@SUM(A1)", "+1+2", "-5 refund", "\tTAB", "\r=1+1", "plain memo",
         "=cmd|' /C calc'!A0", "_x0041_ literal", "a < b & c > d"]


@pytest.mark.parametrize(("text", "want"), [
    ("=1+1", "'=1+1"), ("+1", "'+1"), ("-1", "'-1"), ("@x", "'@x"), ("\tx", "'\tx"), ("\rx", "'\rx"),
    ("x=1", "x=1"), ("", ""), ("'already", "'already"),
])
def test_inert_csv(text: str, want: str) -> None:
    assert inert_csv(text) == want


@given(st.text())
def test_inert_csv_never_starts_with_a_trigger(text: str) -> None:
    out = inert_csv(text)
    assert not out.startswith(FORMULA_TRIGGERS)
    assert out in (text, "'" + text)


def test_memos_are_text_in_openpyxl_calamine_and_libreoffice(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx", rows=2)
    out = tmp_path / "memos.xlsx"
    apply_changes(src, out, [AppendRows("Invoices", tuple((f"M{i}", None, None, m) for i, m in enumerate(MEMOS)))])
    ws = openpyxl.load_workbook(out)["Invoices"]
    for i, memo in enumerate(MEMOS):
        cell = ws.cell(4 + i, 4)
        # openpyxl does not undo Excel's _x005F_ escape of a literal "_x0041_"; Excel and calamine do
        assert cell.value == memo or memo.startswith("_x"), (cell.value, memo)
        assert cell.data_type == "s"
        assert bool(cell._style.quotePrefix) == memo.startswith(FORMULA_TRIGGERS)
    grid = python_calamine.CalamineWorkbook.from_path(str(out)).get_sheet_by_name("Invoices").to_python()
    assert [row[3] for row in grid[3:]] == MEMOS
    soffice = shutil.which("soffice")
    if soffice is None:
        pytest.skip("LibreOffice not installed")
    with tempfile.TemporaryDirectory(prefix="poflow-lo-profile-") as profile:
        subprocess.run([soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
                        "--convert-to", "csv:Text - txt - csv (StarCalc):44,34,76,1", "--outdir", str(tmp_path),
                        str(out)], check=True, capture_output=True, timeout=300)
    with open(tmp_path / "memos.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f))
    got = [r[3] for r in rows[3:]]
    assert got[:4] == MEMOS[:4]
    assert got[7] == MEMOS[7]
    assert got[9] == MEMOS[9]
    # no formula ran: nothing evaluated to a number or a link target
    assert "click" not in got and "3" not in got
