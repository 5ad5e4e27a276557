#!/usr/bin/env python3
"""Writes the shipped notebooks from the lesson files in notebooks/lessons/ (one per notebook: NAME and CELLS), so they stay reviewable as code.

Each code cell may carry expectations in its metadata (`dbkernel.expect`), checked by
tests/python/test_notebooks.py after the notebook runs:
  contains:  strings that must appear in the cell's text/plain outputs (or stream text)
  html:      strings that must appear in its text/html output
  error:     the error name prefix the cell must fail with (the cell is tagged raises-exception)
  absent:    strings that must not appear in its text/plain outputs
  svg:       strings that must appear in its image/svg+xml output (a drawn plan)
Run: python3 notebooks/make_notebooks.py [NAME ...]   (names: only those notebooks)
"""
import importlib
import os
import sys

import nbformat

HERE = os.path.dirname(os.path.abspath(__file__))
LESSONS = os.path.join(HERE, "lessons")
sys.path.insert(0, LESSONS)

from cells import notebook  # noqa: E402


def lessons():
    """Every lesson module in notebooks/lessons/ (all but cells.py and helpers named _*.py), sorted by file name."""
    for file in sorted(os.listdir(LESSONS)):
        if file.endswith(".py") and file != "cells.py" and not file.startswith("_"):
            yield importlib.import_module(file[:-3])


def main():
    only = set(sys.argv[1:])
    for lesson in lessons():
        if only and lesson.NAME not in only:
            continue
        path = os.path.join(HERE, f"{lesson.NAME}.ipynb")
        nbformat.write(notebook(lesson.NAME, lesson.CELLS), path)
        print("wrote", path)


if __name__ == "__main__":
    main()
