#!/usr/bin/env bash
# What tests/python/test_lab_highlight.py drives: Debian's chromium, run headless (no browser is
# ever downloaded), and playwright-core from tests/browser's committed lockfile.
# Under CI=true a tool that cannot be installed is a failure; elsewhere the test skips.
set -euo pipefail
cd "$(dirname "$0")/.."
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo -n"; fi
fail_or_warn() {
  if [ "${CI:-}" = "true" ]; then echo "$1" >&2; exit 1; fi
  echo "warning: $1 (the browser test will be skipped)" >&2
}
apt_install() {
  $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1 \
    || { $SUDO apt-get update -q >/dev/null 2>&1 && $SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "$@" >/dev/null 2>&1; }
}
if [ ! -x "${DBKERNEL_CHROMIUM:-/usr/bin/chromium}" ]; then
  apt_install chromium fonts-dejavu-core || fail_or_warn "Debian's chromium could not be installed (needs root or passwordless sudo)"
fi
if ! command -v npm >/dev/null 2>&1; then
  fail_or_warn "npm is needed for playwright-core (Node.js 20 and npm)"
elif [ ! -f tests/browser/node_modules/.package-lock.json ] \
  || [ tests/browser/package-lock.json -nt tests/browser/node_modules/.package-lock.json ]; then
  npm ci --prefix tests/browser --no-audit --no-fund --loglevel=error
fi
