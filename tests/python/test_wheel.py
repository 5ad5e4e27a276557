"""The wheel (issue 19): `pip install` of it into a fresh venv is the whole installation.

The kernelspec and the labextension are in the venv's share/jupyter, Jupyter finds the kernel
from the venv alone and runs a notebook on it, and the binary the wheel installed still writes a
user kernelspec (`dbkernel install --user`) for other set-ups.
"""
import json
import os

import nbformat

from wheel_venv import wheel_venv

DISPLAY_NAME = "Databases (SQL · MQL · Redis)"


def kernelspecs(venv, env):
    done = venv.run(venv.bin("jupyter"), "kernelspec", "list", "--json", env=env)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)["kernelspecs"]


def test_the_venv_alone_has_the_kernelspec_and_the_labextension():
    venv = wheel_venv()
    spec = kernelspecs(venv, venv.env())["dbkernel"]
    assert spec["resource_dir"] == os.path.join(venv.prefix, "share", "jupyter", "kernels", "dbkernel")
    assert spec["spec"]["argv"] == ["python", "-m", "dbkernel", "kernel", "-f", "{connection_file}"]
    assert spec["spec"]["display_name"] == DISPLAY_NAME
    assert spec["spec"]["interrupt_mode"] == "message"
    assert sorted(os.listdir(spec["resource_dir"])) == ["kernel.json", "logo-32x32.png", "logo-64x64.png", "logo-svg.svg"]
    done = venv.run(venv.bin("jupyter"), "labextension", "list")
    listing = done.stdout + done.stderr
    line = next((l for l in listing.splitlines() if "dbkernel-labextension" in l), "")
    assert "enabled" in line and "OK" in line, listing


def notebook(*sources):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "dbkernel", "display_name": DISPLAY_NAME, "language": "sql"}
    nb.cells = [nbformat.v4.new_code_cell(source) for source in sources]
    return nb


def execute(venv, tmp_path, nb, env):
    path = tmp_path / "run.ipynb"
    nbformat.write(nb, path)
    done = venv.run(venv.bin("jupyter"), "nbconvert", "--to", "notebook", "--execute",
                    "--output", "executed.ipynb", str(path), env=env)
    assert done.returncode == 0, done.stdout + done.stderr
    return nbformat.read(tmp_path / "executed.ipynb", as_version=4)


def text_of(cell):
    return "".join(
        output.get("text", "") or output.get("data", {}).get("text/plain", "") for output in cell.outputs
    )


def test_a_notebook_runs_on_the_kernel_found_from_the_venv(tmp_path):
    venv = wheel_venv()
    executed = execute(venv, tmp_path, notebook(
        "SELECT 1 + 1 AS two;",
        '%%mql\ndb.pets.insertOne({ _id: 1, name: "Rex" })',
        "%%mql\ndb.pets.find()",
    ), venv.env())
    sql, insert, find = executed.cells
    # psql's layout for one integer column (SQLite in memory, the default SQL connection).
    assert [line.strip() for line in text_of(sql).splitlines()][:4] == ["two", "-----", "2", "(1 row)"]
    # mongosh's printing of insertOne and find (the embedded engine, the default for MQL).
    assert text_of(insert).strip() == "{ acknowledged: true, insertedId: 1 }"
    assert text_of(find).splitlines()[0] == "[ { _id: 1, name: 'Rex' } ]"


def test_install_user_from_the_wheel_binary_still_works(tmp_path):
    venv = wheel_venv()
    home = tmp_path / "home"
    home.mkdir()
    # jupyter_core puts a venv's own share/jupyter before the user's; this says the user's first,
    # as outside a venv, so the run below uses the spec `install --user` wrote.
    env = venv.env(HOME=str(home), JUPYTER_PREFER_ENV_PATH="0")
    done = venv.run(venv.bin("dbkernel"), "install", "--user", env=env)
    assert done.returncode == 0, done.stderr
    user_dir = home / ".local" / "share" / "jupyter" / "kernels" / "dbkernel"
    spec = json.loads((user_dir / "kernel.json").read_text())
    assert spec["argv"] == [os.path.realpath(venv.bin("dbkernel")), "kernel", "-f", "{connection_file}"]
    assert kernelspecs(venv, env)["dbkernel"]["resource_dir"] == str(user_dir)
    executed = execute(venv, tmp_path, notebook("SELECT 'user' AS spec;"), env)
    assert "user" in text_of(executed.cells[0])
