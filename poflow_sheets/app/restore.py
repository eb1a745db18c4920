"""`poflow restore`: list a workbook's backups, and put one back through the safe write path.

Every write keeps the version it replaces in `.poflow-backups/` beside the workbook (beside the file a
symbolic link points to). Restoring is itself a write: the lock is taken, the current version becomes a
backup first, and the chosen backup is copied to a temp file, fsynced and swapped in atomically.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..errors import Refused, WorkbookUnreadable
from ..store import backups_of, fingerprint
from ..store.safety import backup_commands, replace_workbook, target_of

_STAMP = re.compile(r"\.(\d{8}-\d{6}-\d{6})\.[^.]+$")


@dataclass(frozen=True)
class Backup:
    """One backup of a workbook: its file, when it was taken, its size and the command that replaced it."""

    number: int  # 1 = the newest
    path: Path
    taken: datetime | None
    size: int
    command: str

    def line(self) -> str:
        """One line of `poflow restore --list`."""
        when = self.taken.strftime("%Y-%m-%d %H:%M:%S") if self.taken else "?"
        size = f"{self.size / 1024:,.1f} KiB" if self.size < 1 << 20 else f"{self.size / (1 << 20):,.1f} MiB"
        return f"{self.number:>3}  {when}  {size:>12}  {self.path.name}  before: {self.command or '(not recorded)'}"


def list_backups(workbook: Path) -> list[Backup]:
    """The backups of `workbook`, newest first."""
    found = list(reversed(backups_of(workbook)))
    commands = backup_commands(found[0].parent) if found else {}
    out = []
    for i, path in enumerate(found, start=1):
        m = _STAMP.search(path.name)
        taken = datetime.strptime(m.group(1), "%Y%m%d-%H%M%S-%f") if m else None
        out.append(Backup(i, path, taken, path.stat().st_size, commands.get(path.name, "")))
    return out


def _choose(workbook: Path, backups: list[Backup], which: str) -> Backup:
    which = which.strip()
    if which.isdigit() and 1 <= int(which) <= len(backups):
        return backups[int(which) - 1]
    for b in backups:
        if which in (b.path.name, str(b.path)) or Path(which).name == b.path.name:
            return b
    raise Refused(f"{workbook}: no backup {which!r}; run 'poflow restore {workbook} --list' to see them "
                  "(name one by its number or file name)")


def restore(workbook: Path, backup: str | None = None, *, list_only: bool = False, force: bool = False,
            command: str = "poflow restore") -> list[str]:
    """`poflow restore WORKBOOK [--list | BACKUP]`: the list of backups, or the lines saying what was restored."""
    from ..reader import open_workbook, read_workbook

    backups = list_backups(workbook)
    if list_only or backup is None:
        if not backups:
            return [f"{workbook}: no backups in {target_of(workbook).parent / '.poflow-backups'}"]
        return [f"backups of {workbook}, newest first (number, time taken, size, file, the command that replaced it):",
                *(b.line() for b in backups)]
    if not backups:
        raise Refused(f"{workbook}: there is no backup to restore")
    chosen = _choose(workbook, backups, backup)
    open_workbook(chosen.path).close()  # a damaged backup is refused before anything changes
    if not target_of(workbook).exists():
        raise WorkbookUnreadable(f"{workbook}: no such file; copy the backup {chosen.path} there instead")
    expected = fingerprint(workbook)
    try:
        retention = read_workbook(workbook, tabs=("Settings",)).settings.backup_retention
    except Refused:
        retention = 20  # the current version may be the damaged one being replaced
    result = replace_workbook(workbook, chosen.path, expected=expected, retention=retention, force=force,
                              command=command if backup in command else f"{command} {chosen.path.name}")
    if not result.changed:
        return [f"{workbook}: already the same as {chosen.path.name}; nothing to do"]
    taken = chosen.taken.strftime("%Y-%m-%d %H:%M:%S") if chosen.taken else "at an unknown time"
    lines = [f"{workbook}: restored {chosen.path.name} (taken {taken}); "
             f"the version it replaced is kept as {Path(result.backup or '').name}"]
    lines += [f"note: {n}" for n in result.notes]
    return lines


__all__ = ["Backup", "list_backups", "restore"]
