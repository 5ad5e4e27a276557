"""Cells of notebooks/plans.ipynb: read a query plan, fix the query, see the difference. On the
machine's PostgreSQL (schema plans_lesson, dropped at the end) and the embedded MongoDB engine
(database plans_lesson, dropped at the end)."""
from cells import code, md

NAME = "plans"

CELLS = [
    md("# Query plans you can see\n\n"
       "A plan is how the database runs a query. `--explain` draws it without running anything; `--analyze` runs "
       "the query (a write is rolled back) and draws where the time really went. Each box is one step: the bar is "
       "its share of the time (of the estimated cost without `--analyze`), the slowest step has a red frame, and "
       "what looks wrong is said in plain words on the step and in the summary at the top. Any `EXPLAIN` you type "
       "is drawn too, and `.explain()` in MongoDB cells."),
    md("## PostgreSQL: a query that reads everything\n\nA table of 200,000 orders, with statistics fresh:"),
    code("%connect pg postgresql://postgres@127.0.0.1:5432/test\n%%sql pg\n"
         "DROP SCHEMA IF EXISTS plans_lesson CASCADE;\nCREATE SCHEMA plans_lesson;\nSET search_path = plans_lesson;\n"
         "SET max_parallel_workers_per_gather = 0;\n"
         "CREATE TABLE orders (id int PRIMARY KEY, customer_id int, status text, amount numeric(10,2), a int, b int);\n"
         "INSERT INTO orders SELECT i, 1 + (i * 7919) % 2000, (ARRAY['new','paid','shipped','returned'])[1 + i % 4],\n"
         "  (i % 1000) / 10.0, i % 100, i % 100 FROM generate_series(1, 200000) i;\n"
         "ANALYZE orders;",
         contains=["INSERT 0 200000", "ANALYZE"]),
    md("One customer's orders. `--out before` keeps the plan to compare with later:"),
    code("%%sql pg --analyze --out before\nSELECT * FROM orders WHERE customer_id = 42",
         contains=["PostgreSQL plan (executed)", "Seq Scan on orders", "discards", "an index on customer_id is a candidate"],
         svg=["Seq Scan on orders", "slowest", "an index on customer_id is a candidate"]),
    md("**Reading it:** the only step is a sequential scan: it read every row and the filter threw away all but "
       "100 of them. The plan names the column the filter compares: an index on it lets PostgreSQL find the "
       "matching rows directly. **Fixing it:**"),
    code("%%sql pg\nCREATE INDEX orders_by_customer ON orders (customer_id)", contains=["CREATE INDEX"]),
    md("The same query again, drawn beside the kept plan with the change per step:"),
    code("%%sql pg --analyze --compare before\nSELECT * FROM orders WHERE customer_id = 42",
         contains=["compared with before (before → after)", "whole plan:", "faster", "orders_by_customer"],
         svg=["before (before) → after, per node", "orders_by_customer"]),
    md("## PostgreSQL: an estimate that is far off\n\nColumns `a` and `b` always hold the same value. The planner "
       "assumes independent columns and multiplies their selectivities:"),
    code("%%sql pg --analyze\nSELECT count(*) FROM orders WHERE a = 7 AND b = 7",
         contains=["estimate off ×", "under-estimated", "rows, got 2000 —"]),
    md("**Fixing it:** extended statistics tell the planner the columns depend on each other:"),
    code("%%sql pg\nCREATE STATISTICS orders_a_b (dependencies) ON a, b FROM orders;\nANALYZE orders;",
         contains=["CREATE STATISTICS", "ANALYZE"]),
    code("%%sql pg --analyze\nSELECT count(*) FROM orders WHERE a = 7 AND b = 7",
         contains=["PostgreSQL plan (executed)", "rows 2000 (est "], absent=["estimate off"]),
    md("## PostgreSQL: a sort that spills to disk\n\nWith a small `work_mem`, sorting all orders does not fit in "
       "memory; the plan says how much it needs:"),
    code("%%sql pg\nSET work_mem = '64kB'", contains=["SET"]),
    code("%%sql pg --analyze\nSELECT id, amount FROM orders ORDER BY amount, id",
         contains=["sort spilled", "to disk (external merge)", "SET work_mem = '19MB'"],
         svg=["sort spilled"]),
    md("`--analyze` runs only what it draws (a `SET` in the same cell would not run), so the setting goes in a "
       "cell of its own:"),
    code("%%sql pg\nSET work_mem = '19MB'", contains=["SET"]),
    code("%%sql pg --analyze\nSELECT id, amount FROM orders ORDER BY amount, id",
         contains=["sort: quicksort"], absent=["sort spilled"]),
    md("A plan you asked for in text (any `EXPLAIN` options) is drawn from its text, without running the query "
       "again:"),
    code("%%sql pg\nRESET work_mem;\nEXPLAIN (ANALYZE, BUFFERS) SELECT status, count(*) FROM orders WHERE amount > (SELECT avg(amount) FROM orders) GROUP BY status",
         contains=["PostgreSQL plan (executed)", "[InitPlan 1", "HashAggregate"]),
    code("%%sql pg\nDROP SCHEMA plans_lesson CASCADE", contains=["DROP SCHEMA"]),
    md("## MongoDB: a query that examines every document\n\n5,000 orders on the embedded engine, made by a pipeline:"),
    code("%%mql\nuse plans_lesson\ndb.dropDatabase()\ndb.seed.insertOne({ _id: 0 })\n"
         "db.seed.aggregate([\n  { $project: { i: { $range: [0, 5000] } } },\n  { $unwind: '$i' },\n"
         "  { $project: { _id: '$i', status: { $arrayElemAt: [['A', 'B', 'C', 'D'], { $mod: ['$i', 4] }] },\n"
         "      qty: { $mod: ['$i', 100] }, customer: { $concat: ['c', { $toString: { $mod: ['$i', 250] } }] } } },\n"
         "  { $out: 'orders' }\n])\ndb.orders.countDocuments()",
         contains=["5000"]),
    code("%%mql --explain --out scan\ndb.orders.find({ status: 'A', qty: { $gt: 90 } })",
         contains=["MongoDB plan (executed)", "COLLSCAN on orders", "reads 5000 documents and discards",
                   "an index on (status, qty) is a candidate", "totalDocsExamined: 5000"],
         svg=["COLLSCAN on orders"]),
    md("**Reading it:** `COLLSCAN` read all 5,000 documents to return 112. **Fixing it:** an index whose keys "
       "start with the equality field (`status`), then the range field (`qty`):"),
    code("%%mql\ndb.orders.createIndex({ status: 1, qty: 1 })", contains=["status_1_qty_1"]),
    code("%%mql --explain --compare scan\ndb.orders.find({ status: 'A', qty: { $gt: 90 } })",
         contains=["compared with scan (before → after)", "IXSCAN", "status_1_qty_1"]),
    md("`.explain()` in the cell is drawn as well; with a second index the optimizer chooses between plans, and the "
       "drawing names the plan it rejected:"),
    code("%%mql\ndb.orders.createIndex({ qty: 1 })\ndb.orders.find({ status: 'A', qty: { $gt: 90 } }).explain('executionStats')",
         contains=["the optimizer chose", "rejected plan"]),
    md("A sort no index provides happens in memory (and fails above 100 MB):"),
    code("%%mql\ndb.orders.find({ qty: { $gt: 95 } }).sort({ customer: 1 }).explain('executionStats')",
         contains=["SORT", "sorts the documents in memory"]),
    code("%%mql\ndb.dropDatabase()", contains=["dropped: 'plans_lesson'"]),
]
