"""SQL over kept results through jupyter_client, as a notebook front end drives it: the stop
button ends a long query on the `results` connection within a second and the kernel carries on;
`%del` and `%vars` parse and answer as the help says; `{{name}}` on another SQL connection is
refused with the way to the `results` connection."""
import time

import pytest
from jupyter_client.manager import start_new_kernel

TIMEOUT = 30


def run(kc, code, timeout=TIMEOUT):
    """Executes code; returns (reply content, outputs as text) with outputs collected until idle."""
    msg_id = kc.execute(code)
    texts = []
    while True:
        msg = kc.get_iopub_msg(timeout=timeout)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            break
        content = msg["content"]
        if msg["msg_type"] in ("display_data", "execute_result"):
            texts.append(content["data"].get("text/plain", ""))
        elif msg["msg_type"] == "stream":
            texts.append(content["text"])
        elif msg["msg_type"] == "error":
            texts.append("\n".join(content["traceback"]))
    reply = kc.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=timeout)
    return reply["content"], "\n".join(texts)


@pytest.fixture
def kernel():
    km, kc = start_new_kernel(kernel_name="dbkernel", startup_timeout=30)
    yield km, kc
    kc.stop_channels()
    if km.is_alive():
        km.shutdown_kernel(now=True)


def test_the_stop_button_ends_a_query_over_kept_results_within_a_second(kernel):
    km, kc = kernel
    reply, text = run(kc, "%%sql --out t\nSELECT 1 AS x UNION ALL SELECT 2")
    assert reply["status"] == "ok", text
    msg_id = kc.execute(
        "%%sql results\nWITH RECURSIVE c(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM c) SELECT count(*) FROM c, t"
    )
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
    assert time.monotonic() - started < 1.0, "interrupt took too long"
    assert reply["content"]["ename"] == "KeyboardInterrupt"
    reply, text = run(kc, "%%sql results\nSELECT sum(x) AS total FROM t")
    assert reply["status"] == "ok" and "3" in text, text


def test_del_and_vars_through_the_kernel(kernel):
    _, kc = kernel
    reply, text = run(kc, "%set a = 1\n%set b = 'two'\n%%sql --out c\nSELECT 1 AS id")
    assert reply["status"] == "ok", text
    reply, text = run(kc, "%vars")
    assert "c                table        1 rows × 1 columns" in text, text
    assert "default (%%sql): SELECT 1 AS id" in text and "columns: id integer" in text, text
    reply, text = run(kc, "%del a zzz")
    assert reply["status"] == "error" and "no variable named zzz; nothing was removed" in text, text
    reply, text = run(kc, "%del --force a")
    assert reply["status"] == "error" and "unknown option --force" in text, text
    reply, text = run(kc, "%del a b")
    assert reply["status"] == "ok" and "removed 2 variables: a, b" in text, text
    reply, text = run(kc, "%del -a\n%vars")
    assert reply["status"] == "ok" and "no variables yet" in text, text


def test_braces_on_another_sql_connection_say_where_kept_results_are_queried(kernel):
    _, kc = kernel
    reply, text = run(kc, "%%sql --out people\nSELECT 'Ada' AS name")
    assert reply["status"] == "ok", text
    reply, text = run(kc, "SELECT * FROM {{people}}")
    assert reply["status"] == "error", text
    assert "{{people}} is a kept table result" in text and "%%sql results" in text, text
    reply, text = run(kc, "%%sql results\nSELECT name FROM {{people}}")
    assert reply["status"] == "ok" and "Ada" in text, text
