"""Every command as a public Python function: read, compute, write; the CLI only renders."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path

from .changeset import ChangeSet
from .console import Out
from .errors import Refused
from .reader import ATTR_OF_TAB, Book, read_workbook
from .validate import Report, validate


def load(workbook: Path, out: Out | None = None) -> Book:
    """Read the workbook, with a progress indicator on a terminal."""
    if out is None:
        return read_workbook(workbook)
    with out.progress(f"Reading {workbook.name}") as bar:
        def step(title: str) -> None:
            if bar is not None:
                bar.update(bar.task_ids[0], description=f"Reading {workbook.name}: {title}")
        return read_workbook(workbook, progress=step)


def init_workbook(path: Path, *, demo: bool = False) -> Iterator[str]:
    """Create a workbook from the template (with --demo, the sample business), or add missing tabs."""
    from .template import write_new_workbook

    if path.exists():
        if demo:
            raise Refused(f"{path}: already exists; --demo only creates a new workbook")
        from .store_ops import add_missing_tabs

        added, _ = add_missing_tabs(path)
        yield (f"{path}: added tabs {', '.join(added)}" if added else f"{path}: has every tab already; nothing to do")
        return
    if path.suffix.lower() not in (".xlsx", ".xlsm"):
        raise Refused(f"{path}: poflow creates .xlsx workbooks; name the file NAME.xlsx")
    if not path.parent.exists():
        raise Refused(f"{path.parent}: no such folder")
    if demo:
        from .demo import write_demo

        write_demo(path)
        yield f"{path}: created with the demo business"
    else:
        write_new_workbook(path)
        yield f"{path}: created from the template"


def validate_workbook(workbook: Path, today: date, *, out: Out | None = None, annotate: Path | None = None) -> Report:
    """Read and validate; with `annotate`, write a highlighted copy (the original is never modified)."""
    book = load(workbook, out)
    report = validate(book, today)
    if annotate is not None:
        from .annotate import write_annotated

        write_annotated(workbook, annotate, report)
    return report


def run_change(workbook: Path, compute: Callable[[Book], ChangeSet], *, command: str, out: Out | None = None,
               force: bool = False, dry_run: bool = False, sheets: bool = True, out_dir: Path | None = None,
               output: Path | None = None, now: datetime | None = None) -> list[str]:
    """Read the workbook, compute a command's ChangeSet (pure), then write it safely (or show it with dry_run)."""
    from .store_ops import apply_changeset, check_writable

    if not dry_run:
        check_writable(workbook, output)
    book = load(workbook, out)
    if output is not None and workbook.suffix.lower() not in (".xlsx", ".xlsm") and not dry_run:
        book = export_as_xlsx(book, output)  # an .ods/.xls book becomes a new .xlsx, then changes apply there
        output = None
    cs = compute(book)
    stamp = now or datetime.now(UTC).replace(tzinfo=None)
    return apply_changeset(book, cs, command=command, now=stamp, force=force, dry_run=dry_run, sheets=sheets,
                           out_dir=out_dir, output=output)


def export_as_xlsx(book: Book, target: Path) -> Book:
    """Write a Book's records as a new .xlsx workbook (for .ods and .xls, which poflow does not patch)."""
    from dataclasses import fields

    from .records import Settings
    from .rows import record_rows
    from .template import write_new_workbook

    if target.exists():
        raise Refused(f"{target}: already exists; --output names a new file")
    if target.suffix.lower() != ".xlsx":
        raise Refused(f"{target}: --output must name an .xlsx file")
    rows = {tab: record_rows(tab, getattr(book, attr)) for tab, attr in ATTR_OF_TAB.items()}
    settings = {f.name: getattr(book.settings, f.name) for f in fields(Settings) if f.name not in ("rows", "extra")}
    write_new_workbook(target, rows, settings=settings)
    return read_workbook(target)
