#!/usr/bin/env bash
# The whole test suite, the same on a laptop, a fresh Debian/Ubuntu machine and CI:
#   services (started or installed) -> Python venv -> one cargo build -> Rust tests -> kernelspec
#   -> Jupyter-client tests (conformance suite, lifecycle, nbconvert, fuzz) -> shipped notebooks.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)

bash scripts/services.sh

# The team's shared folder (MongoDB conformance data, the guides) sits beside the repository;
# a CI clone elsewhere finds it at /work/shared.
if [ -z "${DBKERNEL_SHARED:-}" ]; then
  for candidate in "$ROOT/../shared" /work/shared; do
    if [ -d "$candidate/conformance" ]; then DBKERNEL_SHARED=$(cd "$candidate" && pwd); break; fi
  done
fi
if [ -z "${DBKERNEL_SHARED:-}" ]; then
  echo "the shared folder (conformance data, seeds) was not found beside the repository or at /work/shared; set DBKERNEL_SHARED" >&2
  exit 1
fi
export DBKERNEL_SHARED

# Python tools into a local venv (never into the system Python).
if [ ! -x .venv/bin/python ]; then python3 -m venv .venv; fi
.venv/bin/python -m pip install -q --disable-pip-version-check -r tests/python/requirements.txt

# Real clients from the npm registry (the mongosh the embedded engine must serve, and vega-lite
# whose JSON schema test_charts.py validates specs against), into a local folder from the
# committed lockfile; installed again when the lockfile is newer than what is installed.
if command -v npm >/dev/null 2>&1; then
  if [ ! -x tests/npm/node_modules/.bin/mongosh ] \
    || [ ! -f tests/npm/node_modules/vega-lite/build/vega-lite-schema.json ] \
    || [ tests/npm/package-lock.json -nt tests/npm/node_modules/.package-lock.json ]; then
    npm ci --prefix tests/npm --no-audit --no-fund --loglevel=error
  fi
  export DBKERNEL_MONGOSH="$ROOT/tests/npm/node_modules/.bin/mongosh"
elif [ "${CI:-}" = "true" ]; then
  echo "npm is needed to install mongosh for the tests (Node.js 20 and npm)" >&2
  exit 1
fi

# Formatting is checked before anything is built (cheap, and a clear first failure).
cargo fmt --all --check

# One build of everything (binary, libraries, test targets).
cargo build --workspace --all-targets --locked
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --locked --no-fail-fast
else
  cargo test --workspace --locked --no-fail-fast
fi

# The kernelspec under target/, so the tests never touch the user's own Jupyter set-up.
target/debug/dbkernel install --prefix "$ROOT/target/jupyter" >/dev/null
export JUPYTER_PATH="$ROOT/target/jupyter/share/jupyter"

# The wheel (binary + kernelspec + JupyterLab extension) from the binary just built, for
# tests/python/test_wheel.py (a fresh venv) and test_lab_highlight.py (headless Chromium).
if command -v npm >/dev/null 2>&1; then
  bash scripts/browser_tools.sh
  bash scripts/build_wheel.sh target/debug/dbkernel >/dev/null
elif [ "${CI:-}" = "true" ]; then
  echo "npm is needed to build the JupyterLab extension (Node.js 20 and npm)" >&2
  exit 1
fi
export PATH="$ROOT/.venv/bin:$PATH"
.venv/bin/python -m pytest -q tests/python

# Lints last, so a style nit never hides a behaviour failure.
cargo clippy --workspace --all-targets --locked -- -D warnings
