"""Cells of notebooks/classroom.ipynb: result checks (%%check) in SQL, MongoDB and Redis, as exercises use them."""
from cells import code, md

NAME = "classroom"

CELLS = [
    md("# Checked exercises\n\nAn exercise keeps the student's result with `--out NAME`; a `%%check NAME` cell says what it "
       "must be. A right answer shows one green line; a wrong one fails the cell (`CheckFailed`, which is how nbgrader "
       "and papermill see failure) and lists what differs. The full syntax is in `docs/checks.md` and `%help check`. "
       "This notebook uses SQLite in memory, the embedded MongoDB-compatible engine and the local Redis."),
    code("%%sql\nCREATE TABLE emp (name TEXT, dept TEXT, salary NUMERIC);\n"
         "INSERT INTO emp VALUES ('Ada', 'eng', 120000), ('Grace', 'ops', 110000), ('Linus', 'eng', 95000), "
         "('Barbara', 'ops', 90000);", contains=["4 rows affected"]),
    md("## An expected table\n\nWrite it like psql prints it (or paste psql's output). Without `ORDER BY` in the answer, "
       "row order does not matter."),
    code("%%sql --out q1\nSELECT name, salary FROM emp WHERE salary > 100000", contains=["(2 rows)"]),
    code("%%check q1\n name  | salary\n-------+--------\n Grace | 110000\n Ada   | 120000",
         contains=["✓ q1 matches the expected table: 2 rows match (compared unordered)"], html=["dbkernel-check"]),
    md("A wrong expectation (or a wrong answer) names each difference. A missing and an extra row that share a value "
       "are one row with a wrong value; `--hint` adds a sentence for the student. (This cell is expected to fail.)"),
    code("%%check q1 --hint 'compare with > 100000'\n name  | salary\n-------+--------\n Ada   | 120000\n Grace | 115000",
         error="CheckFailed",
         contains=["wrong value in the row with name = Grace: salary is 110000, expected 115000",
                   "hint: compare with > 100000"]),
    md("## Order, duplicates, rounding\n\n`ORDER BY` in the answer makes order part of it; `--unordered` and `--set` "
       "override; `--digits N` rounds numbers before comparing. (The first cell below is expected to fail.)"),
    code("%%sql --out q2\nSELECT name FROM emp ORDER BY salary DESC", contains=["Ada"]),
    code("%%check q2\nname\nGrace\nAda\nLinus\nBarbara", error="CheckFailed",
         contains=["the same rows are there, in another order (first out of place: row 1)"]),
    code("%%check q2 --unordered\nname\nGrace\nAda\nLinus\nBarbara", contains=["4 rows match (compared unordered)"]),
    code("%%sql --out q3\nSELECT dept, avg(salary) AS mean FROM emp GROUP BY dept", contains=["107500"]),
    code("%%check q3 --digits 0\ndept | mean\neng  | 107500\nops  | 100000", contains=["2 rows match"]),
    md("## A reference query\n\nThe expectation can be the result of a query (`--sql`, `--mql`, `--redis`, on `--on CONN` "
       "or the current connection), or another variable (`--expected VAR`)."),
    code("%%check q3 --sql\nSELECT dept, sum(salary) / count(*) AS mean FROM emp GROUP BY dept",
         contains=["q3 matches the reference query: 2 rows match"]),
    md("## MongoDB documents\n\nMongosh literals, one document per line or an array. Field order never matters; "
       "`--ignore-id` leaves `_id` out."),
    code("%%mql\nuse classroom\ndb.emp.drop()\ndb.emp.insertMany([\n  { name: 'Ada', dept: 'eng', salary: 120000 },\n"
         "  { name: 'Linus', dept: 'eng', salary: 95000 }\n])", contains=["acknowledged: true"]),
    code("%%mql --out eng\ndb.emp.find({ dept: 'eng' }, { dept: 0 })", contains=["Linus"]),
    code("%%check eng --ignore-id\n{ salary: 95000, name: 'Linus' }\n{ name: 'Ada', salary: 120000 }",
         contains=["✓ eng matches the expected documents: 2 documents match (compared unordered)"]),
    code("%%check eng\n{ name: 'Ada', salary: 120000 }\n{ name: 'Linus', salary: 95000 }", error="CheckFailed",
         contains=["unexpected field _id = ObjectId("]),
    md("## Redis replies\n\nSets and hashes are compared without order; a number matches the string Redis stores."),
    code("%%redis\nDEL classroom:tags classroom:user\nSADD classroom:tags sql nosql redis\nHSET classroom:user name Ada visits 3",
         contains=["(integer) 3"]),
    code("%%redis --out tags\nSMEMBERS classroom:tags", contains=["sql"]),
    code("%%check tags\n['redis', 'sql', 'nosql']", contains=["3 elements match (compared unordered)"]),
    code("%%redis --out user\nHGETALL classroom:user", contains=["visits"]),
    code("%%check user\n{ name: 'Ada', visits: 4 }", error="CheckFailed", contains=["visits is '3', expected 4"]),
    md("## Answer keys nobody can change\n\n`%connect NAME URL --read-only` keeps reference data safe: SQL servers refuse "
       "writes on that session, and the kernel refuses MongoDB and Redis writes before sending them. (Both cells "
       "below are expected to fail.)"),
    code("%connect key postgresql://postgres@127.0.0.1:5432/test --read-only\n%%sql key\nCREATE TABLE classroom_scratch (i int)",
         error="SqlError[25006]", contains=["read-only transaction"]),
    code("%connect keycache redis://127.0.0.1:6379 --read-only\n%%redis keycache\nSMEMBERS classroom:tags\nDEL classroom:tags",
         error="ReadOnlyConnection", contains=["DEL writes; nothing was run"]),
    md("## A private sandbox per student\n\n`%%sandbox CONN` gives this kernel a schema (PostgreSQL), database (MariaDB, "
       "MongoDB) or database number (Redis) of its own on a shared server; the cell's body is the template, and "
       "`%reset CONN` brings it back. Two students running this notebook at once each see only their own `items`. "
       "The sandbox is dropped when the kernel shuts down (unless `--keep`)."),
    code("%connect mine postgresql://postgres@127.0.0.1:5432/test\n%%sandbox mine\nCREATE TABLE items (n int);\n"
         "INSERT INTO items VALUES (1), (2)", contains=["mine now works in its own schema sandbox_",
                                                       "dropped when the kernel shuts down"]),
    code("%%sql mine\nDELETE FROM items;\nSELECT count(*) AS left_over FROM items", contains=["left_over", "0"]),
    code("%reset mine\n%%sql mine\nSELECT count(*) AS restored FROM items", contains=["reset to its template", "restored", "2"]),
    md("## Time limits and identical re-runs\n\n`--time-limit SECONDS` (or `%config time_limit`, 20 s under nbgrader) "
       "stops a runaway query on the server and says which statement it was. `%config deterministic = true` (on "
       "under nbgrader) leaves timings out of outputs, so a re-run gives the same notebook. (The first cell is "
       "expected to fail.)"),
    code("%%sql --time-limit 1\nWITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n) SELECT count(*) FROM n",
         error="TimeLimitExceeded", contains=["time limit of 1 s"]),
    code("%config deterministic = true\n%config", contains=["deterministic = true", "time_limit = off"]),
    md("## In an nbgrader assignment\n\nA hidden test keeps only its comment in the student version: the check says "
       "it runs at grading time. An answer cell still holding nbgrader's stub says it has no answer yet. (The last "
       "cell is expected to fail.) See `notebooks/assignments/` and `docs/teaching.md`."),
    code("%%check q1 --sql\n-- the grader compares q1 with its own query",
         contains=["the expectation for q1 is hidden: this check runs when the assignment is graded"]),
    code("%%sql --out q9\n-- YOUR ANSWER HERE", error="NotAnswered"),
]
