"""Typed, immutable records of the workbook's rows and of bank transactions.

Field names are the schema's column keys. `row` is the Excel row number the person sees
(header row 1, first data row 2); 0 for a record poflow made that is not in the workbook yet.
Money is Decimal; percentages are Decimal fractions (0.3 for 30 %).

Row records are treated as immutable (change them with dataclasses.replace) but are not declared
frozen: a frozen dataclass's __init__ costs four times as much, measured at 0.13 s against 0.03 s for
100,000 Lines, and the reader builds every row of a 100,000-line workbook on the validate benchmark's
hot path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Literal

from .schema import (
    AllocationKind,
    AllocationMethod,
    ClaimKind,
    ClaimResolution,
    ClaimStatus,
    InvoiceHold,
    InvoiceKind,
    InvoiceStatus,
    LineStatus,
    MessageDirection,
    MessageKind,
    MessageStatus,
    OrderStatus,
    PaymentStatus,
    QuoteStatus,
)


@dataclass(frozen=True, slots=True)
class Settings:
    """The Settings tab, typed; unknown keys are kept in `extra`."""

    seller_name: str = ""
    seller_address: str = ""
    seller_email: str = ""
    currency: str = "USD"
    default_terms: str = "Net 30"
    default_deposit_pct: Decimal = Decimal(0)
    first_order_deposit_pct: Decimal | None = Decimal("0.5")
    invoice_prefix: str = "INV-"
    next_invoice_number: int = 1001
    confirmation_prefix: str = "OC-"
    next_confirmation_number: int = 1
    quote_prefix: str = "Q-"
    next_quote_number: int = 1
    quote_valid_days: int = 30
    credit_prefix: str = "CN-"
    next_credit_number: int = 1
    claim_prefix: str = "CL-"
    next_claim_number: int = 1
    claim_window_days: int = 7
    tax_rate: Decimal = Decimal(0)
    remit_to: str = ""
    lead_time_days: int = 7
    fee_tolerance: Decimal = Decimal("35.00")
    match_threshold: Decimal = Decimal("0.9")
    payment_window_days: int = 180
    backup_retention: int = 20
    bank_mapping: str = ""
    smtp_host: str = ""
    smtp_port: int = 587
    smtp_user: str = ""
    report_to: str = ""
    smtp_security: str = ""
    imap_host: str = ""
    imap_port: int = 993
    imap_user: str = ""
    imap_folder: str = "INBOX"
    imap_security: str = ""
    reminder_ladder: str = "-3, 1, 7, 15, 30"
    seller_aliases: str = ""
    document_sheets_kept: int = 100
    rows: dict[str, int] = field(default_factory=dict)  # setting key -> Excel row
    extra: dict[str, str] = field(default_factory=dict)


@dataclass(slots=True, unsafe_hash=True)
class Buyer:
    buyer_id: str
    name: str
    email: str = ""
    bill_to: str = ""
    ship_to: str = ""
    terms: str = ""
    deposit_pct: Decimal | None = None
    aliases: tuple[str, ...] = ()
    tax_exempt: bool = False
    resale_certificate: str = ""
    billing_email: str = ""
    row: int = 0


@dataclass(slots=True, unsafe_hash=True)
class Product:
    sku: str
    description: str
    unit_price: Decimal
    unit: str = ""
    moq: int | None = None
    case_pack: int | None = None
    stock: int | None = None
    lead_time_days: int | None = None
    row: int = 0


@dataclass(slots=True, unsafe_hash=True)
class PriceTier:
    sku: str
    min_qty: int
    unit_price: Decimal
    row: int = 0


@dataclass(slots=True, unsafe_hash=True)
class Quote:
    quote_number: str
    buyer_id: str
    quote_date: date | None
    valid_until: date | None
    status: QuoteStatus
    prospect: str = ""
    terms: str = ""
    deposit_pct: Decimal | None = None
    po_number: str = ""
    notes: str = ""
    row: int = 0


@dataclass(slots=True, unsafe_hash=True)
class QuoteLine:
    quote_number: str
    line_no: int
    sku: str
    qty: int
    unit_price: Decimal
    description: str = ""
    unit: str = ""
    note: str = ""
    row: int = 0


@dataclass(slots=True, unsafe_hash=True)
class Order:
    po_number: str
    buyer_id: str
    po_date: date | None
    status: OrderStatus
    our_ref: str = ""
    ship_date: date | None = None
    cancel_date: date | None = None
    terms: str = ""
    deposit_pct: Decimal | None = None
    confirmation_sent_on: date | None = None
    approved_on: date | None = None
    acknowledged_on: date | None = None
    ack_revision: int | None = None
    approved_total: Decimal | None = None
    notes: str = ""
    row: int = 0


@dataclass(slots=True, unsafe_hash=True)
class Line:
    po_number: str
    line_no: int
    sku: str
    qty: int
    unit_price: Decimal | None  # None: not typed yet; the tier price stands in until it is written
    description: str = ""
    note: str = ""
    ack_status: LineStatus | Literal[""] = ""
    ack_qty: int | None = None
    promised_date: date | None = None
    substitute_sku: str = ""
    substitute_price: Decimal | None = None
    acked_as: str = ""
    unit: str = ""
    row: int = 0


@dataclass(slots=True, unsafe_hash=True)
class Shipment:
    shipment_id: str
    po_number: str
    line_no: int
    qty_shipped: int
    ship_date: date | None
    carrier: str = ""
    tracking: str = ""
    note: str = ""
    invoice_number: str = ""
    sku: str = ""
    delivered_on: date | None = None
    claim_number: str = ""  # a replacement at no charge for this claim
    row: int = 0


@dataclass(slots=True, unsafe_hash=True)
class Invoice:
    invoice_number: str
    kind: InvoiceKind
    po_number: str
    invoice_date: date | None
    due_date: date | None
    total: Decimal
    status: InvoiceStatus
    terms: str = ""
    amount_paid: Decimal = Decimal("0.00")
    balance: Decimal | None = None
    related: str = ""
    tax: Decimal | None = None
    deposit_deducted: Decimal | None = None
    hold: InvoiceHold | Literal[""] = ""
    row: int = 0


@dataclass(slots=True, unsafe_hash=True)
class Payment:
    transaction_id: str
    date: date | None
    amount: Decimal
    currency: str = ""
    payer: str = ""
    memo: str = ""
    source: str = ""
    status: PaymentStatus | Literal[""] = ""
    row: int = 0


@dataclass(slots=True, unsafe_hash=True)
class Allocation:
    transaction_id: str
    amount: Decimal
    kind: AllocationKind
    invoice_number: str = ""
    po_number: str = ""
    method: AllocationMethod = "auto"
    confidence: Decimal | None = None
    rule: str = ""
    applied_on: date | None = None
    row: int = 0


@dataclass(slots=True, unsafe_hash=True)
class Claim:
    """A buyer's claim on a shipped line: short, damaged, wrong item or return, and how it was settled."""

    claim_number: str
    po_number: str
    line_no: int
    kind: ClaimKind
    qty: int
    reported_on: date | None
    status: ClaimStatus
    statement: str = ""
    files: tuple[str, ...] = ()
    resolution: ClaimResolution | Literal[""] = ""
    invoice_number: str = ""
    credit_note: str = ""
    shipment_id: str = ""
    deduction: str = ""
    settled_on: date | None = None
    late: bool = False
    note: str = ""
    row: int = 0


@dataclass(slots=True, unsafe_hash=True)
class Message:
    """One email poflow sent or read (the Messages tab)."""

    direction: MessageDirection
    kind: MessageKind
    status: MessageStatus
    when: str = ""
    date: date | None = None
    from_addr: str = ""
    to_addr: str = ""
    subject: str = ""
    document_number: str = ""
    po_number: str = ""
    step: int | None = None
    message_id: str = ""
    in_reply_to: str = ""
    file: str = ""
    source: str = ""
    text: str = ""
    error: str = ""
    row: int = 0


@dataclass(slots=True, unsafe_hash=True)
class Template:
    """One email template (the Templates tab): placeholders in {braces}."""

    name: str
    subject: str = ""
    body: str = ""
    row: int = 0


@dataclass(slots=True, unsafe_hash=True)
class Transaction:
    """One bank transaction, normalized from any format.

    `amount` is positive for money received. `transaction_id` is the bank's own id where the
    format has one (prefixed by the account where known), else a content fingerprint.
    `source` is `file:line` or `file:bank-id` as the reconcile contract says.
    """

    transaction_id: str
    date: date
    amount: Decimal
    currency: str
    payer: str
    memo: str
    source: str
    source_file: str = ""
    bank_id: str = ""
    bank_code: str = ""  # the bank's own transaction type (OFX TRNTYPE, camt BkTxCd, MT940 code)
    references: tuple[str, ...] = ()
