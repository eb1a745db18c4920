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
from poflow_sheets.store.edits import Fingerprint
from poflow_sheets.store.safety import fingerprint

HEAD_WHOLE_BYTES = 1 << 20  # a worksheet part up to this size (uncompressed) is read whole for its head
_CHECKED: set[tuple[str, int, int]] = set()  # (file, mtime, size) whose package passed the limits in this process


def open_workbook(path: Path) -> CalamineWorkbook:
    """Open a workbook with calamine, translating every failure into one clear line."""
    check_workbook(path)
    name = str(path)
    try:
        return CalamineWorkbook.from_path(name)
    except Exception as exc:  # calamine raises several types; all mean the same to the user
        text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        if "password" in text.lower() or "encrypt" in text.lower():
            raise WorkbookUnreadable(f"{name}: the workbook is password protected") from None
        raise WorkbookUnreadable(f"{name}: cannot be read as a workbook ({text})") from None


def check_workbook(path: Path) -> None:
    """Everything open_workbook checks before calamine reads the file: a missing or empty file, a folder, a
    password, not a workbook, and the package's limits (those once per process for an unchanged file)."""
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
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        if suffix in (".xlsx", ".xlsm") or _is_encrypted_ole(path):
            raise WorkbookUnreadable(
                f"{name}: the workbook is password protected (encrypted); save a copy without a password")
    elif head.startswith(b"PK"):
        try:
            with zipfile.ZipFile(path) as zf:
                names = set(zf.namelist())
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            raise WorkbookUnreadable(f"{name}: the file is damaged or truncated ({exc})") from None
        if "xl/workbook.xml" not in names and "content.xml" not in names:
            raise WorkbookUnreadable(f"{name}: a zip file but not an Excel workbook (no xl/workbook.xml)")
        # sizes, ratio, duplicate members, cells, shared strings, the longest cell, the encoding; and every
        # XML member inflated once against its CRC (a damaged member is found here, not by calamine)
        from poflow_sheets.limits import check_package

        st = path.stat()
        key = (str(path.resolve()), st.st_mtime_ns, st.st_size)
        if key not in _CHECKED:  # a command that opens the same unchanged file twice checks it once
            check_package(path, name)
            _CHECKED.add(key)
    elif suffix in (".xlsx", ".xlsm", ".xls", ".ods", ".xlsb"):
        kind = "text (CSV?)" if _looks_text(head) else "not a spreadsheet"
        raise WorkbookUnreadable(f"{name}: not a real {suffix} workbook: the content is {kind}")
    else:
        raise WorkbookUnreadable(f"{name}: not a workbook; expected an .xlsx file")


def _looks_text(head: bytes) -> bool:
    return all(32 <= b < 127 or b in (9, 10, 13) for b in head.lstrip(b"\xef\xbb\xbf"))


def _is_encrypted_ole(path: Path) -> bool:
    with path.open("rb") as fh:
        data = fh.read(1 << 16)
    return "EncryptedPackage".encode("utf-16-le") in data


class CalamineSource:
    """The tabs of a workbook file, read one by one as the reader asks (calamine is fast; no prefetch)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._wb = open_workbook(self.path)
        self.stamp: Fingerprint = fingerprint(self.path)
        self.sheet_names: tuple[str, ...] = tuple(self._wb.sheet_names)
        self._sheets: dict[str, Any] = {}

    def fetch(self, titles: Sequence[str]) -> None:
        """Nothing to do: each tab is read when asked for."""

    def rows(self, title: str) -> list[list[Any]]:
        """A tab's cells from A1, as a rectangle (empty cells are '')."""
        try:
            sheet = self._wb.get_sheet_by_name(title)
            rows: list[list[Any]] = sheet.to_python(skip_empty_area=False)
        except Exception as exc:
            raise WorkbookUnreadable(f"{self.path}: tab '{title}' cannot be read ({exc})") from None
        self._sheets[title] = sheet  # its merged ranges are asked next: no second parse of the sheet
        return rows

    def head_rows(self, title: str, n: int = 20) -> list[list[Any]]:
        """The tab's first `n` rows, without reading the rest of it when it is long (a long tab of an .xlsx
        is streamed; a short one, and other formats, are read whole: calamine has the shared strings the
        streamed head would parse again)."""
        if self.path.suffix.lower() in (".xlsx", ".xlsm"):
            from poflow_sheets.store.xlsx_head import head_rows, part_size

            try:
                size = part_size(self.path, title)
                if size is not None and size > HEAD_WHOLE_BYTES:
                    return head_rows(self.path, title, n)
            except Exception:  # a package the streaming reader does not follow: read it whole
                pass
        return self.rows(title)[:n]

    def merged_ranges(self, title: str) -> object:
        """The tab's merged cell ranges (calamine's), from the sheet `rows` read."""
        sheet = self._sheets.get(title) or self._wb.get_sheet_by_name(title)
        return sheet.merged_cell_ranges or ()

    def close(self) -> None:
        """Release the file."""
        self._wb.close()


__all__ = ["CalamineSource", "check_workbook", "open_workbook"]
