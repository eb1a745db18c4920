"""Mail without IMAP: a local .mbox file, one .eml file, or a folder of .eml files (an edge: bytes only).

Each message's Source names the file and a digest of its bytes, so a message is recognised on a later run
even when the mailbox has changed around it (its Message-ID is the other key).
"""

from __future__ import annotations

import hashlib
import mailbox
from pathlib import Path

from ..errors import Refused
from .transport import Fetched


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def read_local(path: Path) -> list[Fetched]:
    """Every message of an .mbox file, an .eml file, or the .eml files of a folder (by name)."""
    if not path.exists():
        raise Refused(f"{path}: no such mailbox file or folder")
    if path.is_dir():
        files = sorted(p for p in path.iterdir() if p.is_file() and p.suffix.lower() == ".eml")
        return [Fetched(f"eml:{p.resolve()}#sha256={_digest(d)}", d) for p in files for d in [p.read_bytes()]]
    if path.suffix.lower() == ".eml":
        data = path.read_bytes()
        return [Fetched(f"eml:{path.resolve()}#sha256={_digest(data)}", data)]
    with path.open("rb") as fh:
        head = fh.read(5)
    if head and head != b"From ":
        raise Refused(f"{path}: not an mbox file (it does not start with 'From '); give an .mbox file, an .eml "
                      "file or a folder of .eml files")
    box = mailbox.mbox(str(path), create=False)
    try:
        out = []
        for key in box.iterkeys():
            data = box.get_bytes(key)
            out.append(Fetched(f"mbox:{path.resolve()}#sha256={_digest(data)}", data))
        return out
    finally:
        box.close()
