"""Why poflow calls only gspread's low-level HTTP methods: three helpers of the installed gspread, checked
against the fake. Its BackOffHTTPClient retries a 429 without end and ignores Retry-After; `update_cell`
parses input as if typed (a SKU 00123 becomes the number 123); `append_rows` lets Google's table search pick
the column, which may not be the first."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import gspread
import pytest
from gspread.http_client import BackOffHTTPClient

from poflow_sheets.gsheets.auth import load_key_file
from tests.fake_sheets import FakeSheets, LocalAdapter, service_account_file

SHEET = "GSPREAD-1"


def client(fake: FakeSheets, tmp_path: Path, http_client: Any = gspread.http_client.HTTPClient) -> gspread.Client:
    from google.auth.transport.requests import AuthorizedSession, Request
    from requests import Session

    creds = load_key_file(service_account_file(tmp_path), "test").credentials
    token = Session()
    token.mount("https://", LocalAdapter(fake.url))
    session = AuthorizedSession(creds, auth_request=Request(token))
    session.mount("https://", LocalAdapter(fake.url))
    return gspread.Client(creds, session=session, http_client=http_client)


def test_backoff_client_never_gives_up_and_ignores_retry_after(fake_sheets: FakeSheets, tmp_path: Path,
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    fake_sheets.create(SHEET)
    fake_sheets.fail(429, times=None, retry_after="1")
    waits: list[float] = []

    class Enough(Exception):
        pass

    def sleep(seconds: float) -> None:
        waits.append(seconds)
        if len(waits) >= 12:
            raise Enough

    monkeypatch.setattr("gspread.http_client.time.sleep", sleep)
    gc = client(fake_sheets, tmp_path, BackOffHTTPClient)
    with pytest.raises(Enough):
        gc.open_by_key(SHEET)
    assert len(waits) == 12  # still retrying after 12 waits (poflow stops after 4 tries)
    assert 1 not in waits and max(waits) >= 64  # Retry-After: 1 was never honoured; the waits only grow


def test_update_cell_parses_input_as_typed(fake_sheets: FakeSheets, tmp_path: Path) -> None:
    fake_sheets.create(SHEET)
    ws = client(fake_sheets, tmp_path).open_by_key(SHEET).sheet1
    ws.update_cell(1, 1, "00123")
    ws.update_cell(1, 2, '=IMPORTXML("http://x","//a")')
    sheet = fake_sheets.books[SHEET].sheets[0]
    assert sheet.get(0, 0) == 123  # the SKU lost its zeros
    assert type(sheet.get(0, 1)).__name__ == "Formula"  # the memo became a formula


def test_append_rows_may_start_in_another_column(fake_sheets: FakeSheets, tmp_path: Path) -> None:
    fake_sheets.create(SHEET)
    ws = client(fake_sheets, tmp_path).open_by_key(SHEET).sheet1
    ws.append_rows([["a", "", "c"]])
    ws.append_rows([["d", "e", "f"]])
    assert ws.row_values(2) == ["", "", "d", "e", "f"]  # Google's table search picked column C (as recorded)
