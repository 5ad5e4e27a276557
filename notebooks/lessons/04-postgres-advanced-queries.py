"""Cells of notebooks/04-postgres-advanced-queries.ipynb: JSONB, full-text search, window functions,
CTEs and recursive CTEs, set-returning PL/pgSQL functions, each guide snippet run on PostgreSQL
(schema course_04) with data small enough to check by eye."""
from cells import code, md
from _course import exercise

NAME = "04-postgres-advanced-queries"

CELLS = [
    md("# 4. PostgreSQL advanced queries\n\nJSON documents inside a relational table, text search, window functions, "
       "common table expressions and functions written in PL/pgSQL. Everything runs on `pg` in the schema `course_04`."),
    code("%%sql pg\nDROP SCHEMA IF EXISTS course_04 CASCADE;\nCREATE SCHEMA course_04;\nSET search_path = course_04;\n"
         "CREATE TABLE users (id SERIAL PRIMARY KEY, full_name TEXT NOT NULL, created_at TIMESTAMPTZ NOT NULL);\n"
         "INSERT INTO users (full_name, created_at) VALUES ('Ada', '2024-01-03'), ('Grace', '2024-01-01'), ('Linus', '2024-01-02');\n"
         "CREATE TABLE posts (id SERIAL PRIMARY KEY, author_id INT REFERENCES users(id), user_id INT GENERATED ALWAYS AS (author_id) STORED,\n"
         "  title TEXT NOT NULL, published_at TIMESTAMPTZ, metadata JSONB NOT NULL DEFAULT '{}');\n"
         "INSERT INTO posts (author_id, title, published_at, metadata) VALUES\n"
         "  (1, 'Notes', now() - interval '40 days', '{\"source\": \"blog\", \"stats\": {\"views\": 120}}'),\n"
         "  (1, 'Bernoulli', now() - interval '3 days', '{\"source\": \"blog\", \"featured\": true, \"stats\": {\"views\": 900}}'),\n"
         "  (2, 'COBOL', now() - interval '10 days', '{\"source\": \"newsletter\", \"featured\": true, \"stats\": {\"views\": 450}}'),\n"
         "  (2, 'Nanoseconds', now() - interval '1 day', '{\"source\": \"talk\"}'),\n  (3, 'Draft', NULL, '{}');",
         contains=["CREATE SCHEMA", "INSERT 0 3", "INSERT 0 5"]),
    md("## PostgreSQL\n\n### JSONB\n\n`JSONB` stores JSON parsed (binary, keys sorted, duplicates dropped). `->` returns "
       "JSON, `->>` text, `@>` asks \"does it contain this?\" (and can use a GIN index)."),
    code("%%sql pg\n-- JSON support\nCREATE TABLE data (content JSONB);\n"
         "INSERT INTO data VALUES ('{\"key\": \"value\", \"b\": 1, \"b\": 2}'), ('{\"other\": true}');\n"
         "SELECT content->>'key' FROM data;\nSELECT content FROM data LIMIT 1;",
         contains=["?column?", "value", "(null)", '{"b": 2, "key": "value"}']),
    code("%%sql pg\n-- JSON operations\nSELECT\n    id,\n    metadata->>'source' as source,\n    metadata->'stats'->>'views' as views\n"
         "FROM posts\nWHERE metadata @> '{\"featured\": true}'\nORDER BY id;",
         contains=[" 2 | blog       | 900", " 3 | newsletter | 450", "(2 rows)"]),
    md("The advanced guide's events table, with a GIN index so that `@>` does not scan every row. The index is built "
       "*after* the bulk load: a GIN index that receives many rows keeps them in a pending list first, which the planner "
       "counts against it until `VACUUM` merges it."),
    code("%%sql pg\nCREATE TABLE events (\n  id SERIAL PRIMARY KEY,\n  data JSONB NOT NULL\n);\n"
         "INSERT INTO events (data) SELECT jsonb_build_object('type', CASE WHEN g % 100 = 0 THEN 'purchase' ELSE 'view' END, 'user_id', g % 7)\n"
         "FROM generate_series(1, 5000) g;\nCREATE INDEX idx_events_data ON events USING GIN (data);\nANALYZE events;\n"
         "SELECT count(*) AS purchases, count(DISTINCT data->>'user_id') AS buyers\nFROM events\nWHERE data @> '{\"type\": \"purchase\"}'::jsonb;",
         contains=["INSERT 0 5000", "purchases", "50", "buyers", "7"]),
    code("%%sql pg\nEXPLAIN SELECT data->>'user_id' as user_id\nFROM events\nWHERE data @> '{\"type\": \"purchase\"}'::jsonb;",
         contains=["Bitmap Index Scan", "idx_events_data", "Index Cond: (data @> '{\"type\": \"purchase\"}'::jsonb)"]),
    md("### Full-text search\n\n`to_tsvector` turns text into normalized words (lexemes: `revolution` → `revolut`), "
       "`to_tsquery` a search; `@@` matches them. Stemming means a search for *revolutions* finds *Revolution*."),
    code("%%sql pg\n-- Full-text search\nCREATE TABLE articles (\n  id SERIAL PRIMARY KEY,\n  title TEXT,\n  content TEXT,\n  search_vector tsvector\n);\n\n"
         "INSERT INTO articles (title, content, search_vector)\nVALUES ('AI Revolution', 'Article about AI',\n        to_tsvector('english', 'AI Revolution'));\n"
         "INSERT INTO articles (title, content, search_vector)\nVALUES ('Gardening', 'Roses and tulips', to_tsvector('english', 'Gardening: roses and tulips'));\n\n"
         "SELECT * FROM articles\nWHERE search_vector @@ to_tsquery('english', 'AI');\n"
         "SELECT title FROM articles WHERE search_vector @@ to_tsquery('english', 'revolutions');",
         contains=["'ai':1 'revolut':2", "(1 row)", "AI Revolution"]),
    code("%%sql pg\nSELECT title, ts_rank(search_vector, q) AS rank\nFROM articles, to_tsquery('english', 'rose | tulip') q\n"
         "WHERE search_vector @@ q;", contains=["Gardening", "(1 row)"]),
    md("### Window functions\n\nA window function sees a *window* of rows around the current one (`OVER`), without "
       "grouping them away. `ROW_NUMBER` numbers rows, `LAG` reads the previous row of the same partition."),
    code("%%sql pg\nCREATE TABLE employees (name TEXT, salary INT);\nINSERT INTO employees VALUES ('Ada', 120000), ('Grace', 135000), ('Linus', 99000), ('Edsger', 120000);\n"
         "-- Window functions\nSELECT name, salary,\n  ROW_NUMBER() OVER (ORDER BY salary DESC) as rank\nFROM employees;",
         contains=[" Grace  | 135000 |    1", " Linus  |  99000 |    4"]),
    md("`ROW_NUMBER` breaks the tie between Ada and Edsger arbitrarily; `RANK` gives ties the same number, `DENSE_RANK` "
       "leaves no gap after them:"),
    code("%%sql pg\nSELECT name, salary, RANK() OVER w AS rank, DENSE_RANK() OVER w AS dense_rank\nFROM employees WINDOW w AS (ORDER BY salary DESC)\nORDER BY salary DESC, name;",
         contains=[" Ada    | 120000 |    2 |          2", " Edsger | 120000 |    2 |          2", " Linus  |  99000 |    4 |          3"]),
    code("%%sql pg\nSELECT\n    id,\n    title,\n    author_id,\n    published_at::date,\n"
         "    ROW_NUMBER() OVER (PARTITION BY author_id ORDER BY published_at DESC) as author_rank,\n"
         "    LAG(published_at::date) OVER (PARTITION BY author_id ORDER BY published_at) as prev_post_date\n"
         "FROM posts\nWHERE published_at IS NOT NULL\nORDER BY author_id, author_rank;",
         contains=["author_rank", "prev_post_date", "Bernoulli", "(4 rows)"]),
    md("### CTEs\n\n`WITH name AS (...)` names a subquery, so a query reads top to bottom:"),
    code("%%sql pg\n-- CTEs\nWITH ranked_users AS (\n  SELECT id, ROW_NUMBER() OVER (ORDER BY created_at) as rank\n  FROM users\n)\n"
         "SELECT * FROM ranked_users WHERE rank <= 2;",
         contains=["  2 |    1", "  3 |    2", "(2 rows)"]),
    code("%%sql pg\n-- Common Table Expression (CTE)\nWITH active_authors AS (\n    SELECT DISTINCT author_id\n    FROM posts\n"
         "    WHERE published_at > NOW() - INTERVAL '30 days'\n),\nauthor_stats AS (\n    SELECT\n        u.id,\n        u.full_name,\n"
         "        COUNT(p.id) as total_posts\n    FROM users u\n    JOIN active_authors aa ON aa.author_id = u.id\n"
         "    LEFT JOIN posts p ON p.author_id = u.id\n    GROUP BY u.id\n)\nSELECT * FROM author_stats\nORDER BY total_posts DESC, id;",
         contains=[" Ada       |           2", " Grace     |           2", "(2 rows)"]),
    md("### Recursive CTEs\n\nA recursive CTE starts from some rows and repeatedly joins the result to itself: the way "
       "to walk a hierarchy of unknown depth. The `depth < 10` guard stops a cycle in bad data."),
    code("%%sql pg\nCREATE TABLE categories (id INT PRIMARY KEY, name TEXT, parent_id INT REFERENCES categories(id));\n"
         "INSERT INTO categories VALUES (1, 'Databases', NULL), (2, 'Relational', 1), (3, 'Document', 1), (4, 'PostgreSQL', 2), (5, 'MongoDB', 3), (6, 'Extensions', 4);\n"
         "-- Recursive CTE (for hierarchies)\nWITH RECURSIVE category_tree AS (\n    SELECT id, name, parent_id, 0 as depth\n    FROM categories\n"
         "    WHERE parent_id IS NULL\n    UNION ALL\n    SELECT c.id, c.name, c.parent_id, ct.depth + 1\n    FROM categories c\n"
         "    JOIN category_tree ct ON c.parent_id = ct.id\n    WHERE ct.depth < 10\n)\nSELECT * FROM category_tree ORDER BY depth, id;",
         contains=["  1 | Databases  |    (null) |     0", "  6 | Extensions |         4 |     3", "(6 rows)"]),
    md("### Lateral joins\n\n`LATERAL` lets a subquery in `FROM` use the row before it: the latest post of each user."),
    code("%%sql pg\nSELECT u.full_name, latest.title\nFROM users u\nLEFT JOIN LATERAL (\n  SELECT title FROM posts p WHERE p.author_id = u.id AND published_at IS NOT NULL\n"
         "  ORDER BY published_at DESC LIMIT 1\n) latest ON true\nORDER BY u.id;",
         contains=[" Ada       | Bernoulli", " Grace     | Nanoseconds", " Linus     | (null)"]),
    md("### Stored procedures\n\nA function in PL/pgSQL that returns a table: called in `FROM` like one."),
    code("%%sql pg\n-- Stored procedures\nCREATE FUNCTION get_user_posts(p_user_id INT)\nRETURNS TABLE(post_id INT, title TEXT) AS $$\nBEGIN\n"
         "  RETURN QUERY\n  SELECT id, posts.title FROM posts WHERE user_id = p_user_id;\nEND;\n$$ LANGUAGE plpgsql;\n"
         "SELECT * FROM get_user_posts(2) ORDER BY post_id;",
         contains=["CREATE FUNCTION", "       3 | COBOL", "       4 | Nanoseconds", "(2 rows)"]),
    md("Note: the guide's body says `SELECT id, title FROM posts`. In PL/pgSQL the output column `title` is also a "
       "variable, so that is ambiguous and fails when called (expected to fail):"),
    code("%%sql pg\nCREATE FUNCTION get_user_posts_as_written(p_user_id INT)\nRETURNS TABLE(post_id INT, title TEXT) AS $$\nBEGIN\n"
         "  RETURN QUERY\n  SELECT id, title FROM posts WHERE user_id = p_user_id;\nEND;\n$$ LANGUAGE plpgsql;\n"
         "SELECT * FROM get_user_posts_as_written(2);",
         error="SqlError", contains=['column reference "title" is ambiguous']),
    *exercise(1, "Rank the posts of each author by views (highest first, from `metadata->'stats'->>'views'`, a missing "
              "count counts as 0), keeping `title` and `views_rank` for the top post of each author only, sorted by title.",
              "%%sql pg --out ex1\nSELECT title, views_rank FROM (\n  SELECT title, RANK() OVER (PARTITION BY author_id\n"
              "    ORDER BY COALESCE((metadata->'stats'->>'views')::int, 0) DESC) AS views_rank\n  FROM posts\n) ranked\n"
              "WHERE views_rank = 1\nORDER BY title;",
              "ex1", contains=["Bernoulli", "COBOL", "Draft", "(3 rows)"],
              check="\n title | views_rank\n---|---\n Bernoulli | 1\n COBOL | 1\n Draft | 1"),
    *exercise(2, "With a recursive CTE, list the path from `Extensions` up to the root as `id`, `name`, sorted from the "
              "leaf up (column `step`, from 0).",
              "%%sql pg --out ex2\nWITH RECURSIVE up AS (\n  SELECT id, name, parent_id, 0 AS step FROM categories WHERE name = 'Extensions'\n"
              "  UNION ALL\n  SELECT c.id, c.name, c.parent_id, up.step + 1 FROM categories c JOIN up ON c.id = up.parent_id\n)\n"
              "SELECT step, id, name FROM up ORDER BY step;",
              "ex2", contains=["Extensions", "Databases", "(4 rows)"],
              check="\n step | id | name\n---|---|---\n 0 | 6 | Extensions\n 1 | 4 | PostgreSQL\n 2 | 2 | Relational\n 3 | 1 | Databases"),
    md("## Clean up"),
    code("%%sql pg\nDROP SCHEMA course_04 CASCADE;\nSET search_path = public;", contains=["DROP SCHEMA"]),
]
