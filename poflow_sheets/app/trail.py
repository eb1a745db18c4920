"""The audit trail poflow keeps in the workbook: which tab holds it, and its rows as entries.

Every write appends one row per change to the Log tab (or to 'poflow Log' when the workbook has a Log
tab of its own): when, the command line, tab, row key, column, old and new value. `poflow log` shows it;
`poflow undo` reads it to revert the last command.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from ..schema import TAB_BY_NAME, norm
from .write import FOREIGN_LOG, MOVED, NEW_ROW, NEW_SHEET

_REVERTS = re.compile(r" \(reverts (\d{4}-\d\d-\d\d \d\d:\d\d:\d\d) (.*)\)$")


@dataclass(frozen=True)
class Entry:
    """One row of the trail."""

    row: int  # the trail tab's row number
    when: str
    command: str
    tab: str
    key: str
    column: str
    old: str
    new: str

    @property
    def step(self) -> tuple[str, str]:
        """The command run this entry belongs to: (when, command line)."""
        return self.when, self.command

    def reverts(self) -> tuple[str, str] | None:
        """The run an undo entry reverted, None for any other entry."""
        m = _REVERTS.search(self.command)
        return (m.group(1), m.group(2)) if m else None


def undo_command(command: str, step: tuple[str, str]) -> str:
    """The command text an undo records: its own line and the run it reverts."""
    return f"{command} (reverts {step[0]} {step[1]})"


def trail_title(sheet_names: Sequence[str]) -> str | None:
    """The tab that holds poflow's trail: 'poflow Log' when present, else 'Log'; None when there is none."""
    names = {norm(n): n for n in sheet_names}
    return names.get(norm(FOREIGN_LOG)) or names.get(norm("Log"))


def cell_text(value: object) -> str:
    """A Log cell as text: numbers as typed (12, not 12.0), dates as ISO dates, times as `YYYY-MM-DD HH:MM:SS`."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ") if value.time() != datetime.min.time() else value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else format(Decimal(repr(value)), "f")
    return str(value).strip()


def entries(rows: Sequence[Sequence[object]]) -> list[Entry]:
    """The trail's rows as entries: the one reader of the Log (`log`, `undo`, the evidence pack). The header
    is the first row with a value, its columns found by name; rows without a command are skipped."""
    h = next((i for i, r in enumerate(rows) if any(v not in ("", None) for v in r)), -1)
    if h < 0:
        return []
    header = [norm(v) for v in rows[h]]
    cols = {c.key: header.index(norm(c.header)) for c in TAB_BY_NAME["Log"].columns if norm(c.header) in header}
    if "command" not in cols or "tab" not in cols:
        return []

    def get(r: Sequence[object], key: str) -> str:
        i = cols.get(key)
        return cell_text(r[i]) if i is not None and i < len(r) else ""

    out = []
    for n, r in enumerate(rows[h + 1:], start=h + 2):
        if get(r, "command"):
            out.append(Entry(n, get(r, "when"), get(r, "command"), get(r, "tab"), get(r, "row_key"),
                             get(r, "column"), get(r, "old"), get(r, "new")))
    return out


def last_run(trail: Sequence[Entry]) -> list[Entry]:
    """The entries of the latest run that is neither an undo nor undone already; [] when there is none."""
    undone = {e.reverts() for e in trail} - {None}
    i = len(trail)
    while i > 0:
        step = trail[i - 1].step
        j = i
        while j > 0 and trail[j - 1].step == step:
            j -= 1
        group = list(trail[j:i])
        if group[0].reverts() is None and step not in undone:
            return group
        i = j
    return []


def read_trail(workbook: Path) -> list[list[object]]:
    """The trail tab's rows (header first), [] when the workbook has none."""
    from .workbook import backend_of

    source = backend_of(workbook).open()
    try:
        title = trail_title(source.sheet_names)
        if title is None:
            return []
        source.fetch([title])
        return source.rows(title)
    finally:
        source.close()


__all__ = ["MOVED", "NEW_ROW", "NEW_SHEET", "Entry", "cell_text", "entries", "last_run", "read_trail", "trail_title",
           "undo_command"]
