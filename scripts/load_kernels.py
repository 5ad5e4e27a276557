#!/usr/bin/env python3
"""Load check (issue 13), not part of CI: N dbkernel kernels at once, as on a shared JupyterHub.

Starts N kernels (default 50) through jupyter_client concurrently; each runs a notebook-like
sequence of mixed SQL (PostgreSQL, MariaDB, SQLite), MQL (the embedded engine) and Redis cells
against the shared loopback services, with its own Redis key prefix and PostgreSQL temp tables.
Then, with every kernel idle, it measures each kernel's CPU over --idle-seconds and its RSS
(kernel process + children), and prints:

  total and per-kernel RSS, idle CPU per kernel, the slowest cell (code, seconds), the error
  count, and whether each target was met: zero errors, idle CPU ~0% (< 1% of one core per
  kernel), < 20 MB RSS per idle kernel.

Usage (from the repository root, with the test venv):
  .venv/bin/python scripts/load_kernels.py                       # the installed kernelspec
  .venv/bin/python scripts/load_kernels.py --binary target/release/dbkernel -n 50

Every target is on 127.0.0.1. The exit status is 0 when every target was met, 1 otherwise.
"""
import argparse
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import psutil
from jupyter_client.kernelspec import KernelSpecManager
from jupyter_client.manager import start_new_kernel

PG = "postgresql://postgres@127.0.0.1:5432/test"
MARIA = "mysql://root@127.0.0.1:3306/test"
REDIS = "redis://127.0.0.1:6379"

TARGET_IDLE_CPU = 0.01  # of one core, per kernel
TARGET_RSS = 20 * 10**6  # bytes (20 MB), per idle kernel


def cells(prefix):
    """A notebook-like sequence; `prefix` keeps this kernel's Redis keys apart."""
    return [
        f"%connect pg {PG}",
        "%%sql pg\nCREATE TEMP TABLE load_t AS SELECT g AS id, md5(g::text) AS h, g % 7 AS k "
        "FROM generate_series(1, 5000) g",
        "%%sql pg\nSELECT k, count(*) AS n, min(h) AS first_h FROM load_t GROUP BY k ORDER BY k",
        "%%sql pg\nBEGIN;\nUPDATE load_t SET h = 'changed' WHERE id <= 10;\nSELECT count(*) FROM load_t "
        "WHERE h = 'changed';\nROLLBACK",
        f"%connect my {MARIA}\n%%sql my\nSELECT VERSION() AS v, 6 * 7 AS answer",
        "%%sql default\nCREATE TABLE IF NOT EXISTS notes(id INTEGER PRIMARY KEY, body TEXT);\n"
        "INSERT INTO notes(body) VALUES ('a'), ('b'), ('c');\nSELECT count(*) AS n FROM notes",
        f"%%redis\nSET {prefix}counter 0\nINCRBY {prefix}counter 5\nHSET {prefix}h a 1 b 2 c 3\n"
        f"HGETALL {prefix}h\nRPUSH {prefix}l x y z\nLRANGE {prefix}l 0 -1",
        "%%mql\ndb.load.insertMany([{k: 1, v: 'a'}, {k: 2, v: 'b'}, {k: 1, v: 'c'}, {k: 3, v: 'd'}])",
        "%%mql\ndb.load.aggregate([{$group: {_id: '$k', n: {$sum: 1}}}, {$sort: {_id: 1}}])",
        "%%mql\ndb.load.find({k: 1}, {_id: 0}).sort({v: -1})",
        f"%%redis\nDEL {prefix}counter {prefix}h {prefix}l",
        "%connections",
    ]


def run_cell(kc, code, timeout):
    """(status, seconds, error text) of one cell."""
    started = time.monotonic()
    msg_id = kc.execute(code)
    error = ""
    deadline = started + timeout
    try:
        while True:
            msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "error":
                error = f"{msg['content']['ename']}: {msg['content']['evalue']}"
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
        while True:
            reply = kc.get_shell_msg(timeout=max(0.1, deadline - time.monotonic()))
            if reply["parent_header"].get("msg_id") == msg_id:
                break
        status = reply["content"]["status"]
    except queue.Empty:
        status, error = "timeout", f"no reply within {timeout} s"
    return status, time.monotonic() - started, error


class Worker:
    def __init__(self, index, run_id, kernel_name, timeout):
        self.index = index
        self.prefix = f"dbkernel:load:{run_id}:{index}:"
        self.kernel_name = kernel_name
        self.timeout = timeout
        self.km = self.kc = None
        self.pid = None
        self.startup = None
        self.cells = []  # (code, status, seconds, error)
        self.failure = None

    def start(self):
        started = time.monotonic()
        try:
            self.km, self.kc = start_new_kernel(kernel_name=self.kernel_name, startup_timeout=self.timeout)
            self.pid = self.km.provisioner.pid
        except Exception as e:  # noqa: BLE001 - reported, not raised
            self.failure = f"kernel {self.index} did not start: {e}"
        self.startup = time.monotonic() - started

    def run(self):
        if self.failure:
            return
        for code in cells(self.prefix):
            status, seconds, error = run_cell(self.kc, code, self.timeout)
            self.cells.append((code, status, seconds, error))

    def stop(self):
        if self.kc is not None:
            self.kc.stop_channels()
        if self.km is not None and self.km.is_alive():
            self.km.shutdown_kernel(now=True)


def process_tree(pid):
    try:
        p = psutil.Process(pid)
        return [p] + p.children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def cpu_of(procs):
    total = 0.0
    for p in procs:
        try:
            t = p.cpu_times()
            total += t.user + t.system
        except psutil.NoSuchProcess:
            pass
    return total


def rss_of(procs):
    total = 0
    for p in procs:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def uss_of(procs):
    """Private memory (USS): what the kernel costs beyond the pages it shares with the others."""
    total = 0
    for p in procs:
        try:
            total += p.memory_full_info().uss
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return total


def use_binary(binary):
    """A private kernelspec for `binary` (e.g. the release build); returns its JUPYTER_PATH."""
    prefix = tempfile.mkdtemp(prefix="dbkernel-load-spec-")
    subprocess.run([binary, "install", "--prefix", prefix], check=True, capture_output=True)
    path = os.path.join(prefix, "share", "jupyter")
    os.environ["JUPYTER_PATH"] = path + os.pathsep + os.environ.get("JUPYTER_PATH", "")
    return path


def mib(n):
    return f"{n / 10**6:.1f} MB"


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("-n", "--kernels", type=int, default=50)
    ap.add_argument("--idle-seconds", type=float, default=10.0)
    ap.add_argument("--timeout", type=float, default=180.0, help="per kernel start and per cell")
    ap.add_argument("--binary", help="run this dbkernel binary (a private kernelspec is written for it)")
    ap.add_argument("--kernel-name", default="dbkernel")
    args = ap.parse_args()

    if args.binary:
        use_binary(os.path.abspath(args.binary))
    spec = KernelSpecManager().get_kernel_spec(args.kernel_name)
    binary = spec.argv[0]
    print(f"kernel binary: {binary} ({'release' if '/release/' in binary else 'debug' if '/debug/' in binary else 'installed'} build)")
    print(f"starting {args.kernels} kernels concurrently ...", flush=True)

    run_id = uuid.uuid4().hex[:8]
    workers = [Worker(i, run_id, args.kernel_name, args.timeout) for i in range(args.kernels)]
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=args.kernels) as pool:
        list(pool.map(Worker.start, workers))
        started_all = time.monotonic() - started
        print(f"  all started in {started_all:.1f} s (slowest start {max(w.startup for w in workers):.1f} s); "
              f"running {len(cells('x'))} cells in each ...", flush=True)
        list(pool.map(Worker.run, workers))
    ran_all = time.monotonic() - started - started_all
    print(f"  all cells done in {ran_all:.1f} s", flush=True)

    try:
        live = [w for w in workers if w.pid is not None]
        time.sleep(1.0)  # let the last replies settle before measuring idleness
        trees = {w.index: process_tree(w.pid) for w in live}
        before = {i: cpu_of(t) for i, t in trees.items()}
        t0 = time.monotonic()
        time.sleep(args.idle_seconds)
        elapsed = time.monotonic() - t0
        idle_cpu = {i: (cpu_of(trees[i]) - before[i]) / elapsed for i in trees}
        rss = {w.index: rss_of(process_tree(w.pid)) for w in live}
        uss = {w.index: uss_of(process_tree(w.pid)) for w in live}
        children = {w.index: len(trees[w.index]) - 1 for w in live}
    finally:
        stoppers = threading.Thread(target=lambda: [w.stop() for w in workers])
        stoppers.start()

    errors = [(w.index, code, status, err) for w in workers for (code, status, _, err) in w.cells if status != "ok"]
    errors += [(w.index, "(start)", "failed", w.failure) for w in workers if w.failure]
    all_cells = [(seconds, w.index, code) for w in workers for (code, _, seconds, _) in w.cells]
    slowest = max(all_cells) if all_cells else None
    cell_times = [c[0] for c in all_cells]

    print()
    print(f"kernels: {len(live)} of {args.kernels} started; cells run: {len(all_cells)}")
    print(f"RSS total: {mib(sum(rss.values()))}; per kernel: min {mib(min(rss.values()))}, "
          f"median {mib(statistics.median(rss.values()))}, max {mib(max(rss.values()))}")
    print("RSS per kernel (MB): " + " ".join(f"{rss[i] / 10**6:.1f}" for i in sorted(rss)))
    print(f"USS (private memory) per kernel: median {mib(statistics.median(uss.values()))}, "
          f"max {mib(max(uss.values()))}; total {mib(sum(uss.values()))}")
    print(f"idle CPU over {elapsed:.1f} s, per kernel (% of one core): "
          + " ".join(f"{idle_cpu[i] * 100:.2f}" for i in sorted(idle_cpu)))
    print(f"idle CPU: mean {statistics.mean(idle_cpu.values()):.2%}, max {max(idle_cpu.values()):.2%}, "
          f"sum {sum(idle_cpu.values()):.2%} of one core")
    print(f"child processes per kernel: max {max(children.values())}")
    if slowest:
        print(f"cell time: median {statistics.median(cell_times):.3f} s, p95 "
              f"{sorted(cell_times)[int(0.95 * (len(cell_times) - 1))]:.3f} s")
        print(f"slowest cell: {slowest[0]:.2f} s in kernel {slowest[1]}: {json.dumps(slowest[2][:160])}")
    print(f"errors: {len(errors)}")
    for index, code, status, err in errors[:20]:
        print(f"  kernel {index}: {status}: {json.dumps(code[:80])}: {err[:300]}")

    targets = [
        ("zero errors", not errors, f"{len(errors)} errors"),
        ("idle CPU ~0% (< 1% of one core per kernel)", max(idle_cpu.values()) < TARGET_IDLE_CPU,
         f"max {max(idle_cpu.values()):.2%}"),
        ("< 20 MB RSS per idle kernel", max(rss.values()) < TARGET_RSS, f"max {mib(max(rss.values()))}"),
    ]
    print()
    for name, met, figure in targets:
        print(f"target {name}: {'MET' if met else 'NOT MET'} ({figure})")
    stoppers.join(60)
    return 0 if all(met for _, met, _ in targets) else 1


if __name__ == "__main__":
    sys.exit(main())
