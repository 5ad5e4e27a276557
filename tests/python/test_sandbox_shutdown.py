"""A kernel's private sandbox is dropped when the kernel shuts down (shutdown_request, as
JupyterLab and nbgrader end kernels), and kept with --keep; checked with psql, the real client."""
import re
import subprocess

from jupyter_client.manager import start_new_kernel

PG = "postgresql://postgres@127.0.0.1:5432/test"


def execute(kc, code):
    reply = kc.execute_interactive(code, timeout=60, output_hook=lambda msg: outputs.append(msg))
    return reply


outputs = []


def sandbox_schema(keep):
    outputs.clear()
    km, kc = start_new_kernel(kernel_name="dbkernel")
    try:
        reply = execute(kc, f"%connect c {PG}\n%%sandbox c{' --keep' if keep else ''}\nCREATE TABLE items (n int)")
        assert reply["content"]["status"] == "ok", reply["content"]
        text = "\n".join(m["content"]["data"]["text/plain"] for m in outputs
                         if m["msg_type"] in ("execute_result", "display_data"))
        name = re.search(r"schema (sandbox_[0-9a-f]+)", text).group(1)
        assert schema_exists(name)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=False)
    return name


def schema_exists(name):
    out = subprocess.run(["psql", PG, "-tAc", f"SELECT count(*) FROM information_schema.schemata WHERE schema_name = '{name}'"],
                         capture_output=True, text=True, check=True).stdout.strip()
    return out == "1"


def test_the_sandbox_is_gone_after_shutdown():
    assert not schema_exists(sandbox_schema(keep=False))


def test_a_kept_sandbox_stays():
    name = sandbox_schema(keep=True)
    try:
        assert schema_exists(name)
    finally:
        subprocess.run(["psql", PG, "-c", f'DROP SCHEMA "{name}" CASCADE'], capture_output=True, check=True)
