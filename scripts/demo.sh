#!/usr/bin/env bash
# The main job on a local default: build a dataset, commit, query, stream.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python examples/demo.py "$@"
