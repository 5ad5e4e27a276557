"""Cells of notebooks/export.ipynb: results to files (CSV, JSON Lines, Parquet, Arrow IPC) with
`--export` on a SQL or MQL cell and `%export` for a kept variable, on the machine's PostgreSQL and the
embedded MongoDB engine. Files go to the notebook's folder; `--force` lets the notebook re-run."""
from cells import code, md

NAME = "export"

CELLS = [
    md("# Results to files\n\n"
       "`%%sql --export PATH` writes **every** row of the cell's last statement to a file while the rows arrive: "
       "the cell still shows the first rows (the display limit), the file gets them all, in bounded memory. "
       "The format comes from the extension — `.csv`, `.jsonl`, `.parquet`, `.arrow` — or from `--format`. "
       "Paths are relative to the notebook's folder. An existing file is never replaced unless you add `--force`, "
       "and a stopped or failed export leaves no half-written file behind."),
    code("%connect pg postgresql://postgres@127.0.0.1:5432/test\n"
         "%%sql pg --export export_squares.parquet --force\n"
         "SELECT g AS n, g::int8 * g AS square, g::float8 / 8 AS eighth, (g * 0.1)::numeric(8,1) AS tenth\n"
         "FROM generate_series(1, 100000) g",
         contains=["exported 100000 rows to export_squares.parquet (Parquet,", "(shown 50 of 100000 rows)"]),
    md("Integers become `int64`, floats `double`, booleans `bool`, bytes `binary`. Values without an exact Arrow "
       "type — `numeric`, dates and times, JSON, arrays — are written as the server's own text, so no digit is "
       "rounded and no time zone guessed; `CAST` them in the query if you want another type.\n\n"
       "Without `--force` the file is kept, and nothing runs:"),
    code("%%sql pg --export export_squares.parquet\nSELECT 1",
         error="ExportError", contains=["already exists; add --force to replace it"]),
    md("The same result as CSV (a header line, RFC 4180 quoting) and as JSON Lines (one object per row; null "
       "fields are left out):"),
    code("%%sql pg --export export_people.csv --force\n"
         "SELECT * FROM (VALUES (1, 'Ada, Countess', true), (2, NULL, false)) AS t(id, name, active)",
         contains=["exported 2 rows to export_people.csv (CSV,"]),
    code("%%sql pg --export export_people.data --format jsonl --force\n"
         "SELECT * FROM (VALUES (1, 'Ada, Countess', true), (2, NULL, false)) AS t(id, name, active)",
         contains=["exported 2 rows to export_people.data (JSON Lines,"]),
    md("## A kept variable: `%export VAR PATH`\n\n"
       "Any table or documents kept with `--out` can be written later. Documents are kept whole in JSON Lines, as "
       "relaxed Extended JSON (what `mongoexport` writes); in CSV, Parquet and Arrow each top-level field becomes "
       "a column (a missing field is null), and nested documents and arrays are JSON text in their cell."),
    code("%%mql --out people\n"
         "use export_lesson\n"
         "db.people.drop()\n"
         "db.people.insertMany([{_id: 1, name: 'Ada', born: 1815, tags: ['math'], address: {city: 'London'}},\n"
         "                      {_id: 2, name: 'Alan', born: 1912, score: 1.5}])\n"
         "db.people.find().sort({_id: 1})",
         contains=["Ada", "Alan"]),
    code("%export people export_people.jsonl --force", contains=["exported 2 rows to export_people.jsonl (JSON Lines,"]),
    code("%export people export_people_flat.parquet --force",
         contains=["exported 2 rows to export_people_flat.parquet (Parquet,"]),
    md("## Back in: `%import VAR PATH`\n\n"
       "A CSV, Parquet or Arrow file becomes a table variable (CSV column types are inferred from the first 1,000 "
       "rows); a JSON Lines file becomes documents. The variable works like any `--out` result — here the Parquet "
       "file from PostgreSQL goes into MongoDB:"),
    code("%import squares export_squares.parquet", contains=["imported export_squares.parquet (Parquet) into squares: table, 100000 rows"]),
    code("%%mql\nuse export_lesson\ndb.squares.insertMany({{squares}})\ndb.squares.countDocuments()",
         contains=["100000"]),
    md("## From a MongoDB cursor: `%%mql --export`\n\n"
       "A `%%mql` cell's last `find()` or `aggregate()` streams to a file the same way: documents are written as "
       "the cursor hands them over, batch by batch, past the display limit and without being kept. JSON Lines "
       "writes each document whole as relaxed Extended JSON:"),
    code("%%mql --export export_squares_mongo.jsonl --force\n"
         "use export_lesson\n"
         "db.squares.find({}, {_id: 0}).sort({n: 1})",
         contains=["exported 100000 rows to export_squares_mongo.jsonl (JSON Lines,"]),
    md("CSV, Parquet and Arrow need columns before the first row is written: they are taken from the first 1,000 "
       "documents, as `%export` takes them (one per top-level field, nested values as JSON text). `$project` says "
       "exactly which fields become columns:"),
    code("%%mql --export export_squares_mongo.parquet --force\n"
         "use export_lesson\n"
         "db.squares.aggregate([{$match: {n: {$lte: 1000}}}, {$sort: {n: 1}}, {$project: {_id: 0, n: 1, square: 1}}])",
         contains=["exported 1000 rows to export_squares_mongo.parquet (Parquet,"]),
    md("A later document with a field those first documents did not have (or a value its column cannot hold) "
       "stops the export and says which document, rather than dropping the value; nothing is left under the "
       "file's name. Use JSON Lines, or `$project` the fields:"),
    code("%%mql --export export_late.csv --force\n"
         "use export_lesson\n"
         "db.squares.aggregate([{$sort: {n: 1}}, {$project: {_id: 0, n: 1, late: {$cond: [{$eq: ['$n', 5000]}, 'here', '$$REMOVE']}}}])",
         error="ExportError", contains=["document 5000 has the field 'late'", "export to .jsonl"]),
    md("## A Redis reply: `%%redis --export`\n\n"
       "The cell's last reply goes to the file as `%export` writes a kept one, shaped by its command: a hash "
       "(`HGETALL`, `HSCAN`) as `field`, `value`; a sorted set with scores (`ZRANGE … WITHSCORES`) as "
       "`member`, `score`; a list, a set or `SCAN`'s keys as `value`:"),
    code("%%redis\nDEL export_lesson:scores\nZADD export_lesson:scores 3 ada 5 alan 4.5 grace", contains=["3"]),
    code("%%redis --export export_scores.csv --force\nZRANGE export_lesson:scores 0 -1 WITHSCORES",
         contains=["exported 3 rows to export_scores.csv (CSV,"]),
    code("%%redis\nDEL export_lesson:scores", contains=["1"]),
    md("Clean up the lesson's database (the files stay in the notebook's folder):"),
    code("%%mql\nuse export_lesson\ndb.dropDatabase()", contains=["ok"]),
]
