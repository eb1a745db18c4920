"""Payer names: strip bank descriptor noise and legal suffixes, and match them to buyers with rapidfuzz.

Banks print the payer as `ORIG CO NAME:CORNER SHOP LL ... IND ID:...`, `ZELLE FROM J SMITH`,
`WIRE FROM CORNERSHOP`; buyers are kept under their legal names (`Corner Shop LLC`) and the aliases a
person taught poflow. Matching goes through an index (exact, compact, token and prefix blocks), so a
payer is compared with a handful of buyers, never with all of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from struct import Struct

from rapidfuzz import fuzz
from rapidfuzz.process import cdist

from ..banks.descriptors import read_descriptor
from ..records import Buyer

LEGAL_SUFFIXES = frozenset({
    "LLC", "LLP", "LP", "INC", "INCORPORATED", "LTD", "LIMITED", "GMBH", "CO", "CORP", "CORPORATION",
    "COMPANY", "PLC", "SA", "SARL", "SAS", "AG", "BV", "NV", "PTY", "PC", "PLLC", "KG", "OHG", "SRL",
    "SPA", "AB", "AS", "OY", "UG", "LLLP",
})
_SUFFIX_FRAGMENTS = frozenset(
    s[:n] for s in ("LLC", "INC", "LTD", "CORP", "CORPORATION", "GMBH", "LIMITED", "COMPANY", "INCORPORATED")
    for n in range(1, len(s))
)
# Words banks put around the payer's name; never part of a buyer's name.
_NOISE = re.compile(
    r"\b(?:ACH|CREDIT|CR|DEP(?:OSIT)?|PPD|CCD|CTX|WEB|SEC|TRN|TRACE|FEDWIRE|WIRE|TRANSFER|INCOMING|"
    r"ZELLE|PAYMENT|PMT|FROM|VIA|B/O|ORIG|ONLINE|REMOTE|MOBILE|BOOK|XFER|RTP|INSTANT|SEPA|GUTSCHRIFT|"
    r"UEBERWEISUNG|VENMO|CASHAPP|CASH APP)\b"
)
_STOP_TOKENS = frozenset({"THE", "AND", "OF", "DBA", "A"})
_PAYER_PATTERNS = (
    re.compile(r"ORIG CO NAME\s*:\s*(.+?)(?=\s+(?:ORIG ID|CO ENTRY|DESC DATE|SEC|TRACE|EED|IND ID)\b|$)"),
    re.compile(r"IND NAME\s*:\s*(.+?)(?=\s+(?:TRN|IND ID|ORIG|REF)\b|$)"),
    re.compile(r"\bB/O\s*:?\s*(.+?)(?=\s+(?:REF|OBI|BBI|IMAD|OMAD|SSN|TRN)\b|/|$)"),
    re.compile(
        r"\b(?:ZELLE (?:PAYMENT )?FROM|WIRE (?:TRANSFER )?FROM|WIRE IN(?:COMING)? FROM|ACH CREDIT FROM|"
        r"DEPOSIT FROM|PAYMENT FROM|RTP FROM|CREDIT FROM)\s+(.+?)"
        r"(?=\s+(?:ON\s+\d|(?:REF|CONF|INV|INVOICE|PO|FOR|MEMO|TRN|ID)\b|P\.O\.)|\s+#|\s+\d|$)"
    ),
)


def _from_patterns(text: str) -> list[str]:
    """Every payer name a bank descriptor pattern finds in the text (ACH prints two: ORIG CO and IND)."""
    s = " ".join(text.split())
    up = s.upper()
    found: list[str] = []
    if ":" not in up and "FROM" not in up and "B/O" not in up:
        return found  # every pattern needs one of these: most memos are done here
    for pat in _PAYER_PATTERNS:
        for m in pat.finditer(up):
            name = s[m.start(1):m.end(1)].strip(" :-/,")
            if name and name not in found:
                found.append(name)
    return found


def payer_from_memo(text: str) -> str | None:
    """The payer's name a bank pattern finds in a memo (`ZELLE FROM J SMITH ON 03/04` -> `J SMITH`), or None."""
    found = _payers_in(text)
    return found[0] if found else None


@lru_cache(maxsize=65536)
def _payers_in(text: str) -> tuple[str, ...]:
    """Payer names a descriptor convention (banks.descriptors) or, failing that, a bank pattern finds."""
    d = read_descriptor(text)
    if d.known:
        # the receiver fields last: the seller's own name there is dropped by PayerIndex (Settings); some
        # originators print their own name in IND NAME
        return (*d.payers, *(r for r in d.receiver if r not in d.payers))
    return tuple(_from_patterns(text))


def _has_convention(text: str) -> bool:
    return read_descriptor(text).known


# In a memo used as the payer's name: reference words with the number after them, numbers, dates.
_REF_WORDS = re.compile(
    r"\b(?:INV(?:OICE)?S?|P\.?O\.?|REF(?:ERENCE)?|NO|NR|NUM(?:BER)?|FOR|ORDER|RE|BILL|PAID|PAY|DEPOSIT|"
    r"PAYMENT|PMT|THANK YOU|THANKS|REMITTANCE)\b(?:[\s#:.\-]*[A-Z]{0,3}[\-]?\d[\w\-/]*)?|"
    r"\b(?:INV|PO)\d\w*|(?<![A-Z0-9])[\d][\d\-/.,]*(?![A-Z])|#"
)


def clean_payer(text: str) -> str:
    """The payer's name as printed, without bank descriptor noise (`WIRE FROM Corner Shop` -> `Corner Shop`)."""
    found = payer_from_memo(text)
    return found if found is not None else " ".join(text.split()).strip(" :-/,")


_F32 = Struct("f")


def _f32(value: float) -> float:
    """The value rounded to single precision, as rapidfuzz's process.cdist returns scores."""
    return float(_F32.unpack(_F32.pack(value))[0])


_INITIAL_DOTS = re.compile(r"\b([A-Z])\.(?=[A-Z]\.)")
_NOT_NAME = re.compile(r"[^A-Z0-9 ]+")


@lru_cache(maxsize=65536)
def normalize_name(text: str) -> str:
    """Upper-case letters, digits and single spaces; `&` as AND; legal suffixes and their truncations dropped."""
    s = text.upper().replace("&", " AND ").replace("'", "")
    s = _INITIAL_DOTS.sub(r"\1", s)  # L.L.C. -> LLC
    s = _NOT_NAME.sub(" ", s)
    tokens = s.split()
    while len(tokens) > 1 and tokens[-1] in LEGAL_SUFFIXES:
        tokens.pop()
    if len(tokens) > 1 and tokens[-1] in _SUFFIX_FRAGMENTS:  # "CORNER SHOP LL" cut by the bank
        tokens.pop()
    while len(tokens) > 1 and tokens[-1] in LEGAL_SUFFIXES:
        tokens.pop()
    if len(tokens) > 1 and tokens[0] == "THE":
        tokens.pop(0)
    return " ".join(tokens)


def display_payer(payer: str, memo: str = "") -> str:
    """The payer's name as a person would write it down as an alias: bank noise and references removed."""
    if payer == memo or " ".join(payer.split()) == " ".join(memo.split()):
        payer = ""
    if payer.strip():
        return clean_payer(payer)
    found = payer_from_memo(memo)
    if found is not None:
        return found
    return " ".join(_NOISE.sub(" ", _REF_WORDS.sub(" ", memo.upper())).split())


def payer_candidates(payer: str, memo: str = "") -> tuple[str, ...]:
    """Normalized names the payer may go by: from the payer field and the memo; DBA parts split."""
    if _KNOWN_NAMES:
        known = _KNOWN_NAMES.get((payer, memo))
        if known is not None:
            return known
    raw: list[str] = []
    if payer == memo or " ".join(payer.split()) == " ".join(memo.split()):
        payer = ""  # a bank export without a payer column repeats the description
    if payer.strip():
        raw.append(clean_payer(payer))
    if memo.strip():
        found = _payers_in(memo)
        if found:
            raw.extend(found)
        elif not raw and not _has_convention(memo):
            # no payer column (Chase CSV) and no convention: the memo without references is the best guess
            raw.append(_REF_WORDS.sub(" ", memo.upper()))
    out: list[str] = []
    for r in raw:
        for n in _names_of(r.upper()):
            if n not in out:
                out.append(n)
    return tuple(out)


_KNOWN_NAMES: dict[tuple[str, str], tuple[str, ...]] = {}  # (payer, memo) -> candidates found elsewhere
_KNOWN_LIMIT = 200_000


def remember_candidates(found: Mapping[tuple[str, str], tuple[str, ...]]) -> None:
    """Take payer_candidates worked out in another process (the forked bank reader, by (payer, memo)) so
    they are not worked out again."""
    if len(_KNOWN_NAMES) + len(found) >= _KNOWN_LIMIT:
        _KNOWN_NAMES.clear()
    _KNOWN_NAMES.update(found)


@lru_cache(maxsize=65536)
def _names_of(up: str) -> tuple[str, ...]:
    parts = [up]
    if _DBA.search(up):
        parts += _DBA.split(up)
    out: list[str] = []
    for p in parts:
        n = normalize_name(_NOISE.sub(" ", p))
        if len(n.replace(" ", "")) >= 2 and n not in out:
            out.append(n)
    return tuple(out)


_DBA = re.compile(r"\b(?:DBA|D/B/A|T/A|AKA)\b")
_SUFFIX_FORMS = {"LLC": "LLC", "LLLP": "LLC", "PLLC": "LLC", "INC": "INC", "INCORPORATED": "INC", "CO": "CO",
                 "COMPANY": "CO", "CORP": "CORP", "CORPORATION": "CORP", "LTD": "LTD", "LIMITED": "LTD",
                 "GMBH": "GMBH", "LLP": "LLP", "LP": "LP", "PLC": "PLC"}


def _suffix_form(written: str) -> str:
    """The legal suffix a name is written with, in one form (`L.L.C.` and `LLC` -> LLC), or ''."""
    s = _INITIAL_DOTS.sub(r"\1", written.upper().replace("&", " ")).replace(".", " ").replace(",", " ")
    tokens = _NOT_NAME.sub(" ", s).split()
    return _SUFFIX_FORMS.get(tokens[-1], "") if len(tokens) > 1 else ""


def initials_key(norm: str, written: str, *, payer: bool = False) -> str:
    """`BHB INC` for a buyer `Blue Heron Boutique Inc` (normalized `BLUE HERON BOUTIQUE`); for a payer
    (`payer=True`) its own letters `BHB` with the suffix it is written with. '' when there is none."""
    suffix = _suffix_form(written)
    if not suffix:
        return ""
    if payer:
        return f"{norm} {suffix}" if norm.isalpha() else ""
    words = [w for w in norm.split() if w not in _STOP_TOKENS]
    if len(words) < 2:
        return ""
    return f"{''.join(w[0] for w in words)} {suffix}"


def raw_payer_names(payer: str, memo: str = "") -> list[str]:
    """The payer's names as printed (before normalizing): from the payer field, else the memo."""
    if payer == memo or " ".join(payer.split()) == " ".join(memo.split()):
        payer = ""
    out = [clean_payer(payer)] if payer.strip() else []
    if memo.strip():
        out.extend(_payers_in(memo))
    return out


def name_score(payer: str, name: str) -> float:
    """Similarity 0..100 of two normalized names: exact, compact, truncated prefix or rapidfuzz ratios."""
    if payer == name:
        return 100.0
    cp, cn = payer.replace(" ", ""), name.replace(" ", "")
    if cp == cn:
        return 98.0
    if len(cp) >= 8 and cn.startswith(cp):
        return 95.0
    return max(fuzz.ratio(payer, name), fuzz.token_sort_ratio(payer, name))


@dataclass(frozen=True, slots=True)
class PayerMatch:
    """How well a payer matches the best buyers: scores 0..100, best first."""

    scores: tuple[tuple[str, float, str], ...]  # (buyer_id, score, the buyer's name or alias it matched)
    names: tuple[str, ...]  # the payer's normalized candidate names
    by_buyer: dict[str, float] = field(default_factory=dict)

    @property
    def best(self) -> tuple[str, float, str] | None:
        """The best-scoring buyer, or None."""
        return self.scores[0] if self.scores else None

    def score_of(self, buyer_id: str) -> float:
        """This buyer's score (0 when its names were not near enough to be scored)."""
        return self.by_buyer.get(buyer_id, 0.0)

    def identified(self, min_score: float = 88.0, margin: float = 8.0) -> str | None:
        """The buyer the payer clearly is: best score high enough and well ahead of the next buyer."""
        if not self.scores or self.scores[0][1] < min_score:
            return None
        if len(self.scores) > 1 and self.scores[1][1] > self.scores[0][1] - margin:
            return None
        return self.scores[0][0]


_CDIST_FROM = 8  # from this many candidates a name is scored against them in one cdist call


class PayerIndex:
    """Buyers' names and aliases, normalized and indexed for blocking."""

    def __init__(self, buyers: Iterable[Buyer], extra_aliases: Mapping[str, Sequence[str]] | None = None,
                 seller_names: Iterable[str] = ()):
        # the seller's own name and aliases (Settings): a descriptor's receiver, never a payer
        self.seller: tuple[str, ...] = tuple(dict.fromkeys(
            n for w in seller_names if w.strip() for n in _names_of(w.upper()) if len(n.replace(" ", "")) >= 4))
        self._seller_cache: dict[str, bool] = {}
        self._seller_names_cache: dict[tuple[str, ...], tuple[str, ...]] = {}
        self._initials: dict[str, list[int]] = {}  # "BHB INC" -> entries of Blue Heron Boutique Inc
        self.names: dict[str, list[tuple[str, str]]] = {}  # buyer_id -> [(normalized, as written)]
        self.display: dict[str, str] = {}
        self._entries: list[tuple[str, str, str, str]] = []  # (buyer_id, normalized, compact, as written)
        self._norms: list[str] = []  # each entry's normalized name, and its words sorted (token_sort_ratio's form)
        self._sorted: list[str] = []
        self._exact: dict[str, list[int]] = {}
        self._compact: dict[str, list[int]] = {}
        self._prefix: dict[str, list[int]] = {}
        self._token: dict[str, set[int]] = {}
        self._cache: dict[tuple[str, ...], PayerMatch] = {}  # by names (and initials keys)
        self._raw_cache: dict[tuple[str, str], PayerMatch] = {}  # by (payer, memo) as given
        self._name_cache: dict[str, dict[str, tuple[float, str]]] = {}
        for b in buyers:
            self.display[b.buyer_id] = b.name
            self.add_aliases(b.buyer_id, (b.name, *b.aliases))
        for bid, names in (extra_aliases or {}).items():
            self.add_aliases(bid, names)

    def add_aliases(self, buyer_id: str, written_names: Iterable[str]) -> None:
        """Index more names for a buyer (its legal name, aliases, names learned from people)."""
        for written in written_names:
            for n in payer_candidates(written) or ((normalize_name(written),) if written.strip() else ()):
                self._add(buyer_id, n, written)
        self._cache.clear()
        self._raw_cache.clear()
        self._name_cache.clear()

    def _add(self, buyer_id: str, norm: str, written: str) -> None:
        if not norm:
            return
        lst = self.names.setdefault(buyer_id, [])
        if any(n == norm for n, _ in lst):
            return
        lst.append((norm, written))
        compact = norm.replace(" ", "")
        k = len(self._entries)
        self._entries.append((buyer_id, norm, compact, written))
        self._norms.append(norm)
        self._sorted.append(" ".join(sorted(norm.split())))
        self._exact.setdefault(norm, []).append(k)
        self._compact.setdefault(compact, []).append(k)
        self._prefix.setdefault(compact[:8], []).append(k)
        for tok in set(norm.split()):
            if len(tok) >= 3 and tok not in _STOP_TOKENS:
                self._token.setdefault(tok, set()).add(k)
        key = initials_key(norm, written)
        if key:
            self._initials.setdefault(key, []).append(k)

    def _block(self, name: str, compact: str) -> set[int]:
        """Entries worth scoring: same name, same letters, same first 8 letters, or sharing its two rarest words."""
        found: set[int] = set(self._exact.get(name, ()))
        found.update(self._compact.get(compact, ()))
        found.update(self._prefix.get(compact[:8], ()))
        postings = sorted((self._token[t] for t in set(name.split()) if t in self._token), key=len)
        if len(postings) >= 2:
            found.update(postings[0] & postings[1])
        elif postings and len(postings[0]) <= 200:
            found.update(postings[0])
        return found

    def _score_name(self, name: str) -> dict[str, tuple[float, str]]:
        hit = self._name_cache.get(name)
        if hit is not None:
            return hit
        compact = name.replace(" ", "")
        best: dict[str, tuple[float, str]] = {}
        entries = self._entries
        # the same name (100), the same letters (98), a name the payer's is a cut of (95): found by the index
        # entries are filed under; every other entry of the block is scored by rapidfuzz
        scored: dict[int, float] = {k: 100.0 for k in self._exact.get(name, ())}
        for k in self._compact.get(compact, ()):
            scored.setdefault(k, 98.0)
        if len(compact) >= 8:
            for k in self._prefix.get(compact[:8], ()):
                if entries[k][2].startswith(compact):
                    scored.setdefault(k, 95.0)
        fuzzy = list(self._block(name, compact).difference(scored))
        if fuzzy:
            # max(ratio, token_sort_ratio); token_sort_ratio is the ratio of the names with their words sorted
            # (the entries' sorted forms are kept): a score below 60 is never kept
            norms, sorts = self._norms, self._sorted
            key = " ".join(sorted(name.split()))
            if len(fuzzy) < _CDIST_FROM:
                # a few candidates: one by one (cdist's own overhead is larger), rounded to single precision
                # as cdist returns scores
                for k in fuzzy:
                    s = max(fuzz.ratio(name, norms[k], score_cutoff=60), fuzz.ratio(key, sorts[k], score_cutoff=60))
                    if s >= 60:
                        scored[k] = _f32(s)
            else:
                import numpy as np  # rapidfuzz's cdist returns numpy arrays (and imports numpy itself when called)

                # each scorer over all candidates in one C call (float32 scores); only scores of 60 or more
                # come back to Python
                ratios = cdist([name], [norms[k] for k in fuzzy], scorer=fuzz.ratio, processor=None,
                               score_cutoff=60, workers=1)[0]
                sorted_ratios = cdist([key], [sorts[k] for k in fuzzy], scorer=fuzz.ratio, processor=None,
                               score_cutoff=60, workers=1)[0]
                both = np.maximum(ratios, sorted_ratios)
                kept = np.flatnonzero(both >= 60)
                for i, s in zip(kept.tolist(), both[kept].tolist(), strict=True):
                    scored[fuzzy[i]] = s
        for k in sorted(scored):  # candidates in entry order, as a buyer's best name is kept on a tie
            s = scored[k]
            bid, _norm, _cn, written = entries[k]
            if s >= 60 and s > best.get(bid, (-1.0, ""))[0]:
                best[bid] = (s, written)
        self._name_cache[name] = best
        return best

    def is_seller(self, name: str) -> bool:
        """True when a normalized name is the seller's own (or a cut of it, as a receiver field prints it)."""
        if not self.seller:
            return False
        hit = self._seller_cache.get(name)
        if hit is None:
            hit = self._seller_cache[name] = self._is_seller(name)
        return hit

    def _is_seller(self, name: str) -> bool:
        compact = name.replace(" ", "")
        for own in self.seller:
            c_own = own.replace(" ", "")
            if name == own or (len(compact) >= 6 and c_own.startswith(compact)):
                return True
            if compact[:3] == c_own[:3] and name_score(name, own) >= 90:
                return True
        return False

    def _without_seller(self, names: tuple[str, ...]) -> tuple[str, ...]:
        if not self.seller:
            return names
        hit = self._seller_names_cache.get(names)
        if hit is None:
            hit = self._seller_names_cache[names] = self._drop_seller(names)
        return hit

    def _drop_seller(self, names: tuple[str, ...]) -> tuple[str, ...]:
        out: list[str] = []
        for n in names:
            if self.is_seller(n):
                continue
            for own in self.seller:  # `MAPLELEAF WHOLESALE DEPOSIT CORNER SHOP`: the seller's words out
                if f" {own} " in f" {n} ":
                    n = " ".join(f" {n} ".replace(f" {own} ", " ").split())
            if len(n.replace(" ", "")) >= 2 and n not in out:
                out.append(n)
        return tuple(out)

    def _unstripped(self, payer: str, memo: str, names: tuple[str, ...]) -> tuple[str, ...]:
        """The payer's names with their last words kept (compact), where normalizing dropped a legal-suffix
        word that may be a cut name's own (`OLD TOWN COMPANY` of `Old Town Company Store Co`)."""
        out: list[str] = []
        compacts = {n.replace(" ", "") for n in names}
        for raw in raw_payer_names(payer, memo):
            up = _NOISE.sub(" ", raw.upper().replace("&", " AND ").replace("'", ""))
            compact = _NOT_NAME.sub("", _INITIAL_DOTS.sub(r"\1", up)).replace(" ", "")
            if len(compact) >= 8 and compact not in compacts and compact not in out:
                if not any(compact.startswith(c) for c in compacts):
                    continue  # not a suffix dropped at the end: another form altogether
                out.append(compact)
        return tuple(out)

    def _initial_keys(self, payer: str, memo: str, names: tuple[str, ...]) -> tuple[str, ...]:
        """`BHB INC` keys of a payer printed as initials plus a legal suffix."""
        if not self._initials:
            return ()
        for n in names:
            if len(n) <= 5 and len(n) >= 2 and n.isalpha():
                break
        else:
            return ()
        keys = (initials_key(normalize_name(r.upper()), r, payer=True) for r in raw_payer_names(payer, memo))
        return tuple(dict.fromkeys(k for k in keys if k in self._initials))

    def match(self, payer: str, memo: str = "") -> PayerMatch:
        """Score the buyers this payer may be (cached per distinct name)."""
        raw = self._raw_cache.get((payer, memo))
        if raw is not None:
            return raw
        names = self._without_seller(payer_candidates(payer, memo))
        ikeys = self._initial_keys(payer, memo, names)
        key = (*names, *(f"\0{k}" for k in ikeys))
        result = self._cache.get(key)
        if result is None:
            if len(names) == 1:
                best = dict(self._score_name(names[0]))
            else:
                best = {}
                for n in names:
                    for bid, (s, w) in self._score_name(n).items():
                        if s > best.get(bid, (-1.0, ""))[0]:
                            best[bid] = (s, w)
            for k in ikeys:  # initials plus the same legal suffix: a name, not a certainty (score 90)
                for e in self._initials[k]:
                    bid, _, _, written = self._entries[e]
                    if best.get(bid, (-1.0, ""))[0] < 90.0:
                        best[bid] = (90.0, written)
            result = self._result(names, best)
            self._cache[key] = result
        if (not result.scores or result.scores[0][1] < 88) and names:
            # `JUNIPER COMPANY` cut from `Juniper Company Store GmbH`: the suffix-like word is the name's own
            whole = self._unstripped(payer, memo, names)
            if whole:
                best = {b: (s, w) for b, s, w in result.scores}
                for w in whole:
                    for e in self._prefix.get(w[:8], ()):
                        bid, _, compact, written = self._entries[e]
                        if compact.startswith(w) and best.get(bid, (-1.0, ""))[0] < 95.0:
                            best[bid] = (95.0, written)
                result = self._result(names, best)
        self._raw_cache[(payer, memo)] = result
        return result

    @staticmethod
    def _result(names: tuple[str, ...], best: dict[str, tuple[float, str]]) -> PayerMatch:
        # best score first, then by buyer id (ids are distinct: the names never decide the order)
        ranked = tuple((b, -s, w) for s, b, w in sorted((-s, b, w) for b, (s, w) in best.items()))
        return PayerMatch(ranked, names, {b: sc for b, sc, _ in ranked})

    def knows(self, buyer_id: str, payer: str) -> bool:
        """True when the payer already matches this buyer's name or an alias almost exactly."""
        return any(
            name_score(n, norm) >= 95 for n in payer_candidates(payer) for norm, _ in self.names.get(buyer_id, ())
        )
