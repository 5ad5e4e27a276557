"""Highlighting per cell magic (issue 19), seen in a real browser: JupyterLab 4 and Notebook 7
from the wheel's venv, headless Chromium (tests/browser/highlight.js), and the token classes
CodeMirror put in the DOM. `//` is a comment only in JavaScript and `HSET` a keyword only in the
Redis grammar, so those cells cannot pass by being highlighted as SQL.
"""
import json
import os
import secrets
import shutil
import socket
import subprocess
import time
import urllib.request

import nbformat
import pytest

from conftest import ROOT
from wheel_venv import wheel_venv

BROWSER_DIR = os.path.join(ROOT, "tests", "browser")
OUT_DIR = os.path.join(ROOT, "target", "browser")

CELLS = [
    "%connect shop postgresql://127.0.0.1:5432/shop",
    "%%sql shop --limit 5\nSELECT name FROM users\nWHERE name ILIKE 'a%' -- PostgreSQL's ILIKE\nORDER BY name;",
    "%%mql --limit 3\n// users who joined since 2020\nconst since = 2020;\ndb.users.find({ joined: { $gte: since } })",
    '%%redis\n# a hash, and a session that expires\nHSET user:1 name "Ann" visits 3\nSET session:1 {{token}} EX 60 NX',
    "SELECT 1;",
    "%%sql warehouse\nSELECT 1;",
    "%%sql nowhere\nSELECT 1;",
]

# A connection the notebook's text does not define: the kernel names it in kernel_info.
DBKERNEL_TOML = '[connections]\nwarehouse = "mysql://root@127.0.0.1:3306/test"\n'


def browser_tools():
    node = shutil.which("node")
    chromium = os.environ.get("DBKERNEL_CHROMIUM", "/usr/bin/chromium")
    playwright = os.path.join(BROWSER_DIR, "node_modules", "playwright-core")
    missing = [what for what, ok in [("node", node), ("chromium", os.path.exists(chromium)),
                                     ("tests/browser/node_modules (npm ci)", os.path.isdir(playwright))] if not ok]
    if missing:
        message = f"browser test needs {', '.join(missing)} (scripts/browser_tools.sh installs them)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return node


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    node = browser_tools()
    venv = wheel_venv()
    root = tmp_path_factory.mktemp("lab")
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "dbkernel", "display_name": "Databases (SQL · MQL · Redis)", "language": "sql"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in CELLS]
    nbformat.write(nb, root / "highlight.ipynb")
    (root / "dbkernel.toml").write_text(DBKERNEL_TOML)
    # No "get Jupyter news?" prompt over the cells in the screenshot.
    settings = os.path.join(venv.home, ".jupyter", "lab", "user-settings", "@jupyterlab", "apputils-extension")
    os.makedirs(settings, exist_ok=True)
    with open(os.path.join(settings, "notification.jupyterlab-settings"), "w") as f:
        json.dump({"fetchNews": "false"}, f)
    port, token = free_port(), secrets.token_hex(16)
    log = open(root / "server.log", "w")
    process = subprocess.Popen(
        [venv.bin("jupyter"), "lab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
         f"--ServerApp.port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}",
         "--LabApp.extension_manager=readonly", "--LabApp.news_url=",
         "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
        env=venv.env(), stdout=log, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2)
            break
        except OSError:
            assert process.poll() is None and time.monotonic() < deadline, (root / "server.log").read_text()
            time.sleep(0.5)
    yield node, base, token, root
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
    log.close()


def editors(server, page, name):
    node, base, token, root = server
    os.makedirs(OUT_DIR, exist_ok=True)
    out_json = os.path.join(OUT_DIR, f"{name}.json")
    out_png = os.path.join(OUT_DIR, f"{name}.png")
    done = subprocess.run([node, os.path.join(BROWSER_DIR, "highlight.js"), f"{base}/{page}?token={token}",
                           out_json, out_png, ".cm-dbk-body-sql-mysql"], capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stdout + done.stderr + (root / "server.log").read_text()[-3000:]
    assert os.path.getsize(out_png) > 1000
    with open(out_json) as f:
        return json.load(f)["cells"]


def classes(cell, text):
    """The classes around the text run `text` in a cell's editor."""
    for line in cell["lines"]:
        for run in line["runs"]:
            if run["text"] == text:
                return set(run["classes"])
    raise AssertionError(f"no text run {text!r} in {[line['text'] for line in cell['lines']]}")


def line_classes(cell):
    return [[c for c in line["classes"] if c.startswith("cm-dbk-")] for line in cell["lines"]]


def check_each_cell_in_its_language(cells):
    connect, sql, mql, redis, no_magic, from_toml, unknown = cells
    assert all(cell["language"] == "dbkernel" for cell in cells)
    # Magic lines: the magic word, the connection, options, the URL.
    assert {"cm-dbk-magic", "tok-meta"} <= classes(connect, "%connect")
    assert "cm-dbk-connection" in classes(connect, "shop")
    assert "tok-url" in classes(connect, "postgresql://127.0.0.1:5432/shop")
    assert "cm-dbk-option" in classes(sql, "--limit")
    # %%sql shop: PostgreSQL, because `%connect shop postgresql://...` says so.
    assert line_classes(sql) == [["cm-dbk-magic-line"]] + [["cm-dbk-body-sql-postgresql"]] * 3
    assert "tok-keyword" in classes(sql, "ILIKE")
    assert "tok-comment" in classes(sql, "-- PostgreSQL's ILIKE")
    # %%mql: JavaScript.
    assert line_classes(mql) == [["cm-dbk-magic-line"]] + [["cm-dbk-body-mql"]] * 3
    assert "tok-comment" in classes(mql, "// users who joined since 2020")
    assert "tok-keyword" in classes(mql, "const")
    assert "tok-propertyName" in classes(mql, "find")
    assert "tok-propertyName" in classes(mql, "$gte")
    assert "tok-number" in classes(mql, "2020")
    # %%redis: redis-cli commands.
    assert line_classes(redis) == [["cm-dbk-magic-line"]] + [["cm-dbk-body-redis"]] * 3
    assert "tok-comment" in classes(redis, "# a hash, and a session that expires")
    assert {"tok-keyword", "cm-dbk-redis-command"} <= classes(redis, "HSET")
    assert "tok-string" in classes(redis, '"Ann"')
    assert "tok-number" in classes(redis, "3")
    assert "cm-dbk-interpolation" in classes(redis, "{{token}}")
    assert "cm-dbk-redis-option" in classes(redis, "EX")
    # No magic: SQL on the current connection, the last one %connect made current above.
    assert line_classes(no_magic) == [["cm-dbk-body-sql-postgresql"]]
    # A name from dbkernel.toml, which the kernel's kernel_info names: its URL's dialect.
    assert line_classes(from_toml) == [["cm-dbk-magic-line"], ["cm-dbk-body-sql-mysql"]]
    # A name neither defines: standard SQL.
    assert line_classes(unknown) == [["cm-dbk-magic-line"], ["cm-dbk-body-sql-standard"]]


def test_jupyterlab_highlights_each_cell_in_its_magic_language(server):
    check_each_cell_in_its_language(editors(server, "lab/tree/highlight.ipynb", "highlighting-lab"))


def test_notebook_7_highlights_each_cell_in_its_magic_language(server):
    check_each_cell_in_its_language(editors(server, "notebooks/highlight.ipynb", "highlighting-notebook7"))
