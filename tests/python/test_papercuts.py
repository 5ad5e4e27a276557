"""Papercuts of issue 22, end to end through jupyter_client: the size of one output is bounded
and says so, SUBSCRIBE says when its time bound stopped it, application code pasted from the
guides is recognised, and the smaller messages ($where running on the embedded engine, PostgreSQL connect errors,
document table alignment) read right.

The pasted code is the guides' own (the seeds under $DBKERNEL_SHARED/seeds). Every server is on
the loopback interface; keys and collections are this file's own. Under CI=true a missing
service or seed is a failure, never a skip.
"""
import glob
import os
import queue
import re
import socket
import time
import uuid

import pytest
from jupyter_client.manager import start_new_kernel

TIMEOUT = 60
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def missing(what):
    if IN_CI:
        pytest.fail(f"{what} (CI=true: required)")
    pytest.skip(what)


def require_port(port, name):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError as e:
        missing(f"{name} is not reachable at 127.0.0.1:{port}: {e}")


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_new_kernel(kernel_name="dbkernel", startup_timeout=TIMEOUT)
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def run(kc, code, timeout=TIMEOUT):
    """(reply content, output messages, everything shown as text)."""
    msg_id = kc.execute(code)
    outputs = []
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        assert left > 0, f"cell {code[:100]!r}: the kernel did not go idle within {timeout} s"
        msg = kc.get_iopub_msg(timeout=left)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
        if msg["msg_type"] in ("stream", "display_data", "execute_result", "error", "update_display_data"):
            outputs.append(msg)
    while True:
        try:
            reply = kc.get_shell_msg(timeout=max(1, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError(f"cell {code[:100]!r}: no execute_reply") from None
        if reply["parent_header"].get("msg_id") == msg_id:
            break
    parts = []
    for o in outputs:
        c = o["content"]
        if "data" in c:
            parts.append(c["data"].get("text/plain", ""))
        elif "text" in c:
            parts.append(c["text"])
        else:
            parts.append(f"{c.get('ename')}: {c.get('evalue')}")
            parts.extend(c.get("traceback") or [])
    return reply["content"], outputs, "\n".join(parts)


def seed_block(language, needle):
    """The first ```language block of the guides that contains `needle`."""
    shared = os.environ.get("DBKERNEL_SHARED", "")
    files = sorted(glob.glob(os.path.join(shared, "seeds", "*.txt")))
    if not files:
        missing(f"no guides under {shared}/seeds (set DBKERNEL_SHARED)")
    fence = re.compile(r"```" + re.escape(language) + r"\n(.*?)```", re.DOTALL)
    for path in files:
        with open(path, encoding="utf-8") as f:
            for block in fence.findall(f.read()):
                if needle in block:
                    return block
    pytest.fail(f"no ```{language} block containing {needle!r} in the guides")


# ---- one output's size ----


def test_a_huge_result_is_cut_to_max_output_bytes_and_says_so(kernel):
    _, kc = kernel
    run(kc, "%config display_limit = 100000")
    try:
        cell = ("%%sql\nWITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000)\n"
                "SELECT i, printf('%0200d', i) AS pad FROM n")
        reply, outputs, text = run(kc, cell)
        assert reply["status"] == "ok", text[-2000:]
        # A cell slower than the progress delay (a loaded machine) sends its result as the last
        # update of its progress display instead of an execute_result (see test_progress.py).
        results = [o for o in outputs if o["msg_type"] in ("execute_result", "update_display_data")
                   and o["content"].get("data")]
        assert results, text[-2000:]
        data = results[-1]["content"]["data"]
        size = sum(len(v) if isinstance(v, str) else len(str(v)) for v in data.values())
        # 100000 rows of 200+ characters are over 20 MB in text alone; the default bound is 4 MB.
        assert size <= 4_000_000, f"the output is {size} bytes"
        plain = data["text/plain"]
        m = re.search(r"output cut to the first (\d+) of 100000 rows shown: all 100000 would make a (?:message of about )?([\d.]+) MB(?: message)?, "
                      r"over max_output_bytes = 4\.0 MB", plain)
        assert m, plain[-1500:]
        assert 1000 < int(m.group(1)) < 100000 and float(m.group(2)) > 20
        assert "--out NAME keeps every row" in plain
        assert "%config max_output_bytes" in plain
        assert "max_output_bytes = 4.0 MB" in data["text/html"]
        # The footer still counts every row.
        assert f"(shown {m.group(1)} of 100000 rows)" in plain
        # --out keeps all rows although the display is cut.
        reply, _, text = run(kc, cell.replace("%%sql", "%%sql --out papercut_big"))
        assert reply["status"] == "ok", text[-2000:]
        reply, _, text = run(kc, "%vars")
        assert re.search(r"papercut_big\s+\S+\s+.*100000", text), text
    finally:
        run(kc, "%config display_limit = 50")


def test_max_output_bytes_is_a_setting_with_bounds(kernel):
    _, kc = kernel
    reply, _, text = run(kc, "%config max_output_bytes = 5")
    assert reply["status"] == "error"
    assert "max_output_bytes expects a size from 10 kB to 60.0 MB (e.g. 8000000, 8MB or 500kB), got '5'" in text
    try:
        reply, _, text = run(kc, "%config max_output_bytes = 20kB")
        assert reply["status"] == "ok", text
        reply, _, text = run(kc, "%config")
        assert "max_output_bytes = 20000" in text, text
        reply, outputs, text = run(kc, "%%sql --limit 2000\nWITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 2000) SELECT i FROM n")
        assert "of 2000 rows shown" in text and "over max_output_bytes = 20 kB" in text, text[-1000:]
    finally:
        run(kc, "%config max_output_bytes = 4MB")


# ---- SUBSCRIBE without --timeout ----


def test_subscribe_without_timeout_says_it_stopped_and_how_to_keep_listening(kernel):
    require_port(6379, "Redis")
    _, kc = kernel
    channel = f"papercut-{uuid.uuid4().hex[:8]}"
    started = time.monotonic()
    reply, outputs, text = run(kc, f"%%redis\nSUBSCRIBE {channel}", timeout=40)
    took = time.monotonic() - started
    assert reply["status"] == "ok", text
    assert 9 < took < 30, took
    stderr = "".join(o["content"]["text"] for o in outputs if o["msg_type"] == "stream" and o["content"]["name"] == "stderr")
    assert ("SUBSCRIBE (line 2) stopped listening after 10 s, the default bound for streaming commands (no messages arrived); "
            "the display above no longer updates and the subscription is closed.") in stderr, stderr
    assert "%%redis --timeout 300" in stderr and "--count N" in stderr
    reply, outputs, text = run(kc, f"%%redis --timeout 1\nSUBSCRIBE {channel}")
    assert "stopped listening after the cell's --timeout of 1 s" in text, text


# ---- code pasted from the guides ----


def test_redis_py_block_in_a_redis_cell_says_python_and_the_commands(kernel):
    _, kc = kernel
    block = seed_block("python", "import redis")
    reply, _, text = run(kc, "%%redis\n" + block)
    assert reply["status"] == "error"
    assert reply["ename"] == "RedisSyntaxError"
    assert reply["evalue"] == "line 2: this looks like Python code (redis-py), not Redis commands: import redis"
    # The guide's calls, as the commands they send.
    for command in ["SET user:1:name John", "GET user:1:name", "SETEX session:abc123 3600 user_data",
                    "HSET user:1 name John email john@example.com", "LPUSH queue:jobs job1 job2",
                    "ZADD leaderboard 100 player1 95 player2"]:
        assert f"    {command}" in text, f"{command} missing from: {text}"
    assert "nothing in this cell was sent to the server" in text


def test_typescript_block_in_a_redis_cell_says_typescript(kernel):
    _, kc = kernel
    block = seed_block("typescript", "Cache-aside pattern")
    reply, _, text = run(kc, "%%redis\n" + block)
    assert reply["status"] == "error"
    assert reply["evalue"] == ("line 3: this looks like TypeScript code (a Node.js Redis client), not Redis commands: "
                               "async function getUser(userId: string): Promise<User> {"), reply["evalue"]


def test_mongoose_block_in_an_mql_cell_says_node_and_the_mongosh_form(kernel):
    _, kc = kernel
    block = seed_block("javascript", "require('mongoose')")
    reply, _, text = run(kc, "%%mql\n" + block)
    assert reply["status"] == "error"
    assert reply["evalue"] == ("line 3: this looks like Node.js (JavaScript) code (Mongoose), not mongosh commands: "
                               "const mongoose = require('mongoose');"), reply["evalue"]
    assert "a Mongoose model User is db.users" in text
    assert "db.users.find({ name: /john/i })" in text
    # What mongosh itself made of it comes last, for those who want it.
    assert "mongosh: " in text


def test_django_orm_line_in_a_sql_cell_says_python(kernel):
    require_port(5432, "PostgreSQL")
    _, kc = kernel
    run(kc, "%connect papercut_pg postgresql://postgres@127.0.0.1:5432/test")
    reply, _, text = run(kc, "%%sql papercut_pg\nUser.objects.get(id=1)")
    assert reply["status"] == "error"
    assert reply["ename"] == "SqlError[42601]"
    assert "hint: this looks like Python code (Django ORM), not SQL: User.objects.get(id=1)" in text
    assert "    SELECT * FROM user WHERE id = 1;" in text


def test_sql_from_the_guides_still_runs_in_a_redis_cell(kernel):
    """The detector never refuses real commands: the guides' own Redis block runs."""
    require_port(6379, "Redis")
    _, kc = kernel
    block = seed_block("redis", "HSET user:1 name")
    prefix = f"papercut:{uuid.uuid4().hex[:6]}:"
    lines = [l for l in block.splitlines() if l.strip() and not l.startswith("#") and not l.startswith("XREAD")]
    keyed = "\n".join(re.sub(r"^(\w+) (\S+)", lambda m: f"{m.group(1)} {prefix}{m.group(2)}", l) for l in lines)
    reply, _, text = run(kc, "%%redis\n" + keyed)
    assert reply["status"] == "ok", text
    run(kc, f"%%redis\nEVAL \"for _,k in ipairs(redis.call('keys', ARGV[1])) do redis.call('del', k) end\" 0 {prefix}*")


# ---- smaller messages ----


def test_where_runs_on_the_embedded_engine(kernel):
    _, kc = kernel
    coll = f"papercut_where_{uuid.uuid4().hex[:6]}"
    run(kc, f"%%mql\ndb.{coll}.insertMany([{{ _id: 1, a: 2 }}, {{ _id: 2, a: 0 }}])")
    # The $where page's string form: `this` is the document.
    reply, _, text = run(kc, f"%%mql\ndb.{coll}.find({{ $where: 'this.a > 1' }})")
    assert reply["status"] == "ok", text
    assert "_id: 1" in text and "_id: 2" not in text, text
    # mongod compiles the code when it parses the filter, before it looks for the collection:
    # a syntax error is JSInterpreterFailure even on a missing one.
    reply, _, text = run(kc, f"%%mql\ndb.{coll}_missing.find({{ $where: 'this.a >' }})")
    assert reply["status"] == "error", text
    assert "SyntaxError" in text and "JSInterpreterFailure" in text, text


def test_postgres_connect_error_has_no_server_source_line(kernel):
    require_port(5432, "PostgreSQL")
    _, kc = kernel
    db = f"nodb_{uuid.uuid4().hex[:8]}"
    reply, _, text = run(kc, f"%connect papercut_nodb postgresql://postgres@127.0.0.1:5432/{db}")
    assert reply["status"] == "error"
    # psql: FATAL:  database "…" does not exist (SQLSTATE 3D000)
    assert f'database "{db}" does not exist (SQLSTATE 3D000)' in text, text
    assert not re.search(r" at line \d+", text), text


def test_document_tables_align_text_left_and_numbers_right(kernel):
    _, kc = kernel
    coll = f"papercut_align_{uuid.uuid4().hex[:6]}"
    reply, outputs, text = run(kc, f"%%mql\ndb.{coll}.insertMany([{{ _id: 1, name: 'Ann', score: 9.5 }}, {{ _id: 2, name: 'Bo', score: 7 }}])\ndb.{coll}.find()")
    assert reply["status"] == "ok", text
    html = [o for o in outputs if o["msg_type"] == "execute_result"][0]["content"]["data"]["text/html"]
    row = html[html.index("<tbody><tr>"):]
    cells = row.split("<td ")[1:4]
    assert "text-align:right" in cells[0], cells[0]  # _id
    assert "text-align:left" in cells[1] and ">Ann<" in cells[1], cells[1]
    assert "text-align:right" in cells[2], cells[2]
