#!/usr/bin/env python3
"""Writes the sample nbgrader assignment "employees" from this file, so it reviews as code.

  source/employees/employees.ipynb                  the teacher's version (solutions, hidden tests)
  release/employees/employees.ipynb                 the student version, made by `nbgrader generate_assignment`
  submitted/alice/employees/employees.ipynb         a right submission (the student version, answered)
  submitted/bob/employees/employees.ipynb           a wrong one

Run from anywhere: .venv/bin/python notebooks/assignments/make_assignment.py
(needs nbgrader in the environment; tests/python/test_nbgrader.py grades the submissions).
"""
import os
import shutil
import subprocess
import sys
import tempfile

import nbformat

HERE = os.path.dirname(os.path.abspath(__file__))
NAME = "employees"
LANGUAGE = "sql"


def md(text):
    return nbformat.v4.new_markdown_cell(text)


def setup(grade_id, source):
    """A locked cell that prepares data: nbgrader restores it before grading."""
    return _code(source, grade_id, solution=False, grade=False, locked=True)


def answer(grade_id, source):
    return _code(source, grade_id, solution=True, grade=False, locked=False)


def test(grade_id, source, points):
    return _code(source, grade_id, solution=False, grade=True, locked=True, points=points)


def _code(source, grade_id, solution, grade, locked, points=None):
    meta = {"schema_version": 3, "grade_id": grade_id, "solution": solution, "grade": grade, "locked": locked}
    if points is not None:
        meta["points"] = points
    return nbformat.v4.new_code_cell(source, metadata={"nbgrader": meta})


CELLS = [
    md("# Employees: SQL, MongoDB and Redis\n\nAnswer each exercise in the cell under it. Keep the first line of each "
       "answer cell as it is: `--out q1` keeps your result so that the check below can compare it. Run the check cell "
       "to see whether your answer is right; a wrong answer lists what is missing or extra."),
    setup("setup_sql",
          "%%sql\nDROP TABLE IF EXISTS emp;\nCREATE TABLE emp (name TEXT, dept TEXT, salary NUMERIC);\n"
          "INSERT INTO emp VALUES ('Ada', 'eng', 120000), ('Grace', 'ops', 110000), ('Linus', 'eng', 95000), "
          "('Barbara', 'ops', 90000);"),
    md("## 1. Who earns more than 100 000?\n\nList `name` and `salary` of the employees earning more than 100000."),
    answer("q1_answer", "%%sql --out q1\n-- BEGIN SOLUTION\nSELECT name, salary FROM emp WHERE salary > 100000\n-- END SOLUTION"),
    test("q1_check", "%%check q1\n name  | salary\n-------+--------\n Ada   | 120000\n Grace | 110000", 2),
    md("## 2. Average salary per department\n\nOne row per department: `dept` and the average salary as `mean`."),
    answer("q2_answer", "%%sql --out q2\n-- BEGIN SOLUTION\nSELECT dept, avg(salary) AS mean FROM emp GROUP BY dept\n-- END SOLUTION"),
    test("q2_check",
         "%%check q2 --sql --digits 2\n-- the grader compares q2 with its own query\n-- BEGIN HIDDEN TESTS\n"
         "SELECT dept, avg(salary) AS mean FROM emp GROUP BY dept\n-- END HIDDEN TESTS", 2),
    setup("setup_mql",
          "%%mql\nuse school\ndb.emp.drop()\ndb.emp.insertMany([\n  { name: 'Ada', dept: 'eng', salary: 120000 },\n"
          "  { name: 'Grace', dept: 'ops', salary: 110000 },\n  { name: 'Linus', dept: 'eng', salary: 95000 }\n])"),
    md("## 3. Engineers, best paid first (MongoDB)\n\nThe `name` of each engineer (`dept: 'eng'`) in `school.emp`, "
       "highest salary first, without `_id`."),
    answer("q3_answer",
           "%%mql --out q3\n// BEGIN SOLUTION\ndb.emp.find({ dept: 'eng' }, { _id: 0, name: 1 }).sort({ salary: -1 })\n// END SOLUTION"),
    test("q3_check", "%%check q3 --ordered\n[{ name: 'Ada' }, { name: 'Linus' }]", 2),
    setup("setup_redis", "%%redis\nDEL school:tags\nSADD school:tags sql nosql redis"),
    md("## 4. Tags (Redis)\n\nThe members of the set `school:tags`."),
    answer("q4_answer", "%%redis --out q4\n# BEGIN SOLUTION\nSMEMBERS school:tags\n# END SOLUTION"),
    test("q4_check", "%%check q4\n['nosql', 'redis', 'sql']", 1),
]

# What each student wrote in place of the stub, by answer cell.
SUBMISSIONS = {
    "alice": {
        "q1_answer": "SELECT name, salary FROM emp WHERE salary > 100000 ORDER BY name",
        "q2_answer": "SELECT dept, round(avg(salary), 2) AS mean FROM emp GROUP BY dept",
        "q3_answer": "db.emp.find({ dept: 'eng' }, { name: 1, _id: 0 }).sort({ salary: -1 })",
        "q4_answer": "SMEMBERS school:tags",
    },
    "bob": {
        "q1_answer": "SELECT name, salary FROM emp WHERE salary >= 90000",
        "q2_answer": "SELECT dept, max(salary) AS mean FROM emp GROUP BY dept",
        "q3_answer": "db.emp.find({ dept: 'eng' }, { _id: 0, name: 1 }).sort({ name: -1 })",
        "q4_answer": "SMEMBERS school:topics",
    },
}


def notebook(cells):
    nb = nbformat.v4.new_notebook()
    for index, cell in enumerate(cells):
        cell.id = f"{NAME}-{index:03d}"
    nb.metadata["kernelspec"] = {"name": "dbkernel", "display_name": "Databases (SQL · MQL · Redis)", "language": LANGUAGE}
    nb.metadata["language_info"] = {"name": "sql", "file_extension": ".sql", "mimetype": "text/x-sql"}
    nb.cells = cells
    return nb


def answered(release, answers):
    """The student version with each answer cell's stub line replaced by the student's text."""
    nb = nbformat.read(release, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in answers:
            assert "-- YOUR ANSWER HERE" in cell.source, cell.source
            cell.source = cell.source.replace("-- YOUR ANSWER HERE", answers[grade_id])
    return nb


def main():
    source = os.path.join(HERE, "source", NAME, f"{NAME}.ipynb")
    os.makedirs(os.path.dirname(source), exist_ok=True)
    nbformat.write(notebook(CELLS), source)
    print("wrote", source)
    # The student version comes from nbgrader itself, in a scratch course so no gradebook is left here.
    with tempfile.TemporaryDirectory() as course:
        shutil.copy(os.path.join(HERE, "nbgrader_config.py"), course)
        shutil.copytree(os.path.join(HERE, "source"), os.path.join(course, "source"))
        bin_dir = os.path.dirname(sys.executable)
        # nbgrader runs `alembic` from PATH to create its gradebook.
        env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""))
        subprocess.run([os.path.join(bin_dir, "nbgrader"), "generate_assignment", NAME, "--force"],
                       cwd=course, check=True, env=env)
        release = os.path.join(HERE, "release", NAME, f"{NAME}.ipynb")
        os.makedirs(os.path.dirname(release), exist_ok=True)
        shutil.copy(os.path.join(course, "release", NAME, f"{NAME}.ipynb"), release)
        print("wrote", release)
    for student, answers in SUBMISSIONS.items():
        path = os.path.join(HERE, "submitted", student, NAME, f"{NAME}.ipynb")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        nbformat.write(answered(release, answers), path)
        print("wrote", path)


if __name__ == "__main__":
    main()
