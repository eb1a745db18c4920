"""`poflow archive`: move finished history out of the book into a yearly archive workbook beside it.

The selection is pure (`poflow_sheets.archive`); here the rows are copied into `NAME-archive-YEAR.xlsx`
(created from the template, or appended to) and removed from the book (`store.xlsx_remove`: only the tabs
that lose rows are rewritten). Document tabs older than the cut-off, and the oldest beyond Settings
`Document Sheets Kept`, move to their month's `NAME-documents-YYYY-MM.xlsx` (`app.doctabs`). Every file is
written together or not at all (`store.pair`).
Commands that look at history (`validate`, `statement`, `evidence` with `--with-archive`, and the bank
import's "seen before" check, always) read the archives back with `with_archive` / `archived_transactions`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import fields, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..archive import MOVED_TABS, default_cutoff, select
from ..errors import Refused
from ..gsheets.location import is_sheet
from ..reader import ATTR_OF_TAB, Book, read_workbook
from ..schema import TAB_BY_NAME, norm
from ..store import AppendRows, Edit, Fingerprint
from ..store.edits import AnyValue
from ..store.pair import finish_pending, write_files
from ..store.xlsx_read import CalamineSource
from ..store.xlsx_remove import apply_removing
from .trail import trail_title
from .workbook import WriteOptions, load, utc_now
from .write import MOVED


def archive_path(workbook: Path, year: int) -> Path:
    """`NAME-archive-YEAR.xlsx` beside the book."""
    return workbook.parent / f"{workbook.stem}-archive-{year}.xlsx"


def archives_of(workbook: Path) -> list[Path]:
    """The book's archive workbooks, oldest year first ([] for a Google Sheet)."""
    if is_sheet(workbook):
        return []
    return sorted(Path(workbook).parent.glob(f"{glob_safe(Path(workbook).stem)}-archive-[0-9][0-9][0-9][0-9].xlsx"))


def glob_safe(text: str) -> str:
    """A name with glob characters escaped."""
    from ..store.safety import glob_escape

    return glob_escape(text)


def _cell(v: Any) -> AnyValue:
    """A value as calamine read it, as the patcher writes it (numbers exact, as typed)."""
    if isinstance(v, bool) or v is None:
        return v
    if isinstance(v, float):
        return int(v) if v.is_integer() else Decimal(repr(v))
    if v == "":
        return None
    return v


def _schema_rows(tab: str, rows: list[list[Any]], header: list[Any], wanted: tuple[int, ...]) -> tuple[tuple[AnyValue, ...], ...]:
    """The wanted Excel rows of a tab, in the schema's column order (found by the book's headers)."""
    names = {norm(h): i for i, h in enumerate(header) if norm(h)}
    cols = []
    for c in TAB_BY_NAME[tab].columns:
        cols.append(names.get(norm(c.header), names.get(norm(c.key))))
    out = []
    for r in wanted:
        raw = rows[r - 1] if r - 1 < len(rows) else []
        out.append(tuple(_cell(raw[i]) if i is not None and i < len(raw) else None for i in cols))
    return tuple(out)


def _header_at(rows: list[list[Any]], book: Book, tab: str) -> tuple[int, list[Any]]:
    info = book.tables.get(tab)
    h = info.header_row if info is not None else next(
        (i + 1 for i, r in enumerate(rows) if any(v not in ("", None) for v in r)), 1)
    return h, list(rows[h - 1]) if h - 1 < len(rows) else []


def archive(workbook: Path, today: date, *, before: date | None = None, opts: WriteOptions | None = None) -> list[str]:
    """Move the finished history older than `before` (default: Settings `Archive After Months`) out of the book."""
    opts = opts or WriteOptions()
    if is_sheet(workbook):
        raise Refused(f"{workbook}: archive works on .xlsx workbooks; download the Google Sheet first")
    finish_pending(workbook)
    book = load(workbook, opts.out)
    cutoff = before or default_cutoff(book, today)
    titles: dict[str, str] = {t: book.tables[t].title for t in MOVED_TABS if t in book.tables}
    log_title = trail_title(book.sheet_names)
    source = CalamineSource(workbook)
    try:
        raw = {t: source.rows(title) for t, title in titles.items()}
        log_rows = source.rows(log_title) if log_title else []
    finally:
        source.close()
    log_h = next((i + 1 for i, r in enumerate(log_rows) if any(v not in ("", None) for v in r)), 0)
    when_col = next((i for i, h in enumerate(log_rows[log_h - 1]) if norm(h) == norm("When")), 0) if log_h else 0
    log_when = [(i + 1, str(r[when_col]) if when_col < len(r) else "")
                for i, r in enumerate(log_rows) if i + 1 > log_h]
    sel = select(book, cutoff, log_when)
    target = archive_path(workbook, cutoff.year)
    from .doctabs import documents_builder, plan_moves

    docs = plan_moves(workbook, book, before=cutoff)
    if not sel.count() and not docs.moves:
        return [f"nothing older than {cutoff.isoformat()} to archive", *(f"note: {n}" for n in docs.notes)]
    appends: list[Edit] = []
    for tab, rows in sel.rows.items():
        if tab == "Log":
            header = list(log_rows[log_h - 1])
            appends.append(AppendRows("Log", _schema_rows("Log", log_rows, header, rows)))
        else:
            _h, header = _header_at(raw[tab], book, tab)
            appends.append(AppendRows(tab, _schema_rows(tab, raw[tab], header, rows)))
    removals = {((log_title or "Log") if tab == "Log" else titles[tab]): rows for tab, rows in sel.rows.items()}
    stamp = (opts.now or utc_now()).strftime("%Y-%m-%d %H:%M:%S")
    moved = ", ".join(f"{len(r)} {t}" for t, r in sel.rows.items())
    note: list[Edit] = []
    trail: list[tuple[AnyValue, ...]] = []
    if sel.count():
        trail.append((stamp, opts.command, "Archive", target.name, MOVED, "",
                      f"{moved} older than {cutoff.isoformat()}"))
    trail += [tuple(getattr(r, k) for k in ("when", "command", "tab", "row_key", "column", "old", "new"))
              for r in docs.log_rows(stamp, opts.command)]
    if log_title and trail:
        note = [AppendRows(log_title, tuple(trail))]
    lines = [f"{len(sel.orders)} finished order(s) and {moved} row(s) older than {cutoff.isoformat()} "
             f"move to {target.name}"] if sel.count() else []
    lines += docs.lines() + [f"note: {n}" for n in docs.notes]
    if opts.dry_run:
        return [*lines, "dry run: nothing written"]

    def build_archive(tmp: Path) -> None:
        from ..store.xlsx_patch import apply_changes

        if target.exists():
            apply_changes(target, tmp, appends)
            return
        from ..records import Settings
        from ..template import write_new_workbook

        seed = tmp.with_name(tmp.name + ".new.xlsx")
        settings = {f.name: getattr(book.settings, f.name) for f in fields(Settings) if f.name not in ("rows", "extra")}
        try:
            write_new_workbook(seed, {}, settings=settings)
            apply_changes(seed, tmp, appends)
        finally:
            seed.unlink(missing_ok=True)

    def build_book(tmp: Path) -> None:
        apply_removing(workbook, tmp, removals, note, sheets=docs.removed)

    others: list[tuple[Path, Callable[[Path], None]]] = [(target, build_archive)] if sel.count() else []
    others += [(t, documents_builder(t, moves, workbook.name, stamp)) for t, moves in docs.targets().items()]
    expected = book.fingerprint if isinstance(book.fingerprint, Fingerprint) else None
    backup = write_files(workbook, expected, build_book, others, force=opts.force,
                         retention=book.settings.backup_retention, command=opts.command)
    lines.append(f"{workbook}: written" + (f" (backup {backup})" if backup else ""))
    lines += [f"{t}: written" for t, _ in others]
    return lines


def with_archive(book: Book) -> tuple[Book, list[str]]:
    """The book with its archives' records added (records keep their archive's row numbers); and where
    each archive's records come from, in words."""
    parts: dict[str, tuple[Any, ...]] = {}
    said = []
    for path in archives_of(book.path):
        arch = read_workbook(path, tabs=MOVED_TABS)
        n = 0
        for tab in MOVED_TABS:
            attr = ATTR_OF_TAB[tab]
            recs = getattr(arch, attr)
            if recs:
                parts[attr] = parts.get(attr, ()) + tuple(recs)
                n += len(recs)
        if n:
            said.append(f"{n} archived record(s) read from {path.name}")
    if not parts:
        return book, said
    merged: dict[str, Any] = {attr: tuple(getattr(book, attr)) + extra for attr, extra in parts.items()}
    return replace(book, **merged), said


def archived_transactions(workbook: Path, *, since_year: int = 0) -> frozenset[str]:
    """The bank transaction ids the archives (of `since_year` and later) hold: seen before, never imported again."""
    out: set[str] = set()
    for path in archives_of(workbook):
        if int(path.stem[-4:]) < since_year:
            continue
        out |= {p.transaction_id for p in read_workbook(path, tabs=("Payments",)).payments}
    return frozenset(out)


def where_is(book: Book, po: str) -> str:
    """Where an order's rows are: the book, or an archive (by name)."""
    if any(o.po_number == po for o in book.orders):
        return book.path.name
    for path in archives_of(book.path):
        if any(o.po_number == po for o in read_workbook(path, tabs=("Orders",)).orders):
            return path.name
    return ""



__all__ = ["archive", "archive_path", "archived_transactions", "archives_of", "where_is", "with_archive"]
