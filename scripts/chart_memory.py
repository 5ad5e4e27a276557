#!/usr/bin/env python3
"""Prints the time and the kernel's peak RSS of charts over 5,000,000 PostgreSQL rows (a
histogram, a sampled scatter, bars summed over 100 categories): the rows stream into the chart
accumulators, so the peak stays near the idle kernel's whatever the row count. Not a test.

Run (after cargo build --bin dbkernel && target/debug/dbkernel install --prefix target/jupyter):
  JUPYTER_PATH=$PWD/target/jupyter/share/jupyter .venv/bin/python scripts/chart_memory.py [ROWS]
"""
import os
import sys
import threading
import time

import psutil
from jupyter_client.manager import start_new_kernel

ROWS = int(sys.argv[1]) if len(sys.argv) > 1 else 5_000_000
PG = os.environ.get("CHART_PG", "postgresql://postgres@127.0.0.1:5432/test")


def run(kc, code):
    msg_id = kc.execute(code)
    while True:
        msg = kc.get_iopub_msg(timeout=600)
        if (msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status"
                and msg["content"]["execution_state"] == "idle"):
            break
    reply = kc.get_shell_msg(timeout=60)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = kc.get_shell_msg(timeout=60)
    return reply["content"]


def main():
    km, kc = start_new_kernel(kernel_name="dbkernel", startup_timeout=30)
    proc = psutil.Process(km.provisioner.process.pid)
    try:
        assert run(kc, f"%connect pg {PG}")["status"] == "ok"
        run(kc, "%%sql pg\nSELECT 1")
        idle = proc.memory_info().rss
        print(f"idle kernel RSS: {idle / 2**20:.0f} MB; {ROWS:,} rows per chart")
        cells = [
            ("histogram", f"%%sql pg --chart histogram x=v\nSELECT random() * 1000 AS v FROM generate_series(1, {ROWS})"),
            ("scatter (sampled)", f"%%sql pg --chart scatter x=a y=b\nSELECT g AS a, random() AS b FROM generate_series(1, {ROWS}) g"),
            ("bar, 100 categories", f"%%sql pg --chart bar x=k y=v\nSELECT g % 100 AS k, g AS v FROM generate_series(1, {ROWS}) g"),
        ]
        for label, cell in cells:
            peak, stop = [0], threading.Event()

            def sample():
                while not stop.is_set():
                    peak[0] = max(peak[0], proc.memory_info().rss)
                    time.sleep(0.02)

            sampler = threading.Thread(target=sample)
            sampler.start()
            started = time.time()
            status = run(kc, cell)["status"]
            stop.set()
            sampler.join()
            print(f"{label:<22} {time.time() - started:6.1f} s  status {status}  peak RSS {peak[0] / 2**20:.0f} MB")
    finally:
        km.shutdown_kernel(now=True)


if __name__ == "__main__":
    main()
