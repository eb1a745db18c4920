"""Email the reconciliation summary with the report attached (smtplib, one message, one line on failure).

The password comes only from the environment (`POFLOW_SMTP_PASSWORD`), never from the workbook. It is
never printed, logged, put in an exception message or chained into a traceback: every SMTP or network
error becomes one `MailError` line that names the server, the user and what to check.
"""

from __future__ import annotations

import ipaddress
import logging
import mimetypes
import re
import smtplib
import socket
import ssl
from base64 import b64encode
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formatdate, getaddresses, make_msgid
from pathlib import Path

from .errors import PoflowError
from .records import Settings

log = logging.getLogger(__name__)

ENV_HOST = "POFLOW_SMTP_HOST"
ENV_PORT = "POFLOW_SMTP_PORT"
ENV_USER = "POFLOW_SMTP_USER"
ENV_PASSWORD = "POFLOW_SMTP_PASSWORD"  # the variable's name; the password itself is read from it
ENV_FROM = "POFLOW_SMTP_FROM"
ENV_TO = "POFLOW_REPORT_TO"
SMTPS_PORT = 465

_MIME = {
    ".xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ".csv": "text/csv",
    ".json": "application/json",
    ".pdf": "application/pdf",
}


class MailError(PoflowError):
    """The report could not be emailed; the message is one line and never holds the password."""


@dataclass(frozen=True)
class SmtpSettings:
    """Where and as whom to send; `repr` shows whether a password is set, never the password."""

    host: str
    port: int
    user: str
    password: str
    sender: str
    to: tuple[str, ...]
    starttls: bool | None = None

    def __repr__(self) -> str:
        return (f"SmtpSettings(host={self.host!r}, port={self.port}, user={self.user!r}, "
                f"password={'<set>' if self.password else '<not set>'}, sender={self.sender!r}, "
                f"to={self.to!r}, starttls={self.starttls!r})")

    __str__ = __repr__


def split_addresses(text: str) -> tuple[str, ...]:
    """Addresses from `a@x.com, B <b@y.com>; c@z.com` (comma or semicolon separated)."""
    pairs = getaddresses([text.replace(";", ",")])
    return tuple(addr for _, addr in pairs if addr)


def smtp_settings(settings: Settings, env: Mapping[str, str]) -> SmtpSettings:
    """Mail settings: the environment's POFLOW_SMTP_* / POFLOW_REPORT_TO first, then the workbook's Settings.

    The sender is POFLOW_SMTP_FROM, else the Settings' Seller Email, else the SMTP user. Raises MailError
    naming the Settings key and the variable when the server or the recipients are missing.
    """

    def pick(var: str, value: str) -> str:
        return (env.get(var) or "").strip() or value.strip()

    host = pick(ENV_HOST, settings.smtp_host)
    if not host:
        raise MailError(f"no mail server: fill SMTP Host on the Settings tab or set {ENV_HOST}")
    port_text = pick(ENV_PORT, str(settings.smtp_port or ""))
    try:
        port = int(port_text) if port_text else 587
    except ValueError:
        raise MailError(f"SMTP port {port_text!r} is not a number (Settings SMTP Port or {ENV_PORT})") from None
    if not 0 < port < 65536:
        raise MailError(f"SMTP port {port} is out of range 1-65535 (Settings SMTP Port or {ENV_PORT})")
    user = pick(ENV_USER, settings.smtp_user)
    to = split_addresses(pick(ENV_TO, settings.report_to))
    if not to:
        raise MailError(f"no recipient: fill Report To on the Settings tab or set {ENV_TO}")
    sender = pick(ENV_FROM, settings.seller_email) or (user if "@" in user else "")
    if not sender:
        raise MailError(f"no sender address: set {ENV_FROM} or fill Seller Email on the Settings tab")
    password = env.get(ENV_PASSWORD) or ""
    if user and not password:
        raise MailError(f"SMTP user {user!r} is set but {ENV_PASSWORD} is not")
    return SmtpSettings(host, port, user, password, sender, to)


def build_message(summary_text: str, summary_html: str, attachments: Sequence[Path], *, sender: str,
                  to: Sequence[str], subject: str) -> EmailMessage:
    """The message: text and HTML alternatives, then each attachment with its MIME type."""
    msg = EmailMessage()
    msg["Subject"] = re.sub(r"\s+", " ", subject).strip()  # no line break may reach a header
    msg["From"] = sender
    msg["To"] = ", ".join(to)
    msg["Date"] = formatdate(localtime=True)
    domain = sender.rpartition("@")[2] or None
    msg["Message-ID"] = make_msgid("poflow", domain=domain)
    msg.set_content(summary_text)
    msg.add_alternative(summary_html, subtype="html")
    for path in attachments:
        path = Path(path)
        ctype = _MIME.get(path.suffix.lower()) or mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        maintype, _, subtype = ctype.partition("/")
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise MailError(f"cannot attach {path}: {exc.strerror or exc}") from None
        msg.add_attachment(data, maintype=maintype, subtype=subtype, filename=path.name)
    return msg


def _is_loopback(host: str) -> bool:
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def secret_forms(password: str, user: str = "") -> list[str]:
    """Every form in which a password can come back from a server or a library: as typed; in the AUTH PLAIN
    blob (``\\0user\\0password``) and the AUTH LOGIN answer; each as base64 (padded or not, standard or
    URL-safe), as hex (either case) and URL-encoded. Longest first, so a blob is replaced before its parts."""
    from base64 import urlsafe_b64encode
    from urllib.parse import quote

    if not password:
        return []
    raws = {password.encode(), f"\0{user}\0{password}".encode(), f"{user}\0{password}".encode(),
            f"\0\0{password}".encode()}
    forms: set[str] = set()
    for raw in raws:
        text = raw.decode("utf-8", "replace")
        for b64 in (b64encode(raw).decode(), urlsafe_b64encode(raw).decode()):
            forms.update({b64, b64.rstrip("=")})
            forms.update({b64.encode().hex(), b64.encode().hex().upper()})
        forms.update({raw.hex(), raw.hex().upper(), quote(text, safe=""), text.replace("\0", "\\0"),
                      text.replace("\0", "\\x00")})
    forms.add(password)
    return sorted((f for f in forms if len(f) >= min(4, len(password))), key=len, reverse=True)


def _scrub(text: str, password: str, user: str = "") -> str:
    """Text from a server or a library with the password removed in every form it may take (see secret_forms)."""
    text = re.sub(r"\s+", " ", text).strip()
    for secret in secret_forms(password, user):
        if secret in text:
            text = text.replace(secret, "***")
        elif secret.isalnum() and secret.lower() in text.lower():  # hex in a case of its own
            text = re.sub(re.escape(secret), "***", text, flags=re.IGNORECASE)
    return text


class ScrubFilter(logging.Filter):
    """A logging filter that takes the password (in every form) out of each record's message."""

    def __init__(self, password: str, user: str = "") -> None:
        super().__init__()
        self.password, self.user = password, user

    def filter(self, record: logging.LogRecord) -> bool:
        if self.password:
            record.msg = _scrub(record.getMessage(), self.password, self.user)
            record.args = None
        return True


def _reply(exc: smtplib.SMTPResponseException, password: str, user: str = "") -> str:
    err = exc.smtp_error
    text = err.decode("utf-8", "replace") if isinstance(err, bytes) else str(err)
    return f"{exc.smtp_code} {_scrub(text, password, user)}"


def send_report(summary_text: str, summary_html: str, attachments: Sequence[Path], *, host: str, port: int,
                user: str, password: str, sender: str, to: str | Sequence[str], subject: str,
                starttls: bool | None = None, timeout: float = 30) -> None:
    """Send the summary (text and HTML) with the attachments by SMTP.

    Port 465 uses implicit TLS. Otherwise `starttls=True` requires STARTTLS, `False` never uses it, and
    `None` uses it when the server offers it; then a password is sent over a plain connection only to a
    loopback server. Every failure raises one-line MailError without the password.
    """
    recipients = split_addresses(to) if isinstance(to, str) else tuple(to)
    if not recipients:
        raise MailError("no recipient for the report email")
    msg = build_message(summary_text, summary_html, attachments, sender=sender, to=recipients, subject=subject)
    where = f"mail server {host}:{port}"
    context = ssl.create_default_context()
    smtp: smtplib.SMTP | None = None
    scrub = ScrubFilter(password, user)
    smtp_log = logging.getLogger("smtplib")
    log.addFilter(scrub)
    smtp_log.addFilter(scrub)
    try:
        if port == SMTPS_PORT and starttls is not True:
            smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=context)
        else:
            smtp = smtplib.SMTP(host, port, timeout=timeout)
        smtp.set_debuglevel(0)  # the protocol dialogue (AUTH included) is never printed
        smtp.ehlo()
        encrypted = isinstance(smtp, smtplib.SMTP_SSL)
        if not encrypted and starttls is not False:
            if smtp.has_extn("starttls"):
                smtp.starttls(context=context)
                smtp.ehlo()
                encrypted = True
            elif starttls:
                raise MailError(f"{where} does not offer STARTTLS (starttls was required)")
        if user:
            if not encrypted and starttls is None and not _is_loopback(host):
                raise MailError(f"{where} offers no encryption (STARTTLS); refusing to send the password in clear "
                                "text (use port 465, or starttls=False to allow it)")
            if not smtp.has_extn("auth"):
                raise MailError(f"{where} does not accept a login (no AUTH); leave the SMTP user empty")
            smtp.login(user, password)
        refused = smtp.send_message(msg, from_addr=sender, to_addrs=list(recipients))
        if refused:
            sent = [r for r in recipients if r not in refused]
            raise MailError(f"report emailed to {', '.join(sent)}, but {where} refused {', '.join(sorted(refused))}")
        log.info("report emailed to %s via %s:%s", ", ".join(recipients), host, port)
    except MailError:
        raise
    except smtplib.SMTPAuthenticationError as exc:
        raise MailError(f"{where} refused the login for user {user!r} ({_reply(exc, password, user)}); "
                        f"check the user and {ENV_PASSWORD}") from None
    except smtplib.SMTPRecipientsRefused as exc:
        raise MailError(f"{where} refused every recipient: {', '.join(sorted(exc.recipients))}") from None
    except smtplib.SMTPSenderRefused as exc:
        raise MailError(f"{where} refused the sender {sender!r} ({_reply(exc, password, user)})") from None
    except smtplib.SMTPResponseException as exc:
        raise MailError(f"{where} answered {_reply(exc, password, user)}") from None
    except smtplib.SMTPException as exc:
        raise MailError(f"{where}: {_scrub(str(exc), password, user)}") from None
    except ssl.SSLError as exc:
        raise MailError(f"{where}: TLS failed ({_scrub(exc.reason or str(exc), password, user)})") from None
    except TimeoutError:
        raise MailError(f"{where} did not answer within {timeout:g} s") from None
    except socket.gaierror:
        raise MailError(f"{where}: unknown host {host!r}") from None
    except OSError as exc:
        raise MailError(f"{where}: cannot connect ({_scrub(exc.strerror or str(exc), password, user)})") from None
    finally:
        if smtp is not None:
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()
        log.removeFilter(scrub)
        smtp_log.removeFilter(scrub)


def send_with_settings(cfg: SmtpSettings, summary_text: str, summary_html: str, attachments: Sequence[Path],
                       subject: str, *, timeout: float = 30) -> None:
    """`send_report` with settings from `smtp_settings`."""
    send_report(summary_text, summary_html, attachments, host=cfg.host, port=cfg.port, user=cfg.user,
                password=cfg.password, sender=cfg.sender, to=cfg.to, subject=subject, starttls=cfg.starttls,
                timeout=timeout)
