"""Shared test fixtures: where ../shared lives, tests that need it, golden files, scratch folders.

Some tests read public sample files that are NOT part of the repository: real bank exports and
800 Excel-made workbooks kept in ``../shared/data`` beside the repository on the project's
machines. A plain clone has no such folder, so every test that reads it is marked::

    @needs_bank_samples            # or needs_corpus, or pytest.mark.shared_data("<folder>")
    def test_x() -> None: ...

and is SKIPPED with one reason when the folder is absent. When the environment variable ``CI`` is
set (to anything non-empty) such a test FAILS instead, so CI never skips them silently.

``POFLOW_SHARED`` overrides where the shared folder is (default ``../shared``); to see what a plain
clone sees::

    POFLOW_SHARED=/nonexistent python3 -m pytest -q tests/test_banks_samples.py            # skipped
    CI=true POFLOW_SHARED=/nonexistent python3 -m pytest -q tests/test_banks_samples.py    # failed

``--regen`` (added here) rewrites the golden files under ``tests/golden/`` instead of comparing.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.fake_sheets import FakeSheets, LocalAdapter, service_account_file

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ["POFLOW_SHARED"]) if os.environ.get("POFLOW_SHARED") else REPO.parent / "shared"
DATA = SHARED / "data"
ARTIFACTS = REPO / "tests" / "artifacts"
FIXTURES = REPO / "tests" / "data"  # small files the project owns: they are always there
GOLDEN = REPO / "tests" / "golden"

_MISSING = pytest.StashKey[str]()


def shared_reason(folder: str) -> str:
    """Why a test that needs ``../shared/data/<folder>`` cannot run here."""
    where = "../shared/data" if "POFLOW_SHARED" not in os.environ else f"{DATA}"
    return f"needs {where}/{folder} beside the repository (not in a plain clone)"


def shared_missing(folder: str) -> bool:
    """True when ``<shared>/data/<folder>`` is not there."""
    return not (DATA / folder).is_dir()


def in_ci() -> bool:
    """True when the environment variable CI is set to a non-empty value."""
    return bool(os.environ.get("CI"))


needs_bank_samples = pytest.mark.shared_data("bank-samples")
needs_corpus = pytest.mark.shared_data("excel-made-workbooks")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption("--regen", action="store_true", default=False,
                     help="rewrite the golden files under tests/golden/ from the current code instead of comparing")


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "shared_data(folder): the test reads ../shared/data/<folder>; skipped when it is absent, failed when CI is set",
    )


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    """Before any fixture: skip (or, in CI, arrange to fail) a test whose shared folder is absent."""
    for mark in item.iter_markers("shared_data"):
        folder = str(mark.args[0])
        if shared_missing(folder):
            reason = shared_reason(folder)
            if in_ci():
                item.stash[_MISSING] = f"{reason}; CI is set, so this is a failure, not a skip"
                return
            pytest.skip(reason)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: pytest.Item) -> None:
    """In CI, a test whose shared folder is absent fails with the reason (it is never silently skipped)."""
    reason = item.stash.get(_MISSING, None)
    if reason is not None:
        pytest.fail(reason, pytrace=False)


@pytest.fixture(scope="session")
def regen(request: pytest.FixtureRequest) -> bool:
    """True under ``pytest --regen``: golden files are rewritten, not compared."""
    return bool(request.config.getoption("--regen"))


@pytest.fixture(scope="session")
def shared() -> Path:
    """The read-only shared folder beside the repository (use with a ``shared_data`` mark)."""
    if not SHARED.is_dir():
        if in_ci():
            pytest.fail(f"expected the shared folder at {SHARED} (CI is set)", pytrace=False)
        pytest.skip(f"needs {SHARED} beside the repository (not in a plain clone)")
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
