"""dbkernel.toml beside a notebook: named connections, the current connection per language,
settings, and secrets read from the environment (never written in the file or shown)."""
import os

from jupyter_client.manager import start_new_kernel

from test_lifecycle import run

CONFIG = """
[connections]
pg = "postgresql://postgres:${DBKERNEL_TEST_PG_PASSWORD}@127.0.0.1:5432/test"
cache = "redis://127.0.0.1:6379/9"

[current]
sql = "pg"

[settings]
display_limit = 3
"""


def text_of(outputs):
    return "\n".join(o["content"]["data"]["text/plain"] if "data" in o["content"] else o["content"].get("text", "")
                     for o in outputs)


def test_nearest_config_names_connections_and_settings(tmp_path):
    (tmp_path / "dbkernel.toml").write_text(CONFIG)
    notebook_dir = tmp_path / "course" / "week1"
    notebook_dir.mkdir(parents=True)
    env = dict(os.environ, DBKERNEL_TEST_PG_PASSWORD="not-needed-with-trust-auth")
    km, kc = start_new_kernel(kernel_name="dbkernel", startup_timeout=30, cwd=str(notebook_dir), env=env)
    try:
        reply, outputs = run(kc, "%connections")
        assert reply["status"] == "ok"
        listing = text_of(outputs)
        assert "pg" in listing and "cache" in listing
        assert "not-needed-with-trust-auth" not in listing
        assert "****" in listing
        # A plain cell runs on the configured current SQL connection: PostgreSQL, not SQLite.
        reply, outputs = run(kc, "SELECT version() AS v")
        assert reply["status"] == "ok", outputs
        assert "PostgreSQL" in text_of(outputs)
        # display_limit from [settings].
        reply, outputs = run(kc, "SELECT g FROM generate_series(1, 10) g")
        assert "(shown 3 of 10 rows)" in text_of(outputs)
        reply, outputs = run(kc, "%%redis cache\nPING")
        assert "PONG" in text_of(outputs)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_a_broken_config_is_reported_and_defaults_still_work(tmp_path):
    (tmp_path / "dbkernel.toml").write_text("[settings]\ndisplay_limt = 3\n")
    km, kc = start_new_kernel(kernel_name="dbkernel", startup_timeout=30, cwd=str(tmp_path))
    try:
        reply, outputs = run(kc, "SELECT 1 AS one")
        assert reply["status"] == "ok"
        streams = [o["content"]["text"] for o in outputs if o["msg_type"] == "stream" and o["content"]["name"] == "stderr"]
        assert any("dbkernel.toml is not valid" in s and "display_limt" in s for s in streams), outputs
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
