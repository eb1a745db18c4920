"""The pure parts of mail: new text and approvals in four languages, bounces and auto-replies, the ladder,
templates and their check by validate, and a CSV PO read by its column names."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from email.message import EmailMessage
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from poflow_sheets.cli import main
from poflow_sheets.mail.inbox import parse
from poflow_sheets.mail.ladder import due_reminders
from poflow_sheets.mail.po_import import PoTable, import_po
from poflow_sheets.mail.replies import bounced_ids, classify, html_to_text, is_auto_reply, is_bounce, new_text
from poflow_sheets.mail.templates import parse_ladder, render, template_problems
from poflow_sheets.reader import Book, read_workbook
from poflow_sheets.records import Buyer, Invoice, Message, Order, Product, Settings

APPROVALS = [
    "approved", "Approved!", "Approved, thanks!", "yes, approved", "Yes approved.", "ok to proceed", "OK to proceed, thanks",
    "Approved.\n\nBest regards,\nAnna", "We approve. Thank you!", "Please proceed.", "Confirmed, go ahead.",
    "Aprobado", "Aprobado, gracias.", "Sí, aprobado", "Ok para proceder", "De acuerdo, pueden proceder. Saludos",
    "Approuvé", "Approuvé, merci !", "Oui, c'est validé", "Bon pour accord", "OK pour procéder. Cordialement",
    "Genehmigt", "Freigegeben, danke!", "Ja, genehmigt.\nViele Grüße\nAnna Berg", "Einverstanden", "Passt, freigegeben",
]
NOT_APPROVALS = [
    "Not approved - please change line 2", "approved except line 3", "Approved? Can you ship earlier?",
    "Can you change line 2 to 24?", "approved but please ship on the 5th", "Please hold, not yet",
    "No", "Thanks, we will check", "approved if you can do 10% off", "Approved, except the vases",
    "No aprobado", "Aprobado excepto la línea 3", "Pas approuvé", "Approuvé sauf la ligne 3", "Nicht genehmigt",
    "Genehmigt, aber ohne Position 3", "looks good", "", "Please call me",
]


@pytest.mark.parametrize("text", APPROVALS)
def test_clear_approvals(text: str) -> None:
    assert classify(text, ("Anna Berg",)).verdict == "approval"


@pytest.mark.parametrize("text", NOT_APPROVALS)
def test_everything_else_is_for_a_person(text: str) -> None:
    assert classify(text, ("Anna Berg",)).verdict == "other"


@pytest.mark.parametrize("body", [
    "Approved, thanks!\n\nOn Tue, 1 Dec 2026 at 09:00, Fern <orders@brand.example> wrote:\n> Please reply approved\n",
    "Approved, thanks!\n\n-----Original Message-----\nFrom: Fern\nSent: Tuesday\nSubject: OC\n\nNot approved here\n",
    "Approved, thanks!\n________________________________\nFrom: Fern <orders@brand.example>\nSent: 1 Dec\nNot approved\n",
    "Approved, thanks!\n\nEl mar, 1 dic 2026, Fern <orders@brand.example> escribió:\n> no\n",
    "Approved, thanks!\n\nLe mar. 1 déc. 2026 à 09:00, Fern <orders@brand.example> a écrit :\n> non\n",
    "Approved, thanks!\n\nAm 01.12.2026 um 09:00 schrieb Fern <orders@brand.example>:\n> nicht\n",
    "Approved, thanks!\n\nSent from my iPhone\n",
    "Approved, thanks!\n-- \nAnna Berg | Juniper Shop | not a phone: 555\n",
])
def test_new_text_leaves_out_the_quoted_history_and_the_signature(body: str) -> None:
    assert new_text(body) == "Approved, thanks!"


def test_html_reply_without_the_quote() -> None:
    page = ('<div dir="ltr">Approved, thanks!<br></div><div class="gmail_quote"><div>On Tue wrote:</div>'
            "<blockquote>please change line 2? not approved</blockquote></div>")
    assert new_text(html_to_text(page)) == "Approved, thanks!"


def _message(**headers: str) -> EmailMessage:
    msg = EmailMessage()
    for k, v in headers.items():
        msg[k.replace("_", "-")] = v
    msg.set_content("text")
    return msg


def test_bounces_and_auto_replies_are_recognised() -> None:
    original = _message(From="orders@brand.example", To="gone@juniper.example", Subject="Invoice INV-1001",
                        Message_ID="<orig@brand.example>")
    dsn = EmailMessage()
    dsn["From"] = "Mail Delivery System <MAILER-DAEMON@mx.example>"
    dsn["Subject"] = "Undelivered Mail Returned to Sender"
    dsn.set_content("This is the mail system. I'm sorry to have to inform you...")
    dsn.add_attachment(original)
    dsn.replace_header("Content-Type", dsn.get("Content-Type", "").replace("multipart/mixed", "multipart/report")
                       + '; report-type="delivery-status"')
    parsed = parse(dsn.as_bytes())
    assert is_bounce(parsed) and "<orig@brand.example>" in bounced_ids(parsed)
    notice = _message(From="postmaster@juniper.example", Subject="Delivery Status Notification (Failure)")
    notice.set_content("Original message headers:\nMessage-ID: <orig@brand.example>\nSubject: Invoice\n")
    assert is_bounce(notice) and bounced_ids(notice) == ["<orig@brand.example>"]
    assert not is_bounce(_message(From="anna@juniper.example", Subject="Undeliverable? no, delivered"))
    assert is_auto_reply(_message(From="anna@juniper.example", Auto_Submitted="auto-replied", Subject="Re: OC-0001"))
    for subject in ("Out of Office: back Monday", "Automatic reply: Order", "Abwesenheitsnotiz: Urlaub",
                    "Réponse automatique : absent", "Respuesta automática: vacaciones"):
        assert is_auto_reply(_message(From="anna@juniper.example", Subject=subject)), subject
    assert not is_auto_reply(_message(From="anna@juniper.example", Subject="Re: OC-0001", Auto_Submitted="no"))


def test_bounce_and_auto_reply_recorded_against_the_message_they_answer(tmp_path: Path) -> None:
    book = tmp_path / "books.xlsx"
    assert CliRunner().invoke(main, ["init", str(book)]).exit_code == 0
    wb = openpyxl.load_workbook(book)
    wb["Buyers"].append(["SHOP", "Juniper Shop LLC", "anna@juniper.example"])
    wb["Orders"].append(["PO-1", "OC-0001", "SHOP", date(2026, 12, 1), None, None, None, 0, "confirmation sent",
                         date(2026, 12, 1)])
    wb["Messages"].append(["2026-12-01 09:00:00", "out", "confirmation", "sent", date(2026, 12, 1),
                           "orders@brand.example", "anna@juniper.example", "Order confirmation OC-0001", "OC-0001",
                           "PO-1", None, "<oc1@brand.example>"])
    wb.save(book)
    folder = tmp_path / "mail"
    folder.mkdir()
    original = _message(From="orders@brand.example", To="anna@juniper.example", Subject="Order confirmation OC-0001",
                        Message_ID="<oc1@brand.example>")
    bounce = EmailMessage()
    bounce["From"] = "MAILER-DAEMON@mx.juniper.example"
    bounce["Subject"] = "Undelivered Mail Returned to Sender"
    bounce["Message-ID"] = "<b1@mx.juniper.example>"
    bounce.set_content("User unknown")
    bounce.add_attachment(original)
    (folder / "1.eml").write_bytes(bounce.as_bytes())
    auto = _message(From="anna@juniper.example", Subject="Automatic reply: Order confirmation OC-0001",
                    Message_ID="<a1@juniper.example>", In_Reply_To="<oc1@brand.example>")
    (folder / "2.eml").write_bytes(auto.as_bytes())
    result = CliRunner().invoke(main, ["inbox", str(book), "--from", str(folder), "--today", "2026-12-02"])
    assert result.exit_code == 1, result.output  # a bounce needs a person: the address is wrong
    assert "bounce: OC-0001 to anna@juniper.example did not arrive" in result.output
    rows = read_workbook(book).messages
    assert [(m.kind, m.status, m.in_reply_to) for m in rows] == [
        ("confirmation", "bounced", ""), ("bounce", "noted", "<oc1@brand.example>"),
        ("auto-reply", "noted", "<oc1@brand.example>")]
    assert read_workbook(book).orders[0].approved_on is None
    result = CliRunner().invoke(main, ["inbox", str(book), "--from", str(folder)])
    assert result.exit_code == 0 and "no new messages" in result.output


# ------------------------------------------------------------------------------------------------ ladder


def _book(invoices: list[Invoice], messages: tuple[Message, ...] = ()) -> Book:
    return Book(path=Path("b.xlsx"), settings=Settings(), buyers=(Buyer("B", "Buyer"),),
                orders=(Order("PO-1", "B", date(2026, 1, 1), "invoiced"),), invoices=tuple(invoices), messages=messages)


def _inv(number: str, due: date, *, issued: date | None = None, kind: str = "final", status: str = "open") -> Invoice:
    return Invoice(
        invoice_number=number, kind=kind, po_number="PO-1", invoice_date=issued or due - timedelta(days=30),
        due_date=due, total=Decimal(100), status=status, balance=Decimal(100))


def test_ladder_highest_step_once_and_never_back() -> None:
    today = date(2026, 6, 30)
    ladder = parse_ladder("-3, 1, 7, 15, 30")
    assert ladder == (-3, 1, 7, 15, 30) and parse_ladder("30;7 ,1 -3 15") == ladder
    due = today - timedelta(days=20)
    [r], _ = due_reminders(_book([_inv("I1", due)]), today, ladder)
    assert (r.step, r.last, r.days) == (15, False, 20)  # 20 days late and never chased: step 15, not 1 and 7 too
    sent = (Message("out", "reminder", "sent", document_number="I1", step=15),)
    assert due_reminders(_book([_inv("I1", due)], sent), today, ladder)[0] == []
    failed = (Message("out", "reminder", "failed", document_number="I1", step=15),)
    assert [r.step for r in due_reminders(_book([_inv("I1", due)], failed), today, ladder)[0]] == [15]
    deposit = _inv("D1", today - timedelta(days=2), issued=today - timedelta(days=2), kind="deposit")
    assert [r.step for r in due_reminders(_book([deposit]), today, ladder)[0]] == [1]
    soon = _inv("S1", today + timedelta(days=3), issued=today - timedelta(days=1))
    assert [r.step for r in due_reminders(_book([soon]), today, ladder)[0]] == [-3]
    brand_new = _inv("N1", today + timedelta(days=3), issued=today - timedelta(days=1) + timedelta(days=1))
    assert due_reminders(_book([brand_new]), today, ladder)[0] == []  # issued on the step's day: no "due soon"
    with pytest.raises(ValueError):
        parse_ladder("1, seven")


# --------------------------------------------------------------------------------------------- templates


def test_templates_render_and_report_problems() -> None:
    assert render("Invoice {document} for {po}, {unknown}", {"document": "INV-1", "po": "PO-9"}) == \
        "Invoice INV-1 for PO-9, {unknown}"
    assert template_problems("Hello {buyer}, {amount} due {due_date}") == []
    assert template_problems("Hello {Buyer}")[0].startswith("unknown placeholder {Buyer}")
    assert "brace" in template_problems("Hello {buyer")[0]


def test_own_template_is_used_and_a_bad_one_is_a_finding(tmp_path: Path) -> None:
    book = tmp_path / "books.xlsx"
    runner = CliRunner()
    assert runner.invoke(main, ["init", str(book)]).exit_code == 0
    wb = openpyxl.load_workbook(book)
    wb["Templates"].append(["invoice", "Rechnung {document}", "Guten Tag {buyer}, {amount} bis {due_date}."])
    wb["Templates"].append(["reminder 7", "Second note on {document}", "Hello {customer}"])
    wb["Templates"].append(["thank you", "Thanks", "For {buyer}"])
    wb.save(book)
    result = runner.invoke(main, ["validate", str(book), "--json"])
    import json

    found = [(f["row"], f["column"], f["code"]) for f in json.loads(result.output)["findings"]]
    assert found == [(3, "Body", "template"), (4, "Template", "template")], result.output
    from poflow_sheets.mail.templates import template_for

    b = read_workbook(book)
    assert template_for(b, "invoice") == ("Rechnung {document}", "Guten Tag {buyer}, {amount} bis {due_date}.")
    assert template_for(b, "reminder", step=7)[0] == "Second note on {document}"
    assert template_for(b, "reminder", step=15)[0].startswith("Reminder: invoice {document}")


# -------------------------------------------------------------------------------------------- PO import


def test_csv_po_with_headers_in_spanish_and_a_preamble() -> None:
    book = Book(path=Path("b.xlsx"), settings=Settings(), buyers=(Buyer("B", "Tienda"),),
                products=(Product("CUP", "Cup", Decimal(5), moq=12, case_pack=12),))
    table = PoTable("pedido.csv", (("Pedido", "PO-88"), ("Fecha", "2026-12-01"), (), ("Código", "Cantidad", "Precio"),
                                   ("CUP", "24", "5.00"), ("CUP", "18", "4.50"), ("", "TOTAL", "201")))
    result = import_po(book, table, "B", date(2026, 12, 5))
    order = result.changes.appends[0].record
    assert (order.po_number, order.po_date) == ("PO-88", date(2026, 12, 1))  # type: ignore[attr-defined]
    assert [(a.record.qty, a.record.unit_price) for a in result.changes.appends[1:]] == [  # type: ignore[attr-defined]
        (24, Decimal("5.00")), (18, Decimal("4.50"))]
    assert sorted((f.row, f.code) for f in result.findings) == [(6, "case-pack"), (6, "price-mismatch")]
