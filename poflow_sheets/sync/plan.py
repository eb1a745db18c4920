"""A sync's plan (pure): every synced tab of both sides merged, and the plan shown as lines or as JSON."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .merge import BaseTab, Conflict, Side, SideEdits, TabPlan, merge_tab
from .tables import SYNCED_TABS, SideTab, encode_rows, layout
from .values import Cell, text


@dataclass
class SyncPlan:
    """What a sync does to each side, tab by tab, and what it leaves as it is."""

    left: Path
    right: Path
    base_path: Path
    first: bool  # no base yet
    synced_at: str = ""  # when the base was written
    tabs: list[TabPlan] = field(default_factory=list)
    extra: list[Conflict] = field(default_factory=list)  # tabs sync cannot compare

    @property
    def conflicts(self) -> list[Conflict]:
        return [*self.extra, *(c for t in self.tabs for c in t.conflicts)]

    @property
    def unresolved(self) -> list[Conflict]:
        return [c for c in self.conflicts if c.resolved is None]

    def edits(self, side: Side) -> list[tuple[TabPlan, SideEdits]]:
        return [(t, t.side(side)) for t in self.tabs if t.side(side)]

    @property
    def exit_status(self) -> int:
        """0 in step, 1 conflicts left as they are."""
        return 1 if self.unresolved else 0


def plan_sync(left: Mapping[str, SideTab], right: Mapping[str, SideTab], base: Mapping[str, BaseTab] | None,
              prefer: Side | None = None) -> tuple[list[TabPlan], list[Conflict]]:
    """Merge every synced tab (each side's tabs by schema name; `base` None: the first sync)."""
    plans: list[TabPlan] = []
    extra: list[Conflict] = []
    for tab in SYNCED_TABS:
        lt, rt = left[tab.name], right[tab.name]
        if lt.title is None and rt.title is None:
            continue
        foreign = [(s, t.foreign_sheet) for s, t in (("left", lt), ("right", rt)) if t.foreign_sheet]
        if foreign:
            side, sheet = foreign[0]
            extra.append(Conflict(tab=tab.name, key="", column=f"tab {sheet!r} is a person's own, not poflow's",
                                  kind="tab", side="left" if side == "left" else "right"))
            continue
        lay = layout(tab, lt, rt)
        plans.append(merge_tab(lay, encode_rows(lay, lay.left, lt), encode_rows(lay, lay.right, rt),
                               base.get(tab.name) if base is not None else None, prefer))
    return plans, extra


def same_base(a: BaseTab | None, b: BaseTab | None) -> bool:
    """True when two bases of a tab hold the same rows (in any order)."""
    if a is None or b is None:
        return a is b
    if a.columns != b.columns or (a.keys is None) != (b.keys is None):
        return False
    if a.keys is not None and b.keys is not None:
        return dict(zip(a.keys, a.rows, strict=True)) == dict(zip(b.keys, b.rows, strict=True))
    return Counter(a.rows) == Counter(b.rows)


# Showing the plan -------------------------------------------------------------------------------------------

def _shown(v: Cell | None) -> str:
    return "(unknown)" if v is None else repr(text(v))


def conflict_line(c: Conflict) -> str:
    """One conflict as a line."""
    where = f"{c.tab} {c.key}".strip()
    after = {"left": "taken from the left (--prefer left)", "right": "taken from the right (--prefer right)",
             None: "left as it is on both sides"}[c.resolved]
    if c.kind == "changed on both sides":
        return (f"conflict: {where}, {c.column}: base {_shown(c.base)}, left {_shown(c.left)}, "
                f"right {_shown(c.right)}; {after}")
    if c.kind.startswith("deleted on"):
        kept = c.left if c.side == "left" else c.right
        return f"conflict: {where}: {c.kind} ({kept}); {after}"
    if c.kind == "own columns":
        return (f"conflict: {where}: deleted on the {'right' if c.side == 'left' else 'left'}, but the {c.side} row "
                f"holds values in a column of its own; left as it is")
    if c.kind == "key twice":
        return f"conflict: {where}: the key is on more than one row of the {c.side} ({c.column}); left as it is"
    if c.kind == "no key":
        return f"conflict: {c.tab} {c.key} of the {c.side} has no {c.column}; left as it is"
    return f"conflict: {c.tab} on the {c.side}: {c.column}; the tab is not synced"


def lines(plan: SyncPlan, *, dry_run: bool) -> list[str]:
    """The plan for a person: per tab what each side gets, then every conflict, then the verdict."""
    out = [f"sync {plan.left} <-> {plan.right}"]
    out.append(f"base: {plan.base_path}" + (" (none yet: first sync; every cell that differs is a conflict)"
                                            if plan.first else f" (last synced {plan.synced_at})"))
    rows = [t for t in plan.tabs if t.left or t.right or t.conflicts]
    if rows:
        out.append(f"{'tab':<12} {'left: added':>11} {'changed':>8} {'deleted':>8}   {'right: added':>12} "
                   f"{'changed':>8} {'deleted':>8}   {'conflicts':>9}")
        for t in rows:
            a, b = t.left, t.right
            out.append(f"{t.name:<12} {len(a.adds):>11} {a.changed_rows:>8} {len(a.deletes):>8}   {len(b.adds):>12} "
                       f"{b.changed_rows:>8} {len(b.deletes):>8}   {len(t.conflicts):>9}")
    out += [conflict_line(c) for c in plan.conflicts]
    if not plan.edits("left") and not plan.edits("right"):
        out.append("in step: nothing to write" if not plan.unresolved else "nothing to write")
    elif dry_run:
        out.append("dry run: nothing written")
    if plan.unresolved:
        out.append(f"{len(plan.unresolved)} conflict(s) left as they are on both sides: settle them in either "
                   "workbook (or run again with --prefer left|right)")
    return out


def _side_json(e: SideEdits) -> dict[str, int]:
    return {"added": len(e.adds), "changed": e.changed_rows, "cells": len(e.sets), "deleted": len(e.deletes)}


def _value(v: Cell | None) -> str | None:
    return None if v is None else text(v)


def to_json(plan: SyncPlan, *, dry_run: bool, written: tuple[str, ...] = ()) -> dict[str, Any]:
    """The plan as data (`poflow sync --json`)."""
    conflicts = []
    for c in plan.conflicts:
        plain = c.kind in ("changed on both sides",)
        conflicts.append({
            "tab": c.tab, "key": c.key, "column": c.column, "kind": c.kind, "side": c.side,
            "base": _value(c.base) if plain else c.base, "left": _value(c.left) if plain else c.left,
            "right": _value(c.right) if plain else c.right, "resolved": c.resolved})
    return {
        "left": str(plan.left), "right": str(plan.right), "base": str(plan.base_path), "first_sync": plan.first,
        "dry_run": dry_run, "status": "conflicts" if plan.unresolved else "in step",
        "tabs": [{"tab": t.name, "left": _side_json(t.left), "right": _side_json(t.right),
                  "conflicts": len(t.conflicts)} for t in plan.tabs if t.left or t.right or t.conflicts],
        "conflicts": conflicts, "written": list(written),
    }


__all__ = ["SyncPlan", "conflict_line", "lines", "plan_sync", "same_base", "to_json"]
