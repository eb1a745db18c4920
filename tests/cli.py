"""Running `poflow` from the tests: in this process through click's runner (most tests), or as a real
subprocess (one smoke test per command, tests/test_cli_smoke.py). Both answer with the same shape."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner

from poflow_sheets.cli import main


@dataclass(frozen=True)
class Ran:
    """A finished command: its arguments, exit status and outputs."""

    args: tuple[str, ...]
    returncode: int
    stdout: str
    stderr: str


def run(*args: object, ok: tuple[int, ...] = (0,), env: dict[str, str] | None = None) -> Ran:
    """`poflow ARGS` in this process; the exit status must be one of `ok`, and never a traceback."""
    words = tuple(str(a) for a in args)
    result = CliRunner().invoke(main, list(words), env=env, catch_exceptions=False)
    ran = Ran(words, result.exit_code, result.stdout, result.stderr)
    assert ran.returncode in ok, f"{words}: exit {ran.returncode}\n{ran.stdout}\n{ran.stderr}"
    assert "Traceback" not in ran.stderr
    return ran


def run_process(*args: object, ok: tuple[int, ...] = (0,), env: dict[str, str] | None = None,
                cwd: Path | None = None) -> Ran:
    """`python -m poflow_sheets ARGS` as a real subprocess."""
    words = tuple(str(a) for a in args)
    proc = subprocess.run([sys.executable, "-m", "poflow_sheets", *words], capture_output=True, text=True,
                          check=False, env={**os.environ, **(env or {})}, cwd=cwd)
    ran = Ran(words, proc.returncode, proc.stdout, proc.stderr)
    assert ran.returncode in ok, f"{words}: exit {ran.returncode}\n{ran.stdout}\n{ran.stderr}"
    assert "Traceback" not in ran.stderr
    return ran


def sha(path: Path) -> str:
    """The file's SHA-256: a command that must write nothing leaves it unchanged."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def refused(book: Path, *args: object, words: tuple[str, ...]) -> Ran:
    """A request poflow cannot act on: exit 2, one line on stderr naming `words`, the workbook unchanged."""
    before = sha(book)
    ran = run(*args, ok=(2,))
    lines = ran.stderr.strip().splitlines()
    assert len(lines) == 1, ran.stderr
    for w in words:
        assert w in ran.stderr, (w, ran.stderr)
    assert sha(book) == before, "a refused command must write nothing"
    return ran


def filed(docs: Path, name: str) -> Path:
    """The document `name` as poflow files it: `docs/YYYY/MM/name` (a path that does not exist when it is not
    filed there)."""
    found = sorted(docs.glob(f"[0-9][0-9][0-9][0-9]/[0-9][0-9]/{name}"))
    return found[-1] if found else docs / "not-filed" / name
