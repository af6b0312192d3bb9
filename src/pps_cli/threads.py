"""One OpenCV thread per pps process.

pps runs images in parallel worker processes (:mod:`pps_cli.parallel`), one per core; each worker
sets OpenCV to one thread itself. With one worker the images are processed in the main process,
where OpenCV's own thread pool only competes for the cores: its idle threads spin between calls,
which costs more CPU than the work they share (measured: ``pps pps`` 12.3 -> 8.6 ms CPU per
2048x1024 image, ``pps evaluate`` 12.5 -> 10.9). The command line therefore asks OpenCV for a
single thread in its own process too; the library (``pps_cli.Evaluator`` in a training loop) leaves
the caller's setting alone.
"""

from __future__ import annotations

import os
import sys

OPENCV_THREADS_VARIABLE = "OPENCV_FOR_THREADS_NUM"
"""The environment variable OpenCV reads for its thread count when it is first imported."""


def one_opencv_thread() -> None:
    """One OpenCV thread in this process (and the processes it starts), unless the user set their own.

    Before OpenCV is imported this only sets :data:`OPENCV_THREADS_VARIABLE` (no import, so start-up
    stays cheap); OpenCV reads it when a command first imports it.
    """
    if OPENCV_THREADS_VARIABLE in os.environ:
        return
    os.environ[OPENCV_THREADS_VARIABLE] = "1"
    if "cv2" in sys.modules:  # already imported: the variable is read once, at import
        sys.modules["cv2"].setNumThreads(1)
