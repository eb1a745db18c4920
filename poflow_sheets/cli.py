"""The `poflow` command: parse options, call one library function, render, exit with a meaningful status.

Exit status: 0 clean, 1 findings or items that need review, 2 a file or request poflow cannot act on.
"""

from __future__ import annotations

import functools
import json
import sys
import traceback
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .console import Out
from .errors import PoflowError

F = TypeVar("F", bound=Callable[..., Any])


def _guard(fn: F) -> F:
    """Turn PoflowError into one line and exit 2; any other exception into one line and exit 3."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except PoflowError as exc:
            click.echo(f"poflow: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("poflow: interrupted; nothing was written", err=True)
            sys.exit(130)
        except click.exceptions.Exit:
            raise
        except Exception as exc:  # a bug: one line, the traceback only with --verbose
            ctx = click.get_current_context(silent=True)
            if ctx is not None and ctx.find_root().params.get("verbose"):
                traceback.print_exc()
            click.echo(f"poflow: internal error: {type(exc).__name__}: {exc} (nothing was written; "
                       "run with --verbose for details)", err=True)
            sys.exit(3)

    return wrapper  # type: ignore[return-value]


def _out(ctx: click.Context, machine: bool = False) -> Out:
    root = ctx.find_root().params
    return Out(quiet=bool(root.get("quiet")), verbose=bool(root.get("verbose")), machine=machine)


def _today(value: str | None) -> date:
    from .cells import CellError, parse_date

    if not value:
        return date.today()
    try:
        d = parse_date(value)
    except CellError as exc:
        raise click.BadParameter(str(exc)) from None
    if d is None:
        raise click.BadParameter("expected a date")
    return d


WORKBOOK = click.argument("workbook", type=click.Path(path_type=Path, dir_okay=False))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="poflow")
@click.option("-q", "--quiet", is_flag=True, help="Print only results and errors.")
@click.option("-v", "--verbose", is_flag=True, help="Print more detail (and tracebacks of internal errors).")
def main(quiet: bool, verbose: bool) -> None:
    """poflow: run a wholesale order book in a spreadsheet (validate, document, invoice, reconcile)."""


@main.command()
@WORKBOOK
@click.option("--demo", is_flag=True, help="Fill the new workbook with a small sample business.")
@click.pass_context
@_guard
def init(ctx: click.Context, workbook: Path, demo: bool) -> None:
    """Create a new workbook from the template, or add missing tabs to an existing one."""
    from .commands import init_workbook

    out = _out(ctx)
    for line in init_workbook(workbook, demo=demo):
        out.info(line)


@main.command()
@WORKBOOK
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON (see workbook-contract.md).")
@click.option("--annotate", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write a copy with each offending cell highlighted and commented.")
@click.option("--today", default=None, help="Check as of this date (default: today).")
@click.pass_context
@_guard
def validate(ctx: click.Context, workbook: Path, as_json: bool, annotate: Path | None, today: str | None) -> None:
    """Check every row of the workbook; exit 1 when there are errors."""
    from .commands import validate_workbook
    from .render import print_findings

    out = _out(ctx, machine=as_json)
    report = validate_workbook(workbook, _today(today), out=out, annotate=annotate)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        print_findings(out, report, workbook)
    sys.exit(1 if report.errors else 0)
