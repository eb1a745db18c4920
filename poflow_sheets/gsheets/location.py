"""Which Google Sheet a WORKBOOK argument names: `gsheet:ID` or the sheet's URL, as one canonical path.

Every command takes its workbook as a `Path`; a Google Sheet travels as `Path("gsheet:ID")`, so the
commands, the core and the documents handle both kinds alike and messages name the sheet the same way.
"""

from __future__ import annotations

import re
from pathlib import Path

from poflow_sheets.errors import Refused

PREFIX = "gsheet:"
_ID = re.compile(r"[A-Za-z0-9_-]+")
_URL = re.compile(r"^https?://docs\.google\.com/spreadsheets/(?:u/\d+/)?d/([A-Za-z0-9_-]+)(?:[/?#].*)?$")


def sheet_id_of(text: str) -> str | None:
    """The spreadsheet id in `gsheet:ID` or a Sheets URL; None when `text` names something else (a file)."""
    text = text.strip()
    if text.startswith(PREFIX):
        sid = text[len(PREFIX):].strip()
        if not _ID.fullmatch(sid):
            raise Refused(f"{text}: not a spreadsheet id; expected gsheet:ID with the id from the sheet's URL "
                          "(https://docs.google.com/spreadsheets/d/ID/edit)")
        return sid
    m = _URL.match(text)
    if m:
        return m.group(1)
    if text.startswith(("https://docs.google.com/", "http://docs.google.com/")):
        raise Refused(f"{text}: not a Google Sheets address; expected https://docs.google.com/spreadsheets/d/ID/edit")
    return None


def sheet_path(sheet_id: str) -> Path:
    """The canonical WORKBOOK path of a spreadsheet: `gsheet:ID`."""
    return Path(PREFIX + sheet_id)


def is_sheet(workbook: Path | str) -> bool:
    """True when the workbook is a Google Sheet (a `gsheet:ID` path)."""
    return str(workbook).startswith(PREFIX)


def sheet_id(workbook: Path | str) -> str:
    """The spreadsheet id of a `gsheet:ID` path."""
    sid = sheet_id_of(str(workbook))
    if sid is None:
        raise Refused(f"{workbook}: not a Google Sheet")
    return sid


def url_of(sheet_id: str) -> str:
    """The address a person opens."""
    return f"https://docs.google.com/spreadsheets/d/{sheet_id}/edit"


__all__ = ["PREFIX", "is_sheet", "sheet_id", "sheet_id_of", "sheet_path", "url_of"]
