"""The real mongosh runs a whole script against `dbkernel mongod` (issue 18, "Must show").

`dbkernel mongod` is started on 127.0.0.1:27017 and mongosh is run with NO connection string,
so it uses its default (mongodb://127.0.0.1:27017/?directConnection=true, database `test`),
as a user who just types `mongosh` would. If 27017 is taken (a real mongod, say), the test
fails and says so: another port would not be the default connection string.

The script (mongosh_scripts/course.js) covers CRUD, aggregation ($match/$group/$sort/$project/
$lookup/$unwind), single/compound/unique indexes with a caught duplicate-key error, getIndexes/
dropIndex, explain("executionStats"), an ordered bulkWrite, stats(), db.stats() and currentOp().
It prints one `label <relaxed EJSON>` line per result. The expected values below follow from
the script's data and MongoDB's documented semantics (worked out by hand, in the comments),
not from the engine's output. Values that differ between runs (the client's ObjectId) are
reduced by the script to their type and length.

Under CI=true a missing mongosh is a failure, not a skip.
"""
import json
import os
import socket
import subprocess
import tempfile
import time

import pytest
from jupyter_client.kernelspec import KernelSpecManager

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mongosh_scripts", "course.js")
IN_CI = os.environ.get("CI") == "true"
DEFAULT_PORT = 27017  # mongosh's default connection string
TIMEOUT = 30


def port_in_use(port):
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


@pytest.fixture(scope="module")
def mongosh():
    path = os.environ.get("DBKERNEL_MONGOSH") or os.path.join(ROOT, "tests/npm/node_modules/.bin/mongosh")
    if not os.path.exists(path):
        what = f"mongosh not found at {path} (npm ci --prefix tests/npm, or set DBKERNEL_MONGOSH)"
        if IN_CI:
            pytest.fail(f"{what} (CI=true: required)")
        pytest.skip(what)
    return path


@pytest.fixture(scope="module")
def server():
    binary = KernelSpecManager().get_kernel_spec("dbkernel").argv[0]
    if not os.path.exists(binary):
        pytest.fail(f"the kernelspec's binary {binary} does not exist (cargo build --bin dbkernel)")
    if port_in_use(DEFAULT_PORT):
        pytest.fail(f"127.0.0.1:{DEFAULT_PORT} is already in use, so `dbkernel mongod` cannot serve "
                    f"mongosh's default connection string; stop whatever listens there "
                    f"(`ss -ltnp 'sport = :{DEFAULT_PORT}'`) and rerun")
    # No --port: 27017 is also `dbkernel mongod`'s default. In memory (no --dbpath).
    log = tempfile.TemporaryFile()  # a file, not a pipe: a chatty server must never block on it
    proc = subprocess.Popen([binary, "mongod"], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", DEFAULT_PORT), timeout=1).close()
                break
            except OSError:
                if proc.poll() is not None:
                    log.seek(0)
                    pytest.fail(f"dbkernel mongod exited ({proc.returncode}): {log.read().decode(errors='replace')}")
                if time.monotonic() > deadline:
                    pytest.fail(f"dbkernel mongod did not listen on 127.0.0.1:{DEFAULT_PORT} within 20 s")
                time.sleep(0.1)
        yield DEFAULT_PORT
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


@pytest.fixture(scope="module")
def printed(mongosh, server):
    """label -> value, from one run of the script."""
    with tempfile.TemporaryDirectory(prefix="mongosh-home-") as home:
        # A fresh HOME: no ~/.mongoshrc or saved config changes what runs; logs stay out of ~.
        # --quiet also keeps mongosh from looking for updates; telemetry is off for the run.
        env = dict(os.environ, HOME=home, MONGOSH_FORCE_DISABLE_TELEMETRY_FOR_TESTING="1")
        done = subprocess.run([mongosh, "--quiet", "--norc", "--file", SCRIPT], cwd=home, env=env,
                              capture_output=True, text=True, timeout=TIMEOUT)
    assert done.returncode == 0, f"mongosh failed ({done.returncode}):\n{done.stdout}\n{done.stderr}"
    values = {}
    for line in done.stdout.splitlines():
        label, _, value = line.partition(" ")
        assert label not in values, f"label {label} printed twice"
        values[label] = json.loads(value)
    assert values.get("done") is True, f"the script did not finish:\n{done.stdout}\n{done.stderr}"
    return values


def test_default_connection_and_create(printed):
    assert printed["db"] == "test"  # mongosh's default database
    assert printed["insertOne"] == {"acknowledged": True, "insertedId": 1}
    assert printed["insertMany"] == {"acknowledged": True,
                                     "insertedIds": {"0": 2, "1": 3, "2": 4, "3": 5, "4": 6}}
    assert printed["generatedId"] == {"type": "ObjectId", "hexLength": 24}


def test_find_filter_projection_sort_limit(printed):
    # year >= 2: Ada 91, Cy 85, Dee 67, Fay 95; by score descending, first 3; inclusion
    # projection keeps the document's field order and drops _id.
    top3 = printed["findTop3"]
    assert top3 == [{"name": "Fay", "score": 95}, {"name": "Ada", "score": 91}, {"name": "Cy", "score": 85}]
    assert [list(d) for d in top3] == [["name", "score"]] * 3
    assert printed["findInRegex"] == ["Bob", "Eve"]  # cs/physics whose name starts with B or E
    assert printed["findOne"] == {"dept": "cs"}


def test_update_replace_delete_count_distinct(printed):
    ok_update = {"acknowledged": True, "insertedId": None, "matchedCount": 1, "modifiedCount": 1,
                 "upsertedCount": 0}
    assert printed["updateOne"] == ok_update
    assert printed["updateMany"] == dict(ok_update, matchedCount=3, modifiedCount=3)  # Bob, Cy, Fay
    assert printed["upsert"] == {"acknowledged": True, "insertedId": 7, "matchedCount": 0,
                                 "modifiedCount": 0, "upsertedCount": 1}
    # The upsert seeds {_id: 7} from the equality, then applies $set and $setOnInsert; since
    # MongoDB 5.0 update operators add new fields in lexicographic order of their names.
    upserted = printed["upserted"]
    assert list(upserted.items()) == [("_id", 7), ("dept", "bio"), ("name", "Gus"), ("score", 70), ("year", 1)]
    assert printed["replaceOne"] == ok_update
    # A replacement keeps _id (first) and the replacement's own field order.
    assert list(printed["replaced"].items()) == [("_id", 4), ("name", "Dee"), ("year", 4), ("dept", "math"),
                                                 ("score", 72)]
    assert printed["deleteOne"] == {"acknowledged": True, "deletedCount": 1}
    assert printed["countAll"] == 6  # 1, 2, 3, 4, 6, 7
    assert printed["countCs"] == 3
    assert printed["distinctDept"] == ["bio", "cs", "math"]  # physics left with Eve


def test_aggregation(printed):
    # score >= 72: Ada 91 math, Bob 83 cs, Cy 85 cs, Dee 72 math, Fay 95 cs (Gus 70 out).
    # cs: (83 + 85 + 95) / 3 = 87.666.. -> 87.67; math: (91 + 72) / 2 = 81.5.
    assert printed["groupByDept"] == [{"dept": "cs", "n": 3, "avg": 87.67, "best": 95},
                                      {"dept": "math", "n": 2, "avg": 81.5, "best": 91}]
    assert printed["lookupUnwind"] == [
        {"name": "Ada", "building": "Noether"},
        {"name": "Bob", "building": "Turing"},
        {"name": "Cy", "building": "Turing"},
        {"name": "Dee", "building": "Noether"},
        {"name": "Fay", "building": "Turing"},
    ]
    # Ada ['a','b']; Bob, Cy, Fay got 'coder' from updateMany's $push; the rest have no tags
    # and $unwind drops them.
    assert printed["tagCounts"] == [{"_id": "coder", "n": 3}, {"_id": "a", "n": 1}, {"_id": "b", "n": 1}]


def test_indexes_and_duplicate_key(printed):
    # createIndex returns the generated name: field_direction joined by '_'.
    assert printed["createSingle"] == "score_1"
    assert printed["createCompound"] == "dept_1_score_-1"
    assert printed["createUnique"] == "name_1"
    dup = printed["duplicate"]
    assert dup["code"] == 11000
    # mongod's message: E11000 duplicate key error collection: <ns> index: <name> dup key: { ... }
    assert dup["message"] == 'E11000 duplicate key error collection: test.students index: name_1 dup key: { name: "Ada" }'
    assert printed["indexes"] == [
        {"v": 2, "key": {"_id": 1}, "name": "_id_"},
        {"v": 2, "key": {"score": 1}, "name": "score_1"},
        {"v": 2, "key": {"dept": 1, "score": -1}, "name": "dept_1_score_-1"},
        {"v": 2, "key": {"name": 1}, "name": "name_1", "unique": True},
    ]
    assert printed["dropIndex"] == {"nIndexesWas": 4, "ok": 1}
    assert printed["indexNames"] == ["_id_", "dept_1_score_-1", "name_1"]


def test_explain_execution_stats(printed):
    # Equality on the unique name: one key, one fetched document.
    assert printed["explainEquality"] == {"stages": ["FETCH", "IXSCAN:name_1"], "executionSuccess": True,
                                          "nReturned": 1, "totalKeysExamined": 1, "totalDocsExamined": 1}
    # dept 'cs' and score > 84 is one interval of dept_1_score_-1: Fay 95, Cy 85 (Bob 83 is
    # past its end).
    assert printed["explainRange"] == {"stages": ["FETCH", "IXSCAN:dept_1_score_-1"], "executionSuccess": True,
                                       "nReturned": 2, "totalKeysExamined": 2, "totalDocsExamined": 2}
    # No index on year: every one of the 6 documents is read; Ada, Bob (now year 2), Cy match.
    assert printed["explainCollscan"] == {"stages": ["COLLSCAN"], "executionSuccess": True, "nReturned": 3,
                                          "totalKeysExamined": 0, "totalDocsExamined": 6}


def test_bulk_write_and_delete_many(printed):
    # insert Hal; Ada year 3 (1 matched); math += 1: Ada 92, Dee 73 (2); replace Gus (1); delete Cy.
    assert printed["bulkWrite"] == {"acknowledged": True, "insertedCount": 1, "insertedIds": {"0": 10},
                                    "matchedCount": 4, "modifiedCount": 4, "deletedCount": 1,
                                    "upsertedCount": 0, "upsertedIds": {}}
    assert printed["deleteMany"] == {"acknowledged": True, "deletedCount": 3}  # Dee 73, Gus 71, Hal 60
    assert printed["remaining"] == [{"name": "Ada", "score": 92}, {"name": "Bob", "score": 83},
                                    {"name": "Fay", "score": 95}]


def test_stats_and_current_op(printed):
    stats = printed["stats"]
    # size is the documents' BSON size summed (as WiredTiger counts it); avgObjSize the integer quotient.
    size = sum(printed["bsonSizes"])
    assert len(printed["bsonSizes"]) == 3
    assert stats == {"ns": "test.students", "count": 3, "size": size, "avgObjSize": size // 3, "nindexes": 3,
                     "indexSizes": ["_id_", "dept_1_score_-1", "name_1"], "capped": False, "ok": 1}
    # students (3 docs, 3 indexes), depts (3, 1), misc (1, 1).
    assert printed["dbStats"] == {"db": "test", "collections": 3, "objects": 7, "indexes": 5, "ok": 1}
    ops = printed["currentOp"]
    assert ops["ok"] == 1 and ops["isArray"] and ops["allHaveOpid"]
    # currentOp lists the operation running it: an active command.
    assert [(op["type"], op["op"]) for op in ops["self"]] == [("op", "command")]
    assert printed["currentOpOther"] == 0  # nothing else runs on test.students meanwhile
