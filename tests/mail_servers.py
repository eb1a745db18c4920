"""Real mail servers for the tests, started on 127.0.0.1 by the tests themselves (no mocks of smtplib or imaplib).

* `make_certs`: a throw-away CA and a server certificate for 127.0.0.1 and localhost (openssl).
* `Smtpd`: aiosmtpd with STARTTLS (or implicit TLS) and a login, keeping every message it accepts.
* `Dovecot`: Debian's Dovecot with a throw-away config, a passwd-file user and a Maildir the test fills,
  IMAPS and IMAP with STARTTLS on free ports, stopped at teardown.

Both are installed by scripts/setup_system.sh (dovecot-imapd by apt, aiosmtpd by the test extras).
"""

from __future__ import annotations

import email
import email.policy
import os
import pwd
import shutil
import socket
import ssl
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

USER = "orders@brand.example"
PASSWORD = "s3cr3t-Pa55!word"  # a test password the assertions look for in every output
DOVECOT = shutil.which("dovecot") or "/usr/sbin/dovecot"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass(frozen=True)
class Certs:
    ca: Path
    cert: Path
    key: Path


def make_certs(folder: Path) -> Certs:
    """A CA and a server certificate it signed, for 127.0.0.1 and localhost (valid two days)."""
    folder.mkdir(parents=True, exist_ok=True)
    ca, ca_key = folder / "ca.pem", folder / "ca.key"
    cert, key, csr, ext = folder / "server.pem", folder / "server.key", folder / "server.csr", folder / "ext.cnf"

    def run(*args: str) -> None:
        subprocess.run(["openssl", *args], check=True, capture_output=True, timeout=60)

    run("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(ca_key), "-out", str(ca), "-days", "2",
        "-subj", "/CN=poflow test CA", "-addext", "basicConstraints=critical,CA:TRUE",
        "-addext", "keyUsage=critical,keyCertSign,cRLSign", "-addext", "subjectKeyIdentifier=hash")
    run("req", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out", str(csr), "-subj", "/CN=127.0.0.1")
    ext.write_text("basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature,keyEncipherment\n"
                   "extendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1,DNS:localhost\n"
                   "subjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid,issuer\n")
    run("x509", "-req", "-in", str(csr), "-CA", str(ca), "-CAkey", str(ca_key), "-CAcreateserial", "-out", str(cert),
        "-days", "2", "-extfile", str(ext))
    for p in (key, cert, ca):
        p.chmod(0o644)
    return Certs(ca, cert, key)


# ------------------------------------------------------------------------------------------------ SMTP


@dataclass
class Handler:
    """Keeps every message; refuses recipients at refused.example (while `refuse` is set)."""

    messages: list[Any] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)
    refuse: bool = True

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: list[str]) -> str:
        if self.refuse and address.endswith("@refused.example"):
            return "550 5.1.1 no such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.messages.append(envelope)
        return "250 Message accepted"

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any) -> AuthResult:
        ok = isinstance(auth_data, LoginPassword) and auth_data.login.decode() == USER \
            and auth_data.password.decode() == PASSWORD
        if ok:
            self.logins.append(auth_data.login.decode())
        return AuthResult(success=ok, handled=False)

    def parsed(self) -> list[EmailMessage]:
        out = []
        for env in self.messages:
            msg = email.message_from_bytes(env.content, policy=email.policy.default)
            assert isinstance(msg, EmailMessage)
            out.append(msg)
        return out


class Smtpd:
    """aiosmtpd on 127.0.0.1 with TLS: STARTTLS required (default) or implicit TLS."""

    def __init__(self, certs: Certs, *, implicit: bool = False) -> None:
        self.handler = Handler()
        self.port = free_port()
        ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        ctx.load_cert_chain(str(certs.cert), str(certs.key))
        tls: dict[str, Any] = {"ssl_context": ctx} if implicit else {"tls_context": ctx, "require_starttls": True}
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port,
                                     authenticator=self.handler.authenticate, auth_require_tls=not implicit,
                                     server_hostname="127.0.0.1", **tls)

    def __enter__(self) -> Smtpd:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()


# ---------------------------------------------------------------------------------------------- Dovecot


class Dovecot:
    """Dovecot on 127.0.0.1 (IMAPS and IMAP with STARTTLS) with one passwd-file user and its Maildir."""

    def __init__(self, certs: Certs) -> None:
        assert Path(DOVECOT).exists(), "Dovecot must be installed: bash scripts/setup_system.sh (dovecot-imapd)"
        # Login processes run as dovenull and mail processes as an unprivileged user: the folder must be
        # traversable by them, so it is made outside pytest's private tmp folder.
        self.root = Path(tempfile.mkdtemp(prefix="poflow-dovecot-"))
        self.root.chmod(0o755)
        self.imaps = free_port()
        self.imap = free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        me = pwd.getpwuid(os.getuid())
        if os.getuid() == 0:
            mail_user = pwd.getpwnam("nobody")
            login_user, internal_user = "dovenull", "dovecot"
        else:
            mail_user, login_user, internal_user = me, me.pw_name, me.pw_name
        self.uid, self.gid = mail_user.pw_uid, mail_user.pw_gid
        self.home = self.root / "home"
        self.maildir = self.home / "Maildir"
        for sub in ("new", "cur", "tmp"):
            (self.maildir / sub).mkdir(parents=True)
        for p in [self.home, *self.home.rglob("*")]:
            os.chown(p, self.uid, self.gid)
        shutil.copy(certs.cert, self.root / "server.pem")
        shutil.copy(certs.key, self.root / "server.key")
        (self.root / "passwd").write_text(f"{USER}:{{PLAIN}}{PASSWORD}::::::\n")
        self.log = self.root / "dovecot.log"
        self.config = self.root / "dovecot.conf"
        self.config.write_text(f"""
protocols = imap
listen = 127.0.0.1
base_dir = {self.root}/run
state_dir = {self.root}/state
log_path = {self.log}
info_log_path = {self.log}
default_login_user = {login_user}
default_internal_user = {internal_user}
first_valid_uid = 1
ssl = yes
ssl_cert = <{self.root}/server.pem
ssl_key = <{self.root}/server.key
disable_plaintext_auth = yes
auth_mechanisms = plain login
mail_location = maildir:~/Maildir
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {self.root}/passwd
}}
userdb {{
  driver = static
  args = uid={self.uid} gid={self.gid} home={self.home}
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {self.imap}
  }}
  inet_listener imaps {{
    address = 127.0.0.1
    port = {self.imaps}
    ssl = yes
  }}
}}
service anvil {{
  chroot =
}}
service imap-login {{
  chroot =
}}
""")
        self.n = 0

    def __enter__(self) -> Dovecot:
        self.proc = subprocess.Popen([DOVECOT, "-F", "-c", str(self.config)], stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                out = self.proc.stdout.read().decode() if self.proc.stdout else ""
                log = self.log.read_text() if self.log.exists() else ""
                raise RuntimeError(f"dovecot exited {self.proc.returncode}: {out} {log}")
            try:
                with socket.create_connection(("127.0.0.1", self.imaps), timeout=0.5), \
                        socket.create_connection(("127.0.0.1", self.imap), timeout=0.5):
                    return self
            except OSError:
                time.sleep(0.1)
        self.__exit__()
        raise RuntimeError("dovecot did not start listening within 20 s")

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
            self.proc = None
        shutil.rmtree(self.root, ignore_errors=True)

    def deliver(self, data: bytes) -> None:
        """Put one message into the user's Maildir, as a delivery agent would (tmp/, then new/)."""
        self.n += 1
        name = f"{int(time.time())}.P{os.getpid()}Q{self.n}.poflow-test"
        tmp = self.maildir / "tmp" / name
        tmp.write_bytes(data)
        os.chown(tmp, self.uid, self.gid)
        tmp.rename(self.maildir / "new" / name)
