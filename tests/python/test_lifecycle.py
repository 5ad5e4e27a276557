"""The kernel's life through jupyter_client, as JupyterLab and nbclient drive it: start,
execute, interrupt a running cell and carry on, restart, shut down with no process left."""
import time

import psutil
import pytest
from jupyter_client.manager import start_new_kernel

TIMEOUT = 30
# Runs until interrupted: SQLite counts an endless recursive CTE.
ENDLESS_SQL = "%%sql\nWITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"


def run(kc, code, timeout=TIMEOUT):
    """Executes code; returns (reply content, outputs) with outputs collected until idle."""
    msg_id = kc.execute(code)
    outputs = []
    while True:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
        if msg["msg_type"] in ("stream", "display_data", "execute_result", "error"):
            outputs.append(msg)
    reply = kc.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=timeout)
    return reply["content"], outputs


@pytest.fixture
def kernel():
    km, kc = start_new_kernel(kernel_name="dbkernel", startup_timeout=30)
    yield km, kc
    kc.stop_channels()
    if km.is_alive():
        km.shutdown_kernel(now=True)


def test_execute_returns_a_result(kernel):
    _, kc = kernel
    reply, outputs = run(kc, "%%sql\nSELECT 1 AS one")
    assert reply["status"] == "ok"
    assert reply["execution_count"] == 1
    result = [o for o in outputs if o["msg_type"] == "execute_result"]
    assert result and "one" in result[0]["content"]["data"]["text/plain"]


def test_interrupt_stops_a_running_cell_and_the_kernel_stays_usable(kernel):
    km, kc = kernel
    msg_id = kc.execute(ENDLESS_SQL)
    # Wait until the cell is really running (its execute_input is out), then press stop.
    while True:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "execute_input":
            break
    time.sleep(0.5)
    started = time.monotonic()
    km.interrupt_kernel()
    reply = kc.get_shell_msg(timeout=TIMEOUT)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=TIMEOUT)
    assert time.monotonic() - started < 5, "interrupt took too long"
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "KeyboardInterrupt"
    # The same connection answers the next cell.
    reply, outputs = run(kc, "%%sql\nSELECT 2 AS two")
    assert reply["status"] == "ok"
    assert any("two" in o["content"]["data"]["text/plain"] for o in outputs if o["msg_type"] == "execute_result")


@pytest.mark.parametrize("setup, endless, after", [
    ("%connect pg postgresql://postgres@127.0.0.1:5432/test", "%%sql pg\nSELECT pg_sleep(60)", "%%sql pg\nSELECT 1"),
    ("%connect maria mysql://root@127.0.0.1:3306/test", "%%sql maria\nSELECT SLEEP(60)", "%%sql maria\nSELECT 1"),
    ("%connect cache redis://127.0.0.1:6379/9", "%%redis cache --timeout 60\nBLPOP dbkernel:lifecycle:never 0",
     "%%redis cache\nPING"),
    ("%%redis\nPING", "%%redis --timeout 60\nSUBSCRIBE dbkernel:lifecycle:nobody", "%%redis\nPING"),
], ids=["postgres", "mariadb", "redis-blpop", "redis-subscribe"])
def test_interrupt_cancels_on_each_server(kernel, setup, endless, after):
    km, kc = kernel
    reply, outputs = run(kc, setup)
    assert reply["status"] == "ok", outputs
    msg_id = kc.execute(endless)
    while True:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "execute_input":
            break
    time.sleep(0.7)
    started = time.monotonic()
    km.interrupt_kernel()
    reply = kc.get_shell_msg(timeout=TIMEOUT)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=TIMEOUT)
    assert time.monotonic() - started < 5, "interrupt took too long"
    assert reply["content"]["status"] == "error"
    assert reply["content"]["ename"] == "KeyboardInterrupt"
    # The same connection answers the next cell.
    reply, outputs = run(kc, after)
    assert reply["status"] == "ok", outputs


def test_restart_gives_a_fresh_kernel(kernel):
    km, kc = kernel
    reply, _ = run(kc, "%set marker = 7")
    assert reply["status"] == "ok"
    old_pid = km.provisioner.pid
    km.restart_kernel(now=False)
    kc.wait_for_ready(timeout=TIMEOUT)
    assert km.provisioner.pid != old_pid
    assert not psutil.pid_exists(old_pid) or psutil.Process(old_pid).status() == psutil.STATUS_ZOMBIE
    reply, outputs = run(kc, "%vars")
    assert reply["status"] == "ok"
    text = "".join(o["content"]["data"]["text/plain"] for o in outputs if o["msg_type"] == "execute_result")
    assert "marker" not in text


def test_shutdown_leaves_no_process(kernel):
    km, kc = kernel
    pid = km.provisioner.pid
    run(kc, "%%sql\nSELECT 1")
    km.shutdown_kernel(now=False)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline and psutil.pid_exists(pid):
        try:
            if psutil.Process(pid).status() == psutil.STATUS_ZOMBIE:
                break
        except psutil.NoSuchProcess:
            break
        time.sleep(0.05)
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert not km.is_alive()


def test_stop_on_error_aborts_queued_cells(kernel):
    _, kc = kernel
    failing = kc.execute("%%sql\nSELECT * FROM missing_table_for_abort_test")
    queued = kc.execute("%%sql\nSELECT 1")
    replies = {}
    while len(replies) < 2:
        msg = kc.get_shell_msg(timeout=TIMEOUT)
        replies[msg["parent_header"]["msg_id"]] = msg["content"]
    assert replies[failing]["status"] == "error"
    assert replies[queued]["status"] == "aborted"
    # Later cells run normally.
    reply, _ = run(kc, "%%sql\nSELECT 1")
    assert reply["status"] == "ok"


def test_silent_and_store_history_rules(kernel):
    _, kc = kernel
    run(kc, "%%sql\nSELECT 1")  # count 1
    msg_id = kc.execute("%%sql\nSELECT 2", silent=True)
    reply = kc.get_shell_msg(timeout=TIMEOUT)
    assert reply["parent_header"]["msg_id"] == msg_id
    assert reply["content"]["execution_count"] == 1
    reply, outputs = run(kc, "%%sql\nSELECT 3")
    assert reply["execution_count"] == 2
