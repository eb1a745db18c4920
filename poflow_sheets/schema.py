"""The one declarative schema: every tab, column and Settings key poflow knows is named here only.

Plain data (dataclasses of strings, tuples and booleans) that template building, reading,
validation, documents and sync all read. `as_dict()` dumps it as JSON-ready data.
"""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from typing import Literal, get_args

TEXT, INTEGER, MONEY, PERCENT, DATE, ENUM, BOOLEAN, LIST, NUMBER = (
    "text", "integer", "money", "percent", "date", "enum", "boolean", "list", "number",
)

# Closed sets: declared once as Literal types (mypy with strict_equality catches `status == "shiped"`),
# and as tuples of their values for the template's drop-downs, the reader and validation.
OrderStatus = Literal[
    "draft", "confirmation sent", "approved", "acknowledged", "deposit paid",
    "partially shipped", "shipped", "invoiced", "paid", "closed", "cancelled",
]
LineStatus = Literal["accepted", "quantity changed", "backordered", "substituted", "rejected", "cancelled"]
InvoiceKind = Literal["deposit", "final", "credit"]
InvoiceStatus = Literal["open", "partial", "paid", "void"]
PaymentStatus = Literal["new", "applied", "partial", "review", "ignored", "unmatched"]
AllocationKind = Literal["invoice", "deposit", "fee", "discount", "credit", "deduction"]
AllocationMethod = Literal["auto", "manual", "confirmed"]
QuoteStatus = Literal["inquiry", "quoted", "accepted", "expired", "lost"]
ClaimKind = Literal["short", "damaged", "wrong item", "return"]
ClaimStatus = Literal["open", "approved", "rejected", "settled"]
ClaimResolution = Literal["credit", "replacement", "refund", "none"]
InvoiceHold = Literal["disputed", "on hold"]  # an invoice poflow must not chase
MessageDirection = Literal["out", "in"]
MessageKind = Literal[
    "quote", "linesheet", "confirmation", "acknowledgement", "deposit invoice", "invoice", "credit note",
    "statement", "packing slip", "reminder", "reply", "purchase order", "bounce", "auto-reply", "other",
]
MessageStatus = Literal["sent", "failed", "bounced", "approved", "review", "saved", "noted", "ignored"]

ORDER_STATUSES: tuple[OrderStatus, ...] = get_args(OrderStatus)
ACK_STATUSES: tuple[LineStatus, ...] = get_args(LineStatus)  # a line's status in our acknowledgement
INVOICE_KINDS: tuple[InvoiceKind, ...] = get_args(InvoiceKind)
INVOICE_STATUSES: tuple[InvoiceStatus, ...] = get_args(InvoiceStatus)
PAYMENT_STATUSES: tuple[PaymentStatus, ...] = get_args(PaymentStatus)
ALLOCATION_KINDS: tuple[AllocationKind, ...] = get_args(AllocationKind)
ALLOCATION_METHODS: tuple[AllocationMethod, ...] = get_args(AllocationMethod)
QUOTE_STATUSES: tuple[QuoteStatus, ...] = get_args(QuoteStatus)
CLAIM_KINDS: tuple[ClaimKind, ...] = get_args(ClaimKind)
CLAIM_STATUSES: tuple[ClaimStatus, ...] = get_args(ClaimStatus)
CLAIM_RESOLUTIONS: tuple[ClaimResolution, ...] = get_args(ClaimResolution)
INVOICE_HOLDS: tuple[InvoiceHold, ...] = get_args(InvoiceHold)
MESSAGE_DIRECTIONS: tuple[MessageDirection, ...] = get_args(MessageDirection)
MESSAGE_KINDS: tuple[MessageKind, ...] = get_args(MessageKind)
MESSAGE_STATUSES: tuple[MessageStatus, ...] = get_args(MessageStatus)


@dataclass(frozen=True)
class Column:
    """One column of a tab: its field name, header, type and constraints."""

    key: str
    header: str
    type: str = TEXT
    required: bool = False
    contract: bool = False  # part of the minimum contract: the header must be present
    choices: tuple[str, ...] = ()
    ref: str | None = None  # "Tab.key" this column points at
    help: str = ""
    width: int = 14
    nonnegative: bool = False  # a negative value is a finding


@dataclass(frozen=True)
class Tab:
    """One tab of the workbook."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    required: bool = True  # a workbook must have this tab (else it reads as empty)
    owned: bool = False  # poflow writes whole rows here (Payments, Allocations, Log)
    help: str = ""

    def column(self, key: str) -> Column:
        """The column with this field name."""
        for col in self.columns:
            if col.key == key:
                return col
        raise KeyError(f"{self.name} has no column {key!r}")


@dataclass(frozen=True)
class SettingKey:
    """One key of the Settings tab."""

    key: str
    label: str
    type: str = TEXT
    default: str = ""
    contract: bool = False
    help: str = ""


def C(key: str, header: str, type: str = TEXT, **kw: object) -> Column:
    """Shorthand for a Column."""
    return Column(key, header, type, **kw)  # type: ignore[arg-type]


SETTINGS_KEYS: tuple[SettingKey, ...] = (
    SettingKey("seller_name", "Seller Name", TEXT, "", True, "Your business name as it appears on documents."),
    SettingKey("seller_address", "Seller Address", TEXT, "", False, "Postal address printed on documents."),
    SettingKey("seller_email", "Seller Email", TEXT, "", False, "Reply-to address printed on documents."),
    SettingKey("currency", "Currency", TEXT, "USD", True, "ISO currency code of all prices, e.g. USD."),
    SettingKey("default_terms", "Default Terms", TEXT, "Net 30", True,
               "Payment terms when neither order nor buyer names them: Net 30, 2/10 Net 30, Due on receipt."),
    SettingKey("default_deposit_pct", "Default Deposit Pct", PERCENT, "0%", True,
               "Deposit asked when neither order nor buyer names one."),
    SettingKey("first_order_deposit_pct", "First Order Deposit Pct", PERCENT, "50%", False,
               "Deposit asked on a buyer's first order when nothing else names one."),
    SettingKey("invoice_prefix", "Invoice Prefix", TEXT, "INV-", True, "Text before invoice numbers."),
    SettingKey("next_invoice_number", "Next Invoice Number", INTEGER, "1001", True,
               "The number the next invoice gets; poflow raises it."),
    SettingKey("confirmation_prefix", "Confirmation Prefix", TEXT, "OC-", False,
               "Text before order confirmation numbers (our reference)."),
    SettingKey("next_confirmation_number", "Next Confirmation Number", INTEGER, "1", False,
               "The number the next order confirmation gets."),
    SettingKey("quote_prefix", "Quote Prefix", TEXT, "Q-", False, "Text before quote numbers."),
    SettingKey("next_quote_number", "Next Quote Number", INTEGER, "1", False, "The number the next quote gets."),
    SettingKey("quote_valid_days", "Quote Valid Days", INTEGER, "30", False, "Days a quote holds its prices."),
    SettingKey("credit_prefix", "Credit Prefix", TEXT, "CN-", False, "Text before credit note numbers."),
    SettingKey("next_credit_number", "Next Credit Number", INTEGER, "1", False,
               "The number the next credit note gets."),
    SettingKey("claim_prefix", "Claim Prefix", TEXT, "CL-", False, "Text before buyer claim numbers."),
    SettingKey("next_claim_number", "Next Claim Number", INTEGER, "1", False, "The number the next claim gets."),
    SettingKey("claim_window_days", "Claim Window Days", INTEGER, "7", False,
               "Days after delivery (else the ship date) a buyer may report a claim; a later one is flagged Late."),
    SettingKey("tax_rate", "Tax Rate", PERCENT, "0%", False, "Sales tax on invoices to buyers not exempt."),
    SettingKey("remit_to", "Remit To", TEXT, "", False, "Bank details for payment printed on invoices."),
    SettingKey("lead_time_days", "Lead Time Days", INTEGER, "7", False,
               "Days from acknowledgement to the earliest ship date."),
    SettingKey("fee_tolerance", "Fee Tolerance", NUMBER, "35.00", False,
               "Largest shortfall accepted as a bank or wire fee."),
    SettingKey("match_threshold", "Match Threshold", NUMBER, "0.9", False,
               "Confidence from 0 to 1 above which a match is applied automatically."),
    SettingKey("payment_window_days", "Payment Window Days", INTEGER, "180", False,
               "How many days after an invoice a payment may still match it."),
    SettingKey("backup_retention", "Backup Retention", INTEGER, "20", False,
               "How many backups to keep in .poflow-backups/."),
    SettingKey("bank_mapping", "Bank Mapping", TEXT, "", False,
               "Column mapping for an unknown bank CSV: date=Col;amount=Col;payer=Col;memo=Col;decimal=,."),
    SettingKey("smtp_host", "SMTP Host", TEXT, "", False, "Mail server for --email."),
    SettingKey("smtp_port", "SMTP Port", INTEGER, "587", False, "Mail server port."),
    SettingKey("smtp_user", "SMTP User", TEXT, "", False, "Mail login (the password comes from POFLOW_SMTP_PASSWORD)."),
    SettingKey("report_to", "Report To", TEXT, "", False, "Where --email sends the reconciliation summary."),
    SettingKey("smtp_security", "SMTP Security", TEXT, "", False,
               "tls (implicit TLS), starttls, or empty: TLS on port 465, else STARTTLS when the server offers it."),
    SettingKey("imap_host", "IMAP Host", TEXT, "", False, "Mail server `poflow inbox` reads."),
    SettingKey("imap_port", "IMAP Port", INTEGER, "993", False, "IMAP port (993 IMAPS, 143 with STARTTLS)."),
    SettingKey("imap_user", "IMAP User", TEXT, "", False,
               "Inbox login (the password comes from POFLOW_IMAP_PASSWORD)."),
    SettingKey("imap_folder", "IMAP Folder", TEXT, "INBOX", False, "The folder `poflow inbox` reads."),
    SettingKey("imap_security", "IMAP Security", TEXT, "", False,
               "tls (IMAPS), starttls, or empty: TLS on port 993, else STARTTLS."),
    SettingKey("reminder_ladder", "Reminder Ladder", TEXT, "-3, 1, 7, 15, 30", False,
               "Days after the due date (negative: before) a payment reminder goes out; the last step attaches "
               "the statement."),
    SettingKey("seller_aliases", "Seller Aliases", TEXT, "", False,
               "Other names your bank prints for you (comma-separated): never taken for a payer."),
    SettingKey("document_sheets_kept", "Document Sheets Kept", INTEGER, "100", False,
               "How many printable document tabs the book keeps; older ones move to NAME-documents-YYYY-MM.xlsx "
               "beside it (0: none kept in the book)."),
)

TABS: tuple[Tab, ...] = (
    Tab("Settings", (
        C("key", "Key", TEXT, required=True, contract=True, help="The setting's name.", width=28),
        C("value", "Value", TEXT, contract=True, help="The setting's value.", width=40),
        C("help", "Help", TEXT, help="What the setting does.", width=60),
    ), key=("key",), help="Your business details, numbering and defaults."),
    Tab("Buyers", (
        C("buyer_id", "Buyer ID", TEXT, required=True, contract=True, help="Your short id for the shop."),
        C("name", "Name", TEXT, required=True, contract=True, help="Legal name of the buyer.", width=28),
        C("email", "Email", TEXT, contract=True, help="Where documents go.", width=26),
        C("bill_to", "Bill To", TEXT, help="Billing address.", width=30),
        C("ship_to", "Ship To", TEXT, help="Shipping address (store number for chains).", width=30),
        C("terms", "Terms", TEXT, contract=True, help="Payment terms, e.g. Net 30; empty uses the default."),
        C("deposit_pct", "Deposit Pct", PERCENT, contract=True,
          help="Deposit asked before shipping; empty uses the default."),
        C("aliases", "Aliases", LIST, contract=True,
          help="Names the buyer's bank prints on payments, separated by ';'.", width=30),
        C("tax_exempt", "Tax Exempt", BOOLEAN, contract=True, help="Yes when a resale certificate is on file."),
        C("resale_certificate", "Resale Certificate", TEXT,
          help="Certificate number, state and expiry date.", width=24),
        C("billing_email", "Billing Email", TEXT, width=26,
          help="Where invoices, statements and reminders go (several separated by ';'); empty: Email."),
    ), key=("buyer_id",), help="The shops you sell to."),
    Tab("Products", (
        C("sku", "SKU", TEXT, required=True, contract=True, help="Your product code."),
        C("description", "Description", TEXT, required=True, contract=True, help="What the buyer sees.", width=30),
        C("unit", "Unit", TEXT, help="each, case, dozen..."),
        C("unit_price", "Unit Price", MONEY, nonnegative=True, required=True, contract=True, help="List price per unit."),
        C("moq", "MOQ", INTEGER, nonnegative=True, contract=True, help="Minimum order quantity."),
        C("case_pack", "Case Pack", INTEGER, nonnegative=True, help="Units per case; orders are multiples of it."),
        C("stock", "Stock On Hand", INTEGER, nonnegative=True, help="Units available to ship now."),
        C("lead_time_days", "Lead Time Days", INTEGER, nonnegative=True, help="Days to restock when out of stock."),
    ), key=("sku",), required=False, help="What you sell."),
    Tab("PriceTiers", (
        C("sku", "SKU", TEXT, required=True, contract=True, ref="Products.sku", help="Product code."),
        C("min_qty", "Min Qty", INTEGER, nonnegative=True, required=True, contract=True, help="Quantity the price starts at."),
        C("unit_price", "Unit Price", MONEY, nonnegative=True, required=True, contract=True, help="Unit price at this volume."),
    ), key=("sku", "min_qty"), required=False, help="Volume-tier prices."),
    Tab("Quotes", (
        C("quote_number", "Quote Number", TEXT, required=True, help="Our quote number."),
        C("buyer_id", "Buyer ID", TEXT, required=True, help="The buyer, or a prospect's short name."),
        C("prospect", "Prospect", TEXT, help="A prospect's name and email when not yet in Buyers.", width=28),
        C("quote_date", "Quote Date", DATE, required=True, help="Date of the quote."),
        C("valid_until", "Valid Until", DATE, required=True, help="The prices hold until this date."),
        C("status", "Status", ENUM, required=True, choices=QUOTE_STATUSES,
          help="inquiry, quoted, accepted, expired or lost.", width=14),
        C("terms", "Terms", TEXT, help="Payment terms quoted."),
        C("deposit_pct", "Deposit Pct", PERCENT, help="Deposit quoted."),
        C("po_number", "PO Number", TEXT, help="The order made from this quote (poflow fills it)."),
        C("notes", "Notes", TEXT, help="Anything agreed.", width=30),
    ), key=("quote_number",), required=False, help="Inquiries and quotes (price confirmations)."),
    Tab("QuoteLines", (
        C("quote_number", "Quote Number", TEXT, required=True, ref="Quotes.quote_number", help="The quote."),
        C("line_no", "Line", INTEGER, nonnegative=True, required=True, help="Line number on the quote."),
        C("sku", "SKU", TEXT, required=True, ref="Products.sku", help="Product code."),
        C("description", "Description", TEXT, help="As quoted.", width=30),
        C("unit", "Unit", TEXT, help="each, case..."),
        C("qty", "Qty", INTEGER, nonnegative=True, required=True, help="Quantity quoted."),
        C("unit_price", "Unit Price", MONEY, nonnegative=True, required=True, help="Tier price for that quantity."),
        C("note", "Note", TEXT, help="MOQ or case-pack proposal.", width=30),
    ), key=("quote_number", "line_no"), required=False, help="The lines of each quote."),
    Tab("Orders", (
        C("po_number", "PO Number", TEXT, required=True, contract=True,
          help="The buyer's PO number; a shop with no PO: our confirmation number (Our Ref)."),
        C("our_ref", "Our Ref", TEXT, help="Our order confirmation number."),
        C("buyer_id", "Buyer ID", TEXT, required=True, contract=True, ref="Buyers.buyer_id", help="Who ordered."),
        C("po_date", "PO Date", DATE, required=True, contract=True, help="Date of the PO."),
        C("ship_date", "Ship Date", DATE, contract=True, help="Requested ship date."),
        C("cancel_date", "Cancel Date", DATE, help="Do not ship after this date."),
        C("terms", "Terms", TEXT, contract=True, help="Payment terms; empty uses the buyer's."),
        C("deposit_pct", "Deposit Pct", PERCENT, contract=True, help="Deposit asked; empty uses the buyer's."),
        C("status", "Status", ENUM, required=True, contract=True, choices=ORDER_STATUSES,
          help="Where the order is in the flow.", width=18),
        C("confirmation_sent_on", "Confirmation Sent On", DATE, help="When our confirmation was sent."),
        C("approved_on", "Approved On", DATE, help="When the buyer answered approved."),
        C("acknowledged_on", "Acknowledged On", DATE, help="When we acknowledged the PO."),
        C("notes", "Notes", TEXT, help="Anything agreed outside the lines.", width=30),
        C("ack_revision", "Ack Revision", INTEGER, nonnegative=True,
          help="1 for the first acknowledgement, 2 for ACK-...-R2 and so on (poflow fills it)."),
        C("approved_total", "Approved Total", MONEY, nonnegative=True,
          help="The order total the buyer approved (poflow fills it); a larger total needs approval again."),
    ), key=("po_number",), help="One row per purchase order."),
    Tab("Lines", (
        C("po_number", "PO Number", TEXT, required=True, contract=True, ref="Orders.po_number", help="The PO."),
        C("line_no", "Line", INTEGER, nonnegative=True, required=True, contract=True, help="Line number on the PO."),
        C("sku", "SKU", TEXT, required=True, contract=True, ref="Products.sku", help="Product code."),
        C("description", "Description", TEXT, contract=True,
          help="As on the PO; empty: the product's (filled in when confirmed or acknowledged).", width=30),
        C("qty", "Qty", INTEGER, nonnegative=True, required=True, contract=True, help="Ordered quantity."),
        C("unit_price", "Unit Price", MONEY, nonnegative=True, contract=True,
          help="Agreed unit price; empty: the tier price (filled in when confirmed or acknowledged)."),
        C("note", "Note", TEXT, help="Why a price or quantity differs; short-ship or substitution.", width=30),
        C("ack_status", "Ack Status", ENUM, choices=ACK_STATUSES,
          help="Line status in our acknowledgement; poflow proposes one, a person may set it and poflow keeps it."),
        C("ack_qty", "Ack Qty", INTEGER, nonnegative=True, help="Quantity we committed to (what ships and is billed)."),
        C("promised_date", "Promised Date", DATE, help="Ship date we promised."),
        C("substitute_sku", "Substitute SKU", TEXT, ref="Products.sku",
          help="With Ack Status 'substituted': the SKU that ships instead."),
        C("substitute_price", "Substitute Price", MONEY, nonnegative=True,
          help="With a substitute: its unit price; empty: the line's unit price."),
        C("acked_as", "Acknowledged As", TEXT, width=30,
          help="What our last acknowledgement said of this line (poflow fills it); a change needs a revision."),
        C("unit", "Unit", TEXT, help="each, case, dozen...; empty: the product's."),
    ), key=("po_number", "line_no"), help="The lines of each PO."),
    Tab("Shipments", (
        C("shipment_id", "Shipment ID", TEXT, required=True, contract=True, help="Id of the shipment."),
        C("po_number", "PO Number", TEXT, required=True, contract=True, ref="Orders.po_number", help="The PO."),
        C("line_no", "Line", INTEGER, nonnegative=True, required=True, contract=True, help="PO line shipped."),
        C("qty_shipped", "Qty Shipped", INTEGER, nonnegative=True, required=True, contract=True, help="Units shipped."),
        C("ship_date", "Ship Date", DATE, required=True, contract=True, help="Date shipped."),
        C("carrier", "Carrier", TEXT, help="Carrier."),
        C("tracking", "Tracking", TEXT, help="Tracking number.", width=22),
        C("note", "Note", TEXT, help="Why short or substituted; --force reasons.", width=30),
        C("invoice_number", "Invoice Number", TEXT, ref="Invoices.invoice_number",
          help="The final invoice that billed this shipment (poflow fills it)."),
        C("sku", "SKU Shipped", TEXT, ref="Products.sku", help="The SKU that left (a substitute's own SKU)."),
        C("delivered_on", "Delivered On", DATE,
          help="When the buyer received it; a claim's window counts from it (empty: from the ship date)."),
        C("claim_number", "Claim", TEXT, ref="Claims.claim_number",
          help="A replacement at no charge for this claim: not billed, not counted against what was ordered."),
    ), key=("shipment_id", "po_number", "line_no"), required=False, help="What left the warehouse."),
    Tab("Invoices", (
        C("invoice_number", "Invoice Number", TEXT, required=True, contract=True, help="Our invoice number."),
        C("kind", "Kind", ENUM, required=True, contract=True, choices=INVOICE_KINDS, help="deposit, final or credit."),
        C("po_number", "PO Number", TEXT, required=True, contract=True, ref="Orders.po_number", help="The PO."),
        C("invoice_date", "Invoice Date", DATE, required=True, contract=True, help="Date of the invoice."),
        C("terms", "Terms", TEXT, contract=True, help="Payment terms."),
        C("due_date", "Due Date", DATE, required=True, contract=True, help="Invoice date plus terms."),
        C("total", "Total", MONEY, required=True, contract=True, help="Amount invoiced (negative for credit)."),
        C("amount_paid", "Amount Paid", MONEY, nonnegative=True, contract=True, help="Allocated so far."),
        C("balance", "Balance", MONEY, contract=True, help="Total less amount paid."),
        C("status", "Status", ENUM, required=True, contract=True, choices=INVOICE_STATUSES, help="open, partial, paid, void."),
        C("related", "Related Invoice", TEXT, ref="Invoices.invoice_number",
          help="Invoice a credit note corrects."),
        C("tax", "Tax", MONEY, help="Tax included in the total."),
        C("deposit_deducted", "Deposit Deducted", MONEY, help="Deposit invoices deducted on this final invoice."),
        C("hold", "Hold", ENUM, choices=INVOICE_HOLDS,
          help="disputed or on hold: poflow sends no payment reminders for this invoice."),
    ), key=("invoice_number",), help="Deposit invoices, final invoices and credit notes."),
    Tab("Payments", (
        C("transaction_id", "Transaction ID", TEXT, required=True, contract=True, help="Bank id or fingerprint."),
        C("date", "Date", DATE, required=True, contract=True, help="Booking date as the bank wrote it."),
        C("amount", "Amount", MONEY, required=True, contract=True, help="Money received (negative: paid out)."),
        C("currency", "Currency", TEXT, contract=True, help="Currency code."),
        C("payer", "Payer", TEXT, contract=True, help="Payer as the bank printed it.", width=28),
        C("memo", "Memo", TEXT, contract=True, help="Bank memo / remittance text.", width=36),
        C("source", "Source", TEXT, contract=True, help="Bank file and line or bank id.", width=24),
        C("status", "Status", ENUM, contract=True, choices=PAYMENT_STATUSES, help="applied, partial, review..."),
    ), key=("transaction_id",), owned=True, help="Bank transactions imported by poflow."),
    Tab("Allocations", (
        C("transaction_id", "Transaction ID", TEXT, required=True, contract=True,
          ref="Payments.transaction_id", help="The payment."),
        C("invoice_number", "Invoice Number", TEXT, contract=True, ref="Invoices.invoice_number",
          help="The invoice paid (empty for a deposit against a PO or a credit)."),
        C("po_number", "PO Number", TEXT, contract=True, ref="Orders.po_number", help="The PO."),
        C("amount", "Amount", MONEY, required=True, contract=True, nonnegative=True, help="Amount applied."),
        C("kind", "Kind", ENUM, required=True, contract=True, choices=ALLOCATION_KINDS,
          help="invoice, deposit, fee, discount, credit, or deduction (held back for an open claim; still owed)."),
        C("method", "Method", ENUM, contract=True, choices=ALLOCATION_METHODS,
          help="auto (poflow), manual or confirmed (a person)."),
        C("confidence", "Confidence", NUMBER, contract=True, help="0 to 1."),
        C("rule", "Rule", TEXT, help="The matching rule that applied it."),
        C("applied_on", "Applied On", DATE, help="When it was applied."),
    ), key=(), owned=True, help="How each payment was applied."),
    Tab("Claims", (
        C("claim_number", "Claim Number", TEXT, required=True, help="Our claim number (from Settings)."),
        C("po_number", "PO Number", TEXT, required=True, ref="Orders.po_number", help="The PO."),
        C("line_no", "Line", INTEGER, nonnegative=True, required=True, help="The PO line claimed."),
        C("kind", "Kind", ENUM, required=True, choices=CLAIM_KINDS, help="short, damaged, wrong item or return."),
        C("qty", "Qty", INTEGER, nonnegative=True, required=True, help="Units claimed."),
        C("statement", "Buyer's Statement", TEXT, width=36, help="What the buyer reported, in their words."),
        C("reported_on", "Date Reported", DATE, required=True, help="When the buyer reported it."),
        C("files", "Files", LIST, width=30,
          help="Photos and files the buyer sent, by path from the workbook's folder, separated by ';'."),
        C("status", "Status", ENUM, required=True, choices=CLAIM_STATUSES, help="open, approved, rejected or settled."),
        C("resolution", "Resolution", ENUM, choices=CLAIM_RESOLUTIONS, help="credit, replacement, refund or none."),
        C("invoice_number", "Invoice Number", TEXT, ref="Invoices.invoice_number",
          help="The invoice that billed the goods claimed (poflow fills it)."),
        C("credit_note", "Credit Note", TEXT, ref="Invoices.invoice_number",
          help="The credit note that settled the claim (poflow fills it)."),
        C("shipment_id", "Replacement Shipment", TEXT,
          help="The shipment that replaced the goods at no charge (poflow fills it)."),
        C("deduction", "Deducted On Payment", TEXT, ref="Payments.transaction_id",
          help="The payment the buyer made short by the claim's value (poflow fills it)."),
        C("settled_on", "Settled On", DATE, help="When the claim was settled or rejected."),
        C("late", "Late", BOOLEAN, help="Yes when reported after the Claim Window Days (poflow fills it)."),
        C("note", "Note", TEXT, width=30, help="How it was settled, or why it was rejected."),
    ), key=("claim_number",), required=False,
        help="Buyer claims (short, damaged, wrong item, return) and how each was settled."),
    Tab("Log", (
        C("when", "When", TEXT, help="Time of the change (UTC).", width=20),
        C("command", "Command", TEXT, help="The poflow command and options.", width=30),
        C("tab", "Tab", TEXT, help="Tab changed."),
        C("row_key", "Key", TEXT, help="Key of the row changed."),
        C("column", "Column", TEXT, help="Column changed."),
        C("old", "Old Value", TEXT, help="Before.", width=20),
        C("new", "New Value", TEXT, help="After.", width=20),
    ), key=(), required=False, owned=True, help="Audit trail of every write poflow made."),
    Tab("Messages", (
        C("when", "When", TEXT, help="When poflow sent or read the message (UTC).", width=20),
        C("direction", "Direction", ENUM, required=True, choices=MESSAGE_DIRECTIONS, help="out (sent) or in (read).",
          width=10),
        C("kind", "Kind", ENUM, required=True, choices=MESSAGE_KINDS,
          help="The document sent, a reminder, or what a message read was."),
        C("status", "Status", ENUM, required=True, choices=MESSAGE_STATUSES,
          help="sent, failed (retried next run), bounced; read: approved, review (a person answers), saved, noted, "
               "ignored."),
        C("date", "Date", DATE, help="The message's own date (an approval takes this date)."),
        C("from_addr", "From", TEXT, width=26, help="Sender."),
        C("to_addr", "To", TEXT, width=26, help="Recipients."),
        C("subject", "Subject", TEXT, width=36, help="Subject line."),
        C("document_number", "Document", TEXT, help="The document sent or answered."),
        C("po_number", "PO Number", TEXT, help="The PO it concerns."),
        C("step", "Reminder Step", INTEGER, help="A reminder's step: days after the due date (negative: before)."),
        C("message_id", "Message-ID", TEXT, width=30, help="The message's Message-ID (poflow makes its own)."),
        C("in_reply_to", "In-Reply-To", TEXT, width=30, help="The Message-ID it answers (a reply, bounce or auto-reply)."),
        C("file", "File", TEXT, width=30, help="The .eml or attachment kept as evidence."),
        C("source", "Source", TEXT, width=24, help="Where it was read: IMAP folder and UID, or a file."),
        C("text", "Text", TEXT, width=40, help="A reply's new text, for a person to read."),
        C("error", "Error", TEXT, width=30, help="Why a send failed, or why a reply needs a person."),
    ), key=(), required=False, owned=True, help="One row per message poflow sent or read."),
    Tab("Templates", (
        C("name", "Template", TEXT, required=True,
          help="confirmation, acknowledgement, quote, linesheet, deposit invoice, invoice, credit note, statement, "
               "packing slip, reminder, or reminder N for one step."),
        C("subject", "Subject", TEXT, width=40, help="Subject; placeholders {buyer} {po} {document} {due_date} "
                                                       "{amount} {seller} {days}."),
        C("body", "Body", TEXT, width=80, help="Message text; the same placeholders."),
    ), key=("name",), required=False, help="Your wording of the emails poflow sends; empty: poflow's own."),
)

TAB_BY_NAME: dict[str, Tab] = {t.name: t for t in TABS}


_NOT_KEY = re.compile(r"[^0-9a-z]")
_NORMS: dict[str, str] = {}  # text -> its key: the same tab names and headers are matched again and again


def norm(header: object) -> str:
    """Header matching key: lower-case letters and digits only (`PO Number` == `po_number`)."""
    if isinstance(header, str):
        key = _NORMS.get(header)
        if key is None:
            if len(_NORMS) >= 50_000:
                _NORMS.clear()
            key = _NORMS[header] = _NOT_KEY.sub("", header.lower())
        return key
    return _NOT_KEY.sub("", str(header).lower()) if header is not None else ""


TAB_BY_NORM: dict[str, Tab] = {norm(t.name): t for t in TABS}
SETTING_BY_NORM: dict[str, SettingKey] = {norm(s.label): s for s in SETTINGS_KEYS}


@dataclass(frozen=True)
class Schema:
    """The schema as one value, for dumping."""

    tabs: tuple[Tab, ...] = TABS
    settings: tuple[SettingKey, ...] = field(default=SETTINGS_KEYS)


def as_dict() -> dict[str, object]:
    """The whole schema as plain JSON-ready data."""
    return asdict(Schema())
