"""Printable document tabs: which tabs of a book are poflow's document sheets, and which of them move out.

The book keeps at most Settings `Document Sheets Kept` (default 100; 0: none) document tabs. Older ones
move, never deleted, to the documents workbook of their document's month beside the book,
`NAME-documents-YYYY-MM.xlsx` (YYYY-MM of the sheet's Date). A tab is a document sheet when, in its first
rows, column A says "Number" (or "Statement no.") with the document number in column C, that number's sheet
name (`documents.sheet.names_document`, either form) is the tab's name, and a later row says "Date" with a
date in column C: the layout `documents.sheet.sheet_rows` writes. Any other tab (a person's own, a copy of a
document renamed) is never moved. Nothing here reads a file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

from .documents.sheet import names_document

DEFAULT_KEPT = 100
HEAD_ROWS = 20  # a document's number and date are within its first rows
NUMBER_LABELS = ("number", "statement no.")


@dataclass(frozen=True)
class DocTab:
    """A document tab: its name, its document's number and issue date, and its place in the tab order."""

    name: str
    number: str
    issued: date
    index: int


def kept(value: int | None) -> int:
    """Settings `Document Sheets Kept` as the cap: a negative or missing value is the default (validate says so)."""
    return DEFAULT_KEPT if value is None or value < 0 else value


def _text(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return "" if v is None else str(v).strip()


def _date(v: object, date1904: bool) -> date | None:
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    if isinstance(v, int | float) and not isinstance(v, bool) and 0 < v < 2_958_466:
        days = int(v)
        if date1904:
            return date(1904, 1, 1) + timedelta(days=days)
        return date(1899, 12, 31 if days < 60 else 30) + timedelta(days=days)
    if isinstance(v, str):
        try:
            return date.fromisoformat(v.strip()[:10])
        except ValueError:
            return None
    return None


def recognise(name: str, index: int, head: Sequence[Sequence[object]], *, date1904: bool = False) -> DocTab | None:
    """The document tab `name` is, from its first rows; None when it is not one."""
    number = ""
    for row in head[:HEAD_ROWS]:
        label = _text(row[0]).casefold() if row else ""
        value = row[2] if len(row) > 2 else None
        if not number:
            if label in NUMBER_LABELS:
                number = _text(value)
                if not number or not names_document(name, number):
                    return None
        elif label == "date":
            issued = _date(value, date1904)
            return DocTab(name, number, issued, index) if issued is not None else None
    return None


def to_move(tabs: Sequence[DocTab], keep: int, before: date | None = None) -> list[DocTab]:
    """The tabs that leave the book, oldest first: those issued before `before`, and the oldest beyond the
    `keep` newest (by date, then tab order)."""
    order = sorted(tabs, key=lambda t: (t.issued, t.index))
    over = max(0, len(order) - max(keep, 0))
    return [t for i, t in enumerate(order) if i < over or (before is not None and t.issued < before)]


def documents_path(book: Path, issued: date) -> Path:
    """`NAME-documents-YYYY-MM.xlsx` beside the book: where the document tabs of that month go."""
    return Path(book).parent / f"{Path(book).stem}-documents-{issued:%Y-%m}.xlsx"


__all__ = ["DEFAULT_KEPT", "HEAD_ROWS", "DocTab", "documents_path", "kept", "recognise", "to_move"]
