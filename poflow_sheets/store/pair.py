"""Write two workbooks together, or neither: a book and its archive (`poflow archive`).

Both new versions are built as temp files beside their targets and fsynced; then a journal naming the two
(temp, target) swaps is written and fsynced, and only then are the files replaced. A run killed before the
journal leaves both files as they were (the temps are removed by the next run); one killed after it is
finished by the next run that opens the book (`finish_pending`), so both files are the new versions.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from collections.abc import Callable
from pathlib import Path

from poflow_sheets.errors import WriteConflict
from poflow_sheets.store.edits import Fingerprint
from poflow_sheets.store.safety import BACKUP_DIR, _fsync_dir, _make_backup, fingerprint, open_elsewhere, poflow_lock


def journal_path(book: Path) -> Path:
    """Where the journal of a two-file write of `book` is kept."""
    return book.parent / f".{book.name}.poflow-pair.json"


def _fsync(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


def finish_pending(book: Path) -> bool:
    """Complete a two-file write a killed run left journalled (True when there was one)."""
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


def write_pair(book: Path, expected: Fingerprint | None, build_book: Callable[[Path], None],
               other: Path, build_other: Callable[[Path], None], *, force: bool = False,
               retention: int = 20) -> Path | None:
    """Replace `book` and `other` with what the builders write (each given a temp path), both or neither.
    Refuses like `write_workbook` when the book is open elsewhere or changed since `expected`. Returns the
    book's backup."""
    finish_pending(book)
    if not force and open_elsewhere(book) is not None:
        raise WriteConflict(f"{book.name} is open in another program; close it there and try again, or use --force")
    with poflow_lock(book):
        if expected is not None:
            now = fingerprint(book)
            if now.size != expected.size or now.sha256 != expected.sha256:
                raise WriteConflict(f"{book.name} changed on disk since poflow read it; nothing was written")
        tmp_other, tmp_book = _temp(other), _temp(book)
        try:
            build_other(tmp_other)
            build_book(tmp_book)
            _fsync(tmp_other)
            _fsync(tmp_book)
            with contextlib.suppress(OSError):
                os.chmod(tmp_book, os.stat(book).st_mode & 0o7777)
            journal = journal_path(book)
            part = journal.with_name(journal.name + ".part")
            with open(part, "w", encoding="utf-8") as fh:
                json.dump({"swaps": [[str(tmp_other), str(other)], [str(tmp_book), str(book)]]}, fh)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(part, journal)
            _fsync_dir(book.parent)
            backup = _make_backup(book, book.parent / BACKUP_DIR, retention)
            finish_pending(book)
            return backup
        finally:
            if not journal_path(book).exists():
                for t in (tmp_other, tmp_book):
                    with contextlib.suppress(FileNotFoundError):
                        t.unlink()


__all__ = ["finish_pending", "journal_path", "write_pair"]
