#!/usr/bin/env bash
# Builds the dbkernel wheel into target/wheels from a binary that is already built (default:
# target/debug/dbkernel, the one the test command's cargo build made; nothing is compiled again):
#   scripts/build_wheel.sh [BINARY]
# The wheel holds the binary, its kernelspec and the JupyterLab extension (packaging/).
set -euo pipefail
cd "$(dirname "$0")/.."
BINARY=$(realpath "${1:-target/debug/dbkernel}")
PYTHON=${PYTHON:-$(pwd)/.venv/bin/python}
bash scripts/build_labextension.sh
rm -f target/wheels/dbkernel-*.whl
# hatchling from the venv (tests/python/requirements.txt), called directly: pip would build the
# wheel twice (once for its metadata).
(cd packaging && DBKERNEL_BINARY="$BINARY" "$PYTHON" -m hatchling build -t wheel -d ../target/wheels >/dev/null)
ls target/wheels/dbkernel-*.whl
