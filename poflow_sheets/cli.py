"""The `poflow` command: parse options, call one library function, render, exit with a meaningful status.

Exit status: 0 clean, 1 findings or items that need review, 2 a file or request poflow cannot act on.
"""

from __future__ import annotations

import functools
import json
import sys
import traceback
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, TypeVar

import click

from . import __version__
from .console import Out
from .errors import PoflowError

F = TypeVar("F", bound=Callable[..., Any])


def _guard(fn: F) -> F:
    """Turn PoflowError into one line and exit 2; any other exception into one line and exit 3."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except PoflowError as exc:
            click.echo(f"poflow: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("poflow: interrupted; nothing was written", err=True)
            sys.exit(130)
        except click.exceptions.Exit:
            raise
        except Exception as exc:  # a bug: one line, the traceback only with --verbose
            ctx = click.get_current_context(silent=True)
            if ctx is not None and ctx.find_root().params.get("verbose"):
                traceback.print_exc()
            click.echo(f"poflow: internal error: {type(exc).__name__}: {exc} (nothing was written; "
                       "run with --verbose for details)", err=True)
            sys.exit(3)

    return wrapper  # type: ignore[return-value]


def _out(ctx: click.Context, machine: bool = False) -> Out:
    root = ctx.find_root().params
    return Out(quiet=bool(root.get("quiet")), verbose=bool(root.get("verbose")), machine=machine)


def _today(value: str | None) -> date:
    from .cells import CellError, parse_date

    if not value:
        return date.today()
    try:
        d = parse_date(value)
    except CellError as exc:
        raise click.BadParameter(str(exc)) from None
    if d is None:
        raise click.BadParameter("expected a date")
    return d


WORKBOOK = click.argument("workbook", type=click.Path(path_type=Path, dir_okay=False))


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="poflow")
@click.option("-q", "--quiet", is_flag=True, help="Print only results and errors.")
@click.option("-v", "--verbose", is_flag=True, help="Print more detail (and tracebacks of internal errors).")
def main(quiet: bool, verbose: bool) -> None:
    """poflow: run a wholesale order book in a spreadsheet (validate, document, invoice, reconcile)."""


@main.command()
@WORKBOOK
@click.option("--demo", is_flag=True, help="Fill the new workbook with a small sample business.")
@click.pass_context
@_guard
def init(ctx: click.Context, workbook: Path, demo: bool) -> None:
    """Create a new workbook from the template, or add missing tabs to an existing one."""
    from .commands import init_workbook

    out = _out(ctx)
    for line in init_workbook(workbook, demo=demo):
        out.info(line)


@main.command()
@WORKBOOK
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON (see workbook-contract.md).")
@click.option("--annotate", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write a copy with each offending cell highlighted and commented.")
@click.option("--today", default=None, help="Check as of this date (default: today).")
@click.pass_context
@_guard
def validate(ctx: click.Context, workbook: Path, as_json: bool, annotate: Path | None, today: str | None) -> None:
    """Check every row of the workbook; exit 1 when there are errors."""
    from .commands import validate_workbook
    from .render import print_findings

    out = _out(ctx, machine=as_json)
    report = validate_workbook(workbook, _today(today), out=out, annotate=annotate)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        print_findings(out, report, workbook)
    sys.exit(1 if report.errors else 0)


def _command_text() -> str:
    import shlex

    return "poflow " + " ".join(shlex.quote(a) for a in sys.argv[1:])


def write_options(fn: F) -> F:
    """Options every command that writes the workbook shares."""
    for opt in reversed((
        click.option("--dry-run", is_flag=True, help="Show what would change; write nothing."),
        click.option("--force", is_flag=True, help="Write even when Excel or LibreOffice has the workbook open."),
        click.option("--output", type=click.Path(path_type=Path, dir_okay=False), default=None,
                     help="Write the result to this new .xlsx (for .ods/.xls workbooks poflow only reads)."),
    )):
        fn = opt(fn)
    return fn


def document_options(fn: F) -> F:
    """Options of commands that issue documents."""
    for opt in reversed((
        click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
                     help="Folder for the PDFs (default: documents/ beside the workbook)."),
        click.option("--sheet/--no-sheet", "sheets", default=True,
                     help="Also add a printable sheet per document to the workbook (default: yes)."),
    )):
        fn = opt(fn)
    return fn


def _run(ctx: click.Context, workbook: Path, compute: Callable[..., Any], **kw: Any) -> None:
    from .commands import run_change

    out = _out(ctx)
    for line in run_change(workbook, compute, command=_command_text(), out=out, **kw):
        out.stdout.print(line, markup=False)


@main.command()
@WORKBOOK
@click.argument("po")
@click.option("--today", default=None, help="Date of the confirmation (default: today).")
@write_options
@document_options
@click.pass_context
@_guard
def confirm(ctx: click.Context, workbook: Path, po: str, today: str | None, dry_run: bool, force: bool,
            output: Path | None, out_dir: Path | None, sheets: bool) -> None:
    """Issue an order confirmation (our reference number) for the buyer to answer "approved"."""
    from . import flow

    day = _today(today)
    _run(ctx, workbook, lambda book: flow.confirm(book, po, day), dry_run=dry_run, force=force, output=output,
         out_dir=out_dir, sheets=sheets)


@main.command()
@WORKBOOK
@click.argument("po")
@click.option("--on", "on", default=None, help="Date the buyer approved (default: today).")
@write_options
@click.pass_context
@_guard
def approve(ctx: click.Context, workbook: Path, po: str, on: str | None, dry_run: bool, force: bool,
            output: Path | None) -> None:
    """Record the buyer's "approved" answer to an order confirmation."""
    from . import flow

    day = _today(on)
    _run(ctx, workbook, lambda book: flow.approve(book, po, day), dry_run=dry_run, force=force, output=output)


@main.command()
@WORKBOOK
@click.argument("po")
@click.option("--today", default=None, help="Date of the acknowledgement (default: today).")
@write_options
@document_options
@click.pass_context
@_guard
def acknowledge(ctx: click.Context, workbook: Path, po: str, today: str | None, dry_run: bool, force: bool,
                output: Path | None, out_dir: Path | None, sheets: bool) -> None:
    """Acknowledge a PO: stock, MOQ, case packs, prices and ship date checked; a status per line."""
    from . import flow

    day = _today(today)
    _run(ctx, workbook, lambda book: flow.acknowledge(book, po, day), dry_run=dry_run, force=force, output=output,
         out_dir=out_dir, sheets=sheets)


@main.command()
@WORKBOOK
@click.argument("po")
@click.option("--line", "lines", multiple=True, metavar="N=QTY", help="Ship QTY of line N (repeat); default: all open.")
@click.option("--date", "when", default=None, help="Ship date (default: today).")
@click.option("--carrier", default="", help="Carrier.")
@click.option("--tracking", default="", help="Tracking number (a second run with the same one does nothing).")
@click.option("--note", default="", help="Why short or substituted.")
@click.option("--reason", default="", help="With --force: why it ships with the deposit unpaid (recorded).")
@write_options
@click.pass_context
@_guard
def ship(ctx: click.Context, workbook: Path, po: str, lines: tuple[str, ...], when: str | None, carrier: str,
         tracking: str, note: str, reason: str, dry_run: bool, force: bool, output: Path | None) -> None:
    """Record a shipment (every open quantity, or --line N=QTY); refuses more than is open."""
    from . import flow
    from .errors import Refused

    day = _today(when)
    wanted = flow.parse_line_qty(lines)
    if force and not reason:
        raise Refused("--force on ship needs --reason \"...\" (it is recorded with the shipment)")
    _run(ctx, workbook, lambda book: flow.ship(book, po, day, wanted, carrier=carrier, tracking=tracking, note=note,
                                               force_reason=reason if force else ""),
         dry_run=dry_run, force=force, output=output)


@main.command()
@WORKBOOK
@click.argument("po", required=False)
@click.option("--deposit", is_flag=True, help="Issue the deposit invoice (due on receipt).")
@click.option("--all-ready", is_flag=True, help="Invoice every shipped, uninvoiced order.")
@click.option("--today", default=None, help="Invoice date (default: today).")
@write_options
@document_options
@click.pass_context
@_guard
def invoice(ctx: click.Context, workbook: Path, po: str | None, deposit: bool, all_ready: bool, today: str | None,
            dry_run: bool, force: bool, output: Path | None, out_dir: Path | None, sheets: bool) -> None:
    """Issue the final invoice for what shipped (or --deposit, or --all-ready)."""
    from . import flow
    from .errors import Refused

    day = _today(today)
    if all_ready == bool(po):
        raise Refused("name one PO, or --all-ready (not both)")
    if all_ready:
        _run(ctx, workbook, lambda book: flow.invoice_all_ready(book, day), dry_run=dry_run, force=force,
             output=output, out_dir=out_dir, sheets=sheets)
    elif deposit:
        _run(ctx, workbook, lambda book: flow.deposit_invoice(book, po or "", day), dry_run=dry_run, force=force,
             output=output, out_dir=out_dir, sheets=sheets)
    else:
        _run(ctx, workbook, lambda book: flow.final_invoice(book, po or "", day), dry_run=dry_run, force=force,
             output=output, out_dir=out_dir, sheets=sheets)


@main.command()
@WORKBOOK
@click.argument("invoice_number")
@click.option("--amount", default=None, help="Credit this amount.")
@click.option("--line", "lines", multiple=True, metavar="N=QTY", help="Credit QTY returned of PO line N (repeat).")
@click.option("--reason", required=True, help="Why: returns, damages...")
@click.option("--today", default=None, help="Date of the credit note (default: today).")
@write_options
@document_options
@click.pass_context
@_guard
def credit(ctx: click.Context, workbook: Path, invoice_number: str, amount: str | None, lines: tuple[str, ...],
           reason: str, today: str | None, dry_run: bool, force: bool, output: Path | None, out_dir: Path | None,
           sheets: bool) -> None:
    """Issue a credit note against an invoice (its own number sequence)."""
    from . import flow
    from .errors import Refused
    from .money import AmountError, parse_amount

    day = _today(today)
    value = None
    if amount is not None:
        try:
            value = parse_amount(amount)
        except AmountError as exc:
            raise Refused(f"--amount: {exc}") from None
    wanted = flow.parse_line_qty(lines)
    _run(ctx, workbook, lambda book: flow.credit(book, invoice_number, day, amount=value, lines=wanted, reason=reason),
         dry_run=dry_run, force=force, output=output, out_dir=out_dir, sheets=sheets)


@main.command("import-bank")
@WORKBOOK
@click.argument("bank_files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@write_options
@click.pass_context
@_guard
def import_bank_cmd(ctx: click.Context, workbook: Path, bank_files: tuple[Path, ...], dry_run: bool, force: bool,
                    output: Path | None) -> None:
    """Record bank exports (CSV, Excel, OFX/QFX, camt.053/054, MT940/942) in the Payments tab, each once."""
    from .reconcile_ops import import_bank

    _run(ctx, workbook, lambda book: import_bank(book, bank_files)[1], dry_run=dry_run, force=force, output=output)


@main.command()
@WORKBOOK
@click.argument("bank_files", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--apply", "do_apply", is_flag=True, help="Write Payments, Allocations, balances and statuses.")
@click.option("--accept", "accepts", multiple=True, metavar="TXN=INVOICE",
              help="Confirm a suggestion: apply transaction TXN to INVOICE (or a PO for a deposit); repeatable.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (see workbook-contract.md).")
@click.option("--report", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write an .xlsx report (summary, applied, suggestions, unmatched, aging).")
@click.option("--email", is_flag=True, help="Send the summary and the report by SMTP (Settings or POFLOW_SMTP_*).")
@click.option("--folder", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Also read every bank file in this folder not processed before (for nightly runs).")
@click.option("--today", default=None, help="Match as of this date (default: today).")
@write_options
@click.pass_context
@_guard
def reconcile(ctx: click.Context, workbook: Path, bank_files: tuple[Path, ...], do_apply: bool,
              accepts: tuple[str, ...], as_json: bool, report: Path | None, email: bool, folder: Path | None,
              today: str | None, dry_run: bool, force: bool, output: Path | None) -> None:
    """Match bank payments to open invoices and POs; apply only what is certain; exit 1 if any need review."""
    from datetime import UTC, datetime

    from .errors import Refused
    from .reconcile.engine import to_json
    from .reconcile_ops import exit_status, load_for_reconcile
    from .reconcile_ops import reconcile as run
    from .store_ops import apply_changeset, check_writable

    out = _out(ctx, machine=as_json)
    day = _today(today)
    pairs = []
    for item in accepts:
        txn, sep, target = item.partition("=")
        if not sep or not txn or not target:
            raise Refused(f"--accept {item!r}: expected TXN=INVOICE")
        pairs.append((txn.strip(), target.strip()))
    files = list(bank_files)
    state, hashes = None, []
    if folder is not None:
        from .schedule import default_state, pending

        state = default_state(folder)
        found = pending(folder, state)
        files += [f for f, _ in found]
        hashes = [h for _, h in found]
    if do_apply and not dry_run:
        check_writable(workbook, output)
    book, imported = load_for_reconcile(workbook, files)
    rec = run(book, files, day, accepts=pairs, imported=imported)
    for line in rec.changes.messages:
        out.info(line)
    if do_apply:
        now = datetime.now(UTC).replace(tzinfo=None)
        rec.changes.messages.clear()
        for line in apply_changeset(book, rec.changes, command=_command_text(), now=now, force=force,
                                    dry_run=dry_run, output=output):
            out.info(line)
        if state is not None and not dry_run:
            from .schedule import mark_processed

            mark_processed(files[len(bank_files):], state, hashes=hashes)
    if report is not None:
        from .reports import write_report

        write_report(report, rec.result, rec.result.transactions, rec.ledger, day)
        out.info(f"wrote {report}")
    if email:
        _send_summary(book, rec, day, report, out)
    if as_json:
        click.echo(json.dumps(to_json(rec.result), indent=2, ensure_ascii=False))
    else:
        from .render import print_reconcile

        print_reconcile(out, rec.result)
    sys.exit(exit_status(rec.result))


def _send_summary(book: Any, rec: Any, day: date, report: Path | None, out: Out) -> None:
    import os

    from .mailer import send_with_settings, smtp_settings
    from .reports import summary_html, summary_markdown

    smtp = smtp_settings(book.settings, os.environ)
    text = summary_markdown(rec.result, rec.result.transactions, rec.ledger, day)
    html = summary_html(rec.result, rec.result.transactions, rec.ledger, day)
    send_with_settings(smtp, text, html, [report] if report else [],
                       f"poflow reconciliation {day.isoformat()}: {book.path.name}")
    out.info(f"sent the summary to {', '.join(smtp.to)}")


@main.command()
@WORKBOOK
@click.option("--json", "as_json", is_flag=True, help="Print the pipeline as JSON.")
@click.option("--today", default=None, help="As of this date (default: today).")
@click.pass_context
@_guard
def status(ctx: click.Context, workbook: Path, as_json: bool, today: str | None) -> None:
    """The pipeline: orders and money at each step, overdue by age, and what needs action today."""
    from .commands import load
    from .pipeline import pipeline, render_pipeline

    out = _out(ctx, machine=as_json)
    result = pipeline(load(workbook, out), _today(today))
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    else:
        render_pipeline(result, out.stdout)


@main.command()
@WORKBOOK
@click.argument("buyer")
@click.option("--today", default=None, help="Statement date (default: today).")
@write_options
@document_options
@click.pass_context
@_guard
def statement(ctx: click.Context, workbook: Path, buyer: str, today: str | None, dry_run: bool, force: bool,
              output: Path | None, out_dir: Path | None, sheets: bool) -> None:
    """A statement of account for one buyer (open invoices, payments, credits, aging) as a sheet and a PDF."""
    from .changeset import ChangeSet
    from .statement import statement_document

    day = _today(today)

    def compute(book: Any) -> ChangeSet:
        cs = ChangeSet()
        cs.documents.append(statement_document(book, buyer, day, f"ST-{buyer}-{day.isoformat()}"))
        return cs

    _run(ctx, workbook, compute, dry_run=dry_run, force=force, output=output, out_dir=out_dir, sheets=sheets)


@main.command("log")
@WORKBOOK
@click.option("--limit", default=50, show_default=True, help="Show the last N changes.")
@click.pass_context
@_guard
def log_cmd(ctx: click.Context, workbook: Path, limit: int) -> None:
    """Show the audit trail: what poflow changed in the workbook, when, and by which command."""
    from .render import print_log

    print_log(_out(ctx), workbook, limit)
