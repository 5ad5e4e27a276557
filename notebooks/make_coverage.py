#!/usr/bin/env python3
"""Writes notebooks/COVERAGE.md: for every `##` and `###` heading of the guides in
$DBKERNEL_SHARED/seeds/*.txt, the notebook cells that teach it.

The map below names cells by a piece of their source (a marker that must occur in exactly one code
cell of the committed notebook), so that editing a lesson moves a cell without breaking its entry;
the cell ids written to COVERAGE.md are the notebook's stable ids (`<notebook>-NNN`).
tests/python/test_coverage.py checks the result against the seeds and the notebooks.
Run after make_notebooks.py: DBKERNEL_SHARED=/work/shared python3 notebooks/make_coverage.py
"""
import os
import re
import sys

import nbformat

HERE = os.path.dirname(os.path.abspath(__file__))

# (seed prefix, heading line, occurrence among identical headings of that seed) -> [(notebook, marker)]
TAUGHT = {
    ("000", "## SQL Fundamentals", 1): [("02-sql-fundamentals", "SHOW INDEX FROM users"),
                                        ("02-sql-fundamentals", "SELECT * FROM users WHERE id = 1;\nUPDATE"),
                                        ("02-sql-fundamentals", "-- Joins & aggregations")],
    ("000", "## PostgreSQL", 1): [("04-postgres-advanced-queries", "-- JSON support\nCREATE TABLE data"),
                                  ("04-postgres-advanced-queries", "ROW_NUMBER() OVER (ORDER BY salary DESC) as rank"),
                                  ("04-postgres-advanced-queries", "WITH ranked_users AS")],
    ("000", "## MongoDB", 1): [("07-mongodb-documents", "// Document operations"),
                               ("07-mongodb-documents", "db.users.updateOne({ id: 1 }"),
                               ("07-mongodb-documents", "// Aggregation\ndb.users.aggregate")],
    ("000", "## Redis", 1): [("09-redis-data-structures", "# Strings\nSET user:1:name"),
                             ("09-redis-data-structures", "# Lists (queues)"),
                             ("09-redis-data-structures", "# Caching pattern\nSET user:123")],
    ("000", "## Key Concepts", 1): [("03-postgres-schema-design", "-- Users table with proper constraints"),
                                    ("05-indexes-and-query-plans", "-- Partial index for filtered queries"),
                                    ("05-indexes-and-query-plans", "-- EXPLAIN ANALYZE for query analysis"),
                                    ("06-transactions-and-normalization", "-- ✅ Normalized"),
                                    ("06-transactions-and-normalization", "BEGIN ISOLATION LEVEL REPEATABLE READ"),
                                    ("12-scaling-replication-backup", "SET stock:1 10\nWAIT"),
                                    ("12-scaling-replication-backup", "PARTITION BY HASH (id)"),
                                    ("12-scaling-replication-backup", "-- the accident: no WHERE")],
    ("000", "## Choosing Databases", 1): [("13-choosing-a-database", "ZINCRBY revenue 30 Ada"),
                                          ("13-choosing-a-database", "websearch_to_tsquery")],

    ("001", "## Backend-Agnostic Design", 1): [("13-choosing-a-database", "CREATE DATABASE IF NOT EXISTS course_13"),
                                               ("13-choosing-a-database", "%%sql lite\nCREATE TABLE orders (id INT PRIMARY KEY, customer_id")],
    ("001", "## Database Selection", 1): [("13-choosing-a-database", "loyalty: { tier: 'gold', since: 2021 }"),
                                          ("13-choosing-a-database", "ADD COLUMN loyalty_tier")],
    ("001", "## Quick Start", 1): [("03-postgres-schema-design", "-- Performance check"),
                                   ("07-mongodb-documents", "// Insert with validation"),
                                   ("09-redis-data-structures", "# Caching pattern\nSET user:123")],
    ("001", "### PostgreSQL", 1): [("03-postgres-schema-design", "CREATE TABLE quick_users"),
                                   ("03-postgres-schema-design", "-- Performance check")],
    ("001", "### MongoDB", 1): [("07-mongodb-documents", "// Insert with validation"),
                                ("07-mongodb-documents", "// Aggregation pipeline")],
    ("001", "### Redis", 1): [("09-redis-data-structures", "# Caching pattern\nSET user:123")],
    ("001", "## Reference Navigation", 1): [("13-choosing-a-database", "backend_type = 'client backend'")],
    ("001", "### PostgreSQL Deep-Dive", 1): [("13-choosing-a-database", "backend_type = 'client backend'"),
                                             ("12-scaling-replication-backup", "PARTITION BY RANGE (created_at)"),
                                             ("04-postgres-advanced-queries", "LEFT JOIN LATERAL")],
    ("001", "### MongoDB Deep-Dive", 1): [("13-choosing-a-database", "$graphLookup"),
                                          ("08-mongodb-modeling-and-aggregation", "// Complex aggregation")],
    ("001", "### Redis Deep-Dive", 1): [("10-redis-patterns", "SET lock:report worker-a-6f1c NX EX 30"),
                                        ("10-redis-patterns", "1 ratelimit:bob 60")],
    ("001", "### Cross-Database", 1): [("13-choosing-a-database", "json_agg(json_build_object"),
                                       ("11-architecture-patterns", "db.customer_summary.drop()")],
    ("001", "## Best Practices", 1): [("13-choosing-a-database", "CONFIG GET appendonly\nCONFIG GET save"),
                                      ("06-transactions-and-normalization", "-- ✅ Normalized"),
                                      ("05-indexes-and-query-plans", "CREATE INDEX idx_posts_author ON posts(author_id)"),
                                      ("08-mongodb-modeling-and-aggregation", "// Embedding (for 1:few")],
    ("001", "## Related Skills", 1): [("13-choosing-a-database", "SET session:7f3a")],

    ("002", "## Quick Start", 1): [("02-sql-fundamentals", "HAVING COUNT(p.id) > 0")],
    ("002", "### SQL (PostgreSQL) Fundamentals", 1): [("02-sql-fundamentals", "HAVING COUNT(p.id) > 0"),
                                                      ("02-sql-fundamentals", "COMMIT;\nSELECT * FROM accounts ORDER BY id;"),
                                                      ("02-sql-fundamentals", "SUM(amount) OVER (PARTITION BY user_id ORDER BY date)")],
    ("002", "### PostgreSQL Advanced Features", 1): [("04-postgres-advanced-queries", "CREATE TABLE events ("),
                                                     ("04-postgres-advanced-queries", "-- Full-text search\nCREATE TABLE articles"),
                                                     ("04-postgres-advanced-queries", "-- Stored procedures")],
    ("002", "### Redis - Caching & Data Structures", 1): [("09-redis-data-structures", "DEL user:1:name user:1 queue:jobs"),
                                                          ("10-redis-patterns", "SETEX user:1 3600")],
    ("002", "### MongoDB - NoSQL Document Database", 1): [("07-mongodb-documents", 'db.createCollection("people"'),
                                                          ("07-mongodb-documents", "const post = db.posts.insertOne"),
                                                          ("07-mongodb-documents", "$lookup: { from: 'posts', localField: 'posts'"),
                                                          ("07-mongodb-documents", "'profile.bio': 'New bio'")],
    ("002", "## Database Design Principles", 1): [("06-transactions-and-normalization", "-- ❌ Not normalized")],
    ("002", "### Normalization (SQL)", 1): [("06-transactions-and-normalization", "-- ❌ Not normalized"),
                                            ("06-transactions-and-normalization", "-- ✅ Normalized")],
    ("002", "### Denormalization (Performance)", 1): [("06-transactions-and-normalization", "-- Trade consistency for query speed"),
                                                      ("06-transactions-and-normalization", "EXECUTE FUNCTION bump_post_count()"),
                                                      ("06-transactions-and-normalization", "%%sql maria\nCREATE DATABASE IF NOT EXISTS course_06")],
    ("002", "## Learning Paths", 1): [("13-choosing-a-database", "course_13.customers c\nWHERE"),
                                      ("13-choosing-a-database", "FROM pg_settings")],
    ("002", "### SQL (roadmap.sh/sql)", 1): [("13-choosing-a-database", "course_13.customers c\nWHERE"),
                                             ("02-sql-fundamentals", "SUM(amount) OVER (PARTITION BY user_id ORDER BY date)")],
    ("002", "### PostgreSQL DBA (roadmap.sh/postgresql-dba)", 1): [("13-choosing-a-database", "FROM pg_settings"),
                                                                   ("12-scaling-replication-backup", "-- the accident: no WHERE")],
    ("002", "### Redis (roadmap.sh/redis)", 1): [("09-redis-data-structures", "WATCH stock:widget"),
                                                 ("10-redis-patterns", "SUBSCRIBE __keyevent")],
    ("002", "### MongoDB (roadmap.sh/mongodb)", 1): [("08-mongodb-modeling-and-aggregation", "const hello = db.hello()"),
                                                     ("08-mongodb-modeling-and-aggregation", "// Compound index")],
    ("002", "## Architecture Patterns", 1): [("11-architecture-patterns", "SET ROLE course_11_order_service")],
    ("002", "### Microservices Architecture", 1): [("11-architecture-patterns", "CREATE SCHEMA course_11_users"),
                                                   ("11-architecture-patterns", "CREATE DATABASE IF NOT EXISTS course_11_orders"),
                                                   ("11-architecture-patterns", "SET ROLE course_11_order_service")],
    ("002", "### Event-Driven Architecture", 1): [("11-architecture-patterns", "-- create_order(order_data)"),
                                                  ("11-architecture-patterns", "XGROUP CREATE order.created email 0")],
    ("002", "### CQRS (Command Query Responsibility Segregation)", 1): [("11-architecture-patterns", "db.customer_summary.drop()"),
                                                                        ("11-architecture-patterns", "VALUES (1, 8.00), (2, 15.50)")],
    ("002", "## Design Patterns", 1): [("11-architecture-patterns", "pg_backend_pid() AS pid")],
    ("002", "### Singleton Pattern", 1): [("11-architecture-patterns", "pg_backend_pid() AS pid"),
                                          ("11-architecture-patterns", "relname = 'singleton_proof'")],
    ("002", "### Factory Pattern", 1): [("11-architecture-patterns", "%connect scratch sqlite::memory:")],
    ("002", "### Observer Pattern", 1): [("11-architecture-patterns", "\nLISTEN order_created;"),
                                         ("11-architecture-patterns", "UNLISTEN order_created;")],
    ("002", "## SOLID Principles", 1): [("11-architecture-patterns", "CREATE VIEW order_totals AS SELECT id, total FROM orders"),
                                        ("11-architecture-patterns", "total_cents")],
    ("002", "## System Design", 1): [("12-scaling-replication-backup", "SET work_mem = '64kB'")],
    ("002", "### Scalability Considerations", 1): [("12-scaling-replication-backup", "SET work_mem = '64kB'"),
                                                   ("12-scaling-replication-backup", "SET work_mem = '32MB'"),
                                                   ("12-scaling-replication-backup", "SET stock:1 10\nWAIT")],
    ("002", "### CAP Theorem", 1): [("12-scaling-replication-backup", "REPLICAOF NO ONE\nSET stock:1 8"),
                                    ("12-scaling-replication-backup", "SET stock:1 9\nGET stock:1"),
                                    ("12-scaling-replication-backup", "%%redis replica\nGET stock:1")],
    ("002", "## Learning Paths", 2): [("13-choosing-a-database", "FROM pg_settings"),
                                      ("11-architecture-patterns", "CREATE VIEW order_totals AS SELECT id, total FROM orders")],
    ("002", "## Resources", 1): [("13-choosing-a-database", "INFO server"),
                                 ("13-choosing-a-database", "db.version()")],

    ("003", "## Database Selection", 1): [("13-choosing-a-database", "sqlite_version() >= '3'"),
                                          ("13-choosing-a-database", "ZINCRBY revenue 30 Ada")],
    ("003", "## PostgreSQL", 1): [("03-postgres-schema-design", "-- Users table with proper constraints")],
    ("003", "### Schema Design", 1): [("03-postgres-schema-design", "-- Users table with proper constraints"),
                                      ("03-postgres-schema-design", "-- Automatic updated_at trigger"),
                                      ("03-postgres-schema-design", "-- Posts with full-text search")],
    ("003", "### Query Optimization", 1): [("05-indexes-and-query-plans", "-- EXPLAIN ANALYZE for query analysis"),
                                           ("05-indexes-and-query-plans", "-- Partial index for filtered queries"),
                                           ("05-indexes-and-query-plans", "-- Covering index"),
                                           ("05-indexes-and-query-plans", "-- Expression index")],
    ("003", "### Advanced Features", 1): [("04-postgres-advanced-queries", "-- Common Table Expression (CTE)"),
                                          ("04-postgres-advanced-queries", "LAG(published_at::date)"),
                                          ("04-postgres-advanced-queries", "-- JSON operations"),
                                          ("04-postgres-advanced-queries", "-- Recursive CTE")],
    ("003", "## MongoDB", 1): [("08-mongodb-modeling-and-aggregation", "// Embedding (for 1:few")],
    ("003", "### Schema Design Patterns", 1): [("08-mongodb-modeling-and-aggregation", "// Embedding (for 1:few"),
                                              ("08-mongodb-modeling-and-aggregation", "// Referencing (for 1:many")],
    ("003", "### Aggregation Pipeline", 1): [("08-mongodb-modeling-and-aggregation", "// Complex aggregation"),
                                            ("08-mongodb-modeling-and-aggregation", "preserveNullAndEmptyArrays")],
    ("003", "### Indexes", 1): [("08-mongodb-modeling-and-aggregation", "// Compound index"),
                                ("08-mongodb-modeling-and-aggregation", "$search: 'mongodb engine'"),
                                ("08-mongodb-modeling-and-aggregation", "db.sessions.getIndexes()")],
    ("003", "## Redis", 1): [("09-redis-data-structures", "# Strings\nSET user:1:name")],
    ("003", "### Data Structures", 1): [("09-redis-data-structures", "# Strings\nSET user:1:name"),
                                        ("09-redis-data-structures", "# Hashes"),
                                        ("09-redis-data-structures", "# Sorted Sets (leaderboards)"),
                                        ("09-redis-data-structures", "# Streams (event log)")],
    ("003", "### Caching Patterns", 1): [("10-redis-patterns", "SETEX user:1 3600"),
                                         ("10-redis-patterns", "INCR ratelimit:alice"),
                                         ("10-redis-patterns", "SET lock:report worker-a-6f1c NX EX 30"),
                                         ("10-redis-patterns", "# worker b may not release")],
    ("003", "### Pub/Sub", 1): [("10-redis-patterns", "CONFIG SET notify-keyspace-events Ex"),
                                ("10-redis-patterns", "SUBSCRIBE __keyevent")],
    ("003", "## Query Optimization Checklist", 1): [("05-indexes-and-query-plans", "AS this_session"),
                                                    ("08-mongodb-modeling-and-aggregation", "createdAt: 1 }).explain('executionStats')"),
                                                    ("10-redis-patterns", "SET cache:forgotten")],
    ("003", "### PostgreSQL", 1): [("05-indexes-and-query-plans", "AS this_session"),
                                   ("05-indexes-and-query-plans", "VACUUM (ANALYZE) posts")],
    ("003", "### MongoDB", 1): [("08-mongodb-modeling-and-aggregation", "createdAt: 1 }).explain('executionStats')"),
                                ("08-mongodb-modeling-and-aggregation", "db.posts.createIndex({ tags: 1 })")],
    ("003", "### Redis", 1): [("10-redis-patterns", "SET cache:forgotten"),
                              ("10-redis-patterns", "MSET product:1"),
                              ("10-redis-patterns", "INFO memory")],

    ("004", "## What Is a Database?", 1): [("01-what-is-a-database", "email TEXT NOT NULL UNIQUE, name TEXT NOT NULL")],
    ("004", "## Types of Databases", 1): [("01-what-is-a-database", "INSERT INTO users (email) VALUES ('linus@example.com')"),
                                          ("01-what-is-a-database", "languages: ['English', 'French']")],
    ("004", "### 1. **Relational Databases (SQL)**", 1): [("01-what-is-a-database", "INSERT INTO users (email) VALUES ('linus@example.com')")],
    ("004", "### 2. **Non-Relational Databases (NoSQL)**", 1): [("01-what-is-a-database", "languages: ['English', 'French']")],
    ("004", "## Core Concepts", 1): [("01-what-is-a-database", "PRAGMA foreign_keys = ON"),
                                     ("01-what-is-a-database", "CREATE INDEX idx_users_name"),
                                     ("01-what-is-a-database", "BEGIN;\nDELETE FROM posts;")],
    ("004", "## Tools & Technologies", 1): [("01-what-is-a-database", "-- Traditional SQL (what User.objects.get(id=1) sends)"),
                                            ("01-what-is-a-database", "FROM sqlite_schema")],
    ("004", "## Intro to PostgreSQL", 1): [("01-what-is-a-database", "split_part(version(), ' ', 1) AS product"),
                                           ("01-what-is-a-database", "CREATE TYPE course_01.mood")],
    ("004", "## Backend Architecture — How Databases Fit In", 1): [("11-architecture-patterns", "CREATE SCHEMA course_11_monolith")],
    ("004", "## Why You NEED a Backend Database", 1): [("01-what-is-a-database", "'Impostor'"),
                                                       ("01-what-is-a-database", "SET ROLE course_01_reader")],
    ("004", "## Beginner’s Roadmap to Databases", 1): [("01-what-is-a-database", "ALTER TABLE users ADD COLUMN created_at")],
    ("004", "## Best Practices", 1): [("01-what-is-a-database", "%set name = \"x' OR")],
    ("004", "## Resources to Explore Further if you are interested... but for now we'll focus no postgress", 1):
        [("01-what-is-a-database", "'https://www.postgresql.org/docs/'")],
    ("004", "### Written Resources", 1): [("01-what-is-a-database", "'https://www.postgresql.org/docs/'")],
    ("004", "### Video Resources", 1): [("01-what-is-a-database", "%help sql")],
}

HEADING = re.compile(r"^(##|###) \S")


def seed_headings(seeds_dir):
    """(file name, heading line, occurrence) for every ## and ### heading outside code fences."""
    found = []
    for name in sorted(os.listdir(seeds_dir)):
        if not name.endswith(".txt"):
            continue
        seen = {}
        fenced = False
        with open(os.path.join(seeds_dir, name), encoding="utf-8") as f:
            for line in f:
                line = line.rstrip("\n")
                if line.startswith("```"):
                    fenced = not fenced
                elif not fenced and HEADING.match(line):
                    heading = line.rstrip()
                    seen[heading] = seen.get(heading, 0) + 1
                    found.append((name, heading, seen[heading]))
    return found


def cell_id(notebook, marker, cache):
    if notebook not in cache:
        cache[notebook] = nbformat.read(os.path.join(HERE, f"{notebook}.ipynb"), as_version=4)
    matches = [c.id for c in cache[notebook].cells if c.cell_type == "code" and marker in c.source]
    if len(matches) != 1:
        sys.exit(f"marker {marker!r} matches {len(matches)} code cells of {notebook} (it must match exactly one)")
    return matches[0]


def main():
    shared = os.environ.get("DBKERNEL_SHARED", os.path.join(HERE, "..", "..", "shared"))
    headings = seed_headings(os.path.join(shared, "seeds"))
    cache = {}
    rows = []
    for name, heading, occurrence in headings:
        entry = TAUGHT.get((name[:3], heading, occurrence))
        if not entry:
            sys.exit(f"{name}: no cells teach {heading!r} (occurrence {occurrence}); add it to TAUGHT")
        ids = [cell_id(notebook, marker, cache) for notebook, marker in entry]
        notebooks = sorted({i.rsplit("-", 1)[0] for i in ids})
        links = ", ".join(f"[{n}]({n}.ipynb)" for n in notebooks)
        rows.append(f"| {name} | `{heading}` | {links} | {', '.join(ids)} |")
    unused = set(TAUGHT) - {(n[:3], h, o) for n, h, o in headings}
    if unused:
        sys.exit(f"TAUGHT names headings the seeds no longer have: {sorted(unused)}")
    text = ("# Coverage of the guides\n\nEvery `##` and `###` heading of the five guides (`seeds/*.txt` in the shared "
            "folder), exactly as written there, and the code cells that teach it (cell ids are the notebooks' stable "
            "`<notebook>-NNN` ids). A heading that occurs twice in one guide has one row per occurrence, in order. "
            "Written by `notebooks/make_coverage.py`; `tests/python/test_coverage.py` fails when a heading is missing "
            "or a cell does not exist.\n\n"
            f"{len(rows)} headings.\n\n| Guide | Heading | Notebooks | Cells |\n|---|---|---|---|\n" + "\n".join(rows) + "\n")
    with open(os.path.join(HERE, "COVERAGE.md"), "w", encoding="utf-8") as f:
        f.write(text)
    print(f"wrote COVERAGE.md: {len(rows)} headings")


if __name__ == "__main__":
    main()
