"""Credentials, the Google way: which key wins, and a person's own login through the installed-app flow,
its token cached in the config folder readable by its owner only."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import pytest

from poflow_sheets.gsheets import auth
from tests.fake_sheets import FakeSheets, service_account_file
from tests.sheets_helpers import invoke

SHEET = "BOOKS-AUTH"
PERSON = "owner@example.com"
CLIENT = {"installed": {"client_id": "123.apps.googleusercontent.com", "client_secret": "client-s3cret",
                        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
                        "token_uri": "https://oauth2.googleapis.com/token", "redirect_uris": ["http://localhost"]}}


def test_which_credentials_win(tmp_path: Path) -> None:
    keys = {n: service_account_file(tmp_path, f"{n}@p.iam.gserviceaccount.com", f"{n}.json")
            for n in ("option", "poflow", "adc")}
    env = {"POFLOW_GOOGLE_CREDENTIALS": str(keys["poflow"]), "GOOGLE_APPLICATION_CREDENTIALS": str(keys["adc"]),
           "XDG_CONFIG_HOME": str(tmp_path / "cfg")}
    assert auth.resolve(keys["option"], env).email == "option@p.iam.gserviceaccount.com"
    assert auth.resolve(None, env).email == "poflow@p.iam.gserviceaccount.com"
    del env["POFLOW_GOOGLE_CREDENTIALS"]
    assert auth.resolve(None, env).origin.startswith("GOOGLE_APPLICATION_CREDENTIALS=")
    del env["GOOGLE_APPLICATION_CREDENTIALS"]
    with pytest.raises(auth.Refused, match="no Google credentials"):
        auth.resolve(None, env)


def _login(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, refresh_token: str = "refresh-1") -> Path:
    from google.oauth2.credentials import Credentials
    from google_auth_oauthlib.flow import InstalledAppFlow

    def signed_in(self: Any, **kwargs: Any) -> Credentials:
        assert kwargs["port"] == 0
        return Credentials(token="ya29.person", refresh_token=refresh_token,
                           client_id=CLIENT["installed"]["client_id"],
                           client_secret=CLIENT["installed"]["client_secret"],
                           token_uri="https://oauth2.googleapis.com/token", scopes=list(auth.SCOPES))

    monkeypatch.setattr(InstalledAppFlow, "run_local_server", signed_in)
    secrets = tmp_path / "client_secret.json"
    secrets.write_text(json.dumps(CLIENT), encoding="utf-8")
    return secrets


def test_google_login_caches_the_token_for_its_owner_only(google: FakeSheets, tmp_path: Path,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    secrets = _login(monkeypatch, tmp_path)
    result = invoke("google-login", "--client-secrets", secrets, "--no-browser")
    token = tmp_path / "config" / "poflow" / "google-token.json"
    assert f"the token is in {token}, readable by you only" in result.output
    assert stat.S_IMODE(token.stat().st_mode) == 0o600
    for secret in ("refresh-1", "client-s3cret", "ya29."):
        assert secret not in result.output
    assert json.loads(token.read_text())["refresh_token"] == "refresh-1"

    # With no key configured, commands use the person's login.
    monkeypatch.delenv("POFLOW_GOOGLE_CREDENTIALS")
    google.users["refresh-1"] = PERSON
    google.create(SHEET, "mine", shared_with={PERSON})
    invoke("init", f"gsheet:{SHEET}")
    google.create("NOT-MINE", "theirs", shared_with={"boss@example.com"})
    line = invoke("validate", "gsheet:NOT-MINE", ok=(2,)).stderr.strip()
    assert "your Google account (poflow google-login) may not open this sheet; ask its owner to share it" in line
    google.revoked.add("refresh-1")
    line = invoke("validate", f"gsheet:{SHEET}", ok=(2,)).stderr.strip()
    assert line == "poflow: Google refused your saved login (expired or revoked); run `poflow google-login` again"


def test_google_login_needs_a_desktop_client(google: FakeSheets, tmp_path: Path,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("POFLOW_GOOGLE_CLIENT_SECRETS", raising=False)
    assert "pass --client-secrets client_secret.json" in invoke("google-login", ok=(2,)).stderr
    web = tmp_path / "web.json"
    web.write_text(json.dumps({"web": CLIENT["installed"]}), encoding="utf-8")
    line = invoke("google-login", "--client-secrets", web, ok=(2,)).stderr
    assert "not a Desktop-app OAuth client" in line and "client-s3cret" not in line


def test_a_token_file_left_readable_by_others_is_rewritten_private(tmp_path: Path) -> None:
    from google.oauth2.credentials import Credentials

    env = {"XDG_CONFIG_HOME": str(tmp_path)}
    path = auth.token_path(env)
    path.parent.mkdir(parents=True)
    tmp = path.with_name("." + path.name + ".tmp")
    tmp.write_text("old", encoding="utf-8")
    tmp.chmod(0o644)
    saved = auth.save_token(Credentials(token="t", refresh_token="r", client_id="c", client_secret="s",
                                        token_uri="https://oauth2.googleapis.com/token"), env)
    assert saved == path and stat.S_IMODE(path.stat().st_mode) == 0o600
