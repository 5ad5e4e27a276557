#!/usr/bin/env bash
# Photographs three drawn plans as a person sees them in JupyterLab, light and dark theme, with
# ../shared/tools/lab_check, into docs/plans/ (PNG, cut to the plan cell):
#   postgres-index  PostgreSQL: the kept plan before CREATE INDEX beside the plan after it
#   postgres-sort   PostgreSQL: a sort that spills to disk, with its work_mem hint
#   mongodb-index   the embedded MongoDB engine: COLLSCAN before, IXSCAN after an index
# lab_check runs Lab in the light theme; for the dark one a copy of the tool in a temporary
# folder adds one per-run user setting (the theme), nothing else changes. Needs Pillow in .venv
# (tests/python/requirements.txt) to store the PNGs in 64 colours. It also checks what
# the DOM holds: each plan cell must show its SVG (an <img> of image/svg+xml) and nothing else.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TOOL=${LAB_CHECK_DIR:-$ROOT/../shared/tools/lab_check}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# SKIP_BUILD=1 uses the binary already in target/debug (while the tree does not build).
[ -n "${SKIP_BUILD:-}" ] || cargo build -q --bin dbkernel
target/debug/dbkernel install --prefix "$work/prefix" > /dev/null
export JUPYTER_PATH="$work/prefix/share/jupyter"
export DBKERNEL_MONGOSH="$ROOT/tests/npm/node_modules/.bin/mongosh"

# The dark copy of the tool: the same files, one more settings file in the run's settings dir.
cp -r "$TOOL" "$work/lab_check_dark"
"$ROOT/.venv/bin/python" - "$work/lab_check_dark/lab_check.py" <<'PY'
import sys
path = sys.argv[1]
text = open(path).read()
anchor = '"@jupyterlab/apputils-extension/notification.jupyterlab-settings": {'
assert anchor in text, "lab_check changed: the settings anchor is gone"
text = text.replace(anchor, '"@jupyterlab/apputils-extension/themes.jupyterlab-settings": {"theme": "JupyterLab Dark"},\n            ' + anchor, 1)
open(path, "w").write(text)
PY

"$ROOT/.venv/bin/python" - "$work" <<'PY'
import sys, nbformat
work = sys.argv[1]
def notebook(name, cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "dbkernel", "display_name": "Databases (SQL · MQL · Redis)", "language": "sql"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    nbformat.write(nb, f"{work}/{name}.ipynb")
pg = "%connect pg postgresql://postgres@127.0.0.1:5432/test\n"
setup = (pg + "%%sql pg\nDROP SCHEMA IF EXISTS plan_shots CASCADE; CREATE SCHEMA plan_shots; SET search_path = plan_shots;\n"
         "SET max_parallel_workers_per_gather = 0;\n"
         "CREATE TABLE orders AS SELECT i AS id, 1 + (i * 7919) % 2000 AS customer_id, (i % 1000) / 10.0 AS amount\n"
         "  FROM generate_series(1, 200000) i;\nANALYZE orders;")
notebook("postgres-index", [
    setup,
    "%%sql pg --analyze --out before\nSELECT * FROM orders WHERE customer_id = 42",
    "%%sql pg\nCREATE INDEX orders_by_customer ON orders (customer_id)",
    "%%sql pg --analyze --compare before\nSELECT * FROM orders WHERE customer_id = 42",
    "%%sql pg\nDROP SCHEMA plan_shots CASCADE",
])
notebook("postgres-sort", [
    setup + "\nSET work_mem = '64kB'",
    "%%sql pg --analyze\nSELECT id, amount FROM orders ORDER BY amount, id",
    "%%sql pg\nDROP SCHEMA plan_shots CASCADE",
])
mongo_setup = ("%%mql\nuse plan_shots\ndb.dropDatabase()\ndb.seed.insertOne({ _id: 0 })\n"
    "db.seed.aggregate([{ $project: { i: { $range: [0, 5000] } } }, { $unwind: '$i' },\n"
    "  { $project: { _id: '$i', status: { $arrayElemAt: [['A', 'B', 'C', 'D'], { $mod: ['$i', 4] }] }, qty: { $mod: ['$i', 100] } } },\n"
    "  { $out: 'orders' }])")
notebook("mongodb-index", [
    mongo_setup,
    "%%mql --explain --out scan\ndb.orders.find({ status: 'A', qty: { $gt: 90 } })",
    "%%mql\ndb.orders.createIndex({ status: 1, qty: 1 })",
    "%%mql --explain --compare scan\ndb.orders.find({ status: 'A', qty: { $gt: 90 } })",
    "%%mql\ndb.dropDatabase()",
])
PY

shoot() { # notebook, theme, tool dir, plan cell index
  local out="$work/out-$1-$2"
  bash "$3/lab_check.sh" "$work/$1.ipynb" "$out" --only lab --kernel dbkernel --viewport 1200x900 > "$out.log" 2>&1 \
    || { cat "$out.log"; exit 1; }
  "$ROOT/.venv/bin/python" - "$out" "$4" "$ROOT/docs/plans/$1-$2.png" <<'PY'
import json, sys
out, index, target = sys.argv[1], int(sys.argv[2]), sys.argv[3]
cells = json.load(open(f"{out}/lab_outputs.json"))["cells"]
shown = cells[index]["dom_outputs"]
mimes = [o["mime_type"] for o in shown]
# The plan is drawn as its SVG; no type JupyterLab ranks higher (HTML, JSON) took its place.
assert "image/svg+xml" in mimes and not {"text/html", "application/json"} & set(mimes), mimes
svg = next(o for o in shown if o["mime_type"] == "image/svg+xml")
assert svg.get("imgs_loaded", True) and svg.get("visible", True), svg
print(f"{target}: cell {index} shows {mimes}")
# The whole (short) notebook as Lab drew it, in 64 colours to keep the file small.
from PIL import Image
Image.open(f"{out}/lab.png").convert("RGB").quantize(64).save(target, optimize=True)
PY
}
for nb in postgres-index postgres-sort mongodb-index; do
  case $nb in postgres-index|mongodb-index) cell=3 ;; postgres-sort) cell=1 ;; esac
  shoot $nb light "$TOOL" $cell
  shoot $nb dark "$work/lab_check_dark" $cell
done
ls -la docs/plans/
