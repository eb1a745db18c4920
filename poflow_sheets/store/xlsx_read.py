"""Reading .xlsx (and .xlsm, .xls, .ods) workbooks with python-calamine: the read half of the file store.

`open_workbook` turns every way a file can fail to be a workbook into one clear line; `CalamineSource`
hands the reader the rows of the tabs it asks for, with the fingerprint a later write checks.
"""

from __future__ import annotations

import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from poflow_sheets.errors import WorkbookUnreadable
from poflow_sheets.limits import Limits, PackageCheck, limits
from poflow_sheets.store.edits import Fingerprint
from poflow_sheets.store.safety import fingerprint
from poflow_sheets.store.zipdir import open_zip

# (file, mtime, size, the limits) -> what was checked of it in this process
_CHECKS: dict[tuple[str, int, int, Limits], PackageCheck] = {}
HEAD_WHOLE_BYTES = 64 << 10  # a worksheet part up to this size (uncompressed) is read whole for its head


def open_workbook(path: Path) -> CalamineWorkbook:
    """Open a workbook with calamine, every member of its package checked against the limits first, translating
    every failure into one clear line."""
    wb, zf, _check = _open(path, every_member=True)
    if zf is not None:
        zf.close()
    return wb


def check_workbook(path: Path) -> None:
    """Everything `open_workbook` checks before calamine reads the file: a missing or empty file, a folder, a
    password, not a workbook, and every member of the package against the limits (once per process for an
    unchanged file: a forked reader and this process share what was checked)."""
    zf, _check = _checked_package(path, every_member=True)
    if zf is not None:
        zf.close()


def _open(path: Path, *, every_member: bool) -> tuple[CalamineWorkbook, zipfile.ZipFile | None, PackageCheck | None]:
    """The workbook opened with calamine, and for a zip package the package open and its limits check:
    every member checked (`every_member`), or every part but the worksheets, each checked when read."""
    zf, check = _checked_package(path, every_member=every_member)
    name = str(path)
    try:
        return CalamineWorkbook.from_path(name), zf, check
    except Exception as exc:  # calamine raises several types; all mean the same to the user
        if zf is not None:
            zf.close()
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "password" in text.lower() or "encrypt" in text.lower():
            raise WorkbookUnreadable(f"{name}: the workbook is password protected") from None
        raise WorkbookUnreadable(f"{name}: cannot be read as a workbook ({text})") from None


def _checked_package(path: Path, *, every_member: bool) -> tuple[zipfile.ZipFile | None, PackageCheck | None]:
    name = str(path)
    if not path.exists():
        raise WorkbookUnreadable(f"{name}: no such file")
    if path.is_dir():
        raise WorkbookUnreadable(f"{name}: is a folder, expected a workbook file (.xlsx)")
    size = path.stat().st_size
    if size == 0:
        raise WorkbookUnreadable(f"{name}: the file is empty, expected an .xlsx workbook")
    with path.open("rb") as fh:
        head = fh.read(8)
    suffix = path.suffix.lower()
    zf: zipfile.ZipFile | None = None
    check: PackageCheck | None = None
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        if suffix in (".xlsx", ".xlsm") or _is_encrypted_ole(path):
            raise WorkbookUnreadable(
                f"{name}: the workbook is password protected (encrypted); save a copy without a password")
    elif head.startswith(b"PK"):
        try:
            zf = open_zip(path)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise WorkbookUnreadable(f"{name}: the file is damaged or truncated ({exc})") from None
        try:
            if "xl/workbook.xml" not in zf.NameToInfo and "content.xml" not in zf.NameToInfo:
                raise WorkbookUnreadable(f"{name}: a zip file but not an Excel workbook (no xl/workbook.xml)")
            # sizes, ratio, duplicate members from the directory; cells, shared strings, the longest cell, the
            # encoding of each XML member inflated once against its CRC (a damaged member is found here, not
            # by calamine): every member, or every one but the worksheets, each checked when it is read
            st = path.stat()
            lim = limits()
            key = (str(path.resolve()), st.st_mtime_ns, st.st_size, lim)
            check = _CHECKS.get(key)  # a command that opens the same unchanged file twice checks it once
            if check is None:
                if len(_CHECKS) >= 8:  # a long-running process (sync) remembers only the latest files
                    del _CHECKS[next(iter(_CHECKS))]
                check = _CHECKS[key] = PackageCheck(zf, name, lim)
            if every_member:
                check.all(zf)
            else:
                check.parts(zf)
        except BaseException:
            zf.close()
            raise
    elif suffix in (".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"):
        kind = "text (CSV?)" if _looks_text(head) else "not a spreadsheet"
        raise WorkbookUnreadable(f"{name}: not a real {suffix} workbook: the content is {kind}")
    else:
        raise WorkbookUnreadable(f"{name}: not a workbook; expected an .xlsx file")
    return zf, check


def _looks_text(head: bytes) -> bool:
    return all(32 <= b < 127 or b in (9, 10, 13) for b in head.lstrip(b"\xef\xbb\xbf"))


def _is_encrypted_ole(path: Path) -> bool:
    with path.open("rb") as fh:
        data = fh.read(1 << 16)
    return "EncryptedPackage".encode("utf-16-le") in data


class CalamineSource:
    """The tabs of a workbook file, read one by one as the reader asks (calamine is fast; no prefetch).

    The package is opened once; each worksheet is checked against the limits when it is first read, so the
    tabs a command never reads (document tabs, the Log below its header) are never inflated."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._wb, self._zip, self._check = _open(self.path, every_member=False)
        self.stamp: Fingerprint = fingerprint(self.path)
        self.sheet_names: tuple[str, ...] = tuple(self._wb.sheet_names)
        self._sheets: dict[str, Any] = {}
        self._parts: dict[str, str] | None = None

    def _part(self, title: str) -> str | None:
        """The worksheet part of a tab (None when the package is not laid out as Excel lays it out)."""
        if self._zip is None:
            return None
        if self._parts is None:
            from poflow_sheets.store.xlsx_head import sheet_parts

            try:
                self._parts = sheet_parts(self._zip)
            except Exception:  # no xl/workbook.xml (.ods), or one lxml does not parse: check every member
                self._parts = {}
        return self._parts.get(title)

    def _checked(self, title: str) -> None:
        """Check the tab's worksheet against the limits before it is read (every member when it is not known)."""
        if self._zip is None or self._check is None:
            return
        part = self._part(title)
        if part is None:
            self._check.all(self._zip)
        else:
            self._check.member(self._zip, part)

    def fetch(self, titles: Sequence[str]) -> None:
        """Nothing to do: each tab is read when asked for."""

    def rows(self, title: str) -> list[list[Any]]:
        """A tab's cells from A1, as a rectangle (empty cells are '')."""
        self._checked(title)
        try:
            sheet = self._wb.get_sheet_by_name(title)
            rows: list[list[Any]] = sheet.to_python(skip_empty_area=False)
        except Exception as exc:
            raise WorkbookUnreadable(f"{self.path}: tab '{title}' cannot be read ({exc})") from None
        self._sheets[title] = sheet  # its merged ranges are asked next: no second parse of the sheet
        return rows

    def head_rows(self, title: str, n: int = 20) -> list[list[Any]]:
        """The tab's first `n` rows, without reading the rest of it when it is long (a long tab of an .xlsx
        is streamed; a short one, and other formats, are read whole: calamine has the shared strings that a
        streamed head would parse again)."""
        if self._zip is not None and self.path.suffix.lower() in (".xlsx", ".xlsm") and self._check is not None:
            from poflow_sheets.store.xlsx_head import head_rows

            part = self._part(title)
            info = self._zip.NameToInfo.get(part) if part is not None else None
            if part is not None and (info is None or info.file_size > HEAD_WHOLE_BYTES):
                self._check.head(self._zip, part)  # a DTD, the encoding: the top is all that is parsed
                try:
                    return head_rows(self._zip, title, n, self._parts)
                except Exception:  # a package the streaming reader does not follow: read it whole
                    pass
        return self.rows(title)[:n]

    def merged_ranges(self, title: str) -> object:
        """The tab's merged cell ranges (calamine's), from the sheet `rows` read."""
        if title not in self._sheets:
            self._checked(title)
        sheet = self._sheets.get(title) or self._wb.get_sheet_by_name(title)
        return sheet.merged_cell_ranges or ()

    def close(self) -> None:
        """Release the file."""
        self._wb.close()
        if self._zip is not None:
            self._zip.close()


__all__ = ["CalamineSource", "check_workbook", "open_workbook"]
