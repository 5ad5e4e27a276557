"""Builders the course lessons (NN-topic.py) share: exercises with a checked answer, and the
clean-up cell every lesson ends with, so each lesson runs again and in any order."""
from cells import code, md

# %%check (docs/checks.md, issue 16) checks an answer kept with --out; False leaves only the answer
# cell's own expectations (for a kernel without %%check).
CHECKS = True


def exercise(number, task, answer, out, contains=(), check=None, html=()):
    """An exercise: the task, the reference answer (kept as `out`) and the check of that answer.

    `answer` is the cell body after its magic line, which must end with `--out {out}`."""
    cells = [md(f"### Exercise {number}\n\n{task}\n\n*The next cell is the reference answer; replace it with "
                f"yours and run the check below it.*"),
             code(answer, contains=contains, html=html)]
    if check is not None and CHECKS:
        cells.append(code(f"%%check {out}" + check, contains=[f"✓ {out} matches"]))
    return cells
