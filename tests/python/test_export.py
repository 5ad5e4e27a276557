"""Export through the real kernel: `%%sql --export` (PostgreSQL, streaming, relative to the
notebook's folder) and `%export VAR PATH` of MongoDB documents from the embedded engine, read
back with pyarrow, the csv module and json, and compared with what the servers return."""
import csv
import json

import pyarrow.ipc
import pyarrow.parquet as pq
from jupyter_client.manager import start_new_kernel

from test_lifecycle import run


def text_of(outputs):
    return "\n".join(o["content"]["data"]["text/plain"] if "data" in o["content"] else o["content"].get("text", "")
                     for o in outputs)


def test_sql_export_and_documents_export_read_back_with_their_readers(tmp_path):
    km, kc = start_new_kernel(kernel_name="dbkernel", startup_timeout=30, cwd=str(tmp_path))
    try:
        reply, outputs = run(kc, "%connect pg postgresql://postgres@127.0.0.1:5432/test")
        assert reply["status"] == "ok", outputs
        reply, outputs = run(
            kc,
            "%%sql --export squares.parquet\n"
            "SELECT g AS n, g * g AS square, g::float8 / 8 AS eighth, 'v' || g AS label, "
            "(g * 0.1)::numeric(6,1) AS tenth FROM generate_series(1, 5000) g",
        )
        assert reply["status"] == "ok", outputs
        text = text_of(outputs)
        assert "exported 5000 rows to squares.parquet (Parquet," in text
        assert "(shown 50 of 5000 rows)" in text
        table = pq.read_table(tmp_path / "squares.parquet")
        assert table.num_rows == 5000
        assert str(table.schema.field("n").type) == "int64"
        assert str(table.schema.field("eighth").type) == "double"
        assert table.column("square").to_pylist()[-1] == 5000 * 5000
        assert table.column("eighth").to_pylist()[3] == 0.5
        assert table.column("label").to_pylist()[0] == "v1"
        assert table.column("tenth").to_pylist()[2] == "0.3"

        # Refused the second time, replaced with --force.
        reply, outputs = run(kc, "%%sql --export squares.parquet\nSELECT 1 AS n")
        assert reply["status"] == "error"
        assert "already exists; add --force" in reply["evalue"]
        reply, outputs = run(kc, "%%sql --export squares.parquet --force\nSELECT 7 AS n")
        assert reply["status"] == "ok", outputs
        assert pq.read_table(tmp_path / "squares.parquet").column("n").to_pylist() == [7]

        # Arrow IPC with --format: pyarrow opens it as an IPC file.
        reply, outputs = run(kc, "%%sql --export pairs.bin --format arrow\nSELECT 1 AS a, true AS b")
        assert reply["status"] == "ok", outputs
        with pyarrow.ipc.open_file(tmp_path / "pairs.bin") as reader:
            got = reader.read_all()
        assert got.to_pydict() == {"a": [1], "b": [True]}

        # Documents from the embedded engine, kept with --out, exported two ways.
        reply, outputs = run(
            kc,
            "%%mql --out people\n"
            "db.export_people.drop()\n"
            "db.export_people.insertMany([{_id: 1, name: 'Ada', age: 36, tags: ['math'], "
            "address: {city: 'London'}}, {_id: 2, name: 'Alan', score: 1.5}])\n"
            "db.export_people.find().sort({_id: 1})",
        )
        assert reply["status"] == "ok", outputs
        reply, outputs = run(kc, "%export people people.jsonl")
        assert reply["status"] == "ok", outputs
        assert "exported 2 rows to people.jsonl (JSON Lines" in text_of(outputs)
        lines = [json.loads(line) for line in (tmp_path / "people.jsonl").read_text().splitlines()]
        assert lines[0] == {"_id": 1, "name": "Ada", "age": 36, "tags": ["math"], "address": {"city": "London"}}
        assert lines[1] == {"_id": 2, "name": "Alan", "score": 1.5}

        reply, outputs = run(kc, "%export people people.csv")
        assert reply["status"] == "ok", outputs
        with open(tmp_path / "people.csv", newline="") as f:
            rows = list(csv.DictReader(f))
        assert list(rows[0].keys()) == ["_id", "name", "age", "tags", "address", "score"]
        assert rows[0]["age"] == "36" and rows[0]["score"] == ""
        assert json.loads(rows[0]["address"]) == {"city": "London"}
        assert json.loads(rows[0]["tags"]) == ["math"]
        assert rows[1]["score"] == "1.5"

        reply, outputs = run(kc, "%export people people.parquet")
        assert reply["status"] == "ok", outputs
        flat = pq.read_table(tmp_path / "people.parquet")
        assert str(flat.schema.field("age").type) == "int64"
        assert flat.column("score").to_pylist() == [None, 1.5]

        # Round trip: PostgreSQL -> Parquet -> kernel variable -> MongoDB -> CSV, values and
        # types checked on each hop.
        reply, outputs = run(
            kc,
            "%%sql --export trip.parquet\n"
            "SELECT g AS id, 'n' || g AS name, g * 0.5::float8 AS half, g % 2 = 0 AS even "
            "FROM generate_series(1, 3) g",
        )
        assert reply["status"] == "ok", outputs
        trip = pq.read_table(tmp_path / "trip.parquet")
        assert [str(f.type) for f in trip.schema] == ["int64", "string", "double", "bool"]
        reply, outputs = run(kc, "%import trip trip.parquet")
        assert reply["status"] == "ok", outputs
        assert "imported trip.parquet (Parquet) into trip: table, 3 rows" in text_of(outputs)
        reply, outputs = run(
            kc,
            "%%mql\ndb.export_trip.drop()\ndb.export_trip.insertMany({{trip}})",
        )
        assert reply["status"] == "ok", outputs
        reply, outputs = run(
            kc,
            "%%mql --out back\n"
            "db.export_trip.aggregate([{$sort: {id: 1}}, {$project: {_id: 0, id: 1, name: 1, half: 1, even: 1, "
            "types: [{$type: '$id'}, {$type: '$half'}, {$type: '$even'}]}}])",
        )
        assert reply["status"] == "ok", outputs
        reply, outputs = run(kc, "%export back back.csv")
        assert reply["status"] == "ok", outputs
        with open(tmp_path / "back.csv", newline="") as f:
            back = list(csv.DictReader(f))
        assert [r["id"] for r in back] == ["1", "2", "3"]
        assert [r["name"] for r in back] == ["n1", "n2", "n3"]
        assert [float(r["half"]) for r in back] == [0.5, 1.0, 1.5]
        assert [r["even"] for r in back] == ["false", "true", "false"]
        # {{trip}} binds small integers as 32-bit, as mongosh stores its numbers.
        assert json.loads(back[0]["types"]) == ["int", "double", "bool"]
        # And a CSV back into a table.
        reply, outputs = run(kc, "%import again back.csv")
        assert reply["status"] == "ok", outputs
        assert "into again: table, 3 rows" in text_of(outputs)

        reply, outputs = run(kc, "%export nobody out.csv")
        assert reply["status"] == "error"
        # No partial files were left behind.
        assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_the_stop_button_stops_an_export_and_leaves_no_file(tmp_path):
    import time
    km, kc = start_new_kernel(kernel_name="dbkernel", startup_timeout=30, cwd=str(tmp_path))
    try:
        reply, outputs = run(kc, "%connect pg postgresql://postgres@127.0.0.1:5432/test")
        assert reply["status"] == "ok", outputs
        msg_id = kc.execute("%%sql --export huge.parquet\n"
                            "SELECT g, md5(g::text) FROM generate_series(1, 500000000) g")
        while True:
            msg = kc.get_iopub_msg(timeout=30)
            if msg["parent_header"].get("msg_id") == msg_id and msg["msg_type"] == "execute_input":
                break
        time.sleep(2)
        started = time.monotonic()
        km.interrupt_kernel()
        reply = kc.get_shell_msg(timeout=30)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = kc.get_shell_msg(timeout=30)
        assert time.monotonic() - started < 5
        assert reply["content"]["ename"] == "KeyboardInterrupt"
        assert sorted(p.name for p in tmp_path.iterdir() if "huge" in p.name) == []
        # The connection is ready, and a later export works.
        reply, outputs = run(kc, "%%sql --export small.csv\nSELECT 1 AS one")
        assert reply["status"] == "ok", outputs
        assert (tmp_path / "small.csv").read_text() == "one\n1\n"
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def test_mql_and_redis_cells_export_their_last_result(tmp_path):
    import os
    km, kc = start_new_kernel(kernel_name="dbkernel", startup_timeout=30, cwd=str(tmp_path))
    key = f"pytest_export_{os.getpid()}"
    try:
        reply, outputs = run(
            kc,
            "%%mql\nuse pytest_export_cells\ndb.c.drop()\n"
            "db.c.insertMany([{_id: 1, name: 'Ada', born: 1815, at: {city: 'London'}}, "
            "{_id: 2, name: 'Alan', born: 1912}, {_id: 3, name: 'Grace', born: 1906}])",
        )
        assert reply["status"] == "ok", outputs
        reply, outputs = run(kc, "%%mql --limit 1 --export people.parquet\nuse pytest_export_cells\n"
                                 "db.c.find().sort({_id: 1})")
        assert reply["status"] == "ok", outputs
        assert "exported 3 rows to people.parquet (Parquet," in text_of(outputs)
        people = pq.read_table(tmp_path / "people.parquet")
        assert people.column_names == ["_id", "name", "born", "at"]
        assert str(people.schema.field("born").type) == "int64"
        assert people.column("born").to_pylist() == [1815, 1912, 1906]
        assert people.column("at").to_pylist() == ['{"city":"London"}', None, None]
        reply, outputs = run(kc, "%%mql --export people.jsonl\nuse pytest_export_cells\n"
                                 "db.c.find({born: {$gt: 1900}}).sort({_id: 1})")
        assert reply["status"] == "ok", outputs
        lines = [json.loads(line) for line in (tmp_path / "people.jsonl").read_text().splitlines()]
        assert lines == [{"_id": 2, "name": "Alan", "born": 1912}, {"_id": 3, "name": "Grace", "born": 1906}]
        run(kc, "%%mql\nuse pytest_export_cells\ndb.dropDatabase()")

        reply, outputs = run(kc, f"%%redis\nDEL {key}:z\nZADD {key}:z 1 a 2.5 b")
        assert reply["status"] == "ok", outputs
        reply, outputs = run(kc, f"%%redis --export z.csv\nZRANGE {key}:z 0 -1 WITHSCORES")
        assert reply["status"] == "ok", outputs
        assert "exported 2 rows to z.csv (CSV," in text_of(outputs)
        assert (tmp_path / "z.csv").read_text() == "member,score\na,1.0\nb,2.5\n"
        # The same reply kept with --out and written by %export gives the same file.
        reply, outputs = run(kc, f"%%redis --out z\nZRANGE {key}:z 0 -1 WITHSCORES")
        assert reply["status"] == "ok", outputs
        reply, outputs = run(kc, "%export z z_kept.csv")
        assert reply["status"] == "ok", outputs
        assert (tmp_path / "z_kept.csv").read_text() == (tmp_path / "z.csv").read_text()
        assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".partial")] == []
    finally:
        run(kc, f"%%redis\nDEL {key}:z")
        kc.stop_channels()
        km.shutdown_kernel(now=True)
