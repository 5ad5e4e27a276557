"""Reliability under faults (issue 13), end to end through jupyter_client.

Panics below a cell, an idle kernel that stays idle, a client that dies, servers that restart
under a session, a connection cut in the middle of a result, bad input of every kind, secrets
that must never be shown or logged, and replayed or oversized protocol messages.

Every target is on the loopback interface. The servers that are restarted or configured with a
password are PRIVATE ones this file starts (initdb + pg_ctl, redis-server) on free ports; the
shared services (PostgreSQL 5432, MariaDB 3306, Redis 6379) are only read from, or written under
keys and temp tables of this file's own. Expected messages are the servers' own texts (PostgreSQL,
Redis, the OS) or what the issue asks for. Under CI=true a missing service or binary is a
failure, never a skip.
"""
import glob
import hashlib
import hmac
import json
import os
import queue
import re
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import uuid

import psutil
import pytest
import zmq
from jupyter_client.manager import start_new_kernel

TIMEOUT = 30
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
# Debian/Ubuntu keep the server binaries (initdb, pg_ctl) off PATH, one folder per major version.
PG_BINS = sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                 key=lambda d: int(os.path.basename(os.path.dirname(d)) or 0) if
                 os.path.basename(os.path.dirname(d)).isdigit() else 0, reverse=True)
SHARED_PG = "postgresql://postgres@127.0.0.1:5432/test"
SHARED_MARIA = "mysql://root@127.0.0.1:3306/test"
SHARED_REDIS = "redis://127.0.0.1:6379"


# ----------------------------------------------------------------------------------------------
# helpers


def missing(what):
    """A missing service or binary: a failure under CI, a skip on a laptop."""
    if IN_CI:
        pytest.fail(f"{what} (CI=true: required)")
    pytest.skip(what)


def require_port(port, name):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError as e:
        missing(f"{name} is not reachable at 127.0.0.1:{port}: {e}")


def find_binary(name, extra_dirs=()):
    for d in extra_dirs:
        p = os.path.join(d, name)
        if os.access(p, os.X_OK):
            return p
    p = shutil.which(name)
    if p is None:
        missing(f"no {name} binary on this machine")
    return p


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_kernel(env=None, **kw):
    full_env = dict(os.environ)
    full_env.update(env or {})
    return start_new_kernel(kernel_name="dbkernel", startup_timeout=TIMEOUT, env=full_env, **kw)


def stop_kernel(km, kc):
    try:
        kc.stop_channels()
    finally:
        if km.is_alive():
            km.shutdown_kernel(now=True)


def wait_reply(kc, msg_id, timeout=TIMEOUT):
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"no execute_reply within {timeout} s")
        reply = kc.get_shell_msg(timeout=left)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply["content"]


def collect(kc, msg_id, timeout=TIMEOUT):
    """Outputs of one request until its idle status."""
    outputs = []
    deadline = time.monotonic() + timeout
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            raise AssertionError(f"the kernel did not go idle within {timeout} s")
        msg = kc.get_iopub_msg(timeout=left)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
            return outputs
        if msg["msg_type"] in ("stream", "display_data", "execute_result", "error", "update_display_data"):
            outputs.append(msg)


def run(kc, code, timeout=TIMEOUT):
    """(reply content, outputs, text of everything shown, seconds)."""
    started = time.monotonic()
    msg_id = kc.execute(code)
    try:
        outputs = collect(kc, msg_id, timeout)
        reply = wait_reply(kc, msg_id, timeout)
    except (AssertionError, queue.Empty) as e:
        raise AssertionError(f"cell {code[:200]!r}: no answer within {timeout} s ({e or 'timed out'})") from None
    return reply, outputs, text_of(outputs, reply), time.monotonic() - started


def text_of(outputs, reply=None):
    """Everything a user sees: text/plain of results, streams, error names, values, tracebacks."""
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
    if reply is not None and reply.get("status") == "error":
        parts.append(f"{reply.get('ename')}: {reply.get('evalue')}")
    return "\n".join(parts)


def everything_in(outputs, reply):
    """Every byte a client received for a request (all MIME types, metadata), for secret checks."""
    return json.dumps([o["content"] for o in outputs] + [reply])


def ok(reply, text, what):
    assert reply["status"] == "ok", f"{what}: expected status ok, got {reply.get('status')} ({reply.get('ename')}): {text}"


def failed(reply, text, what):
    assert reply["status"] == "error", f"{what}: expected an error, got status {reply.get('status')}: {text}"


def expect_re(pattern, text, what, flags=re.IGNORECASE | re.DOTALL):
    assert re.search(pattern, text, flags), f"{what}: expected /{pattern}/ in the output, got: {text[:3000]!r}"


def fails_with(kc, code, what, pattern):
    """Runs `code`, which must fail with output matching `pattern`."""
    reply, _, text, _ = run(kc, code)
    failed(reply, text, what)
    expect_re(pattern, text, what)


def as_user(cmd, owner):
    """PostgreSQL refuses to run as root: run its tools as the directory's owner when we are root."""
    if os.geteuid() == 0:
        return ["runuser", "-u", owner, "--"] + cmd
    return cmd


# ----------------------------------------------------------------------------------------------
# private servers (never the shared ones)


class PrivatePostgres:
    """initdb into a temp dir, trust for everyone except role `pwuser` (scram password)."""

    ROLE, PASSWORD = "pwuser", "Right-Pw-31"

    def __init__(self):
        self.initdb = find_binary("initdb", PG_BINS)
        self.pg_ctl = find_binary("pg_ctl", PG_BINS)
        self.psql = find_binary("psql", PG_BINS)
        self.dir = tempfile.mkdtemp(prefix="dbkernel-faults-pg-")
        self.data = os.path.join(self.dir, "data")
        self.port = free_port()
        self.owner = "postgres" if os.geteuid() == 0 else None
        if self.owner:
            shutil.chown(self.dir, user=self.owner)
        owner = self.owner or ""
        self._run([self.initdb, "-D", self.data, "-U", "postgres", "--auth=trust", "-E", "UTF8",
                   "--no-sync", "--no-instructions"], owner)
        with open(os.path.join(self.data, "pg_hba.conf"), "w") as f:
            f.write("local all all trust\n"
                    f"host all {self.ROLE} 127.0.0.1/32 scram-sha-256\n"
                    "host all all 127.0.0.1/32 trust\n")
        if self.owner:
            shutil.chown(os.path.join(self.data, "pg_hba.conf"), user=self.owner)
        self.start()
        self._run([self.psql, "-h", self.dir, "-p", str(self.port), "-U", "postgres", "-d", "postgres", "-qc",
                   f"CREATE ROLE {self.ROLE} LOGIN PASSWORD '{self.PASSWORD}'"], owner)

    def _run(self, cmd, owner=None, timeout=60):
        cmd = as_user(cmd, owner) if owner else cmd
        done = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        assert done.returncode == 0, f"{' '.join(cmd)} failed: {done.stdout}{done.stderr}"

    def _options(self):
        return f"-p {self.port} -k {self.dir} -c listen_addresses=127.0.0.1 -c fsync=off"

    def start(self):
        self._run([self.pg_ctl, "-D", self.data, "-l", os.path.join(self.dir, "log"), "-w", "-t", "30",
                   "-o", self._options(), "start"], self.owner)

    def restart(self):
        self._run([self.pg_ctl, "-D", self.data, "-l", os.path.join(self.dir, "log"), "-w", "-t", "30",
                   "-m", "fast", "-o", self._options(), "restart"], self.owner)

    def close(self):
        subprocess.run(as_user([self.pg_ctl, "-D", self.data, "-m", "immediate", "-w", "stop"], self.owner)
                       if self.owner else [self.pg_ctl, "-D", self.data, "-m", "immediate", "-w", "stop"],
                       capture_output=True, timeout=60)
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, user="postgres", password=None):
        auth = f"{user}:{password}" if password is not None else user
        return f"postgresql://{auth}@127.0.0.1:{self.port}/postgres"


class PrivateRedis:
    def __init__(self, password=None):
        self.binary = find_binary("redis-server")
        self.port = free_port()
        self.password = password
        self.dir = tempfile.mkdtemp(prefix="dbkernel-faults-redis-")
        self.proc = None
        self.start()

    def start(self):
        cmd = [self.binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
               "--dir", self.dir]
        if self.password:
            cmd += ["--requirepass", self.password]
        self.proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise AssertionError(f"the private redis-server on port {self.port} did not start")

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(10)

    def restart(self):
        self.kill()
        self.start()

    def close(self):
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)

    def url(self, password=None):
        return f"redis://:{password}@127.0.0.1:{self.port}" if password else f"redis://127.0.0.1:{self.port}"


@pytest.fixture(scope="module")
def private_pg():
    pg = PrivatePostgres()
    yield pg
    pg.close()


@pytest.fixture
def private_redis():
    r = PrivateRedis()
    yield r
    r.close()


@pytest.fixture(scope="module")
def locked_redis():
    r = PrivateRedis(password="R3dis-Secret-77")
    yield r
    r.close()


@pytest.fixture(scope="module")
def kernel():
    """One kernel for the quick checks (fault injection on)."""
    km, kc = start_kernel({"DBKERNEL_FAULT_INJECTION": "1"})
    yield km, kc
    stop_kernel(km, kc)


@pytest.fixture
def fresh_kernel():
    km, kc = start_kernel({"DBKERNEL_FAULT_INJECTION": "1"})
    yield km, kc
    stop_kernel(km, kc)


# ----------------------------------------------------------------------------------------------
# 1. panic containment


def test_a_panic_is_contained_and_every_engine_works_after_it(kernel):
    require_port(6379, "Redis")
    _, kc = kernel
    reply, outputs, text, _ = run(kc, "%panic boom")
    assert reply["status"] == "error" and reply["ename"] == "InternalError", \
        f"%panic: expected execute_reply status error with ename InternalError, got {reply}"
    errors = [o["content"] for o in outputs if o["msg_type"] == "error"]
    assert errors and errors[0]["ename"] == "InternalError", f"%panic: expected an InternalError error output, got {outputs}"
    expect_re(r"boom", text, "%panic boom: the panic's message")
    expect_re(r"still running", text, "%panic: says the kernel lives on")

    reply, _, text, _ = run(kc, "%%sql\nSELECT 40 + 2 AS answer")
    ok(reply, text, "SQL after a panic")
    expect_re(r"\b42\b", text, "SQL after a panic")
    key = f"dbkernel:test:faults:{uuid.uuid4().hex}"
    reply, _, text, _ = run(kc, f"%%redis\nSET {key} after-panic EX 60\nGET {key}")
    ok(reply, text, "Redis after a panic")
    expect_re(r"after-panic", text, "Redis after a panic")
    reply, _, text, _ = run(kc, "%%mql\ndb.faults_panic.insertOne({n: 7}); db.faults_panic.findOne({}, {_id: 0})")
    ok(reply, text, "MQL after a panic")
    expect_re(r"n:\s*7", text, "MQL after a panic")


# ----------------------------------------------------------------------------------------------
# 2. idle means idle


def cpu_seconds(proc):
    """CPU time of the process (all its threads) and of its children."""
    total = 0.0
    for p in [proc] + proc.children(recursive=True):
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def test_an_idle_kernel_uses_no_cpu(fresh_kernel):
    require_port(6379, "Redis")
    km, kc = fresh_kernel
    for code in ["%%sql\nSELECT 1 AS one", "%%mql\ndb.x.insertOne({a:1}); db.x.findOne()", "%%redis\nPING"]:
        reply, _, text, _ = run(kc, code)
        ok(reply, text, code)
    proc = psutil.Process(km.provisioner.pid)
    time.sleep(0.5)  # let the last reply's work settle
    before, started = cpu_seconds(proc), time.monotonic()
    time.sleep(5)
    used, elapsed = cpu_seconds(proc) - before, time.monotonic() - started
    share = used / elapsed
    rss = proc.memory_info().rss + sum(c.memory_info().rss for c in proc.children(recursive=True))
    assert share < 0.05, (f"idle for {elapsed:.1f} s after SQL, MQL and Redis cells: expected below 5% of one core, "
                          f"used {used:.2f} s CPU = {share:.1%} (threads: {proc.num_threads()}); "
                          f"RSS after idle {rss / 2**20:.1f} MiB")
    print(f"idle kernel: {share:.2%} of one core, RSS {rss / 2**20:.1f} MiB")


# ----------------------------------------------------------------------------------------------
# 3. the client goes away


def test_the_kernel_exits_when_its_parent_is_gone():
    require_port(6379, "Redis")
    parent = subprocess.Popen(["sleep", "30"])
    km = kc = None
    try:
        env = dict(os.environ, JPY_PARENT_PID=str(parent.pid))
        km, kc = start_new_kernel(kernel_name="dbkernel", startup_timeout=TIMEOUT, env=env, independent=True)
        reply, _, text, _ = run(kc, "%%redis\nPING")
        ok(reply, text, "%%redis before the parent dies")
        reply, _, text, _ = run(kc, "%%sql\nSELECT 1 AS one")
        ok(reply, text, "%%sql before the parent dies")
        kernel = psutil.Process(km.provisioner.pid)
        children = kernel.children(recursive=True)
        parent.kill()
        parent.wait(5)
        started = time.monotonic()
        try:
            kernel.wait(timeout=5)
        except psutil.TimeoutExpired:
            pytest.fail(f"the parent {parent.pid} (JPY_PARENT_PID) was killed: expected the kernel to exit within 5 s, "
                        f"it is still running after {time.monotonic() - started:.1f} s")
        left = [c for c in children if c.is_running() and c.status() != psutil.STATUS_ZOMBIE]
        assert not left, f"the kernel exited but left child processes running: {[(c.pid, c.name()) for c in left]}"
    finally:
        if parent.poll() is None:
            parent.kill()
        if kc is not None:
            kc.stop_channels()
        if km is not None and km.is_alive():
            km.shutdown_kernel(now=True)


def shared_psql(sql):
    psql = find_binary("psql", PG_BINS)
    done = subprocess.run([psql, "-h", "127.0.0.1", "-p", "5432", "-U", "postgres", "-d", "test", "-Atc", sql],
                          capture_output=True, text=True, timeout=30)
    assert done.returncode == 0, f"psql {sql!r} failed: {done.stderr}"
    return done.stdout.strip()


def test_shutdown_closes_connections_and_rolls_back_open_transactions():
    require_port(5432, "PostgreSQL")
    table = f"faults_shutdown_{uuid.uuid4().hex[:8]}"
    km, kc = start_kernel()
    try:
        reply, _, text, _ = run(kc, f"%connect sd {SHARED_PG}")
        ok(reply, text, "%connect sd")
        reply, _, text, _ = run(kc, "%%sql sd\nSELECT pg_backend_pid() AS backend")
        ok(reply, text, "pg_backend_pid()")
        backend = int(re.search(r"^\s*(\d+)\s*$", text, re.MULTILINE).group(1))
        reply, _, text, _ = run(kc, f"%%sql sd\nBEGIN;\nCREATE TABLE {table}(x int);\nINSERT INTO {table} VALUES (1)")
        ok(reply, text, "BEGIN; CREATE TABLE; INSERT")
        km.shutdown_kernel(now=False)  # a shutdown_request, as JupyterLab sends
        deadline = time.monotonic() + 5
        while shared_psql(f"SELECT count(*) FROM pg_stat_activity WHERE pid = {backend}") != "0":
            assert time.monotonic() < deadline, f"backend {backend} still connected 5 s after the kernel's shutdown"
            time.sleep(0.1)
        assert shared_psql(f"SELECT to_regclass('{table}') IS NULL") == "t", \
            f"the open transaction was committed on shutdown: table {table} exists; expected it rolled back"
        # The shutdown said what it rolled back (a stream on IOPub, under the shutdown request).
        said = []
        while True:
            try:
                msg = kc.get_iopub_msg(timeout=1)
            except queue.Empty:
                break
            if msg["msg_type"] == "stream":
                said.append(msg["content"]["text"])
        expect_re(r"rolled back.{0,200}\bsd\b", "".join(said), "the shutdown names the connection whose transaction it rolled back")
    finally:
        shared_psql(f"DROP TABLE IF EXISTS {table}")
        stop_kernel(km, kc)


# ----------------------------------------------------------------------------------------------
# 4. servers that go away and come back


def start_cell(kc, code):
    """Sends a cell and waits until it is running (its execute_input is out)."""
    msg_id = kc.execute(code)
    while True:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "execute_input":
            return msg_id


def finish_cell(kc, msg_id, timeout=TIMEOUT):
    outputs = collect(kc, msg_id, timeout)
    reply = wait_reply(kc, msg_id, timeout)
    return reply, outputs, text_of(outputs, reply)


def test_postgres_restarts_under_a_session(fresh_kernel, private_pg):
    _, kc = fresh_kernel
    reply, _, text, _ = run(kc, f"%connect p {private_pg.url()}")
    ok(reply, text, "%connect to the private PostgreSQL")
    reply, _, text, _ = run(kc, "%%sql p\nSELECT 1 AS before_restart")
    ok(reply, text, "a cell before the restart")

    # A plain restart between cells: the next cell reconnects by itself and runs.
    private_pg.restart()
    reply, _, text, _ = run(kc, "%%sql p\nSELECT 6 * 7 AS after_restart")
    ok(reply, text, "the first cell after a restart between cells (expected a silent or noted reconnect)")
    expect_re(r"after_restart.*\b42\b", text, "the first cell after a restart")

    # A cell running while the server restarts fails at once with a clear message.
    msg_id = start_cell(kc, "%%sql p\nSELECT pg_sleep(10)")
    time.sleep(0.5)
    restarted = time.monotonic()
    private_pg.restart()
    reply, _, text = finish_cell(kc, msg_id)
    waited = time.monotonic() - restarted
    failed(reply, text, "pg_sleep(10) while the server restarts")
    assert waited < 6, f"pg_sleep(10) during a restart: expected the cell to fail within a few seconds, took {waited:.1f} s"
    # PostgreSQL's fast shutdown ends sessions with 57P01 "terminating connection due to administrator command".
    expect_re(r"administrator command|connection.{0,80}(lost|closed|reset|terminat)", text,
              "a cell cut by the restart names the lost connection")
    reply, _, text, _ = run(kc, "%%sql p\nSELECT 'back' AS state")
    ok(reply, text, "the cell after the interrupted one")
    expect_re(r"\bback\b", text, "the cell after the interrupted one")

    # A transaction in flight is reported lost, not silently replaced by a fresh session.
    reply, _, text, _ = run(kc, "%%sql p\nBEGIN;\nCREATE TEMP TABLE faults_inflight(x int);\nINSERT INTO faults_inflight VALUES (1)")
    ok(reply, text, "BEGIN; CREATE TEMP TABLE; INSERT")
    private_pg.restart()
    reply, _, text, _ = run(kc, "%%sql p\nSELECT count(*) AS n FROM faults_inflight")
    shown = text
    expect_re(r"transaction.{0,200}(lost|rolled back)|(lost|rolled back).{0,200}transaction|session state.{0,40}lost",
              shown, "the first cell after a restart inside BEGIN must say the transaction was lost")
    # The server really dropped it: the temp table is gone in the new session.
    reply, _, text, _ = run(kc, "%%sql p\nSELECT CASE WHEN to_regclass('faults_inflight') IS NULL THEN 'table-gone' "
                                "ELSE 'table-still-there' END AS state")
    ok(reply, text, "a cell after the lost transaction")
    expect_re(r"table-gone", text, "the temp table of the lost transaction no longer exists")


def connections_line(text, name):
    lines = [line for line in text.splitlines() if re.match(rf"^\*?\s*{re.escape(name)}\s", line)]
    return lines[0] if lines else ""


def test_connections_shows_the_state_of_open_transactions(kernel):
    """What a restart or shutdown would roll back is visible beforehand in %connections."""
    require_port(5432, "PostgreSQL")
    _, kc = kernel
    name = "tx" + uuid.uuid4().hex[:6]
    reply, _, text, _ = run(kc, f"%connect {name} {SHARED_PG}")
    ok(reply, text, f"%connect {name}")
    reply, _, text, _ = run(kc, f"%%sql {name}\nBEGIN;\nCREATE TEMP TABLE faults_tx(x int)")
    ok(reply, text, "BEGIN; CREATE TEMP TABLE")
    _, _, text, _ = run(kc, "%connections")
    line = connections_line(text, name)
    # PostgreSQL reports the session as in a transaction block (ReadyForQuery status 'T').
    expect_re(r"\[[^\]]*transaction[^\]]*\]", line, f"%connections shows [state] of {name}'s open transaction")
    run(kc, f"%%sql {name}\nSELEC")
    _, _, text, _ = run(kc, "%connections")
    line = connections_line(text, name)
    # After an error inside it, the transaction is aborted (status 'E') until ROLLBACK.
    expect_re(r"\[[^\]]*(failed|aborted)[^\]]*\]", line, f"%connections shows {name}'s transaction as failed")
    reply, _, text, _ = run(kc, f"%%sql {name}\nROLLBACK")
    ok(reply, text, "ROLLBACK")
    _, _, text, _ = run(kc, "%connections")
    line = connections_line(text, name)
    assert line and "[" not in line, f"after ROLLBACK, expected {name} listed with no transaction state, got {line!r}"


def test_redis_restarts_under_a_session(fresh_kernel, private_redis):
    _, kc = fresh_kernel
    reply, _, text, _ = run(kc, f"%connect r {private_redis.url()}")
    ok(reply, text, "%connect to the private redis-server")
    reply, _, text, _ = run(kc, "%%redis r\nSET faults:k before")
    ok(reply, text, "a cell before the restart")
    expect_re(r"\bOK\b", text, "SET before the restart")

    private_redis.restart()
    reply, _, text, _ = run(kc, "%%redis r\nPING")
    ok(reply, text, "the first cell after redis-server restarted between cells")
    expect_re(r"\bPONG\b", text, "PING after the restart")
    # Nothing persisted (--save ""): the server really restarted.
    reply, _, text, _ = run(kc, "%%redis r\nEXISTS faults:k")
    ok(reply, text, "EXISTS after the restart")
    expect_re(r"\(integer\) 0|^0$", text, "the key is gone after a restart without persistence", re.MULTILINE)

    # A blocking command running when the server goes away fails at once with a clear message.
    msg_id = start_cell(kc, "%%redis r\nBLPOP faults:never 10")
    time.sleep(0.5)
    killed = time.monotonic()
    private_redis.kill()
    reply, _, text = finish_cell(kc, msg_id)
    waited = time.monotonic() - killed
    private_redis.start()
    failed(reply, text, "BLPOP while redis-server is killed")
    assert waited < 5, f"BLPOP during a server kill: expected the cell to fail within a few seconds, took {waited:.1f} s"
    expect_re(r"connection|closed|reset|broken pipe|unexpected end|EOF", text, "BLPOP cut by the kill names the lost connection")
    reply, _, text, _ = run(kc, "%%redis r\nPING")
    ok(reply, text, "the cell after the failed BLPOP")
    expect_re(r"\bPONG\b", text, "PING after the failed BLPOP")

    # A MULTI in flight is reported lost.
    reply, _, text, _ = run(kc, "%%redis r\nMULTI\nSET faults:m 1")
    ok(reply, text, "MULTI; SET (queued)")
    private_redis.restart()
    reply, _, text, _ = run(kc, "%%redis r\nEXEC")
    expect_re(r"(MULTI|transaction).{0,200}(lost|discarded)|(lost|discarded).{0,200}(MULTI|transaction)", text,
              "EXEC after a restart inside MULTI must say the transaction was lost")
    reply, _, text, _ = run(kc, "%%redis r\nEXISTS faults:m")
    ok(reply, text, "a cell after the lost MULTI")
    expect_re(r"\(integer\) 0|^0$", text, "the queued SET never ran", re.MULTILINE)


# ----------------------------------------------------------------------------------------------
# 5. a connection cut in the middle of a result


class CuttingProxy:
    """Loopback TCP proxy to 127.0.0.1:`target`. While `cut_after` is set, the first connection
    that has carried that many bytes from the server is cut (both sides closed); the proxy then
    passes everything."""

    def __init__(self, target_port, cut_after):
        self.target_port = target_port
        self.cut_after = cut_after
        self.cuts = 0
        self.listener = socket.socket()
        self.listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(16)
        self.port = self.listener.getsockname()[1]
        self.closed = False
        self.sockets = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                client, _ = self.listener.accept()
            except OSError:
                return
            server = socket.create_connection(("127.0.0.1", self.target_port))
            self.sockets += [client, server]
            threading.Thread(target=self._pump, args=(client, server, False), daemon=True).start()
            threading.Thread(target=self._pump, args=(server, client, True), daemon=True).start()

    def _pump(self, src, dst, from_server):
        sent = 0
        try:
            while True:
                data = src.recv(65536)
                if not data:
                    break
                if from_server and self.cut_after is not None and sent + len(data) > self.cut_after:
                    dst.sendall(data[: max(0, self.cut_after - sent)])
                    self.cut_after = None
                    self.cuts += 1
                    break
                dst.sendall(data)
                sent += len(data)
        except OSError:
            pass
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            s.close()

    def close(self):
        self.closed = True
        self.listener.close()
        for s in self.sockets:
            try:
                s.close()
            except OSError:
                pass


def test_a_connection_cut_mid_result_fails_the_cell_and_the_next_cell_works(fresh_kernel):
    require_port(5432, "PostgreSQL")
    _, kc = fresh_kernel
    proxy = CuttingProxy(5432, cut_after=2 * 2**20)
    try:
        reply, _, text, _ = run(kc, f"%connect cut postgresql://postgres@127.0.0.1:{proxy.port}/test")
        ok(reply, text, "%connect through the proxy")
        reply, _, text, took = run(kc, "%%sql cut\nSELECT g, repeat('x',100) FROM generate_series(1,200000) g", timeout=60)
        assert proxy.cuts == 1, f"the proxy should have cut the connection after 2 MiB, cuts: {proxy.cuts}"
        failed(reply, text, "a 22 MB result whose connection is cut after 2 MiB")
        assert took < 20, f"the cut cell: expected a prompt failure, took {took:.1f} s"
        expect_re(r"connection.{0,120}(lost|closed|reset|EOF|unexpected)|(lost|closed|reset).{0,40}connection", text,
                  "the cut cell names the lost connection")
        reply, _, text, _ = run(kc, "%%sql cut\nSELECT count(*) AS n FROM generate_series(1,200000)", timeout=60)
        ok(reply, text, "the cell after the cut (the proxy now passes everything)")
        expect_re(r"\b200000\b", text, "the cell after the cut")
    finally:
        proxy.close()


# ----------------------------------------------------------------------------------------------
# 6. bad input


def test_unknown_magic(kernel):
    _, kc = kernel
    reply, _, text, _ = run(kc, "%nosuch")
    failed(reply, text, "%nosuch")
    expect_re(r"unknown.{0,40}%nosuch", text, "%nosuch names the unknown magic")
    expect_re(r"%connect", text, "%nosuch lists the known magics")


def test_bad_cell_option(kernel):
    _, kc = kernel
    reply, _, text, _ = run(kc, "%%sql --nosuch\nSELECT 1")
    failed(reply, text, "%%sql --nosuch")
    expect_re(r"unknown option.{0,20}--nosuch", text, "%%sql --nosuch names the option")
    expect_re(r"--limit", text, "%%sql --nosuch lists the valid options")


def test_malformed_url_says_so_with_the_expected_shape(kernel):
    _, kc = kernel
    reply, _, text, took = run(kc, "%connect x postgres:/127.0.0.1/test")
    failed(reply, text, "%connect with a one-slash URL")
    assert took < 5, f"a malformed URL must be refused without connecting, took {took:.1f} s"
    expect_re(r"malformed", text, "a one-slash URL is reported as malformed")
    expect_re(r"postgres(ql)?://", text, "the message shows the expected shape scheme://user@host:port/database")


class SilentServer:
    """Accepts connections and never sends a byte."""

    def __init__(self):
        self.listener = socket.socket()
        self.listener.bind(("127.0.0.1", 0))
        self.listener.listen(64)
        self.port = self.listener.getsockname()[1]
        self.held = []
        self.closed = False
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self.closed:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self):
        self.closed = True
        self.listener.close()
        for c in self.held:
            c.close()


PROBES = {"postgresql": "%%sql {name}\nSELECT 1", "mysql": "%%sql {name}\nSELECT 1", "redis": "%%redis {name}\nPING",
          "mongodb": "%%mql {name}\ndb.runCommand({{ping: 1}})"}
URLS = {"postgresql": "postgresql://postgres@127.0.0.1:{port}/test", "mysql": "mysql://root@127.0.0.1:{port}/test",
        "redis": "redis://127.0.0.1:{port}", "mongodb": "mongodb://127.0.0.1:{port}/test"}


def connect_and_probe(kc, url, scheme, limit):
    """%connect, then (when it connects lazily) a first cell; the first error, within `limit` s each.
    Each call uses a new connection name, so tests never see each other's connections."""
    name = "c" + uuid.uuid4().hex[:8]
    reply, _, text, took = run(kc, f"%connect {name} {url}", timeout=limit + 2)
    assert took < limit, f"%connect {name} {url}: expected an answer within {limit} s, took {took:.1f} s: {text}"
    if reply["status"] == "ok":
        reply, _, text, took = run(kc, PROBES[scheme].format(name=name), timeout=limit + 2)
        assert took < limit, f"first cell on {url}: expected an answer within {limit} s, took {took:.1f} s: {text}"
    return reply, text


@pytest.mark.parametrize("scheme", list(URLS))
def test_a_silent_server_times_out_naming_the_host(fresh_kernel, scheme):
    _, kc = fresh_kernel
    server = SilentServer()
    try:
        reply, _, text, _ = run(kc, "%config connect_timeout = 1")
        ok(reply, text, "%config connect_timeout = 1")
        url = URLS[scheme].format(port=server.port)
        reply, text = connect_and_probe(kc, url, scheme, limit=3.5)
        failed(reply, text, f"{url} on a server that never answers")
        expect_re(rf"127\.0\.0\.1:{server.port}", text, f"{scheme}: the timeout names the host")
        expect_re(r"time(d)? ?out|did not answer|no answer|not respond", text, f"{scheme}: the error says it timed out")
        reply, _, text, _ = run(kc, "%%sql\nSELECT 1 AS still_here")
        ok(reply, text, "the kernel answers after the timeout")
    finally:
        server.close()


@pytest.mark.parametrize("scheme", list(URLS))
def test_a_refused_port_is_reported(fresh_kernel, scheme):
    _, kc = fresh_kernel
    reply, _, text, _ = run(kc, "%config connect_timeout = 3")
    ok(reply, text, "%config connect_timeout = 3")
    url = URLS[scheme].format(port=1)
    reply, text = connect_and_probe(kc, url, scheme, limit=5)
    failed(reply, text, f"{url} (nothing listens on port 1)")
    # ECONNREFUSED's text from the OS.
    expect_re(r"refused", text, f"{scheme}: the error says the connection was refused")
    expect_re(r"127\.0\.0\.1:1\b", text, f"{scheme}: the error names the host and port")


def test_wrong_postgres_password(kernel, private_pg):
    _, kc = kernel
    reply, text = connect_and_probe(kc, private_pg.url(private_pg.ROLE, "Wrong-Pw-55"), "postgresql", limit=10)
    failed(reply, text, "a wrong PostgreSQL password")
    # PostgreSQL's own message (SQLSTATE 28P01).
    expect_re(rf'password authentication failed for user "{private_pg.ROLE}"', text, "wrong PostgreSQL password")
    assert "Wrong-Pw-55" not in text, f"the wrong password is shown: {text}"
    reply, text = connect_and_probe(kc, private_pg.url(private_pg.ROLE, private_pg.PASSWORD), "postgresql", limit=10)
    ok(reply, text, "the right PostgreSQL password")


def test_wrong_redis_password(kernel, locked_redis):
    _, kc = kernel
    reply, text = connect_and_probe(kc, locked_redis.url("Wrong-Pw-55"), "redis", limit=10)
    failed(reply, text, "a wrong Redis password")
    # Redis 7's reply to AUTH with a wrong password.
    # Redis 7 answers AUTH with "WRONGPASS invalid username-password pair or user is disabled."; the
    # driver reports that as an authentication failure.
    expect_re(r"WRONGPASS|invalid username-password|authentication failed", text, "wrong Redis password")
    expect_re(rf"127\.0\.0\.1:{locked_redis.port}", text, "the wrong-password error names the host")
    assert "Wrong-Pw-55" not in text, f"the wrong password is shown: {text}"


def test_invalid_sql(kernel):
    require_port(5432, "PostgreSQL")
    _, kc = kernel
    reply, _, text, _ = run(kc, f"%connect pg {SHARED_PG}")
    ok(reply, text, "%connect pg")
    fails_with(kc, "%%sql pg\nSELEC 1", "SELEC 1", r'syntax error at or near "SELEC"')
    reply, _, text, _ = run(kc, "%%sql pg\nSELECT 1 AS fine")
    ok(reply, text, "the session after a syntax error")


def test_invalid_mql(kernel):
    _, kc = kernel
    # MongoDB's message for an unknown stage (code 40324).
    fails_with(
        kc,
        "%%mql\ndb.faults_bad.aggregate([{$nosuchstage: {}}])",
        "an unknown aggregation stage",
        r"Unrecognized pipeline stage name: '\$nosuchstage'",
    )
    # A parse error says what is wrong.
    fails_with(kc, "%%mql\ndb.faults_bad.find({", "an unfinished MQL statement", r"syntax|unexpected|expected")
    reply, _, text, _ = run(kc, "%%mql\ndb.runCommand({ping: 1})")
    ok(reply, text, "MQL after errors")


def test_invalid_redis(kernel):
    require_port(6379, "Redis")
    _, kc = kernel
    # Redis 7's own replies.
    fails_with(
        kc,
        "%%redis\nNOSUCHCMD a b",
        "unknown Redis command NOSUCHCMD",
        r"ERR unknown command 'NOSUCHCMD', with args beginning with: 'a' 'b'",
    )
    fails_with(kc, "%%redis\nGET", "GET without a key", r"wrong number of arguments for 'get' command")
    reply, _, text, _ = run(kc, "%%redis\nPING")
    ok(reply, text, "Redis after errors")


def test_a_50_mb_cell_neither_hangs_nor_kills_the_kernel(fresh_kernel):
    km, kc = fresh_kernel
    size = 50 * 2**20
    code = "%%sql\nSELECT length('" + "x" * size + "') AS n"
    reply, _, text, took = run(kc, code, timeout=120)
    assert km.is_alive(), "the kernel died on a 50 MB cell"
    if reply["status"] == "ok":
        expect_re(rf"\b{size}\b", text, "a 50 MB cell that runs returns the literal's length")
    else:
        expect_re(r"too (big|large|long)|limit|exceed", text, "a 50 MB cell that is refused says it is too big")
    reply, _, text, _ = run(kc, "%%sql\nSELECT 'next' AS cell")
    ok(reply, text, f"the cell after a 50 MB cell (which took {took:.1f} s)")


def test_nul_bytes_in_sql_are_refused_and_the_session_survives(kernel):
    require_port(5432, "PostgreSQL")
    _, kc = kernel
    reply, _, text, _ = run(kc, f"%connect pgnul {SHARED_PG}")
    ok(reply, text, "%connect pgnul")
    reply, _, text, _ = run(kc, "%%sql pgnul\nCREATE TEMP TABLE faults_nul(x int)")
    ok(reply, text, "CREATE TEMP TABLE")
    reply, _, text, _ = run(kc, "%%sql pgnul\nSELECT 1;\nSELECT 'a\x00b' AS v")
    failed(reply, text, "SQL with a NUL byte")
    # PostgreSQL cannot take NUL in text ("invalid byte sequence for encoding \"UTF8\": 0x00").
    expect_re(r"\bNUL\b|0x00|\\0|\bnull (byte|character)", text, "the error names the NUL byte", flags=re.DOTALL)
    # The cell's line 3 (after the %%sql line and SELECT 1;), column 10 (after `SELECT 'a`).
    expect_re(r"line 3\b", text, "the error gives the NUL's line in the cell")
    expect_re(r"column 10\b|line 3:10\b|col\.? 10\b", text, "the error gives the NUL's column")
    reply, _, text, _ = run(kc, "%%sql pgnul\nSELECT CASE WHEN to_regclass('faults_nul') IS NULL THEN 'session-lost' "
                                "ELSE 'session-survived' END AS state")
    ok(reply, text, "the session after the NUL")
    expect_re(r"session-survived", text, "the temp table created before the NUL still exists (same session)")


def test_a_result_too_large_to_show_is_counted(kernel):
    require_port(5432, "PostgreSQL")
    _, kc = kernel
    reply, _, text, _ = run(kc, f"%connect pgbig {SHARED_PG}")
    ok(reply, text, "%connect pgbig")
    reply, outputs, text, took = run(kc, "%%sql pgbig\nSELECT g, repeat('x',100) FROM generate_series(1,200000) g", timeout=90)
    ok(reply, text, "a 200000-row result")
    plain = text_of([o for o in outputs if o["msg_type"] in ("execute_result", "display_data")])
    expect_re(r"shown (\d+) of 200000 rows", plain, "the footer counts all 200000 rows")
    shown = int(re.search(r"shown (\d+) of 200000 rows", plain).group(1))
    rows = re.findall(r"^\s*\d+\s*\|\s*x{100}\s*$", plain, re.MULTILINE)
    assert len(rows) == shown, f"expected {shown} rows printed (the display limit), got {len(rows)}"
    assert shown < 1000, f"the display limit should keep the output small, shown {shown}"
    assert len(plain) < 2**20, f"the text of a 200000-row result should be bounded, got {len(plain)} chars"


def test_binary_values(kernel):
    require_port(5432, "PostgreSQL")
    require_port(6379, "Redis")
    _, kc = kernel
    reply, _, text, _ = run(kc, f"%connect pgbin {SHARED_PG}")
    ok(reply, text, "%connect pgbin")
    reply, _, text, _ = run(kc, "%%sql pgbin\nSELECT '\\xdeadbeef00ff'::bytea AS b, decode('00', 'hex') AS z")
    ok(reply, text, "bytea values")
    # psql's bytea_output = hex.
    expect_re(r"\\xdeadbeef00ff", text, "bytea shown as PostgreSQL's hex text")
    expect_re(r"\\x00\b", text, "a NUL byte in bytea")
    key = f"dbkernel:test:faults:bin:{uuid.uuid4().hex}"
    reply, _, text, _ = run(kc, f'%%redis\nSET {key} "\\xde\\xad\\x00\\xff" EX 60\nGET {key}')
    ok(reply, text, "binary Redis value")
    # redis-cli prints non-printable bytes as \xNN.
    expect_re(r'\\xde\\xad\\x00\\xff', text, "binary Redis value shown escaped like redis-cli")


# ----------------------------------------------------------------------------------------------
# 7. secrets


def test_passwords_never_appear_in_outputs_or_the_log(private_pg, locked_redis, tmp_path):
    require_port(5432, "PostgreSQL")
    log_path = tmp_path / "kernel.log"
    secrets = ["s3cretPW", locked_redis.password, "Wr0ngRedisPW", "Wr0ngPgPW", "Refus3dPW"]
    with open(log_path, "wb") as log:
        km, kc = start_kernel({"DBKERNEL_LOG": "debug", "RUST_BACKTRACE": "0"}, stderr=log)
        try:
            key = json.load(open(km.connection_file))["key"]
            cells = [
                "%connect s postgresql://postgres:s3cretPW@127.0.0.1:5432/test",
                "%%sql s\nSELECT 1 AS one",
                "%%sql s\nSELEC 1",
                f"%connect rs {locked_redis.url(locked_redis.password)}",
                "%%redis rs\nPING",
                "%%redis rs\nCONFIG GET requirepass",
                f"%connect rw {locked_redis.url('Wr0ngRedisPW')}",
                "%%redis rw\nPING",
                f"%connect pw {private_pg.url(private_pg.ROLE, 'Wr0ngPgPW')}",
                "%%sql pw\nSELECT 1",
                "%connect rf postgresql://postgres:Refus3dPW@127.0.0.1:1/test",
                "%connections",
                "%config",
                "%vars",
            ]
            leaks = []
            for code in cells:
                reply, outputs, text, _ = run(kc, code)
                seen = everything_in(outputs, reply)
                # CONFIG GET requirepass is the user asking the server for it: that one may show it.
                for secret in secrets:
                    if secret in seen and not (code.endswith("CONFIG GET requirepass") and secret == locked_redis.password):
                        leaks.append((code, secret, text[:300]))
                if code == "%connections":
                    expect_re(r"\bs\b.*\*\*\*\*", text, "%connections lists s with its password masked")
                if code == "%%redis rs\nPING":
                    ok(reply, text, "PING with the right Redis password")
            assert not leaks, f"passwords shown in outputs (cell, secret, text): {leaks}"
        finally:
            stop_kernel(km, kc)
    logged = log_path.read_text(errors="replace")
    assert "DEBUG" in logged or "debug" in logged.lower(), \
        f"DBKERNEL_LOG=debug should produce debug lines on stderr; the log has {len(logged)} chars"
    found = [s for s in secrets if s in logged]
    assert not found, f"passwords in the kernel's log: {found}: " + \
        "; ".join(line[:300] for line in logged.splitlines() if any(s in line for s in found))[:3000]
    assert key not in logged, "the connection file's HMAC key appears in the kernel's log"


# ----------------------------------------------------------------------------------------------
# 8. protocol: replays and size bounds


def sign(key, parts):
    mac = hmac.new(key, digestmod=hashlib.sha256)
    for p in parts:
        mac.update(p)
    return mac.hexdigest().encode()


def execute_frames(key, code):
    header = {"msg_id": str(uuid.uuid4()), "session": "faults", "username": "faults",
              "date": "2026-01-01T00:00:00.000000Z", "msg_type": "execute_request", "version": "5.3"}
    content = {"code": code, "silent": False, "store_history": False, "user_expressions": {}, "allow_stdin": False,
               "stop_on_error": True}
    parts = [json.dumps(header).encode(), b"{}", b"{}", json.dumps(content).encode()]
    return [b"<IDS|MSG>", sign(key, parts)] + parts, header["msg_id"]


def shell_socket(km):
    info = km.get_connection_info()
    ctx = zmq.Context.instance()
    sock = ctx.socket(zmq.DEALER)
    sock.setsockopt(zmq.LINGER, 0)
    sock.connect(f"{info['transport']}://{info['ip']}:{info['shell_port']}")
    key = info["key"] if isinstance(info["key"], bytes) else info["key"].encode()
    return sock, key


def replies_for(sock, msg_id, wait_s, until_first=False):
    """Shell replies to `msg_id` arriving within `wait_s` seconds (or until the first one)."""
    got = []
    deadline = time.monotonic() + wait_s
    while (left := deadline - time.monotonic()) > 0 and not (until_first and got):
        if sock.poll(int(left * 1000)) == 0:
            break
        parts = sock.recv_multipart()
        i = parts.index(b"<IDS|MSG>")
        if json.loads(parts[i + 3]).get("msg_id") == msg_id:
            got.append(json.loads(parts[i + 5]))
    return got


def test_a_replayed_execute_request_runs_once(tmp_path):
    require_port(6379, "Redis")
    log_path = tmp_path / "kernel.log"
    log = open(log_path, "wb")
    km, kc = start_kernel({"DBKERNEL_LOG": "warn"}, stderr=log)
    counter = f"dbkernel:test:faults:replay:{uuid.uuid4().hex}"
    sock, key = shell_socket(km)
    try:
        frames, msg_id = execute_frames(key, f"%%redis\nINCR {counter}")
        sock.send_multipart(frames)
        first = replies_for(sock, msg_id, 10, until_first=True)
        assert len(first) == 1 and first[0]["status"] == "ok", f"the original request: expected one ok reply, got {first}"
        sock.send_multipart(frames)  # exactly the same frames, same signature
        again = replies_for(sock, msg_id, 1.5)
        assert again == [], f"a replayed execute_request must be dropped, it was answered: {again}"
        reply, _, text, _ = run(kc, f"%%redis\nGET {counter}\nDEL {counter}")
        ok(reply, text, "GET the counter")
        expect_re(r'"1"|^1$', text, f"INCR sent twice with identical frames must have run once; GET {counter} gave",
                  re.MULTILINE)
    finally:
        sock.close()
        stop_kernel(km, kc)
        log.close()
    logged = log_path.read_text(errors="replace")
    expect_re(r"replay", logged, "the kernel's log records the dropped replay")


def test_a_signed_oversized_message_is_dropped_and_never_run(fresh_kernel):
    km, kc = fresh_kernel
    sock, key = shell_socket(km)
    try:
        # Correctly signed, valid JSON, 65 MiB: only the size can make the kernel drop it.
        frames, msg_id = execute_frames(key, "%set oversize_marker = 1\n-- " + "x" * (65 * 2**20))
        sock.send_multipart(frames)
        got = replies_for(sock, msg_id, 3)
        assert got == [], f"a 65 MiB message must be dropped (limit 64 MiB), it was answered: {[g.get('status') for g in got]}"
        assert km.is_alive(), "the kernel died on a 65 MiB message"
        reply, _, text, _ = run(kc, "%vars")
        ok(reply, text, "%vars after the oversized message")
        assert "oversize_marker" not in text, f"the oversized message was executed: {text}"
    finally:
        sock.close()
