"""Document tabs have a home: the book keeps at most Settings `Document Sheets Kept` of them; older ones move,
never deleted, to NAME-documents-YYYY-MM.xlsx beside the book, cell for cell, formats and page setup kept."""

from __future__ import annotations

import hashlib
import re
import shutil
import subprocess
import zipfile
from datetime import date, datetime
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from poflow_sheets.app import statement, validate
from poflow_sheets.app.archive import archive
from poflow_sheets.app.workbook import WriteOptions, load
from poflow_sheets.demo import write_demo
from poflow_sheets.errors import Refused
from poflow_sheets.reader import read_workbook
from poflow_sheets.store import AddSheet, Formula, PrintSetup, SetCell, Styled, fingerprint, pair, write_workbook
from poflow_sheets.store.xlsx_copy import SheetCopier
from poflow_sheets.store.xlsx_remove import apply_removing

from .store_helpers import make_book, members

TODAY = date(2026, 12, 5)
NOW = datetime(2026, 12, 5, 9, 30)
ISSUED = (date(2026, 10, 1), date(2026, 11, 2), date(2026, 12, 3))
DOCS = tuple(f"ST-CORNER-{d.isoformat()}" for d in ISSUED)
OWN = "My notes"
COPY = f"{DOCS[0]} (2)"  # a person's copy of a document sheet: the tab name is not the number's


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _set_kept(book: Path, n: int) -> None:
    wb = read_workbook(book)
    write_workbook(book, [SetCell(wb.tables["Settings"].title, wb.settings.rows["document_sheets_kept"], 2, n)],
                   expected=fingerprint(book))


def _issue(book: Path, when: date) -> list[str]:
    return statement(book, "CORNER", when, WriteOptions(out_dir=book.parent / "documents", now=NOW))


def _active_tab(book: Path, name: str) -> None:
    """Make `name` the tab the workbook opens on (rewriting workbook.xml in a copy of the package)."""
    index = openpyxl.load_workbook(book).sheetnames.index(name)
    parts = members(book)
    parts["xl/workbook.xml"] = re.sub(rb"<workbookView\b", f'<workbookView activeTab="{index}"'.encode(),
                                      parts["xl/workbook.xml"], count=1)
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as z:
        for n, data in parts.items():
            z.writestr(n, data)


@pytest.fixture
def book(tmp_path: Path) -> Path:
    """The demo book with three statements of three months, then a person's own tab (with a print area) and a
    person's renamed copy of the October statement, the book opening on the person's tab."""
    path = tmp_path / "books.xlsx"
    write_demo(path)
    for d in ISSUED:
        _issue(path, d)
    with SheetCopier(path) as c:
        first = c.copy(DOCS[0])
    own = AddSheet(OWN, ((Styled("Call the printer", bold=True), 12), ("Then the bank", None)), (30.0, 10.0),
                   print_setup=PrintSetup(landscape=True))
    write_workbook(path, [AddSheet(COPY, first.rows, first.col_widths, print_setup=first.print_setup), own],
                   expected=fingerprint(path))
    _active_tab(path, OWN)
    return path


def _cells(ws: Any) -> dict[str, tuple[object, ...]]:
    """Every cell that holds a value or a format: value, bold, size, number format, wrap."""
    out: dict[str, tuple[object, ...]] = {}
    for row in ws.iter_rows():
        for c in row:
            if c.value is None and not c.has_style:
                continue
            out[c.coordinate] = (c.value, bool(c.font.b), c.font.sz, c.number_format, bool(c.alignment.wrap_text))
    return out


def _layout(ws: Any) -> tuple[object, ...]:
    """Column widths, orientation, fit to page, header and footer, print area."""
    widths = tuple(ws.column_dimensions[x].width for x in "ABCDEFGH")
    return (widths, ws.page_setup.orientation, ws.sheet_properties.pageSetUpPr.fitToPage, ws.oddHeader.left.text,
            ws.oddFooter.left.text, ws.oddFooter.right.text, ws.print_area)


def _names(path: Path) -> list[tuple[str, str]]:
    """Each definedName local to a tab: (the tab it belongs to, the tab its text points at)."""
    with zipfile.ZipFile(path) as z:
        wb = z.read("xl/workbook.xml").decode()
    tabs = re.findall(r'<sheet [^>]*name="([^"]+)"', wb)
    out = []
    for lid, text in re.findall(r'<definedName [^>]*localSheetId="(\d+)"[^>]*>([^<]*)</definedName>', wb):
        out.append((tabs[int(lid)], text.rpartition("!")[0].strip("'").replace("''", "'")))
    return out


def _libreoffice_opens(path: Path, tmp: Path) -> str:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice must be installed (scripts/setup_system.sh)"
    out = tmp / "lo-out"
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp}/lo", "--headless", "--convert-to", "pdf",
                    "--outdir", str(out), str(path)], capture_output=True, timeout=180, check=True)
    pdf = out / path.with_suffix(".pdf").name
    assert pdf.exists() and pdf.stat().st_size > 0, f"LibreOffice made no PDF of {path.name}"
    return subprocess.run(["pdftotext", "-layout", str(pdf), "-"], capture_output=True, text=True,
                          check=True).stdout


def test_archive_moves_old_document_tabs_cell_for_cell_to_their_months(book: Path, tmp_path: Path) -> None:
    before = openpyxl.load_workbook(book)
    tabs_before = before.sheetnames
    said = archive(book, TODAY, before=date(2026, 11, 15), opts=WriteOptions(now=NOW))
    oct_, nov = book.with_name("books-documents-2026-10.xlsx"), book.with_name("books-documents-2026-11.xlsx")
    assert f"1 document tab(s) move to {oct_.name}: {DOCS[0]}" in said, said
    assert oct_.exists() and nov.exists() and not book.with_name("books-documents-2026-12.xlsx").exists()
    after = openpyxl.load_workbook(book)
    # the book lost exactly the two tabs; the person's tab and copy stay, the December statement stays
    assert after.sheetnames == [t for t in tabs_before if t not in DOCS[:2]]
    assert {OWN, COPY, DOCS[2]} <= set(after.sheetnames)
    assert _cells(after[OWN]) == _cells(before[OWN]) and _cells(after[COPY]) == _cells(before[COPY])
    for name, month in ((DOCS[0], oct_), (DOCS[1], nov)):
        moved = openpyxl.load_workbook(month)
        assert moved.sheetnames == ["Contents", name]  # one documents workbook per month
        assert _cells(moved[name]) == _cells(before[name])  # every value, bold, size, number format, wrap
        assert _layout(moved[name]) == _layout(before[name])  # widths, page setup, header, footer, print area
        contents = list(moved["Contents"].values)
        assert contents[1][:4] == (name, name, datetime.combine(ISSUED[DOCS.index(name)], datetime.min.time()),
                                   "books.xlsx")
    money = [v for v in _cells(openpyxl.load_workbook(oct_)[DOCS[0]]).values() if v[3] == "#,##0.00"]
    dates = [v for v in _cells(openpyxl.load_workbook(oct_)[DOCS[0]]).values() if v[3] == "d mmmm yyyy"]
    assert money and dates and any(v[1] for v in money) and any(v[2] == 14 for v in _cells(before[DOCS[0]]).values())
    # names local to a tab still point at their own tab; the window opens on the person's tab still
    assert _names(book) and all(tab == points for tab, points in _names(book))
    assert after[OWN].print_area == before[OWN].print_area and after[DOCS[2]].print_area == before[DOCS[2]].print_area
    assert after.active.title == OWN
    # the Log says where each went; validate is clean
    log = list(after["Log"].values)
    assert [(*r[2:5], r[6]) for r in log if r[4] == "(moved)"] == [
        (DOCS[0], DOCS[0], "(moved)", oct_.name), (DOCS[1], DOCS[1], "(moved)", nov.name)]
    assert not validate(book, TODAY).findings
    # a second run changes nothing
    shas = [_sha(p) for p in (book, oct_, nov)]
    assert archive(book, TODAY, before=date(2026, 11, 15)) == ["nothing older than 2026-11-15 to archive"]
    assert [_sha(p) for p in (book, oct_, nov)] == shas
    # LibreOffice opens both kinds of file and prints the statement
    assert "STATEMENT OF ACCOUNT" in _libreoffice_opens(oct_, tmp_path)
    assert "Call the printer" in _libreoffice_opens(book, tmp_path)


def test_the_cap_holds_in_the_write_path(tmp_path: Path) -> None:
    """Document Sheets Kept 2, three documents issued: the third command moves the oldest, in the same write."""
    path = tmp_path / "books.xlsx"
    write_demo(path)
    _set_kept(path, 2)
    for d in ISSUED[:2]:
        _issue(path, d)
    sheet = openpyxl.load_workbook(path)[DOCS[0]]
    expected = _cells(sheet), _layout(sheet)
    said = _issue(path, ISSUED[2])
    month = path.with_name("books-documents-2026-10.xlsx")
    assert f"1 document tab(s) move to {month.name}: {DOCS[0]}" in said, said
    wb = openpyxl.load_workbook(path)
    assert [n for n in wb.sheetnames if n.startswith("ST-")] == list(DOCS[1:])
    moved = openpyxl.load_workbook(month)
    assert moved.sheetnames == ["Contents", DOCS[0]]
    assert (_cells(moved[DOCS[0]]), _layout(moved[DOCS[0]])) == expected
    assert any(r[4] == "(moved)" and r[2] == DOCS[0] for r in wb["Log"].values)
    assert (tmp_path / "documents" / "2026" / "12" / f"{DOCS[2]}.pdf").exists()  # the PDF as ever
    # the same statement again: its sheet is in its month's workbook, nothing is added or moved
    shas = _sha(path), _sha(month)
    said = _issue(path, ISSUED[0])
    assert (_sha(path), _sha(month)) == shas
    assert any("books-documents-2026-10.xlsx already" in s for s in said), said
    # 0 keeps none: the next document goes straight to its month's workbook
    _set_kept(path, 0)
    _issue(path, date(2026, 12, 4))
    assert not [n for n in openpyxl.load_workbook(path).sheetnames if n.startswith("ST-")]
    assert openpyxl.load_workbook(path.with_name("books-documents-2026-12.xlsx")).sheetnames == [
        "Contents", DOCS[2], "ST-CORNER-2026-12-04"]
    assert not validate(path, TODAY).findings


def test_archive_moves_the_oldest_beyond_the_cap(book: Path) -> None:
    _set_kept(book, 1)
    archive(book, TODAY, before=date(2020, 1, 1))
    names = openpyxl.load_workbook(book).sheetnames
    assert [n for n in names if n in DOCS] == [DOCS[2]] and OWN in names and COPY in names


def test_a_book_restored_from_its_backup_gives_up_the_same_tabs_again(book: Path) -> None:
    """The documents workbook has the same sheet already: the tab only leaves the book; one with other content
    under that name stays, with a note."""
    original = book.read_bytes()
    archive(book, TODAY, before=date(2026, 11, 15))
    months = [book.with_name(f"books-documents-2026-{m}.xlsx") for m in ("10", "11")]
    shas = [_sha(m) for m in months]
    book.write_bytes(original)  # `poflow restore` of the version before the archive
    said = archive(book, TODAY, before=date(2026, 11, 15))
    assert [_sha(m) for m in months] == shas, said
    assert not {DOCS[0], DOCS[1]} & set(openpyxl.load_workbook(book).sheetnames)
    book.write_bytes(original)
    write_workbook(book, [SetCell(DOCS[0], 3, 1, "changed since")], expected=fingerprint(book))
    said = archive(book, TODAY, before=date(2026, 11, 15))
    assert any(f"{DOCS[0]} stays in the book" in s and "other content" in s for s in said), said
    assert DOCS[0] in openpyxl.load_workbook(book).sheetnames and [_sha(m) for m in months] == shas


@pytest.mark.parametrize("at", ["build", "swap"])
def test_kill_between_the_builds_leaves_every_file_before_or_after(book: Path, monkeypatch: pytest.MonkeyPatch,
                                                                   at: str) -> None:
    months = [book.with_name(f"books-documents-2026-{m}.xlsx") for m in ("10", "11")]
    reference = book.with_name("ref.xlsx")
    reference.write_bytes(book.read_bytes())
    archive(reference, TODAY, before=date(2026, 11, 15), opts=WriteOptions(now=NOW))
    book_before = _sha(book)

    class Killed(BaseException):
        pass

    if at == "build":  # the book is built last: the documents workbooks were built already
        from poflow_sheets.app import archive as app_archive

        def dying_build(*a: object, **k: object) -> None:
            raise Killed
        monkeypatch.setattr(app_archive, "apply_removing", dying_build)
    else:
        real_replace = pair.os.replace

        def dying_replace(src: object, dst: object) -> None:
            if str(dst) == str(book):  # the documents workbooks were swapped in, the book not yet
                raise Killed
            real_replace(src, dst)  # type: ignore[arg-type]
        monkeypatch.setattr(pair.os, "replace", dying_replace)
    with pytest.raises(Killed):
        archive(book, TODAY, before=date(2026, 11, 15), opts=WriteOptions(now=NOW))
    monkeypatch.undo()
    if at == "build":  # killed before the journal: every file as before, no temp left
        assert _sha(book) == book_before and not any(m.exists() for m in months)
        assert not list(book.parent.glob(".*poflow-pair-*"))
    else:  # killed between the swaps: the next run finishes it, every file after
        assert pair.journal_path(book).exists()
        load(book)  # any command that opens the book finishes the write first
        assert not pair.journal_path(book).exists()
        assert openpyxl.load_workbook(book).sheetnames == openpyxl.load_workbook(reference).sheetnames
        for m in months:
            ref = openpyxl.load_workbook(reference.with_name(m.name.replace("books", "ref")))
            got = openpyxl.load_workbook(m)
            assert got.sheetnames == ref.sheetnames
            assert _cells(got[got.sheetnames[1]]) == _cells(ref[ref.sheetnames[1]])


def test_a_document_tab_poflow_cannot_copy_whole_stays_with_a_note(book: Path) -> None:
    write_workbook(book, [SetCell(DOCS[0], 40, 1, Formula("=1+1"))], expected=fingerprint(book))
    said = archive(book, TODAY, before=date(2026, 11, 15))
    assert any(s.startswith(f"note: {DOCS[0]} stays in the book") and "formula" in s for s in said), said
    names = openpyxl.load_workbook(book).sheetnames
    assert DOCS[0] in names and DOCS[1] not in names


def test_validate_warns_over_the_cap(book: Path) -> None:
    _set_kept(book, 2)
    found = [f for f in validate(book, TODAY).findings if f.code == "document-tabs"]
    assert len(found) == 1 and DOCS[0] in found[0].message and "poflow archive" in found[0].hint


def test_a_google_sheet_keeps_its_document_tabs_and_validate_warns(google: Any, tmp_path: Path) -> None:
    from poflow_sheets.app.workbook import backend_of

    from .sheets_helpers import invoke

    google.create("DOCS-SHEET", "docs")
    sheet = "gsheet:DOCS-SHEET"
    invoke("init", sheet, "--demo")
    loaded = load(Path(sheet))
    backend_of(Path(sheet)).write([SetCell(loaded.tables["Settings"].title,
                                           loaded.settings.rows["document_sheets_kept"], 2, 1)], expected=loaded.fingerprint)
    for d in ISSUED[:2]:
        invoke("statement", sheet, "CORNER", "--today", d.isoformat(), "--out", tmp_path / "documents")
    names = load(Path(sheet)).sheet_names
    assert DOCS[0] in names and DOCS[1] in names  # nothing moved
    assert not list(tmp_path.glob("*-documents-*.xlsx"))
    result = invoke("validate", sheet, "--json", ok=(0, 1))
    assert '"document-tabs"' in result.output and DOCS[0] in result.output


def test_a_book_saved_by_libreoffice_still_moves_its_document_tabs(book: Path, tmp_path: Path) -> None:
    """LibreOffice writes every style attribute out, shared strings, its own number format ids: the same look."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    assert soffice, "LibreOffice must be installed (scripts/setup_system.sh)"
    out = tmp_path / "saved"
    subprocess.run([soffice, f"-env:UserInstallation=file://{tmp_path}/lo", "--headless", "--convert-to",
                    "xlsx:Calc MS Excel 2007 XML", "--outdir", str(out), str(book)], capture_output=True, timeout=180,
                   check=True)
    saved = out / book.name
    before = openpyxl.load_workbook(saved)
    said = archive(saved, TODAY, before=date(2026, 11, 15))
    assert not [s for s in said if s.startswith("note:")], said
    moved = openpyxl.load_workbook(out / "books-documents-2026-10.xlsx")[DOCS[0]]
    assert {k: v[:3] for k, v in _cells(moved).items()} == {k: v[:3] for k, v in _cells(before[DOCS[0]]).items()}
    assert [n for n in openpyxl.load_workbook(saved).sheetnames if n.startswith("ST-")] == [DOCS[2], COPY]


def test_recognise_the_document_layout_only() -> None:
    from poflow_sheets.doctabs import recognise, to_move
    from poflow_sheets.documents.sheet import hashed_sheet_name

    head: list[list[object]] = [["INVOICE"], ["Seller"], [], ["Number", "", "INV-1001"], ["Date", "", 46296.0]]
    assert recognise("inv-1001", 20, head) is not None  # tab names are compared as Excel does, case ignored
    tab = recognise("INV-1001", 20, head)
    assert tab is not None and (tab.number, tab.issued) == ("INV-1001", date(2026, 10, 1))
    assert recognise("INV-1001", 20, head, date1904=True).issued == date(2030, 10, 2)  # type: ignore[union-attr]
    assert recognise("INV-1001 (2)", 20, head) is None  # a renamed copy
    assert recognise("INV-1001", 20, head[:4]) is None  # no Date row
    assert recognise("INV-1001", 20, [["Number", "", "INV-1001"], ["Date", "", "soon"]]) is None
    long = "INV-" + "9" * 40
    hashed: list[list[object]] = [["Number", "", long], ["Date", "", date(2026, 1, 2)]]
    assert recognise(hashed_sheet_name(long), 3, hashed) is not None and recognise(hashed_sheet_name(long, 2), 3, hashed)
    a, b, c = (recognise(f"N{i}", i, [["Number", "", f"N{i}"], ["Date", "", d]]) for i, d in
               enumerate((date(2026, 3, 1), date(2026, 1, 1), date(2026, 1, 1))))
    assert to_move([a, b, c], 1) == [b, c]  # type: ignore[list-item]
    assert to_move([a, b, c], 3, before=date(2026, 2, 1)) == [b, c]  # type: ignore[list-item]
    assert to_move([a, b, c], 0) == [b, c, a]  # type: ignore[list-item]


# -- the store: whole tabs out of a package ---------------------------------------------------------------------
def test_remove_sheets_takes_a_tab_with_its_drawing_and_keeps_everything_else(tmp_path: Path) -> None:
    src = make_book(tmp_path / "src.xlsx", table=True)
    out = tmp_path / "out.xlsx"
    result = apply_removing(src, out, {}, sheets=["data"])
    assert result.sheets_removed == ("Data",)
    before, after = members(src), members(out)
    gone = set(before) - set(after)
    assert {"xl/worksheets/sheet2.xml", "xl/drawings/drawing1.xml", "xl/charts/chart1.xml"} <= gone
    assert all(after[n] == before[n] for n in after if n not in result.parts_modified)
    assert b"drawing1" not in after["[Content_Types].xml"] and b"chart1" not in after["[Content_Types].xml"]
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["Invoices"] and wb["Invoices"]["A2"].value == "INV-0001"


def test_remove_sheets_refuses_a_tab_a_formula_refers_to(tmp_path: Path) -> None:
    src = make_book(tmp_path / "src.xlsx")
    referring = tmp_path / "ref.xlsx"
    write_workbook(src, [SetCell("Invoices", 10, 1, Formula("=Data!A1*2"))], expected=fingerprint(src))
    shutil.copy(src, referring)
    with pytest.raises(Refused, match="referred to"):
        apply_removing(referring, tmp_path / "out.xlsx", {}, sheets=["Data"])
    with pytest.raises(Refused, match="no tab named"):
        apply_removing(referring, tmp_path / "out.xlsx", {}, sheets=["Nope"])
