"""The evidence pack as a PDF (fpdf2) with the order's files attached, and as a ZIP beside it.

The PDF: a cover (seller, buyer, PO, the amounts ordered, acknowledged, shipped, invoiced, paid and open, the
current dispute), the contents in date order, one section per item (what it says, where it came from, each
file with its SHA-256), the list of files, and the order's Log entries. Every file is attached to the PDF
as is (`FPDF.embed_file`), so the pack travels as one file; the ZIP holds the PDF, the same files, a
manifest and a SHA256SUMS list.

Deterministic: the PDF's creation date and the attachments' dates are the pack's date (its latest item),
the ZIP's entries carry that date and fixed permissions in a fixed order; the same pack gives the same bytes.
"""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from fpdf import FPDF

from ..documents.pdf import core_safe
from ..terms import long_date
from .model import Item, Pack

_MARGIN = 15.0


def _t(text: str) -> str:
    """Text the core fonts can show (Windows-1252), line breaks kept."""
    return "\n".join(core_safe(part) for part in text.split("\n"))


class _Pdf(FPDF):
    footer_text = ""

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font("helvetica", "", 7.5)
        self.set_text_color(110, 110, 110)
        self.cell(0, 4, self.footer_text, align="L")
        self.set_x(-_MARGIN - 30)
        self.cell(30, 4, f"Page {self.page_no()}/{{nb}}", align="R")
        self.set_text_color(0, 0, 0)


class _Writer:
    def __init__(self, pack: Pack) -> None:
        self.pack = pack
        pdf = _Pdf(orientation="P", unit="mm", format="letter")
        pdf.core_fonts_encoding = "cp1252"
        pdf.set_margins(_MARGIN, 14, _MARGIN)
        pdf.set_auto_page_break(True, 18)
        stamp = datetime(pack.created.year, pack.created.month, pack.created.day, tzinfo=UTC)
        self.stamp = stamp
        pdf.set_creation_date(stamp)
        pdf.set_title(_t(f"Evidence pack, PO {pack.po}"))
        pdf.set_author(_t(pack.seller[0] if pack.seller else ""))
        pdf.set_creator("poflow_sheets")
        pdf.footer_text = _t(f"Evidence pack  |  PO {pack.po}  |  {pack.seller[0] if pack.seller else ''}")
        pdf.alias_nb_pages()
        self.pdf = pdf

    def heading(self, text: str, size: float = 12) -> None:
        pdf = self.pdf
        if pdf.get_y() > pdf.h - 40:
            pdf.add_page()
        pdf.ln(3)
        pdf.set_font("helvetica", "B", size)
        pdf.multi_cell(0, size * 0.5, _t(text), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(1)

    def para(self, text: str, size: float = 9, style: str = "") -> None:
        self.pdf.set_font("helvetica", style, size)
        self.pdf.multi_cell(0, size * 0.47, _t(text), new_x="LMARGIN", new_y="NEXT")

    def fact(self, label: str, value: str, size: float = 8.5) -> None:
        pdf = self.pdf
        pdf.set_font("helvetica", "", size)
        pdf.set_text_color(90, 90, 90)
        pdf.cell(42, size * 0.47, _t(label))
        pdf.set_text_color(0, 0, 0)
        pdf.multi_cell(0, size * 0.47, _t(value), new_x="LMARGIN", new_y="NEXT")

    def hash_line(self, sha256: str) -> None:
        pdf = self.pdf
        pdf.set_font("courier", "", 7.5)
        pdf.cell(42, 3.6, "")
        pdf.cell(0, 3.6, f"SHA-256 {sha256}", new_x="LMARGIN", new_y="NEXT")

    def table(self, widths: Sequence[float], header: Sequence[str], rows: Sequence[Sequence[str]],
              size: float = 7.5) -> None:
        pdf = self.pdf
        pdf.set_font("helvetica", "", size)
        with pdf.table(col_widths=tuple(widths), width=min(sum(widths), pdf.epw), first_row_as_headings=True,
                       line_height=size * 0.47, text_align="LEFT", borders_layout="HORIZONTAL_LINES",
                       padding=0.8, align="LEFT") as t:
            head = t.row()
            for h in header:
                head.cell(_t(h))
            for r in rows:
                row = t.row()
                for v in r:
                    row.cell(_t(v))

    # -- the parts

    def cover(self) -> None:
        p, pdf = self.pack, self.pdf
        pdf.add_page()
        pdf.set_font("helvetica", "B", 18)
        pdf.cell(0, 9, "EVIDENCE PACK", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("helvetica", "B", 12)
        pdf.multi_cell(0, 6, _t(f"Purchase order {p.po_label}"), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        self.fact("Seller", "\n".join(p.seller), 9)
        pdf.ln(1)
        self.fact("Buyer", "\n".join(p.buyer), 9)
        pdf.ln(1)
        self.fact("As of", long_date(p.created) + " (the date of the latest item)", 9)
        self.fact("Workbook", p.workbook, 9)
        self.hash_line(p.workbook_sha256)
        self.heading("Amounts")
        self.table((60, 40), ("", "Amount"), p.amounts, size=9)
        self.heading("Current dispute")
        for line in p.dispute:
            self.para(line)
        self.heading("How to read and check this pack")
        self.para("Every item below is in date order (items of one day in the order of the flow), with where it came "
                  "from: a row of the workbook, poflow's Log, a Messages row, or a file. Every file is attached to "
                  f"this PDF and included in {p.name}.zip with its SHA-256 printed here: `sha256sum FILE` (or "
                  "`certutil -hashfile FILE SHA256`) prints the same value for a file nobody edited. poflow's "
                  "documents carry their issue date as their PDF creation date.")

    def contents(self) -> None:
        self.pdf.add_page()
        self.heading("CONTENTS, IN DATE ORDER", 13)
        rows = [(str(n), _short(i), i.kind.capitalize(), i.number, i.source)
                for n, i in enumerate(self.pack.items, start=1)]
        self.table((8, 24, 30, 40, 80), ("#", "Date", "What", "Number", "From"), rows)

    def item(self, n: int, i: Item) -> None:
        self.heading(f"{n}. {long_date(i.when) if i.when else '(no date)'}: {i.title}", 10.5)
        for label, value in i.facts:
            self.fact(label, value)
        self.fact("From", i.source)
        for f in i.files:
            self.fact("File", f"{f.name}, found at {f.found_at} ({f.size:,} bytes); attached")
            self.hash_line(f.sha256)
        for m in i.missing:
            self.fact("Not found", f"{m} (expected beside the workbook; not included)")

    def files(self) -> None:
        p = self.pack
        self.pdf.add_page()
        self.heading(f"FILES: attached to this PDF and in {p.name}.zip", 13)
        if not p.files:
            self.para("No file of this order was found.")
        for f in p.files:
            self.fact(f.name, f"found at {f.found_at}, {f.size:,} bytes")
            self.hash_line(f.sha256)

    def log(self) -> None:
        p = self.pack
        self.heading("THE LOG: what poflow changed for this order, when, by which command", 13)
        if not p.log:
            self.para("No Log entry names this order" + (f" ({p.log_source})." if p.log_source else
                                                         " (the workbook has no Log tab)."))
            return
        self.para(f"From {p.log_source}; times in UTC.", 8.5)
        rows = [(e.when, e.command, e.tab, e.key, e.column, e.old, e.new) for e in p.log]
        self.table((26, 50, 17, 27, 21, 22, 22), ("When", "Command", "Tab", "Key", "Column", "Old", "New"), rows,
                   size=6.5)

    def render(self, attachments: Mapping[str, bytes]) -> bytes:
        self.cover()
        self.contents()
        for n, i in enumerate(self.pack.items, start=1):
            self.item(n, i)
        self.files()
        self.log()
        for f in self.pack.files:
            data = attachments.get(f.name, b"")
            if data:
                self.pdf.embed_file(bytes=data, basename=f.name, creation_date=self.stamp,
                                    modification_date=self.stamp, desc=_t(f"{f.found_at}; SHA-256 {f.sha256}"),
                                    compress=True)
        return bytes(self.pdf.output())


def _short(i: Item) -> str:
    return i.when.isoformat() if i.when else ""


def render_pack(pack: Pack, attachments: Mapping[str, bytes]) -> bytes:
    """The pack as PDF bytes, each file in `attachments` (by its name in the pack) attached."""
    return _Writer(pack).render(attachments)


def manifest(pack: Pack, pdf_sha256: str) -> dict[str, object]:
    """What the ZIP holds, as JSON-ready data: the pack, each item with its source, each file with its hash."""
    return {
        "po": pack.po, "as_of": pack.created.isoformat(), "workbook": pack.workbook,
        "workbook_sha256": pack.workbook_sha256, "pdf": f"{pack.name}.pdf", "pdf_sha256": pdf_sha256,
        "items": [{"date": i.when.isoformat() if i.when else None, "kind": i.kind, "number": i.number,
                   "title": i.title, "source": i.source, "files": [f.name for f in i.files],
                   "missing": list(i.missing)} for i in pack.items],
        "files": [{"name": f"files/{f.name}", "found_at": f.found_at, "size": f.size, "sha256": f.sha256}
                  for f in pack.files],
    }


def pack_zip(pack: Pack, pdf: bytes, attachments: Mapping[str, bytes]) -> bytes:
    """The ZIP beside the PDF: the PDF, manifest.json, SHA256SUMS and files/..., with fixed dates (reproducible)."""
    pdf_sha = hashlib.sha256(pdf).hexdigest()
    entries: list[tuple[str, bytes]] = [(f"{pack.name}.pdf", pdf)]
    entries.append(("manifest.json", (json.dumps(manifest(pack, pdf_sha), indent=2, ensure_ascii=False) + "\n")
                    .encode("utf-8")))
    sums = [f"{pdf_sha}  {pack.name}.pdf"] + [f"{f.sha256}  files/{f.name}" for f in pack.files]
    entries.append(("SHA256SUMS", ("\n".join(sums) + "\n").encode("utf-8")))
    entries += [(f"files/{f.name}", attachments.get(f.name, b"")) for f in pack.files]
    stamp = (max(pack.created.year, 1980), pack.created.month, pack.created.day, 0, 0, 0)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in entries:
            info = zipfile.ZipInfo(name, date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            zf.writestr(info, data)
    return buffer.getvalue()
