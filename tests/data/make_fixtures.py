"""Write the small Excel workbooks of tests/data/excel/, one per feature the lossless write path must keep.

    python3 tests/data/make_fixtures.py          # rewrites tests/data/excel/*.xlsx|xlsm
    python3 tests/data/make_fixtures.py --check  # exit 1 when a committed file differs from a fresh one

Each workbook has one worksheet ``Sheet1`` with a small header and three data rows (so the tests
can append below it) plus the one feature its name says:

    chart.xlsx           a bar chart on the sheet (xl/charts/, xl/drawings/)
    image.xlsx           a PNG picture (xl/media/image1.png)
    comment.xlsx         a cell comment (xl/comments1.xml, legacy VML drawing)
    macro.xlsm           a VBA project (xl/vbaProject.bin, copied from the BSD-licensed corpus: see README.md)
    table.xlsx           an Excel table (xl/tables/table1.xml) with an autofilter
    shared_formula.xlsx  one formula shared by C2:C4 (<f t="shared" ref=.. si="0">), rewritten in the zip

The files are made by xlsxwriter (and zip surgery for the shared formula) with a fixed creation
date, so a rerun with the same xlsxwriter version gives the same bytes. The generated files are
committed: the tests read them, they do not run this script.
"""

from __future__ import annotations

import io
import re
import struct
import sys
import tempfile
import zipfile
import zlib
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

HERE = Path(__file__).resolve().parent / "excel"
VBA = HERE / "vbaProject.bin"
CREATED = datetime(2026, 1, 2, 3, 4, 5)
HEADER = ("SKU", "Qty", "Unit Price", "Total")
ROWS = (("TEA-01", 12, 4.5), ("MUG-02", 6, 9.25), ("JAR-03", 24, 2.0))


def tiny_png(width: int = 4, height: int = 3) -> bytes:
    """A small opaque RGB PNG (an orange block), made with zlib: no image library needed."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    raw = b"".join(b"\x00" + b"\xf0\x80\x20" * width for _ in range(height))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
            + chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def _book(path: Path, feature: Callable[[xlsxwriter.Workbook, Worksheet], None]) -> None:
    wb = xlsxwriter.Workbook(str(path))
    wb.set_properties({"created": CREATED, "author": "poflow tests", "title": path.stem})
    ws = wb.add_worksheet("Sheet1")
    money = wb.add_format({"num_format": "#,##0.00"})
    ws.write_row(0, 0, HEADER, wb.add_format({"bold": True}))
    for r, (sku, qty, price) in enumerate(ROWS, start=1):
        ws.write_string(r, 0, sku)
        ws.write_number(r, 1, qty)
        ws.write_number(r, 2, price, money)
        ws.write_formula(r, 3, f"=B{r + 1}*C{r + 1}", money, qty * price)
    feature(wb, ws)
    wb.close()


def _chart(wb: xlsxwriter.Workbook, ws: Worksheet) -> None:
    chart = wb.add_chart({"type": "bar"})
    chart.add_series({"name": "Qty", "categories": "=Sheet1!$A$2:$A$4", "values": "=Sheet1!$B$2:$B$4"})
    ws.insert_chart("F2", chart)


def _image(wb: xlsxwriter.Workbook, ws: Worksheet) -> None:
    ws.insert_image("F2", "swatch.png", {"image_data": io.BytesIO(tiny_png()), "x_scale": 8, "y_scale": 8})


def _comment(wb: xlsxwriter.Workbook, ws: Worksheet) -> None:
    ws.write_comment("B3", "Ordered by phone, confirm the quantity.", {"author": "Ana Núñez"})


def _macro(wb: xlsxwriter.Workbook, ws: Worksheet) -> None:
    wb.add_vba_project(str(VBA))  # its code names are ThisWorkbook and Sheet1, xlsxwriter's defaults


def _table(wb: xlsxwriter.Workbook, ws: Worksheet) -> None:
    columns = [{"header": h} for h in HEADER]
    columns[3]["formula"] = "=[@Qty]*[@[Unit Price]]"
    ws.add_table("A1:D4", {"name": "StockTable", "columns": columns, "style": "Table Style Medium 2"})


def _plain(wb: xlsxwriter.Workbook, ws: Worksheet) -> None:
    return None


def _share_formulas(path: Path) -> None:
    """Turn D2:D4's three formulas into one shared formula (xlsxwriter writes each cell's own)."""
    with zipfile.ZipFile(path) as z:
        infos = z.infolist()
        parts = {i.filename: z.read(i) for i in infos}
    xml = parts["xl/worksheets/sheet1.xml"].decode("utf-8")
    first = re.search(r"<f>B2\*C2</f>", xml)
    assert first, "xlsxwriter wrote the formula differently"
    xml = xml.replace("<f>B2*C2</f>", '<f t="shared" ref="D2:D4" si="0">B2*C2</f>')
    for r in (3, 4):
        assert f"<f>B{r}*C{r}</f>" in xml
        xml = xml.replace(f"<f>B{r}*C{r}</f>", '<f t="shared" si="0"/>')
    parts["xl/worksheets/sheet1.xml"] = xml.encode("utf-8")
    with zipfile.ZipFile(path, "w") as z:
        for info in infos:
            z.writestr(info, parts[info.filename], compress_type=info.compress_type)


FIXTURES: dict[str, Callable[[xlsxwriter.Workbook, Worksheet], None]] = {
    "chart.xlsx": _chart,
    "image.xlsx": _image,
    "comment.xlsx": _comment,
    "macro.xlsm": _macro,
    "table.xlsx": _table,
    "shared_formula.xlsx": _plain,
}


def make(folder: Path) -> list[Path]:
    """Write every fixture workbook into ``folder``; returns their paths."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    for name, feature in FIXTURES.items():
        path = folder / name
        _book(path, feature)
        if name == "shared_formula.xlsx":
            _share_formulas(path)
        out.append(path)
    return out


def main(argv: list[str]) -> int:
    if "--check" in argv:
        with tempfile.TemporaryDirectory() as tmp:
            stale = [p.name for p in make(Path(tmp)) if (HERE / p.name).read_bytes() != p.read_bytes()]
        if stale:
            print("differ from a fresh run (rerun tests/data/make_fixtures.py):", ", ".join(stale))
            return 1
        print("tests/data/excel is up to date")
        return 0
    for path in make(HERE):
        print(f"wrote {path.relative_to(HERE.parent.parent.parent)} ({path.stat().st_size} bytes)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
