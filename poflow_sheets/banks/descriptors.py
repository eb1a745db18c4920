"""Payment descriptors as banks write them: which text is the payer, which is remittance, which is noise.

A bank prints one line of text per credit, and every bank and rail packs it its own way:

    LITTLE TRADING DES:PAYMENT ID:9006267575 INDN:MAPLELEAF WHOLESALE CO ID:7721546653 CCD PMT INFO:Invoice #222
    ORIG CO NAME:LITTLE TRADING ORIG ID:9006267575 DESC DATE:261120 CO ENTRY DESCR:PAYMENT SEC:CCD ...
    WT FED#03919 WELLS FARGO BANK /ORG=SUNNY GOODS LLC SRF# 0012345678 TRN#261120012345 OBI=INV 1234

Each convention below is data: a `detect` pattern that says a text is written this way, then either
labelled fields (label pattern -> role) or one `pattern` with named groups. Roles:

    payer       the originator: the buyer who paid (NACHA cuts a company name to 16 characters)
    payer_addr  the originator followed by its address (wire B/O:, ORG=, ORIG:): cut after the name
    remit       remittance information: invoice and PO numbers, RMR*IV segments
    receiver    the account holder's own name (the seller): never a payer
    noise       ids, dates, trace numbers, SEC codes, the sending bank

`read_descriptor(text)` applies the first convention that detects the text and returns a `Descriptor`.
Every convention carries an example line with the payer and remittance it must give (tests check them).
The seller's own name is removed by the matcher (reconcile.payers), which knows Settings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

PAYER, PAYER_ADDR, REMIT, RECEIVER, NOISE = "payer", "payer_addr", "remit", "receiver", "noise"
DATE6, IBAN = "\0date6", "\0iban"  # hints: a 6-digit token (YYMMDD), a token shaped like an IBAN
_MARKS = {DATE6: re.compile(r" \d{6} "), IBAN: re.compile(r" [A-Z]{2}\d{2}[A-Z0-9]{11}")}

# NACHA company entry descriptions (10 characters) seen on trade payments: read as noise, never as a name.
ENTRY_DESCRIPTIONS = (
    "AP PAYMENT", "AP PAYMNT", "AP PMT", "A/P PMT", "ACH PMT", "ACH PAYMENT", "VENDOR PMT", "VENDOR PAY",
    "EDI PYMNTS", "EDI PAYMNT", "CORP PMT", "TRADE PMT", "BILL PAY", "PAYMENTS", "PAYMENT", "PAYABLES",
    "PYMNT", "PYMT", "PMT", "REMIT", "REMITTANCE", "SUPPLIER", "SETTLEMENT",
    "ACH CREDIT", "CREDIT", "DEPOSIT", "TRANSFER", "PURCHASE", "QUICKPAY",
)
_DESCR = "|".join(re.escape(d) for d in sorted(ENTRY_DESCRIPTIONS, key=len, reverse=True))

# Card processors and marketplaces: their credits are payouts of many charges, never one buyer's payment.
PROCESSORS = ("STRIPE", "PAYPAL", "SQUARE", "SQUAREUP", "SQ", "SHOPIFY", "ADYEN", "BRAINTREE", "FAIRE", "ETSY",
              "AMAZON", "WORLDPAY", "CLOVER", "TOAST", "AMEX", "AMERICAN EXPRESS", "GUSTO", "INTUIT")
_PROCESSOR = re.compile(r"^(?:" + "|".join(re.escape(p) for p in PROCESSORS) + r")(?=\s*\*|(?:\s+(?:INC|LLC|CORP|CO|LTD|"
                        r"PAYMENTS?|PAYOUTS?|TRANSFER|SETTLEMENT|MERCHANT|SERVICES|\S*\d\S*))*$)")


@dataclass(frozen=True, slots=True)
class Convention:
    """How one bank writes one kind of credit. `fields`: (label regex, role); text before the first
    label has role `lead`. Or `pattern`: one regex whose named groups are roles (payer, remit, ...)."""

    name: str
    bank: str
    rail: str
    detect: str
    fields: tuple[tuple[str, str], ...] = ()
    lead: str = NOISE
    pattern: str = ""
    hints: tuple[str, ...] = ()  # text one of which must be in the line before `detect` is tried (speed)
    width: int = 0  # the rail's width of the payer's name field (0: not cut)
    example: str = ""
    example_payer: str = ""
    example_remit: str = ""


CONVENTIONS: tuple[Convention, ...] = (
    Convention(
        name="bofa_ach", hints=(" DES:",), bank="Bank of America", rail="ACH",
        detect=r"\S\sDES:",
        fields=((r"DES:", NOISE), (r"CO ID:", NOISE), (r"ID:", NOISE), (r"INDN:", RECEIVER),
                (r"PMT INFO:", REMIT), (r"(?:CCD|PPD|CTX|WEB|CIE|TEL)\+?(?=\s|$)", NOISE)),
        lead=PAYER, width=16,
        example="LITTLE TRADING DES:PAYMENT ID:9006267575 INDN:MAPLELEAF WHOLESALE CO ID:7721546653 CCD "
                "PMT INFO:Invoice #222",
        example_payer="LITTLE TRADING", example_remit="Invoice #222",
    ),
    Convention(
        name="bofa_wire", hints=("WIRE TYPE:",), bank="Bank of America", rail="wire",
        detect=r"^WIRE TYPE:\s*(?:WIRE|INTL|BOOK) IN",
        fields=((r"WIRE TYPE:", NOISE), (r"DATE:", NOISE), (r"TIME:", NOISE), (r"TRN:", NOISE), (r"SEQ:", NOISE),
                (r"ORIG:", PAYER_ADDR), (r"ID:", NOISE), (r"SND BK:", NOISE), (r"BNF:", RECEIVER),
                (r"PMT DET:", REMIT), (r"OBI:", REMIT)),
        width=35,
        example="WIRE TYPE:WIRE IN DATE: 261120 TIME:1022 ET TRN:2026112000123456 SEQ:2026112000123456/001234 "
                "ORIG:MEADOW PANTRY LL ID:000123456789 SND BK:JPMORGAN CHASE BANK, NA ID:0002 "
                "PMT DET:INV 1234 OBI:PO 77",
        example_payer="MEADOW PANTRY LL", example_remit="INV 1234 PO 77",
    ),
    Convention(
        name="chase_ach", hints=("ORIG CO NAME:",), bank="Chase", rail="ACH",
        detect=r"\bORIG CO NAME:",
        fields=((r"ORIG CO NAME:", PAYER), (r"ORIG ID:", NOISE), (r"DESC DATE:", NOISE), (r"CO ENTRY DESCR:", NOISE),
                (r"SEC:", NOISE), (r"TRACE#:", NOISE), (r"EED:", NOISE), (r"IND ID:", REMIT), (r"IND NAME:", RECEIVER),
                (r"TRN:", NOISE), (r"PMT INFO:", REMIT), (r"ADDENDA:", REMIT)),
        width=16,
        example="ORIG CO NAME:LITTLE TRADING ORIG ID:9006267575 DESC DATE:261120 CO ENTRY DESCR:PAYMENT SEC:CCD "
                "TRACE#:021000021234567 EED:261120 IND ID:INV-222 IND NAME:MAPLELEAF WHOLESALE TRN: 3251234567TC",
        example_payer="LITTLE TRADING", example_remit="INV-222",
    ),
    Convention(
        name="chase_wire", hints=("CREDIT",), bank="Chase", rail="wire",
        detect=r"^(?:FEDWIRE|CHIPS|BOOK TRANSFER) CREDIT\b",
        fields=((r"VIA:", NOISE), (r"B/O:", PAYER_ADDR), (r"YOUR REF:", REMIT), (r"REF:", NOISE), (r"BNF=", RECEIVER),
                (r"/AC-", NOISE), (r"RFB=", NOISE), (r"OBI=", REMIT), (r"BBI=", NOISE), (r"IMAD:", NOISE),
                (r"OMAD:", NOISE), (r"SSN:", NOISE), (r"TRN:", NOISE)),
        width=35,
        example="FEDWIRE CREDIT VIA: BANK OF AMERICA N.A./026009593 B/O: SUNNY GOODS LLC NEW YORK NY 10001 "
                "REF: CHASE NYC/CTR/BNF=MAPLELEAF WHOLESALE CO NEW YORK NY 10013-1234/AC-000000001234 "
                "RFB=O/B BOFA SC OBI=INV 1234 IMAD: 1120MMQFMP2N012345 TRN: 1234567890FF",
        example_payer="SUNNY GOODS LLC", example_remit="INV 1234",
    ),
    Convention(
        name="wf_wire", hints=("WT ",), bank="Wells Fargo", rail="wire",
        detect=r"^WT (?:FED|SEQ|BOOK)\s*#",
        fields=((r"/ORG=", PAYER_ADDR), (r"ORG=", PAYER_ADDR), (r"SRF#", NOISE), (r"TRN#", NOISE), (r"RFB#", NOISE),
                (r"OBI=", REMIT), (r"BNF=", RECEIVER), (r"BBI=", NOISE)),
        width=35,
        example="WT FED#03919 WELLS FARGO BANK /ORG=SUNNY GOODS LLC SRF# 0012345678 TRN#261120012345 "
                "RFB# 000123 OBI=INV 1234 BNF=MAPLELEAF WHOLESALE CO",
        example_payer="SUNNY GOODS LLC", example_remit="INV 1234",
    ),
    Convention(
        name="usbank_ach", hints=("ELECTRONIC DEPOSIT",), bank="U.S. Bank", rail="ACH",
        detect=r"^ELECTRONIC DEPOSIT(?: FROM)?\s",
        pattern=r"^ELECTRONIC DEPOSIT(?: FROM)?\s+(?P<payer>.+?)\s+REF=(?P<noise>\S+)"
                r"(?:\s+(?P<noise2>\d{9,10})(?P<noise3>" + _DESCR + r"|\S*))?(?:\s+(?P<remit>.*))?$",
        width=16,
        example="ELECTRONIC DEPOSIT FROM LITTLE TRADING REF=261120001234567N00 9006267575PAYMENT INV-222",
        example_payer="LITTLE TRADING", example_remit="INV-222",
    ),
    Convention(
        name="pnc_ach", hints=("ACH",), bank="PNC", rail="ACH",
        detect=r"^(?:CORPORATE ACH|ACH CREDIT RECEIVED)\s",
        pattern=r"^(?:CORPORATE ACH|ACH CREDIT RECEIVED)\s+(?P<noise>" + _DESCR + r"|\S+)\s+(?P<payer>.+?)"
                r"\s+(?P<noise2>\d{9,10}|[A-Z]\d{8,9})(?:\s+(?P<remit>.*))?$",
        width=16,
        example="CORPORATE ACH PAYABLES LITTLE TRADING 9006267575 INV 222",
        example_payer="LITTLE TRADING", example_remit="INV 222",
    ),
    Convention(
        name="citi_ach", hints=("ACH CR",), bank="Citibank", rail="ACH",
        detect=r"^ACH CR\b.*\bCO ID:",
        pattern=r"^ACH CR(?:EDIT)?\s+(?P<payer>.+?)\s+(?P<noise>" + _DESCR + r"|\S{2,10})(?:\s+(?P<noise2>\d{6}))?"
                r"\s+CO ID:\s*(?P<noise3>\S+)(?:\s+(?P<remit>.*))?$",
        width=16,
        example="ACH CR LITTLE TRADING PAYMENT 261120 CO ID:9006267575 INV 222",
        example_payer="LITTLE TRADING", example_remit="INV 222",
    ),
    Convention(
        # originator, entry description, descriptive date, id, then the receiver (the seller) and addenda
        name="wf_ach", hints=(DATE6,), bank="Wells Fargo", rail="ACH",
        detect=r"\S\s\d{6}\s[A-Z0-9]{4,15}\s",
        pattern=r"^(?P<payer>[^#]+?)\s+(?P<noise>" + _DESCR + r"|(?!INV|PO\b|P\.O|REF|RE\b|BILL)\S{2,10})\s+"
                r"(?P<noise2>\d{6})\s+(?P<noise3>(?=[A-Z]*\d)[A-Z0-9]{4,15})\s+(?P<remit>.*)$",
        width=16,
        example="COPPER SHOP LTD PAYMENT 260552 8938884633 MAPLELEAF WHOLESALE CO INV-00270",
        example_payer="COPPER SHOP LTD", example_remit="MAPLELEAF WHOLESALE CO INV-00270",
    ),
    Convention(
        name="zelle", hints=("ZELLE",), bank="any", rail="Zelle",
        detect=r"^ZELLE\b",
        pattern=r"^ZELLE\s+(?:(?:PAYMENT|TRANSFER|PMT|CREDIT)\s+)?(?:(?:FROM|FRM)\s+(?P<payer>.+?)"
                r"(?=\s+ON\s+\d|\s+FOR\b|;|\s+CONF\s*#|\s+REF\s*#|\s+ID:|\s+(?:INV|INVOICE|PO|P\.O\.)\b|\s+#|$)"
                r"|CONF#\s*(?P<noise>\S+);\s*(?P<payer2>[^;]+?)(?=;|$))(?P<remit>.*)$",
        example='Zelle payment from JANE DOE DBA SUNNY GOODS for "Invoice 1234"; Conf# t0p4abc12',
        example_payer="JANE DOE DBA SUNNY GOODS", example_remit='for "Invoice 1234"; Conf# t0p4abc12',
    ),
    Convention(
        name="check_deposit", hints=("DEPOSIT",), bank="any", rail="check",
        detect=r"^(?:MOBILE|REMOTE(?: ONLINE)?|BRANCH|COUNTER|ATM|E-?)\s*(?:CHECK\s+)?DEPOSIT\b|^DEPOSIT\s+(?:ID|REF|#)"
               r"|\bMOBILE\s+\d{2}/\d{2}\b.*\bDEPOSIT\b",
        pattern=r"^(?P<noise>.*)$",
        example="MOBILE DEPOSIT REF NUMBER :810270123456",
        example_payer="", example_remit="",
    ),
    Convention(
        name="lockbox", hints=("LOCKBOX", "LBX"), bank="any", rail="lockbox",
        detect=r"\bLOCKBOX\b|\bLBX\b",
        pattern=r"^(?P<noise>.*?)(?:\s+(?:BATCH|ITEMS?)\b.*)?$",
        example="WHOLESALE LOCKBOX DEPOSIT 0012345 BATCH 001 ITEMS 3",
        example_payer="", example_remit="",
    ),
    Convention(
        name="sepa", hints=("SVWZ+", "EREF+", "KREF+", "ABWA+"), bank="any", rail="SEPA",
        detect=r"\b(?:SVWZ|EREF|KREF|ABWA)\+",
        fields=((r"EREF\+", REMIT), (r"KREF\+", NOISE), (r"MREF\+", NOISE), (r"CRED\+", NOISE), (r"DEBT\+", NOISE),
                (r"SVWZ\+", REMIT), (r"ABWA\+", PAYER), (r"ABWE\+", RECEIVER), (r"IBAN\+", NOISE), (r"BIC\+", NOISE)),
        lead=PAYER,
        example="SEPA-GUTSCHRIFT EREF+RE-2026-0042 SVWZ+Rechnung 2026-0042 Kd 77 ABWA+SUNNY GOODS GMBH "
                "IBAN+DE89370400440532013000 BIC+COBADEFFXXX",
        example_payer="SUNNY GOODS GMBH", example_remit="RE-2026-0042 Rechnung 2026-0042 Kd 77",
    ),
    Convention(
        # a headerless export's one text column: payer, IBAN (and BIC), then the remittance text
        name="packed_iban", hints=(IBAN,), bank="any", rail="SEPA",
        detect=r"\s[A-Z]{2}\d{2}[A-Z0-9]{11,30}(?:\s|$)",
        pattern=r"^(?P<payer>.+?)\s+(?P<noise>[A-Z]{2}\d{2}[A-Z0-9]{11,30})"
                r"(?:\s+(?P<noise2>[A-Z]{6}[A-Z0-9]{2}(?:[A-Z0-9]{3})?))?(?:\s+(?P<remit>.*))?$",
        example="SUNNY GOODS GMBH DE89370400440532013000 COBADEFFXXX RE 2026-0042",
        example_payer="SUNNY GOODS GMBH", example_remit="RE 2026-0042",
    ),
    Convention(
        name="processor", bank="any", rail="card payout",
        detect=r"^(?:" + "|".join(re.escape(p) for p in PROCESSORS) + r")\b(?!.*\bDES:)"
               r".*\b(?:TRANSFER|PAYOUTS?|SETTLEMENT|SETTLE|DEPOSIT|BATCH|MERCH(?:ANT)?\s+DEP|TRANSFR)\b",
        pattern=r"^(?P<payer>\S+(?:\s+INC)?)\s*\*?(?P<noise>.*)$",
        example="STRIPE TRANSFER ST-A1B2C3D4E5F6",
        example_payer="STRIPE", example_remit="",
    ),
)

RMR = re.compile(
    r"RMR\*(?P<qual>IV|IK|PO|OI|R7|CR)\*(?P<ref>[^*\\~]+)\*(?P<action>[A-Z]{0,2})\*(?P<paid>-?[\d.]+)"
    r"(?:\*(?P<total>-?[\d.]*))?(?:\*(?P<disc>-?[\d.]*))?[\\~]?"
    r"(?:\s*(?:REF\*[^\\~]*[\\~]\s*|DTM\*[^\\~]*[\\~]\s*)*ADX\*(?P<adj>-?[\d.]+)\*(?P<code>[A-Z0-9]{1,3})[^\\~]*[\\~]?)?"
)


@dataclass(frozen=True, slots=True)
class RemittanceLine:
    """One invoice a remittance lists: paid amount, invoice total and discount when given, and an
    adjustment (short-pay) with its reason code (X12 ADX: 01 damaged, 04 pricing, CS chargeback ...)."""

    reference: str
    paid: Decimal
    total: Decimal | None = None
    discount: Decimal | None = None
    adjustment: Decimal | None = None
    code: str = ""


@dataclass(frozen=True, slots=True)
class Descriptor:
    """What a descriptor says: its convention, the payer's names, remittance text, the receiver's name."""

    convention: str
    payers: tuple[str, ...]
    remittance: str
    receiver: tuple[str, ...] = ()
    processor: str = ""
    lines: tuple[RemittanceLine, ...] = ()

    @property
    def known(self) -> bool:
        """True when a convention read the text."""
        return bool(self.convention)


_COMPILED: list[tuple[Convention, re.Pattern[str], re.Pattern[str] | None, re.Pattern[str] | None,
                      dict[str, str]]] = []


def _compile() -> None:
    for c in CONVENTIONS:
        labels: re.Pattern[str] | None = None
        roles: dict[str, str] = {}
        if c.fields:
            alts = []
            for k, (label, role) in enumerate(c.fields):
                alts.append(f"(?P<f{k}>{label})")
                roles[f"f{k}"] = role
            labels = re.compile(r"(?<![^\s/])(?:" + "|".join(alts) + r")")
        _COMPILED.append((c, re.compile(c.detect), labels, re.compile(c.pattern) if c.pattern else None, roles))


_compile()
# One look first: a line that holds none of the conventions' hints (most plain memos) is done at once.
_ANY_HINT = re.compile("|".join(
    sorted({_MARKS[h].pattern if h in _MARKS else re.escape(h) for c in CONVENTIONS for h in c.hints}, key=len,
           reverse=True)
    + [f"(?:{c.detect})" for c in CONVENTIONS if not c.hints] + [r"RMR\*"]))

_LEGAL_END = re.compile(
    r"^(.*?\b(?:LLC|LL|LT|L\.L\.C\.?|LLP|INC\.?|INCORPORATED|LTD\.?|LIMITED|CORP\.?|CORPORATION|CO\.?|COMPANY|GMBH|PLC|"
    r"PTY|AG|SA|SARL|BV|NV))(?=\s|,|$)"
)
_HAS_DIGIT = re.compile(r"\d")
_TRAILING_ID = re.compile(r"(?:\s+(?=\S*\d)[A-Z0-9#*/-]{6,})+$", re.I)  # conf ids, IBANs after a name
# booking texts German and EU banks put before the name (SEPA-GUTSCHRIFT SUNNY GOODS GMBH)
_BOOKING = re.compile(r"^(?:(?:SEPA|ECHTZEIT|INST|EINZEL|SAMMEL)?[- ]?(?:GUTSCHRIFT|GUTSCHR\.?|UEBERWEISUNG|"
                      r"ÜBERWEISUNG|CREDIT TRANSFER|EINGANG|ZAHLUNGSEINGANG)\b\s*)+", re.I)
_DIGIT_TOKEN = re.compile(r"\s+\S*\d.*$")


def cut_address(name: str) -> str:
    """A wire's originator without its address: up to its legal suffix, else before the first number."""
    s = " ".join(name.replace(",", " , ").split()).strip(" ,/")
    m = _LEGAL_END.match(s.upper())
    if m:
        return s[: m.end(1)].strip(" ,")
    s = _DIGIT_TOKEN.sub("", " " + s).strip(" ,/")
    return s.split(" , ")[0].strip(" ,")


def _num(text: str | None) -> Decimal | None:
    if not text:
        return None
    try:
        return Decimal(text)
    except InvalidOperation:
        return None


def remittance_lines(text: str) -> tuple[RemittanceLine, ...]:
    """The RMR*IV (invoice) segments of an ACH addenda (CCD+/CTX), in order."""
    if "RMR*" not in text.upper():
        return ()
    out: list[RemittanceLine] = []
    for m in RMR.finditer(text.upper()):
        paid = _num(m["paid"])
        if paid is None:
            continue
        adj = _num(m["adj"])
        out.append(RemittanceLine(m["ref"].strip(), paid, _num(m["total"]), _num(m["disc"]),
                                  adj, m["code"] or ""))
    return tuple(out)


def _processor(payers: tuple[str, ...]) -> str:
    for p in payers:
        m = _PROCESSOR.match(p.upper())
        if m:
            return m.group(0)
    return ""


def _value(role: str, value: str, sepa: bool) -> tuple[str, str]:
    """A field's value cleaned for its role: a wire's address cut, trailing ids and booking words dropped."""
    if role == PAYER_ADDR:
        role, value = PAYER, cut_address(value)
    elif role == RECEIVER:
        value = cut_address(value)
    if role == PAYER:
        if _HAS_DIGIT.search(value):
            value = _TRAILING_ID.sub("", value)
        if sepa:
            value = _BOOKING.sub("", value)
        value = value.strip(" :;/-,*")
    return role, value


def _read(conv: Convention, labels: re.Pattern[str] | None, pattern: re.Pattern[str] | None,
          roles: dict[str, str], text: str, up: str) -> Descriptor | None:
    payers: list[str] = []
    remit: list[str] = []
    receiver: list[str] = []
    parts: list[tuple[str, int, int]] = []  # (role, start, end) of the fields that matter
    if labels is not None:
        matches = list(labels.finditer(up))
        if not matches:
            return None
        if conv.lead != NOISE:
            parts.append((conv.lead, 0, matches[0].start()))
        last = len(matches) - 1
        for k, m in enumerate(matches):
            role = roles[m.lastgroup or ""]
            if role != NOISE:
                parts.append((role, m.end(), matches[k + 1].start() if k < last else len(text)))
    elif pattern is not None:
        m2 = pattern.match(up)
        if m2 is None:
            return None
        for group, value in m2.groupdict().items():
            if value is not None and not group.startswith(NOISE):
                start, end = m2.span(group)
                parts.append((group.rstrip("0123456789"), start, end))
    sepa = conv.rail == "SEPA"
    for role, start, end in parts:
        value = text[start:end].strip(" :;/-,")
        if not value:
            continue
        role, value = _value(role, value, sepa)
        if not value:
            continue
        if role == PAYER:
            if value not in payers:
                payers.append(value)
        elif role == REMIT:
            remit.append(value)
        elif role == RECEIVER:
            receiver.append(value)
    found = tuple(payers)
    remittance = " ".join(remit)
    return Descriptor(conv.name, found, remittance, tuple(receiver), _processor(found),
                      remittance_lines(remittance or text) if "RMR*" in up else ())


_CACHE: dict[str, Descriptor] = {}
_CACHE_LIMIT = 200_000


def read_descriptor(text: str) -> Descriptor:
    """The first convention that reads this descriptor, else an empty Descriptor (convention "")."""
    d = _CACHE.get(text)
    if d is None:
        if len(_CACHE) >= _CACHE_LIMIT:
            _CACHE.clear()
        d = _CACHE[text] = _read_descriptor(text)
    return d


def read_descriptors(texts: Iterable[str]) -> dict[str, Descriptor]:
    """The descriptors of these texts (read where the bank files are read, in the forked reader, and
    handed to `remember` in the process that matches; the many empty ones pickle as one object)."""
    return {t: read_descriptor(t) for t in dict.fromkeys(texts)}


def remember(found: dict[str, Descriptor]) -> None:
    """Take descriptors read elsewhere (another process) so they are not read again."""
    if len(_CACHE) + len(found) >= _CACHE_LIMIT:
        _CACHE.clear()
    _CACHE.update(found)


def clear_cache() -> None:
    """Forget every descriptor read (for measurements)."""
    _CACHE.clear()


def _read_descriptor(text: str) -> Descriptor:
    s = " ".join(text.split())
    up = s.upper()
    if _ANY_HINT.search(up) is None:
        return _EMPTY
    for conv, detect, labels, pattern, roles in _COMPILED:
        hints = conv.hints
        if hints:
            for h in hints:
                if (_MARKS[h].search(up) is not None) if h in _MARKS else h in up:
                    break
            else:
                continue
        if detect.search(up):
            d = _read(conv, labels, pattern, roles, s, up)
            if d is not None:
                return d
    lines = remittance_lines(s)
    return Descriptor("", (), "", (), "", lines) if lines else _EMPTY


_EMPTY = Descriptor("", (), "")


def convention(name: str) -> Convention:
    """The convention of this name."""
    for c in CONVENTIONS:
        if c.name == name:
            return c
    raise KeyError(name)


@dataclass(frozen=True, slots=True)
class RemittanceAdvice:
    """A remittance advice (or lockbox detail): one payment and the invoices it pays.

    `payment` is the check number, trace or payment reference the bank line may carry; `batch` a lockbox
    batch whose bank credit is the sum of its payments."""

    payment: str
    payer: str
    date: date | None
    lines: tuple[RemittanceLine, ...]
    source: str = ""

    @property
    def total(self) -> Decimal:
        """The money the advice says was paid."""
        return sum((ln.paid for ln in self.lines), Decimal("0.00"))
