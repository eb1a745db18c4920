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


class LimitExceeded(Refused):
    """A workbook or bank file larger than poflow's limits (a safety net against hostile files)."""


def os_error_line(exc: OSError, doing: str = "") -> str | None:
    """One line for an operating-system failure a person can act on; None for anything else (a bug)."""
    import errno

    where = exc.filename if exc.filename else doing
    prefix = f"{where}: " if where else ""
    if exc.errno in (errno.ENOSPC, errno.EDQUOT):
        return f"{prefix}the disk is full (no space left on the device); free some space and run again"
    if exc.errno in (errno.EACCES, errno.EPERM):
        return f"{prefix}permission denied; poflow needs to read the file and write in its folder"
    if exc.errno == errno.EROFS:
        return f"{prefix}the file system is read-only; copy the workbook somewhere writable"
    if exc.errno in (errno.ENOENT, errno.ENOTDIR):
        return f"{prefix}no such file or folder"
    if exc.errno == errno.EISDIR:
        return f"{prefix}is a folder, expected a file"
    if exc.errno in (errno.EMFILE, errno.ENFILE):
        return f"{prefix}too many open files; close some programs and run again"
    if exc.errno in (errno.EIO, errno.ENXIO):
        return f"{prefix}input/output error from the disk or network drive; check it and run again"
    if exc.errno == errno.ENAMETOOLONG:
        return f"{prefix}the file name is too long"
    return None


def actionable(exc: BaseException) -> PoflowError | None:
    """A PoflowError (one line, exit 2) for a failure a person can act on that was not caught where it
    happened: disk full, permissions, out of memory, an amount beyond any real money, malformed XML.
    None for anything else, which is a bug (exit 3)."""
    import decimal

    if isinstance(exc, PoflowError):
        return exc
    if isinstance(exc, MemoryError):
        return Refused("out of memory: the files are too large for this computer's memory; nothing was written "
                       "(split the bank file, or close other programs and run again)")
    if isinstance(exc, OSError):
        line = os_error_line(exc)
        return Refused(line + "; nothing was written") if line else None
    from .money import AmountError

    if isinstance(exc, AmountError):
        return Refused(f"{exc}; check the workbook and bank files for a mistyped amount")
    if isinstance(exc, decimal.InvalidOperation | decimal.Overflow):
        return Refused("an amount has more digits than any real money (at most 15 before the decimal mark); "
                       "check the workbook and bank files for a mistyped amount")
    try:
        from lxml import etree
    except ImportError:  # pragma: no cover - lxml is a dependency
        return None
    if isinstance(exc, etree.XMLSyntaxError):
        return WorkbookUnreadable(f"a part of the file is not well-formed XML ({' '.join(str(exc).split())}); "
                                  "the file is damaged: open it in Excel and save it again")
    return None
