"""The Sheets API v4 calls poflow makes, through gspread's HTTP client, with a bounded retry of our own.

Four calls, whatever the number of rows: `spreadsheets.get` (limited by `fields`), `values:batchGet`,
`values:batchUpdate` and `spreadsheets:batchUpdate`. A 429 or a 5xx is retried with exponential backoff
and jitter that honours Retry-After, at most `RetryPolicy.tries` times and within `RetryPolicy.budget`
seconds for the whole command; then one line (exit 2). gspread's own BackOffHTTPClient is not used: in
6.2.1 it retries forever and ignores Retry-After.

Every failure becomes one `Refused` line that says what to do (share the sheet with the service account,
check the id, log in again); tokens and keys never appear in it.
"""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from poflow_sheets.errors import Refused
from poflow_sheets.gsheets.auth import Account
from poflow_sheets.gsheets.location import url_of

RETRYABLE = frozenset({408, 429, 500, 502, 503, 504})
META_FIELDS = ("spreadsheetId,properties.title,"
               "sheets.properties(sheetId,title,index,sheetType,gridProperties(rowCount,columnCount,frozenRowCount))")
READ_OPTIONS = {"valueRenderOption": "UNFORMATTED_VALUE", "dateTimeRenderOption": "SERIAL_NUMBER",
                "majorDimension": "ROWS"}


@dataclass(frozen=True)
class RetryPolicy:
    """How long poflow keeps trying when Google is busy: a few tries, a few tens of seconds in all."""

    tries: int = 4  # attempts per request, the first included
    base: float = 1.0  # first wait in seconds (then 2, 4, ...), plus up to `base` of jitter
    cap: float = 16.0  # longest single wait
    budget: float = 40.0  # all the waiting one command may do


class SheetsApi:
    """One spreadsheet, reached through a gspread `HTTPClient` (so its session is the test seam)."""

    def __init__(self, spreadsheet_id: str, http: Any, account: Account, *, policy: RetryPolicy | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 rand: Callable[[], float] = random.random) -> None:
        self.id = spreadsheet_id
        self.http = http  # gspread.http_client.HTTPClient
        self.account = account
        self.policy = policy or RetryPolicy()
        self._sleep, self._clock, self._rand = sleep, clock, rand
        self._waited = 0.0

    @property
    def label(self) -> str:
        """How messages name the spreadsheet."""
        return f"gsheet:{self.id}"

    # The four calls -------------------------------------------------------------------------------

    def metadata(self) -> dict[str, Any]:
        """Tab titles, ids and grid sizes (`spreadsheets.get` with `fields`; no cell data)."""
        return self._call(lambda: self.http.fetch_sheet_metadata(self.id, params={"fields": META_FIELDS}))

    def batch_get(self, ranges: Sequence[str]) -> list[dict[str, Any]]:
        """The values of several A1 ranges in one `values:batchGet`, unformatted, dates as serial numbers."""
        if not ranges:
            return []
        out = self._call(lambda: self.http.values_batch_get(self.id, list(ranges), params=dict(READ_OPTIONS)))
        value_ranges: list[dict[str, Any]] = out.get("valueRanges", [])
        return value_ranges

    def update_values(self, data: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """Write values in one `values:batchUpdate` with RAW input: text stays text, never a formula."""
        body = {"valueInputOption": "RAW", "includeValuesInResponse": False, "data": list(data)}
        return self._call(lambda: self.http.values_batch_update(self.id, body=body))

    def batch_update(self, requests: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
        """Structure and formats (new tabs, formats, frozen rows, widths) in one `spreadsheets:batchUpdate`."""
        return self._call(lambda: self.http.batch_update(self.id, {"requests": list(requests)}))

    # Retry and errors --------------------------------------------------------------------------------

    def _call(self, send: Callable[[], Any]) -> Any:
        """Send, retrying 408, 429 and 5xx answers and network failures within the policy."""
        import requests
        from google.auth import exceptions as auth_errors
        from gspread.exceptions import APIError

        attempt = 0
        while True:
            attempt += 1
            try:
                return send()
            except APIError as err:
                status = _status(err)
                if status not in RETRYABLE:
                    raise self._refusal(status, err) from None
                retry_after = _retry_after(getattr(err, "response", None))
                problem = _busy_text(status)
            except auth_errors.RefreshError as err:
                raise self._credentials_refused(err) from None
            except (requests.ConnectionError, requests.Timeout, auth_errors.TransportError):
                retry_after = None
                problem = "Google Sheets could not be reached (network)"
            wait = self._wait(attempt, retry_after)
            if wait is None:
                spent = f" over {self._waited:.0f} s" if self._waited >= 1 else ""
                later = (f"Google asked to wait {retry_after:.0f} s; try again then" if retry_after
                         and retry_after > self._left() else "try again in a minute")
                raise Refused(f"{self.label}: {problem} after {attempt} tr{'y' if attempt == 1 else 'ies'}{spent}; "
                              f"nothing was written; {later}")
            self._sleep(wait)
            self._waited += wait

    def _left(self) -> float:
        return self.policy.budget - self._waited

    def _wait(self, attempt: int, retry_after: float | None) -> float | None:
        """Seconds to wait before the next try, None to give up."""
        if attempt >= self.policy.tries:
            return None
        if retry_after is not None:
            wait = retry_after + self._rand() * 0.1 * self.policy.base
        else:
            wait = min(self.policy.cap, self.policy.base * 2 ** (attempt - 1)) + self._rand() * self.policy.base
        if wait > self._left():
            return None
        return wait

    def _refusal(self, status: int, err: Exception) -> Refused:
        message = _google_message(err)
        if status == 404:
            return Refused(f"{self.label}: no such spreadsheet; check the id in the sheet's address "
                           f"({url_of('ID')})")
        if status == 403:
            if "has not been used" in message or "is disabled" in message or "SERVICE_DISABLED" in message:
                return Refused(f"{self.label}: the Google Sheets API is not enabled for the credentials' project; "
                               "enable it in the Google Cloud console (APIs & Services, Library, Google Sheets API)")
            if self.account.kind == "service_account":
                return Refused(f"{self.label}: not shared with {self.account.who()}; open the sheet, click Share "
                               f"and add {self.account.email or 'the service account'} as Editor")
            return Refused(f"{self.label}: {self.account.who()} may not open this sheet; ask its owner to share it "
                           "with you as Editor")
        if status == 401:
            return self._credentials_refused(err)
        if status == 400 and "already exists" in message:
            from poflow_sheets.errors import WriteConflict

            return WriteConflict(f"{self.label}: a tab poflow adds was added by someone else since poflow read the "
                                 f"sheet ({_clip(message)}); nothing was written. Run the command again")
        return Refused(f"{self.label}: Google Sheets refused the request (HTTP {status}: {_clip(message)}); "
                       "nothing was written")

    def _credentials_refused(self, err: Exception) -> Refused:
        if self.account.kind == "user":
            return Refused("Google refused your saved login (expired or revoked); run `poflow google-login` again")
        return Refused(f"Google refused the key in {self.account.origin} (revoked or deleted?); create a new JSON "
                       f"key for {self.account.email or 'the service account'} and pass it with --credentials")


def _status(err: Exception) -> int:
    code = getattr(err, "code", None)
    if isinstance(code, int):
        return code
    response = getattr(err, "response", None)
    return int(getattr(response, "status_code", 0) or 0)


def _google_message(err: Exception) -> str:
    error = getattr(err, "error", None)
    if isinstance(error, dict):
        text = str(error.get("message", ""))
        status = str(error.get("status", ""))
        details = " ".join(str(d.get("reason", "")) for d in error.get("details", []) if isinstance(d, dict))
        return " ".join(x for x in (text, status, details) if x)
    return ""


def _clip(text: str, limit: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _busy_text(status: int) -> str:
    if status == 429:
        return "Google Sheets kept answering 429 (too many requests)"
    if status == 408:
        return "Google Sheets kept timing out (408)"
    return f"Google Sheets kept failing (HTTP {status})"


def _retry_after(response: Any) -> float | None:
    """Seconds from a Retry-After header (seconds or an HTTP date); None when absent or unreadable."""
    if response is None:
        return None
    value = response.headers.get("Retry-After") if hasattr(response, "headers") else None
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


__all__ = ["META_FIELDS", "READ_OPTIONS", "RetryPolicy", "SheetsApi"]
