"""Terminal manners: progress only on a terminal, colors only on a terminal, --quiet and --verbose."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from rich.console import Console
from rich.progress import BarColumn, Progress, SpinnerColumn, TextColumn, TimeElapsedColumn


@dataclass
class Out:
    """Where a command's human output goes: tables to stdout, messages and progress to stderr."""

    quiet: bool = False
    verbose: bool = False
    machine: bool = False  # --json: stdout holds only JSON, stderr no progress

    def __post_init__(self) -> None:
        # Off a terminal (a pipe, a file, cron), tables keep their full width instead of wrapping at 80.
        width = None if sys.stdout.isatty() else 200
        self.stdout = Console(highlight=False, soft_wrap=True, width=width)
        self.stderr = Console(stderr=True, highlight=False, soft_wrap=True)

    def info(self, text: str) -> None:
        """A message for people (stderr), unless --quiet."""
        if not self.quiet:
            self.stderr.print(text, markup=False)

    def detail(self, text: str) -> None:
        """A message shown only with --verbose."""
        if self.verbose and not self.quiet:
            self.stderr.print(text, markup=False, style="dim")

    @contextmanager
    def progress(self, label: str, total: int | None = None) -> Iterator[Progress | None]:
        """A progress bar on a terminal's stderr; nothing with --json, --quiet or no terminal."""
        if self.machine or self.quiet or not sys.stderr.isatty():
            yield None
            return
        with Progress(SpinnerColumn(), TextColumn("{task.description}"), BarColumn(), TimeElapsedColumn(),
                      console=self.stderr, transient=True) as bar:
            bar.add_task(label, total=total)
            yield bar
