"""Completion, inspection and is_complete (issue 19) through jupyter_client, on SQLite,
PostgreSQL, MariaDB, the embedded MongoDB engine and Redis, against schema objects this file
creates under its own names (and drops at the end).

Expected values come from the servers: the column types as each catalog names them
(PostgreSQL's `numeric(10,2)`, MariaDB's `varchar(40)`), Redis 7's COMMAND DOCS summary of
EXPIRE, the listpack encoding of a small hash. Under CI=true a missing service is a failure.
"""
import os
import socket
import time
import uuid

import pytest
from jupyter_client.manager import start_new_kernel

TIMEOUT = 60
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
SUFFIX = uuid.uuid4().hex[:8]
PG_URL = "postgresql://postgres@127.0.0.1:5432/test"
MY_URL = "mysql://root@127.0.0.1:3306/test"
REDIS_URL = "redis://127.0.0.1:6379"


def require_port(port, name):
    try:
        socket.create_connection(("127.0.0.1", port), timeout=2).close()
    except OSError as e:
        if IN_CI:
            pytest.fail(f"{name} is not reachable at 127.0.0.1:{port}: {e} (CI=true: required)")
        pytest.skip(f"{name} is not reachable at 127.0.0.1:{port}: {e}")


@pytest.fixture(scope="module")
def kc():
    km, client = start_new_kernel(kernel_name="dbkernel", startup_timeout=TIMEOUT)
    yield client
    client.stop_channels()
    km.shutdown_kernel(now=True)


def run(kc, code):
    """Runs a cell; returns everything it showed as text, failing on an error."""
    msg_id = kc.execute(code)
    texts, error = [], None
    while True:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "status" and content["execution_state"] == "idle":
            break
        if kind == "stream":
            texts.append(content["text"])
        elif kind in ("execute_result", "display_data"):
            texts.append(content["data"].get("text/plain", ""))
        elif kind == "error":
            error = f"{content['ename']}: {content['evalue']}"
    reply = kc.get_shell_msg(timeout=TIMEOUT)
    assert error is None, f"{code!r} failed: {error}"
    assert reply["content"]["status"] == "ok", reply["content"]
    return "\n".join(texts)


def complete(kc, code, cursor=None):
    """(matches, reply content) at the cursor (default: the end), in code points."""
    cursor = len(code) if cursor is None else cursor
    reply = kc.complete(code, cursor, reply=True, timeout=TIMEOUT)["content"]
    assert reply["status"] == "ok", reply
    return reply["matches"], reply


def inspect(kc, code, cursor=None):
    cursor = len(code) if cursor is None else cursor
    reply = kc.inspect(code, cursor, reply=True, timeout=TIMEOUT)["content"]
    assert reply["status"] == "ok", reply
    return reply["data"].get("text/plain") if reply["found"] else None


def is_complete_reply(kc, code):
    msg_id = kc.is_complete(code)
    while True:
        reply = kc.get_shell_msg(timeout=TIMEOUT)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply["content"]


def is_complete(kc, code):
    return is_complete_reply(kc, code)["status"]


def eventually_completes(kc, code, expected, cursor=None):
    """The schema refresh after DDL runs in the background: the first request may wait a
    bounded moment for it; allow a few tries before failing."""
    for _ in range(20):
        matches, reply = complete(kc, code, cursor)
        if expected in matches:
            return matches, reply
        time.sleep(0.25)
    pytest.fail(f"{expected!r} never offered for {code!r}; last: {matches[:20]}")


# ---------------------------------------------------------------- magics and names

def test_connection_names_options_and_variables(kc):
    require_port(5432, "PostgreSQL")
    run(kc, f"%connect pg {PG_URL}")
    matches, reply = complete(kc, "%%sql p")
    assert "pg" in matches and "partition" not in matches, matches
    assert reply["cursor_start"] == 6 and reply["cursor_end"] == 7
    matches, _ = complete(kc, "%use ")
    assert {"pg", "default", "mongo", "redis"} <= set(matches), matches
    matches, _ = complete(kc, "%%mql ")
    assert "mongo" in matches and "pg" not in matches, matches
    matches, _ = complete(kc, "%%sql pg --")
    assert {"--limit", "--out", "--explain", "--analyze"} <= set(matches), matches
    assert "--timeout" not in matches
    matches, _ = complete(kc, "%%redis --")
    assert "--timeout" in matches and "--explain" not in matches
    run(kc, "%set cmp_limit = 5")
    matches, _ = complete(kc, "%%sql\nSELECT * FROM t LIMIT :cmp_l")
    assert matches == ["cmp_limit"], matches
    matches, _ = complete(kc, "%%redis\nGET {{ cmp_")
    assert matches == ["cmp_limit"], matches
    text = inspect(kc, "SELECT :cmp_limit", 12)
    assert text is not None and "int" in text and "5" in text, text


def test_kernel_info_names_the_sql_connections_the_kernel_started_with(tmp_path):
    """Connections from dbkernel.toml are invisible in the notebook's text; kernel_info tells
    the JupyterLab extension their dialects (and the current one) for highlighting."""
    (tmp_path / "dbkernel.toml").write_text(
        '[connections]\nwh = "mysql://root@127.0.0.1:3306/test"\nlake = "postgresql://127.0.0.1:5432/test"\n'
        '[current]\nsql = "wh"\n')
    km, client = start_new_kernel(kernel_name="dbkernel", startup_timeout=TIMEOUT, cwd=str(tmp_path))
    try:
        reply = client.kernel_info(reply=True, timeout=TIMEOUT)["content"]
    finally:
        client.stop_channels()
        km.shutdown_kernel(now=True)
    sql = reply["dbkernel"]["sql"]
    assert sql["current"] == "wh", sql
    assert {"wh": "mysql", "lake": "postgresql", "results": "sqlite"}.items() <= sql["connections"].items(), sql
    assert "mongo" not in sql["connections"] and "redis" not in sql["connections"], sql


# ---------------------------------------------------------------- SQLite

def test_sqlite_tables_columns_aliases_and_inspection(kc):
    t = f"cmp_people_{SUFFIX}"
    run(kc, "%connect lite sqlite::memory:")
    run(kc, f"%%sql lite\nCREATE TABLE {t} (id INTEGER PRIMARY KEY, email TEXT NOT NULL, age INTEGER DEFAULT 0);\n"
            f"CREATE INDEX {t}_email ON {t} (email);\n"
            f"INSERT INTO {t} (email) VALUES ('a@x'), ('b@x'), ('c@x');")
    matches, _ = eventually_completes(kc, f"%%sql lite\nSELECT * FROM cmp_people_", t)
    assert "partition" not in matches
    code = f"%%sql lite\nSELECT p.em FROM {t} p"
    matches, reply = complete(kc, code, code.index("p.em") + 4)
    assert matches == ["email"], matches
    types = reply["metadata"]["_jupyter_types_experimental"]
    assert types[0]["type"] == "column" and "TEXT" in types[0]["signature"]
    matches, _ = complete(kc, f"%%sql lite\nSELECT a FROM {t}", len("%%sql lite\nSELECT a"))
    assert "age" in matches and "abs" in matches, matches  # a column, then SQLite's abs()
    text = inspect(kc, f"%%sql lite\nSELECT * FROM {t}")
    assert text.startswith(f"table main.{t} — 3 rows"), text
    assert "email  TEXT NOT NULL" in text and f"{t}_email" in text and "DEFAULT 0" in text, text
    # DDL refreshes the cache.
    run(kc, f"%%sql lite\nALTER TABLE {t} ADD COLUMN nickname TEXT")
    eventually_completes(kc, f"%%sql lite\nSELECT nick FROM {t}", "nickname", len("%%sql lite\nSELECT nick"))
    run(kc, f"%%sql lite\nDROP TABLE {t}")


# ---------------------------------------------------------------- the results connection

def test_results_offers_every_kept_table_with_the_loaders_columns(kc):
    """Kept variables are tables on `%%sql results` before any cell loaded them; the columns
    completion shows are the ones SQLite gets when the table is loaded (PRAGMA table_info)."""
    t, d = f"cmp_k_orders_{SUFFIX}", f"cmp_k_people_{SUFFIX}"
    run(kc, f"%%sql default --out {t}\nSELECT 1 AS id, 'Ada' AS name, 2.5 AS total")
    run(kc, "%connect emb embedded")
    run(kc, f"%%mql emb\ndb.{d}.insertMany([{{_id: 1, name: 'Ada', age: 36}}, {{_id: 2, name: 'Bo', age: 41, city: 'Oslo'}}])")
    run(kc, f"%%mql emb --out {d}\ndb.{d}.find().sort({{_id: 1}})")
    run(kc, f"%set cmp_k_scalar_{SUFFIX} = 5")
    code = "%%sql results\nSELECT * FROM cmp_k_"
    matches, reply = complete(kc, code)
    assert set(matches) == {t, d}, matches  # the scalar is no table
    types = {e["text"]: e for e in reply["metadata"]["_jupyter_types_experimental"]}
    assert types[d]["type"] == "table" and types[d]["signature"] == "(_id, name, age, city)", types[d]
    code = f"%%sql results\nSELECT p.ag FROM {d} p"
    matches, reply = complete(kc, code, code.index("p.ag") + 4)
    assert matches == ["age"], matches
    assert reply["metadata"]["_jupyter_types_experimental"][0]["signature"] == f"{d}.age INTEGER"
    text = inspect(kc, f"%%sql results\nSELECT * FROM {d}")
    assert text.startswith(f"variable {d}: documents\n2 documents"), text
    assert "as a table on %%sql results (2 rows):" in text and "age   INTEGER" in text, text
    # What SQLite itself says once the cell loads the table.
    for name in (t, d):
        run(kc, f"%%sql results\nSELECT * FROM {name} LIMIT 0")
        out = run(kc, f"%%sql results\nSELECT group_concat(name || ' ' || type, ', ') AS cols FROM pragma_table_info('{name}')")
        code = f"%%sql results\nSELECT x. FROM {name} x"
        matches, reply = complete(kc, code, code.index("x.") + 2)
        shown = ", ".join(f"{e['text']} {e['signature'].split()[-1]}" for e in reply["metadata"]["_jupyter_types_experimental"])
        assert shown in out, (shown, out)
    run(kc, f"%del {t} {d} cmp_k_scalar_{SUFFIX}")
    run(kc, f"%%mql emb\ndb.{d}.drop()")
    matches, _ = complete(kc, "%%sql results\nSELECT * FROM cmp_k_")
    assert t not in matches and d not in matches, matches


def test_chart_words_and_variables_on_chart_and_del(kc):
    v = f"cmp_chart_{SUFFIX}"
    run(kc, f"%%sql default --out {v}\nSELECT 'Oslo' AS city, 3 AS total")
    matches, _ = complete(kc, "%%sql --chart ")
    assert matches == ["bar", "line", "area", "scatter", "histogram"], matches
    matches, _ = complete(kc, "%%sql --chart histogram x=total ")
    assert matches == ["bins=", "title="], matches
    matches, _ = complete(kc, "%chart cmp_chart_")
    assert matches == [v], matches
    matches, reply = complete(kc, f"%chart {v} bar x=ci")
    assert matches == ["city"] and reply["cursor_start"] == len(f"%chart {v} bar x="), reply
    matches, _ = complete(kc, "%del cmp_chart_")
    assert matches == [v], matches
    run(kc, f"%del {v}")


# ---------------------------------------------------------------- PostgreSQL

def test_postgres_schema_aware_completion_and_inspection(kc):
    require_port(5432, "PostgreSQL")
    s, t = f"cmp_s_{SUFFIX}", f"cmp_orders_{SUFFIX}"
    run(kc, f"%connect pg {PG_URL}")
    run(kc, f"%%sql pg\nCREATE SCHEMA {s};\n"
            f"CREATE TABLE {s}.{t} (order_id serial PRIMARY KEY, total numeric(10,2) NOT NULL, placed timestamptz DEFAULT now());\n"
            f"CREATE INDEX {t}_total ON {s}.{t} (total);\n"
            f"INSERT INTO {s}.{t} (total) SELECT g FROM generate_series(1, 50) g;\nANALYZE {s}.{t};")
    matches, _ = eventually_completes(kc, f"%%sql pg\nSELECT * FROM {s}.cmp_ord", t)
    code = f"%%sql pg\nSELECT o.to FROM {s}.{t} AS o"
    matches, _ = complete(kc, code, code.index("o.to") + 4)
    assert matches == ["total"], matches
    matches, _ = complete(kc, "%%sql pg\nSELECT * FROM x TABLESAM")
    assert matches == ["TABLESAMPLE"], matches  # from pg_get_keywords(), not the common list
    matches, reply = complete(kc, "%%sql pg\nSELECT date_tru")
    assert "date_trunc" in matches, matches
    text = inspect(kc, f"%%sql pg\nSELECT * FROM {s}.{t}")
    assert text.startswith(f"table {s}.{t} — about 50 rows"), text
    assert "total     numeric(10,2) NOT NULL" in text, text
    assert f"CREATE INDEX {t}_total ON {s}.{t} USING btree (total)" in text, text
    code = f"%%sql pg\nSELECT o.placed FROM {s}.{t} o"
    text = inspect(kc, code, code.index("placed") + 2)
    assert text.startswith(f"column {s}.{t}.placed: timestamp with time zone (nullable)"), text
    assert "default: now()" in text, text
    text = inspect(kc, "%%sql pg\nSELECT now()", len("%%sql pg\nSELECT no"))
    assert "now() → timestamp with time zone" in text, text
    run(kc, f"%%sql pg\nDROP SCHEMA {s} CASCADE")


def test_postgres_catalog_reads_never_touch_the_users_transaction(kc):
    require_port(5432, "PostgreSQL")
    run(kc, f"%connect pg {PG_URL}")
    run(kc, "%%sql pg\nBEGIN;\nCREATE TEMP TABLE cmp_tx_probe (a int);\nINSERT INTO cmp_tx_probe VALUES (1);")
    complete(kc, "%%sql pg\nSELECT * FROM cmp_")
    inspect(kc, "%%sql pg\nSELECT * FROM cmp_tx_probe")
    assert "(1 row)" in run(kc, "%%sql pg\nSELECT count(*) AS n FROM cmp_tx_probe")
    out = run(kc, "%%sql pg\nSELECT count(*) AS side FROM pg_stat_activity WHERE application_name = 'dbkernel catalog'")
    assert int(out.split("\n")[2].strip()) >= 1, out  # the catalog reads on a connection of its own
    out = run(kc, "%%sql pg\nROLLBACK")
    assert "ROLLBACK" in out and "WARNING" not in out, out
    assert " true\n" in run(kc, "%%sql pg\nSELECT to_regclass('cmp_tx_probe') IS NULL AS gone")


def test_postgres_temp_tables_are_offered_from_the_session(kc):
    """A temporary table exists only in the session that made it; completion reads it there
    between cells and offers it with its columns until it is dropped."""
    require_port(5432, "PostgreSQL")
    t = f"cmp_tmp_{SUFFIX}"
    run(kc, f"%connect pg {PG_URL}")
    run(kc, f"%%sql pg\nCREATE TEMP TABLE {t} (id int NOT NULL, label text)")
    eventually_completes(kc, "%%sql pg\nSELECT * FROM cmp_tm", t)
    code = f"%%sql pg\nSELECT x.la FROM {t} x"
    matches, _ = complete(kc, code, code.index("x.la") + 4)
    assert matches == ["label"], matches
    text = inspect(kc, f"%%sql pg\nSELECT * FROM {t}")
    assert text.startswith(f"temporary table pg_temp.{t}"), text
    assert "this session only" in text and "id     integer NOT NULL" in text, text
    run(kc, f"%%sql pg\nDROP TABLE {t}")
    for _ in range(20):
        matches, _ = complete(kc, "%%sql pg\nSELECT * FROM cmp_tm")
        if t not in matches:
            break
        time.sleep(0.25)
    assert t not in matches, matches


def until_not_offered(kc, code, name):
    # Up to 15 s: on a loaded machine the catalog's background refresh can take several seconds.
    for _ in range(60):
        matches, _ = complete(kc, code)
        if name not in matches:
            return
        time.sleep(0.25)
    pytest.fail(f"{name!r} still offered for {code!r}: {matches[:20]}")


def test_postgres_uncommitted_drop_hides_a_table_until_rollback(kc):
    require_port(5432, "PostgreSQL")
    t = f"cmp_dropped_{SUFFIX}"
    run(kc, f"%connect pg {PG_URL}")
    run(kc, f"%%sql pg\nCREATE TABLE {t} (id int)")
    eventually_completes(kc, "%%sql pg\nSELECT * FROM cmp_drop", t)
    run(kc, f"%%sql pg\nBEGIN;\nDROP TABLE {t}")
    until_not_offered(kc, "%%sql pg\nSELECT * FROM cmp_drop", t)
    run(kc, "%%sql pg\nROLLBACK")
    eventually_completes(kc, "%%sql pg\nSELECT * FROM cmp_drop", t)
    run(kc, f"%%sql pg\nDROP TABLE {t}")


def test_postgres_uncommitted_tables_are_offered_until_rollback(kc):
    require_port(5432, "PostgreSQL")
    t = f"cmp_uncommitted_{SUFFIX}"
    run(kc, f"%connect pg {PG_URL}")
    run(kc, f"%%sql pg\nBEGIN;\nCREATE TABLE {t} (qty int)")
    eventually_completes(kc, "%%sql pg\nSELECT * FROM cmp_uncom", t)
    text = inspect(kc, f"%%sql pg\nSELECT * FROM {t}")
    assert text.startswith(f"table public.{t}") and "not committed yet" in text, text
    # The read did not disturb the transaction: the table is there and the session can go on.
    assert "(0 rows)" in run(kc, f"%%sql pg\nSELECT * FROM {t}")
    out = run(kc, "%%sql pg\nROLLBACK")
    assert "ROLLBACK" in out and "WARNING" not in out, out
    for _ in range(20):
        matches, _ = complete(kc, "%%sql pg\nSELECT * FROM cmp_uncom")
        if t not in matches:
            break
        time.sleep(0.25)
    assert t not in matches, matches
    assert " true\n" in run(kc, f"%%sql pg\nSELECT to_regclass('{t}') IS NULL AS gone")


def test_completion_answers_while_a_cell_runs(kc):
    require_port(5432, "PostgreSQL")
    t = f"cmp_busy_{SUFFIX}"
    run(kc, f"%connect pg {PG_URL}")
    run(kc, f"%%sql pg\nCREATE TABLE {t} (id int)")
    eventually_completes(kc, "%%sql pg\nSELECT * FROM cmp_bus", t)
    msg_id = kc.execute("%%sql pg\nSELECT pg_sleep(3)")
    time.sleep(0.3)
    started = time.monotonic()
    matches, _ = complete(kc, "%%sql pg\nSELECT * FROM cmp_bus")
    elapsed = time.monotonic() - started
    assert t in matches and elapsed < 1.5, (matches, elapsed)
    while True:
        msg = kc.get_iopub_msg(timeout=TIMEOUT)
        if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "status" \
                and msg["content"]["execution_state"] == "idle":
            break
    kc.get_shell_msg(timeout=TIMEOUT)
    run(kc, f"%%sql pg\nDROP TABLE {t}")


# ---------------------------------------------------------------- MariaDB

def test_mariadb_tables_columns_and_inspection(kc):
    require_port(3306, "MariaDB")
    t = f"cmp_items_{SUFFIX}"
    run(kc, f"%connect my {MY_URL}")
    run(kc, f"%%sql my\nCREATE TABLE {t} (sku varchar(40) NOT NULL PRIMARY KEY, price decimal(8,2), UNIQUE KEY {t}_price (price));")
    eventually_completes(kc, "%%sql my\nSELECT * FROM cmp_ite", t)
    code = f"%%sql my\nSELECT i.pr FROM {t} i"
    matches, _ = complete(kc, code, code.index("i.pr") + 4)
    assert matches == ["price"], matches
    text = inspect(kc, f"%%sql my\nSELECT * FROM {t}")
    assert text.startswith(f"table test.{t}"), text
    assert "sku    varchar(40) NOT NULL" in text and f"{t}_price: UNIQUE BTREE (price)" in text, text
    run(kc, f"%%sql my\nDROP TABLE {t}")


# ---------------------------------------------------------------- embedded MongoDB engine

def test_embedded_mongodb_collections_fields_and_inspection(kc):
    c = f"cmp_people_{SUFFIX}"
    run(kc, "%connect emb embedded")
    run(kc, f"%%mql emb\ndb.{c}.insertMany([{{name: 'Ada', address: {{city: 'London'}}, tags: [{{k: 'x'}}]}}, "
            f"{{name: 'Bo', age: 41, address: {{city: 'Oslo'}}}}])\ndb.{c}.createIndex({{name: 1}})")
    eventually_completes(kc, "%%mql emb\ndb.cmp_peo", c)
    matches, reply = complete(kc, f"%%mql emb\ndb.{c}.insertO")
    assert matches == ["insertOne"], matches
    assert reply["metadata"]["_jupyter_types_experimental"][0]["signature"] == "insertOne(document, options)"
    matches, _ = complete(kc, f"%%mql emb\ndb.{c}.find({{addr")
    assert matches == ["address", "'address.city'"], matches
    matches, _ = complete(kc, f"%%mql emb\ndb.{c}.find({{'tags.")
    assert matches == ["tags.k"], matches
    matches, _ = complete(kc, f"%%mql emb\ndb.{c}.find({{age: {{$gt")
    assert matches == ["$gt", "$gte"], matches
    matches, _ = complete(kc, f"%%mql emb\ndb.{c}.aggregate([{{$gro")
    assert matches == ["$group"], matches
    text = inspect(kc, f"%%mql emb\ndb.{c}.find()", len(f"%%mql emb\ndb.{c[:4]}"))
    assert text.startswith(f"collection test.{c} — 2 documents"), text
    assert "address.city  string" in text and "age           int" in text, text
    assert "name_1: { name: 1 }" in text, text
    run(kc, f"%%mql emb\ndb.{c}.drop()")


# ---------------------------------------------------------------- Redis

def test_redis_commands_keys_and_inspection(kc):
    require_port(6379, "Redis")
    prefix = f"cmp:{SUFFIX}"
    run(kc, f"%connect r {REDIS_URL}")
    run(kc, f"%%redis r\nHSET {prefix}:user:1 name Ada city London\nSET {prefix}:count 7 EX 300")
    matches, reply = eventually_completes(kc, "%%redis r\nHGETA", "HGETALL")
    assert matches == ["HGETALL"], matches
    assert reply["metadata"]["_jupyter_types_experimental"][0]["signature"] == "HGETALL key"
    matches, _ = complete(kc, "%%redis r\nhgeta")
    assert matches == ["hgetall"], matches
    matches, _ = complete(kc, "%%redis r\nCLIENT LI")
    assert matches == ["LIST"], matches
    matches, _ = complete(kc, f"%%redis r\nGET {prefix}:")
    assert matches == [f"{prefix}:count", f"{prefix}:user:1"], matches
    text = inspect(kc, f"%%redis r\nHGETALL {prefix}:user:1")
    assert text is not None, text
    assert "type:     hash" in text and "size:     2 fields" in text and "encoding: listpack" in text, text
    assert "ttl:      none (persistent)" in text, text
    text = inspect(kc, f"%%redis r\nGET {prefix}:count")
    assert "type:     string" in text and "ttl:      " in text and "persistent" not in text, text
    text = inspect(kc, "%%redis r\nEXPIRE k 10", 11)
    assert text.startswith("EXPIRE key seconds [NX | XX | GT | LT]"), text
    assert "Set a key's time to live in seconds" in text and "since: 1.0.0" in text, text
    run(kc, f"%%redis r\nDEL {prefix}:user:1 {prefix}:count")


# ---------------------------------------------------------------- is_complete

def test_is_complete_follows_each_shell(kc):
    assert is_complete(kc, "%%sql\nSELECT 1;") == "complete"
    assert is_complete(kc, "%%sql\nSELECT 1") == "incomplete"  # psql waits for the ;
    assert is_complete(kc, "%%sql\nSELECT 'it''s") == "incomplete"
    assert is_complete(kc, "%%sql\nSELECT (1 +") == "incomplete"
    assert is_complete(kc, "%%sql\n\\dt") == "complete"
    assert is_complete(kc, "%%sql pg\nCREATE FUNCTION f() RETURNS int AS $$ SELECT 1;") == "incomplete"
    assert is_complete(kc, "%%mql\ndb.c.find({a: [1, 2") == "incomplete"
    assert is_complete(kc, "%%mql\ndb.c.find({a: ')'})") == "complete"
    assert is_complete(kc, "%%redis\nSET k \"open") == "incomplete"
    assert is_complete(kc, "%%redis\nSET k 'a b'") == "complete"
    assert is_complete(kc, "%%nosuchmagic") == "invalid"
    assert is_complete_reply(kc, "%%sql\nSELECT (") == {"status": "incomplete", "indent": ""}
