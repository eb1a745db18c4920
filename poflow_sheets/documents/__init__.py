"""Business documents as data (`model`) and their renderings: PDF (`pdf`), sheet rows (`sheet`), text."""

from __future__ import annotations

from .model import (
    KINDS,
    TITLES,
    X12_ACK_CODES,
    DepositDeduction,
    DocLine,
    Document,
    Kind,
    Party,
    StatementRow,
    is_accepted,
    status_label,
)

__all__ = [
    "KINDS",
    "TITLES",
    "X12_ACK_CODES",
    "DepositDeduction",
    "DocLine",
    "Document",
    "Kind",
    "Party",
    "StatementRow",
    "is_accepted",
    "status_label",
]
