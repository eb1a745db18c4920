"""`poflow adopt`: propose the person's names for poflow's tabs and columns, from header names and contents.

Each proposal carries a confidence from 0 to 1 and its evidence: why the name fits (poflow's own name, a
usual name, a close spelling) and what the values are (how many read as dates, amounts, keys, e-mails,
terms; sample values). Nothing is applied here; `app.adopt` writes the accepted proposal as the
`poflow Map` tab.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import islice

from rapidfuzz import fuzz

from ..cells import CellError, Converter, converter, parse_bool
from ..mapping import MapEntry, WorkbookMap
from ..schema import (
    BOOLEAN,
    DATE,
    ENUM,
    INTEGER,
    LIST,
    MONEY,
    NUMBER,
    PERCENT,
    TAB_BY_NAME,
    TABS,
    Column,
    Tab,
    norm,
)
from ..terms import TermsError, parse_terms
from .sheets import SheetColumn, SheetView
from .vocab import column_names, tab_names

THRESHOLD = 0.5  # a column proposal below this confidence is not made (the column is listed as left alone)
TAB_THRESHOLD = 0.4
ADOPTABLE = tuple(t for t in TABS if t.name not in ("Settings", "Log"))
KEY_LIKE = {"po_number", "invoice_number", "sku", "shipment_id", "transaction_id", "quote_number"}
CONTENT_ONLY = {"email", "terms", "status"}  # columns whose values alone may place them
SAMPLES = 3


@dataclass(frozen=True)
class ColumnProposal:
    """A person's column proposed for one of poflow's columns."""

    tab: str
    column: str  # schema key
    header: str  # the person's header as written
    letter: str
    confidence: float
    evidence: str
    samples: tuple[str, ...] = ()

    @property
    def schema_header(self) -> str:
        """poflow's header of the column."""
        return TAB_BY_NAME[self.tab].column(self.column).header


@dataclass(frozen=True)
class TabProposal:
    """A person's sheet proposed for one of poflow's tabs, with its columns."""

    tab: str
    sheet: str
    header_row: int
    confidence: float
    evidence: str
    columns: tuple[ColumnProposal, ...]
    absent: tuple[str, ...]  # optional contract columns (keys) the sheet does not have: read as empty
    unplaced: tuple[str, ...]  # the person's headers left alone
    kept: tuple[MapEntry, ...] = ()  # entries the workbook's map already has
    added: tuple[str, ...] = ()  # required columns (keys) the sheet lacks: --apply adds their headers
    width: int = 0  # cells in the sheet's header row: added headers go after them

    def needs_map(self) -> bool:
        """True when the tab or a column goes by another name than poflow's (or a contract column is absent)."""
        return norm(self.sheet) != norm(self.tab) or bool(self.absent) or bool(self.added) or any(
            norm(c.header) not in (norm(c.schema_header), norm(c.column)) for c in self.columns)


@dataclass(frozen=True)
class Proposal:
    """Everything `poflow adopt` proposes for one workbook."""

    tabs: tuple[TabProposal, ...]
    sheets_left: tuple[str, ...]  # the person's sheets no poflow tab was proposed for
    missing: tuple[str, ...]  # poflow's required tabs with no sheet
    one_tab: str = ""  # a sheet that holds orders, lines and buyers together (use --split)
    existing: WorkbookMap = field(default_factory=WorkbookMap)

    def map_rows(self) -> list[tuple[str, str, str, str]]:
        """New rows for the poflow Map tab: (Tab, Column, Your Name, Note), none the map already has."""
        have = {(e.tab, e.column) for e in self.existing.entries}
        rows: list[tuple[str, str, str, str]] = []
        for t in self.tabs:
            if not t.needs_map():
                continue
            if norm(t.sheet) != norm(t.tab) and (t.tab, "") not in have:
                rows.append((t.tab, "", t.sheet, f"{t.confidence:.0%}: {t.evidence}"))
            for c in t.columns:
                if (t.tab, c.column) in have or norm(c.header) in (norm(c.schema_header), norm(c.column)):
                    continue
                rows.append((t.tab, c.schema_header, c.header, f"{c.confidence:.0%}: {c.evidence}"))
            spec = TAB_BY_NAME[t.tab]
            for key in t.absent:
                if (t.tab, key) not in have:
                    rows.append((t.tab, spec.column(key).header, "",
                                 "not kept: reads as empty; poflow adds the column when it writes one"))
        return rows


# --------------------------------------------------------------------------- names


def _simple(text: str) -> str:
    return re.sub(r"[^0-9a-z#%]+", " ", text.lower()).strip()


def name_score(tab: Tab, col: Column, header: str, names: Sequence[str] | None = None) -> tuple[float, str]:
    """How well a header names a column: poflow's own name 1.0, a usual name 0.95, a close spelling less.
    `names`: the usual names (default: the vocabulary's for the tab's column)."""
    n = norm(header)
    if not n and header.strip() not in ("#",):
        return 0.0, ""
    if n and n in (norm(col.header), norm(col.key)):
        return 1.0, f"'{header}' is poflow's name"
    names = column_names(tab.name, col.key) if names is None else names
    if any(norm(x) == n and (n or x.strip() == header.strip()) for x in names):
        return 0.95, f"'{header}' is a usual name for {col.header}"
    best, like = 0.0, ""
    for x in (col.header, *names):
        r = max(fuzz.ratio(_simple(header), _simple(x)), fuzz.token_sort_ratio(_simple(header), _simple(x))) / 100
        if r > best:
            best, like = r, x
    if best >= 0.8:
        return round(0.85 * best, 2), f"'{header}' reads like '{like}'"
    return 0.0, ""


def tab_score(tab: Tab, title: str) -> tuple[float, str]:
    """How well a sheet's name names a tab."""
    n = norm(title)
    if n == norm(tab.name):
        return 1.0, f"'{title}' is poflow's name"
    if any(norm(x) == n for x in tab_names(tab.name)):
        return 0.95, f"'{title}' is a usual name for {tab.name}"
    best = max((fuzz.token_sort_ratio(_simple(title), _simple(x)) / 100 for x in (tab.name, *tab_names(tab.name))),
               default=0.0)
    return (round(0.8 * best, 2), f"'{title}' reads like {tab.name}") if best >= 0.8 else (0.0, "")


# --------------------------------------------------------------------------- values


def _shown(v: object) -> str:
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, datetime):
        return v.date().isoformat() if not v.time() else v.isoformat(sep=" ")
    if isinstance(v, date):
        return v.isoformat()
    return str(v).strip()


def samples(values: Sequence[object]) -> tuple[str, ...]:
    """A few distinct values as text, in sheet order."""
    out: list[str] = []
    for v in islice(values, 200):
        s = _shown(v)
        if s and s not in out:
            out.append(s)
        if len(out) == SAMPLES:
            break
    return tuple(out)


_DATE = Column("d", "d", DATE)


def _is_date(v: object) -> bool:
    if isinstance(v, date):
        return True
    if isinstance(v, str):
        try:
            return _converter(_DATE)(v) is not None
        except CellError:
            return False
    return False


def _is_number(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool)


def _whole(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and float(v).is_integer()


def _pct(v: object) -> bool:
    return isinstance(v, int | float) and not isinstance(v, bool) and 0 <= float(v) <= 100


def _converts(col: Column, v: object) -> bool:
    try:
        return _converter(col)(v) is not None
    except CellError:
        return False


_CONVERTERS: dict[Column, Converter] = {}


def _converter(col: Column) -> Converter:
    if col not in _CONVERTERS:
        _CONVERTERS[col] = converter(col)
    return _CONVERTERS[col]


def value_fit(tab: Tab, col: Column, values: Sequence[object]) -> tuple[float, str]:
    """The share of the values that fit the column, and what they are in words (the first 500 judged)."""
    vals = list(islice((v for v in values if v not in ("", None)), 500))
    if not vals:
        return 0.5, "no values yet"
    n = len(vals)

    def said(ok: int, what: str) -> tuple[float, str]:
        return ok / n, (f"all {n} values are {what}" if ok == n else f"{ok} of {n} values are {what}")

    if col.type == DATE:
        return said(sum(_is_date(v) for v in vals), "dates")
    if col.type in (MONEY, NUMBER):
        return said(sum(_is_number(v) or (isinstance(v, str) and _converts(col, v)) for v in vals), "amounts")
    if col.type == INTEGER:
        return said(sum(_whole(v) or (isinstance(v, str) and _converts(col, v))
                        for v in vals), "whole numbers")
    if col.type == PERCENT:
        return said(sum(_pct(v) or (isinstance(v, str) and v.strip().endswith("%")
                                                                    and _converts(col, v)) for v in vals),
                    "percentages")
    if col.type == BOOLEAN:
        return said(sum(isinstance(v, bool) or (isinstance(v, str) and _bool(v)) for v in vals), "yes or no")
    if col.type == ENUM:
        ok = sum(_converts(col, v) for v in vals)
        fit, words = said(ok, f"one of poflow's {col.header.lower()} values")
        odd = samples([v for v in vals if not _converts(col, v)])
        return fit, words + (f" (not: {', '.join(odd)})" if odd else "")
    if col.key == "email":
        return said(sum(isinstance(v, str) and "@" in v for v in vals), "e-mail addresses")
    if col.key == "terms":
        return said(sum(isinstance(v, str) and _terms(v) for v in vals), "payment terms")
    if col.key in KEY_LIKE or (col.key == "buyer_id" and tab.name == "Buyers"):
        short = sum((isinstance(v, str) and 0 < len(v.strip()) <= 40) or _whole(v) for v in vals)
        distinct = len({_shown(v) for v in vals})
        unique = tab.key == (col.key,)
        fit = short / n * (distinct / n if unique else 1.0)
        words = f"{short} of {n} values look like keys" + (f", {distinct} different" if unique else "")
        return fit, words
    if col.type in ("text", LIST):
        if col.key in ("name", "description", "buyer_id", "payer", "prospect"):
            return said(sum(isinstance(v, str) and any(ch.isalpha() for ch in v) for v in vals), "names")
        return 1.0, f"{n} values"
    return 1.0, f"{n} values"


def _bool(text: str) -> bool:
    try:
        return parse_bool(text) is not None
    except CellError:
        return False


def _terms(text: str) -> bool:
    try:
        parse_terms(text)
    except TermsError:
        return False
    return True


def column_candidates(tab: Tab, view: SheetView) -> list[ColumnProposal]:
    """Every (poflow column, person's column) pair worth proposing, best first."""
    out = []
    for col in tab.columns:
        for pc in view.columns:
            score, why = name_score(tab, col, pc.header)
            if not score and col.key not in CONTENT_ONLY:
                continue
            fit, what = value_fit(tab, col, pc.sample())
            if score:
                conf = score * (0.6 + 0.4 * fit)
            elif col.key in CONTENT_ONLY and fit >= 0.9 and pc.filled():
                conf, why = 0.55 * fit, f"'{pc.header}' holds {col.header.lower()} values"
            else:
                continue
            if conf >= THRESHOLD:
                out.append(ColumnProposal(tab.name, col.key, pc.header, pc.letter, round(conf, 2), f"{why}; {what}",
                                          samples(pc.values)))
    out.sort(key=lambda p: (-p.confidence, [c.key for c in tab.columns].index(p.column), p.letter))
    return out


def propose_tab(tab: Tab, view: SheetView, score: float = 0.0, why: str = "") -> TabProposal:
    """The columns of one sheet proposed for one tab (each column of either side at most once)."""
    chosen: dict[str, ColumnProposal] = {}
    used: set[str] = set()
    for p in column_candidates(tab, view):
        if p.column in chosen or p.letter in used:
            continue
        chosen[p.column] = p
        used.add(p.letter)
    if tab.name == "Buyers" and "buyer_id" not in chosen and "name" in chosen:
        name = chosen["name"]
        chosen["buyer_id"] = ColumnProposal(tab.name, "buyer_id", name.header, name.letter,
                                            round(name.confidence * 0.9, 2),
                                            f"no id column: the name '{name.header}' is the buyer's id", name.samples)
    columns = tuple(sorted(chosen.values(), key=lambda p: [c.key for c in tab.columns].index(p.column)))
    absent = tuple(c.key for c in tab.columns if c.contract and not c.required and c.key not in chosen)
    added = tuple(c.key for c in tab.columns if c.contract and c.required and c.key not in chosen)
    unplaced = tuple(pc.header for pc in view.columns if pc.letter not in used)
    contract = [c for c in tab.columns if c.contract] or [c for c in tab.columns if c.required]
    found = sum(chosen[c.key].confidence for c in contract if c.key in chosen) / max(len(contract), 1)
    conf = round(0.35 * score + 0.65 * found, 2)
    placed = sum(1 for c in contract if c.key in chosen)
    evidence = (f"{why}; " if why else "") + f"{placed} of {len(contract)} of its columns found"
    return TabProposal(tab.name, view.title, view.header_row, conf, evidence, columns, absent, unplaced, (), added, view.width)


def propose(views: Sequence[SheetView], existing: WorkbookMap | None = None) -> Proposal:
    """The whole proposal: each of poflow's tabs to at most one sheet (best pairs first), then references."""
    existing = existing or WorkbookMap()
    pairs: list[tuple[float, int, TabProposal]] = []
    for vi, view in enumerate(views):
        if not view.columns:
            continue
        for tab in ADOPTABLE:
            kept = existing.sheet_for(tab.name)
            if kept is not None and norm(kept.name) != norm(view.title):
                continue
            score, why = tab_score(tab, view.title)
            if kept is not None:
                score, why = 1.0, f"the poflow Map names '{view.title}' for {tab.name}"
            tp = propose_tab(tab, view, score, why)
            if tp.confidence >= TAB_THRESHOLD or score >= 0.95:
                pairs.append((tp.confidence, vi, tp))
    pairs.sort(key=lambda p: (-p[0], p[1]))
    taken_tabs: set[str] = set()
    taken_sheets: set[str] = set()
    chosen: list[TabProposal] = []
    for _conf, _vi, tp in pairs:
        if tp.tab in taken_tabs or tp.sheet in taken_sheets:
            continue
        taken_tabs.add(tp.tab)
        taken_sheets.add(tp.sheet)
        chosen.append(tp)
    chosen = [_with_references(tp, chosen, views) for tp in chosen]
    chosen = [_keep_existing(tp, existing) for tp in chosen]
    order = [t.name for t in TABS]
    chosen.sort(key=lambda t: order.index(t.tab))
    left = tuple(v.title for v in views if v.title not in taken_sheets)
    missing = tuple(t.name for t in TABS if t.required and t.name not in taken_tabs and t.name != "Settings")
    from .split import is_tracker  # a one-tab tracker: orders, lines and buyers in one tab

    one_tab = next((v.title for v in views if v.columns and is_tracker(v)
                    and not ({"Orders", "Lines"} <= taken_tabs and len(views) > 1)), "")
    return Proposal(tuple(chosen), left, missing, one_tab, existing)


def _with_references(tp: TabProposal, chosen: Sequence[TabProposal], views: Sequence[SheetView]) -> TabProposal:
    """Evidence that a reference column's values are the keys of the tab it points at."""
    by_tab = {t.tab: t for t in chosen}
    view_of = {v.title: v for v in views}
    cols = []
    for c in tp.columns:
        ref = TAB_BY_NAME[tp.tab].column(c.column).ref
        target = by_tab.get(ref.split(".")[0]) if ref else None
        if ref and target is not None:
            key = next((x for x in target.columns if x.column == ref.split(".")[1]), None)
            if key is not None:
                keys = {_shown(v) for v in view_of[target.sheet].column(_index(key.letter)).filled()}
                mine = [_shown(v) for v in view_of[tp.sheet].column(_index(c.letter)).filled()]
                hit = sum(1 for v in mine if v in keys)
                if mine:
                    c = ColumnProposal(c.tab, c.column, c.header, c.letter, c.confidence,
                                       f"{c.evidence}; {hit} of {len(mine)} found in '{target.sheet}' column '{key.header}'",
                                       c.samples)
        cols.append(c)
    return TabProposal(tp.tab, tp.sheet, tp.header_row, tp.confidence, tp.evidence, tuple(cols), tp.absent,
                       tp.unplaced, tp.kept, tp.added, tp.width)


def _keep_existing(tp: TabProposal, existing: WorkbookMap) -> TabProposal:
    kept = tuple(e for e in existing.entries if e.tab == tp.tab)
    if not kept:
        return tp
    return TabProposal(tp.tab, tp.sheet, tp.header_row, tp.confidence, tp.evidence, tp.columns, tp.absent,
                       tp.unplaced, kept, tp.added, tp.width)


def _index(letter: str) -> int:
    n = 0
    for ch in letter:
        n = n * 26 + ord(ch) - 64
    return n - 1


def column_of(view: SheetView, header: str) -> SheetColumn | None:
    """A sheet's column by its header."""
    return next((c for c in view.columns if norm(c.header) == norm(header)), None)


__all__ = ["ColumnProposal", "Proposal", "TabProposal", "name_score", "propose", "propose_tab", "value_fit"]
