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
