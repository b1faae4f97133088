#!/usr/bin/env bash
# Install the reference deeplake 3.8.22 into a side venv for the `reference` tests
# (tests/compat/test_reference_reads_ours.py). Idempotent.
#
#   DEEPLAKE_REFERENCE_PYTHON=/path/to/python  use that interpreter; install nothing
#   REFVENV_DIR=/some/dir                      venv location (default: <repo>/.refvenv)
#   PYTHON=python3.11                          interpreter that creates the venv
set -euo pipefail
cd "$(dirname "$0")/.."

probe='import deeplake; print(deeplake.__version__)'

if [ -n "${DEEPLAKE_REFERENCE_PYTHON:-}" ]; then
  if ! version=$(DEEPLAKE_DISABLE_VERSION_CHECK=1 "$DEEPLAKE_REFERENCE_PYTHON" -W ignore -c "$probe" 2>/dev/null); then
    echo "DEEPLAKE_REFERENCE_PYTHON=$DEEPLAKE_REFERENCE_PYTHON cannot import deeplake" >&2
    exit 1
  fi
  echo "reference deeplake $version at $DEEPLAKE_REFERENCE_PYTHON (nothing installed)"
  exit 0
fi

VENV=${REFVENV_DIR:-.refvenv}
if [ -x "$VENV/bin/python" ] && version=$("$VENV/bin/python" -W ignore -c "$probe" 2>/dev/null); then
  echo "reference deeplake $version already in $VENV"
  exit 0
fi

"${PYTHON:-python3}" -m venv "$VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip >/dev/null 2>&1 || true
"$VENV/bin/python" -m pip install -q "deeplake==3.8.22" "numpy<2"
version=$("$VENV/bin/python" -W ignore -c "$probe")
echo "reference deeplake $version installed in $VENV"
