"""SWIFT MT940 (statement) and MT942 (intraday report), read by our own line reader.

Why our own: the mt-940 package signs a reversal of a credit (`RC`) as positive by default, guesses
dates and needs per-bank processors for the German `?20..?63` subfields. This reader strips SWIFT
envelopes (`{1:…}{2:…}{4:` … `-}`), SOH/ETX bytes and non-SWIFT header lines, keeps every
statement of a file, accepts a line break inside `:61:` (Sparkasse) and even inside a tag (`:\\n86:`),
joins multi-line `:86:`, and reads German structured (`?00`, `?20..?29`, `?32/?33`, SEPA keys
EREF+/SVWZ+/MREF+), Dutch (`/EREF/`, `/REMI/`, `/NAME/`) and free-text `:86:` fields.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from poflow_sheets.banks.base import (
    BankImport,
    amount_of,
    bank_id,
    clean,
    content_id,
    decode_text,
    fail,
    join_text,
    number_repeats,
)
from poflow_sheets.records import Transaction

_TAG = re.compile(r"^:(\d{2}[A-Z]?):(.*)$")
_ENVELOPE = re.compile(r"\{[1235]:(?:[^{}]|\{[^{}]*\})*\}|\{4:|-\}")
_STMT_LINE = re.compile(
    r"""^(?P<vdate>\d{6})(?P<edate>\d{4})?
    (?P<mark>R?[CD]|E[CD])(?P<funds>[A-Z])?\n?
    (?P<amount>\d[\d,.]*)
    (?P<type>[A-Z][A-Z0-9]{3})?
    (?P<custref>(?:(?!//)[^\n])*)
    (?://(?P<bankref>[^\n]*))?
    (?:\n(?P<extra>.*))?$""",
    re.X | re.S,
)
_BALANCE = re.compile(r"^[CD]\d{6}([A-Z]{3})")
_SEPA_KEYS = re.compile(r"(EREF|KREF|MREF|CRED|DEBT|SVWZ|ABWA|ABWE|PURP|COAM|OAMT|IBAN|BIC)\+")
_NL_KEYS = re.compile(r"/(EREF|MARF|CSID|CNTP|REMI|PURP|ORDP|BENM|NAME|ISDT|RTRN|ADDI|ULTC|ULTD|IBAN|BIC)/")


@dataclass
class _Field:
    tag: str
    line: int
    lines: list[str] = field(default_factory=list)


@dataclass
class _Statement:
    account: str = ""
    currency: str = ""
    fields: list[_Field] = field(default_factory=list)


def _fields(text: str) -> tuple[list[_Statement], bool]:
    """Split the text into statements of tagged fields (with continuation lines)."""
    raw = text.replace("\r\n", "\n").replace("\r", "\n").replace("\x01", "").replace("\x03", "")
    raw = _ENVELOPE.sub(lambda m: "\n" * m.group(0).count("\n"), raw)
    lines = raw.split("\n")
    # a line break inside the tag itself (":" alone, then "86:…"): join them
    for i in range(len(lines) - 1):
        if lines[i].strip() == ":" and re.match(r"^\d{2}[A-Z]?:", lines[i + 1]):
            lines[i], lines[i + 1] = "", ":" + lines[i + 1]
    statements: list[_Statement] = []
    stmt: _Statement | None = None
    cur: _Field | None = None
    intraday = False
    for no, line in enumerate(lines, start=1):
        m = _TAG.match(line)
        if m:
            tag = m.group(1)
            if tag == "20" or stmt is None:
                stmt = _Statement()
                statements.append(stmt)
            if tag in ("13D", "13", "34F", "90D", "90C"):
                intraday = True
            cur = _Field(tag, no, [m.group(2)])
            stmt.fields.append(cur)
            continue
        stripped = line.strip()
        if stripped.startswith("-") and (stripped == "-" or stripped[1:].isalnum()):
            cur = None  # end of a statement ("-" or "-XXX")
            continue
        if cur is not None and stripped:
            cur.lines.append(line)
        # other lines outside a field: non-SWIFT header lines ("ABNANL2A", "940"), ignored
    return statements, intraday


def _join_free(lines: list[str]) -> str:
    """Join free-text lines: a full 65-char line was cut mid-word, others end a phrase."""
    out = ""
    for i, line in enumerate(lines):
        previous = len(lines[i - 1].rstrip("\r\n")) + (4 if i == 1 else 0)  # the first line follows ":86:"
        if i and previous < 65:
            out += " "
        out += line
    return clean(out)


@dataclass
class _Details:
    payer: str = ""
    memo: str = ""
    refs: list[str] = field(default_factory=list)
    code_text: str = ""


def _details(lines: list[str]) -> _Details:
    """Read an `:86:` field: German `?nn` subfields, Dutch `/KEY/` or free text."""
    joined = "".join(lines)
    if re.match(r"^\s*(\d{3})?\?\d{2}", joined):
        return _german(joined)
    if _NL_KEYS.search(joined) and joined.lstrip().startswith("/"):
        return _dutch(joined)
    return _Details(memo=_join_free(lines))


def _german(text: str) -> _Details:
    parts = re.split(r"\?(\d{2})", text)
    sub: dict[int, list[str]] = {}
    for key, value in zip(parts[1::2], parts[2::2], strict=False):
        sub.setdefault(int(key), []).append(value)
    purpose = "".join(v for k in [*range(20, 30), *range(60, 64)] for v in sub.get(k, []))
    name = clean("".join(sub.get(32, []) + sub.get(33, [])))
    d = _Details(payer=name, code_text=clean("".join(sub.get(0, []))))
    pieces = _SEPA_KEYS.split(purpose)
    if len(pieces) > 1:
        keyed: dict[str, str] = {}
        head = pieces[0]
        for key, value in zip(pieces[1::2], pieces[2::2], strict=False):
            keyed.setdefault(key, clean(value))
        d.memo = join_text([head, keyed.get("SVWZ", "")]) or clean(purpose)
        for key in ("EREF", "KREF", "MREF"):
            ref = keyed.get(key, "")
            if ref and ref.upper() != "NOTPROVIDED":
                d.refs.append(ref)
    else:
        d.memo = clean(purpose)
    if not d.memo:
        d.memo = d.code_text
    return d


def _dutch(text: str) -> _Details:
    pieces = _NL_KEYS.split(text)
    keyed: dict[str, str] = {}
    for key, value in zip(pieces[1::2], pieces[2::2], strict=False):
        keyed.setdefault(key, value.strip("/ "))
    payer = keyed.get("NAME", "")
    if not payer and "CNTP" in keyed:
        cntp = keyed["CNTP"].split("/")
        payer = cntp[2] if len(cntp) > 2 else ""
    remi = keyed.get("REMI", "")
    remi = re.sub(r"^(USTD|STRD)//?", "", remi)
    remi = re.sub(r"^CUR/", "", remi)
    d = _Details(payer=clean(payer), memo=clean(remi.replace("/", " ")) or clean(text))
    eref = keyed.get("EREF", "")
    if eref and eref.upper() != "NOTPROVIDED":
        d.refs.append(clean(eref))
    return d


class Mt940Parser:
    """SWIFT MT940 / MT942."""

    name = "mt940"

    def sniff(self, head: bytes, name: str) -> bool:
        h = head[:8192]
        has_tags = b":20:" in h and (b":25:" in h or b":61:" in h or b":60F:" in h)
        if has_tags:
            return True
        return name.lower().endswith((".sta", ".mt940", ".940", ".942", ".mta")) and b":61:" in h

    def parse(self, data: bytes, name: str, *, mapping: str | None = None, default_currency: str = "USD") -> BankImport:
        statements, intraday = _fields(decode_text(data))
        out: list[Transaction] = []
        accounts: list[str] = []
        for stmt in statements:
            for f in stmt.fields:
                value = " ".join(f.lines).strip()
                if f.tag == "25":
                    stmt.account = clean(value)
                elif f.tag[:2] in ("60", "62", "34") and not stmt.currency:
                    m = _BALANCE.match(value) or re.match(r"^([A-Z]{3})", value)
                    if m:
                        stmt.currency = m.group(1)
            if stmt.account and stmt.account not in accounts:
                accounts.append(stmt.account)
            fields = stmt.fields
            for i, f in enumerate(fields):
                if f.tag != "61":
                    continue
                info = fields[i + 1] if i + 1 < len(fields) and fields[i + 1].tag == "86" else None
                out.append(self._line(f, info, stmt, name, default_currency))
        if not statements:
            raise fail(name, "no MT940 statement found (no :20: … :61: fields)")
        return BankImport(
            transactions=number_repeats(out),
            problems=(),
            format="mt942" if intraday else "mt940",
            account=", ".join(accounts),
        )

    def _line(self, f: _Field, info: _Field | None, stmt: _Statement, name: str, default_currency: str) -> Transaction:
        text = "\n".join(f.lines)
        m = _STMT_LINE.match(text)
        if m is None:
            raise fail(name, f"statement line :61:{clean(text)!r} is not in MT940 form", f.line)
        vdate = m["vdate"]
        try:
            value_date = date(2000 + int(vdate[:2]), int(vdate[2:4]), int(vdate[4:6]))
        except ValueError:
            raise fail(name, f"{vdate!r} is not a date (YYMMDD)", f.line) from None
        when = value_date
        if m["edate"]:
            em, ed = int(m["edate"][:2]), int(m["edate"][2:])
            year = value_date.year
            if em == 12 and value_date.month == 1:
                year -= 1
            elif em == 1 and value_date.month == 12:
                year += 1
            try:
                when = date(year, em, ed)
            except ValueError:
                raise fail(name, f"entry date {m['edate']!r} is not a date (MMDD)", f.line) from None
        amount = amount_of(m["amount"], name, f.line, ",")
        mark = m["mark"].lstrip("E")
        if mark in ("D", "RC"):  # a debit, or the reversal of a credit, takes money out
            amount = -amount
        details = _details(info.lines) if info is not None else _Details()
        extra = clean(m["extra"] or "")
        custref = clean(m["custref"] or "")
        bankref = clean(m["bankref"] or "")
        memo = details.memo or extra
        refs = [*details.refs]
        if custref and custref.upper() not in ("NONREF", "KREF+", "NOTPROVIDED"):
            refs.append(custref)
        if bankref and bankref.upper() != "NONREF":
            tid = bank_id("mt940", stmt.account, bankref)
        else:
            tid = content_id(stmt.account, when, amount, details.payer, join_text([memo, extra, custref]))
        return Transaction(
            transaction_id=tid,
            date=when,
            amount=amount,
            currency=stmt.currency or default_currency,
            payer=details.payer,
            memo=memo,
            source=f"{name}:{f.line}",
            source_file=name,
            bank_id=bankref,
            bank_code=m["type"] or "",
            references=tuple(dict.fromkeys(refs)),
        )
