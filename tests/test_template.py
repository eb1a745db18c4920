"""The workbook template: built from the schema, deterministic, readable by calamine, openpyxl and LibreOffice."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
import warnings
from collections.abc import Sequence
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from poflow_sheets import schema
from poflow_sheets.template import FORMAT_ROWS, NUMBER_FORMATS, setting_value, write_new_workbook

REPO = Path(__file__).resolve().parents[1]
TEMPLATE = REPO / "workbook_template.xlsx"

BUYERS = [
    ["B001", "Corner Shop LLC", "orders@corner.example", "1 Main St", "Store 12", "Net 30", Decimal("0.3"),
     "CORNER SHOP;CORNER SHOP LLC", True, "CA-123 exp 2027-01-01"],
    ["B002", "Döner & Co — Ünïcode", None, None, None, "2/10 Net 30", None, None, False, None],
]
ORDERS = [
    ["PO-1001", "OC-1", "B001", date(2026, 3, 4), date(2026, 4, 1), None, "Net 30", Decimal("0.5"), "approved",
     date(2026, 3, 5), date(2026, 3, 6), None, "=not a formula"],
    ["PO-1002", None, "B002", date(2026, 2, 28), None, None, None, None, "draft", None, None, None, None],
]
LINES = [
    ["PO-1001", 1, "SKU-1", "Mug, blue", 12, Decimal("12.50"), None, "accepted", 12, date(2026, 4, 1)],
    ["PO-1001", 2, "SKU-2", "Plate", 6, Decimal("0.10"), "short", "quantity changed", 4, None],
    ["PO-1002", 1, "SKU-3", "Bowl", 1, Decimal("1234567.89"), None, None, None, None],
    ["PO-1002", 2, "SKU-4", "http://example.com/not-a-link", 3, Decimal("-0.01")],  # short row: padded
]
FILLED = {"Buyers": BUYERS, "Orders": ORDERS, "Lines": LINES}


def _columns(tab: str) -> list[str]:
    return [c.key for c in schema.TAB_BY_NAME[tab].columns]


def _col(tab: str, key: str) -> int:
    return _columns(tab).index(key)


def _letter(tab: str, key: str) -> str:
    return openpyxl.utils.get_column_letter(_col(tab, key) + 1)


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("filled") / "filled.xlsx"
    write_new_workbook(path, FILLED, settings={"seller_name": "Acme Wholesale", "default_deposit_pct": "30%"})
    return path


def _calamine(path: Path) -> dict[str, list[list[object]]]:
    wb = CalamineWorkbook.from_path(str(path))
    return {name: wb.get_sheet_by_name(name).to_python() for name in wb.sheet_names}


# 1. No drift -----------------------------------------------------------------------------------------

def test_committed_template_matches_a_fresh_build(tmp_path: Path) -> None:
    """xlsxwriter in in-memory mode stamps every zip member 1980-01-01 and the document dates are fixed,
    so the build is byte-deterministic and the committed file must equal a fresh build exactly."""
    out = tmp_path / "workbook_template.xlsx"
    write_new_workbook(out)
    assert TEMPLATE.is_file(), "run: python scripts/build_template.py"
    assert out.read_bytes() == TEMPLATE.read_bytes(), "template drifted: run python scripts/build_template.py"


def test_build_script_writes_the_same_file(tmp_path: Path) -> None:
    out = tmp_path / "t.xlsx"
    subprocess.run([sys.executable, str(REPO / "scripts" / "build_template.py"), str(out)], check=True,
                   capture_output=True, timeout=120)
    assert out.read_bytes() == TEMPLATE.read_bytes()


def test_filled_workbook_is_deterministic(tmp_path: Path) -> None:
    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    write_new_workbook(a, FILLED)
    write_new_workbook(b, FILLED)
    assert a.read_bytes() == b.read_bytes()


# 2. Tabs, headers, settings, no phantom rows ------------------------------------------------------------

def test_tabs_and_headers_in_schema_order() -> None:
    sheets = _calamine(TEMPLATE)
    assert list(sheets) == [t.name for t in schema.TABS]
    for tab in schema.TABS:
        assert sheets[tab.name][0] == [c.header for c in tab.columns], tab.name


def test_settings_tab_lists_every_key_with_defaults() -> None:
    settings_tab = schema.TABS[0]
    rows = _calamine(TEMPLATE)[settings_tab.name][1:]
    assert [r[0] for r in rows] == [sk.label for sk in schema.SETTINGS_KEYS]
    for row, sk in zip(rows, schema.SETTINGS_KEYS, strict=True):
        assert row[2] == sk.help
        expected = setting_value(sk, sk.default)
        if expected is None:
            assert row[1] == ""
        elif isinstance(expected, str):
            assert row[1] == expected
        else:
            assert Decimal(repr(row[1])) == expected, sk.key


def test_data_tabs_have_no_data_rows() -> None:
    sheets = _calamine(TEMPLATE)
    for tab in schema.TABS[1:]:
        assert len(sheets[tab.name]) == 1, f"{tab.name} has phantom data rows"


# 3. openpyxl: validations, comments, tables, panes, conditional formats --------------------------------

@pytest.fixture(scope="module")
def template_xl() -> openpyxl.Workbook:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # any openpyxl complaint about the file fails the test
        return openpyxl.load_workbook(TEMPLATE)


def _column_dimension(ws: object, index: int) -> object:
    """The <col> group covering a 1-based column (xlsxwriter merges equal neighbours into one)."""
    for dim in ws.column_dimensions.values():  # type: ignore[attr-defined]
        if dim.min <= index <= dim.max:
            return dim
    raise AssertionError(f"no width for column {index}")


def _validation(ws: object, cell: str) -> object:
    for dv in ws.data_validations.dataValidation:  # type: ignore[attr-defined]
        if cell in dv.sqref:
            return dv
    raise AssertionError(f"no data validation on {cell}")


def test_enum_and_boolean_drop_downs(template_xl: openpyxl.Workbook) -> None:
    dv = _validation(template_xl["Orders"], f"{_letter('Orders', 'status')}2")
    assert dv.type == "list"  # type: ignore[attr-defined]
    assert dv.formula1 == '"' + ",".join(schema.ORDER_STATUSES) + '"'  # type: ignore[attr-defined]
    assert f"{_letter('Orders', 'status')}{FORMAT_ROWS}" in dv.sqref  # type: ignore[attr-defined]
    dv = _validation(template_xl["Buyers"], f"{_letter('Buyers', 'tax_exempt')}50")
    assert dv.formula1 == '"Yes,No"'  # type: ignore[attr-defined]


def test_reference_drop_down(template_xl: openpyxl.Workbook) -> None:
    dv = _validation(template_xl["Lines"], f"{_letter('Lines', 'po_number')}2")
    po = _letter("Orders", "po_number")
    assert dv.type == "list"  # type: ignore[attr-defined]
    assert dv.formula1 == f"Orders!${po}$2:${po}${FORMAT_ROWS}"  # type: ignore[attr-defined]


def test_reference_range_grows_with_the_referenced_tab(tmp_path: Path) -> None:
    path = tmp_path / "many.xlsx"
    n = FORMAT_ROWS + 10
    write_new_workbook(path, {"Orders": [[f"PO-{i}"] for i in range(n)]})
    ws = openpyxl.load_workbook(path)["Lines"]
    formula = _validation(ws, "A2").formula1  # type: ignore[attr-defined]
    assert int(formula.rsplit("$", 1)[1]) > n + 1


def test_header_comments_style_tables_and_panes(template_xl: openpyxl.Workbook) -> None:
    for tab in schema.TABS:
        ws = template_xl[tab.name]
        assert ws.freeze_panes == "A2", tab.name
        assert list(ws.tables) == [tab.name], tab.name
        table = ws.tables[tab.name]
        last = openpyxl.utils.get_column_letter(len(tab.columns))
        assert table.ref.startswith("A1:" + last), table.ref
        assert table.tableStyleInfo.name.startswith("TableStyleLight")
        for i, col in enumerate(tab.columns, start=1):
            cell = ws.cell(1, i)
            assert cell.value == col.header
            assert cell.font.b, col.header
            assert cell.fill.fgColor.rgb not in (None, "00000000"), col.header
            assert cell.border.bottom.style == "thin", col.header
            assert cell.comment is not None and cell.comment.text == col.help, col.header
            width = _column_dimension(ws, i).width  # type: ignore[attr-defined]
            assert abs(width - col.width) < 1, (tab.name, col.header, width)


def test_column_number_formats(template_xl: openpyxl.Workbook) -> None:
    seen = set()
    for tab in schema.TABS:
        ws = template_xl[tab.name]
        for i, col in enumerate(tab.columns, start=1):
            if col.type in NUMBER_FORMATS:
                dim = _column_dimension(ws, i)
                assert dim.number_format  # type: ignore[attr-defined] == NUMBER_FORMATS[col.type], (tab.name, col.header)
                seen.add(col.type)
    assert seen == set(NUMBER_FORMATS)


def test_invoice_conditional_formatting(template_xl: openpyxl.Workbook) -> None:
    ws = template_xl["Invoices"]
    formulas = [f for cf in ws.conditional_formatting for rule in cf.rules for f in rule.formula]
    due, balance = _letter("Invoices", "due_date"), _letter("Invoices", "balance")
    overdue = [f for f in formulas if "TODAY()" in f]
    assert overdue and f"${due}2" in overdue[0] and f"${balance}2" in overdue[0]
    assert f"N(${balance}2)>0" in formulas
    ranges = [str(cf.sqref) for cf in ws.conditional_formatting]
    assert any(r.endswith(str(FORMAT_ROWS)) for r in ranges)


# 4. LibreOffice ---------------------------------------------------------------------------------------

SOFFICE = shutil.which("soffice") or shutil.which("libreoffice")
ALL_SHEETS_CSV = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,true,false,false,-1"


def _soffice(src: Path, out: Path, profile: Path, target: str = "csv") -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [SOFFICE or "soffice", f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore",
         "--convert-to", target, "--outdir", str(out), str(src)],
        capture_output=True, text=True, timeout=180, check=False,
    )


def test_libreoffice_opens_template_and_filled_workbook(tmp_path: Path, filled: Path) -> None:
    assert SOFFICE is not None, "LibreOffice (soffice) must be installed: scripts/setup_system.sh installs it"
    profile = tmp_path / "lo-profile"
    done = _soffice(TEMPLATE, tmp_path / "t", profile)
    assert done.returncode == 0, done.stderr
    produced = tmp_path / "t" / "workbook_template.csv"
    assert produced.is_file(), done.stdout + done.stderr
    with produced.open(encoding="utf-8") as f:
        assert next(csv.reader(f)) == [c.header for c in schema.TABS[0].columns]

    done = _soffice(filled, tmp_path / "f", profile, ALL_SHEETS_CSV)
    assert done.returncode == 0, done.stderr

    def sheet(name: str) -> list[list[str]]:
        with (tmp_path / "f" / f"filled-{name}.csv").open(encoding="utf-8") as f:
            return list(csv.reader(f))

    lines = sheet("Lines")
    assert lines[0] == [c.header for c in schema.TAB_BY_NAME["Lines"].columns]
    assert len(lines) == 1 + len(LINES)
    assert lines[1][_col("Lines", "po_number")] == "PO-1001"
    assert lines[3][_col("Lines", "unit_price")] == "1,234,567.89"
    assert lines[1][_col("Lines", "promised_date")] == "2026-04-01"
    orders = sheet("Orders")
    assert orders[1][_col("Orders", "notes")] == "=not a formula"
    assert orders[1][_col("Orders", "deposit_pct")] == "50%"
    buyers = sheet("Buyers")
    assert buyers[2][_col("Buyers", "name")] == "Döner & Co — Ünïcode"
    assert [r[_col("Buyers", "tax_exempt")] for r in buyers[1:]] == ["Yes", "No"]
    settings = {r[0]: r[1] for r in sheet(schema.TABS[0].name)}
    labels = {sk.key: sk.label for sk in schema.SETTINGS_KEYS}
    assert settings[labels["seller_name"]] == "Acme Wholesale"
    assert settings[labels["default_deposit_pct"]] == "30%"
    assert len(sheet("Invoices")) == 1


# 5. A filled workbook reads back exactly ----------------------------------------------------------------

def _expected(value: object, boolean: bool) -> object:
    if isinstance(value, bool) and boolean:
        return "Yes" if value else "No"
    return "" if value is None else value


def _same(got: object, want: object) -> bool:
    if isinstance(want, Decimal):
        return isinstance(got, float) and Decimal(repr(got)) == want
    if isinstance(want, int) and not isinstance(want, bool):
        return isinstance(got, float) and got == want
    if isinstance(want, date) and not isinstance(want, datetime):
        return type(got) is date and got == want
    return type(got) is type(want) and got == want


def test_filled_workbook_reads_back_exactly(filled: Path) -> None:
    sheets = _calamine(filled)
    for name, rows in FILLED.items():
        tab = schema.TAB_BY_NAME[name]
        got = sheets[name][1:]
        assert len(got) == len(rows), name
        for r, (g, want) in enumerate(zip(got, rows, strict=True), start=2):
            padded: Sequence[object] = list(want) + [None] * (len(tab.columns) - len(want))
            for c, col in enumerate(tab.columns):
                expected = _expected(padded[c], col.type == schema.BOOLEAN)
                assert _same(g[c], expected), (name, r, col.header, g[c], expected)
    for name in set(sheets) - set(FILLED) - {schema.TABS[0].name}:
        assert len(sheets[name]) == 1, name


def test_filled_settings_values_and_formats(filled: Path) -> None:
    labels = {sk.key: sk.label for sk in schema.SETTINGS_KEYS}
    rows = {r[0]: r[1] for r in _calamine(filled)[schema.TABS[0].name][1:]}
    assert rows[labels["seller_name"]] == "Acme Wholesale"
    assert rows[labels["default_deposit_pct"]] == 0.3
    assert rows[labels["next_invoice_number"]] == 1001
    ws = openpyxl.load_workbook(filled)[schema.TABS[0].name]
    by_label = {ws.cell(r, 1).value: ws.cell(r, 2) for r in range(2, ws.max_row + 1)}
    assert by_label[labels["default_deposit_pct"]].number_format == NUMBER_FORMATS[schema.PERCENT]
    assert by_label[labels["next_invoice_number"]].number_format == NUMBER_FORMATS[schema.INTEGER]


def test_cells_carry_their_column_format(filled: Path) -> None:
    ws = openpyxl.load_workbook(filled)["Lines"]
    assert ws.cell(2, _col("Lines", "unit_price") + 1).number_format == NUMBER_FORMATS[schema.MONEY]
    assert ws.cell(2, _col("Lines", "promised_date") + 1).number_format == NUMBER_FORMATS[schema.DATE]
    assert ws.cell(2, _col("Lines", "qty") + 1).number_format == NUMBER_FORMATS[schema.INTEGER]
    assert ws.tables["Lines"].ref == f"A1:{_letter('Lines', schema.TAB_BY_NAME['Lines'].columns[-1].key)}{1 + len(LINES)}"


# Conversions and refusals -----------------------------------------------------------------------------

@pytest.mark.parametrize(("given", "expected"), [
    ("30%", Decimal("0.3")), ("0.3", Decimal("0.3")), ("30", Decimal("0.3")), (30, Decimal("0.3")),
    (Decimal("0.25"), Decimal("0.25")), ("", None), ("lots", "lots"),
])
def test_percent_setting_values(given: object, expected: object) -> None:
    sk = next(s for s in schema.SETTINGS_KEYS if s.type == schema.PERCENT)
    assert setting_value(sk, given) == expected


def test_integer_and_number_setting_values() -> None:
    integer = next(s for s in schema.SETTINGS_KEYS if s.type == schema.INTEGER)
    number = next(s for s in schema.SETTINGS_KEYS if s.type == schema.NUMBER)
    assert setting_value(integer, "1001") == 1001 and isinstance(setting_value(integer, "1001"), int)
    assert setting_value(number, "35.00") == Decimal("35.00")
    assert setting_value(integer, "n/a") == "n/a"


def test_settings_rows_keep_unknown_keys_and_settings_win(tmp_path: Path) -> None:
    labels = {sk.key: sk.label for sk in schema.SETTINGS_KEYS}
    path = tmp_path / "s.xlsx"
    write_new_workbook(
        path,
        {schema.TABS[0].name: [[labels["currency"], "EUR"], [labels["seller_name"], "From rows"],
                               ["Our Own Key", "kept", "note"]]},
        settings={"Seller Name": "From settings"},
    )
    rows = _calamine(path)[schema.TABS[0].name][1:]
    values = {r[0]: r[1] for r in rows}
    assert values[labels["currency"]] == "EUR"
    assert values[labels["seller_name"]] == "From settings"
    assert rows[-1] == ["Our Own Key", "kept", "note"]
    assert len(rows) == len(schema.SETTINGS_KEYS) + 1


def test_refuses_unknown_tab_setting_and_long_rows(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="no such tab"):
        write_new_workbook(tmp_path / "x.xlsx", {"Nope": []})
    with pytest.raises(ValueError, match="no such setting"):
        write_new_workbook(tmp_path / "x.xlsx", settings={"nope": 1})
    with pytest.raises(ValueError, match="columns"):
        write_new_workbook(tmp_path / "x.xlsx", {"Orders": [["x"] * 99]})
    with pytest.raises(TypeError):
        write_new_workbook(tmp_path / "x.xlsx", {"Orders": [[object()]]})
