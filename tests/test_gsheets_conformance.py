"""The fake answers in Google's shapes: every recorded Sheets API request of gspread's own test suite, replayed.

`../shared/data/gspread-cassettes/` holds 124 VCR recordings of the real Sheets and Drive APIs answering
gspread's tests (MIT). Each cassette is replayed in order against a fresh fake: every request to the
Sheets API (the endpoints the fake serves: spreadsheets.get and :batchUpdate, values get, batchGet,
update, batchUpdate, append, clear, batchClear) is sent to it over HTTP, and its answer (status and JSON
body) is compared with the recorded one.

Set aside in the comparison: ids Google draws at random (sheetId, namedRangeId, protectedRangeId: matched as
a consistent renaming, and requests that name a recorded id get the fake's), headers (dates, quota and
server headers), and `properties.timeZone` (the recording account's own setting, reset by Drive imports).

Not covered by the recordings, so not checked here: the Drive API (files create, copy, delete, import,
export, permissions) is not served by the fake; the harness applies those calls' effects itself (a new
spreadsheet with Google's default tab, a copy, a deletion, a CSV import), and a spreadsheet a cassette
opens without creating it (made by an earlier test of the suite) is created as Google's default new
spreadsheet, or as one not shared with the account when the recording says 403. Nor do the recordings
cover the Sheets endpoints' faults (429, 5xx) or `fields` masks with parentheses, which poflow uses:
tests/test_gsheets_errors.py and tests/test_gsheets_backend.py check those.

Skips, with the reason, when ../shared is absent (a user's clone); fails when the environment variable CI
is set and it is absent. Prints how many requests were replayed and how many matched.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests

from tests.conftest import DATA
from tests.fake_sheets import FakeSheets

CASSETTES = DATA / "gspread-cassettes"
ACCOUNT = "telegram-budgeter@telegram-budgeter.iam.gserviceaccount.com"  # the account that recorded them
RANDOM_IDS = ("sheetId", "namedRangeId", "protectedRangeId")
IGNORED = (("properties", "timeZone"),)
DRIVE = ("www.googleapis.com",)


@dataclass
class Replay:
    """One cassette's replay: the id renaming learned so far and the results."""

    fake: FakeSheets
    session: requests.Session
    ids: dict[str, tuple[dict[Any, Any], dict[Any, Any]]] = field(default_factory=dict)  # per spreadsheet
    replayed: int = 0
    matched: int = 0
    mismatches: list[str] = field(default_factory=list)


def _rename(obj: Any, table: dict[Any, Any]) -> Any:
    if isinstance(obj, dict):
        return {k: (table.get(v, v) if k in RANDOM_IDS else _rename(v, table)) for k, v in obj.items()}
    if isinstance(obj, list):
        return [_rename(x, table) for x in obj]
    return obj


def _learn(recorded: Any, got: Any, to_fake: dict[Any, Any], to_recorded: dict[Any, Any]) -> None:
    """Pair the random ids found at the same places in the recorded and the fake's answers."""
    if isinstance(recorded, dict) and isinstance(got, dict):
        for k, v in recorded.items():
            if k in got:
                if k in RANDOM_IDS and v != got[k] and v not in to_fake and got[k] not in to_recorded:
                    to_fake[v] = got[k]
                    to_recorded[got[k]] = v
                else:
                    _learn(v, got[k], to_fake, to_recorded)
    elif isinstance(recorded, list) and isinstance(got, list):
        for a, b in zip(recorded, got, strict=False):
            _learn(a, b, to_fake, to_recorded)


def _drop_ignored(obj: Any) -> Any:
    if isinstance(obj, dict):
        out = dict(obj)
        for path in IGNORED:
            node = out
            for seg in path[:-1]:
                node = node.get(seg) if isinstance(node, dict) else None  # type: ignore[assignment]
            if isinstance(node, dict):
                node = dict(node)
                node.pop(path[-1], None)
                out[path[0]] = node if len(path) == 2 else out[path[0]]
        return out
    return obj


def first_difference(a: Any, b: Any, path: str = "") -> str:
    """Where two JSON values first differ, e.g. "sheets[0].properties.title: 'a' != 'b'"."""
    if isinstance(a, dict) and isinstance(b, dict):
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                return f"{path}.{k}: {'missing' if k not in a else repr(a[k])[:200]} != " \
                       f"{'missing' if k not in b else repr(b[k])[:200]}"
            if a[k] != b[k]:
                return first_difference(a[k], b[k], f"{path}.{k}")
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if x != y:
                return first_difference(x, y, f"{path}[{i}]")
    return f"{path}: {repr(a)[:300]} != {repr(b)[:300]}"


def _body(text: str | None) -> Any:
    if not text:
        return None
    try:
        return json.loads(text)
    except ValueError:
        return text


def _drive(replay: Replay, method: str, url: str, request: dict[str, Any], response: dict[str, Any]) -> None:
    """Apply a Drive call's effect to the fake (the fake does not serve Drive)."""
    path = urlsplit(url).path
    answer = _body(response["body"]["string"]) or {}
    fake = replay.fake
    if method == "POST" and path == "/drive/v3/files" and response["status"]["code"] == 200:
        name = (_body(request["body"]) or {}).get("name", "Untitled spreadsheet")
        fake.create(answer["id"], name)
    elif method == "POST" and path.endswith("/copy") and response["status"]["code"] == 200:
        source = fake.books.get(path.split("/")[-2])
        if source is not None:
            twin = source.clone()
            twin.spreadsheet_id = answer["id"]
            twin.title = answer.get("name", twin.title)
            fake.books[answer["id"]] = twin
    elif method == "GET" and path == "/drive/v3/files" and isinstance(answer, dict):
        for f in answer.get("files", []):  # spreadsheets that exist on Drive (made by other tests of the suite)
            if f.get("id") and f["id"] not in fake.books:
                fake.create(f["id"], f.get("name", "Untitled spreadsheet"))
    elif method == "DELETE" and path.startswith("/drive/v3/files/"):
        fake.books.pop(path.rsplit("/", 1)[-1], None)
    elif method == "PUT" and path.startswith("/upload/drive/v2/files/"):
        sid = path.rsplit("/", 1)[-1]
        book = fake.books.get(sid)
        if book is not None:
            rows = list(csv.reader(io.StringIO(request["body"] or "")))
            book.sheets.clear()
            sheet = book.add_sheet(book.title, 1_000_000 + len(fake.books))
            sheet.rows = [[v if v != "" else None for v in r] for r in rows]


def _ensure(replay: Replay, url: str, status: int) -> None:
    """A spreadsheet the cassette opens without creating it: as Google would have it."""
    m = re.match(r"/v4/spreadsheets/([^/:?]+)", urlsplit(url).path)
    if not m or m.group(1) in replay.fake.books:
        return
    sid = m.group(1)
    if status == 200:
        replay.fake.create(sid, "Untitled spreadsheet")
    elif status == 403:
        replay.fake.create(sid, "Private", shared_with={"somebody-else@example.com"})


def _send(replay: Replay, interaction: dict[str, Any], name: str) -> None:
    request, response = interaction["request"], interaction["response"]
    method, url = request["method"], request["uri"]
    host = urlsplit(url).hostname
    if host in DRIVE:
        _drive(replay, method, url, request, response)
        return
    recorded_status = response["status"]["code"]
    _ensure(replay, url, recorded_status)
    m = re.match(r"/v4/spreadsheets/([^/:?]+)", urlsplit(url).path)
    to_fake, to_recorded = replay.ids.setdefault(m.group(1) if m else "", ({}, {}))
    body = request["body"]
    if body:
        parsed = _body(body)
        if not isinstance(parsed, str):
            body = json.dumps(_rename(parsed, to_fake))
    parts = urlsplit(url)
    local = f"{replay.fake.url}/{host}{parts.path}" + (f"?{parts.query}" if parts.query else "")
    got = replay.session.request(method, local, data=body.encode("utf-8") if body else None,
                                 headers={"Authorization": "Bearer replay-token",
                                          "Content-Type": "application/json"})
    replay.replayed += 1
    recorded = _body(response["body"]["string"])
    answer = _body(got.text)
    _learn(recorded, answer, to_fake, to_recorded)
    answer = _rename(answer, to_recorded)
    if got.status_code == recorded_status and _drop_ignored(answer) == _drop_ignored(recorded):
        replay.matched += 1
    else:
        where = (f"status {recorded_status} != {got.status_code}" if got.status_code != recorded_status
                 else first_difference(_drop_ignored(recorded), _drop_ignored(answer)))
        replay.mismatches.append(f"{name}: {method} {url[:140]}\n    sent: {str(body)[:300]}\n    recorded != fake "
                                 f"at {where}")


def replay_all(folder: Path) -> tuple[int, int, list[str], Counter[str]]:
    """Replay every cassette of `folder`; (replayed, matched, mismatches, replayed by endpoint)."""
    fake = FakeSheets().start()
    fake.tokens["replay-token"] = ACCOUNT
    session = requests.Session()
    replayed = matched = 0
    mismatches: list[str] = []
    try:
        for path in sorted(folder.glob("*.json")):
            fake.books.clear()
            replay = Replay(fake, session)
            for interaction in json.loads(path.read_text(encoding="utf-8"))["interactions"]:
                _send(replay, interaction, path.stem)
            replayed += replay.replayed
            matched += replay.matched
            mismatches += replay.mismatches
        endpoints = fake.counts()
    finally:
        fake.stop()
    return replayed, matched, mismatches, endpoints


def require(folder: Path) -> None:
    """Skip (a user's clone has no ../shared) or, under CI, fail when the recordings are absent."""
    if not folder.is_dir():
        reason = f"{folder} is absent: the recordings of the real Sheets API live in ../shared beside the repository"
        if os.environ.get("CI"):
            pytest.fail(reason + " (CI is set: the conformance test must run)")
        pytest.skip(reason)


def test_absent_recordings_skip_in_a_clone_and_fail_in_ci(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="is absent"):
        require(tmp_path / "nothing")
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        require(tmp_path / "nothing")


def test_the_fake_answers_every_recorded_request_as_google_did() -> None:
    require(CASSETTES)
    files = sorted(CASSETTES.glob("*.json"))
    assert len(files) == 124, f"expected the 124 recordings, found {len(files)}"
    replayed, matched, mismatches, endpoints = replay_all(CASSETTES)
    print(f"\ngspread cassettes: {len(files)} files, {replayed} Sheets API requests replayed, {matched} matched "
          f"({replayed - matched} differ); by endpoint: {dict(sorted(endpoints.items()))}")
    if os.environ.get("POFLOW_CONFORMANCE_VERBOSE"):
        print("\n".join(mismatches))
    assert replayed > 1400
    assert matched == replayed, f"{replayed - matched} answers differ; first:\n" + "\n".join(mismatches[:5])
