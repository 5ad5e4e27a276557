#!/usr/bin/env bash
# Re-captures the real query plans under tests/fixtures/plans/ from the servers on this machine
# (PostgreSQL 127.0.0.1:5432, MariaDB 127.0.0.1:3306, SQLite through Python's sqlite3 module,
# the embedded MongoDB engine through `dbkernel mongod` and the real mongosh). Each engine's
# schema is created here and dropped at the end. Timings differ from run to run: after a
# capture, re-bless the drawings with `UPDATE_SNAPSHOTS=1 cargo nextest run --test plan_snapshots`
# and review the diff of tests/snapshots/plans/.
set -euo pipefail
cd "$(dirname "$0")/.."
out=tests/fixtures/plans
mkdir -p "$out"
PSQL=(psql -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -U postgres -d test)

echo "PostgreSQL"
"${PSQL[@]}" <<'SQL'
DROP SCHEMA IF EXISTS qp_fixtures CASCADE;
CREATE SCHEMA qp_fixtures;
SET search_path = qp_fixtures;
CREATE TABLE customers (id int PRIMARY KEY, name text, country text);
INSERT INTO customers SELECT i, 'customer ' || i, (ARRAY['DE','FR','US','JP'])[1 + i % 4]
  FROM generate_series(1, 2000) i;
-- a and b are equal: the planner multiplies their selectivities and under-estimates a = 7 AND b = 7.
CREATE TABLE orders (id int PRIMARY KEY, customer_id int, status text, amount numeric(10,2), a int, b int);
INSERT INTO orders SELECT i, 1 + (i * 7919) % 2000, (ARRAY['new','paid','shipped','returned'])[1 + i % 4],
  (i % 1000) / 10.0, i % 100, i % 100 FROM generate_series(1, 200000) i;
ANALYZE customers;
ANALYZE orders;
SQL

pg_plan() { # name, settings, statement
  "${PSQL[@]}" -A -t -c "SET search_path = qp_fixtures; SET max_parallel_workers_per_gather = 0; $2" -c "$3" > "$out/$1"
}
pg_plan pg_misestimate.json "" \
  "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT count(*) FROM orders WHERE a = 7 AND b = 7"
pg_plan pg_sort_spill.json "SET work_mem = '64kB';" \
  "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT * FROM orders ORDER BY amount, id"
pg_plan pg_parallel.json "SET max_parallel_workers_per_gather = 2; SET parallel_setup_cost = 0; SET parallel_tuple_cost = 0; SET min_parallel_table_scan_size = 0;" \
  "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT status, count(*) FROM orders WHERE amount > 50 GROUP BY status"
pg_plan pg_cte.json "" \
  "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) WITH totals AS MATERIALIZED (SELECT customer_id, sum(amount) AS total FROM orders GROUP BY customer_id) SELECT c.name, t.total FROM totals t JOIN customers c ON c.id = t.customer_id WHERE c.country = 'DE'"
pg_plan pg_initplan.json "" \
  "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT id, amount FROM orders WHERE amount > (SELECT max(amount) - 1 FROM orders WHERE status = 'paid')"
pg_plan pg_never_executed.json "" \
  "EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) SELECT * FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id = -1"
pg_plan pg_estimate.json "" \
  "EXPLAIN (FORMAT JSON) SELECT * FROM orders WHERE status = 'paid' ORDER BY amount LIMIT 10"
# 40 branches of a join: a plan of more than 100 nodes.
branches=""
for k in $(seq 1 40); do
  [ -n "$branches" ] && branches="$branches UNION ALL "
  branches="${branches}SELECT count(*) FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.id BETWEEN $((k * 1000)) AND $((k * 1000 + 50)) AND c.country <> 'XX'"
done
pg_plan pg_large.json "" "EXPLAIN (ANALYZE, FORMAT JSON) $branches"
# The TEXT form, as the rows of a typed EXPLAIN ANALYZE, and as psql prints it (a paste).
pg_plan pg_text.txt "" \
  "EXPLAIN (ANALYZE, BUFFERS) SELECT c.country, count(*) FROM orders o JOIN customers c ON c.id = o.customer_id WHERE o.amount > (SELECT avg(amount) FROM orders) GROUP BY c.country"
"${PSQL[@]}" -c "SET search_path = qp_fixtures; SET max_parallel_workers_per_gather = 0" \
  -c "EXPLAIN ANALYZE SELECT * FROM orders WHERE a = 7 AND b = 7 ORDER BY amount" > "$out/pg_psql_paste.txt"
"${PSQL[@]}" -c "DROP SCHEMA qp_fixtures CASCADE"

echo "MariaDB"
MARIADB=(mariadb -h 127.0.0.1 -u root test)
"${MARIADB[@]}" <<'SQL'
DROP TABLE IF EXISTS qp_orders, qp_customers;
CREATE TABLE qp_customers (id INT PRIMARY KEY, name VARCHAR(40), country CHAR(2)) ENGINE=InnoDB;
CREATE TABLE qp_orders (id INT PRIMARY KEY, customer_id INT, status VARCHAR(10), amount DECIMAL(10,2)) ENGINE=InnoDB;
INSERT INTO qp_customers SELECT seq, CONCAT('customer ', seq), ELT(1 + seq % 4, 'DE', 'FR', 'US', 'JP') FROM seq_1_to_500;
INSERT INTO qp_orders SELECT seq, 1 + (seq * 7919) % 500, ELT(1 + seq % 4, 'new', 'paid', 'shipped', 'returned'), (seq % 1000) / 10 FROM seq_1_to_20000;
ANALYZE TABLE qp_customers, qp_orders;
SQL
"${MARIADB[@]}" -N -r -e "ANALYZE FORMAT=JSON SELECT c.country, o.status, COUNT(*) FROM qp_orders o JOIN qp_customers c ON c.id = o.customer_id WHERE o.amount > 90 GROUP BY c.country, o.status ORDER BY COUNT(*) DESC" > "$out/mariadb_analyze.json"
"${MARIADB[@]}" -N -r -e "EXPLAIN FORMAT=JSON SELECT * FROM qp_orders WHERE status = 'paid' AND customer_id IN (SELECT id FROM qp_customers WHERE country = 'DE')" > "$out/mariadb_explain.json"
"${MARIADB[@]}" -e "DROP TABLE qp_orders, qp_customers"

echo "SQLite"
.venv/bin/python - "$out/sqlite_eqp.json" <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(":memory:")
db.executescript("""
CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT, country TEXT);
CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER, status TEXT, amount REAL);
CREATE INDEX orders_by_customer ON orders(customer_id);
""")
rows = db.execute("""EXPLAIN QUERY PLAN
SELECT c.country, count(*) FROM customers c JOIN orders o ON o.customer_id = c.id
WHERE o.amount > (SELECT avg(amount) FROM orders) AND c.name LIKE 'a%'
GROUP BY c.country ORDER BY 2 DESC""").fetchall()
json.dump({"sqlite_version": sqlite3.sqlite_version, "rows": rows}, open(sys.argv[1], "w"), indent=1)
PY

echo "MongoDB (embedded engine)"
# SKIP_BUILD=1 uses the binary already in target/debug (while the tree does not build).
[ -n "${SKIP_BUILD:-}" ] || cargo build -q --bin dbkernel
dbpath=$(mktemp -d)
port=$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
target/debug/dbkernel mongod --port "$port" --dbpath "$dbpath" & server=$!
trap 'kill $server 2>/dev/null; rm -rf "$dbpath"' EXIT
for _ in $(seq 50); do (echo > /dev/tcp/127.0.0.1/$port) 2>/dev/null && break; sleep 0.1; done
MONGOSH=(tests/npm/node_modules/.bin/mongosh --quiet "mongodb://127.0.0.1:$port/qp_fixtures")
"${MONGOSH[@]}" --eval '
db.orders.drop();
const docs = [];
for (let i = 0; i < 5000; i++) docs.push({ _id: i, status: ["A", "B", "C", "D"][i % 4], qty: i % 100, customer: "c" + (i % 250) });
db.orders.insertMany(docs);
' > /dev/null
explain() { "${MONGOSH[@]}" --eval "EJSON.stringify($1, null, 1, { relaxed: false })" > "$out/$2"; }
explain 'db.orders.find({ status: "A", qty: { $gt: 90 } }).explain("executionStats")' mongo_before_index.json
"${MONGOSH[@]}" --eval 'db.orders.createIndex({ status: 1 }); db.orders.createIndex({ qty: 1 })' > /dev/null
explain 'db.orders.find({ status: "A", qty: { $gt: 90 } }).explain("allPlansExecution")' mongo_after_index.json
explain 'db.orders.find({ qty: { $gt: 95 } }).sort({ customer: 1 }).explain("executionStats")' mongo_sort.json
explain 'db.orders.explain("queryPlanner").aggregate([{ $match: { status: "B" } }, { $group: { _id: "$customer", n: { $sum: 1 } } }])' mongo_aggregate.json
"${MONGOSH[@]}" --eval 'db.dropDatabase()' > /dev/null
echo "captured into $out"
