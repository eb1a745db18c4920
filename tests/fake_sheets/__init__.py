"""A fake Google Sheets API v4 for the tests and the benchmark: a real HTTP server on 127.0.0.1.

gspread and google-auth run unmodified against it: `LocalAdapter` sends Google's URLs (the Sheets API
and the OAuth token endpoint) to the server, and `service_account_file` writes a key file whose token
request the fake answers. `FakeSheets` keeps the spreadsheets, counts requests by API method, and
fails or edits on demand.
"""

from .model import Spreadsheet
from .server import FakeSheets
from .transport import LocalAdapter, service_account_file

__all__ = ["FakeSheets", "LocalAdapter", "Spreadsheet", "service_account_file"]
