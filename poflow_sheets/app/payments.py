"""`poflow import-bank` and `poflow reconcile`: read bank files, match, and turn the result into a ChangeSet.

Matching itself is pure (reconcile.engine); this module is the edge that reads files and decides what
the workbook must say afterwards: Payments rows, Allocations rows, invoice amounts paid, balances and
statuses, orders closed, deposits marked paid, and payer aliases learned from people.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, fields, replace
from datetime import date
from decimal import Decimal
from operator import attrgetter
from pathlib import Path

from ..banks import BankImport, read_bank_files
from ..banks.descriptors import Descriptor, read_descriptors, remember
from ..banks.remittance import read_remittance_files
from ..changeset import ChangeSet, RowAppend
from ..errors import Refused
from ..gsheets.location import is_sheet
from ..ledger import facts_of, invoice_status, order_complete
from ..money import ZERO, format_money
from ..reader import Book, read_workbook
from ..reconcile.claims import claim_deductions
from ..reconcile.classify import classify
from ..reconcile.classify import remember as remember_classes
from ..reconcile.engine import Ledger, MatchConfig, MatchResult, ProposedAllocation, accept, learned_aliases, match_payments
from ..reconcile.payers import payer_candidates, remember_candidates
from ..records import Payment, Settings, Transaction
from ..schema import PaymentStatus
from ..store import XlsxBackend
from ..store.xlsx_read import check_workbook
from .workbook import WriteOptions, as_written, backend_of, load, utc_now


@dataclass(frozen=True)
class Reconciliation:
    """A reconcile run: what was read, what matching decided, what the workbook must change."""

    imported: BankImport
    result: MatchResult
    changes: ChangeSet
    ledger: Ledger


def ledger_of(book: Book) -> Ledger:
    """The records matching needs."""
    return Ledger(
        buyers=book.buyers, orders=book.orders, lines=book.lines, invoices=book.invoices,
        allocations=book.allocations, payments=book.payments, settings=book.settings)


def read_bank(book: Book, files: Sequence[Path]) -> BankImport:
    """Read the bank files with the workbook's own column mapping and currency."""
    return _read_bank(book.settings, files)


def _read_bank(settings: Settings, files: Sequence[Path]) -> BankImport:
    missing = [str(f) for f in files if not f.exists()]
    if missing:
        raise Refused(f"{missing[0]}: no such bank file")
    return read_bank_files(list(files), mapping=settings.bank_mapping or None,
                           default_currency=settings.currency or "USD")


# Bank files larger than this (together), and than twice the workbook, are read in this process: the overlap
# saves at most the workbook's read, and sending the transactions back costs with their size (a million-row
# export against a small book is read here; a book's own year of statements overlaps its read).
FORK_LIMIT = 16 << 20


_TRANSACTION_FIELDS = tuple(f.name for f in fields(Transaction))
_Packed = tuple[BankImport, list[list[object]]]


def _pack(imported: BankImport) -> _Packed:
    """A BankImport to send from the forked reader: its transactions as one list per field (pickled and
    rebuilt several times faster than as objects)."""
    txs = imported.transactions
    return replace(imported, transactions=()), [list(map(attrgetter(name), txs)) for name in _TRANSACTION_FIELDS]


def _unpack(packed: _Packed) -> BankImport:
    imported, columns = packed
    return replace(imported, transactions=tuple(map(Transaction, *columns)))


_Read = tuple[Settings, _Packed, dict[str, Descriptor], dict[tuple[str, str, str], tuple[str, str]],
              dict[tuple[str, str], tuple[str, ...]]]


def _read_bank_and_descriptors(workbook: Path, files: Sequence[Path]) -> _Read:
    """The workbook's Settings (the bank column mapping and currency), the bank files read with them and,
    while the other process still reads the workbook, what matching works out from a payment's text alone:
    its descriptors, its class (classify) and its payer's names (payer_candidates). Sent back in one pickle,
    the texts are written once for the transactions and the keys alike."""
    settings = read_workbook(workbook, tabs=("Settings",)).settings  # the mapping and currency: ~10 ms
    imported = _read_bank(settings, files)
    paid_in = [t for t in imported.transactions if t.amount > 0]
    descriptors = read_descriptors([x for t in paid_in for x in (t.memo, t.payer) if x])
    classes = {(t.bank_code, t.payer, t.memo): classify(t) for t in paid_in}
    names = {(t.payer, t.memo): payer_candidates(t.payer, t.memo) for t in paid_in}
    return settings, _pack(imported), descriptors, classes, names


def load_for_reconcile(workbook: Path, files: Sequence[Path], *,
                       progress: Callable[[str], None] | None = None) -> tuple[Book, BankImport]:
    """Read the workbook and the bank files. With two or more cores the bank files are parsed in a
    forked process (which reads the Settings they need itself) while this one reads the workbook (both are
    CPU-bound Python; threads would not help). The workbook's package is checked once, before the fork.
    """
    if not files:
        return read_workbook(workbook, progress=progress), BankImport((), (), "none", "")
    bank_bytes = sum(f.stat().st_size for f in files if f.is_file())
    big = bank_bytes > max(FORK_LIMIT, 2 * (workbook.stat().st_size if workbook.is_file() else 0))
    if big or (os.cpu_count() or 1) < 2 or "fork" not in multiprocessing.get_all_start_methods():
        # a large export costs more to send back from a child (pickled) than the overlap saves
        book = read_workbook(workbook, progress=progress)
        return book, _read_bank(book.settings, files)
    check_workbook(workbook)  # the package's limits, checked once: before either process opens it
    with ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork")) as pool:
        banks = pool.submit(_read_bank_and_descriptors, workbook, list(files))
        book = read_workbook(workbook, progress=progress)
        settings, packed, descriptors, classes, names = banks.result()
    imported = _unpack(packed)
    # what the reader process worked out already from the payments' texts
    remember(descriptors)
    remember_classes(classes)
    remember_candidates(names)
    if book.settings.bank_mapping != settings.bank_mapping or book.settings.currency != settings.currency:
        imported = _read_bank(book.settings, files)  # the Settings changed between the two reads
    return book, imported


def _seen_in_archive(book: Book, transactions: Sequence[Transaction]) -> frozenset[str]:
    """The transactions the book does not hold that an archive workbook does (applied before an archive):
    the archives are read only when some transaction is new to the book."""
    known = {p.transaction_id for p in book.payments}
    new = [t for t in transactions if t.transaction_id not in known]
    if not new or is_sheet(book.path):
        return frozenset()
    from .archive import archived_transactions

    # an archive of year Y holds payments dated before a cut-off in Y: newer transactions cannot be in it
    return archived_transactions(book.path, since_year=min(t.date.year for t in new))


def _payment_rows(book: Book, transactions: Sequence[Transaction], status: dict[str, PaymentStatus]) -> list[RowAppend]:
    known = {p.transaction_id for p in book.payments} | _seen_in_archive(book, transactions)
    out = []
    for t in transactions:
        if t.transaction_id in known:
            continue
        known.add(t.transaction_id)
        rec = Payment(transaction_id=t.transaction_id, date=t.date, amount=t.amount, currency=t.currency,
                      payer=t.payer, memo=t.memo, source=t.source, status=status.get(t.transaction_id, "new"))
        out.append(RowAppend("Payments", rec, t.transaction_id))
    return out


def import_bank(book: Book, files: Sequence[Path]) -> tuple[BankImport, ChangeSet]:
    """Record the bank files' transactions in the Payments tab (each once), without matching."""
    imported = read_bank(book, files)
    cs = ChangeSet()
    cs.appends += _payment_rows(book, imported.transactions, {})
    for p in imported.problems:
        cs.messages.append(f"{p.file}:{p.line}: {p.message} (left out)")
    cs.messages.append(f"{len(imported.transactions)} transaction(s) read, {len(cs.appends)} new")
    return imported, cs


def _pending_payments(book: Book) -> list[Transaction]:
    """Payments already in the workbook that no allocation covers yet, as transactions to match."""
    done = {a.transaction_id for a in book.allocations}
    out = []
    for p in book.payments:
        if p.transaction_id in done or p.status == "ignored" or p.date is None:
            continue
        out.append(Transaction(
            transaction_id=p.transaction_id, date=p.date, amount=p.amount, currency=p.currency, payer=p.payer,
            memo=p.memo, source=p.source or f"Payments row {p.row}"))
    return out


def reconcile(book: Book, files: Sequence[Path], today: date, *, accepts: Sequence[tuple[str, str]] = (),
              imported: BankImport | None = None, remittance: Sequence[Path] = ()) -> Reconciliation:
    """Match, and compute the workbook's changes (reading the bank files unless `imported` is given).
    `remittance`: remittance advice or lockbox detail files (CSV/Excel) that split payments over invoices."""
    if imported is None:
        imported = read_bank(book, files) if files else BankImport((), (), "none", "")
    archived = _seen_in_archive(book, imported.transactions)
    transactions = [t for t in imported.transactions if t.transaction_id not in archived]
    seen = {t.transaction_id for t in transactions}
    transactions += [t for t in _pending_payments(book) if t.transaction_id not in seen]
    ledger = ledger_of(book)
    config = MatchConfig.from_settings(book.settings)
    advices = read_remittance_files(remittance) if remittance else ()
    result = match_payments(transactions, ledger, config, today, advices)
    cs = ChangeSet()
    for p in imported.problems:
        cs.messages.append(f"{p.file}:{p.line}: {p.message} (left out)")
    allocations = list(result.allocations)
    aliases: dict[str, list[str]] = {}
    by_id = {t.transaction_id: t for t in transactions}
    for txn_id, target in accepts:
        t = by_id.get(txn_id)
        if t is None:
            raise Refused(f"--accept {txn_id}={target}: no transaction {txn_id!r} in these bank files or the Payments tab")
        if any(a.transaction_id == txn_id for a in book.allocations):
            raise Refused(f"--accept {txn_id}={target}: that transaction is allocated already")
        allocations = [a for a in allocations if a.transaction_id != txn_id]
        made, alias = accept(t, target, ledger, today, config)
        allocations += made
        if alias:
            aliases.setdefault(alias[0], []).append(alias[1])
    for buyer_id, learned in learned_aliases(ledger).items():
        aliases.setdefault(buyer_id, []).extend(learned)
    taken = {txn for txn, _ in accepts}
    allocations = _claim_deductions(book, transactions, result, allocations, cs, taken)
    status = _payment_status(result, allocations)
    cs.appends += _payment_rows(book, transactions, status)
    for pay in book.payments:  # a payment imported earlier and settled now
        if pay.transaction_id in status and pay.status != status[pay.transaction_id]:
            cs.update("Payments", pay, "status", status[pay.transaction_id], pay.transaction_id)
    for a in allocations:
        cs.appends.append(RowAppend("Allocations", replace(a.to_allocation(today)), a.transaction_id))
    _settle(book, cs, allocations)
    facts = facts_of(book)
    for buyer_id, names in aliases.items():
        b = facts.buyer.get(buyer_id)
        if b is None:
            continue
        have = {n.casefold() for n in (*b.aliases, b.name)}
        new = tuple(dict.fromkeys(n for n in names if n and n.casefold() not in have))
        if new:
            cs.update("Buyers", b, "aliases", (*b.aliases, *new), buyer_id)
            cs.messages.append(f"buyer {buyer_id}: learned payer name(s) {', '.join(new)}")
    result = replace(result, allocations=tuple(allocations),
                     suggestions=tuple(x for x in result.suggestions if x.transaction_id not in taken),
                     unmatched=tuple(x for x in result.unmatched if x.transaction_id not in taken))
    return Reconciliation(imported, result, cs, ledger)


def _claim_deductions(book: Book, transactions: Sequence[Transaction], result: MatchResult,
                      allocations: list[ProposedAllocation], cs: ChangeSet, taken: set[str]) -> list[ProposedAllocation]:
    """A short payment equal to an open claim's value: the invoice allocation plus a pending deduction
    (reconcile/claims.py); the claim records the payment. Adds the transactions to `taken`."""
    facts = facts_of(book)
    allocations, made = claim_deductions(transactions, result, allocations, facts, taken=taken)
    for d in made:
        taken.add(d.transaction_id)
        cs.update("Claims", d.claim, "deduction", d.transaction_id, d.claim.claim_number)
        cs.messages.append(f"{d.transaction_id}: {format_money(d.received)} on {d.invoice_number}, short by "
                           f"{format_money(d.held)}: the value of open claim {d.claim.claim_number}; held as a pending "
                           "deduction until the claim is settled")
    return allocations


def _payment_status(result: MatchResult, allocations: Sequence[ProposedAllocation]) -> dict[str, PaymentStatus]:
    out: dict[str, PaymentStatus] = {}
    for s in result.suggestions:
        out[s.transaction_id] = "review"
    for u in result.unmatched:
        out[u.transaction_id] = "unmatched"
    for u in result.ignored:
        out[u.transaction_id] = "ignored"
    for a in allocations:
        out[a.transaction_id] = "applied"
    return out


def _settle(book: Book, cs: ChangeSet, allocations: Sequence[ProposedAllocation]) -> None:
    """Invoice amounts paid, balances and statuses; deposits marked paid; fully paid orders closed."""
    facts = facts_of(book)
    added: dict[str, Decimal] = {}
    deposit_added: dict[str, Decimal] = {}
    for a in allocations:
        if a.invoice_number and a.kind in ("invoice", "fee", "discount"):
            added[a.invoice_number] = added.get(a.invoice_number, ZERO) + a.amount
            inv = facts.invoice.get(a.invoice_number)
            if inv is not None and inv.kind == "deposit":
                deposit_added[inv.po_number] = deposit_added.get(inv.po_number, ZERO) + a.amount
        elif a.kind == "deposit" and a.po_number:
            deposit_added[a.po_number] = deposit_added.get(a.po_number, ZERO) + a.amount
    balances: dict[str, Decimal] = {}
    for inv in book.invoices:
        if inv.kind == "credit" or inv.status == "void":
            continue
        paid = facts.paid.get(inv.invoice_number, ZERO) + added.get(inv.invoice_number, ZERO)
        balances[inv.invoice_number] = inv.total - paid
        if inv.invoice_number in added or inv.amount_paid != paid or inv.balance != inv.total - paid:
            cs.update("Invoices", inv, "amount_paid", paid, inv.invoice_number)
            cs.update("Invoices", inv, "balance", inv.total - paid, inv.invoice_number)
            cs.update("Invoices", inv, "status", invoice_status(inv.total, paid), inv.invoice_number)
    after = facts.with_allocations(allocations)
    for o in book.orders:
        if o.status in ("cancelled", "closed"):
            continue
        if o.po_number in deposit_added and o.status in ("approved", "acknowledged") and \
                after.deposit_paid(o.po_number) >= after.deposit_required(o):
            cs.update("Orders", o, "status", "deposit paid", o.po_number)
        touched = any(i.invoice_number in added for i in facts.invoices_of.get(o.po_number, []))
        if touched and order_complete(after, o.po_number):
            cs.update("Orders", o, "status", "closed", o.po_number)
            cs.messages.append(f"PO {o.po_number}: fully paid; order closed")


@dataclass(frozen=True)
class ReconcileRun:
    """What `poflow reconcile` did: the match result (for --json and the table) and the lines to show."""

    reconciliation: Reconciliation
    lines: tuple[str, ...]
    applied: bool = False  # written to the workbook (with --apply, not --dry-run)

    @property
    def result(self) -> MatchResult:
        """The match result."""
        return self.reconciliation.result


def parse_accepts(items: Sequence[str]) -> list[tuple[str, str]]:
    """`--accept TXN=INVOICE` options as pairs; Refused for anything else."""
    pairs = []
    for item in items:
        txn, sep, target = item.partition("=")
        if not sep or not txn.strip() or not target.strip():
            raise Refused(f"--accept {item!r}: expected TXN=INVOICE")
        pairs.append((txn.strip(), target.strip()))
    return pairs


def reconcile_workbook(workbook: Path, bank_files: Sequence[Path], today: date, *, apply: bool = False,
                       accepts: Sequence[str] = (), report: Path | None = None, email: bool = False,
                       folder: Path | None = None, opts: WriteOptions | None = None,
                       remittance: Sequence[Path] = ()) -> ReconcileRun:
    """`poflow reconcile`: read, match, and with `apply` write; the report and the e-mail when asked."""
    from .write import apply_changeset, check_writable

    opts = opts or WriteOptions()
    pairs = parse_accepts(accepts)
    files = list(bank_files)
    state, hashes = None, []
    if folder is not None:
        from ..schedule import default_state, pending

        state = default_state(folder)
        found = pending(folder, state)
        files += [f for f, _ in found]
        hashes = [h for _, h in found]
    if apply and not opts.dry_run:
        check_writable(workbook, opts.output, opts.force)
    missing = [str(f) for f in remittance if not Path(f).exists()]
    if missing:
        raise Refused(f"{missing[0]}: no such remittance file")
    backend = backend_of(workbook)
    if isinstance(backend, XlsxBackend):
        book, imported = load_for_reconcile(workbook, files)
    else:  # a remote workbook: one read, then the bank files
        book = load(workbook, backend=backend)
        imported = read_bank(book, files) if files else BankImport((), (), "none", "")
    book, backend, output = as_written(book, backend, opts.output, opts.dry_run or not apply)
    rec = reconcile(book, files, today, accepts=pairs, imported=imported, remittance=remittance)
    lines = list(rec.changes.messages) if apply else [f"(preview, not written) {m}" for m in rec.changes.messages]
    if apply:
        rec.changes.messages.clear()
        lines += apply_changeset(book, rec.changes, command=opts.command, now=opts.now or utc_now(), force=opts.force,
                                 dry_run=opts.dry_run, output=output, backend=backend)
        if state is not None and not opts.dry_run:
            from ..schedule import mark_processed

            mark_processed(files[len(bank_files):], state, hashes=hashes)
    elif rec.changes.writes_workbook:
        lines.append("preview only: nothing was written (run again with --apply to write these allocations)")
    if report is not None:
        from ..reports import write_report

        write_report(report, rec.result, rec.result.transactions, rec.ledger, today)
        lines.append(f"wrote {report}")
    if email:
        lines.append(_send_summary(book, rec, today, report))
    return ReconcileRun(rec, tuple(lines), applied=apply and not opts.dry_run)


def _send_summary(book: Book, rec: Reconciliation, day: date, report: Path | None) -> str:
    from ..mailer import send_with_settings, smtp_settings
    from ..reports import summary_html, summary_markdown

    smtp = smtp_settings(book.settings, os.environ)
    text = summary_markdown(rec.result, rec.result.transactions, rec.ledger, day)
    html = summary_html(rec.result, rec.result.transactions, rec.ledger, day)
    send_with_settings(smtp, text, html, [report] if report else [],
                       f"poflow reconciliation {day.isoformat()}: {book.path.name}")
    return f"sent the summary to {', '.join(smtp.to)}"
