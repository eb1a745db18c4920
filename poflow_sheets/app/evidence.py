"""`poflow evidence`: the edge that reads what the pack holds and writes it (the pack itself is evidence/).

Reads the workbook, the order's documents in `documents/` beside it (by number), the claims' photos and
files (by the path the Claims tab keeps, from the workbook's folder), poflow's Log tab, and a Messages tab
when the workbook has one (read by its header names only, so whatever the mail feature records there is
picked up as it lands). Writes `EVIDENCE-PO.pdf` and `EVIDENCE-PO.zip`, each atomically; the workbook is only
read, so a rerun on the same workbook and files writes the same bytes.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from ..console import Out
from ..evidence import Found, LogEntry, MessageRow, assemble, pack_zip, pdf_date, render_pack, wanted
from ..reader import open_workbook
from ..schema import norm
from .trail import cell_text, entries, trail_title
from .workbook import load
from .write import pdf_path, write_pdf


def _rows(workbook: Path) -> tuple[tuple[str, list[list[object]]], tuple[str, list[list[object]]]]:
    """(title, rows) of poflow's Log tab and of a Messages tab; ("", []) for one the workbook lacks."""
    wb = open_workbook(workbook)
    try:
        names = {norm(n): n for n in wb.sheet_names}
        out: list[tuple[str, list[list[object]]]] = []
        for title in (trail_title(wb.sheet_names) or "", names.get(norm("Messages"), "")):  # the one trail rule
            rows: list[list[object]] = [list(r) for r in wb.get_sheet_by_name(title).to_python()] if title else []
            out.append((title, rows))
    finally:
        wb.close()
    return out[0], out[1]


def _header(rows: list[list[object]]) -> int:
    return next((i for i, r in enumerate(rows) if any(v not in ("", None) for v in r)), -1)


def read_log(rows: list[list[object]]) -> list[LogEntry]:
    """poflow's Log rows (read by `trail.entries`, the one Log reader) as the pack lists them."""
    return [LogEntry(row=e.row, when=e.when, command=e.command, tab=e.tab, key=e.key, column=e.column, old=e.old,
                     new=e.new) for e in entries(rows)]


def read_messages(rows: list[list[object]]) -> list[MessageRow]:
    """A Messages tab's rows as (header, text) pairs, whatever its columns are."""
    h = _header(rows)
    if h < 0:
        return []
    head = [cell_text(v) for v in rows[h]]
    out = []
    for n, r in enumerate(rows[h + 1:], start=h + 2):
        cells = tuple((head[i], cell_text(v)) for i, v in enumerate(r) if i < len(head) and head[i])
        if any(t for _, t in cells):
            out.append(MessageRow(n, cells))
    return out


def _shown(path: Path, base: Path) -> str:
    try:
        return path.resolve().relative_to(base).as_posix()
    except ValueError:
        return str(path)


def evidence(workbook: Path, po: str, *, out_dir: Path | None = None, documents: Path | None = None,
             out: Out | None = None, with_archive: bool = False) -> list[str]:
    """Build the evidence pack of one order: EVIDENCE-PO.pdf (files attached) and EVIDENCE-PO.zip
    (`with_archive`: the order's records and Log entries moved to the archive workbooks too)."""
    book = load(workbook, out)
    said: list[str] = []
    archived_log: list[LogEntry] = []
    if with_archive:
        from .archive import archives_of, where_is
        from .archive import with_archive as merged

        home = where_is(book, po)
        book, said = merged(book)
        if home and home != book.path.name:
            said.append(f"PO {po} now lives in {home}")
        for arch in archives_of(workbook):
            (_title, rows), _ = _rows(arch)
            archived_log += read_log(rows)
    base = workbook.resolve().parent
    docs = documents or workbook.parent / "documents"
    found: dict[str, Found] = {}
    data: dict[str, bytes] = {}
    items = wanted(book, po)
    for w in items:
        if w.document:
            path = pdf_path(docs, w.key)
        else:
            given = Path(w.key).expanduser()
            path = given if given.is_absolute() else base / given
        if not path.is_file():
            continue
        raw = path.read_bytes()
        found[w.key] = Found(found_at=_shown(path, base), sha256=hashlib.sha256(raw).hexdigest(), size=len(raw),
                             issued=pdf_date(raw) if w.document else None)
        data[w.name] = raw
    (log_title, log_rows), (msg_title, msg_rows) = _rows(workbook)
    pack = assemble(book, po, files=found, log=archived_log + read_log(log_rows),
                    log_source=f"the '{log_title}' tab of {workbook.name}" if log_title else "",
                    messages=read_messages(msg_rows), messages_source=msg_title,
                    workbook_sha256=hashlib.sha256(workbook.read_bytes()).hexdigest())
    pdf = render_pack(pack, data)
    target = out_dir or docs
    pack_pdf, zip_path = target / f"{pack.name}.pdf", target / f"{pack.name}.zip"
    write_pdf(pack_pdf, pdf)
    write_pdf(zip_path, pack_zip(pack, pdf, data))
    lines = [*said, f"PO {pack.po}: evidence pack of {len(pack.items)} item(s), {len(pack.files)} file(s) attached, "
             f"{len(pack.log)} Log entr{'y' if len(pack.log) == 1 else 'ies'}"]
    missing = [m for i in pack.items for m in i.missing]
    if missing:
        lines.append(f"not found (listed as missing in the pack): {', '.join(missing)}")
    lines += [f"wrote {pack_pdf}", f"wrote {zip_path}"]
    return lines
