"""The change set a poflow command computes before it writes: plain frozen values, no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import TypeAlias


@dataclass(frozen=True)
class Formula:
    """A formula written on purpose, e.g. ``Formula("=SUM(A2:A9)")``; plain ``str`` is always text."""

    text: str

    def body(self) -> str:
        """The formula without its leading ``=`` (as stored in the file)."""
        return self.text[1:] if self.text.startswith("=") else self.text


CellValue: TypeAlias = str | int | Decimal | date | datetime | bool | Formula | None


@dataclass(frozen=True)
class Styled:
    """A value with the little formatting poflow ever sets on its own cells."""

    value: CellValue
    bold: bool = False
    num_format: str | None = None
    wrap: bool = False
    size: float | None = None


AnyValue: TypeAlias = CellValue | Styled


@dataclass(frozen=True)
class SetCell:
    """Write one cell (1-based row and column) on the tab named ``sheet`` (case ignored)."""

    sheet: str
    row: int
    col: int
    value: AnyValue


@dataclass(frozen=True)
class AppendRows:
    """Append rows after the last row of ``sheet`` that has any value, starting in column A.

    ``after`` (the last record row as the reader saw it): when a totals row sits below it (``totals_below``,
    or a row below holding SUM/SUBTOTAL/COUNTA... formulas, or an Excel Table's totals row), the new rows go
    right after ``after`` and the rows below move down, the person's totals growing over the new rows.
    ``header_row``: the header's row, so that rows appended under a header below a title block do not take
    the header's style (0: the first row with a value).
    """

    sheet: str
    rows: tuple[tuple[AnyValue, ...], ...]
    after: int = 0
    totals_below: bool = False
    header_row: int = 0


@dataclass(frozen=True)
class PrintSetup:
    """Page setup of a new tab; the print area is its used range."""

    fit_width: bool = True
    landscape: bool = False
    header: str = ""
    footer: str = ""


@dataclass(frozen=True)
class AddSheet:
    """Add a tab at the end of the workbook (nothing when ``if_missing`` and a tab of that name exists)."""

    name: str
    rows: tuple[tuple[AnyValue, ...], ...]
    col_widths: tuple[float, ...] = ()
    if_missing: bool = True
    freeze_header: bool = False
    print_setup: PrintSetup | None = None
    as_table: bool = False


Edit: TypeAlias = SetCell | AppendRows | AddSheet


@dataclass(frozen=True)
class Fingerprint:
    """What a workbook file was when a command read it."""

    size: int
    mtime_ns: int
    sha256: str


@dataclass(frozen=True)
class PatchResult:
    """What a patch did: ``changed`` is False when the output is byte-identical to the input."""

    changed: bool
    parts_modified: tuple[str, ...] = ()
    parts_added: tuple[str, ...] = ()
    parts_removed: tuple[str, ...] = ()
    sheets_added: tuple[str, ...] = ()
    sheets_removed: tuple[str, ...] = ()
    cells_written: int = 0
    # (tab name, first new row, last new row) for every AppendRows that wrote something
    appended: tuple[tuple[str, int, int], ...] = ()
    backup: str | None = None
    notes: tuple[str, ...] = field(default=())
