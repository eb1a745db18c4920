"""The pure parts of sync: cell values compared alike whichever backend read them, the three-way merge of one
tab (keyed and by content), and the store edits one side gets."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from poflow_sheets.app.sync import side_changes
from poflow_sheets.reader import Book
from poflow_sheets.records import Settings
from poflow_sheets.schema import TAB_BY_NAME, norm
from poflow_sheets.store import AddSheet, AppendRows, SetCell, Styled
from poflow_sheets.sync.merge import BaseTab, Side, TabPlan, merge_tab
from poflow_sheets.sync.plan import SyncPlan, same_base
from poflow_sheets.sync.tables import SideTab, encode_rows, layout
from poflow_sheets.sync.values import cell, key_part, normalize, text

NOW = datetime(2026, 11, 26, 9, 30)


def side(tab: str, header: list[str] | None, *rows: list[Any]) -> SideTab:
    """A tab as read: the header (schema headers or a person's own) and rows."""
    if header is None:
        return SideTab(None)
    spec = TAB_BY_NAME[tab]
    by_header = {norm(c.header): c.key for c in spec.columns}
    fields = {by_header[norm(h)]: i for i, h in enumerate(header) if norm(h) in by_header}
    own = {norm(h): (i, h) for i, h in enumerate(header) if norm(h) not in by_header}
    return SideTab(title=tab, header_row=1, width=len(header), fields=fields, own=own,
                   rows=[header, *[list(r) + [""] * (len(header) - len(r)) for r in rows]])


def merge(tab: str, left: SideTab, right: SideTab, base: BaseTab | None = None,
          prefer: Side | None = None) -> TabPlan:
    lay = layout(TAB_BY_NAME[tab], left, right)
    return merge_tab(lay, encode_rows(lay, lay.left, left), encode_rows(lay, lay.right, right), base, prefer)


def synced(tab: str, left: SideTab, right: SideTab) -> BaseTab:
    """The base after a sync of two sides that agree."""
    plan = merge(tab, left, right)
    assert not plan.left and not plan.right and not plan.conflicts
    assert plan.base is not None
    return plan.base


ORDERS = ["PO Number", "Buyer ID", "PO Date", "Status", "Notes"]


def test_values_read_alike_from_an_xlsx_and_a_google_sheet() -> None:
    xlsx = [date(2026, 11, 26), datetime(2026, 11, 26, 10, 0), "", "2026-11-26"]
    sheet = [46352.0, 46352.25, "", "2026-11-26"]
    assert normalize(xlsx, dates=True) == normalize(sheet, dates=True) == [date(2026, 11, 26)] * 2 + ["", "2026-11-26"]
    # a person's own column, or a text column: a date is its serial number, as Google Sheets has it
    assert normalize([date(2026, 11, 26), datetime(2026, 11, 26, 12, 0), None]) == [46352.0, 46352.5, ""]
    assert normalize([12.0, "x", True, float("nan")])[:3] == [12.0, "x", True]
    assert normalize([float("nan")]) == ["nan"] and normalize([12, 12.0]) == [12, 12.0]
    assert cell(12.0) == 12 and cell(0.1) == Decimal("0.1") and cell("") is None and cell(date(2026, 1, 2)) == date(2026, 1, 2)
    assert text(12.0) == "12" and text(0.1) == "0.1" and text(date(2026, 1, 2)) == "2026-01-02" and text(None) == ""
    assert key_part(1001.0) == key_part("1001 ") == "1001"


def test_a_cell_changed_on_one_side_is_taken_from_it() -> None:
    left = side("Orders", ORDERS, ["PO-1", "A", 46352, "draft"], ["PO-2", "B", 46353, "draft"])
    base = synced("Orders", left, left)
    right = side("Orders", ORDERS, ["PO-2", "B", 46353, "draft", "urgent"], ["PO-1", "A", 46352, "approved"])
    plan = merge("Orders", left, right, base)
    assert [(s.row, plan.layout.headers[s.col], s.old, s.new) for s in plan.left.sets] == [
        (2, "Status", "draft", "approved"), (3, "Notes", "", "urgent")]
    assert not plan.right and not plan.conflicts


def test_a_column_one_side_lacks_is_added_to_it_when_the_other_changes_it() -> None:
    left = side("Orders", ORDERS, ["PO-1", "A", 46352, "draft", "rush"])
    right = side("Orders", [*ORDERS[:4], "Rep"], ["PO-1", "A", 46352, "draft", "Lee"])
    plan = merge("Orders", left, right)
    assert not plan.conflicts and plan.layout.cols[-1] == "notes"
    assert [(s.row, s.old, s.new) for s in plan.right.sets] == [(2, None, "rush")]
    book = Book(path=Path("b.xlsx"), settings=Settings())
    sync_plan = SyncPlan(left=book.path, right=book.path, base_path=book.path, first=True, tabs=[plan])
    edits, log = side_changes(book, sync_plan, "right", command="poflow sync", now=NOW)
    # the header goes after the person's own column (Rep, column E), then the value
    assert edits[:2] == [SetCell("Orders", 1, 6, Styled("Notes", bold=True)), SetCell("Orders", 2, 6, "rush")]
    assert [(r.tab, r.row_key, r.column, r.old, r.new) for r in log] == [("Orders", "PO-1", "Notes", "", "rush")]


def test_conflicts_same_edits_and_prefer() -> None:
    left = side("Orders", ORDERS, ["PO-1", "A", 46352, "draft", "x"])
    base = synced("Orders", left, left)
    a = side("Orders", ORDERS, ["PO-1", "A", 46352, "approved", "left note"])
    b = side("Orders", ORDERS, ["PO-1", "A", 46352, "approved", "right note"])
    plan = merge("Orders", a, b, base)
    assert not plan.left and not plan.right
    assert [(c.column, c.base, c.left, c.right, c.resolved) for c in plan.conflicts] == [
        ("Notes", "x", "left note", "right note", None)]
    assert plan.base is not None and plan.base.rows == (("PO-1", "A", date(2026, 11, 26), "approved", "x"),)
    plan = merge("Orders", a, b, base, prefer="left")
    assert [(s.old, s.new) for s in plan.right.sets] == [("right note", "left note")]
    assert plan.conflicts[0].resolved == "left"


def test_deletions() -> None:
    both = side("Orders", ORDERS, ["PO-1", "A", 46352, "draft"], ["PO-2", "B", 46353, "draft"])
    base = synced("Orders", both, both)
    gone = side("Orders", ORDERS, ["PO-2", "B", 46353, "draft"])
    plan = merge("Orders", gone, both, base)  # deleted on the left, unchanged on the right: carried over
    assert [(d.row, d.key) for d in plan.right.deletes] == [(2, "PO-1")] and not plan.conflicts
    assert plan.base is not None and plan.base.keys == (("PO-2",),)

    edited = side("Orders", ORDERS, ["PO-1", "A", 46352, "approved"], ["PO-2", "B", 46353, "draft"])
    plan = merge("Orders", gone, edited, base)
    assert not plan.right.deletes and [c.kind for c in plan.conflicts] == ["deleted on left, changed on right"]
    assert plan.base is not None and ("PO-1",) in plan.base.keys  # kept: reported again next time
    assert [d.key for d in merge("Orders", gone, edited, base, prefer="left").right.deletes] == ["PO-1"]
    assert [a.key for a in merge("Orders", gone, edited, base, prefer="right").left.adds] == ["PO-1"]

    own = side("Orders", [*ORDERS, "Rep"], ["PO-1", "A", 46352, "draft", "", "Lee"], ["PO-2", "B", 46353, "draft"])
    plan = merge("Orders", gone, own, base, prefer="left")  # a person's own column: never cleared
    assert not plan.right.deletes and [(c.kind, c.resolved) for c in plan.conflicts] == [("own columns", None)]


def test_keys_twice_and_rows_without_a_key_are_left_alone() -> None:
    left = side("Lines", ["PO Number", "Line", "SKU", "Qty"], ["PO-1", 1, "A", 6], ["PO-1", 1, "B", 6], ["PO-1", "", "C", 1])
    right = side("Lines", ["PO Number", "Line", "SKU", "Qty"], ["PO-1", 1, "A", 12])
    plan = merge("Lines", left, right)
    assert [(c.kind, c.side, c.key, c.column) for c in plan.conflicts] == [
        ("no key", "left", "row 4", "Line"), ("key twice", "left", "PO-1 / 1", "rows 2, 3")]
    assert not plan.left and not plan.right


def test_a_tab_without_a_key_is_matched_by_content() -> None:
    header = ["Transaction ID", "Invoice Number", "PO Number", "Amount", "Kind"]
    one, two, three = ["T1", "INV-1", "PO-1", 10, "invoice"], ["T2", "INV-2", "PO-2", 20, "invoice"], \
        ["T3", "INV-3", "PO-3", 5, "fee"]
    base = synced("Allocations", side("Allocations", header, one, two), side("Allocations", header, two, one))
    left = side("Allocations", header, one, two, three)  # added T3
    right = side("Allocations", header, two)  # removed T1
    plan = merge("Allocations", left, right, base)
    assert [a.key for a in plan.right.adds] == ["T3 / INV-3"]
    assert [(d.row, d.key) for d in plan.left.deletes] == [(2, "T1 / INV-1")]
    assert not plan.conflicts
    assert plan.base is not None and sorted(str(r[0]) for r in plan.base.rows) == ["T2", "T3"]
    # the same row added on both sides is one row
    plan = merge("Allocations", side("Allocations", header, one, two, three), side("Allocations", header, three, two, one),
                 base)
    assert not plan.left and not plan.right


def test_a_tab_one_side_lacks_is_added_with_the_other_sides_rows() -> None:
    claims = ["Claim Number", "PO Number", "Line", "Kind", "Qty", "Date Reported", "Status"]
    left = side("Claims", claims, ["CL-0001", "PO-1", 1, "damaged", 2, 46352, "open"])
    plan = merge("Claims", left, side("Claims", None), BaseTab(("claim_number",), (("CL-0009",),), (("CL-0009",),)))
    assert [a.key for a in plan.right.adds] == ["CL-0001"] and not plan.left.deletes
    book = Book(path=Path("b.xlsx"), settings=Settings())
    sync_plan = SyncPlan(left=book.path, right=book.path, base_path=book.path, first=False, tabs=[plan])
    edits, _ = side_changes(book, sync_plan, "right", command="poflow sync", now=NOW)
    added = next(e for e in edits if isinstance(e, AddSheet) and e.name == "Claims")
    assert added.rows[1][:9] == ("CL-0001", "PO-1", 1, "damaged", 2, None, date(2026, 11, 26), None, "open")
    assert any(isinstance(e, AddSheet) and e.name == "Log" for e in edits)  # the book had no Log: it gets one
    empty = SideTab(None, empty_sheet="claims")  # an empty tab of that name: filled, not added
    plan = merge("Claims", left, empty)
    sync_plan.tabs = [plan]
    edits, _ = side_changes(book, sync_plan, "right", command="poflow sync", now=NOW)
    assert isinstance(edits[0], AppendRows) and edits[0].sheet == "claims" and len(edits[0].rows) == 2


def test_same_base_ignores_row_order() -> None:
    a = BaseTab(("x",), (("1",), ("2",)), (("1",), ("2",)))
    b = BaseTab(("x",), (("2",), ("1",)), (("2",), ("1",)))
    assert same_base(a, b) and not same_base(a, BaseTab(("x",), (("1",),), (("1",),)))
    assert same_base(BaseTab(("x",), (("1",), ("2",))), BaseTab(("x",), (("2",), ("1",))))


def test_the_base_file_keeps_values_exactly(tmp_path: Path) -> None:
    from poflow_sheets.sync import base as bases

    a, b = tmp_path / "a.xlsx", tmp_path / "b.xlsx"
    path = bases.default_path(a, b)
    assert path == bases.default_path(b, a) and path.parent == tmp_path / ".poflow-sync"
    sides = tuple(sorted((bases.identity(a), bases.identity(b))))
    rows = (("PO-1", 12.5, 3, date(2026, 11, 26), True, "", None, "2026-11-26", "{\"d\": 1}"),)
    tab = BaseTab(("po_number", "x", "y", "po_date", "z", "w", "v", "u", "t"), rows, (("PO-1",),))
    bases.save(path, bases.Base((sides[0], sides[1]), "2026-11-26 09:30:00 UTC", {"Orders": tab}))
    assert path.stat().st_mode & 0o777 == 0o600
    got = bases.load(path, b, a)
    assert got is not None and got.tabs["Orders"] == tab and got.synced_at == "2026-11-26 09:30:00 UTC"
    assert bases.load(tmp_path / "none.json.gz", a, b) is None
