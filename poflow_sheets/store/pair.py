"""Write several workbooks together, or none: a book and its archive (`poflow archive`), a book and the
documents workbooks its oldest document tabs move to.

Every new version is built as a temp file beside its target and fsynced; then one journal naming every
(temp, target) swap is written and fsynced, and only then are the files replaced. A run killed before the
journal leaves every file as it was (the temps are removed); one killed after it is finished by the next run
that opens the book (`finish_pending`), so every file is its new version.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

from poflow_sheets.errors import Refused, WriteConflict, os_error_line
from poflow_sheets.store.edits import Fingerprint
from poflow_sheets.store.safety import BACKUP_DIR, _fsync_dir, _make_backup, fingerprint, open_elsewhere, poflow_lock

Builder = Callable[[Path], None]


def journal_path(book: Path) -> Path:
    """Where the journal of a several-file write of `book` is kept."""
    return book.parent / f".{book.name}.poflow-pair.json"


def _fsync(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def finish_pending(book: Path) -> bool:
    """Complete a several-file write a killed run left journalled (True when there was one)."""
    journal = journal_path(Path(book))
    if not journal.exists():
        return False
    try:
        swaps = json.loads(journal.read_text(encoding="utf-8"))["swaps"]
    except (OSError, ValueError, KeyError):
        return False
    for tmp, target in swaps:
        if Path(tmp).exists():
            os.replace(tmp, target)
    _fsync_dir(journal.parent)
    journal.unlink()
    _fsync_dir(journal.parent)
    return True


def _temp(target: Path) -> Path:
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.poflow-pair-", suffix=target.suffix, dir=target.parent)
    os.close(fd)
    os.unlink(name)
    return Path(name)


def write_files(book: Path, expected: Fingerprint | None, build_book: Builder,
                others: Sequence[tuple[Path, Builder]], *, force: bool = False, retention: int = 20,
                command: str = "") -> Path | None:
    """Replace `book` and every other target with what its builder writes (each given a temp path), all or
    none. Refuses like `write_workbook` when the book (or another target that exists) is open elsewhere, or
    when the book changed since `expected`. The current version of every file that is replaced is kept in
    `.poflow-backups/`; returns the book's backup."""
    book = Path(book)
    finish_pending(book)
    targets = [Path(t) for t, _ in others]
    if len({t.resolve() for t in targets} | {book.resolve()}) != len(targets) + 1:
        raise ValueError("write_files: every target must be a different file")
    if not force:
        for t in (book, *targets):
            if t.exists() and open_elsewhere(t) is not None:
                raise WriteConflict(f"{t.name} is open in another program; close it there and try again, "
                                    "or use --force")
    try:
        return _write_locked(book, expected, build_book, list(zip(targets, (b for _, b in others), strict=True)),
                             retention, command)
    except OSError as exc:
        line = os_error_line(exc, f"writing {book}")
        if line is None:
            raise
        raise Refused(line + "; no file was changed") from None


def _write_locked(book: Path, expected: Fingerprint | None, build_book: Builder,
                  others: list[tuple[Path, Builder]], retention: int, command: str) -> Path | None:
    with poflow_lock(book):
        if expected is not None:
            now = fingerprint(book)
            if now.size != expected.size or now.sha256 != expected.sha256:
                raise WriteConflict(f"{book.name} changed on disk since poflow read it; nothing was written")
        temps: list[tuple[Path, Path]] = []  # (temp, target), the book last
        try:
            for target, build in others:
                tmp = _temp(target)
                temps.append((tmp, target))
                build(tmp)
            tmp_book = _temp(book)
            temps.append((tmp_book, book))
            build_book(tmp_book)
            for tmp, target in temps:
                _fsync(tmp)
                if target.exists():
                    with contextlib.suppress(OSError):
                        os.chmod(tmp, os.stat(target).st_mode & 0o7777)
            journal = journal_path(book)
            part = journal.with_name(journal.name + ".part")
            with open(part, "w", encoding="utf-8") as fh:
                json.dump({"swaps": [[str(tmp), str(target)] for tmp, target in temps]}, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(part, journal)
            _fsync_dir(book.parent)
            folder = book.parent / BACKUP_DIR
            for _tmp, target in temps[:-1]:
                if target.exists():
                    _make_backup(target, target.parent / BACKUP_DIR, retention, command)
            backup = _make_backup(book, folder, retention, command)
            finish_pending(book)
            return backup
        finally:
            if not journal_path(book).exists():
                for t, _target in temps:
                    with contextlib.suppress(FileNotFoundError):
                        t.unlink()


def write_pair(book: Path, expected: Fingerprint | None, build_book: Builder, other: Path, build_other: Builder, *,
               force: bool = False, retention: int = 20, command: str = "") -> Path | None:
    """Replace `book` and `other` together, both or neither (`write_files` with one other file)."""
    return write_files(book, expected, build_book, [(other, build_other)], force=force, retention=retention,
                       command=command)


__all__ = ["finish_pending", "journal_path", "write_files", "write_pair"]
