"""Campaign tests of issue 12, one test per class of failure with several variants each.

1 output paths, 2 all-or-nothing outputs, 3 symlinked folders, 4 Ctrl-C/SIGTERM (real
subprocesses), 5 options, 6 one overwrite rule and ``-o -``, 7 help. Each README promise (one-line
errors, no partial output, deterministic) has a test here that fails if the promise breaks.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pps_cli import io
from pps_cli.cli import app
from pps_cli.demo.synth import generate_demo
from pps_cli.errors import PpsError
from pps_cli.parallel import parallel_map

runner = CliRunner()
PPS = Path(sys.executable).parent / "pps"


@pytest.fixture(scope="module")
def demo(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("demo") / "demo"
    generate_demo(root, num_images=3, height=32, width=64, seed=1)
    result = runner.invoke(app, ["images-json", str(root / "gt"), "-o", str(root / "images.json")])
    assert result.exit_code == 0, result.output
    return root


def tree(root: Path) -> dict[str, bytes]:
    """Every file under ``root`` (hidden ones included) with its bytes."""
    return {str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def one_line_error(result, exit_code: int = 2) -> str:
    """The single stderr line of a failed command (and no traceback, no Rich box)."""
    assert result.exit_code == exit_code, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "Traceback" not in result.output and "╭" not in result.output
    return lines[0]


def run_args(demo: Path, out: Path, *extra: str) -> list[str]:
    pred = demo / "predictions"
    return ["run", "-s", "cpp-default", "--gt", str(demo / "gt"), "--semantic", str(pred / "semantic"),
            "--instances", str(pred / "instances.json"), "--parts", str(pred / "parts"), "-o", str(out), "-j", "1",
            *extra]  # fmt: skip


def evaluate_args(demo: Path, *extra: str) -> list[str]:
    return ["evaluate", "-s", "cpp-default", "--gt", str(demo / "gt"), "--pred", str(demo / "predictions" / "pps"),
            "--images", str(demo / "images.json"), "-j", "1", *extra]  # fmt: skip


def visualize_args(demo: Path, out: Path, *extra: str) -> list[str]:
    return ["visualize", "-s", "cpp-default", "--pred", str(demo / "predictions" / "pps"), "-o", str(out), "-j", "1",
            *extra]  # fmt: skip


# ----------------------------------------------------------------------------- 1 output paths


@pytest.mark.parametrize(
    "case",
    [
        "file-output-is-a-folder",
        "folder-output-is-a-file",
        "below-a-file",
        "unwritable-folder",
        "output-equals-per-image",
        "output-equals-input",
        "output-inside-input-folder",
        "run-output-holds-an-input",
        "image-id-legend-in-visualize",
        "two-outputs-to-stdout",
        "overwrite-would-replace-the-current-folder",
        "name-too-long",
    ],
)
def test_bad_output_paths_are_one_line_errors_before_any_work(demo, tmp_path, monkeypatch, case):
    (tmp_path / "a_file").write_text("x")
    (tmp_path / "a_folder").mkdir()
    expected: str
    if case == "file-output-is-a-folder":
        args = ["images-json", str(demo / "gt"), "-o", str(tmp_path / "a_folder")]
        expected = f"{tmp_path / 'a_folder'}: is a folder, expected a file (--output)"
    elif case == "folder-output-is-a-file":
        args = visualize_args(demo, tmp_path / "a_file")
        expected = f"{tmp_path / 'a_file'}: is a file, expected a folder (--output)"
    elif case == "below-a-file":
        args = evaluate_args(demo, "-o", str(tmp_path / "a_file" / "sub" / "results.json"))
        expected = f"{tmp_path / 'a_file' / 'sub' / 'results.json'}: {tmp_path / 'a_file'} is a file, so nothing can be written below it (--output)"
    elif case == "unwritable-folder":  # /proc refuses new files even to root, unlike a chmod-ed folder
        args = ["images-json", str(demo / "gt"), "-o", "/proc/pps-test.json"]
        expected = "/proc/pps-test.json: cannot write in /proc: "
    elif case == "output-equals-per-image":
        same = tmp_path / "same.json"
        args = evaluate_args(demo, "-o", str(same), "--per-image", str(same))
        expected = f"{same}: given as both --output and --per-image"
    elif case == "output-equals-input":
        args = evaluate_args(demo, "-o", str(demo / "images.json"), "--overwrite")
        expected = f"{demo / 'images.json'}: --output is the same path as the input --images; choose another --output"
    elif case == "output-inside-input-folder":
        out = demo / "predictions" / "pps" / "vis"
        args = visualize_args(demo, out)
        expected = f"{out}: --output is inside the input folder --pred; choose another --output"
    elif case == "run-output-holds-an-input":
        args = run_args(demo, demo / "predictions", "--overwrite")
        expected = f"{demo / 'predictions'}: --output holds the input --parts ({demo / 'predictions' / 'parts'}); choose another --output"
    elif case == "image-id-legend-in-visualize":
        pred = tmp_path / "pred"
        pred.mkdir()
        shutil.copy(next((demo / "predictions" / "pps").glob("*.png")), pred / "legend.png")
        args = ["visualize", "-s", "cpp-default", "--pred", str(pred), "-o", str(tmp_path / "vis")]
        expected = f"{tmp_path / 'vis' / 'legend.png'}: would be written twice (image legend and the legend)"
    elif case == "overwrite-would-replace-the-current-folder":
        monkeypatch.chdir(tmp_path / "a_folder")
        args = ["demo", str(tmp_path), "--overwrite"]
        expected = f"{tmp_path}: OUT_DIR holds the current folder, whose content --overwrite would replace"
    elif case == "name-too-long":  # Path.is_dir raises ENAMETOOLONG instead of answering False
        long = tmp_path / ("a" * 300 + ".json")
        args = ["images-json", str(demo / "gt"), "-o", str(long)]
        expected = f"{long}: cannot be used: file name too long (--output)"
    else:
        args = evaluate_args(demo, "-o", "-", "--per-image", "-")
        expected = "-: --output and --per-image cannot both write to standard output"
    before = tree(tmp_path), tree(demo)
    line = one_line_error(runner.invoke(app, args))
    assert line.startswith(f"error: {expected}"), line
    assert (tree(tmp_path), tree(demo)) == before  # nothing written, not even a staging folder


# ----------------------------------------------------------------------------- 2 all or nothing


@pytest.mark.parametrize("fail_at", [0, 1, 2, 3, 4])
def test_commit_failing_at_any_move_restores_every_output(tmp_path, monkeypatch, fail_at):
    # Two old files are replaced and one is added together: 5 renames (old a.png aside, new a.png in,
    # new sub/b.png in, old results.json aside, new results.json in); the fail_at-th one fails.
    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "a.png").write_bytes(b"old a")
    (tmp_path / "results.json").write_bytes(b"old results")
    before = tree(tmp_path)
    real_rename, calls = os.rename, []

    def flaky_rename(src, dst):
        calls.append(dst)
        if len(calls) == fail_at + 1:
            raise OSError(28, "No space left on device", str(dst))
        real_rename(src, dst)

    monkeypatch.setattr(os, "rename", flaky_rename)
    with pytest.raises(PpsError, match="cannot write: no space left on device"):
        with io.staged_outputs() as staging:
            stage = staging.folder(tmp_path / "out")
            (stage / "a.png").write_bytes(b"new a")
            (stage / "sub").mkdir()
            (stage / "sub" / "b.png").write_bytes(b"new b")
            staging.file(tmp_path / "results.json").write_bytes(b"new results")
    monkeypatch.undo()
    assert tree(tmp_path) == before  # old content back, no staging or backup files left


def test_overwrite_replaces_all_outputs_or_none(demo, tmp_path):
    # --overwrite of two outputs where the second cannot be written: the first keeps its old bytes
    results, per_image = tmp_path / "results.json", tmp_path / "locked" / "per_image.jsonl"
    results.write_text("old")
    (tmp_path / "locked").mkdir()
    per_image.mkdir()  # a folder where the file should go: refused before any work
    line = one_line_error(
        runner.invoke(app, evaluate_args(demo, "-o", str(results), "--per-image", str(per_image), "--overwrite"))
    )
    assert line == f"error: {per_image}: is a folder, expected a file (--per-image)"
    assert results.read_text() == "old"


def _break_one_gt_tiff(demo: Path, tmp_path: Path) -> Path:
    """A copy of the demo whose last GT TIFF has a negative uid: found by the evaluation, the last stage."""
    import numpy as np

    copy = tmp_path / "broken"
    shutil.copytree(demo, copy)
    last = sorted((copy / "gt").rglob("*.tif"))[-1]
    uids = io.read_uid_tiff(last).copy()
    uids[0, 0] = -5
    io.write_uid_tiff(last, uids.astype(np.int32))
    return copy


@pytest.mark.parametrize("earlier_run", [False, True])
def test_run_failing_in_its_last_stage_leaves_the_output_as_it_was(demo, tmp_path, earlier_run):
    broken = _break_one_gt_tiff(demo, tmp_path)
    out = tmp_path / "out"
    if earlier_run:
        assert runner.invoke(app, run_args(demo, out)).exit_code == 0
        (out / "panoptic.json").write_text("{}")  # an earlier run's file that a rerun would rewrite
    before = tree(tmp_path / "out") if out.exists() else None
    result = runner.invoke(app, [*run_args(broken, out), "--overwrite"])
    assert one_line_error(result).startswith("error: ")
    assert (tree(out) if out.exists() else None) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == (["broken", "out"] if earlier_run else ["broken"])


def test_run_overwrite_leaves_no_stale_files(demo, tmp_path):
    out = tmp_path / "out"
    assert runner.invoke(app, run_args(demo, out)).exit_code == 0
    first = tree(out)
    (out / "stale.txt").write_text("from an earlier run")
    (out / "pps" / "removed_image.png").write_bytes(b"x")
    result = runner.invoke(app, [*run_args(demo, out), "--overwrite"])
    assert result.exit_code == 0, result.output
    assert tree(out) == first


def test_a_failing_command_leaves_no_partial_output(demo, tmp_path):
    # README promise: a command's outputs appear all together or not at all
    broken = _break_one_gt_tiff(demo, tmp_path)
    for args in (evaluate_args(broken, "-o", str(tmp_path / "r.json"), "--per-image", str(tmp_path / "p.jsonl")),
                 ["visualize", "-s", "cpp-default", "--gt", str(broken / "gt"), "-o", str(tmp_path / "vis")]):  # fmt: skip
        assert one_line_error(runner.invoke(app, args)).startswith(f"error: {sorted((broken / 'gt').rglob('*.tif'))[-1]}")
        assert sorted(p.name for p in tmp_path.iterdir()) == ["broken"]


# ----------------------------------------------------------------------------- 3 symlinked folders


def test_symlinked_folders_are_followed_and_loops_end(demo, tmp_path):
    gt = tmp_path / "gt"
    gt.mkdir()
    for city in (demo / "gt").iterdir():
        (gt / city.name).symlink_to(city, target_is_directory=True)  # every city folder is a link
    (gt / "lindau" / "..").resolve()
    (tmp_path / "loop").mkdir()
    (tmp_path / "loop" / "back").symlink_to(tmp_path / "loop", target_is_directory=True)
    shutil.copy(demo / "images.json", tmp_path / "loop" / "x.json")

    assert [p.name for p in io.list_files(tmp_path / "loop", (".json",))] == ["x.json"]  # the loop ends
    result = runner.invoke(app, ["images-json", str(gt), "-o", str(tmp_path / "images.json")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "images.json").read_bytes() == (demo / "images.json").read_bytes()  # all 3 images, same layout

    pred = tmp_path / "pred"
    pred.mkdir()
    (pred / "linked").symlink_to(demo / "predictions" / "pps", target_is_directory=True)
    linked = runner.invoke(app, [*evaluate_args(demo)[:4], str(gt), "--pred", str(pred), *evaluate_args(demo)[7:]])
    direct = runner.invoke(app, evaluate_args(demo))
    assert linked.exit_code == 0 and direct.exit_code == 0, linked.output
    assert linked.stdout == direct.stdout and "3 images" in direct.stdout


# ----------------------------------------------------------------------------- 4 interrupts


@pytest.fixture(scope="module")
def big_demo(tmp_path_factory) -> tuple[Path, Path, dict[str, bytes]]:
    """Enough images for a 2-worker `pps run` to be mid-work when signalled, plus a finished earlier run."""
    root = tmp_path_factory.mktemp("big")
    generate_demo(root / "d", num_images=24, height=128, width=256, seed=2)
    out = root / "work" / "out"
    assert runner.invoke(app, run_args(root / "d", out)).exit_code == 0
    return root / "d", out, tree(out)


def _live_processes_of_session(sid: int) -> list[str]:
    alive = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":  # fields: state, ppid, pgrp, session
            alive.append(stat.parent.name)
    return alive


@pytest.mark.parametrize(
    ("sig", "whole_group", "moment"),
    [
        (signal.SIGINT, True, "started"),  # Ctrl-C in a terminal: every process of the group gets it
        (signal.SIGINT, False, "started"),  # only the main process (kill -INT <pid>)
        (signal.SIGTERM, True, "started"),
        (signal.SIGTERM, False, "started"),
        (signal.SIGINT, True, "working"),
        (signal.SIGTERM, False, "working"),
    ],
)
def test_interrupts_exit_130_with_one_line_and_leave_nothing_behind(big_demo, sig, whole_group, moment):
    data, out, before = big_demo
    args = [str(PPS), *run_args(data, out, "--overwrite")[:-3], "-j", "2", "--overwrite"]
    proc = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # the test runner may ignore SIGINT
    )  # fmt: skip
    deadline = time.monotonic() + 60
    while not any(p.name.startswith(".out.staging-") for p in out.parent.iterdir()):  # the run has begun
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.005)
    if moment == "working":
        time.sleep(0.15)
    assert proc.poll() is None, "the run finished before the signal; give it more images"
    os.killpg(proc.pid, sig) if whole_group else os.kill(proc.pid, sig)
    stdout, stderr = proc.communicate(timeout=60)  # never a hang
    assert proc.returncode == 130, stderr
    assert stderr.decode() == "interrupted\n"  # no traceback, no "Process ForkServerPoolWorker" lines
    assert sorted(p.name for p in out.parent.iterdir()) == ["out"]  # no staging or backup folders
    assert tree(out) == before  # the earlier run's outputs, exactly
    for _ in range(100):
        if not _live_processes_of_session(proc.pid):
            break
        time.sleep(0.05)
    assert _live_processes_of_session(proc.pid) == []  # no orphan worker, fork server or tracker


def test_a_signal_while_a_child_starts_is_raised_after_the_start_not_lost():
    """The fork server starts with SIGINT and SIGTERM blocked; a signal meanwhile still stops this process."""
    from multiprocessing import util

    from pps_cli.interrupts import children_ignore_interrupts

    read_end, write_end = os.pipe()
    probe = f"import os, signal; os.write({write_end}, repr(sorted(signal.pthread_sigmask(signal.SIG_BLOCK, []))).encode())"
    finished_inside = False
    with pytest.raises(KeyboardInterrupt):
        with children_ignore_interrupts():
            pid = util.spawnv_passfds(os.fsencode(sys.executable), [sys.executable, "-c", probe], [write_end])
            # To this thread, which blocks it now: held back until the window closes. (Sent to the process,
            # another thread of the test runner may take it and hand it over late, once SIGTERM's default
            # disposition is back; in pps both signals then have handlers that raise KeyboardInterrupt.)
            signal.pthread_kill(threading.main_thread().ident, signal.SIGTERM)
            finished_inside = True
    os.close(write_end)
    child_mask = os.read(read_end, 1000).decode()
    os.close(read_end)
    os.waitpid(pid, 0)
    assert finished_inside
    assert child_mask == repr(sorted({signal.SIGINT, signal.SIGTERM}))
    assert signal.pthread_sigmask(signal.SIG_BLOCK, []) == set()  # this process's mask is restored


def _kill_self_on_two(item: int, context: object) -> int:
    if item == 2:
        os.kill(os.getpid(), signal.SIGKILL)
    return item


def _slow_identity(item: int, context: object) -> int:
    time.sleep(0.05)
    return item


def test_pool_survives_a_dead_worker_and_an_early_stop():
    with pytest.raises(RuntimeError, match=r"a worker process died unexpectedly \(exit code -9"):
        list(parallel_map(_kill_self_on_two, range(6), workers=2))  # no hang
    import multiprocessing

    results = parallel_map(_slow_identity, range(20), workers=2)
    assert next(results) == 0
    results.close()  # the caller stops early: the workers are stopped and joined
    assert multiprocessing.active_children() == []


# ----------------------------------------------------------------------------- 5 options


@pytest.mark.parametrize(
    ("args", "expected"),
    [
        (["images-json", "gt", "--dataset", "yaml"], "error: --dataset: 'yaml' is not one of 'auto', 'cityscapes', 'pascal'"),
        (["demo", "x", "--num-images", "0"], "error: --num-images: must be >= 1 and <= 10000"),
        (["demo", "x", "--height", "8"], "error: --height: must be >= 16 and <= 8192"),
        (["demo", "x", "--seed", "-1"], "error: --seed: must be >= 0"),
        (["visualize", "-s", "cpp-default", "-o", "v", "--scale", "0"], "error: --scale: must be > 0 and <= 16"),
        (["visualize", "-s", "cpp-default", "-o", "v", "--scale", "inf"], "error: --scale: must be a finite number, got inf"),
        (["panoptic", "--confidence-thr", "nan"], "error: --confidence-thr: must be a finite number, got nan"),
        (["panoptic", "--overlap-thr", "1.5"], "error: --overlap-thr: must be >= 0 and <= 1"),
        (["panoptic", "--stuff-area-limit", "-1"], "error: --stuff-area-limit: must be >= 0"),
        (["run", "--workers", "0"], "error: --workers: must be >= 1"),
        (["compare", "a.json", "--top", "0"], "error: --top: must be >= 1"),
        (["report", "a.json", "-o", "r.html", "--worst", "-1"], "error: --worst: must be >= 0"),
        (["run", "--format", "yaml"], "error: --format: 'yaml' is not one of 'auto', 'coco', 'cityscapes'"),
        (["evaluate", "-s", "cpp-default"], "error: --gt: required, not given"),
        (["pps", "--bogus"], "error: no such option: --bogus"),
        (["nope"], "error: no such command 'nope'"),
    ],
)
def test_usage_errors_are_one_line_exit_2(tmp_path, args, expected):
    result = runner.invoke(app, args)
    assert one_line_error(result).startswith(expected)
    assert list(tmp_path.iterdir()) == []


# ----------------------------------------------------------------------------- 6 one overwrite rule, -o -


@pytest.mark.parametrize("command", ["demo", "images-json", "visualize", "evaluate", "run", "stats"])
def test_every_command_refuses_existing_outputs_without_overwrite(demo, tmp_path, command):
    out = tmp_path / "out"
    args = {
        "demo": ["demo", str(out), "-n", "1", "--height", "16", "--width", "32"],
        "images-json": ["images-json", str(demo / "gt"), "-o", str(out)],
        "visualize": visualize_args(demo, out),
        "evaluate": evaluate_args(demo, "-o", str(out)),
        "run": run_args(demo, out),
        "stats": ["stats", str(demo / "gt"), "-s", "cpp-default", "-o", str(out), "-j", "1"],
    }[command]
    assert runner.invoke(app, args).exit_code == 0
    first = tree(tmp_path)
    line = one_line_error(runner.invoke(app, args))
    assert "add --overwrite to replace" in line and line.startswith(f"error: {out}")
    assert tree(tmp_path) == first
    result = runner.invoke(app, [*args, "--overwrite"])
    assert result.exit_code == 0, result.output
    assert tree(tmp_path) == first  # deterministic: the replacement has the same bytes


def test_dash_means_standard_output_for_json(demo, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = runner.invoke(app, ["images-json", str(demo / "gt"), "-o", "-"])
    assert result.exit_code == 0, result.output
    assert result.stdout.encode() == (demo / "images.json").read_bytes()
    assert result.stderr.strip() == "wrote - (3 images)"
    result = runner.invoke(app, evaluate_args(demo, "-o", "-"))
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["summary"] and "PartPQ" in result.stderr  # the table goes to stderr
    assert list(tmp_path.iterdir()) == []  # no file named "-"


# ----------------------------------------------------------------------------- 7 help


COMMANDS = ["images-json", "panoptic", "pps", "evaluate", "run", "specs", "demo", "visualize", "pq", "stats"]


@pytest.mark.parametrize("command", [None, *COMMANDS])
def test_help_has_no_bool_placeholders_and_takes_dash_h(command):
    args = [] if command is None else [command]
    wide = {"COLUMNS": "250"}
    long, short = runner.invoke(app, [*args, "--help"], env=wide), runner.invoke(app, [*args, "-h"], env=wide)
    assert long.exit_code == 0 and short.exit_code == 0 and long.stdout == short.stdout
    assert "<bool>" not in long.stdout and "Show this message and exit." in long.stdout


def test_help_shows_choices_truthful_texts_and_unwrapped_paragraphs():
    wide = {"COLUMNS": "250"}
    demo_help = runner.invoke(app, ["demo", "-h"], env=wide).stdout
    assert "<cityscapes|pascal>" in demo_help
    assert "<auto|coco|cityscapes>" in runner.invoke(app, ["run", "-h"], env=wide).stdout
    images_help = runner.invoke(app, ["images-json", "-h"], env=wide).stdout
    assert "The result is what the reference's prepare_data writes" in images_help  # one paragraph, not hard-wrapped
    pps_help = " ".join(runner.invoke(app, ["pps", "-h"], env=wide).stdout.split())
    assert "PNGs that already exist in the output folder are an error unless --overwrite is given" in pps_help
    for command in ("evaluate", "run"):
        assert "--percent" in runner.invoke(app, [command, "-h"], env=wide).stdout


def test_choices_tab_complete():
    env = {**os.environ, "_PPS_COMPLETE": "complete_bash", "COMP_WORDS": "pps demo --dataset ", "COMP_CWORD": "3"}
    done = subprocess.run([str(PPS)], env=env, capture_output=True, text=True, check=False)
    assert done.stdout.split() == ["cityscapes", "pascal"]
    env["COMP_WORDS"], env["COMP_CWORD"] = "pps run --format c", "3"
    done = subprocess.run([str(PPS)], env=env, capture_output=True, text=True, check=False)
    assert done.stdout.split() == ["coco", "cityscapes"]


@pytest.mark.parametrize(
    ("shell", "marker"), [("zsh", "#compdef pps"), ("bash", "complete -o default -F"), ("fish", "complete --command pps")]
)
def test_show_completion_for_a_named_shell(shell, marker):
    done = subprocess.run([str(PPS), "--show-completion", shell], capture_output=True, text=True, check=False)
    assert done.returncode == 0 and marker in done.stdout, done.stderr


def test_success_lines_do_not_wrap_when_piped(demo, tmp_path):
    out = tmp_path / ("a_long_folder_name_" * 5) / "images.json"
    done = subprocess.run(
        [str(PPS), "images-json", str(demo / "gt"), "-o", str(out)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0 and done.stdout == f"wrote {out} (3 images)\n"


def test_percent_tables(demo, tmp_path):
    result = runner.invoke(app, evaluate_args(demo, "--percent", "-o", str(tmp_path / "r.json")))
    assert result.exit_code == 0, result.output
    part_pq = json.loads((tmp_path / "r.json").read_text())["summary"]["all"]["PartPQ"]
    assert f"{100 * part_pq:.2f}" in result.stdout and f"{part_pq:.4f}" not in result.stdout
    plain = runner.invoke(app, evaluate_args(demo))
    assert f"{part_pq:.4f}" in plain.stdout


# ----------------------------------------------------------------------------- README promises


def test_run_is_byte_identical_for_any_worker_count(demo, tmp_path):
    outputs = []
    for workers in ("1", "2"):
        out = tmp_path / f"out{workers}"
        result = runner.invoke(app, [*run_args(demo, out)[:-1], workers])
        assert result.exit_code == 0, result.output
        outputs.append({k: v.replace(str(out).encode(), b"OUT") for k, v in tree(out).items()})
    assert outputs[0] == outputs[1] and len(outputs[0]) == 10  # images.json, panoptic.json, 3+3 PNGs, 2 results


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_during_the_swap_rolls_it_back(tmp_path, monkeypatch, signum):
    # exit code 130 must mean "outputs as they were", even when the signal lands mid-commit
    from pps_cli.interrupts import sigterm_as_interrupt

    (tmp_path / "out").mkdir()
    (tmp_path / "out" / "a.png").write_bytes(b"old a")
    before = tree(tmp_path)
    real_rename, calls = os.rename, []

    def rename_then_signal(src, dst):
        calls.append(dst)
        real_rename(src, dst)
        if len(calls) == 2:  # the new a.png is in place; the old one is still aside
            os.kill(os.getpid(), signum)

    monkeypatch.setattr(os, "rename", rename_then_signal)
    with sigterm_as_interrupt(), pytest.raises(KeyboardInterrupt):
        with io.staged_output(tmp_path / "out") as stage:
            (stage / "a.png").write_bytes(b"new a")
            (stage / "b.png").write_bytes(b"new b")
    monkeypatch.undo()
    assert tree(tmp_path) == before
