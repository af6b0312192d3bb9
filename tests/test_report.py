"""`pps report` and `pps compare` on two demo evaluations; the page in headless Chromium."""

from __future__ import annotations

import html
import json
import re
import shutil
import subprocess
import sys

import numpy as np
import pytest
from typer.testing import CliRunner

from pps_cli.cli import app
from pps_cli.demo.synth import generate_demo
from pps_cli.io import read_png, write_png
from pps_cli.report.compare import make_row
from pps_cli.report.runs import load_run

runner = CliRunner()
ROAD, SIDEWALK = 7, 8


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two evaluations of the same tiny demo: A as predicted, B with every road pixel of the
    first image predicted as sidewalk (road gets worse, the rest stays)."""
    root = tmp_path_factory.mktemp("report")
    demo = root / "demo"
    generate_demo(demo, num_images=3, height=64, width=128, seed=5)
    pred = demo / "predictions"
    a = root / "A"
    args = ["run", "-s", "cpp-default", "--gt", str(demo / "gt"), "--parts", str(pred / "parts"), "--semantic"]
    args += [str(pred / "semantic"), "--instances", str(pred / "instances.json"), "-o", str(a), "-j", "1"]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    b_pred = root / "B_pps"
    shutil.copytree(a / "pps", b_pred)
    first = sorted(b_pred.glob("*.png"))[0]
    pps = read_png(first, channels=3)
    pps[pps[..., 0] == ROAD, 0] = SIDEWALK
    write_png(first, pps)
    b = root / "B"
    args = ["evaluate", "-s", "cpp-default", "--gt", str(demo / "gt"), "--pred", str(b_pred), "--images", str(a / "images.json")]
    result = runner.invoke(app, [*args, "-o", str(b / "results.json"), "--per-image", str(b / "per_image.jsonl"), "-j", "1"])
    assert result.exit_code == 0, result.output
    return a, b


# ----------------------------------------------------------------------------- pps compare


def test_compare_json_sorted_by_change_with_winner(runs):
    a, b = runs
    result = runner.invoke(app, ["compare", str(a), str(b / "results.json"), "--label", "base", "--label", "worse", "--json"])
    assert result.exit_code == 0, result.output
    doc = json.loads(result.stdout)
    assert doc["runs"] == ["base", "worse"]
    summary = {row["metric"]: row for row in doc["summary"]}
    assert summary["PartPQ"]["winner"] == "base" and summary["PartPQ"]["delta"]["worse"] < 0
    base = json.loads((a / "results.json").read_text())
    assert summary["PartPQ"]["values"]["base"] == base["summary"]["all"]["PartPQ"]
    road = next(row for row in doc["classes"] if row["sid"] == str(ROAD) and row["metric"] == "PartPQ")
    assert road["winner"] == "base" and road["delta"]["worse"] < 0
    changes = [max((abs(d) for d in row["delta"].values() if d is not None), default=0) for row in doc["classes"]]
    assert changes == sorted(changes, reverse=True) and changes[0] > 0
    unchanged = [row for row, change in zip(doc["classes"], changes, strict=True) if change == 0 and None not in row["values"].values()]
    assert unchanged and all(row["winner"] is None for row in unchanged)  # a tie has no winner


def test_compare_terminal_table(runs):
    a, b = runs
    result = runner.invoke(app, ["compare", str(a), str(b), "--top", "3"])
    assert result.exit_code == 0, result.output
    assert "PartPQ all" in result.stdout and "7 road" in result.stdout and "*" in result.stdout
    assert "3 of" in result.stdout  # --top 3
    # labels default to the folder names
    assert " A " in result.stdout and " B " in result.stdout
    # labels are text, not rich markup
    result = runner.invoke(app, ["compare", str(a), str(b), "-l", "[bold]x[/]", "-l", "y", "--top", "1"])
    assert result.exit_code == 0 and "[bold]x[/]" in result.stdout


def test_compare_rows():
    row = make_row("PartPQ", "x", [0.5, 0.7, None, 0.7])
    assert row.deltas == (pytest.approx(0.2), None, pytest.approx(0.2)) and row.winner is None  # tie between 1 and 3
    assert make_row("PartPQ", "x", [0.5, 0.4]).winner == 0 and make_row("PQ", "x", [None, 0.4]).winner is None


def test_compare_errors_are_one_line(runs, tmp_path):
    a, _ = runs
    bad = tmp_path / "bad.json"
    bad.write_text('{"images": []}')
    result = runner.invoke(app, ["compare", str(a), str(bad)])
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {bad}: not a results file of pps evaluate (no 'summary' and 'categories'; write one with -o)"
    result = runner.invoke(app, ["compare", str(a), str(a), "--label", "one"])
    assert result.exit_code == 2 and result.stderr.strip() == "error: --label: 1 labels for 2 results; give one per results file, in order"
    result = runner.invoke(app, ["compare", str(a), str(tmp_path)])
    assert result.exit_code == 2 and "no results.json in this folder" in result.stderr
    result = runner.invoke(app, ["compare", str(a)])
    assert result.exit_code == 2 and result.stderr.strip() == "error: RESULTS: give two or more results to compare (pps report shows one)"


# ----------------------------------------------------------------------------- pps report


def _report(tmp_path, *args):
    out = tmp_path / "report.html"
    result = runner.invoke(app, ["report", *map(str, args), "-o", str(out)])
    assert result.exit_code == 0, result.output
    return out.read_text(encoding="utf-8")


def test_page_names_every_class_and_run_and_embeds_no_url(runs, tmp_path):
    a, b = runs
    page = _report(tmp_path, a, b, "--label", "base model", "--label", "new model", "--worst", "2")
    for sid, category in json.loads((a / "results.json").read_text())["categories"].items():
        assert f"{sid} {html.escape(category['name'])}" in page
    assert page.count("base model") >= 3 and page.count("new model") >= 3
    assert "http://" not in page and "https://" not in page
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*//""", page)
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(?!data:|#)[a-z]+:""", page)  # only data: URIs and #fragments
    assert page.count("<svg") == 3  # PartPQ and PQ per class, the per-image distribution
    assert page.count('src="data:image/png;base64,') == 2 * 2 * 3  # 2 runs x 2 worst images x (GT, prediction, errors)
    data = json.loads(html.unescape(re.search(r'<script type="application/json" id="pps-data">(.*?)</script>', page, re.S).group(1)))
    assert [r["label"] for r in data["runs"]] == ["base model", "new model"] and len(data["runs"][1]["per_image"]) == 3
    assert page.count('id="pps-data"') == 1
    assert re.search(r"PartPQ [\d.]+, PQ [\d.]+ <span", page)  # the worst images' captions (per-image PQ)


def test_page_escapes_user_text(runs, tmp_path):
    a, _ = runs
    page = _report(tmp_path, a, "--label", "<script>alert(1)</script>", "--worst", "0")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert page.count("<script") == 1  # only the JSON data element


def test_results_without_pq_and_miou_show_partpq_only(runs, tmp_path):
    a, b = runs
    doc = json.loads((a / "results.json").read_text())
    assert doc["pq"]["All"]["pq"] is not None and doc["miou"]["scene"]["mIoU"] is not None  # pps evaluate writes them
    for key in ("pq", "miou"):
        del doc[key]
    old = tmp_path / "old.json"
    old.write_text(json.dumps(doc))
    page = _report(tmp_path, old)
    assert '<div class="title">PartPQ all</div>' in page and '<div class="title">PartPQ no-parts</div>' in page
    assert '"title">PQ all<' not in page and '"title">mIoU<' not in page and "<h3>PQ per class" not in page
    assert page.count("<svg") == 1  # PartPQ per class; no per-image file beside old.json
    assert load_run(old).per_image is None and load_run(a).per_image is not None
    # an old and a new evaluation side by side: PQ and mIoU of the old one are "-", no winner
    page = _report(tmp_path, old, b, "--overwrite")
    for title in ("PartPQ all", "PQ all", "PQ things", "PQ stuff", "mIoU", "part mIoU"):
        assert f'<div class="title">{title}</div>' in page
    result = runner.invoke(app, ["compare", str(old), str(b), "--json"])
    pq = next(row for row in json.loads(result.stdout)["summary"] if row["metric"] == "PQ")
    assert pq["values"]["old"] is None and pq["winner"] is None and pq["delta"]["B"] is None


def test_eval_spec_that_is_no_object_is_shown_as_unknown(runs, tmp_path):
    a, _ = runs
    doc = json.loads((a / "results.json").read_text())
    doc["eval_spec"] = "cpp-default"  # a name only, not the {name, path, dataset_spec} object pps evaluate writes
    odd = tmp_path / "odd.json"
    odd.write_text(json.dumps(doc))
    page = _report(tmp_path, odd)
    assert '<div class="title">PartPQ all</div>' in page


def test_report_errors(runs, tmp_path, monkeypatch):
    a, _ = runs
    out = tmp_path / "r.html"
    out.write_text("old")
    result = runner.invoke(app, ["report", str(a), "-o", str(out)])
    assert result.exit_code == 2 and result.stderr.strip() == f"error: {out}: already exists (given as --output); add --overwrite to replace it"
    assert out.read_text() == "old"
    monkeypatch.setitem(sys.modules, "jinja2", None)
    result = runner.invoke(app, ["report", str(a), "-o", str(tmp_path / "x.html")])
    assert result.exit_code == 2
    assert result.stderr.strip() == "error: pps report: jinja2 not installed; install the report extra: pip install 'pps-cli[report]'"
    assert not (tmp_path / "x.html").exists()
    monkeypatch.undo()
    before = (a / "results.json").read_bytes()
    result = runner.invoke(app, ["report", str(a / "results.json"), "-o", str(a / "results.json"), "--overwrite"])
    assert result.exit_code == 2 and result.stderr.startswith(f"error: {a / 'results.json'}: ") and "input" in result.stderr
    assert (a / "results.json").read_bytes() == before


@pytest.mark.parametrize("categories", [{"7": 3}, {"7": None, "8": [1]}, {"7": "road"}])
def test_report_and_compare_refuse_categories_that_are_not_objects(runs, tmp_path, categories):
    a, _ = runs
    results = json.loads((a / "results.json").read_text())
    results["categories"] = categories
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(results))
    for command in (["report", str(broken), "-o", str(tmp_path / "r.html")], ["compare", str(broken), str(a)]):
        result = runner.invoke(app, command)
        assert result.exit_code == 2, result.output
        assert result.stderr.strip().startswith(f"error: {broken}: 'categories' entries must be objects, got 7")
    assert not (tmp_path / "r.html").exists()


def test_import_pps_cli_loads_neither_matplotlib_nor_jinja2():
    code = "import sys, pps_cli, pps_cli.cli; print('matplotlib' in sys.modules, 'jinja2' in sys.modules)"
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split() == ["False", "False"]


# ----------------------------------------------------------------------------- in a real browser

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--hide-scrollbars", "--enable-logging=stderr", "--v=0",
]  # fmt: skip


def _chromium(tmp_path, *args):
    browser = shutil.which("chromium") or shutil.which("chromium-browser")
    assert browser, "headless Chromium is required: apt-get install -y chromium (CI installs it)"
    profile = tmp_path / f"profile-{len(list(tmp_path.glob('profile-*')))}"
    return subprocess.run([browser, *CHROMIUM_FLAGS, f"--user-data-dir={profile}", *args], capture_output=True, text=True, timeout=120)


def test_page_renders_in_headless_chromium(runs, tmp_path):
    a, b = runs
    _report(tmp_path, a, b, "--worst", "2")
    url = (tmp_path / "report.html").resolve().as_uri()
    dom = _chromium(tmp_path, "--dump-dom", url)
    assert dom.returncode == 0, dom.stderr[-2000:]
    assert "<svg" in dom.stdout and dom.stdout.count("<img") == 12 and "Worst images of A" in dom.stdout
    console = [line for line in dom.stderr.splitlines() if "CONSOLE" in line]
    assert console == [], console
    shot = tmp_path / "shot.png"
    result = _chromium(tmp_path, "--window-size=1280,3000", f"--screenshot={shot}", url)
    assert result.returncode == 0 and shot.is_file(), result.stderr[-2000:]
    assert [line for line in result.stderr.splitlines() if "CONSOLE" in line] == []
    image = read_png(shot, channels=3)

    def pixels(rgb, rows=slice(None)):
        return int(np.all(image[rows] == np.array(rgb, np.uint8), axis=-1).sum())

    # bars of both runs (matplotlib's first two cycle colors) in the per-class chart
    assert pixels((31, 119, 180)) > 2000 and pixels((255, 127, 14)) > 2000
    # the error view thumbnails: true positive green
    assert pixels((30, 160, 60)) > 2000


def test_thumbnails_find_files_from_another_folder_or_say_why_not(runs, tmp_path, monkeypatch):
    from pps_cli.report.thumbnails import worst_images

    a, _ = runs
    moved = tmp_path / "moved"
    shutil.copytree(a, moved)
    lines = [json.loads(line) for line in (moved / "per_image.jsonl").read_text().splitlines()]
    for line in lines:  # as `pps run -o out` writes them when run from the folder above
        line["prediction"] = f"out/pps/{line['prediction'].rsplit('/', 1)[1]}"
    (moved / "per_image.jsonl").write_text("".join(json.dumps(line) + "\n" for line in lines))
    monkeypatch.chdir(tmp_path)
    run = load_run(moved)
    from pps_cli.specs import load_eval_spec

    images = worst_images(run, 2, load_eval_spec("cpp-default"))
    assert [i.missing for i in images] == [None, None] and all(i.errors.startswith("data:image/png;base64,") for i in images)
    assert [i.part_pq for i in images] == sorted(line["PartPQ"] for line in lines)[:2]
    shutil.rmtree(moved / "pps")
    images = worst_images(run, 1, load_eval_spec("cpp-default"))
    assert images[0].gt is None and images[0].missing.startswith("file not found: out/pps/")
    page = _report(tmp_path, moved, "--worst", "1")
    assert "no images: file not found: out/pps/" in page
    worst = min(lines, key=lambda line: line["PartPQ"])
    worst["gt"] = 5  # not a path: said, not a TypeError
    (moved / "per_image.jsonl").write_text(json.dumps(worst) + "\n")
    assert worst_images(load_run(moved), 1, load_eval_spec("cpp-default"))[0].missing == "file not found: 5"
