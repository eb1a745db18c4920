"""What a command wants to change, computed before anything is written (pure values)."""

from __future__ import annotations

from dataclasses import dataclass, field

from .documents.model import Document


@dataclass(frozen=True)
class CellUpdate:
    """Set one field of one existing row (addressed by schema tab, Excel row and field key)."""

    tab: str
    row: int
    field: str
    new: object
    old: object = None
    key: str = ""  # the row's key as a person reads it (PO number, invoice number...)


@dataclass(frozen=True)
class SettingUpdate:
    """Set one Settings key."""

    key: str
    new: object
    old: object = None


@dataclass(frozen=True)
class RowAppend:
    """Append one record to a schema tab."""

    tab: str
    record: object
    key: str = ""


@dataclass
class ChangeSet:
    """Everything one command changes; empty when a run has nothing left to do (idempotence)."""

    updates: list[CellUpdate] = field(default_factory=list)
    settings: list[SettingUpdate] = field(default_factory=list)
    appends: list[RowAppend] = field(default_factory=list)
    documents: list[Document] = field(default_factory=list)  # each gets a sheet (optional) and a PDF
    messages: list[str] = field(default_factory=list)

    def update(self, tab: str, record: object, field_name: str, new: object, key: str = "") -> None:
        """Record a field change of a row record, skipping values that are already right."""
        old = getattr(record, field_name)
        if old == new:
            return
        self.updates.append(CellUpdate(tab, getattr(record, "row"), field_name, new, old, key))  # noqa: B009

    @property
    def writes_workbook(self) -> bool:
        """True when the workbook itself must change."""
        return bool(self.updates or self.settings or self.appends)

    def extend(self, other: ChangeSet) -> None:
        """Add another command's changes (for batch commands)."""
        self.updates += other.updates
        self.settings += other.settings
        self.appends += other.appends
        self.documents += other.documents
        self.messages += other.messages
