"""A Google Sheet as a workbook backend: read with two requests, written with at most three.

Reading: one `spreadsheets.get` (tab titles, ids, grid sizes) and one `values:batchGet` for every tab the
command needs, unformatted, dates as serial numbers. Writing: one `values:batchGet` of the ranges the write
touches (refused, nothing written, when a person changed them since the read), then one
`spreadsheets:batchUpdate` (new tabs, grid growth, formats) and one `values:batchUpdate` (RAW). No lock
files: the check against what was read takes their place, and Google's version history keeps the backups.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from poflow_sheets.errors import Refused
from poflow_sheets.gsheets import a1
from poflow_sheets.gsheets.api import SheetsApi
from poflow_sheets.gsheets.location import sheet_id
from poflow_sheets.gsheets.stamp import SheetStamp
from poflow_sheets.gsheets.values import from_sheet
from poflow_sheets.gsheets.write import WriteDraft
from poflow_sheets.store.backend import Stamp
from poflow_sheets.store.edits import Edit, PatchResult


class SheetsSource:
    """An open Google Sheet: its tabs from `spreadsheets.get`, their values fetched in one batch."""

    def __init__(self, path: Path, api: SheetsApi) -> None:
        self.path = path
        self.api = api
        self._stamp = SheetStamp.from_metadata(api.id, api.metadata())
        self.sheet_names = self._stamp.titles()

    @property
    def stamp(self) -> SheetStamp:
        return self._stamp

    def fetch(self, titles: Sequence[str]) -> None:
        """Read these tabs' values in one `values:batchGet`."""
        need = [t for t in dict.fromkeys(titles) if t in self._stamp.tabs and self._stamp.tabs[t].rows is None]
        if not need:
            return
        got = self.api.batch_get([a1.whole(t) for t in need])
        if len(got) != len(need):
            raise Refused(f"{self.path}: Google Sheets answered {len(got)} ranges for {len(need)}; nothing was read")
        for title, value_range in zip(need, got, strict=True):
            self._stamp.tabs[title].rows = from_sheet(value_range.get("values", []))

    def rows(self, title: str) -> list[list[Any]]:
        tab = self._stamp.tabs.get(title)
        if tab is None:
            raise Refused(f"{self.path}: no tab named {title!r}")
        if tab.rows is None:
            self.fetch([title])
        return tab.rows or []

    def close(self) -> None:
        """Nothing held open."""


class SheetsBackend:
    """A spreadsheet named by `gsheet:ID`, reached with the credentials `auth.resolve()` finds."""

    def __init__(self, path: Path, connect: Callable[[str], SheetsApi] | None = None) -> None:
        self.path = Path(path)
        self.spreadsheet_id = sheet_id(self.path)
        self._connect = connect
        self._api: SheetsApi | None = None

    @property
    def api(self) -> SheetsApi:
        """The connection, opened on first use (credentials are looked up then)."""
        if self._api is None:
            if self._connect is None:
                from poflow_sheets.gsheets.connect import connect

                self._api = connect(self.spreadsheet_id)
            else:
                self._api = self._connect(self.spreadsheet_id)
        return self._api

    def open(self) -> SheetsSource:
        return SheetsSource(self.path, self.api)

    def write(self, changes: Sequence[Edit], *, expected: Stamp | None, force: bool = False,
              retention: int = 20, command: str = "") -> PatchResult:
        """Write the changes if the cells they touch are as they were read; else WriteConflict, nothing written.

        `force`, `retention` and `command` concern files (lock files, backups) and do not apply to a Google Sheet.
        """
        if not isinstance(expected, SheetStamp):
            raise TypeError(f"{self.path}: a Google Sheet is checked against what was read from it")
        draft = WriteDraft(changes, expected, str(self.path))  # every value converted and checked first
        if draft.empty:
            return PatchResult(changed=False)
        rereads = draft.reread()
        got = self.api.batch_get([rng for _, rng, _ in rereads]) if rereads else []
        plan = draft.settle([vr.get("values", []) for vr in got])
        self.send(plan.requests, plan.data, plan.added_ids)
        return plan.result

    def send(self, requests: Sequence[dict[str, Any]], data: Sequence[dict[str, Any]],
             added_ids: Sequence[int] = ()) -> None:
        """Structure and formats first (one spreadsheets:batchUpdate, applied all or nothing by Google), then the
        values (one values:batchUpdate). If the values fail, the tabs just added are removed again."""
        if requests:
            self.api.batch_update(requests)
        if data:
            try:
                self.api.update_values(data)
            except Refused as exc:
                raise Refused(self._undo_structure(tuple(added_ids), exc)) from None

    def _undo_structure(self, added: tuple[int, ...], exc: Refused) -> str:
        """After the values failed: remove the tabs this write had just added, so that nothing is half-written."""
        reason = str(exc).removeprefix(f"{self.path}: ").split("; nothing was written")[0]
        if not added:
            return f"{self.path}: writing the values failed ({reason}); no cell was changed; run the command again"
        try:
            self.api.batch_update([{"deleteSheet": {"sheetId": i}} for i in added])
        except Refused:
            return (f"{self.path}: writing the values failed ({reason}); no cell was changed, but the new tabs "
                    "poflow had added are still there, empty: delete them, then run the command again")
        return (f"{self.path}: writing the values failed ({reason}); no cell was changed and the tabs poflow had "
                "just added were removed again; run the command again")


__all__ = ["SheetsBackend", "SheetsSource"]
