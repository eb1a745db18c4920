"""The patcher over 800 workbooks made by Excel: only poflow's parts change, values read back everywhere.

By default (and in CI) a fixed sample of 100 files (every 8th, sorted) is patched; ``bench/bench_write.py
--corpus all`` runs the same check over every file. The corpus is in ../shared, not in the repository:
without it this test is skipped (failed in CI), and tests/test_store_fixtures.py runs the same check
on the project's own small workbooks, one per Excel feature.
"""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import python_calamine

from poflow_sheets.app.write import add_missing_tabs
from poflow_sheets.errors import Refused
from poflow_sheets.store import AddSheet, AppendRows, Edit, SetCell, fingerprint, write_workbook
from tests.conftest import DATA, needs_corpus

CORPUS = DATA / "excel-made-workbooks"
MEMO = '=HYPERLINK("http://x","click")'
ROWS = (
    ("POFLOW-A-1", 42, Decimal("1234.50"), date(2026, 3, 4), MEMO),
    ("POFLOW-A-2", -7, Decimal("0.10"), date(1999, 12, 31), "@SUM(A1)"),
    ("POFLOW-A-3", 0, Decimal("-99999.99"), date(2000, 2, 29), "-not a formula"),
)
SET_VALUE = "POFLOW-SET"
ORDERS_HEADER = ("PO Number", "Buyer ID", "PO Date", "Status")


def corpus_files(which: str = "sample") -> list[Path]:
    """The corpus workbooks: ``all`` or the fixed sample of 100 (every 8th, sorted)."""
    files = sorted(p for p in CORPUS.iterdir() if p.suffix.lower() in (".xlsx", ".xlsm"))
    return files if which == "all" else files[::8][:100]


def first_worksheet(path: Path) -> str:
    """The name of the first tab that is a worksheet (not a chart sheet)."""
    wb = python_calamine.CalamineWorkbook.from_path(str(path))
    for meta in wb.sheets_metadata:
        if str(meta.typ).endswith("WorkSheet"):
            return str(meta.name)
    raise AssertionError(f"{path.name}: no worksheet")


@dataclass
class CorpusReport:
    """Counts of a corpus run."""

    files: int = 0
    members_preserved: int = 0
    members_changed: int = 0
    failures: list[str] = field(default_factory=list)
    converted: int = 0
    lo_retried: int = 0
    lo_skipped: list[str] = field(default_factory=list)

    def line(self) -> str:
        """One line for the test log."""
        return (f"files: {self.files}, members preserved byte-identical: {self.members_preserved}, "
                f"members changed: {self.members_changed}, LibreOffice converted: {self.converted} "
                f"(retried {self.lo_retried}, not converted: {len(self.lo_skipped)} {self.lo_skipped}), "
                f"failures: {len(self.failures)}")


def _same_number(got: object, want: Decimal) -> bool:
    return isinstance(got, int | float) and not isinstance(got, bool) and Decimal(str(got)) == want


def _same_date(got: object, want: date) -> bool:
    if isinstance(got, datetime):
        return got == datetime(want.year, want.month, want.day)
    if isinstance(got, date):
        return got == want
    serial = (want - date(1899, 12, 30)).days
    return isinstance(got, int | float) and got in (serial, (want - date(1904, 1, 1)).days)


def _check_row(where: str, got: list[object], want: tuple[object, ...]) -> list[str]:
    errs = []
    for c, w in enumerate(want):
        g = got[c] if c < len(got) else None
        if isinstance(w, str):
            ok = g == w
        elif isinstance(w, date):
            ok = _same_date(g, w)
        else:
            ok = _same_number(g, Decimal(str(w)))
        if not ok:
            errs.append(f"{where} column {c + 1}: got {g!r}, want {w!r}")
    return errs


def patch_one(src: Path, work: Path, report: CorpusReport) -> Path | None:
    """Patch a copy of ``src`` in ``work``; check members and read-back; returns the result path."""
    report.files += 1
    dst = work / src.name
    shutil.copyfile(src, dst)
    sheet = first_worksheet(src)
    changes: list[Edit] = [
        AddSheet("Orders", (ORDERS_HEADER,), if_missing=True),
        SetCell(sheet, 2, 2, SET_VALUE),  # before the append, so it never lands in the appended rows
        AppendRows(sheet.upper(), ROWS),
    ]
    try:
        _added, init = add_missing_tabs(dst)  # `poflow init EXISTING.xlsx`: the schema's tabs, through the same path
        result = write_workbook(dst, changes, expected=fingerprint(dst), backup_dir=work / "backups")
        if init is not None:
            result = replace(result, parts_modified=tuple(set(result.parts_modified) | set(init.parts_modified)),
                             parts_removed=tuple(set(result.parts_removed) | set(init.parts_removed)))
    except Refused as exc:
        report.failures.append(f"{src.name}: refused: {exc}")
        return None
    except Exception as exc:
        report.failures.append(f"{src.name}: {type(exc).__name__}: {exc}")
        return None
    errs: list[str] = []
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst) as zout:
        if zout.testzip() is not None:
            errs.append("zip CRC error")
        touched = set(result.parts_modified) | set(result.parts_removed)
        out_infos = {i.filename: i for i in zout.infolist()}
        kept_order = [n for n in zout.namelist() if n in set(zin.namelist())]
        if kept_order != [n for n in zin.namelist() if n not in set(result.parts_removed)]:
            errs.append("member order changed")
        for info in zin.infolist():
            if info.filename in touched:
                report.members_changed += 1
                continue
            o = out_infos.get(info.filename)
            if o is None or zout.read(o) != zin.read(info) or o.compress_type != info.compress_type:
                errs.append(f"member {info.filename} not preserved")
            else:
                report.members_preserved += 1
        allowed_suffixes = (".rels", "workbook.xml", "[Content_Types].xml", "styles.xml", "app.xml",
                            "calcChain.xml")
        for part in touched:
            if not (part.endswith(allowed_suffixes) or "/worksheets/" in part or "/tables/" in part):
                errs.append(f"touched a part poflow does not own: {part}")
        if src.suffix.lower() == ".xlsm":
            for n in zin.namelist():
                if n.endswith("vbaProject.bin") and zin.read(n) != zout.read(n):
                    errs.append("vbaProject.bin changed")
    assert result.appended, result
    _, first_row, last_row = result.appended[0]
    # python-calamine
    cw = python_calamine.CalamineWorkbook.from_path(str(dst))
    grid: list[list[object]] = [list(row) for row in cw.get_sheet_by_name(sheet).to_python(skip_empty_area=False)]
    for i, want in enumerate(ROWS):
        r = first_row + i
        errs += _check_row(f"calamine row {r}", grid[r - 1] if r - 1 < len(grid) else [], want)
    if not (len(grid) > 1 and len(grid[1]) > 1 and grid[1][1] == SET_VALUE):
        errs.append("calamine: SetCell B2 not read back")
    if "Orders" not in [n for n in cw.sheet_names]:
        errs.append("Orders tab missing")
    # openpyxl
    wb = openpyxl.load_workbook(dst)
    ws = wb[sheet]
    for i, want in enumerate(ROWS):
        r = first_row + i
        errs += _check_row(f"openpyxl row {r}", [ws.cell(r, c + 1).value for c in range(len(want))], want)
        memo = ws.cell(r, 5)
        if memo.data_type != "s" or not memo._style.quotePrefix:
            errs.append(f"openpyxl row {r}: memo is not a quote-prefixed text cell ({memo.data_type})")
    if ws.cell(2, 2).value != SET_VALUE:
        errs.append("openpyxl: SetCell B2 not read back")
    wb.close()
    if last_row != first_row + len(ROWS) - 1:
        errs.append(f"appended rows {first_row}-{last_row}")
    report.failures += [f"{src.name}: {e}" for e in errs]
    return None if errs else dst


CSV_ALL_TABS = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"


def _soffice_batch(soffice: str, paths: list[Path], outdir: Path, target: str = CSV_ALL_TABS) -> None:
    if not paths:
        return
    with tempfile.TemporaryDirectory(prefix="poflow-lo-profile-") as profile:
        cmd = [soffice, f"-env:UserInstallation=file://{profile}", "--headless", "--norestore",
               "--convert-to", target, "--outdir", str(outdir), *map(str, paths)]
        subprocess.run(cmd, check=False, capture_output=True, timeout=900)


def _huge_sheet(path: Path) -> bool:
    """True when a tab's used range is so large (a comment in cell XFD1048576) that CSV would be gigabytes."""
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if "/worksheets/" in name and name.endswith(".xml"):
                head = z.read(name)[:2000].decode("utf-8", "replace")
                m = re.search(r'<dimension ref="[A-Z]+\d+:([A-Z]+)(\d+)"', head)
                if m and (len(m.group(1)) > 2 or int(m.group(2)) > 100_000):
                    return True
    return False


def _csv_cells(outdir: Path, p: Path) -> tuple[int, set[str]]:
    csvs = sorted(outdir.glob(f"{p.stem}-*.csv")) or sorted(outdir.glob(f"{p.stem}.csv"))
    cells: set[str] = set()
    for c in csvs:
        with open(c, encoding="utf-8", errors="replace", newline="") as f:
            cells.update(v for row in csv.reader(f) for v in row)
    return len(csvs), cells


def libreoffice_check(paths: list[Path], outdir: Path, report: CorpusReport, chunk: int = 100) -> None:
    """Headless LibreOffice converts every result (all tabs) to CSV; each must show the new values.

    One soffice run per chunk of files, one at a time; files a crashed run never reached are tried once more.
    """
    soffice = shutil.which("soffice")
    if soffice is None or not paths:
        report.failures.append("soffice not available")
        return
    outdir.mkdir(parents=True, exist_ok=True)
    # A tab whose used range is the whole grid (comment03.xlsx has a comment in XFD1048576, so did the
    # original) makes LibreOffice write gigabytes of CSV: such a file is converted to .ods instead, and
    # counted when that succeeds.
    huge = [p for p in paths if _huge_sheet(p)]
    if huge:
        ods = outdir / "ods"
        _soffice_batch(soffice, huge, ods, target="ods")
        for p in huge:
            if (ods / f"{p.stem}.ods").is_file():
                report.converted += 1
            else:
                report.failures.append(f"{p.name}: LibreOffice did not convert it to .ods")
    paths_csv = [p for p in paths if p not in huge]
    for k in range(0, len(paths_csv), chunk):
        _soffice_batch(soffice, paths_csv[k: k + chunk], outdir)
    missing = [p for p in paths_csv if _csv_cells(outdir, p)[0] == 0]
    if missing:
        report.lo_retried = len(missing)
        _soffice_batch(soffice, missing, outdir)
    want = ("POFLOW-A-1", "POFLOW-A-3", MEMO, "@SUM(A1)", "-not a formula", SET_VALUE, "PO Number")
    for p in paths_csv:
        n, cells = _csv_cells(outdir, p)
        lacking = [m for m in want if m not in cells]
        if lacking:
            report.failures.append(f"{p.name}: LibreOffice CSV lacks {lacking} ({n} files)")
        else:
            report.converted += 1


def run_corpus(which: str, work: Path) -> CorpusReport:
    """Patch, check and convert the corpus (``sample`` or ``all``) in ``work``."""
    report = CorpusReport()
    ok: list[Path] = []
    for i, src in enumerate(corpus_files(which)):
        sub = work / f"{i:03d}"
        sub.mkdir(parents=True)
        res = patch_one(src, sub, report)
        if res is not None:
            flat = work / "lo-in" / f"{i:03d}_{res.stem}{res.suffix}"
            flat.parent.mkdir(exist_ok=True)
            shutil.copyfile(res, flat)
            ok.append(flat)
    libreoffice_check(ok, work / "lo-out", report)
    return report


@needs_corpus
def test_corpus_sample(tmp_path: Path) -> None:
    which = os.environ.get("POFLOW_CORPUS", "sample")
    report = run_corpus(which, tmp_path)
    print(report.line())
    assert report.files >= 100 or which != "sample"
    assert not report.failures, "\n".join(report.failures[:40])
    assert report.converted == report.files
