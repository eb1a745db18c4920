"""Read the top of a worksheet, or its size, without reading the rest of it.

A tab that only grows (the Log) is read by the header its appends need: the first rows are streamed out of
the package and parsing stops there, so reading it costs the same whatever its length. The size of every
tab (`sheet_sizes`) comes from each worksheet's `<dimension>` element, read the same way.
"""

from __future__ import annotations

import html
import posixpath
import re
import zipfile
from pathlib import Path
from typing import Any

from lxml import etree

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_SHEET_RE = re.compile(r"<(?:\w+:)?sheet\b([^>]*?)/?>")
_REL_RE = re.compile(r"<(?:\w+:)?Relationship\b([^>]*?)/?>")
_ATTR_RE = re.compile(r"([\w:]+)\s*=\s*\"([^\"]*)\"")
_DIM_RE = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref\s*=\s*\"([^\"]*)\"")
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Tab title -> worksheet part name, in the workbook's order."""
    wb = zf.read("xl/workbook.xml").decode("utf-8", "replace")
    rels_text = zf.read("xl/_rels/workbook.xml.rels").decode("utf-8", "replace")
    rels: dict[str, str] = {}
    for m in _REL_RE.finditer(rels_text):
        a = dict(_ATTR_RE.findall(m.group(1)))
        rels[a.get("Id", "")] = a.get("Target", "")
    out: dict[str, str] = {}
    for m in _SHEET_RE.finditer(wb):
        a = dict(_ATTR_RE.findall(m.group(1)))
        rid = next((v for k, v in a.items() if k.endswith(":id")), "")
        target = rels.get(rid, "")
        if not target:
            continue
        part = target.lstrip("/") if target.startswith("/") else posixpath.normpath(posixpath.join("xl", target))
        out[html.unescape(a.get("name", ""))] = part
    return out


def _col(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _shared_strings(zf: zipfile.ZipFile, upto: int) -> list[str]:
    """The first `upto + 1` shared strings (streamed: a workbook's header strings come first)."""
    out: list[str] = []
    if upto < 0 or "xl/sharedStrings.xml" not in zf.namelist():
        return out
    with zf.open("xl/sharedStrings.xml") as fh:
        for _, el in etree.iterparse(fh, events=("end",), tag=f"{MAIN}si"):
            out.append("".join(t.text or "" for t in el.iter(f"{MAIN}t")))
            el.clear()
            if len(out) > upto:
                break
    return out


def head_rows(path: Path, title: str, n: int = 20) -> list[list[Any]]:
    """The first `n` rows of a tab from A1, as the reader sees rows ('' for an empty cell, float for a
    number, str for text), parsing no further than those rows."""
    with zipfile.ZipFile(path) as zf:
        part = next((p for t, p in sheet_parts(zf).items() if t.casefold() == title.casefold()), None)
        if part is None:
            return []
        raw: list[tuple[int, dict[int, tuple[str, str]]]] = []
        with zf.open(part) as fh:
            for _, el in etree.iterparse(fh, events=("end",), tag=f"{MAIN}row"):
                r = int(el.get("r") or (raw[-1][0] + 1 if raw else 1))
                if r > n:
                    break
                cells: dict[int, tuple[str, str]] = {}
                prev = 0
                for c in el.iter(f"{MAIN}c"):
                    m = _CELL_REF.match(c.get("r") or "")
                    col = _col(m.group(1)) if m else prev + 1
                    prev = col
                    t = c.get("t") or "n"
                    if t == "inlineStr":
                        cells[col] = ("str", "".join(x.text or "" for x in c.iter(f"{MAIN}t")))
                    else:
                        v = c.find(f"{MAIN}v")
                        if v is not None and v.text is not None:
                            cells[col] = (t, v.text)
                raw.append((r, cells))
                el.clear()
        need = max((int(v) for _, cells in raw for t, v in cells.values() if t == "s"), default=-1)
        sst = _shared_strings(zf, need)
    width = max((max(cells, default=0) for _, cells in raw), default=0)
    last = max((r for r, _ in raw), default=0)
    rows: list[list[Any]] = [[""] * width for _ in range(last)]
    for r, cells in raw:
        for col, (t, v) in cells.items():
            value: Any
            if t == "s":
                value = sst[int(v)] if int(v) < len(sst) else ""
            elif t in ("str", "inlineStr", "e"):
                value = v
            elif t == "b":
                value = v == "1"
            else:
                try:
                    value = float(v)
                except ValueError:
                    value = v
            rows[r - 1][col - 1] = value
    return rows


def part_size(path: Path, title: str) -> int | None:
    """The uncompressed size of a tab's worksheet part, as the package directory says; None when the
    package names no part for the tab."""
    with zipfile.ZipFile(path) as zf:
        part = next((p for t, p in sheet_parts(zf).items() if t.casefold() == title.casefold()), None)
        if part is None:
            return None
        try:
            return zf.getinfo(part).file_size
        except KeyError:
            return None


def sheet_sizes(path: Path) -> dict[str, tuple[int, int]]:
    """Each tab's (rows, columns) as its `<dimension>` says (the used range's last row and column)."""
    out: dict[str, tuple[int, int]] = {}
    with zipfile.ZipFile(path) as zf:
        for title, part in sheet_parts(zf).items():
            try:
                with zf.open(part) as fh:
                    head = fh.read(4096)
            except KeyError:
                continue
            m = _DIM_RE.search(head)
            if m is None:
                continue
            last = m.group(1).decode("ascii", "replace").split(":")[-1]
            cm = _CELL_REF.match(last)
            if cm:
                out[title] = (int(cm.group(2)), _col(cm.group(1)))
    return out


__all__ = ["head_rows", "part_size", "sheet_parts", "sheet_sizes"]
