"""Cells of notebooks/11-architecture-patterns.ipynb: how databases sit in a backend (monolith,
microservices with a database per service, event-driven with an outbox and a Redis stream, CQRS with
PostgreSQL for writes and MongoDB for reads), and the guides' design patterns and SOLID shown with
database code (one pinned session, connections made by URL scheme, LISTEN/NOTIFY, views as interfaces)."""
from cells import code, md
from _course import exercise

NAME = "11-architecture-patterns"

CELLS = [
    md("# 11. Architecture patterns with databases\n\nThe guides draw boxes: services, queues, read and write sides. "
       "Each box that holds data is a database, and the arrows are reads, writes and events. This lesson builds the "
       "boxes for real on one machine: PostgreSQL (`pg`, schema `course_11_*`), MariaDB (`maria`), Redis (`cache`, "
       "database 13) and MongoDB (the embedded engine, database `course_11`)."),
    code("%use cache\n%%redis\nSELECT 13\nFLUSHDB", contains=["OK"]),
    md("## Backend Architecture — How Databases Fit In\n\nA request reaches the **server**, runs through **middleware** "
       "(authentication, rate limiting: lesson 10's limiter is such a middleware), the **app framework** routes it, the "
       "**API layer** shapes the answer, and the **database** holds the state. In a **monolith** one application owns one "
       "database and can join anything; with **microservices** each service owns its data; **event-driven** systems "
       "react to events. The monolith first: one schema, one transaction across users and orders:"),
    code("%%sql pg\nDROP SCHEMA IF EXISTS course_11_monolith CASCADE;\nCREATE SCHEMA course_11_monolith;\nSET search_path = course_11_monolith;\n"
         "CREATE TABLE users (id INT PRIMARY KEY, name TEXT);\nCREATE TABLE orders (id INT PRIMARY KEY, user_id INT REFERENCES users(id), total NUMERIC(8,2));\n"
         "BEGIN;\nINSERT INTO users VALUES (1, 'Ada');\nINSERT INTO orders VALUES (100, 1, 42.00);\nCOMMIT;\n"
         "SELECT u.name, o.total FROM users u JOIN orders o ON o.user_id = u.id;",
         contains=["COMMIT", " Ada  | 42.00"]),
    md("## Architecture Patterns\n\n### Microservices Architecture\n\nThe guide's diagram gives the User, Order and "
       "Payment services one `[DB]` each. *Database per service*: a service reads another's data only through that "
       "service's API, never its tables, so each can change its schema, or its database product, alone. Here the User "
       "service keeps PostgreSQL, the Order service MariaDB, the Payment service Redis:"),
    code("%%sql pg\nDROP SCHEMA IF EXISTS course_11_users CASCADE;\nCREATE SCHEMA course_11_users;\n"
         "CREATE TABLE course_11_users.users (id INT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL);\n"
         "INSERT INTO course_11_users.users VALUES (1, 'Ada', 'ada@example.com'), (2, 'Grace', 'grace@example.com');\n"
         "DROP ROLE IF EXISTS course_11_order_service;\nCREATE ROLE course_11_order_service;",
         contains=["INSERT 0 2", "CREATE ROLE"]),
    code("%%sql maria\nCREATE DATABASE IF NOT EXISTS course_11_orders;\nUSE course_11_orders;\nDROP TABLE IF EXISTS orders;\n"
         "CREATE TABLE orders (id INT PRIMARY KEY, user_id INT NOT NULL, total DECIMAL(8,2) NOT NULL, status VARCHAR(20) NOT NULL DEFAULT 'new');\n"
         "INSERT INTO orders (id, user_id, total) VALUES (100, 1, 42.00), (101, 2, 10.00), (102, 1, 7.50);",
         contains=["3 rows affected"]),
    code("%%redis\nHSET payment:100 order_id 100 status captured amount 42.00\nHSET payment:101 order_id 101 status pending amount 10.00\nHGETALL payment:100",
         contains=["(integer) 3", '"captured"']),
    md("The boundary is enforced, not only agreed: the order service's database role has no grant on the users "
       "service's schema (expected to fail). There is no foreign key from an order to a user any more; the Order "
       "service stores the id and asks the User service when it needs more."),
    code("%%sql pg\nSET ROLE course_11_order_service;\nSELECT * FROM course_11_users.users;", error="SqlError",
         contains=["permission denied for schema course_11_users"]),
    code("%%sql pg\nRESET ROLE;", contains=["RESET"]),
    md("A page showing \"orders with customer names\" is now *API composition*: the order service's rows, then one "
       "call to the user service for the ids they mention:"),
    code("%%sql maria\nSELECT id, user_id, total FROM orders WHERE user_id IN (1, 2) ORDER BY id;",
         contains=["100 |       1 | 42.00", "(3 rows)"]),
    code("%%sql pg\nSELECT id, name FROM course_11_users.users WHERE id IN (1, 2) ORDER BY id;", contains=["  1 | Ada", "  2 | Grace"]),
    md("### Event-Driven Architecture\n\nThe guide's `create_order` saves the order, then publishes `order.created`; "
       "subscribers send the email, update inventory, trigger shipping. If the process dies between the save and the "
       "publish, the event is lost. The **transactional outbox** fixes that: the event is a row written in the *same "
       "transaction* as the order, and a relay publishes outbox rows afterwards."),
    code("%%sql pg\nDROP SCHEMA IF EXISTS course_11_shop CASCADE;\nCREATE SCHEMA course_11_shop;\nSET search_path = course_11_shop;\n"
         "CREATE TABLE orders (id SERIAL PRIMARY KEY, user_id INT NOT NULL, total NUMERIC(8,2) NOT NULL);\n"
         "CREATE TABLE outbox (id SERIAL PRIMARY KEY, topic TEXT NOT NULL, payload JSONB NOT NULL, published BOOLEAN NOT NULL DEFAULT false);\n"
         "-- create_order(order_data), atomically with its event\nBEGIN;\n"
         "WITH o AS (INSERT INTO orders (user_id, total) VALUES (1, 42.00) RETURNING id)\n"
         "INSERT INTO outbox (topic, payload) SELECT 'order.created', jsonb_build_object('order_id', id) FROM o;\nCOMMIT;\n"
         "SELECT topic, payload FROM outbox WHERE NOT published;",
         contains=["COMMIT", "order.created", '{"order_id": 1}']),
    md("The relay moves the event to a Redis stream (it would loop over the unpublished rows) and marks the row:"),
    code("%%redis\nXADD order.created * order_id 1\nXLEN order.created", contains=["(integer) 1"]),
    code("%%sql pg\nUPDATE course_11_shop.outbox SET published = true WHERE payload->>'order_id' = '1';", contains=["UPDATE 1"]),
    md("Each subscriber (`send_confirmation_email`, `update_inventory`, `trigger_shipping`) is a consumer group, so "
       "each receives every event once, at its own pace, and an event waits for a subscriber that is down:"),
    code("%%redis\nXGROUP CREATE order.created email 0\nXGROUP CREATE order.created inventory 0\nXGROUP CREATE order.created shipping 0\n"
         "XREADGROUP GROUP email mailer-1 COUNT 10 STREAMS order.created >\nXREADGROUP GROUP inventory stock-1 COUNT 10 STREAMS order.created >\n"
         "XINFO GROUPS order.created",
         contains=['"order_id"', '"email"', '"inventory"', '"shipping"', '"lag"']),
    md("`XINFO GROUPS` shows the `shipping` group with one entry still to read (`lag` 1): the event waits for it.\n\n"
       "### CQRS (Command Query Responsibility Segregation)\n\nCommands (writes) go to a model built for correctness, "
       "queries (reads) to a model built for the screens, connected by the event stream. Write side: PostgreSQL, "
       "normalized and constrained. Read side: MongoDB, one document per customer with what the page shows."),
    code("%%sql pg\nSET search_path = course_11_shop;\nINSERT INTO orders (user_id, total) VALUES (1, 8.00), (2, 15.50);\n"
         "SELECT user_id, count(*) AS orders, sum(total) AS spent FROM orders GROUP BY user_id ORDER BY user_id;",
         contains=["INSERT 0 2", "       1 |      2 | 50.00", "       2 |      1 | 15.50"]),
    md("A projector applies each `order.created` event to the read model with an upsert (`$inc`), so replaying the "
       "stream rebuilds it:"),
    code("%%mql\nuse course_11\ndb.customer_summary.drop()\n"
         "db.customer_summary.updateOne({ _id: 1 }, { $inc: { orders: 1, spent: 42.00 }, $set: { name: 'Ada' } }, { upsert: true })\n"
         "db.customer_summary.updateOne({ _id: 1 }, { $inc: { orders: 1, spent: 8.00 } }, { upsert: true })\n"
         "db.customer_summary.updateOne({ _id: 2 }, { $inc: { orders: 1, spent: 15.50 }, $set: { name: 'Grace' } }, { upsert: true })\n"
         "db.customer_summary.find().sort({ _id: 1 })",
         contains=["upsertedCount: 1", "_id: 1, name: 'Ada', orders: 2, spent: 50", "_id: 2, name: 'Grace', orders: 1, spent: 15.5"]),
    md("The two sides agree (50.00 and 15.50), but only *eventually*: between a command and its projection, a query "
       "sees the old summary. That lag is the price of reads that never join."),
    md("## Design Patterns\n\nThe guide shows them as Python classes. In a database notebook each has a concrete "
       "counterpart.\n\n### Singleton Pattern\n\n`Database()` always returns the one instance with its one connection. "
       "A named connection of this kernel is that: one pinned session per name, however many cells use it. The "
       "server process id stays the same from cell to cell, and session state (a temporary table) survives:"),
    code("%%sql pg --out first_pid\nCREATE TEMP TABLE singleton_proof (x int);\nSELECT pg_backend_pid() AS pid;", contains=["pid"]),
    code("%%sql pg\nSELECT count(*) AS same_session FROM pg_stat_activity WHERE pid = pg_backend_pid()\n"
         "  AND EXISTS (SELECT 1 FROM pg_class WHERE relname = 'singleton_proof' AND relpersistence = 't');",
         contains=["same_session", "1"]),
    md("### Factory Pattern\n\n`RepositoryFactory.create('user')` picks a class from a name. `%connect NAME URL` is a "
       "factory too: the URL's scheme picks the engine (`sqlite:` → SQLite, `postgresql://` → PostgreSQL, `mysql://` → "
       "MariaDB/MySQL, `embedded` → the MongoDB-compatible engine, `redis://` → Redis), and the caller only ever says "
       "`%%sql NAME`:"),
    code("%connect scratch sqlite::memory:\n%%sql scratch\nSELECT sqlite_version() IS NOT NULL AS made_by_the_sqlite_factory;",
         contains=["connected: scratch", "made_by_the_sqlite_factory"]),
    code("%connections", contains=["scratch", "sqlite::memory:", "pg", "maria", "cache"]),
    md("### Observer Pattern\n\n`Observable.notify` calls every attached observer. PostgreSQL has it built in: "
       "sessions `LISTEN` on a channel, `NOTIFY` (here from a trigger, on every new order) tells them all. `pg` "
       "attaches; `pg_other`, another session, inserts an order; `pg` is told:"),
    code("%%sql pg\nCREATE FUNCTION course_11_shop.notify_order() RETURNS trigger LANGUAGE plpgsql AS $$\nBEGIN\n"
         "  PERFORM pg_notify('order_created', NEW.id::text);\n  RETURN NEW;\nEND;\n$$;\n"
         "CREATE TRIGGER order_observers AFTER INSERT ON course_11_shop.orders FOR EACH ROW EXECUTE FUNCTION course_11_shop.notify_order();\n"
         "LISTEN order_created;", contains=["CREATE TRIGGER", "LISTEN"]),
    code("%%sql pg_other\nINSERT INTO course_11_shop.orders (user_id, total) VALUES (2, 99.00) RETURNING id;", contains=["  4", "INSERT 0 1"]),
    code("%%sql pg\nSELECT pg_sleep(0.2);\nUNLISTEN order_created;",
         contains=['Asynchronous notification "order_created" with payload "4" received from server process with PID']),
    md("## SOLID Principles\n\nSOLID is about code, but the same ideas keep a schema changeable:\n\n"
       "- **S**ingle responsibility: one table per kind of fact (lesson 6's normal forms); the outbox table above only "
       "carries events.\n- **O**pen/closed: behaviour is added without editing what exists, as the observer trigger above "
       "was added to `orders` without touching its writers.\n- **L**iskov substitution: anything that reads the "
       "interface below works with whatever stands behind it.\n- **I**nterface segregation: each client gets a narrow "
       "view with only what it needs.\n- **D**ependency inversion: clients depend on that view (an abstraction), not on "
       "the table (a detail):"),
    code("%%sql pg\nSET search_path = course_11_shop;\nCREATE VIEW order_totals AS SELECT id, total FROM orders;\n"
         "DROP ROLE IF EXISTS course_11_reporting;\nCREATE ROLE course_11_reporting;\nGRANT USAGE ON SCHEMA course_11_shop TO course_11_reporting;\n"
         "GRANT SELECT ON order_totals TO course_11_reporting;\nSET ROLE course_11_reporting;\nSELECT sum(total) AS revenue FROM order_totals;",
         contains=["CREATE VIEW", "revenue", "164.50"]),
    md("The table's details change (the amount moves to cents); the view keeps its promise and the reporting client "
       "notices nothing:"),
    code("%%sql pg\nRESET ROLE;\nBEGIN;\nDROP VIEW order_totals;\nALTER TABLE orders ADD COLUMN total_cents BIGINT;\nUPDATE orders SET total_cents = total * 100;\n"
         "ALTER TABLE orders DROP COLUMN total;\nCREATE VIEW order_totals AS SELECT id, total_cents / 100.0 AS total FROM orders;\n"
         "GRANT SELECT ON order_totals TO course_11_reporting;\nCOMMIT;\nSET ROLE course_11_reporting;\nSELECT sum(total)::numeric(10,2) AS revenue FROM order_totals;\nRESET ROLE;",
         contains=["COMMIT", "164.50"]),
    *exercise(1, "A new command arrives: order 5 for user 1, total 12.00. Apply it to the read model as the "
              "projector would (one upsert in `course_11.customer_summary`), then keep Ada's summary document.",
              "%%mql --out ex1\nuse course_11\ndb.customer_summary.updateOne({ _id: 1 }, { $inc: { orders: 1, spent: 12.00 } }, { upsert: true })\n"
              "db.customer_summary.find({ _id: 1 })",
              "ex1", contains=["matchedCount: 1", "orders: 3, spent: 62"],
              check="\n[{ _id: 1, name: 'Ada', orders: 3, spent: 62 }]"),
    md("## Clean up"),
    code("%%sql pg\nDROP SCHEMA course_11_monolith CASCADE;\nDROP SCHEMA course_11_users CASCADE;\nDROP SCHEMA course_11_shop CASCADE;\n"
         "DROP ROLE course_11_order_service;\nDROP ROLE course_11_reporting;\nSET search_path = public;",
         contains=["DROP SCHEMA", "DROP ROLE"]),
    code("%%sql maria\nDROP DATABASE course_11_orders;", contains=["DROP DATABASE"]),
    code("%%mql\nuse course_11\ndb.dropDatabase()", contains=["dropped: 'course_11'"]),
    code("%%redis cache\nSELECT 13\nFLUSHDB", contains=["OK"]),
]
