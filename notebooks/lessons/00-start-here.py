"""Cells of notebooks/00-start-here.ipynb: the course's table of contents (every lesson, in the order
a learner follows, and the feature notebooks), how its connections are configured, and a first
check that every server the course uses answers."""
from cells import code, md

NAME = "00-start-here"

# (notebook, one line) in the order a learner follows; the README lists the same lines.
LESSONS = [
    ("intro", "A first tour of the kernel: help, connections, one notebook in three languages, variables."),
    ("01-what-is-a-database", "What a database is: relational vs NoSQL, keys, CRUD, indexes, transactions, ORMs, roles."),
    ("02-sql-fundamentals", "SQL fundamentals in three dialects: tables, CRUD, joins, HAVING, transactions, a first window."),
    ("03-postgres-schema-design", "PostgreSQL schema design: UUID keys, CHECK, partial indexes, an updated_at trigger, arrays, tsvector."),
    ("04-postgres-advanced-queries", "JSONB, full-text search, window functions, CTEs, recursive CTEs, LATERAL, PL/pgSQL functions."),
    ("05-indexes-and-query-plans", "Every index kind (B-tree, partial, covering, expression, GIN) read from real plans; VACUUM and ANALYZE."),
    ("06-transactions-and-normalization", "ACID and isolation with two live sessions; normalization, and a denormalized counter kept by triggers."),
    ("07-mongodb-documents", "MongoDB CRUD and a first aggregation; the Mongoose model as server-side validation and indexes."),
    ("08-mongodb-modeling-and-aggregation", "Embedding vs referencing, $lookup/$unwind/$group pipelines, compound/text/partial/TTL indexes, explain."),
    ("09-redis-data-structures", "Redis strings, hashes, lists, sets, sorted sets, streams with consumer groups, TTL, MULTI/WATCH."),
    ("10-redis-patterns", "Cache-aside and write-through over PostgreSQL, rate limiting, a Lua-released lock, pub/sub, the checklist."),
    ("11-architecture-patterns", "Monolith vs database per service, an outbox feeding a stream, CQRS from PostgreSQL to MongoDB, design patterns, SOLID."),
    ("12-scaling-replication-backup", "Scaling up and out: a live Redis replica, failover and split brain (CAP), partitioning, backup drills."),
    ("13-choosing-a-database", "One task in every engine, backend-agnostic SQL, best practices and learning paths as a closing checklist."),
]

# The kernel's feature notebooks, for reference while following the course.
REFERENCE = [
    ("sql", "Everything `%%sql` does: dialects, streaming results, parameters, transactions across cells, errors."),
    ("mql", "Everything `%%mql` does: mongosh syntax on the embedded engine or a real MongoDB."),
    ("redis", "Everything `%%redis` does: redis-cli syntax, pub/sub and blocking commands with bounds."),
    ("plans", "Query plans drawn as diagrams: read a plan, fix the query, compare."),
    ("safety", "What the kernel protects you from: the stop button, time limits, huge results."),
    ("classroom", "Checked exercises with `%%check`, as the course's exercises use them."),
    ("parameters", "A report notebook that papermill runs with parameters."),
]


def contents():
    lines = ["## The lessons, in order\n"]
    lines += [f"{i}. [{name}]({name}.ipynb): {text}" for i, (name, text) in enumerate(LESSONS)]
    lines += ["\n## Reference notebooks\n"]
    lines += [f"- [{name}]({name}.ipynb): {text}" for name, text in REFERENCE]
    return "\n".join(lines)


CELLS = [
    md("# Start here: a hands-on database course\n\nThirteen lessons teach SQL, PostgreSQL, MongoDB and Redis by running "
       "them: every code cell runs against a real engine, and every exercise has a reference answer and a `%%check` "
       "that says whether yours is right. Each lesson creates what it uses in its own schema, database or Redis "
       "database number and removes it at the end, so lessons run in any order and again.\n\n"
       "Run a lesson top to bottom with **Run › Run All Cells**, then change the queries and run them again. Cells "
       "marked *expected to fail* show what an error looks like."),
    md(contents()),
    md("## Connections\n\nThe file `dbkernel.toml` beside these notebooks names the course's connections. Nothing needs "
       "installing for SQLite (`lite`, in memory) and MongoDB (the engine inside the kernel); PostgreSQL (`pg`, "
       "`pg_other`), MariaDB (`maria`) and Redis (`cache`, `cache_other`, and a second server `replica` for lesson 12) "
       "are this machine's servers on 127.0.0.1. To use others, set environment variables before starting Jupyter: "
       "`COURSE_PG=user:password@host:5432/db`, `COURSE_MARIADB=...`, `COURSE_REDIS=host:6379`, "
       "`COURSE_REDIS_REPLICA=host:6380` (the file says `${COURSE_PG:-postgres@127.0.0.1:5432/test}`: the variable, "
       "else the default). Passwords never appear in outputs."),
    code("%connections", contains=["pg", "pg_other", "maria", "cache", "replica", "lite", "sqlite::memory:"]),
    md("Is every server there? One cell per engine; each answers with its version."),
    code("%%sql lite\nSELECT 'SQLite ' || sqlite_version() AS engine;", contains=["SQLite 3."]),
    code("%%sql pg\nSELECT split_part(version(), ' ', 1) || ' ' || current_setting('server_version') AS engine;",
         contains=["PostgreSQL "]),
    code("%%sql maria\nSELECT CONCAT('MariaDB ', VERSION()) AS engine;", contains=["MariaDB "]),
    code("%%mql\ndb.runCommand({ ping: 1 })", contains=["ok: 1"]),
    code("%%redis cache\nPING", contains=["PONG"]),
    code("%%redis replica\nPING\nROLE", contains=["PONG", '"master"']),
    md("All answered? Then go to [intro](intro.ipynb), then [lesson 1](01-what-is-a-database.ipynb)."),
]
