#!/usr/bin/env python3
"""Writes the shipped notebooks from the cell lists below, so they stay reviewable as code.

Each code cell may carry expectations in its metadata (`dbkernel.expect`), checked by
tests/python/test_notebooks.py after the notebook runs:
  contains:  strings that must appear in the cell's text/plain outputs (or stream text)
  html:      strings that must appear in its text/html output
  error:     the error name prefix the cell must fail with (the cell is tagged raises-exception)
Run: python3 notebooks/make_notebooks.py
"""
import os

import nbformat

HERE = os.path.dirname(os.path.abspath(__file__))


def md(text):
    return nbformat.v4.new_markdown_cell(text)


def code(source, contains=(), html=(), error=None):
    expect = {}
    if contains:
        expect["contains"] = list(contains)
    if html:
        expect["html"] = list(html)
    metadata = {}
    if error:
        expect["error"] = error
        metadata["tags"] = ["raises-exception"]
    if expect:
        metadata["dbkernel"] = {"expect": expect}
    return nbformat.v4.new_code_cell(source, metadata=metadata)


def notebook(name, cells):
    nb = nbformat.v4.new_notebook()
    # Stable cell ids, so regenerating a notebook changes only the cells that changed.
    for index, cell in enumerate(cells):
        cell.id = f"{name}-{index:03d}"
    nb.metadata["kernelspec"] = {"name": "dbkernel", "display_name": "Databases (SQL · MQL · Redis)", "language": "sql"}
    nb.metadata["language_info"] = {"name": "sql", "file_extension": ".sql", "mimetype": "text/x-sql"}
    nb.cells = cells
    return nb


INTRO = [
    md("# dbkernel: a first tour\n\nOne notebook, three query languages. This tour uses only what runs with nothing "
       "configured: SQLite in memory for `%%sql` and the embedded MongoDB-compatible engine for `%%mql`. Every cell here "
       "is executed by the test suite and its output checked."),
    md("## Getting help\n\n`%help` lists every magic; `%help NAME` explains one; `%connect?` opens the same text in the pager."),
    code("%help connect", contains=["%connect NAME URL", "postgresql://"]),
    code("%echo Hello from dbkernel", contains=["Hello from dbkernel"]),
    md("## Connections\n\nEach language has a current connection. With nothing configured, SQL runs on SQLite in memory, "
       "MQL on the embedded MongoDB-compatible engine, Redis on 127.0.0.1:6379. Connections open on first use; "
       "passwords are never shown."),
    code("%connections", contains=["default", "sqlite::memory:", "mongo", "embedded"]),
    md("## One notebook, three languages\n\nA plain cell is SQL (SQLite in memory here):"),
    code("SELECT 'hello' AS greeting, 6 * 7 AS answer", contains=["greeting", "hello", "42", "(1 row)"], html=["<table", "1 row"]),
    md("`%%mql` runs MongoDB shell syntax on the embedded engine, through the official driver:"),
    code("%%mql\nuse tour\ndb.planets.insertMany([{ name: 'Mercury', moons: 0 }, { name: 'Earth', moons: 1 }, { name: 'Mars', moons: 2 }])\n"
         "db.planets.find({ moons: { $gt: 0 } }, { _id: 0 }).sort({ moons: -1 })",
         contains=["insertedIds", "name: 'Mars', moons: 2", "name: 'Earth', moons: 1", "(2 documents)"]),
    md("`%%redis` runs Redis commands (on `REDIS_URL` or 127.0.0.1:6379); see `redis.ipynb`."),
    md("## Variables\n\n`%set` stores a typed value; `%vars` lists what the kernel holds. Variables bind into SQL as "
       "parameters (`:name`), never spliced into the text."),
    code("%set limit_rows = 3\n%set greeting = 'hello'\n%vars", contains=["limit_rows", "int", "greeting", "text"]),
    md("## Mistakes are explained\n\nAn unknown magic names the ones that exist. (This cell is expected to fail.)"),
    code("%%sqll\nSELECT 1", error="UsageError"),
    md("The failed cell does not break the next one:"),
    code("%config display_limit = 20\n%config", contains=["display_limit = 20"]),
]

MQL = [
    md("# MongoDB shell cells (`%%mql`)\n\nWith nothing configured, `%%mql` cells run on the embedded MongoDB-compatible "
       "engine that ships inside the kernel, reached through the official MongoDB driver exactly like a real server. "
       "Set `MONGODB_URI` or run `%connect NAME mongodb://...` to use a real MongoDB instead. Paste commands from "
       "tutorials: this is mongosh syntax."),
    code("%%mql\nuse shop\ndb.dropDatabase()", contains=["switched to db shop"]),
    md("## Documents in, documents out\n\nThe guides' first example, as written there:"),
    code("%%mql\ndb.users.insertOne({ email: 'user@example.com', name: 'John' });\n"
         "db.users.findOne({ email: 'user@example.com' });",
         contains=["acknowledged: true", "insertedId: ObjectId(", "email: 'user@example.com'", "name: 'John'"]),
    code("%%mql\ndb.users.updateOne({ email: 'user@example.com' }, { $set: { name: 'Jane' } })",
         contains=["matchedCount: 1", "modifiedCount: 1"]),
    code("%%mql\ndb.users.find({}, { _id: 0, name: 1 })", contains=["name: 'Jane'", "(1 document)"],
         html=["<th", "Jane"]),
    md("## Validation with `$jsonSchema`\n\nA collection can refuse documents that do not fit its schema. "
       "The second insert below is rejected, and the error says why (this cell is expected to fail)."),
    code('%%mql\ndb.createCollection("members", {\n  validator: { $jsonSchema: {\n    bsonType: "object",\n'
         '    required: ["email", "name"],\n    properties: {\n      email: { bsonType: "string", pattern: "^.+@.+$" },\n'
         '      name: { bsonType: "string", minLength: 1 }\n    }\n  }}\n});\n'
         'db.members.insertOne({ email: "ada@example.com", name: "Ada" });\n'
         'db.members.insertOne({ email: "not-an-email", name: "" });',
         error="MongoServerError"),
    md("## Schema design: embedding and referencing\n\nThe guide sketches document shapes with type names as values. "
       "The shell keeps them as plain JavaScript values (type names are functions), handy for reading; storing one "
       "in the database is refused, because a type name is not data."),
    code("%%mql\n// Embedding (for 1:few relationships)\nconst userSchema = {\n  _id: ObjectId,\n  email: String,\n"
         "  profile: {\n    firstName: String,\n    lastName: String,\n    avatar: String,\n  },\n  addresses: [\n    {\n"
         "      type: String,\n      street: String,\n      city: String,\n    },\n  ],\n};\n\n"
         "// Referencing (for 1:many relationships)\nconst postSchema = {\n  _id: ObjectId,\n  authorId: ObjectId,\n"
         "  title: String,\n  content: String,\n  tags: [String],\n};\npostSchema",
         contains=["authorId: [Function: ObjectId]", "tags: [ [Function: String] ]"]),
    md("## Aggregation\n\nSome orders to work with, then the pipelines from the guides."),
    code("%%mql\ndb.orders.insertMany([\n"
         "  { userId: 1, status: 'completed', amount: 30, total: 30, createdAt: ISODate('2024-01-15') },\n"
         "  { userId: 1, status: 'completed', amount: 20, total: 20, createdAt: ISODate('2024-02-03') },\n"
         "  { userId: 2, status: 'completed', amount: 50, total: 50, createdAt: ISODate('2024-02-20') },\n"
         "  { userId: 2, status: 'pending',   amount: 99, total: 99, createdAt: ISODate('2024-03-01') },\n"
         "  { userId: 3, status: 'completed', amount: 5,  total: 5,  createdAt: ISODate('2023-12-31') }\n"
         "])", contains=["insertedIds"]),
    code("%%mql\ndb.orders.aggregate([\n  { $match: { status: \"completed\" } },\n"
         "  { $group: { _id: \"$userId\", total: { $sum: \"$amount\" } } },\n  { $sort: { total: -1 } },\n  { $limit: 10 }\n]);",
         contains=["_id: 2, total: 50", "_id: 1, total: 50", "(3 documents)"]),
    code("%%mql\ndb.users.insertMany([{ _id: 1, name: 'Ada' }, { _id: 2, name: 'Grace' }, { _id: 3, name: 'Edsger' }])\n"
         "db.orders.aggregate([\n  { $match: { status: \"completed\", createdAt: { $gte: ISODate(\"2024-01-01\") } } },\n"
         "  { $lookup: { from: \"users\", localField: \"userId\", foreignField: \"_id\", as: \"user\" } },\n"
         "  { $unwind: \"$user\" },\n"
         "  { $group: { _id: { month: { $month: \"$createdAt\" } }, totalRevenue: { $sum: \"$total\" }, orderCount: { $sum: 1 } } },\n"
         "  { $sort: { totalRevenue: -1 } }\n]);",
         contains=["_id: { month: 2 }, totalRevenue: 70, orderCount: 2", "_id: { month: 1 }, totalRevenue: 30, orderCount: 1"]),
    md("## Indexes and plans\n\nThe guides' index kinds: compound, text with weights, partial, TTL. "
       "`explain` shows whether a query uses one."),
    code("%%mql\ndb.posts.createIndex({ authorId: 1, createdAt: -1 });\n"
         "db.posts.createIndex({ title: \"text\", content: \"text\" }, { weights: { title: 10, content: 1 } });\n"
         "db.orders.createIndex({ createdAt: 1 }, { partialFilterExpression: { status: \"pending\" } });\n"
         "db.sessions.createIndex({ createdAt: 1 }, { expireAfterSeconds: 3600 });",
         contains=["authorId_1_createdAt_-1", "title_text_content_text", "createdAt_1"]),
    code("%%mql\ndb.posts.insertMany([\n  { authorId: 1, title: 'Indexes in MongoDB', content: 'B-trees and more', createdAt: new Date() },\n"
         "  { authorId: 2, title: 'Cooking', content: 'mongodb is not a recipe', createdAt: new Date() }\n]);\n"
         "db.posts.find({ $text: { $search: 'mongodb' } }, { title: 1, _id: 0, score: { $meta: 'textScore' } }).sort({ score: { $meta: 'textScore' } })",
         contains=["title: 'Indexes in MongoDB'", "(2 documents)"]),
    code("%%mql\ndb.posts.find({ authorId: 1 }).explain('executionStats')",
         contains=["IXSCAN", "authorId_1_createdAt_-1", "nReturned"]),
    md("`--explain` on the cell shows the plan of each statement without running it:"),
    code("%%mql --explain\ndb.orders.find({ status: 'pending', createdAt: { $gte: ISODate('2024-01-01') } })",
         contains=["winningPlan", "stage: 'FETCH'", "IXSCAN"]),
    md("## From Mongoose to the shell\n\nOne guide uses Mongoose (Node.js), which runs in an application, not in a shell. "
       "The same operations in mongosh syntax:"),
    code("%%mql\nuse mongoose_tour\ndb.dropDatabase()\n"
         "db.users.createIndex({ email: 1 }, { unique: true })\n"
         "db.users.insertOne({ name: 'John', email: 'john@example.com', profile: {}, posts: [], createdAt: new Date() })\n"
         "db.users.find({ name: /john/i }, { _id: 0, name: 1, email: 1 })",
         contains=["email_1", "insertedId", "name: 'John', email: 'john@example.com'"]),
    code("%%mql\nuse mongoose_tour\nconst john = db.users.findOne({ email: 'john@example.com' })\n"
         "db.users.updateOne({ _id: john._id }, { $set: { 'profile.bio': 'New bio' } })\n"
         "db.users.aggregate([\n  { $match: { createdAt: { $gte: new Date('2024-01-01') } } },\n"
         "  { $group: { _id: '$email', count: { $sum: 1 } } },\n  { $sort: { count: -1 } }\n])\n"
         "db.users.deleteOne({ _id: john._id })",
         contains=["modifiedCount: 1", "_id: 'john@example.com', count: 1", "deletedCount: 1"]),
    md("## Mistakes are explained\n\nA typo in a query points at the spot (expected to fail):"),
    code("%%mql\ndb.users.find({ name: 'x' age: 3 })", error="MongoshSyntaxError"),
    code("%%mql\ndb.users.fnd({})", error="MongoshError"),
]

SQL = [
    md("# SQL cells (`%%sql`)\n\nA cell without a magic, or with `%%sql`, is SQL on the current SQL connection: "
       "SQLite in memory until you connect elsewhere. Each statement of a cell shows its own result."),
    code("%%sql\nCREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE NOT NULL, name TEXT);\n"
         "INSERT INTO users (email, name) VALUES ('ada@example.com', 'Ada'), ('grace@example.com', 'Grace'), ('x@example.com', NULL);\n"
         "SELECT * FROM users;",
         contains=["CREATE TABLE", "3 rows affected", "ada@example.com", "(null)", "(3 rows)"], html=["NULL", "3 rows"]),
    md("NULL is shown as `(null)` (grey *NULL* in HTML), never confused with the text `'NULL'`."),
    code("SELECT NULL AS missing, 'NULL' AS text_null", contains=["(null)", "NULL"]),
    md("## Big results stream\n\nOnly the rows you see are kept; the rest are counted exactly. `--limit` sets how many "
       "to show (`%config display_limit = N` for all cells)."),
    code("%%sql --limit 5\nWITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 100000) SELECT i, i * i AS square FROM n",
         contains=["(shown 5 of 100000 rows)"], html=["shown 5 of 100000 rows"]),
    md("## Variables are parameters\n\n`:name` binds a kernel variable as a parameter, never pasted into the SQL text, "
       "so a hostile value stays a value."),
    code("%set who = 'Ada'\n%set evil = \"x'); DROP TABLE users; --\"\n%%sql\nSELECT email FROM users WHERE name = :who;\n"
         "SELECT count(*) AS matches FROM users WHERE name = :evil;\nSELECT count(*) AS still_there FROM users;",
         contains=["ada@example.com", "matches", "still_there", "3"]),
    code("%%sql --out everyone\nSELECT * FROM users\n", contains=["(3 rows)"]),
    code("%vars", contains=["everyone", "table", "3 rows"]),
    md("## Transactions span cells\n\nEach named connection is one session: `BEGIN` here, `ROLLBACK` in the next cell."),
    code("%%sql\nBEGIN;\nDELETE FROM users;\nSELECT count(*) AS during FROM users;", contains=["during", "0"]),
    code("%%sql\nROLLBACK;\nSELECT count(*) AS after_rollback FROM users;", contains=["after_rollback", "3"]),
    md("## Errors point at the problem\n\nThe failing statement is named and marked; earlier results stay, later statements "
       "do not run (this cell is expected to fail)."),
    code("%%sql\nSELECT 1 AS fine;\nSELECT nme FROM users;\nSELECT 3 AS never_runs;", error="SqlError"),
    code("SELECT 'the next cell works' AS ok", contains=["the next cell works"]),
    md("## Plans\n\n`--explain` shows the query plan (`--analyze` runs it and shows actual figures on PostgreSQL and MariaDB)."),
    code("%%sql --explain\nSELECT * FROM users WHERE id = 2", contains=["SEARCH users USING INTEGER PRIMARY KEY"]),
    md("## PostgreSQL\n\n`%connect NAME URL` opens a named connection and makes it current. These examples follow the "
       "PostgreSQL guide; they run in a schema of their own so the notebook can run again."),
    code("%connect pg postgresql://postgres@127.0.0.1:5432/test", contains=["connected: pg"]),
    code("%%sql pg\nDROP SCHEMA IF EXISTS dbk_sql_tour CASCADE;\nCREATE SCHEMA dbk_sql_tour;\nSET search_path = dbk_sql_tour;\n"
         "CREATE TABLE users (\n    id UUID PRIMARY KEY DEFAULT gen_random_uuid(),\n    email TEXT UNIQUE NOT NULL,\n    name TEXT NOT NULL,\n"
         "    metadata JSONB DEFAULT '{}',\n    created_at TIMESTAMPTZ DEFAULT now()\n);\nCREATE INDEX idx_users_email ON users(email);\n"
         "INSERT INTO users (email, name, metadata) VALUES\n  ('ada@example.com', 'Ada', '{\"key\": \"analytical engine\"}'),\n"
         "  ('grace@example.com', 'Grace', '{\"key\": \"compiler\"}');",
         contains=["CREATE SCHEMA", "CREATE TABLE", "CREATE INDEX", "INSERT 0 2"]),
    code("%%sql\nSELECT name, metadata->>'key' AS key, metadata FROM users ORDER BY name", contains=["analytical engine", "compiler"]),
    code("%%sql\nEXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT)\nSELECT * FROM users WHERE email = 'test@example.com';",
         contains=["QUERY PLAN", "Execution Time"]),
    code("%%sql\nCREATE TABLE employees (name TEXT, salary NUMERIC(10,2));\n"
         "INSERT INTO employees VALUES ('Ada', 120000.50), ('Grace', 135000.00), ('Edsger', 99000.25);\n"
         "SELECT name, salary,\n  ROW_NUMBER() OVER (ORDER BY salary DESC) as rank\nFROM employees;",
         contains=["135000.00", "120000.50", "rank"]),
    code("%%sql\nCREATE FUNCTION raise_all(pct numeric) RETURNS integer LANGUAGE plpgsql AS $$\nDECLARE n integer;\nBEGIN\n"
         "  UPDATE employees SET salary = salary * (1 + pct / 100);\n  GET DIAGNOSTICS n = ROW_COUNT;\n"
         "  RAISE NOTICE 'raised % salaries by % percent', n, pct;\n  RETURN n;\nEND;\n$$;\nSELECT raise_all(10) AS raised;",
         contains=["CREATE FUNCTION", "NOTICE:  raised 3 salaries by 10 percent", "raised"]),
    md("## MySQL / MariaDB\n\nThe guide's first schema is MySQL syntax (an index declared inside `CREATE TABLE`); it runs as "
       "written on MariaDB."),
    code("%connect maria mysql://root@127.0.0.1:3306/test", contains=["connected: maria"]),
    code("%%sql maria\nCREATE DATABASE IF NOT EXISTS dbk_sql_tour;\nUSE dbk_sql_tour;\nDROP TABLE IF EXISTS orders, users;\n"
         "CREATE TABLE users (\n  id SERIAL PRIMARY KEY,\n  email VARCHAR(255) UNIQUE NOT NULL,\n  name VARCHAR(100),\n  INDEX idx_email (email)\n);\n"
         "CREATE TABLE orders (id SERIAL PRIMARY KEY, user_id BIGINT UNSIGNED, amount DECIMAL(10,2));\n"
         "INSERT INTO users (email, name) VALUES ('user@example.com', 'Ada'), ('b@example.com', 'Grace');\n"
         "INSERT INTO orders (user_id, amount) VALUES (1, 10.50), (1, 4.25), (2, 99.99);\n"
         "UPDATE users SET email = 'new@example.com' WHERE id = 1;\n"
         "SELECT u.name, COUNT(o.id) as orders\nFROM users u\nLEFT JOIN orders o ON u.id = o.user_id\nGROUP BY u.id;",
         contains=["2 rows affected", "1 row affected", "Ada", "Grace", "(2 rows)"]),
]

REDIS = [
    md("# Redis cells (`%%redis`)\n\nOne command per line, written as in redis-cli (quotes, escapes, `#` comments). Replies look "
       "like redis-cli's, with structure in HTML: hashes and scored sets as tables. This notebook uses database 9 of the local "
       "Redis and empties it first, so it can run again."),
    code("%connect cache redis://127.0.0.1:6379/9\n%%redis\nFLUSHDB", contains=["connected: cache", "OK"]),
    md("## Strings, counters, expiry"),
    code("%%redis\n# String operations\nSET key value\nGET key\nINCR counter\nINCR counter\n"
         "SET user:1:profile {...} EX 3600\nGET user:1:profile\nTTL user:1:profile",
         contains=['"value"', "(integer) 2", '"{...}"', "(integer) 3600"]),
    code("%%redis\nSET user:123 '{\"name\":\"Alice\"}' EX 3600\nGET user:123\nSETEX session:abc123 3600 \"user_data\"",
         contains=['"{\\"name\\":\\"Alice\\"}"', "OK"]),
    md("## Lists, hashes, sets"),
    code("%%redis\nLPUSH queue:jobs '{\"type\":\"email\"}'\nRPOP queue:jobs\n"
         "HSET user:1 name \"John\" email \"john@example.com\"\nHGETALL user:1\n"
         "SADD user:1:roles admin editor\nSISMEMBER user:1:roles admin",
         contains=["(integer) 1", '"john@example.com"', "(integer) 2"], html=["<table", "john@example.com"]),
    md("## Sorted sets: a leaderboard"),
    code("%%redis\nZADD leaderboard 100 \"player1\" 200 \"player2\" 1500 \"player3\"\nZREVRANGE leaderboard 0 9 WITHSCORES",
         contains=["(integer) 3", '"player3"', '"1500"'], html=["<table", "player3", "1500"]),
    md("## Streams: an event log"),
    code("%%redis\nXADD events * type \"user_login\" user_id \"123\"\nXADD events * type \"logout\" user_id \"123\"\n"
         "XREAD COUNT 10 STREAMS events 0", contains=['"user_login"', '"logout"', '"events"']),
    md("## Transactions and scripts\n\n`MULTI` … `EXEC` queue commands and run them at once; a Lua script may span lines "
       "inside its quotes."),
    code("%%redis\nMULTI\nINCR tx:count\nINCR tx:count\nEXEC", contains=["QUEUED", "1) (integer) 1", "2) (integer) 2"]),
    code("%%redis\nSET lock:job \"owner-1\"\nEVAL \"if redis.call('GET', KEYS[1]) == ARGV[1] then\n"
         "  return redis.call('DEL', KEYS[1])\nelse\n  return 0\nend\" 1 lock:job owner-1\nEXISTS lock:job",
         contains=["(integer) 1", "(integer) 0"]),
    md("## Variables and errors\n\n`{{name}}` inserts a kernel variable as exactly one argument, spaces and all."),
    code("%set greeting = 'hello there, world'\n%%redis\nSET greeting {{greeting}}\nSTRLEN greeting", contains=["(integer) 18"]),
    md("A failing line keeps earlier replies and marks later ones as not run (expected to fail):"),
    code("%%redis\nSET plain text\nLPUSH plain oops\nGET plain", error="RedisError[WRONGTYPE]"),
    md("## Pub/sub and blocking commands run bounded\n\n`SUBSCRIBE` streams messages into one updating output until "
       "`--timeout`, `--count` or the stop button; then the connection is back to normal. (A `PUBLISH` from another notebook "
       "would show up here live.)"),
    code("%%redis --timeout 1\nPUBLISH notifications '{\"type\":\"order\",\"id\":456}'\nSUBSCRIBE notifications",
         contains=["(integer) 0", '"subscribe"', '"notifications"']),
    code("%%redis --timeout 0.5\nBLPOP empty:queue 5\nPING", contains=["PONG"]),
]

SAFETY = [
    md("# When things go wrong\n\nServers that never answer, an `--explain` on a statement that would destroy data, a "
       "transaction left open in an earlier cell, a variable too big for one message: the kernel says what happened "
       "and keeps your session. This notebook uses SQLite in memory, the local PostgreSQL and Redis, and the embedded "
       "MongoDB-compatible engine."),
    md("## Connecting gives up, and says where\n\nEvery connection has a connect-and-handshake limit (10 s unless you "
       "change it). A refused or silent server is named, with the next thing to try. (This cell is expected to fail.)"),
    code("%config connect_timeout = 3\n%config", contains=["connect_timeout = 3"]),
    code("%connect nowhere postgresql://postgres@127.0.0.1:1/test", error="SqlError[connection]"),
    md("## `--explain` never runs what it does not explain\n\nOnly queries and data changes have plans. Anything else in "
       "an explained cell is reported and skipped, so `--explain` on a `DROP TABLE` leaves the table alone."),
    code("%%sql\nCREATE TABLE keep_me (id INTEGER PRIMARY KEY, note TEXT);\nINSERT INTO keep_me (note) VALUES ('still here');",
         contains=["CREATE TABLE", "1 row affected"]),
    code("%%sql --explain\nDROP TABLE keep_me;\nSELECT * FROM keep_me WHERE id = 1",
         contains=["DROP TABLE: not run", "--explain shows plans", "SEARCH keep_me"]),
    code("SELECT note FROM keep_me", contains=["still here", "(1 row)"]),
    md("`--analyze` has to run a statement to time it. A write runs inside a transaction that is rolled back, and the "
       "cell says so:"),
    code("%connect pg postgresql://postgres@127.0.0.1:5432/test\n%%sql pg\nDROP TABLE IF EXISTS safety_orders;\n"
         "CREATE TABLE safety_orders (id int PRIMARY KEY, total numeric);\n"
         "INSERT INTO safety_orders SELECT g, g * 10 FROM generate_series(1, 5) g;",
         contains=["connected: pg", "INSERT 0 5"]),
    code("%%sql pg --analyze\nDELETE FROM safety_orders WHERE total > 20",
         contains=["Delete on safety_orders", "actual time=", "the DELETE ran inside a transaction that was rolled back"]),
    code("%%sql pg\nSELECT count(*) AS orders FROM safety_orders", contains=["orders", "5", "(1 row)"]),
    md("## State you cannot see in the cell is shown\n\nA transaction opened in one cell stays open for the next (each "
       "connection is one session). `%connections` shows it, as redis-cli's `(TX)` prompt does, and shutting the kernel "
       "down says what it rolled back."),
    code("%%sql pg\nBEGIN;\nUPDATE safety_orders SET total = 0 WHERE id = 1;\nSELECT id, total FROM safety_orders WHERE id = 1;",
         contains=["BEGIN  [transaction open]", "UPDATE 1  [transaction open]", "(1 row)  [transaction open]"],
         html=["transaction open"]),
    code("%connections", contains=["pg", "[transaction open]"]),
    code("%%sql pg\nROLLBACK;\nSELECT total FROM safety_orders WHERE id = 1", contains=["ROLLBACK", "10"]),
    code("%connect cache redis://127.0.0.1:6379/9\n%%redis\nMULTI\nINCR safety:visits", contains=["QUEUED", "(TX) MULTI open, 1 command queued"]),
    code("%connections", contains=["cache", "[MULTI open, 1 command queued"]),
    code("%%redis\nDISCARD\nGET safety:visits", contains=["OK", "(nil)"]),
    md("## Values the drivers used to choke on\n\nPostgreSQL's `infinity` timestamps print as psql prints them, also "
       "when a statement binds a kernel variable (`:n`):"),
    code("%set n = 1\n%%sql pg\nDROP TABLE IF EXISTS safety_events;\nCREATE TABLE safety_events (id int, at timestamp, until timestamptz);\n"
         "INSERT INTO safety_events VALUES (1, 'infinity', '-infinity');\nSELECT at, until FROM safety_events WHERE id = :n",
         contains=["infinity", "-infinity", "(1 row)"]),
    md("## Big writes are split as drivers split them\n\nA SQL result kept with `--out` can be inserted into MongoDB in "
       "one call; the kernel sends it in batches within the server's message and batch limits, as mongosh does."),
    code("%%sql --out people\nWITH RECURSIVE g(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM g WHERE i < 150000)\n"
         "SELECT i, 'person ' || i AS name FROM g", contains=["(shown 50 of 150000 rows)"]),
    code("%%mql\nuse safety\ndb.people.drop()\ndb.people.insertMany({{people}}).acknowledged", contains=["true"]),
    code("%%mql\ndb.people.countDocuments()", contains=["150000"]),
    code("%%mql\ndb.people.findOne({ i: 777 }, { _id: 0 })", contains=["name: 'person 777'"]),
]


def main():
    for name, cells in [("intro", INTRO), ("sql", SQL), ("mql", MQL), ("redis", REDIS), ("safety", SAFETY)]:
        path = os.path.join(HERE, f"{name}.ipynb")
        nbformat.write(notebook(name, cells), path)
        print("wrote", path)


if __name__ == "__main__":
    main()
