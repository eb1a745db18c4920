"""Where workbooks live: the one backend protocol, and the .xlsx file store (calamine to read, the lossless
patcher and the safe in-place write around it)."""

from poflow_sheets.store.backend import Backend, ReadStamp, Stamp, TabSource, XlsxBackend
from poflow_sheets.store.edits import (
    AddSheet,
    AppendRows,
    CellValue,
    Edit,
    Fingerprint,
    Formula,
    PatchResult,
    PrintSetup,
    SetCell,
    Styled,
)
from poflow_sheets.store.inert import inert_csv, looks_like_formula
from poflow_sheets.store.safety import backups_of, fingerprint, open_elsewhere, write_workbook
from poflow_sheets.store.xlsx_patch import WRITABLE_SUFFIXES, apply_changes, refuse_unwritable, writable_format

__all__ = [
    "WRITABLE_SUFFIXES",
    "AddSheet",
    "AppendRows",
    "Backend",
    "CellValue",
    "Edit",
    "Fingerprint",
    "Formula",
    "PatchResult",
    "PrintSetup",
    "ReadStamp",
    "SetCell",
    "Stamp",
    "Styled",
    "TabSource",
    "XlsxBackend",
    "apply_changes",
    "backups_of",
    "fingerprint",
    "inert_csv",
    "looks_like_formula",
    "open_elsewhere",
    "refuse_unwritable",
    "writable_format",
    "write_workbook",
]
