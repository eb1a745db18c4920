"""The small exception hierarchy: problems poflow cannot act on (exit status 2)."""

from __future__ import annotations


class PoflowError(Exception):
    """Base of every error poflow raises on purpose; its message is shown to the user as one line."""

    exit_code = 2


class Refused(PoflowError):
    """A file or request poflow cannot act on: nothing was written."""


class WorkbookUnreadable(Refused):
    """The workbook is missing, not a workbook, encrypted, or lacks a required tab or header."""


class BankFileError(Refused):
    """A bank export that cannot be read (truncated, unsafe XML, unknown layout, bad value)."""


class WriteConflict(Refused):
    """The workbook is open in another program, locked by another poflow, or changed since read."""
