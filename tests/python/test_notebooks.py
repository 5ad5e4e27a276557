"""Runs every shipped notebook under notebooks/ headless (nbclient, as nbconvert does) and checks
each cell's outputs against the expectations stored in its metadata (`dbkernel.expect`, written
by notebooks/make_notebooks.py)."""
import glob
import os
import shutil

import nbformat
import pytest
from nbclient import NotebookClient

from conftest import ROOT

NOTEBOOKS = sorted(glob.glob(os.path.join(ROOT, "notebooks", "*.ipynb")))


def texts(outputs, mime):
    found = []
    for o in outputs:
        if o.output_type == "stream" and mime == "text/plain":
            found.append(o.text)
        elif o.output_type in ("execute_result", "display_data"):
            found.append(o.data.get(mime, ""))
        elif o.output_type == "error" and mime == "text/plain":
            found.append(f"{o.ename}: {o.evalue}")
            # The detail lines (statement, caret, hint:) are what a learner reads next.
            found.extend(o.get("traceback", [])[1:])
    return "\n".join(found)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[os.path.basename(p) for p in NOTEBOOKS])
def test_notebook_runs_and_shows_what_it_teaches(path, tmp_path):
    nb = nbformat.read(path, as_version=4)
    # The kernel runs in tmp_path; the course's dbkernel.toml goes beside it, as beside the notebooks.
    config = os.path.join(os.path.dirname(path), "dbkernel.toml")
    if os.path.exists(config):
        shutil.copy(config, tmp_path / "dbkernel.toml")
    client = NotebookClient(nb, kernel_name="dbkernel", timeout=300, resources={"metadata": {"path": str(tmp_path)}})
    client.execute()
    checked = 0
    for index, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        errors = [o for o in cell.outputs if o.output_type == "error"]
        expect = cell.metadata.get("dbkernel", {}).get("expect", {})
        where = f"{os.path.basename(path)} cell {index}:\n{cell.source}"
        if "error" in expect:
            assert errors and errors[0].ename.startswith(expect["error"]), f"{where}\nexpected error {expect['error']}, got {cell.outputs}"
        else:
            assert not errors, f"{where}\nunexpected error: {errors}"
        plain = texts(cell.outputs, "text/plain")
        for needle in expect.get("contains", []):
            assert needle in plain, f"{where}\nmissing {needle!r} in:\n{plain}"
        for needle in expect.get("absent", []):
            assert needle not in plain, f"{where}\nunexpected {needle!r} in:\n{plain}"
        drawn = texts(cell.outputs, "image/svg+xml")
        for needle in expect.get("svg", []):
            assert needle in drawn, f"{where}\nmissing {needle!r} in the SVG:\n{drawn[:2000]}"
        html = texts(cell.outputs, "text/html")
        for needle in expect.get("html", []):
            assert needle in html, f"{where}\nmissing {needle!r} in HTML:\n{html[:2000]}"
        checked += bool(expect)
    assert checked > 0, f"{path} has no checked cells"
