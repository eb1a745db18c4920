"""What each message read means for the workbook (pure): approvals recorded through `flow.approve`,
everything else listed for a person, buyers' POs saved, bounces and auto-replies tied to what they answer.

Every message read gets one Messages row (so it is never read twice: by Message-ID, or by its Source, the
IMAP UID or a file digest). The .eml of every message that concerns the business is kept as evidence.
"""

from __future__ import annotations

import email
import email.policy
import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from email.message import EmailMessage
from email.utils import getaddresses, parsedate_to_datetime
from pathlib import Path

from .. import flow
from ..changeset import ChangeSet, RowAppend
from ..errors import Refused
from ..mailer import split_addresses
from ..reader import Book
from ..records import Buyer, Message, Order
from ..schema import MessageKind, MessageStatus
from .replies import body_text, bounced_ids, classify, is_auto_reply, is_bounce, message_ids, new_text
from .transport import Fetched

PO_SUFFIXES = (".pdf", ".xlsx", ".xlsm", ".xls", ".ods", ".csv")
APPROVABLE = ("confirmation", "acknowledgement")
TEXT_LIMIT = 500


@dataclass(frozen=True)
class SaveFile:
    """A file to keep: the .eml as evidence, or a PO attachment."""

    path: Path
    data: bytes


@dataclass
class InboxResult:
    """What one run of `poflow inbox` found and what the workbook must record."""

    changes: ChangeSet = field(default_factory=ChangeSet)
    files: list[SaveFile] = field(default_factory=list)
    approved: list[str] = field(default_factory=list)
    review: list[str] = field(default_factory=list)  # for a person, with the text
    saved: list[str] = field(default_factory=list)  # PO attachments kept
    noted: list[str] = field(default_factory=list)  # bounces and auto-replies
    read: int = 0
    ignored: int = 0

    @property
    def needs_person(self) -> bool:
        """True when something waits for a person (exit 1)."""
        return bool(self.review or self.saved or any(n.startswith("bounce") for n in self.noted))


@dataclass(frozen=True)
class _Target:
    """The message (or order) a reply answers."""

    kind: str
    document: str
    po: str
    message_id: str = ""


def parse(data: bytes) -> EmailMessage:
    """Bytes as an EmailMessage (the modern API)."""
    msg = email.message_from_bytes(data, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    return msg


def _header(msg: EmailMessage, name: str) -> str:
    try:
        return re.sub(r"\s+", " ", str(msg.get(name, "") or "")).strip()
    except (ValueError, TypeError, IndexError):  # a malformed header reads as empty
        return ""


def _date(msg: EmailMessage, today: date) -> date:
    try:
        return parsedate_to_datetime(_header(msg, "Date")).date()
    except (TypeError, ValueError, IndexError):
        return today


def _sender(msg: EmailMessage) -> tuple[str, str]:
    pairs = getaddresses([_header(msg, "From")])
    return (pairs[0][0], pairs[0][1].lower()) if pairs else ("", "")


def _buyer_of(book: Book, address: str) -> Buyer | None:
    for b in book.buyers:
        if address and address in {a.lower() for a in split_addresses(f"{b.email}, {b.billing_email}")}:
            return b
    return None


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch in "-_." else "_" for ch in name).strip("._") or "attachment"


def _target(book: Book, msg: EmailMessage, outbound: dict[str, Message]) -> _Target | None:
    for mid in message_ids(_header(msg, "In-Reply-To")) + list(reversed(message_ids(_header(msg, "References")))):
        row = outbound.get(mid)
        if row is not None:
            return _Target(row.kind, row.document_number, row.po_number, mid)
    subject = _header(msg, "Subject")
    for o in book.orders:
        if o.our_ref and o.confirmation_sent_on is not None and \
                re.search(rf"(?<![\w-]){re.escape(o.our_ref)}(?![\w-])", subject, re.I):
            sent = next((m.message_id for m in book.messages if m.direction == "out" and m.kind == "confirmation"
                         and m.document_number == o.our_ref and m.message_id), "")
            return _Target("confirmation", o.our_ref, o.po_number, sent)
    for row in outbound.values():
        if row.document_number and re.search(rf"(?<![\w-]){re.escape(row.document_number)}(?![\w-])", subject, re.I):
            return _Target(row.kind, row.document_number, row.po_number, row.message_id)
    return None


def _attachments(msg: EmailMessage) -> list[tuple[str, bytes]]:
    out = []
    for part in msg.iter_attachments():
        name = part.get_filename() or ""
        if not isinstance(part, EmailMessage) or not name.lower().endswith(PO_SUFFIXES):
            continue
        data = part.get_content()
        if isinstance(data, str):
            data = data.encode("utf-8")
        if isinstance(data, bytes):
            out.append((name, data))
    return out


@dataclass
class _Run:
    """The state of one inbox run."""

    book: Book
    res: InboxResult
    outbound: dict[str, Message]
    orders: dict[str, Order]
    today: date
    stamp: str
    mail_dir: Path
    workbook: Path
    approved_now: set[str] = field(default_factory=set)


def read_messages(book: Book, fetched: Sequence[Fetched], *, today: date, now: datetime, mail_dir: Path,
                  workbook: Path) -> InboxResult:
    """Decide what every message not read before means; nothing is written here."""
    run = _Run(book, InboxResult(), {m.message_id: m for m in book.messages if m.direction == "out" and m.message_id},
               {o.po_number: o for o in book.orders}, today, now.strftime("%Y-%m-%d %H:%M:%S"), mail_dir, workbook)
    seen = {m.message_id for m in book.messages if m.message_id} | {m.source for m in book.messages if m.source}
    for item in fetched:
        msg = parse(item.data)
        mid = (message_ids(_header(msg, "Message-ID")) or [""])[0]
        if item.source in seen or (mid and mid in seen):
            continue
        seen |= {item.source, mid} - {""}
        if mid in run.outbound:
            continue  # our own message (a copy to ourselves): it is recorded as sent
        _read_one(run, item, msg, mid)
    return run.res


def _read_one(run: _Run, item: Fetched, msg: EmailMessage, mid: str) -> None:
    book, res, outbound = run.book, run.res, run.outbound
    res.read += 1
    name, addr = _sender(msg)
    when = _date(msg, run.today)
    digest = hashlib.sha256(item.data).hexdigest()[:8]
    base = Message(direction="in", kind="other", status="ignored", when=run.stamp, date=when, from_addr=addr,
                   to_addr=_header(msg, "To"), subject=_header(msg, "Subject"), message_id=mid, source=item.source)

    def keep(kind: MessageKind, status: MessageStatus, slug: str, **kw: object) -> None:
        path = run.mail_dir / f"{when.isoformat()}-{_safe(slug)}-{digest}.eml"
        res.files.append(SaveFile(path, item.data))
        res.changes.appends.append(RowAppend("Messages", _with(base, kind=kind, status=status, file=str(path), **kw),
                                             mid or item.source))

    if is_bounce(msg):
        hit = next((outbound[i] for i in bounced_ids(msg) if i in outbound), None)
        if hit is None:
            keep("bounce", "review", "bounce", error="a bounce of no message poflow sent")
            res.review.append(f"bounce from {addr} of a message poflow did not send: {base.subject}")
            return
        keep("bounce", "noted", f"bounce-{hit.document_number}", document_number=hit.document_number,
             po_number=hit.po_number, in_reply_to=hit.message_id)
        if hit.row:
            res.changes.update("Messages", hit, "status", "bounced", hit.message_id)
        res.noted.append(f"bounce: {hit.document_number or hit.subject} to {hit.to_addr} did not arrive; "
                         "check the address in the Buyers tab, then `poflow send` it again with --again")
        return
    target = _target(book, msg, outbound)
    if is_auto_reply(msg):
        keep("auto-reply", "noted", "auto-reply", document_number=target.document if target else "",
             po_number=target.po if target else "", in_reply_to=target.message_id if target else "")
        res.noted.append(f"auto-reply from {addr}" + (f" to {target.document}" if target else "") + f": {base.subject}")
        return
    text = new_text(body_text(msg))
    short = text[:TEXT_LIMIT]
    if target is not None and target.kind in APPROVABLE and target.po in run.orders:
        order = run.orders[target.po]
        reading = classify(text, (name, addr.partition("@")[0], _buyer_name(book, order), book.settings.seller_name))
        common: dict[str, object] = dict(document_number=target.document, po_number=target.po,
                                         in_reply_to=target.message_id, text=short)
        if reading.verdict == "approval":
            if target.po in run.approved_now:
                keep("reply", "noted", f"approval-{target.po}", error="approved already in this run", **common)
                return
            try:
                cs = flow.approve(book, target.po, when)
            except Refused as exc:
                keep("reply", "review", f"reply-{target.po}", error=str(exc), **common)
                res.review.append(f"reply from {addr} to {target.document} (PO {target.po}) reads as an approval "
                                  f"but cannot be recorded: {exc}\n    \"{_one(short)}\"")
                return
            run.approved_now.add(target.po)
            res.changes.updates += cs.updates
            keep("reply", "approved", f"approval-{target.po}", **common)
            res.approved.append(f"PO {target.po}: approved on {when.isoformat()} by {addr} "
                                f"(reply to {target.document}; evidence {res.files[-1].path})"
                                + ("" if cs.updates else f"; {'; '.join(cs.messages)}"))
            return
        keep("reply", "review", f"reply-{target.po}", error=f"not an approval: {reading.reason}", **common)
        res.review.append(f"reply from {addr} to {target.document} (PO {target.po}), not an approval "
                          f"({reading.reason}):\n    \"{_one(short)}\"")
        return
    buyer = _buyer_of(book, addr)
    files = _attachments(msg) if buyer is not None else []
    if buyer is not None and files:
        paths = []
        for fname, data in files:
            path = run.mail_dir / _safe(buyer.buyer_id) / f"{when.isoformat()}-{digest}-{_safe(fname)}"
            res.files.append(SaveFile(path, data))
            paths.append(str(path))
        keep("purchase order", "saved", f"po-{buyer.buyer_id}", text=short,
             document_number=target.document if target else "")
        last = res.changes.appends[-1]
        res.changes.appends[-1] = RowAppend("Messages", _with(last.record, file="; ".join(paths)), last.key)
        for p in paths:
            hint = (f"import it with `poflow import-po {run.workbook} {p} --buyer {buyer.buyer_id}`"
                    if not p.lower().endswith(".pdf") else "a PDF: type its lines into Orders and Lines")
            res.saved.append(f"PO from {buyer.buyer_id} ({addr}): saved {p}; {hint}")
        return
    if target is not None or buyer is not None:
        what = f"reply to {target.document}" if target else f"message from {buyer.buyer_id if buyer else addr}"
        keep("reply" if target else "other", "review", f"message-{target.document if target else 'buyer'}",
             document_number=target.document if target else "", po_number=target.po if target else "",
             in_reply_to=target.message_id if target else "", text=short)
        res.review.append(f"{what} from {addr}: {base.subject}\n    \"{_one(short)}\"")
        return
    res.ignored += 1
    res.changes.appends.append(RowAppend("Messages", base, mid or item.source))


def _buyer_name(book: Book, order: Order) -> str:
    return next((b.name for b in book.buyers if b.buyer_id == order.buyer_id), "")


def _one(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _fields(m: Message) -> dict[str, object]:
    return {k: getattr(m, k) for k in Message.__dataclass_fields__}


def _with(record: object, **kw: object) -> Message:
    assert isinstance(record, Message)
    return Message(**{**_fields(record), **kw})  # type: ignore[arg-type]
