"""Document tabs leave the book for the documents workbook of their month, all files written or none.

`plan_moves` finds the book's document tabs (`doctabs.recognise` on the first rows of every tab that is not
one of poflow's own), picks those that move (`doctabs.to_move`: older than `poflow archive`'s cut-off, and
the oldest beyond Settings `Document Sheets Kept`), and reads each back as the AddSheet that writes it again
(`store.xlsx_copy`; a tab holding what that cannot carry stays, with a note). The caller writes the book
(the tabs removed: `store.xlsx_remove`) and every month's `NAME-documents-YYYY-MM.xlsx` (created with a
Contents tab, or appended to) together through `store.pair.write_files`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from ..doctabs import HEAD_ROWS, DocTab, documents_path, kept, recognise, to_move
from ..errors import WorkbookUnreadable
from ..mapping import MAP_TAB
from ..reader import Book
from ..schema import TABS, norm
from ..store import AddSheet, AppendRows, Edit, TabSource
from ..store.xlsx_copy import NotCarried, SheetCopier
from .write import FOREIGN_LOG, MOVED, LogRow

CONTENTS = "Contents"
CONTENTS_HEADER = ("Tab", "Number", "Date", "Moved from", "Moved on")
CONTENTS_WIDTHS = (24.0, 24.0, 14.0, 28.0, 20.0)


def own_tabs(book: Book) -> set[str]:
    """poflow's own tabs of the book (normalised names): never document tabs."""
    own = {norm(t.name) for t in TABS} | {norm(FOREIGN_LOG), norm(MAP_TAB)}
    return own | {norm(info.title) for info in book.tables.values()}


def candidates(book: Book) -> list[tuple[int, str]]:
    """(tab order, name) of every tab that may be a document tab."""
    own = own_tabs(book)
    return [(i, n) for i, n in enumerate(book.sheet_names) if norm(n) not in own]


def document_tabs(path: Path, book: Book) -> list[DocTab]:
    """The document tabs of a workbook file, in tab order (only their first rows are read)."""
    from ..store.xlsx_head import date1904, heads

    cands = candidates(book)
    if not cands:
        return []
    rows = heads(path, [n for _, n in cands], HEAD_ROWS)
    d1904 = date1904(path)
    found = (recognise(n, i, rows.get(n, []), date1904=d1904) for i, n in cands)
    return [t for t in found if t is not None]


def source_document_tabs(source: TabSource, book: Book) -> list[DocTab]:
    """The document tabs of any workbook (a Google Sheet), read through its TabSource."""
    cands = candidates(book)
    if not cands:
        return []
    source.fetch([n for _, n in cands])
    found = (recognise(n, i, source.rows(n)[:HEAD_ROWS]) for i, n in cands)
    return [t for t in found if t is not None]


@dataclass(frozen=True)
class Move:
    """One document tab leaving the book (or, new, going straight to its month's workbook)."""

    tab: DocTab
    target: Path
    sheet: AddSheet | None  # what the documents workbook gets; None: it has the same tab already
    from_book: bool = True


@dataclass
class MovePlan:
    """The tabs that move, where to, and what stays and why."""

    moves: list[Move] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    dropped: set[str] = field(default_factory=set)  # new tabs (casefolded) their month's workbook has already

    @property
    def removed(self) -> list[str]:
        """The tabs that leave the book."""
        return [m.tab.name for m in self.moves if m.from_book]

    @property
    def stays_out(self) -> set[str]:
        """New tabs (casefolded) that are not added to the book: they go to, or are in, their month's workbook."""
        return {m.tab.name.casefold() for m in self.moves if not m.from_book} | self.dropped

    def targets(self) -> dict[Path, list[Move]]:
        """The documents workbooks that are written, with the tabs each gets."""
        out: dict[Path, list[Move]] = {}
        for m in self.moves:
            if m.sheet is not None:
                out.setdefault(m.target, []).append(m)
        return out

    def __bool__(self) -> bool:
        return bool(self.moves or self.dropped)

    def log_rows(self, stamp: str, command: str) -> list[LogRow]:
        """The Log's line for each tab moved out of the book (or added straight to its month's workbook)."""
        return [LogRow(stamp, command, m.tab.name, m.tab.number, MOVED, "", m.target.name) for m in self.moves]

    def lines(self) -> list[str]:
        """What moves, in words (one line per documents workbook)."""
        per: dict[Path, list[str]] = {}
        for m in self.moves:
            per.setdefault(m.target, []).append(m.tab.name)
        return [f"{len(names)} document tab(s) move to {t.name}: {', '.join(names)}" for t, names in per.items()]


def _tabs_of(path: Path) -> set[str]:
    """The tab names (casefolded) of a workbook file."""
    import zipfile

    from ..store.xlsx_head import sheet_parts

    try:
        with zipfile.ZipFile(path) as zf:
            return {t.casefold() for t in sheet_parts(zf)}
    except (OSError, zipfile.BadZipFile, KeyError) as exc:
        raise WorkbookUnreadable(f"{path}: cannot be read as a documents workbook ({exc})") from None


def plan_moves(path: Path, book: Book, *, before: date | None = None,
               new: Sequence[tuple[AddSheet, DocTab]] = ()) -> MovePlan:
    """Which document tabs leave the book at `path` (older than `before`; the oldest beyond the cap), counting
    the `new` tabs a write is about to add (those that would be over the cap go straight to their month)."""
    plan = MovePlan()
    keep = kept(book.settings.document_sheets_kept)
    targets_have: dict[Path, set[str]] = {}

    def has(target: Path, name: str) -> bool:
        if target not in targets_have:
            targets_have[target] = _tabs_of(target) if target.exists() else set()
        return name.casefold() in targets_have[target]

    fresh: list[tuple[AddSheet, DocTab]] = []
    for add, doc in new:  # issued before and moved out already: its sheet is in its month's workbook
        there = documents_path(path, doc.issued)
        if has(there, doc.name):
            plan.dropped.add(doc.name.casefold())
            plan.notes.append(f"{doc.name}: its sheet is in {there.name} already; not added again")
        else:
            fresh.append((add, doc))
    if before is None and len(candidates(book)) + len(fresh) <= keep:
        return plan  # fewer tabs than the cap, whatever they are: nothing is read
    existing = document_tabs(path, book)
    adding = {t.name.casefold(): s for s, t in fresh}
    leaving = to_move([*existing, *(t for _, t in fresh)], keep, before)
    if not leaving:
        return plan
    from_book = [t for t in leaving if t.name.casefold() not in adding]
    with SheetCopier(path) as copier:
        held = copier.referenced([t.name for t in from_book])
        for tab in leaving:
            target = documents_path(path, tab.issued)
            if tab.name.casefold() in adding:
                plan.moves.append(Move(tab, target, adding[tab.name.casefold()], from_book=False))
                continue
            if tab.name.casefold() in held:
                plan.notes.append(f"{tab.name} stays in the book: a formula, chart or name elsewhere refers to it")
                continue
            try:
                sheet: AddSheet | None = copier.copy(tab.name)
            except NotCarried as exc:
                plan.notes.append(f"{tab.name} stays in the book: {exc} (poflow moves only what it can copy whole)")
                continue
            if has(target, tab.name):
                with SheetCopier(target) as theirs:
                    try:
                        same = theirs.copy(tab.name) == sheet
                    except NotCarried:
                        same = False
                if not same:
                    plan.notes.append(f"{tab.name} stays in the book: {target.name} has a tab of that name with "
                                      "other content")
                    continue
                sheet = None  # the same sheet is there already (a book restored from a backup): only removed
            plan.moves.append(Move(tab, target, sheet))
    kept_now = len(existing) + len(fresh) - len(plan.moves)
    if kept_now > keep:
        plan.notes.append(f"the book keeps {kept_now} document tabs, more than Document Sheets Kept ({keep}), "
                          "because the tabs above stay")
    return plan


def documents_builder(target: Path, moves: Sequence[Move], book_name: str, stamp: str) -> Callable[[Path], None]:
    """Writes the new version of a month's documents workbook at the temp path it is given."""
    rows = tuple((m.tab.name, m.tab.number, m.tab.issued, book_name, stamp) for m in moves)
    sheets = [m.sheet for m in moves if m.sheet is not None]

    def build(tmp: Path) -> None:
        from ..store.xlsx_patch import apply_changes

        if target.exists():
            changes: list[Edit] = [*sheets]
            if CONTENTS.casefold() in _tabs_of(target):
                changes.insert(0, AppendRows(CONTENTS, rows, header_row=1))
            apply_changes(target, tmp, changes)
            return
        seed = tmp.with_name(tmp.name + ".new.xlsx")
        try:
            _new_documents(seed)
            apply_changes(seed, tmp, [AppendRows(CONTENTS, rows, header_row=1), *sheets])
        finally:
            seed.unlink(missing_ok=True)

    return build


def _new_documents(path: Path) -> None:
    """An empty documents workbook: its Contents tab (one line per document tab it holds)."""
    import xlsxwriter

    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet(CONTENTS)
    bold = wb.add_format({"bold": True})
    ws.write_row(0, 0, CONTENTS_HEADER, bold)
    for i, w in enumerate(CONTENTS_WIDTHS):
        ws.set_column(i, i, w)
    ws.freeze_panes(1, 0)
    ws.repeat_rows(0)  # printed: the header on every page, the columns on one page wide
    ws.fit_to_pages(1, 0)
    wb.close()


__all__ = ["CONTENTS", "Move", "MovePlan", "candidates", "document_tabs", "documents_builder",
           "own_tabs", "plan_moves", "source_document_tabs"]
