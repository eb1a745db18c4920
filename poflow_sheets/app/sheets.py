"""`poflow init gsheet:ID`: add the schema's missing tabs to a Google Sheet, as the template does on .xlsx.

Four requests: `spreadsheets.get`, one `values:batchGet` (is the spreadsheet new and empty?), one
`spreadsheets:batchUpdate` (tabs, formats, drop-downs, highlights) and one `values:batchUpdate` (headers,
Settings, with --demo the sample business). Tabs already there are left alone. On a new, empty
spreadsheet, Google's default empty tab is removed, so the result is the template's workbook.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from .. import schema
from ..errors import Refused
from ..gsheets import SheetsBackend
from ..gsheets.layout import new_tabs
from ..schema import norm


def init_sheet(path: Path, *, demo: bool = False) -> Iterator[str]:
    """Add the missing tabs (with --demo, on a new empty spreadsheet, the sample business too)."""
    backend = SheetsBackend(path)
    source = backend.open()
    stamp = source.stamp
    have = {norm(n) for n in source.sheet_names}
    missing = [t for t in schema.TABS if norm(t.name) not in have]
    source.fetch(list(source.sheet_names))
    blank = all(t.last_row() == 0 for t in stamp.tabs.values())
    fresh = blank and len(missing) == len(schema.TABS)
    if demo and not fresh:
        raise Refused(f"{path}: is not empty; --demo fills only a new, empty spreadsheet")
    if not missing:
        yield f"{path}: has every tab already; nothing to do"
        return
    rows: dict[str, list[tuple[object, ...]]] = {}
    settings: dict[str, Any] = {}
    if demo:
        from ..demo import demo_rows

        rows, settings = demo_rows()
    requests, data, ids = new_tabs(missing, first_index=len(stamp.tabs), used_ids={t.sheet_id for t in
                                                                                    stamp.tabs.values()},
                                   rows=rows, settings=settings)
    dropped = list(stamp.tabs.values()) if fresh and len(stamp.tabs) == 1 else []
    requests += [{"deleteSheet": {"sheetId": t.sheet_id}} for t in dropped]
    backend.send(requests, data, ids)
    if demo:
        yield f"{path}: created with the demo business"
    elif fresh:
        yield f"{path}: created from the template"
    else:
        yield f"{path}: added tabs {', '.join(t.name for t in missing)}"
