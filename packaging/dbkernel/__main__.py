"""`python -m dbkernel ARGS`: runs the installed dbkernel binary with ARGS.

The wheel's kernel.json starts the kernel this way because a wheel cannot know where it will be
installed, and Jupyter replaces a leading "python" with the interpreter of the environment it
runs from: the kernel is then found from that environment alone, even when its bin/ is not on
PATH. On POSIX the binary replaces this process (same PID, so signals and JPY_PARENT_PID work
as if Jupyter had started it directly).
"""

import os
import subprocess
import sys

from dbkernel import find_binary


def main() -> None:
    binary = find_binary()
    if os.name == "nt":
        sys.exit(subprocess.call([binary, *sys.argv[1:]]))
    os.execv(binary, [binary, *sys.argv[1:]])


if __name__ == "__main__":
    main()
