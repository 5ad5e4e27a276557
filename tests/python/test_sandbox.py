"""Private sandboxes through real kernels: two kernels at once on the same PostgreSQL, MariaDB,
MongoDB (this repository's engine served alone by `dbkernel mongod`) and Redis see only their own
data; a sandbox is dropped when its kernel shuts down (shutdown_request, as JupyterLab and
nbgrader end kernels) and kept with --keep; the schema is checked with psql, the real client."""
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


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def kernel_binary():
    from jupyter_client.kernelspec import KernelSpecManager
    return KernelSpecManager().get_kernel_spec("dbkernel").argv[0]


def texts(kc, code):
    outputs.clear()
    reply = execute(kc, code)
    assert reply["content"]["status"] == "ok", (code, reply["content"])
    return "\n".join(m["content"]["data"]["text/plain"] for m in outputs
                     if m["msg_type"] in ("execute_result", "display_data"))


def test_two_kernels_at_once_see_only_their_own_data_on_every_server():
    import time
    port = free_port()
    # A MongoDB server both kernels share: this repository's engine served alone.
    mongod = subprocess.Popen([kernel_binary(), "mongod", "--port", str(port)],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    kernels = []
    try:
        time.sleep(0.5)
        setup = (f"%connect pg {PG}\n%connect maria mysql://root@127.0.0.1:3306/test\n"
                 f"%connect mongo mongodb://127.0.0.1:{port}\n%connect cache redis://127.0.0.1:6379/0")
        for _ in range(2):
            km, kc = start_new_kernel(kernel_name="dbkernel")
            kernels.append((km, kc))
            texts(kc, setup)
            texts(kc, "%%sandbox pg\nCREATE TABLE items (who text)")
            texts(kc, "%%sandbox maria\nCREATE TABLE items (who text)")
            texts(kc, "%%sandbox mongo\ndb.items.insertOne({ who: 'template' })")
            texts(kc, "%%sandbox cache\nSET template yes")
        for index, (_, kc) in enumerate(kernels):
            texts(kc, f"%%sql pg\nINSERT INTO items VALUES ('kernel {index}')")
            texts(kc, f"%%sql maria\nINSERT INTO items VALUES ('kernel {index}')")
            texts(kc, f"%%mql mongo\ndb.items.insertOne({{ who: 'kernel {index}' }})")
            texts(kc, f"%%redis cache\nSET who 'kernel {index}'")
        for index, (_, kc) in enumerate(kernels):
            other = f"kernel {1 - index}"
            for code in ("%%sql pg\nSELECT who FROM items", "%%sql maria\nSELECT who FROM items",
                         "%%mql mongo\ndb.items.find({}, { _id: 0 })", "%%redis cache\nGET who"):
                seen = texts(kc, code)
                assert f"kernel {index}" in seen and other not in seen, (index, code, seen)
    finally:
        for km, kc in kernels:
            kc.stop_channels()
            km.shutdown_kernel(now=False)
        mongod.terminate()
        mongod.wait(timeout=10)


def test_dbkernel_toml_makes_the_sandbox_with_its_template_file(tmp_path):
    import nbformat
    from nbclient import NotebookClient
    (tmp_path / "setup").mkdir()
    (tmp_path / "setup" / "pg.sql").write_text("CREATE TABLE items (n int);\nINSERT INTO items VALUES (1), (2), (3);\n")
    (tmp_path / "dbkernel.toml").write_text(f'[connections]\npg = "{PG}"\n\n[sandbox.pg]\ntemplate_file = "setup/pg.sql"\n')
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "dbkernel", "display_name": "dbkernel", "language": "sql"}
    nb.cells = [nbformat.v4.new_code_cell("%%sql pg\nSELECT count(*) AS n, current_schema() AS s FROM items")]
    NotebookClient(nb, kernel_name="dbkernel", timeout=60, resources={"metadata": {"path": str(tmp_path)}}).execute()
    text = "\n".join(o.get("data", {}).get("text/plain", "") for o in nb.cells[0].outputs)
    assert "pg now works in its own schema sandbox_" in text, text
    name = re.search(r"schema (sandbox_[0-9a-f]+)", text).group(1)
    assert re.search(rf"\b3 \| {name}\b", text), text
    assert not schema_exists(name), "dropped when the kernel shut down"
