"""Cells of notebooks/01-what-is-a-database.ipynb: the beginners' guide (week 4) taught on real
engines: tables vs documents vs keys, keys and constraints, CRUD, indexes, transactions, ORMs."""
from cells import code, md
from _course import exercise

NAME = "01-what-is-a-database"

CELLS = [
    md("# 1. What is a database?\n\nA **database** is a structured collection of data that can be accessed, managed and "
       "updated: the permanent memory of an application. The database server keeps the data safe (persistence), decides "
       "who may see it (security) and finds it fast (efficient querying).\n\nThis first lesson needs nothing installed: "
       "`%%sql` runs on SQLite in memory (the `lite` connection of `dbkernel.toml`), `%%mql` on the MongoDB-compatible "
       "engine inside the kernel. Only the PostgreSQL part uses this machine's server (`pg`), in the schema `course_01`."),
    code("%%sql lite\nCREATE TABLE users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL);\n"
         "INSERT INTO users (email, name) VALUES ('ada@example.com', 'Ada'), ('grace@example.com', 'Grace');\n"
         "SELECT * FROM users;", contains=["2 rows affected", "ada@example.com", "(2 rows)"]),
    md("## Types of databases\n\nThere are two main families. The same two users, stored both ways:"),
    md("### 1. **Relational Databases (SQL)**\n\nData in tables of rows and columns, queried with SQL, under a **fixed "
       "schema**: every row has the columns the table declares, of the declared types. A row that breaks the schema is "
       "refused (expected to fail):"),
    code("%%sql lite\nINSERT INTO users (email) VALUES ('linus@example.com');", error="SqlError",
         contains=["NOT NULL constraint failed: users.name"]),
    md("### 2. **Non-Relational Databases (NoSQL)**\n\nDocuments (MongoDB), key-value pairs (Redis), graphs... with a "
       "flexible schema: two documents in one collection may have different fields."),
    code("%%mql\nuse course_01\ndb.users.drop()\ndb.users.insertMany([\n  { email: 'ada@example.com', name: 'Ada', languages: ['English', 'French'] },\n"
         "  { email: 'grace@example.com', name: 'Grace', rank: 'Rear Admiral' }\n])\n"
         "db.users.find({}, { _id: 0 })",
         contains=["languages: [ 'English', 'French' ]", "rank: 'Rear Admiral'", "(2 documents)"]),
    md("## Core concepts\n\n- **Tables and schemas**: the schema says which columns exist, their types and constraints.\n"
       "- **Primary & foreign keys**: a primary key identifies a row; a foreign key points at another table's key, and the "
       "database refuses links to rows that do not exist.\n- **CRUD**: create, read, update, delete.\n"
       "- **Indexes**: lookup structures that make searches fast.\n- **Transactions**: several changes that all happen or none.\n\n"
       "Foreign keys, refused when broken (SQLite checks them once `PRAGMA foreign_keys = ON`; PostgreSQL and MariaDB always do):"),
    code("%%sql lite\nPRAGMA foreign_keys = ON;\nCREATE TABLE posts (id INTEGER PRIMARY KEY, author_id INTEGER NOT NULL REFERENCES users(id), title TEXT);\n"
         "INSERT INTO posts (author_id, title) VALUES (1, 'Notes on the Analytical Engine');\n"
         "INSERT INTO posts (author_id, title) VALUES (99, 'Nobody wrote this');", error="SqlError",
         contains=["1 row affected", "FOREIGN KEY constraint failed"]),
    md("CRUD, one statement each:"),
    code("%%sql lite\nINSERT INTO users (email, name) VALUES ('linus@example.com', 'Linus');\n"
         "SELECT name FROM users WHERE id = 3;\nUPDATE users SET name = 'Linus T.' WHERE id = 3;\nDELETE FROM users WHERE id = 3;\n"
         "SELECT count(*) AS users FROM users;",
         contains=["Linus", "1 row affected", "users", "2"]),
    md("An index changes *how* a row is found. `--explain` shows SQLite's plan: a full scan without an index, a search "
       "with one."),
    code("%%sql lite --explain\nSELECT * FROM users WHERE name = 'Ada'", contains=["SCAN", "users"]),
    code("%%sql lite\nCREATE INDEX idx_users_name ON users (name);", contains=["CREATE INDEX"]),
    code("%%sql lite --explain\nSELECT * FROM users WHERE name = 'Ada'", contains=["SEARCH", "idx_users_name", "name=?"]),
    md("A transaction: the delete is undone by `ROLLBACK`."),
    code("%%sql lite\nBEGIN;\nDELETE FROM posts;\nSELECT count(*) AS during FROM posts;\nROLLBACK;\nSELECT count(*) AS after FROM posts;",
         contains=["during", "0", "after", "1"]),
    md("## Tools & Technologies\n\nA **DBMS** is the server (PostgreSQL, MySQL, MongoDB). An **ORM** (Django ORM, "
       "SQLAlchemy, Sequelize) turns classes into tables and method calls into SQL: `User.objects.get(id=1)` in Django "
       "sends `SELECT ... FROM users WHERE id = %s` with `1` as a *parameter*. An ORM runs inside a Python or JavaScript "
       "application, not in a notebook cell; what it sends is plain SQL, and that is what we run here. A kernel variable "
       "bound with `:name` is a parameter too, never pasted into the text:"),
    code("%set user_id = 1\n%%sql lite\n-- Traditional SQL (what User.objects.get(id=1) sends)\nSELECT * FROM users WHERE id = :user_id;",
         contains=["ada@example.com", "(1 row)"]),
    md("Admin interfaces (pgAdmin, phpMyAdmin, Compass) show the catalog; SQL can ask it directly:"),
    code("%%sql lite\nSELECT name, type FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY name;",
         contains=["idx_users_name", "index", "posts", "users", "table"]),
    md("## Intro to PostgreSQL\n\nPostgreSQL is the open-source SQL database the guides focus on: ACID, advanced indexing, "
       "full-text search, custom types and functions. It runs as a server; the `pg` connection reaches this machine's:"),
    code("%%sql pg\nSELECT split_part(version(), ' ', 1) AS product, current_setting('server_version_num')::int >= 150000 AS version_15_or_later,\n"
         "       current_database() AS database;",
         contains=["PostgreSQL", "t", "test"]),
    code("%%sql pg\nDROP SCHEMA IF EXISTS course_01 CASCADE;\nCREATE SCHEMA course_01;\n"
         "CREATE TYPE course_01.mood AS ENUM ('sad', 'ok', 'happy');\n"
         "CREATE FUNCTION course_01.initials(full_name text) RETURNS text LANGUAGE sql IMMUTABLE AS $$\n"
         "  SELECT string_agg(left(part, 1), '' ORDER BY n) FROM unnest(string_to_array(full_name, ' ')) WITH ORDINALITY AS t(part, n)\n$$;\n"
         "SELECT 'happy'::course_01.mood > 'ok' AS extensible_types, course_01.initials('Ada King Lovelace') AS custom_function;",
         contains=["extensible_types", "custom_function", "AKL"]),
    md("## Why You NEED a Backend Database\n\nPersistent data, features like login and comments, consistency under many "
       "users, and security. Consistency is something the database *enforces*, whichever application writes: a second "
       "account with the same email is refused (expected to fail)."),
    code("%%sql lite\nINSERT INTO users (email, name) VALUES ('ada@example.com', 'Impostor');", error="SqlError",
         contains=["UNIQUE constraint failed: users.email"]),
    md("Security: PostgreSQL roles see only what they are granted. A read-only role may read but not delete:"),
    code("%%sql pg\nCREATE TABLE course_01.comments (id int PRIMARY KEY, body text);\nINSERT INTO course_01.comments VALUES (1, 'First!');\n"
         "DROP ROLE IF EXISTS course_01_reader;\nCREATE ROLE course_01_reader;\n"
         "GRANT USAGE ON SCHEMA course_01 TO course_01_reader;\nGRANT SELECT ON course_01.comments TO course_01_reader;\n"
         "SET ROLE course_01_reader;\nSELECT body FROM course_01.comments;",
         contains=["CREATE ROLE", "GRANT", "SET", "First!"]),
    code("%%sql pg\nDELETE FROM course_01.comments;", error="SqlError", contains=["permission denied for table comments"]),
    code("%%sql pg\nRESET ROLE;\nSELECT current_user;", contains=["postgres"]),
    md("## Beginner’s Roadmap to Databases\n\n1. Basic SQL commands (lesson 2). 2. PostgreSQL locally (here: `pg`). "
       "3. Schemas and relationships (lesson 3). 4. CRUD through an ORM: the SQL it sends is what lessons 2-3 run. "
       "5. NoSQL for comparison (lessons 7-10). 6. Migrations and indexing (lessons 3 and 5).\n\nA migration is a "
       "versioned change of the schema, applied once; in SQL it is an `ALTER TABLE` that keeps the data:"),
    code("%%sql lite\nALTER TABLE users ADD COLUMN created_at TEXT DEFAULT '2024-01-01';\nSELECT name, created_at FROM users ORDER BY id;",
         contains=["created_at", "2024-01-01", "(2 rows)"]),
    md("## Best Practices\n\n- Normalize data (lesson 6). - Parameterized queries against SQL injection (below). - Back up "
       "regularly (lesson 12). - Index wisely (lesson 5). - Roles and encrypted connections (above; `sslmode=require` "
       "in a PostgreSQL URL).\n\nInjection: the hostile text stays a value, it does not end the statement:"),
    code("%set name = \"x' OR '1'='1\"\n%%sql lite\nSELECT count(*) AS matched FROM users WHERE name = :name;",
         contains=["matched", "0"]),
    *exercise(1, "On `lite`, list the name of every user who wrote at least one post, as one column `name`.",
              "%%sql lite --out ex1\nSELECT DISTINCT u.name FROM users u JOIN posts p ON p.author_id = u.id;",
              "ex1", contains=["Ada", "(1 row)"], check="\n name\n------\n Ada"),
    *exercise(2, "With `%%mql` in the database `course_01`, find the users that have a `languages` field (only their "
              "`name`, no `_id`).",
              "%%mql --out ex2\nuse course_01\ndb.users.find({ languages: { $exists: true } }, { _id: 0, name: 1 })",
              "ex2", contains=["name: 'Ada'", "(1 document)"], check="\n[{ name: 'Ada' }]"),
    md("## Resources to Explore Further if you are interested... but for now we'll focus no postgress\n\nThe "
       "guide's reading list, with the PostgreSQL manual for the version you just met:"),
    md("### Written Resources\n\n- [GeeksforGeeks SQL Basics](https://www.geeksforgeeks.org/sql-tutorial/)\n- "
       "[PostgreSQL Docs](https://www.postgresql.org/docs/) (the manual of *your* server's version is at "
       "`/docs/<major>/`; the next cell asks the server)\n- [MongoDB University](https://university.mongodb.com/)"),
    code("%%sql pg\nSELECT 'https://www.postgresql.org/docs/' || current_setting('server_version_num')::int / 10000 || '/' AS manual;",
         contains=["https://www.postgresql.org/docs/15/"]),
    md("### Video Resources\n\n- [SQL Video - English](https://www.youtube.com/watch?v=HXV3zeQKqGY)\n- "
       "[SQL Video - Hindi](https://www.youtube.com/watch?v=hlGoQC332VM)\n\nThe videos teach the statements of this "
       "lesson; `%help sql` says how this kernel runs them:"),
    code("%help sql", contains=["%%sql"]),
    md("## Clean up"),
    code("%%sql pg\nDROP SCHEMA course_01 CASCADE;\nDROP ROLE course_01_reader;", contains=["DROP SCHEMA", "DROP ROLE"]),
    code("%%mql\nuse course_01\ndb.dropDatabase()", contains=["dropped: 'course_01'"]),
]
