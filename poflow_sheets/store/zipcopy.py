"""Rewrite a zip package copying untouched members as raw bytes (same compression, same order)."""

from __future__ import annotations

import shutil
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO

from poflow_sheets.store.zipdir import open_zip


def _copy_range(src: IO[bytes], dst: IO[bytes], start: int, length: int) -> None:
    src.seek(start)
    remaining = length
    while remaining > 0:
        chunk = src.read(min(remaining, 1 << 20))
        if not chunk:
            raise zipfile.BadZipFile("truncated zip member")
        dst.write(chunk)
        remaining -= len(chunk)


_UNSET = object()
_SLOTS = tuple(s for c in zipfile.ZipInfo.__mro__ for s in getattr(c, "__slots__", ()))


def _clone(info: zipfile.ZipInfo) -> zipfile.ZipInfo:
    """A copy of a zip entry (what copy.copy makes, without its machinery: a thousand tabs, a thousand copies)."""
    new = object.__new__(zipfile.ZipInfo)
    for slot in _SLOTS:
        value = getattr(info, slot, _UNSET)
        if value is not _UNSET:  # a slot the entry never set stays unset
            setattr(new, slot, value)
    if hasattr(info, "__dict__"):
        new.__dict__.update(info.__dict__)
    return new


def rewrite_zip(src: Path, dst: Path | IO[bytes], replaced: Mapping[str, bytes],
                added: Mapping[str, bytes], removed: frozenset[str] = frozenset()) -> None:
    """Write ``dst``: members of ``src`` in their order, raw-copied unless replaced or removed, then ``added``.

    Raw copying keeps each untouched member's local header, compressed data and data descriptor exactly as
    they were; the central directory is rebuilt from the original entries with the new offsets.
    """
    with open(src, "rb") as fsrc, open_zip(fsrc) as zin:
        infos = zin.infolist()
        # Each member's record runs from its local header to the next record (or the central directory).
        bounds = sorted({i.header_offset for i in infos} | {zin.start_dir})
        next_offset = {b: bounds[k + 1] for k, b in enumerate(bounds[:-1])}
        with zipfile.ZipFile(dst, "w", allowZip64=True) as zout:
            zout.comment = zin.comment
            out = zout.fp
            assert out is not None
            run = [0, 0]  # untouched members next to each other in src, [start, end): copied in one go

            def flush() -> None:
                if run[1] > run[0]:
                    _copy_range(fsrc, out, run[0], run[1] - run[0])
                    zout.start_dir = out.tell()
                run[0] = run[1] = 0

            for info in infos:
                name = info.filename
                if name in removed or name in replaced:
                    flush()
                    if name in replaced:
                        new = zipfile.ZipInfo(name, date_time=info.date_time)
                        new.compress_type = info.compress_type
                        new.external_attr = info.external_attr
                        new.create_system = info.create_system
                        new.comment = info.comment
                        zout.writestr(new, replaced[name])
                    continue
                if run[1] <= run[0] or info.header_offset != run[1]:
                    flush()
                    run[0] = info.header_offset
                raw = _clone(info)  # the entry as it was, at its new place (src's entries are never changed)
                raw.header_offset = zout.start_dir + info.header_offset - run[0]
                run[1] = next_offset[info.header_offset]
                zout.filelist.append(raw)
                zout.NameToInfo[name] = raw
            flush()
            stamp = infos[0].date_time if infos else (1980, 1, 1, 0, 0, 0)
            for name, data in added.items():
                new = zipfile.ZipInfo(name, date_time=stamp)
                new.compress_type = zipfile.ZIP_DEFLATED
                zout.writestr(new, data)


def copy_file(src: Path, dst: Path) -> None:
    """A byte-identical copy (used when a patch changes nothing)."""
    shutil.copyfile(src, dst)
