"""Formula-inert text: values a person typed must never run as formulas in a spreadsheet."""

from __future__ import annotations

# A leading character that makes Excel, LibreOffice or Google Sheets (USER_ENTERED) read text as a formula
# or as a DDE/command payload.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def looks_like_formula(text: str) -> bool:
    """True when a spreadsheet would treat ``text`` typed into a cell as a formula or command."""
    return text.startswith(FORMULA_TRIGGERS)


def inert_csv(text: str) -> str:
    """Text made safe for CSV and Google Sheets USER_ENTERED: prefix ``'`` when it could run as a formula."""
    return "'" + text if looks_like_formula(text) else text
