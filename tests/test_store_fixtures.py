"""The corpus check of test_store_corpus.py on the project's own small workbooks, one per Excel feature.

tests/data/excel/ (made by tests/data/make_fixtures.py) holds a chart, an image, a comment, a macro
(vbaProject.bin), an Excel table and a shared formula. Each is patched the way the corpus is: a new
tab, one cell set, three rows appended; every member poflow does not own must stay byte-identical,
calamine and openpyxl must read the new values back, and LibreOffice must convert the result (all
six in one soffice run). No ../shared needed.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import openpyxl
import pytest

from tests.conftest import FIXTURES
from tests.test_store_corpus import CorpusReport, libreoffice_check, patch_one

OWN = FIXTURES / "excel"
# fixture -> the parts that carry its feature (each must be in the source and kept byte for byte)
FEATURE_PARTS: dict[str, tuple[str, ...]] = {
    "chart.xlsx": ("xl/charts/chart1.xml", "xl/drawings/drawing1.xml", "xl/drawings/_rels/drawing1.xml.rels"),
    "image.xlsx": ("xl/media/image1.png", "xl/drawings/drawing1.xml", "xl/drawings/_rels/drawing1.xml.rels"),
    "comment.xlsx": ("xl/comments1.xml", "xl/drawings/vmlDrawing1.vml"),
    "macro.xlsm": ("xl/vbaProject.bin",),
    "table.xlsx": (),  # the table part is poflow's to extend: checked below
    "shared_formula.xlsx": (),  # lives in the sheet, which poflow rewrites: checked below
}


def test_every_fixture_workbook_is_there() -> None:
    assert sorted(p.name for p in OWN.iterdir() if p.suffix in (".xlsx", ".xlsm")) == sorted(FEATURE_PARTS)


@pytest.fixture(scope="module")
def patched(tmp_path_factory: pytest.TempPathFactory) -> tuple[CorpusReport, dict[str, Path]]:
    """Every fixture patched as the corpus is, then all results converted by one LibreOffice run."""
    work = tmp_path_factory.mktemp("fixtures")
    report = CorpusReport()
    results: dict[str, Path] = {}
    for i, name in enumerate(sorted(FEATURE_PARTS)):
        sub = work / f"{i:02d}"
        sub.mkdir()
        out = patch_one(OWN / name, sub, report)
        if out is not None:
            results[name] = out
    libreoffice_check(list(results.values()), work / "lo-out", report)
    return report, results


@pytest.mark.parametrize("name", sorted(FEATURE_PARTS))
def test_fixture_is_patched_losslessly(name: str, patched: tuple[CorpusReport, dict[str, Path]]) -> None:
    report, results = patched
    assert [f for f in report.failures if f.startswith(f"{name}:")] == []
    assert name in results
    with zipfile.ZipFile(OWN / name) as src, zipfile.ZipFile(results[name]) as out:
        for part in FEATURE_PARTS[name]:
            assert part in src.namelist(), f"the fixture lacks its feature part {part}"
            assert out.read(part) == src.read(part), f"{part} changed"


def test_libreoffice_converted_every_fixture(patched: tuple[CorpusReport, dict[str, Path]]) -> None:
    report, results = patched
    assert report.failures == [] and report.files == len(FEATURE_PARTS)
    assert report.converted == len(results) == len(FEATURE_PARTS), report.line()


def test_table_is_extended_over_the_appended_rows(patched: tuple[CorpusReport, dict[str, Path]]) -> None:
    _, results = patched
    with zipfile.ZipFile(OWN / "table.xlsx") as z:
        assert 'ref="A1:D4"' in z.read("xl/tables/table1.xml").decode()
    table = openpyxl.load_workbook(results["table.xlsx"])["Sheet1"].tables["StockTable"]
    assert table.ref == "A1:D7" and table.autoFilter.ref == "A1:D7"


def test_shared_formula_survives_the_append(patched: tuple[CorpusReport, dict[str, Path]]) -> None:
    _, results = patched
    with zipfile.ZipFile(results["shared_formula.xlsx"]) as z:
        xml = z.read("xl/worksheets/sheet1.xml").decode()
    assert re.search(r'<c r="D2"[^>]*><f t="shared" ref="D2:D4" si="0">B2\*C2</f>', xml)
    assert len(re.findall(r'<f t="shared" si="0"/>', xml)) == 2
    ws = openpyxl.load_workbook(results["shared_formula.xlsx"])["Sheet1"]
    assert [ws.cell(r, 4).value for r in (2, 3, 4)] == ["=B2*C2", "=B3*C3", "=B4*C4"]


def test_comment_reads_back(patched: tuple[CorpusReport, dict[str, Path]]) -> None:
    _, results = patched
    comment = openpyxl.load_workbook(results["comment.xlsx"])["Sheet1"]["B3"].comment
    assert comment is not None and comment.text == "Ordered by phone, confirm the quantity."
