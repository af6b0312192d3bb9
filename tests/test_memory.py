"""keep_freed_memory: applied once, inherited by child processes, and left alone when the user chose."""

from __future__ import annotations

import os
import subprocess
import sys

CHILD = "import os, pps_cli.memory as m; m.keep_freed_memory(); m.keep_freed_memory(); print(os.environ.get('MALLOC_MMAP_THRESHOLD_'))"


def _run(env: dict[str, str]) -> str:
    done = subprocess.run([sys.executable, "-c", CHILD], env=env, capture_output=True, text=True, check=True)
    return done.stdout.strip()


def test_thresholds_reach_child_processes_through_the_environment():
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    assert _run(env) == str(32 * 1024 * 1024)


def test_a_threshold_the_user_set_is_kept():
    env = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_")}
    assert _run({**env, "MALLOC_MMAP_THRESHOLD_": "65536"}) == "65536"
