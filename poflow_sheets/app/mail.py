"""`--send`, `poflow send`, `poflow remind`, `poflow inbox` and `poflow import-po`: the mail commands' bodies.

The order of a sending run is what keeps it honest: read the settings and connect and log in first (a wrong
password, an unreachable server or an untrusted certificate ends the run before anything is written), then
issue (one safe write), then send each message, then record every message in the Messages tab (one more
write): what reached the server as `sent`, what the server refused as `failed` (tried again on the next
sending run). With --dry-run nothing is sent or written but the .eml files, in `<documents>/outbox/`.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from email.utils import make_msgid
from pathlib import Path

from ..changeset import ChangeSet, RowAppend
from ..documents.model import Document
from ..documents.pdf import render_pdf
from ..errors import Refused
from ..findings import Finding
from ..mail.compose import (
    Outgoing,
    build_email,
    document_message,
    failed_documents,
    locate,
    need_recipients,
    reached,
    recipients,
    record,
    ref_of_document,
    reminder_message,
)
from ..mail.ladder import due_reminders
from ..mail.templates import parse_ladder
from ..mail.transport import Server, Smtp, smtp_server
from ..mailer import MailError
from ..reader import Book, read_workbook
from ..records import Message
from .workbook import SendOptions, WriteOptions, change_workbook, load, utc_now
from .write import apply_changeset, check_writable, dated_pdf_path, pdf_path, write_pdf


@dataclass
class MailRun:
    """What a mail command did: the lines to show and the exit status (1: something needs a person)."""

    lines: list[str] = field(default_factory=list)
    exit_status: int = 0


class Lines(list[str]):
    """Lines to show that also carry an exit status (1 when a send failed), for the issuing commands."""

    exit_status = 0


def _lines(lines: list[str], run: MailRun) -> Lines:
    out = Lines(lines + run.lines)
    out.exit_status = run.exit_status
    return out


def _docs_dir(target: Path, opts: WriteOptions) -> Path:
    return opts.out_dir or target.parent / "documents"


def _target(workbook: Path, opts: WriteOptions) -> Path:
    return opts.output or workbook


def _server(book: Book, send: SendOptions) -> Server:
    return smtp_server(book.settings, os.environ, send.ca_file)


def _sender(book: Book, send: SendOptions) -> str:
    try:
        return _server(book, send).sender
    except MailError:  # a dry run needs no server
        return book.settings.seller_email or "poflow@localhost"


def _now(opts: WriteOptions) -> datetime:
    return opts.now or utc_now()


def _files(book: Book, items: Sequence[Outgoing], docs: Path, memory: dict[str, bytes],
           lines: list[str]) -> tuple[list[Outgoing], dict[str, bytes]]:
    """The PDFs each message attaches (from memory or the documents folder); a message whose own document
    has no PDF is left out with a line saying so."""
    data = dict(memory)
    keep = []
    for item in items:
        missing = []
        for number in item.attach:
            if number not in data:
                path = pdf_path(docs, number)
                if path.is_file():
                    data[number] = path.read_bytes()
                else:
                    missing.append(str(path))
        if missing and item.kind != "reminder":
            lines.append(f"{item.document}: not sent: no PDF at {missing[0]} (issue it again, or pass --out DIR)")
            continue
        keep.append(replace(item, attach=tuple(n for n in item.attach if n in data)) if missing else item)
    return keep, data


def _deliver(book: Book, items: Sequence[Outgoing], pdfs: dict[str, bytes], *, opts: WriteOptions, today: date,
             conn: Smtp | None, docs: Path) -> MailRun:
    """Send (or with --dry-run write as .eml) each message, then record them all in the Messages tab."""
    send = opts.send or SendOptions()
    run = MailRun()
    sender = conn.server.sender if conn is not None else _sender(book, send)
    domain = sender.rpartition("@")[2] or None
    now = _now(opts)
    records: list[Message] = []
    lost = ""
    for item in items:
        mid = make_msgid("poflow", domain=domain)
        msg = build_email(item, sender=sender, message_id=mid, reply_to=book.settings.seller_email,
                          attachments=[(f"{n}.pdf", pdfs[n]) for n in item.attach])
        what = item.document + (f" (reminder, step {item.step:+d})" if item.step is not None else "")
        if opts.dry_run or conn is None:
            name = item.document + (f"-reminder-step{item.step}" if item.step is not None else "")
            path = docs / "outbox" / f"{pdf_path(Path(), name).stem}.eml"
            write_pdf(path, bytes(msg))
            run.lines.append(f"would send {what} to {', '.join(item.to)}: wrote {path}")
            continue
        refused: dict[str, str] = dict.fromkeys(item.to, lost) if lost else {}
        if not lost:
            try:
                refused = conn.send(msg, item.to)
            except MailError as exc:  # the connection broke: this and every later message failed
                lost = str(exc)
                refused = dict.fromkeys(item.to, lost)
        took = tuple(a for a in item.to if a not in refused)
        if took:
            records.append(record(replace(item, to=took), sender=sender, message_id=mid, status="sent", now=now,
                                  today=today))
            run.lines.append(f"sent {what} to {', '.join(took)} ({mid})")
        if refused:
            error = lost or "; ".join(f"{a}: {why}" for a, why in refused.items())
            records.append(record(replace(item, to=tuple(refused)), sender=sender, message_id=mid, status="failed",
                                  now=now, today=today, error=error))
            run.exit_status = 1
            run.lines.append(f"{what}: NOT sent to {', '.join(refused)}: {error} (recorded; tried again next run)")
    if records:
        cs = ChangeSet(appends=[RowAppend("Messages", r, r.message_id) for r in records])
        run.lines += apply_changeset(book, cs, command=opts.command, now=now, force=opts.force, sheets=False,
                                     out_dir=docs, output=None)
    return run


def _retries(book: Book, skip: Sequence[str], lines: list[str]) -> list[Outgoing]:
    """Messages for documents whose earlier send failed, to the addresses not reached since."""
    out = []
    for number in failed_documents(book):
        if number in skip:
            continue
        try:
            ref = locate(book, number)
        except Refused as exc:
            lines.append(f"cannot retry {number}: {exc}")
            continue
        got = reached(book, number)
        to = [a for a in recipients(book, ref) if a.lower() not in got]
        if to:
            lines.append(f"{number}: trying again (an earlier send failed)")
            out.append(document_message(book, ref, to))
    return out


def _messages_for(book: Book, numbers: Sequence[str], again: bool, lines: list[str]) -> list[Outgoing]:
    out = []
    for number in numbers:
        ref = locate(book, number)
        to = need_recipients(book, ref)
        got = reached(book, ref.number)
        todo = list(to) if again else [a for a in to if a.lower() not in got]
        if not todo:
            when = ", ".join(f"{a} on {d}" for a, d in got.items() if a in {t.lower() for t in to})
            lines.append(f"{ref.number} was sent already ({when}); --again sends it again")
            continue
        out.append(document_message(book, ref, todo))
    return out


def _connected(book: Book, opts: WriteOptions) -> Smtp | None:
    """An SMTP session logged in, or None for a dry run; MailError (exit 2) before anything is written."""
    if opts.dry_run:
        return None
    return Smtp(_server(book, opts.send or SendOptions())).__enter__()


def issue_and_send(workbook: Path, compute: Callable[[Book], ChangeSet], opts: WriteOptions) -> list[str]:
    """An issuing command with --send: connect, issue (the usual safe write), email each document issued."""
    send = opts.send or SendOptions()
    target = _target(workbook, opts)
    if not opts.dry_run:
        check_writable(workbook, opts.output)
    book = read_workbook(workbook, tabs=("Settings",))  # the mail settings, to connect before writing
    captured: list[tuple[Book, ChangeSet]] = []

    def wrapped(b: Book) -> ChangeSet:
        cs = compute(b)
        for doc in cs.documents:  # a document nobody can receive is refused before anything is written
            need_recipients(b, ref_of_document(b, doc))
        captured.append((b, cs))
        return cs

    conn = _connected(book, opts)
    try:
        lines = change_workbook(workbook, wrapped, command=opts.command, out=opts.out, force=opts.force,
                                dry_run=opts.dry_run, sheets=opts.sheets, out_dir=opts.out_dir, output=opts.output,
                                now=opts.now)
        before, cs = captured[-1]
        docs = _docs_dir(target, opts)
        issued: list[Document] = list(cs.documents)
        if opts.dry_run:
            memory = {d.number: render_pdf(d) for d in issued}
            items = [document_message(before, ref, need_recipients(before, ref))
                     for ref in (ref_of_document(before, d) for d in issued)]
            items, pdfs = _files(before, items, docs, memory, lines)
            return _lines(lines, _deliver(before, items, pdfs, opts=opts, today=_today_of(issued), conn=None, docs=docs))
        after = load(target)
        items = _messages_for(after, [d.number for d in issued], send.again, lines)
        items += _retries(after, [d.number for d in issued], lines)
        if not items:
            return lines + (["nothing to send"] if not issued else [])
        items, pdfs = _files(after, items, docs, {}, lines)
        return _lines(lines, _deliver(after, items, pdfs, opts=opts, today=_today_of(issued), conn=conn, docs=docs))
    finally:
        if conn is not None:
            conn.close()


def _today_of(docs: Sequence[Document]) -> date:
    return docs[0].issue_date if docs else date.today()


def send(workbook: Path, numbers: Sequence[str], today: date, opts: WriteOptions) -> MailRun:
    """`poflow send`: documents already issued, by number (and every earlier failed send, tried again)."""
    opts = replace(opts, send=opts.send or SendOptions())
    target = _target(workbook, opts)
    if not opts.dry_run:
        check_writable(target)
    book = load(target)
    lines: list[str] = []
    items = _messages_for(book, numbers, bool(opts.send and opts.send.again), lines)
    items += _retries(book, numbers, lines)
    docs = _docs_dir(target, opts)
    items, pdfs = _files(book, items, docs, {}, lines)
    if not items:
        return MailRun([*lines, "nothing to send"])
    conn = _connected(book, opts)
    try:
        run = _deliver(book, items, pdfs, opts=opts, today=today, conn=conn, docs=docs)
    finally:
        if conn is not None:
            conn.close()
    return MailRun(lines + run.lines, run.exit_status)


def remind(workbook: Path, today: date, opts: WriteOptions) -> MailRun:
    """`poflow remind`: the reminder step due for each unpaid invoice (the last step with the statement)."""
    from ..documents.statement import statement_document

    opts = replace(opts, send=opts.send or SendOptions())
    target = _target(workbook, opts)
    if not opts.dry_run:
        check_writable(target)
    book = load(target)
    try:
        ladder = parse_ladder(book.settings.reminder_ladder)
    except ValueError as exc:
        raise Refused(f"{target}: Settings Reminder Ladder {book.settings.reminder_ladder!r}: {exc}") from None
    due, held = due_reminders(book, today, ladder)
    lines = [f"{h.invoice.invoice_number}: no reminder: {h.reason}" for h in held]
    docs = _docs_dir(target, opts)
    memory: dict[str, bytes] = {}
    statements: list[str] = []
    items: list[Outgoing] = []
    for r in due:
        ref = locate(book, r.invoice.invoice_number)
        to = recipients(book, ref)
        if not to:
            lines.append(f"{r.invoice.invoice_number}: no reminder: buyer {ref.buyer_id!r} has no Email or Billing "
                         "Email in the Buyers tab")
            continue
        statement = ""
        if r.last and ref.buyer_id:
            doc = statement_document(book, ref.buyer_id, today, f"ST-{ref.buyer_id}-{today.isoformat()}")
            memory[doc.number] = render_pdf(doc)
            statement = doc.number
            statements.append(doc.number)
        items.append(reminder_message(book, r, to, statement))
    items += _retries(book, [], lines)
    items, pdfs = _files(book, items, docs, memory, lines)
    if not items:
        return MailRun([*lines, "no reminder due today"])
    conn = _connected(book, opts)
    try:
        if conn is not None:  # logged in: the statements attached are kept beside the other documents
            for number in statements:
                write_pdf(dated_pdf_path(docs, number, today), memory[number])
        run = _deliver(book, items, pdfs, opts=opts, today=today, conn=conn, docs=docs)
    finally:
        if conn is not None:
            conn.close()
    return MailRun(lines + run.lines, run.exit_status)


def inbox(workbook: Path, today: date, *, source: Path | None = None, ca_file: Path | None = None,
          opts: WriteOptions) -> MailRun:
    """`poflow inbox`: read the messages not read before (IMAP, or an .mbox file or .eml folder), record
    approvals, keep POs and evidence, list the rest for a person."""
    from ..mail.inbox import read_messages
    from ..mail.local import read_local
    from ..mail.transport import fetch_imap, imap_server

    target = _target(workbook, opts)
    if not opts.dry_run:
        check_writable(target)
    book = load(target)
    if source is not None:
        fetched = read_local(source)
    else:
        fetched = fetch_imap(imap_server(book.settings, os.environ, ca_file), [m.source for m in book.messages])
    now = _now(opts)
    docs = _docs_dir(target, opts)
    res = read_messages(book, fetched, today=today, now=now, mail_dir=docs / "mail", workbook=workbook)
    run = MailRun(exit_status=1 if res.needs_person else 0)
    if res.read == 0:
        run.lines.append("no new messages")
        return run
    run.lines += res.approved
    run.lines += [f"saved: {s}" for s in res.saved]
    run.lines += res.noted
    run.lines += [f"for a person: {r}" for r in res.review]
    run.lines.append(f"{res.read} new message(s): {len(res.approved)} approval(s), {len(res.review)} for a person, "
                     f"{len(res.saved)} PO file(s) saved, {len(res.noted)} bounce(s) and auto-replies, "
                     f"{res.ignored} not about orders")
    if opts.dry_run:
        run.lines.append("dry run: nothing recorded, no file kept")
        return run
    for f in res.files:
        write_pdf(f.path, f.data)
    run.lines += apply_changeset(book, res.changes, command=opts.command, now=now, force=opts.force, sheets=False,
                                 out_dir=docs, output=None)
    return run


def import_po(workbook: Path, file: Path, buyer: str, today: date, *, po: str = "",
              opts: WriteOptions) -> tuple[list[str], tuple[Finding, ...]]:
    """`poflow import-po`: a buyer's PO spreadsheet as Orders and Lines rows, and what the checks found."""
    from ..mail.po_import import import_po as compute
    from ..mail.po_import import read_po_file

    table = read_po_file(file)
    found: list[tuple[Finding, ...]] = []

    def run(book: Book) -> ChangeSet:
        result = compute(book, table, buyer, today, po=po)
        found.append(result.findings)
        return result.changes

    lines = change_workbook(workbook, run, command=opts.command, out=opts.out, force=opts.force, dry_run=opts.dry_run,
                            sheets=False, out_dir=opts.out_dir, output=opts.output, now=opts.now)
    return lines, found[-1] if found else ()
