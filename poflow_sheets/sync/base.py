"""The sync base: what both sides held after the last sync, kept in a sidecar file that names both sides.

The file is gzip'd JSON: the format, the two sides (an .xlsx by its absolute path, a Google Sheet as
gsheet:ID), when they were last synced, and per tab its columns and rows (the cells' values, a date as
{"d": "YYYY-MM-DD"}; null where the base does not know a cell) and, for a keyed tab, each row's key. It is
written atomically (a temp file in the same folder, fsynced, then renamed), only after both sides are
written, and is readable by its owner only (it holds a copy of the books).

Where it lives: `--base FILE`, else `.poflow-sync/` beside the .xlsx side (beside the first, in sorted
order, of two .xlsx files), else (two Google Sheets) `$XDG_STATE_HOME/poflow/sync/` (`~/.local/state`).
Its name is made from both sides, in sorted order, so `sync A B` and `sync B A` share it.
"""

from __future__ import annotations

import contextlib
import gzip
import hashlib
import json
import os
import re
import tempfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from ..errors import Refused
from ..gsheets.location import is_sheet
from .merge import BaseTab

FORMAT = "poflow sync base 1"
FOLDER = ".poflow-sync"


def identity(workbook: Path) -> str:
    """How the base names a side: gsheet:ID, or the file's absolute path (symbolic links resolved)."""
    text = str(workbook)
    if is_sheet(text):
        return text
    return str(Path(workbook).expanduser().resolve())


def _slug(ident: str) -> str:
    name = ident if is_sheet(ident) else Path(ident).name
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name)[:40]


def default_path(left: Path, right: Path) -> Path:
    """Where the base of this pair lives when --base does not say."""
    ids = sorted((identity(left), identity(right)))
    digest = hashlib.sha256("\n".join(ids).encode("utf-8")).hexdigest()[:12]
    name = f"{_slug(ids[0])}+{_slug(ids[1])}-{digest}.json.gz"
    files = [Path(i) for i in ids if not is_sheet(i)]
    if files:
        return files[0].parent / FOLDER / name
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "poflow" / "sync" / name


@dataclass
class Base:
    """The base of one pair of workbooks."""

    sides: tuple[str, str]  # identities, sorted
    synced_at: str = ""
    tabs: dict[str, BaseTab] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        tabs: dict[str, Any] = {}
        for name, t in self.tabs.items():
            entry: dict[str, Any] = {"columns": t.columns, "rows": t.rows}  # tuples are written as JSON arrays
            if t.keys is not None:
                entry["keys"] = t.keys
            tabs[name] = entry
        return {"format": FORMAT, "sides": list(self.sides), "synced_at": self.synced_at, "tabs": tabs}


def _to_json(v: object) -> object:
    if isinstance(v, date):
        return {"d": v.isoformat()}
    raise TypeError(f"a cell value sync does not keep: {v!r}")


def _from_json(obj: dict[str, Any]) -> object:
    if len(obj) == 1 and "d" in obj and isinstance(obj["d"], str):
        return date.fromisoformat(obj["d"])
    return obj


def load(path: Path, left: Path, right: Path) -> Base | None:
    """The base at `path` (None when there is none yet: the first sync); refused when it is another pair's."""
    sides = tuple(sorted((identity(left), identity(right))))
    try:
        with gzip.open(path, "rt", encoding="utf-8") as fh:
            data = json.load(fh, object_hook=_from_json)
    except FileNotFoundError:
        return None
    except (OSError, EOFError, ValueError) as exc:
        raise Refused(f"{path}: the sync base cannot be read ({exc}); move it away to start again with a first "
                      "sync (every cell that differs is then reported)") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise Refused(f"{path}: not a poflow sync base")
    if tuple(data.get("sides", ())) != sides:
        named = " and ".join(data.get("sides", ())) or "nothing"
        raise Refused(f"{path}: the sync base of {named}, not of {left} and {right}; name another with --base")
    tabs: dict[str, BaseTab] = {}
    try:
        for name, t in data.get("tabs", {}).items():
            keys = t.get("keys")
            tabs[name] = BaseTab(tuple(t["columns"]), tuple(tuple(r) for r in t["rows"]),
                                 tuple(tuple(k) for k in keys) if keys is not None else None)
    except (KeyError, TypeError, AttributeError) as exc:
        raise Refused(f"{path}: the sync base is damaged ({exc}); move it away to start again") from None
    return Base((sides[0], sides[1]), str(data.get("synced_at", "")), tabs)


def save(path: Path, base: Base) -> None:
    """Write the base atomically, readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", compresslevel=3, mtime=0) as gz:
            gz.write(json.dumps(base.to_json(), ensure_ascii=False, separators=(",", ":"), default=_to_json,
                                allow_nan=False).encode("utf-8"))
        with open(tmp, "rb+") as fh:
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o600)
        os.replace(tmp, path)
        with contextlib.suppress(OSError):
            dfd = os.open(path.parent, os.O_RDONLY)
            try:
                os.fsync(dfd)
            finally:
                os.close(dfd)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


__all__ = ["FOLDER", "Base", "default_path", "identity", "load", "save"]
