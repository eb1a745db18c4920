#!/usr/bin/env bash
# Install what the tests need and run them: ruff, mypy, pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup_system.sh
python3 -m pip install -q -e '.[test]' 2>&1 | grep -v -i "warning" || true
ruff check .
mypy
set +e
python3 -m pytest -q "$@"
rc=$?
set -e
if [ "$rc" -eq 5 ]; then
  echo "pytest: no tests were collected (exit 5); nothing failed" >&2
  exit 0
fi
exit "$rc"
