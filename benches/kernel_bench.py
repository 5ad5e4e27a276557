#!/usr/bin/env python3
"""Kernel-core figures, side by side with the protocol's floor (a Python kernel that does no
work, ../shared/bench/echo_kernel.py) in the same run:

  start_ms     spawn of the kernel's argv until its first kernel_info_reply on a raw socket (median of --starts)
  trivial_ms   execute of an empty cell until status idle, through jupyter_client (median of --reps)
  idle_rss_mb  the kernel's RSS after start and one cell

usage: JUPYTER_PATH=target/jupyter/share/jupyter .venv/bin/python benches/kernel_bench.py [--starts 20] [--reps 200]
Targets (issue 2): start under 50 ms, round trip under 2 ms, idle RSS under 15 MB.
"""
import argparse
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid

import psutil
import zmq
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import start_new_kernel
from jupyter_client.session import Session

HERE = os.path.dirname(os.path.abspath(__file__))
FLOOR = os.path.normpath(os.path.join(HERE, "..", "..", "shared", "bench", "echo_kernel.py"))


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def start_seconds(argv_template, env):
    ports, key = free_ports(5), uuid.uuid4().hex
    cfg = dict(shell_port=ports[0], iopub_port=ports[1], stdin_port=ports[2], control_port=ports[3], hb_port=ports[4],
               ip="127.0.0.1", key=key, transport="tcp", signature_scheme="hmac-sha256")
    fd, path = tempfile.mkstemp(suffix=".json")
    os.write(fd, json.dumps(cfg).encode())
    os.close(fd)
    argv = [a.replace("{connection_file}", path) for a in argv_template]
    sock = zmq.Context.instance().socket(zmq.DEALER)
    sock.linger = 0
    # libzmq retries a refused connect only every 100 ms by default, which would hide a fast start.
    sock.setsockopt(zmq.RECONNECT_IVL, 1)
    sock.connect(f"tcp://127.0.0.1:{ports[0]}")
    session = Session(key=key.encode())
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env)
    try:
        while time.perf_counter() < t0 + 30:
            session.send(sock, "kernel_info_request", {})
            if sock.poll(2):
                sock.recv_multipart()
                return time.perf_counter() - t0
        raise SystemExit("no kernel_info_reply within 30 s")
    finally:
        proc.terminate()
        proc.wait()
        sock.close()
        os.unlink(path)


def round_trip(kc, code):
    t = time.perf_counter()
    msg_id = kc.execute(code)
    while True:
        m = kc.get_iopub_msg(timeout=30)
        if m["parent_header"].get("msg_id") == msg_id and m["msg_type"] == "status" and m["content"]["execution_state"] == "idle":
            break
    dt = time.perf_counter() - t
    reply = kc.get_shell_msg(timeout=30)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=30)
    assert reply["content"]["status"] == "ok", reply["content"]
    return dt


def measure(label, kernel_name, argv, args):
    env = dict(os.environ)
    starts = [start_seconds(argv, env) for _ in range(args.starts)]
    km, kc = start_new_kernel(kernel_name=kernel_name, startup_timeout=60)
    try:
        round_trip(kc, "")
        rss = psutil.Process(km.provisioner.pid).memory_info().rss / 2**20
        trips = [round_trip(kc, "") for _ in range(args.reps)]
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    fig = {"start_ms": statistics.median(starts) * 1000, "trivial_ms": statistics.median(trips) * 1000, "idle_rss_mb": rss}
    print(f"{label}: " + "  ".join(f"{k}={v:.2f}" for k, v in fig.items()))
    return fig


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--starts", type=int, default=20)
    ap.add_argument("--reps", type=int, default=200)
    args = ap.parse_args()
    spec = KernelSpecManager().get_kernel_spec("dbkernel")
    ours = measure("dbkernel", "dbkernel", spec.argv, args)
    if os.path.exists(FLOOR):
        root = tempfile.mkdtemp(prefix="bench-echo-")
        d = os.path.join(root, "kernels", "bench-echo")
        os.makedirs(d)
        argv = [sys.executable, FLOOR, "{connection_file}"]
        with open(os.path.join(d, "kernel.json"), "w") as f:
            json.dump({"argv": argv, "display_name": "echo", "language": "text"}, f)
        os.environ["JUPYTER_PATH"] = os.pathsep.join(p for p in (os.environ.get("JUPYTER_PATH"), root) if p)
        floor = measure("floor (echo kernel, Python)", "bench-echo", argv, args)
        print("ratios dbkernel/floor: " + "  ".join(f"{k}={ours[k] / floor[k]:.2f}" for k in ours))
    else:
        print(f"(floor kernel not found at {FLOOR}; no ratios)")
    print("targets: start_ms < 50, trivial_ms < 2, idle_rss_mb < 15")


if __name__ == "__main__":
    main()
