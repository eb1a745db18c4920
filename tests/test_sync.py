"""`poflow sync LEFT RIGHT`, end to end on both backends: an .xlsx against a Google Sheet (the fake Sheets API)
and an .xlsx against an .xlsx. A person's edits are made as a person makes them: with openpyxl on the file,
directly in the fake's cells on the Google Sheet. After a sync both sides hold the same rows by key; a
conflict is reported and left as it is; a second sync writes nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from poflow_sheets.store.backend import XlsxBackend
from poflow_sheets.sync import base as bases
from tests.cli import sha
from tests.fake_sheets import FakeSheets
from tests.sheets_helpers import invoke, sheet_tabs, xlsx_tabs

SHEET = "BOOKS-SYNC"
SHEET2 = "BOOKS-SYNC-2"


class Book:
    """One side of a sync: where it is, how a person edits it, and its tabs as values."""

    def __init__(self, kind: str, where: str, fake: FakeSheets | None = None) -> None:
        self.kind = kind
        self.where = where
        self.fake = fake

    # reading
    def tabs(self) -> dict[str, list[list[Any]]]:
        if self.kind == "xlsx":
            return xlsx_tabs(Path(self.where))
        assert self.fake is not None
        return sheet_tabs(self.fake, self.where.removeprefix("gsheet:"))

    def rows(self, tab: str) -> list[list[Any]]:
        return self.tabs()[tab]

    def find(self, tab: str, key: tuple[Any, ...]) -> int | None:
        """The 0-based row whose first cells are `key`."""
        for i, r in enumerate(self.rows(tab)):
            if tuple(r[: len(key)]) == key:
                return i
        return None

    def cell(self, tab: str, key: tuple[Any, ...], header: str) -> Any:
        rows = self.rows(tab)
        i = self.find(tab, key)
        assert i is not None, (tab, key)
        c = rows[0].index(header)
        return rows[i][c] if c < len(rows[i]) else ""

    def snapshot(self) -> Any:
        return sha(Path(self.where)) if self.kind == "xlsx" else json.dumps(self.tabs(), sort_keys=True)

    # editing, as a person does
    def _edit(self, tab: str, change: Any) -> None:
        if self.kind == "xlsx":
            wb = openpyxl.load_workbook(self.where)
            ws = wb[tab]
            rows = [[c.value for c in r] for r in ws.iter_rows()]
            new = change([list(r) for r in rows])
            if len(new) < len(rows):
                ws.delete_rows(len(new) + 1, len(rows) - len(new))
            for r, values in enumerate(new, start=1):
                for c, v in enumerate(values, start=1):
                    if r > len(rows) or c > len(rows[r - 1]) or rows[r - 1][c - 1] != v:
                        ws.cell(r, c).value = v
            wb.save(self.where)
        else:
            assert self.fake is not None
            sheet = self.fake.books[self.where.removeprefix("gsheet:")].by_title(tab)
            assert sheet is not None
            width = max(len(r) for r in sheet.rows)
            rows = [list(r) + [None] * (width - len(r)) for r in sheet.rows]
            sheet.rows = change(rows)
            grid = sheet.grid  # a person's new row or column grows the grid
            grid["rowCount"] = max(sheet.row_count, len(sheet.rows))
            grid["columnCount"] = max([sheet.col_count, *(len(r) for r in sheet.rows)])

    def set(self, tab: str, key: tuple[Any, ...], header: str, value: Any) -> None:
        def change(rows: list[list[Any]]) -> list[list[Any]]:
            c = rows[0].index(header)
            r = next(i for i, row in enumerate(rows) if tuple(row[: len(key)]) == key)
            rows[r] += [None] * (c + 1 - len(rows[r]))
            rows[r][c] = value
            return rows
        self._edit(tab, change)

    def delete(self, tab: str, key: tuple[Any, ...]) -> None:
        """The row is deleted (the rows below move up), as a person deletes a row."""
        self._edit(tab, lambda rows: [r for r in rows if tuple(r[: len(key)]) != key])

    def add(self, tab: str, values: dict[str, Any]) -> None:
        def change(rows: list[list[Any]]) -> list[list[Any]]:
            header = rows[0]
            last = max(i for i, r in enumerate(rows) if any(v not in (None, "") for v in r))
            rows = rows[: last + 1]
            rows.append([values.get(h) for h in header])
            return rows
        self._edit(tab, change)

    def sort(self, tab: str, header: str) -> None:
        def change(rows: list[list[Any]]) -> list[list[Any]]:
            c = rows[0].index(header)
            body = [r for r in rows[1:] if any(v not in (None, "") for v in r)]
            return [rows[0], *sorted(body, key=lambda r: str(r[c]), reverse=True)]
        self._edit(tab, change)

    def add_column(self, tab: str, header: str, values: dict[tuple[Any, ...], Any]) -> None:
        def change(rows: list[list[Any]]) -> list[list[Any]]:
            width = max(len(r) for r in rows)
            out = []
            for i, r in enumerate(rows):
                r = r + [None] * (width - len(r))
                key = next((k for k in values if tuple(r[: len(k)]) == k), None)
                out.append([*r, header if i == 0 else values.get(key) if key else None])
            return out
        self._edit(tab, change)

    def add_tab(self, name: str, rows: list[list[Any]]) -> None:
        if self.kind == "xlsx":
            wb = openpyxl.load_workbook(self.where)
            ws = wb.create_sheet(name)
            for r in rows:
                ws.append(r)
            wb.save(self.where)
        else:
            assert self.fake is not None
            book = self.fake.books[self.where.removeprefix("gsheet:")]
            sheet = book.add_sheet(name, 4242)
            sheet.rows = [list(r) for r in rows]


@pytest.fixture(params=["xlsx-sheet", "xlsx-xlsx"])
def pair(request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Book, Book]]:
    """Two demo books already synced once (in step, the base written)."""
    left = Book("xlsx", str(tmp_path / "owner.xlsx"))
    if request.param == "xlsx-xlsx":
        right = Book("xlsx", str(tmp_path / "partner.xlsx"))
        invoke("init", left.where, "--demo")
        invoke("init", right.where, "--demo")
        yield from _synced(left, right)
    else:
        google = request.getfixturevalue("google")
        google.create(SHEET, "books")
        right = Book("sheet", f"gsheet:{SHEET}", google)
        invoke("init", left.where, "--demo")
        invoke("init", right.where, "--demo")
        yield from _synced(left, right)


def _synced(left: Book, right: Book) -> Iterator[tuple[Book, Book]]:
    result = invoke("sync", left.where, right.where)
    assert "first sync" in result.output and "in step: nothing to write" in result.output, result.output
    yield left, right


def sync(left: Book, right: Book, *args: str, ok: tuple[int, ...] = (0,)) -> str:
    return invoke("sync", left.where, right.where, *args, ok=ok).output


def in_step(left: Book, right: Book) -> None:
    """A further sync finds nothing to do and writes nothing (no byte of an .xlsx changes)."""
    before = left.snapshot(), right.snapshot()
    out = sync(left, right)
    assert "in step: nothing to write" in out, out
    assert (left.snapshot(), right.snapshot()) == before


# The Done-when cases, on both pairs --------------------------------------------------------------------------

def test_an_edit_on_one_side_is_taken_to_the_other(pair: tuple[Book, Book]) -> None:
    left, right = pair
    right.set("Orders", ("PO-1009",), "Notes", "call before shipping")
    out = sync(left, right)
    assert left.cell("Orders", ("PO-1009",), "Notes") == "call before shipping"
    assert "Orders" in out and "right" in out
    log = [r for r in left.rows("Log") if len(r) > 1 and str(r[1]).startswith("poflow sync")]
    assert [r[2:7] for r in log] == [["Orders", "PO-1009", "Notes", "", "call before shipping"]]
    assert not any(str(r[1]).startswith("poflow sync") for r in right.rows("Log"))  # nothing was written there
    in_step(left, right)


def test_edits_on_both_sides_to_different_rows(pair: tuple[Book, Book]) -> None:
    left, right = pair
    left.set("Lines", ("PO-1009", 1), "Qty", 36)
    right.set("Orders", ("PO-1001",), "Notes", "repeat customer")
    right.set("Buyers", ("FERN",), "Email", "buying@littlefern.example")
    sync(left, right)
    for side in (left, right):
        assert side.cell("Lines", ("PO-1009", 1), "Qty") == 36
        assert side.cell("Orders", ("PO-1001",), "Notes") == "repeat customer"
        assert side.cell("Buyers", ("FERN",), "Email") == "buying@littlefern.example"
    right_log = [r[2:7] for r in right.rows("Log") if str(r[1]).startswith("poflow sync")]
    assert right_log == [["Lines", "PO-1009 / 1", "Qty", "24", "36"]]
    in_step(left, right)


def test_a_conflict_on_the_same_cell_is_reported_and_nothing_overwritten(pair: tuple[Book, Book]) -> None:
    left, right = pair
    left.set("Orders", ("PO-1009",), "Notes", "owner: hold")
    right.set("Orders", ("PO-1009",), "Notes", "rep: rush it")
    before = left.snapshot(), right.snapshot()
    out = sync(left, right, ok=(1,))
    assert "conflict: Orders PO-1009, Notes: base '', left 'owner: hold', right 'rep: rush it'; left as it is on both " \
           "sides" in out, out
    assert (left.snapshot(), right.snapshot()) == before  # nothing written on either side
    data = json.loads(sync(left, right, "--json", ok=(1,)))
    assert data["status"] == "conflicts" and data["conflicts"] == [{
        "tab": "Orders", "key": "PO-1009", "column": "Notes", "kind": "changed on both sides", "side": None,
        "base": "", "left": "owner: hold", "right": "rep: rush it", "resolved": None}]
    sync(left, right, ok=(1,))  # reported again until settled
    out = sync(left, right, "--prefer", "right")
    assert "taken from the right (--prefer right)" in out
    assert left.cell("Orders", ("PO-1009",), "Notes") == "rep: rush it"
    in_step(left, right)


def test_the_same_edit_on_both_sides_is_no_conflict(pair: tuple[Book, Book]) -> None:
    left, right = pair
    for side in (left, right):
        side.set("Orders", ("PO-1009",), "Status", "cancelled")
    before = left.snapshot(), right.snapshot()
    out = sync(left, right)
    assert "conflict:" not in out and "in step: nothing to write" in out
    assert (left.snapshot(), right.snapshot()) == before


def test_a_deletion_against_an_edit_is_a_conflict_and_an_unopposed_deletion_is_carried_over(
        pair: tuple[Book, Book]) -> None:
    left, right = pair
    left.delete("Lines", ("CS-2291", 2))
    right.set("Lines", ("CS-2291", 2), "Note", "damaged in transit")
    right.delete("Buyers", ("JUNIPER",))
    out = sync(left, right, ok=(1,))
    assert "conflict: Lines CS-2291 / 2: deleted on left, changed on right (Note '' -> 'damaged in transit'); left as " \
           "it is on both sides" in out, out
    assert left.find("Lines", ("CS-2291", 2)) is None  # stays deleted on the left
    assert right.cell("Lines", ("CS-2291", 2), "Note") == "damaged in transit"  # the edit is kept
    assert left.find("Buyers", ("JUNIPER",)) is None  # nobody changed JUNIPER on the left: deleted there too
    log = [r[2:7] for r in left.rows("Log") if str(r[1]).startswith("poflow sync")]
    assert ["Buyers", "JUNIPER", "Buyer ID", "JUNIPER"] in log  # old value, new value empty
    sync(left, right, ok=(1,))  # still a conflict
    sync(left, right, "--prefer", "right")  # the edit wins: the row comes back on the left
    assert left.cell("Lines", ("CS-2291", 2), "Note") == "damaged in transit"
    in_step(left, right)


def test_rows_sorted_differently_on_the_two_sides_are_no_change(pair: tuple[Book, Book]) -> None:
    left, right = pair
    right.sort("Lines", "SKU")
    left.sort("Orders", "Buyer ID")
    assert left.rows("Orders") != right.rows("Orders")
    in_step(left, right)


def test_a_new_row_on_each_side_is_added_to_the_other(pair: tuple[Book, Book]) -> None:
    left, right = pair
    left.add("Orders", {"PO Number": "PO-2001", "Buyer ID": "FERN", "PO Date": 46360, "Status": "draft"})
    left.add("Lines", {"PO Number": "PO-2001", "Line": 1, "SKU": "CDL-OAK-8", "Qty": 12})
    right.add("Buyers", {"Buyer ID": "ASPEN", "Name": "Aspen Goods", "Email": "a@aspen.example"})
    sync(left, right)
    for side in (left, right):
        assert side.cell("Orders", ("PO-2001",), "Status") == "draft"
        assert side.cell("Orders", ("PO-2001",), "PO Date") == 46360  # a date on both sides
        assert side.cell("Lines", ("PO-2001", 1), "Qty") == 12
        assert side.cell("Buyers", ("ASPEN",), "Name") == "Aspen Goods"
    assert [r[2:5] for r in right.rows("Log") if str(r[1]).startswith("poflow sync")] == [
        ["Orders", "PO-2001", "(new row)"], ["Lines", "PO-2001 / 1", "(new row)"]]
    in_step(left, right)
    invoke("validate", right.where)


def test_a_persons_own_column_and_tab_are_left_alone(pair: tuple[Book, Book]) -> None:
    left, right = pair
    left.add_column("Orders", "Rep", {("PO-1009",): "Dana", ("CS-2291",): "Lee"})
    left.add_tab("Owner notes", [["Note"], ["call Maple in March"]])
    right.set("Orders", ("CS-2291",), "Notes", "gift wrap")
    right.delete("Orders", ("PO-1009",))
    out = sync(left, right, ok=(1,))
    assert "Orders PO-1009: deleted on the right, but the left row holds values in a column of its own" in out, out
    assert "Rep" not in right.rows("Orders")[0] and "Owner notes" not in right.tabs()
    assert left.cell("Orders", ("CS-2291",), "Notes") == "gift wrap"
    assert left.cell("Orders", ("CS-2291",), "Rep") == "Lee"
    assert left.cell("Orders", ("PO-1009",), "Rep") == "Dana"  # not deleted: it holds the owner's column
    assert left.tabs()["Owner notes"] == [["Note"], ["call Maple in March"]]
    # the same own column on both sides is compared like any other, from the first sync that sees it on both
    right.add_column("Orders", "Rep", {("CS-2291",): "Lee"})
    sync(left, right, ok=(1,))
    left.set("Orders", ("CS-2291",), "Rep", "Sam")
    sync(left, right, ok=(1,))
    assert right.cell("Orders", ("CS-2291",), "Rep") == "Sam"


def test_a_sync_interrupted_after_the_first_side_is_written_is_finished_by_the_next(
        pair: tuple[Book, Book], monkeypatch: pytest.MonkeyPatch) -> None:
    left, right = pair
    left.set("Orders", ("PO-1009",), "Notes", "from the owner")
    right.set("Orders", ("CS-2291",), "Notes", "from the rep")
    right.add("Buyers", {"Buyer ID": "ASPEN", "Name": "Aspen Goods"})
    base_file = bases.default_path(Path(left.where), Path(right.where))
    base_before = base_file.read_bytes()
    right_before = right.snapshot()
    failing = [True]
    if right.kind == "sheet":
        assert right.fake is not None
        right.fake.fail(503, endpoint="values.batchUpdate", times=None)  # Google down after the first side
    else:
        real = XlsxBackend.write

        def fails_on_the_right(self: XlsxBackend, *args: Any, **kwargs: Any) -> Any:
            if self.path == Path(right.where) and failing[0]:
                raise KeyboardInterrupt  # Ctrl-C after the first side was written
            return real(self, *args, **kwargs)

        monkeypatch.setattr(XlsxBackend, "write", fails_on_the_right)
    result = invoke("sync", left.where, right.where, ok=(2,))
    assert f"{left.where} was synced, {right.where} was not written and the base is unchanged" in result.output
    assert left.cell("Orders", ("CS-2291",), "Notes") == "from the rep"  # the left side is fully synced
    assert left.cell("Buyers", ("ASPEN",), "Name") == "Aspen Goods"
    assert right.snapshot() == right_before  # the right side as it was
    assert base_file.read_bytes() == base_before
    if right.fake is not None:
        right.fake.heal()
    failing[0] = False
    out = sync(left, right)
    assert "conflict:" not in out
    assert right.cell("Orders", ("PO-1009",), "Notes") == "from the owner"
    assert right.cell("Orders", ("CS-2291",), "Notes") == "from the rep"
    assert base_file.read_bytes() != base_before
    in_step(left, right)


def test_a_second_sync_finds_nothing_to_do_and_changes_no_byte(pair: tuple[Book, Book]) -> None:
    left, right = pair
    left.set("Invoices", ("INV-1003",), "Hold", "disputed")
    right.set("Products", ("CDL-OAK-8",), "Stock On Hand", 400)
    sync(left, right)
    base_file = bases.default_path(Path(left.where), Path(right.where))
    base_before = base_file.read_bytes()
    mark = right.fake.mark() if right.fake is not None else 0
    in_step(left, right)
    assert base_file.read_bytes() == base_before
    if right.fake is not None:
        counts = right.fake.counts(mark)
        assert counts.get("values.batchUpdate", 0) == 0 and counts.get("spreadsheets.batchUpdate", 0) == 0, counts


# More -------------------------------------------------------------------------------------------------------

def test_the_first_sync_reports_every_cell_that_differs(tmp_path: Path) -> None:
    left, right = Book("xlsx", str(tmp_path / "a.xlsx")), Book("xlsx", str(tmp_path / "b.xlsx"))
    invoke("init", left.where, "--demo")
    invoke("init", right.where, "--demo")
    left.set("Orders", ("PO-1009",), "Status", "approved")
    right.add("Buyers", {"Buyer ID": "ASPEN", "Name": "Aspen Goods"})
    before = left.cell("Orders", ("PO-1009",), "Status"), right.cell("Orders", ("PO-1009",), "Status")
    out = sync(left, right, ok=(1,))
    assert "first sync" in out
    assert "conflict: Orders PO-1009, Status: base (unknown), left 'approved', right 'draft'" in out, out
    assert (left.cell("Orders", ("PO-1009",), "Status"), right.cell("Orders", ("PO-1009",), "Status")) == before
    assert left.cell("Buyers", ("ASPEN",), "Name") == "Aspen Goods"  # rows merge by key
    sync(left, right, ok=(1,))  # the base does not know the cell: still a conflict
    right.set("Orders", ("PO-1009",), "Status", "approved")  # a person settles it
    in_step(left, right)


def test_google_sheet_to_google_sheet(google: FakeSheets, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    google.create(SHEET, "one")
    google.create(SHEET2, "two")
    left, right = Book("sheet", f"gsheet:{SHEET}", google), Book("sheet", f"gsheet:{SHEET2}", google)
    invoke("init", left.where, "--demo")
    invoke("init", right.where)  # an empty book: Settings differ, every row of the demo is new to it
    out = sync(left, right, ok=(1,))
    assert "conflict: Settings Seller Name, Value: base (unknown), left 'Hollow Oak Candle Co.', right ''" in out
    assert right.cell("Orders", ("PO-1009",), "Status") == "draft"
    assert list((tmp_path / "state" / "poflow" / "sync").glob("*.json.gz"))
    mark = google.mark()
    left.set("Orders", ("PO-1009",), "Notes", "x")
    sync(left, right, "--prefer", "left")
    counts = google.counts(mark)
    assert sum(counts.values()) <= 2 * 5, counts  # each side: 2 requests to read, at most 3 to write
    assert right.cell("Settings", ("Seller Name",), "Value") == "Hollow Oak Candle Co."
    in_step(left, right)


def test_dry_run_and_json_write_nothing(pair: tuple[Book, Book]) -> None:
    left, right = pair
    left.set("Orders", ("PO-1009",), "Notes", "a")
    right.add("Buyers", {"Buyer ID": "ASPEN", "Name": "Aspen Goods"})
    right.delete("Lines", ("CS-2291", 2))
    before = left.snapshot(), right.snapshot()
    out = sync(left, right, "--dry-run")
    assert "dry run: nothing written" in out
    assert [line.split() for line in out.splitlines() if line.startswith(("Orders", "Buyers", "Lines"))] == [
        ["Buyers", "1", "0", "0", "0", "0", "0", "0"],
        ["Orders", "0", "0", "0", "0", "1", "0", "0"],
        ["Lines", "0", "0", "1", "0", "0", "0", "0"]]
    data = json.loads(sync(left, right, "--dry-run", "--json"))
    assert data["dry_run"] and data["status"] == "in step" and data["written"] == []
    assert {t["tab"]: (t["left"], t["right"]) for t in data["tabs"]}["Lines"] == (
        {"added": 0, "changed": 0, "cells": 0, "deleted": 1}, {"added": 0, "changed": 0, "cells": 0, "deleted": 0})
    assert (left.snapshot(), right.snapshot()) == before
    data = json.loads(sync(left, right, "--json"))
    assert data["written"] == ["left", "right", "base"]


def test_the_same_workbook_twice_and_another_pairs_base_are_refused(tmp_path: Path) -> None:
    a, b, c = (str(tmp_path / f"{n}.xlsx") for n in "abc")
    for wb in (a, b, c):
        invoke("init", wb, "--demo")
    assert "the same workbook" in invoke("sync", a, a, ok=(2,)).output
    invoke("sync", a, b)
    base = bases.default_path(Path(a), Path(b))
    result = invoke("sync", a, c, "--base", base, ok=(2,))
    assert "not of" in result.output
    invoke("sync", b, a)  # the order of the sides does not matter: the same base
    assert base.exists() and len(list(base.parent.glob("*.json.gz"))) == 1


def test_a_sync_waits_for_no_one_while_excel_has_a_side_open(tmp_path: Path) -> None:
    left, right = Book("xlsx", str(tmp_path / "a.xlsx")), Book("xlsx", str(tmp_path / "b.xlsx"))
    invoke("init", left.where, "--demo")
    invoke("init", right.where, "--demo")
    invoke("sync", left.where, right.where)
    left.set("Orders", ("PO-1009",), "Notes", "a")
    right.set("Orders", ("CS-2291",), "Notes", "b")
    (tmp_path / "~$b.xlsx").write_text("owner")
    before = left.snapshot(), right.snapshot()
    result = invoke("sync", left.where, right.where, ok=(2,))
    assert "open in another program" in result.output and (left.snapshot(), right.snapshot()) == before
    invoke("sync", left.where, right.where, "--force")
    assert right.cell("Orders", ("PO-1009",), "Notes") == "a"


def test_commands_on_each_side_then_a_sync(pair: tuple[Book, Book], tmp_path: Path) -> None:
    """The owner reconciles the bank on the .xlsx while the rep records a claim on the other side: one sync
    and both hold the payments, the allocations, the invoice statuses and the claim."""
    left, right = pair
    bank = Path(__file__).resolve().parents[1] / "scripts" / "demo-bank.csv"
    invoke("reconcile", left.where, bank, "--apply", "--today", "2026-11-26", ok=(0, 1))
    invoke("claim", right.where, "CS-2291", "--line", "2", "--kind", "damaged", "--qty", "2", "--note", "dented",
           "--today", "2026-11-20", "--out", tmp_path / "docs")
    sync(left, right)
    for side in (left, right):
        assert side.cell("Invoices", ("INV-1003",), "Status") == "paid"
        assert side.cell("Claims", ("CL-0001",), "Kind") == "damaged"
        assert len([r for r in side.rows("Allocations")[1:] if r]) == len([r for r in left.rows("Allocations")[1:] if r])
        invoke("validate", side.where)
    assert sorted(map(str, left.rows("Payments"))) == sorted(map(str, right.rows("Payments")))
    in_step(left, right)
    # undo on the right reverts what the sync wrote there; the next sync takes that back to the left
    invoke("undo", right.where, ok=(0, 1))
    assert right.cell("Invoices", ("INV-1003",), "Status") != "paid"
    sync(left, right)
    assert left.cell("Invoices", ("INV-1003",), "Status") == right.cell("Invoices", ("INV-1003",), "Status")
