"""The command line asks OpenCV for one thread per process (pps_cli.threads); the user's own setting wins."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

PROBE = """
import os, sys
if sys.argv[1] == "before":
    from pps_cli.threads import one_opencv_thread
    one_opencv_thread()
    import cv2
else:
    import cv2
    from pps_cli.threads import one_opencv_thread
    one_opencv_thread()
print(cv2.getNumThreads(), os.environ.get("OPENCV_FOR_THREADS_NUM"))
"""


def _run(when: str, **env: str) -> str:
    environment = {k: v for k, v in os.environ.items() if k != "OPENCV_FOR_THREADS_NUM"} | env
    done = subprocess.run([sys.executable, "-c", PROBE, when], capture_output=True, text=True, env=environment, check=True)
    return done.stdout.strip()


@pytest.mark.parametrize("when", ["before", "after"])
def test_one_thread_whether_opencv_is_imported_before_or_after(when):
    assert _run(when) == "1 1"


def test_the_users_own_thread_count_is_kept():
    assert _run("before", OPENCV_FOR_THREADS_NUM="2") == "2 2"


def test_commands_set_it_for_their_workers_and_the_library_does_not():
    probe = (
        "import os, sys\n"
        "from typer.testing import CliRunner\n"
        "import pps_cli\n"
        "before = os.environ.get('OPENCV_FOR_THREADS_NUM')\n"
        "from pps_cli.cli import app\n"
        "CliRunner().invoke(app, ['specs'])\n"
        "print(before, os.environ.get('OPENCV_FOR_THREADS_NUM'))\n"
    )
    environment = {k: v for k, v in os.environ.items() if k != "OPENCV_FOR_THREADS_NUM"}
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=environment, check=True)
    assert done.stdout.split() == ["None", "1"]
