"""The application layer: each `poflow` command as one function joining the pure core to the edges.

The pure core (schema, records, ledger, pricing, flow, quotes, reconcile, documents) never reads files; the
edges (reader, store, banks, mailer) never decide anything. These functions read a workbook, ask the core,
and write through the one safe path (`write.apply_changeset`).
"""

from .commands import (
    acknowledge,
    approve,
    cancel,
    confirm,
    credit,
    import_bank,
    init,
    invoice,
    linesheet,
    order_from_quote,
    quote,
    ship,
    statement,
    status,
    validate,
)
from .payments import ReconcileRun, reconcile_workbook
from .restore import restore
from .workbook import WriteOptions, load

reconcile = reconcile_workbook

__all__ = [
    "ReconcileRun",
    "WriteOptions",
    "acknowledge",
    "approve",
    "cancel",
    "confirm",
    "credit",
    "import_bank",
    "init",
    "invoice",
    "linesheet",
    "load",
    "order_from_quote",
    "quote",
    "reconcile",
    "restore",
    "ship",
    "statement",
    "status",
    "validate",
]
