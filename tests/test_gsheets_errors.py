"""Credentials and faults: each problem is one line that says what to do, exit 2, nothing written, no secret shown.

A missing, unreadable or revoked key, a sheet not shared with the service account (403), a wrong id
(404), a 429 storm (bounded retries honouring Retry-After, then one line) and 5xx answers.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import pytest

from poflow_sheets.gsheets.api import RetryPolicy
from poflow_sheets.gsheets.connect import use_transport
from tests.fake_sheets import FakeSheets, LocalAdapter, service_account_file
from tests.fake_sheets.transport import private_key_pem
from tests.sheets_helpers import invoke, sheet_tabs

SHEET = "BOOKS-2"
WB = f"gsheet:{SHEET}"
ACCOUNT = "poflow-test@demo-project.iam.gserviceaccount.com"


def one_line(result_stderr: str) -> str:
    lines = result_stderr.strip().splitlines()
    assert len(lines) == 1, result_stderr
    line = lines[0]
    for secret in ("PRIVATE KEY", private_key_pem().splitlines()[1][:20], "ya29.", "0123456789abcdef"):
        assert secret not in line, line
    return line


def test_a_sheet_not_shared_with_the_service_account(google: FakeSheets) -> None:
    google.create(SHEET, "books", shared_with={"someone@example.com"})
    line = one_line(invoke("validate", WB, ok=(2,)).stderr)
    assert f"not shared with the service account {ACCOUNT}" in line
    assert f"click Share and add {ACCOUNT} as Editor" in line


def test_a_wrong_id(google: FakeSheets) -> None:
    line = one_line(invoke("status", "https://docs.google.com/spreadsheets/d/NO-SUCH-ID/edit#gid=0", ok=(2,)).stderr)
    assert line.startswith("poflow: gsheet:NO-SUCH-ID: no such spreadsheet; check the id")


def test_no_credentials_at_all(google: FakeSheets, monkeypatch: pytest.MonkeyPatch) -> None:
    google.create(SHEET)
    monkeypatch.delenv("POFLOW_GOOGLE_CREDENTIALS")
    line = one_line(invoke("validate", WB, ok=(2,)).stderr)
    assert "no Google credentials: pass --credentials KEY.json" in line and "poflow google-login" in line


def test_the_credentials_option_comes_first(google: FakeSheets, tmp_path: Path) -> None:
    google.create(SHEET, shared_with={"other@demo-project.iam.gserviceaccount.com"})
    other = service_account_file(tmp_path, "other@demo-project.iam.gserviceaccount.com", "other.json")
    invoke("init", WB, "--credentials", other)  # shared with `other` only: works with it, not with the env key
    line = one_line(invoke("validate", WB, ok=(2,)).stderr)
    assert ACCOUNT in line


@pytest.mark.parametrize("problem", ["missing", "folder", "not json", "not a key", "unreadable", "damaged key"])
def test_an_unusable_key_file(google: FakeSheets, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
                              problem: str) -> None:
    google.create(SHEET)
    key = tmp_path / "bad.json"
    if problem == "folder":
        key.mkdir()
    elif problem == "not json":
        key.write_text("-----BEGIN PRIVATE KEY-----\nMIIE...\n", encoding="utf-8")
    elif problem == "not a key":
        key.write_text(json.dumps({"type": "external_account", "secret": "s3cr3t"}), encoding="utf-8")
    elif problem == "unreadable":
        key.write_text("{}", encoding="utf-8")
        key.chmod(0)
        if os.access(key, os.R_OK):
            pytest.skip("running as root: a file without permissions is still readable")
    elif problem == "damaged key":
        good = json.loads(service_account_file(tmp_path).read_text())
        good["private_key"] = "-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n"
        key.write_text(json.dumps(good), encoding="utf-8")
    monkeypatch.setenv("POFLOW_GOOGLE_CREDENTIALS", str(key))
    line = one_line(invoke("validate", WB, ok=(2,)).stderr)
    assert "POFLOW_GOOGLE_CREDENTIALS" in line and "s3cr3t" not in line and "bm90IGEga2V5" not in line
    expected = {"missing": "does not exist", "folder": "is a folder", "not json": "not JSON",
                "not a key": "is not a service-account key", "unreadable": "permission denied",
                "damaged key": "damaged private key"}[problem]
    assert expected in line, line


def test_a_revoked_key(google: FakeSheets) -> None:
    google.create(SHEET)
    google.revoked.add(ACCOUNT)
    line = one_line(invoke("validate", WB, ok=(2,)).stderr)
    assert "Google refused the key" in line and "revoked or deleted" in line and f"new JSON key for {ACCOUNT}" in line


def test_a_429_storm_ends_in_bounded_time_with_one_line(google: FakeSheets) -> None:
    """The real retry policy: 4 tries, exponential backoff with jitter, a few seconds in all."""
    google.create(SHEET)
    invoke("init", WB, "--demo")
    before = sheet_tabs(google, SHEET)
    google.fail(429, times=None)
    mark = google.mark()
    start = time.monotonic()
    with use_transport(LocalAdapter(google.url)):  # the default RetryPolicy
        line = one_line(invoke("reconcile", WB, "--apply", "--today", "2026-11-26", ok=(2,)).stderr)
    elapsed = time.monotonic() - start
    assert "429 (too many requests) after 4 tries" in line and "nothing was written" in line, line
    assert elapsed < RetryPolicy().budget, elapsed
    assert 4 <= elapsed < 15, elapsed  # 1-2 s, 2-3 s and 4-5 s of waiting
    assert google.counts(mark) == {"spreadsheets.get": 4}
    google.heal()
    assert sheet_tabs(google, SHEET) == before


def test_retry_after_is_honoured_and_a_long_one_ends_at_once(google: FakeSheets) -> None:
    google.create(SHEET)
    invoke("init", WB)
    google.fail(429, retry_after="1", times=2)
    mark = google.mark()
    start = time.monotonic()
    with use_transport(LocalAdapter(google.url)):  # the default RetryPolicy
        invoke("validate", WB)
        assert 2 <= time.monotonic() - start < 4  # waited the 1 s Google asked for, twice
        assert google.counts(mark)["spreadsheets.get"] == 3
        google.fail(429, retry_after="120", times=None)
        start = time.monotonic()
        line = one_line(invoke("validate", WB, ok=(2,)).stderr)
    assert time.monotonic() - start < 1
    assert "Google asked to wait 120 s; try again then" in line, line


def test_a_server_error_is_retried(google: FakeSheets) -> None:
    google.create(SHEET)
    invoke("init", WB)
    google.fail(500, endpoint="values.batchGet", times=2)
    google.fail(503, endpoint="spreadsheets.get", times=1)
    invoke("validate", WB)


def test_secrets_never_reach_the_log_tab(google: FakeSheets, tmp_path: Path) -> None:
    google.create(SHEET)
    key = service_account_file(tmp_path, name="k2.json")
    invoke("init", WB, "--demo", "--credentials", key)
    invoke("reconcile", WB, Path(__file__).resolve().parents[1] / "scripts" / "demo-bank.csv", "--apply",
           "--today", "2026-11-26", "--credentials", key)
    text = json.dumps(sheet_tabs(google, SHEET))
    assert "PRIVATE KEY" not in text and "ya29." not in text
    assert "--credentials" in text  # the command line is logged: the key's file name, never its content
