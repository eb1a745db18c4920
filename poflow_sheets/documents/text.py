"""A `Document` as plain text, for an e-mail body or a terminal (the same facts as the PDF)."""

from __future__ import annotations

from ..money import format_money
from ..terms import long_date
from .model import Document, is_accepted, status_label
from .pdf import discount_sentence, full_title, qty_text


def render_text(doc: Document) -> str:
    """The document as plain text lines, monospaced columns for the lines table."""
    out: list[str] = [full_title(doc), "=" * len(full_title(doc))]
    out += list(doc.seller.lines())
    out.append("")
    out.append(f"Date: {long_date(doc.issue_date)}")
    if doc.po_number:
        out.append(f"PO number: {doc.po_number}")
    if doc.our_ref:
        out.append(f"Our order ref.: {doc.our_ref}")
    if doc.related_invoice:
        out.append(f"Credits invoice: {doc.related_invoice}")
    if doc.requested_ship_date:
        out.append(f"Requested ship date: {long_date(doc.requested_ship_date)}")
    if doc.promised_ship_date:
        out.append(f"Promised ship date: {long_date(doc.promised_ship_date)}")
    out.append("")
    out.append("Account:" if doc.kind == "statement" else "Bill to:")
    out += [f"  {s}" for s in doc.buyer.lines()]
    out.append("")
    if doc.kind == "acknowledgement":
        n = sum(1 for ln in doc.lines if not is_accepted(ln.status))
        out.append(f"EXCEPTIONS ({n} line(s) not accepted as ordered):" if n else "EXCEPTIONS: none")
        out += [f"  * {e}" for e in doc.exceptions]
        out.append("")
    if doc.kind == "confirmation" and doc.ask_to_approve:
        out += ["Please reply 'approved' to this email to confirm this order exactly as shown.", ""]
    cur = doc.currency
    if doc.kind == "statement":
        out.append(f"{'Date':<12}{'Type':<13}{'Number':<12}{'PO':<16}{'Due':<12}{'Amount':>12}{'Paid':>12}{'Balance':>12}")
        for r in doc.statement_rows:
            due = f"{r.due_date:%Y-%m-%d}" if r.due_date else ""
            out.append(
                f"{r.date:%Y-%m-%d}  {r.kind:<13}{r.number:<12}{r.po_number:<16}{due:<12}"
                f"{format_money(r.amount):>12}{format_money(r.paid):>12}{format_money(r.balance):>12}"
            )
        out.append(f"Balance due: {format_money(doc.amount_due, cur)}")
        if doc.aging:
            out.append("Aging: " + ", ".join(f"{label} {format_money(v)}" for label, v in doc.aging))
    else:
        out.append(f"{'#':>3}  {'SKU':<14}{'Description':<36}{'Qty':>7}{'Unit price':>12}{'Amount':>12}  Status")
        for ln in doc.lines:
            status = status_label(ln.status) if doc.kind == "acknowledgement" else ""
            out.append(
                f"{ln.line_no:>3}  {ln.sku:<14}{ln.description[:35]:<36}{qty_text(ln.qty):>7}"
                f"{format_money(ln.unit_price):>12}{format_money(ln.amount):>12}  {status}".rstrip()
            )
            if ln.note:
                out.append(f"{'':>19}{ln.note}")
        out.append("")
        out.append(f"Subtotal: {format_money(doc.subtotal)}")
        out.append(f"Sales tax: {format_money(doc.tax)}")
        for d in doc.deposit_deductions:
            out.append(f"Less deposit invoice {d.number} of {long_date(d.date)}: {format_money(-d.amount)}")
        label = {"credit_note": "Total credit", "confirmation": "Order total", "acknowledgement": "Order total"}
        out.append(f"{label.get(doc.kind, 'Amount due')}: {format_money(doc.amount_due, cur)}")
        if doc.tax_note:
            out.append(doc.tax_note)
        if doc.terms_text:
            out.append(f"Terms: {doc.terms_text}")
        if doc.kind in ("invoice", "deposit_invoice") and doc.due_date:
            out.append(f"Due: {long_date(doc.due_date)}")
        if discount_sentence(doc):
            out.append(discount_sentence(doc))
    if doc.remit_to.strip() and doc.kind not in ("confirmation", "acknowledgement", "credit_note"):
        out += ["", "Remit to:"] + [f"  {s.strip()}" for s in doc.remit_to.splitlines() if s.strip()]
    if doc.notes:
        out += ["", *doc.notes]
    return "\n".join(out) + "\n"
