"""`poflow adopt`: the person's names for poflow's tabs and columns proposed, shown with their evidence, and
written as the `poflow Map` tab only with --apply; `--split NEW.xlsx` turns a one-tab tracker into a new
workbook in poflow's schema. The person's headers and columns are never renamed or moved."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..adopt import Proposal, TabProposal, propose, read_sheets
from ..errors import Refused
from ..mapping import MAP_HEADERS, MAP_TAB, MAP_WIDTHS, WorkbookMap
from ..reader import open_workbook, read_map
from ..schema import TAB_BY_NAME, norm
from ..store import AddSheet, AppendRows, Edit, SetCell, Styled, fingerprint, write_workbook
from ..store.edits import AnyValue
from ..store.xlsx_read import CalamineSource
from .workbook import WriteOptions, utc_now
from .write import FOREIGN_LOG, LogRow, check_writable


@dataclass(frozen=True)
class AdoptRun:
    """What `poflow adopt` proposed (and with --apply wrote), as lines to show."""

    proposal: Proposal | None
    lines: list[str] = field(default_factory=list)
    written: bool = False
    exit_status: int = 0


def adopt(workbook: Path, *, apply: bool = False, opts: WriteOptions | None = None) -> AdoptRun:
    """Propose the poflow Map for a person's workbook; with `apply`, write it (and the headers of required
    columns the person lacks, at the end of their header row)."""
    opts = opts or WriteOptions()
    if apply and not opts.dry_run:
        check_writable(workbook)
    before = fingerprint(workbook) if workbook.exists() else None
    existing = _existing_map(workbook)
    proposal = propose(read_sheets(workbook), existing)
    lines = describe(workbook, proposal, apply=apply and not opts.dry_run)
    rows = proposal.map_rows()
    added = [(t, key) for t in proposal.tabs for key in t.added]
    if not apply or opts.dry_run:
        return AdoptRun(proposal, lines)
    if not rows and not added:
        lines.append(f"{workbook}: the poflow Map already says all this; nothing to write" if existing.title else
                     f"{workbook}: every tab and column goes by poflow's names; nothing to write")
        return AdoptRun(proposal, lines)
    changes = _changes(workbook, proposal, rows, opts)
    result = write_workbook(workbook, changes, expected=before, force=opts.force)
    lines.append(f"{workbook}: {len(rows)} row(s) written to the '{existing.title or MAP_TAB}' tab"
                 + (f", {len(added)} column header(s) added" if added else "")
                 + (f" (backup {result.backup})" if result.backup else ""))
    if proposal.missing:
        lines.append(f"next: `poflow init {workbook}` adds the tabs still missing ({', '.join(proposal.missing)})")
    return AdoptRun(proposal, lines, written=True)


def _existing_map(path: Path) -> WorkbookMap:
    source = CalamineSource(path)
    try:
        return read_map(source)
    finally:
        source.close()


def _changes(workbook: Path, proposal: Proposal, rows: list[tuple[str, str, str, str]],
             opts: WriteOptions) -> list[Edit]:
    stamp = (opts.now or utc_now()).strftime("%Y-%m-%d %H:%M:%S")
    command = opts.command
    changes: list[Edit] = []
    log: list[LogRow] = []
    map_rows: tuple[tuple[AnyValue, ...], ...] = tuple(tuple(v or None for v in r) for r in rows)  # '' is no cell
    title = proposal.existing.title
    if title:
        changes.append(AppendRows(title, map_rows))
    elif map_rows:
        heads = tuple(Styled(h, bold=True) for h in MAP_HEADERS)
        changes.append(AddSheet(MAP_TAB, (heads, *map_rows), MAP_WIDTHS, if_missing=True, freeze_header=True))
    for r in rows:
        log.append(LogRow(stamp, command, title or MAP_TAB, f"{r[0]} / {r[1]}" if r[1] else r[0], "(new row)", "", r[2]))
    for t in proposal.tabs:
        col = t.width
        for key in t.added:
            header = TAB_BY_NAME[t.tab].column(key).header
            changes.append(SetCell(t.sheet, t.header_row, col + 1, Styled(header, bold=True)))
            log.append(LogRow(stamp, command, t.sheet, header, "(new column)", "", header))
            col += 1
    return changes + _log_edits(workbook, log)


def _log_edits(workbook: Path, log: list[LogRow]) -> list[Edit]:
    """The Log rows as edits: to poflow's Log tab, or beside a Log tab of the person's own (poflow Log)."""
    from ..reader import _header_row

    cols = TAB_BY_NAME["Log"].columns
    trail: tuple[tuple[AnyValue, ...], ...] = tuple(tuple(getattr(r, c.key) for c in cols) for r in log)
    header = tuple(Styled(c.header, bold=True) for c in cols)
    wb = open_workbook(workbook)
    try:
        names = tuple(wb.sheet_names)
        own = next((n for n in names if norm(n) == norm("Log")), None)
        ours = False
        if own is not None:
            rows = wb.get_sheet_by_name(own).to_python(skip_empty_area=False)
            h = _header_row(rows)
            ours = h >= 0 and sum(norm(v) in {norm(c.header) for c in cols} for v in rows[h]) >= 5
    finally:
        wb.close()
    if own is None:
        widths = tuple(float(c.width) for c in cols)
        return [AddSheet("Log", (header, *trail), widths, if_missing=True, freeze_header=True)]
    if ours:
        return [AppendRows(own, trail)]
    if any(norm(n) == norm(FOREIGN_LOG) for n in names):
        return [AppendRows(FOREIGN_LOG, trail)]
    return [AddSheet(FOREIGN_LOG, (header, *trail), if_missing=True, freeze_header=True)]


def describe(workbook: Path, proposal: Proposal, *, apply: bool) -> list[str]:
    """The proposal in words: each tab and column with its confidence, evidence and sample values."""
    lines = [f"{workbook}: " + ("writing the poflow Map" if apply else
                                "proposed poflow Map (nothing written; --apply writes it as a 'poflow Map' tab)")]
    if proposal.one_tab:
        lines.append(f"'{proposal.one_tab}' holds orders, their lines and buyers in one tab: "
                     f"`poflow adopt {workbook} --split NEW.xlsx` writes them as a new workbook in poflow's tabs")
    for t in proposal.tabs:
        lines += _describe_tab(t)
    if proposal.sheets_left:
        lines.append(f"tabs left alone: {', '.join(proposal.sheets_left)}")
    if proposal.missing:
        lines.append(f"poflow tabs not found: {', '.join(proposal.missing)} "
                     "(`poflow init WORKBOOK` adds them once the map is written)")
    return lines


def _describe_tab(t: TabProposal) -> list[str]:
    if not t.needs_map():
        return [f"{t.tab} <- tab '{t.sheet}': poflow's own names, nothing to map"]
    name = "same name" if norm(t.sheet) == norm(t.tab) else f"{t.confidence:.0%}  {t.evidence}"
    out = [f"{t.tab} <- tab '{t.sheet}' (header on row {t.header_row})  {name}"]
    kept = {e.column for e in t.kept}
    same = []
    for c in t.columns:
        if norm(c.header) in (norm(c.schema_header), norm(c.column)):
            same.append(c.schema_header)
            continue
        mark = "  (in the map)" if c.column in kept else ""
        shown = f"; e.g. {', '.join(c.samples)}" if c.samples else ""
        out.append(f"  {c.schema_header:<20} <- '{c.header}' ({c.letter})  {c.confidence:.0%}  {c.evidence}{shown}{mark}")
    if same:
        out.append(f"  same names: {', '.join(same)}")
    spec = TAB_BY_NAME[t.tab]
    if t.absent:
        out.append(f"  not kept (read as empty): {', '.join(spec.column(k).header for k in t.absent)}")
    if t.added:
        out.append(f"  required, not found: {', '.join(spec.column(k).header for k in t.added)} "
                   "(--apply adds the header at the end of your header row; fill it in)")
    if t.unplaced:
        out.append(f"  left alone: {', '.join(repr(h) for h in t.unplaced)}")
    return out


def split(tracker: Path, target: Path, *, tab: str = "") -> AdoptRun:
    """`poflow adopt TRACKER --split NEW.xlsx`: a one-tab tracker as a new workbook in poflow's schema."""
    from ..adopt.split import split_tracker

    if target.exists():
        raise Refused(f"{target}: already exists; --split writes a new workbook")
    if target.suffix.lower() != ".xlsx":
        raise Refused(f"{target}: --split writes an .xlsx workbook; name it NEW.xlsx")
    if not target.parent.exists():
        raise Refused(f"{target.parent}: no such folder")
    result = split_tracker(tracker, target, tab=tab)
    return AdoptRun(None, result.lines(), written=True, exit_status=1 if result.problems else 0)


__all__ = ["AdoptRun", "adopt", "describe", "split"]
