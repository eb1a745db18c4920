"""poflow archive: history moves to NAME-archive-YEAR.xlsx, nothing is lost, both files or neither."""

from __future__ import annotations

import hashlib
from collections import Counter
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from bench.gen_aged import write_aged
from poflow_sheets.app.archive import archive, archive_path, with_archive
from poflow_sheets.app.payments import _seen_in_archive
from poflow_sheets.reader import ATTR_OF_TAB, read_workbook
from poflow_sheets.records import Transaction
from poflow_sheets.rows import record_row
from poflow_sheets.store import pair

TODAY = date(2026, 12, 1)
TABS = ("Orders", "Lines", "Shipments", "Invoices", "Payments", "Allocations")


def _cells(path: Path) -> Counter[tuple[str, tuple[object, ...]]]:
    book = read_workbook(path)
    return Counter((tab, record_row(tab, r)) for tab in TABS for r in getattr(book, ATTR_OF_TAB[tab]))


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture
def aged(tmp_path: Path) -> Path:
    return write_aged(tmp_path / "book.xlsx", log=300, tabs=0, closed=40)


def test_archive_moves_every_record_cell_for_cell(aged: Path) -> None:
    before = _cells(aged)
    lines = archive(aged, TODAY)
    arch = archive_path(aged, 2025)
    assert arch.exists(), lines
    after_book, in_archive = _cells(aged), _cells(arch)
    assert sum(in_archive.values()) > 0
    assert after_book + in_archive == before  # every record, every schema cell, in exactly one of the two
    assert not any(r[1][0].startswith("H-") for r in after_book.elements() if r[0] == "Orders")
    # validate still clean, and the Log kept the archive's own entry only
    from poflow_sheets.app import validate

    assert not validate(aged, TODAY).errors
    assert archive(aged, TODAY) == ["nothing older than 2025-06-01 to archive"]


def test_bank_transaction_applied_before_archive_is_recognised_after(aged: Path) -> None:
    archive(aged, TODAY)
    book = read_workbook(aged)
    t = Transaction(transaction_id="hist:000003", date=date(2023, 2, 1), amount=Decimal("372.00"),
                    currency="USD", payer="X", memo="", source="again.csv")
    assert "hist:000003" in _seen_in_archive(book, [t])


def test_statement_and_evidence_include_archived_records(aged: Path) -> None:
    archive(aged, TODAY)
    book = read_workbook(aged)
    assert not any(i.invoice_number == "HINV-000001" for i in book.invoices)
    merged, said = with_archive(book)
    assert any(i.invoice_number == "HINV-000001" for i in merged.invoices)
    assert said and "book-archive-2025.xlsx" in said[0]
    from poflow_sheets.app import evidence, statement
    from poflow_sheets.app.workbook import WriteOptions

    out = evidence(aged, "H-000001", with_archive=True)
    assert any("now lives in book-archive-2025.xlsx" in x for x in out)
    st = statement(aged, "MAPLE", TODAY, WriteOptions(dry_run=True), with_archive=True)
    assert any("archived record(s) read from book-archive-2025.xlsx" in x for x in st)


@pytest.mark.parametrize("at", ["build", "swap"])
def test_kill_during_archive_leaves_both_files_before_or_after(aged: Path, monkeypatch: pytest.MonkeyPatch,
                                                                at: str) -> None:
    arch = archive_path(aged, 2025)
    book_before = _sha(aged)
    reference = aged.with_name("ref.xlsx")
    reference.write_bytes(aged.read_bytes())
    archive(reference, TODAY)
    calls = {"n": 0}
    real_replace = pair.os.replace

    class Killed(BaseException):
        pass

    def dying_replace(src: object, dst: object) -> None:
        if at == "swap" and str(dst) == str(aged):  # after the archive was swapped in, before the book
            raise Killed
        calls["n"] += 1
        real_replace(src, dst)  # type: ignore[arg-type]

    if at == "build":
        from poflow_sheets.app import archive as app_archive

        def dying_build(*a: object, **k: object) -> None:
            raise Killed
        monkeypatch.setattr(app_archive, "apply_removing", dying_build)
    else:
        monkeypatch.setattr(pair.os, "replace", dying_replace)
    with pytest.raises(Killed):
        archive(aged, TODAY)
    monkeypatch.undo()
    if at == "build":  # killed before the journal: both files as before
        assert _sha(aged) == book_before and not arch.exists()
    else:  # killed between the swaps: the next run finishes it, both files after
        assert pair.journal_path(aged).exists()
        assert pair.finish_pending(aged)
        assert _cells(aged) == _cells(reference)
        assert _cells(arch) == _cells(archive_path(reference, 2025))


def test_validate_warns_at_80_percent_of_a_limit() -> None:
    from poflow_sheets.growth import EXCEL_ROWS, limit_findings

    assert limit_findings({"Log": (EXCEL_ROWS // 2, 7)}) == []
    warned = limit_findings({"Log": (int(EXCEL_ROWS * 0.8) + 1, 12)} | {f"T{i}": (3, 2) for i in range(170)})
    assert {f.code for f in warned} == {"size"} and len(warned) == 3  # rows, cells, tabs


def _every_cell(path: Path) -> dict[str, Counter[frozenset[tuple[str, object]]]]:
    """Per tab, every row below the header as {header: value} of its non-empty cells (the archive's own Log
    lines left out)."""
    from poflow_sheets.store.xlsx_read import CalamineSource

    source = CalamineSource(path)
    out: dict[str, Counter[frozenset[tuple[str, object]]]] = {}
    try:
        for tab in (*TABS, "Log"):
            rows = source.rows(tab)
            header = [str(h) for h in rows[0]]
            got: Counter[frozenset[tuple[str, object]]] = Counter()
            for r in rows[1:]:
                cells = frozenset((header[i], v) for i, v in enumerate(r) if v not in ("", None))
                if cells and ("Tab", "Archive") not in cells:
                    got[cells] += 1
            out[tab] = got
    finally:
        source.close()
    return out


def _with_own_column(book: Path) -> None:
    """A person's own column on Orders ("Sales Rep"), filled on every other row, history included."""
    from poflow_sheets.schema import TAB_BY_NAME
    from poflow_sheets.store import SetCell, write_workbook
    from poflow_sheets.store.safety import fingerprint

    col = len(TAB_BY_NAME["Orders"].columns) + 2  # one empty column between
    n = len(read_workbook(book).orders)
    edits = [SetCell("Orders", 1, col, "Sales Rep"), *(SetCell("Orders", r, col, f"rep {r}") for r in range(2, n + 2, 2))]
    write_workbook(book, edits, expected=fingerprint(book))


def test_archive_and_unarchive_round_trip_loses_no_cell(aged: Path) -> None:
    from poflow_sheets.app.archive import unarchive

    _with_own_column(aged)
    before = _every_cell(aged)
    assert any(("Sales Rep", "rep 4") in row for row in before["Orders"])
    archive(aged, TODAY)
    arch = archive_path(aged, 2025)
    moved = _every_cell(arch)
    assert any(h == "Sales Rep" for row in moved["Orders"] for h, _ in row)  # the person's column went along
    assert sum(moved["Log"].values()) > 0
    out = unarchive(aged, everything=True)
    assert any("come back from book-archive-2025.xlsx" in x for x in out), out
    assert _every_cell(aged) == before  # every cell of every row, the person's own column too
    assert all(not sum(c.values()) for c in _every_cell(arch).values())  # the archive keeps nothing
    assert unarchive(aged, everything=True)[0] == "nothing to bring back"


def test_unarchive_one_order_brings_what_its_payments_touch(aged: Path) -> None:
    from poflow_sheets.app import validate
    from poflow_sheets.app.archive import unarchive
    from poflow_sheets.errors import Refused

    findings = {(f.code, f.message) for f in validate(aged, TODAY).findings if f.severity == "error"}
    archive(aged, TODAY)
    out = unarchive(aged, ["H-000002", "NOPE-1"])
    book = read_workbook(aged)
    assert "H-000002" in {o.po_number for o in book.orders}
    assert {i.invoice_number for i in book.invoices} >= {"HINV-000002"}
    assert "hist:000002" in {p.transaction_id for p in book.payments}
    assert {a.invoice_number for a in book.allocations if a.transaction_id == "hist:000002"} == {"HINV-000002"}
    assert any("nor in any archive" in x and "NOPE-1" in x for x in out)
    arch = read_workbook(archive_path(aged, 2025))
    assert "H-000002" not in {o.po_number for o in arch.orders} and "H-000003" in {o.po_number for o in arch.orders}
    # the generated history's prices are not the tier prices: the order brought back has the same findings
    assert {(f.code, f.message) for f in validate(aged, TODAY).findings if f.severity == "error"} <= findings
    with pytest.raises(Refused, match="name the orders"):
        unarchive(aged)


def test_validate_with_archive_finds_a_number_used_again_and_names_the_archive(aged: Path) -> None:
    import json

    from poflow_sheets.rows import record_rows
    from poflow_sheets.store import AppendRows, write_workbook
    from poflow_sheets.store.safety import fingerprint

    from .cli import run

    archive(aged, TODAY)
    again = next(i for i in read_workbook(archive_path(aged, 2025)).invoices if i.invoice_number == "HINV-000003")
    info = read_workbook(aged).tables["Invoices"]
    write_workbook(aged, [AppendRows(info.title, tuple(record_rows("Invoices", [again])), after=info.last_row)],
                   expected=fingerprint(aged))
    alone = json.loads(run("validate", aged, "--json", "--today", "2026-12-01", ok=(0, 1)).stdout)
    assert not [f for f in alone["findings"] if f["code"] == "duplicate-key"]
    both = json.loads(run("validate", aged, "--json", "--with-archive", "--today", "2026-12-01", ok=(1,)).stdout)
    dup = [f for f in both["findings"] if f["code"] == "duplicate-key"]
    assert [(f["tab"], f["value"]) for f in dup] == [("[book-archive-2025.xlsx]Invoices", "HINV-000003")], dup
    assert dup[0]["row"] < 1_000 and set(dup[0]) == set(alone["findings"][0] if alone["findings"] else dup[0])
    assert f"row {dup[0]['row']} of book-archive-2025.xlsx" in dup[0]["message"], dup  # the archive's own row
    assert "first on row" in dup[0]["message"]


def test_archive_through_a_symbolic_link_writes_the_file_it_points_to(aged: Path) -> None:
    from poflow_sheets.app.archive import unarchive

    link = aged.with_name("link.xlsx")
    link.symlink_to(aged.name)
    archive(link, TODAY)
    assert link.is_symlink() and archive_path(aged, 2025).exists()
    assert not list(aged.parent.glob("link-archive-*"))
    assert "H-000002" not in {o.po_number for o in read_workbook(aged).orders}
    unarchive(link, ["H-000002"])
    assert link.is_symlink() and "H-000002" in {o.po_number for o in read_workbook(aged).orders}
