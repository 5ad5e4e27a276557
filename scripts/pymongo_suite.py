#!/usr/bin/env python3
"""Runs PyMongo's own test suite, unmodified, against `dbkernel mongod` (issue 18).

Why a script and not a test: the suite takes minutes and needs a checkout of
mongo-python-driver, which this repository does not vendor. The script fetches
nothing: it starts the embedded engine on a free loopback port, points the
suite's harness at it (DB_IP/DB_PORT, as PyMongo's own CI does) and prints,
per test file, how many tests passed, failed, errored and were skipped.

Getting a checkout (once, any of):
    git clone https://github.com/mongodb/mongo-python-driver /path/to/pymongo
    git --git-dir=/work/.mirror/mongodb+mongo-python-driver/repo archive HEAD | tar -x -C /path/to/pymongo
Python packages (once, into the repository's .venv): the test requirements and
PyMongo's own dependency dnspython (without it every mongodb+srv:// URI is refused,
even in tests that never resolve one):
    .venv/bin/pip install -r /path/to/pymongo/requirements/test.txt dnspython==2.7.0
Build the engine (once): cargo build --bin dbkernel

Usage:
    .venv/bin/python scripts/pymongo_suite.py [--no-container] /path/to/pymongo [test_file ...]
    PYMONGO_SRC=/path/to/pymongo .venv/bin/python scripts/pymongo_suite.py
Environment: DBKERNEL_BIN (default target/debug/dbkernel), PYTEST_ARGS (extra
arguments for pytest, e.g. "-x -k find"), PYMONGO_SUITE_OUT (where logs and JUnit
reports land; default target/pymongo-suite/, so that two runs at once can keep apart).
Exit status 0 when no test failed or errored.

--no-container runs the test files on a machine that is not marked as a container. Why:
PyMongo puts `env.container.runtime: "docker"` into its own handshake metadata whenever
/.dockerenv exists (and `env.container.orchestrator` when KUBERNETES_SERVICE_HOST is set;
pymongo/pool_options.py, get_container_env_info), while test_client's handshake-metadata
tests expect metadata without it: on a CI machine that is a container they fail whatever
the server does (10 tests here). Neither the suite nor PyMongo is changed for that; instead
each pytest runs in a user and mount namespace of its own (`unshare --user --map-root-user
--mount`, no privileges needed) whose root is a tmpfs holding bind mounts of every
top-level entry of / except /.dockerenv, with KUBERNETES_SERVICE_HOST left out of its
environment. The network is the host's, so the tests still reach the server on loopback;
only the marker file is missing. Without util-linux's unshare, or where user namespaces
are off, the option stops with the reason.

No test may reach a public address: the tests in NEEDS_PUBLIC_DNS (they resolve MongoDB's
public SRV test records) are deselected and counted apart, and scripts/pymongo_suite_site/
sitecustomize.py points dnspython at 127.0.0.1 so that any other lookup fails locally.
"""

from __future__ import annotations

import os
import shlex
import socket
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent

# The files that apply to a standalone server without fail points (issue 18).
STANDALONE_FILES = [
    "test_collection",
    "test_cursor",
    "test_database",
    "test_bulk",
    "test_client",
    "test_crud_unified",
    "test_read_write_concern_spec",
    "test_command_monitoring",
    "test_collation",
    "test_collection_management",
    "test_session",
]

# Tests that resolve public DNS records through a real resolver: MongoDB's SRV/TXT test
# records test*.test.build.10gen.cc, or (test_detected_environment_warning, which mocks the
# SRV lookup but not the TXT one) host.cosmos.azure.com and host.docdb*.amazonaws.com.
# PyMongo's CI has network access; this harness must not use it.
NEEDS_PUBLIC_DNS = [
    "test_client.py::ClientUnitTest::test_connection_timeout_ms_propagates_to_DNS_resolver",
    "test_client.py::ClientUnitTest::test_detected_environment_warning",
    "test_client.py::TestClient::test_repr_srv_host",
    "test_client.py::TestClient::test_service_name_from_kwargs",
    "test_client.py::TestClient::test_srv_max_hosts_kwarg",
]
SITE = REPO / "scripts" / "pymongo_suite_site"

# Runs "$@" (in the current directory) under a root without /.dockerenv; see --no-container.
# It runs as root of a fresh user namespace with a private mount namespace, so the mounts
# vanish with the process and nothing outside changes.
NO_CONTAINER_ROOT = r"""
set -eu
root=$1; shift
mount -t tmpfs -o mode=0755 pymongo-suite-root "$root"
for entry in /* /.[!.]*; do
  name=${entry#/}
  case "$name" in .dockerenv) continue ;; esac
  if [ -L "$entry" ]; then cp -P "$entry" "$root/$name"
  elif [ -d "$entry" ]; then mkdir "$root/$name"; mount --rbind "$entry" "$root/$name"
  elif [ -e "$entry" ]; then : > "$root/$name"; mount --bind "$entry" "$root/$name"
  fi
done
cwd=$(pwd)
exec chroot "$root" /bin/sh -c 'cd "$0" && exec "$@"' "$cwd" "$@"
"""


def no_container_prefix(root: str) -> list[str]:
    """The command prefix that runs a command outside any container marking (--no-container),
    with `root` (an empty directory) as the mount point of the private root."""
    prefix = ["unshare", "--user", "--map-root-user", "--mount", "sh", "-c", NO_CONTAINER_ROOT, "sh", root]
    probe = subprocess.run(
        [*prefix, "sh", "-c", "test ! -e /.dockerenv"], capture_output=True, text=True
    )
    if probe.returncode != 0:
        sys.exit(
            "--no-container: cannot run the tests without /.dockerenv here "
            f"(unshare --user --mount with a private root failed: {probe.stderr.strip() or probe.returncode})"
        )
    return prefix


def free_loopback_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_listening(port: int, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"dbkernel mongod exited early with status {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"dbkernel mongod did not listen on 127.0.0.1:{port} within {timeout} s")


def counts(report: Path) -> dict[str, int]:
    """pass/fail/error/skip from a pytest JUnit XML report."""
    result = {"passed": 0, "failed": 0, "errors": 0, "skipped": 0}
    if not report.exists():
        result["errors"] = 1
        return result
    for case in ET.parse(report).getroot().iter("testcase"):
        kinds = {child.tag for child in case}
        if "failure" in kinds:
            result["failed"] += 1
        elif "error" in kinds:
            result["errors"] += 1
        elif "skipped" in kinds:
            result["skipped"] += 1
        else:
            result["passed"] += 1
    return result


def main() -> int:
    args = sys.argv[1:]
    no_container = "--no-container" in args
    args = [a for a in args if a != "--no-container"]
    src = Path(args.pop(0)) if args else Path(os.environ.get("PYMONGO_SRC", ""))
    if not (src / "test" / "__init__.py").exists() or not (src / "pymongo").is_dir():
        sys.exit(__doc__)
    files = args or STANDALONE_FILES
    binary = Path(os.environ.get("DBKERNEL_BIN", REPO / "target" / "debug" / "dbkernel"))
    if not binary.exists():
        sys.exit(f"{binary} not found: build it with `cargo build --bin dbkernel`")
    # Absolute: pytest runs in the checkout, and its --junitxml must still land here.
    out_dir = Path(os.environ.get("PYMONGO_SUITE_OUT", REPO / "target" / "pymongo-suite")).resolve()
    out_dir.mkdir(parents=True, exist_ok=True)

    port = free_loopback_port()
    env = dict(os.environ, DB_IP="127.0.0.1", DB_PORT=str(port))
    # The checkout's own pymongo and bson, not an installed wheel.
    # The loopback-only DNS guard first (see SITE).
    env["PYTHONPATH"] = os.pathsep.join([str(SITE), str(src)])
    prefix: list[str] = []
    root_dir = tempfile.TemporaryDirectory(prefix="pymongo-suite-root-")
    if no_container:
        prefix = no_container_prefix(root_dir.name)
        env.pop("KUBERNETES_SERVICE_HOST", None)
    rows = []
    with tempfile.TemporaryDirectory(prefix="pymongo-suite-") as dbpath:
        log = open(out_dir / "mongod.log", "w")
        server = subprocess.Popen(
            [str(binary), "mongod", "--port", str(port), "--bind", "127.0.0.1", "--dbpath", dbpath],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_listening(port, server)
            for name in files:
                report = out_dir / f"{name}.xml"
                report.unlink(missing_ok=True)
                deselected = [t for t in NEEDS_PUBLIC_DNS if t.startswith(f"{name}.py::")]
                cmd = [
                    *prefix,
                    sys.executable,
                    "-m",
                    "pytest",
                    f"test/{name}.py",
                    "-p",
                    "no:cacheprovider",
                    # The suite's own addopts write a report into the checkout; ours go to target/.
                    "-o",
                    "addopts=-ra --strict-markers -m 'default or default_async'",
                    f"--junitxml={report}",
                    *(arg for t in deselected for arg in ("--deselect", f"test/{t}")),
                    "-q",
                    *shlex.split(os.environ.get("PYTEST_ARGS", "")),
                ]
                with open(out_dir / f"{name}.log", "w") as out:
                    subprocess.run(cmd, cwd=src, env=env, stdout=out, stderr=subprocess.STDOUT)
                c = counts(report)
                c["deselected"] = len(deselected)
                rows.append((name, c))
                print(
                    f"{name:32} passed {c['passed']:4}  failed {c['failed']:3}  "
                    f"errors {c['errors']:3}  skipped {c['skipped']:4}  deselected {c['deselected']:2}",
                    flush=True,
                )
        finally:
            server.terminate()
            server.wait(timeout=10)
            log.close()
            root_dir.cleanup()
    total = {k: sum(c[k] for _, c in rows) for k in ("passed", "failed", "errors", "skipped", "deselected")}
    ran = total["passed"] + total["failed"] + total["errors"]
    share = 100.0 * total["passed"] / ran if ran else 0.0
    collected = ran + total["skipped"] + total["deselected"]
    ran_share = 100.0 * ran / collected if collected else 0.0
    print(
        f"{'total':32} passed {total['passed']:4}  failed {total['failed']:3}  "
        f"errors {total['errors']:3}  skipped {total['skipped']:4}  deselected {total['deselected']:2}"
    )
    print(
        f"{share:.1f}% of the tests that ran pass; {ran} of {collected} tests ran ({ran_share:.1f}%); "
        f"deselected (need public DNS): {total['deselected']}"
    )
    print(f"logs and JUnit reports: {out_dir}")
    return 0 if total["failed"] + total["errors"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
