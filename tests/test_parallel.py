"""The worker pool: input order, errors, and no hang after OpenCV has run in the parent."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from pps_cli.errors import PpsError
from pps_cli.parallel import parallel_map


def square_plus(item: int, context: int) -> int:
    return item * item + context


def fail_on_three(item: int, context: object) -> int:
    if item == 3:
        raise PpsError(f"file{item}.png", "broken")
    return item


@pytest.mark.parametrize("workers", [1, 2])
def test_results_keep_input_order_and_context(workers):
    assert list(parallel_map(square_plus, range(7), context=10, workers=workers)) == [10, 11, 14, 19, 26, 35, 46]


@pytest.mark.parametrize("workers", [1, 2])
def test_user_errors_from_workers_arrive_intact(workers):
    with pytest.raises(PpsError, match=r"^file3.png: broken$"):
        list(parallel_map(fail_on_three, range(5), workers=workers))


def test_no_hang_after_opencv_ran_multithreaded_in_the_parent():
    # Forking a process whose OpenCV thread pool is running used to hang the workers in their
    # first OpenCV call; the fork server avoids it. Run in a subprocess so a regression times out.
    script = textwrap.dedent(
        """
        import cv2, numpy as np
        from pps_cli.parallel import parallel_map
        from tests.test_parallel import square_plus
        image = np.zeros((2048, 2048), np.float32)
        cv2.remap(image, image, image, cv2.INTER_LINEAR)  # starts OpenCV's thread pool
        print(list(parallel_map(square_plus, range(4), context=0, workers=2)))
        """
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[0, 1, 4, 9]"
