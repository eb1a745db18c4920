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
poflow status demo/demo.xlsx --today 2026-11-26
