"""Findings are data: a problem in the person's workbook, with where it is and how to fix it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass

ERROR, WARNING = "error", "warning"

# Every finding code, registered once: code -> (severity, title, hint).
CODES: dict[str, tuple[str, str, str]] = {
    "required": (ERROR, "A required value is empty", "Fill in the cell."),
    "type": (ERROR, "A value is not of the column's type", "Type a value of the expected kind."),
    "choice": (ERROR, "A value is not one of the allowed values", "Pick one of the allowed values."),
    "negative": (ERROR, "A quantity or amount is negative", "Quantities are 0 or more; use a credit note."),
    "duplicate-key": (ERROR, "A key appears twice", "Give each row its own key."),
    "unknown-reference": (ERROR, "A reference points at nothing", "Use an id that exists in the other tab."),
    "below-moq": (ERROR, "Quantity below the minimum order quantity", "Raise the quantity or note the override."),
    "case-pack": (WARNING, "Quantity is not a multiple of the case pack", "Round to whole cases or add a note."),
    "price-mismatch": (ERROR, "Unit price differs from the tier price",
                       "Use the tier price or explain the override in the line's Note."),
    "date-order": (ERROR, "Dates are out of order", "Check the dates."),
    "due-date": (ERROR, "Due date is not the invoice date plus the terms", "Set the due date the terms give."),
    "terms": (ERROR, "Payment terms not understood", "Write Net 30, Net 30 EOM, 2/10 Net 30, Due on receipt or CIA."),
    "invoice-total": (ERROR, "Invoice total does not match the shipped lines", "Re-issue the invoice."),
    "invoice-balance": (ERROR, "Amount paid or balance does not match the allocations",
                        "Let poflow reconcile write these cells."),
    "invoice-status": (ERROR, "Invoice status does not match its balance", "Set the status the balance gives."),
    "deposit-unpaid": (ERROR, "Shipped before the required deposit was paid", "Record the deposit or note the reason."),
    "not-shipped": (ERROR, "Invoiced before anything shipped", "Record the shipment first."),
    "over-shipped": (ERROR, "More shipped than ordered", "Correct the shipment quantity."),
    "short-ship-note": (ERROR, "Short-ship or substitution without a note",
                        "Note the short-ship or substitution on the line."),
    "substitute": (ERROR, "A substitution names no substitute SKU, or an unknown one",
                   "Fill 'Substitute SKU' with a SKU of the Products tab."),
    "ack-revision": (WARNING, "A line changed since the last acknowledgement",
                     "Run `poflow acknowledge PO` to issue the revised acknowledgement before shipping."),
    "status-flow": (ERROR, "Order status does not match the flow", "Set the status the documents show."),
    "over-allocated": (ERROR, "Allocations exceed the payment or the invoice", "Correct the allocation amounts."),
    "setting": (ERROR, "A setting is missing or wrong", "Fix the Settings tab."),
    "claim-qty": (ERROR, "A claim is for more than shipped on its line",
                  "Correct the claim's quantity, or reject the claims that are not owed."),
    "claim-late": (WARNING, "A claim was reported after the claim window",
                   "Decide it knowingly: approve and settle it, or reject it with a note."),
    "template": (ERROR, "An email template cannot be used",
                 "Name it after a document or a reminder step; use only {buyer} {po} {document} {due_date} "
                 "{amount} {seller} {days}."),
    "map": (ERROR, "The poflow Map names a tab or column that is not there",
            "Correct the name in the poflow Map tab (or run `poflow adopt WORKBOOK` to see a proposal)."),
    "size": (WARNING, "The workbook nears a limit of Excel or Google Sheets",
             "Move history out with `poflow archive WORKBOOK` (see the README, \"How far a book grows\")."),
    "document-tabs": (WARNING, "The book holds more document tabs than Settings `Document Sheets Kept`",
                      "Run `poflow archive WORKBOOK`: the oldest move to NAME-documents-YYYY-MM.xlsx beside the "
                      "book (see the README, \"How far a book grows\")."),
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One problem: tab and Excel row as the person sees them, column header and letter, code."""

    code: str
    severity: str
    tab: str
    row: int
    column: str
    column_letter: str
    value: str
    message: str
    hint: str

    def to_json(self) -> dict[str, object]:
        """The contract's JSON shape."""
        d = asdict(self)
        return {k: d[k] for k in ("tab", "row", "column", "column_letter", "code", "severity",
                                  "value", "message", "hint")}

    def where(self) -> str:
        """`Lines row 14, column "Qty" (E)`."""
        col = f', column "{self.column}" ({self.column_letter})' if self.column else ""
        return f"{self.tab} row {self.row}{col}" if self.row else f"{self.tab}{col}"


def finding(code: str, tab: str, row: int, column: str, letter: str, value: object, message: str,
            hint: str | None = None, severity: str | None = None) -> Finding:
    """Build a Finding with the registered severity and hint."""
    sev, _title, default_hint = CODES[code]
    return Finding(
        code=code, severity=severity or sev, tab=tab, row=row, column=column, column_letter=letter,
        value=_show(value), message=message, hint=hint or default_hint)


def _show(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def col_letter(index0: int) -> str:
    """0-based column index to Excel letters: 0 -> A, 27 -> AB."""
    n, s = index0 + 1, ""
    while n:
        n, r = divmod(n - 1, 26)
        s = chr(65 + r) + s
    return s


def flatten(findings: Iterable[Finding], keys: tuple[str, ...] = ("tab", "row", "column", "code")) -> list[list[object]]:
    """A compact view for tests: `[["Lines", 3, "Qty", "type"], ...]`."""
    return [[getattr(f, k) for k in keys] for f in findings]
