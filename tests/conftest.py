"""Shared test fixtures: where ../shared lives, and scratch folders."""

from __future__ import annotations

from pathlib import Path

import pytest

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
