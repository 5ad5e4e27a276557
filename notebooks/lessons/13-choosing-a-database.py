"""Cells of notebooks/13-choosing-a-database.ipynb: the guides' selection tables tried on one task in
every engine of the course, backend-agnostic design (the same SQL through any driver), the best
practices and learning paths as a closing checklist that points back at the lessons that practise
them."""
from cells import code, md
from _course import exercise

NAME = "13-choosing-a-database"

CELLS = [
    md("# 13. Choosing a database, and what comes next\n\nThe guides end with tables: which database for what. A "
       "table is easier to believe after doing the same job in each. The job: *the top customer by completed order "
       "revenue*. PostgreSQL schema `course_13`, MariaDB database `course_13`, MongoDB database `course_13`, Redis "
       "database 15."),
    code("%use cache\n%%redis\nSELECT 15\nFLUSHDB", contains=["OK"]),
    md("## Choosing Databases\n\n- **PostgreSQL**: general-purpose, reliability. The job is one join and one group, "
       "and the constraints guarantee no order belongs to nobody:"),
    code("%%sql pg\nDROP SCHEMA IF EXISTS course_13 CASCADE;\nCREATE SCHEMA course_13;\nSET search_path = course_13;\n"
         "CREATE TABLE customers (id INT PRIMARY KEY, name TEXT NOT NULL);\n"
         "CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT NOT NULL REFERENCES customers(id), status TEXT NOT NULL, amount NUMERIC(8,2) NOT NULL);\n"
         "INSERT INTO customers VALUES (1, 'Ada'), (2, 'Grace'), (3, 'Linus');\n"
         "INSERT INTO orders VALUES (1, 1, 'completed', 30), (2, 1, 'completed', 20), (3, 2, 'completed', 70), (4, 2, 'pending', 99), (5, 3, 'completed', 5);\n"
         "SELECT c.name, sum(o.amount) AS revenue FROM customers c JOIN orders o ON o.customer_id = c.id\n"
         "WHERE o.status = 'completed' GROUP BY c.name ORDER BY revenue DESC LIMIT 1;",
         contains=["INSERT 0 5", " Grace |   70.00", "(1 row)"]),
    md("- **MongoDB**: flexible schema, documents. If the page shows a customer with their orders, one document per "
       "customer holds both, and the job is a pipeline over it:"),
    code("%%mql\nuse course_13\ndb.customers.drop()\ndb.customers.insertMany([\n"
         "  { _id: 1, name: 'Ada', orders: [{ status: 'completed', amount: 30 }, { status: 'completed', amount: 20 }] },\n"
         "  { _id: 2, name: 'Grace', orders: [{ status: 'completed', amount: 70 }, { status: 'pending', amount: 99 }] },\n"
         "  { _id: 3, name: 'Linus', orders: [{ status: 'completed', amount: 5 }] }\n])\n"
         "db.customers.aggregate([\n  { $unwind: '$orders' },\n  { $match: { 'orders.status': 'completed' } },\n"
         "  { $group: { _id: '$name', revenue: { $sum: '$orders.amount' } } },\n  { $sort: { revenue: -1 } },\n  { $limit: 1 }\n])",
         contains=["{ _id: 'Grace', revenue: 70 }", "(1 document)"]),
    md("- **Redis**: caching, real-time data. It does not query; it keeps the answer ready. Each completed order adds "
       "to a sorted set as it happens, so the top customer is one command, in microseconds, at any moment:"),
    code("%%redis\nZINCRBY revenue 30 Ada\nZINCRBY revenue 20 Ada\nZINCRBY revenue 70 Grace\nZINCRBY revenue 5 Linus\nZREVRANGE revenue 0 0 WITHSCORES",
         contains=['"Grace"', '"70"']),
    md("- **Elasticsearch**: full-text search across many servers. It is not part of this course's machine; PostgreSQL's "
       "built-in search (lesson 4) is the closest thing here, with ranking:"),
    code("%%sql pg\nCREATE TABLE course_13.docs (title TEXT, body TEXT);\n"
         "INSERT INTO course_13.docs VALUES ('Choosing a database', 'Pick PostgreSQL for relational data'), ('Caching', 'Redis keeps hot data in memory');\n"
         "SELECT title, round(ts_rank(to_tsvector('english', title || ' ' || body), q)::numeric, 3) > 0 AS matches\n"
         "FROM course_13.docs, websearch_to_tsquery('english', 'relational database') q\nWHERE to_tsvector('english', title || ' ' || body) @@ q;",
         contains=["Choosing a database", "(1 row)"]),
    md("## Database Selection\n\n| Criteria | PostgreSQL | MongoDB | Redis |\n|---|---|---|---|\n"
       "| **Data model** | Relational tables | JSON documents | Key-value / streams |\n"
       "| **Best for** | ACID transactions, complex JOINs | Flexible schema, rapid iteration | Caching, real-time, pub/sub |\n"
       "| **Scaling** | Vertical + read replicas | Horizontal sharding | In-memory, cluster |\n"
       "| **Query language** | SQL | MQL | Redis commands |\n| **When to pick** | Data integrity critical | Schema evolves fast | Sub-ms latency needed |\n\n"
       "*Schema evolves fast*, tried: a new field in MongoDB is just written; in PostgreSQL it is a migration first "
       "(and then every row has it, checked):"),
    code("%%mql\ndb.customers.updateOne({ _id: 3 }, { $set: { loyalty: { tier: 'gold', since: 2021 } } })\n"
         "db.customers.find({ loyalty: { $exists: true } }, { _id: 0, name: 1, 'loyalty.tier': 1 })",
         contains=["modifiedCount: 1", "{ name: 'Linus', loyalty: { tier: 'gold' } }"]),
    code("%%sql pg\nALTER TABLE course_13.customers ADD COLUMN loyalty_tier TEXT CHECK (loyalty_tier IN ('silver', 'gold'));\n"
         "UPDATE course_13.customers SET loyalty_tier = 'gold' WHERE name = 'Linus';\nSELECT name, loyalty_tier FROM course_13.customers ORDER BY id;",
         contains=["ALTER TABLE", "UPDATE 1", " Linus | gold", " Ada   | (null)"]),
    md("The expert guide's table adds **SQLite**, *embedded*: no server at all, the database is a file (or memory) "
       "inside the application's process; ideal for mobile, desktop, tests, and the `lite` connection of this course:"),
    code("%%sql lite\nSELECT sqlite_version() >= '3' AS modern, (SELECT count(*) FROM pragma_database_list) AS databases_open;",
         contains=["modern", "databases_open", "1"]),
    md("## Backend-Agnostic Design\n\nThe advanced guide teaches pure SQL, `EXPLAIN ANALYZE`, DBA tasks, the mongo shell "
       "and Redis commands because they are the same from every language: SQLx (Rust), GORM (Go), SQLAlchemy (Python) "
       "and Prisma (Node) all send these statements. This kernel is itself such a client (Rust: sqlx, the official "
       "`mongodb` driver, `redis-rs`). The same standard SQL, three engines, one answer:"),
    code("%%sql maria\nCREATE DATABASE IF NOT EXISTS course_13;\nUSE course_13;\nDROP TABLE IF EXISTS orders;\n"
         "CREATE TABLE orders (id INT PRIMARY KEY, customer_id INT NOT NULL, status VARCHAR(20) NOT NULL, amount DECIMAL(8,2) NOT NULL);\n"
         "INSERT INTO orders VALUES (1, 1, 'completed', 30), (2, 1, 'completed', 20), (3, 2, 'completed', 70), (4, 2, 'pending', 99), (5, 3, 'completed', 5);\n"
         "SELECT customer_id, SUM(amount) AS revenue FROM orders WHERE status = 'completed' GROUP BY customer_id ORDER BY revenue DESC;",
         contains=["5 rows affected", "           2 |   70.00", "           1 |   50.00"]),
    code("%%sql lite\nCREATE TABLE orders (id INT PRIMARY KEY, customer_id INT NOT NULL, status VARCHAR(20) NOT NULL, amount DECIMAL(8,2) NOT NULL);\n"
         "INSERT INTO orders VALUES (1, 1, 'completed', 30), (2, 1, 'completed', 20), (3, 2, 'completed', 70), (4, 2, 'pending', 99), (5, 3, 'completed', 5);\n"
         "SELECT customer_id, SUM(amount) AS revenue FROM orders WHERE status = 'completed' GROUP BY customer_id ORDER BY revenue DESC;",
         contains=["5 rows affected", "           2 |      70", "           1 |      50"]),
    md("Same rows, different types: MariaDB's `DECIMAL(8,2)` keeps two decimals, SQLite stores the numbers it was "
       "given (its types are affinities). *Backend-agnostic* SQL still needs each engine's types tested."),
    md("## Best Practices\n\n**PostgreSQL**: normalize to 3NF first (lesson 6), always `EXPLAIN ANALYZE` (5), index "
       "foreign keys (5), `VACUUM` regularly (5), pool connections (5). **MongoDB**: embed 1-to-few, reference "
       "1-to-many (8), index every query pattern (8), the aggregation pipeline over map-reduce (deprecated since "
       "MongoDB 5.0), authentication on (a real deployment's `--auth`; the embedded engine listens on 127.0.0.1 only), "
       "Atlas for managed production. **Redis**: TTL on everything (9, 10), pipelines for bulk (10), don't store what "
       "you can't lose unless persisted, monitor `INFO memory` (10). Is this Redis persisting?"),
    code("%%redis\nCONFIG GET appendonly\nCONFIG GET save", contains=['"appendonly"', '"save"']),
    md("## Related Skills\n\nThe advanced guide points to neighbouring skills. Their database side is in this course: "
       "**authentication** (a users table with `password_hash`, lesson 3; sessions with a TTL, below), **payments** "
       "(transactions, lesson 6), **devops** (backups and replicas, lesson 12), **debugging** (plans, lesson 5), "
       "**web-testing** (every exercise's check). A login session, the way an auth service keeps it:"),
    code("%%redis\nSET session:7f3a user:1 EX 1800 NX\nGET session:7f3a\nTTL session:7f3a", contains=["OK", '"user:1"', "(integer) 1800"]),
    md("## Reference Navigation\n\nThe advanced guide's deep-dive references, and where this course practises each:"),
    md("### PostgreSQL Deep-Dive\n\nSchema design, partitioning, JSONB, constraints, migrations: lessons 3, 4, 12. "
       "Advanced queries (CTEs, windows, lateral joins, recursion): 4. Optimization: 5. Administration (users, backups, "
       "VACUUM, monitoring): 1, 5, 12. Replication and HA: 12. Monitoring in one query, the server's own view of "
       "what runs now:"),
    code("%%sql pg\nSELECT count(*) FILTER (WHERE state = 'active') >= 1 AS someone_active, count(DISTINCT datname) >= 1 AS databases_in_use\nFROM pg_stat_activity WHERE backend_type = 'client backend';",
         contains=["someone_active", "databases_in_use"]),
    md("### MongoDB Deep-Dive\n\nDocument modeling (embedding vs referencing): lesson 8. Aggregation ($lookup, "
       "$unwind, $group): 7, 8. Indexing (compound, multikey, text, partial, TTL) and explain: 8. Operations "
       "(sharding, backup): 8, 12. `$graphLookup` walks a hierarchy, as a recursive CTE does in SQL:"),
    code("%%mql\ndb.staff.drop()\ndb.staff.insertMany([{ _id: 'ada', boss: null }, { _id: 'grace', boss: 'ada' }, { _id: 'linus', boss: 'grace' }])\n"
         "db.staff.aggregate([\n  { $match: { _id: 'linus' } },\n  { $graphLookup: { from: 'staff', startWith: '$boss', connectFromField: 'boss', connectToField: '_id', as: 'chain', depthField: 'depth' } },\n"
         "  { $project: { chain: { $sortArray: { input: '$chain._id', sortBy: 1 } } } }\n])",
         contains=["chain: [ 'ada', 'grace' ]"]),
    md("### Redis Deep-Dive\n\nCaching, sessions, rate limiting, pub/sub, streams, Lua: lessons 9 and 10.\n\n"
       "### Cross-Database\n\nWhen to use what, hybrid architectures, migrations between engines: this lesson and "
       "lesson 11 (PostgreSQL for writes, MongoDB for reads, Redis for events). A migration between engines, in "
       "miniature: PostgreSQL rows become documents (`json_agg` builds them; the application would insert them):"),
    code("%%sql pg\nSELECT json_agg(json_build_object('_id', id, 'name', name) ORDER BY id)::text AS documents FROM course_13.customers;",
         contains=['[{"_id" : 1, "name" : "Ada"}, {"_id" : 2, "name" : "Grace"}, {"_id" : 3, "name" : "Linus"}]']),
    md("## Learning Paths\n\nThe roadmaps the guides recommend, item by item, with the lesson that practises it.\n\n"
       "### SQL (roadmap.sh/sql)\n\nSELECT queries, JOINs and subqueries, aggregation, window functions (2, 4), "
       "transactions (2, 6). A subquery, the one item not used yet: customers above the average revenue:"),
    code("%%sql pg\nSELECT name FROM course_13.customers c\nWHERE (SELECT coalesce(sum(amount), 0) FROM course_13.orders o WHERE o.customer_id = c.id AND status = 'completed')\n"
         "    > (SELECT avg(amount) FROM course_13.orders WHERE status = 'completed')\nORDER BY name;",
         contains=["Ada", "Grace", "(2 rows)"]),
    md("### PostgreSQL DBA (roadmap.sh/postgresql-dba)\n\nInstallation and configuration (below), backup and recovery "
       "(12), performance tuning (5, 12), replication (12), security management (1, 11). Configuration is readable "
       "from SQL, with where each value came from:"),
    code("%%sql pg\nSELECT name, setting, source FROM pg_settings WHERE name IN ('max_connections', 'shared_buffers', 'wal_level') ORDER BY name;",
         contains=["max_connections", "shared_buffers", "wal_level", "(3 rows)"]),
    md("### Redis (roadmap.sh/redis)\n\nData structures (9), caching patterns (10), pub/sub (10), transactions (9), "
       "persistence (12, and `CONFIG GET appendonly` above).\n\n### MongoDB (roadmap.sh/mongodb)\n\nDocument model "
       "(7, 8), indexing (8), aggregation (7, 8), transactions (8: they need a replica set), sharding (12: the idea on "
       "one server).\n\n## Learning Paths\n\nThe second guide's list adds software design and architecture "
       "(roadmap.sh/software-design-architecture, /software-architect, /system-design): lessons 11 and 12."),
    md("## Resources\n\nThe manuals, for the versions this machine runs ([PostgreSQL](https://www.postgresql.org/docs), "
       "[Redis](https://redis.io/documentation), [MongoDB](https://docs.mongodb.com/manual), and the [System Design "
       "Primer](https://github.com/donnemartin/system-design-primer)):"),
    code("%%redis\nINFO server", contains=["redis_version:"]),
    code("%%mql\ndb.version()", contains=["."]),
    *exercise(1, "Choose and build: keep *the five most recent completed orders across all customers* always ready "
              "for a dashboard. Use a Redis sorted set `recent:orders` scored by order id (a stand-in for time), "
              "add the completed orders 1, 2, 3 and 5, trim it to the newest five, and keep the newest two, highest first.",
              "%%redis --out ex1\nZADD recent:orders 1 order:1 2 order:2 3 order:3 5 order:5\nZREMRANGEBYRANK recent:orders 0 -6\nZREVRANGE recent:orders 0 1",
              "ex1", contains=["(integer) 4", '"order:5"', '"order:3"'], check="\n[\"order:5\", \"order:3\"]"),
    md("## Clean up"),
    code("%%sql pg\nDROP SCHEMA course_13 CASCADE;", contains=["DROP SCHEMA"]),
    code("%%sql maria\nDROP DATABASE course_13;", contains=["DROP DATABASE"]),
    code("%%mql\nuse course_13\ndb.dropDatabase()", contains=["dropped: 'course_13'"]),
    code("%%redis cache\nSELECT 15\nFLUSHDB", contains=["OK"]),
]
