"""Issue 19, progress on long cells: a statement running past a second shows a live line
(display_data with a transient display_id, redrawn with update_display_data) that the
statement's result replaces through the same display id; faster statements output exactly as
before, nbclient keeps only the results, and deterministic (grading) mode shows no progress.

The frontends' side is read from their sources: nbclient's `_update_display_id` rewrites the
data of every output that was shown with that display id, and JupyterLab's OutputArea does the
same on screen; `update_display_data` itself never adds an output.
"""
import os
import time
import uuid

import nbformat
import pytest
from jupyter_client.manager import start_new_kernel
from nbclient import NotebookClient

TIMEOUT = 60
PROGRESS = "⏳"
PG = "postgres://postgres@127.0.0.1:5432/test"
MY = "mysql://root@127.0.0.1:3306/test"


@pytest.fixture(scope="module")
def kernel():
    km, kc = start_new_kernel(kernel_name="dbkernel", startup_timeout=30)
    for name, url in (("pgp", PG), ("myp", MY)):
        errors = [c for k, c, _ in run(kc, f"%connect {name} {url}") if k == "error"]
        assert not errors, errors
    yield km, kc
    kc.stop_channels()
    km.shutdown_kernel(now=True)


def run(kc, code, on_message=None):
    """Every IOPub message of one cell (kind, content, arrival time), up to idle."""
    msg_id = kc.execute(code)
    messages = []
    while True:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "status" and content["execution_state"] == "idle":
            break
        if kind in ("status", "execute_input"):
            continue
        messages.append((kind, content, time.monotonic()))
        if on_message:
            on_message(kind, content)
    kc.get_shell_msg(timeout=TIMEOUT)
    return messages


def saved(messages):
    """The outputs as nbclient keeps them: an update rewrites the outputs of its display id."""
    outputs, by_id = [], {}
    for kind, content, _ in messages:
        display_id = (content.get("transient") or {}).get("display_id")
        if kind == "update_display_data":
            for index in by_id.get(display_id, []):
                outputs[index] = ("display_data", content["data"])
            continue
        if display_id:
            by_id.setdefault(display_id, []).append(len(outputs))
        if kind in ("display_data", "execute_result"):
            outputs.append((kind, content["data"]))
        elif kind == "stream":
            outputs.append(("stream", {"text/plain": content["text"]}))
        elif kind == "error":
            outputs.append(("error", {"text/plain": content["evalue"]}))
    return outputs


def texts(outputs):
    return [data.get("text/plain", "") for _, data in outputs]


def progress_messages(messages):
    return [c for k, c, _ in messages
            if k in ("display_data", "update_display_data")
            and c["data"].get("text/plain", "").startswith(PROGRESS)]


def test_a_slow_statement_shows_progress_replaced_by_its_result(kernel):
    _, kc = kernel
    messages = run(kc, "%%sql pgp\nSELECT pg_sleep(1.6) AS slept, 42 AS answer")
    lines = progress_messages(messages)
    assert lines, messages
    first = lines[0]["data"]["text/plain"]
    assert first.startswith(PROGRESS) and " s" in first, first
    ids = {c["transient"]["display_id"] for c in lines}
    assert len(ids) == 1
    # Redrawn in place, about every 0.5 s, never more than a few times per second.
    redraws = [t for k, c, t in messages if k == "update_display_data"]
    span = messages[-1][2] - messages[0][2]
    assert len(redraws) <= span * 3 + 1, (len(redraws), span)
    # The last message of that id is the result itself; nothing else carries the result.
    last = [c for k, c, _ in messages if (c.get("transient") or {}).get("display_id") in ids][-1]
    assert "answer" in last["data"]["text/plain"] and "42" in last["data"]["text/plain"]
    assert "text/html" in last["data"]
    assert not [k for k, _, _ in messages if k == "execute_result"]
    kept = texts(saved(messages))
    assert len(kept) == 1 and "42" in kept[0] and PROGRESS not in kept[0], kept


def test_a_fast_statement_outputs_as_before(kernel):
    _, kc = kernel
    messages = run(kc, "%%sql pgp\nSELECT 7 AS seven")
    assert [k for k, _, _ in messages] == ["execute_result"]
    assert not (messages[0][1].get("transient") or {}).get("display_id")


def test_several_statements_name_the_running_one(kernel):
    _, kc = kernel
    messages = run(kc, "%%sql pgp\nSELECT 1 AS a;\nSELECT pg_sleep(1.4) AS b;\nSELECT 3 AS c;")
    lines = [c["data"]["text/plain"] for c in progress_messages(messages)]
    assert lines and all("statement 2 of 3" in line for line in lines), lines
    kept = texts(saved(messages))
    assert len(kept) == 3, kept
    assert [t.split("\n")[0].strip() for t in kept] == ["a", "b", "c"], kept
    assert not any(PROGRESS in t for t in kept)


def test_rows_received_so_far_are_counted(kernel):
    _, kc = kernel
    # Rows stream while the server sleeps between them (wide enough that the server's 8 kB
    # output buffer goes out every few rows): the count shows before the end.
    messages = run(kc, "%%sql pgp --limit 5\n"
                       "SELECT g, repeat('x', 1000) AS pad, pg_sleep(0.005) FROM generate_series(1, 400) g")
    lines = [c["data"]["text/plain"] for c in progress_messages(messages)]
    assert any("rows so far" in line for line in lines), lines
    assert not any(PROGRESS in t for t in texts(saved(messages)))


def test_mariadb_sleep_shows_progress(kernel):
    _, kc = kernel
    messages = run(kc, "%%sql myp\nSELECT SLEEP(1.5) AS s, 'done' AS d")
    assert progress_messages(messages)
    kept = texts(saved(messages))
    assert len(kept) == 1 and "done" in kept[0] and PROGRESS not in kept[0], kept


def test_a_failing_slow_statement_leaves_no_progress_line(kernel):
    _, kc = kernel
    messages = run(kc, "%%sql pgp\nSELECT 1 / (SELECT 0 FROM pg_sleep(1.3)) AS boom")
    assert progress_messages(messages)
    kept = saved(messages)
    assert not any(PROGRESS in t for t in texts(kept)), kept
    assert kept[-1][0] == "error" and "division by zero" in kept[-1][1]["text/plain"]
    # The line's display was emptied, not left behind.
    assert [k for k, _ in kept if k == "display_data"] == ["display_data"]
    assert kept[0][1] == {}


def test_the_stop_button_during_progress_removes_the_line(kernel):
    km, kc = kernel
    stopped = []

    def interrupt_on_progress(kind, content):
        if not stopped and content.get("data", {}).get("text/plain", "").startswith(PROGRESS):
            stopped.append(time.monotonic())
            km.interrupt_kernel()

    started = time.monotonic()
    messages = run(kc, "%%sql pgp\nSELECT pg_sleep(20)", interrupt_on_progress)
    assert stopped and time.monotonic() - started < 5
    kept = saved(messages)
    assert not any(PROGRESS in t for t in texts(kept)), kept
    assert kept[-1][0] == "error"
    # The kernel goes on.
    after = run(kc, "%%sql pgp\nSELECT 'still here' AS s")
    assert "still here" in texts(saved(after))[0]


def test_deterministic_mode_shows_no_progress(kernel):
    _, kc = kernel
    run(kc, "%config deterministic = true")
    try:
        messages = run(kc, "%%sql pgp\nSELECT pg_sleep(1.3) AS slept")
    finally:
        run(kc, "%config deterministic = false")
    assert not progress_messages(messages)
    assert [k for k, _, _ in messages] == ["execute_result"]


def test_nbclient_saves_only_the_results(tmp_path):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell(f"%connect pgp {PG}"),
        nbformat.v4.new_code_cell("%%sql pgp\nSELECT 1 AS quick;\nSELECT pg_sleep(1.5) AS slow, 'ok' AS status;"),
        nbformat.v4.new_code_cell("%%sql pgp\nSELECT 2 AS after"),
    ]
    NotebookClient(nb, kernel_name="dbkernel", timeout=TIMEOUT, resources={"metadata": {"path": str(tmp_path)}}).execute()
    path = tmp_path / "progress.ipynb"
    nbformat.write(nb, str(path))
    text = path.read_text()
    assert PROGRESS not in text and "so far" not in text
    slow = nb.cells[1].outputs
    assert len(slow) == 2, slow
    assert "quick" in slow[0]["data"]["text/plain"]
    assert "ok" in slow[1]["data"]["text/plain"] and "text/html" in slow[1]["data"]
    assert nb.cells[2].outputs[0]["output_type"] == "execute_result"


def test_a_slow_embedded_mongodb_cell_is_replaced_by_its_documents(kernel):
    _, kc = kernel
    # The server-side sleep (mongod's JavaScript global) makes the command take 1.6 s.
    messages = run(kc, "%%mql\ndb.aggregate([{$documents: [{n: 1}]}, "
                       "{$set: {slept: {$function: {body: 'function() { sleep(1600); return true }', args: [], lang: 'js'}}}}])")
    kept = texts(saved(messages))
    assert len(kept) == 1 and "slept: true" in kept[0] and PROGRESS not in kept[0], kept
    shown = progress_messages(messages)
    assert shown, "a 1.6 s %%mql cell shows its progress line"
    for line in shown:
        assert "statement" not in line["data"]["text/plain"]


def test_no_cpu_is_spent_on_progress_while_waiting_or_idle(kernel):
    km, kc = kernel
    pid = km.provisioner.process.pid
    tick = os.sysconf("SC_CLK_TCK")

    def cpu_seconds():
        fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / tick

    before, started = cpu_seconds(), time.monotonic()
    messages = run(kc, "%%sql pgp\nSELECT pg_sleep(3) AS waited")
    busy = (cpu_seconds() - before) / (time.monotonic() - started)
    assert progress_messages(messages)
    before, started = cpu_seconds(), time.monotonic()
    time.sleep(2)
    idle = (cpu_seconds() - before) / (time.monotonic() - started)
    # The timer wakes four times a second while a statement runs, and not at all after.
    assert busy < 0.05, busy
    assert idle < 0.01, idle
