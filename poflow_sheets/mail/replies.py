"""What a message read says (pure): its new text without the quoted history and the signature, whether
that text is a clear approval, and whether the message is a bounce or an auto-reply.

An approval is strict on purpose: after greetings, thanks, a sign-off and the sender's own name are set
aside, nothing may remain but approval phrases ("approved", "yes, approved", "ok to proceed", and the same in
Spanish, French and German). A negation, a question, a condition ("approved except line 3") or any other
word makes it something a person must read.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass
from email.message import EmailMessage, Message
from email.utils import getaddresses
from typing import Literal

# Lines where the quoted history starts (everything from there on is the earlier message).
_QUOTE_HEADS = [
    r"^on .{0,200}\bwrote:?\s*$",                           # On Tue, 1 Dec 2026, Anna <a@b> wrote:
    r"^el .{0,200}\bescribi[oó]:?\s*$",                     # El mar, 1 dic 2026, Anna escribió:
    r"^le .{0,200}\ba [ée]crit\s*:?\s*$",                   # Le mar. 1 déc. 2026, Anna a écrit :
    r"^am .{0,200}\bschrieb .{0,100}:?\s*$", r"^am .{0,200}\bschrieb:?\s*$",   # Am 01.12.2026 schrieb Anna:
    r"^-{2,}\s*(original message|ursprüngliche nachricht|message d'origine|mensaje original|"
    r"forwarded message|weitergeleitete nachricht)\s*-{2,}\s*$",
    r"^_{10,}\s*$",                                          # Outlook's rule above the quoted message
    r"^(from|von|de|da)\s*:\s.*$",                           # an Outlook header block
]
_QUOTE_RE = [re.compile(p, re.I) for p in _QUOTE_HEADS]
_SIGNATURE = re.compile(
    r"^(--\s*|sent from my .*|sent from .* for (ios|android)|get outlook for .*|enviado desde mi .*|"
    r"envoy[ée] de mon .*|von meinem .* gesendet|gesendet von .*)$", re.I)

def _words_of(text: str) -> list[str]:
    return text.split()


# Words that carry no decision: greetings, thanks, sign-offs, assent (folded: lower case, no accents).
FILLER = set(_words_of("""
thanks thank you thx ty tks many much very so lot lots a cheers regards best kind kindest warm warmest wishes
hi hello hey dear all team everyone folks sir madam yes yeah yep yup ok okay k sure great perfect fine good
please pls the and also both of for it this that confirmation order oc our your from here we i us
gracias muchas mil saludos hola si buenas buenos dias tardes estimado estimada estimados perfecto vale y
cordiales un abrazo atentamente
merci beaucoup bonjour cordialement salut oui parfait bien bonne journee et tres amicalement madame monsieur
danke vielen dank schon herzlichen gruss grusse grussen hallo liebe lieber mfg freundlichen viele beste ja gut
prima super und sehr passt
"""))
NEGATION = set(_words_of("""
not no nope don't dont cannot can't cant never neither nor without except but however unless
no nunca sin excepto pero salvo menos
pas non ne ni jamais sauf mais sans
nicht nein kein keine keinen nie ohne ausser aber jedoch
"""))
# Approval phrases as word sequences (folded).
APPROVALS = [tuple(p.split()) for p in """
approved|approve|i approve|we approve|ok to proceed|okay to proceed|good to proceed|please proceed|proceed|
go ahead|you may proceed|you can proceed|confirmed|i confirm|we confirm|all approved|approved as is|
aprobado|aprobada|aprobados|apruebo|aprobamos|ok para proceder|pueden proceder|puede proceder|adelante|
confirmado|confirmada|de acuerdo|
approuve|approuvee|approuves|j approuve|nous approuvons|bon pour accord|valide|validee|ok pour proceder|
vous pouvez proceder|d accord|confirme|je confirme|c est valide|c est approuve|c est bon|
genehmigt|freigegeben|bestatigt|ich genehmige|wir genehmigen|einverstanden|ok zum fortfahren|
sie konnen fortfahren|geht in ordnung|in ordnung
""".replace("\n", "").split("|") if p.strip()]
_LONGEST_FIRST = sorted(APPROVALS, key=len, reverse=True)

Verdict = Literal["approval", "other"]


@dataclass(frozen=True)
class Reading:
    """A reply's verdict and why."""

    verdict: Verdict
    reason: str


def fold(text: str) -> str:
    """Lower case, accents removed (é -> e, ß -> ss), typographic quotes made plain."""
    text = unicodedata.normalize("NFKD", text.replace("ß", "ss").replace("’", "'").replace("‘", "'"))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower()


def body_text(msg: Message) -> str:
    """The message's text: its text/plain part, else its HTML with quoted blocks dropped and tags stripped."""
    if isinstance(msg, EmailMessage):
        part = msg.get_body(("plain",))
        if part is not None:
            return str(part.get_content())
        part = msg.get_body(("html",))
        if part is not None:
            return html_to_text(str(part.get_content()))
        return ""
    payload = msg.get_payload(decode=True)
    return payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""


def html_to_text(page: str) -> str:
    """Readable text of an HTML mail body, without the quoted earlier message."""
    page = re.sub(r"(?is)<(script|style|head)\b.*?</\1>", " ", page)
    page = re.sub(r"(?is)<blockquote\b.*", " ", page)  # the quoted history and all below it
    page = re.sub(r"(?is)<div[^>]*(gmail_quote|divRplyFwdMsg|OutlookMessageHeader)[^>]*>.*", " ", page)
    page = re.sub(r"(?i)<br\s*/?>|</p>|</div>|</li>|</tr>", "\n", page)
    return html.unescape(re.sub(r"<[^>]+>", "", page))


def new_text(body: str) -> str:
    """The text the sender wrote now: quoted lines, the quoted history and the signature left out."""
    out: list[str] = []
    for line in body.replace("\r\n", "\n").split("\n"):
        plain = line.strip()
        if plain.startswith(">"):
            continue
        if any(r.match(plain) for r in _QUOTE_RE):
            break
        if _SIGNATURE.match(plain) or line.rstrip("\n") == "-- ":
            break
        out.append(line.rstrip())
    return "\n".join(out).strip()


def _words(text: str) -> list[str]:
    return re.findall(r"[a-z0-9]+(?:'[a-z]+)?", fold(text).replace("'", " '").replace(" '", " "))


def classify(text: str, names: tuple[str, ...] = ()) -> Reading:
    """`approval` only for a clear approval and nothing else; `other` with the reason for everything else."""
    if not text.strip():
        return Reading("other", "no new text")
    if "?" in text:
        return Reading("other", "asks a question")
    own = {w for n in names for w in _words(n)}
    lines = [ln for ln in text.splitlines() if ln.strip()]
    if len(lines) > 1 and _looks_like_name(lines[-1]):
        lines = lines[:-1]  # a sign-off line: "Anna" or "Anna Berg"
    words = [w for w in _words(" ".join(lines)) if w not in own]
    for w in words:
        if w in NEGATION:
            return Reading("other", f"says {w!r}")
    found = False
    i = 0
    while i < len(words):
        for phrase in _LONGEST_FIRST:
            if tuple(words[i:i + len(phrase)]) == phrase:
                found = True
                i += len(phrase)
                break
        else:
            if words[i] in FILLER:
                i += 1
                continue
            rest = " ".join(words[i:i + 4])
            return Reading("other", f"says more than an approval (\"{rest}\")")
    if not found:
        return Reading("other", "no approval in it")
    return Reading("approval", "approved")


def _looks_like_name(line: str) -> bool:
    parts = re.findall(r"[^\W\d_]+", line)
    text = line.strip().rstrip(",.!")
    return 0 < len(parts) <= 3 and len(text) <= 40 and all(p[0].isupper() for p in parts) and \
        not any(fold(p) in NEGATION or any(fold(p) == a[0] for a in APPROVALS) for p in parts)


# Bounces and auto-replies --------------------------------------------------------------------------

_BOUNCE_SENDERS = ("mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon")
_BOUNCE_SUBJECT = re.compile(r"undeliver|delivery status notification|delivery (has )?failed|returned mail|"
                             r"failure notice|mail delivery failed|unzustellbar|non remis|no se puede entregar|"
                             r"no entregado|nicht zustellbar", re.I)
_AUTO_SUBJECT = re.compile(r"^(auto(matic)?[ -]?(reply|response|antwort)|autoreply|out of (the )?office|"
                           r"abwesenheit|automatische antwort|r[ée]ponse automatique|absence|"
                           r"respuesta autom[aá]tica|fuera de la oficina|auto:)", re.I)


def _sender_local(msg: Message) -> str:
    pairs = getaddresses([str(msg.get("From", ""))])
    return pairs[0][1].partition("@")[0].lower() if pairs else ""


def is_bounce(msg: Message) -> bool:
    """A delivery failure report (DSN) or a mailer daemon's failure notice."""
    if msg.get_content_type() == "multipart/report" and \
            str(msg.get_param("report-type", "")).lower() == "delivery-status":
        return True
    return _sender_local(msg) in _BOUNCE_SENDERS and bool(_BOUNCE_SUBJECT.search(str(msg.get("Subject", ""))))


def is_auto_reply(msg: Message) -> bool:
    """An out-of-office or other automatic answer (RFC 3834 headers, the usual vendor headers and subjects)."""
    auto = str(msg.get("Auto-Submitted", "")).strip().lower()
    if auto and auto != "no":
        return True
    if msg.get("X-Autoreply") or msg.get("X-Autorespond") or msg.get("X-Auto-Response-Suppress") == "All":
        return True
    if str(msg.get("Precedence", "")).strip().lower() in ("auto_reply", "auto-reply"):
        return True
    return bool(_AUTO_SUBJECT.match(str(msg.get("Subject", "")).strip()))


def message_ids(text: str) -> list[str]:
    """The `<...>` message ids in a header value, in order."""
    return re.findall(r"<[^<>\s]+>", text or "")


def bounced_ids(msg: Message) -> list[str]:
    """The Message-IDs of the message a bounce reports on: from the returned message or its headers, then
    the bounce's own In-Reply-To/References."""
    out: list[str] = []
    for part in msg.walk():
        ctype = part.get_content_type()
        if ctype == "message/rfc822":
            payload = part.get_payload()
            inner = payload[0] if isinstance(payload, list) and payload else None
            if isinstance(inner, Message):
                out += message_ids(str(inner.get("Message-ID", "")))
        elif ctype == "text/rfc822-headers":
            raw = part.get_payload(decode=True)
            text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(part.get_payload())
            m = re.search(r"(?im)^message-id:\s*(<[^>]+>)", text)
            if m:
                out.append(m.group(1))
    if not out:  # a plain-text notice that quotes the original headers
        m = re.search(r"(?im)^\s*message-id:\s*(<[^>]+>)", body_text(msg))
        if m:
            out.append(m.group(1))
    return out + message_ids(str(msg.get("In-Reply-To", ""))) + message_ids(str(msg.get("References", "")))
