"""Remove rows from worksheets, or whole worksheets (what `poflow archive` moves out), keeping every other
byte of the package.

The patcher's edits only add (SetCell, AppendRows, AddSheet); moving history out needs rows taken away.
The rows are dropped from the sheet's XML, the rows below move up (their `r` references follow) and the
tab's Excel Table and `<dimension>` shrink with them. A tab holding formulas or merged cells is refused:
poflow's own tabs have neither, and shifting a person's formulas is not something to do in passing.

A whole tab (a printable document sheet moved to its documents workbook) is taken out as Excel would delete
it: its `<sheet>` entry and relationship, its part with its own relationships and the parts only it uses
(printer settings, a drawing...), their content types, the names local to it (the later tabs' names keep
pointing at their own tab: `localSheetId` is renumbered), the active and first tab of the window, and the
tab list of docProps/app.xml. A tab that a formula, a chart, a pivot table or a workbook name elsewhere
refers to is refused (`sheets_referenced` tells which before anything is removed).
"""

from __future__ import annotations

import html
import re
from bisect import bisect_left
from collections.abc import Callable, Collection, Mapping, Sequence
from pathlib import Path

from poflow_sheets.errors import Refused, WorkbookUnreadable
from poflow_sheets.store.edits import Edit, PatchResult
from poflow_sheets.store.sheetxml import SheetEditor, format_range, parse_range
from poflow_sheets.store.xlsx_patch import R_ID, VT_NS, Package, _n, apply_changes

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


# -- whole tabs ---------------------------------------------------------------------------------------------
_QUOTED_REF = re.compile(r"'((?:[^']|'')+)'!")
_PLAIN_REF = re.compile(r"(?<![\w.'\]])([\w.]+)!")
_F_TEXT = re.compile(r"<(?:\w+:)?(?:f|formula|formula1|formula2)\b[^>]*>([^<]*)</(?:\w+:)?(?:f|formula|formula1|formula2)>")
_PIVOT_SHEET = re.compile(r"<(?:\w+:)?worksheetSource\b[^>]*?\bsheet\s*=\s*\"([^\"]*)\"")


def _refs_in(text: str) -> set[str]:
    """The tab names a formula text refers to (casefolded)."""
    found = {m.group(1).replace("''", "'").casefold() for m in _QUOTED_REF.finditer(text)}
    found |= {m.group(1).casefold() for m in _PLAIN_REF.finditer(text)}
    return found


def _part_text(pkg: Package, part: str) -> str:
    ed = pkg.editors.get(part)
    if ed is not None:
        return ed.text()
    return pkg.read(part).decode("utf-8", "replace")


def sheets_referenced(pkg: Package, names: Collection[str]) -> set[str]:
    """Which of these tabs (casefolded) something outside them refers to: a formula, conditional format or
    validation on another tab, a chart's series, a pivot table's source, a name of the workbook."""
    wanted = {n.casefold() for n in names}
    if not wanted:
        return set()
    own: set[str] = set()  # the tabs' parts and the parts only they use (their drawings, charts...)
    referrers = _referrers(pkg)
    for el in pkg.sheet_elements():
        if (el.get("name") or "").casefold() in wanted:
            try:
                own |= {p.lower() for p in _own_parts(pkg, pkg.sheet_part(el)[0], referrers)}
            except WorkbookUnreadable:  # a tab without a part refers to nothing
                continue
    refs: set[str] = set()
    for dn in pkg.wb.iter(_n("definedName")):
        if dn.text and (dn.get("localSheetId") is None or not dn.get("localSheetId", "").isdigit()):
            refs |= _refs_in(dn.text)
    local = {int(dn.get("localSheetId", "0")): dn for dn in pkg.wb.iter(_n("definedName"))
             if dn.get("localSheetId", "").isdigit()}
    elements = pkg.sheet_elements()
    for k, dn in local.items():  # a name local to another tab that points at one of these
        if k < len(elements) and (elements[k].get("name") or "").casefold() not in wanted and dn.text:
            refs |= _refs_in(dn.text)
    for real in pkg.names.values():
        low = real.lower()
        if real in pkg.removed or low in own or not low.endswith(".xml"):
            continue
        if low.startswith("xl/worksheets/") or low.startswith("xl/chartsheets/"):
            text = _part_text(pkg, real)
            if "<f" not in text and "formula" not in text:
                continue
            for m in _F_TEXT.finditer(text):
                refs |= _refs_in(html.unescape(m.group(1)))
        elif low.startswith(("xl/charts/", "xl/pivotcache/", "xl/tables/", "xl/drawings/")):
            text = html.unescape(_part_text(pkg, real))
            refs |= _refs_in(text)
            refs |= {m.group(1).casefold() for m in _PIVOT_SHEET.finditer(text)}
    return wanted & refs


def _referrers(pkg: Package) -> dict[str, set[str]]:
    """Part (lowercase) -> the parts (lowercase) whose relationships point at it."""
    out: dict[str, set[str]] = {}
    for real in list(pkg.names.values()):
        low = real.lower()
        if real in pkg.removed or not low.endswith(".rels") or "/_rels/" not in "/" + low:
            continue
        folder, _, base = real.rpartition("_rels/")
        source = folder.rstrip("/") + ("/" if folder.rstrip("/") else "") + base[: -len(".rels")]
        for rel in pkg.xml(real):
            if rel.get("TargetMode") == "External" or not rel.get("Target"):
                continue
            out.setdefault(pkg.resolve(source, rel.get("Target", "")).lower(), set()).add(source.lower())
    return out


def _own_parts(pkg: Package, part: str, referrers: dict[str, set[str]]) -> list[str]:
    """`part`, its relationships and the parts only it (and parts only it uses) refers to."""
    out: list[str] = [part]
    seen = {part.lower()}
    k = 0
    while k < len(out):
        cur = out[k]
        k += 1
        rels = pkg.rels_of(cur)
        if not pkg.exists(rels):
            continue
        out.append(rels)
        seen.add(rels.lower())
        for rel in pkg.xml(rels):
            if rel.get("TargetMode") == "External" or not rel.get("Target"):
                continue
            target = pkg.resolve(cur, rel.get("Target", ""))
            low = target.lower()
            if low in seen or not pkg.exists(target):
                continue
            if referrers.get(low, set()) <= seen:
                out.append(target)
                seen.add(low)
    return out


def remove_sheets(pkg: Package, names: Collection[str]) -> list[str]:
    """Take these tabs out of the workbook (names as written returned, in tab order). Refuses a name that is
    not a tab, a tab something else refers to, and removing every visible tab."""
    wanted = {n.casefold() for n in names}
    if not wanted:
        return []
    elements = pkg.sheet_elements()
    gone = [i for i, el in enumerate(elements) if (el.get("name") or "").casefold() in wanted]
    found = {(elements[i].get("name") or "").casefold() for i in gone}
    if wanted - found:
        missing = sorted(n for n in names if n.casefold() not in found)
        raise Refused(f"{pkg.label}: no tab named {missing[0]!r}")
    staying = [el for i, el in enumerate(elements) if i not in set(gone)]
    if not any(el.get("state", "visible") == "visible" for el in staying):
        raise Refused(f"{pkg.label}: a workbook keeps at least one visible tab; these tabs are not removed")
    held = sheets_referenced(pkg, found)
    if held:
        first = next(elements[i].get("name") for i in gone if (elements[i].get("name") or "").casefold() in held)
        raise Refused(f"{pkg.label}: tab {first!r} is referred to by a formula, chart or name elsewhere in the "
                      "workbook; it is not removed")
    referrers = _referrers(pkg)
    doomed: list[str] = []
    ids: set[str] = set()
    written: list[str] = []
    for i in gone:
        el = elements[i]
        part, _rtype = pkg.sheet_part(el)
        rid = el.get(R_ID)
        for rel in list(pkg.wb_rels):
            if rel.get("Id") == rid:
                pkg.wb_rels.remove(rel)
        doomed += _own_parts(pkg, part, referrers)
        ids.add(el.get("sheetId", ""))
        written.append(el.get("name") or "")
        parent = el.getparent()
        if parent is not None:
            parent.remove(el)
    pkg.touch(pkg.wb_rels_part)
    gone_set = set(gone)

    def shifted(k: int) -> int:
        return k - bisect_left(gone, k)

    names_el = pkg.wb.find(_n("definedNames"))
    if names_el is not None:
        for dn in list(names_el):
            lid = dn.get("localSheetId", "")
            if not lid.isdigit():
                continue
            if int(lid) in gone_set:
                names_el.remove(dn)
            elif shifted(int(lid)) != int(lid):
                dn.set("localSheetId", str(shifted(int(lid))))
        if not len(names_el):
            pkg.wb.remove(names_el)
    visible = [k for k, el in enumerate(staying) if el.get("state", "visible") == "visible"]
    for view in pkg.wb.iter(_n("workbookView")):
        for attr in ("activeTab", "firstSheet"):
            value = view.get(attr, "")
            if not value.isdigit():
                continue
            k = int(value)
            new = min(shifted(k), len(staying) - 1)
            if attr == "activeTab" and new not in visible:  # the active tab went: the nearest visible one
                new = min(visible, key=lambda v: (abs(v - new), v))
            if new != k:
                view.set(attr, str(new))
    pkg.touch(pkg.wb_part)
    low_doomed = {p.lower() for p in doomed}
    ct = pkg.xml("[Content_Types].xml")
    for ov in list(ct):
        if (ov.get("PartName") or "").lstrip("/").lower() in low_doomed:
            ct.remove(ov)
    pkg.touch("[Content_Types].xml")
    for part in doomed:
        pkg.remove(part)
        real = pkg.names.get(part.lower(), part)
        pkg.editors.pop(real, None)
        pkg.editors.pop(part, None)
        pkg._xml.pop(part, None)
        pkg._dirty.discard(part)
    for rel in pkg.wb_rels:  # a calculation chain naming a removed tab's cells is rebuilt by Excel
        if (rel.get("Type") or "").endswith("/calcChain"):
            cpart = pkg.resolve(pkg.wb_part, rel.get("Target", ""))
            if pkg.exists(cpart):
                text = pkg.read(cpart).decode("utf-8", "replace")
                if any(re.search(rf'\bi="{re.escape(i)}"', text) for i in ids if i):
                    pkg.drop_calc_chain = True
    _app_remove_sheets(pkg, {w.casefold() for w in written})
    pkg._by_name = {}
    pkg.sheets_removed.extend(written)
    return written


def _app_remove_sheets(pkg: Package, gone: set[str]) -> None:
    """Take the tabs (and their print areas) out of docProps/app.xml's lists when they have the usual shape."""
    lists = pkg.app_lists()
    if lists is None:
        return
    pairs, titles = lists
    vt = f"{{{VT_NS}}}"
    variants = pairs.findall(vt + "variant")
    items = titles.findall(vt + "lpstr")
    groups: list[tuple[str, object, int]] = []
    total = 0
    for i in range(0, len(variants) - 1, 2):
        count_el = variants[i + 1].find(vt + "i4")
        if count_el is None or not (count_el.text or "").strip().isdigit():
            return
        groups.append((variants[i].findtext(vt + "lpstr") or "", count_el, int(count_el.text or "0")))
        total += int(count_el.text or "0")
    if total != len(items):
        return

    def doomed(label: str, text: str) -> bool:
        if label == "Worksheets":
            return text.casefold() in gone
        sheet, bang, _ = text.rpartition("!")
        if not bang:
            return False
        sheet = sheet[1:-1].replace("''", "'") if sheet.startswith("'") and sheet.endswith("'") else sheet
        return sheet.casefold() in gone

    pos = 0
    changed = False
    for label, count_el, count in groups:
        group = items[pos:pos + count]
        pos += count
        keep = [it for it in group if not doomed(label, it.text or "")]
        if len(keep) != len(group):
            for it in group:
                if it not in keep:
                    titles.remove(it)
            count_el.text = str(len(keep))  # type: ignore[attr-defined]
            changed = True
    if changed:
        titles.set("size", str(len(titles.findall(vt + "lpstr"))))
        pkg.touch("docProps/app.xml")


def apply_removing(src: Path, dst: Path, removals: Mapping[str, Collection[int]],
                   changes: Sequence[Edit] = (), *, sheets: Collection[str] = ()) -> PatchResult:
    """Write `dst`: `src` with rows removed per tab and the tabs `sheets` taken out, then `changes` applied
    (by `apply_changes`)."""
    def remove(pkg: Package) -> None:
        for sheet, rows in removals.items():
            remove_rows(pkg, sheet, rows)
        remove_sheets(pkg, sheets)

    return apply_changes(src, dst, changes, before=remove)


__all__ = ["apply_removing", "remove_rows", "remove_sheets", "sheets_referenced"]
