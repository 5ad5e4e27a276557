"""Cells of notebooks/06-transactions-and-normalization.ipynb: ACID and isolation shown with two real
PostgreSQL sessions side by side, then normalization and denormalization; the guide's SQLite-syntax
trigger runs on SQLite as written and is translated for PostgreSQL and MariaDB."""
from cells import code, md
from _course import exercise

NAME = "06-transactions-and-normalization"

CELLS = [
    md("# 6. Transactions and normalization\n\n**ACID**: a transaction is *atomic* (all or nothing), keeps the data "
       "*consistent* (constraints hold after it), runs *isolated* from others (how much they see of each other is the "
       "isolation level), and is *durable* once committed. `pg` and `pg_other` (from `dbkernel.toml`) are two sessions "
       "on the same PostgreSQL, like two users of one application. Schema `course_06`."),
    code("%%sql pg\nDROP SCHEMA IF EXISTS course_06 CASCADE;\nCREATE SCHEMA course_06;\n"
         "CREATE TABLE course_06.accounts (id INT PRIMARY KEY, owner TEXT NOT NULL, balance NUMERIC(10,2) NOT NULL CHECK (balance >= 0));\n"
         "INSERT INTO course_06.accounts VALUES (1, 'Ada', 500), (2, 'Grace', 50);",
         contains=["CREATE SCHEMA", "INSERT 0 2"]),
    md("## Isolation: READ COMMITTED (PostgreSQL's default)\n\nSession `pg` starts a transfer and has not committed. "
       "The other session does not see the half-done work (no *dirty reads*):"),
    code("%%sql pg\nBEGIN;\nUPDATE course_06.accounts SET balance = balance - 100 WHERE id = 1;\nUPDATE course_06.accounts SET balance = balance + 100 WHERE id = 2;\n"
         "SELECT owner, balance FROM course_06.accounts ORDER BY id;",
         contains=["BEGIN", " Ada   |  400.00", " Grace |  150.00"]),
    code("%%sql pg_other\nSELECT owner, balance FROM course_06.accounts ORDER BY id;", contains=[" Ada   |  500.00", " Grace |   50.00"]),
    code("%%sql pg\nCOMMIT;", contains=["COMMIT"]),
    code("%%sql pg_other\nSELECT owner, balance FROM course_06.accounts ORDER BY id;", contains=[" Ada   |  400.00", " Grace |  150.00"]),
    md("## REPEATABLE READ\n\nUnder `REPEATABLE READ` a transaction sees one snapshot from its first query to its end. "
       "`pg_other` reads, `pg` then changes and commits; `pg_other` still sees the old balance, and may not overwrite a "
       "row changed since its snapshot: PostgreSQL refuses with SQLSTATE 40001, and the application retries the whole "
       "transaction (expected to fail):"),
    code("%%sql pg_other\nBEGIN ISOLATION LEVEL REPEATABLE READ;\nSELECT balance FROM course_06.accounts WHERE id = 1;",
         contains=["400.00"]),
    code("%%sql pg\nUPDATE course_06.accounts SET balance = balance + 1 WHERE id = 1;", contains=["UPDATE 1"]),
    code("%%sql pg_other\nSELECT balance AS still_the_snapshot FROM course_06.accounts WHERE id = 1;\n"
         "UPDATE course_06.accounts SET balance = balance - 10 WHERE id = 1;",
         error="SqlError", contains=["400.00", "could not serialize access due to concurrent update", "40001"]),
    code("%%sql pg_other\nROLLBACK;\nSELECT balance FROM course_06.accounts WHERE id = 1;", contains=["ROLLBACK", "401.00"]),
    md("Atomicity: when one statement of a transaction fails, nothing of it stays. The overdraft below violates the "
       "`CHECK`; the first update is undone with it (expected to fail):"),
    code("%%sql pg\nBEGIN;\nUPDATE course_06.accounts SET balance = balance + 1000 WHERE id = 1;\nUPDATE course_06.accounts SET balance = balance - 1000 WHERE id = 2;",
         error="SqlError", contains=["accounts_balance_check"]),
    code("%%sql pg\nROLLBACK;\nSELECT owner, balance FROM course_06.accounts ORDER BY id;", contains=[" Ada   |  401.00", " Grace |  150.00"]),
    md("## Database Design Principles\n\nNormalize first (each fact stored once), denormalize deliberately where reads "
       "need it and keep the copy correct with the database's own tools.\n\n### Normalization (SQL)\n\nThe guide's "
       "un-normalized `orders` repeats the customer and the product in every order. Changing Ada's email in one order "
       "leaves the others wrong (an *update anomaly*):"),
    code("%%sql pg\nSET search_path = course_06;\n-- ❌ Not normalized (data duplication)\nCREATE TABLE orders_flat (\n  id INT PRIMARY KEY,\n  customer_name VARCHAR(255),\n"
         "  customer_email VARCHAR(255),\n  product_name VARCHAR(255),\n  product_price DECIMAL\n);\n"
         "INSERT INTO orders_flat VALUES (1, 'Ada', 'ada@example.com', 'Keyboard', 49.90), (2, 'Ada', 'ada@example.com', 'Mouse', 19.90),\n"
         "  (3, 'Grace', 'grace@example.com', 'Keyboard', 49.90);\n"
         "UPDATE orders_flat SET customer_email = 'ada@lovelace.org' WHERE id = 1;\n"
         "SELECT customer_name, count(DISTINCT customer_email) AS emails_for_one_person FROM orders_flat GROUP BY customer_name ORDER BY customer_name;",
         contains=["INSERT 0 3", " Ada           |                     2", " Grace         |                     1"]),
    md("Normalized: customers and products get their own tables and orders refer to them. **1NF**: one value per "
       "column, no repeating groups. **2NF**: every column depends on the whole key. **3NF**: no column depends on "
       "another non-key column (the product's price belongs to the product, not to the order)."),
    code("%%sql pg\n-- ✅ Normalized (1st Normal Form)\nCREATE TABLE customers (\n  id INT PRIMARY KEY,\n  name VARCHAR(255),\n  email VARCHAR(255)\n);\n\n"
         "CREATE TABLE products (\n  id INT PRIMARY KEY,\n  name VARCHAR(255),\n  price DECIMAL\n);\n\n"
         "CREATE TABLE orders (\n  id INT PRIMARY KEY,\n  customer_id INT REFERENCES customers(id),\n  product_id INT REFERENCES products(id)\n);\n"
         "INSERT INTO customers SELECT row_number() OVER (ORDER BY customer_name), customer_name, min(customer_email) FROM orders_flat GROUP BY customer_name;\n"
         "INSERT INTO products SELECT row_number() OVER (ORDER BY product_name), product_name, min(product_price) FROM orders_flat GROUP BY product_name;\n"
         "INSERT INTO orders SELECT f.id, c.id, p.id FROM orders_flat f JOIN customers c ON c.name = f.customer_name JOIN products p ON p.name = f.product_name;\n"
         "UPDATE customers SET email = 'ada@lovelace.org' WHERE name = 'Ada';\n"
         "SELECT o.id, c.name, c.email, p.name AS product, p.price FROM orders o JOIN customers c ON c.id = o.customer_id JOIN products p ON p.id = o.product_id ORDER BY o.id;",
         contains=["INSERT 0 2", "UPDATE 1", "  1 | Ada   | ada@lovelace.org  | Keyboard | 49.90", "  2 | Ada   | ada@lovelace.org  | Mouse    | 19.90"]),
    md("The foreign keys now refuse an order for a product that does not exist (expected to fail):"),
    code("%%sql pg\nINSERT INTO orders VALUES (4, 1, 99);", error="SqlError", contains=["orders_product_id_fkey", "23503"]),
    md("### Denormalization (Performance)\n\nCounting a user's posts on every page view is a join and an aggregate; a "
       "`user_stats` row with the count is one lookup. The guide keeps it current with a trigger, and its trigger is "
       "**SQLite syntax** (`BEGIN ... END` around plain statements), so it runs as written on SQLite:"),
    code("%%sql lite\nCREATE TABLE posts (id INTEGER PRIMARY KEY, user_id INT NOT NULL, title TEXT);\n"
         "-- Trade consistency for query speed\nCREATE TABLE user_stats (\n  user_id INT PRIMARY KEY,\n  post_count INT,\n  follower_count INT,\n  updated_at TIMESTAMP\n);\n\n"
         "-- Update stats periodically with triggers or background jobs\nCREATE TRIGGER update_user_stats\nAFTER INSERT ON posts\nBEGIN\n"
         "  UPDATE user_stats\n  SET post_count = post_count + 1\n  WHERE user_id = NEW.user_id;\nEND;\n"
         "INSERT INTO user_stats VALUES (1, 0, 10, NULL);\nINSERT INTO posts (user_id, title) VALUES (1, 'one'), (1, 'two'), (1, 'three');\n"
         "SELECT * FROM user_stats;",
         contains=["CREATE TRIGGER", "3 rows affected", "       1 |          3 |             10"]),
    md("PostgreSQL refuses that syntax: its trigger runs a *function* (expected to fail)..."),
    code("%%sql pg\nCREATE TABLE posts (id SERIAL PRIMARY KEY, user_id INT NOT NULL, title TEXT);\n"
         "CREATE TABLE user_stats (user_id INT PRIMARY KEY, post_count INT, follower_count INT, updated_at TIMESTAMP);\n"
         "CREATE TRIGGER update_user_stats\nAFTER INSERT ON posts\nBEGIN\n  UPDATE user_stats\n  SET post_count = post_count + 1\n  WHERE user_id = NEW.user_id;\nEND;",
         error="SqlError", contains=["CREATE TABLE", "syntax error at or near \"BEGIN\""]),
    md("... so the body moves into a PL/pgSQL function, and the trigger says `FOR EACH ROW EXECUTE FUNCTION`:"),
    code("%%sql pg\nCREATE FUNCTION bump_post_count() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
         "  UPDATE user_stats SET post_count = post_count + 1, updated_at = now() WHERE user_id = NEW.user_id;\n  RETURN NEW;\nEND;\n$$;\n"
         "CREATE TRIGGER update_user_stats AFTER INSERT ON posts FOR EACH ROW EXECUTE FUNCTION bump_post_count();\n"
         "INSERT INTO user_stats VALUES (1, 0, 10, NULL);\nINSERT INTO posts (user_id, title) VALUES (1, 'one'), (1, 'two'), (1, 'three');\n"
         "SELECT user_id, post_count, follower_count FROM user_stats;",
         contains=["CREATE TRIGGER", "INSERT 0 3", "       1 |          3 |             10"]),
    md("MariaDB's trigger is a single statement after `FOR EACH ROW` (several need `BEGIN ... END` and, in the mysql "
       "client, a `DELIMITER`):"),
    code("%%sql maria\nCREATE DATABASE IF NOT EXISTS course_06;\nUSE course_06;\nDROP TABLE IF EXISTS posts, user_stats;\n"
         "CREATE TABLE posts (id INT AUTO_INCREMENT PRIMARY KEY, user_id INT NOT NULL, title TEXT);\n"
         "CREATE TABLE user_stats (user_id INT PRIMARY KEY, post_count INT, follower_count INT, updated_at TIMESTAMP NULL);\n"
         "CREATE TRIGGER update_user_stats AFTER INSERT ON posts FOR EACH ROW\n  UPDATE user_stats SET post_count = post_count + 1 WHERE user_id = NEW.user_id;\n"
         "INSERT INTO user_stats VALUES (1, 0, 10, NULL);\nINSERT INTO posts (user_id, title) VALUES (1, 'one'), (1, 'two'), (1, 'three');\n"
         "SELECT user_id, post_count, follower_count FROM user_stats;",
         contains=["3 rows affected", "       1 |          3 |             10"]),
    md("The cost of the copy: anything that changes posts *without* the trigger (a bulk load with triggers off, a "
       "`TRUNCATE`) leaves it wrong, so a periodic job recomputes it. A query finds the drift:"),
    code("%%sql pg\nTRUNCATE posts;\nSELECT s.user_id, s.post_count AS stored, count(p.id) AS actual\nFROM user_stats s LEFT JOIN posts p ON p.user_id = s.user_id GROUP BY s.user_id, s.post_count;",
         contains=["stored | actual", "      1 |      3 |      0"]),
    *exercise(1, "Repair the drift: one `UPDATE` that sets every `user_stats.post_count` to the real count of posts "
              "(PostgreSQL, schema `course_06`), then keep `SELECT user_id, post_count FROM user_stats` as `ex1`.",
              "%%sql pg --out ex1\nUPDATE user_stats s SET post_count = (SELECT count(*) FROM posts p WHERE p.user_id = s.user_id), updated_at = now();\n"
              "SELECT user_id, post_count FROM user_stats;",
              "ex1", contains=["UPDATE 1", "       1 |          0"], check="\n user_id | post_count\n---|---\n 1 | 0"),
    md("## Clean up"),
    code("%%sql pg\nDROP SCHEMA course_06 CASCADE;\nSET search_path = public;", contains=["DROP SCHEMA"]),
    code("%%sql maria\nDROP DATABASE course_06;", contains=["DROP DATABASE"]),
]
