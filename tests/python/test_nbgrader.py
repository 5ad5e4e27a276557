"""The sample assignment under notebooks/assignments/ through the real nbgrader (PyPI):
generate_assignment strips the solution and hidden-test markers of all three languages, and
autograde gives the right submission (alice) full points and the wrong one (bob) zero, cell by
cell, with nothing on stderr in the graded notebooks."""
import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from conftest import ROOT

ASSIGNMENTS = os.path.join(ROOT, "notebooks", "assignments")
NAME = "employees"
POINTS = {"q1_check": 2, "q2_check": 2, "q3_check": 2, "q4_check": 1}
MARKERS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")


def nbgrader(course, *args):
    bin_dir = os.path.dirname(sys.executable)
    env = dict(os.environ, PATH=bin_dir + os.pathsep + os.environ.get("PATH", ""))
    proc = subprocess.run([os.path.join(bin_dir, "nbgrader"), *args], cwd=course, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    return proc


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = tmp_path_factory.mktemp("course")
    shutil.copy(os.path.join(ASSIGNMENTS, "nbgrader_config.py"), course)
    shutil.copytree(os.path.join(ASSIGNMENTS, "source"), course / "source")
    shutil.copytree(os.path.join(ASSIGNMENTS, "submitted"), course / "submitted")
    nbgrader(course, "generate_assignment", NAME, "--force")
    nbgrader(course, "autograde", NAME, "--create", "--force")
    return course


def test_generate_assignment_strips_every_languages_markers_and_matches_the_shipped_student_version(course):
    generated = nbformat.read(course / "release" / NAME / f"{NAME}.ipynb", as_version=4)
    shipped = nbformat.read(os.path.join(ASSIGNMENTS, "release", NAME, f"{NAME}.ipynb"), as_version=4)
    assert [c.source for c in generated.cells] == [c.source for c in shipped.cells]
    teacher = nbformat.read(os.path.join(ASSIGNMENTS, "source", NAME, f"{NAME}.ipynb"), as_version=4)
    teacher_code = "\n".join(c.source for c in teacher.cells)
    for marker in ("-- BEGIN SOLUTION", "// BEGIN SOLUTION", "# BEGIN SOLUTION", "-- BEGIN HIDDEN TESTS"):
        assert marker in teacher_code, marker
    for cell in generated.cells:
        for marker in MARKERS:
            assert marker not in cell.source, cell.source
    sources = {c.metadata["nbgrader"]["grade_id"]: c.source for c in generated.cells if "nbgrader" in c.metadata}
    assert sources["q3_answer"] == "%%mql --out q3\n-- YOUR ANSWER HERE"
    assert sources["q4_answer"] == "%%redis --out q4\n-- YOUR ANSWER HERE"
    assert "SELECT dept, avg(salary)" not in sources["q2_check"]


def scores(course, student):
    from nbgrader.api import Gradebook
    with Gradebook(f"sqlite:///{course / 'gradebook.db'}") as gb:
        nb = gb.find_submission_notebook(NAME, NAME, student)
        return {grade.name: (grade.score, grade.max_score) for grade in nb.grades}


def test_the_right_submission_gets_full_points_in_every_cell(course):
    assert scores(course, "alice") == {cell: (points, points) for cell, points in POINTS.items()}


def test_the_wrong_submission_gets_zero_in_every_cell(course):
    assert scores(course, "bob") == {cell: (0, points) for cell, points in POINTS.items()}


def graded(course, student):
    return nbformat.read(course / "autograded" / student / NAME / f"{NAME}.ipynb", as_version=4)


def test_graded_notebooks_have_no_stderr_and_failures_say_what_differs(course):
    for student in ("alice", "bob"):
        for cell in graded(course, student).cells:
            for output in cell.get("outputs", []):
                assert not (output.output_type == "stream" and output.name == "stderr"), (student, cell.source, output)
    bob = {c.metadata["nbgrader"]["grade_id"]: c for c in graded(course, "bob").cells if "nbgrader" in c.metadata}
    errors = {gid: [o for o in cell.outputs if o.output_type == "error"] for gid, cell in bob.items() if gid in POINTS}
    for gid, found in errors.items():
        assert [e.ename for e in found] == ["CheckFailed"], (gid, found)
    assert "extra row (in the result, not expected): name = 'Linus', salary = 95000" in "\n".join(errors["q1_check"][0].traceback)
    assert "the same documents are there, in another order" in "\n".join(errors["q3_check"][0].traceback)
    assert "missing element (expected, not in the result): 'sql'" in "\n".join(errors["q4_check"][0].traceback)
    alice = {c.metadata["nbgrader"]["grade_id"]: c for c in graded(course, "alice").cells if "nbgrader" in c.metadata}
    text = "\n".join(o.data["text/plain"] for o in alice["q1_check"].outputs if o.output_type == "execute_result")
    assert text.startswith("✓ q1 matches the expected table: 2 rows match"), text
