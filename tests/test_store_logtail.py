"""Appending to a long Log reads only its end: rows are found without indexing the sheet (store/sheetxml.py).

The patcher finds the rows it edits by bisecting the sheet's text (rows ascend, each with its number) and the
last one by looking back from ``</sheetData>``; only what needs every row indexes them all. These tests hold
it to that, and to writing exactly what the indexed path writes.
"""

from __future__ import annotations

import random
import re
import zipfile
from pathlib import Path

import pytest
import python_calamine
import xlsxwriter

from poflow_sheets.store import AppendRows, SetCell, apply_changes
from poflow_sheets.store.edits import Edit
from poflow_sheets.store.sheetxml import SheetEditor
from tests.store_helpers import members

HEAD = ("When", "Command", "Tab", "Row Key", "Column", "Old", "New")
ONE = (("2026-12-01 10:00:00", "poflow confirm WW-1126", "Orders", "WW-1126", "Status", "new", "confirmed"),)


def _inline(ref: str, text: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{text}</t></is></c>'


def _log_book(path: Path, n: int, *, between: str = "", trailing: int = 0) -> Path:
    """A Log tab of a header and `n` rows as poflow's appends leave them (inline strings), in an Excel Table;
    `between`: text between rows; `trailing`: formatted empty rows below the last one."""
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Log")
    ws.add_table(0, 0, 1, 6, {"name": "LogTable", "columns": [{"header": h} for h in HEAD]})
    wb.add_worksheet("Other").write(0, 0, "kept")
    wb.close()
    rows = ['<row r="1">' + "".join(_inline(f"{c}1", h) for c, h in zip("ABCDEFG", HEAD, strict=True)) + "</row>"]
    for r in range(2, n + 2):
        rows.append(f'<row r="{r}">' + "".join(_inline(f"{c}{r}", v) for c, v in zip(
            "ABCDEFG", ("2024-01-02 10:00:00", "poflow reconcile --apply", "Invoices", f"HINV-{r:06d}", "Status",
                        "open", "paid"), strict=True)) + "</row>")
    rows += [f'<row r="{r}" ht="20" customHeight="1"/>' for r in range(n + 2, n + 2 + trailing)]
    data = members(path)
    sheet = data["xl/worksheets/sheet1.xml"].decode()
    sheet = re.sub(r"<sheetData>.*?</sheetData>|<sheetData/>",
                   lambda _m: "<sheetData>" + between + between.join(rows) + between + "</sheetData>", sheet,
                   flags=re.S)
    sheet = re.sub(r'<dimension ref="[^"]*"/>', f'<dimension ref="A1:G{n + 1}"/>', sheet)
    table = data["xl/tables/table1.xml"].decode().replace('ref="A1:G2"', f'ref="A1:G{n + 1}"')
    data["xl/worksheets/sheet1.xml"], data["xl/tables/table1.xml"] = sheet.encode(), table.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in data.items():
            z.writestr(name, body)
    return path


def _never_indexed(monkeypatch: pytest.MonkeyPatch) -> None:
    def boom(self: SheetEditor) -> None:
        raise AssertionError(f"{self.part}: every row was indexed")

    monkeypatch.setattr(SheetEditor, "_index", boom)


def _cells(path: Path, tab: str = "Log") -> list[list[object]]:
    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    return wb.get_sheet_by_name(tab).to_python(skip_empty_area=False)


def test_one_log_row_onto_100000_reads_only_the_end(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    src = _log_book(tmp_path / "log.xlsx", 100_000)
    fast = tmp_path / "fast.xlsx"
    with monkeypatch.context() as m:
        _never_indexed(m)
        result = apply_changes(src, fast, [AppendRows("Log", ONE, header_row=1)])
    assert result.appended == (("Log", 100_002, 100_002),)
    written = members(fast)
    sheet = written["xl/worksheets/sheet1.xml"].decode()
    assert '<dimension ref="A1:G100002"/>' in sheet
    assert sheet.count("<row ") == 100_002
    table = written["xl/tables/table1.xml"].decode()
    assert 'ref="A1:G100002"' in table and '<autoFilter ref="A1:G100002"/>' in table
    assert written["xl/worksheets/sheet2.xml"] == members(src)["xl/worksheets/sheet2.xml"]

    slow = tmp_path / "slow.xlsx"
    init = SheetEditor.__init__
    with monkeypatch.context() as m:
        m.setattr(SheetEditor, "__init__", lambda self, part, text: (init(self, part, text), self._index())[0])
        apply_changes(src, slow, [AppendRows("Log", ONE, header_row=1)])
    assert written == members(slow)  # byte for byte what the indexed path writes
    cells = _cells(fast)
    assert len(cells) == 100_002 and cells[-1] == list(ONE[0]) and cells[-2][3] == "HINV-100001"
    assert cells == _cells(slow)


def test_a_cell_in_the_middle_of_a_long_sheet_is_found_by_bisection(tmp_path: Path,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    src = _log_book(tmp_path / "log.xlsx", 20_000, between="\n  ")
    out = tmp_path / "out.xlsx"
    with monkeypatch.context() as m:
        _never_indexed(m)
        apply_changes(src, out, [SetCell("Log", 12_345, 6, "closed"), SetCell("Log", 12_345, 9, "note"),
                                 SetCell("Log", 20_001, 7, "void")])
    cells = _cells(out)
    assert cells[12_344][5:9] == ["closed", "paid", "", "note"] and cells[12_344][3] == "HINV-012345"
    assert cells[20_000][6] == "void" and cells[12_343] == [*_cells(src)[12_343][:7], "", ""]


def _variant(rng: random.Random, path: Path) -> Path:
    """A small Log whose XML varies as real files do: blank text between rows, formatted empty rows at the
    end, gaps in the row numbers, a row without its number, a namespace prefix."""
    _log_book(path, rng.randint(0, 12), between=rng.choice(["", "\n ", "\r\n  "]), trailing=rng.choice([0, 0, 3]))
    data = members(path)
    sheet = data["xl/worksheets/sheet1.xml"].decode()
    if rng.random() < 0.3:  # a gap: rows 5 and up move down by 3
        sheet = re.sub(r'(r="[A-G]?)(\d+)"', lambda m: f'{m.group(1)}{int(m.group(2)) + 3 * (int(m.group(2)) >= 5)}"',
                       sheet)
    if rng.random() < 0.2:
        starts = [m.start() for m in re.finditer(r"<row r=", sheet)]
        k = rng.choice(starts)
        sheet = sheet[:k] + re.sub(r'^<row r="\d+"', "<row", sheet[k:], count=1)
    if rng.random() < 0.2:
        sheet = re.sub(r"<(/?)(sheetData|row|c|is|t)\b", r"<\1x:\2", sheet)
        sheet = sheet.replace("<worksheet ", '<worksheet xmlns:x="http://schemas.openxmlformats.org/'
                              'spreadsheetml/2006/main" ', 1)
    data["xl/worksheets/sheet1.xml"] = sheet.encode()
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        for name, body in data.items():
            z.writestr(name, body)
    return path


def _edits(rng: random.Random) -> list[Edit]:
    out: list[Edit] = []
    for _ in range(rng.randint(1, 4)):
        if rng.random() < 0.5:
            out.append(SetCell("Log", rng.randint(1, 25), rng.randint(1, 9), rng.choice(["v", 7, None])))
        else:
            rows = tuple(tuple(rng.choice(["p", 1, None]) for _ in range(rng.randint(1, 8)))
                         for _ in range(rng.randint(1, 3)))
            out.append(AppendRows("Log", rows, after=rng.choice([0, 0, rng.randint(0, 15)])))
    return out


@pytest.mark.parametrize("seed", range(40))
def test_found_rows_write_what_indexed_rows_write(seed: int, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    rng = random.Random(seed)
    src = _variant(rng, tmp_path / "src.xlsx")
    edits = _edits(rng)
    found, every = tmp_path / "found.xlsx", tmp_path / "every.xlsx"
    a = apply_changes(src, found, edits)
    init = SheetEditor.__init__
    with monkeypatch.context() as m:
        m.setattr(SheetEditor, "__init__", lambda self, part, text: (init(self, part, text), self._index())[0])
        b = apply_changes(src, every, edits)
    assert a == b
    assert members(found) == members(every)
