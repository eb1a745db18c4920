"""The WORKBOOK argument every command takes: a file path, `gsheet:ID` or a Google Sheets URL.

A Google Sheet becomes the path `gsheet:ID`, so commands handle both kinds alike. The decorator also
adds `--credentials FILE` (a service-account key for Google Sheets) to every command that takes a workbook.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from .errors import Refused
from .gsheets.auth import CREDENTIALS_FILE, ENV_CREDENTIALS
from .gsheets.location import sheet_id_of, sheet_path

F = TypeVar("F", bound=Callable[..., Any])


class WorkbookType(click.Path):
    """A workbook file, or a Google Sheet as `gsheet:ID` or its URL (given back as the path gsheet:ID)."""

    name = "workbook"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        try:
            sid = sheet_id_of(str(value))
        except Refused as exc:
            self.fail(str(exc), param, ctx)
        if sid is not None:
            return sheet_path(sid)
        return super().convert(value, param, ctx)


def _remember_credentials(ctx: click.Context, param: click.Parameter, value: Path | None) -> Path | None:
    CREDENTIALS_FILE.set(value)  # None too: each command starts from the environment
    return value


def credentials_option(fn: F) -> F:
    """The --credentials option (a service-account key for every gsheet: workbook of the command)."""
    return click.option(
        "--credentials", type=click.Path(path_type=Path, dir_okay=False), default=None, expose_value=False,
        callback=_remember_credentials, metavar="KEY.json",
        help=f"Google service-account key for a gsheet: workbook (default: ${ENV_CREDENTIALS}, "
             "$GOOGLE_APPLICATION_CREDENTIALS, or your `poflow google-login`).")(fn)


def workbook_argument(fn: F) -> F:
    """The WORKBOOK argument and the --credentials option."""
    fn = credentials_option(fn)
    return click.argument("workbook", type=WorkbookType(path_type=Path, dir_okay=False))(fn)


def workbook_pair(fn: F) -> F:
    """Two workbook arguments, LEFT and RIGHT (`poflow sync`), and one --credentials for both."""
    fn = credentials_option(fn)
    fn = click.argument("right", type=WorkbookType(path_type=Path, dir_okay=False))(fn)
    return click.argument("left", type=WorkbookType(path_type=Path, dir_okay=False))(fn)


__all__ = ["WorkbookType", "credentials_option", "workbook_argument", "workbook_pair"]
