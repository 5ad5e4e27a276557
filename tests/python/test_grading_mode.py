"""What changes when a grader runs the kernel, and the deterministic setting: a notebook executed
twice gives byte-identical outputs; under nbgrader (NBGRADER_EXECUTION set) the setting is on by
default and warnings arrive on stdout, never stderr; tables and documents also carry their rows
as application/vnd.dbkernel.table+json."""
import json
import re

import nbformat
from nbclient import NotebookClient

MIME = "application/vnd.dbkernel.table+json"
ELAPSED = re.compile(r"\d+(\.\d+)? (µs|ms|s)\b")


def run(cells, tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "dbkernel", "display_name": "dbkernel", "language": "sql"}
    nb.cells = [nbformat.v4.new_code_cell(c) for c in cells]
    NotebookClient(nb, kernel_name="dbkernel", timeout=120, resources={"metadata": {"path": str(tmp_path)}}).execute()
    return nb


CELLS = [
    "%config deterministic = true",
    "%%sql\nCREATE TABLE t (id INTEGER, name TEXT);\nINSERT INTO t VALUES (1, 'Ada'), (2, 'Grace');\nSELECT * FROM t ORDER BY id",
    "%%mql\nuse determinism\ndb.c.drop()\ndb.c.insertMany([{ _id: 1, n: 'a' }, { _id: 2, n: 'b' }])\ndb.c.find().sort({ _id: 1 })",
    "%%redis\nSET determinism:k v\nGET determinism:k\nDEL determinism:k",
]


def outputs(nb):
    return [json.dumps(c.outputs, sort_keys=True) for c in nb.cells]


def test_a_notebook_run_twice_gives_identical_outputs(tmp_path):
    first = run(CELLS, tmp_path)
    second = run(CELLS, tmp_path)
    assert outputs(first) == outputs(second)
    html = "\n".join(o.data.get("text/html", "") for c in first.cells for o in c.outputs if "data" in o)
    assert "2 rows" in html and not ELAPSED.search(html), html


def test_timings_are_shown_without_the_setting(tmp_path):
    nb = run(["%%sql\nSELECT 1 AS one"], tmp_path)
    html = nb.cells[0].outputs[0].data["text/html"]
    assert ELAPSED.search(html), html


def test_under_nbgrader_the_setting_is_on_and_warnings_go_to_stdout(tmp_path, monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    nb = run(["%config", "%%mql\nuse grading\ndb.c.drop()\ndb.c.insert({ a: 1 })"], tmp_path)
    settings = nb.cells[0].outputs[0].data["text/plain"]
    assert "deterministic = true" in settings and "time_limit = 20 s" in settings, settings
    streams = [(o.name, o.text) for o in nb.cells[1].outputs if o.output_type == "stream"]
    assert ("stdout", "DeprecationWarning: Collection.insert() is deprecated. Use insertOne, insertMany, or bulkWrite.\n") in streams, streams
    assert all(name != "stderr" for name, _ in streams), streams


def test_tables_and_documents_carry_their_rows_as_data(tmp_path):
    nb = run(["%%sql\nSELECT 1 AS n, 'x' AS s, NULL AS z, 2.5 AS f",
              "%%mql\nuse grading_data\ndb.c.drop()\ndb.c.insertOne({ _id: 7, tags: ['a'] })\ndb.c.find()"], tmp_path)
    table = nb.cells[0].outputs[-1].data
    assert set(table) == {"text/plain", "text/html", MIME}
    assert table[MIME]["rows"] == [[1, "x", None, 2.5]]
    assert [c["name"] for c in table[MIME]["columns"]] == ["n", "s", "z", "f"]
    assert table[MIME]["total_rows"] == 1
    docs = nb.cells[1].outputs[-1].data[MIME]
    assert docs == {"documents": [{"_id": 7, "tags": ["a"]}], "total": 1}
