"""The course covers the guides: every `##` and `###` heading of the seeds ($DBKERNEL_SHARED/seeds/*.txt)
is mapped in notebooks/COVERAGE.md to cells that exist, as code cells with checked outputs, in the
committed notebooks (which test_notebooks.py runs). Parses the seeds itself, independently of
notebooks/make_coverage.py, which writes the file."""
import collections
import os
import re

import nbformat
import pytest

from conftest import ROOT

COVERAGE = os.path.join(ROOT, "notebooks", "COVERAGE.md")
CELL_ID = re.compile(r"^(?P<notebook>[0-9A-Za-z_-]+)-\d{3}$")


def seeds_dir():
    candidates = [os.environ.get("DBKERNEL_SHARED"), os.path.join(ROOT, "..", "shared"), "/work/shared"]
    for base in filter(None, candidates):
        path = os.path.join(base, "seeds")
        if os.path.isdir(path):
            return path
    pytest.fail("the guides (seeds/*.txt in the shared folder) were not found: set DBKERNEL_SHARED (scripts/test.sh does)")


def seed_headings():
    """Counter of (seed file, heading line) for the ## and ### headings outside code fences."""
    found = collections.Counter()
    directory = seeds_dir()
    for name in sorted(os.listdir(directory)):
        if not name.endswith(".txt"):
            continue
        fenced = False
        with open(os.path.join(directory, name), encoding="utf-8") as f:
            for line in f:
                line = line.rstrip()
                if line.startswith("```"):
                    fenced = not fenced
                elif not fenced and re.match(r"^#{2,3} \S", line):
                    found[(name, line)] += 1
    return found


def coverage_rows():
    """(seed file, heading, [cell ids]) for each table row of COVERAGE.md."""
    rows = []
    with open(COVERAGE, encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^\| (?P<seed>[^|`]+\.txt) \| `(?P<heading>[^`]+)` \| [^|]* \| (?P<cells>[^|]*) \|$", line.rstrip("\n"))
            if m:
                cells = [c.strip() for c in m["cells"].split(",") if c.strip()]
                rows.append((m["seed"].strip(), m["heading"], cells))
    return rows


def test_the_seeds_have_headings_to_cover():
    assert sum(seed_headings().values()) >= 77


def test_every_heading_of_every_guide_is_mapped_once_per_occurrence():
    expected = seed_headings()
    mapped = collections.Counter((seed, heading) for seed, heading, _ in coverage_rows())
    missing = expected - mapped
    extra = mapped - expected
    assert not missing, f"headings of the guides without a row in notebooks/COVERAGE.md: {sorted(missing)}"
    assert not extra, f"rows in notebooks/COVERAGE.md for headings the guides do not have: {sorted(extra)}"


def test_every_mapped_cell_is_a_checked_code_cell_of_a_committed_notebook():
    notebooks = {}
    for seed, heading, cells in coverage_rows():
        assert cells, f"{seed} {heading!r}: no cells"
        for cell_id in cells:
            m = CELL_ID.match(cell_id)
            assert m, f"{seed} {heading!r}: {cell_id!r} is not a cell id (<notebook>-NNN)"
            name = m["notebook"]
            path = os.path.join(ROOT, "notebooks", f"{name}.ipynb")
            assert os.path.exists(path), f"{seed} {heading!r}: notebook {name}.ipynb does not exist"
            if name not in notebooks:
                notebooks[name] = {c.id: c for c in nbformat.read(path, as_version=4).cells}
            cell = notebooks[name].get(cell_id)
            assert cell is not None, f"{seed} {heading!r}: {name}.ipynb has no cell {cell_id}"
            assert cell.cell_type == "code", f"{seed} {heading!r}: {cell_id} is not a code cell"
            assert cell.metadata.get("dbkernel", {}).get("expect"), f"{seed} {heading!r}: {cell_id} checks no output"
