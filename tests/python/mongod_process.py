"""`dbkernel mongod` as a test's own server, and the real mongosh beside it.

The server is the installed kernelspec's binary (the one under test), on a free loopback port,
waited for until it listens and stopped after. mongosh comes from the npm registry
(`tests/npm`, or `DBKERNEL_MONGOSH`); under CI=true a missing mongosh fails instead of skipping.
"""
import contextlib
import os
import socket
import subprocess
import time

import pytest
from jupyter_client.kernelspec import KernelSpecManager

from conftest import ROOT

IN_CI = os.environ.get("CI") == "true"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kernel_binary():
    binary = KernelSpecManager().get_kernel_spec("dbkernel").argv[0]
    if not os.path.exists(binary):
        pytest.fail(f"the kernelspec's binary {binary} does not exist (cargo build --bin dbkernel)")
    return binary


@contextlib.contextmanager
def dbkernel_mongod():
    """Yields the port of a fresh in-memory `dbkernel mongod` on 127.0.0.1."""
    port = free_port()
    proc = subprocess.Popen([kernel_binary(), "mongod", "--port", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline or proc.poll() is not None:
                    pytest.fail(f"dbkernel mongod did not listen on 127.0.0.1:{port}")
                time.sleep(0.1)
        yield port
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def mongosh_path():
    path = os.environ.get("DBKERNEL_MONGOSH") or os.path.join(ROOT, "tests/npm/node_modules/.bin/mongosh")
    if not os.path.exists(path):
        what = f"mongosh not found at {path} (npm ci --prefix tests/npm, or set DBKERNEL_MONGOSH)"
        if IN_CI:
            pytest.fail(f"{what} (CI=true: required)")
        pytest.skip(what)
    return path
