"""A1 notation for the Sheets API: tab titles quoted, cells and ranges with 1-based rows and columns."""

from __future__ import annotations

from poflow_sheets.store.sheetxml import column_letters


def quote(title: str) -> str:
    """A tab title as a range prefix: always quoted, a quote inside doubled ('It''s')."""
    return "'" + title.replace("'", "''") + "'"


def cell(title: str, row: int, col: int) -> str:
    """One cell, e.g. 'Invoices'!J5 (row and col 1-based)."""
    return f"{quote(title)}!{column_letters(col)}{row}"


def block(title: str, row: int, col: int, rows: int, cols: int) -> str:
    """A rectangle from (row, col) spanning rows x cols."""
    if rows == 1 and cols == 1:
        return cell(title, row, col)
    return f"{quote(title)}!{column_letters(col)}{row}:{column_letters(col + cols - 1)}{row + rows - 1}"


def down_from(title: str, row: int, last_col: int) -> str:
    """Columns A..last_col from `row` to the bottom of the tab, e.g. 'Payments'!A120:H."""
    return f"{quote(title)}!A{row}:{column_letters(max(last_col, 1))}"


def whole(title: str) -> str:
    """A whole tab."""
    return quote(title)


def ref(title: str, row: int, col: int) -> str:
    """A cell as a person reads it in a message: Invoices!J5."""
    return f"{title}!{column_letters(col)}{row}"


__all__ = ["block", "cell", "column_letters", "down_from", "quote", "ref", "whole"]
