"""%%mql cells that need JavaScript run in the session's QuickJS runtime (issue 21).

Through the installed kernel (jupyter_client), against `dbkernel mongod` on a free loopback port:
a data-generating loop, forEach(printjson), a helper function reused in a later cell, `it`,
template strings, destructuring and classes, variables crossing between subset and JavaScript
cells, kernel variables, the stop button on an infinite loop (within 1 s, and the next cell
works), and the heap limit. Expected printed text is mongosh's (checked against the real mongosh
in test_js_mongosh_agreement.py); counts and sums are arithmetic on the data the cell wrote.
"""
import os
import time

import pytest
from jupyter_client.manager import start_new_kernel

from mongod_process import dbkernel_mongod

TIMEOUT = 60
DB = "jsshell"


@pytest.fixture(scope="module")
def server():
    with dbkernel_mongod() as port:
        yield port


@pytest.fixture(scope="module")
def kernel(server):
    # A small heap, so the memory-limit case is quick; every other case fits well within it.
    env = dict(os.environ, DBKERNEL_JS_MEMORY_MB="64")
    km, kc = start_new_kernel(kernel_name="dbkernel", startup_timeout=TIMEOUT, env=env)
    try:
        status, out, error = run(kc, f"%connect m mongodb://127.0.0.1:{server}/{DB}")
        assert status == "ok", error
        yield km, kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def run(kc, code, timeout=TIMEOUT):
    """(status, everything printed as text: streams and text/plain results, error)."""
    msg_id = kc.execute(code)
    shown, error = [], ""
    deadline = time.monotonic() + timeout
    while True:
        msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "status" and content["execution_state"] == "idle":
            break
        if kind == "stream":
            shown.append(content["text"].rstrip("\n"))
        elif kind in ("execute_result", "display_data"):
            text = content["data"].get("text/plain", "")
            if not text.startswith("⏳"):
                shown.append(text)
        elif kind == "error":
            error = f"{content['ename']}: {content['evalue']}\n" + "\n".join(content.get("traceback", [])[1:])
    while True:
        reply = kc.get_shell_msg(timeout=timeout)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply["content"]["status"], "\n".join(shown), error


def mql(kc, body, **kw):
    return run(kc, "%%mql m\n" + body, **kw)


def ok(kc, body):
    status, shown, error = mql(kc, body)
    assert status == "ok", f"{body}\n{error}\n{shown}"
    return shown


def test_a_loop_inserts_ten_thousand_documents(kernel):
    _, kc = kernel
    ok(kc, "db.gen.drop()")
    started = time.monotonic()
    ok(kc, "for (let i = 0; i < 10000; i++) {\n  db.gen.insertOne({ _id: i, sq: i * i, even: i % 2 === 0 })\n}")
    elapsed = time.monotonic() - started
    assert ok(kc, "db.gen.countDocuments()") == "10000"
    assert ok(kc, "db.gen.countDocuments({ even: true })") == "5000"
    # Whole numbers from JavaScript are stored as Int32, as mongosh stores them.
    assert ok(kc, "db.gen.countDocuments({ sq: { $type: 'int' } })") == "10000"
    print(f"10,000 insertOne calls in a loop: {elapsed:.2f} s")


def test_foreach_printjson_prints_each_document_as_mongosh_does(kernel):
    _, kc = kernel
    shown = ok(kc, "db.gen.find({ _id: { $lt: 2 } }, { even: 0 }).sort({ _id: 1 }).forEach(d => printjson(d))")
    assert shown == "{\n  _id: 0,\n  sq: 0\n}\n{\n  _id: 1,\n  sq: 1\n}"


def test_a_helper_function_is_reused_in_the_next_cell(kernel):
    _, kc = kernel
    assert ok(kc, "function sumOfSquares(limit) {\n  let total = 0\n  db.gen.find({ _id: { $lt: limit } }).forEach(d => { total += d.sq })\n  return total\n}") == ""
    # 0² + 1² + ... + 9² = 285
    assert ok(kc, "sumOfSquares(10)") == "285"
    # A subset-looking cell that names the function runs in JavaScript too.
    assert ok(kc, "const s = sumOfSquares(4)") == ""
    assert ok(kc, "s") == "14"


def test_it_continues_a_cursor_printed_by_a_javascript_cell(kernel):
    _, kc = kernel
    shown = ok(kc, "const firstIds = []\nfor (const d of db.gen.find({}, { _id: 1 }).limit(3)) firstIds.push(d._id)\ndb.gen.find({ _id: { $lt: 25 } }, { _id: 1 }).sort({ _id: 1 })")
    assert shown.endswith('Type "it" for more'), shown
    assert "{ _id: 19 }" in shown and "{ _id: 20 }" not in shown
    shown = ok(kc, "it")
    assert "{ _id: 20 }" in shown and "{ _id: 24 }" in shown and "Type \"it\"" not in shown, shown
    assert ok(kc, "firstIds") == "[ 0, 1, 2 ]"


def test_template_strings_destructuring_and_classes(kernel):
    _, kc = kernel
    assert ok(kc, "const { _id, sq } = db.gen.findOne({ _id: 12 });\n`${_id} squared is ${sq}`") == "12 squared is 144"
    assert ok(kc, "class Point {\n  constructor(x, y) { this.x = x; this.y = y }\n  norm() { return Math.hypot(this.x, this.y) }\n}\nnew Point(3, 4).norm()") == "5"
    assert ok(kc, "new Point(1, 2)") == "Point { x: 1, y: 2 }"
    assert ok(kc, "[1, 2, 3].map(n => n * 2).filter(n => n > 2)") == "[ 4, 6 ]"


def test_variables_cross_between_subset_and_javascript_cells(kernel):
    _, kc = kernel
    ok(kc, "const wanted = { even: false, _id: { $lt: 6 } }")
    assert ok(kc, "let odd = []\ndb.gen.find(wanted).forEach(d => odd.push(d._id))\nodd") == "[ 1, 3, 5 ]"
    # The JavaScript array is a plain value: the subset reads it.
    assert ok(kc, "db.gen.countDocuments({ _id: { $in: odd } })") == "3"


def test_kernel_variables_are_javascript_values_and_a_result_can_be_kept(kernel):
    _, kc = kernel
    status, _, error = run(kc, "%%mql m --out squares\nconst list = []\nfor (let i = 1; i <= 3; i++) list.push({ n: i, sq: i * i })\nlist")
    assert status == "ok", error
    shown = ok(kc, "let total = 0\nfor (const row of {{squares}}) total += row.sq\ntotal")
    assert shown == "14"


def test_server_errors_can_be_caught_or_are_shown_as_mongosh_shows_them(kernel):
    _, kc = kernel
    shown = ok(kc, "try {\n  db.gen.insertOne({ _id: 1 })\n} catch (e) {\n  print(e.name, e.code, e.codeName)\n}")
    assert shown == "MongoServerError 11000 DuplicateKey"
    status, _, error = mql(kc, "for (const id of [20000, 1]) db.gen.insertOne({ _id: id })")
    assert status == "error"
    assert error.startswith("MongoServerError[DuplicateKey]: E11000 duplicate key error"), error


def test_javascript_errors_name_the_cell_line(kernel):
    _, kc = kernel
    status, _, error = mql(kc, "for (let i = 0; i < 1; i++) {\n  missing(i)\n}")
    assert status == "error"
    assert error.startswith("ReferenceError: missing is not defined"), error
    assert "at line 3" in error, error
    status, _, error = mql(kc, "for (let i = 0; i < 1; i++) {\n  db.gen.find({ a: 1 }\n}")
    assert status == "error"
    assert error.startswith("SyntaxError: Unexpected token") and "at line 4, column 1" in error, error


def test_require_is_refused_with_the_reason(kernel):
    _, kc = kernel
    status, _, error = mql(kc, "for (const m of ['fs']) require(m)")
    assert status == "error"
    assert "cannot read files or Node.js modules" in error, error


def test_an_infinite_loop_stops_within_a_second_and_the_next_cell_works(kernel):
    km, kc = kernel
    msg_id = kc.execute("%%mql m\nlet spins = 0\nwhile (true) { spins++ }")
    # Let the loop start, then press stop.
    time.sleep(1.0)
    stopped = time.monotonic()
    km.interrupt_kernel()
    ename = None
    while True:
        msg = kc.get_iopub_msg(timeout=10)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "error":
            ename = msg["content"]["ename"]
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
    took = time.monotonic() - stopped
    assert ename == "KeyboardInterrupt"
    assert took < 1.0, f"the loop stopped {took:.2f} s after the interrupt"
    print(f"while (true) {{}} stopped {took * 1000:.0f} ms after interrupt_request")
    assert ok(kc, "spins > 0") == "true"
    assert ok(kc, "db.gen.countDocuments({ _id: { $lt: 3 } })") == "3"


def test_the_heap_limit_ends_a_runaway_script_with_a_clear_error(kernel):
    _, kc = kernel
    # Inside a block, so the hoard is garbage once the script ends.
    status, _, error = mql(kc, "{\n  const hoard = []\n  while (true) hoard.push('x'.repeat(1 << 20) + hoard.length)\n}")
    assert status == "error"
    assert error.startswith("RangeError: out of memory"), error
    assert "limit" in error
    assert ok(kc, "'still usable'") == "still usable"


def test_a_loop_of_server_calls_stops_within_a_second(kernel):
    km, kc = kernel
    msg_id = kc.execute("%%mql m\nwhile (true) { db.gen.countDocuments({ even: true }) }")
    time.sleep(1.0)
    stopped = time.monotonic()
    km.interrupt_kernel()
    ename = None
    while True:
        msg = kc.get_iopub_msg(timeout=10)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "error":
            ename = msg["content"]["ename"]
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
    took = time.monotonic() - stopped
    assert ename == "KeyboardInterrupt"
    assert took < 1.0, f"the loop stopped {took:.2f} s after the interrupt"
    print(f"a loop of countDocuments stopped {took * 1000:.0f} ms after interrupt_request")
    assert ok(kc, "db.gen.countDocuments({ even: false })") == "5000"


def test_use_show_await_and_sibling_databases_in_javascript(kernel):
    _, kc = kernel
    shown = ok(kc, "use jsshell_other\nfor (const i of [1, 2]) db.things.insertOne({ _id: i })\nprint(db.getName())\nshow collections")
    assert shown == "switched to db jsshell_other\njsshell_other\nthings", shown
    # The database the JavaScript cell switched to is the session's.
    assert ok(kc, "db.things.countDocuments()") == "2"
    assert ok(kc, "use jsshell") == "switched to db jsshell"
    assert ok(kc, "const n = await db.getSiblingDB('jsshell_other').things.countDocuments();\n`${n} things`") == "2 things"
