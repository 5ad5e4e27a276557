"""Cells of notebooks/sql_over_results.ipynb: SQL over kept results. A MongoDB result (embedded
engine), a PostgreSQL result and a Redis hash are kept with --out, joined with SQL on the built-in
`results` connection, and the join kept again. Uses the PostgreSQL schema `sqlres_lesson`, the
MongoDB database `sqlres_lesson` and Redis keys `sqlres_lesson:*`, dropped at the start and the end."""
from cells import code, md

NAME = "sql_over_results"

CELLS = [
    md("# SQL over any result\n\n"
       "A result kept with `--out NAME` — from PostgreSQL, MariaDB, SQLite, MongoDB or Redis — is a **table named "
       "NAME** on the built-in connection `results`: `%%sql results` (or `%use results`) runs SQL there, on a "
       "private SQLite database in memory. Only the variables a query names are loaded, and loaded again when "
       "you keep a new result under the same name. The answer can be kept with `--out` like any other."),
    code("%connect pg postgresql://postgres@127.0.0.1:5432/test\n"
         "%%sql pg\n"
         "DROP SCHEMA IF EXISTS sqlres_lesson CASCADE;\n"
         "CREATE SCHEMA sqlres_lesson;\n"
         "CREATE TABLE sqlres_lesson.customers (id int PRIMARY KEY, name text, city text);\n"
         "INSERT INTO sqlres_lesson.customers VALUES (1, 'Ada', 'London'), (2, 'Grace', 'New York'), (3, 'Linus', 'Helsinki');",
         contains=["INSERT 0 3"]),
    md("Keep the customers from PostgreSQL, and the orders from MongoDB (here the embedded engine):"),
    code("%%sql pg --out customers\nSELECT id, name, city FROM sqlres_lesson.customers ORDER BY id",
         contains=["Ada", "Grace", "Linus"]),
    code("%%mql --out orders\n"
         "use sqlres_lesson\n"
         "db.orders.drop()\n"
         "db.orders.insertMany([\n"
         "  {customer_id: 1, total: 12.5, placed: ISODate('2024-05-01T09:30:00Z'), items: ['tea', 'cake']},\n"
         "  {customer_id: 1, total: 7.25, placed: ISODate('2024-05-03T16:00:00Z'), items: ['tea']},\n"
         "  {customer_id: 2, total: 30.5, placed: ISODate('2024-05-02T11:15:00Z'), items: ['book'], gift: {to: 'Alan'}}\n"
         "])\n"
         "db.orders.find({}, {_id: 0}).sort({placed: 1})",
         contains=["customer_id", "book"]),
    md("`%vars` shows what each variable is, where it came from and its column (or field) types:"),
    code("%vars", contains=["customers", "table", "3 rows × 3 columns", "pg (%%sql)",
                            "orders", "documents", "3 documents", "mongo (%%mql): db.orders.find(", "placed date"]),
    md("## The join\n\n"
       "Documents become one column per top-level field; a missing field is NULL. ObjectIds are their hex text, "
       "dates ISO 8601 text (SQLite's `date()`/`strftime()` read it), Decimal128 its decimal text, and nested "
       "documents and arrays JSON text for `json_extract` and `json_array_length`:"),
    code("%%sql results --out spending\n"
         "SELECT c.name, c.city, count(*) AS orders, sum(o.total) AS spent,\n"
         "       min(date(o.placed)) AS first_day, sum(json_array_length(o.items)) AS items,\n"
         "       max(json_extract(o.gift, '$.to')) AS gift_for\n"
         "FROM customers c JOIN orders o ON o.customer_id = c.id\n"
         "GROUP BY c.name, c.city ORDER BY c.name",
         contains=["Ada", "19.75", "2024-05-01", "Grace", "30.5", "Alan", "(2 rows)"]),
    md("`{{name}}` — how MQL and Redis cells name a variable — means the same table here. On any other SQL "
       "connection the database cannot see kernel variables, and the kernel says where to go instead:"),
    code("%%sql pg\nSELECT * FROM {{orders}}", error="UsageError",
         contains=["kept documents result", "%%sql results"]),
    md("## A Redis hash as a table\n\n"
       "`HGETALL` becomes `field`, `value` rows (sorted sets with `WITHSCORES`: `member`, `score`; lists: "
       "`position`, `value`; sets: `member`). A column whose strings are all integers is INTEGER, so comparisons "
       "are numeric:"),
    code("%%redis\nDEL sqlres_lesson:discounts\nHSET sqlres_lesson:discounts London 20 Helsinki 5 'New York' 10",
         contains=["(integer) 3"]),
    code("%%redis --out discounts\nHGETALL sqlres_lesson:discounts", contains=["London"]),
    code("%%sql results --out billed\n"
         "SELECT s.name, s.spent, d.value AS discount_pct, round(s.spent * (100 - d.value) / 100.0, 2) AS billed\n"
         "FROM spending s JOIN discounts d ON d.field = s.city\n"
         "WHERE d.value > 5\n"
         "ORDER BY s.name",
         contains=["Ada", "15.8", "Grace", "27.45"]),
    md("`billed` is kept again: it can be joined, exported (`%export billed billed.csv`) or sent to MongoDB "
       "(`insertMany({{billed}})`). `%del` removes variables (and their tables here):"),
    code("%%mql\nuse sqlres_lesson\ndb.billed.insertMany({{billed}})\ndb.billed.countDocuments()", contains=["2"]),
    code("%del spending billed", contains=["removed 2 variables: spending, billed"]),
    code("%%sql results\nSELECT * FROM spending", error="SqlError[SQLITE_ERROR]", contains=["no such table: spending"]),
    md("Clean up:"),
    code("%%sql pg\nDROP SCHEMA sqlres_lesson CASCADE", contains=["DROP SCHEMA"]),
    code("%%mql\nuse sqlres_lesson\ndb.dropDatabase()", contains=["ok"]),
    code("%%redis\nDEL sqlres_lesson:discounts", contains=["(integer) 1"]),
]
