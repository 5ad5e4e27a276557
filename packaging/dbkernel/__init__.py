"""The dbkernel wheel's Python side: only finds the binary the wheel installed.

Everything the kernel does is in the binary; this module exists so the wheel's kernelspec can
start the kernel as `python -m dbkernel kernel -f ...` (see __main__.py).
"""

import os
import shutil
import sys
import sysconfig

_NAME = "dbkernel.exe" if os.name == "nt" else "dbkernel"


def find_binary() -> str:
    """The dbkernel binary installed beside this package (a venv, the system or --user)."""
    schemes = [None]
    user_scheme = f"{os.name}_user"
    if user_scheme in sysconfig.get_scheme_names():
        schemes.append(user_scheme)
    for scheme in schemes:
        scripts = sysconfig.get_path("scripts") if scheme is None else sysconfig.get_path("scripts", scheme)
        candidate = os.path.join(scripts, _NAME)
        if os.path.isfile(candidate):
            return candidate
    # pip --target or a relocated environment: the binary may still be on PATH.
    found = shutil.which(_NAME)
    if found:
        return found
    raise FileNotFoundError(
        f"the dbkernel binary was not found in {sysconfig.get_path('scripts')} or on PATH; "
        f"reinstall the wheel ({sys.executable} -m pip install --force-reinstall dbkernel)"
    )
