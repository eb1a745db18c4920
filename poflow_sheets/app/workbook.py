"""Reading a workbook and writing a command's change set to it: the one path every command takes."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from ..changeset import ChangeSet
from ..console import Out
from ..errors import Refused
from ..gsheets.location import is_sheet
from ..reader import ATTR_OF_TAB, Book, read_book, read_workbook
from ..store import Backend, XlsxBackend, writable_format


@dataclass(frozen=True)
class WriteOptions:
    """How a command that changes the workbook writes: shared by every such command."""

    command: str = "poflow"  # the command line recorded in the Log tab
    dry_run: bool = False
    force: bool = False
    output: Path | None = None
    out_dir: Path | None = None
    sheets: bool = True
    now: datetime | None = None
    out: Out | None = None
    send: SendOptions | None = None  # --send: email each document issued to the buyer (app/mail.py)


@dataclass(frozen=True)
class SendOptions:
    """How documents are emailed: again to addresses that had them (--again), a private CA (--ca-file)."""

    again: bool = False
    ca_file: Path | None = None


def utc_now() -> datetime:
    """The time the Log records, in UTC without a zone (as Excel shows it)."""
    return datetime.now(UTC).replace(tzinfo=None)


def backend_of(workbook: Path) -> Backend:
    """Where the workbook lives: a Google Sheet (`gsheet:ID`) or a file."""
    if is_sheet(workbook):
        from ..gsheets import SheetsBackend

        return SheetsBackend(workbook)
    return XlsxBackend(workbook)


def load(workbook: Path, out: Out | None = None, *, backend: Backend | None = None) -> Book:
    """Read the workbook, with a progress indicator on a terminal."""
    if not is_sheet(workbook):
        from ..store.pair import finish_pending

        finish_pending(workbook)  # a two-file write (archive) a killed run journalled is finished first
    backend = backend or backend_of(workbook)
    if out is None:
        return read_from(backend)
    with out.progress(f"Reading {workbook.name}") as bar:
        def step(title: str) -> None:
            if bar is not None:
                bar.update(bar.task_ids[0], description=f"Reading {workbook.name}: {title}")
        return read_from(backend, progress=step)


def read_from(backend: Backend, *, progress: Callable[[str], None] | None = None) -> Book:
    """Open a backend and read its Book."""
    source = backend.open()
    try:
        return read_book(source, progress=progress)
    finally:
        source.close()


def init_workbook(path: Path, *, demo: bool = False) -> Iterator[str]:
    """Create a workbook from the template (with --demo, the sample business), or add missing tabs."""
    from ..template import write_new_workbook

    if is_sheet(path):
        from .sheets import init_sheet

        yield from init_sheet(path, demo=demo)
        return
    if path.exists():
        if demo:
            raise Refused(f"{path}: already exists; --demo only creates a new workbook")
        from .write import add_missing_tabs

        added, _ = add_missing_tabs(path)
        yield (f"{path}: added tabs {', '.join(added)}" if added else f"{path}: has every tab already; nothing to do")
        return
    if not writable_format(path):
        raise Refused(f"{path}: poflow creates .xlsx workbooks; name the file NAME.xlsx")
    if not path.parent.exists():
        raise Refused(f"{path.parent}: no such folder")
    if demo:
        from ..demo import write_demo

        write_demo(path)
        yield f"{path}: created with the demo business"
    else:
        write_new_workbook(path)
        yield f"{path}: created from the template"


def change_workbook(workbook: Path, compute: Callable[[Book], ChangeSet], *, command: str, out: Out | None = None,
               force: bool = False, dry_run: bool = False, sheets: bool = True, out_dir: Path | None = None,
               output: Path | None = None, now: datetime | None = None) -> list[str]:
    """Read the workbook, compute a command's ChangeSet (pure), then write it safely (or show it with dry_run)."""
    from .write import apply_changeset, check_writable

    if not dry_run:
        check_writable(workbook, output, force)
    backend = backend_of(workbook)
    book = load(workbook, out, backend=backend)
    book, backend, output = as_written(book, backend, output, dry_run)
    cs = compute(book)
    stamp = now or utc_now()
    return apply_changeset(book, cs, command=command, now=stamp, force=force, dry_run=dry_run, sheets=sheets,
                           out_dir=out_dir, output=output, backend=backend)


def as_written(book: Book, backend: Backend, output: Path | None, dry_run: bool) -> tuple[Book, Backend, Path | None]:
    """The book a write goes to: with --output, a workbook poflow only reads (.ods, .xls, a Google Sheet)
    first becomes a new .xlsx, and the changes apply there."""
    if output is not None and not writable_format(book.path) and not dry_run:
        book = export_as_xlsx(book, output)
        return book, XlsxBackend(output), None
    return book, backend, output


def export_as_xlsx(book: Book, target: Path) -> Book:
    """Write a Book's records as a new .xlsx workbook (for .ods and .xls, which poflow does not patch)."""
    from dataclasses import fields

    from ..records import Settings
    from ..rows import record_rows
    from ..template import write_new_workbook

    if target.exists():
        raise Refused(f"{target}: already exists; --output names a new file")
    if target.suffix.lower() != ".xlsx":
        raise Refused(f"{target}: --output must name an .xlsx file")
    rows = {tab: record_rows(tab, getattr(book, attr)) for tab, attr in ATTR_OF_TAB.items()}
    settings = {f.name: getattr(book.settings, f.name) for f in fields(Settings) if f.name not in ("rows", "extra")}
    write_new_workbook(target, rows, settings=settings)
    return read_workbook(target)
