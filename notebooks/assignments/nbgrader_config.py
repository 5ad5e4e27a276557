# nbgrader configuration for a course taught with the dbkernel kernel ("Databases (SQL · MQL · Redis)").
# Copy this file into your course directory (the folder that holds source/, release/, submitted/).
c = get_config()  # noqa: F821 (nbgrader provides get_config)

c.CourseDirectory.course_id = "databases"

# nbgrader replaces each solution region with the stub of the notebook's kernel language. The
# kernel's language is "sql" for all three cell languages; it blanks this line in %%sql, %%mql
# and %%redis cells alike, and a cell holding only the stub fails with "this exercise has no
# answer yet" (NotAnswered) instead of a syntax error.
c.ClearSolutions.code_stub = {"sql": "-- YOUR ANSWER HERE"}
c.ClearSolutions.text_stub = "YOUR ANSWER HERE"

# The markers are found anywhere in a line, so each language's comment works:
# -- BEGIN SOLUTION (SQL), // BEGIN SOLUTION (mongosh), # BEGIN SOLUTION (Redis),
# and the same with END SOLUTION, BEGIN HIDDEN TESTS, END HIDDEN TESTS.

# nbgrader's own per-cell timeout (30 s by default). Under nbgrader the kernel gives each
# statement less than that, so a runaway query fails its own cell with a clear message.
c.ExecutePreprocessor.timeout = 30
