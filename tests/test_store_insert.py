"""Rows appended above a person's totals row (issue 16): the rows below move down and everything that points
at them follows; a range ending on the last record grows over the new rows; nothing else changes."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from openpyxl.comments import Comment
from openpyxl.formatting.rule import CellIsRule
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from poflow_sheets.layout import choose_header, non_record_rows
from poflow_sheets.store import AppendRows, apply_changes
from poflow_sheets.store.rowshift import Shift


@pytest.mark.parametrize("text,own,extend,want", [
    ("SUM(B2:B5)", True, True, "SUM(B2:B7)"),  # ends on the last record: grows over the new rows
    ("SUM(B2:B5)", True, False, "SUM(B2:B5)"),  # a data row's own formula keeps its range
    ("SUM($B$2:B5)", True, False, "SUM($B$2:B5)"),
    ("B6*2", True, True, "B8*2"),  # a moved cell moves
    ("$B$6", True, False, "$B$8"),
    ("SUM(B2:B9)", True, False, "SUM(B2:B11)"),  # spans the insertion point: grows
    ("SUM(6:6)", True, True, "SUM(8:8)"),
    ("SUM(B:B)", True, True, "SUM(B:B)"),
    ("Data!B6+'Data'!B2", False, True, "Data!B8+'Data'!B2"),
    ("Other!B6+B6", False, True, "Other!B6+B6"),  # another sheet's cells, and unqualified ones from elsewhere
    ('IF(A6="B6","x",B6)', True, True, 'IF(A8="B6","x",B8)'),  # text in quotes is not a reference
    ("SUBTOTAL(109,Table1[Amount])", True, True, "SUBTOTAL(109,Table1[Amount])"),
])
def test_shift_formula(text: str, own: bool, extend: bool, want: str) -> None:
    assert Shift("Data", 6, 2).formula(text, own=own, extend=extend) == want


def _book(path: Path, *, label: bool = True) -> Path:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Data"
    ws.append(["Name", "Amount", "Running"])
    for i, (name, amount) in enumerate([("a", 10), ("b", 20), ("c", 30), ("d", 40)], start=2):
        ws.append([name, amount, f"=SUM($B$2:B{i})"])
    ws.append(["TOTAL" if label else None, "=SUM(B2:B5)"])
    ws["B6"].comment = Comment("the total", "me")
    ws.append([])
    ws.append(["Prices exclude tax"])
    ws.merge_cells("A8:C8")
    ws.conditional_formatting.add("B2:B5", CellIsRule(operator="greaterThan", formula=["25"]))
    dv = DataValidation(type="whole", operator="greaterThan", formula1="0")
    dv.add("B2:B5")
    ws.add_data_validation(dv)
    summary = wb.create_sheet("Summary")
    summary["A1"] = "=Data!B6"
    summary["A2"] = "=SUM(Data!B2:B5)"
    wb.defined_names["TotalAmount"] = DefinedName("TotalAmount", attr_text="Data!$B$6")
    wb.save(path)
    return path


def test_rows_go_above_the_totals_row_and_everything_follows(tmp_path: Path) -> None:
    src = _book(tmp_path / "in.xlsx")
    out = tmp_path / "out.xlsx"
    result = apply_changes(src, out, [AppendRows("Data", (("e", 50), ("f", 60)), after=5, totals_below=True,
                                                 header_row=1)])
    assert result.appended == (("Data", 6, 7),)
    wb = openpyxl.load_workbook(out)
    ws = wb["Data"]
    assert [[c.value for c in r] for r in ws.iter_rows(min_row=2, max_row=10, max_col=3)] == [
        ["a", 10, "=SUM($B$2:B2)"], ["b", 20, "=SUM($B$2:B3)"], ["c", 30, "=SUM($B$2:B4)"],
        ["d", 40, "=SUM($B$2:B5)"], ["e", 50, None], ["f", 60, None],
        ["TOTAL", "=SUM(B2:B7)", None], [None, None, None], ["Prices exclude tax", None, None]]
    assert [str(m) for m in ws.merged_cells.ranges] == ["A10:C10"]
    assert [str(cf.sqref) for cf in ws.conditional_formatting] == ["B2:B7"]
    assert [str(dv.sqref) for dv in ws.data_validations.dataValidation] == ["B2:B7"]
    assert ws["B8"].comment is not None and ws["B8"].comment.text == "the total"
    assert [wb["Summary"]["A1"].value, wb["Summary"]["A2"].value] == ["=Data!B8", "=SUM(Data!B2:B7)"]
    assert wb.defined_names["TotalAmount"].attr_text == "Data!$B$8"


def test_a_formula_totals_row_without_a_label_is_found_in_the_sheet(tmp_path: Path) -> None:
    """A SUM row a person typed with no label reads as blank (no cached value): the sheet's formulas say it."""
    src = _book(tmp_path / "in.xlsx", label=False)
    out = tmp_path / "out.xlsx"
    apply_changes(src, out, [AppendRows("Data", (("e", 50),), after=5, header_row=1)])
    ws = openpyxl.load_workbook(out)["Data"]
    assert (ws["A6"].value, ws["B7"].value) == ("e", "=SUM(B2:B6)")


def test_without_a_totals_row_rows_are_appended_as_before(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.append(["Name", "Amount"])
    ws.append(["a", 1])
    ws.append([])
    ws.append(["a note"])
    wb.save(tmp_path / "in.xlsx")
    apply_changes(tmp_path / "in.xlsx", tmp_path / "out.xlsx", [AppendRows("Sheet", (("b", 2),), after=2)])
    ws = openpyxl.load_workbook(tmp_path / "out.xlsx")["Sheet"]
    assert (ws["A4"].value, ws["A5"].value) == ("a note", "b")


def test_header_below_a_title_block_and_a_two_row_header() -> None:
    known = frozenset({"ponumber", "buyerid", "qty", "name", "email", "terms"})
    rows = [["2026 Orders", "", ""], ["", "", ""], ["PO Number", "Buyer ID", "Qty"], ["PO-1", "B", 3.0]]
    assert choose_header(rows, known).index == 2
    two = [["Buyer", "", "Terms"], ["ID", "Email", ""], ["B1", "b@x", "Net 30"]]
    header = choose_header(two, known, lambda: [((0, 0), (0, 1)), ((0, 2), (1, 2))])
    assert (header.index, header.cells) == (1, ("Buyer ID", "Email", "Terms"))
    assert choose_header([["", ""], ["Foo", "Bar"]], known).index == 1  # nothing matches: the first row with a value


def test_rows_that_are_not_records() -> None:
    data = [["PO-1", "B", 3.0], ["Spring 2026", "", ""], ["PO-2", "B", 4.0], ["Subtotal", "", 7.0],
            ["PO 3", "Total Wine & More", 1.0], ["", "", 8.0], ["TOTAL", "", 8.0], ["Prices in USD", "", ""]]
    nr = non_record_rows(data, 0, 4)
    assert sorted(nr.skip) == [1, 3, 6, 7]  # a label, a subtotal, the total, a note; row 5 needs the sheet's word
    assert (nr.last_record, nr.totals_below) == (5, True)
    assert sorted(nr.totals) == [3, 6]


def test_a_numbers_only_row_is_a_total_when_the_sheet_says_sum() -> None:
    from poflow_sheets.layout import RowFormulas

    data = [["PO-1", "B", 3.0], ["", "", 3.0]]
    asked: list[list[int]] = []

    def probe(rows: object) -> RowFormulas:
        asked.append(sorted(rows))  # type: ignore[call-overload]
        return RowFormulas({5: ("SUM(C4:C4)",)}, frozenset())

    assert sorted(non_record_rows(data, 0, 4, probe=probe).skip) == [1] and asked == [[5]]
    assert non_record_rows(data, 0, 4).skip == frozenset()  # without the sheet: a record, reported as such


def test_a_chart_over_the_data_grows_and_its_anchor_below_moves(tmp_path: Path) -> None:
    import re
    import zipfile

    from openpyxl.chart import BarChart, Reference

    src = _book(tmp_path / "in.xlsx")
    wb = openpyxl.load_workbook(src)
    ws = wb["Data"]
    chart = BarChart()
    chart.add_data(Reference(ws, min_col=2, min_row=1, max_row=5), titles_from_data=True)
    ws.add_chart(chart, "E10")  # anchored below the totals row
    wb.save(src)
    out = tmp_path / "out.xlsx"
    apply_changes(src, out, [AppendRows("Data", (("e", 50),), after=5, totals_below=True, header_row=1)])
    with zipfile.ZipFile(out) as zf:
        chart_xml = zf.read(next(n for n in zf.namelist() if n.startswith("xl/charts/chart"))).decode()
        drawing = zf.read(next(n for n in zf.namelist() if n.startswith("xl/drawings/drawing"))).decode()
    assert "'Data'!$B$2:$B$6" in chart_xml  # the series covers the new row
    assert re.search(r"<(?:\w+:)?row>10</(?:\w+:)?row>", drawing)  # E10 (row index 9) moved down one row
