"""The `poflow` command: parse options, call one library function, render, exit with a meaningful status.

Exit status: 0 clean, 1 findings or items that need review, 2 a file or request poflow cannot act on,
3 a bug in poflow (one line; the traceback with --verbose), 130 interrupted (Ctrl-C; nothing written).
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

from . import __version__, app, flow
from .console import Out
from .errors import PoflowError, Refused, actionable
from .workbook_arg import workbook_argument, workbook_pair

F = TypeVar("F", bound=Callable[..., Any])


def _guard(fn: F) -> F:
    """Turn PoflowError (and failures a person can act on) into one line and exit 2; any other into exit 3."""

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
            known = actionable(exc)  # disk full, permissions, memory, malformed XML: one line, exit 2
            if known is not None:
                click.echo(f"poflow: {known}", err=True)
                sys.exit(known.exit_code)
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


WORKBOOK = workbook_argument  # a file, gsheet:ID or a Sheets URL; adds --credentials


def _strip(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Arguments as a person means them: a stray space around a PO or an invoice number is no part of it."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, tuple):
        return tuple(v.strip() if isinstance(v, str) else v for v in value)
    return value


def _arg(name: str, **kw: Any) -> Callable[[F], F]:
    return click.argument(name, callback=_strip, **kw)


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
    out = _out(ctx)
    for line in app.init(workbook, demo=demo):
        out.info(line)


@main.command()
@WORKBOOK
@click.option("--apply", "do_apply", is_flag=True,
              help="Write the proposal as a 'poflow Map' tab (your headers and columns are never renamed or moved).")
@click.option("--split", "split_to", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="A one-tab tracker: write its buyers, orders, lines, invoices and payments as this NEW .xlsx.")
@click.option("--tab", default="", callback=_strip, help="With --split: the tracker's tab (default: the best).")
@click.option("--force", is_flag=True, help="Write even when Excel or LibreOffice has the workbook open.")
@click.pass_context
@_guard
def adopt(ctx: click.Context, workbook: Path, do_apply: bool, split_to: Path | None, tab: str, force: bool) -> None:
    """Adopt the order book you keep: propose poflow's names for your tabs and columns, or --split a tracker."""
    if split_to is not None:
        if do_apply:
            raise Refused("--split writes a new workbook and --apply the poflow Map of this one; choose one")
        run = app.adopt_split(workbook, split_to, tab=tab)
    else:
        run = app.adopt(workbook, apply=do_apply, opts=_opts(ctx, force=force))
    _show(ctx, run.lines)
    sys.exit(run.exit_status)


@main.command()
@WORKBOOK
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON (docs/workbook-contract.md).")
@click.option("--annotate", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write a copy with each offending cell highlighted and commented.")
@click.option("--today", default=None, help="Check as of this date (default: today).")
@click.option("--with-archive", is_flag=True, help="Check the records moved to the archive workbooks too.")
@click.pass_context
@_guard
def validate(ctx: click.Context, workbook: Path, as_json: bool, annotate: Path | None, today: str | None,
             with_archive: bool = False) -> None:
    """Check every row of the workbook; exit 1 when there are errors."""
    from .render import print_findings

    out = _out(ctx, machine=as_json)
    report = app.validate(workbook, _today(today), annotate=annotate, out=out, with_archive=with_archive)
    if as_json:
        click.echo(json.dumps(report.to_json(), indent=2, ensure_ascii=False))
    else:
        print_findings(out, report, workbook)
    sys.exit(1 if report.errors else 0)


def _command_text(ctx: click.Context) -> str:
    """The command as the Log records it, rebuilt from what click parsed (so it is the same whether poflow
    runs from a shell or from Python): arguments in order, then the options that differ from their default."""
    import shlex

    words = [ctx.info_name or ""]
    for param in ctx.command.params:
        value = ctx.params.get(param.name or "")
        if not param.expose_value and param.name == "credentials":  # kept aside by workbook_arg: the file name only
            from .gsheets.auth import CREDENTIALS_FILE

            value = CREDENTIALS_FILE.get()
        values = value if isinstance(value, tuple) else (value,)
        if isinstance(param, click.Argument):
            words += [str(v) for v in values if v not in (None, "")]
        elif isinstance(param, click.Option) and value != param.default and value not in (None, (), ""):
            flag = max(param.opts, key=len)
            if param.is_flag:
                if value is True:
                    words.append(flag)
                elif param.secondary_opts:
                    words.append(max(param.secondary_opts, key=len))
            else:
                words += [w for v in values for w in (flag, str(v))]
    return "poflow " + " ".join(shlex.quote(w) for w in words if w)


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


def send_options(fn: F) -> F:
    """Options of commands that can email what they issue."""
    for opt in reversed((
        click.option("--send", is_flag=True,
                     help="Email each document issued to the buyer, PDF attached (recorded in the Messages tab)."),
        click.option("--again", is_flag=True, help="Send also to addresses that had the document already."),
        click.option("--ca-file", type=click.Path(path_type=Path, dir_okay=False), default=None,
                     help="Trust this CA certificate (PEM) for the mail server (a private CA)."),
    )):
        fn = opt(fn)
    return fn


def _opts(ctx: click.Context, *, dry_run: bool = False, force: bool = False, output: Path | None = None,
          out_dir: Path | None = None, sheets: bool = True, machine: bool = False, send: bool = False,
          again: bool = False, ca_file: Path | None = None) -> app.WriteOptions:
    mail = app.SendOptions(again=again, ca_file=ca_file) if send else None
    return app.WriteOptions(command=_command_text(ctx), dry_run=dry_run, force=force, output=output, out_dir=out_dir,
                            sheets=sheets, out=_out(ctx, machine=machine), send=mail)


def _show(ctx: click.Context, lines: list[str]) -> None:
    out = _out(ctx)
    for line in lines:
        out.stdout.print(line, markup=False)
    if getattr(lines, "exit_status", 0):  # --send: a message the server refused (recorded, tried again)
        sys.exit(getattr(lines, "exit_status", 0))


@main.command()
@WORKBOOK
@_arg("po")
@click.option("--today", default=None, help="Date of the confirmation (default: today).")
@write_options
@document_options
@send_options
@click.pass_context
@_guard
def confirm(ctx: click.Context, workbook: Path, po: str, today: str | None, **kw: Any) -> None:
    """Issue an order confirmation (our reference number) for the buyer to answer "approved"."""
    _show(ctx, app.confirm(workbook, po, _today(today), _opts(ctx, **kw)))


@main.command()
@WORKBOOK
@_arg("po")
@click.option("--on", "on", default=None, help="Date the buyer approved (default: today).")
@write_options
@click.pass_context
@_guard
def approve(ctx: click.Context, workbook: Path, po: str, on: str | None, **kw: Any) -> None:
    """Record the buyer's "approved" answer to a confirmation or a revised acknowledgement."""
    _show(ctx, app.approve(workbook, po, _today(on), _opts(ctx, **kw)))


@main.command()
@WORKBOOK
@_arg("po")
@click.option("--today", default=None, help="Date of the acknowledgement (default: today).")
@write_options
@document_options
@send_options
@click.pass_context
@_guard
def acknowledge(ctx: click.Context, workbook: Path, po: str, today: str | None, **kw: Any) -> None:
    """Acknowledge a PO (a status per line), or issue a revision when what was acknowledged changed."""
    _show(ctx, app.acknowledge(workbook, po, _today(today), _opts(ctx, **kw)))


@main.command()
@WORKBOOK
@_arg("po")
@click.option("--line", "lines", multiple=True, metavar="N=QTY", help="Ship QTY of line N (repeat); default: all open.")
@click.option("--date", "when", default=None, help="Ship date (default: today).")
@click.option("--carrier", default="", help="Carrier.")
@click.option("--tracking", default="", help="Tracking number (a second run with the same one does nothing).")
@click.option("--note", default="", help="A note recorded with the shipment.")
@click.option("--reason", default="", help="With --force: why it ships anyway (recorded).")
@write_options
@document_options
@click.pass_context
@_guard
def ship(ctx: click.Context, workbook: Path, po: str, lines: tuple[str, ...], when: str | None, carrier: str,
         tracking: str, note: str, reason: str, **kw: Any) -> None:
    """Record a shipment and its packing slip; only what was acknowledged, never more than stock."""
    _show(ctx, app.ship(workbook, po, _today(when), flow.parse_line_qty(lines), carrier=carrier.strip(),
                        tracking=tracking.strip(), note=note.strip(), reason=reason.strip(), opts=_opts(ctx, **kw)))


@main.command()
@WORKBOOK
@_arg("po", required=False)
@click.option("--deposit", is_flag=True, help="Issue the deposit invoice (due on receipt).")
@click.option("--all-ready", is_flag=True, help="Invoice every shipped, uninvoiced order.")
@click.option("--today", default=None, help="Invoice date (default: today).")
@write_options
@document_options
@send_options
@click.pass_context
@_guard
def invoice(ctx: click.Context, workbook: Path, po: str | None, deposit: bool, all_ready: bool, today: str | None,
            **kw: Any) -> None:
    """Issue the final invoice for what shipped (or --deposit, or --all-ready)."""
    _show(ctx, app.invoice(workbook, po, _today(today), deposit=deposit, all_ready=all_ready, opts=_opts(ctx, **kw)))


@main.command()
@WORKBOOK
@_arg("invoice_number")
@click.option("--amount", default=None, help="Credit this amount.")
@click.option("--line", "lines", multiple=True, metavar="N=QTY", help="Credit QTY returned of PO line N (repeat).")
@click.option("--reason", required=True, help="Why: returns, damages...")
@click.option("--today", default=None, help="Date of the credit note (default: today).")
@write_options
@document_options
@send_options
@click.pass_context
@_guard
def credit(ctx: click.Context, workbook: Path, invoice_number: str, amount: str | None, lines: tuple[str, ...],
           reason: str, today: str | None, **kw: Any) -> None:
    """Issue a credit note against an invoice (its own number sequence)."""
    from .money import AmountError, parse_amount

    value = None
    if amount is not None:
        try:
            value = parse_amount(amount)
        except AmountError as exc:
            raise Refused(f"--amount: {exc}") from None
    _show(ctx, app.credit(workbook, invoice_number, _today(today), reason=reason, amount=value,
                          lines=flow.parse_line_qty(lines), opts=_opts(ctx, **kw)))


@main.command()
@WORKBOOK
@_arg("po")
@click.option("--line", "lines", multiple=True, type=int, metavar="N", help="Cancel only line N (repeat).")
@click.option("--reason", required=True, help="Why the order or lines are cancelled (recorded).")
@click.option("--today", default=None, help="Date of the cancellation (default: today).")
@write_options
@click.pass_context
@_guard
def cancel(ctx: click.Context, workbook: Path, po: str, lines: tuple[int, ...], reason: str, today: str | None,
           **kw: Any) -> None:
    """Cancel an order or some of its lines; a deposit paid on cancelled goods becomes a credit on account."""
    _show(ctx, app.cancel(workbook, po, _today(today), reason=reason.strip(), lines=lines, opts=_opts(ctx, **kw)))


@main.command()
@WORKBOOK
@_arg("po")
@click.option("--line", type=int, default=None, metavar="N", help="The PO line the buyer claims on (a new claim).")
@click.option("--kind", default="", help="short, damaged, wrong item or return (a new claim).")
@click.option("--qty", type=int, default=None, help="Units claimed (a new claim).")
@click.option("--note", default="", help="The buyer's statement (a new claim); why (--reject); a note (--settle).")
@click.option("--file", "files", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              help="A photo or file the buyer sent (repeat); recorded by path.")
@click.option("--claim", "claim_number", default="", callback=_strip, help="The claim to act on (default: the PO's "
              "only open one).")
@click.option("--settle", type=click.Choice(["credit", "replacement", "none"]), default=None,
              help="Settle the claim: a credit note, a replacement shipment at no charge, or no remedy.")
@click.option("--approve", is_flag=True, help="Approve the claim (settle it later).")
@click.option("--reject", is_flag=True, help="Reject the claim (--note says why).")
@click.option("--carrier", default="", help="With --settle replacement: the carrier.")
@click.option("--tracking", default="", help="With --settle replacement: the tracking number.")
@click.option("--today", default=None, help="Date reported, or of the settlement (default: today).")
@write_options
@document_options
@click.pass_context
@_guard
def claim(ctx: click.Context, workbook: Path, po: str, line: int | None, kind: str, qty: int | None, note: str,
          files: tuple[Path, ...], claim_number: str, settle: str | None, approve: bool, reject: bool, carrier: str,
          tracking: str, today: str | None, **kw: Any) -> None:
    """Record a buyer's claim (short, damaged, wrong item, return) on a shipped line, or decide and settle one."""
    _show(ctx, app.claim(workbook, po, _today(today), line=line, kind=kind, qty=qty, note=note.strip(), files=files,
                         claim_number=claim_number, settle=settle or "", approve=approve, reject=reject,
                         carrier=carrier.strip(), tracking=tracking.strip(), opts=_opts(ctx, **kw)))


@main.command()
@WORKBOOK
@_arg("buyer")
@_arg("items", nargs=-1, required=True)
@click.option("--valid-days", type=int, default=None, help="Days the quote holds (default: Settings Quote Valid Days).")
@click.option("--prospect", default="", callback=_strip,
              help="A shop not in Buyers yet: its name (BUYER is then your short name for it).")
@click.option("--today", default=None, help="Date of the quote (default: today).")
@write_options
@document_options
@send_options
@click.pass_context
@_guard
def quote(ctx: click.Context, workbook: Path, buyer: str, items: tuple[str, ...], valid_days: int | None,
          prospect: str, today: str | None, **kw: Any) -> None:
    """Quote SKU=QTY items to a buyer (or a prospect) at the volume-tier prices, MOQ and case packs checked."""
    from .quotes import parse_items

    _show(ctx, app.quote(workbook, buyer, parse_items(items), _today(today), valid_days=valid_days,
                         prospect=prospect, opts=_opts(ctx, **kw)))


@main.command("order")
@WORKBOOK
@click.option("--from-quote", "quote_number", required=True, callback=_strip, help="The accepted quote's number.")
@click.option("--po", default="", callback=_strip, help="The buyer's PO number (default: our confirmation number).")
@click.option("--today", default=None, help="Date of the order (default: today).")
@write_options
@click.pass_context
@_guard
def order_cmd(ctx: click.Context, workbook: Path, quote_number: str, po: str, today: str | None, **kw: Any) -> None:
    """Turn an accepted, unexpired quote into an order and its lines at the quoted prices."""
    _show(ctx, app.order_from_quote(workbook, quote_number, _today(today), po=po, opts=_opts(ctx, **kw)))


@main.command()
@WORKBOOK
@click.option("--buyer", default="", callback=_strip, help="Show this buyer's terms and deposit.")
@click.option("--today", default=None, help="Date printed on the line sheet (default: today).")
@write_options
@document_options
@send_options
@click.pass_context
@_guard
def linesheet(ctx: click.Context, workbook: Path, buyer: str, today: str | None, **kw: Any) -> None:
    """The line sheet: products, case packs, MOQ and tier prices, as a PDF and a sheet."""
    _show(ctx, app.linesheet(workbook, _today(today), buyer=buyer, opts=_opts(ctx, **kw)))


@main.command("import-bank")
@WORKBOOK
@click.argument("bank_files", nargs=-1, required=True, type=click.Path(path_type=Path, dir_okay=False))
@write_options
@click.pass_context
@_guard
def import_bank_cmd(ctx: click.Context, workbook: Path, bank_files: tuple[Path, ...], **kw: Any) -> None:
    """Record bank exports (CSV, Excel, OFX/QFX, camt.053/054, MT940/942) in the Payments tab, each once."""
    _show(ctx, app.import_bank(workbook, bank_files, _opts(ctx, **kw)))


@main.command()
@WORKBOOK
@click.argument("bank_files", nargs=-1, type=click.Path(path_type=Path, dir_okay=False))
@click.option("--apply", "do_apply", is_flag=True, help="Write Payments, Allocations, balances and statuses.")
@click.option("--accept", "accepts", multiple=True, metavar="TXN=INVOICE",
              help="Confirm a suggestion: apply transaction TXN to INVOICE (or a PO for a deposit); repeatable.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (docs/workbook-contract.md).")
@click.option("--report", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Write an .xlsx report (summary, applied, suggestions, unmatched, aging).")
@click.option("--email", is_flag=True, help="Send the summary and the report by SMTP (Settings or POFLOW_SMTP_*).")
@click.option("--folder", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Also read every bank file in this folder not processed before (for nightly runs).")
@click.option("--today", default=None, help="Match as of this date (default: today).")
@click.option("--remittance", "remittance", multiple=True, type=click.Path(path_type=Path, dir_okay=False),
              help="A remittance advice or lockbox detail file (CSV/Excel): invoices each payment pays; repeatable.")
@write_options
@click.pass_context
@_guard
def reconcile(ctx: click.Context, workbook: Path, bank_files: tuple[Path, ...], do_apply: bool,
              accepts: tuple[str, ...], as_json: bool, report: Path | None, email: bool, folder: Path | None,
              today: str | None, remittance: tuple[Path, ...], **kw: Any) -> None:
    """Match bank payments to open invoices and POs; apply only what is certain; exit 1 if any need review."""
    from .reconcile import to_json
    from .render import print_reconcile

    out = _out(ctx, machine=as_json)
    run = app.reconcile(workbook, bank_files, _today(today), apply=do_apply, accepts=accepts, report=report,
                        email=email, folder=folder, opts=_opts(ctx, machine=as_json, **kw), remittance=remittance)
    for line in run.lines:
        out.info(line)
    if as_json:
        click.echo(json.dumps(to_json(run.result), indent=2, ensure_ascii=False))
    else:
        print_reconcile(out, run.result, written=run.applied)
    sys.exit(run.result.exit_status)


@main.command()
@WORKBOOK
@click.option("--json", "as_json", is_flag=True, help="Print the pipeline as JSON.")
@click.option("--today", default=None, help="As of this date (default: today).")
@click.pass_context
@_guard
def status(ctx: click.Context, workbook: Path, as_json: bool, today: str | None) -> None:
    """The pipeline: orders and money at each step, overdue by age, and what needs action today."""
    from .render import render_pipeline

    out = _out(ctx, machine=as_json)
    result = app.status(workbook, _today(today), out=out)
    if as_json:
        click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))
    else:
        render_pipeline(result, out.stdout)


@main.command()
@WORKBOOK
@_arg("buyer")
@click.option("--today", default=None, help="Statement date (default: today).")
@write_options
@document_options
@send_options
@click.pass_context
@_guard
@click.option("--with-archive", is_flag=True, help="Include the buyer's records moved to the archive workbooks.")
def statement(ctx: click.Context, workbook: Path, buyer: str, today: str | None, with_archive: bool = False,
              **kw: Any) -> None:
    """A statement of account for one buyer (open invoices, payments, credits, aging) as a sheet and a PDF."""
    _show(ctx, app.statement(workbook, buyer, _today(today), _opts(ctx, **kw), with_archive=with_archive))


@main.command()
@WORKBOOK
@click.option("--before", default=None, help="Move history older than this date (default: Settings "
              "'Archive After Months', 18, before today).")
@click.option("--today", default=None, help="Today's date (default: today).")
@click.option("--dry-run", is_flag=True, help="Show what would move; write nothing.")
@click.option("--force", is_flag=True, help="Write even though the workbook is open in Excel or LibreOffice.")
@click.pass_context
@_guard
def archive(ctx: click.Context, workbook: Path, before: str | None, today: str | None, dry_run: bool,
            force: bool) -> None:
    """Move finished orders, their records and old Log rows into NAME-archive-YEAR.xlsx beside the book, and
    old document tabs (and those beyond Settings 'Document Sheets Kept') into NAME-documents-YYYY-MM.xlsx."""
    from .app.archive import archive as run

    _show(ctx, run(workbook, _today(today), before=_today(before) if before else None,
                   opts=_opts(ctx, dry_run=dry_run, force=force)))


@main.command()
@WORKBOOK
@click.argument("orders", nargs=-1)
@click.option("--all", "everything", is_flag=True, help="Bring back everything in the archives, Log rows too.")
@click.option("--dry-run", is_flag=True, help="Show what would come back; write nothing.")
@click.option("--force", is_flag=True, help="Write even though the workbook is open in Excel or LibreOffice.")
@click.pass_context
@_guard
def unarchive(ctx: click.Context, workbook: Path, orders: tuple[str, ...], everything: bool, dry_run: bool,
              force: bool) -> None:
    """Bring archived orders (PO numbers, or --all) back from NAME-archive-YEAR.xlsx into the book."""
    from .app.archive import unarchive as run

    _show(ctx, run(workbook, orders, everything=everything, opts=_opts(ctx, dry_run=dry_run, force=force)))


@main.command()
@WORKBOOK
@_arg("po")
@click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Folder for EVIDENCE-PO.pdf and .zip (default: documents/ beside the workbook).")
@click.option("--documents", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Where the order's PDFs are (default: documents/ beside the workbook).")
@click.pass_context
@_guard
@click.option("--with-archive", is_flag=True, help="Include the order's records moved to the archive workbooks.")
def evidence(ctx: click.Context, workbook: Path, po: str, out_dir: Path | None, documents: Path | None,
             with_archive: bool = False) -> None:
    """The evidence pack of an order: one PDF (its documents attached) and a ZIP, in date order, with hashes."""
    _show(ctx, app.evidence(workbook, po, out_dir=out_dir, documents=documents, out=_out(ctx),
                            with_archive=with_archive))


@main.command("log")
@WORKBOOK
@click.option("--limit", default=50, show_default=True, help="Show the last N changes.")
@click.pass_context
@_guard
def log_cmd(ctx: click.Context, workbook: Path, limit: int) -> None:
    """Show the audit trail: what poflow changed in the workbook, when, and by which command."""
    from .render import print_log

    print_log(_out(ctx), workbook, limit)


# Mail -------------------------------------------------------------------------------------------------

CA_FILE = click.option("--ca-file", type=click.Path(path_type=Path, dir_okay=False), default=None,
                       help="Trust this CA certificate (PEM) for the mail server (a private CA).")
OUT_DIR = click.option("--out", "out_dir", type=click.Path(path_type=Path, file_okay=False), default=None,
                       help="The documents folder (default: documents/ beside the workbook).")


def _finish(ctx: click.Context, run: app.MailRun) -> None:
    _show(ctx, run.lines)
    sys.exit(run.exit_status)


@main.command("send")
@WORKBOOK
@_arg("numbers", nargs=-1)
@click.option("--again", is_flag=True, help="Send also to addresses that had the document already.")
@CA_FILE
@OUT_DIR
@click.option("--today", default=None, help="Date recorded for the messages (default: today).")
@write_options
@click.pass_context
@_guard
def send_cmd(ctx: click.Context, workbook: Path, numbers: tuple[str, ...], today: str | None, **kw: Any) -> None:
    """Email documents already issued (by number) to their buyer; every failed send is tried again."""
    _finish(ctx, app.send(workbook, numbers, _today(today), _opts(ctx, send=True, **kw)))


@main.command()
@WORKBOOK
@CA_FILE
@OUT_DIR
@click.option("--today", default=None, help="Chase as of this date (default: today).")
@write_options
@click.pass_context
@_guard
def remind(ctx: click.Context, workbook: Path, today: str | None, **kw: Any) -> None:
    """Email the payment reminder due for each unpaid invoice (Settings Reminder Ladder), each step once."""
    _finish(ctx, app.remind(workbook, _today(today), _opts(ctx, send=True, **kw)))


@main.command()
@WORKBOOK
@click.option("--from", "source", type=click.Path(path_type=Path), default=None,
              help="Read an .mbox file, an .eml file or a folder of .eml files instead of the IMAP server.")
@CA_FILE
@OUT_DIR
@click.option("--today", default=None, help="Date for messages without one (default: today).")
@write_options
@click.pass_context
@_guard
def inbox(ctx: click.Context, workbook: Path, source: Path | None, ca_file: Path | None, today: str | None,
          **kw: Any) -> None:
    """Read new mail: record buyers' approvals, keep their POs, list what a person must answer; exit 1 then."""
    _finish(ctx, app.inbox(workbook, _today(today), source=source, ca_file=ca_file, opts=_opts(ctx, **kw)))


@main.command("import-po")
@WORKBOOK
@click.argument("file", type=click.Path(path_type=Path, dir_okay=False))
@click.option("--buyer", required=True, callback=_strip, help="The buyer (Buyer ID) who sent the PO.")
@click.option("--po", default="", callback=_strip, help="The PO number when the file does not say it.")
@click.option("--today", default=None, help="PO date when the file has none (default: today).")
@write_options
@click.pass_context
@_guard
def import_po_cmd(ctx: click.Context, workbook: Path, file: Path, buyer: str, po: str, today: str | None,
                  **kw: Any) -> None:
    """A buyer's PO spreadsheet (CSV, Excel) as Orders and Lines rows; exit 1 with findings (MOQ, case packs, tiers)."""
    lines, findings = app.import_po(workbook, file, buyer, _today(today), po=po, opts=_opts(ctx, **kw))
    _show(ctx, lines + [f"{f.severity}: {f.message} ({f.code})" for f in findings])
    sys.exit(1 if findings else 0)


@main.command()
@WORKBOOK
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("--force", is_flag=True, help="Write even when Excel or LibreOffice has the workbook open.")
@click.pass_context
@_guard
def undo(ctx: click.Context, workbook: Path, dry_run: bool, force: bool) -> None:
    """Revert the last command's changes recorded in the Log, where nobody changed them since; exit 1 if any
    cell was left alone."""
    from .app.undo import undo as undo_last

    run = undo_last(workbook, _opts(ctx, dry_run=dry_run, force=force))
    _show(ctx, list(run.lines))
    sys.exit(1 if run.skipped else 0)


@main.command()
@workbook_pair
@click.option("--prefer", type=click.Choice(["left", "right"]), default=None,
              help="In a conflict, take this side's value (default: leave both sides as they are; exit 1).")
@click.option("--base", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="The sync base file (default: .poflow-sync/ beside the .xlsx side).")
@click.option("--dry-run", is_flag=True, help="Show the plan; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the plan as JSON.")
@click.option("--force", is_flag=True, help="Write an .xlsx even when Excel or LibreOffice has it open.")
@click.pass_context
@_guard
def sync(ctx: click.Context, left: Path, right: Path, prefer: str | None, base: Path | None, dry_run: bool,
         as_json: bool, force: bool) -> None:
    """Bring two workbooks (.xlsx or Google Sheets) in step, row by row by key; exit 1 when conflicts are left."""
    from .app.sync import SyncOptions
    from .app.sync import sync as sync_books
    from .sync.merge import Side
    from .sync.plan import lines, to_json

    side: Side | None = "left" if prefer == "left" else "right" if prefer == "right" else None
    run = sync_books(left, right, SyncOptions(prefer=side, base=base, dry_run=dry_run, force=force,
                                              command=_command_text(ctx), out=_out(ctx, machine=as_json)))
    if as_json:
        click.echo(json.dumps(to_json(run.plan, dry_run=dry_run, written=run.written), indent=2, ensure_ascii=False))
    else:
        _show(ctx, lines(run.plan, dry_run=dry_run) + list(run.lines))
    sys.exit(run.exit_status)


@main.command("google-login")
@click.option("--client-secrets", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="The OAuth client (Desktop app) JSON from the Google Cloud console "
                   "(default: $POFLOW_GOOGLE_CLIENT_SECRETS).")
@click.option("--no-browser", is_flag=True, help="Print the sign-in address instead of opening a browser.")
@click.pass_context
@_guard
def google_login(ctx: click.Context, client_secrets: Path | None, no_browser: bool) -> None:
    """Sign in with your own Google account for gsheet: workbooks; the token is kept in your config folder (0600)."""
    from .gsheets.auth import login

    path = login(client_secrets, open_browser=not no_browser)
    _out(ctx).info(f"signed in; the token is in {path}, readable by you only")


@main.command()
@WORKBOOK
@click.argument("backup", required=False)
@click.option("--list", "list_only", is_flag=True, help="List the backups: time, size and the command that replaced each.")
@click.option("--force", is_flag=True, help="Restore even when the workbook is open elsewhere or read-only.")
@click.pass_context
@_guard
def restore(ctx: click.Context, workbook: Path, backup: str | None, list_only: bool, force: bool) -> None:
    """Put back a backup from .poflow-backups/ (BACKUP: its number or file name; the current version is kept)."""
    _show(ctx, app.restore(workbook, backup, list_only=list_only, force=force, command=_command_text(ctx)))
