"""The mail edges: SMTP to send, IMAP to read, both with TLS and certificate checking (no decisions here).

Settings come from the environment first (POFLOW_SMTP_*, POFLOW_IMAP_*), then the workbook's Settings tab;
the passwords only from POFLOW_SMTP_PASSWORD and POFLOW_IMAP_PASSWORD. A private CA is trusted with
`ca_file` (--ca-file or POFLOW_CA_FILE). Every failure to connect, log in or verify a certificate is one
`MailError` line that names the server and what to check, and never holds a password.
"""

from __future__ import annotations

import contextlib
import imaplib
import re
import smtplib
import socket
import ssl
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from email.message import EmailMessage
from pathlib import Path
from types import TracebackType

from ..mailer import ENV_FROM, ENV_HOST, ENV_PASSWORD, ENV_PORT, ENV_USER, MailError, _is_loopback, _reply, _scrub
from ..records import Settings

ENV_IMAP_HOST = "POFLOW_IMAP_HOST"
ENV_IMAP_PORT = "POFLOW_IMAP_PORT"
ENV_IMAP_USER = "POFLOW_IMAP_USER"
ENV_IMAP_PASSWORD = "POFLOW_IMAP_PASSWORD"
ENV_IMAP_FOLDER = "POFLOW_IMAP_FOLDER"
ENV_CA_FILE = "POFLOW_CA_FILE"


@dataclass(frozen=True)
class Server:
    """A mail server and the login; `repr` shows whether a password is set, never the password."""

    protocol: str  # "SMTP" or "IMAP"
    host: str
    port: int
    user: str
    password: str
    security: str  # "tls", "starttls" or "" (TLS on the protocol's TLS port, else STARTTLS when offered)
    ca_file: Path | None = None
    sender: str = ""  # SMTP: the From address
    folder: str = "INBOX"  # IMAP
    timeout: float = 30

    def __repr__(self) -> str:
        return (f"Server({self.protocol} {self.host}:{self.port}, user={self.user!r}, "
                f"password={'<set>' if self.password else '<not set>'}, security={self.security!r})")

    __str__ = __repr__

    @property
    def where(self) -> str:
        """How messages name the server."""
        return f"{self.protocol} server {self.host}:{self.port}"

    @property
    def implicit_tls(self) -> bool:
        """TLS from the first byte (SMTPS 465, IMAPS 993) rather than STARTTLS."""
        return self.security == "tls" or (not self.security and self.port in (465, 993))

    def context(self) -> ssl.SSLContext:
        """Certificate and host name checked, against the system's CAs or the given CA file."""
        if self.ca_file is not None:
            if not self.ca_file.is_file():
                raise MailError(f"--ca-file {self.ca_file}: no such file")
            try:
                return ssl.create_default_context(cafile=str(self.ca_file))
            except (ssl.SSLError, OSError) as exc:
                raise MailError(f"--ca-file {self.ca_file}: not a PEM certificate file ({exc})") from None
        return ssl.create_default_context()


def _pick(env: Mapping[str, str], var: str, value: object) -> str:
    return (env.get(var) or "").strip() or str(value or "").strip()


def _port(text: str, default: int, what: str) -> int:
    try:
        port = int(text) if text else default
    except ValueError:
        raise MailError(f"{what} {text!r} is not a number") from None
    if not 0 < port < 65536:
        raise MailError(f"{what} {port} is out of range 1-65535")
    return port


def _security(value: str, label: str) -> str:
    v = value.strip().lower()
    if v not in ("", "tls", "starttls"):
        raise MailError(f"Settings {label} is {value!r}; expected tls, starttls or empty")
    return v


def _ca(env: Mapping[str, str], ca_file: Path | None) -> Path | None:
    return ca_file or (Path(env[ENV_CA_FILE]) if env.get(ENV_CA_FILE) else None)


def smtp_server(settings: Settings, env: Mapping[str, str], ca_file: Path | None = None) -> Server:
    """Where documents are sent from: POFLOW_SMTP_* first, then Settings; MailError naming what is missing."""
    host = _pick(env, ENV_HOST, settings.smtp_host)
    if not host:
        raise MailError(f"no mail server: fill SMTP Host on the Settings tab or set {ENV_HOST}")
    port = _port(_pick(env, ENV_PORT, settings.smtp_port), 587, f"SMTP port (Settings SMTP Port or {ENV_PORT})")
    user = _pick(env, ENV_USER, settings.smtp_user)
    sender = _pick(env, ENV_FROM, settings.seller_email) or (user if "@" in user else "")
    if not sender:
        raise MailError(f"no sender address: fill Seller Email on the Settings tab or set {ENV_FROM}")
    password = env.get(ENV_PASSWORD) or ""
    if user and not password:
        raise MailError(f"SMTP user {user!r} is set but {ENV_PASSWORD} is not")
    return Server("SMTP", host, port, user, password, _security(settings.smtp_security, "SMTP Security"),
                  _ca(env, ca_file), sender=sender)


def imap_server(settings: Settings, env: Mapping[str, str], ca_file: Path | None = None) -> Server:
    """The inbox `poflow inbox` reads: POFLOW_IMAP_* first, then Settings."""
    host = _pick(env, ENV_IMAP_HOST, settings.imap_host)
    if not host:
        raise MailError(f"no inbox: fill IMAP Host on the Settings tab, set {ENV_IMAP_HOST}, or read a file "
                        "with --from MAILBOX.mbox (or a folder of .eml files)")
    port = _port(_pick(env, ENV_IMAP_PORT, settings.imap_port), 993, f"IMAP port (Settings IMAP Port or {ENV_IMAP_PORT})")
    user = _pick(env, ENV_IMAP_USER, settings.imap_user)
    if not user:
        raise MailError(f"no inbox login: fill IMAP User on the Settings tab or set {ENV_IMAP_USER}")
    password = env.get(ENV_IMAP_PASSWORD) or ""
    if not password:
        raise MailError(f"IMAP user {user!r} is set but {ENV_IMAP_PASSWORD} is not")
    folder = _pick(env, ENV_IMAP_FOLDER, settings.imap_folder) or "INBOX"
    return Server("IMAP", host, port, user, password, _security(settings.imap_security, "IMAP Security"),
                  _ca(env, ca_file), folder=folder)


def _tls_failure(server: Server, exc: ssl.SSLError) -> MailError:
    reason = _scrub(getattr(exc, "verify_message", "") or exc.reason or str(exc), server.password)
    if isinstance(exc, ssl.SSLCertVerificationError):
        return MailError(f"{server.where}: its TLS certificate is not trusted ({reason}); for a private CA "
                         f"pass --ca-file CA.pem (or set {ENV_CA_FILE})")
    return MailError(f"{server.where}: TLS failed ({reason})")


def _network_failure(server: Server, exc: BaseException) -> MailError:
    """One line for anything the network or TLS raised."""
    if isinstance(exc, ssl.SSLError):
        return _tls_failure(server, exc)
    if isinstance(exc, TimeoutError | socket.timeout):
        hint = "" if server.implicit_tls else (f" (a port that speaks TLS from the start? set {server.protocol} "
                                               "Security to tls on the Settings tab)")
        return MailError(f"{server.where} did not answer within {server.timeout:g} s{hint}")
    if isinstance(exc, socket.gaierror):
        return MailError(f"{server.where}: unknown host {server.host!r}")
    if isinstance(exc, OSError):
        return MailError(f"{server.where}: cannot connect ({_scrub(exc.strerror or str(exc), server.password)})")
    return MailError(f"{server.where}: {_scrub(str(exc), server.password)}")


class Smtp:
    """One SMTP session: connect, secure and log in on enter (MailError when any fails), then `send`."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.smtp: smtplib.SMTP | None = None

    def __enter__(self) -> Smtp:
        s = self.server
        try:
            if s.implicit_tls:
                self.smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout, context=s.context())
            else:
                self.smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout)
            smtp = self.smtp
            smtp.set_debuglevel(0)  # the dialogue (AUTH included) is never printed
            smtp.ehlo()
            encrypted = s.implicit_tls
            if not encrypted:
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=s.context())
                    smtp.ehlo()
                    encrypted = True
                elif s.security == "starttls":
                    raise MailError(f"{s.where} does not offer STARTTLS (SMTP Security is starttls)")
            if s.user:
                if not encrypted and not _is_loopback(s.host):
                    raise MailError(f"{s.where} offers no encryption (STARTTLS); refusing to send the password "
                                    "in clear text (use port 465 or a server that offers STARTTLS)")
                if not smtp.has_extn("auth"):
                    raise MailError(f"{s.where} does not accept a login (no AUTH); leave the SMTP user empty")
                smtp.login(s.user, s.password)
        except MailError:
            self.close()
            raise
        except smtplib.SMTPAuthenticationError as exc:
            self.close()
            raise MailError(f"{s.where} refused the login for user {s.user!r} ({_reply(exc, s.password)}); "
                            f"check the user and {ENV_PASSWORD}") from None
        except smtplib.SMTPResponseException as exc:
            self.close()
            raise MailError(f"{s.where} answered {_reply(exc, s.password)}") from None
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise _network_failure(s, exc) from None
        return self

    def send(self, msg: EmailMessage, to: Sequence[str]) -> dict[str, str]:
        """Send one message; the recipients the server refused, each with its (password-free) reason."""
        assert self.smtp is not None, "use Smtp as a context manager"
        s = self.server
        try:
            refused = self.smtp.send_message(msg, from_addr=s.sender, to_addrs=list(to))
        except smtplib.SMTPRecipientsRefused as exc:
            return {a: _reply_text(r, s.password) for a, r in exc.recipients.items()}
        except smtplib.SMTPResponseException as exc:
            return dict.fromkeys(to, f"{s.where} answered {_reply(exc, s.password)}")
        except (smtplib.SMTPException, OSError) as exc:
            self.close()
            raise _network_failure(s, exc) from None
        return {a: _reply_text(r, s.password) for a, r in refused.items()}

    def close(self) -> None:
        """End the session (quietly)."""
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                self.smtp.close()
            self.smtp = None

    def __exit__(self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.close()


def _reply_text(reply: tuple[int, bytes | str], password: str) -> str:
    code, text = reply
    return f"{code} {_scrub(text.decode('utf-8', 'replace') if isinstance(text, bytes) else str(text), password)}"


@dataclass(frozen=True)
class Fetched:
    """One message read: where from (a key recorded so it is never read twice) and its bytes."""

    source: str
    data: bytes


def imap_mailbox_key(server: Server, uidvalidity: str) -> str:
    """The prefix of the Source of every message read from this folder (an IMAP URL, RFC 5092)."""
    return f"imap://{server.user}@{server.host}/{server.folder};UIDVALIDITY={uidvalidity}"


def last_uid(sources: Sequence[str], key: str) -> int:
    """The highest UID recorded for a folder (0 when none)."""
    pattern = re.compile(re.escape(key) + r";UID=(\d+)$")
    return max((int(m.group(1)) for s in sources if (m := pattern.match(s))), default=0)


def fetch_imap(server: Server, seen_sources: Sequence[str]) -> list[Fetched]:
    """Messages in the folder with a UID above the last one recorded, read without marking them seen."""
    where = server.where
    imap: imaplib.IMAP4 | None = None
    try:
        if server.implicit_tls:
            imap = imaplib.IMAP4_SSL(server.host, server.port, ssl_context=server.context(), timeout=server.timeout)
        else:
            imap = imaplib.IMAP4(server.host, server.port, timeout=server.timeout)
            if "STARTTLS" in imap.capabilities:
                imap.starttls(ssl_context=server.context())
            elif server.security == "starttls" or not _is_loopback(server.host):
                raise MailError(f"{where} offers no STARTTLS; refusing to send the password in clear text "
                                "(use IMAPS on port 993)")
        imap.debug = 0
        try:
            imap.login(server.user, server.password)
        except imaplib.IMAP4.error as exc:
            raise MailError(f"{where} refused the login for user {server.user!r} "
                            f"({_scrub(_imap_text(exc), server.password)}); check the user and "
                            f"{ENV_IMAP_PASSWORD}") from None
        typ, data = imap.select(_quote(server.folder), readonly=True)
        if typ != "OK":
            raise MailError(f"{where}: no folder {server.folder!r} ({_scrub(_imap_text(data), server.password)})")
        validity = imap.response("UIDVALIDITY")[1]
        uidvalidity = _imap_text(validity[0]) if validity and validity[0] else "0"
        key = imap_mailbox_key(server, uidvalidity)
        last = last_uid(seen_sources, key)
        typ, data = imap.uid("SEARCH", None, f"UID {last + 1}:*")  # type: ignore[arg-type]
        uids = [int(u) for u in (data[0] or b"").split()] if typ == "OK" and data else []
        out = []
        for uid in sorted(u for u in uids if u > last):
            typ, parts = imap.uid("FETCH", str(uid), "(BODY.PEEK[])")
            raw = next((p[1] for p in parts if isinstance(p, tuple) and len(p) > 1), None) if typ == "OK" else None
            if isinstance(raw, bytes):
                out.append(Fetched(f"{key};UID={uid}", raw))
        return out
    except MailError:
        raise
    except imaplib.IMAP4.error as exc:
        raise MailError(f"{where}: {_scrub(_imap_text(exc), server.password)}") from None
    except (OSError, ssl.SSLError) as exc:
        raise _network_failure(server, exc) from None
    finally:
        if imap is not None:
            with contextlib.suppress(imaplib.IMAP4.error, OSError):
                imap.logout()


def _quote(folder: str) -> str:
    return folder if re.fullmatch(r"[A-Za-z0-9._/-]+", folder) else '"' + folder.replace('"', '\\"') + '"'


def _imap_text(value: object) -> str:
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, list | tuple):
        return " ".join(_imap_text(v) for v in value)
    return str(value)


Connector = Callable[[Server], Smtp]
