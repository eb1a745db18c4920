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

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, fields, replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from ..archive import MOVED_TABS, Selection, default_cutoff, select, select_back
from ..errors import Refused
from ..findings import Finding
from ..gsheets.location import is_sheet
from ..reader import ATTR_OF_TAB, Book, TableInfo, read_workbook
from ..schema import TAB_BY_NAME, norm
from ..store import AppendRows, Edit, Fingerprint, SetCell, Styled
from ..store.edits import AnyValue
from ..store.pair import finish_pending, write_files, write_pair
from ..store.safety import target_of
from ..store.xlsx_read import CalamineSource
from ..store.xlsx_remove import apply_removing
from .trail import trail_title
from .workbook import WriteOptions, load, utc_now
from .write import MOVED


def archive_path(workbook: Path, year: int) -> Path:
    """`NAME-archive-YEAR.xlsx` beside the book (the file a symbolic link points to: one book, one archive)."""
    real = target_of(workbook)
    return real.parent / f"{real.stem}-archive-{year}.xlsx"


def archives_of(workbook: Path) -> list[Path]:
    """The book's archive workbooks, oldest year first ([] for a Google Sheet)."""
    if is_sheet(workbook):
        return []
    real = target_of(Path(workbook))
    return sorted(real.parent.glob(f"{glob_safe(real.stem)}-archive-[0-9][0-9][0-9][0-9].xlsx"))


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


@dataclass
class _Layout:
    """Where a tab's columns are in one file: its header's Excel row, and each column's identity (a schema
    field key, or `+name` for a column of the person's own) -> (0-based column, header as written)."""

    title: str
    header_row: int
    cols: dict[str, tuple[int, str]]
    width: int  # the header's cells, the first free column after it

    def add(self, ident: str, header: str) -> int:
        """Give a column the file does not have yet a place after the header's last cell."""
        col = self.width
        self.cols[ident] = (col, header)
        self.width += 1
        return col


def _identity(tab: str, header: object) -> str:
    n = norm(header)
    for c in TAB_BY_NAME[tab].columns:
        if n in (norm(c.header), norm(c.key)):
            return c.key
    return "+" + n


def _layout(tab: str, title: str, head: list[list[Any]], info: TableInfo | None) -> _Layout:
    """A tab's layout from its first rows (and, for a schema tab of the book, the reader's column map)."""
    if info is not None:
        h = info.header_row
        cols = {k: (i, name) for k, (i, name) in info.columns.items()}
    else:
        h = next((i + 1 for i, r in enumerate(head) if any(v not in ("", None) for v in r)), 0)
        cols = {}
    header = list(head[h - 1]) if 0 < h <= len(head) else []
    taken = {i for i, _ in cols.values()}
    for i, v in enumerate(header):
        if i not in taken and str(v).strip():
            cols.setdefault(_identity(tab, v) if info is None else "+" + norm(v), (i, str(v).strip()))
    width = max((i + 1 for i, v in enumerate(header) if str(v).strip()), default=0)
    width = max([width, *(i + 1 for i, _ in cols.values())])
    return _Layout(title, h or 1, cols, width)


def _template_layout(tab: str) -> _Layout:
    """The layout of a tab in a workbook poflow makes from its template: the schema's columns from A1."""
    cols = {c.key: (i, c.header) for i, c in enumerate(TAB_BY_NAME[tab].columns)}
    return _Layout(tab, 1, cols, len(cols))


def _carry(src: _Layout, rows: list[list[Any]], wanted: tuple[int, ...], dst: _Layout
           ) -> tuple[tuple[tuple[AnyValue, ...], ...], list[Edit]]:
    """The wanted Excel rows of `src`, laid out for `dst` (matched by column identity, every cell kept); a
    column with values that `dst` lacks gets a header cell after `dst`'s last (the SetCells returned)."""
    picked = [rows[r - 1] if r - 1 < len(rows) else [] for r in wanted]
    headers: list[Edit] = []
    pairs: list[tuple[int, int]] = []
    for ident, (i, name) in sorted(src.cols.items(), key=lambda kv: kv[1][0]):
        if ident not in dst.cols and not any(i < len(r) and r[i] not in ("", None) for r in picked):
            continue
        if ident not in dst.cols:
            col = dst.add(ident, name)
            headers.append(SetCell(dst.title, dst.header_row, col + 1, Styled(name, bold=True)))
        pairs.append((i, dst.cols[ident][0]))
    width = max((d + 1 for _, d in pairs), default=0)
    out = []
    for raw in picked:
        row: list[AnyValue] = [None] * width
        for i, d in pairs:
            if i < len(raw):
                row[d] = _cell(raw[i])
        out.append(tuple(row))
    return tuple(out), headers


def _log_when(log_rows: list[list[Any]], layout: _Layout) -> list[tuple[int, str]]:
    """(Excel row, When text) of every Log row below its header."""
    when = layout.cols.get("when", (0, ""))[0]
    return [(i + 1, str(r[when]) if when < len(r) else "") for i, r in enumerate(log_rows) if i + 1 > layout.header_row]


def _read(workbook: Path, titles: dict[str, str], log_title: str | None) -> tuple[dict[str, list[list[Any]]], list[list[Any]]]:
    """The cells of the named tabs (by schema name) and of the Log, as calamine reads them."""
    source = CalamineSource(workbook)
    try:
        raw = {t: source.rows(title) for t, title in titles.items()}
        log_rows = source.rows(log_title) if log_title else []
    finally:
        source.close()
    return raw, log_rows


def _layouts_of(path: Path, tabs: Sequence[str]) -> dict[str, _Layout]:
    """The layouts of the tabs of a workbook poflow wrote (an archive): its head rows, or the template's."""
    if not path.exists():
        return {t: _template_layout(t) for t in tabs}
    source = CalamineSource(path)
    try:
        names = {norm(n): n for n in source.sheet_names}
        out = {}
        for t in tabs:
            title = names.get(norm(t))
            out[t] = _layout(t, title, source.head_rows(title, 20), None) if title else _template_layout(t)
    finally:
        source.close()
    return out


def archive(workbook: Path, today: date, *, before: date | None = None, opts: WriteOptions | None = None) -> list[str]:
    """Move the finished history older than `before` (default: Settings `Archive After Months`) out of the book."""
    opts = opts or WriteOptions()
    if is_sheet(workbook):
        raise Refused(f"{workbook}: archive works on .xlsx workbooks; download the Google Sheet first")
    workbook = target_of(workbook)  # through a symbolic link: the file it points to is written, the link stays
    finish_pending(workbook)
    book = load(workbook, opts.out)
    cutoff = before or default_cutoff(book, today)
    titles: dict[str, str] = {t: book.tables[t].title for t in MOVED_TABS if t in book.tables}
    log_title = trail_title(book.sheet_names)
    raw, log_rows = _read(workbook, titles, log_title)
    src = {t: _layout(t, title, raw[t][:book.tables[t].header_row], book.tables[t]) for t, title in titles.items()}
    if log_title:
        src["Log"] = _layout("Log", log_title, log_rows[:20], None)
        raw["Log"] = log_rows
    sel = select(book, cutoff, _log_when(log_rows, src["Log"]) if log_title else ())
    target = archive_path(workbook, cutoff.year)
    from .doctabs import documents_builder, plan_moves

    docs = plan_moves(workbook, book, before=cutoff)
    if not sel.count() and not docs.moves:
        return [f"nothing older than {cutoff.isoformat()} to archive", *(f"note: {n}" for n in docs.notes)]
    dst = _layouts_of(target, tuple(sel.rows)) if sel.count() else {}
    edits: list[Edit] = []
    for tab, rows in sel.rows.items():
        cells, headers = _carry(src[tab], raw[tab], rows, dst[tab])
        edits += [*headers, AppendRows(dst[tab].title, cells, header_row=dst[tab].header_row)]
    removals = {src[tab].title: rows for tab, rows in sel.rows.items()}
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
            apply_changes(target, tmp, edits)
            return
        from ..records import Settings
        from ..template import write_new_workbook

        seed = tmp.with_name(tmp.name + ".new.xlsx")
        settings = {f.name: getattr(book.settings, f.name) for f in fields(Settings) if f.name not in ("rows", "extra")}
        try:
            write_new_workbook(seed, {}, settings=settings)
            apply_changes(seed, tmp, edits)
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


def unarchive(workbook: Path, orders: Sequence[str] = (), *, everything: bool = False,
              opts: WriteOptions | None = None) -> list[str]:
    """Bring archived orders (with their lines, shipments, claims, invoices, payments and allocations, and
    every order a payment of theirs also paid) back into the book; `everything`: all of each archive,
    its Log rows too. Each archive and the book are written together or not at all."""
    opts = opts or WriteOptions()
    if is_sheet(workbook):
        raise Refused(f"{workbook}: unarchive works on .xlsx workbooks")
    workbook = target_of(workbook)
    if not orders and not everything:
        raise Refused("name the orders to bring back (PO numbers), or --all for everything in the archives")
    finish_pending(workbook)
    # a workbook poflow cannot read or write is refused before anything else; the orders it holds now
    here = {o.po_number for o in load(workbook, opts.out).orders}
    wanted = {po.strip() for po in orders if po.strip()}
    lines: list[str] = []
    found: set[str] = set()
    brought = 0  # archives that give rows back
    for path in archives_of(workbook):
        arch = read_workbook(path, tabs=(*MOVED_TABS, "Log"))
        a_titles = {t: arch.tables[t].title for t in MOVED_TABS if t in arch.tables}
        a_log = trail_title(arch.sheet_names)
        raw, log_rows = _read(path, a_titles, a_log)
        src = {t: _layout(t, title, raw[t][:20], None) for t, title in a_titles.items()}
        log_when: list[tuple[int, str]] = []
        if a_log and everything:
            src["Log"] = _layout("Log", a_log, log_rows[:20], None)
            raw["Log"] = log_rows
            log_when = _log_when(log_rows, src["Log"])
        sel = select_back(arch, None if everything else wanted, log_when)
        found |= set(sel.orders)
        if not sel.count():
            continue
        book = load(workbook, opts.out)
        clash = _clashes(book, arch, sel)
        if clash:
            raise Refused(f"{path.name}: {clash} is in the book already; nothing was brought back")
        titles = {t: book.tables[t].title for t in MOVED_TABS if t in book.tables}
        missing = [t for t in sel.rows if t != "Log" and t not in titles]
        if missing:
            raise Refused(f"{workbook}: no {', '.join(missing)} tab to bring the archived rows back to "
                          "(poflow init adds it)")
        log_title = trail_title(book.sheet_names)
        head = _read_heads(workbook, [*titles.values(), *([log_title] if log_title else [])])
        dst = {t: _layout(t, title, head[title], book.tables[t]) for t, title in titles.items()}
        if log_title:
            dst["Log"] = _layout("Log", log_title, head[log_title], None)
        edits: list[Edit] = []
        for tab, rows in sel.rows.items():
            if tab not in dst:
                continue
            cells, headers = _carry(src[tab], raw[tab], rows, dst[tab])
            info = book.tables.get(tab)
            after = (info.records_end or info.last_row) if info is not None else 0
            edits += [*headers, AppendRows(dst[tab].title, cells, after=after,
                                           totals_below=bool(info and info.totals_below),
                                           header_row=dst[tab].header_row)]
        moved = ", ".join(f"{len(r)} {t}" for t, r in sel.rows.items())
        if log_title:
            stamp = (opts.now or utc_now()).strftime("%Y-%m-%d %H:%M:%S")
            edits.append(AppendRows(log_title, ((stamp, opts.command, "Archive", path.name, "(brought back)", "",
                                                 moved),)))
        lines.append(f"{len(sel.orders)} order(s) and {moved} row(s) come back from {path.name}")
        brought += 1
        if opts.dry_run:
            continue
        removals = {src[tab].title: rows for tab, rows in sel.rows.items() if tab in dst}

        def build_book(tmp: Path, edits: list[Edit] = edits) -> None:
            from ..store.xlsx_patch import apply_changes

            apply_changes(workbook, tmp, edits)

        def build_archive(tmp: Path, path: Path = path, removals: dict[str, tuple[int, ...]] = removals) -> None:
            apply_removing(path, tmp, removals)

        expected = book.fingerprint if isinstance(book.fingerprint, Fingerprint) else None
        backup = write_pair(workbook, expected, build_book, path, build_archive, force=opts.force,
                            retention=book.settings.backup_retention)
        lines.append(f"{workbook}: written" + (f" (backup {backup})" if backup else ""))
        lines.append(f"{path}: written")
    unknown = sorted(wanted - found)
    in_book = [po for po in unknown if po in here]
    nowhere = [po for po in unknown if po not in here]
    if in_book:
        lines.append(f"in the book already, not archived: {', '.join(in_book)}")
    if nowhere:
        lines.append(f"not in the book nor in any archive of {workbook.name}: {', '.join(nowhere)}")
    if not brought:
        lines.insert(0, "nothing to bring back")
    elif opts.dry_run:
        lines.append("dry run: nothing written")
    return lines


def _read_heads(workbook: Path, titles: Sequence[str]) -> dict[str, list[list[Any]]]:
    source = CalamineSource(workbook)
    try:
        return {t: source.head_rows(t, 40) for t in titles}
    finally:
        source.close()


def _clashes(book: Book, arch: Book, sel: Selection) -> str:
    """The first archived key coming back that the book already has (a number used again), or ''."""
    for tab, attr, key in (("Orders", "orders", "po_number"), ("Invoices", "invoices", "invoice_number"),
                           ("Payments", "payments", "transaction_id")):
        rows = set(sel.rows.get(tab, ()))
        have = {getattr(r, key) for r in getattr(book, attr)}
        for r in getattr(arch, attr):
            if r.row in rows and getattr(r, key) in have:
                return f"{tab} {getattr(r, key)}"
    return ""


ARCHIVED_ROW = 10_000_000  # rows of the k-th archive are told apart as k * ARCHIVED_ROW + row (Excel stops at 2**20)


def with_archive(book: Book, *, mark: bool = False) -> tuple[Book, list[str]]:
    """The book with its archives' records added, and where each archive's records come from, in words.
    Records keep their archive's row numbers; with `mark`, the k-th archive's rows become
    k * ARCHIVED_ROW + row, so that a finding on one can say which file it is in (`archived_where`)."""
    parts: dict[str, tuple[Any, ...]] = {}
    said = []
    rows_read = book.rows_read
    for k, path in enumerate(archives_of(book.path), start=1):
        arch = read_workbook(path, tabs=MOVED_TABS)
        rows_read += arch.rows_read
        n = 0
        for tab in MOVED_TABS:
            attr = ATTR_OF_TAB[tab]
            recs = getattr(arch, attr)
            if recs and mark:
                recs = tuple(replace(r, row=k * ARCHIVED_ROW + r.row) for r in recs)
            if recs:
                parts[attr] = parts.get(attr, ()) + tuple(recs)
                n += len(recs)
        if n:
            said.append(f"{n} archived record(s) read from {path.name}")
    if not parts:
        return book, said
    merged: dict[str, Any] = {attr: tuple(getattr(book, attr)) + extra for attr, extra in parts.items()}
    return replace(book, rows_read=rows_read, **merged), said


def archived_where(findings: Sequence[Finding], book: Path) -> tuple[Finding, ...]:
    """Findings on rows `with_archive(mark=True)` added, told as Excel tells a tab of another workbook:
    tab `[books-archive-2025.xlsx]Invoices` and the archive's own row numbers, in their messages too."""
    names = [p.name for p in archives_of(book)]
    return tuple(_told(f, names) for f in findings)


def _told(finding: Finding, names: Sequence[str]) -> Finding:

    def where(row: int) -> tuple[str, int]:
        k, r = divmod(row, ARCHIVED_ROW)
        return (names[k - 1] if 0 < k <= len(names) else ""), r

    def in_text(m: re.Match[str]) -> str:
        name, r = where(int(m.group(2)))
        return f"{m.group(1)}{r} of {name}" if name else m.group(0)

    message = re.sub(r"(\brows? )(\d{8,})", in_text, finding.message)
    if finding.row < ARCHIVED_ROW:
        return finding if message == finding.message else replace(finding, message=message)
    name, row = where(finding.row)
    return replace(finding, tab=f"[{name}]{finding.tab}", row=row, message=message)


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



__all__ = ["ARCHIVED_ROW", "archive", "archive_path", "archived_transactions", "archived_where", "archives_of",
           "unarchive", "where_is", "with_archive"]
