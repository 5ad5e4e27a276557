#!/usr/bin/env bash
# The main job: build dbkernel, install its kernelspec for this user, and execute a shipped
# notebook headless on the embedded defaults (SQLite in memory, the embedded MongoDB-compatible
# engine, Redis on REDIS_URL or 127.0.0.1:6379). The executed notebook lands in target/.
set -euo pipefail
cd "$(dirname "$0")/.."
NOTEBOOK=${1:-notebooks/intro.ipynb}

if [ ! -x .venv/bin/jupyter ]; then
  python3 -m venv .venv
  .venv/bin/python -m pip install -q --disable-pip-version-check -r tests/python/requirements.txt
fi
cargo build --release --locked
target/release/dbkernel install --user
out="target/$(basename "${NOTEBOOK%.ipynb}").executed.ipynb"
.venv/bin/jupyter nbconvert --to notebook --execute "$NOTEBOOK" --output "$(pwd)/$out" --ExecutePreprocessor.timeout=600
echo "executed $NOTEBOOK -> $out"
