"""`jupyter nbconvert --to notebook --execute`, as CI pipelines run notebooks: a failing cell
fails the run and names the error; the `raises-exception` tag lets it pass."""
import os
import subprocess
import sys

import nbformat

from conftest import jupyter_bin


def notebook(tags_on_failing_cell):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "dbkernel", "display_name": "dbkernel", "language": "sql"}
    nb.cells = [
        nbformat.v4.new_code_cell("%%sql\nSELECT 1 AS ok"),
        nbformat.v4.new_code_cell("%%sql\nSELECT * FROM table_that_does_not_exist", metadata={"tags": tags_on_failing_cell}),
        nbformat.v4.new_code_cell("%%sql\nSELECT 3 AS after"),
    ]
    return nb


def execute(tmp_path, nb):
    path = tmp_path / "nb.ipynb"
    nbformat.write(nb, path)
    out = tmp_path / "out.ipynb"
    proc = subprocess.run(
        [jupyter_bin(), "nbconvert", "--to", "notebook", "--execute", str(path), "--output", str(out),
         "--ExecutePreprocessor.timeout=120"],
        capture_output=True, text=True, timeout=300, env=os.environ.copy(),
    )
    return proc, out


def test_failing_cell_fails_the_run_and_names_the_error(tmp_path):
    proc, _ = execute(tmp_path, notebook([]))
    assert proc.returncode != 0
    assert "table_that_does_not_exist" in proc.stderr, proc.stderr[-2000:]
    assert "SqlError" in proc.stderr, proc.stderr[-2000:]


def test_raises_exception_tag_lets_the_run_pass(tmp_path):
    proc, out = execute(tmp_path, notebook(["raises-exception"]))
    assert proc.returncode == 0, proc.stderr[-2000:]
    executed = nbformat.read(out, as_version=4)
    errors = [o for o in executed.cells[1].outputs if o.output_type == "error"]
    assert errors and errors[0].ename.startswith("SqlError")
    last = executed.cells[2].outputs
    assert any("after" in o.get("data", {}).get("text/plain", "") for o in last)
