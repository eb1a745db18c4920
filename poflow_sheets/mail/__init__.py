"""Mail: documents sent to buyers, the inbox read, overdue invoices chased.

The pure parts decide (no network, no files, no clock): `templates` (the wording, checked by validate),
`compose` (which document goes to whom, once), `replies` (quoted text stripped, approvals told from
everything else, bounces and auto-replies recognised), `inbox` (what each message read means for the
workbook), `ladder` (which reminder step is due) and `po_import` (a buyer's PO spreadsheet as Orders and
Lines). The edges only move bytes: `transport` (SMTP and IMAP with TLS and certificate checking) and
`local` (an .mbox file or a folder of .eml files).
"""
