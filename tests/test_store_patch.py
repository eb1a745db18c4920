"""The .xlsx patcher: tables, styles, dimension, autofilter, new tabs, formulas, macros, values."""

from __future__ import annotations

import re
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
import python_calamine

from poflow_sheets.errors import Refused
from poflow_sheets.store import (
    AddSheet,
    AppendRows,
    Formula,
    PrintSetup,
    SetCell,
    Styled,
    apply_changes,
)
from poflow_sheets.store.xlsx_patch import excel_serial
from tests.conftest import DATA, FIXTURES, needs_corpus
from tests.store_helpers import make_book, members


def _sheet_xml(path: Path, part: str = "xl/worksheets/sheet1.xml") -> str:
    return members(path)[part].decode()


def test_append_extends_table_and_carries_styles(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx", rows=4, table=True)
    out = tmp_path / "b.xlsx"
    result = apply_changes(src, out, [AppendRows("invoices", (
        ("INV-9001", date(2026, 3, 4), Decimal("1234.50"), "open"),
        ("INV-9002", date(2026, 3, 5), Decimal("10"), "paid"),
    ))])
    assert result.appended == (("Invoices", 6, 7),)
    wb = openpyxl.load_workbook(out)
    ws = wb["Invoices"]
    assert ws.tables["InvoiceTable"].ref == "A1:D7"
    assert ws.tables["InvoiceTable"].autoFilter.ref == "A1:D7"
    assert ws.cell(6, 2).number_format == "dd/mm/yyyy" and ws.cell(6, 2).value == datetime(2026, 3, 4)
    assert ws.cell(7, 3).number_format == "#,##0.00" and ws.cell(7, 3).value == 10
    assert not ws.cell(6, 1).font.b  # the bold header is not carried into data rows
    assert ws.calculate_dimension() == "A1:D7"
    xml = _sheet_xml(out)
    assert '<dimension ref="A1:D7"/>' in xml
    assert "<v>1234.50</v>" in xml  # exact decimal text, no float round-trip
    assert 'fullCalcOnLoad="1"' in members(out)["xl/workbook.xml"].decode()


def test_append_extends_sheet_autofilter_and_its_defined_name(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx", rows=3, autofilter=True)
    out = tmp_path / "b.xlsx"
    apply_changes(src, out, [AppendRows("Invoices", (("INV-X", None, 1, "open"),))])
    assert '<autoFilter ref="A1:D5"/>' in _sheet_xml(out)
    wbxml = members(out)["xl/workbook.xml"].decode()
    assert "Invoices!$A$1:$D$5" in wbxml


def test_untouched_members_are_raw_copies(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx", rows=50)
    out = tmp_path / "b.xlsx"
    result = apply_changes(src, out, [SetCell("Invoices", 2, 4, "paid")])
    assert set(result.parts_modified) <= {"xl/worksheets/sheet1.xml", "xl/workbook.xml"}  # xlsxwriter sets fullCalcOnLoad
    with zipfile.ZipFile(src) as a, zipfile.ZipFile(out) as b:
        assert a.namelist() == b.namelist()
        for ia in a.infolist():
            ib = b.getinfo(ia.filename)
            if ia.filename in result.parts_modified:
                continue
            assert (ia.CRC, ia.compress_size, ia.compress_type, ia.date_time) == \
                (ib.CRC, ib.compress_size, ib.compress_type, ib.date_time)
        raw_a, raw_b = src.read_bytes(), out.read_bytes()
        for name in ("xl/charts/chart1.xml", "xl/worksheets/sheet2.xml", "xl/drawings/drawing1.xml"):
            ia, ib = a.getinfo(name), b.getinfo(name)
            la = raw_a[ia.header_offset: ia.header_offset + 30 + len(name) + ia.compress_size]
            lb = raw_b[ib.header_offset: ib.header_offset + 30 + len(name) + ib.compress_size]
            assert la == lb


def test_untouched_cells_and_rows_keep_their_text(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx", rows=20)
    out = tmp_path / "b.xlsx"
    apply_changes(src, out, [SetCell("Invoices", 5, 4, "paid")])
    before, after = _sheet_xml(src), _sheet_xml(out)
    rows_before = re.findall(r"<row .*?</row>", before)
    rows_after = re.findall(r"<row .*?</row>", after)
    changed = [i for i, (x, y) in enumerate(zip(rows_before, rows_after, strict=True)) if x != y]
    assert changed == [4]
    assert before[: before.index("<sheetData>")] == after[: after.index("<sheetData>")]


def test_add_sheet_print_setup_table_freeze_widths(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    out = tmp_path / "b.xlsx"
    rows = (
        (Styled("PO Number", bold=True), Styled("Date", bold=True), Styled("Amount", bold=True)),
        ("PO-1", date(2026, 3, 4), Decimal("12.30")),
        ("PO-2", datetime(2026, 3, 4, 15, 30), Styled(Decimal("1.5"), num_format="0.00")),
    )
    result = apply_changes(src, out, [AddSheet(
        "Orders", rows, col_widths=(14, 12, 10), freeze_header=True, as_table=True,
        print_setup=PrintSetup(fit_width=True, landscape=True, header="&CPO list", footer="&CPage &P of &N"))])
    assert result.sheets_added == ("Orders",)
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Invoices", "Data", "Orders"]
    ws = wb["Orders"]
    assert ws.print_area == "'Orders'!$A$1:$C$3"
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    assert ws.page_setup.orientation == "landscape"
    assert ws.oddHeader.center.text == "PO list"
    assert ws.freeze_panes == "A2"
    assert ws.column_dimensions["A"].width == 14
    assert ws.tables["Orders"].ref == "A1:C3"
    assert ws["A1"].font.b and not ws["A2"].font.b
    assert ws["B2"].value == datetime(2026, 3, 4) and ws["B2"].number_format == "yyyy-mm-dd"
    assert ws["B3"].value == datetime(2026, 3, 4, 15, 30)
    assert ws["C3"].number_format == "0.00"
    app = members(out)["docProps/app.xml"].decode()
    assert "<vt:lpstr>Orders</vt:lpstr>" in app
    cw = python_calamine.CalamineWorkbook.from_path(str(out))
    assert cw.get_sheet_by_name("Orders").to_python()[1] == ["PO-1", date(2026, 3, 4), 12.3]


def test_header_only_table_grows_with_appends(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    mid, out = tmp_path / "mid.xlsx", tmp_path / "out.xlsx"
    apply_changes(src, mid, [AddSheet("Allocations", (("Transaction ID", "Amount"),), as_table=True)])
    assert openpyxl.load_workbook(mid)["Allocations"].tables["Allocations"].ref == "A1:B2"
    apply_changes(mid, out, [AppendRows("allocations", (("T1", Decimal("5")), ("T2", Decimal("6")),
                                                        ("T3", Decimal("7"))))])
    ws = openpyxl.load_workbook(out)["Allocations"]
    assert ws.tables["Allocations"].ref == "A1:B4"
    assert [c.value for c in ws["A"]] == ["Transaction ID", "T1", "T2", "T3"]


def test_add_sheet_if_missing_ignores_case_and_names_are_checked(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    out = tmp_path / "b.xlsx"
    assert not apply_changes(src, out, [AddSheet("INVOICES", (("x",),))]).changed
    assert out.read_bytes() == src.read_bytes()
    with pytest.raises(Refused, match="already exists"):
        apply_changes(src, out, [AddSheet("invoices", (("x",),), if_missing=False)])
    for bad in ("a/b", "x" * 32, "", "What?", "'quoted'"):
        with pytest.raises(Refused, match="not a valid tab name"):
            apply_changes(src, out, [AddSheet(bad, ())])
    with pytest.raises(Refused, match="no tab named"):
        apply_changes(src, out, [SetCell("Nope", 1, 1, "x")])


def test_none_clears_and_formulas_are_written_on_purpose_only(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx")
    out = tmp_path / "b.xlsx"
    apply_changes(src, out, [
        SetCell("Invoices", 2, 4, None),
        SetCell("Invoices", 2, 6, Formula("=C2*2")),
        SetCell("Invoices", 3, 6, "=C3*2"),
        SetCell("Invoices", 4, 6, True),
    ])
    ws = openpyxl.load_workbook(out)["Invoices"]
    assert ws["D2"].value is None
    assert ws["F2"].value == "=C2*2" and ws["F2"].data_type == "f"
    assert ws["F3"].value == "=C3*2" and ws["F3"].data_type == "s" and ws["F3"]._style.quotePrefix
    assert ws["F4"].value is True


def _hand_made(path: Path, sheet_data: str, extra_parts: dict[str, str] | None = None,
               calc_chain: bool = False) -> Path:
    """A minimal package written by hand (for XML shapes xlsxwriter does not produce)."""
    ns = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    rns = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'
    ct_over = ('<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
               'officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" '
               'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>')
    rels = '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/' \
           'worksheet" Target="worksheets/sheet1.xml"/>'
    if calc_chain:
        ct_over += ('<Override PartName="/xl/calcChain.xml" ContentType="application/vnd.openxmlformats-'
                    'officedocument.spreadsheetml.calcChain+xml"/>')
        rels += ('<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                 'relationships/calcChain" Target="calcChain.xml"/>')
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>' + ct_over + "</Types>",
        "_rels/.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'officeDocument" Target="xl/workbook.xml"/></Relationships>',
        "xl/workbook.xml": f'<workbook {ns} {rns}><sheets><sheet name="S" sheetId="1" r:id="rId1"/></sheets>'
        '<calcPr calcId="191029"/></workbook>',
        "xl/_rels/workbook.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'relationships">{rels}</Relationships>',
        "xl/worksheets/sheet1.xml": f'<worksheet {ns}><dimension ref="A1:C4"/><sheetData>{sheet_data}'
        "</sheetData></worksheet>",
    }
    if calc_chain:
        parts["xl/calcChain.xml"] = f'<calcChain {ns}><c r="C2" i="1"/></calcChain>'
    parts.update(extra_parts or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, text in parts.items():
            z.writestr(name, text)
    return path


def test_overwriting_a_shared_formula_master_keeps_the_other_formulas(tmp_path: Path) -> None:
    rows = "".join(
        f'<row r="{r}"><c r="A{r}"><v>{r}</v></c><c r="B{r}"><v>1</v></c><c r="C{r}">'
        + ('<f t="shared" ref="C2:C4" si="0">A2+B2</f>' if r == 2 else '<f t="shared" si="0"/>')
        + f"<v>{r + 1}</v></c></row>" for r in (2, 3, 4))
    src = _hand_made(tmp_path / "a.xlsx", rows, calc_chain=True)
    out = tmp_path / "b.xlsx"
    result = apply_changes(src, out, [SetCell("s", 2, 3, 99)])
    ws = openpyxl.load_workbook(out)["S"]
    assert ws["C2"].value == 99
    assert ws["C3"].value == "=A3+B3" and ws["C4"].value == "=A4+B4"
    # the calculation chain named a formula that is gone: it is dropped, Excel rebuilds it
    assert "xl/calcChain.xml" in result.parts_removed
    m = members(out)
    assert "xl/calcChain.xml" not in m and "calcChain" not in m["[Content_Types].xml"].decode()
    assert "calcChain" not in m["xl/_rels/workbook.xml.rels"].decode()
    assert 'fullCalcOnLoad="1"' in m["xl/workbook.xml"].decode()
    assert "xl/styles.xml" in result.parts_added or "xl/styles.xml" not in m


def test_array_formula_cells_are_refused(tmp_path: Path) -> None:
    rows = ('<row r="1"><c r="A1"><f t="array" ref="A1:A2">{1;2}</f><v>1</v></c></row>'
            '<row r="2"><c r="A2"><v>2</v></c></row>')
    src = _hand_made(tmp_path / "a.xlsx", rows)
    with pytest.raises(Refused, match="array formula"):
        apply_changes(src, tmp_path / "b.xlsx", [SetCell("S", 2, 1, 5)])


def test_rows_and_cells_without_references_and_prefixed_xml(tmp_path: Path) -> None:
    rows = '<row><c><v>1</v></c><c><v>2</v></c></row><row r="2"><c r="B2"><v>3</v></c></row>'
    src = _hand_made(tmp_path / "a.xlsx", rows)
    out = tmp_path / "b.xlsx"
    apply_changes(src, out, [SetCell("S", 1, 3, "x"), AppendRows("S", (("y",),))])
    ws = openpyxl.load_workbook(out)["S"]
    assert [[c.value for c in r] for r in ws.iter_rows()] == [[1, 2, "x"], [None, 3, None], ["y", None, None]]


def test_prefixed_worksheet_xml(tmp_path: Path) -> None:
    x = 'xmlns:x="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
    sheet = (f'<x:worksheet {x}><x:dimension ref="A1"/><x:sheetData><x:row r="1"><x:c r="A1" t="inlineStr">'
             "<x:is><x:t>head</x:t></x:is></x:c></x:row></x:sheetData></x:worksheet>")
    src = _hand_made(tmp_path / "a.xlsx", "", {"xl/worksheets/sheet1.xml": sheet})
    out = tmp_path / "b.xlsx"
    apply_changes(src, out, [AppendRows("S", (("v", 2),)), SetCell("S", 1, 2, "h2")])
    xml = _sheet_xml(out)
    assert '<x:row r="2"><x:c r="A2" t="inlineStr"><x:is><x:t>v</x:t></x:is></x:c><x:c r="B2"><x:v>2</x:v>' in xml
    assert '<x:dimension ref="A1:B2"/>' in xml
    ws = openpyxl.load_workbook(out)["S"]
    assert [[c.value for c in r] for r in ws.iter_rows()] == [["head", "h2"], ["v", 2]]


def test_merged_block_below_last_value_is_not_written_into(tmp_path: Path) -> None:
    src = make_book(tmp_path / "a.xlsx", rows=2)
    ws_path = tmp_path / "m.xlsx"
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(ws_path))
    ws = wb.add_worksheet("Notes")
    ws.merge_range("A1:C3", "a note")
    wb.close()
    out = tmp_path / "b.xlsx"
    apply_changes(ws_path, out, [AppendRows("Notes", (("next",),))])
    assert openpyxl.load_workbook(out)["Notes"]["A4"].value == "next"
    assert src.exists()


@pytest.mark.parametrize("src", [
    FIXTURES / "excel" / "macro.xlsm",
    pytest.param(DATA / "excel-made-workbooks" / "macro01.xlsm", marks=needs_corpus, id="corpus-macro01.xlsm"),
], ids=lambda p: p.name)
def test_xlsm_keeps_macros(src: Path, tmp_path: Path) -> None:
    out = tmp_path / "m.xlsm"
    apply_changes(src, out, [AppendRows("Sheet1", (("x", 1),)), AddSheet("Orders", (("PO Number",),))])
    a, b = members(src), members(out)
    assert a["xl/vbaProject.bin"] == b["xl/vbaProject.bin"]
    assert "macroEnabled.main+xml" in b["[Content_Types].xml"].decode()
    assert openpyxl.load_workbook(out)["Sheet1"]["A1"].value is not None  # (keep_vba leaks a ZipFile)


def test_date_serials() -> None:
    assert excel_serial(date(1900, 1, 1), False) == "1"
    assert excel_serial(date(1900, 3, 1), False) == "61"
    assert excel_serial(date(2026, 3, 4), False) == "46085"
    assert excel_serial(date(1904, 1, 2), True) == "1"
    assert excel_serial(datetime(2026, 3, 4, 12, 0), False) == "46085.5"


def test_1904_workbook_dates(tmp_path: Path) -> None:
    src = _hand_made(tmp_path / "a.xlsx", '<row r="1"><c r="A1"><v>1</v></c></row>')
    # switch the workbook to the 1904 date system
    with zipfile.ZipFile(src) as z:
        parts = {n: z.read(n) for n in z.namelist()}
    parts["xl/workbook.xml"] = parts["xl/workbook.xml"].replace(b"<sheets>", b'<workbookPr date1904="1"/><sheets>')
    with zipfile.ZipFile(src, "w") as z:
        for n, d in parts.items():
            z.writestr(n, d)
    out = tmp_path / "b.xlsx"
    apply_changes(src, out, [AppendRows("S", ((date(2026, 3, 4),),))])
    assert openpyxl.load_workbook(out)["S"]["A2"].value == datetime(2026, 3, 4)
