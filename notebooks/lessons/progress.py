"""Cells of notebooks/progress.ipynb: the live progress line of a long statement, and that a saved
notebook keeps only the results (the line is replaced in place, through its display id)."""
from cells import code, md

NAME = "progress"

CELLS = [
    md("# Progress on long cells\n\n"
       "A statement that runs for more than a second shows a live line under the cell — "
       "`⏳ 2.5 s · 12,345 rows so far · statement 2 of 3` — redrawn about twice a second. "
       "When the statement's result arrives it takes the line's place, so the notebook you save "
       "(or the one `nbconvert --execute` writes) holds only the results. Statements that finish "
       "within a second never show it, and a failed or stopped statement leaves no line behind. "
       "Under nbgrader (or `%config deterministic = true`) there is no progress at all, so outputs "
       "stay identical from run to run."),
    code("%connect pg postgresql://postgres@127.0.0.1:5432/test\n"
         "%%sql pg\n"
         "SELECT 1 AS quick;\n"
         "SELECT pg_sleep(1.5) AS slept, 'finished' AS status;\n"
         "SELECT count(*) AS n FROM generate_series(1, 1000)",
         contains=["quick", "finished", "1000"], absent=["⏳", "so far", "statement 2 of 3"]),
    md("Rows are counted while they arrive, and MongoDB documents likewise:"),
    code("%%sql pg --limit 3\n"
         "SELECT g, repeat('x', 1000) AS pad, pg_sleep(0.004) FROM generate_series(1, 400) g",
         contains=["(shown 3 of 400 rows)"], absent=["⏳", "rows so far"]),
]
