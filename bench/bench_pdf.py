"""Benchmark: render N short invoices to PDF with poflow_sheets.documents.pdf and print invoices/second.

python bench/bench_pdf.py [N]      (default 1000; single process, single core)
"""

from __future__ import annotations

import sys
import time
from datetime import date
from decimal import Decimal

from poflow_sheets.documents import DepositDeduction, DocLine, Document, Party
from poflow_sheets.documents.pdf import render_pdf
from poflow_sheets.money import cents
from poflow_sheets.terms import discount_amount, discount_date, due_date, long_date, parse_terms

SELLER = Party("Juniper & Pine Goods LLC", "410 Mill Street, Suite 2\nAsheville, NC 28801\nUSA", "orders@juniperpine.example")
BUYER = Party("Harbor Lane Boutique", "88 Front Street\nPortland, ME 04101", "ap@harborlane.example")
ITEMS = (
    ("JP-CAN-8OZ", "Soy candle, cedar & sage, 8 oz amber jar", "12.50"),
    ("JP-TEA-12", "Loose-leaf tea tin, smoky lapsang, 12 x 50 g", "9.75"),
    ("JP-MUG-BLU", "Stoneware mug, speckled blue glaze", "14.20"),
    ("JP-SOAP-3", "Goat milk soap, 3-pack, lavender and oat, boxed for retail with a hang tag", "8.00"),
)


def invoice(n: int) -> Document:
    """A typical short invoice: 2-5 lines, 2/10 Net 30, a deposit deducted every third one."""
    lines = []
    for i in range(2 + n % 4):
        sku, desc, price = ITEMS[i % len(ITEMS)]
        qty = 12 + (n * 7 + i * 5) % 60
        p = Decimal(price)
        lines.append(DocLine(
            line_no=i + 1, sku=sku, description=desc, qty=qty, unit="ea", unit_price=p, amount=cents(p * qty)))
    issue = date(2026, 1 + n % 12, 1 + n % 28)
    terms = parse_terms("2/10 Net 30")
    subtotal = sum((ln.amount for ln in lines), Decimal("0.00"))
    deposits = (DepositDeduction(f"INV-{n:05d}D", issue, cents(subtotal / 2)),) if n % 3 == 0 else ()
    due = subtotal - sum((d.amount for d in deposits), Decimal("0.00"))
    disc = discount_amount(due, terms)
    return Document(
        kind="invoice",
        number=f"INV-{n:05d}",
        issue_date=issue,
        seller=SELLER,
        buyer=BUYER,
        po_number=f"PO-{40000 + n}",
        lines=tuple(lines),
        subtotal=subtotal,
        tax_note="Resale certificate on file",
        deposit_deductions=deposits,
        total=subtotal,
        amount_due=due,
        terms_text=terms.text,
        due_date=due_date(issue, terms),
        discount_date=discount_date(issue, terms),
        discount_amount=disc,
        discounted_total=due - disc,
        discount_pct=terms.discount_pct,
        remit_to="First Mountain Bank, ABA 053000219, Account 0012345678",
        notes=(f"Shipped {long_date(issue)}.",),
    )


def main(argv: list[str]) -> int:
    n = int(argv[1]) if len(argv) > 1 else 1000
    docs = [invoice(i) for i in range(n)]
    bad = [d.number for d in docs if d.check()]
    if bad:
        print(f"documents that do not tie: {bad[:5]}", file=sys.stderr)
        return 1
    render_pdf(docs[0])  # warm up imports and caches
    start = time.perf_counter()
    size = 0
    for d in docs:
        size += len(render_pdf(d))
    elapsed = time.perf_counter() - start
    print(
        f"{n} invoices in {elapsed:.2f} s: {elapsed / n * 1000:.2f} ms per invoice, "
        f"{n / elapsed:.0f} invoices/s (avg {size // n:,} bytes)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
