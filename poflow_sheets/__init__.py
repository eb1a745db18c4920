"""poflow_sheets: run a wholesale order book in a spreadsheet."""

__version__ = "0.1.0"
