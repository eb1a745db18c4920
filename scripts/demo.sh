#!/usr/bin/env bash
# Install poflow and run the main job on the embedded demo workbook (in ./demo/).
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install -q -e . 2>&1 | grep -v -i "warning" || true
mkdir -p demo
rm -f demo/demo.xlsx
rm -rf demo/.poflow-backups demo/documents
poflow init demo/demo.xlsx --demo
poflow validate demo/demo.xlsx
# The bank's own export: payments matched to invoices and applied.
poflow reconcile demo/demo.xlsx scripts/demo-bank.csv --apply --report demo/reconcile-2026-11-26.xlsx --today 2026-11-26
# Every shipped, uninvoiced order invoiced: PDFs in demo/documents/YYYY/MM/, a sheet per invoice in the workbook.
poflow invoice demo/demo.xlsx --all-ready --today 2026-11-26
poflow validate demo/demo.xlsx
poflow status demo/demo.xlsx --today 2026-11-26
