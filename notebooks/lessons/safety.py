"""Cells of notebooks/safety.ipynb."""
from cells import code, md

NAME = "safety"

CELLS = [
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
         contains=["Delete on safety_orders", "PostgreSQL plan (executed)", "the DELETE ran inside a transaction that was rolled back"]),
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
