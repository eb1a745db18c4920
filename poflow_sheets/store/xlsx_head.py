"""Read the top of a worksheet, or its size, without reading the rest of it.

A tab that only grows (the Log) is read by the header its appends need: the first rows are streamed out of
the package and parsing stops there, so reading it costs the same whatever its length. The size of every
tab (`sheet_sizes`) comes from each worksheet's `<dimension>` element, read the same way.
"""

from __future__ import annotations

import mmap
import posixpath
import re
import struct
import zipfile
import zlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from lxml import etree

from poflow_sheets.store.zipdir import open_zip, remembered

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
_DIM_RE = re.compile(rb"<(?:\w+:)?dimension\b[^>]*?\bref\s*=\s*\"([^\"]*)\"")
_CELL_REF = re.compile(r"([A-Z]+)(\d+)")
_ATTR_RE = re.compile(r"([\w:]+)\s*=\s*\"([^\"]*)\"")
_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=True)
_R_IDS = ("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id",
          "{http://purl.oclc.org/ooxml/officeDocument/relationships}id")


def _part_of(target: str) -> str:
    """A workbook relationship's target as a part name."""
    if target.startswith("/"):
        return target.lstrip("/")
    if "//" in target or "/." in target or target.startswith("."):
        return posixpath.normpath(posixpath.join("xl", target))
    return "xl/" + target


def sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    """Tab title -> worksheet part name, in the workbook's order (read once per unchanged package)."""
    return dict(remembered(zf, "sheet_parts", lambda: _sheet_parts(zf)))


def _sheet_parts(zf: zipfile.ZipFile) -> dict[str, str]:
    rels_root = etree.fromstring(zf.read("xl/_rels/workbook.xml.rels"), _PARSER)
    rels = {el.get("Id", ""): el.get("Target", "") for el in rels_root.iter("{*}Relationship")}
    out: dict[str, str] = {}
    for el in etree.fromstring(zf.read("xl/workbook.xml"), _PARSER).iter("{*}sheet"):
        rid = el.get(_R_IDS[0]) or el.get(_R_IDS[1]) or next(
            (v for k, v in el.attrib.items() if str(k).endswith("}id")), "")
        target = rels.get(rid, "")
        if target:
            out[el.get("name", "")] = _part_of(target)
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


def head_rows(path: Path | zipfile.ZipFile, title: str, n: int = 20,
              parts: dict[str, str] | None = None) -> list[list[Any]]:
    """The first `n` rows of a tab from A1, as the reader sees rows ('' for an empty cell, float for a
    number, str for text), parsing no further than those rows. `path`: the workbook, or its package open;
    `parts`: its `sheet_parts`, when known."""
    if not isinstance(path, zipfile.ZipFile):
        with open_zip(path) as zf:
            return head_rows(zf, title, n, parts)
    zf = path
    parts = sheet_parts(zf) if parts is None else parts
    part = next((p for t, p in parts.items() if t.casefold() == title.casefold()), None)
    if part is None:
        return []
    raw = _raw_head(zf, part, n)
    need = max((int(v) for _, cells in raw for t, v in cells.values() if t == "s"), default=-1)
    return _as_rows(raw, _shared_strings(zf, need))


def heads(path: Path, titles: Sequence[str], n: int = 20) -> dict[str, list[list[Any]]]:
    """`head_rows` of several tabs, the package opened once (a tab that is not there is left out)."""
    with open_zip(path) as zf:
        parts = {t.casefold(): p for t, p in sheet_parts(zf).items()}
        raws: dict[str, list[tuple[int, dict[int, tuple[str, str]]]]] = {}
        for title in titles:
            part = parts.get(title.casefold())
            if part is not None:
                raws[title] = _raw_head(zf, part, n)
        need = max((int(v) for raw in raws.values() for _, cells in raw for t, v in cells.values() if t == "s"),
                   default=-1)
        sst = _shared_strings(zf, need)
    return {title: _as_rows(raw, sst) for title, raw in raws.items()}


def _raw_head(zf: zipfile.ZipFile, part: str, n: int) -> list[tuple[int, dict[int, tuple[str, str]]]]:
    raw: list[tuple[int, dict[int, tuple[str, str]]]] = []
    with zf.open(part) as fh:
        for _, el in etree.iterparse(fh, events=("end",), tag=f"{MAIN}row", resolve_entities=False,
                                     no_network=True, load_dtd=False):
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
    return raw


def _as_rows(raw: list[tuple[int, dict[int, tuple[str, str]]]], sst: list[str]) -> list[list[Any]]:
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


def date1904(path: Path) -> bool:
    """True when the workbook counts its dates from 1904 (workbookPr date1904)."""
    with open_zip(path) as zf:
        wb = zf.read("xl/workbook.xml").decode("utf-8", "replace")
    m = re.search(r"<(?:\w+:)?workbookPr\b([^>]*)>", wb)
    return bool(m) and dict(_ATTR_RE.findall(m.group(1) if m else "")).get("date1904", "0").lower() in ("1", "true")


def _top(data: mmap.mmap, info: zipfile.ZipInfo) -> bytes:
    """The first 4 KiB of a member, inflated from its raw bytes (the `<dimension>` is at the top)."""
    at = info.header_offset
    if data[at: at + 4] != b"PK\x03\x04":
        raise zipfile.BadZipFile(f"{info.filename}: bad local header")
    name_len, extra_len = struct.unpack_from("<HH", data, at + 26)
    start = at + 30 + name_len + extra_len
    raw = data[start: start + min(info.compress_size, 8192)]
    if info.compress_type == zipfile.ZIP_STORED:
        return raw[:4096]
    if info.compress_type != zipfile.ZIP_DEFLATED or info.flag_bits & 1:
        raise NotImplementedError(info.filename)
    return zlib.decompressobj(-15).decompress(raw, 4096)


def sheet_sizes(path: Path) -> dict[str, tuple[int, int]]:
    """Each tab's (rows, columns) as its `<dimension>` says (the used range's last row and column); only the
    top of each worksheet is inflated."""
    out: dict[str, tuple[int, int]] = {}
    with open_zip(path) as zf, open(path, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as data:
        try:
            parts = sheet_parts(zf)
        except (KeyError, etree.XMLSyntaxError):  # not laid out as Excel lays it out: no sizes to tell
            return out
        for title, part in parts.items():
            try:
                info = zf.getinfo(part)
            except KeyError:
                continue
            try:
                head = _top(data, info)
            except (zipfile.BadZipFile, NotImplementedError, zlib.error, struct.error):
                with zf.open(info) as member:
                    head = member.read(4096)
            m = _DIM_RE.search(head)
            if m is None:
                continue
            last = m.group(1).decode("ascii", "replace").split(":")[-1]
            cm = _CELL_REF.match(last)
            if cm:
                out[title] = (int(cm.group(2)), _col(cm.group(1)))
    return out


__all__ = ["date1904", "head_rows", "heads", "sheet_parts", "sheet_sizes"]
