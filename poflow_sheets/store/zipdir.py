"""Open a package again without reading its zip directory again.

A command opens its workbook's package several times (the reader, the patcher, the copy of untouched
members); opening a zip reads its central directory, one Python object per member: a few milliseconds for a
book of a thousand tabs, each time. `open_zip` reads it once per process for an unchanged file (the same
device, inode, size and modification and change times: poflow replaces a file by a new one, so a written
file is never taken for the one read) and hands every later opening the same entries. `remembered` keeps
what is derived from an unchanged package the same way (its tabs' parts).
"""

from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import IO, Any, TypeVar

T = TypeVar("T")
_Key = tuple[int, int, int, int, int]
_KEEP = 8  # packages remembered (a command reads one workbook, its archive, a bank file)


@dataclass
class _Known:
    filelist: list[zipfile.ZipInfo]
    names: dict[str, zipfile.ZipInfo]
    rest: dict[str, Any]  # whatever else reading the directory set (start_dir, the comment)
    memo: dict[str, Any] = field(default_factory=dict)


_DIRS: dict[_Key, _Known] = {}


class _KnownZip(zipfile.ZipFile):
    """A ZipFile (read mode) whose directory comes from the last time the same file was opened."""

    known: _Known | None = None

    def _RealGetContents(self) -> None:  # zipfile reads the directory here
        key: _Key | None = None
        try:
            assert self.fp is not None
            st = os.fstat(self.fp.fileno())
            key = (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        except (AttributeError, OSError, ValueError, AssertionError):  # a stream without a file behind it
            pass
        known = _DIRS.get(key) if key is not None else None
        if known is None:
            before = dict(vars(self))
            super()._RealGetContents()  # type: ignore[misc]
            if key is not None:
                if len(_DIRS) >= _KEEP:
                    del _DIRS[next(iter(_DIRS))]
                rest = {k: v for k, v in vars(self).items() if k not in ("filelist", "NameToInfo", "fp")
                        and (k not in before or before[k] is not v)}
                self.known = _DIRS[key] = _Known(list(self.filelist), dict(self.NameToInfo), rest)
            return
        self.known = known
        self.filelist = list(known.filelist)
        self.NameToInfo = dict(known.names)
        for k, v in known.rest.items():
            setattr(self, k, v)


def open_zip(file: str | os.PathLike[str] | IO[bytes]) -> zipfile.ZipFile:
    """A zip package opened for reading (its directory read once per process while the file is unchanged).

    The entries are shared between openings: read them, never change them (copy one to write it elsewhere).
    """
    return _KnownZip(file)


def remembered(zf: zipfile.ZipFile, what: str, compute: Callable[[], T]) -> T:
    """`compute()`, a value derived from the package `zf` alone, computed once per process while the file
    is unchanged (each time for a package not opened by `open_zip`)."""
    known = getattr(zf, "known", None)
    if not isinstance(known, _Known):
        return compute()
    if what not in known.memo:
        known.memo[what] = compute()
    value: T = known.memo[what]
    return value


__all__ = ["open_zip", "remembered"]
