"""A second generator: bank lines written the way banks publish their descriptors, per bank convention.

bench/gen_business.py writes its own wording (`ACH CREDIT FROM X`, `WIRE FROM X`, a Chase ACH line with the
payer in IND NAME). This one writes each credit as the bank and rail lays it out (NACHA: the originator's
company name cut to 16 characters, a 10-character entry description, the receiver = the seller itself in
INDN:/IND NAME:/BNF=; wires: the originator with its address in ORIG:/B/O:/ORG=, cut at 35; SEPA: payer,
IBAN, BIC and the remittance text packed into one column of a headerless export; checks and lockbox
credits with no payer at all and a remittance advice beside them), into each bank's own export format:

    bofa_ach, bofa_wire, ach_ctx (RMR*IV addenda)  Bank of America checking CSV (summary preamble)
    chase_ach, chase_wire, zelle, check_deposit     Chase checking CSV
    wf_ach, wf_wire                                  Wells Fargo headerless CSV
    usbank_ach                                       U.S. Bank CSV (Date,Transaction,Name,Memo,Amount)
    pnc_ach                                          PNC CSV (Date,Description,Withdrawals,Deposits,Balance)
    citi_ach                                         Citi CSV (Status,Date,Description,Debit,Credit)
    sepa                                             headerless EU export, packed text, debit/credit columns
    lockbox                                          Chase CSV, with a lockbox detail file (--remittance)
    processor                                        card processor payouts in BofA and Chase wording

The ledger (buyers with legal names, invoices, orders) comes from gen_business's ledger generator; every
bank line, its wording and its truth are written here. Credit notes are added to some invoices. truth.json
keys each transaction by its `source` with its convention, case and answer.

Usage: python bench/gen_descriptors.py [--invoices N] [--out DIR]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

from bench.gen_business import OUT, TODAY, _Gen, _Open
from poflow_sheets.money import cents
from poflow_sheets.records import Invoice
from poflow_sheets.rows import record_rows
from poflow_sheets.template import write_new_workbook
from poflow_sheets.terms import discount_amount, discount_date, parse_terms

D = Decimal
SELLER = "Mapleleaf Wholesale Co"
SELLER_UP = "MAPLELEAF WHOLESALE CO"
CONVENTIONS = ("bofa_ach", "bofa_wire", "ach_ctx", "chase_ach", "chase_wire", "zelle", "check_deposit", "lockbox",
               "wf_ach", "wf_wire", "usbank_ach", "pnc_ach", "citi_ach", "sepa", "processor")
FILE_OF = {"bofa_ach": "bofa", "bofa_wire": "bofa", "ach_ctx": "bofa", "processor": "bofa",
           "chase_ach": "chase", "chase_wire": "chase", "zelle": "chase", "check_deposit": "chase", "lockbox": "chase",
           "wf_ach": "wf", "wf_wire": "wf", "usbank_ach": "usbank", "pnc_ach": "pnc", "citi_ach": "citi", "sepa": "sepa"}
# company entry descriptions as originators set them (NACHA field 7, 10 characters); some outside any list
DESCRIPTIONS = ("PAYMENT", "PAYMENTS", "AP PMT", "VENDOR PMT", "EDI PYMNTS", "PAYABLES", "ACH PMT", "CORP PMT",
                "BILL PAY", "TRADE PMT", "ACCTSPAY", "AP", "VNDRPAY", "SUPPLIER")
BANKS = (("JPMORGAN CHASE BANK, NA", "021000021"), ("BANK OF AMERICA, N.A.", "026009593"),
         ("CITIBANK N.A.", "021000089"), ("PNC BANK, NA", "043000096"), ("U.S. BANK N.A.", "091000022"),
         ("TRUIST BANK", "061000104"))
FIRSTS = ("JANE", "MARIA", "ALEX", "ROSA", "SAM", "KIM", "DANA", "LUIS", "TARA", "ELI", "NORA", "OMAR", "PRIYA",
          "WEI", "IVAN", "ZOE", "AMIR", "LENA", "OWEN", "RUTH")
LASTS = ("ABERNATHY", "BALDWIN", "CASTILLO", "DOUGHERTY", "ELLINGTON", "FAIRBANKS", "GALLAGHER", "HOLLOWAY",
         "IBARRA", "JANKOWSKI", "KETTERING", "LINDQVIST", "MCALLISTER", "NAKAMURA", "OKONKWO", "PEMBERTON",
         "QUINTERO", "ROSENBERG", "SVENSSON", "THORNTON", "UMBERGER", "VANCE", "WHITAKER", "YAMAMOTO")
CITIES = (("PORTLAND", "OR", "97201"), ("AUSTIN", "TX", "78701"), ("DENVER", "CO", "80202"),
          ("BROOKLYN", "NY", "11201"), ("MADISON", "WI", "53703"), ("ASHEVILLE", "NC", "28801"))


@dataclass
class Line:
    """One bank line with its truth."""

    conv: str
    when: date
    amount: Decimal
    payer: str  # a payer column where the format has one
    memo: str
    case: str
    answer: list[list[str]] | str | None
    source: str = ""


class _Desc:
    def __init__(self, n_invoices: int, seed: int):
        self.r = random.Random(seed)
        self.g = _Gen(n_invoices, n_invoices, seed)
        self.g.make_buyers()
        self.g.make_ledger()
        self.buyer = {b.buyer_id: b for b in self.g.buyers}
        self.lines: list[Line] = []
        self.advices: list[list[str]] = []  # remittance advice / lockbox rows
        self.credit_notes: list[Invoice] = []
        self.owners: dict[str, str] = {}
        self.used: set[str] = set()
        self.pool = [o for o in self.g.open if o.kind == "final"]
        self.r.shuffle(self.pool)
        self.by_buyer: dict[str, list[_Open]] = {}
        for o in self.pool:
            self.by_buyer.setdefault(o.buyer, []).append(o)

    # -- names and references as the rails print them ------------------------------------------
    def legal_up(self, bid: str) -> str:
        return self.buyer[bid].name.upper().replace(".", "").replace(",", "")

    def nacha(self, bid: str) -> str:
        return self.legal_up(bid)[:16].rstrip()

    def wire_name(self, bid: str) -> str:
        city, st, zip_ = self.r.choice(CITIES)
        return f"{self.legal_up(bid)} {self.r.randint(1, 999)} MAIN ST {city} {st} {zip_}"

    def ref(self, number: str) -> str:
        n = int(number[4:])
        return self.r.choice((f"INV {n}", f"Invoice #{n}", number, f"INV{n:06d}", f"INVOICE {n:06d}",
                              f"inv-{n}"))

    def owner(self, bid: str) -> str:
        """The buyer's owner as a personal Zelle account prints her, added to the buyer's aliases."""
        if bid not in self.owners:
            taken = set(self.owners.values())
            while True:
                name = f"{self.r.choice(FIRSTS)} {self.r.choice(LASTS)}"
                if name not in taken:
                    break
            self.owners[bid] = name
            b = self.buyer[bid]
            b.aliases = (*b.aliases, name.title())
        return self.owners[bid]

    def digits(self, k: int) -> str:
        return "".join(self.r.choice("0123456789") for _ in range(k))

    def yymmdd(self, d: date) -> str:
        return f"{d:%y%m%d}"

    # -- descriptors ------------------------------------------------------------------------------
    def describe(self, conv: str, bid: str, refs: list[str], when: date, rmr: str = "") -> tuple[str, str]:
        """(payer column, descriptor) of a credit from this buyer in this convention."""
        r = self.r
        ref = " ".join(refs)
        descr = r.choice(DESCRIPTIONS)
        if conv == "bofa_ach":
            info = f" PMT INFO:{ref}" if ref else ""
            return "", (f"{self.nacha(bid)} DES:{descr} ID:{self.digits(10)} INDN:{SELLER_UP[:22]} "
                        f"CO ID:{self.digits(10)} CCD{info}")
        if conv == "ach_ctx":
            return "", (f"{self.nacha(bid)} DES:{r.choice(('EDI PYMNTS', 'EDI PAYMNT', 'CTX PMT'))} ID:{self.digits(10)} "
                        f"INDN:{SELLER_UP[:22]} CO ID:{self.digits(10)} CTX PMT INFO:{rmr}")
        if conv == "bofa_wire":
            bank, aba = r.choice(BANKS)
            det = f" PMT DET:{ref}" if ref else ""
            return "", (f"WIRE TYPE:WIRE IN DATE: {self.yymmdd(when)} TIME:{r.randint(800, 1700)} ET "
                        f"TRN:{when:%Y%m%d}{self.digits(8)} SEQ:{when:%Y%m%d}{self.digits(8)}/{self.digits(6)} "
                        f"ORIG:{self.wire_name(bid)[:35].rstrip()} ID:{self.digits(12)} SND BK:{bank} ID:{aba[:4]}{det}")
        if conv == "chase_ach":
            ind_id = ref if ref and len(ref) <= 15 else self.digits(15)
            return "", (f"ORIG CO NAME:{self.nacha(bid)} ORIG ID:{self.digits(10)} DESC DATE:{self.yymmdd(when)} "
                        f"CO ENTRY DESCR:{descr} SEC:CCD TRACE#:{self.digits(15)} EED:{self.yymmdd(when)} "
                        f"IND ID:{ind_id} IND NAME:{SELLER_UP[:22]} TRN: {self.digits(10)}TC"
                        + (f" PMT INFO:{ref}" if ref and len(ref) > 15 else ""))
        if conv == "chase_wire":
            bank, aba = r.choice(BANKS)
            obi = f" OBI={ref}" if ref else ""
            return "", (f"FEDWIRE CREDIT VIA: {bank}/{aba} B/O: {self.wire_name(bid)} REF: CHASE NYC/CTR/"
                        f"BNF={SELLER_UP} NEW YORK NY 10013-1234/AC-000000001234 RFB=O/B {bank[:4]}{obi} "
                        f"IMAD: {when:%m%d}MMQFMP{self.digits(2)}C{self.digits(6)} TRN: {self.digits(10)}FF")
        if conv == "wf_ach":
            return "", f"{self.nacha(bid)} {descr} {self.yymmdd(when)} {self.digits(10)} {SELLER_UP[:22]} {ref}".strip()
        if conv == "wf_wire":
            bank, _ = r.choice(BANKS)
            obi = f" OBI={ref}" if ref else ""
            return "", (f"WT FED#{self.digits(5)} {bank[:20]} /ORG={self.wire_name(bid)[:35].rstrip()} SRF# {self.digits(10)} "
                        f"TRN#{self.yymmdd(when)}{self.digits(6)} RFB# {self.digits(6)}{obi} BNF={SELLER_UP}")
        if conv == "usbank_ach":
            return (f"ELECTRONIC DEPOSIT FROM {self.nacha(bid)} REF={self.yymmdd(when)}{self.digits(9)}N00 "
                    f"{self.digits(10)}{descr.replace(' ', '')} {ref}".strip()), "Download from usbank.com."
        if conv == "pnc_ach":
            return "", f"CORPORATE ACH {descr} {self.nacha(bid)} {self.digits(10)} {ref}".strip()
        if conv == "citi_ach":
            return "", f"ACH CR {self.nacha(bid)} {descr} {self.yymmdd(when)} CO ID:{self.digits(10)} {ref}".strip()
        if conv == "zelle":
            b = self.buyer[bid]
            # a business Zelle account prints the business; a personal one the owner, whom the workbook knows
            # as the buyer's alias (taught by a person once: poflow learns it from a confirmed payment)
            name = b.name.upper() if r.random() < 0.8 else self.owner(bid)
            conf = f"{r.choice(('BAC', 'WFCT', 'JPM'))}{self.digits(1)}{r.choice('ABCDEFGH')}{self.digits(7)}"
            if ref:
                return "", f'Zelle payment from {name} for "{ref}"; Conf# {conf}'
            return "", f"Zelle payment from {name} {conf}"
        if conv == "sepa":
            iban = f"DE{self.digits(20)}"
            bic = r.choice(("COBADEFFXXX", "DEUTDEFFXXX", "INGDDEFFXXX", "BYLADEM1001"))
            text = f"EREF+{ref} SVWZ+{ref}" if ref and r.random() < 0.3 else ref
            return "", f"{self.legal_up(bid)} {iban} {bic} {text}".strip()
        raise ValueError(conv)

    # -- cases ------------------------------------------------------------------------------------
    def take(self, pred: object = None) -> _Open | None:
        while self.pool:
            o = self.pool.pop()
            if o.number not in self.used and (pred is None or pred(o)):  # type: ignore[operator]
                self.used.add(o.number)
                return o
        return None

    def pay_date(self, o: _Open) -> date:
        return min(TODAY, o.when + timedelta(days=self.r.randint(3, 40)))

    def add(self, conv: str, when: date, amount: Decimal, bid: str, refs: list[str], case: str,
            answer: list[list[str]] | str | None, rmr: str = "") -> None:
        payer, memo = self.describe(conv, bid, refs, when, rmr)
        self.lines.append(Line(conv, when, amount, payer, memo, case, answer))

    def conv_cases(self, conv: str, n: int) -> None:
        r = self.r
        wire = conv in ("bofa_wire", "chase_wire", "wf_wire")
        plan = [("ref_exact", 0.48), ("payer_exact", 0.18), ("multi", 0.08), ("over", 0.04), ("discount", 0.05),
                ("partial", 0.04), ("fee" if wire else "ref_exact", 0.05), ("credit_net", 0.04),
                ("unknown", 0.02), ("ref_exact", 0.02)]
        for case, share in plan:
            for _ in range(max(1, round(n * share))):
                self.one_case(conv, case)
        _ = r

    def one_case(self, conv: str, case: str) -> None:
        r = self.r

        def ans(o: _Open, amount: Decimal, kind: str = "invoice") -> list[str]:
            return [o.number, o.po, str(amount), kind]

        if case == "ref_exact":
            o = self.take()
            if o:
                self.add(conv, self.pay_date(o), o.balance, o.buyer, [self.ref(o.number)], case, [ans(o, o.balance)])
        elif case == "payer_exact":
            o = self.take()
            if o:
                self.add(conv, self.pay_date(o), o.balance, o.buyer, [], case, [ans(o, o.balance)])
        elif case == "multi":
            o = self.take()
            if o is None:
                return
            mine = [x for x in self.by_buyer.get(o.buyer, []) if x.number not in self.used and x is not o]
            chosen = [o, *mine[: r.randint(1, 2)]]
            if len(chosen) < 2:
                self.add(conv, self.pay_date(o), o.balance, o.buyer, [], "payer_exact", [ans(o, o.balance)])
                return
            self.used.update(x.number for x in chosen)
            when = min(TODAY, max(x.when for x in chosen) + timedelta(days=r.randint(2, 20)))
            amount = sum((x.balance for x in chosen), D("0.00"))
            refs = [self.ref(x.number) for x in chosen] if r.random() < 0.4 else []
            self.add(conv, when, amount, o.buyer, refs, case, [ans(x, x.balance) for x in chosen])
        elif case == "over":
            o = self.take()
            if o:
                extra = D(r.randint(500, 15000)) / 100
                self.add(conv, self.pay_date(o), o.balance + extra, o.buyer, [self.ref(o.number)], case,
                         [ans(o, o.balance), ["", o.po, str(extra), "credit"]])
        elif case == "discount":
            o = self.take(lambda x: x.terms == "2/10 Net 30" and x.balance == x.total)
            if o:
                t = parse_terms(o.terms)
                disc = discount_amount(o.total, t)
                last = discount_date(o.when, t) or o.when
                when = min(TODAY, o.when + timedelta(days=r.randint(1, max(1, (last - o.when).days))))
                self.add(conv, when, o.total - disc, o.buyer, [self.ref(o.number)], case,
                         [ans(o, o.total - disc), ans(o, disc, "discount")])
        elif case == "partial":
            o = self.take()
            if o:
                amount = cents(o.balance * D(r.choice(("0.3", "0.5", "0.6"))))
                self.add(conv, self.pay_date(o), amount, o.buyer, [self.ref(o.number)], case, [ans(o, amount)])
        elif case == "fee":
            o = self.take(lambda x: x.balance > 400)
            if o:
                fee = D(r.choice(("10.00", "15.00", "25.00", "30.00")))
                self.add(conv, self.pay_date(o), o.balance - fee, o.buyer, [self.ref(o.number)], case,
                         [ans(o, o.balance - fee), ans(o, fee, "fee")])
        elif case == "credit_net":
            o = self.take(lambda x: x.balance == x.total and x.balance > 200)
            if o:
                credit = cents(o.total * D(r.choice(("0.05", "0.1", "0.2"))))
                self.g.inv_seq += 1
                self.credit_notes.append(Invoice(
                    invoice_number=f"CN-{self.g.inv_seq:06d}", kind="credit", po_number=o.po,
                    invoice_date=o.when + timedelta(days=2), due_date=None, total=-credit, status="open", terms="",
                    related=o.number))
                refs = [self.ref(o.number)] if r.random() < 0.5 else []
                self.add(conv, self.pay_date(o), o.balance - credit, o.buyer, refs, case,
                         [ans(o, o.balance - credit)])
        elif case == "unknown":  # a person pays from a private account, no reference: never automatic
            o = self.take()
            if o:
                stranger = f"{r.choice('JMARSK')} {r.choice(('NGUYEN', 'KOWALSKI', 'OKAFOR'))}"
                self.lines.append(Line(conv, self.pay_date(o), o.balance, "", self.stranger(conv, stranger), case,
                                       [ans(o, o.balance)]))

    def stranger(self, conv: str, name: str) -> str:
        """A line from a private person's account with no reference, in roughly this rail's wording."""
        if conv == "zelle":
            return f"Zelle payment from {name} {self.digits(9)}"
        if conv == "sepa":
            return f"{name} DE{self.digits(20)} COBADEFFXXX Danke"
        if conv in ("bofa_wire", "chase_wire", "wf_wire"):
            return f"WT FED#{self.digits(5)} TRUIST BANK /ORG={name} SRF# {self.digits(8)} BNF={SELLER_UP}"
        return f"{name[:16]} DES:PAYMENT ID:{self.digits(10)} INDN:{SELLER_UP} CO ID:{self.digits(10)} PPD"

    def ctx_cases(self, n: int) -> None:
        """CTX/CCD+ payments whose addenda list invoices in RMR*IV segments (short-pays with ADX codes)."""
        r = self.r
        for _ in range(n):
            o = self.take()
            if o is None:
                return
            mine = [x for x in self.by_buyer.get(o.buyer, []) if x.number not in self.used and x is not o]
            chosen = [o, *mine[: r.randint(0, 3)]]
            self.used.update(x.number for x in chosen)
            segs, answer, total = [], [], D("0.00")
            for x in chosen:
                ref = r.choice((x.number, x.number[4:], f"INV{int(x.number[4:])}"))
                if r.random() < 0.2 and x.balance > 100:
                    short = cents(x.balance * D("0.05"))
                    paid = x.balance - short
                    segs.append(f"RMR*IV*{ref}*PO*{paid}*{x.balance}\\ADX*-{short}*{r.choice(('01', '04', 'CS'))}\\")
                else:
                    paid = x.balance
                    segs.append(f"RMR*IV*{ref}*PO*{paid}*{x.balance}\\")
                answer.append([x.number, x.po, str(paid), "invoice"])
                total += paid
            when = min(TODAY, max(x.when for x in chosen) + timedelta(days=r.randint(2, 20)))
            self.add("ach_ctx", when, total, o.buyer, [], "rmr", answer, rmr="".join(segs))

    def check_cases(self, n: int, lockbox_batches: int) -> None:
        """Mobile and branch check deposits (no payer on the bank line) and lockbox credits (several checks
        in one credit), each with its remittance advice row(s): check number, payer, invoices, amounts."""
        r = self.r
        for _ in range(n):
            o = self.take()
            if o is None:
                return
            check = self.digits(6)
            when = self.pay_date(o)
            paid = o.balance
            short = D("0.00")
            if r.random() < 0.15 and o.balance > 100:
                short = cents(o.balance * D("0.04"))
                paid = o.balance - short
            self.advices.append(["", check, self.buyer[o.buyer].name, f"{when - timedelta(days=2):%m/%d/%Y}",
                                 o.number, str(o.balance), str(paid), str(short) if short else "",
                                 "01" if short else ""])
            memo = r.choice(("REMOTE ONLINE DEPOSIT # 1", f"DEPOSIT ID NUMBER {self.digits(6)}",
                             f"MOBILE DEPOSIT REF NUMBER :{self.digits(12)}"))
            self.lines.append(Line("check_deposit", when, paid, "", memo, "check", [[o.number, o.po, str(paid), "invoice"]]))
        for b in range(lockbox_batches):
            when = TODAY - timedelta(days=r.randint(1, 60))
            batch = f"{b + 1:03d}"
            answer, total = [], D("0.00")
            for _ in range(r.randint(2, 4)):
                o = self.take(lambda x, when=when: x.when <= when - timedelta(days=1))
                if o is None:
                    break
                check = self.digits(6)
                self.advices.append([batch, check, self.buyer[o.buyer].name, f"{when - timedelta(days=1):%m/%d/%Y}",
                                     o.number, str(o.balance), str(o.balance), "", ""])
                answer.append([o.number, o.po, str(o.balance), "invoice"])
                total += o.balance
            if answer:
                self.lines.append(Line("lockbox", when, total, "", f"LOCKBOX DEPOSIT 0012345 BATCH {batch}", "lockbox",
                                       answer))

    def noise(self, n: int) -> None:
        r = self.r
        for _ in range(n):
            when = TODAY - timedelta(days=r.randint(0, 90))
            who = r.choice(("STRIPE", "SHOPIFY", "PAYPAL", "SQUARE INC"))
            amount = D(r.randint(2000, 400000)) / 100
            if r.random() < 0.5:
                memo = (f"{who} DES:{r.choice(('TRANSFER', 'PAYOUT', f'{when:%y%m%d}P2'))} ID:{self.digits(10)} "
                        f"INDN:{SELLER_UP[:22]} CO ID:{self.digits(10)} CCD")
            else:
                memo = (f"ORIG CO NAME:{who} ORIG ID:{self.digits(10)} DESC DATE:{self.yymmdd(when)} "
                        f"CO ENTRY DESCR:{r.choice(('TRANSFER', 'PAYOUT', 'SETTLEMENT'))} SEC:CCD TRACE#:{self.digits(15)} "
                        f"EED:{self.yymmdd(when)} IND ID:{self.digits(15)} IND NAME:{SELLER_UP[:22]} TRN: {self.digits(10)}TC")
            self.lines.append(Line("processor", when, amount, "", memo, "payout", "ignore"))


# -- files ----------------------------------------------------------------------------------------


def _write(lines: list[Line], out: Path) -> dict[str, Path]:
    by_file: dict[str, list[Line]] = {}
    for ln in sorted(lines, key=lambda x: (x.when, x.conv, x.memo)):
        by_file.setdefault(FILE_OF[ln.conv], []).append(ln)
    paths: dict[str, Path] = {}
    for key, items in by_file.items():
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n", delimiter=";" if key == "sepa" else ",")
        name = {"bofa": "bofa_checking.csv", "chase": "chase_checking.csv", "wf": "wellsfargo.csv",
                "usbank": "usbank.csv", "pnc": "pnc.csv", "citi": "citi.csv", "sepa": "sepa_headerless.csv"}[key]
        first = 2
        if key == "bofa":
            total = sum((x.amount for x in items), D("0.00"))
            buf.write(f'Description,,Summary Amt.\nBeginning balance as of 01/01/2026,,"100,000.00"\n'
                      f'Total credits,,"{total:,.2f}"\nEnding balance as of 06/30/2026,,"{100000 + total:,.2f}"\n\n')
            w.writerow(["Date", "Description", "Amount", "Running Bal."])
            w.writerow(["01/01/2026", "Beginning balance as of 01/01/2026", "", "100,000.00"])
            first = 8
        elif key == "chase":
            buf.write("Details,Posting Date,Description,Amount,Type,Balance,Check or Slip #,\n")
        elif key == "usbank":
            w.writerow(["Date", "Transaction", "Name", "Memo", "Amount"])
        elif key == "pnc":
            w.writerow(["Date", "Description", "Withdrawals", "Deposits", "Balance"])
        elif key == "citi":
            w.writerow(["Status", "Date", "Description", "Debit", "Credit"])
        else:
            first = 1
        balance = D("100000.00")
        for i, x in enumerate(items):
            balance += x.amount
            d = f"{x.when:%m/%d/%Y}"
            if key == "bofa":
                w.writerow([d, x.memo, f"{x.amount:,.2f}", f"{balance:,.2f}"])
            elif key == "chase":
                kind = "CHECK_DEPOSIT" if x.conv in ("check_deposit", "lockbox") else (
                    "WIRE_INCOMING" if "wire" in x.conv else "QUICKPAY_CREDIT" if x.conv == "zelle" else "ACH_CREDIT")
                w.writerow(["CREDIT", d, x.memo, f"{x.amount}", kind, f"{balance}", "", ""])
            elif key == "wf":
                w.writerow([d, f"{x.amount}", "*", "", x.memo])
            elif key == "usbank":
                w.writerow([f"{x.when:%Y-%m-%d}", "CREDIT", x.payer or x.memo, x.memo if x.payer else "", f"{x.amount}"])
            elif key == "pnc":
                w.writerow([d, x.memo, "", f"{x.amount}", f"{balance}"])
            elif key == "citi":
                w.writerow(["Cleared", d, x.memo, "", f"{x.amount:,.2f}"])
            else:
                w.writerow([f"{x.when:%d.%m.%Y}", f"{x.when:%d.%m.%Y}", x.memo, "", f"{x.amount:.2f}".replace(".", ",")])
            x.source = f"{name}:{first + i}"
        path = out / name
        enc = "iso-8859-1" if key == "sepa" else "utf-8"
        path.write_text(buf.getvalue(), encoding=enc, errors="replace")
        paths[key] = path
    return paths


def write_descriptors(out: Path, n_invoices: int = 3000, seed: int = 23) -> dict[str, Path]:
    """Write workbook.xlsx, the bank files, remittance.csv and truth.json under `out`; returns their paths."""
    gen = _Desc(n_invoices, seed)
    per = max(20, n_invoices // 20)
    for conv in ("bofa_ach", "bofa_wire", "chase_ach", "chase_wire", "zelle", "wf_ach", "wf_wire", "usbank_ach",
                 "pnc_ach", "citi_ach", "sepa"):
        gen.conv_cases(conv, per)
    gen.ctx_cases(per)
    gen.check_cases(per, max(5, per // 4))
    gen.noise(per)
    g = gen.g
    rows: dict[str, list[object]] = {
        "Buyers": list(g.buyers), "Orders": list(g.orders), "Lines": list(g.lines),
        "Invoices": [*g.invoices, *gen.credit_notes], "Payments": list(g.payments),
        "Allocations": list(g.allocations),
    }
    settings: dict[str, object] = {
        "seller_name": SELLER, "seller_aliases": "Mapleleaf Whsl", "currency": "USD", "default_terms": "Net 30",
        "default_deposit_pct": "0%", "invoice_prefix": "INV-", "next_invoice_number": g.inv_seq + 1,
    }
    out.mkdir(parents=True, exist_ok=True)
    paths = {"workbook": out / "workbook.xlsx", "truth": out / "truth.json", "remittance": out / "remittance.csv"}
    write_new_workbook(paths["workbook"], {tab: record_rows(tab, recs) for tab, recs in rows.items()}, settings=settings)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(["Batch", "Check Number", "Payer", "Payment Date", "Invoice Number", "Invoice Amount", "Amount Paid",
                "Deduction", "Reason Code"])
    w.writerows(gen.advices)
    paths["remittance"].write_text(buf.getvalue(), encoding="utf-8")
    paths.update(_write(gen.lines, out))
    truth = {x.source: {"conv": x.conv, "case": x.case, "answer": x.answer, "date": x.when.isoformat(),
                        "amount": str(x.amount)} for x in gen.lines}
    paths["truth"].write_text(json.dumps({"today": TODAY.isoformat(), "transactions": truth}, indent=0))
    (out / "files.json").write_text(json.dumps({k: v.name for k, v in paths.items()}))
    return paths


def main() -> None:
    """Command line."""
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--invoices", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=23)
    ap.add_argument("--out", type=Path, default=None)
    args = ap.parse_args()
    out = args.out or OUT / f"descriptors-{args.invoices}"
    for name, path in write_descriptors(out, args.invoices, args.seed).items():
        print(f"{name}: {path}")


if __name__ == "__main__":
    main()
