"""Remove rows from worksheets (what `poflow archive` moves out), keeping every other byte of the package.

The patcher's edits only add (SetCell, AppendRows, AddSheet); moving history out needs rows taken away.
The rows are dropped from the sheet's XML, the rows below move up (their `r` references follow) and the
tab's Excel Table and `<dimension>` shrink with them. A tab holding formulas or merged cells is refused:
poflow's own tabs have neither, and shifting a person's formulas is not something to do in passing.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path

from poflow_sheets.errors import Refused
from poflow_sheets.store.edits import AddSheet, AppendRows, Edit, PatchResult, SetCell
from poflow_sheets.store.sheetxml import SheetEditor, format_range, parse_range
from poflow_sheets.store.xlsx_patch import Package, refuse_unwritable
from poflow_sheets.store.zipcopy import copy_file, rewrite_zip
from poflow_sheets.store.zipdir import open_zip

_R_ATTR = re.compile(r'(\sr=")([A-Z]*)(\d+)(")')
_DIM = re.compile(r'(<(?:\w+:)?dimension\b[^>]*?\bref\s*=\s*")([^"]*)(")')


class _Rewritten(SheetEditor):
    """A sheet whose rows were removed: written out even when no cell edit follows."""

    def __init__(self, part: str, text: str, before: str) -> None:
        super().__init__(part, text)
        self._new = text
        self.original = before

    def text(self) -> str:
        return self._new if not self.edited else super().text()


def _renumber(old: int, new: int) -> Callable[[re.Match[str]], str]:
    def sub(m: re.Match[str]) -> str:
        return m.group(1) + m.group(2) + str(new) + m.group(4) if int(m.group(3)) == old else m.group(0)
    return sub


def _shrink(ref: str, gone: Sequence[int]) -> str:
    try:
        r1, c1, r2, c2 = parse_range(ref)
    except ValueError:
        return ref
    r2 -= bisect_left(gone, r2 + 1) - bisect_left(gone, r1 + 1)
    return format_range(r1, c1, max(r2, r1), c2)


def remove_rows(pkg: Package, sheet: str, rows: Collection[int]) -> int:
    """Drop these Excel rows of a tab; the rows below move up. Returns how many rows were removed."""
    gone = sorted(set(rows))
    if not gone:
        return 0
    name, _idx, ed = pkg.editor(sheet)
    if ed.edited:
        raise Refused(f"{pkg.label}: rows of '{name}' are removed before any other change to it")
    if re.search(r"<(?:\w+:)?f\b", ed.inner) or re.search(r"<(?:\w+:)?mergeCell\b", ed.tail):
        raise Refused(f"{pkg.label}: tab '{name}' has formulas or merged cells; poflow does not move rows out of it")
    goneset = set(gone)
    pieces: list[str] = []
    pos = 0
    removed = 0
    for r, start, end in ed.rows:
        pieces.append(ed.inner[pos:start])
        pos = end
        if r in goneset:
            removed += 1
            continue
        k = bisect_left(gone, r)
        text = ed.inner[start:end]
        if k:
            text = _R_ATTR.sub(_renumber(r, r - k), text)
        pieces.append(text)
    pieces.append(ed.inner[pos:])
    head = _DIM.sub(lambda m: m.group(1) + _shrink(m.group(2), gone) + m.group(3), ed.head, count=1)
    tail = re.sub(r'(<(?:\w+:)?autoFilter\b[^>]*?\bref\s*=\s*")([^"]*)(")',
                  lambda m: m.group(1) + _shrink(m.group(2), gone) + m.group(3), ed.tail, count=1)
    new_ed = _Rewritten(ed.part, head + "".join(pieces) + tail, ed.original)
    pkg.editors[ed.part] = new_ed
    pkg._by_name = {k: v for k, v in pkg._by_name.items() if v[2] is not ed}
    for tpart, table in pkg._tables_of(new_ed):
        ref = table.get("ref")
        if ref:
            table.set("ref", _shrink(ref, gone))
            for af in table:
                if af.tag.endswith("}autoFilter") and af.get("ref"):
                    af.set("ref", _shrink(af.get("ref") or "", gone))
            pkg.touch(tpart)
    return removed


def apply_removing(src: Path, dst: Path, removals: Mapping[str, Collection[int]],
                   changes: Sequence[Edit] = ()) -> PatchResult:
    """Write `dst`: `src` with rows removed per tab, then `changes` applied (as `apply_changes` does)."""

    refuse_unwritable(src)
    refuse_unwritable(dst)
    with open_zip(src) as zin:
        pkg = Package(zin, src.name)
        pkg._new_tables = []
        for sheet, rows in removals.items():
            remove_rows(pkg, sheet, rows)
        for ch in changes:
            if isinstance(ch, SetCell):
                pkg.set_cell(ch)
            elif isinstance(ch, AppendRows):
                pkg.append_rows(ch)
            elif isinstance(ch, AddSheet):
                pkg.add_sheet(ch)
        pkg.finish()
    if not (pkg.replaced or pkg.added or pkg.removed):
        copy_file(src, dst)
        return PatchResult(changed=False)
    rewrite_zip(src, dst, pkg.replaced, pkg.added, frozenset(pkg.removed))
    return PatchResult(changed=True, parts_modified=tuple(sorted(pkg.replaced)), cells_written=pkg.cells_written)


__all__ = ["apply_removing", "remove_rows"]
