"""Turn a command's ChangeSet into store changes, log them in the Log tab, write, and render documents.

Only what poflow owns changes: the cells a command updates, the rows it appends, the tabs and
columns it adds. Every write goes through `store.write_workbook` (lock, unchanged-since-read check,
temp file, fsync, atomic replace, backup).
"""

from __future__ import annotations

import os
import tempfile
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, cast

from .. import schema
from ..changeset import ChangeSet
from ..documents.model import Document, file_name
from ..documents.pdf import render_pdf
from ..documents.sheet import COL_WIDTHS, as_styled, hashed_sheet_name, sheet_name, sheet_rows
from ..errors import Refused
from ..gsheets.location import is_sheet
from ..reader import Book, read_map
from ..schema import LIST, PERCENT, TAB_BY_NAME, norm
from ..store import (
    AddSheet,
    AppendRows,
    Backend,
    Edit,
    Fingerprint,
    PatchResult,
    PrintSetup,
    SetCell,
    Styled,
    fingerprint,
    refuse_unwritable,
    write_workbook,
)
from ..store.edits import AnyValue
from ..store.safety import glob_escape, refuse_read_only
from ..store.xlsx_read import CalamineSource

if TYPE_CHECKING:
    from .doctabs import MovePlan

FOREIGN_LOG = "poflow Log"  # the audit trail's tab when the workbook has a "Log" tab of its own
NEW_ROW = "(new row)"  # the Log's Column for a row a command appended
NEW_SHEET = "(new sheet)"  # ... and for a tab it added
MOVED = "(moved)"  # ... and for what it moved out of the book (archive rows, a document tab: New Value says where)


def check_writable(path: Path, output: Path | None = None, force: bool = False) -> Path:
    """The file a write goes to: the workbook itself, or --output for formats poflow only reads.
    A read-only workbook is refused here, before any work (unless ``force``)."""
    if output is not None:
        return output
    if not is_sheet(path):
        refuse_unwritable(path)
        refuse_read_only(path, force)
    return path


def cell_value(col: schema.Column | None, value: object) -> AnyValue:
    """A record value as the cell value the store writes."""
    if value is None:
        return None
    if col is not None and col.type == LIST and isinstance(value, tuple):
        return "; ".join(value)
    if col is not None and col.type == PERCENT and isinstance(value, Decimal):
        return Styled(value, num_format="0%")
    if isinstance(value, float):  # never expected: money is Decimal
        return Decimal(repr(value))
    return cast(AnyValue, value)


class _Plan:
    """Store changes for one workbook, adding columns and tabs that poflow needs and the person lacks."""

    def __init__(self, book: Book) -> None:
        self.book = book
        self.changes: list[Edit] = []
        self.new_cols: dict[str, dict[str, int]] = defaultdict(dict)  # tab -> field -> 0-based col
        self.new_tabs: dict[str, list[tuple[AnyValue, ...]]] = {}

    def col_of(self, tab: str, key: str) -> int:
        """0-based column of a field, adding its header at the end of the header row if absent."""
        info = self.book.tables[tab]
        if key in info.columns:
            return info.columns[key][0]
        if key not in self.new_cols[tab]:
            used = [c for c, _ in info.columns.values()] + list(self.new_cols[tab].values())
            col = max(max(used, default=-1) + 1, info.width)
            self.new_cols[tab][key] = col
            self.changes.append(SetCell(info.title, info.header_row, col + 1,
                                        Styled(TAB_BY_NAME[tab].column(key).header, bold=True)))
        return self.new_cols[tab][key]

    def set(self, tab: str, row: int, key: str, value: object) -> None:
        info = self.book.tables[tab]
        self.changes.append(SetCell(info.title, row, self.col_of(tab, key) + 1,
                                    cell_value(TAB_BY_NAME[tab].column(key), value)))

    def append(self, tab: str, records: list[object]) -> None:
        spec = TAB_BY_NAME[tab]
        if tab not in self.book.tables:
            rows = [tuple(cell_value(c, getattr(r, c.key, None)) for c in spec.columns) for r in records]
            self.new_tabs.setdefault(tab, []).extend(rows)
            return
        info = self.book.tables[tab]
        positions = {c.key: self.col_of(tab, c.key) for c in spec.columns
                     if c.key in info.columns or any(getattr(r, c.key, None) not in (None, "", ()) for r in records)}
        width = max(positions.values()) + 1
        out = []
        for r in records:
            row: list[AnyValue] = [None] * width
            for key, idx in positions.items():
                row[idx] = cell_value(spec.column(key), getattr(r, key, None))
            out.append(tuple(row))
        after = info.records_end or info.last_row  # the Log (last_row 0, read by its head): after its last row
        self.changes.append(AppendRows(info.title, tuple(out), after=after,
                                       totals_below=info.totals_below, header_row=info.header_row))

    def finish(self) -> list[Edit]:
        for tab, rows in self.new_tabs.items():
            header = tuple(Styled(c.header, bold=True) for c in TAB_BY_NAME[tab].columns)
            widths = tuple(float(c.width) for c in TAB_BY_NAME[tab].columns)
            self.changes.append(AddSheet(tab, (header, *rows), widths, if_missing=True, freeze_header=True))
        return self.changes


@dataclass(frozen=True)
class LogRow:
    """One line of the Log tab."""

    when: str
    command: str
    tab: str
    row_key: str
    column: str
    old: str
    new: str


def text_of(v: object) -> str:
    """A value as the Log writes it."""
    if v is None:
        return ""
    if isinstance(v, Decimal):
        return f"{v:f}"
    if isinstance(v, date):
        return v.isoformat()
    if isinstance(v, tuple):
        return "; ".join(map(str, v))
    return str(v)


def key_of(record: object, tab: str) -> str:
    """A row's key as the Log writes it: its key fields joined by ' / '."""
    spec = TAB_BY_NAME[tab]
    keys = spec.key or (spec.columns[0].key, spec.columns[1].key)
    return " / ".join(text_of(getattr(record, k, "")) for k in keys)


def plan_changes(book: Book, cs: ChangeSet, *, command: str, now: datetime, sheets: bool = True,
                 notes: list[str] | None = None, elsewhere: frozenset[str] = frozenset(),
                 extra_log: Sequence[LogRow] = ()) -> tuple[list[Edit], list[LogRow]]:
    """The store changes and Log rows for a ChangeSet (pure; what a person should know goes to ``notes``).
    ``elsewhere``: document tabs (casefolded) issued before whose sheets are in a documents workbook now;
    ``extra_log``: Log rows of the same write (document tabs it moves out)."""
    plan = _Plan(book)
    log: list[LogRow] = []
    stamp = now.strftime("%Y-%m-%d %H:%M:%S")
    for u in cs.updates:
        plan.set(u.tab, u.row, u.field, u.new)
        log.append(LogRow(stamp, command, u.tab, u.key, TAB_BY_NAME[u.tab].column(u.field).header,
                          text_of(u.old), text_of(u.new)))
    settings_info = book.tables.get("Settings")
    for s in cs.settings:
        spec = next(k for k in schema.SETTINGS_KEYS if k.key == s.key)
        row = book.settings.rows.get(s.key)
        if settings_info is not None and row:
            plan.changes.append(SetCell(settings_info.title, row, settings_info.columns["value"][0] + 1,
                                        cell_value(None, s.new)))
        elif settings_info is not None:
            plan.changes.append(AppendRows(settings_info.title, ((spec.label, cell_value(None, s.new), spec.help),)))
        log.append(LogRow(stamp, command, "Settings", spec.label, "Value", text_of(s.old), text_of(s.new)))
    by_tab: dict[str, list[object]] = defaultdict(list)
    for a in cs.appends:
        by_tab[a.tab].append(a.record)
        log.append(LogRow(stamp, command, a.tab, a.key or key_of(a.record, a.tab), NEW_ROW, "", ""))
    for tab, records in by_tab.items():
        plan.append(tab, records)
    if sheets:
        have = {n.casefold() for n in book.sheet_names}
        planned: dict[str, str] = {}  # casefolded tab name -> number of the document it is planned for
        for doc in cs.documents:
            if sheet_name(doc).casefold() in have:
                continue  # issued before (a rerun): the sheet and its Log line are there already
            name, note = document_sheet_name(doc, planned)
            if name.casefold() in elsewhere:
                continue  # ... and its sheet has moved to its month's documents workbook since
            rows = as_styled(sheet_rows(doc), Styled)
            cells = tuple(tuple(cast(AnyValue, v) for v in r) for r in rows)
            planned[name.casefold()] = doc.number
            if note and notes is not None:
                notes.append(note)
            plan.changes.append(AddSheet(name, cells, COL_WIDTHS, if_missing=True, print_setup=_print_setup(doc)))
            log.append(LogRow(stamp, command, name, doc.number, NEW_SHEET, "", ""))
    log += extra_log
    _append_log(plan, book, log)
    return plan.finish(), log


def _append_log(plan: _Plan, book: Book, log: list[LogRow]) -> None:
    if log:
        if "Log" in book.tables or not any(norm(n) == norm("Log") for n in book.sheet_names):
            plan.append("Log", list(log))  # adds the Log tab when the workbook has none
        else:
            # The person has a tab of their own named Log: poflow keeps its audit trail beside it.
            cols = TAB_BY_NAME["Log"].columns
            trail: tuple[tuple[AnyValue, ...], ...] = tuple(
                tuple(cell_value(None, getattr(r, c.key)) for c in cols) for r in log)
            if any(norm(n) == norm(FOREIGN_LOG) for n in book.sheet_names):
                plan.changes.append(AppendRows(FOREIGN_LOG, trail))
            else:
                header = tuple(Styled(c.header, bold=True) for c in cols)
                plan.changes.append(AddSheet(FOREIGN_LOG, (header, *trail), if_missing=True, freeze_header=True))


def log_changes(book: Book, log: list[LogRow]) -> list[Edit]:
    """The store changes that append `log` to the workbook's audit trail (for writers other than a ChangeSet's)."""
    plan = _Plan(book)
    _append_log(plan, book, log)
    return plan.finish()


def document_sheet_name(doc: Document, planned: dict[str, str] | None = None) -> tuple[str, str]:
    """The tab a document's sheet gets, and a note when it is not simply the document number.

    A tab name holds at most 31 characters and none of []:*?/\\. A number that had to be shortened gets a
    short suffix derived from the whole number ("~" and 4 hex digits), so two numbers that share their first
    31 characters get two tabs, and the same document gets the same name again (a second run adds nothing).
    Two documents of one run whose names would still collide are told apart the same way.
    """
    base = sheet_name(doc)
    taken = planned or {}
    clash = taken.get(base.casefold(), doc.number) != doc.number
    if len(doc.number.strip()) <= 31 and not clash:
        return base, ""
    name, n = hashed_sheet_name(doc.number, 1, base), 2
    while taken.get(name.casefold(), doc.number) != doc.number:  # vanishingly rare: a clash of suffixes too
        name, n = hashed_sheet_name(doc.number, n, base), n + 1
    return name, f"{doc.number}: its sheet is named {name!r} (a tab name holds at most 31 characters and must differ " \
                 "from every other tab's)"


def _print_setup(doc: Document) -> PrintSetup:
    return PrintSetup(fit_width=True, header="&L" + _hf(doc.seller.name), footer=f"&L{_hf(doc.title)}&RPage &P of &N")


def _hf(text: str) -> str:
    """Text for an Excel header or footer: '&' is a code there, so it is doubled."""
    return text.replace("&", "&&")


def write_pdf(path: Path, data: bytes) -> None:
    """Write a file (a PDF, a ZIP) atomically: temp file in the same folder, fsync, replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".poflow-", suffix=path.suffix, dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(tmp, 0o666 & ~umask)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def document_path(out_dir: Path, doc: Document) -> Path:
    """Where a document's PDF goes: `<out>/YYYY/MM/<number>.pdf`, the year and month of its issue date."""
    return dated_pdf_path(out_dir, doc.number, doc.issue_date)


def dated_pdf_path(out_dir: Path, number: str, issued: date) -> Path:
    """`<out>/YYYY/MM/<number>.pdf` (documents.model.file_name): a month's documents in one folder."""
    return out_dir / f"{issued:%Y}" / f"{issued:%m}" / file_name(number)


def pdf_path(out_dir: Path, number: str) -> Path:
    """Where the PDF of the document with this number is found: in its month's folder `<out>/YYYY/MM/`
    (the newest when a number was issued in two months), else `<out>/<number>.pdf` where poflow put
    documents before they were filed by month (the same place is returned when there is none yet)."""
    name = file_name(number)
    found = sorted(out_dir.glob(f"[0-9][0-9][0-9][0-9]/[0-9][0-9]/{glob_escape(name)}"))
    return found[-1] if found else out_dir / name


def apply_changeset(book: Book, cs: ChangeSet, *, command: str, now: datetime, force: bool = False,
                    dry_run: bool = False, sheets: bool = True, out_dir: Path | None = None,
                    output: Path | None = None, backend: Backend | None = None) -> list[str]:
    """Write a ChangeSet: the workbook in one safe write (through `backend`, by default where the book
    was read from), then each document's PDF. Returns what was done."""
    lines: list[str] = list(cs.messages)
    target = check_writable(book.path, output, force) if not dry_run else check_writable(book.path, output, True)
    out_dir = out_dir or target.parent / "documents"
    notes: list[str] = []
    changes, log = plan_changes(book, cs, command=command, now=now, sheets=sheets, notes=notes)
    moves = _document_moves(book, cs, changes, log, output=output, backend=backend)
    if moves:
        # Document tabs over Settings `Document Sheets Kept` move to their months' documents workbooks in the
        # same write; a tab issued before whose sheet moved there already is not added again.
        notes = []
        changes, log = plan_changes(book, cs, command=command, now=now, sheets=sheets, notes=notes,
                                    elsewhere=frozenset(moves.dropped),
                                    extra_log=moves.log_rows(now.strftime("%Y-%m-%d %H:%M:%S"), command))
        changes = [c for c in changes if not (isinstance(c, AddSheet) and c.name.casefold() in moves.stays_out)]
    lines += [f"note: {n}" for n in notes]
    pdfs = [document_path(out_dir, d) for d in cs.documents]
    if dry_run:
        lines += [f"would change {r.tab} {r.row_key}: {r.column} {r.old!r} -> {r.new!r}" for r in log]
        lines += [f"would write {p}" for p in pdfs]
        if moves is not None:
            lines += [f"would move {line}" for line in moves.lines()] + [f"note: {n}" for n in moves.notes]
        if not log and not pdfs:
            lines.append("nothing to do")
        return lines
    if changes and log:
        if moves and moves.moves:
            result = _write_with_moves(book, changes, moves, command=command, now=now, force=force)
            lines += moves.lines()
        elif output is not None and output != book.path:
            import shutil

            if output.exists():
                raise Refused(f"{output}: already exists; choose a new file for --output")
            shutil.copyfile(book.path, output)
            result = write_workbook(output, changes, expected=fingerprint(output), force=force,
                                    retention=book.settings.backup_retention, command=command)
        else:
            if backend is None:
                from .workbook import backend_of

                backend = backend_of(target)
            result = backend.write(changes, expected=book.fingerprint, force=force,
                                   retention=book.settings.backup_retention, command=command)
        lines.append(f"{target}: {len(log)} change(s) written" + (f" (backup {result.backup})" if result.backup else ""))
        lines += [f"note: {n}" for n in result.notes]
    if moves is not None:
        lines += [f"note: {n}" for n in moves.notes]
    for doc, path in zip(cs.documents, pdfs, strict=True):
        write_pdf(path, render_pdf(doc))
        lines.append(f"wrote {path}")
    if not log and not pdfs:
        lines.append("nothing to do: the workbook already says this")
    return lines


def _document_moves(book: Book, cs: ChangeSet, changes: list[Edit], log: list[LogRow], *, output: Path | None,
                    backend: Backend | None) -> MovePlan | None:
    """The document tabs this write moves out of a workbook file (None when it adds none, or writes elsewhere)."""
    from ..doctabs import DocTab
    from ..store import XlsxBackend
    from ..store.xlsx_patch import writable_format

    if is_sheet(book.path) or not writable_format(book.path) or (output is not None and output != book.path):
        return None
    if backend is not None and not isinstance(backend, XlsxBackend):
        return None
    issued = {d.number: d.issue_date for d in cs.documents}
    numbers = {r.tab.casefold(): r.row_key for r in log if r.column == NEW_SHEET}
    new = []
    for k, ch in enumerate(c for c in changes if isinstance(c, AddSheet) and c.name.casefold() in numbers):
        number = numbers[ch.name.casefold()]
        new.append((ch, DocTab(ch.name, number, issued[number], len(book.sheet_names) + k)))
    if not new:
        return None
    from .doctabs import plan_moves

    return plan_moves(book.path, book, new=new)


def _write_with_moves(book: Book, changes: list[Edit], moves: MovePlan, *, command: str, now: datetime,
                      force: bool) -> PatchResult:
    """The book's changes and the document tabs it moves out, the book and every documents workbook written
    together or none (store.pair)."""
    from dataclasses import replace

    from ..store.pair import write_files
    from ..store.xlsx_remove import apply_removing
    from .doctabs import documents_builder

    done: list[PatchResult] = []

    def build_book(tmp: Path) -> None:
        done.append(apply_removing(book.path, tmp, {}, changes, sheets=moves.removed))

    stamp = now.strftime("%Y-%m-%d %H:%M:%S")
    others = [(t, documents_builder(t, ms, book.path.name, stamp)) for t, ms in moves.targets().items()]
    expected = book.fingerprint if isinstance(book.fingerprint, Fingerprint) else None
    backup = write_files(book.path, expected, build_book, others, force=force,
                         retention=book.settings.backup_retention, command=command)
    result = done[-1] if done else PatchResult(changed=True)
    return replace(result, backup=str(backup) if backup else None)


def _setting_cell(k: schema.SettingKey) -> object:
    from ..template import setting_value

    return setting_value(k, k.default)


def add_missing_tabs(path: Path, *, force: bool = False) -> tuple[list[str], PatchResult | None]:
    """`poflow init EXISTING.xlsx`: add the schema's missing tabs (headers only), touching nothing else."""
    check_writable(path, force=force)
    before = fingerprint(path)
    source = CalamineSource(path)
    try:
        sheets = source.sheet_names
        wmap = read_map(source)
    finally:
        source.close()
    names = {norm(n) for n in sheets}
    # an adopted workbook's tabs go by the person's names (the poflow Map): only the tabs still missing are added
    mapped = {e.tab for e in wmap.entries if not e.column and norm(e.name) in names}
    missing = [t for t in schema.TABS if norm(t.name) not in names and t.name not in mapped]
    if not missing:
        return [], None
    changes: list[Edit] = []
    for tab in missing:
        header = tuple(Styled(c.header, bold=True) for c in tab.columns)
        rows: list[tuple[AnyValue, ...]] = [header]
        if tab.name == "Settings":
            rows += [(k.label, cell_value(None, _setting_cell(k)), k.help)
                     for k in schema.SETTINGS_KEYS]
        changes.append(AddSheet(tab.name, tuple(rows), tuple(float(c.width) for c in tab.columns),
                                if_missing=True, freeze_header=True, as_table=tab.name != "Settings"))
    result = write_workbook(path, changes, expected=before, force=force, command="poflow init")
    return [t.name for t in missing], result


__all__ = ["add_missing_tabs", "apply_changeset", "check_writable", "dated_pdf_path", "document_path", "log_changes", "pdf_path",
           "plan_changes"]
