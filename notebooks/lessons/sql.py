"""Cells of notebooks/sql.ipynb."""
from cells import code, md

NAME = "sql"

CELLS = [
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
    md("## Values as sqlite3 prints them\n\nREAL stays REAL: `1.0`, not `1`; `0.1 + 0.2` is `0.3`, as the sqlite3 shell prints it "
       "(15 significant digits), with an exponent for very large and very small numbers."),
    code("SELECT 0.1 + 0.2 AS sum, 1.0 AS one, total(1) AS total, 1e300 AS big, 1e-7 AS small",
         contains=[" 0.3 ", " 1.0 ", "1.0e+300", "1.0e-07"]),
    md("A value over several lines is shown as psql shows it: each line in place, a `+` where it goes on. "
       "In `%set`, a quote inside quotes is written twice, as in SQL."),
    code("%set who = 'O''Brien'\n%%sql\nSELECT :who AS name, 'line one' || char(10) || 'line two' AS note",
         contains=["O'Brien", "line one+", "line two"], html=["O&#39;Brien"]),
    md("## Browsing the schema\n\nThe sqlite3 shell's `.tables`, `.schema [NAME]` and `.indexes [TABLE]` work as lines of a cell, "
       "between statements too."),
    code("%%sql\nCREATE INDEX idx_users_name ON users(name);\n.tables\n.schema users\n.indexes users",
         contains=["users", "CREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT UNIQUE NOT NULL, name TEXT);",
                   "CREATE INDEX idx_users_name ON users(name);", "idx_users_name"]),
    code("%%sql\n.mode box", error="UsageError"),
    md("## Plans\n\n`--explain` shows the query plan (`--analyze` runs it and shows actual figures on PostgreSQL and MariaDB)."),
    code("%%sql --explain\nSELECT * FROM users WHERE id = 2", contains=["SEARCH", "INTEGER PRIMARY KEY"]),
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
         contains=["users", "test@example.com"]),
    code("%%sql\nCREATE TABLE employees (name TEXT, salary NUMERIC(10,2));\n"
         "INSERT INTO employees VALUES ('Ada', 120000.50), ('Grace', 135000.00), ('Edsger', 99000.25);\n"
         "SELECT name, salary,\n  ROW_NUMBER() OVER (ORDER BY salary DESC) as rank\nFROM employees;",
         contains=["135000.00", "120000.50", "rank"]),
    code("%%sql\nCREATE FUNCTION raise_all(pct numeric) RETURNS integer LANGUAGE plpgsql AS $$\nDECLARE n integer;\nBEGIN\n"
         "  UPDATE employees SET salary = salary * (1 + pct / 100);\n  GET DIAGNOSTICS n = ROW_COUNT;\n"
         "  RAISE NOTICE 'raised % salaries by % percent', n, pct;\n  RETURN n;\nEND;\n$$;\nSELECT raise_all(10) AS raised;",
         contains=["CREATE FUNCTION", "NOTICE:  raised 3 salaries by 10 percent", "raised"]),
    md("psql's describe commands are lines of a cell: `\\dt`, `\\d NAME`, `\\di`, `\\dv`, `\\dn`, `\\df`, `\\l`, `\\du`, "
       "with psql's patterns (`\\dt dbk_*.*`). They list what the search path sees, like psql."),
    code("%%sql\n\\dt\n\\d users\n\\df raise*",
         contains=["List of relations", "| employees | table |", "Table \"dbk_sql_tour.users\"",
                   " id         | uuid                     |           | not null | gen_random_uuid()",
                   "Indexes:", "\"users_pkey\" PRIMARY KEY, btree (id)", "\"idx_users_email\" btree (email)",
                   "List of functions", "raise_all | integer          | pct numeric"]),
    md("Each has a `+` form with more detail, as in psql: `\\d+ NAME` adds storage columns and footers such as a "
       "partitioned table's key and partitions (`\\d` alone counts them), `\\dn+` privileges and descriptions, `\\df+` "
       "volatility, owner, language and source code, `\\l+` sizes, `\\du+` descriptions."),
    code("%%sql\nCREATE TABLE events (at date NOT NULL, what text) PARTITION BY RANGE (at);\n"
         "CREATE TABLE events_2024 PARTITION OF events FOR VALUES FROM ('2024-01-01') TO ('2025-01-01');\n"
         "CREATE TABLE events_2025 PARTITION OF events FOR VALUES FROM ('2025-01-01') TO ('2026-01-01');\n"
         "COMMENT ON SCHEMA dbk_sql_tour IS 'the SQL tour';\n"
         "\\d+ events\n\\d events\n\\dn+ dbk_*\n\\df+ raise*",
         contains=["Partitioned table \"dbk_sql_tour.events\"", "| Storage  | Compression | Stats target | Description",
                   "Partition key: RANGE (at)",
                   "Partitions: events_2024 FOR VALUES FROM ('2024-01-01') TO ('2025-01-01'),",
                   "            events_2025 FOR VALUES FROM ('2025-01-01') TO ('2026-01-01')",
                   "Number of partitions: 2 (Use \\d+ to list them.)",
                   "List of schemas", "| Access privileges | Description", " dbk_sql_tour | postgres |                   | the SQL tour",
                   "List of functions", "| Volatility | Parallel |", "| func | volatile   | unsafe   | postgres | invoker  |",
                   "| plpgsql  |"]),
    md("`\\x` switches to expanded records, one `name | value` line per column, for wide rows; `\\x` again (or `\\x off`) "
       "switches back. `INSERT … RETURNING` shows its rows and psql's tag."),
    code("%%sql\n\\x on\nSELECT name, email, metadata FROM users ORDER BY name LIMIT 1;\n\\x off\n"
         "INSERT INTO employees VALUES ('Barbara', 90000) RETURNING name;",
         contains=["Expanded display is on.", "-[ RECORD 1 ]", "name     | Ada", "Expanded display is off.", "Barbara", "INSERT 0 1"]),
    code("%%sql\n\\dT", error="UsageError"),
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
         contains=["2 rows affected", "Rows matched: 1  Changed: 1  Warnings: 0", "Ada", "Grace", "(2 rows)"]),
    md("Under a statement's count comes the server's own line, as the mariadb client prints it: `Records:` for a "
       "multi-row INSERT, `ALTER TABLE` or `LOAD DATA`, `Rows matched:` and `Changed:` for an UPDATE. The count is of "
       "the rows that changed: an UPDATE that sets a row to the value it already has matches it without changing it, "
       "and an `INSERT IGNORE` skips a duplicate with a warning."),
    code("%%sql maria\nINSERT INTO orders (user_id, amount) VALUES (2, 5.00), (2, 7.50);\n"
         "INSERT IGNORE INTO users (email, name) VALUES ('b@example.com', 'Dup'), ('c@example.com', 'Linus');\n"
         "UPDATE orders SET amount = 5.00 WHERE user_id = 2;\n"
         "ALTER TABLE orders ADD note VARCHAR(20);",
         contains=["2 rows affected\nRecords: 2  Duplicates: 0  Warnings: 0",
                   "1 row affected\nRecords: 2  Duplicates: 1  Warnings: 1", "1 warning: SHOW WARNINGS shows them",
                   "2 rows affected\nRows matched: 3  Changed: 2  Warnings: 0",
                   "ALTER TABLE\nRecords: 0  Duplicates: 0  Warnings: 0"]),
    md("MariaDB's warnings are counted under the result, as the mysql client counts them; `SHOW WARNINGS` has the detail. "
       "psql's `\\dt` and `\\d NAME` map to MariaDB's catalog; `SHOW` and `DESCRIBE` work as they are."),
    code("%%sql maria\nSELECT CAST('12abc' AS SIGNED) AS n;\nSHOW WARNINGS;\n\\dt\n\\d users",
         contains=["1 warning: SHOW WARNINGS shows them", "Truncated incorrect INTEGER value", "List of relations",
                   "| orders | table | InnoDB", "email | varchar(255)"]),
]
