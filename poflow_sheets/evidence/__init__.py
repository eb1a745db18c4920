"""The evidence pack of an order: assembled from the workbook (model.py, pure) and rendered (pdf.py)."""

from .model import FileRef, Found, Item, LogEntry, MessageRow, Pack, Wanted, assemble, pdf_date, safe_name, wanted
from .pdf import manifest, pack_zip, render_pack

__all__ = ["FileRef", "Found", "Item", "LogEntry", "MessageRow", "Pack", "Wanted", "assemble", "manifest", "pack_zip",
           "pdf_date", "render_pack", "safe_name", "wanted"]
