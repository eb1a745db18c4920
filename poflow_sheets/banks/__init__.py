"""Bank import: any bank export (CSV/Excel of any layout, OFX/QFX, camt.052/053/054, MT940/MT942)
turned into normalized `Transaction`s.

    read_bank_file(path, mapping=None, default_currency="USD") -> BankImport
    read_bank_files(paths, ...) -> BankImport   # several files, duplicates (same id) dropped

A file that cannot be read at all raises `BankFileError` (one line, naming the file and line);
rows that were left out (pending, ragged, not a transaction) are listed in `BankImport.problems`.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from poflow_sheets.banks.base import BankImport, BankParser, BankProblem, bank_options, fail, split_options
from poflow_sheets.banks.camt import CamtParser
from poflow_sheets.banks.csv_layouts import PROFILES, CsvParser, ExcelParser, Profile, profile_names
from poflow_sheets.banks.mt940 import Mt940Parser
from poflow_sheets.banks.ofx import OfxParser
from poflow_sheets.errors import BankFileError
from poflow_sheets.limits import limits, over

from ..perf import without_gc

__all__ = [
    "PARSERS",
    "PROFILES",
    "BankFileError",
    "BankImport",
    "BankParser",
    "BankProblem",
    "Profile",
    "detect_parser",
    "parse_bank_bytes",
    "profile_names",
    "read_bank_file",
    "read_bank_files",
]

# Order matters: the specific formats first, CSV (any text) last.
PARSERS: tuple[BankParser, ...] = (ExcelParser(), OfxParser(), CamtParser(), Mt940Parser(), CsvParser())


def detect_parser(head: bytes, name: str) -> BankParser:
    """The parser whose `sniff` accepts the first bytes of the file."""
    for parser in PARSERS:
        if parser.sniff(head, name):
            return parser
    raise fail(name, "not a bank export poflow can read (CSV, Excel, OFX/QFX, camt.05x or MT940)")


def parse_bank_bytes(data: bytes, name: str, *, mapping: str | None = None, default_currency: str = "USD") -> BankImport:
    """Read one bank export given as bytes; `name` is used in messages and `source`."""
    if not data.replace(b"\xef\xbb\xbf", b"").strip(b" \t\r\n\x00"):
        raise fail(name, "the file is empty")
    parser = detect_parser(data[:8192], name)
    mapping, opts = split_options(mapping)
    try:
        with bank_options(opts):
            return parser.parse(data, name, mapping=mapping, default_currency=default_currency)
    except BankFileError:
        raise
    except (ValueError, KeyError, IndexError, TypeError, UnicodeError, RecursionError) as exc:
        # a reader bug or a file shape nobody foresaw: still one clear line, never a traceback
        raise fail(name, f"could not be read as {parser.name}: {type(exc).__name__}: {exc}") from exc


def read_bank_file(path: Path, *, mapping: str | None = None, default_currency: str = "USD") -> BankImport:
    """Read one bank export of any supported format into normalized transactions.

    A CSV export is read as a stream (twice: once for what the whole file decides, once for the rows), so
    memory holds the transactions, never the file; other formats are read whole, within the size limit.
    """
    path = Path(path)
    lim = limits()
    try:
        size = path.stat().st_size
        if path.is_dir():
            raise BankFileError(f"{path}: is a folder, not a bank export")
        if size > lim.bank_bytes:
            raise over(str(path), f"the file is {size / (1 << 20):,.0f} MiB, which", "bank_bytes",
                       f"{lim.bank_bytes / (1 << 20):,.0f} MiB")
        with open(path, "rb") as fh:
            head = fh.read(1 << 16)
        if not head.replace(b"\xef\xbb\xbf", b"").strip(b" \t\r\n\x00") and size <= len(head):
            raise fail(path.name, "the file is empty")
        parser = detect_parser(head[:8192], path.name)
        if isinstance(parser, CsvParser):
            rest, opts = split_options(mapping)
            try:
                with bank_options(opts):
                    return parser.parse_stream(lambda: open(path, "rb"), path.name, mapping=rest,
                                               default_currency=default_currency)
            except BankFileError:
                raise
            except (ValueError, KeyError, IndexError, TypeError, RecursionError) as exc:
                raise fail(path.name, f"could not be read as {parser.name}: {type(exc).__name__}: {exc}") from exc
        data = path.read_bytes()
    except FileNotFoundError:
        raise BankFileError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise BankFileError(f"{path}: is a folder, not a bank export") from None
    except OSError as exc:
        raise BankFileError(f"{path}: cannot be read ({exc.strerror or exc})") from None
    return parse_bank_bytes(data, path.name, mapping=mapping, default_currency=default_currency)


@without_gc
def read_bank_files(paths: Iterable[Path], *, mapping: str | None = None, default_currency: str = "USD") -> BankImport:
    """Read several exports and merge them, keeping each transaction id once (the first seen).

    Overlapping downloads of the same account give the same ids (bank ids, or content fingerprints
    numbered per file), so importing both keeps the union once.
    """
    seen: set[str] = set()
    transactions = []
    problems: list[BankProblem] = []
    formats: list[str] = []
    accounts: list[str] = []
    for path in paths:
        result = read_bank_file(path, mapping=mapping, default_currency=default_currency)
        problems.extend(result.problems)
        if result.format not in formats:
            formats.append(result.format)
        for account in result.account.split(", "):
            if account and account not in accounts:
                accounts.append(account)
        for t in result.transactions:
            if t.transaction_id not in seen:
                seen.add(t.transaction_id)
                transactions.append(t)
    return BankImport(
        transactions=tuple(transactions),
        problems=tuple(problems),
        format=", ".join(formats),
        account=", ".join(accounts),
    )
