"""write_workbook: lock files, poflow's own lock, changed-since-read, backups, no-op writes, refusals."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from poflow_sheets.errors import Refused, WriteConflict
from poflow_sheets.store import AppendRows, SetCell, apply_changes, backups_of, fingerprint, write_workbook
from poflow_sheets.store.safety import lock_path, poflow_lock
from tests.store_helpers import make_book


@pytest.fixture
def book(tmp_path: Path) -> Path:
    return make_book(tmp_path / "book.xlsx")


def _set(value: str) -> list[SetCell]:
    return [SetCell("Invoices", 2, 4, value)]


@pytest.mark.parametrize("lock_name", ["~$book.xlsx", ".~lock.book.xlsx#"])
def test_open_in_excel_or_libreoffice_is_refused(book: Path, lock_name: str) -> None:
    (book.parent / lock_name).write_text("someone")
    before = book.read_bytes()
    with pytest.raises(WriteConflict, match="open in another program"):
        write_workbook(book, _set("paid"), expected=fingerprint(book))
    assert book.read_bytes() == before
    assert not (book.parent / ".poflow-backups").exists()
    result = write_workbook(book, _set("paid"), expected=fingerprint(book), force=True)
    assert result.changed and book.read_bytes() != before


def test_own_lock_held_by_live_process_is_refused(book: Path) -> None:
    before = book.read_bytes()
    with poflow_lock(book):
        text = lock_path(book).read_text()
        assert text.startswith("poflow-lock 1\n") and f"pid={os.getpid()}\n" in text
        with pytest.raises(WriteConflict, match="another poflow"):
            write_workbook(book, _set("paid"), expected=None)
    assert not lock_path(book).exists()
    assert book.read_bytes() == before


def test_stale_own_lock_of_dead_process_is_taken_over(book: Path) -> None:
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    child.wait()
    lock_path(book).write_text(str(child.pid))
    result = write_workbook(book, _set("paid"), expected=fingerprint(book))
    assert result.changed
    assert not lock_path(book).exists()


def test_file_changed_since_read_is_not_overwritten(book: Path, tmp_path: Path) -> None:
    seen = fingerprint(book)
    # someone else saves the workbook after poflow read it
    other = tmp_path / "other.xlsx"
    apply_changes(book, other, _set("edited by a person"))
    os.replace(other, book)
    theirs = book.read_bytes()
    with pytest.raises(WriteConflict, match="changed on disk"):
        write_workbook(book, _set("paid"), expected=seen)
    assert book.read_bytes() == theirs
    assert not [p for p in tmp_path.iterdir() if "poflow-tmp" in p.name]


def test_touch_without_content_change_is_not_a_conflict(book: Path) -> None:
    seen = fingerprint(book)
    later = time.time() + 5
    os.utime(book, (later, later))
    assert write_workbook(book, _set("paid"), expected=seen).changed


def test_backup_holds_previous_version_and_retention_is_honoured(book: Path) -> None:
    versions = [book.read_bytes()]
    for i in range(5):
        result = write_workbook(book, _set(f"v{i}"), expected=fingerprint(book), retention=3)
        assert result.backup is not None
        assert Path(result.backup).read_bytes() == versions[-1]
        versions.append(book.read_bytes())
    kept = backups_of(book)
    assert len(kept) == 3
    assert [p.read_bytes() for p in kept] == versions[-4:-1]
    assert all(p.parent.name == ".poflow-backups" for p in kept)


def test_backup_dir_option(book: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "bk"
    elsewhere.mkdir()
    result = write_workbook(book, _set("x"), expected=None, backup_dir=elsewhere)
    assert result.backup is not None and Path(result.backup).parent == elsewhere


def test_no_changes_is_byte_identical_and_writes_nothing(book: Path, tmp_path: Path) -> None:
    out = tmp_path / "same.xlsx"
    result = apply_changes(book, out, [])
    assert not result.changed and out.read_bytes() == book.read_bytes()
    st = book.stat()
    assert not write_workbook(book, [], expected=fingerprint(book)).changed
    assert book.stat().st_mtime_ns == st.st_mtime_ns and book.stat().st_ino == st.st_ino
    assert backups_of(book) == []


def test_setting_the_same_value_again_changes_nothing(book: Path) -> None:
    assert write_workbook(book, _set("paid"), expected=None).changed
    before = book.read_bytes()
    again = write_workbook(book, _set("paid"), expected=fingerprint(book))
    assert not again.changed and book.read_bytes() == before


def test_permissions_are_kept(book: Path) -> None:
    os.chmod(book, 0o640)
    write_workbook(book, _set("x"), expected=None)
    assert book.stat().st_mode & 0o777 == 0o640


@pytest.mark.parametrize("suffix", [".xls", ".ods"])
def test_xls_and_ods_are_refused(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"old{suffix}"
    path.write_bytes(b"not really")
    with pytest.raises(Refused, match=r"writes only \.xlsx and \.xlsm.*--output old\.xlsx"):
        write_workbook(path, _set("x"), expected=None)
    with pytest.raises(Refused, match=r"--output old\.xlsx"):
        apply_changes(path, tmp_path / "new.xlsx", [AppendRows("Invoices", (("a",),))])
    assert path.read_bytes() == b"not really"


def test_no_temp_files_left_behind(book: Path) -> None:
    write_workbook(book, _set("x"), expected=None)
    names = sorted(p.name for p in book.parent.iterdir())
    assert names == [".poflow-backups", "book.xlsx"]
