#!/usr/bin/env python3
"""Writes the shipped notebooks from the cell lists below, so they stay reviewable as code.

Each code cell may carry expectations in its metadata (`dbkernel.expect`), checked by
tests/python/test_notebooks.py after the notebook runs:
  contains:  strings that must appear in the cell's text/plain outputs (or stream text)
  html:      strings that must appear in its text/html output
  error:     the error name prefix the cell must fail with (the cell is tagged raises-exception)
Run: python3 notebooks/make_notebooks.py
"""
import os

import nbformat

HERE = os.path.dirname(os.path.abspath(__file__))


def md(text):
    return nbformat.v4.new_markdown_cell(text)


def code(source, contains=(), html=(), error=None):
    expect = {}
    if contains:
        expect["contains"] = list(contains)
    if html:
        expect["html"] = list(html)
    metadata = {}
    if error:
        expect["error"] = error
        metadata["tags"] = ["raises-exception"]
    if expect:
        metadata["dbkernel"] = {"expect": expect}
    return nbformat.v4.new_code_cell(source, metadata=metadata)


def notebook(cells):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "dbkernel", "display_name": "Databases (SQL · MQL · Redis)", "language": "sql"}
    nb.metadata["language_info"] = {"name": "sql", "file_extension": ".sql", "mimetype": "text/x-sql"}
    nb.cells = cells
    return nb


INTRO = [
    md("# dbkernel: a first tour\n\nOne notebook, three query languages. This tour uses only what runs with nothing "
       "configured: SQLite in memory for `%%sql`. Every cell here is executed by the test suite and its output checked."),
    md("## Getting help\n\n`%help` lists every magic; `%help NAME` explains one; `%connect?` opens the same text in the pager."),
    code("%help connect", contains=["%connect NAME URL", "postgresql://"]),
    code("%echo Hello from dbkernel", contains=["Hello from dbkernel"]),
    md("## Connections\n\nEach language has a current connection. With nothing configured, SQL runs on SQLite in memory, "
       "MQL on the embedded MongoDB-compatible engine, Redis on 127.0.0.1:6379. Connections open on first use; "
       "passwords are never shown."),
    code("%connections", contains=["default", "sqlite::memory:", "mongo", "embedded"]),
    md("## Variables\n\n`%set` stores a typed value; `%vars` lists what the kernel holds. Variables bind into SQL as "
       "parameters (`:name`), never spliced into the text."),
    code("%set limit_rows = 3\n%set greeting = 'hello'\n%vars", contains=["limit_rows", "int", "greeting", "text"]),
    md("## Mistakes are explained\n\nAn unknown magic names the ones that exist. (This cell is expected to fail.)"),
    code("%%sqll\nSELECT 1", error="UsageError"),
    md("The failed cell does not break the next one:"),
    code("%config display_limit = 20\n%config", contains=["display_limit = 20"]),
]


def main():
    for name, cells in [("intro", INTRO)]:
        path = os.path.join(HERE, f"{name}.ipynb")
        nbformat.write(notebook(cells), path)
        print("wrote", path)


if __name__ == "__main__":
    main()
