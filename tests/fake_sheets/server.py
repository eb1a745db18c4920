"""A fake Sheets API v4 server on 127.0.0.1: real HTTP, Google's answers, faults and edits on demand.

It serves the endpoints poflow's backend uses and the rest of the values and batchUpdate API gspread
calls, plus Google's OAuth token endpoint (service-account JWTs and refresh tokens). Requests are
counted by API method; `fail()` makes the next requests answer 403/404/429/500 in Google's shapes
(with Retry-After when asked), `before()` runs an edit just before a given request (a person typing
between poflow's read and its write).
"""

from __future__ import annotations

import base64
import itertools
import json
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import batch, values
from .model import ApiError, Spreadsheet, parse_mask

SHEETS_HOST = "sheets.googleapis.com"
TOKEN_HOST = "oauth2.googleapis.com"

ERRORS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    502: "UNAVAILABLE",
    503: "UNAVAILABLE",
}
MESSAGES = {
    401: "Request had invalid authentication credentials. Expected OAuth 2 access token, login cookie or other "
         "valid authentication credential.",
    403: "The caller does not have permission",
    404: "Requested entity was not found.",
    429: "Quota exceeded for quota metric 'Read requests' and limit 'Read requests per minute per user' of service "
         "'sheets.googleapis.com' for consumer 'project_number:000000000000'.",
    500: "Internal error encountered.",
    502: "Bad Gateway",
    503: "The service is currently unavailable.",
}


@dataclass
class Fault:
    """Answer `status` to the next `times` requests of `endpoint` (any when None; forever when times is None)."""

    status: int
    endpoint: str | None = None
    times: int | None = 1
    retry_after: str | None = None


@dataclass
class Hook:
    """Run `action` just before the `nth` request of `endpoint` is handled (once)."""

    endpoint: str
    nth: int
    action: Callable[[FakeSheets], None]
    seen: int = 0


@dataclass
class Logged:
    """One request as the server saw it."""

    method: str
    endpoint: str
    path: str
    status: int
    at: float = field(default_factory=time.monotonic)


class FakeSheets:
    """The fake server and its spreadsheets."""

    def __init__(self) -> None:
        self.books: dict[str, Spreadsheet] = {}
        self.lock = threading.RLock()
        self.log: list[Logged] = []
        self.faults: list[Fault] = []
        self.hooks: list[Hook] = []
        self.tokens: dict[str, str] = {}  # access token -> account (an e-mail address)
        self.revoked: set[str] = set()  # accounts (or refresh tokens) whose credentials Google now refuses
        self.users: dict[str, str] = {}  # refresh token -> account, for people's own logins
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # Running ----------------------------------------------------------------------------------------------

    def start(self) -> FakeSheets:
        fake = self

        class Handler(_Handler):
            server_fake = fake

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, name="fake-sheets", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def port(self) -> int:
        assert self._server is not None, "start() the fake first"
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # Setting up ---------------------------------------------------------------------------------------------

    def create(self, spreadsheet_id: str, title: str = "Untitled spreadsheet", *, sheet: str | None = "Sheet1",
               shared_with: set[str] | None = None) -> Spreadsheet:
        """A new spreadsheet (with Google's default tab unless `sheet` is None)."""
        with self.lock:
            book = Spreadsheet(spreadsheet_id, title, shared_with=shared_with)
            if sheet is not None:
                book.add_sheet(sheet, 0)
            self.books[spreadsheet_id] = book
            return book

    def fail(self, status: int, *, endpoint: str | None = None, times: int | None = 1,
             retry_after: str | None = None) -> None:
        """Make the next matching requests fail with `status`."""
        with self.lock:
            self.faults.append(Fault(status, endpoint, times, retry_after))

    def heal(self) -> None:
        """Stop failing."""
        with self.lock:
            self.faults.clear()

    def before(self, endpoint: str, action: Callable[[FakeSheets], None], nth: int = 1) -> None:
        """Run `action` just before the nth request to `endpoint` (counted from now)."""
        with self.lock:
            self.hooks.append(Hook(endpoint, nth, action))

    def counts(self, since: int = 0) -> Counter[str]:
        """Requests by API method, from log entry `since` on (the token endpoint left out)."""
        with self.lock:
            return Counter(e.endpoint for e in self.log[since:] if e.endpoint != "oauth.token")

    def mark(self) -> int:
        """A position in the log, for `counts(since=...)`."""
        with self.lock:
            return len(self.log)

    # Handling -----------------------------------------------------------------------------------------------

    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict[str, str], bytes]:
        parts = urlsplit(raw_path)
        path = parts.path
        query = parse_qs(parts.query, keep_blank_values=True)
        host, _, rest = path.lstrip("/").partition("/")
        if host == TOKEN_HOST:
            endpoint = "oauth.token"
        else:
            endpoint, args = _route(method, "/" + rest) if host == SHEETS_HOST else ("unknown", {})
        with self.lock:
            for hook in list(self.hooks):
                if hook.endpoint == endpoint:
                    hook.seen += 1
                    if hook.seen == hook.nth:
                        self.hooks.remove(hook)
                        hook.action(self)
            fault = next((f for f in self.faults if f.endpoint in (None, endpoint) and endpoint != "oauth.token"), None)
            if fault is not None:
                if fault.times is not None:
                    fault.times -= 1
                    if fault.times <= 0:
                        self.faults.remove(fault)
                extra = {"Retry-After": fault.retry_after} if fault.retry_after is not None else {}
                return self._answer(method, endpoint, path, fault.status,
                                    _error(fault.status, MESSAGES.get(fault.status, "Error")), extra)
            try:
                if endpoint == "oauth.token":
                    status, answer = self._token(body)
                    return self._answer(method, endpoint, path, status, answer)
                if endpoint == "unknown":
                    raise ApiError(404, "Not Found", "NOT_FOUND")
                account = self._account(headers)
                book = self.books.get(args["id"])
                if book is None:
                    raise ApiError(404, MESSAGES[404], "NOT_FOUND")
                if book.shared_with is not None and account not in book.shared_with:
                    raise ApiError(403, MESSAGES[403], "PERMISSION_DENIED")
                payload = json.loads(body) if body else {}
                answer = self._sheets(endpoint, book, args, query, payload, account)
                return self._answer(method, endpoint, path, 200, answer)
            except ApiError as exc:
                return self._answer(method, endpoint, path, exc.code, exc.body())
            except json.JSONDecodeError:
                return self._answer(method, endpoint, path, 400, _error(400, "Invalid JSON payload received."))

    def _answer(self, method: str, endpoint: str, path: str, status: int, answer: Any,
                extra: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
        self.log.append(Logged(method, endpoint, path, status))
        data = json.dumps(answer, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        headers = {"Content-Type": "application/json; charset=UTF-8", **(extra or {})}
        return status, headers, data

    def _account(self, headers: dict[str, str]) -> str:
        auth = headers.get("authorization", "")
        token = auth[7:] if auth.lower().startswith("bearer ") else ""
        account = self.tokens.get(token)
        if account is None:
            raise ApiError(401, MESSAGES[401], "UNAUTHENTICATED")
        return account

    def _token(self, body: bytes) -> tuple[int, dict[str, Any]]:
        form = {k: v[0] for k, v in parse_qs(body.decode("utf-8")).items()}
        grant = form.get("grant_type", "")
        if grant == "urn:ietf:params:oauth:grant-type:jwt-bearer":
            claims = _jwt_claims(form.get("assertion", ""))
            account = str(claims.get("iss", ""))
            if not account or account in self.revoked:
                return 400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."}
        elif grant == "refresh_token":
            refresh = form.get("refresh_token", "")
            account = self.users.get(refresh, "")
            if not account or refresh in self.revoked or account in self.revoked:
                return 400, {"error": "invalid_grant", "error_description": "Token has been expired or revoked."}
        else:
            return 400, {"error": "unsupported_grant_type", "error_description": "Invalid grant_type"}
        token = f"ya29.fake-{next(self._ids)}"
        self.tokens[token] = account
        return 200, {"access_token": token, "expires_in": 3599, "token_type": "Bearer"}

    def _sheets(self, endpoint: str, book: Spreadsheet, args: dict[str, str], query: dict[str, list[str]],
                payload: dict[str, Any], account: str) -> dict[str, Any]:
        if endpoint == "spreadsheets.get":
            fields = (query.get("fields") or [""])[0]
            include = (query.get("includeGridData") or ["false"])[0].lower() == "true"
            return book.resource(parse_mask(fields) if fields else None, include, query.get("ranges", []))
        if endpoint == "spreadsheets.batchUpdate":
            twin, answer = batch.apply(book, payload, account)
            self.books[book.spreadsheet_id] = twin
            return answer
        if endpoint == "values.get":
            return values.value_range(book, args["range"], query)
        if endpoint == "values.batchGet":
            ranges = query.get("ranges", [])
            return {"spreadsheetId": book.spreadsheet_id,
                    "valueRanges": [values.value_range(book, r, query) for r in ranges]}
        twin = book.clone()
        if endpoint == "values.update":
            answer = values.update(twin, args["range"], query, payload)
        elif endpoint == "values.batchUpdate":
            answer = values.batch_update(twin, payload)
        elif endpoint == "values.append":
            answer = values.append(twin, args["range"], query, payload)
        elif endpoint == "values.clear":
            answer = {"spreadsheetId": book.spreadsheet_id, "clearedRange": values.clear(twin, args["range"])}
        elif endpoint == "values.batchClear":
            cleared = [values.clear(twin, r) for r in payload.get("ranges") or []]
            answer = {"spreadsheetId": book.spreadsheet_id, "clearedRanges": cleared}
        else:
            raise ApiError(404, "Not Found", "NOT_FOUND")
        self.books[book.spreadsheet_id] = twin
        return answer


def _error(status: int, message: str) -> dict[str, Any]:
    return {"error": {"code": status, "message": message, "status": ERRORS.get(status, "UNKNOWN")}}


def _jwt_claims(assertion: str) -> dict[str, Any]:
    try:
        payload = assertion.split(".")[1]
        claims: dict[str, Any] = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        return claims
    except (IndexError, ValueError):
        return {}


def _route(method: str, path: str) -> tuple[str, dict[str, str]]:
    """The API method and its path arguments (the range still percent-encoded in `path`)."""
    prefix = "/v4/spreadsheets/"
    if not path.startswith(prefix):
        return "unknown", {}
    rest = path[len(prefix):]
    sid, sep, tail = rest.partition("/")
    if not sep:
        sid, colon, verb = rest.partition(":")
        if not colon and method == "GET":
            return "spreadsheets.get", {"id": unquote(sid)}
        if verb == "batchUpdate" and method == "POST":
            return "spreadsheets.batchUpdate", {"id": unquote(sid)}
        return "unknown", {}
    if tail in ("values:batchGet", "values:batchUpdate", "values:batchClear"):
        return {"values:batchGet": "values.batchGet", "values:batchUpdate": "values.batchUpdate",
                "values:batchClear": "values.batchClear"}[tail], {"id": unquote(sid)}
    if not tail.startswith("values/"):
        return "unknown", {}
    rng = tail[len("values/"):]
    for verb in (":append", ":clear"):
        if rng.endswith(verb) and method == "POST":
            return "values." + verb[1:], {"id": unquote(sid), "range": unquote(rng[: -len(verb)])}
    if method == "GET":
        return "values.get", {"id": unquote(sid), "range": unquote(rng)}
    if method == "PUT":
        return "values.update", {"id": unquote(sid), "range": unquote(rng)}
    return "unknown", {}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_fake: FakeSheets

    def setup(self) -> None:
        super().setup()
        # Headers and body go out as two writes: without this, Nagle's algorithm and the client's delayed
        # ACK hold the body back some 40 ms on every keep-alive request.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        headers = {k.lower(): v for k, v in self.headers.items()}
        status, out_headers, data = self.server_fake.handle(self.command, self.path, headers, body)
        self.send_response(status)
        for k, v in out_headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = _serve

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


__all__ = ["FakeSheets", "Fault", "Logged"]
