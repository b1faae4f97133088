#!/usr/bin/env bash
# Run the whole test suite (sets up .venv, and the reference venv for interop tests).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# deeplake 3.8.22 in .refvenv lets the `reference` tests check that it reads what we
# write; without it (no network) those tests skip.
bash scripts/setup_reference_venv.sh >/dev/null 2>&1 || echo "note: reference venv unavailable; reference tests will skip"
exec .venv/bin/python -m pytest -q "$@"
