"""Every `poflow` command as one library function: read the workbook, compute (pure), write, say what was done.

The CLI parses options, calls one of these and renders what it returns. From Python:

    from poflow_sheets import app
    report = app.validate(Path("books.xlsx"), date.today())
    lines = app.confirm(Path("books.xlsx"), "WW-1126", date.today())
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from pathlib import Path

from .. import flow
from ..changeset import ChangeSet
from ..console import Out
from ..errors import Refused
from ..pipeline import Pipeline, pipeline
from ..reader import Book
from ..validate import Report
from ..validate import validate as validate_book
from .workbook import WriteOptions, change_workbook, init_workbook, load

DEFAULT = WriteOptions()


def _change(workbook: Path, compute: flow.Compute, opts: WriteOptions) -> list[str]:
    if opts.send is not None:  # --send: issue, then email what was issued
        from .mail import issue_and_send

        return issue_and_send(workbook, compute, opts)
    return change_workbook(workbook, compute, command=opts.command, out=opts.out, force=opts.force,
                           dry_run=opts.dry_run, sheets=opts.sheets, out_dir=opts.out_dir, output=opts.output,
                           now=opts.now)


def init(workbook: Path, *, demo: bool = False) -> list[str]:
    """A new workbook from the template (or the demo business), or the missing tabs added to an existing one."""
    return list(init_workbook(workbook, demo=demo))


def validate(workbook: Path, today: date, *, annotate: Path | None = None, out: Out | None = None,
             with_archive: bool = False) -> Report:
    """Every row checked; with `annotate`, a highlighted copy written (the original is never modified);
    `with_archive`: the archives' records checked with the book's (a number used in both is found), their
    findings naming the archive (`[books-archive-2025.xlsx]Invoices`)."""
    book = load(workbook, out)
    if with_archive:
        from dataclasses import replace as replaced

        from .archive import archived_where
        from .archive import with_archive as merged

        book, _said = merged(book, mark=True)
        report = validate_book(book, today)
        report = replaced(report, findings=archived_where(report.findings, workbook))
    else:
        report = validate_book(book, today)
    if workbook.suffix.lower() in (".xlsx", ".xlsm") and workbook.is_file():
        from dataclasses import replace

        from ..growth import limit_findings
        from ..store.xlsx_head import sheet_sizes

        report = replace(report, findings=report.findings + tuple(limit_findings(sheet_sizes(workbook))))
    report = _document_tabs_over(book, report)
    if annotate is not None:
        from dataclasses import replace as replaced

        from ..annotate import write_annotated

        own = tuple(f for f in report.findings if not f.tab.startswith("["))  # the archives' are not in the copy
        write_annotated(workbook, annotate, replaced(report, findings=own))
    return report


def _document_tabs_over(book: Book, report: Report) -> Report:
    """The report with a warning when the book holds more document tabs than Settings `Document Sheets Kept`
    (the tabs are read only when there are more tabs than that)."""
    from dataclasses import replace

    from ..doctabs import kept, to_move
    from ..growth import document_tab_findings
    from ..gsheets.location import is_sheet
    from ..store.xlsx_patch import writable_format
    from .doctabs import candidates, document_tabs, source_document_tabs

    keep = kept(book.settings.document_sheets_kept)
    if len(candidates(book)) <= keep:
        return report
    google = is_sheet(book.path)
    if google:
        from .workbook import backend_of

        source = backend_of(book.path).open()
        try:
            tabs = source_document_tabs(source, book)
        finally:
            source.close()
    elif writable_format(book.path) and book.path.is_file():
        tabs = document_tabs(book.path, book)
    else:
        return report
    oldest = [t.name for t in to_move(tabs, 0)]
    return replace(report, findings=report.findings + tuple(document_tab_findings(oldest, keep, google=google)))


def status(workbook: Path, today: date, *, out: Out | None = None) -> Pipeline:
    """The pipeline: orders and money at each step, and what needs action today."""
    return pipeline(load(workbook, out), today)


def confirm(workbook: Path, po: str, today: date, opts: WriteOptions = DEFAULT) -> list[str]:
    """Our order confirmation for the buyer to answer "approved"."""
    return _change(workbook, lambda book: flow.confirm(book, po, today), opts)


def approve(workbook: Path, po: str, on: date, opts: WriteOptions = DEFAULT) -> list[str]:
    """Record the buyer's approval of our confirmation (or of a revised acknowledgement)."""
    return _change(workbook, lambda book: flow.approve(book, po, on), opts)


def acknowledge(workbook: Path, po: str, today: date, opts: WriteOptions = DEFAULT) -> list[str]:
    """The order acknowledgement (or a revision of it when what was acknowledged changed)."""
    return _change(workbook, lambda book: flow.acknowledge(book, po, today), opts)


def ship(workbook: Path, po: str, when: date, lines: dict[int, int] | None = None, *, carrier: str = "",
         tracking: str = "", note: str = "", reason: str = "", opts: WriteOptions = DEFAULT) -> list[str]:
    """Record a shipment and its packing slip; `reason` (with --force) overrides a refusal and is recorded."""
    if opts.force and not reason:
        raise Refused("--force on ship needs --reason \"...\" (it is recorded with the shipment)")
    return _change(workbook, lambda book: flow.ship(book, po, when, lines, carrier=carrier, tracking=tracking,
                                                    note=note, force_reason=reason if opts.force else ""), opts)


def invoice(workbook: Path, po: str | None, today: date, *, deposit: bool = False, all_ready: bool = False,
            opts: WriteOptions = DEFAULT) -> list[str]:
    """The final invoice for what shipped, the deposit invoice, or every shipped and uninvoiced order."""
    if all_ready == bool(po):
        raise Refused("name one PO, or --all-ready (not both)")
    if all_ready:
        return _change(workbook, lambda book: flow.invoice_all_ready(book, today), opts)
    if deposit:
        return _change(workbook, lambda book: flow.deposit_invoice(book, po or "", today), opts)
    return _change(workbook, lambda book: flow.final_invoice(book, po or "", today), opts)


def credit(workbook: Path, invoice_number: str, today: date, *, reason: str, amount: Decimal | None = None,
           lines: dict[int, int] | None = None, opts: WriteOptions = DEFAULT) -> list[str]:
    """A credit note against an invoice, in its own number sequence."""
    return _change(workbook, lambda book: flow.credit(book, invoice_number, today, amount=amount, lines=lines,
                                                      reason=reason), opts)


def cancel(workbook: Path, po: str, today: date, *, reason: str, lines: Sequence[int] = (),
           opts: WriteOptions = DEFAULT) -> list[str]:
    """Cancel an order or some of its lines; a deposit paid on cancelled goods becomes a credit on account."""
    return _change(workbook, lambda book: flow.cancel(book, po, today, lines=tuple(lines), reason=reason), opts)


def claim(workbook: Path, po: str, today: date, *, line: int | None = None, kind: str = "", qty: int | None = None,
          note: str = "", files: Sequence[Path] = (), claim_number: str = "", settle: str = "", approve: bool = False,
          reject: bool = False, carrier: str = "", tracking: str = "", opts: WriteOptions = DEFAULT) -> list[str]:
    """Record a buyer's claim on a shipped line (`line`, `kind`, `qty`, the buyer's statement as `note`, photos
    as `files`); or approve, reject (`note` says why) or settle one (`settle`: credit, replacement or none)."""
    from .. import claims

    modes = [m for m, on in (("--settle", bool(settle)), ("--approve", approve), ("--reject", reject)) if on]
    if len(modes) > 1:
        raise Refused(f"{' and '.join(modes)}: choose one")
    if modes:
        if line is not None or kind or qty is not None or files:
            raise Refused(f"{modes[0]} acts on a recorded claim (--claim CL-...); --line, --kind, --qty and --file "
                          "record a new one")
        if settle:
            if settle not in claims.SETTLEMENTS:
                raise Refused(f"--settle {settle!r}: expected one of {', '.join(claims.SETTLEMENTS)}")
            how: claims.Settlement = settle
            return _change(workbook, lambda book: claims.settle(book, po, today, how=how, claim=claim_number,
                                                                carrier=carrier, tracking=tracking, note=note), opts)
        return _change(workbook, lambda book: claims.decide(book, po, today, claim=claim_number, approve=approve,
                                                            reason=note), opts)
    if line is None or not kind or qty is None:
        raise Refused("a new claim needs --line N, --kind (short, damaged, wrong item, return) and --qty Q; or act on "
                      "a recorded one with --settle, --approve or --reject")
    parsed = claims.parse_kind(kind)
    stored, missing = claim_files(workbook, files)
    lines = _change(workbook, lambda book: claims.record(book, po, today, line=line, kind=parsed, qty=qty,
                                                         statement=note, files=stored), opts)
    return lines + [f"note: {m} is not there (the path is recorded as given)" for m in missing]


def claim_files(workbook: Path, files: Sequence[Path]) -> tuple[tuple[str, ...], list[str]]:
    """Paths of a claim's photos and files as the Claims tab keeps them: relative to the workbook's folder when
    inside it (so the folder can move), else absolute; and the ones that do not exist."""
    base = workbook.resolve().parent
    stored, missing = [], []
    for f in files:
        path = f.expanduser().resolve()
        if not path.exists():
            missing.append(str(f))
        try:
            stored.append(path.relative_to(base).as_posix())
        except ValueError:
            stored.append(str(path))
    return tuple(stored), missing


def statement(workbook: Path, buyer: str, today: date, opts: WriteOptions = DEFAULT, *,
              with_archive: bool = False) -> list[str]:
    """A statement of account for one buyer, as a sheet and a PDF (`with_archive`: the archives' records too)."""
    from ..documents.statement import statement_document

    def compute(book: Book) -> ChangeSet:
        cs = ChangeSet()
        if with_archive:
            from .archive import with_archive as merged

            book, said = merged(book)
            cs.messages.extend(said)
        cs.documents.append(statement_document(book, buyer, today, f"ST-{buyer}-{today.isoformat()}"))
        return cs

    return _change(workbook, compute, opts)


def quote(workbook: Path, buyer: str, items: dict[str, int], today: date, *, valid_days: int | None = None,
          prospect: str = "", opts: WriteOptions = DEFAULT) -> list[str]:
    """A quote (price confirmation) at the volume-tier prices, MOQ and case packs checked."""
    from ..quotes import quote as compute

    return _change(workbook, lambda book: compute(book, buyer, items, today, valid_days=valid_days,
                                                  prospect=prospect), opts)


def order_from_quote(workbook: Path, quote_number: str, today: date, *, po: str = "",
                     opts: WriteOptions = DEFAULT) -> list[str]:
    """Orders and Lines from an accepted, unexpired quote, at the quoted prices."""
    from ..quotes import order_from_quote as compute

    return _change(workbook, lambda book: compute(book, quote_number, today, po=po), opts)


def linesheet(workbook: Path, today: date, *, buyer: str = "", opts: WriteOptions = DEFAULT) -> list[str]:
    """The line sheet buyers see before they inquire: products, case packs, MOQ, tier prices."""
    from ..quotes import linesheet as compute

    return _change(workbook, lambda book: compute(book, today, buyer=buyer), opts)


def import_bank(workbook: Path, files: Sequence[Path], opts: WriteOptions = DEFAULT) -> list[str]:
    """Record bank exports in the Payments tab, each transaction once, without matching."""
    from .payments import import_bank as compute

    return _change(workbook, lambda book: compute(book, files)[1], opts)
