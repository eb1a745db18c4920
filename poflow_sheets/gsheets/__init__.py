"""Google Sheets as a workbook backend: `gsheet:ID` or a Sheets URL wherever a command takes a workbook.

One module per concept: `location` (what names a sheet), `auth` (credentials), `connect` (session and
gspread client), `api` (the four API calls, retries, errors), `values` (cell values both ways), `a1`
(A1 notation), `stamp` (what was read), `write` (a change list as requests), `backend` (read and write),
`layout` (the schema's tabs for `poflow init`).
"""

from poflow_sheets.gsheets.backend import SheetsBackend, SheetsSource
from poflow_sheets.gsheets.location import is_sheet, sheet_id, sheet_id_of, sheet_path

__all__ = ["SheetsBackend", "SheetsSource", "is_sheet", "sheet_id", "sheet_id_of", "sheet_path"]
