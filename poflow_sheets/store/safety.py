"""Writing a workbook in place without ever losing it: locks, change detection, atomic replace, backups."""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from poflow_sheets.errors import WorkbookUnreadable, WriteConflict
from poflow_sheets.store.edits import Edit, Fingerprint, PatchResult
from poflow_sheets.store.xlsx_patch import apply_changes, refuse_unwritable

BACKUP_DIR = ".poflow-backups"


def fingerprint(path: Path) -> Fingerprint:
    """(size, mtime_ns, sha256) of a file, taken when a command reads the workbook."""
    path = Path(path)
    h = hashlib.sha256()
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            for chunk in iter(lambda: f.read(1 << 20), b""):
                h.update(chunk)
    except FileNotFoundError:
        raise WorkbookUnreadable(f"{path}: no such file") from None
    return Fingerprint(size=st.st_size, mtime_ns=st.st_mtime_ns, sha256=h.hexdigest())


def open_elsewhere(path: Path) -> Path | None:
    """The lock file Excel (``~$NAME``) or LibreOffice (``.~lock.NAME#``) keeps while the workbook is open."""
    path = Path(path)
    for cand in (path.with_name("~$" + path.name), path.with_name(".~lock." + path.name + "#")):
        if cand.exists():
            return cand
    # Excel shortens the owner-file name of long names: ~$ replaces the first two characters.
    if len(path.name) > 2:
        short = path.with_name("~$" + path.name[2:])
        if short.exists():
            return short
    return None


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def lock_path(path: Path) -> Path:
    """poflow's own lock beside the workbook: ``.NAME.xlsx.poflow-lock``."""
    return Path(path).with_name("." + Path(path).name + ".poflow-lock")


@contextlib.contextmanager
def poflow_lock(path: Path) -> Iterator[Path]:
    """Hold poflow's lock on ``path`` (another live poflow holding it is a WriteConflict; a dead one's is stale)."""
    lock = lock_path(path)
    for _attempt in range(3):
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            try:
                text = lock.read_text(encoding="ascii", errors="replace").strip()
            except FileNotFoundError:
                continue
            pid = int(text) if text.isdigit() else -1
            if pid == -1 or not _pid_alive(pid):
                # An empty lock may be one being written right now: only take it over when it is old.
                if pid == -1:
                    with contextlib.suppress(FileNotFoundError):
                        age = datetime.now().timestamp() - lock.stat().st_mtime
                        if age < 10:
                            raise WriteConflict(f"{Path(path).name} is being written by another poflow "
                                                f"(lock {lock.name})") from None
                with contextlib.suppress(FileNotFoundError):
                    lock.unlink()
                continue
            raise WriteConflict(f"{Path(path).name} is being written by another poflow run (process {pid}); "
                                f"try again when it has finished") from None
        else:
            try:
                os.write(fd, str(os.getpid()).encode("ascii"))
                os.fsync(fd)
            finally:
                os.close(fd)
            try:
                yield lock
            finally:
                with contextlib.suppress(FileNotFoundError):
                    if lock.read_text(encoding="ascii").strip() == str(os.getpid()):
                        lock.unlink()
            return
    raise WriteConflict(f"could not take poflow's lock {lock.name}")


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _backup_name(path: Path, stamp: datetime) -> str:
    return f"{path.stem}.{stamp:%Y%m%d-%H%M%S-%f}{path.suffix}"


def backups_of(path: Path, backup_dir: Path | None = None) -> list[Path]:
    """The backups of a workbook, oldest first."""
    path = Path(path)
    folder = backup_dir or path.parent / BACKUP_DIR
    if not folder.is_dir():
        return []
    pat = re.compile(re.escape(path.stem) + r"\.\d{8}-\d{6}-\d{6}" + re.escape(path.suffix) + "$")
    return sorted(p for p in folder.iterdir() if pat.match(p.name))


def _make_backup(path: Path, folder: Path, retention: int) -> Path | None:
    if retention <= 0:
        return None
    folder.mkdir(exist_ok=True)
    target = folder / _backup_name(path, datetime.now())
    while target.exists():
        target = folder / _backup_name(path, datetime.now())
    try:
        # A hard link is instant and atomic; after os.replace it is the only name of the old file.
        os.link(path, target)
    except OSError:
        tmp = folder / (target.name + ".part")
        with open(path, "rb") as fin, open(tmp, "wb") as fout:
            for chunk in iter(lambda: fin.read(1 << 20), b""):
                fout.write(chunk)
            fout.flush()
            os.fsync(fout.fileno())
        os.replace(tmp, target)
    _fsync_dir(folder)
    for old in backups_of(path, folder)[:-retention]:
        with contextlib.suppress(OSError):
            old.unlink()
    return target


def _clean_stale_temps(path: Path) -> None:
    """Remove temp files left by a poflow run that was killed mid-write."""
    prefix = "." + path.name + ".poflow-tmp-"
    for p in path.parent.glob(glob_escape(prefix) + "*"):
        m = re.match(r"(\d+)-", p.name[len(prefix):])
        if m and not _pid_alive(int(m.group(1))):
            with contextlib.suppress(OSError):
                p.unlink()


def glob_escape(text: str) -> str:
    """Escape glob metacharacters."""
    return re.sub(r"([*?\[])", r"[\1]", text)


def write_workbook(path: Path, changes: Sequence[Edit], *, expected: Fingerprint | None,
                   backup_dir: Path | None = None, retention: int = 20, force: bool = False) -> PatchResult:
    """Apply ``changes`` to the workbook at ``path`` in place, safely.

    Refuses (WriteConflict, nothing changed) when the workbook is open in Excel or LibreOffice (unless
    ``force``), when another poflow is writing it, or when it changed since it was read (``expected``).
    Writes a temp file in the same folder, fsyncs it, atomically replaces the workbook and keeps the previous
    version in ``.poflow-backups/`` (the newest ``retention`` per workbook).
    """
    path = Path(path)
    refuse_unwritable(path)
    if not path.is_file():
        raise WorkbookUnreadable(f"{path}: no such file")
    if not force:
        other = open_elsewhere(path)
        if other is not None:
            raise WriteConflict(f"{path.name} is open in another program (lock file {other.name}); "
                                f"close it there and try again, or use --force")
    with poflow_lock(path):
        current = fingerprint(path)
        if expected is not None and (current.size != expected.size or current.sha256 != expected.sha256):
            raise WriteConflict(f"{path.name} changed on disk since poflow read it; nothing was written. "
                                f"Run the command again")
        _clean_stale_temps(path)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.poflow-tmp-{os.getpid()}-", suffix=path.suffix,
                                        dir=path.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            result = apply_changes(path, tmp, changes)
            if not result.changed:
                return result
            with open(tmp, "rb+") as out:
                os.fsync(out.fileno())
            with contextlib.suppress(OSError):
                os.chmod(tmp, os.stat(path).st_mode & 0o7777)
            # Last look before the swap: the narrowest window we can leave for another program.
            again = os.stat(path)
            if again.st_size != current.size or again.st_mtime_ns != current.mtime_ns:
                raise WriteConflict(f"{path.name} changed on disk while poflow was writing; nothing was written")
            if not force and open_elsewhere(path) is not None:
                raise WriteConflict(f"{path.name} was opened in another program while poflow was writing; "
                                    f"nothing was written")
            backup = _make_backup(path, Path(backup_dir) if backup_dir else path.parent / BACKUP_DIR, retention)
            os.replace(tmp, path)
            _fsync_dir(path.parent)
            return replace(result, backup=str(backup) if backup else None)
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
