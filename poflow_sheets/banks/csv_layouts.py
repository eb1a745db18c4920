"""CSV and Excel bank exports of any layout: ready bank profiles (as data), a header-guessing
fallback (English, German, French, Dutch headers) and a user mapping string.

Columns are matched by header name, never by position (except for headerless exports). The
header row is found even below a preamble of summary lines. Date order (M/D/Y or D/M/Y) and the
decimal mark are decided from the whole column, not per value. Amounts come as one signed column,
separate debit/credit columns, or an unsigned amount plus a D/C indicator column. Pending and
failed rows are left out and reported; a ragged row is realigned when only one reading fits,
else reported and left out while the rest imports.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import io
import itertools
import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import IO

from poflow_sheets.banks.base import (
    BankImport,
    BankProblem,
    DayFirstVotes,
    amount_of,
    bank_id,
    check_places,
    check_year,
    clean,
    fail,
    fold,
    join_text,
    looks_like_date,
    number_repeats,
    parse_bank_date,
)
from poflow_sheets.banks.descriptors import read_descriptor
from poflow_sheets.errors import BankFileError, LimitExceeded, WorkbookUnreadable
from poflow_sheets.limits import limits, over
from poflow_sheets.money import AmountError, cents, parse_amount, to_decimal
from poflow_sheets.records import Transaction

Cell = object  # str, float, int, date or datetime (Excel) or str (CSV)
Row = list[Cell]


@dataclass(frozen=True, slots=True)
class Profile:
    """One bank's export layout, as data. Column entries are header names (first present wins;
    for memo and refs every present one is used) or `#n` (1-based position) for headerless files."""

    name: str
    signature: tuple[str, ...] = ()  # header names that must all be present to pick this profile
    date: tuple[str, ...] = ()
    amount: tuple[str, ...] = ()
    debit: tuple[str, ...] = ()
    credit: tuple[str, ...] = ()
    dc: tuple[str, ...] = ()  # debit/credit indicator column for an unsigned amount
    payer: tuple[str, ...] = ()  # who paid us (first non-empty)
    payee: tuple[str, ...] = ()  # who we paid, used first for negative amounts
    memo: tuple[str, ...] = ()
    ident: tuple[str, ...] = ()  # the bank's own transaction id
    currency: tuple[str, ...] = ()
    status: tuple[str, ...] = ()  # pending/failed rows are left out
    code: tuple[str, ...] = ()  # the bank's own transaction type
    fee: tuple[str, ...] = ()
    refs: tuple[str, ...] = ()
    account: tuple[str, ...] = ()
    decimal: str | None = None
    dayfirst: bool | None = None
    headerless: int = 0  # a headerless export: its number of columns
    marker: tuple[tuple[int, str], ...] = ()  # headerless: (1-based column, value) that identify it


PROFILES: tuple[Profile, ...] = (
    Profile(
        name="chase",
        signature=("Details", "Posting Date", "Description", "Amount", "Type", "Balance"),
        date=("Posting Date",),
        amount=("Amount",),
        memo=("Description",),
        code=("Type",),
        refs=("Check or Slip #",),
        dayfirst=False,
        decimal=".",
    ),
    Profile(
        name="chase_card",
        signature=("Transaction Date", "Post Date", "Description", "Category", "Type", "Amount"),
        date=("Post Date", "Transaction Date"),
        amount=("Amount",),
        memo=("Description", "Memo"),
        code=("Type",),
        dayfirst=False,
        decimal=".",
    ),
    Profile(
        name="bofa",
        signature=("Date", "Description", "Amount", "Running Bal."),
        date=("Date",),
        amount=("Amount",),
        memo=("Description",),
        dayfirst=False,
        decimal=".",
    ),
    Profile(
        name="bofa_card",
        signature=("Posted Date", "Reference Number", "Payee", "Amount"),
        date=("Posted Date",),
        amount=("Amount",),
        payer=("Payee",),
        memo=("Payee", "Address"),
        ident=("Reference Number",),
        dayfirst=False,
        decimal=".",
    ),
    Profile(
        name="wells_fargo",
        headerless=5,
        marker=((3, "*"),),
        date=("#1",),
        amount=("#2",),
        memo=("#5",),
        refs=("#4",),
        dayfirst=False,
        decimal=".",
    ),
    Profile(
        name="mercury",
        signature=("Date (UTC)", "Description", "Amount", "Status", "Bank Description"),
        date=("Date (UTC)",),
        amount=("Amount",),
        payer=("Description",),
        memo=("Bank Description", "Reference", "Note"),
        status=("Status",),
        code=("Mercury Category", "Category"),
        refs=("Reference", "Check Number"),
        ident=("Tracking ID",),
        dayfirst=False,
        decimal=".",
    ),
    Profile(
        name="wise",
        signature=("TransferWise ID", "Date", "Amount", "Currency", "Description"),
        date=("Date",),
        amount=("Amount",),
        currency=("Currency",),
        ident=("TransferWise ID",),
        payer=("Payer Name", "Description"),
        payee=("Payee Name", "Merchant"),
        memo=("Payment Reference", "Description", "Note"),
        refs=("Payment Reference",),
        fee=("Total fees",),
        dayfirst=True,
        decimal=".",
    ),
    Profile(
        name="revolut",
        signature=("Type", "Product", "Started Date", "Completed Date", "Description", "Amount", "State"),
        date=("Completed Date", "Started Date"),
        amount=("Amount",),
        currency=("Currency",),
        payer=("Description",),
        memo=("Description",),
        status=("State",),
        code=("Type",),
        fee=("Fee",),
        decimal=".",
    ),
    Profile(
        name="stripe",
        signature=("balance_transaction_id", "created_utc", "currency", "gross", "fee", "net"),
        date=("created_utc", "created"),
        amount=("gross",),
        currency=("currency",),
        ident=("balance_transaction_id",),
        payer=("customer_name", "customer_description", "customer_email", "description"),
        memo=("description", "customer_facing_descriptor", "charge_id", "payment_intent_id"),
        code=("reporting_category",),
        fee=("fee",),
        refs=("automatic_payout_id", "charge_id", "payment_intent_id", "invoice_id"),
        decimal=".",
    ),
    Profile(
        name="paypal",
        signature=("Date", "Name", "Type", "Status", "Currency", "Gross", "Fee", "Net", "Transaction ID"),
        date=("Date",),
        amount=("Gross",),
        currency=("Currency",),
        ident=("Transaction ID",),
        payer=("Name", "From Email Address"),
        payee=("Name", "To Email Address"),
        memo=("Item Title", "Subject", "Note", "Invoice Number"),
        status=("Status",),
        code=("Type",),
        fee=("Fee",),
        refs=("Invoice Number", "Reference Txn ID"),
        decimal=".",
    ),
    Profile(
        name="paypal",
        signature=("Datum", "Name", "Typ", "Status", "Währung", "Brutto", "Gebühr", "Netto", "Transaktionscode"),
        date=("Datum",),
        amount=("Brutto",),
        currency=("Währung",),
        ident=("Transaktionscode",),
        payer=("Name", "Absender E-Mail-Adresse"),
        payee=("Name", "Empfänger E-Mail-Adresse"),
        memo=("Artikelbezeichnung", "Betreff", "Hinweis", "Rechnungsnummer"),
        status=("Status",),
        code=("Typ",),
        fee=("Gebühr",),
        refs=("Rechnungsnummer", "Zugehöriger Transaktionscode"),
        decimal=",",
        dayfirst=True,
    ),
    Profile(
        name="dkb",
        signature=("Buchungsdatum", "Wertstellung", "Status", "Zahlungspflichtige*r", "Zahlungsempfänger*in", "Verwendungszweck"),
        date=("Buchungsdatum",),
        amount=("Betrag (€)", "Betrag (EUR)", "Betrag"),
        payer=("Zahlungspflichtige*r",),
        payee=("Zahlungsempfänger*in",),
        memo=("Verwendungszweck",),
        status=("Status",),
        code=("Umsatztyp",),
        refs=("Kundenreferenz", "Mandatsreferenz"),
        decimal=",",
        dayfirst=True,
    ),
    Profile(
        name="sparkasse",
        signature=("Auftragskonto", "Buchungstag", "Verwendungszweck", "Beguenstigter/Zahlungspflichtiger", "Betrag"),
        date=("Buchungstag",),
        amount=("Betrag",),
        currency=("Waehrung",),
        payer=("Beguenstigter/Zahlungspflichtiger",),
        memo=("Verwendungszweck",),
        status=("Info",),
        code=("Buchungstext",),
        refs=("Kundenreferenz (End-to-End)", "Mandatsreferenz", "Sammlerreferenz"),
        account=("Auftragskonto",),
        decimal=",",
        dayfirst=True,
    ),
    Profile(
        name="dcu",
        signature=("DATE", "TRANSACTION TYPE", "DESCRIPTION", "AMOUNT", "ID", "MEMO", "CURRENT BALANCE"),
        date=("DATE",),
        amount=("AMOUNT",),
        memo=("DESCRIPTION", "MEMO"),
        ident=("ID",),
        code=("TRANSACTION TYPE",),
        dayfirst=False,
        decimal=".",
    ),
    Profile(
        name="schwab",
        signature=("Date", "Status", "Type", "CheckNumber", "Description", "Withdrawal", "Deposit"),
        date=("Date",),
        debit=("Withdrawal",),
        credit=("Deposit",),
        memo=("Description",),
        status=("Status",),
        code=("Type",),
        refs=("CheckNumber",),
        dayfirst=False,
        decimal=".",
    ),
)

# Header words of the guessing fallback, in order of preference (compared folded: lower case,
# umlauts spelled out, letters and digits only; "(…)" suffixes like "(UTC)" or "(€)" ignored).
GUESS: dict[str, tuple[str, ...]] = {
    "date": (
        "bookingdate",
        "buchungstag",
        "buchungsdatum",
        "buchung",
        "postingdate",
        "posteddate",
        "postdate",
        "transactiondate",
        "date",
        "datum",
        "dateoperation",
        "datedoperation",
        "datecomptable",
        "fecha",
        "data",
        "boekdatum",
        "completeddate",
        "created",
        "createdutc",
        "valuedate",
        "valutadatum",
        "valuta",
        "wertstellung",
        "wertstellungsdatum",
        "datevaleur",
    ),
    "amount": (
        "amount",
        "betrag",
        "montant",
        "importe",
        "bedrag",
        "importo",
        "kwota",
        "belopp",
        "transactionamount",
        "umsatz",
        "value",
        "gross",
        "brutto",
        "net",
        "netto",
    ),
    "debit": (
        "debit",
        "debits",
        "debitamount",
        "withdrawal",
        "withdrawals",
        "withdrawalamount",
        "moneyout",
        "paidout",
        "soll",
        "sollbetrag",
        "belastung",
        "debet",
        "af",
        "ausgaben",
    ),
    "credit": (
        "credit",
        "credits",
        "creditamount",
        "deposit",
        "deposits",
        "depositamount",
        "moneyin",
        "paidin",
        "haben",
        "habenbetrag",
        "gutschrift",
        "bij",
        "einnahmen",
    ),
    "dc": (
        "dc",
        "cd",
        "drcr",
        "crdr",
        "debitcredit",
        "creditdebit",
        "sh",
        "sollhaben",
        "afbij",
        "creditdebitindicator",
        "debitcreditindicator",
        "sign",
    ),
    "payer": (
        "payer",
        "payername",
        "counterparty",
        "counterpartyname",
        "partnername",
        "partner",
        "beguenstigterzahlungspflichtiger",
        "zahlungspflichtiger",
        "zahlungspflichtige",
        "auftraggeber",
        "auftraggeberempfaenger",
        "namezahlungsbeteiligter",
        "sender",
        "from",
        "name",
        "tiers",
        "naamtegenpartij",
        "naam",
        "ordering",
        "remitter",
        "customer",
        "client",
    ),
    "payee": ("payee", "payeename", "beneficiary", "recipient", "zahlungsempfaengerin", "zahlungsempfaenger", "empfaenger", "to"),
    "memo": (
        "verwendungszweck",
        "description",
        "memo",
        "details",
        "detail",
        "label",
        "narrative",
        "reference",
        "paymentreference",
        "remarque",
        "libelle",
        "libelleoperation",
        "omschrijving",
        "mededelingen",
        "text",
        "purpose",
        "remittanceinformation",
        "communication",
        "note",
        "notes",
        "concepto",
        "causale",
        "transactiondescription",
    ),
    "ident": (
        "transactionid",
        "transaktionscode",
        "transactionreference",
        "bankreference",
        "operationnumber",
        "referencenumber",
        "fitid",
        "id",
    ),
    "currency": ("currency", "currencycode", "waehrung", "ccy", "devise", "munt", "divisa"),
    "status": ("status", "state", "bookingstatus", "buchungsstatus"),
    "code": ("transactiontype", "type", "umsatztyp", "buchungstext", "typ", "category", "bookingtext"),
    "fee": ("fee", "fees", "totalfees", "gebuehr", "gebuehren", "frais"),
}

_PENDING = {
    "pending",
    "vorgemerkt",
    "umsatzvorgemerkt",
    "ausstehend",
    "enattente",
    "inbearbeitung",
    "pendent",
    "inbehandeling",
    "authorized",
    "authorised",
    "pendiente",
    "inattesa",
}
_FAILED = {
    "failed",
    "declined",
    "reverted",
    "cancelled",
    "canceled",
    "abgelehnt",
    "storniert",
    "fehlgeschlagen",
    "rejected",
    "denied",
    "voided",
    "void",
    "annule",
    "echoue",
}
_SUMMARY = re.compile(
    r"^\s*(total|totals|sum|summe|balance|opening|closing|beginning|ending|starting|saldo|kontostand|"
    r"anfangssaldo|endsaldo|solde|report|statement|account|konto|period|zeitraum)\b",
    re.I,
)
_MAPPING_KEYS = {
    "date",
    "amount",
    "debit",
    "credit",
    "dc",
    "payer",
    "payee",
    "memo",
    "id",
    "ident",
    "currency",
    "status",
    "code",
    "fee",
    "refs",
    "account",
    "decimal",
    "dayfirst",
    "header",
}
_IBAN = re.compile(r"\b[A-Z]{2}\d{2}[A-Z0-9]{11,30}\b")
_SPACED_IBAN = re.compile(r"\b[A-Z]{2}\d{2}(?: [A-Z0-9]{4}){2,7}(?: [A-Z0-9]{1,4})?\b")
_ACCOUNT_NO = re.compile(r"\b(?:account\s*(?:number|no\.?)|kontonummer|iban)\s*:?\s*([A-Z]{0,4}\d[\d-]{3,33})", re.I)
_SYMBOLS = {"€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "CHF": "CHF"}
_ROLES_MULTI = ("memo", "refs")


def _strip_paren(folded_source: str) -> str:
    return fold(re.sub(r"\([^)]*\)", "", folded_source))


# --------------------------------------------------------------------------- layouts


@dataclass
class Layout:
    """Column positions (0-based) resolved for one file."""

    name: str
    header_index: int  # index into rows of the header row, -1 when headerless
    width: int
    columns: dict[str, list[int]] = field(default_factory=dict)
    decimal: str | None = None
    dayfirst: bool | None = None
    header: list[str] = field(default_factory=list)
    packed: bool = False  # headerless: one text column packs payer, IBAN and reference

    def first(self, role: str) -> int | None:
        cols = self.columns.get(role) or []
        return cols[0] if cols else None


def _cell_text(value: Cell) -> str:
    if type(value) is str:  # the common case (every CSV cell): same as the last line below
        return value.replace("\ufeff", "").strip()
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    return str(value).replace("\ufeff", "").strip()


def _row_texts(row: Row) -> list[str]:
    """`[_cell_text(c) for c in row]`, with the str case inlined."""
    return [c.replace("\ufeff", "").strip() if type(c) is str else _cell_text(c) for c in row]


def _first(texts: list[str], cols: tuple[int, ...]) -> str:
    """The first non-empty text among `cols` of a row's texts ('' if none)."""
    n = len(texts)
    for c in cols:
        if c < n:
            t = texts[c]
            if t:
                return t
    return ""


def _index(header: Sequence[str]) -> dict[str, int]:
    """Folded header name -> first position; also the name without a "(…)" suffix."""
    out: dict[str, int] = {}
    for i, h in enumerate(header):
        for key in (fold(h), _strip_paren(h)):
            if key and key not in out:
                out[key] = i
    return out


def _resolve(names: Sequence[str], idx: dict[str, int], width: int) -> list[int]:
    cols: list[int] = []
    for n in names:
        if n.startswith("#") and n[1:].isdigit():
            pos = int(n[1:]) - 1
            if 0 <= pos < width and pos not in cols:
                cols.append(pos)
            continue
        for key in (fold(n), _strip_paren(n)):
            if key in idx:
                if idx[key] not in cols:
                    cols.append(idx[key])
                break
    return cols


def _profile_layout(profile: Profile, header_index: int, header: list[str], width: int) -> Layout:
    idx = _index(header)
    roles = (
        "date",
        "amount",
        "debit",
        "credit",
        "dc",
        "payer",
        "payee",
        "memo",
        "ident",
        "currency",
        "status",
        "code",
        "fee",
        "refs",
        "account",
    )
    columns: dict[str, list[int]] = {}
    for role in roles:
        cols = _resolve(getattr(profile, role), idx, width)
        if cols:
            columns[role] = cols
    return Layout(profile.name, header_index, width, columns, profile.decimal, profile.dayfirst, header)


def _guess_roles(header: Sequence[str]) -> dict[str, list[int]]:
    folded = [fold(h) for h in header]
    stripped = [_strip_paren(h) for h in header]
    used: set[int] = set()
    columns: dict[str, list[int]] = {}
    for role in (
        "date",
        "amount",
        "debit",
        "credit",
        "dc",
        "ident",
        "currency",
        "status",
        "fee",
        "payer",
        "payee",
        "code",
        "memo",
    ):
        found: list[int] = []
        for word in GUESS[role]:
            for i, (f, s) in enumerate(zip(folded, stripped, strict=True)):
                if i in used or i in found:
                    continue
                if f == word or s == word:
                    found.append(i)
        if not found:
            continue
        if role in ("memo",):
            columns[role] = sorted(found)
            used.update(found)
        else:
            columns[role] = found[:1]
            used.add(found[0])
    return columns


def _describe(header: Sequence[str]) -> str:
    names = [h for h in (clean(x) for x in header) if h]
    shown = ", ".join(names[:15]) + (", …" if len(names) > 15 else "")
    return shown or "no column names"


def _looks_like_data(row: Sequence[str]) -> bool:
    """A row with a date or an amount in it is data, never a header (`Saldo;66.331,90;EUR` neither)."""
    return any(c and any(ch.isdigit() for ch in c) and (looks_like_date(c) or _is_amount(c)) for c in row)


def _find_layout(rows: list[Row], name: str, mapping: str | None) -> Layout:
    texts = [_row_texts(r) for r in rows]
    head = texts[:60]
    misfits: list[str] = []
    if mapping:
        # the Settings' Bank Mapping applies to the files it fits; others are detected as usual
        for label, spec in split_mappings(mapping):
            try:
                return _mapping_layout(spec, texts, name)
            except _Misfit as exc:
                misfits.append(f"the Bank Mapping {label or spec!r} does not fit: {exc}")
    # 1. a ready profile whose header signature is present
    best: tuple[int, int, Profile] | None = None
    for i, row in enumerate(head):
        keys = set(_index(row))
        for p in PROFILES:
            fits = p.signature and all(fold(s) in keys or _strip_paren(s) in keys for s in p.signature)
            if fits and (best is None or len(p.signature) > len(best[2].signature)):
                best = (i, len(p.signature), p)
        if best is not None:
            break
    if best is not None:
        i, _, p = best
        return _profile_layout(p, i, head[i], len(head[i]))
    # 2. a guessed header row below any preamble: a date column and an amount (or debit/credit) column,
    # named in a language the guess knows; a row holding dates or amounts is data, never the header
    for i, row in enumerate(head):
        roles = _guess_roles(row)
        if "date" in roles and ("amount" in roles or "debit" in roles or "credit" in roles):
            if _looks_like_data(row):
                continue
            if "debit" in roles or "credit" in roles:
                roles.pop("amount", None)
            width = len(row)
            return Layout("generic", i, width, roles, None, None, row)
    # 3. a headerless export: a ready profile, else columns judged by their values
    layout = _headerless_layout(texts)
    if layout is not None:
        return layout
    header = max(head, key=lambda r: sum(1 for c in r if c), default=[])
    roles = _guess_roles(header)
    missing = [
        w
        for w, ok in (
            ("a date column", "date" in roles),
            ("an amount column (or debit and credit columns)", any(k in roles for k in ("amount", "debit", "credit"))),
        )
        if not ok
    ]
    raise fail(
        name,
        f"unknown bank export layout: found columns {_describe(header)}; missing {' and '.join(missing)}"
        + "".join(f"; {m}" for m in misfits)
        + " (set Bank Mapping in the Settings tab, e.g. 'date=Date;amount=Amount;payer=Name;memo=Details', or "
        "'date=#1;debit=#4;credit=#5;memo=#3' for a file without a header; several: 'ing: ... | targo: ...')",
    )


class _Misfit(Exception):
    """A Bank Mapping that does not fit this file (another file's mapping)."""


def split_mappings(text: str) -> list[tuple[str, str]]:
    """Settings Bank Mapping: one or several mappings, separated by `|` or new lines, each optionally
    named (`ing: date=Buchung;amount=Betrag | targo: date=#1;debit=#4;credit=#5`) -> [(name, spec)]."""
    out: list[tuple[str, str]] = []
    for part in re.split(r"\|\||\||\n", text):
        part = part.strip()
        if not part:
            continue
        label, colon, rest = part.partition(":")
        if colon and "=" not in label and label.strip() and " " not in label.strip() and "=" in rest:
            out.append((label.strip(), rest.strip()))
        else:
            out.append(("", part))
    return out


def _modal_width(rows: list[list[str]]) -> int:
    counts = Counter(len(r) for r in rows[:200] if any(r))
    return counts.most_common(1)[0][0] if counts else 0


def _is_amount(text: str) -> bool:
    try:
        parse_amount(text)
    except AmountError:
        return False
    return True


_CURRENCY_CODE = re.compile(r"^[A-Z]{3}$")


def _headerless_layout(texts: list[list[str]], only: Profile | None = None) -> Layout | None:
    """A file without a header, recognised by the shape of its columns: a ready headerless profile, else
    a date column, one signed amount column or a debit and a credit column (one of them filled per row),
    and text columns; one long text column packs payer, IBAN and reference (read by banks.descriptors)."""
    body = [r for r in texts if any(r)][:50]
    if not body:
        return None
    width = _modal_width(body)
    rows = [r for r in body if len(r) == width]
    if width < 2 or len(rows) < max(1, len(body) // 2):
        return None
    for p in PROFILES if only is None else (only,):
        if (
            p.headerless
            and p.headerless == width
            and all(all(r[col - 1].strip() == value for r in rows) for col, value in p.marker)
        ):
            return _profile_layout(p, -1, [f"#{i + 1}" for i in range(width)], width)
    if only is not None:
        return None

    def all_of(col: int, test: object) -> bool:
        values = [r[col] for r in rows if r[col].strip()]
        return bool(values) and all(test(v) for v in values)  # type: ignore[operator]

    dates = [c for c in range(width) if all_of(c, looks_like_date)]
    amounts = [
        c
        for c in range(width)
        if c not in dates and all_of(c, _is_amount) and any(re.search(r"[.,]\d{1,2}\s*$", r[c]) for r in rows)
    ]
    if not dates or not amounts:
        return None
    columns: dict[str, list[int]] = {"date": dates[:1]}
    if len(amounts) == 1:
        columns["amount"] = amounts
    elif len(amounts) == 2 and all(bool(r[amounts[0]].strip()) != bool(r[amounts[1]].strip()) for r in rows):
        # debit and credit columns: the one with minus signs is the debit; unsigned, debit comes first
        neg = [c for c in amounts if any(r[c].strip().startswith("-") for r in rows)]
        debit = neg[0] if len(neg) == 1 else amounts[0]
        columns["debit"] = [debit]
        columns["credit"] = [c for c in amounts if c != debit]
    else:
        return None  # several amount columns (amount, balance, fee ...): the mapping must say which
    rest = [c for c in range(width) if c not in dates and c not in amounts]
    currency = [c for c in rest if all_of(c, lambda v: bool(_CURRENCY_CODE.match(v.strip())))]
    if currency:
        columns["currency"] = currency[:1]
    texts_cols = [c for c in rest if c not in currency]
    columns["memo"] = texts_cols
    lengths = {c: sum(len(r[c]) for r in rows) / len(rows) for c in texts_cols}
    layout = Layout("headerless", -1, width, columns, None, None, [f"#{i + 1}" for i in range(width)])
    # one long text column: payer and reference are read from it
    layout.packed = bool(texts_cols) and max(lengths.values()) >= 20
    return layout


def parse_mapping(mapping: str) -> dict[str, str]:
    """`date=Col;amount=Col;payer=Col;memo=A+B;decimal=,;dayfirst=yes` -> {key: value}."""
    out: dict[str, str] = {}
    for part in re.split(r";", mapping):
        if not part.strip():
            continue
        key, sep, value = part.partition("=")
        key = key.strip().lower()
        if not sep or key not in _MAPPING_KEYS:
            raise BankFileError(
                f"bank mapping {mapping!r}: {part.strip()!r} is not key=column (keys: {', '.join(sorted(_MAPPING_KEYS))})"
            )
        out["ident" if key == "id" else key] = value.strip()
    return out


def _mapping_layout(mapping: str, texts: list[list[str]], name: str) -> Layout:
    if "=" not in mapping:  # the name of a ready profile
        wanted = [p for p in PROFILES if p.name == mapping.strip().lower()]
        if not wanted:
            known = ", ".join(sorted({p.name for p in PROFILES}))
            raise BankFileError(f"bank mapping {mapping!r} is neither key=column pairs nor a profile ({known})")
        for i, row in enumerate(texts[:60]):
            keys = set(_index(row))
            for p in wanted:
                if p.headerless:
                    layout = _headerless_layout(texts, only=p)
                    if layout is not None:
                        return layout
                elif all(fold(s) in keys or _strip_paren(s) in keys for s in p.signature):
                    return _profile_layout(p, i, row, len(row))
        raise _Misfit(f"the file does not have the {mapping.strip()} columns")
    spec = parse_mapping(mapping)
    decimal = spec.pop("decimal", "") or None
    if decimal not in (None, ".", ","):
        raise BankFileError(f"bank mapping: decimal must be ',' or '.', not {decimal!r}")
    dayfirst_text = spec.pop("dayfirst", "").lower()
    dayfirst = None if not dayfirst_text else dayfirst_text in ("yes", "y", "true", "1", "dmy", "on")
    header_row = spec.pop("header", "")
    roles = {k: [c.strip() for c in re.split(r"\+", v) if c.strip()] for k, v in spec.items() if v}
    if "date" not in roles or not any(k in roles for k in ("amount", "debit", "credit")):
        raise BankFileError(f"bank mapping {mapping!r} needs date= and amount= (or debit=/credit=)")
    names = [c for cols in roles.values() for c in cols if not (c.startswith("#") and c[1:].isdigit())]
    if header_row.isdigit():
        candidates = [int(header_row) - 1]
    elif names:
        candidates = list(range(min(60, len(texts))))
    else:
        candidates = [-1]
    for i in candidates:
        row = texts[i] if i >= 0 else []
        keys = set(_index(row))
        if i >= 0 and not all(fold(n) in keys or _strip_paren(n) in keys for n in names):
            continue
        width = len(row) if i >= 0 else _modal_width(texts)
        if i < 0:
            _positions_fit(roles, texts, width)
        profile = Profile(name="mapping", **{k: tuple(v) for k, v in roles.items()})  # type: ignore[arg-type]
        layout = _profile_layout(profile, i, row if i >= 0 else [f"#{k + 1}" for k in range(width)], width)
        layout.decimal, layout.dayfirst = decimal, dayfirst
        return layout
    header = max(texts[:60], key=lambda r: sum(1 for c in r if c), default=[])
    missing = [n for n in names if fold(n) not in set(_index(header))]
    raise _Misfit(f"it names column(s) {', '.join(missing)} but the file has {_describe(header)}")


def _positions_fit(roles: dict[str, list[str]], texts: list[list[str]], width: int) -> None:
    """A mapping by position (#n) fits a headerless file whose date and amount columns hold dates and amounts."""
    body = [r for r in texts if any(r)][:50]
    for role, test in (("date", looks_like_date), ("amount", _is_amount), ("debit", _is_amount),
                       ("credit", _is_amount)):
        for col in roles.get(role, []):
            if not (col.startswith("#") and col[1:].isdigit()):
                continue
            k = int(col[1:]) - 1
            if k >= width:
                raise _Misfit(f"column {col} is beyond the file's {width} columns")
            values = [r[k] for r in body if k < len(r) and r[k]]
            good = sum(1 for v in values if test(v))
            if not values or good < 0.8 * len(values):
                raise _Misfit(f"column {col} does not hold {'dates' if role == 'date' else 'amounts'}")


# --------------------------------------------------------------------------- rows -> transactions


def _decimal_mark(values: list[str]) -> str | None:
    votes = _MarkVotes()
    for raw in values:
        votes.add(raw)
    return votes.decide()


def _currency_hint(header: str, sample: str, default: str) -> str:
    for text in (header, sample):
        for sym, code in _SYMBOLS.items():
            if sym in text:
                return code
        m = re.search(r"\b(USD|EUR|GBP|CAD|AUD|CHF|JPY|NZD|SEK|NOK|DKK|PLN|CZK|HUF)\b", text)
        if m:
            return m.group(1)
    return default


def _account_from_preamble(texts: list[list[str]]) -> str:
    for row in texts:
        line = " ".join(row)
        m = _IBAN.search(line)
        if m:
            return m.group(0)
        m3 = _SPACED_IBAN.search(line)  # `IBAN;DE12 5001 0517 0123 4567 89` (ING)
        if m3:
            return m3.group(0).replace(" ", "")
        m2 = _ACCOUNT_NO.search(line)
        if m2:
            return clean(m2.group(1))
    return ""


class _MarkVotes:
    """`_decimal_mark` of a column, counted one value at a time."""

    def __init__(self) -> None:
        self.votes: Counter[str] = Counter()

    def add(self, raw: str) -> None:
        s = _NOT_NUMBER.sub("", raw)
        if not s:
            return
        votes = self.votes
        if "." in s and "," in s:
            votes["." if s.rfind(".") > s.rfind(",") else ","] += 1
        elif s.count(",") > 1:
            votes["."] += 1
        elif s.count(".") > 1 or _COMMA_END.search(s) or s.endswith(","):
            votes[","] += 1
        elif _DOT_END.search(s) or _DOT_LONG.search(s):
            votes["."] += 1

    def decide(self) -> str | None:
        if not self.votes:
            return None
        (mark, n), *rest = self.votes.most_common()
        return mark if not rest or rest[0][1] < n else None


_NOT_NUMBER = re.compile(r"[^\d.,]")
_COMMA_END = re.compile(r",\d{1,2}$")
_DOT_END = re.compile(r"\.\d{1,2}$")
_DOT_LONG = re.compile(r"\.\d{4,}$")


@dataclass
class _Votes:
    """What a whole file decides, gathered in one pass."""

    dayfirst: DayFirstVotes = field(default_factory=lambda: DayFirstVotes())
    marks: _MarkVotes = field(default_factory=_MarkVotes)
    first_amount: str = ""
    accounts: dict[str, None] = field(default_factory=dict)

    def merge(self, later: _Votes) -> None:
        """Add the votes of a later part of the same file."""
        self.dayfirst.merge(later.dayfirst)
        self.marks.votes.update(later.marks.votes)
        self.first_amount = self.first_amount or later.first_amount
        for a in later.accounts:
            self.accounts.setdefault(a, None)


class _Rows:
    """The data rows after the header, with their line numbers, and the layout to read them."""

    def __init__(self, name: str, fmt: str, layout: Layout, default_currency: str) -> None:
        self.name, self.fmt, self.layout = name, fmt, layout
        self.default_currency = default_currency
        self.problems: list[BankProblem] = []  # rows left out while building transactions
        self.align_problems: list[BankProblem] = []  # ragged rows left out (reported first)

    def typed_columns(self) -> dict[int, str]:
        cols: dict[int, str] = {}
        for role in ("date",):
            for c in self.layout.columns.get(role, []):
                cols[c] = "date"
        for role in ("amount", "debit", "credit", "fee"):
            for c in self.layout.columns.get(role, []):
                cols[c] = "amount"
        return cols

    def _fits(self, row: Row, typed: dict[int, str]) -> bool:
        for c, kind in typed.items():
            v = row[c] if c < len(row) else ""
            t = _cell_text(v)
            if not t or not isinstance(v, str):
                continue
            if kind == "date" and not looks_like_date(t):
                return False
            if kind == "amount" and not _is_amount(t):
                return False
        return True

    def _needed(self) -> int:
        """How many fields a short row needs: up to the last column that has a role."""
        return max((c for cols in self.layout.columns.values() for c in cols), default=0) + 1

    def align(self, row: Row, line: int, delimiter: str, report: bool = True) -> Row | None:
        """A row of the header's width, realigned when only one reading fits; None if ragged."""
        width = self.layout.width
        if len(row) > width and all(_cell_text(c) == "" for c in row[width:]):
            row = row[:width]
        if len(row) == width or (len(row) < width and len(row) >= self._needed()):
            return row + [""] * (width - len(row))
        typed = self.typed_columns()
        if len(row) > width and delimiter:
            extra = len(row) - width
            fits: list[tuple[int, Row]] = []
            for j in range(width):
                if any(typed.get(k) == "date" for k in range(j, j + extra + 1)):
                    continue  # a date never holds the delimiter: do not merge into it
                merged = [*row[:j], delimiter.join(str(c) for c in row[j : j + extra + 1]), *row[j + extra + 1 :]]
                if self._fits(merged, typed):
                    fits.append((j, merged))
            into_typed = [f for f in fits if f[0] in typed]
            choice = into_typed if len(into_typed) == 1 else fits
            if len(choice) == 1:
                return choice[0][1]
        if report:
            self.align_problems.append(
                BankProblem(self.name, line, f"row has {len(row)} fields but the header has {width}: left out"))
        return None

    def aligned(self, pairs: Iterable[tuple[Row, int]], delimiter: str, report: bool = True,
                all_text: bool = False) -> Iterator[tuple[int, Row]]:
        """The non-empty rows of the header's width (realigned where only one reading fits), with their lines.
        `all_text`: every cell is a str (CSV), so that need not be checked row by row."""
        width = self.layout.width
        for row, line in pairs:
            if len(row) == width and (all_text or all(type(c) is str for c in row)):  # the common CSV case, inlined
                if not "".join(row).replace("\ufeff", "").strip():  # type: ignore[arg-type]
                    continue
                yield line, row
                continue
            if not any(_cell_text(c) for c in row):
                continue
            fixed = self.align(row, line, delimiter, report)
            if fixed is not None:
                yield line, fixed

    def voter(self, votes: _Votes) -> Callable[[Row], None]:
        """A function that counts one aligned row into `votes`: date order, decimal mark, the first amount (for
        the currency), the accounts named in an account column."""
        lay = self.layout
        date_cols = tuple(lay.columns.get("date", []))
        amount_cols = tuple(c for r in ("amount", "debit", "credit", "fee") for c in lay.columns.get(r, []))
        account_cols = lay.columns.get("account", [])
        day = votes.dayfirst
        marks = votes.marks if lay.decimal is None else None

        def vote(r: Row) -> None:
            for c in date_cols:
                v = r[c]
                if type(v) is str:
                    day.add(_cell_text(v))
            if marks is not None:
                for c in amount_cols:
                    v = r[c]
                    if type(v) is str:
                        marks.add(_cell_text(v))
            if not votes.first_amount:
                votes.first_amount = next((t for c in amount_cols if (t := _cell_text(r[c]))), "")
            if account_cols:
                a = self._get(r, "account")
                if a:
                    votes.accounts[a] = None

        return vote

    def scan(self, aligned: Iterable[tuple[int, Row]]) -> _Votes:
        """What the whole file decides, in one pass that keeps no rows."""
        votes = _Votes()
        vote = self.voter(votes)
        for _line, r in aligned:
            vote(r)
        return votes

    def decision(self, votes: _Votes) -> tuple[str | None, bool, str]:
        """(decimal mark, day first, the file's currency) as the votes decide."""
        lay = self.layout
        amount_cols = [c for r in ("amount", "debit", "credit", "fee") for c in lay.columns.get(r, [])]
        mark = lay.decimal or votes.marks.decide()
        # undecided day/month order: a decimal-comma export comes from a day-first country
        dayfirst = votes.dayfirst.decide(lay.dayfirst if lay.dayfirst is not None else (True if mark == "," else None))
        amount_header = lay.header[amount_cols[0]] if amount_cols and amount_cols[0] < len(lay.header) else ""
        return mark, dayfirst, _currency_hint(amount_header, votes.first_amount, self.default_currency)

    def process(self, aligned: Iterable[tuple[int, Row]], votes: _Votes, assumed: tuple[str | None, bool, str],
                account: str) -> list[Transaction]:
        """Count every row into `votes` and build its transaction as `assumed` decides, in the same pass (the
        caller checks that the whole file decides the same; else it builds again)."""
        mark, dayfirst, currency = assumed
        vote = self.voter(votes)
        out: list[Transaction] = []
        for line, row in aligned:
            vote(row)
            t = self._transaction(row, line, dayfirst, mark, currency, account)
            if t is not None:
                out.append(t)
        return out

    def build(self, aligned: Iterable[tuple[int, Row]], votes: _Votes, account: str) -> list[Transaction]:
        """The transactions of the aligned rows, as the whole-file votes decided."""
        mark, dayfirst, file_currency = self.decision(votes)
        out: list[Transaction] = []
        for line, row in aligned:
            t = self._transaction(row, line, dayfirst, mark, file_currency, account)
            if t is not None:
                out.append(t)
        return out

    def _get(self, row: Row, role: str) -> str:
        for c in self.layout.columns.get(role, []):
            t = _cell_text(row[c]) if c < len(row) else ""
            if t:
                return t
        return ""

    def _all(self, row: Row, role: str) -> list[str]:
        return [_cell_text(row[c]) for c in self.layout.columns.get(role, []) if c < len(row)]

    # the same as `_get` / `_all`, given `texts = [_cell_text(c) for c in row]`
    def _get_t(self, texts: list[str], role: str) -> str:
        for c in self.layout.columns.get(role, ()):
            t = texts[c] if c < len(texts) else ""
            if t:
                return t
        return ""

    def _all_t(self, texts: list[str], role: str) -> list[str]:
        return [texts[c] for c in self.layout.columns.get(role, ()) if c < len(texts)]

    def _money(self, value: Cell, line: int, mark: str | None) -> Decimal | None:
        if isinstance(value, (int, float, Decimal)) and not isinstance(value, bool):
            try:
                exact = to_decimal(value)
                rounded = cents(exact)
            except AmountError as exc:
                raise fail(self.name, f"bad amount {value!r}: {exc}", line) from None
            check_places(exact, rounded, value, self.name, line)
            return rounded
        text = value.replace("\ufeff", "").strip() if type(value) is str else _cell_text(value)
        if not text:
            return None
        cached = self._amounts.get(text)
        if cached is None:
            cached = amount_of(text, self.name, line, mark)
            if len(self._amounts) < 500_000:  # amounts repeat: one Decimal per distinct text, parsed once
                self._amounts[text] = cached
        return cached

    def _date(self, row: Row, line: int, dayfirst: bool) -> date | None:
        for c in self.layout.columns.get("date", []):
            v = row[c] if c < len(row) else ""
            if isinstance(v, datetime):
                return check_year(v.date(), str(v), self.name, line)
            if isinstance(v, date):
                return check_year(v, str(v), self.name, line)
            if isinstance(v, (int, float)) and 20000 < v < 80000:  # an Excel serial day number
                return date(1899, 12, 30) + timedelta(days=int(v))
            text = _cell_text(v)
            if text:
                return parse_bank_date(text, self.name, line, dayfirst=dayfirst)
        return None

    def _clean_account(self, account: str) -> str:
        cached = self._accounts.get(account)
        if cached is None:
            cached = self._accounts[account] = clean(account)
        return cached

    def _plan(self) -> dict[str, tuple[int, ...]]:
        """Each role's columns as a tuple (computed once per file)."""
        plan = getattr(self, "_roles", None)
        if plan is None:
            plan = {role: tuple(cols) for role, cols in self.layout.columns.items()}
            self._roles = plan
            self._date_cols = plan.get("date", ())
            self._date_col = self._date_cols[0] if self._date_cols else -1
            self._memo_cols = plan.get("memo", ())
            self._status_cols = plan.get("status", ())
            simple = len(plan.get("amount", ())) == 1 and not {"debit", "credit", "dc"} & set(plan)
            self._amount_col = plan["amount"][0] if simple else -1
            self._dates: dict[str, date] = {}
            self._shared: dict[str, str] = {}
            self._accounts: dict[str, str] = {}
            self._amounts: dict[str, Decimal] = {}
        return plan

    def _transaction(
        self, row: Row, line: int, dayfirst: bool, mark: str | None, file_currency: str, account: str
    ) -> Transaction | None:
        roles = self._plan()
        texts = _row_texts(row)
        date_text = _first(texts, self._date_cols)
        memo_parts = [texts[c] for c in self._memo_cols if c < len(texts)]
        status_cols = self._status_cols
        status_text = _first(texts, status_cols) if status_cols else ""
        status = fold(status_text) if status_text else ""
        if status and (status in _PENDING or any(status.startswith(p) or status.endswith(p) for p in _PENDING)):
            self.problems.append(BankProblem(self.name, line, f"pending ({status_text}), not booked yet: left out"))
            return None
        if status and status in _FAILED:
            self.problems.append(BankProblem(self.name, line, f"status {status_text}: left out"))
            return None
        date_col = self._date_col
        when = self._dates.get(date_text) if date_text and date_col >= 0 and texts[date_col] == date_text \
            and type(row[date_col]) is str else None
        if when is None:
            when = self._check_date(row, texts, line, date_text, date_col, dayfirst, roles)
            if when is None:
                return None
        amount = None
        if self._amount_col >= 0:  # one amount column, no debit/credit/indicator: `_row_amount`, inlined
            text = texts[self._amount_col]
            amount = self._amounts.get(text) if type(row[self._amount_col]) is str else None
        if amount is None:
            amount = self._row_amount(row, line, mark)
        if amount is None:
            memo = join_text(memo_parts)
            if not _SUMMARY.match(memo):
                self.problems.append(BankProblem(self.name, line, "row without an amount: left out"))
            return None
        return self._finish(row, texts, line, when, amount, memo_parts, mark, file_currency, account)

    def _check_date(self, row: Row, texts: list[str], line: int, date_text: str, date_col: int, dayfirst: bool,
                    roles: dict[str, tuple[int, ...]]) -> date | None:
        """The row's date, or None (with a problem noted where a person should know) for a row that is not a
        transaction. A date text seen before skips all of this: the checks depend on the text alone."""
        empty: tuple[int, ...] = ()
        if date_text and not any(ch.isdigit() for ch in date_text) and not looks_like_date(date_text):
            if _SUMMARY.match(date_text) or fold(date_text) in ("", "pending"):
                if fold(date_text) == "pending":
                    self.problems.append(BankProblem(self.name, line, "pending, not booked yet: left out"))
                return None
            self.problems.append(BankProblem(self.name, line, f"{date_text!r} is not a transaction date: left out"))
            return None
        if not date_text:
            if any(_first(texts, roles.get(r, empty)) for r in ("amount", "debit", "credit")):
                self.problems.append(BankProblem(self.name, line, "row without a date: left out"))
            return None
        if _SUMMARY.match(date_text):
            return None
        when = self._date(row, line, dayfirst)
        assert when is not None
        if date_col >= 0 and date_text == texts[date_col] and type(row[date_col]) is str:
            self._dates[date_text] = when  # one date object per distinct text: fast, and shared
        return when

    def _finish(self, row: Row, texts: list[str], line: int, when: date, amount: Decimal, memo_parts: list[str],
                mark: str | None, file_currency: str, account: str) -> Transaction:
        lay = self.layout
        roles = self._roles
        empty: tuple[int, ...] = ()
        currency_cols = roles.get("currency", empty)
        currency = (_first(texts, currency_cols).upper() if currency_cols else "") or file_currency
        payer = ""
        if amount < 0 and "payee" in roles:
            payer = _first(texts, roles["payee"])
        if not payer and "payer" in roles:
            payer = _first(texts, roles["payer"])
        if not payer and "payer" not in roles and "payee" not in roles:
            payer = next((p for p in memo_parts if p), "")
        memo = clean(memo_parts[0]) if len(memo_parts) == 1 else join_text(memo_parts)  # join_text, one part
        fee_cols = roles.get("fee", empty)
        if fee_cols and _first(texts, fee_cols):
            fee = self._money(next(row[c] for c in fee_cols if texts[c]), line, mark)
            if fee:
                memo = join_text([memo, f"(fee {fee})"])
        refs_cols = roles.get("refs", empty)
        refs: tuple[str, ...] = ()
        if refs_cols:
            found = [texts[c] for c in refs_cols if c < len(texts) and texts[c]]
            refs = tuple(dict.fromkeys(found)) if len(found) > 1 else tuple(found)
        ident = _first(texts, roles["ident"]) if "ident" in roles else ""
        if "account" in roles:
            account = _first(texts, roles["account"]) or account
        if len(memo_parts) == 1 and payer is memo_parts[0]:
            payer = memo  # clean(payer) is the memo: one string for both
        else:
            payer = clean(payer)
            if payer == memo:
                payer = memo
        prefix = "csv" if lay.name in ("generic", "mapping", "headerless") else lay.name
        if ident and len(ident) > 64:  # an opaque blob (DCU): keep it in bank_id, key on its hash
            tid = bank_id(prefix, account, "h" + hashlib.sha1(ident.encode("utf-8")).hexdigest()[:20])
        elif ident:
            tid = bank_id(prefix, account, ident)
        else:  # content_id(account, when, amount, payer, memo), with the parts already clean
            key = "|".join((self._clean_account(account), when.isoformat(), f"{amount:.2f}", payer, memo))
            tid = "fp:" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:16]
        code = _first(texts, roles["code"]) if "code" in roles else ""
        shared = self._shared
        return Transaction(
            transaction_id=tid, date=when, amount=amount,
            currency=shared.setdefault(currency, currency) if currency else (currency or self.default_currency),
            payer=payer, memo=memo, source=f"{self.name}:{line}", source_file=self.name, bank_id=ident,
            bank_code=shared.setdefault(code, code), references=refs)

    def _row_amount(self, row: Row, line: int, mark: str | None) -> Decimal | None:
        lay = self.layout
        cols = lay.columns
        if "debit" in cols or "credit" in cols:
            debit = credit = None
            for c in cols.get("debit", []):
                debit = self._money(row[c], line, mark) if debit is None else debit
            for c in cols.get("credit", []):
                credit = self._money(row[c], line, mark) if credit is None else credit
            if debit is None and credit is None:
                return None
            return abs(credit or Decimal("0.00")) - abs(debit or Decimal("0.00"))
        value = None
        for c in cols.get("amount", []):
            value = self._money(row[c], line, mark)
            if value is not None:
                break
        if value is None:
            return None
        if "dc" in cols:
            flag = fold(self._get(row, "dc"))
            if flag in ("d", "dr", "debit", "s", "soll", "db", "af", "dbit", "minus", "-"):
                value = -abs(value)
            elif flag in ("c", "cr", "credit", "h", "haben", "bij", "crdt", "plus", "+"):
                value = abs(value)
            elif flag:
                raise fail(self.name, f"debit/credit indicator {self._get(row, 'dc')!r} is neither D nor C", line)
        return value


# --------------------------------------------------------------------------- readers


def _sniff_delimiter(text: str) -> str:
    lines = [ln for ln in text.splitlines()[:80] if ln.strip()]
    best, best_score = ",", -1
    for d in (",", ";", "\t", "|"):
        try:
            rows = list(csv.reader(lines, delimiter=d))
        except csv.Error:
            continue
        counts = Counter(len(r) for r in rows if len(r) > 1)
        if not counts:
            continue
        width, n = counts.most_common(1)[0]
        score = n * 1000 + width
        if score > best_score:
            best, best_score = d, score
    return best


def read_table(
    rows: list[Row], lines: list[int], name: str, fmt: str, *, mapping: str | None, default_currency: str, delimiter: str = ""
) -> BankImport:
    """Turn rows of cells (from CSV or a sheet) into a `BankImport`."""
    return read_rows(lambda: zip(rows, lines, strict=True), name, fmt, mapping=mapping,
                     default_currency=default_currency, delimiter=delimiter)


HEAD_ROWS = 200  # the rows the layout is decided from (header, profile, headerless columns)


Second = tuple[Callable[[], Iterator[tuple[Row, int]]], int]  # the rows from a line on, and that line


def read_rows(
    passes: Callable[[], Iterator[tuple[Row, int]]], name: str, fmt: str, *, mapping: str | None, default_currency: str,
    delimiter: str = "", second: Second | None = None
) -> BankImport:
    """Turn rows of cells into a `BankImport`, reading them as a stream (`passes()` starts a new pass).

    What the whole file decides (date order, decimal mark, currency) is first taken from its first rows;
    one pass then counts every row's votes and builds its transaction. When the whole file decides the same
    (nearly always), that is the result; else a second pass builds every transaction again. Memory holds
    the transactions, never the rows. With `second` (a large file), a forked process does the same for the
    rows from that line on, while this process does the rows before it.
    """
    head = list(itertools.islice(passes(), HEAD_ROWS))
    rows = [r for r, _ in head]
    if not any(any(_cell_text(c) for c in r) for r in rows):
        raise fail(name, "the file is empty: no rows")
    layout = _find_layout(rows, name, mapping)
    start = max(layout.header_index + 1, 0)
    texts = [[_cell_text(c) for c in r] for r in rows[:start]]
    account = _account_from_preamble(texts[: max(layout.header_index, 0)])
    reader = _Rows(name, fmt, layout, default_currency)
    csv_rows = fmt == "csv"

    def body(report: bool, pairs: Iterable[tuple[Row, int]] | None = None) -> Iterator[tuple[int, Row]]:
        source = itertools.islice(passes(), start, None) if pairs is None else pairs
        return reader.aligned(source, delimiter, report, all_text=csv_rows)

    probe = _Rows(name, fmt, layout, default_currency)
    assumed = reader.decision(probe.scan(probe.aligned(head[start:], delimiter, False, all_text=csv_rows)))
    votes = _Votes()
    try:
        if second is not None:
            transactions = _process_in_two(reader, votes, assumed, account, body, second)
        else:
            transactions = reader.process(body(True), votes, assumed, account)
        done = reader.decision(votes) == assumed
    except BankFileError:
        done = False  # perhaps only the assumption was wrong: the two-pass way tells (and raises if it is real)
    if not done:
        reader.problems.clear()
        reader.align_problems.clear()
        votes = reader.scan(body(True))
        transactions = reader.build(body(False), votes, account)
    if layout.packed:
        transactions = [_unpack(t) for t in transactions]
    problems = reader.align_problems + reader.problems
    if not transactions and not problems:
        raise fail(name, f"no transactions below the header (columns {_describe(layout.header)})")
    accounts = [a for a in votes.accounts if a]
    return BankImport(
        transactions=number_repeats(transactions),
        problems=tuple(problems),
        format=f"{fmt}:{layout.name}",
        account=", ".join(accounts) or account,
    )


def _process_in_two(reader: _Rows, votes: _Votes, assumed: tuple[str | None, bool, str], account: str,
                    body: Callable[..., Iterator[tuple[int, Row]]], second: Second) -> list[Transaction]:
    """`reader.process` of the rows before line `split` here and of the rows from it in a forked process.

    The child starts reading at the split line's bytes; that is right only when a record starts there, which
    this process sees when it gets there (a quoted field over several lines may straddle it). If not, or if
    the child fails for any reason, this process reads on by itself: the same result, only slower. The child
    sends its transactions back as plain tuples in a temp file.
    """
    import os
    import pickle
    import tempfile

    rest, split = second
    fd, tmp = tempfile.mkstemp(prefix="poflow-bank-", suffix=".pickle")
    os.close(fd)
    try:
        pid = os.fork()
        if pid == 0:  # the child: process, write, leave without running any of the parent's exit handlers
            code = 1
            try:
                part = _Votes()
                out = reader.process(body(True, rest()), part, assumed, account)
                rows = [(t.transaction_id, t.date, t.amount, t.currency, t.payer, t.memo, t.source, t.source_file,
                         t.bank_id, t.bank_code, t.references) for t in out]
                problems = [[(p.file, p.line, p.message) for p in lst] for lst in (reader.align_problems, reader.problems)]
                with open(tmp, "wb") as fh:
                    pickle.dump((rows, problems, part), fh, protocol=pickle.HIGHEST_PROTOCOL)
                code = 0
            finally:
                os._exit(code)
        aligned_before, built_before = len(reader.align_problems), len(reader.problems)
        pairs = body(True)
        held: list[tuple[int, Row]] = []  # the first record at or after the split line

        def before_split() -> Iterator[tuple[int, Row]]:
            for line, row in pairs:
                if line >= split:
                    held.append((line, row))
                    return
                yield line, row

        out = reader.process(before_split(), votes, assumed, account)
        _, status = os.waitpid(pid, 0)
        if held and held[0][0] == split and os.waitstatus_to_exitcode(status) == 0:
            with open(tmp, "rb") as result:
                rows, (aligned, built), part = pickle.load(result)
            votes.merge(part)
            out += [Transaction(*r) for r in rows]
            reader.align_problems += [BankProblem(*p) for p in aligned[aligned_before:]]
            reader.problems += [BankProblem(*p) for p in built[built_before:]]
            return out
        # No record starts at the split line (a quoted field straddles it), or the child failed: read on here.
        return out + reader.process(itertools.chain(held, pairs), votes, assumed, account)
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp)


FORK_BYTES = 16 << 20  # a CSV larger than this is built by two processes (where there are two cores)


@dataclass(frozen=True)
class _Lines:
    """What one binary scan of a text export tells: its longest line, where to split it (by bytes) and whether
    line numbers can be told from newline bytes (no lone carriage return)."""

    longest: int
    middle: int
    plain_newlines: bool


def _scan_lines(open_binary: Callable[[], IO[bytes]], size: int) -> _Lines:
    import numpy as np

    split_at = size * 11 // 20  # the forked half also sends its result back: it gets a little less
    longest = 0
    start = 0  # offset where the current line began
    pos = 0
    newlines = 0
    middle = 0
    plain = True
    tail = b""
    with open_binary() as fh:
        while True:
            chunk = fh.read(8 << 20)
            if not chunk:
                break
            if plain and (chunk.count(b"\r") != chunk.count(b"\r\n") and not (tail + chunk[:1]).endswith(b"\r\n")):
                plain = False
            where = np.flatnonzero(np.frombuffer(chunk, dtype=np.uint8) == 10)
            if len(where):
                ends = where + pos
                longest = max(longest, int(ends[0]) - start, int(np.diff(ends).max()) if len(ends) > 1 else 0)
                if not middle and int(ends[-1]) >= split_at:
                    middle = newlines + int(np.searchsorted(ends, split_at)) + 1
                newlines += len(ends)
                start = int(ends[-1]) + 1
            pos += len(chunk)
            longest = max(longest, pos - start)
            tail = chunk[-1:]
    return _Lines(longest, middle or newlines + 1, plain)


def _offset_of_line(open_binary: Callable[[], IO[bytes]], line: int) -> int | None:
    """The byte offset where physical line `line` (1-based) starts; None if the file has fewer lines."""
    seen = 0
    pos = 0
    with open_binary() as fh:
        while True:
            chunk = fh.read(4 << 20)
            if not chunk:
                return None
            n = chunk.count(b"\n")
            if seen + n >= line - 1:
                i = -1
                for _ in range(line - 1 - seen):
                    i = chunk.index(b"\n", i + 1)
                return pos + i + 1
            seen += n
            pos += len(chunk)


def _sniff_encoding(head: bytes) -> str:
    """How a text export is encoded, from its first bytes (UTF-8 is confirmed while reading)."""
    if head.startswith(b"\xef\xbb\xbf"):
        return "utf-8-sig"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "utf-16"
    return "utf-8"


def _unpack(t: Transaction) -> Transaction:
    """A packed text column (`SONNENLADEN GMBH DE89... COBADEFFXXX RE 2026-0042`): payer and reference apart."""
    d = read_descriptor(t.memo)
    if not d.known or not d.payers:
        return t
    return replace(t, payer=d.payers[0], memo=d.remittance or t.memo)


class CsvParser:
    """Delimited text exports (comma, semicolon, tab, pipe) in UTF-8, UTF-16 or cp1252, read as a stream."""

    name = "csv"

    def sniff(self, head: bytes, name: str) -> bool:
        return b"\x00" not in head[:1024] or head.startswith((b"\xff\xfe", b"\xfe\xff"))

    def parse(self, data: bytes, name: str, *, mapping: str | None = None, default_currency: str = "USD") -> BankImport:
        return self.parse_stream(lambda: io.BytesIO(data), name, mapping=mapping, default_currency=default_currency)

    def parse_stream(self, open_binary: Callable[[], IO[bytes]], name: str, *, mapping: str | None = None,
                     default_currency: str = "USD") -> BankImport:
        """Read an export from `open_binary()` (called once per pass): memory independent of the file's length."""
        with open_binary() as fh:
            head = fh.read(1 << 16)
        encoding = _sniff_encoding(head)
        # UTF-8 is confirmed while reading; a byte that is not UTF-8 means cp1252 (else latin-1), as decode_text
        for enc in ((encoding,) if encoding != "utf-8" else ("utf-8", "cp1252", "latin-1")):
            try:
                return self._parse(open_binary, head, enc, name, mapping, default_currency)
            except UnicodeDecodeError:
                continue
        raise fail(name, "the file is neither UTF-8, UTF-16 nor cp1252 text")  # pragma: no cover - latin-1 decodes all

    def _parse(self, open_binary: Callable[[], IO[bytes]], head: bytes, encoding: str, name: str, mapping: str | None,
               default_currency: str) -> BankImport:
        errors = "strict" if encoding in ("utf-8", "cp1252", "latin-1") else "replace"
        head_text = head.decode(encoding, errors="ignore")
        if not head_text.strip():
            raise fail(name, "the file is empty")
        delimiter = _sniff_delimiter(head_text[: head_text.rfind("\n") + 1] or head_text)
        lim = limits()
        csv.field_size_limit(lim.bank_field_bytes)

        def rows(offset: int = 0, first_line: int = 1) -> Iterator[tuple[Row, int]]:
            with open_binary() as fh, io.TextIOWrapper(fh, encoding=encoding, errors=errors, newline="") as text:
                if offset:
                    fh.seek(offset)
                reader = csv.reader(text, delimiter=delimiter)
                last = first_line - 1
                base = last
                try:
                    for rec in reader:
                        yield rec, last + 1  # type: ignore[misc]
                        last = base + reader.line_num
                        if last > lim.bank_rows:
                            raise over(name, f"the file has more than {lim.bank_rows:,} lines, which", "bank_rows",
                                       f"{lim.bank_rows:,}")
                except csv.Error as exc:
                    if "field larger than field limit" in str(exc):
                        raise over(name, f"line {last + 1} has a field of more than {lim.bank_field_bytes:,} "
                                   "characters, which", "bank_field_bytes", f"{lim.bank_field_bytes:,}") from None
                    raise fail(name, f"not readable as CSV: {exc}", last + 1) from None

        size = _size_of(open_binary)
        longest = 4 * lim.bank_field_bytes  # a line is never read whole when it is longer than this
        if encoding == "utf-16":
            scan = _Lines(0, 0, False)  # newline bytes are not lines in UTF-16; csv's field limit still holds
        else:
            scan = _scan_lines(open_binary, size)
        if scan.longest > longest:
            raise over(name, f"a line is longer than {longest:,} bytes, which", "bank_field_bytes",
                       f"{lim.bank_field_bytes:,} characters a field")
        second: Second | None = None
        if size > FORK_BYTES and scan.plain_newlines and _can_fork() and scan.middle > HEAD_ROWS:
            split = scan.middle
            offset = _offset_of_line(open_binary, split)
            if offset is not None:
                second = (lambda: rows(offset, split)), split
        return read_rows(rows, name, "csv", mapping=mapping, default_currency=default_currency, delimiter=delimiter,
                         second=second)


def _size_of(open_binary: Callable[[], IO[bytes]]) -> int:
    with open_binary() as fh:
        return fh.seek(0, io.SEEK_END)


def _can_fork() -> bool:
    import os

    return hasattr(os, "fork") and (os.cpu_count() or 1) >= 2


class ExcelParser:
    """Excel workbooks (.xlsx, .xlsm, .xls) and OpenDocument sheets, read with python-calamine."""

    name = "excel"

    def sniff(self, head: bytes, name: str) -> bool:
        return head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0"))

    def parse(self, data: bytes, name: str, *, mapping: str | None = None, default_currency: str = "USD") -> BankImport:
        from python_calamine import CalamineWorkbook

        fmt = "xls" if data.startswith(b"\xd0\xcf\x11\xe0") else "xlsx"
        if fmt == "xlsx":
            from poflow_sheets.limits import check_package

            try:  # a zip bomb or a damaged package: one line, nothing inflated
                check_package(io.BytesIO(data), name)
            except LimitExceeded:
                raise
            except WorkbookUnreadable as exc:
                raise fail(name, f"not a readable spreadsheet: {str(exc).removeprefix(name + ': ')}") from None
        try:
            book = CalamineWorkbook.from_filelike(io.BytesIO(data))
            sheets = [book.get_sheet_by_index(i).to_python(skip_empty_area=False) for i in range(len(book.sheet_names))]
        except Exception as exc:  # calamine raises its own error types for every kind of damage
            raise fail(name, f"not a readable spreadsheet: {clean(str(exc)) or type(exc).__name__}") from None
        first_error: BankFileError | None = None
        for sheet in sheets:
            rows: list[Row] = [list(r) for r in sheet]
            if not any(any(_cell_text(c) for c in r) for r in rows):
                continue
            try:
                result = read_table(
                    rows, list(range(1, len(rows) + 1)), name, fmt, mapping=mapping, default_currency=default_currency
                )
            except BankFileError as exc:
                first_error = first_error or exc
                continue
            return result
        if first_error is not None:
            raise first_error
        raise fail(name, "the workbook is empty: no rows on any sheet")


def profile_names() -> list[str]:
    """The names of the ready profiles (a mapping string may be just one of these)."""
    return sorted({p.name for p in PROFILES})
