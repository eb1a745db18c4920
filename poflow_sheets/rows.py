"""Records to rows in the schema's column order (for writing new workbooks and appending rows)."""

from __future__ import annotations

from collections.abc import Iterable

from .schema import LIST, TAB_BY_NAME


def record_row(tab: str, record: object) -> tuple[object, ...]:
    """One record as a row of cell values in the schema's column order for `tab`."""
    out: list[object] = []
    for col in TAB_BY_NAME[tab].columns:
        v = getattr(record, col.key, None)
        if col.type == LIST and isinstance(v, tuple):
            v = "; ".join(v)
        elif v == "":
            v = None
        out.append(v)
    return tuple(out)


def record_rows(tab: str, records: Iterable[object]) -> list[tuple[object, ...]]:
    """Several records as rows."""
    return [record_row(tab, r) for r in records]
