"""Open a connection to one spreadsheet: credentials, an authorized requests session, gspread's client.

`use_transport` routes every Google URL (the Sheets API and the OAuth token endpoint) through one
requests adapter: the tests and the benchmark send them to a local fake Sheets server this way, with
gspread and google-auth running unmodified.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import Any

from poflow_sheets.gsheets.api import RetryPolicy, SheetsApi
from poflow_sheets.gsheets.auth import Account, resolve

TIMEOUT = (10.0, 120.0)  # connect, read (a 100,000-row batchGet takes a few seconds)

_TRANSPORT: ContextVar[tuple[Any, RetryPolicy | None] | None] = ContextVar("poflow_google_transport", default=None)


@contextlib.contextmanager
def use_transport(adapter: Any, policy: RetryPolicy | None = None) -> Iterator[None]:
    """Within the block, send Google's URLs through `adapter` (a requests adapter) and retry by `policy`."""
    token = _TRANSPORT.set((adapter, policy))
    try:
        yield
    finally:
        _TRANSPORT.reset(token)


def connect(spreadsheet_id: str, account: Account | None = None, policy: RetryPolicy | None = None) -> SheetsApi:
    """The API of one spreadsheet, authorized with `account` (default: `auth.resolve()`)."""
    import gspread
    import requests
    from google.auth.transport.requests import AuthorizedSession, Request

    account = account or resolve()
    adapter, test_policy = _TRANSPORT.get() or (None, None)
    token_session = requests.Session()
    if adapter is not None:
        token_session.mount("https://", adapter)
    session = AuthorizedSession(account.credentials, auth_request=Request(token_session))
    if adapter is not None:
        session.mount("https://", adapter)
    client = gspread.Client(account.credentials, session=session)
    client.http_client.set_timeout(TIMEOUT)
    return SheetsApi(spreadsheet_id, client.http_client, account, policy=policy or test_policy)


__all__ = ["connect", "use_transport"]
