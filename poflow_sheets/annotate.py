"""`validate --annotate OUT.xlsx`: a copy of the workbook with each offending cell highlighted and commented.

The copy is made with openpyxl, which is fine for a throw-away review copy but may drop charts and
images from it; the original workbook is never opened for writing.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from .errors import Refused
from .validate import Report


def write_annotated(src: Path, dst: Path, report: Report) -> int:
    """Write the annotated copy atomically; returns how many cells were marked."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    from .gsheets.location import is_sheet
    from .store import writable_format

    if is_sheet(src):
        raise Refused(f"{src}: --annotate marks a copy of an .xlsx workbook; for a Google Sheet, use "
                      "File > Download > Microsoft Excel, then validate that file with --annotate")
    if dst.resolve() == src.resolve():
        raise Refused(f"{dst}: --annotate must name a new file, not the workbook itself")
    if not writable_format(dst):
        raise Refused(f"{dst}: --annotate writes an .xlsx file; name it NAME.xlsx")
    keep_vba = src.suffix.lower() == ".xlsm"
    wb = openpyxl.load_workbook(src, keep_vba=keep_vba)
    fills = {"error": PatternFill("solid", fgColor="FFC7CE"), "warning": PatternFill("solid", fgColor="FFEB9C")}
    marked = 0
    notes: dict[tuple[str, str], list[str]] = {}
    for f in report.findings:
        if f.tab not in wb.sheetnames or not f.row:
            continue
        ref = f"{f.column_letter or 'A'}{f.row}"
        notes.setdefault((f.tab, ref), []).append(f"[{f.code}] {f.message}\n{f.hint}")
        cell = wb[f.tab][ref]
        cell.fill = fills.get(f.severity, fills["warning"])
    for (tab, ref), texts in notes.items():
        cell = wb[tab][ref]
        cell.comment = Comment("\n\n".join(texts), "poflow", width=320, height=120)
        marked += 1
    fd, tmp = tempfile.mkstemp(prefix=".poflow-", suffix=dst.suffix, dir=dst.parent)
    os.close(fd)
    try:
        wb.save(tmp)
        os.replace(tmp, dst)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return marked
