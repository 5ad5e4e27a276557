#!/usr/bin/env bash
# Photographs the charts of notebooks/lessons/charts.py as a person sees them in JupyterLab
# (Lab draws the Vega-Lite spec), with ../shared/tools/lab_check, into docs/charts.png: the
# setup cells and the four chart cells (bar from PostgreSQL, histogram of 100,000 rows, line from
# MongoDB documents, sampled scatter). Checks from the DOM that each chart cell rendered with
# Lab's Vega-Lite renderer. Needs Pillow in .venv (stores the PNG in 64 colours) and the
# services the lesson uses (PostgreSQL on 127.0.0.1:5432).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
TOOL=${LAB_CHECK_DIR:-$ROOT/../shared/tools/lab_check}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
[ -n "${SKIP_BUILD:-}" ] || cargo build -q --bin dbkernel
target/debug/dbkernel install --prefix "$work/prefix" > /dev/null
mkdir -p "$work/nb"
cp notebooks/dbkernel.toml "$work/nb/"
"$ROOT/.venv/bin/python" - "$work/nb/charts_screenshot.ipynb" <<'PY'
import sys
sys.path.insert(0, "notebooks/lessons")
import nbformat
import charts
from cells import notebook
def shown(cell):
    s = cell.source
    if cell.cell_type != "code":
        return False
    if s.startswith("%%sql pg\nDROP TABLE IF EXISTS") or s.startswith("%%mql\nuse charts_lesson\ndb.visits.drop"):
        return True
    return "--chart" in s and not any(w in s for w in ("pie", "y=city", "color=quarter"))
nbformat.write(notebook("charts", [c for c in charts.CELLS if shown(c)]), sys.argv[1])
PY
"$TOOL/lab_check.sh" "$work/nb/charts_screenshot.ipynb" "$work/out" --kernel dbkernel \
  --jupyter-path "$work/prefix/share/jupyter" --only lab --copy-siblings --viewport 1100x900
"$ROOT/.venv/bin/python" - "$work/out" <<'PY'
import json, sys
from PIL import Image
out = sys.argv[1]
cells = json.load(open(f"{out}/lab_outputs.json"))["cells"]
charts = [c for c in cells if any("jp-RenderedVegaLite" in (o.get("classes") or "") for o in c["dom_outputs"])]
assert len(charts) == 4, f"expected 4 charts drawn by Lab's Vega-Lite renderer, got {len(charts)}"
Image.open(f"{out}/lab.png").convert("RGB").quantize(colors=64).save("docs/charts.png", optimize=True)
print("wrote docs/charts.png")
PY
