"""Cells of notebooks/02-sql-fundamentals.ipynb: tables, CRUD, joins, aggregation, transactions and
window functions, each guide snippet run on the dialect it was written for and on the others."""
from cells import code, md
from _course import exercise

NAME = "02-sql-fundamentals"

CELLS = [
    md("# 2. SQL fundamentals\n\nSQL is one language with several dialects. This lesson runs the guides' first SQL on "
       "three real engines: SQLite (in memory, nothing to install), MariaDB and PostgreSQL (this machine's servers, named "
       "in `dbkernel.toml` beside the notebooks as `maria` and `pg`). Everything lives in a database/schema called "
       "`course_02`, dropped at the end."),
    md("## One snippet, three dialects\n\nThe guide's first table declares its index *inside* `CREATE TABLE`. That is MySQL "
       "syntax; on MariaDB it runs as written:"),
    code("%%sql maria\nCREATE DATABASE IF NOT EXISTS course_02;\nUSE course_02;\nDROP TABLE IF EXISTS orders, users;\n"
         "-- Create & index\nCREATE TABLE users (\n  id SERIAL PRIMARY KEY,\n  email VARCHAR(255) UNIQUE NOT NULL,\n  INDEX idx_email (email)\n);\n"
         "SHOW INDEX FROM users;",
         contains=["idx_email", "PRIMARY", "email"]),
    md("PostgreSQL has no inline `INDEX`: it reads `INDEX` as a column name and `idx_email` as its type (expected to fail):"),
    code("%%sql pg\nDROP SCHEMA IF EXISTS course_02 CASCADE;\nCREATE SCHEMA course_02;\nSET search_path = course_02;\n"
         "CREATE TABLE users (\n  id SERIAL PRIMARY KEY,\n  email VARCHAR(255) UNIQUE NOT NULL,\n  INDEX idx_email (email)\n);",
         error="SqlError", contains=['type "idx_email" does not exist']),
    md("SQLite refuses it too, and it has a subtler trap: `SERIAL` is not a type there, so `id SERIAL PRIMARY KEY` is *not* "
       "an auto-numbered rowid, and SQLite (for historic reasons) even lets such a key be NULL:"),
    code("%%sql lite\nCREATE TABLE users (\n  id SERIAL PRIMARY KEY,\n  email VARCHAR(255) UNIQUE NOT NULL,\n  INDEX idx_email (email)\n);",
         error="SqlError", contains=['near "INDEX": syntax error']),
    code("%%sql lite\nCREATE TABLE trap (id SERIAL PRIMARY KEY, email TEXT);\nINSERT INTO trap (email) VALUES ('user@example.com');\n"
         "SELECT id IS NULL AS id_is_null, email FROM trap;\nDROP TABLE trap;",
         contains=["id_is_null", "1", "user@example.com"]),
    md("The portable form is a separate `CREATE INDEX`; each dialect spells the auto-numbered key its own way "
       "(`SERIAL` in PostgreSQL, `INTEGER PRIMARY KEY` in SQLite, `AUTO_INCREMENT` in MariaDB, where `SERIAL` is an alias "
       "for `BIGINT UNSIGNED NOT NULL AUTO_INCREMENT UNIQUE`):"),
    code("%%sql pg\nCREATE TABLE users (\n  id SERIAL PRIMARY KEY,\n  email VARCHAR(255) UNIQUE NOT NULL,\n  name VARCHAR(255)\n);\n"
         "CREATE INDEX idx_email ON users (email);\n"
         "CREATE TABLE orders (id SERIAL PRIMARY KEY, user_id INT REFERENCES users(id), amount NUMERIC(10,2));",
         contains=["CREATE TABLE", "CREATE INDEX"]),
    code("%%sql lite\nCREATE TABLE users (\n  id INTEGER PRIMARY KEY,\n  email VARCHAR(255) UNIQUE NOT NULL,\n  name VARCHAR(255)\n);\n"
         "CREATE INDEX idx_email ON users (email);\nCREATE TABLE orders (id INTEGER PRIMARY KEY, user_id INT REFERENCES users(id), amount NUMERIC);",
         contains=["CREATE TABLE", "CREATE INDEX"]),
    md("## CRUD: create, read, update, delete\n\nThe four statements of the guide, on SQLite. Each statement of a cell shows "
       "its own result, and the engine's own count of affected rows:"),
    code("%%sql lite\nINSERT INTO users (email, name) VALUES ('user@example.com', 'Ada'), ('grace@example.com', 'Grace'), ('linus@example.com', 'Linus');\n"
         "SELECT * FROM users WHERE id = 1;\nUPDATE users SET email = 'new@example.com' WHERE id = 1;\nSELECT * FROM users WHERE id = 1;",
         contains=["3 rows affected", "user@example.com", "1 row affected", "new@example.com"]),
    code("%%sql lite\nDELETE FROM users WHERE id = 3;\nSELECT count(*) AS users_left FROM users;", contains=["1 row affected", "users_left", "2"]),
    md("## Joins and aggregations\n\n`LEFT JOIN` keeps users without orders (their count is 0); `GROUP BY u.id` may select "
       "`u.name` because `id` is the primary key (PostgreSQL knows `name` depends on it; MariaDB and SQLite allow it too):"),
    code("%%sql pg\nINSERT INTO users (email, name) VALUES ('user@example.com', 'Ada'), ('grace@example.com', 'Grace'), ('linus@example.com', 'Linus');\n"
         "INSERT INTO orders (user_id, amount) VALUES (1, 10.50), (1, 4.25), (2, 99.99);\n"
         "-- Joins & aggregations\nSELECT u.name, COUNT(o.id) as orders\nFROM users u\nLEFT JOIN orders o ON u.id = o.user_id\nGROUP BY u.id\nORDER BY u.id;",
         contains=["INSERT 0 3", " Ada   |      2", " Grace |      1", " Linus |      0", "(3 rows)"]),
    md("The second guide adds `HAVING` (a filter on groups, after `GROUP BY`; `WHERE` filters rows before it) and "
       "sorts by the aggregate:"),
    code("%%sql pg\nCREATE TABLE posts (id SERIAL PRIMARY KEY, user_id INT REFERENCES users(id), title TEXT);\n"
         "INSERT INTO posts (user_id, title) VALUES (1, 'Notes on the engine'), (1, 'Bernoulli numbers'), (1, 'Poetical science'), (2, 'COBOL');\n"
         "SELECT u.id, u.name, COUNT(p.id) as post_count\nFROM users u\nLEFT JOIN posts p ON u.id = p.user_id\nGROUP BY u.id, u.name\n"
         "HAVING COUNT(p.id) > 0\nORDER BY post_count DESC;",
         contains=["post_count", "Ada", "3", "Grace", "(2 rows)"]),
    md("## Transactions\n\nA transfer is two updates that must both happen or neither. Between `BEGIN` and `COMMIT` "
       "other sessions do not see the changes; `ROLLBACK` undoes them. A named connection is one session, so a "
       "transaction can span cells (the footer says one is open):"),
    code("%%sql pg\nCREATE TABLE accounts (id INT PRIMARY KEY, balance NUMERIC(10,2) CHECK (balance >= 0));\n"
         "INSERT INTO accounts VALUES (1, 500), (2, 50);\nBEGIN;\n  UPDATE accounts SET balance = balance - 100 WHERE id = 1;\n"
         "  UPDATE accounts SET balance = balance + 100 WHERE id = 2;\nCOMMIT;\nSELECT * FROM accounts ORDER BY id;",
         contains=["BEGIN", "UPDATE 1", "COMMIT", "400.00", "150.00"]),
    md("If one step fails, the whole transaction fails: here the second transfer would overdraw account 2, the `CHECK` "
       "constraint stops it, and PostgreSQL refuses every later statement until `ROLLBACK` (expected to fail):"),
    code("%%sql pg\nBEGIN;\nUPDATE accounts SET balance = balance + 1000 WHERE id = 1;\nUPDATE accounts SET balance = balance - 1000 WHERE id = 2;",
         error="SqlError", contains=["accounts_balance_check", "23514"]),
    code("%%sql pg\nROLLBACK;\nSELECT * FROM accounts ORDER BY id;", contains=["ROLLBACK", "400.00", "150.00"]),
    md("## Window functions\n\nA window function computes over related rows *without* collapsing them: here a running "
       "total per user, ordered by date."),
    code("%%sql pg\nCREATE TABLE transactions (user_id INT, amount NUMERIC(10,2), date DATE);\n"
         "INSERT INTO transactions VALUES (1, 10, '2024-01-01'), (1, 20, '2024-01-05'), (2, 5, '2024-01-02'), (1, 30, '2024-02-01'), (2, 7, '2024-03-01');\n"
         "SELECT\n  user_id,\n  amount,\n  SUM(amount) OVER (PARTITION BY user_id ORDER BY date) as running_total\nFROM transactions;",
         contains=["running_total", "60.00", "12.00", "(5 rows)"]),
    *exercise(1, "Using `orders` and `users` on `pg`, list each user's name and the total amount of their orders, "
              "only for users whose total is above 50, as columns `name` and `total`.",
              "%%sql pg --out ex1\nSELECT u.name, SUM(o.amount) AS total\nFROM users u JOIN orders o ON o.user_id = u.id\n"
              "GROUP BY u.name\nHAVING SUM(o.amount) > 50;",
              "ex1", contains=["Grace", "99.99", "(1 row)"],
              check="\n name  | total\n-------+-------\n Grace | 99.99"),
    *exercise(2, "On `pg`, number each user's transactions from 1 in date order (column `n`), keeping `user_id`, `date` and "
              "`n`, sorted by `user_id`, `n`.",
              "%%sql pg --out ex2\nSELECT user_id, date, ROW_NUMBER() OVER (PARTITION BY user_id ORDER BY date) AS n\n"
              "FROM transactions ORDER BY user_id, n;",
              "ex2", contains=["2024-02-01", "(5 rows)"],
              check="\n user_id |    date    | n\n---------+------------+---\n       1 | 2024-01-01 | 1\n       1 | 2024-01-05 | 2\n"
                    "       1 | 2024-02-01 | 3\n       2 | 2024-01-02 | 1\n       2 | 2024-03-01 | 2"),
    md("## Clean up\n\nEverything this lesson made goes, so it runs again from the top."),
    code("%%sql pg\nDROP SCHEMA course_02 CASCADE;\nSET search_path = public;", contains=["DROP SCHEMA"]),
    code("%%sql maria\nDROP DATABASE course_02;", contains=["DROP DATABASE"]),
]
