"""How large a workbook or bank file poflow agrees to read: a safety net against hostile or broken files.

A 1.6 MB .xlsx can inflate to gigabytes (a zip bomb); a sheet can hold one endless cell. Every workbook and
bank file is checked before anything is inflated (from the zip directory: members, sizes, compression
ratio, duplicate names) and while it is streamed (the real inflated bytes, cells, shared strings, the longest
cell, the text encoding). A file over a limit is refused with one line naming the limit and the environment
variable that raises it, e.g. ``POFLOW_LIMIT_CELLS=50000000``.

The defaults are far above any real order book (the largest workbook made by Excel in the test corpus is
1.7 MB inflated; a 100,000-order book is ~60 MB) and above a 1,000,000-row bank export (~100 MB).
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, fields, replace
from typing import IO

from .errors import LimitExceeded, WorkbookUnreadable

MiB = 1 << 20
GiB = 1 << 30
ENV_PREFIX = "POFLOW_LIMIT_"


@dataclass(frozen=True)
class Limits:
    """The limits; each is raised by the environment variable POFLOW_LIMIT_<NAME> (e.g. POFLOW_LIMIT_CELLS)."""

    member_bytes: int = 1 * GiB  # inflated size of one zip member (one sheet, the shared strings)
    total_bytes: int = 2 * GiB  # inflated size of all members together
    ratio: int = 500  # inflated / compressed size of a member larger than 1 MiB
    members: int = 20_000  # members in the package
    cells: int = 50_000_000  # cells in all sheets
    shared_strings: int = 20_000_000  # entries of the shared strings table
    cell_bytes: int = 1 * MiB  # the longest text between two XML tags (a cell holds at most 32,767 characters)
    bank_bytes: int = 4 * GiB  # size of one bank file
    bank_rows: int = 20_000_000  # rows of one bank file
    bank_field_bytes: int = 1 * MiB  # the longest field of a bank file

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Limits:
        """The defaults, raised (or lowered) by POFLOW_LIMIT_<NAME> variables: plain numbers, or 2G / 500M / 10K."""
        env = os.environ if env is None else env
        changes: dict[str, int] = {}
        for f in fields(cls):
            text = env.get(ENV_PREFIX + f.name.upper(), "").strip()
            if not text:
                continue
            m = re.fullmatch(r"(\d+)\s*([kKmMgG]?)", text.replace("_", "").replace(",", ""))
            if m is None:
                raise LimitExceeded(f"{ENV_PREFIX}{f.name.upper()}={text!r} is not a number (e.g. 500M, 2G, 100000)")
            scale = {"": 1, "k": 1 << 10, "m": MiB, "g": GiB}[m.group(2).lower()]
            if f.name in ("cells", "shared_strings", "members", "bank_rows", "ratio"):
                scale = {"": 1, "k": 1000, "m": 1_000_000, "g": 1_000_000_000}[m.group(2).lower()]
            changes[f.name] = int(m.group(1)) * scale
        return replace(cls(), **changes) if changes else cls()


def limits() -> Limits:
    """The limits in force (the environment read on each call, so a test or a nightly job can set them)."""
    return Limits.from_env()


def _size(n: int) -> str:
    if n >= GiB:
        return f"{n / GiB:.1f} GiB"
    if n >= MiB:
        return f"{n / MiB:.1f} MiB"
    return f"{n:,} bytes"


def over(label: str, what: str, name: str, value: str) -> LimitExceeded:
    """The one-line refusal for a limit: what is too large, the limit, and how to raise it."""
    var = ENV_PREFIX + name.upper()
    return LimitExceeded(f"{label}: {what} is over poflow's limit of {value}; nothing was read. If the file is "
                         f"genuine, raise the limit with the environment variable {var} (e.g. {var}=...)")


def check_directory(zf: zipfile.ZipFile, label: str, lim: Limits) -> list[zipfile.ZipInfo]:
    """Check a package from its zip directory alone, before anything is inflated; returns its members."""
    infos = zf.infolist()
    if len(infos) > lim.members:
        raise over(label, f"the package has {len(infos):,} members, which", "members", f"{lim.members:,}")
    seen: dict[str, str] = {}
    total = 0
    for info in infos:
        key = info.filename.casefold().lstrip("/")
        if key in seen:
            raise WorkbookUnreadable(f"{label}: the file is damaged: the package holds two members named "
                                     f"{info.filename!r}; open it in Excel and save it again")
        seen[key] = info.filename
        if info.file_size > lim.member_bytes:
            raise over(label, f"member {info.filename} inflates to {_size(info.file_size)}, which", "member_bytes",
                       _size(lim.member_bytes))
        total += info.file_size
        if info.file_size > MiB and info.file_size > lim.ratio * max(info.compress_size, 1):
            ratio = info.file_size / max(info.compress_size, 1)
            raise over(label, f"member {info.filename} is compressed {ratio:,.0f} to 1 (a zip bomb?), which", "ratio",
                       f"{lim.ratio} to 1")
    if total > lim.total_bytes:
        raise over(label, f"the package inflates to {_size(total)}, which", "total_bytes", _size(lim.total_bytes))
    return infos


_ENCODING = re.compile(rb"""^\s*<\?xml[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")


def _encoding_problem(head: bytes) -> str | None:
    """The encoding of an XML part when it is not UTF-8 (None for UTF-8)."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or head[:4] in (b"<\x00?\x00", b"\x00<\x00?"):
        return "UTF-16"
    if head.startswith((b"\x00\x00\xfe\xff", b"\xff\xfe\x00\x00")):
        return "UTF-32"
    m = _ENCODING.match(head.removeprefix(b"\xef\xbb\xbf"))
    if m and m.group(1).decode("ascii").lower().replace("_", "-") not in ("utf-8", "utf8"):
        return m.group(1).decode("ascii")
    return None


class _RunMeter:
    """The longest run of bytes without a '<' across the chunks of one member (the longest cell text), as
    far as it matters against `limit`: a run inside a chunk is measured only when it may be longer than that
    (the longest run is exact whenever it is more than the limit)."""

    def __init__(self, limit: int | None = None) -> None:
        self.carry = 0
        self.longest = 0
        # every run of 2 * block - 1 bytes holds a whole block: when each block holds a '<', no run inside
        # the chunk is longer than 2 * block - 2 <= limit (small blocks: measured instead)
        self.block = (limit + 2) // 2 if limit is not None and limit >= _MEASURE_BELOW else 0

    def _short_runs(self, chunk: bytes, first: int, last: int) -> bool:
        """True when no run between the first and the last '<' of the chunk can be longer than the limit."""
        b = self.block
        if not b:
            return False
        return all(chunk.find(b"<", p, p + b) >= 0 for p in range(first, last - b + 1, b))

    def feed(self, chunk: bytes) -> int:
        first = chunk.find(b"<")
        if first < 0:
            self.carry += len(chunk)
            self.longest = max(self.longest, self.carry)
            return self.longest
        self.longest = max(self.longest, self.carry + first)
        last = chunk.rfind(b"<")
        if last > first and len(chunk) - first > self.longest and not self._short_runs(chunk, first, last):
            import numpy as np

            pos = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8, offset=first, count=last - first + 1) == 60)
            if len(pos) > 1:
                self.longest = max(self.longest, int(np.diff(pos).max()) - 1)
        self.carry = len(chunk) - last - 1
        self.longest = max(self.longest, self.carry)
        return self.longest


_MEASURE_BELOW = 64 << 10  # a limit smaller than this: every run is measured


def _streamed(name: str) -> bool:
    low = name.lower()
    return low.endswith((".xml", ".rels", ".vml")) and not low.startswith(("xl/media/", "word/media/"))


def _cells(data: bytes) -> int:
    return data.count(b"<c ") + data.count(b"<c>") + data.count(b"<table:table-cell")


def _strings(data: bytes) -> int:
    return data.count(b"<si>") + data.count(b"<si ") + data.count(b"<si/>")


def _is_sheet(name: str) -> bool:
    low = name.lower()
    return "worksheets/" in low or low.endswith("content.xml")


@contextmanager
def _package_errors(label: str) -> Iterator[None]:
    """A damaged, truncated or unreadable package as one line (WorkbookUnreadable)."""
    try:
        yield
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError, ValueError) as exc:
        raise WorkbookUnreadable(f"{label}: the file is damaged or truncated ({' '.join(str(exc).split())}); "
                                 "open it in Excel and save it again") from None
    except (RuntimeError, OSError) as exc:  # an encrypted member, a read error
        text = " ".join(str(exc).split())
        raise WorkbookUnreadable(f"{label}: cannot be read ({text})") from None


class PackageCheck:
    """A package checked against the limits member by member: its directory at once, each XML member when it
    is about to be read (streamed through zlib, never more than its declared size), each member once.

    `check_package` checks every member; a reader that reads some tabs checks the parts every reader reads
    (`parts`) and each worksheet before reading it (`member`), so tabs it never reads (a thousand document
    tabs, a Log read by its head) cost nothing. The cells limit counts the worksheets checked.
    """

    def __init__(self, zf: zipfile.ZipFile, label: str, lim: Limits | None = None) -> None:
        self.label = label
        self.lim = lim or limits()
        with _package_errors(label):
            self.infos = {i.filename: i for i in check_directory(zf, label, self.lim)}
        self.done: set[str] = set()
        self.cells = 0
        self.strings = 0

    def all(self, zf: zipfile.ZipFile) -> None:
        """Check every XML member not checked yet."""
        for name in self.infos:
            self.member(zf, name)

    def parts(self, zf: zipfile.ZipFile) -> None:
        """Check every XML member but the worksheets (what opening the workbook reads)."""
        for name in self.infos:
            if not _is_sheet(name):
                self.member(zf, name)

    def member(self, zf: zipfile.ZipFile, name: str) -> None:
        """Check one member (nothing when it was checked, is not XML, or is not in the package)."""
        info = self.infos.get(name)
        if info is None or name in self.done or info.is_dir() or not _streamed(name):
            return
        with _package_errors(self.label):
            self._stream(zf, info)
        self.done.add(name)

    def head(self, zf: zipfile.ZipFile, name: str) -> None:
        """Check the start of a member a reader parses only the top of (a DTD, the encoding)."""
        info = self.infos.get(name)
        if info is None or name in self.done or info.is_dir() or not _streamed(name):
            return
        with _package_errors(self.label), zf.open(info) as fh:
            self._first(info, fh.read(4096))

    def _first(self, info: zipfile.ZipInfo, chunk: bytes) -> None:
        label = self.label
        if b"<!DOCTYPE" in chunk[:4096] or b"<!ENTITY" in chunk[:4096]:
            raise WorkbookUnreadable(
                f"{label}: {info.filename} declares a DTD or XML entities, which no Excel file "
                "has; poflow does not read it (open it in Excel and save it again)")
        enc = _encoding_problem(chunk[:200])
        if enc is not None:
            raise WorkbookUnreadable(
                f"{label}: {info.filename} is written in {enc}, not UTF-8; poflow reads "
                "workbooks as Excel saves them: open it in Excel and save it again")

    def _stream(self, zf: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
        label, lim = self.label, self.lim
        low = info.filename.lower()
        is_sheet = _is_sheet(low)
        is_strings = low.endswith("sharedstrings.xml")
        meter = _RunMeter(lim.cell_bytes)
        tail = b""
        with zf.open(info) as fh:
            first = True
            while True:
                chunk = fh.read(4 * MiB)
                if not chunk:
                    break
                if first:
                    self._first(info, chunk)
                    first = False
                if meter.feed(chunk) > lim.cell_bytes:
                    raise over(label, f"{info.filename} holds a cell or text of more than "
                               f"{_size(meter.longest)}, which", "cell_bytes", _size(lim.cell_bytes))
                if is_sheet:
                    # the chunk's own, and those across the seam with the last one's tail (no copy of the chunk)
                    seam = tail + chunk[:20]
                    self.cells += _cells(chunk) + _cells(seam) - _cells(tail) - _cells(chunk[:20])
                    tail = chunk[-20:]
                    if self.cells > lim.cells:
                        raise over(label, f"the sheets hold more than {lim.cells:,} cells, which", "cells",
                                   f"{lim.cells:,}")
                elif is_strings:
                    seam = tail + chunk[:8]
                    self.strings += _strings(chunk) + _strings(seam) - _strings(tail) - _strings(chunk[:8])
                    tail = chunk[-8:]
                    if self.strings > lim.shared_strings:
                        raise over(label, f"the shared strings table holds more than "
                                   f"{lim.shared_strings:,} entries, which", "shared_strings",
                                   f"{lim.shared_strings:,}")


def check_package(file: str | os.PathLike[str] | IO[bytes], label: str, lim: Limits | None = None) -> None:
    """Check a zip package (a workbook) against the limits: from its directory first, then by streaming
    every XML member through zlib (never more than its declared size: a lying directory is a damaged file).
    Raises LimitExceeded or WorkbookUnreadable with one line; returns when the package is within limits.
    """
    with _package_errors(label), zipfile.ZipFile(file) as zf:
        PackageCheck(zf, label, lim).all(zf)


__all__ = ["Limits", "PackageCheck", "check_directory", "check_package", "limits", "over"]
