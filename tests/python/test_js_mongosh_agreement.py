"""JavaScript in %%mql cells prints what the real mongosh prints for the same script (issue 21).

`dbkernel mongod` runs on a free loopback port; every script runs as one %%mql cell through the
installed kernel and through the real mongosh from the npm registry (DBKERNEL_MONGOSH), each
client on its own database (mapped back before comparing), and the printed text must be equal.
To keep the run short, all scripts go to ONE mongosh process, one `--eval` each, each script
opening with a marker line; scripts compare what they print (`print`, `printjson`,
`console.log`), and each is wrapped the same way on both sides (`try { … } catch (e) { print
the error }`), so a failing script shows its error instead of stopping the others. A few
scripts whose last value is printed (a cursor's batch and `Type "it" for more`, a class
instance, a function) run one mongosh process each.

Deliberate differences (not compared here):
- a symbol prints as the document it converts to;
- top-level `await` (`const n = await f()`): the kernel runs it (an async script), mongosh 2.x's
  `--eval` refuses it with "'await' is only allowed within async functions"; both await a cell's
  promised value (`f()` prints what `f` resolves to), which is compared;
- the kernel's own cursor footer (`(n documents)`) after a printed cursor batch is removed;
- a cell the subset runs by itself (no JavaScript in it: `db.c.find()` alone) keeps the subset's
  output, all documents up to the display limit (test_mongosh_agreement.py), not mongosh's batch
  of 20; a cursor left by a JavaScript cell prints mongosh's batch and `Type "it" for more`.
- assigning a const: QuickJS's message ("'k' is read-only") where V8 says "Assignment to constant
  variable."; an uncaught one is shown with V8's message (tests/mql_js.rs), a caught one keeps
  QuickJS's `e.message`.
Under CI=true a missing mongosh is a failure, not a skip.
"""
import os
import re
import subprocess
import time

import pytest
from jupyter_client.manager import start_new_kernel

from mongod_process import dbkernel_mongod, mongosh_path

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TIMEOUT = 120
KDB, CDB = "jsagreek", "jsagreec"

SEED = "for (let i = 0; i < 30; i++) db.{C}.insertOne({ _id: i, n: i * i, tag: i % 3 === 0 ? 'a' : 'b' });\n"

# (name, script) — `{C}` is the case's collection.
SCRIPTS = [
    ("loop of inserts then count", SEED + "print(db.{C}.countDocuments())"),
    ("forEach printjson", SEED + "db.{C}.find({ _id: { $lt: 3 } }).forEach(printjson)"),
    ("forEach print", SEED + "db.{C}.find({ _id: { $lt: 3 } }).forEach(print)"),
    ("forEach arrow", SEED + "db.{C}.find({ _id: { $gte: 27 } }).forEach(d => print(d._id, d.n))"),
    ("map toArray", SEED + "printjson(db.{C}.find({ tag: 'a' }).map(d => d.n).toArray())"),
    ("toArray length", SEED + "print(db.{C}.find({ tag: 'b' }).toArray().length)"),
    ("hasNext next", SEED + "const c = db.{C}.find().sort({ _id: -1 }).limit(3);\nwhile (c.hasNext()) { const d = c.next(); print(`${d._id}: ${d.n}`) }"),
    ("for of cursor", SEED + "let s = 0; for (const d of db.{C}.find({ _id: { $lt: 10 } })) s += d.n; print(s)"),
    ("sort skip limit", SEED + "printjson(db.{C}.find({}, { n: 1, _id: 0 }).sort({ n: -1 }).skip(2).limit(3).toArray())"),
    ("findOne in a loop", SEED + "for (const id of [4, 5, 99]) printjson(db.{C}.findOne({ _id: id }))"),
    ("countDocuments in a loop", SEED + "for (const t of ['a', 'b']) print(t, db.{C}.countDocuments({ tag: t }))"),
    ("aggregate toArray", SEED + "printjson(db.{C}.aggregate([{ $group: { _id: '$tag', total: { $sum: '$n' } } }, { $sort: { _id: 1 } }]).toArray())"),
    ("aggregate forEach", SEED + "db.{C}.aggregate([{ $match: { _id: { $lt: 2 } } }, { $project: { _id: 0, double: { $multiply: ['$n', 2] } } }]).forEach(printjson)"),
    ("distinct", SEED + "printjson(db.{C}.distinct('tag'))"),
    ("insertOne result", "printjson(db.{C}.insertOne({ _id: 'x', v: 1 }))"),
    ("insertMany result", "print(db.{C}.insertMany([{ _id: 1 }, { _id: 2 }]))"),
    ("updateMany result", SEED + "printjson(db.{C}.updateMany({ tag: 'a' }, { $inc: { n: 1 } }))"),
    ("upsert result", "print(db.{C}.updateOne({ _id: 7 }, { $set: { v: 1 } }, { upsert: true }))"),
    ("deleteMany result", SEED + "print(db.{C}.deleteMany({ _id: { $gte: 10 } }))"),
    ("bulkWrite result", "printjson(db.{C}.bulkWrite([{ insertOne: { document: { _id: 1 } } }, { updateOne: { filter: { _id: 1 }, update: { $set: { a: 1 } } } }, { deleteOne: { filter: { _id: 1 } } }]))"),
    ("findOneAndUpdate", SEED + "printjson(db.{C}.findOneAndUpdate({ _id: 3 }, { $set: { n: -1 } }, { returnDocument: 'after' }))"),
    ("duplicate key caught", "db.{C}.insertOne({ _id: 1 });\ntry { db.{C}.insertOne({ _id: 1 }) } catch (e) { print(e.name, e.code, e.codeName) }"),
    ("duplicate key message", "db.{C}.insertOne({ _id: 1 });\ntry { db.{C}.insertOne({ _id: 1 }) } catch (e) { print(e.message) }"),
    ("createIndex and getIndexes", "print(db.{C}.createIndex({ a: 1, b: -1 }));\nprint(db.{C}.getIndexes().map(i => i.name).join(','))"),
    ("template strings", "const who = 'Ada', n = 3;\nprint(`${who} has ${n * 2} items, ${n > 2 ? 'many' : 'few'}`)"),
    ("destructuring and spread", "const { a, ...rest } = { a: 1, b: 2, c: [3] };\nconst [x, , y = 9] = [10, 20];\nprintjson({ a, rest, x, y })"),
    ("class with methods", "class Account { constructor(owner, balance) { this.owner = owner; this.balance = balance }\n  deposit(v) { this.balance += v; return this } }\nconst acct = new Account('ada', 10).deposit(5);\nprint(acct.balance, acct instanceof Account)"),
    ("closures and recursion", "const counter = () => { let c = 0; return () => ++c };\nconst next = counter(); next(); next();\nconst fib = k => k < 2 ? k : fib(k - 1) + fib(k - 2);\nprint(next(), fib(15))"),
    ("reduce and filter", "print([1, 2, 3, 4, 5].filter(v => v % 2).reduce((s, v) => s + v, 0))"),
    ("generators", "function* range(k) { for (let i = 0; i < k; i++) yield i * 10 }\nprint([...range(4)])"),
    ("switch", "let out = [];\nfor (const i of [1, 2, 3, 4]) { switch (i) { case 2: break; case 3: out.push('three'); break; default: out.push(i) } }\nprint(out)"),
    ("JSON stringify and parse", "const d = JSON.parse('{\"a\": [1, {\"b\": null}]}');\nprint(JSON.stringify(d), d.a[1].b === null)"),
    ("console.log of values", "console.log('x', 1.5, [1, 'two'], { k: true }, null)"),
    ("printjson of a nested document", "printjson({ name: 'Ada', tags: ['math', 'code'], address: { city: 'London', geo: [51.5, -0.1] }, empty: {}, none: [] })"),
    ("print of several arguments", "print('a', 1, true, null, { b: 2 }, [3])"),
    ("ObjectId helpers", "const id = ObjectId('65a1b2c3d4e5f60718293a4b');\nprint(id, id.toString(), id.toHexString(), id.getTimestamp().toISOString(), id.equals(ObjectId('65a1b2c3d4e5f60718293a4b')))"),
    ("dates", "const d = ISODate('2024-01-02T03:04:05.678Z');\nprint(d, d.getTime(), d.toISOString(), new Date(0).getUTCFullYear())"),
    ("date arithmetic", "const start = new Date('2024-03-01T00:00:00Z');\nconst later = new Date(start.getTime() + 36 * 3600 * 1000);\nprint(later.toISOString(), (later - start) / 3600000)"),
    ("NumberLong and NumberDecimal", "print(NumberLong('9007199254740993'), NumberDecimal('19.90'), NumberLong('5').toString())"),
    ("UUID and BinData", "print(UUID('0123456789abcdef0123456789abcdef'), BinData(0, 'AQID'))"),
    ("values read back", "db.{C}.insertOne({ _id: 1, i: 1, f: 1.5, l: NumberLong('7'), d: ISODate('2024-01-01T00:00:00Z'), s: 'x', b: true, a: [1], o: { p: 1 } });\nconst r = db.{C}.findOne();\nprint(Object.keys(r).map(k => `${k}:${typeof r[k]}`).join(' '))"),
    ("regex", "db.{C}.insertMany([{ _id: 1, s: 'apple' }, { _id: 2, s: 'banana' }, { _id: 3, s: 'Avocado' }]);\nprint(db.{C}.find({ s: /^a/i }).toArray().map(d => d.s), /an+a/.test('banana'))"),
    ("getSiblingDB", "const other = db.getSiblingDB(db.getName() + '_other');\nother.{C}.insertOne({ _id: 1 });\nprint(other.getName(), other.{C}.countDocuments(), db.getName())"),
    ("getCollectionNames", "db.{C}_one.insertOne({ _id: 1 }); db.{C}_two.insertOne({ _id: 1 });\nprint(db.getCollectionNames().filter(n => n.startsWith('{C}_')).sort())"),
    ("runCommand", "print(db.runCommand({ ping: 1 }).ok)"),
    ("Math and numbers", "print(Math.max(3, 9, 2), Math.round(2.5), (1 / 3).toFixed(3), 0.1 + 0.2, 2 ** 10, Number.MAX_SAFE_INTEGER)"),
    ("string methods", "print('ab'.padStart(5, '*'), 'a,b,c'.split(','), 'Hello'.toUpperCase(), ' x '.trim().length)"),
    ("objects and arrays", "const o = { b: 2, a: 1 };\nprint(Object.entries(o), Object.assign({}, o, { c: 3 }), Array.from({ length: 3 }, (_, i) => i * i))"),
    ("errors thrown by the script", "try { null.x } catch (e) { print(e instanceof TypeError) }\ntry { throw new Error('boom') } catch (e) { print(e.message) }"),
    ("typeof of server values", "db.{C}.insertOne({ _id: 1, n: 5, l: NumberLong('5') });\nconst r = db.{C}.findOne();\nprint(typeof r.n, typeof r.l, r._id === 1, r.n + 1)"),
    ("sleep", "const t0 = Date.now(); sleep(50); print(Date.now() - t0 >= 45)"),
    ("EJSON", "print(EJSON.stringify({ _id: ObjectId('65a1b2c3d4e5f60718293a4b'), n: NumberLong('5'), d: ISODate('2024-01-02T00:00:00Z') }))"),
    ("NumberInt Int32 Double printed", "print(NumberInt(3), Int32(4), Double(2), Double(2.5));\nprintjson(NumberInt(3)); printjson(Double(2))"),
    ("Long and Decimal128 printed", "printjson(Long(5)); printjson(NumberLong('9007199254740993')); printjson(Decimal128('1.5'));\nprintjson({ a: NumberInt(3), b: Double(2), c: Long(7), d: NumberDecimal('2.50'), e: [Int32(1)] })"),
    ("wrappers read back as plain numbers", "db.{C}.insertOne({ _id: 1, n: NumberInt(3), d: Double(2) });\nprintjson(db.{C}.findOne())"),
    ("nested class instances", "class Point { constructor(x, y) { this.x = x; this.y = y } }\nclass Shape { constructor() { this.origin = new Point(0, NumberInt(1)); this.tags = ['a'] } }\nprintjson(new Shape()); print(new Shape()); print([new Point(1, 2)])"),
    ("Map and Set printed", "printjson(new Map([['a', 1], ['b', { c: 2 }]])); printjson(new Set([1, 'two']));\nprintjson({ m: new Map([[1, 2]]), s: new Set() }); print(new Map([['k', Int32(3)]]), new Set(['x']), new Map())"),
    ("awaits inside async functions", "async function f() { const a = await new Promise(r => r(5)); const b = await Promise.all([1, Promise.resolve(2)]); return a + b[1] }\nf().then(v => print('then', v)); async function h() { throw new Error('no') }; h().catch(e => print('caught', e.message))"),
    # Explicit sessions (db.getMongo().startSession()) and transactions, which a standalone
    # refuses: IllegalOperation (20) from the server; a write gets the Node.js driver's message.
    ("session sends its lsid", "const s = db.getMongo().startSession();\nconst sdb = s.getDatabase(db.getName());\nsdb.{C}.insertOne({ _id: 1 });\nprint(sdb.{C}.countDocuments(), sdb.getName() === db.getName(), sdb.{C}.getName());\nconst ids = db.aggregate([{ $listLocalSessions: {} }]).toArray().map(x => x._id.id.toString('hex'));\nprint(ids.includes(s.id.id.toString('hex')))"),
    ("session id and options", "const s = db.getMongo().startSession({ causalConsistency: false });\nprint(s.id, typeof s.id.id, s.hasEnded());\nprintjson(s.getOptions()); printjson(db.getMongo().startSession().getOptions())"),
    ("transaction write on a standalone", "const s = db.getMongo().startSession(); s.startTransaction();\ntry { s.getDatabase(db.getName()).{C}.insertOne({ _id: 1 }) } catch (e) { print(e.name, e.code, e.codeName, e.message) }\nprint(db.{C}.countDocuments())"),
    ("transaction reads on a standalone", "const s = db.getMongo().startSession(); s.startTransaction({ readConcern: { level: 'snapshot' } });\nconst c = s.getDatabase(db.getName()).{C};\nfor (const f of [() => c.findOne(), () => c.find().toArray(), () => c.countDocuments()]) { try { f() } catch (e) { print(e.name, e.code, e.codeName, e.message) } }"),
    ("commit and abort after a refused command", "const s = db.getMongo().startSession(); s.startTransaction();\ntry { s.getDatabase(db.getName()).{C}.findOne() } catch (e) { print('find', e.code) }\ntry { s.commitTransaction() } catch (e) { print('commit', e.name, e.code, e.codeName, e.message) }\ntry { s.abortTransaction() } catch (e) { print('abort', e.name, e.message) }\ns.startTransaction();\ntry { s.getDatabase(db.getName()).{C}.findOne() } catch (e) { print('find', e.code) }\ns.abortTransaction(); print('aborted')"),
    ("transaction state errors", "const s = db.getMongo().startSession();\nfor (const f of [() => s.commitTransaction(), () => s.abortTransaction(), () => { s.startTransaction(); s.startTransaction() }, () => s.abortTransaction(), () => s.abortTransaction(), () => s.commitTransaction()]) { try { f(); print('ok') } catch (e) { print(e.name, e.message) } }"),
    ("empty transactions", "const s = db.getMongo().startSession();\ns.startTransaction(); s.abortTransaction(); print('aborted');\ns.startTransaction(); s.commitTransaction(); s.commitTransaction(); print('committed');\ntry { s.abortTransaction() } catch (e) { print(e.name, e.message) }\ns.getDatabase(db.getName()).{C}.insertOne({ _id: 1 }); print(db.{C}.countDocuments())"),
    ("withTransaction", "const s = db.getMongo().startSession();\nprint(s.withTransaction(() => 5)); printjson(s.withTransaction(() => ({ a: 1 })));\ntry { s.withTransaction(() => { throw new Error('mine') }) } catch (e) { print(e.name, e.message) }\ntry { s.withTransaction(5) } catch (e) { print(e.name, e.message) }\ntry { s.withTransaction(() => { s.getDatabase(db.getName()).{C}.insertOne({ _id: 1 }) }) } catch (e) { print(e.name, e.code, e.message) }\nprint(db.{C}.countDocuments())"),
    ("endSession", "const s = db.getMongo().startSession(); const c = s.getDatabase(db.getName()).{C};\nc.insertOne({ _id: 1 }); s.endSession(); s.endSession(); print(s.hasEnded());\ntry { c.findOne() } catch (e) { print(e.name, e.message) }\ntry { c.insertOne({ _id: 2 }) } catch (e) { print(e.name, e.message) }"),
    ("session times on a standalone", "const s = db.getMongo().startSession();\nprint(s.getClusterTime(), s.getOperationTime());\ns.getDatabase(db.getName()).{C}.insertOne({ _id: 1 });\nprint(s.getClusterTime(), s.getOperationTime())"),
    ("session database and collection names", "const s = db.getMongo().startSession(); const sdb = s.getDatabase(db.getName() + '_s');\nprint(sdb.getName() === db.getName() + '_s', sdb.{C}.getFullName() === db.getName() + '_s.{C}', sdb.getSiblingDB(db.getName()).getName() === db.getName());\nsdb.{C}.insertOne({ _id: 1 }); print(db.getSiblingDB(db.getName() + '_s').{C}.countDocuments())"),
    ("data generator with helper", "function makeUser(i) { return { _id: i, name: `user${i}`, age: 20 + (i % 7) } }\nconst users = []; for (let i = 0; i < 50; i++) users.push(makeUser(i));\nprint(db.{C}.insertMany(users).insertedIds[49]);\nprint(db.{C}.countDocuments({ age: { $gte: 25 } }))"),
]

# (name, setup script, checked script whose last value mongosh prints).
LAST_VALUES = [
    ("a cursor prints its first batch and Type it", SEED,
     "for (const t of ['b']) db.{C}.updateMany({ tag: t }, { $set: { seen: true } });\ndb.{C}.find({}, { tag: 0, seen: 0 }).sort({ _id: 1 })"),
    ("a class instance", "", "class P { constructor() { this.x = 1 } }; new P()"),
    ("a function", "", "function g(a) { return a }; g"),
    ("an async function's promised value", "", "async function f() { return await new Promise(r => r(5)) }\nf()"),
    ("an Int32 value", "", "NumberInt(3)"),
    ("a Map and Set value", "", "[new Map([['a', Long(1)]]), new Set([Double(2)])]"),
    ("a nested class value", "", "class Q { constructor() { this.inner = new (class Inner { constructor() { this.v = 1 } })() } }; new Q()"),
    ("a loop's last value", "", "for (let i = 0; i < 2; i++) db.{C}.insertOne({ _id: i })"),
    ("a cursor held in a const prints its first batch", SEED + "const held = db.{C}.find({}, { tag: 0 }).sort({ _id: 1 })", "held"),
    # mongosh 2.x runs a top-level const as a var (its async rewriter): a later cell may assign it.
    ("a top-level const assigned by a later cell", "const top = 1", "top = 2; top"),
    ("a session", "", "db.getMongo().startSession()"),
    ("a session's database and collection", "", "const s = db.getMongo().startSession(); print(s.getDatabase('x')); s.getDatabase('x').{C}"),
    ("a transaction's start", "", "const s = db.getMongo().startSession(); s.startTransaction()"),
]

MASKS = [
    (r"ObjectId\('[0-9a-f]{24}'\)", "ObjectId(*)"),
    (r"UUID\('[0-9a-f-]{36}'\)", "UUID(*)"),
]


def missing(what):
    if IN_CI:
        pytest.fail(f"{what} (CI=true: required)")
    pytest.skip(what)


@pytest.fixture(scope="module")
def mongosh():
    return mongosh_path()


@pytest.fixture(scope="module")
def server():
    with dbkernel_mongod() as port:
        yield port


@pytest.fixture(scope="module")
def kernel(server):
    km, kc = start_new_kernel(kernel_name="dbkernel", startup_timeout=TIMEOUT)
    try:
        status, _, error = run_cell(kc, f"%connect m mongodb://127.0.0.1:{server}/{KDB}")
        assert status == "ok", error
        yield kc
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


def run_cell(kc, code):
    """(status, printed text: streams and text/plain results, error)."""
    msg_id = kc.execute(code)
    shown, error = [], ""
    deadline = time.monotonic() + TIMEOUT
    while True:
        msg = kc.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "status" and content["execution_state"] == "idle":
            break
        if kind == "stream" and content["name"] == "stdout":
            shown.append(content["text"])
        elif kind in ("execute_result", "display_data"):
            text = content["data"].get("text/plain", "")
            if not text.startswith("⏳"):
                shown.append(text + "\n")
        elif kind == "error":
            error = f"{content['ename']}: {content['evalue']}"
    while True:
        reply = kc.get_shell_msg(timeout=TIMEOUT)
        if reply["parent_header"].get("msg_id") == msg_id:
            return reply["content"]["status"], "".join(shown), error


def wrapped(script):
    """The same on both sides: an error is printed, so it cannot stop the other scripts."""
    return "try {\n" + script + "\n} catch (e) { print('UNCAUGHT ' + e.name + ': ' + e.message) }\nvoid 0"


def collection(name):
    return "j" + re.sub(r"\W", "_", name)[:30]


def normalise(text):
    text = text.replace(CDB, KDB)
    for pattern, replacement in MASKS:
        text = re.sub(pattern, replacement, text)
    return text.strip("\n")


def without_count_footer(text):
    lines = text.split("\n")
    return "\n".join(line for line in lines if not re.match(r"^\((\d+ documents?|shown \d+ of \d+ documents)", line))


@pytest.fixture(scope="module")
def mongosh_printed(mongosh, server):
    """What mongosh printed for each script, from one process."""
    evals = []
    for index, (name, script) in enumerate(SCRIPTS):
        body = wrapped(script.replace("{C}", collection(name)))
        evals += ["--eval", f"print('@@@ {index}');\n" + body]
    evals += ["--eval", "print('@@@ end')"]
    url = f"mongodb://127.0.0.1:{server}/{CDB}"
    done = subprocess.run([mongosh, "--quiet", "--norc", url, *evals], capture_output=True, text=True,
                          timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    printed = {}
    for part in done.stdout.split("@@@ ")[1:]:
        head, _, rest = part.partition("\n")
        if head != "end":
            printed[int(head)] = rest
    return printed


@pytest.mark.parametrize("index", range(len(SCRIPTS)), ids=[s[0] for s in SCRIPTS])
def test_script_prints_what_mongosh_prints(kernel, mongosh_printed, index):
    name, script = SCRIPTS[index]
    body = wrapped(script.replace("{C}", collection(name)))
    status, shown, error = run_cell(kernel, "%%mql m\n" + body)
    assert status == "ok", f"{name}: {error}\n{shown}"
    expected = normalise(mongosh_printed[index])
    assert normalise(shown) == expected, f"{name}:\nkernel:\n{shown}\nmongosh:\n{expected}"


@pytest.mark.parametrize("name,setup,line", LAST_VALUES, ids=[c[0] for c in LAST_VALUES])
def test_last_value_prints_as_mongosh_prints_it(kernel, mongosh, server, name, setup, line):
    coll = collection(name)
    setup, line = setup.replace("{C}", coll), line.replace("{C}", coll)
    url = f"mongodb://127.0.0.1:{server}/{CDB}"
    evals = (["--eval", setup] if setup else []) + ["--eval", line]
    done = subprocess.run([mongosh, "--quiet", "--norc", url, *evals], capture_output=True, text=True,
                          timeout=TIMEOUT)
    assert done.returncode == 0, done.stderr
    if setup:
        status, _, error = run_cell(kernel, "%%mql m\n" + setup + "\nvoid 0")
        assert status == "ok", error
    status, shown, error = run_cell(kernel, "%%mql m\n" + line)
    assert status == "ok", f"{name}: {error}\n{shown}"
    assert without_count_footer(normalise(shown)) == normalise(done.stdout), f"{name}:\nkernel:\n{shown}\nmongosh:\n{done.stdout}"
