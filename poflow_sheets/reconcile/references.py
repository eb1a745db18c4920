"""Invoice and PO references in bank memos, as people type them, resolved against the ledger only.

`INV-0042`, `inv 42`, `Invoice #42`, `INV0042` and `PO#1001`, `P.O. 1001`, `po1001`, plus the buyer's own
PO formats (`4500012345`, `CS-2291`) all resolve, tolerant of dropped leading zeros and separators.
A number counts only when the ledger holds an invoice or PO it names: memos are full of dates,
amounts and account numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

STRONG, WEAK = "strong", "weak"

_INVOICE_WORDS = frozenset({"INV", "INVOICE", "INVOICES", "INVC", "INVS", "INVNO", "INVNR", "BILL", "RE", "RG", "RECHNUNG"})
_PO_WORDS = frozenset({"PO", "POS", "PONO", "PONUM", "PONR", "ORDER", "ORD", "PURCHASEORDER", "BESTELLUNG"})
_SEPARATORS = frozenset(" #:.-/_\t\n")
_FILLER_WORDS = frozenset({"NO", "NR", "NUMBER", "NUM", "NBR"})


def _word_before(up: str, start: int) -> str:
    """The word typed before a number (`INV` in `Invoice no. 42` is INVOICE; `P.O. 1001` gives PO)."""
    lo = max(0, start - 24)
    i = start
    while True:
        j = i
        while j > lo and up[j - 1] in _SEPARATORS:
            j -= 1
        k = j
        while k > lo and (up[k - 1].isalpha() or (up[k - 1] == "." and k - 1 > lo and up[k - 2].isalpha())):
            k -= 1
        word = up[k:j].replace(".", "")
        if word in _FILLER_WORDS and k > lo:
            i = k
            continue
        if k > 0 and up[k - 1].isdigit():
            return ""
        return word
# Dates and decimal amounts are blanked before numbers are read, so they never pass as references.
_DATES = re.compile(
    r"\b\d{4}-\d{1,2}-\d{1,2}\b|\b\d{1,2}[/.]\d{1,2}[/.]\d{2,4}\b|\b\d{1,2}/\d{1,2}\b"
)
_AMOUNTS = re.compile(r"\b\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?\b|\b\d+\.\d{2}\b")
_NUMBER = re.compile(r"\d+")
_HAS_DIGIT = re.compile(r"\d")
_SPLIT = re.compile(r"\s*([A-Z.]*)[\s#:\-/_.]*0*(\d+)\s*")
_NOT_ALNUM = re.compile(r"[^A-Z0-9]")
_LETTERS = re.compile(r"[A-Z]+")


def split_ref(number: str) -> tuple[str, str, int] | None:
    """`INV-0042` -> ("INV", "INV42", 42): letters before the number, compact key, number value."""
    up = number.upper()
    m = _SPLIT.fullmatch(up)
    if not m:
        return None
    prefix = m.group(1).replace(".", "")
    return prefix, f"{prefix}{int(m.group(2))}", int(m.group(2))


def _prefer(numbers: list[str], words: frozenset[str]) -> list[str]:
    """Of several numbers with the same digits, those whose prefix is such a word (INV-42 over CN-42)."""
    if len(numbers) < 2:
        return numbers
    best = [n for n in numbers if (split_ref(n) or ("", "", 0))[0] in words or not (split_ref(n) or ("x",))[0]]
    return best or numbers


def compact(number: str) -> str:
    """Upper-case letters and digits only."""
    return _NOT_ALNUM.sub("", number.upper())


@dataclass(frozen=True, slots=True)
class Refs:
    """References found in one transaction: invoice and PO numbers as the ledger spells them."""

    invoices: dict[str, str]  # invoice_number -> STRONG | WEAK
    pos: dict[str, str]  # po_number -> STRONG | WEAK
    unknown: tuple[str, ...]  # prefixed references the ledger does not hold ("INV-99999")

    def __bool__(self) -> bool:
        return bool(self.invoices or self.pos)


class RefIndex:
    """The ledger's invoice and PO numbers under every key a person may type them by."""

    def __init__(self, invoice_numbers: Iterable[str], po_numbers: Iterable[str]):
        self.inv_by_num: dict[int, list[str]] = {}
        self.po_by_num: dict[int, list[str]] = {}
        self.by_key: dict[str, list[tuple[str, str]]] = {}  # compact key -> [("inv"|"po", number)]
        self.po_digits: dict[str, list[str]] = {}  # all-digit PO numbers as written (4500012345)
        self.max_digits = 0
        self._cache: dict[tuple[str, ...], Refs] = {}
        self._add_all("inv", invoice_numbers, self.inv_by_num)
        po_list = list(po_numbers)
        self._add_all("po", po_list, self.po_by_num)
        for n in po_list:
            if n.strip().isdigit():
                self.po_digits.setdefault(n.strip(), []).append(n)

    def _add_all(self, kind: str, numbers: Iterable[str], by_num: dict[int, list[str]]) -> None:
        """File each number under its compact key (`INV000042`), its key without leading zeros (`INV42`)
        and its value (42)."""
        by_key = self.by_key
        longest = self.max_digits
        for number in numbers:
            up = number.upper()
            if len(number) > longest:  # a bound on its digits, cheap to take
                longest = len(number)
            head, dash, digits = up.rpartition("-")
            ascii_ = up.isascii()
            if not ascii_:
                head = ""
            elif not dash:
                head, digits = "", up
            if digits.isdigit() and (not head or head.isalpha()) and ascii_:
                # `INV-000042`, `PO-1001`, `4500012345`: compact() and split_ref() without the regexes
                key0 = head + digits
                value = int(digits)
                key: str | None = f"{head}{value}"
            else:
                key0 = _NOT_ALNUM.sub("", up)
                m = _SPLIT.fullmatch(up)
                value = int(m.group(2)) if m is not None else 0
                key = f"{m.group(1).replace('.', '')}{value}" if m is not None else None
            entry = (kind, number)
            if key0:
                if key0 in by_key:
                    by_key[key0].append(entry)
                else:
                    by_key[key0] = [entry]
            if key is not None:
                if value in by_num:
                    by_num[value].append(number)
                else:
                    by_num[value] = [number]
                if key and key != key0:
                    if key in by_key:
                        by_key[key].append(entry)
                    else:
                        by_key[key] = [entry]
        self.max_digits = longest

    def extract(self, *texts: str) -> Refs:
        """The ledger's invoices and POs named in these texts (memo, payer, bank references)."""
        hit = self.lookup(*texts)
        return Refs(dict(hit.invoices), dict(hit.pos), hit.unknown)  # copies: the cached one stays as found

    def lookup(self, *texts: str) -> Refs:
        """As `extract`, the one found before for the same texts: shared, so never to be changed."""
        hit = self._cache.get(texts)
        if hit is None:
            hit = self._extract(texts)
            if len(self._cache) < 65536:
                self._cache[texts] = hit
        return hit

    def _extract(self, texts: tuple[str, ...]) -> Refs:
        invoices: dict[str, str] = {}
        pos: dict[str, str] = {}
        unknown: list[str] = []

        max_digits = self.max_digits
        inv_by_num, po_by_num, po_digits, by_key = self.inv_by_num, self.po_by_num, self.po_digits, self.by_key
        # a STRONG find is written as is; a WEAK one never replaces a STRONG one
        for text in texts:
            if not text:
                continue
            up = text.upper()
            if not _HAS_DIGIT.search(up):
                continue
            # every date form needs one of - / . and every amount form one of , . (skip the regex otherwise)
            if "-" in up or "/" in up or "." in up:
                up = _DATES.sub(" ", up)
            if "," in up or "." in up:
                up = _AMOUNTS.sub(" ", up)
            size = len(up)
            for m in _NUMBER.finditer(up):
                digits = m.group(0)
                end = m.end()
                if end < size and up[end].isalpha():
                    tail = _LETTERS.match(up, end)
                    if tail and len(tail.group(0)) > 2:
                        continue  # part of a word such as 3RD or an account code
                if len(digits.lstrip("0")) > max_digits:
                    continue  # trace and account numbers longer than any invoice or PO number
                value = int(digits)
                word = _word_before(up, m.start())
                if word in _INVOICE_WORDS:
                    found = inv_by_num.get(value)
                    if not found:
                        unknown.append(f"{word} {digits}")
                        continue
                    for n in (found if len(found) < 2 else _prefer(found, _INVOICE_WORDS)):
                        invoices[n] = STRONG
                    continue
                hits = 0
                if word in _PO_WORDS:
                    for n in _prefer(po_by_num.get(value, []), _PO_WORDS):
                        pos[n] = STRONG
                        hits += 1
                    for n in po_digits.get(digits, ()):
                        pos[n] = STRONG
                        hits += 1
                    if not hits:
                        unknown.append(f"{word} {digits}")
                    continue
                if word:
                    for kind, n in by_key.get(f"{word}{value}", ()):
                        (invoices if kind == "inv" else pos)[n] = STRONG
                        hits += 1
                    for kind, n in by_key.get(f"{word}{digits}", ()):
                        (invoices if kind == "inv" else pos)[n] = STRONG
                        hits += 1
                    if hits:
                        continue
                # A bare number: the buyer's all-digit PO format as written, else a weak hint.
                for n in po_digits.get(digits, ()):
                    pos[n] = STRONG
                    hits += 1
                if hits or len(digits.lstrip("0")) < 4:
                    continue
                for n in inv_by_num.get(value, ()):
                    if invoices.get(n) != STRONG:
                        invoices[n] = WEAK
                for n in po_by_num.get(value, ()):
                    if pos.get(n) != STRONG:
                        pos[n] = WEAK
        return Refs(invoices, pos, tuple(dict.fromkeys(unknown)))
