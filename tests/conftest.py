"""Shared test fixtures: where ../shared lives, and scratch folders."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fake_sheets import FakeSheets, LocalAdapter, service_account_file

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
DATA = SHARED / "data"
ARTIFACTS = REPO / "tests" / "artifacts"


@pytest.fixture(scope="session")
def shared() -> Path:
    """The read-only shared folder beside the repository."""
    assert SHARED.is_dir(), f"expected ../shared beside the repository at {SHARED}"
    return SHARED


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """A folder for files a person may want to look at after the tests (PNG pages, reports)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


# Google Sheets: a fake Sheets API on 127.0.0.1, reached by gspread and google-auth through LocalAdapter.

@pytest.fixture
def fake_sheets() -> Iterator[FakeSheets]:
    """A running fake Sheets API server (stopped at the end of the test)."""
    fake = FakeSheets().start()
    try:
        yield fake
    finally:
        fake.stop()


@pytest.fixture
def google(fake_sheets: FakeSheets, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeSheets]:
    """The fake, with a service-account key in POFLOW_GOOGLE_CREDENTIALS and every Google URL sent to it
    (retries fast: the tests of the real retry timing set their own policy)."""
    from poflow_sheets.gsheets.api import RetryPolicy
    from poflow_sheets.gsheets.connect import use_transport

    key = service_account_file(tmp_path)
    monkeypatch.setenv("POFLOW_GOOGLE_CREDENTIALS", str(key))
    monkeypatch.delenv("GOOGLE_APPLICATION_CREDENTIALS", raising=False)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    with use_transport(LocalAdapter(fake_sheets.url), RetryPolicy(base=0.01, cap=0.05, budget=1.0)):
        yield fake_sheets
