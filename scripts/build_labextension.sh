#!/usr/bin/env bash
# Builds the JupyterLab extension (packaging/labextension) into target/labextension, with the
# npm registry's packages from the committed lockfile and JupyterLab's own builder.
# About 3 s once node_modules is there; `npm ci` (about 45 s) runs only when the lockfile changed.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
EXT=packaging/labextension
if [ ! -f "$EXT/node_modules/.package-lock.json" ] || [ "$EXT/package-lock.json" -nt "$EXT/node_modules/.package-lock.json" ]; then
  npm ci --prefix "$EXT" --no-audit --no-fund --loglevel=error
fi
(cd "$EXT" && node_modules/.bin/tsc)
# The core path is the JupyterLab Python package's staging folder: it says which packages Lab
# shares (CodeMirror, Lezer, @jupyterlab/*), so the extension uses Lab's copies, not its own.
CORE=$("$PYTHON" -c "import jupyterlab, os; print(os.path.join(os.path.dirname(jupyterlab.__file__), 'staging'))")
rm -rf target/labextension/dbkernel-labextension
mkdir -p target/labextension
if ! node "$EXT/node_modules/@jupyterlab/builder/lib/build-labextension.js" --core-path "$CORE" "$EXT" \
  >target/labextension/build.log 2>&1; then
  cat target/labextension/build.log >&2
  exit 1
fi
test -f target/labextension/dbkernel-labextension/package.json
