"""Mail through the real CLI against real servers on 127.0.0.1: aiosmtpd (STARTTLS or implicit TLS, a login)
and Debian's Dovecot (IMAPS and STARTTLS, a passwd-file user, a Maildir the test fills), both with a
certificate from a CA the test makes (trusted with --ca-file).

Confirmations go out, the buyer's replies come back through Dovecot, and `poflow inbox` records the one
clear approval (with the reply's date) and lists the rest; a buyer's PO spreadsheet arrives and
`import-po` turns it into an order; `remind` walks the ladder once; a wrong password, an unreachable server
and an untrusted certificate each end in one line, exit 2, nothing recorded and no password printed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner, Result

from poflow_sheets.cli import main
from poflow_sheets.reader import read_workbook

from .mail_servers import PASSWORD, USER, Certs, Dovecot, Smtpd, free_port, make_certs

SELLER = "Fern & Flint Ceramics"


def invoke(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False)


def run(*args: object, code: int = 0) -> str:
    result = invoke(*args)
    assert result.exit_code == code, f"{args}: exit {result.exit_code}\n{result.output}"
    return result.output


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def certs(tmp_path_factory: pytest.TempPathFactory) -> Certs:
    return make_certs(tmp_path_factory.mktemp("certs"))


@pytest.fixture()
def smtpd(certs: Certs) -> Iterator[Smtpd]:
    with Smtpd(certs) as server:
        yield server


@pytest.fixture()
def dovecot(certs: Certs) -> Iterator[Dovecot]:
    with Dovecot(certs) as server:
        yield server


@pytest.fixture(autouse=True)
def passwords(monkeypatch: pytest.MonkeyPatch) -> None:
    for var in ("POFLOW_SMTP_HOST", "POFLOW_SMTP_PORT", "POFLOW_SMTP_USER", "POFLOW_SMTP_FROM", "POFLOW_IMAP_HOST",
                "POFLOW_IMAP_PORT", "POFLOW_IMAP_USER", "POFLOW_IMAP_FOLDER", "POFLOW_CA_FILE"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("POFLOW_SMTP_PASSWORD", PASSWORD)
    monkeypatch.setenv("POFLOW_IMAP_PASSWORD", PASSWORD)


def settings(book: Path, **values: object) -> None:
    wb = openpyxl.load_workbook(book)
    for row in wb["Settings"].iter_rows(min_row=2):
        if row[0].value in values:
            row[1].value = values[str(row[0].value)]
    wb.save(book)


def make_book(tmp_path: Path, smtp_port: int = 25, imap_port: int = 993, *, orders: int = 3,
              imap_security: str = "tls") -> Path:
    """A workbook as a seller fills it in: Settings with the mail servers, one buyer, one product, orders."""
    book = tmp_path / "books.xlsx"
    run("init", book)
    settings(book, **{"Seller Name": SELLER, "Seller Email": USER, "Default Terms": "Net 30",
                      "First Order Deposit Pct": 0, "SMTP Host": "127.0.0.1", "SMTP Port": smtp_port,
                      "SMTP User": USER, "IMAP Host": "127.0.0.1", "IMAP Port": imap_port, "IMAP User": USER,
                      "IMAP Security": imap_security})
    wb = openpyxl.load_workbook(book)
    wb["Buyers"].append(["SHOP", "Juniper Shop LLC", "anna@juniper.example; owner@juniper.example", "1 Main St",
                         None, "Net 30", 0, None, None, None, "ap@juniper.example"])
    wb["Products"].append(["VASE", "Small vase, speckled", "each", 12, 6, 6, 500, 10])
    for n in range(1, orders + 1):
        wb["Orders"].append([f"PO-{n}", None, "SHOP", date(2026, 11, 30), None, None, None, 0, "draft"])
        wb["Lines"].append([f"PO-{n}", 1, "VASE", None, 12 * n, None])
    wb.save(book)
    return book


def reply(original: EmailMessage, text: str, when: str, *, thread: bool = True) -> bytes:
    """The buyer's answer as a mail program writes it: the new text, then the original quoted below."""
    msg = EmailMessage()
    msg["From"] = "Anna Berg <anna@juniper.example>"
    msg["To"] = USER
    msg["Subject"] = "Re: " + str(original["Subject"])
    msg["Date"] = when
    msg["Message-ID"] = make_msgid(domain="juniper.example")
    if thread:
        msg["In-Reply-To"] = str(original["Message-ID"])
        msg["References"] = str(original["Message-ID"])
    body = original.get_body(("plain",))
    assert body is not None
    quoted = "\n".join("> " + ln for ln in str(body.get_content()).splitlines())
    msg.set_content(f"{text}\n\nOn Tue, 1 Dec 2026 at 09:00, {SELLER} <{USER}> wrote:\n{quoted}\n")
    return msg.as_bytes()


def by_document(server: Smtpd) -> dict[str, EmailMessage]:
    return {str(m["X-Poflow-Document"]): m for m in server.handler.parsed()}


# ------------------------------------------------------------------------------- Done when (1): approvals


def test_confirmation_sent_and_the_buyers_approval_read_from_dovecot(tmp_path: Path, certs: Certs, smtpd: Smtpd,
                                                                     dovecot: Dovecot) -> None:
    book = make_book(tmp_path, smtpd.port, dovecot.imaps)
    ca = certs.ca
    for n in (1, 2, 3):
        out = run("confirm", book, f"PO-{n}", "--send", "--ca-file", ca, "--today", "2026-12-01")
        assert f"sent OC-000{n} to anna@juniper.example, owner@juniper.example" in out, out
    sent = by_document(smtpd)
    assert sorted(sent) == ["OC-0001", "OC-0002", "OC-0003"]
    first = sent["OC-0001"]
    assert first["To"] == "anna@juniper.example, owner@juniper.example" and first["From"] == USER
    [pdf] = list(first.iter_attachments())
    assert pdf.get_filename() == "OC-0001.pdf" and pdf.get_content().startswith(b"%PDF")
    assert "reply \"approved\"" in str(first.get_body(("plain",)).get_content())  # type: ignore[union-attr]
    assert smtpd.handler.logins == [USER] * 3
    messages = read_workbook(book).messages
    assert [(m.direction, m.kind, m.status, m.document_number, m.po_number) for m in messages] == [
        ("out", "confirmation", "sent", f"OC-000{n}", f"PO-{n}") for n in (1, 2, 3)]
    assert messages[0].message_id == first["Message-ID"]

    dovecot.deliver(reply(first, "Approved, thanks!\n\nAnna", "Wed, 02 Dec 2026 16:40:00 -0500"))
    dovecot.deliver(reply(sent["OC-0002"], "Not approved - please change line 2", "Wed, 02 Dec 2026 17:00:00 -0500"))
    dovecot.deliver(reply(sent["OC-0003"], "approved except line 3", "Thu, 03 Dec 2026 08:00:00 +0100", thread=False))
    out = run("inbox", book, "--ca-file", ca, "--today", "2026-12-03", code=1)  # 1: replies wait for a person
    assert "PO PO-1: approved on 2026-12-02 by anna@juniper.example" in out, out
    assert "Not approved - please change line 2" in out and "approved except line 3" in out
    assert "3 new message(s): 1 approval(s), 2 for a person" in out
    after = read_workbook(book)
    orders = {o.po_number: o for o in after.orders}
    assert (orders["PO-1"].status, orders["PO-1"].approved_on, orders["PO-1"].approved_total) == \
        ("approved", date(2026, 12, 2), Decimal("144"))
    for po in ("PO-2", "PO-3"):
        assert (orders[po].status, orders[po].approved_on, orders[po].approved_total) == ("confirmation sent", None, None)
    read = [m for m in after.messages if m.direction == "in"]
    assert [(m.status, m.po_number, m.document_number) for m in read] == [
        ("approved", "PO-1", "OC-0001"), ("review", "PO-2", "OC-0002"), ("review", "PO-3", "OC-0003")]
    assert read[0].in_reply_to == first["Message-ID"] and read[0].date == date(2026, 12, 2)
    assert read[1].text == "Not approved - please change line 2" and "not" in read[1].error
    evidence = Path(read[0].file)
    assert evidence.parent == tmp_path / "documents" / "mail" and b"Approved, thanks!" in evidence.read_bytes()
    before = sha(book)
    out = run("inbox", book, "--ca-file", ca, "--today", "2026-12-03")
    assert "no new messages" in out and sha(book) == before


def test_an_approval_on_an_mbox_file_and_languages(tmp_path: Path, certs: Certs, smtpd: Smtpd) -> None:
    """Sellers without IMAP: the same replies from an .mbox file; approvals in Spanish, French and German."""
    import mailbox

    book = make_book(tmp_path, smtpd.port)
    for n in (1, 2, 3):
        run("confirm", book, f"PO-{n}", "--send", "--ca-file", certs.ca, "--today", "2026-12-01")
    sent = by_document(smtpd)
    box = mailbox.mbox(str(tmp_path / "inbox.mbox"))
    box.add(reply(sent["OC-0001"], "Aprobado, gracias.\n\nSaludos,\nAnna", "Wed, 02 Dec 2026 10:00:00 +0100"))
    box.add(reply(sent["OC-0002"], "Approuvé, merci !", "Wed, 02 Dec 2026 11:00:00 +0100"))
    box.add(reply(sent["OC-0003"], "Genehmigt. Viele Grüße, Anna Berg", "Thu, 03 Dec 2026 12:00:00 +0100"))
    box.flush()
    out = run("inbox", book, "--from", tmp_path / "inbox.mbox", "--today", "2026-12-04")
    orders = {o.po_number: o.approved_on for o in read_workbook(book).orders}
    assert orders == {"PO-1": date(2026, 12, 2), "PO-2": date(2026, 12, 2), "PO-3": date(2026, 12, 3)}, out
    assert "no new messages" in run("inbox", book, "--from", tmp_path / "inbox.mbox")


# ---------------------------------------------------------------------------- Done when (2): a buyer's PO


def test_a_po_spreadsheet_from_a_buyer_is_saved_and_imported(tmp_path: Path, certs: Certs, dovecot: Dovecot) -> None:
    book = make_book(tmp_path, imap_port=dovecot.imap, orders=0, imap_security="starttls")
    sheet = tmp_path / "their-po.xlsx"
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["Juniper Shop LLC - Purchase Order"])
    ws.append(["PO Number:", "5501"])
    ws.append(["Order Date:", date(2026, 12, 2)])
    ws.append([])
    ws.append(["Item #", "Description", "Qty", "Unit Price"])
    ws.append(["VASE", "Small vase", 24, 12])
    ws.append(["VASE-XL", "Big vase", 6, 30])
    ws.append(["VASE", "Small vase, for the window", 4, 12])
    wb.save(sheet)
    msg = EmailMessage()
    msg["From"] = "Juniper Purchasing <ap@juniper.example>"
    msg["To"] = USER
    msg["Subject"] = "PO 5501"
    msg["Date"] = "Wed, 02 Dec 2026 09:00:00 -0500"
    msg["Message-ID"] = make_msgid(domain="juniper.example")
    msg.set_content("Hi, our PO 5501 is attached.\nThanks, Anna")
    msg.add_attachment(sheet.read_bytes(), maintype="application",
                       subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet", filename="PO-5501.xlsx")
    dovecot.deliver(msg.as_bytes())
    dovecot.deliver(b"From: news@shop.example\r\nTo: orders@brand.example\r\nSubject: Sale!\r\n"
                    b"Message-ID: <n1@shop.example>\r\n\r\n50% off\r\n")
    out = run("inbox", book, "--ca-file", certs.ca, "--today", "2026-12-02", code=1)
    saved = tmp_path / "documents" / "mail" / "SHOP"
    [po_file] = list(saved.glob("*PO-5501.xlsx"))
    assert po_file.read_bytes() == sheet.read_bytes()
    assert f"import-po {book} {po_file} --buyer SHOP" in out, out
    assert "2 new message(s)" in out and "1 PO file(s) saved" in out and "1 not about orders" in out
    kinds = [(m.kind, m.status) for m in read_workbook(book).messages]
    assert kinds == [("purchase order", "saved"), ("other", "ignored")]
    out = run("import-po", book, po_file, "--buyer", "SHOP", "--today", "2026-12-03", code=1)
    assert "below-moq" in out and "4 x VASE is below the MOQ of 6" in out, out
    assert "unknown-reference" in out and "VASE-XL" in out
    after = read_workbook(book)
    [order] = after.orders
    assert (order.po_number, order.buyer_id, order.po_date, order.status) == ("5501", "SHOP", date(2026, 12, 2), "draft")
    assert [(ln.line_no, ln.sku, ln.qty, ln.unit_price) for ln in after.lines] == [
        (1, "VASE", 24, Decimal("12")), (2, "VASE-XL", 6, Decimal("30")), (3, "VASE", 4, Decimal("12"))]
    before = sha(book)
    assert "nothing imported" in run("import-po", book, po_file, "--buyer", "SHOP")
    assert sha(book) == before
    assert "no new messages" in run("inbox", book, "--ca-file", certs.ca)


# ------------------------------------------------------------------------------- Done when (3): reminders

TODAY = date(2026, 12, 10)


def ladder_book(tmp_path: Path, port: int) -> Path:
    """Invoices at every point of the default ladder (-3, 1, 7, 15, 30), and ones never to chase."""
    book = make_book(tmp_path, port, orders=0)
    wb = openpyxl.load_workbook(book)
    rows = {  # number: (days from today to the due date, status, paid, hold)
        "INV-A": (3, "open", 0, None),       # step -3: a friendly note before the due date
        "INV-B": (-1, "open", 0, None),      # step 1
        "INV-C": (-7, "partial", 0, None),   # step 7
        "INV-D": (-15, "open", 0, None),     # step 15
        "INV-E": (-30, "open", 0, None),     # step 30: the last, with the statement
        "INV-F": (10, "open", 0, None),      # not yet
        "INV-G": (-7, "paid", 100, None),    # paid: never
        "INV-H": (-7, "open", 0, "disputed"),  # disputed: never
        "INV-I": (-10, "open", 0, None),     # step 7 sent already: nothing until 15
        "INV-K": (-20, "open", 0, None),     # credited in full: never
    }
    for number, (days, status, paid, hold) in rows.items():
        due = TODAY + timedelta(days=days)
        po = "PO-" + number[-1]
        wb["Orders"].append([po, None, "SHOP", due - timedelta(days=40), None, None, None, 0, "invoiced"])
        wb["Invoices"].append([number, "final", po, due - timedelta(days=30), "Net 30", due, 100, paid, 100 - paid,
                               status, None, None, None, hold])
    wb["Invoices"].append(["CN-0001", "credit", "PO-K", TODAY - timedelta(days=5), None, TODAY - timedelta(days=5),
                           -100, 0, 0, "paid", "INV-K"])
    wb["Messages"].append(["2026-12-07 09:00:00", "out", "reminder", "sent", TODAY - timedelta(days=3), USER,
                           "ap@juniper.example", "Reminder", "INV-I", "PO-I", 7])
    wb.save(book)
    (tmp_path / "documents").mkdir()
    (tmp_path / "documents" / "INV-B.pdf").write_bytes(b"%PDF-1.4 invoice B")
    return book


def test_remind_walks_the_ladder_once(tmp_path: Path, certs: Certs, smtpd: Smtpd) -> None:
    book = ladder_book(tmp_path, smtpd.port)
    out = run("remind", book, "--ca-file", certs.ca, "--today", TODAY.isoformat())
    got = {str(m["X-Poflow-Document"]): m for m in smtpd.handler.parsed()}
    assert sorted(got) == ["INV-A", "INV-B", "INV-C", "INV-D", "INV-E"], out
    steps = {m.document_number: m.step for m in read_workbook(book).messages if m.status == "sent" and m.row > 2}
    assert steps == {"INV-A": -3, "INV-B": 1, "INV-C": 7, "INV-D": 15, "INV-E": 30}
    for msg in got.values():
        assert msg["To"] == "ap@juniper.example" and msg["Auto-Submitted"] == "auto-generated"
    assert str(got["INV-A"]["Subject"]) == "Invoice INV-A is due on 13 December 2026"
    assert "7 days overdue" in str(got["INV-C"]["Subject"])
    assert [a.get_filename() for a in got["INV-B"].iter_attachments()] == ["INV-B.pdf"]
    assert [a.get_filename() for a in got["INV-E"].iter_attachments()] == ["ST-SHOP-2026-12-10.pdf"]
    assert str(got["INV-E"]["Subject"]).startswith("Final reminder")
    assert "INV-H: no reminder: marked 'disputed'" in out
    before = sha(book)
    out = run("remind", book, "--ca-file", certs.ca, "--today", TODAY.isoformat())
    assert "no reminder due today" in out and len(smtpd.handler.messages) == 5 and sha(book) == before
    run("remind", book, "--ca-file", certs.ca, "--today", (TODAY + timedelta(days=60)).isoformat())
    later = [str(m["X-Poflow-Document"]) for m in smtpd.handler.parsed()[5:]]
    assert sorted(later) == ["INV-A", "INV-B", "INV-C", "INV-D", "INV-F", "INV-I"]  # each its step 30, once
    assert not any(str(m["X-Poflow-Document"]) in ("INV-G", "INV-H", "INV-K") for m in smtpd.handler.parsed())


def test_remind_dry_run_writes_eml_files_only(tmp_path: Path, smtpd: Smtpd) -> None:
    book = ladder_book(tmp_path, smtpd.port)
    before = sha(book)
    out = run("remind", book, "--dry-run", "--today", TODAY.isoformat())
    outbox = sorted(p.name for p in (tmp_path / "documents" / "outbox").glob("*.eml"))
    assert outbox == ["INV-A-reminder-step-3.eml", "INV-B-reminder-step1.eml", "INV-C-reminder-step7.eml",
                      "INV-D-reminder-step15.eml", "INV-E-reminder-step30.eml"], out
    assert sha(book) == before and smtpd.handler.messages == []


# --------------------------------------------------------------------- sending: idempotent, retried, TLS


def test_send_is_idempotent_and_a_failed_send_is_retried(tmp_path: Path, certs: Certs) -> None:
    with Smtpd(certs, implicit=True) as smtps:
        book = make_book(tmp_path, smtps.port, orders=1)
        settings(book, **{"SMTP Security": "tls"})
        wb = openpyxl.load_workbook(book)
        wb["Buyers"]["C2"] = "anna@juniper.example; gone@refused.example"
        wb.save(book)
        out = run("confirm", book, "PO-1", "--send", "--ca-file", certs.ca, "--today", "2026-12-01", code=1)
        assert "sent OC-0001 to anna@juniper.example" in out and "NOT sent to gone@refused.example" in out, out
        assert smtps.handler.messages[0].rcpt_tos == ["anna@juniper.example"]
        rows = read_workbook(book).messages
        assert [(m.status, m.to_addr) for m in rows] == [("sent", "anna@juniper.example"),
                                                          ("failed", "gone@refused.example")]
        assert "550 5.1.1 no such mailbox" in rows[1].error
        smtps.handler.refuse = False  # the mailbox exists again
        out = run("send", book, "--ca-file", certs.ca)
        assert "OC-0001: trying again" in out, out
        assert smtps.handler.messages[1].rcpt_tos == ["gone@refused.example"]
        assert [m.status for m in read_workbook(book).messages] == ["sent", "failed", "sent"]
        out = run("send", book, "OC-0001", "--ca-file", certs.ca)
        assert "OC-0001 was sent already" in out and len(smtps.handler.messages) == 2
        run("send", book, "OC-0001", "--again", "--ca-file", certs.ca)
        assert len(smtps.handler.messages) == 3


def test_invoice_send_dry_run_writes_the_eml(tmp_path: Path, smtpd: Smtpd) -> None:
    book = make_book(tmp_path, smtpd.port, orders=1)
    run("acknowledge", book, "PO-1", "--today", "2026-12-01")
    run("ship", book, "PO-1", "--date", "2026-12-02")
    before = sha(book)
    out = run("invoice", book, "PO-1", "--today", "2026-12-02", "--send", "--dry-run")
    eml = tmp_path / "documents" / "outbox" / "INV-1001.eml"
    assert eml.is_file() and "ap@juniper.example" in out, out
    assert b"Invoice INV-1001 for PO PO-1, due 1 January 2027" in eml.read_bytes()
    assert sha(book) == before and smtpd.handler.messages == []


def test_every_issuing_command_sends_its_document(tmp_path: Path, certs: Certs, smtpd: Smtpd) -> None:
    book = make_book(tmp_path, smtpd.port, orders=1)
    send = ("--send", "--ca-file", certs.ca)
    run("quote", book, "SHOP", "VASE=12", "--today", "2026-12-01", *send)
    run("linesheet", book, "--buyer", "SHOP", "--today", "2026-12-01", *send)
    run("acknowledge", book, "PO-1", "--today", "2026-12-01", *send)
    run("ship", book, "PO-1", "--date", "2026-12-02")
    run("invoice", book, "PO-1", "--today", "2026-12-02", *send)
    run("credit", book, "INV-1001", "--amount", "10", "--reason", "one chipped", "--today", "2026-12-03", *send)
    run("statement", book, "shop", "--today", "2026-12-04", *send)  # the buyer id in another case
    buyer, billing = "anna@juniper.example, owner@juniper.example", "ap@juniper.example"
    got = {doc: (str(m["To"]), [a.get_filename() for a in m.iter_attachments()]) for doc, m in by_document(smtpd).items()}
    assert got == {"Q-0001": (buyer, ["Q-0001.pdf"]), "LS-2026-12-01-SHOP": (buyer, ["LS-2026-12-01-SHOP.pdf"]),
                   "ACK-PO-1": (buyer, ["ACK-PO-1.pdf"]), "INV-1001": (billing, ["INV-1001.pdf"]),
                   "CN-0001": (billing, ["CN-0001.pdf"]), "ST-shop-2026-12-04": (billing, ["ST-shop-2026-12-04.pdf"])}
    assert str(by_document(smtpd)["INV-1001"]["Subject"]) == "Invoice INV-1001 for PO PO-1, due 1 January 2027"
    kinds = [m.kind for m in read_workbook(book).messages]
    assert kinds == ["quote", "linesheet", "acknowledgement", "invoice", "credit note", "statement"]
    before = sha(book)
    out = invoke("linesheet", book, "--today", "2026-12-05", *send)
    assert out.exit_code == 2 and "names nobody to send it to" in out.output and sha(book) == before


# --------------------------------------------------------------------------- Done when (4): failures


def one_line_failure(result: Result, *words: str) -> None:
    assert result.exit_code == 2, result.output
    lines = [ln for ln in result.output.strip().splitlines() if ln.strip()]
    assert len(lines) == 1 and lines[0].startswith("poflow: "), result.output
    for w in words:
        assert w in lines[0], (w, lines[0])
    assert PASSWORD not in result.output and "s3cr3t" not in result.output


@pytest.mark.parametrize("case", ["wrong password", "unreachable", "untrusted certificate"])
def test_smtp_failures_end_in_one_line_and_record_nothing(case: str, tmp_path: Path, certs: Certs, smtpd: Smtpd,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    port = free_port() if case == "unreachable" else smtpd.port
    book = make_book(tmp_path, port, orders=1)
    ca: list[object] = [] if case == "untrusted certificate" else ["--ca-file", certs.ca]
    if case == "wrong password":
        monkeypatch.setenv("POFLOW_SMTP_PASSWORD", PASSWORD + "-typo")
    words = {"wrong password": ("refused the login for user 'orders@brand.example'", "POFLOW_SMTP_PASSWORD"),
             "unreachable": ("cannot connect",),
             "untrusted certificate": ("certificate is not trusted", "--ca-file")}[case]
    before = sha(book)
    one_line_failure(invoke("confirm", book, "PO-1", "--send", *ca, "--today", "2026-12-01"), *words)
    assert sha(book) == before and not (tmp_path / "documents").exists()  # not even the confirmation
    run("confirm", book, "PO-1", "--today", "2026-12-01")
    before = sha(book)
    one_line_failure(invoke("send", book, "OC-0001", *ca), *words)
    assert sha(book) == before and read_workbook(book).messages == ()
    assert smtpd.handler.messages == []


@pytest.mark.parametrize("case", ["wrong password", "unreachable", "untrusted certificate"])
def test_imap_failures_end_in_one_line_and_record_nothing(case: str, tmp_path: Path, certs: Certs, dovecot: Dovecot,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    book = make_book(tmp_path, imap_port=free_port() if case == "unreachable" else dovecot.imaps, orders=0)
    dovecot.deliver(b"From: anna@juniper.example\r\nSubject: hello\r\nMessage-ID: <h@j>\r\n\r\nhi\r\n")
    ca: list[object] = [] if case == "untrusted certificate" else ["--ca-file", certs.ca]
    if case == "wrong password":
        monkeypatch.setenv("POFLOW_IMAP_PASSWORD", PASSWORD + "-typo")
    words = {"wrong password": ("refused the login", "POFLOW_IMAP_PASSWORD"), "unreachable": ("cannot connect",),
             "untrusted certificate": ("certificate is not trusted",)}[case]
    before = sha(book)
    one_line_failure(invoke("inbox", book, *ca), *words)
    assert sha(book) == before
