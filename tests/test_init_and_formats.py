"""`poflow init` on a person's own workbook; .xlsm keeps its macros; .ods and .xls are read, written only via --output."""

from __future__ import annotations

import hashlib
import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from poflow_sheets import schema
from poflow_sheets.cli import main
from poflow_sheets.demo import write_demo
from poflow_sheets.reader import read_workbook

from .cli import Ran, run_process
from .cli import run as run_in_process
from .conftest import DATA, FIXTURES, needs_corpus

CORPUS = DATA / "excel-made-workbooks"
OWN = FIXTURES / "excel"
# the project's own small workbooks, one per feature (tests/data/make_fixtures.py), and the same
# features in Excel-made corpus files where ../shared is present
BOOKS = [OWN / n for n in ("chart.xlsx", "image.xlsx", "macro.xlsm", "comment.xlsx", "table.xlsx",
                          "shared_formula.xlsx")] + [
    pytest.param(CORPUS / n, marks=needs_corpus, id=f"corpus-{n}")
    for n in ("chart_bar01.xlsx", "image01.xlsx", "macro01.xlsm", "comment01.xlsx")]


def run(*args: str | Path, ok: tuple[int, ...] = (0,), cwd: Path | None = None) -> Ran:
    if cwd is not None:  # a relative path means the folder the command runs in: a real process there
        return run_process(*args, ok=ok, cwd=cwd)
    return run_in_process(*args, ok=ok)


def cli(*args: str | Path, ok: tuple[int, ...] = (0,)) -> str:
    """Run a poflow command in this process (a tenth of a subprocess' time); its stdout and stderr."""
    result = CliRunner().invoke(main, [str(a) for a in args])
    assert result.exit_code in ok, f"{args}: exit {result.exit_code}\n{result.output}"
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    return result.output


def members(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as z:
        return {n: hashlib.sha256(z.read(n)).hexdigest() for n in z.namelist()}


@pytest.mark.parametrize("src", BOOKS, ids=lambda p: p.name)
def test_init_adds_the_tabs_and_keeps_every_part(src: Path, tmp_path: Path) -> None:
    name = src.name
    book = tmp_path / name
    shutil.copyfile(src, book)
    before = members(src)
    assert "added tabs" in cli("init", book)
    after = members(book)
    own = {"[Content_Types].xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels", "docProps/app.xml", "xl/styles.xml"}
    for part, digest in before.items():
        if part not in own:
            assert after.get(part) == digest, f"{name}: {part} changed"
    assert [t.name for t in schema.TABS if t.name not in read_workbook(book).sheet_names] == []
    assert '"errors": 0' in cli("validate", book, "--json")
    again = book.read_bytes()
    cli("init", book)  # twice: nothing to do
    assert book.read_bytes() == again
    if name.endswith(".xlsm"):
        assert any(p.endswith("vbaProject.bin") for p in after)


@pytest.fixture(scope="module")
def converted(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("formats")
    write_demo(folder / "demo.xlsx")
    profile = folder / "lo-profile"
    for target in ("ods", "xls"):
        subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", target,
                        "--outdir", str(folder), str(folder / "demo.xlsx")], capture_output=True, check=True, timeout=180)
    return folder


@pytest.mark.parametrize("suffix", [".ods", ".xls"])
def test_ods_and_xls_are_read_and_written_only_as_new_xlsx(suffix: str, converted: Path, tmp_path: Path) -> None:
    src = tmp_path / f"demo{suffix}"
    shutil.copyfile(converted / f"demo{suffix}", src)
    reference = read_workbook(converted / "demo.xlsx")
    book = read_workbook(src)
    assert book.orders == reference.orders and book.lines == reference.lines and book.invoices == reference.invoices
    run("validate", src)
    before = src.read_bytes()
    proc = run("approve", src, "PO-1009", "--on", "2026-11-26", ok=(2,))
    assert "writes only .xlsx" in proc.stderr and "--output" in proc.stderr
    assert src.read_bytes() == before
    out = tmp_path / "converted.xlsx"
    run("approve", src, "PO-1009", "--on", "2026-11-26", "--output", out)
    assert src.read_bytes() == before
    order = next(o for o in read_workbook(out).orders if o.po_number == "PO-1009")
    assert str(order.approved_on) == "2026-11-26"
    run("validate", out)


def test_a_persons_own_log_tab_is_left_alone(tmp_path: Path) -> None:
    import openpyxl

    book = tmp_path / "books.xlsx"
    write_demo(book)
    wb = openpyxl.load_workbook(book)
    del wb["Log"]
    mine = wb.create_sheet("Log")
    mine.append(["Date", "What I did"])
    mine.append(["2026-11-01", "called the bank"])
    wb.save(book)
    run("approve", book, "PO-1009", "--on", "2026-11-26")
    run("approve", book, "OC-0002", "--on", "2026-11-26")
    wb = openpyxl.load_workbook(book)
    assert [list(r) for r in wb["Log"].iter_rows(values_only=True)] == [["Date", "What I did"],
                                                                       ["2026-11-01", "called the bank"]]
    trail = [r for r in wb["poflow Log"].iter_rows(values_only=True)]
    assert trail[0][0] == "When" and any(r[3] == "PO-1009" for r in trail) and any(r[3] == "OC-0002" for r in trail)
    assert "PO-1009" in run("log", book).stdout
