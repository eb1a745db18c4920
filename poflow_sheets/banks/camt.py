"""ISO 20022 camt.053 (statement), camt.054 (notification) and camt.052 (report), any version.

Parsed with defusedxml (DTDs, entities and external references forbidden) and read by local
element names, so every version namespace (001.02 … 001.13) works. A batch entry with several
TxDtls becomes one transaction per TxDtls, using each TxDtls amount. CRDT is positive, DBIT
negative; pending (PDNG) and information-only entries are left out and reported.
"""

from __future__ import annotations

import re
from decimal import Decimal
from xml.etree.ElementTree import Element, ParseError
from xml.etree.ElementTree import fromstring as _plain_fromstring

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from poflow_sheets.banks.base import (
    BankImport,
    BankProblem,
    amount_of,
    bank_id,
    clean,
    content_id,
    fail,
    join_text,
    number_repeats,
    parse_bank_date,
)
from poflow_sheets.records import Transaction

_NTRY_START = re.compile(rb"<(?:[\w.-]+:)?Ntry[\s>/]")
_KIND = re.compile(r"camt\.(05[234])")
_CONTAINERS = {"Stmt": "camt.053", "Ntfctn": "camt.054", "Rpt": "camt.052"}


def _entry_lines(data: bytes) -> list[int]:
    """The 1-based line of each <Ntry> start, counting newlines once through the file (linear)."""
    out: list[int] = []
    line, pos = 1, 0
    for mm in _NTRY_START.finditer(data):
        line += data.count(b"\n", pos, mm.start())
        pos = mm.start()
        out.append(line)
    return out


def _parse_xml(data: bytes) -> Element:
    """Parse with defusedxml (no DTD, no entities, no external references).

    A document without any `<!` (no DOCTYPE, so no entity declarations and nothing external can be
    referenced) and without NUL bytes (so an ASCII-compatible encoding, where `<!` would show as
    those bytes) has nothing those protections refuse: it is parsed by the C accelerated parser,
    which builds the same tree several times faster. Anything else, and any document that parser
    does not accept, goes through defusedxml exactly as before (same errors, same refusals).
    """
    if b"<!" not in data and b"\x00" not in data:
        try:
            return _plain_fromstring(data)
        except Exception:  # re-read below, so errors stay those of defusedxml
            pass
    return fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _strip_namespaces(root: Element) -> None:
    """Replace every `{namespace}Name` tag by its local name, once, so lookups can use `find`."""
    local: dict[str, str] = {}  # no comments or processing instructions are kept: every tag is a str
    for el in root.iter():
        tag = el.tag
        try:
            el.tag = local[tag]
        except KeyError:
            local[tag] = el.tag = _local(tag)


# After `_strip_namespaces`, every tag is a plain local name (an NCName: no "/", "*", "[", "@",
# "{"); the step names used below contain no "." either, so `find`/`findall` take their direct
# first-matching-child path, the same as comparing local names child by child.


def _kids(el: Element, name: str) -> list[Element]:
    return el.findall(name)


def _find(el: Element | None, *path: str) -> Element | None:
    """The first element along a path of local names (each step: first matching child)."""
    for step in path:
        if el is None:
            return None
        el = el.find(step)
    return el


def _text(el: Element | None, *path: str) -> str:
    found = _find(el, *path)
    return clean(found.text) if found is not None and found.text else ""


def _all_text(el: Element | None, *path: str) -> list[str]:
    """Every text along the path, following all matching children at each step."""
    if el is None:
        return []
    level = [el]
    for step in path:
        level = [c for e in level for c in e.findall(step)]
    return [clean(e.text) for e in level if e.text and e.text.strip()]


def _party_name(parties: Element | None, role: str) -> str:
    # camt.053.001.02-.07: RltdPties/Dbtr/Nm; .08 and later: RltdPties/Dbtr/Pty/Nm
    return _text(parties, role, "Nm") or _text(parties, role, "Pty", "Nm")


class CamtParser:
    """camt.052 / camt.053 / camt.054 XML."""

    name = "camt"

    def sniff(self, head: bytes, name: str) -> bool:
        h = head[:4096]
        if b"camt.05" in h or b"BkToCstmr" in h:
            return True
        return name.lower().endswith(".xml") and b"<Document" in h

    def parse(self, data: bytes, name: str, *, mapping: str | None = None, default_currency: str = "USD") -> BankImport:
        try:
            root = _parse_xml(data)
        except DefusedXmlException as exc:
            raise fail(name, f"unsafe XML refused ({type(exc).__name__}): DTDs and entities are not allowed") from None
        except ParseError as exc:
            line = exc.position[0] if getattr(exc, "position", None) else None
            raise fail(name, f"not well-formed XML: {exc}", line) from None
        except (ValueError, SyntaxError) as exc:
            raise fail(name, f"not readable XML: {exc}") from None
        m = _KIND.search(root.tag)
        _strip_namespaces(root)
        containers = [el for el in root.iter() if el.tag in _CONTAINERS and el.find("Acct") is not None]
        if not containers:
            raise fail(name, "no camt statement, report or notification (Stmt/Rpt/Ntfctn) found")
        kind = f"camt.{m.group(1)}" if m else _CONTAINERS[containers[0].tag]
        entry_lines = _entry_lines(data)
        out: list[Transaction] = []
        problems: list[BankProblem] = []
        accounts: list[str] = []
        n_entry = 0
        for stmt in containers:
            acct = _find(stmt, "Acct")
            account = _text(acct, "Id", "IBAN") or _text(acct, "Id", "Othr", "Id")
            currency = _text(acct, "Ccy") or default_currency
            if account and account not in accounts:
                accounts.append(account)
            for entry in _kids(stmt, "Ntry"):
                line = entry_lines[n_entry] if n_entry < len(entry_lines) else 0
                n_entry += 1
                status = _text(entry, "Sts") or _text(entry, "Sts", "Cd")
                if status and status.upper() not in ("BOOK", "BOOKED"):
                    problems.append(BankProblem(name, line, f"entry status {status} (not booked): left out"))
                    continue
                out.extend(self._entry(entry, name, line, account, currency))
        return BankImport(
            transactions=number_repeats(out),
            problems=tuple(problems),
            format=kind,
            account=", ".join(accounts),
        )

    def _amount(self, el: Element | None, name: str, line: int) -> tuple[Decimal, str] | None:
        if el is None or not (el.text or "").strip():
            return None
        value = amount_of(el.text or "", name, line, ".")
        return value, (el.get("Ccy") or "").upper()

    def _entry(self, entry: Element, name: str, line: int, account: str, currency: str) -> list[Transaction]:
        amt = self._amount(_find(entry, "Amt"), name, line)
        if amt is None:
            raise fail(name, "entry without an amount", line)
        sign_of_entry = _text(entry, "CdtDbtInd").upper()
        if sign_of_entry not in ("CRDT", "DBIT"):
            raise fail(name, f"entry credit/debit indicator {sign_of_entry or 'missing'!r}", line)
        booked = _text(entry, "BookgDt", "Dt") or _text(entry, "BookgDt", "DtTm")[:10]
        booked = booked or _text(entry, "ValDt", "Dt") or _text(entry, "ValDt", "DtTm")[:10]
        if not booked:
            raise fail(name, "entry without a booking date", line)
        when = parse_bank_date(booked, name, line)
        code = self._code(_find(entry, "BkTxCd"))
        entry_ref = _text(entry, "AcctSvcrRef") or _text(entry, "NtryRef")
        entry_info = _text(entry, "AddtlNtryInf")
        details = [tx for nd in _kids(entry, "NtryDtls") for tx in _kids(nd, "TxDtls")]
        amounts = [self._tx_amount(tx, name, line) for tx in details]
        split = len(details) > 1 and all(a is not None for a in amounts)
        if not split:
            # one booking: the entry amount, with whatever details there are
            details = details[:1]
            amounts = [amt]
        out: list[Transaction] = []
        slots: list[Element | None] = list(details) or [None]
        for i, (tx, tx_amt) in enumerate(zip(slots, amounts, strict=False), start=1):
            assert tx_amt is not None
            value, ccy = tx_amt
            sign = sign_of_entry
            if split and tx is not None:
                sign = _text(tx, "CdtDbtInd").upper() or sign_of_entry
            amount = -value if sign == "DBIT" else value
            parties = _find(tx, "RltdPties")
            if sign == "CRDT":
                payer = _party_name(parties, "Dbtr") or _party_name(parties, "UltmtDbtr")
            else:
                payer = _party_name(parties, "Cdtr") or _party_name(parties, "UltmtCdtr")
            ustrd = _all_text(tx, "RmtInf", "Ustrd")
            strd = _all_text(tx, "RmtInf", "Strd", "CdtrRefInf", "Ref") + _all_text(tx, "RmtInf", "Strd", "RfrdDocInf", "Nb")
            e2e = _text(tx, "Refs", "EndToEndId")
            memo = join_text([*ustrd, *strd, _text(tx, "AddtlTxInf"), entry_info if not split else ""])
            refs = [r for r in (*strd, e2e) if r and r.upper() != "NOTPROVIDED"]
            tx_ref = _text(tx, "Refs", "AcctSvcrRef")
            if tx_ref:
                ident = tx_ref
            elif entry_ref:
                ident = f"{entry_ref}/{i}" if split else entry_ref
            else:  # EndToEndId is the payer's, not unique over time: part of the fingerprint only
                ident = ""
            where = tx_ref or (f"{entry_ref}/{i}" if split and entry_ref else entry_ref)
            tx_code = self._code(_find(tx, "BkTxCd")) if tx is not None else ""
            out.append(
                Transaction(
                    transaction_id=bank_id("camt", account, ident)
                    if ident
                    else content_id(account, when, amount, payer, join_text([memo, e2e])),
                    date=when,
                    amount=amount,
                    currency=ccy or currency,
                    payer=payer,
                    memo=memo,
                    source=f"{name}:{where or line}",
                    source_file=name,
                    bank_id=tx_ref or entry_ref,
                    bank_code=tx_code or code,
                    references=tuple(dict.fromkeys(refs)),
                )
            )
        return out

    def _tx_amount(self, tx: Element, name: str, line: int) -> tuple[Decimal, str] | None:
        for path in (("Amt",), ("AmtDtls", "TxAmt", "Amt"), ("AmtDtls", "InstdAmt", "Amt")):
            found = self._amount(_find(tx, *path), name, line)
            if found is not None:
                return found
        return None

    @staticmethod
    def _code(bk: Element | None) -> str:
        if bk is None:
            return ""
        domain = _text(bk, "Domn", "Cd")
        if domain:
            return "/".join(p for p in (domain, _text(bk, "Domn", "Fmly", "Cd"), _text(bk, "Domn", "Fmly", "SubFmlyCd")) if p)
        return _text(bk, "Prtry", "Cd")
