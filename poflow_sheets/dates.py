"""The one two-digit-year rule, shared by workbook cells and bank files."""

from __future__ import annotations

PIVOT = 70  # 00-69 are 2000-2069, 70-99 are 1970-1999 (the POSIX strptime rule, shifted to favour recent years)


def full_year(year: int) -> int:
    """A year as written (`26`, `75` or `2026`) as a four-digit year: 26 -> 2026, 75 -> 1975."""
    if year >= 100:
        return year
    return year + (2000 if year < PIVOT else 1900)
