"""Cells of notebooks/05-indexes-and-query-plans.ipynb: every index kind the guides show (B-tree,
partial, expression, GIN, covering), read from real PostgreSQL plans before and after, and the
guides' optimization checklist (ANALYZE, VACUUM, connection pooling) as queries on the server."""
from cells import code, md
from _course import exercise

NAME = "05-indexes-and-query-plans"

CELLS = [
    md("# 5. Indexes and query plans\n\nThe planner picks *how* to run a query; `EXPLAIN` shows its choice and "
       "`EXPLAIN ANALYZE` runs it and shows what really happened. An index only helps if the planner can use it for the "
       "query at hand, so each index below is tried against the query it is for. Schema `course_05` on `pg`."),
    code("%%sql pg\nDROP SCHEMA IF EXISTS course_05 CASCADE;\nCREATE SCHEMA course_05;\nSET search_path = course_05;\n"
         "CREATE TABLE users (id SERIAL PRIMARY KEY, email TEXT NOT NULL, full_name TEXT NOT NULL, status TEXT NOT NULL);\n"
         "CREATE TABLE posts (id SERIAL PRIMARY KEY, author_id INT NOT NULL REFERENCES users(id), title TEXT NOT NULL, published_at TIMESTAMPTZ);\n"
         "INSERT INTO users (email, full_name, status)\nSELECT 'User' || g || '@Example.com', 'User ' || g, CASE WHEN g % 20 = 0 THEN 'active' ELSE 'inactive' END\n"
         "FROM generate_series(1, 5000) g;\n"
         "INSERT INTO posts (author_id, title, published_at)\nSELECT 1 + g % 5000, 'Post ' || g, CASE WHEN g % 50 = 0 THEN timestamptz '2024-01-01' + g * interval '1 minute' END\n"
         "FROM generate_series(1, 50000) g;\nVACUUM ANALYZE users;\nVACUUM ANALYZE posts;",
         contains=["INSERT 0 5000", "INSERT 0 50000", "VACUUM"]),
    md("## Query Optimization\n\nThe expert guide's report query, analyzed. Without an index on `posts.author_id` the "
       "join reads all 50,000 posts (`Seq Scan on posts`):"),
    code("%%sql pg\n-- EXPLAIN ANALYZE for query analysis\nEXPLAIN (ANALYZE, BUFFERS, FORMAT TEXT)\n"
         "SELECT u.full_name, COUNT(p.id) as post_count\nFROM users u\nLEFT JOIN posts p ON p.author_id = u.id\n"
         "WHERE u.status = 'active'\nGROUP BY u.id\nORDER BY post_count DESC\nLIMIT 10;",
         contains=["Limit", "Seq Scan on posts p", "Filter: (status = 'active'::text)", "Buffers: shared hit"]),
    md("For 250 active users of 5,000 the planner rightly reads both tables once and hashes them. For one user, "
       "reading 50,000 posts to find 10 is waste:"),
    code("%%sql pg\nEXPLAIN (COSTS OFF)\nSELECT u.full_name, COUNT(p.id) FROM users u JOIN posts p ON p.author_id = u.id WHERE u.id = 42 GROUP BY u.id;",
         contains=["Seq Scan on posts p", "Filter: (author_id = 42)"]),
    md("### B-tree on the foreign key\n\nThe default index kind (equality and ranges, in order). \"Index foreign keys\": "
       "PostgreSQL indexes the referenced key, not the referencing column, so that one is ours to create:"),
    code("%%sql pg\nCREATE INDEX idx_posts_author ON posts(author_id);\nEXPLAIN (COSTS OFF)\n"
         "SELECT u.full_name, COUNT(p.id) FROM users u JOIN posts p ON p.author_id = u.id WHERE u.id = 42 GROUP BY u.id;",
         contains=["CREATE INDEX", "Bitmap Index Scan", "idx_posts_author", "Index Cond: (author_id = 42)"]),
    md("### Partial index\n\nOnly 1 post in 50 is published. An index of just those rows is small, and serves the "
       "queries that filter the same way:"),
    code("%%sql pg\n-- Partial index for filtered queries\nCREATE INDEX idx_posts_published\nON posts(published_at)\nWHERE published_at IS NOT NULL;\n"
         "SELECT relname AS index, relpages AS pages FROM pg_class WHERE relname IN ('idx_posts_author', 'idx_posts_published') ORDER BY relpages;",
         contains=["CREATE INDEX", "idx_posts_published", "idx_posts_author"]),
    code("%%sql pg\nEXPLAIN (COSTS OFF)\nSELECT title FROM posts WHERE published_at IS NOT NULL ORDER BY published_at DESC LIMIT 5;",
         contains=["Index Scan Backward using idx_posts_published on posts"]),
    md("### Covering index (index-only scan)\n\n`INCLUDE` stores extra columns in the index leaves, so a query that needs "
       "only those columns never visits the table (`Index Only Scan`, `Heap Fetches: 0` once `VACUUM` has marked the "
       "pages all-visible):"),
    code("%%sql pg\n-- Covering index (index-only scan)\nCREATE INDEX idx_posts_author_title\nON posts(author_id)\nINCLUDE (title, published_at);\n"
         "VACUUM posts;\nEXPLAIN (ANALYZE, COSTS OFF, TIMING OFF, SUMMARY OFF)\nSELECT title, published_at FROM posts WHERE author_id = 42;",
         contains=["Index Only Scan using idx_posts_author_title on posts", "etches: 0"]),
    md("### Expression index\n\nAn index on `email` does not help `WHERE LOWER(email) = ...`: the planner needs an index "
       "on the *expression*."),
    code("%%sql pg\nCREATE INDEX idx_users_email ON users(email);\nEXPLAIN (COSTS OFF) SELECT id FROM users WHERE LOWER(email) = 'user42@example.com';",
         contains=["Seq Scan on users", "Filter: (lower(email) = 'user42@example.com'::text)"]),
    code("%%sql pg\n-- Expression index\nCREATE INDEX idx_users_email_lower\nON users(LOWER(email));\nANALYZE users;\n"
         "EXPLAIN (COSTS OFF) SELECT id FROM users WHERE LOWER(email) = 'user42@example.com';\n"
         "SELECT id, email FROM users WHERE LOWER(email) = 'user42@example.com';",
         contains=["idx_users_email_lower", "Index Cond: (lower(email) = 'user42@example.com'::text)", "User42@Example.com"]),
    md("### GIN\n\nFor values with many parts (arrays, JSONB, `tsvector`), GIN indexes each part: which rows contain "
       "this tag?"),
    code("%%sql pg\nALTER TABLE posts ADD COLUMN tags TEXT[];\nUPDATE posts SET tags = ARRAY['t' || (id % 100), 'all'];\n"
         "CREATE INDEX idx_posts_tags ON posts USING GIN (tags);\nVACUUM ANALYZE posts;\n"
         "EXPLAIN (COSTS OFF) SELECT count(*) FROM posts WHERE tags @> ARRAY['t7'];\nSELECT count(*) FROM posts WHERE tags @> ARRAY['t7'];",
         contains=["UPDATE 50000", "Bitmap Index Scan", "idx_posts_tags", "Index Cond: (tags @> '{t7}'::text[])", "500"]),
    md("An index costs space and slows every write; `pg_stat_user_indexes` lists them with their use counts "
       "(`idx_scan`), so unused ones can go:"),
    code("%%sql pg\nSELECT indexrelname AS index, idx_scan > 0 AS used, pg_size_pretty(pg_relation_size(indexrelid)) IS NOT NULL AS sized\n"
         "FROM pg_stat_user_indexes WHERE schemaname = 'course_05' AND indexrelname = 'idx_posts_author_title';",
         contains=["idx_posts_author_title", "used", "t"]),
    md("## Query Optimization Checklist\n\n### PostgreSQL\n\n- [x] EXPLAIN ANALYZE for slow queries (above)\n"
       "- [x] Indexes for WHERE, JOIN, ORDER BY columns (above; `ORDER BY published_at DESC LIMIT 5` read the partial index backwards)\n"
       "- [x] Partial indexes for filtered queries (above)\n- [ ] Connection pooling (pgbouncer)\n- [ ] Regular VACUUM and ANALYZE\n\n"
       "Every connection is a server process with its own memory; a pooler (pgBouncer) lets thousands of clients share a "
       "few. The server shows its connections and its limit:"),
    code("%%sql pg\nSELECT current_setting('max_connections')::int AS max_connections,\n"
         "       count(*) FILTER (WHERE pid = pg_backend_pid()) AS this_session\nFROM pg_stat_activity;",
         contains=["max_connections", "this_session", "|            1"]),
    md("`UPDATE` and `DELETE` leave dead row versions behind (MVCC); `VACUUM` reclaims them, `ANALYZE` refreshes the "
       "statistics the planner estimates with (autovacuum does both in the background). After deleting half the "
       "posts:"),
    code("%%sql pg\nDELETE FROM posts WHERE id % 2 = 0;\nSELECT count(*) AS live_rows, pg_relation_size('posts') / 8192 AS pages_still_used FROM posts;",
         contains=["DELETE 25000", "live_rows", "25000"]),
    md("The table did not shrink: the dead versions stay until `VACUUM` marks their space reusable (and only once no "
       "open transaction might still need to see them, which is why a long-open transaction makes tables bloat). "
       "`VACUUM FULL` would rewrite the table smaller, under an exclusive lock."),
    code("%%sql pg\nVACUUM (ANALYZE) posts;\n"
         "SELECT CASE WHEN last_vacuum IS NOT NULL THEN 'yes' END AS vacuumed, CASE WHEN last_analyze IS NOT NULL THEN 'yes' END AS analyzed,\n"
         "       (SELECT reltuples FROM pg_class WHERE oid = 'posts'::regclass) AS planner_row_estimate\n"
         "FROM pg_stat_user_tables WHERE relname = 'posts' AND schemaname = 'course_05';",
         contains=["vacuumed | analyzed | planner_row_estimate", "yes      | yes      |                25000"]),
    *exercise(1, "Make this query use an index-only scan: `SELECT status, count(*) FROM users GROUP BY status`. Create "
              "the index, `VACUUM` the table, and keep the plan (`EXPLAIN (COSTS OFF)`) as `ex1`.",
              "%%sql pg --out ex1\nCREATE INDEX idx_users_status ON users(status);\nVACUUM ANALYZE users;\nSET enable_seqscan = off;\n"
              "EXPLAIN (COSTS OFF) SELECT status, count(*) FROM users GROUP BY status;",
              "ex1", contains=["Index Only Scan using idx_users_status on users"]),
    code("%%sql pg\nRESET enable_seqscan;\nSELECT status, count(*) FROM users GROUP BY status ORDER BY status;",
         contains=[" active   |   250", " inactive |  4750"]),
    *exercise(2, "How many posts does author 42 still have, and what is the title of their first post (lowest `id`)? "
              "Columns `posts` and `first_title`; check with `EXPLAIN` that the `idx_posts_author` index finds them.",
              "%%sql pg --out ex2\nSELECT count(*) AS posts, (array_agg(title ORDER BY id))[1] AS first_title FROM posts WHERE author_id = 42;",
              "ex2", contains=["posts | first_title", "10 | Post 41"],
              check="\n posts | first_title\n-------+-------------\n    10 | Post 41"),
    md("## Clean up"),
    code("%%sql pg\nDROP SCHEMA course_05 CASCADE;\nSET search_path = public;", contains=["DROP SCHEMA"]),
]
