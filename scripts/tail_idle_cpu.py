#!/usr/bin/env python3
"""Measures the CPU `dbkernel mongod` uses while an awaitData getMore waits on an idle capped
collection (issue 18: a waiting tailable cursor must not spin).

It starts the embedded engine on a loopback port, opens a TAILABLE_AWAIT cursor with
maxAwaitTimeMS 5000 through PyMongo, lets one getMore wait out its 5 seconds and prints the
server process's user+system CPU time over that wait (from /proc, Linux).

Usage: PYTHONPATH=/path/to/mongo-python-driver .venv/bin/python scripts/tail_idle_cpu.py
(any PyMongo 4.x on the path will do; DBKERNEL_BIN defaults to target/debug/dbkernel).
"""
import os
import socket
import subprocess
import tempfile
import time

import pymongo
from pymongo import CursorType


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def main() -> None:
    port = free_port()
    binary = os.environ.get("DBKERNEL_BIN", "target/debug/dbkernel")
    server = subprocess.Popen(
        [binary, "mongod", "--port", str(port), "--bind", "127.0.0.1", "--dbpath", tempfile.mkdtemp()],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        client = pymongo.MongoClient(f"mongodb://127.0.0.1:{port}/?directConnection=true", serverSelectionTimeoutMS=10000)
        db = client.tail_idle
        db.drop_collection("log")
        db.create_collection("log", capped=True, size=4096)
        db.log.insert_one({"x": 1})
        cursor = db.log.find(cursor_type=CursorType.TAILABLE_AWAIT).max_await_time_ms(5000)
        next(cursor)
        before, started = cpu_seconds(server.pid), time.time()
        try:
            next(cursor)  # one getMore that waits the full 5 s: nothing is inserted
        except StopIteration:
            pass
        waited, used = time.time() - started, cpu_seconds(server.pid) - before
        print(f"waited {waited:.2f}s, server CPU {used:.3f}s ({100 * used / waited:.1f}%)")
    finally:
        server.terminate()
        server.wait()


if __name__ == "__main__":
    main()
