"""Emailing the report through a real SMTP server (aiosmtpd on 127.0.0.1), with and without a good password."""

from __future__ import annotations

import base64
import email
import email.policy
import logging
from collections.abc import Iterator
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller

from poflow_sheets import mailer
from poflow_sheets.errors import PoflowError
from poflow_sheets.mailer import MailError, SmtpSettings, send_report, smtp_settings
from poflow_sheets.records import Settings

from .mail_servers import PASSWORD, USER, Handler, free_port

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
Store = Handler  # keeps every message; refuses recipients at refused.example


@pytest.fixture()
def server() -> Iterator[tuple[Store, int]]:
    store = Store()
    port = free_port()
    controller = Controller(store, hostname="127.0.0.1", port=port, authenticator=store.authenticate,
                            auth_require_tls=False)
    controller.start()
    try:
        yield store, port
    finally:
        controller.stop()


@pytest.fixture()
def attachment(tmp_path: Path) -> Path:
    path = tmp_path / "reconcile-2026-04-30.xlsx"
    path.write_bytes(b"PK\x03\x04 not really a workbook \x00\xff" * 50)
    return path


def send(port: int, attachment: Path, password: str = PASSWORD, **kw: Any) -> None:
    args: dict[str, Any] = dict(host="127.0.0.1", port=port, user=USER, password=password, sender=USER,
                                to=["owner@brand.example", "books@brand.example"],
                                subject="poflow reconciliation 2026-04-30: 2 need review", timeout=10)
    args.update(kw)
    send_report("# Summary\n- Cash received: 1,234.50 USD\n", "<p>Cash received: <b>1,234.50 USD</b></p>",
                [attachment], **args)


def secrets_in(text: str) -> bool:
    return PASSWORD in text or base64.b64encode(PASSWORD.encode()).decode() in text or "s3cr3t" in text


def test_send_report_with_login(server: tuple[Store, int], attachment: Path, caplog: pytest.LogCaptureFixture,
                                capsys: pytest.CaptureFixture[str]) -> None:
    store, port = server
    with caplog.at_level(logging.DEBUG, logger="poflow_sheets"):
        send(port, attachment)
    assert store.logins == [USER]
    [env] = store.messages
    assert env.mail_from == USER
    assert env.rcpt_tos == ["owner@brand.example", "books@brand.example"]
    msg = email.message_from_bytes(env.content, policy=email.policy.default)
    assert isinstance(msg, EmailMessage)
    assert msg["Subject"] == "poflow reconciliation 2026-04-30: 2 need review"
    assert msg["To"] == "owner@brand.example, books@brand.example"
    assert msg["From"] == USER and msg["Message-ID"] and msg["Date"]
    assert msg.get_content_type() == "multipart/mixed"
    text, page = msg.get_body(("plain",)), msg.get_body(("html",))
    assert text is not None and "Cash received: 1,234.50 USD" in text.get_content()
    assert page is not None and "<b>1,234.50 USD</b>" in page.get_content()
    [att] = list(msg.iter_attachments())
    assert att.get_content_type() == XLSX
    assert att.get_filename() == attachment.name
    assert att.get_content() == attachment.read_bytes()
    assert "report emailed to owner@brand.example" in caplog.text
    out = capsys.readouterr()
    assert not secrets_in(caplog.text + out.out + out.err)


def test_wrong_password_is_one_line_without_the_password(server: tuple[Store, int], attachment: Path,
                                                          caplog: pytest.LogCaptureFixture,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    store, port = server
    wrong = PASSWORD + "-typo"
    with caplog.at_level(logging.DEBUG, logger="poflow_sheets"), pytest.raises(MailError) as info:
        send(port, attachment, password=wrong)
    message = str(info.value)
    assert "refused the login for user 'orders@brand.example'" in message
    assert "POFLOW_SMTP_PASSWORD" in message and "\n" not in message
    assert not secrets_in(message) and wrong not in message
    assert info.value.__cause__ is None and info.value.__suppress_context__  # no chained smtplib traceback
    assert isinstance(info.value, PoflowError) and info.value.exit_code == 2
    out = capsys.readouterr()
    assert not secrets_in(caplog.text + out.out + out.err)
    assert store.messages == [] and store.logins == []


def test_nothing_listening(attachment: Path) -> None:
    with pytest.raises(MailError) as info:
        send(free_port(), attachment)
    assert "cannot connect" in str(info.value) and not secrets_in(str(info.value))


def test_starttls_required_but_not_offered(server: tuple[Store, int], attachment: Path) -> None:
    _, port = server
    with pytest.raises(MailError, match="does not offer STARTTLS"):
        send(port, attachment, starttls=True)


def test_no_password_in_clear_text_to_a_remote_server(server: tuple[Store, int], attachment: Path,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    store, port = server
    monkeypatch.setattr(mailer, "_is_loopback", lambda host: False)  # pretend 127.0.0.1 is far away
    with pytest.raises(MailError, match="refusing to send the password in clear text"):
        send(port, attachment)
    assert store.logins == []
    send(port, attachment, starttls=False)  # the person said so explicitly
    assert store.logins == [USER]


def test_a_refused_recipient(server: tuple[Store, int], attachment: Path) -> None:
    store, port = server
    with pytest.raises(MailError) as info:
        send(port, attachment, to="owner@brand.example; nobody@refused.example")
    assert str(info.value) == (f"report emailed to owner@brand.example, but mail server 127.0.0.1:{port} "
                               "refused nobody@refused.example")
    assert store.messages[0].rcpt_tos == ["owner@brand.example"]
    with pytest.raises(MailError, match="refused every recipient"):
        send(port, attachment, to=["nobody@refused.example"])


def test_without_login(server: tuple[Store, int], attachment: Path) -> None:
    store, port = server
    send(port, attachment, user="", password="", to="Owner <owner@brand.example>")
    assert store.logins == [] and store.messages[0].rcpt_tos == ["owner@brand.example"]


def test_subject_line_breaks_cannot_add_headers(server: tuple[Store, int], attachment: Path) -> None:
    store, port = server
    send(port, attachment, subject="report\r\nBcc: spy@evil.example")
    msg = email.message_from_bytes(store.messages[0].content, policy=email.policy.default)
    assert msg["Bcc"] is None and msg["Subject"] == "report Bcc: spy@evil.example"
    assert store.messages[0].rcpt_tos == ["owner@brand.example", "books@brand.example"]


# ---------------------------------------------------------------------------------------------- settings


WORKBOOK = Settings(seller_email="hello@brand.example", smtp_host="smtp.brand.example", smtp_port=2525,
                    smtp_user="wb-user@brand.example", report_to="a@brand.example; B <b@brand.example>")


def test_settings_from_the_workbook_and_password_from_the_environment() -> None:
    cfg = smtp_settings(WORKBOOK, {"POFLOW_SMTP_PASSWORD": PASSWORD})
    assert (cfg.host, cfg.port, cfg.user, cfg.sender) == ("smtp.brand.example", 2525, "wb-user@brand.example",
                                                          "hello@brand.example")
    assert cfg.to == ("a@brand.example", "b@brand.example") and cfg.password == PASSWORD
    assert PASSWORD not in repr(cfg) and PASSWORD not in str(cfg) and "password=<set>" in repr(cfg)


def test_the_environment_overrides_the_workbook() -> None:
    env = {"POFLOW_SMTP_HOST": "mail.other.example", "POFLOW_SMTP_PORT": "465", "POFLOW_SMTP_USER": "u@other.example",
           "POFLOW_SMTP_PASSWORD": PASSWORD, "POFLOW_SMTP_FROM": "from@other.example",
           "POFLOW_REPORT_TO": "x@other.example"}
    cfg = smtp_settings(WORKBOOK, env)
    assert cfg == SmtpSettings("mail.other.example", 465, "u@other.example", PASSWORD, "from@other.example",
                               ("x@other.example",))


@pytest.mark.parametrize(("settings", "env", "message"), [
    (Settings(report_to="a@b.example"), {}, "SMTP Host on the Settings tab or set POFLOW_SMTP_HOST"),
    (Settings(smtp_host="h", smtp_user="", seller_email="s@b.example"), {}, "Report To"),
    (WORKBOOK, {}, "POFLOW_SMTP_PASSWORD is not"),
    (WORKBOOK, {"POFLOW_SMTP_PORT": "smtp", "POFLOW_SMTP_PASSWORD": PASSWORD}, "'smtp' is not a number"),
    (Settings(smtp_host="h", report_to="a@b.example"), {}, "no sender address"),
])
def test_missing_settings_say_where_to_fill_them(settings: Settings, env: dict[str, str], message: str) -> None:
    with pytest.raises(MailError, match=message) as info:
        smtp_settings(settings, env)
    assert not secrets_in(str(info.value))
