"""Rewrite a zip package copying untouched members as raw bytes (same compression, same order)."""

from __future__ import annotations

import copy
import shutil
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO


def _copy_range(src: IO[bytes], dst: IO[bytes], start: int, length: int) -> None:
    src.seek(start)
    remaining = length
    while remaining > 0:
        chunk = src.read(min(remaining, 1 << 20))
        if not chunk:
            raise zipfile.BadZipFile("truncated zip member")
        dst.write(chunk)
        remaining -= len(chunk)


def rewrite_zip(src: Path, dst: Path | IO[bytes], replaced: Mapping[str, bytes],
                added: Mapping[str, bytes], removed: frozenset[str] = frozenset()) -> None:
    """Write ``dst``: members of ``src`` in their order, raw-copied unless replaced or removed, then ``added``.

    Raw copying keeps each untouched member's local header, compressed data and data descriptor exactly as
    they were; the central directory is rebuilt from the original entries with the new offsets.
    """
    with open(src, "rb") as fsrc, zipfile.ZipFile(fsrc) as zin:
        infos = zin.infolist()
        # Each member's record runs from its local header to the next record (or the central directory).
        bounds = sorted({i.header_offset for i in infos} | {zin.start_dir})
        next_offset = {b: bounds[k + 1] for k, b in enumerate(bounds[:-1])}
        with zipfile.ZipFile(dst, "w", allowZip64=True) as zout:
            zout.comment = zin.comment
            for info in infos:
                name = info.filename
                if name in removed:
                    continue
                if name in replaced:
                    new = zipfile.ZipInfo(name, date_time=info.date_time)
                    new.compress_type = info.compress_type
                    new.external_attr = info.external_attr
                    new.create_system = info.create_system
                    new.comment = info.comment
                    zout.writestr(new, replaced[name])
                    continue
                assert zout.fp is not None
                raw = copy.copy(info)
                raw.header_offset = zout.fp.tell()
                _copy_range(fsrc, zout.fp, info.header_offset, next_offset[info.header_offset] - info.header_offset)
                zout.filelist.append(raw)
                zout.NameToInfo[name] = raw
                zout.start_dir = zout.fp.tell()
            stamp = infos[0].date_time if infos else (1980, 1, 1, 0, 0, 0)
            for name, data in added.items():
                new = zipfile.ZipInfo(name, date_time=stamp)
                new.compress_type = zipfile.ZIP_DEFLATED
                zout.writestr(new, data)


def copy_file(src: Path, dst: Path) -> None:
    """A byte-identical copy (used when a patch changes nothing)."""
    shutil.copyfile(src, dst)
