"""OFX / QFX / QBO, SGML 1.x and XML 2.x, read by our own tolerant tag reader.

Why not ofxparse/ofxtools: both convert DTPOSTED to UTC (a `[+10:AEST]` midnight becomes the
previous day), ofxtools refuses long BANKIDs, out-of-order elements and headerless files. A tag
reader is enough for what we need: each `<STMTTRN>` with its leaf values, the account and currency
of the statement around it. It takes the date as the bank wrote it (first 8 digits of DTPOSTED),
accepts values on the line after their tag, unclosed SGML leaves, CDATA, decimal commas and a
missing header, and refuses a truncated file (no closing `</OFX>` or an open transaction).
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass, field

from poflow_sheets.banks.base import (
    BankImport,
    amount_of,
    bank_id,
    clean,
    compact_date,
    content_id,
    decode_text,
    fail,
    join_text,
    number_repeats,
)
from poflow_sheets.records import Transaction

_TOKEN = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9_.]*)\s*>([^<]*)")
_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)
_OFX_OPEN = re.compile(r"<OFX\s*>", re.I)
_OFX_CLOSE = re.compile(r"</OFX\s*>", re.I)
_STATEMENTS = {"STMTRS", "CCSTMTRS", "INVSTMTRS"}
_ACCOUNTS = {"BANKACCTFROM", "CCACCTFROM", "INVACCTFROM"}
_TXN_AGGREGATES = {"STMTTRN", "PAYEE", "CURRENCY", "ORIGCURRENCY", "BANKACCTTO", "CCACCTTO", "IMAGEDATA"}


@dataclass
class _Statement:
    account: str = ""
    currency: str = ""


@dataclass
class _Txn:
    line: int
    values: dict[str, str] = field(default_factory=dict)


class OfxParser:
    """OFX 1.x (SGML) and 2.x (XML), QFX and QBO."""

    name = "ofx"

    def sniff(self, head: bytes, name: str) -> bool:
        text = head[:4096].upper()
        if b"OFXHEADER" in text or re.search(rb"<OFX\s*>", text):
            return True
        return name.lower().endswith((".ofx", ".qfx", ".qbo"))

    def parse(self, data: bytes, name: str, *, mapping: str | None = None, default_currency: str = "USD") -> BankImport:
        text = decode_text(data)
        start = _OFX_OPEN.search(text)
        if start is None:
            raise fail(name, "not an OFX file: no <OFX> element found")
        if _OFX_CLOSE.search(text, start.end()) is None:
            raise fail(name, "the OFX file is truncated: it has no closing </OFX>", _line_of(text, len(text)))
        body = _CDATA.sub(lambda m: html.escape(m.group(1), quote=False), text)
        counted = [0, 1]  # position up to which newlines are counted, and the line number there

        def line_at(pos: int) -> int:
            # the 1-based line of `pos`: positions come in increasing order, so count onwards
            if pos < counted[0]:
                counted[:] = [0, 1]
            counted[1] += body.count("\n", counted[0], pos + 1)
            counted[0] = pos + 1
            return counted[1]

        stack: list[str] = []
        statements: list[_Statement] = []
        current = _Statement()
        txns: list[tuple[_Statement, _Txn]] = []
        txn: _Txn | None = None
        seen_ofx = False
        unescape = html.unescape
        for m in _TOKEN.finditer(body, start.start()):
            slash, tag, raw = m.groups()
            closing, tag = slash == "/", tag.upper()
            value = (unescape(raw) if "&" in raw else raw).strip()  # unescape returns raw itself without "&"
            if closing:
                if tag in stack:
                    while stack:
                        top = stack.pop()
                        if top == "STMTTRN" and txn is not None:
                            txns.append((current, txn))
                            txn = None
                        if top == tag:
                            break
                if tag == "OFX":
                    seen_ofx = True
                    break
                continue
            if value:  # a leaf element with its value (closing tag optional)
                if txn is not None and "STMTTRN" in stack:
                    for parent in reversed(stack):  # the innermost aggregate (STMTTRN is one)
                        if parent in _TXN_AGGREGATES:
                            break
                    key = tag if parent == "STMTTRN" else f"{parent}.{tag}"
                    txn.values.setdefault(key, value)
                elif any(a in stack for a in _ACCOUNTS):
                    if tag == "ACCTID":
                        current.account = value
                elif tag == "CURDEF" and any(s in stack for s in _STATEMENTS):
                    current.currency = value.upper()
                continue
            # an aggregate opening (or an empty leaf, which does no harm on the stack)
            if tag in _STATEMENTS:
                current = _Statement()
                statements.append(current)
            if tag == "STMTTRN":
                if txn is not None:  # previous transaction never closed: close it here
                    txns.append((current, txn))
                    while stack and stack[-1] != "STMTTRN":
                        stack.pop()
                    if stack:
                        stack.pop()
                txn = _Txn(line=line_at(m.start()))
            stack.append(tag)
        if not seen_ofx or txn is not None:
            raise fail(name, "the OFX file is truncated: a transaction or </OFX> is missing", line_at(len(body)))

        out: list[Transaction] = []
        for stmt, t in txns:
            out.append(self._transaction(stmt, t, name, default_currency))
        accounts = [s.account for s in statements if s.account]
        used = [s.account for s, _ in txns if s.account]
        account = ", ".join(dict.fromkeys(used or accounts))
        return BankImport(transactions=number_repeats(out), problems=(), format="ofx", account=account)

    def _transaction(self, stmt: _Statement, t: _Txn, name: str, default_currency: str) -> Transaction:
        v = t.values
        posted = v.get("DTPOSTED") or v.get("DTUSER")
        if not posted:
            raise fail(name, "transaction without DTPOSTED", t.line)
        when = compact_date(posted, name, t.line)
        raw_amount = v.get("TRNAMT")
        if raw_amount is None:
            raise fail(name, "transaction without TRNAMT", t.line)
        # OFX has no digit grouping: a lone comma is a decimal comma; both marks: let money guess
        mark: str | None = "," if "," in raw_amount else "."
        if "," in raw_amount and "." in raw_amount:
            mark = None
        amount = amount_of(raw_amount, name, t.line, mark, what="TRNAMT")
        payer = clean(v.get("NAME") or v.get("PAYEE.NAME") or "")
        memo = clean(v.get("MEMO", ""))
        currency = (v.get("CURRENCY.CURSYM") or v.get("ORIGCURRENCY.CURSYM") or stmt.currency or default_currency).upper()
        fitid = clean(v.get("FITID", ""))
        refs = [r for r in (clean(v.get("REFNUM", "")), clean(v.get("CHECKNUM", ""))) if r and r != "0"]
        references = tuple(dict.fromkeys(r for r in refs if r != fitid))
        if fitid:
            tid = bank_id("ofx", stmt.account, fitid)
            source = f"{name}:{fitid}"
        else:
            tid = content_id(stmt.account, when, amount, payer, memo)
            source = f"{name}:{t.line}"
        return Transaction(
            transaction_id=tid,
            date=when,
            amount=amount,
            currency=currency,
            payer=payer,
            memo=memo or join_text([payer]),
            source=source,
            source_file=name,
            bank_id=fitid,
            bank_code=clean(v.get("TRNTYPE", "")).upper(),
            references=references,
        )


def _line_of(text: str, pos: int) -> int:
    return text.count("\n", 0, pos) + 1
