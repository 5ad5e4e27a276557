"""Cells of notebooks/intro.ipynb."""
from cells import code, md

NAME = "intro"

CELLS = [
    md("# dbkernel: a first tour\n\nOne notebook, three query languages. This tour uses only what runs with nothing "
       "configured: SQLite in memory for `%%sql` and the embedded MongoDB-compatible engine for `%%mql`. Every cell here "
       "is executed by the test suite and its output checked."),
    md("## Getting help\n\n`%help` lists every magic; `%help NAME` explains one; `%connect?` opens the same text in the pager."),
    code("%help connect", contains=["%connect NAME URL", "postgresql://"]),
    code("%echo Hello from dbkernel", contains=["Hello from dbkernel"]),
    md("## Connections\n\nEach language has a current connection. With nothing configured, SQL runs on SQLite in memory, "
       "MQL on the embedded MongoDB-compatible engine, Redis on 127.0.0.1:6379. Connections open on first use; "
       "passwords are never shown."),
    code("%connections", contains=["default", "sqlite::memory:", "mongo", "embedded"]),
    md("## One notebook, three languages\n\nA plain cell is SQL (SQLite in memory here):"),
    code("SELECT 'hello' AS greeting, 6 * 7 AS answer", contains=["greeting", "hello", "42", "(1 row)"], html=["<table", "1 row"]),
    md("`%%mql` runs MongoDB shell syntax on the embedded engine, through the official driver:"),
    code("%%mql\nuse tour\ndb.planets.insertMany([{ name: 'Mercury', moons: 0 }, { name: 'Earth', moons: 1 }, { name: 'Mars', moons: 2 }])\n"
         "db.planets.find({ moons: { $gt: 0 } }, { _id: 0 }).sort({ moons: -1 })",
         contains=["insertedIds", "name: 'Mars', moons: 2", "name: 'Earth', moons: 1", "(2 documents)"]),
    md("`%%redis` runs Redis commands (on `REDIS_URL` or 127.0.0.1:6379); see `redis.ipynb`."),
    md("## Variables\n\n`%set` stores a typed value; `%vars` lists what the kernel holds. Variables bind into SQL as "
       "parameters (`:name`), never spliced into the text."),
    code("%set limit_rows = 3\n%set greeting = 'hello'\n%vars", contains=["limit_rows", "int", "greeting", "text"]),
    md("## Mistakes are explained\n\nAn unknown magic names the ones that exist. (This cell is expected to fail.)"),
    code("%%sqll\nSELECT 1", error="UsageError"),
    md("The failed cell does not break the next one:"),
    code("%config display_limit = 20\n%config", contains=["display_limit = 20"]),
]
