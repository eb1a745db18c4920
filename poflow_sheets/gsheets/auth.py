"""Google credentials, the Google way: a service-account key file, or a person's own login.

Where the key comes from, first found wins: `--credentials FILE`, then `POFLOW_GOOGLE_CREDENTIALS`, then
`GOOGLE_APPLICATION_CREDENTIALS`, then the token `poflow google-login` cached in the user's config folder
(mode 0600). Every problem is one line that says what to do; no message, log line or exception ever
carries a key, a token or a file's content.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from contextvars import ContextVar
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from poflow_sheets.errors import Refused

SCOPES = ("https://www.googleapis.com/auth/spreadsheets",)
TOKEN_FILE = "google-token.json"
ENV_CREDENTIALS = "POFLOW_GOOGLE_CREDENTIALS"
ENV_ADC = "GOOGLE_APPLICATION_CREDENTIALS"
ENV_CLIENT_SECRETS = "POFLOW_GOOGLE_CLIENT_SECRETS"

# The --credentials option of the command being run (set by the CLI; None: look further).
CREDENTIALS_FILE: ContextVar[Path | None] = ContextVar("poflow_google_credentials", default=None)

SETUP_HINT = ("pass --credentials KEY.json (a service-account key; see README \"Google Sheets\"), "
              f"set {ENV_CREDENTIALS}, or run `poflow google-login`")


@dataclass(frozen=True)
class Account:
    """Credentials ready to use, and how to talk about them to a person."""

    credentials: Any  # google.auth.credentials.Credentials
    kind: Literal["service_account", "user"]
    origin: str  # where they came from, e.g. "--credentials key.json"
    email: str = ""  # the service account's address (the one a sheet must be shared with)

    def who(self) -> str:
        """The account in words."""
        if self.kind == "service_account":
            return f"the service account {self.email}" if self.email else "the service account"
        return "your Google account (poflow google-login)"


def config_dir(env: Mapping[str, str] | None = None) -> Path:
    """The user's config folder for poflow (XDG_CONFIG_HOME/poflow or ~/.config/poflow; APPDATA on Windows)."""
    import click

    env = os.environ if env is None else env
    if os.name != "nt" and env.get("XDG_CONFIG_HOME"):
        return Path(env["XDG_CONFIG_HOME"]) / "poflow"
    return Path(click.get_app_dir("poflow"))


def token_path(env: Mapping[str, str] | None = None) -> Path:
    """Where `poflow google-login` keeps the person's token."""
    return config_dir(env) / TOKEN_FILE


def resolve(explicit: Path | None = None, env: Mapping[str, str] | None = None) -> Account:
    """The credentials to use, by the order above; Refused (one line, what to do) when there are none."""
    env = os.environ if env is None else env
    explicit = explicit if explicit is not None else CREDENTIALS_FILE.get()
    if explicit is not None:
        return load_key_file(Path(explicit), f"--credentials {explicit}")
    for var in (ENV_CREDENTIALS, ENV_ADC):
        if env.get(var):
            return load_key_file(Path(env[var]), f"{var}={env[var]}")
    token = token_path(env)
    if token.is_file():
        return _load_user_token(token)
    raise Refused(f"no Google credentials: {SETUP_HINT}")


def _read_json(path: Path, origin: str) -> dict[str, Any]:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise Refused(f"{origin}: {path} does not exist; {SETUP_HINT}") from None
    except IsADirectoryError:
        raise Refused(f"{origin}: {path} is a folder, expected a key file (.json)") from None
    except PermissionError:
        raise Refused(f"{origin}: {path} cannot be read (permission denied); make it readable by you "
                      f"(chmod 600 {path})") from None
    except (OSError, UnicodeDecodeError):
        raise Refused(f"{origin}: {path} cannot be read as a Google key file (.json)") from None
    try:
        info = json.loads(text)
    except ValueError:
        raise Refused(f"{origin}: {path} is not a Google key file (not JSON); download the service account's "
                      "JSON key again") from None
    if not isinstance(info, dict):
        raise Refused(f"{origin}: {path} is not a Google key file (not a JSON object)")
    return info


def load_key_file(path: Path, origin: str) -> Account:
    """A service-account key (or an authorized-user file, as gcloud writes) from a JSON file."""
    info = _read_json(path, origin)
    kind = info.get("type")
    if kind == "service_account":
        from google.oauth2 import service_account

        missing = [k for k in ("client_email", "private_key", "token_uri") if not info.get(k)]
        if missing:
            raise Refused(f"{origin}: {path} is an incomplete service-account key (no {', '.join(missing)}); "
                          "create a new JSON key for the service account")
        try:
            creds = service_account.Credentials.from_service_account_info(info, scopes=list(SCOPES))
        except (ValueError, KeyError, TypeError):
            # The library's message may quote the key; say what to do instead.
            raise Refused(f"{origin}: {path} holds a damaged private key; create a new JSON key for "
                          f"{info['client_email']}") from None
        return Account(creds, "service_account", origin, str(info["client_email"]))
    if kind == "authorized_user":
        return _user_account(info, origin, path)
    shown = f" (type {kind!r})" if isinstance(kind, str) and len(kind) < 40 else ""
    raise Refused(f"{origin}: {path} is not a service-account key{shown}; create a JSON key for a service "
                  "account in the Google Cloud console (IAM, Service accounts, Keys)")


def _user_account(info: dict[str, Any], origin: str, path: Path) -> Account:
    from google.oauth2.credentials import Credentials

    missing = [k for k in ("client_id", "client_secret", "refresh_token") if not info.get(k)]
    if missing:
        raise Refused(f"{origin}: {path} is an incomplete Google login (no {', '.join(missing)}); "
                      "run `poflow google-login` again")
    try:
        creds = Credentials.from_authorized_user_info(info, scopes=list(SCOPES))
    except (ValueError, KeyError, TypeError):
        raise Refused(f"{origin}: {path} is a damaged Google login; run `poflow google-login` again") from None
    return Account(creds, "user", origin)


def _load_user_token(path: Path) -> Account:
    return _user_account(_read_json(path, "poflow google-login"), "poflow google-login", path)


def save_token(credentials: Any, env: Mapping[str, str] | None = None) -> Path:
    """Write a person's token to the config folder, readable by them only (0600), atomically."""
    path = token_path(env)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_name("." + path.name + ".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        os.fchmod(fd, 0o600)  # also when the temp file was there already with another mode
        os.write(fd, credentials.to_json().encode("utf-8"))
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return path


def login(client_secrets: Path | None, *, open_browser: bool = True,
          env: Mapping[str, str] | None = None) -> Path:
    """The installed-app OAuth flow: the person signs in with their browser; the token is cached (0600)."""
    env = os.environ if env is None else env
    if client_secrets is None:
        if not env.get(ENV_CLIENT_SECRETS):
            raise Refused("google-login needs an OAuth client of type \"Desktop app\": pass --client-secrets "
                          f"client_secret.json or set {ENV_CLIENT_SECRETS} (see README \"Google Sheets\")")
        client_secrets = Path(env[ENV_CLIENT_SECRETS])
    info = _read_json(client_secrets, "--client-secrets")
    if "installed" not in info:
        raise Refused(f"--client-secrets: {client_secrets} is not a Desktop-app OAuth client; in the Google Cloud "
                      "console create an OAuth client ID of type \"Desktop app\" and download its JSON")
    from google_auth_oauthlib.flow import InstalledAppFlow

    flow = InstalledAppFlow.from_client_config(info, scopes=list(SCOPES))
    try:
        creds = flow.run_local_server(port=0, open_browser=open_browser,
                                      authorization_prompt_message="Open this address to let poflow use your "
                                                                   "Google Sheets: {url}",
                                      success_message="poflow is signed in; you may close this window.")
    except Exception as exc:  # the flow raises many kinds; the person needs one line
        raise Refused(f"google-login did not complete ({type(exc).__name__}); run it again") from None
    return save_token(creds, env)


__all__ = ["CREDENTIALS_FILE", "SCOPES", "Account", "config_dir", "load_key_file", "login", "resolve",
           "save_token", "token_path"]
