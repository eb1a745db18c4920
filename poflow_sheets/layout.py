"""Where a tab's records are in a person's own sheet: the header row below title rows, and the rows that
are not records (totals, subtotals, section labels) among and below the data.

Pure functions on the rows a reader produced (python-calamine, or any other source of rows), so every
backend shares them. Cheap on the common case: the header is looked for in the first `HEADER_SCAN` rows
only, and non-record rows are found from the key column, looking at a whole row only when its key cell is
empty, not text, or reads like a label ("Total", "Subtotal", "March orders").
"""

from __future__ import annotations

import re
import zipfile
from collections import Counter
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from .schema import norm
from .store.rowshift import AGGREGATE

HEADER_SCAN = 20  # the header row is among the first 20 rows of a tab

# A label a person writes in a totals row: Total, TOTAL:, Totals, Subtotal, Sub-total, Grand total, Sum...
TOTAL_LABEL = re.compile(r"\s*(?:(?:sub|grand)[\s-]*)?totals?\b|\s*(?:sum|count|average)\s*:?\s*$", re.I)
_MONEYISH = re.compile(r"\s*[-+(]?\s*[$€£]?\s*[\d,]+(?:\.\d+)?\s*\)?\s*%?\s*$")

Merged = Sequence[tuple[tuple[int, int], tuple[int, int]]]  # ((row1, col1), (row2, col2)), 0-based, inclusive


@dataclass(frozen=True)
class Header:
    """The header a tab's records sit under: its (lower) row and each column's header as written."""

    index: int  # 0-based row of the header (the lower row of a two-row header); -1 when the tab is empty
    cells: tuple[object, ...]  # header text per sheet column; a two-row header's group label joined in


def _is_empty(v: object) -> bool:
    return v is None or v == ""


def choose_header(rows: Sequence[Sequence[object]], known: Collection[str],
                  merged: Callable[[], Merged] | None = None) -> Header:
    """The header row: among the first HEADER_SCAN rows, the one whose cells best match `known` (normalised
    header names), alone or joined with the group labels of the row above it (a two-row header). Title rows,
    notes and blank rows above it are left alone. No row matching anything: the first row with a value."""
    head = rows[:HEADER_SCAN]
    best: tuple[int, int, int] = (0, 0, 0)  # (score, -mode, -index): single rows win ties, then earlier rows
    best_cells: tuple[object, ...] = ()
    for i, row in enumerate(head):
        score = sum(1 for v in row if not _is_empty(v) and norm(v) in known)
        if (score, 0, -i) > best:
            best, best_cells = (score, 0, -i), tuple(row)
    if best[0] and len(head) > 1:
        spans = _group_spans(merged() if merged is not None else ())
        for i in range(1, len(head)):
            cells, score = _joined(head[i - 1], head[i], i - 1, spans, known)
            if (score, -1, -i) > best and score > best[0]:
                best, best_cells = (score, -1, -i), cells
    if best[0] == 0:
        first = next((i for i, row in enumerate(rows) if any(not _is_empty(v) for v in row)), -1)
        return Header(first, tuple(rows[first]) if first >= 0 else ())
    return Header(-best[2], best_cells)


def _group_spans(merged: Merged) -> dict[int, list[tuple[int, int, int]]]:
    """Row -> (first col, last col, first row) of every merged range that starts in that row."""
    spans: dict[int, list[tuple[int, int, int]]] = {}
    for (r1, c1), (r2, c2) in merged:
        spans.setdefault(r1, []).append((c1, c2, r2))
    return spans


def _joined(upper: Sequence[object], lower: Sequence[object], upper_index: int,
            spans: dict[int, list[tuple[int, int, int]]], known: Collection[str]) -> tuple[tuple[object, ...], int]:
    """A two-row header read as one: per column, the lower name, the group label and name together, or the
    upper cell when the lower one is empty (a name merged down over both rows). Group labels spread over
    their merged columns."""
    width = max(len(upper), len(lower))
    group = [upper[c] if c < len(upper) else "" for c in range(width)]
    for c1, c2, _ in spans.get(upper_index, ()):
        if c1 < width and not _is_empty(group[c1]):
            for c in range(c1 + 1, min(c2, width - 1) + 1):
                group[c] = group[c1]
    cells: list[object] = []
    score = 0
    for c in range(width):
        low = lower[c] if c < len(lower) else ""
        up = group[c]
        options: list[object] = []
        if not _is_empty(low):
            options.append(low)
            if not _is_empty(up):
                options.append(f"{str(up).strip()} {str(low).strip()}")
        elif not _is_empty(up):
            options.append(up)
        pick = next((o for o in options if norm(o) in known), options[0] if options else "")
        score += bool(options) and norm(pick) in known
        cells.append(pick)
    return tuple(cells), score


# --------------------------------------------------------------------------- rows that are not records


@dataclass(frozen=True)
class NonRecords:
    """Rows below the header that hold no record, and where new records go."""

    skip: frozenset[int]  # indices (into the data rows) of totals, subtotal and section label rows
    last_record: int  # index of the last record row; -1 when there is none
    totals_below: bool  # a totals row follows the last record: new rows go above it
    totals: frozenset[int] = frozenset()  # the skipped rows that are totals or subtotals (the rest: labels)


NONE = NonRecords(frozenset(), -1, False)

FormulaProbe = Callable[[Collection[int]], "RowFormulas"]


@dataclass(frozen=True)
class RowFormulas:
    """What the worksheet itself says of some rows (1-based): their formulas, and the Tables' totals rows."""

    formulas: dict[int, tuple[str, ...]]
    table_totals: frozenset[int]


def _numeric(v: object) -> bool:
    if v.__class__ in (float, int):
        return True
    if v.__class__ is str:
        s = str(v)
        return bool(_MONEYISH.match(s)) or (s.startswith("#") and (s.endswith("!") or s.endswith("A")))
    return False


def is_total_label(v: object) -> bool:
    """A cell a person writes to say the row is a total: Total, TOTAL:, Subtotal, Grand total, Sum."""
    return v.__class__ is str and TOTAL_LABEL.match(str(v)) is not None


def _shape(key: str) -> str:
    return re.sub(r"\d+", "9", key.strip().upper())


def non_record_rows(data: Sequence[Sequence[object]], key_idx: int | None, first_row: int, *,
                    merged: Callable[[], Merged] | None = None, probe: FormulaProbe | None = None) -> NonRecords:
    """Which data rows are not records: totals and subtotal rows (a Total label with numbers, or numbers made
    by SUM/SUBTOTAL/COUNTA... formulas, or an Excel Table's totals row) and section label rows (one text cell
    alone: merged across columns, or not shaped like the tab's keys). Blank rows are left to the caller.

    `first_row` is the Excel row of data[0]; `probe` asks the worksheet for formulas (None: values only)."""
    if not data:
        return NONE
    k = key_idx if key_idx is not None else 0
    keys = [r[k] if k < len(r) else "" for r in data]
    cand = _candidates(keys)
    if not cand:
        return NonRecords(frozenset(), len(data) - 1, False)
    totals: set[int] = set()
    labels: set[int] = set()
    formula_rows: list[int] = []
    shapes: Counter[str] | None = None
    merges: dict[int, list[tuple[int, int]]] | None = None
    for i in cand:
        row = data[i]
        filled = [j for j, v in enumerate(row) if not _is_empty(v)]
        if not filled:
            continue  # a blank row: the caller drops it
        key = keys[i]
        if key.__class__ is str and key and " " in key and len(filled) > 1 and TOTAL_LABEL.match(key) is None:
            continue  # a record whose key has a space (a buyer named as its id)
        said = [j for j in filled if is_total_label(row[j])]
        if said and all(j in said or _numeric(row[j]) for j in filled):
            totals.add(i)
            continue
        if len(filled) == 1 and row[filled[0]].__class__ is str and not _numeric(row[filled[0]]):
            j = filled[0]
            if merges is None:
                merges = {}
                for (r1, c1), (_r2, c2) in (merged() if merged is not None else ()):
                    if c2 > c1:
                        merges.setdefault(r1, []).append((c1, c2))
            if j != k or any(c1 == j for c1, _ in merges.get(first_row - 1 + i, ())):
                labels.add(i)
                continue
            if shapes is None:  # the shapes of the tab's keys (PO-9): a lone cell shaped like no other is a label
                shapes = Counter(_shape(v) for v in keys[:: max(1, len(keys) // 2000)] if v.__class__ is str and v)
            if shapes[_shape(str(key))] <= 1:
                labels.add(i)
            continue
        if (key.__class__ is not str or not key) and all(_numeric(row[j]) for j in filled):
            formula_rows.append(i)
    if formula_rows and probe is not None:
        seen = probe([first_row + i for i in formula_rows])
        for i in formula_rows:
            excel = first_row + i
            texts = seen.formulas.get(excel, ())
            if excel in seen.table_totals or any(AGGREGATE.search(t) for t in texts):
                totals.add(i)
    skip = totals | labels
    last = _last_filled(data, len(data) - 1, skip)
    return NonRecords(frozenset(skip), last, any(i > last for i in totals), frozenset(totals))


_CANDIDATE_WORDS = (" ", "total", "sum", "count", "average", "\n\n")


def _candidates(keys: list[object]) -> list[int]:
    """Rows whose key cell is empty, not text, a total's label or has a space: the only rows looked at whole.
    Found with a few substring searches over the keys joined (100,000 keys in a few milliseconds)."""
    if keys and set(map(type, keys)) == {str} and keys[0] and keys[-1]:
        joined = "\n".join(keys)  # type: ignore[arg-type]
        if joined.count("\n") == len(keys) - 1:
            low = joined.lower()
            hits: set[int] = set()
            for word in _CANDIDATE_WORDS:
                pos = low.find(word)
                while pos >= 0 and len(hits) < 500:
                    hits.add(low.count("\n", 0, pos + (1 if word == "\n\n" else 0)))
                    pos = low.find(word, pos + 1)
            if len(hits) < 500:
                return sorted(i for i in hits if _candidate(keys[i]))
    return [i for i, v in enumerate(keys) if _candidate(v)]


def _candidate(v: object) -> bool:
    return v.__class__ is not str or not v or TOTAL_LABEL.match(str(v)) is not None or " " in str(v)


def _last_filled(data: Sequence[Sequence[object]], start: int, skip: Collection[int]) -> int:
    for i in range(start, -1, -1):
        if i not in skip and any(not _is_empty(v) for v in data[i]):
            return i
    return -1


# --------------------------------------------------------------------------- formulas of an .xlsx sheet

_SHEET_RE = re.compile(r"<(?:\w+:)?sheet\b([^>]*)/?>")
_ATTR_RE = re.compile(r"([\w:]+)\s*=\s*\"([^\"]*)\"")
_REL_RE = re.compile(r"<(?:\w+:)?Relationship\b([^>]*)/?>")
_ROW_OPEN = re.compile(r"<(?:\w+:)?row\b([^>]*?)(/?)>")
_ROW_NUMBER = re.compile(r"(?:^|\s)r\s*=\s*\"(\d+)\"")
_F_TEXT = re.compile(r"<(?:\w+:)?f\b[^>]*>([^<]*)</(?:\w+:)?f>")


def xlsx_probe(path: Path, title: str) -> FormulaProbe:
    """A FormulaProbe reading the worksheet `title` of an .xlsx package (only when asked: the common
    workbook never needs it)."""

    def probe(rows: Collection[int]) -> RowFormulas:
        import html

        try:
            with zipfile.ZipFile(path) as zf:
                part = _sheet_part(zf, title)
                if part is None:
                    return RowFormulas({}, frozenset())
                text = zf.read(part).decode("utf-8", "replace")
                totals = frozenset(_table_totals(zf, part))
        except (OSError, KeyError, zipfile.BadZipFile):
            return RowFormulas({}, frozenset())
        out: dict[int, tuple[str, ...]] = {}
        wanted = set(rows)
        for m in _ROW_OPEN.finditer(text):
            r = _ROW_NUMBER.search(m.group(1))
            if r is None or int(r.group(1)) not in wanted or m.group(2):
                continue
            end = text.find("row>", m.end())
            out[int(r.group(1))] = tuple(html.unescape(f) for f in _F_TEXT.findall(text, m.end(), end))
        return RowFormulas(out, totals)

    return probe


def _rels(zf: zipfile.ZipFile, part: str) -> dict[str, tuple[str, str]]:
    folder, _, name = part.rpartition("/")
    rels_part = f"{folder}/_rels/{name}.rels"
    try:
        text = zf.read(rels_part).decode("utf-8", "replace")
    except KeyError:
        return {}
    out = {}
    for m in _REL_RE.finditer(text):
        a = dict(_ATTR_RE.findall(m.group(1)))
        out[a.get("Id", "")] = (a.get("Target", ""), a.get("Type", ""))
    return out


def _resolve(base: str, target: str) -> str:
    import posixpath

    if target.startswith("/"):
        return target.lstrip("/")
    return posixpath.normpath(posixpath.join(posixpath.dirname(base), target))


def _sheet_part(zf: zipfile.ZipFile, title: str) -> str | None:
    import html

    wb = zf.read("xl/workbook.xml").decode("utf-8", "replace")
    rels = _rels(zf, "xl/workbook.xml")
    for m in _SHEET_RE.finditer(wb):
        a = dict(_ATTR_RE.findall(m.group(1)))
        if html.unescape(a.get("name", "")).casefold() == title.casefold():
            rid = next((v for k, v in a.items() if k.endswith(":id")), "")
            target = rels.get(rid, ("", ""))[0]
            return _resolve("xl/workbook.xml", target) if target else None
    return None


def _table_totals(zf: zipfile.ZipFile, sheet_part: str) -> Iterable[int]:
    for target, rtype in _rels(zf, sheet_part).values():
        if not rtype.endswith("/table"):
            continue
        try:
            text = zf.read(_resolve(sheet_part, target)).decode("utf-8", "replace")
        except KeyError:
            continue
        m = re.search(r"<(?:\w+:)?table\b([^>]*)>", text)
        if not m:
            continue
        a = dict(_ATTR_RE.findall(m.group(1)))
        count = int(a.get("totalsRowCount", "0") or 0)
        ref = a.get("ref", "")
        last = re.search(r"(\d+)$", ref)
        if count and last:
            yield from range(int(last.group(1)) - count + 1, int(last.group(1)) + 1)


__all__ = ["HEADER_SCAN", "Header", "NonRecords", "choose_header", "is_total_label", "non_record_rows", "xlsx_probe"]
