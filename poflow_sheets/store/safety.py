"""Writing a workbook in place without ever losing it: locks, change detection, atomic replace, backups."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import os
import re
import secrets
import socket
import stat
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from poflow_sheets.errors import Refused, WorkbookUnreadable, WriteConflict, os_error_line
from poflow_sheets.store.edits import Edit, Fingerprint, PatchResult
from poflow_sheets.store.xlsx_patch import apply_changes, refuse_unwritable
from poflow_sheets.store.zipcopy import copy_file

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


def process_start(pid: int) -> str:
    """When a process started (clock ticks since boot, from /proc), '' where the system does not say."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as fh:
            data = fh.read()
    except OSError:
        return ""
    fields = data[data.rfind(b")") + 2:].split()
    return fields[19].decode("ascii", "replace") if len(fields) > 19 else ""


def _is_poflow(pid: int) -> bool:
    """True when the live process ``pid`` runs poflow (its command line names it); True when unknown."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            return b"poflow" in fh.read()
    except FileNotFoundError:
        return False
    except OSError:
        return True


LOCK_MARKER = "poflow-lock 1"
_HOST = socket.gethostname()


def lock_path(path: Path) -> Path:
    """poflow's own lock beside the workbook: ``.NAME.xlsx.poflow-lock``."""
    return Path(path).with_name("." + Path(path).name + ".poflow-lock")


def _lock_text(token: str) -> str:
    pid = os.getpid()
    return (f"{LOCK_MARKER}\nhost={_HOST}\npid={pid}\nstart={process_start(pid)}\n"
            f"time={datetime.now().isoformat(timespec='seconds')}\ntoken={token}\n")


def _parse_lock(text: str) -> dict[str, str] | None:
    """The fields of a lock written by this poflow; None for any other content."""
    lines = text.splitlines()
    if not lines or lines[0].strip() != LOCK_MARKER:
        return None
    out: dict[str, str] = {}
    for line in lines[1:]:
        k, sep, v = line.partition("=")
        if sep:
            out[k.strip()] = v.strip()
    return out


def _age(seconds: float) -> str:
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.0f} h"
    return f"{seconds / 86400:.0f} days"


def _stale_reason(lock: Path, text: str, age: float) -> str | None:
    """Why a lock can be taken over ('' never), or None when its owner may still be writing (then raises)."""
    info = _parse_lock(text)
    where = f"lock file {lock}, {_age(age)} old"
    if info is not None:
        pid = int(info.get("pid", "0")) if info.get("pid", "").isdigit() else 0
        if info.get("host", "") not in ("", _HOST):
            raise WriteConflict(f"{lock.name[1:-len('.poflow-lock')]} is being written by poflow on host "
                                f"{info['host']} (process {pid}; {where}); if no poflow runs there, delete the lock file")
        if not _pid_alive(pid):
            return f"process {pid} that held it is gone"
        start = info.get("start", "")
        if start and process_start(pid) and start != process_start(pid):
            return f"process {pid} that held it is gone (the number now belongs to another program)"
        raise WriteConflict(f"{lock.name[1:-len('.poflow-lock')]} is being written by another poflow run "
                            f"(process {pid}; {where}); try again when it has finished")
    stripped = text.strip()
    if stripped.isdigit():  # the lock of an older poflow: only a PID
        pid = int(stripped)
        if not _pid_alive(pid):
            return f"process {pid} that held it is gone"
        if not _is_poflow(pid):
            return f"process {pid} that holds the number is not poflow"
        raise WriteConflict(f"{lock.name[1:-len('.poflow-lock')]} is being written by another poflow run "
                            f"(process {pid}; {where}); try again when it has finished")
    if not stripped and age < 10:
        # an empty lock may be one being written right now: only taken over when it is old
        raise WriteConflict(f"{lock.name[1:-len('.poflow-lock')]} is being written by another poflow ({where})")
    return "it was not written by poflow" if stripped else "it is empty"


def _create_lock(lock: Path, text: str) -> bool:
    """Create ``lock`` holding ``text`` in one step (False when it exists): no reader ever sees it half written."""
    tmp = lock.with_name(f"{lock.name}.{os.getpid()}.{secrets.token_hex(4)}")
    with open(tmp, "w", encoding="ascii") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())
    try:
        os.link(tmp, lock)
    except FileExistsError:
        return False
    except OSError as exc:  # a file system without hard links: O_EXCL, then the text
        if exc.errno not in (errno.EPERM, errno.EOPNOTSUPP, errno.EMLINK, errno.ENOTSUP):
            raise
        try:
            fd = os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o644)
        except FileExistsError:
            return False
        try:
            os.write(fd, text.encode("ascii"))
            os.fsync(fd)
        finally:
            os.close(fd)
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
    return True


@contextlib.contextmanager
def poflow_lock(path: Path, notes: list[str] | None = None) -> Iterator[Path]:
    """Hold poflow's lock on ``path``.

    The lock records host, PID, the process's start time and poflow's marker. A live poflow holding it is a
    WriteConflict naming the lock file and its age; a lock whose process is gone, whose PID now belongs to
    another program, or that poflow did not write is taken over (with a note in ``notes``).
    """
    lock = lock_path(path)
    token = secrets.token_hex(8)
    text = _lock_text(token)
    for _attempt in range(5):
        if _create_lock(lock, text):
            try:
                yield lock
            finally:
                with contextlib.suppress(OSError):
                    info = _parse_lock(lock.read_text(encoding="ascii", errors="replace"))
                    if info is not None and info.get("token") == token:
                        lock.unlink()
            return
        try:
            held = lock.read_text(encoding="ascii", errors="replace")
            age = time.time() - lock.stat().st_mtime
        except FileNotFoundError:
            continue
        reason = _stale_reason(lock, held, age)
        # Take it over by moving it aside; if what moved is not what was judged (another poflow took it over
        # and locked meanwhile), put it back.
        aside = lock.with_name(f"{lock.name}.stale-{os.getpid()}-{secrets.token_hex(4)}")
        try:
            os.rename(lock, aside)
        except FileNotFoundError:
            continue
        try:
            moved = aside.read_text(encoding="ascii", errors="replace")
        except OSError:
            moved = held
        if moved != held:
            with contextlib.suppress(OSError):
                os.link(aside, lock)
        elif notes is not None:
            notes.append(f"took over the stale lock {lock} ({_age(age)} old): {reason}")
        with contextlib.suppress(OSError):
            aside.unlink()
    raise WriteConflict(f"could not take poflow's lock {lock}; another poflow keeps taking it")


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _backup_name(path: Path, stamp: datetime) -> str:
    return f"{path.stem}.{stamp:%Y%m%d-%H%M%S-%f}{path.suffix}"


def target_of(path: Path) -> Path:
    """The file a write changes: ``path`` itself, or the file a symbolic link (or a chain of them) points to."""
    path = Path(path)
    return Path(os.path.realpath(path)) if path.is_symlink() else path


def backups_of(path: Path, backup_dir: Path | None = None) -> list[Path]:
    """The backups of a workbook, oldest first (a symbolic link's backups are its target's)."""
    path = target_of(path)
    folder = backup_dir or path.parent / BACKUP_DIR
    if not folder.is_dir():
        return []
    pat = re.compile(re.escape(path.stem) + r"\.\d{8}-\d{6}-\d{6}" + re.escape(path.suffix) + "$")
    return sorted(p for p in folder.iterdir() if pat.match(p.name) and not p.is_symlink())


BACKUP_INDEX = "backups.tsv"  # one line per backup: file name, time, size, the command that replaced it


def _index_backup(folder: Path, backup: Path, command: str) -> None:
    """Note which command replaced the version a backup holds (for `poflow restore --list`)."""
    line = "\t".join((backup.name, datetime.now().isoformat(timespec="seconds"), str(backup.stat().st_size),
                      " ".join(command.split()))) + "\n"
    with contextlib.suppress(OSError), open(folder / BACKUP_INDEX, "a", encoding="utf-8") as fh:
        fh.write(line)


def backup_commands(folder: Path) -> dict[str, str]:
    """Backup file name -> the command that replaced the version it holds ('' when not recorded)."""
    out: dict[str, str] = {}
    with contextlib.suppress(OSError), open(folder / BACKUP_INDEX, encoding="utf-8", errors="replace") as fh:
        for line in fh:
            parts = line.rstrip("\n").split("\t")
            if len(parts) >= 4:
                out[parts[0]] = parts[3]
    return out


def _make_backup(path: Path, folder: Path, retention: int, command: str = "") -> Path:
    """Keep the current version of ``path`` (a regular file, never a link) in ``folder``."""
    folder.mkdir(exist_ok=True)
    target = folder / _backup_name(path, datetime.now())
    while target.exists():
        target = folder / _backup_name(path, datetime.now())
    try:
        # A hard link of the file itself is instant and atomic; after os.replace it is the only name of the
        # old content: a copy that took no time. os.link never follows a symbolic link, so ``path`` is the
        # real file here (write_workbook resolves links first).
        if os.path.islink(path):
            raise OSError(errno.EINVAL, "a link")
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
    _index_backup(folder, target, command)
    for old in backups_of(path, folder)[:-max(retention, 1)]:
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


def is_read_only(path: Path) -> bool:
    """True when the file's mode gives its owner no write permission (or this user may not write it).

    The mode bits decide, not only os.access: root may write anything, but a workbook made read-only
    (chmod 0444) was made so on purpose.
    """
    st = os.stat(path)
    return not st.st_mode & stat.S_IWUSR or not os.access(path, os.W_OK)


def refuse_read_only(path: Path, force: bool = False) -> None:
    """Refuse a read-only workbook in one line (unless ``force``)."""
    real = target_of(path)
    if not force and real.exists() and is_read_only(real):
        mode = stat.filemode(os.stat(real).st_mode)
        raise Refused(f"{path}: the workbook is read-only ({mode}); poflow leaves it as it is. Make it writable "
                      f"(chmod u+w) or run again with --force")


def write_workbook(path: Path, changes: Sequence[Edit], *, expected: Fingerprint | None,
                   backup_dir: Path | None = None, retention: int = 20, force: bool = False,
                   command: str = "") -> PatchResult:
    """Apply ``changes`` to the workbook at ``path`` in place, safely.

    Refuses (WriteConflict, nothing changed) when the workbook is open in Excel or LibreOffice (unless
    ``force``), when another poflow is writing it, or when it changed since it was read (``expected``);
    refuses (Refused) a read-only workbook unless ``force``. A symbolic link is followed: the lock, the temp
    file, fsync and the atomic replace happen beside the file it points to, and the link stays a link.
    Writes a temp file in the same folder, fsyncs it, atomically replaces the workbook and keeps the previous
    version in ``.poflow-backups/`` (the newest ``retention`` per workbook, at least one). A failure a person
    can act on (disk full, no permission) is one line (Refused); nothing is changed then.
    """
    return _safe_replace(path, lambda real, tmp: apply_changes(real, tmp, changes), expected=expected,
                         backup_dir=backup_dir, retention=retention, force=force, command=command)


def replace_workbook(path: Path, source: Path, *, expected: Fingerprint | None, retention: int = 20,
                     force: bool = False, command: str = "") -> PatchResult:
    """Replace the workbook at ``path`` by a copy of ``source`` (a backup) through the same safe path as
    `write_workbook`: lock, unchanged-since-read check, temp file, fsync, atomic replace, the current version
    kept as a backup first."""
    def produce(real: Path, tmp: Path) -> PatchResult:
        copy_file(source, tmp)
        same = fingerprint(tmp).sha256 == fingerprint(real).sha256
        return PatchResult(changed=not same)

    return _safe_replace(path, produce, expected=expected, retention=retention, force=force, command=command)


def _safe_replace(path: Path, produce: Callable[[Path, Path], PatchResult], *, expected: Fingerprint | None,
                  backup_dir: Path | None = None, retention: int = 20, force: bool = False,
                  command: str = "") -> PatchResult:
    path = Path(path)
    refuse_unwritable(path)
    real = target_of(path)
    if not real.is_file():
        raise WorkbookUnreadable(f"{path}: no such file" + (f" (the link points to {real})" if real != path else ""))
    refuse_read_only(path, force)
    if not force:
        for p in dict.fromkeys((path, real)):
            other = open_elsewhere(p)
            if other is not None:
                raise WriteConflict(f"{path.name} is open in another program (lock file {other.name}); "
                                    f"close it there and try again, or use --force")
    try:
        return _write_locked(path, real, produce, expected, backup_dir, retention, force, command)
    except OSError as exc:
        line = os_error_line(exc, f"writing {path}")
        if line is None:
            raise
        raise Refused(line + "; the workbook was not changed") from None


def _write_locked(path: Path, real: Path, produce: Callable[[Path, Path], PatchResult], expected: Fingerprint | None,
                  backup_dir: Path | None, retention: int, force: bool, command: str) -> PatchResult:
    notes: list[str] = []
    with poflow_lock(real, notes):
        current = fingerprint(real)
        if expected is not None and (current.size != expected.size or current.sha256 != expected.sha256):
            raise WriteConflict(f"{path.name} changed on disk since poflow read it; nothing was written. "
                                f"Run the command again")
        _clean_stale_temps(real)
        fd, tmp_name = tempfile.mkstemp(prefix=f".{real.name}.poflow-tmp-{os.getpid()}-", suffix=real.suffix,
                                        dir=real.parent)
        os.close(fd)
        tmp = Path(tmp_name)
        try:
            result = produce(real, tmp)
            if not result.changed:
                return replace(result, notes=result.notes + tuple(notes))
            with open(tmp, "rb+") as out:
                os.fsync(out.fileno())
            st = os.stat(real)
            with contextlib.suppress(OSError):
                os.chmod(tmp, st.st_mode & 0o7777)
            if os.geteuid() == 0 and (st.st_uid, st.st_gid) != (0, 0):
                with contextlib.suppress(OSError):
                    os.chown(tmp, st.st_uid, st.st_gid)
            # Last look before the swap: the narrowest window we can leave for another program.
            again = os.stat(real)
            if again.st_size != current.size or again.st_mtime_ns != current.mtime_ns:
                raise WriteConflict(f"{path.name} changed on disk while poflow was writing; nothing was written")
            if not force and open_elsewhere(real) is not None:
                raise WriteConflict(f"{path.name} was opened in another program while poflow was writing; "
                                    f"nothing was written")
            if retention < 1:
                notes.append(f"Backup Retention is {retention}; kept one backup anyway (set it to 1 or more)")
            backup = _make_backup(real, Path(backup_dir) if backup_dir else real.parent / BACKUP_DIR, retention,
                                  command)
            os.replace(tmp, real)
            _fsync_dir(real.parent)
            return replace(result, backup=str(backup), notes=result.notes + tuple(notes))
        finally:
            with contextlib.suppress(FileNotFoundError):
                tmp.unlink()
