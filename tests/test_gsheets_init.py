"""`poflow init gsheet:ID`: on a new, empty spreadsheet the template's workbook (tabs, headers, Settings, frozen
headers, widths, number and date formats, drop-downs, highlights, header notes); elsewhere only the missing tabs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import openpyxl

from poflow_sheets.gsheets.write import pixels
from poflow_sheets.template import write_new_workbook
from tests.fake_sheets import FakeSheets
from tests.fake_sheets.a1 import format_range
from tests.fake_sheets.model import Sheet, grid_range
from tests.sheets_helpers import invoke, same_cells, sheet_tabs, xlsx_tabs

SHEET = "NEW-SHEET"
WB = f"gsheet:{SHEET}"


def _a1(sheet: Sheet, gr: dict[str, Any]) -> str:
    box = grid_range(sheet, gr)
    return format_range(sheet.title, box.r0, box.r1, box.c0, box.c1).split("!")[1]


def test_init_on_a_new_empty_spreadsheet_gives_the_template(google: FakeSheets, tmp_path: Path) -> None:
    google.create(SHEET, "new")  # as Google makes one: a single empty Sheet1
    mark = google.mark()
    assert "created from the template" in invoke("init", WB).output
    assert dict(google.counts(mark)) == {"spreadsheets.get": 1, "values.batchGet": 1, "spreadsheets.batchUpdate": 1,
                                         "values.batchUpdate": 1}
    template = tmp_path / "template.xlsx"
    write_new_workbook(template)
    assert same_cells(xlsx_tabs(template), sheet_tabs(google, SHEET)) == []
    book = google.books[SHEET]
    wb = openpyxl.load_workbook(template)
    assert [s.title for s in book.sheets] == wb.sheetnames
    for ws in wb.worksheets:
        sheet = book.by_title(ws.title)
        assert sheet is not None
        assert ws.freeze_panes == "A2" and sheet.grid.get("frozenRowCount") == 1
        assert sheet.row_count == 5000  # drop-downs and formats reach row 5000, as in the template
        for dim in ws.column_dimensions.values():
            for col in range(dim.min, dim.max + 1):
                c0 = col - 1
                want = None if dim.number_format == "General" else dim.number_format
                got = (sheet.number_format(1, c0) or {}).get("pattern")
                assert got == want, (ws.title, col, got, want)
                assert sheet.col_meta[c0]["pixelSize"] == pixels(int(dim.width)), (ws.title, col)
                header = ws.cell(1, col)
                assert sheet.notes.get((0, c0)) == (header.comment.text if header.comment else None)
        header_format = sheet.fmt(0, 0)
        assert header_format["textFormat"]["bold"] is True and header_format["backgroundColor"]["red"] > 0.8
        want_dv = sorted((str(dv.sqref), dv.formula1.strip('"').split(",") if dv.formula1.startswith('"')
                          else ["=" + dv.formula1], dv.errorStyle != "warning")
                         for dv in ws.data_validations.dataValidation)
        got_dv = sorted((format_range(sheet.title, box.r0, box.r1, box.c0, box.c1).split("!")[1],
                         [v["userEnteredValue"] for v in rule["condition"]["values"]], rule["strict"])
                        for box, rule in sheet.validations if rule is not None)
        assert got_dv == want_dv, ws.title
        want_cf = [(str(rng.sqref), r.formula[0] if r.type == "expression" else r.formula[0].strip('"'))
                   for rng in ws.conditional_formatting for r in rng.rules]
        got_cf = []
        for rule in sheet.conditional_formats:
            cond = rule["booleanRule"]["condition"]
            value = cond["values"][0]["userEnteredValue"]
            got_cf.append((_a1(sheet, rule["ranges"][0]), value.lstrip("=") if cond["type"] == "CUSTOM_FORMULA"
                           else value))
        assert sorted(got_cf) == sorted(want_cf), ws.title


def test_init_adds_only_the_missing_tabs_and_leaves_the_rest_alone(google: FakeSheets) -> None:
    book = google.create(SHEET, "mine", sheet="Notes")
    notes = book.sheets[0]
    notes.rows = [["my own notes"], ["keep me"]]
    orders = book.add_sheet("Orders", 77)
    orders.rows = [["PO Number", "Buyer ID", "PO Date", "Status", "Ship Date", "Terms", "Deposit Pct", "Extra"],
                   ["PO-1", "B1", 46000, "draft"]]
    before = sheet_tabs(google, SHEET)
    out = invoke("init", WB).output
    from poflow_sheets.schema import TABS

    assert f"added tabs {', '.join(t.name for t in TABS if t.name != 'Orders')}" in out  # every schema tab but Orders
    after = sheet_tabs(google, SHEET)
    assert after["Notes"] == before["Notes"] and after["Orders"] == before["Orders"]
    assert [s.title for s in google.books[SHEET].sheets][:2] == ["Notes", "Orders"]
    assert "has every tab already; nothing to do" in invoke("init", WB).output
    assert "is not empty; --demo fills only a new, empty spreadsheet" in invoke("init", WB, "--demo", ok=(2,)).stderr
