"""One seam for "a workbook": read the rows of the tabs a command needs, write the store's change list.

A backend opens a `TabSource` (the tab titles, then the rows of the tabs asked for, and a stamp of what
was read) and writes a list of store edits (SetCell, AppendRows, AddSheet) checked against that stamp:
a write refuses, and writes nothing, when the workbook changed since it was read. The reader turns rows
into a `Book` whatever the backend; commands, the core and the documents never know which one it was.

Two backends: `XlsxBackend` here (calamine to read, the lossless .xlsx patcher to write) and
`poflow_sheets.gsheets.SheetsBackend` (the Google Sheets API).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, TypeAlias

from poflow_sheets.store.edits import Edit, Fingerprint, PatchResult
from poflow_sheets.store.safety import write_workbook
from poflow_sheets.store.xlsx_read import CalamineSource


class ReadStamp:
    """What a backend other than a file saw when it read (a file's stamp is its `Fingerprint`)."""


Stamp: TypeAlias = Fingerprint | ReadStamp


class TabSource(Protocol):
    """An open workbook: its tab titles, the rows of any tab, and a stamp of what was read."""

    path: Path  # how the workbook is named in messages (a file path, or gsheet:ID)
    sheet_names: tuple[str, ...]

    @property
    def stamp(self) -> Stamp:
        """What was read, for the write to check against."""
        ...

    def fetch(self, titles: Sequence[str]) -> None:
        """Read these tabs now, together (one request for a remote workbook)."""

    def rows(self, title: str) -> list[list[Any]]:
        """A tab's cells from A1 as a rectangle: '' for an empty cell, float for a number, bool, str, date."""
        ...

    def close(self) -> None:
        """Release what the source holds."""


class Backend(Protocol):
    """Where a workbook lives: how to read it and how to write a change list to it."""

    path: Path

    def open(self) -> TabSource:
        """Open the workbook for reading."""
        ...

    def write(self, changes: Sequence[Edit], *, expected: Stamp | None, force: bool = False,
              retention: int = 20, command: str = "") -> PatchResult:
        """Apply the changes in one safe write, refusing (WriteConflict, nothing written) when the
        workbook changed since `expected` was read; `command` names the write (a file's backup list)."""
        ...


class XlsxBackend:
    """A workbook file: read with calamine, written by the lossless patcher (lock, check, backup)."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def open(self) -> CalamineSource:
        return CalamineSource(self.path)

    def write(self, changes: Sequence[Edit], *, expected: Stamp | None, force: bool = False,
              retention: int = 20, command: str = "") -> PatchResult:
        if expected is not None and not isinstance(expected, Fingerprint):
            raise TypeError(f"{self.path}: a file is checked against its Fingerprint, not {type(expected).__name__}")
        return write_workbook(self.path, changes, expected=expected, force=force, retention=retention,
                              command=command)


__all__ = ["Backend", "ReadStamp", "Stamp", "TabSource", "XlsxBackend"]
