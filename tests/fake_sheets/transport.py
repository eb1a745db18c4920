"""Sending Google's URLs to the fake: a requests adapter, and credentials that need no network."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter

GOOGLE_HOSTS = ("sheets.googleapis.com", "oauth2.googleapis.com", "www.googleapis.com")

_KEY_PEM: str | None = None


class LocalAdapter(HTTPAdapter):
    """Sends https://<google host>/path to http://127.0.0.1:PORT/<google host>/path; anything else fails."""

    def __init__(self, base_url: str) -> None:
        super().__init__()
        self.base_url = base_url.rstrip("/")

    def send(self, request: requests.PreparedRequest, **kwargs: Any) -> requests.Response:  # type: ignore[override]
        parts = urlsplit(request.url or "")
        if parts.hostname not in GOOGLE_HOSTS:
            raise requests.ConnectionError(f"no network in tests: {parts.hostname}")
        request.url = f"{self.base_url}/{parts.hostname}{parts.path}" + (f"?{parts.query}" if parts.query else "")
        return super().send(request, **kwargs)


def private_key_pem() -> str:
    """An RSA key made once per test run (google-auth signs the token request with it)."""
    global _KEY_PEM
    if _KEY_PEM is None:
        from cryptography.hazmat.primitives import serialization
        from cryptography.hazmat.primitives.asymmetric import rsa

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        _KEY_PEM = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                     serialization.NoEncryption()).decode("ascii")
    return _KEY_PEM


def service_account_file(folder: Path, email: str = "poflow-test@demo-project.iam.gserviceaccount.com",
                         name: str = "key.json") -> Path:
    """A service-account key file as Google issues them (with a key of our own)."""
    path = folder / name
    path.write_text(json.dumps({
        "type": "service_account", "project_id": email.split("@")[1].split(".")[0],
        "private_key_id": "0123456789abcdef", "private_key": private_key_pem(), "client_email": email,
        "client_id": "100000000000000000000", "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": "https://oauth2.googleapis.com/token",
    }), encoding="utf-8")
    return path


__all__ = ["LocalAdapter", "private_key_pem", "service_account_file"]
