"""End to end on a small generated business: workbook and bank files written, read back, matched, scored."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from bench.bench_reconcile import reconcile, score
from bench.gen_business import write_business
from poflow_sheets.reconcile import MatchConfig, apply_to_ledger, match_payments


def test_generated_business_matches_its_truth(tmp_path: Path) -> None:
    paths = write_business(tmp_path, n_invoices=400, n_transactions=400, seed=3)
    meta = json.loads(paths["truth"].read_text())
    today = date.fromisoformat(meta["today"])
    result, ledger, data, _ = reconcile(paths, today)
    s = score(result, meta["transactions"])
    assert len(result.transactions) == len(meta["transactions"])
    assert s["auto"] > 0 and s["auto_ok"] == s["auto"], s["wrong"]
    assert s["auto_ok"] >= 0.85 * s["answer"]
    assert s["ignore_ok"] == s["ignore"]
    assert set(data) == {"transactions", "allocations", "suggestions", "unmatched"}
    again = match_payments(result.transactions, apply_to_ledger(ledger, result.allocations, today),
                           MatchConfig.from_settings(ledger.settings), today)
    assert not again.allocations
