"""Shared fixtures for the Python-side tests: they talk to the installed kernelspec through
Jupyter's own clients (jupyter_client, nbclient, nbconvert), as users' tools do.

The test command (scripts/test.sh) installs the kernelspec under target/jupyter and points
JUPYTER_PATH at it; running pytest by hand needs the same (see README)."""
import os
import shutil

import pytest
from jupyter_client.kernelspec import KernelSpecManager

KERNEL_NAME = "dbkernel"
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


@pytest.fixture(scope="session", autouse=True)
def kernelspec_installed():
    try:
        KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    except Exception as e:  # noqa: BLE001 - any failure means the spec is not reachable
        pytest.fail(f"kernelspec '{KERNEL_NAME}' not found ({e}); run scripts/test.sh, or "
                    f"`dbkernel install --prefix target/jupyter` and set JUPYTER_PATH=target/jupyter/share/jupyter")


def jupyter_bin():
    """The `jupyter` next to this Python (the test venv)."""
    import sys
    candidate = os.path.join(os.path.dirname(sys.executable), "jupyter")
    return candidate if os.path.exists(candidate) else shutil.which("jupyter")
