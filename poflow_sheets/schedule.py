"""The nightly run's memory: which bank exports in a folder were already reconciled.

A state file (`.poflow-processed` in the bank folder by default) lists the SHA-256 of every file done,
one `sha256  name` line each, like `sha256sum` prints. A file is new when its content's hash is not
listed, so a renamed export is not read twice and a re-downloaded, changed export is. The reconcile
command calls `new_bank_files` before reading and `mark_processed` only after the workbook was written.

    python -m poflow_sheets.schedule pending BANK_DIR   # the new files, one per line
"""

from __future__ import annotations

import hashlib
import os
import sys
import tempfile
from collections.abc import Iterable, Sequence
from pathlib import Path

STATE_NAME = ".poflow-processed"
# Files a download or an editor leaves while still writing, or that are not exports at all.
_SKIP_SUFFIXES = (".part", ".partial", ".crdownload", ".download", ".tmp", ".swp", ".lock", ".log", ".md")
_CHUNK = 1 << 20


def default_state(folder: Path) -> Path:
    """The state file of a bank folder."""
    return Path(folder) / STATE_NAME


def file_sha256(path: Path) -> str:
    """Hex SHA-256 of a file's bytes."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            h.update(chunk)
    return h.hexdigest()


def processed_hashes(state: Path) -> set[str]:
    """Hashes listed in the state file (empty when it does not exist yet); lines that are not hashes are ignored."""
    try:
        text = Path(state).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return set()
    out: set[str] = set()
    for line in text.splitlines():
        token = line.strip().split(" ", 1)[0].lower()
        if len(token) == 64 and all(c in "0123456789abcdef" for c in token):
            out.add(token)
    return out


def _candidate(path: Path) -> bool:
    name = path.name
    if name.startswith((".", "~$", "~")) or name.lower().endswith(_SKIP_SUFFIXES):
        return False
    return path.is_file()


def pending(folder: Path, state: Path | None = None) -> list[tuple[Path, str]]:
    """New files in `folder` with the SHA-256 read now: pass the hashes on to `mark_processed`."""
    folder = Path(folder)
    done = processed_hashes(state if state is not None else default_state(folder))
    seen: set[str] = set()
    out: list[tuple[Path, str]] = []
    for path in sorted(folder.iterdir(), key=lambda p: p.name):
        if not _candidate(path):
            continue
        digest = file_sha256(path)
        if digest in done or digest in seen:
            continue
        seen.add(digest)
        out.append((path, digest))
    return out


def new_bank_files(folder: Path, state: Path | None = None) -> list[Path]:
    """Files directly in `folder` whose content is not listed in the state file, sorted by name.

    Hidden files (the state file among them), Office lock files and partial downloads are skipped; of
    several files with the same content only the first is returned.
    """
    return [path for path, _ in pending(folder, state)]


def mark_processed(files: Iterable[Path], state: Path, *, hashes: Sequence[str] | None = None) -> int:
    """Add the files' hashes to the state file (atomically, keeping what it held); returns how many were new.

    `hashes` are the hashes taken when the files were read, when the caller has them: a file that changed
    since is then not recorded under its new content.
    """
    files = list(files)
    digests = list(hashes) if hashes is not None else [file_sha256(p) for p in files]
    if len(digests) != len(files):
        raise ValueError(f"{len(files)} files but {len(digests)} hashes")
    state = Path(state)
    done = processed_hashes(state)
    try:
        old = state.read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        old = ""
    lines = [f"{d}  {Path(p).name}" for p, d in zip(files, digests, strict=True) if d not in done]
    lines = list(dict.fromkeys(lines))
    if not lines:
        return 0
    if old and not old.endswith("\n"):
        old += "\n"
    text = old + "\n".join(lines) + "\n"
    fd, tmp = tempfile.mkstemp(prefix=f"{state.name}.", suffix=".tmp", dir=state.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, state)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return len(lines)


def main(argv: Sequence[str] | None = None) -> int:
    """`pending FOLDER [STATE]`: print the new files, one per line; exit 0 (2 on a bad command line)."""
    args = list(sys.argv[1:] if argv is None else argv)
    if len(args) not in (2, 3) or args[0] != "pending":
        print("usage: python -m poflow_sheets.schedule pending BANK_DIR [STATE_FILE]", file=sys.stderr)
        return 2
    folder = Path(args[1])
    if not folder.is_dir():
        print(f"{folder}: not a folder", file=sys.stderr)
        return 2
    for path in new_bank_files(folder, Path(args[2]) if len(args) == 3 else None):
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
