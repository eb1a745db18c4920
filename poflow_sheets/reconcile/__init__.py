"""Payment matching: bank transactions against the ledger's open invoices and deposits (pure functions)."""

from __future__ import annotations

from .engine import (
    Candidate,
    Ledger,
    MatchConfig,
    MatchResult,
    ProposedAllocation,
    Suggestion,
    Unmatched,
    accept,
    apply_to_ledger,
    learned_aliases,
    match_payments,
    to_json,
)
from .payers import PayerIndex, normalize_name, payer_candidates
from .references import RefIndex

__all__ = [
    "Candidate",
    "Ledger",
    "MatchConfig",
    "MatchResult",
    "PayerIndex",
    "ProposedAllocation",
    "RefIndex",
    "Suggestion",
    "Unmatched",
    "accept",
    "apply_to_ledger",
    "learned_aliases",
    "match_payments",
    "normalize_name",
    "payer_candidates",
    "to_json",
]
