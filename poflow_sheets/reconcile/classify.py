"""Which bank transactions are not buyer payments: debits, bank fees, interest, own transfers, payouts."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import lru_cache

from ..banks.descriptors import read_descriptor
from ..records import Transaction

_INTEREST_CODES = frozenset({"INT", "DIV", "INTR", "INTEREST"})
_FEE_CODES = frozenset({"FEE", "SRVCHG", "CHRG", "CHGS", "COMM", "NCHG"})
_TRANSFER_CODES = frozenset({"XFER"})

_CODE_SPLIT = re.compile(r"[/\s_]+")
_FROM_SOMEONE = re.compile(r"\b(?:ZELLE|WIRE|ACH|FROM)\b")
# One cheap look first: most buyer payments contain none of the words the checks below need. A word with
# ZINS in it (a German interest word) is looked for as text: `"ZINS" in text` is `\b\w*ZINS\w*\b`, without
# trying that at every word.
_ANY_HINT = re.compile(r"\b(?:INT|INTEREST|FEES?|CHARGES?|CHRG|ENTGELT\w*|TRANSFER|OWN ACCOUNT|SWEEP|UMBUCHUNG|"
                       r"STRIPE|PAYPAL|SHOPIFY|SQUARE|SQ \*|AMEX|AMERICAN EXPRESS|ETSY|FAIRE|ADYEN|"
                       r"BRAINTREE|AMAZON|WORLDPAY|CLOVER|TOAST|GUSTO)\b")
_INTEREST = re.compile(r"\bINTEREST\b|\bINT\s+(?:PAID|PAYMENT|CREDIT)\b|\bHABENZINS|\bZINSEN\b")
_FEE = re.compile(
    r"\b(?:SERVICE|MONTHLY|MAINTENANCE|ACCOUNT|ACCT|WIRE|OVERDRAFT|NSF|ANALYSIS)\s+(?:CHARGE|FEE)S?\b|"
    r"\bFEE\s+(?:REVERSAL|REFUND|REBATE)\b|\bCHARGES?\s+REVERSAL\b|\bENTGELT"
)
_OWN_TRANSFER = re.compile(
    r"\b(?:ONLINE|INTERNAL|BOOK|OWN[- ]ACCOUNT)?\s*TRANSFER\s+(?:FROM|TO)\s+(?:CHK|SAV|CHECKING|SAVINGS|"
    r"ACCOUNT|ACCT|MMA|MONEY MARKET|X{2,}|\.{2,}|\*)|\bTRANSFER TO\b|\bOWN ACCOUNT\b|\bSWEEP\b|\bUMBUCHUNG\b"
)
_PROCESSOR = re.compile(r"\b(?:STRIPE|PAYPAL|SHOPIFY|SQUARE|SQ \*|SQUAREUP|AMEX|AMERICAN EXPRESS|ETSY|FAIRE|"
                        r"ADYEN|BRAINTREE|AMAZON|WORLDPAY|CLOVER|TOAST|GUSTO)\b")
_PAYOUT = re.compile(r"\b(?:PAYOUT|PAYOUTS|TRANSFER|SETTLEMENT|SETTLE|DEPOSIT|BATCH|MERCH(?:ANT)?\s+DEP|TRANSFR)\b")


def classify(t: Transaction) -> tuple[str, str]:
    """("payment", "") for a possible buyer payment; ("ignore", why) for what is not; ("payout", why)
    for a card-processor payout, which may hold buyer money but is never matched automatically."""
    if t.amount <= 0:
        return "ignore", paid_out(t)
    if _KNOWN:
        known = _KNOWN.get((t.bank_code, t.payer, t.memo))
        if known is not None:
            return known
    return _classify_text(t.bank_code, t.payer, t.memo)


_KNOWN: dict[tuple[str, str, str], tuple[str, str]] = {}  # (bank code, payer, memo) classified elsewhere
_KNOWN_LIMIT = 200_000


def remember(found: Mapping[tuple[str, str, str], tuple[str, str]]) -> None:
    """Take the classes of transactions classified in another process (the forked bank reader, by
    (bank code, payer, memo)) so they are not worked out again."""
    if len(_KNOWN) + len(found) >= _KNOWN_LIMIT:
        _KNOWN.clear()
    _KNOWN.update(found)


def paid_out(t: Transaction) -> str:
    """Why money paid out (an amount of 0 or less) is not a buyer payment."""
    return f"money paid out ({t.amount}), not a buyer payment"


@lru_cache(maxsize=16384)
def _classify_text(bank_code: str, payer: str, memo: str) -> tuple[str, str]:
    code = bank_code.upper().replace("-", "/")
    parts = set(_CODE_SPLIT.split(code)) if code else set()
    text = f"{payer} {memo}".upper()
    if "ZINS" not in text and not _ANY_HINT.search(text):
        if not parts:
            return "payment", ""
        if "SQUAREUP" not in text and "TRANSFER" not in text:
            # Then no interest, fee, processor or own-transfer wording can match: the bank code decides.
            if parts & _INTEREST_CODES:
                return "ignore", "interest from the bank, not a buyer payment"
            if parts & _FEE_CODES:
                return "ignore", "a bank fee or fee refund, not a buyer payment"
            if parts & _TRANSFER_CODES and not _FROM_SOMEONE.search(text):
                return "ignore", "a transfer between your own accounts, not a buyer payment"
            return "payment", ""
    if parts & _INTEREST_CODES or _INTEREST.search(text):
        return "ignore", "interest from the bank, not a buyer payment"
    if parts & _FEE_CODES or _FEE.search(text):
        return "ignore", "a bank fee or fee refund, not a buyer payment"
    desc = read_descriptor(memo) if memo else read_descriptor(payer)
    if not desc.known and payer and memo:
        desc = read_descriptor(payer)  # U.S. Bank: the descriptor in the Name column
    if desc.known and desc.convention != "processor":
        # a bank's descriptor says who paid: a payout only when the originator is a card processor
        # (a buyer named Clover House or Square One Goods is not one)
        if desc.processor:
            return "payout", (f"a {desc.processor.title()} payout: it may hold buyer payments, never matched "
                              "automatically; split it into its charges by hand")
    elif _PROCESSOR.search(text) and _PAYOUT.search(text):
        name = _PROCESSOR.search(text)
        who = name.group(0).strip(" *") if name else "card processor"
        return "payout", (f"a {who} payout: it may hold buyer payments, never matched automatically; "
                          "split it into its charges by hand")
    from_someone = _FROM_SOMEONE.search(text)
    if (parts & _TRANSFER_CODES and not from_someone) or _OWN_TRANSFER.search(text):
        return "ignore", "a transfer between your own accounts, not a buyer payment"
    return "payment", ""
