"""Hatchling hooks for the dbkernel wheel.

Hatchling packs the files; this hook only says which: the binary named by DBKERNEL_BINARY (the
test command passes the debug binary its one cargo build made, the release script a release
binary; with neither, it runs `cargo build --release`), the kernelspec that binary writes, and
the built labextension. The kernelspec comes from `dbkernel install` itself so the wheel and
`dbkernel install --user` cannot drift apart; only argv[0] changes (see dbkernel/__main__.py).
"""

import json
import os
import re
import shutil
import subprocess
import tempfile
import sysconfig
from pathlib import Path

from hatchling.builders.hooks.plugin.interface import BuildHookInterface
from hatchling.metadata.plugin.interface import MetadataHookInterface

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
LABEXTENSION_NAME = "dbkernel-labextension"


def cargo_version() -> str:
    """The root Cargo package's version (its first `version = "..."` line, under [package])."""
    text = (REPO / "Cargo.toml").read_text(encoding="utf-8")
    package = text.split("[package]", 1)[1]
    match = re.search(r'^version\s*=\s*"([^"]+)"', package, flags=re.MULTILINE)
    if not match:
        raise RuntimeError(f"no version under [package] in {REPO / 'Cargo.toml'}")
    return match.group(1)


def platform_tag() -> str:
    """DBKERNEL_WHEEL_PLATFORM (the release script's manylinux tag), else this machine's."""
    explicit = os.environ.get("DBKERNEL_WHEEL_PLATFORM")
    if explicit:
        return explicit
    return sysconfig.get_platform().replace("-", "_").replace(".", "_")


class CustomMetadataHook(MetadataHookInterface):
    def update(self, metadata: dict) -> None:
        metadata["version"] = cargo_version()


class CustomBuildHook(BuildHookInterface):
    def initialize(self, version: str, build_data: dict) -> None:
        if self.target_name != "wheel":
            return
        binary = self._binary()
        self._staging = Path(tempfile.mkdtemp(prefix="dbkernel-wheel-"))
        staging = self._staging
        kernel_dir = self._kernelspec(binary, staging)
        labextension = Path(
            os.environ.get("DBKERNEL_LABEXTENSION", REPO / "target" / "labextension" / LABEXTENSION_NAME)
        )
        if not (labextension / "package.json").is_file():
            raise RuntimeError(
                f"the labextension is not built at {labextension}; run scripts/build_labextension.sh"
            )
        build_data["shared_scripts"][str(binary)] = "dbkernel"
        build_data["shared_data"][str(kernel_dir)] = "share/jupyter/kernels/dbkernel"
        build_data["shared_data"][str(labextension)] = f"share/jupyter/labextensions/{LABEXTENSION_NAME}"
        # The binary makes the wheel platform-specific, but any Python 3 can start it.
        build_data["pure_python"] = False
        build_data["tag"] = f"py3-none-{platform_tag()}"

    def finalize(self, version: str, build_data: dict, artifact_path: str) -> None:
        staging = getattr(self, "_staging", None)
        if staging is not None:
            shutil.rmtree(staging, ignore_errors=True)

    def _binary(self) -> Path:
        given = os.environ.get("DBKERNEL_BINARY")
        if given:
            binary = Path(given).resolve()
        else:
            subprocess.run(
                ["cargo", "build", "--release", "--locked", "--bin", "dbkernel"], cwd=REPO, check=True
            )
            binary = REPO / "target" / "release" / "dbkernel"
        if not binary.is_file():
            raise RuntimeError(f"DBKERNEL_BINARY={binary} is not a file")
        return binary

    def _kernelspec(self, binary: Path, staging: Path) -> Path:
        subprocess.run(
            [str(binary), "install", "--prefix", str(staging)], check=True, stdout=subprocess.DEVNULL
        )
        kernel_dir = staging / "share" / "jupyter" / "kernels" / "dbkernel"
        spec_path = kernel_dir / "kernel.json"
        spec = json.loads(spec_path.read_text(encoding="utf-8"))
        # Where the wheel will be installed is unknown now; Jupyter puts its own interpreter in
        # place of "python", and `python -m dbkernel` runs the binary installed beside it.
        spec["argv"] = ["python", "-m", "dbkernel", *spec["argv"][1:]]
        spec_path.write_text(json.dumps(spec, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        return kernel_dir
