"""The wording of every email poflow sends: built-in defaults, a person's own in the Templates tab.

Placeholders are `{buyer}`, `{po}`, `{document}`, `{due_date}`, `{amount}`, `{seller}` and `{days}`;
`check_mail` (run by validate) reports an unknown placeholder, an unknown template name, a stray brace,
and Settings values the mail commands cannot use.
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from ..findings import Finding, finding
from ..reader import Book
from ..records import Template

PLACEHOLDERS = ("buyer", "po", "document", "due_date", "amount", "seller", "days")
DOCUMENT_TEMPLATES = ("quote", "linesheet", "confirmation", "acknowledgement", "deposit invoice", "invoice",
                      "credit note", "statement", "packing slip")
SECURITY_VALUES = ("", "tls", "starttls")

_SIGN = "\n\nKind regards,\n{seller}"
DEFAULTS: dict[str, tuple[str, str]] = {
    "quote": ("Quote {document} from {seller}",
              "Dear {buyer},\n\nplease find attached our quote {document} for {amount}." + _SIGN),
    "linesheet": ("Line sheet {document} from {seller}",
                  "Dear {buyer},\n\nplease find attached our current line sheet with case packs, minimum "
                  "quantities and tier prices." + _SIGN),
    "confirmation": ("Order confirmation {document} for your order {po}",
                     "Dear {buyer},\n\nplease find attached our order confirmation {document} for {amount}.\n"
                     "Please check it and reply \"approved\" to this email so that we can go ahead." + _SIGN),
    "acknowledgement": ("Order acknowledgement {document} for PO {po}",
                        "Dear {buyer},\n\nplease find attached our acknowledgement {document} of your PO {po}: "
                        "what we ship of each line and when." + _SIGN),
    "deposit invoice": ("Deposit invoice {document} for PO {po}",
                        "Dear {buyer},\n\nplease find attached our deposit invoice {document} for {amount}, due "
                        "on receipt ({due_date}). We ship once it is paid." + _SIGN),
    "invoice": ("Invoice {document} for PO {po}, due {due_date}",
                "Dear {buyer},\n\nplease find attached invoice {document} for your PO {po}: {amount}, due on "
                "{due_date}." + _SIGN),
    "credit note": ("Credit note {document} for PO {po}",
                    "Dear {buyer},\n\nplease find attached our credit note {document} for {amount}." + _SIGN),
    "statement": ("Statement of account {document}",
                  "Dear {buyer},\n\nplease find attached your statement of account; {amount} is open." + _SIGN),
    "packing slip": ("Packing slip {document} for PO {po}",
                     "Dear {buyer},\n\nyour goods for PO {po} are on their way; the packing slip is attached." + _SIGN),
    "reminder before": ("Invoice {document} is due on {due_date}",
                        "Dear {buyer},\n\na friendly note: invoice {document} for PO {po}, {amount}, is due on "
                        "{due_date}. If it is on its way already, thank you and please ignore this note." + _SIGN),
    "reminder": ("Reminder: invoice {document} is {days} days overdue",
                 "Dear {buyer},\n\nour invoice {document} for PO {po} was due on {due_date}; {amount} is still "
                 "open. Could you let us know when we can expect payment? The invoice is attached again."
                 + _SIGN),
    "reminder last": ("Final reminder: invoice {document} is {days} days overdue",
                      "Dear {buyer},\n\ninvoice {document} for PO {po} was due on {due_date} and {amount} is still "
                      "open. Your statement of account is attached. Please pay the balance now, or tell us if "
                      "anything stands in the way." + _SIGN),
}

_FIELD = re.compile(r"\{([^{}]*)\}")
_REMINDER = re.compile(r"^reminder(?: ([+-]?\d+))?$")


def _norm_name(name: str) -> str:
    return " ".join(name.strip().lower().replace("_", " ").split())


def template_for(book: Book, name: str, *, step: int | None = None, last: bool = False) -> tuple[str, str]:
    """(subject, body) of a template: the workbook's own row wins, per part, over poflow's default.

    A reminder looks for `reminder N` (its step), then `reminder`, then the default for its place on the ladder.
    """
    own: dict[str, Template] = {_norm_name(t.name): t for t in book.templates}
    names = [name]
    if name == "reminder" and step is not None:
        names = [f"reminder {step}", f"reminder {step:+d}", "reminder"]
    default = DEFAULTS["reminder last" if last else "reminder before" if (step or 0) < 0 else "reminder"] \
        if name == "reminder" else DEFAULTS[name]
    subject, body = default
    for n in names:
        t = own.get(n)
        if t is not None:
            return (t.subject or subject, t.body or body)
    return subject, body


def render(text: str, values: Mapping[str, str]) -> str:
    """Fill the placeholders (an unknown one is left as written; validate reports it)."""
    return _FIELD.sub(lambda m: values.get(m.group(1).strip(), m.group(0)), text)


def template_problems(text: str) -> list[str]:
    """What is wrong with a subject or body: unknown placeholders and stray braces."""
    out = []
    for m in _FIELD.finditer(text):
        if m.group(1).strip() not in PLACEHOLDERS:
            out.append(f"unknown placeholder {m.group(0)}; use {', '.join('{' + p + '}' for p in PLACEHOLDERS)}")
    rest = _FIELD.sub("", text)
    if "{" in rest or "}" in rest:
        out.append("a brace without its pair; placeholders are written {buyer}")
    return out


def known_template(name: str) -> bool:
    """True for a template name poflow uses."""
    n = _norm_name(name)
    return n in DOCUMENT_TEMPLATES or bool(_REMINDER.match(n))


def parse_ladder(text: str) -> tuple[int, ...]:
    """`-3, 1, 7, 15, 30` as sorted steps (days after the due date); ValueError for anything else."""
    steps = []
    for part in re.split(r"[,;\s]+", text.strip()):
        if not part:
            continue
        if not re.fullmatch(r"[+-]?\d{1,4}", part):
            raise ValueError(f"{part!r} is not a number of days")
        steps.append(int(part))
    if not steps:
        raise ValueError("no steps")
    return tuple(sorted(set(steps)))


def check_mail(book: Book) -> list[Finding]:
    """Findings for the Templates tab and the mail Settings (validate runs this)."""
    out: list[Finding] = []
    info = book.table("Templates")
    if info is not None:
        for t in book.templates:
            where = f"{info.title} row {t.row}"
            if t.name and not known_template(t.name):
                header, letter = info.where("name")
                out.append(finding("template", info.title, t.row, header, letter, t.name,
                                   f"{where}: no email uses a template named {t.name!r}; expected one of "
                                   f"{', '.join(DOCUMENT_TEMPLATES)}, reminder, or reminder N for one step"))
            for key in ("subject", "body"):
                for problem in template_problems(getattr(t, key)):
                    header, letter = info.where(key)
                    out.append(finding("template", info.title, t.row, header, letter, getattr(t, key)[:60],
                                       f'{where}, column "{header}": {problem}'))
    s = book.settings
    settings = book.table("Settings")
    title = settings.title if settings is not None else "Settings"
    letter = settings.where("value")[1] if settings is not None else ""
    header = settings.where("value")[0] if settings is not None else "Value"
    try:
        parse_ladder(s.reminder_ladder)
    except ValueError as exc:
        row = s.rows.get("reminder_ladder", 0)
        out.append(finding("setting", title, row, header, letter, s.reminder_ladder,
                           f"Settings row {row} (Reminder Ladder): {exc}; expected days such as -3, 1, 7, 15, 30"))
    for key, label in (("smtp_security", "SMTP Security"), ("imap_security", "IMAP Security")):
        value = str(getattr(s, key)).strip().lower()
        if value not in SECURITY_VALUES:
            row = s.rows.get(key, 0)
            out.append(finding("setting", title, row, header, letter, getattr(s, key),
                               f"Settings row {row} ({label}): {value!r} is not tls, starttls or empty"))
    return out
