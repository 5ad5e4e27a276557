"""The real papermill (PyPI) runs notebooks/parameters.ipynb with -p values of each type and no
other flag: python/dbkernel_papermill (installed by tests/python/requirements.txt) registers the
translator, the kernel reads the injected %set lines, and SQL, MongoDB and Redis cells use them."""
import os
import subprocess
import sys

import nbformat

from conftest import ROOT

NOTEBOOK = os.path.join(ROOT, "notebooks", "parameters.ipynb")


def plain(cell):
    parts = []
    for o in cell.outputs:
        if o.output_type == "stream":
            parts.append(o.text)
        elif o.output_type in ("execute_result", "display_data"):
            parts.append(o.data.get("text/plain", ""))
        elif o.output_type == "error":
            parts.append(f"{o.ename}: {o.evalue}")
    return "\n".join(parts)


def run_papermill(tmp_path, *params):
    out = tmp_path / "out.ipynb"
    papermill = os.path.join(os.path.dirname(sys.executable), "papermill")
    proc = subprocess.run([papermill, NOTEBOOK, str(out), *params, "--cwd", str(tmp_path)],
                          capture_output=True, text=True, timeout=300)
    return proc, out


def test_parameters_of_each_type_reach_sql_mql_and_redis_cells(tmp_path):
    proc, out = run_papermill(tmp_path, "-p", "min_salary", "100000", "-p", "city", "Paris",
                              "-p", "rate", "0.25", "-p", "remote", "True")
    assert proc.returncode == 0, proc.stderr[-4000:]
    nb = nbformat.read(out, as_version=4)
    injected = [c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])]
    assert len(injected) == 1
    assert injected[0].source.splitlines() == [
        "%set min_salary = 100000", "%set city = 'Paris'", "%set rate = 0.25", "%set remote = true"]
    position = nb.cells.index(injected[0])
    assert "parameters" in nb.cells[position - 1].metadata.get("tags", [])
    by_source = {c.source.splitlines()[-1] if c.source else "": plain(c) for c in nb.cells if c.cell_type == "code"}
    text = "\n".join(by_source.values())
    sql = next(v for k, v in by_source.items() if ":min_salary ORDER BY name" in k)
    assert "Ada" in sql and "(1 row)" in sql and "Grace" not in sql, sql
    values = next(v for k, v in by_source.items() if ":rate * 2" in k)
    assert "Paris" in values and "100000" in values and "0.5" in values, values
    mql = next(v for k, v in by_source.items() if "{{min_salary}}" in k)
    assert "Ada" in mql and "Linus" not in mql and "Grace" not in mql, mql
    assert '"Paris"' in text


def test_a_parameter_papermill_cannot_pass_is_refused_with_a_reason(tmp_path):
    proc, _ = run_papermill(tmp_path, "-y", "tags: [a, b]")
    assert proc.returncode != 0
    assert "dbkernel parameters are single values" in proc.stderr, proc.stderr[-3000:]
