"""A fresh virtual environment with the dbkernel wheel and JupyterLab + Notebook 7 from PyPI,
made once per pytest process for test_wheel.py and test_lab_highlight.py.

The wheel is the one scripts/build_wheel.sh made (DBKERNEL_WHEEL, else target/wheels). Jupyter
then runs with an environment that knows nothing else: a new HOME, no JUPYTER_PATH, no
VIRTUAL_ENV, and a PATH without the venv's bin/ nor target/: what it finds comes from the venv.
"""
import atexit
import functools
import glob
import os
import shutil
import subprocess
import sys
import tempfile

import pytest

from conftest import ROOT


def wheel_path():
    given = os.environ.get("DBKERNEL_WHEEL")
    found = [given] if given else sorted(glob.glob(os.path.join(ROOT, "target", "wheels", "dbkernel-*.whl")))
    if not found or not os.path.isfile(found[-1]):
        message = "no dbkernel wheel: run scripts/build_wheel.sh (the test command does)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found[-1]


class WheelVenv:
    def __init__(self, root, wheel):
        self.root = root
        self.wheel = wheel
        self.prefix = os.path.join(root, "venv")
        self.home = os.path.join(root, "home")
        os.makedirs(self.home)

    def bin(self, name):
        return os.path.join(self.prefix, "bin", name)

    def env(self, **extra):
        """An environment that shares nothing with the test run's Jupyter set-up."""
        keep = {k: v for k, v in os.environ.items() if k in ("LANG", "LC_ALL", "TMPDIR", "TERM")}
        keep.update(PATH="/usr/local/bin:/usr/bin:/bin", HOME=self.home)
        keep.update(extra)
        return keep

    def run(self, *args, env=None, timeout=300):
        return subprocess.run(args, env=env or self.env(), capture_output=True, text=True, timeout=timeout)


@functools.lru_cache(maxsize=None)
def _make(wheel):
    root = tempfile.mkdtemp(prefix="dbkernel-wheel-test-")
    atexit.register(shutil.rmtree, root, ignore_errors=True)
    venv = WheelVenv(root, wheel)
    subprocess.run([sys.executable, "-m", "venv", venv.prefix], check=True)
    # pip itself may use the machine's index settings (PIP_* variables), so not venv.env() here.
    pip_env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH", "JUPYTER_PATH")}
    done = subprocess.run(
        [venv.bin("python"), "-m", "pip", "install", "-q", "--disable-pip-version-check",
         wheel, "jupyterlab>=4,<5", "notebook>=7,<8"],
        env=pip_env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout + done.stderr
    return venv


def wheel_venv():
    return _make(wheel_path())
