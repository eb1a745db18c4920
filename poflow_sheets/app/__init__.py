"""The application layer: each `poflow` command as one function joining the pure core to the edges.

The pure core (schema, records, ledger, pricing, flow, quotes, reconcile, documents) never reads files; the
edges (reader, store, banks, mailer) never decide anything. These functions read a workbook, ask the core,
and write through the one safe path (`write.apply_changeset`).
"""

from .adopt import AdoptRun, adopt
from .adopt import split as adopt_split
from .commands import (
    acknowledge,
    approve,
    cancel,
    claim,
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
from .evidence import evidence
from .mail import MailRun, import_po, inbox, remind, send
from .payments import ReconcileRun, reconcile_workbook
from .restore import restore
from .workbook import SendOptions, WriteOptions, load

reconcile = reconcile_workbook

__all__ = [
    "AdoptRun",
    "MailRun",
    "ReconcileRun",
    "SendOptions",
    "WriteOptions",
    "acknowledge",
    "adopt",
    "adopt_split",
    "approve",
    "cancel",
    "claim",
    "confirm",
    "credit",
    "evidence",
    "import_bank",
    "import_po",
    "inbox",
    "init",
    "invoice",
    "linesheet",
    "load",
    "order_from_quote",
    "quote",
    "reconcile",
    "remind",
    "restore",
    "send",
    "ship",
    "statement",
    "status",
    "validate",
]
