"""Visualization: label planes, colors of known ids, boundaries, legend, the driver and `pps visualize`."""

from __future__ import annotations

import json

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from pps_cli import cli
from pps_cli.commands.visualize import visualize_command
from pps_cli.errors import PpsError
from pps_cli.io import read_png, write_png, write_uid_tiff
from pps_cli.specs import load_eval_spec
from pps_cli.visualize import (
    BOUNDARY_COLOR,
    VOID_COLOR,
    ImageClasses,
    LabelPlanes,
    Palette,
    boundary_mask,
    colorize_labels,
    compose_panels,
    gt_label_planes,
    instance_shades,
    legend_entries,
    plan_jobs,
    pred_label_planes,
    render_legend,
    resize_nearest,
    visualize,
)

ROAD, SKY, PERSON, CAR, TRUCK = 7, 23, 24, 26, 27  # Cityscapes sids
ROAD_RGB, SKY_RGB, PERSON_RGB, CAR_RGB = (128, 64, 128), (70, 130, 180), (220, 20, 60), (0, 0, 142)


@pytest.fixture(scope="module")
def palette() -> Palette:
    return Palette.from_spec(load_eval_spec("cpp-default"))


def planes(sid, inst=None, pid=None) -> LabelPlanes:
    sid = np.array(sid, np.int32)
    inst = np.full_like(sid, -1) if inst is None else np.array(inst, np.int32)
    pid = np.full_like(sid, -1) if pid is None else np.array(pid, np.int32)
    return LabelPlanes(sid, inst, pid)


# ----------------------------------------------------------------------------- label planes


def test_gt_label_planes_decode_every_uid_kind():
    uids = np.array([[7, 26, 26001, 2400102], [0, 24, 2400100, 2600305]], np.int32)
    sid, inst, pid = gt_label_planes(uids)
    assert sid.tolist() == [[7, 26, 26, 24], [0, 24, 24, 26]]
    # 1-2 digit uids (stuff, crowd, UNLABELED) have no instance; 4-5 digits have no part
    assert inst.tolist() == [[-1, -1, 1, 1], [-1, -1, 1, 3]]
    # 2400100 is an instance pixel whose part is unlabeled: pid 0, not -1
    assert pid.tolist() == [[-1, -1, -1, 2], [-1, -1, 0, 5]]


def test_gt_label_planes_fold_ppp_part_ids():
    spec = load_eval_spec("ppp-default")
    # aeroplane (sid 1) file pids 6..15 are all "engine", the 6th part
    uids = np.array([[100106, 100115, 100101]], np.int32)
    assert gt_label_planes(uids, pid_fold=spec.dataset.pid_fold).pid.tolist() == [[6, 6, 1]]
    assert gt_label_planes(uids).pid.tolist() == [[6, 15, 1]]


def test_pred_label_planes_keep_only_meaningful_channels(palette):
    pps = np.array(
        [
            [[ROAD, 1, 1], [255, 0, 0], [CAR, 2, 3], [CAR, 2, 255]],
            [[PERSON, 0, 1], [33, 4, 1], [CAR, 2, 0], [SKY, 1, 1]],
        ],
        np.uint8,
    )
    sid, inst, pid = pred_label_planes(pps, is_thing=palette.is_thing, is_parts=palette.is_parts)
    assert sid.tolist() == [[ROAD, -1, CAR, CAR], [PERSON, 33, CAR, SKY]]
    # stuff instance 1 is a convention, not an instance; things keep theirs (0 is valid)
    assert inst.tolist() == [[-1, -1, 2, 2], [0, 4, 2, -1]]
    # part 255 is an unlabeled part (0); bicycle (33) has no parts; a 0 part is shown as no part
    assert pid.tolist() == [[-1, -1, 3, 0], [1, -1, -1, -1]]


def test_resize_nearest_never_blends():
    p = planes([[1, 2], [3, 4]])
    assert resize_nearest(p, 4, 4).sid.tolist() == [[1, 1, 2, 2], [1, 1, 2, 2], [3, 3, 4, 4], [3, 3, 4, 4]]
    assert resize_nearest(resize_nearest(p, 4, 4), 2, 2).sid.tolist() == [[1, 2], [3, 4]]


# ----------------------------------------------------------------------------- colors


def test_known_ids_get_known_colors(palette):
    p = planes(
        sid=[[ROAD, -1, CAR, CAR], [PERSON, CAR, TRUCK, SKY]],
        inst=[[-1, -1, 0, 1], [0, -1, 1, -1]],
        pid=[[-1, -1, -1, -1], [2, -1, -1, -1]],
    )
    image = colorize_labels(p, colors=palette.colors, boundaries=False)
    assert image.shape == (2, 4, 3) and image.dtype == np.uint8
    assert tuple(image[0, 0]) == ROAD_RGB  # stuff: the class color
    assert tuple(image[0, 1]) == VOID_COLOR
    assert tuple(image[0, 2]) == CAR_RGB  # instance 0 keeps the class color exactly
    assert tuple(image[1, 1]) == CAR_RGB  # crowd (no instance): the class color
    # instance 1: shade 0.8 * (frac(0.618.. + 0.5) - 0.5) = -0.30557 -> 142 * 0.69443 = 98.6
    assert instance_shades(np.array([1]))[0] == pytest.approx(-0.305573, abs=1e-6)
    assert tuple(image[0, 3]) == (0, 0, 99)
    # person part 2: shade +0.45 toward white: 220 + 35 * .45, 20 + 235 * .45, 60 + 195 * .45
    assert tuple(image[1, 0]) == (236, 126, 148)
    # truck (0, 0, 70) is dark, so instance 1 is lightened by 0.30557: 0 + 255 * a, 70 + 185 * a
    assert tuple(image[1, 2]) == (78, 78, 127)
    assert tuple(image[1, 3]) == SKY_RGB


def test_instance_color_depends_only_on_its_own_ids(palette):
    alone = colorize_labels(planes([[CAR]], [[5]], [[2]]), colors=palette.colors)
    crowded = colorize_labels(
        planes([[CAR, CAR, PERSON]], [[1, 5, 5]], [[1, 2, 2]]), colors=palette.colors, boundaries=False
    )
    assert tuple(crowded[0, 1]) == tuple(alone[0, 0])
    assert len({tuple(c) for c in crowded[0]}) == 3


def test_segment_boundaries_are_white_part_boundaries_are_not(palette):
    # 3x4: road | car instance 0 with part 1 on top, part 5 below
    p = planes(
        sid=[[ROAD, ROAD, CAR, CAR]] * 3,
        inst=[[-1, -1, 0, 0]] * 3,
        pid=[[-1, -1, 1, 1], [-1, -1, 5, 5], [-1, -1, 5, 5]],
    )
    image = colorize_labels(p, colors=palette.colors)
    plain = colorize_labels(p, colors=palette.colors, boundaries=False)
    assert all(tuple(image[y, 2]) == BOUNDARY_COLOR for y in range(3))  # where road meets car
    assert tuple(image[0, 0]) == ROAD_RGB and tuple(image[1, 3]) != tuple(plain[1, 3])  # part line
    assert tuple(image[1, 3]) != BOUNDARY_COLOR
    changed = np.any(image != plain, axis=2)
    assert changed.tolist() == [[False, False, True, False], [False, False, True, True], [False, False, True, False]]


def test_boundary_mask_marks_one_pixel_per_change():
    labels = np.array([[1, 1, 2], [1, 1, 2], [3, 3, 3]])
    assert boundary_mask(labels).astype(int).tolist() == [[0, 0, 1], [0, 0, 1], [1, 1, 1]]
    assert not boundary_mask(np.zeros((3, 4), int)).any()


def test_unlabeled_parts_are_hatched(palette):
    p = planes(np.full((4, 4), CAR), np.zeros((4, 4)), np.zeros((4, 4)))
    image = colorize_labels(p, colors=palette.colors, boundaries=False)
    colors = {tuple(c) for c in image.reshape(-1, 3)}
    assert colors == {VOID_COLOR, CAR_RGB}
    assert np.all(image[0, 0] == VOID_COLOR) and np.all(image[0, 2] == CAR_RGB)  # (x + y) % 4 < 2 is void


def test_colorize_rejects_mismatched_planes(palette):
    with pytest.raises(ValueError, match="three"):
        sid, inst = np.zeros((2, 2), np.int32), np.zeros((2, 3), np.int32)
        colorize_labels(LabelPlanes(sid, inst, sid), colors=palette.colors)


# ----------------------------------------------------------------------------- legend and layout


def test_legend_lists_the_classes_present(palette):
    classes = ImageClasses("x", gt_sids=(ROAD, CAR), pred_sids=(CAR, TRUCK), void=True, unlabeled_part=True)
    entries = legend_entries(classes, palette=palette)
    assert [e.name for e in entries] == ["7 road (GT only)", "26 car", "27 truck (pred only)", "void", "unlabeled part"]
    assert entries[0].color == ROAD_RGB and entries[-1].hatched
    only_gt = legend_entries(ImageClasses("x", (ROAD,), None, False, False), palette=palette)
    assert [e.name for e in only_gt] == ["7 road"]

    image = render_legend(entries)
    assert image.dtype == np.uint8 and image.shape[0] == 2 * 6 + 5 * 18
    assert tuple(image[6 + 2 + 6, 6 + 6]) == ROAD_RGB  # middle of the first swatch
    wrapped = render_legend(entries, max_height=2 * 6 + 2 * 18)
    assert wrapped.shape[0] == 2 * 6 + 2 * 18 and wrapped.shape[1] > image.shape[1]  # three columns


def test_merged_classes_for_the_global_legend():
    merged = ImageClasses.merge(
        [ImageClasses("a", (7, 26), None, False, True), ImageClasses("b", (23, 7), None, True, False)]
    )
    assert merged.gt_sids == (7, 23, 26) and merged.pred_sids is None and merged.void and merged.unlabeled_part


def test_compose_panels_shape():
    a, b = np.zeros((10, 20, 3), np.uint8), np.zeros((10, 30, 3), np.uint8)
    legend = np.zeros((40, 15, 3), np.uint8)
    assert compose_panels([("a", a), ("b", b)]).shape == (22 + 10, 20 + 4 + 30, 3)
    assert compose_panels([("a", a), ("b", b)], legend=legend).shape == (22 + 40, 20 + 4 + 30 + 4 + 15, 3)
    with pytest.raises(ValueError, match="height"):
        compose_panels([("a", a), ("c", np.zeros((11, 20, 3), np.uint8))])


# ----------------------------------------------------------------------------- driver and CLI

H, W = 24, 32


def make_dataset(root, ids=("aachen_000000_000019", "aachen_000001_000019")):
    """Two tiny CPP-like images: road, sky, a car with parts; predictions and photos."""
    for n, image_id in enumerate(ids):
        uids = np.full((H, W), ROAD, np.int32)
        uids[:8] = SKY
        uids[10:20, 4 + n : 20 + n] = 2600005  # car 0, chassis
        uids[10:13, 8 + n : 16 + n] = 2600001  # windows
        write_uid_tiff(root / "gt" / "aachen" / f"{image_id}_gtFinePanopticParts.tif", uids)
        pps = np.zeros((H, W, 3), np.uint8)
        pps[..., 0], pps[..., 1], pps[..., 2] = ROAD, 1, 1
        pps[10:20, 4:20] = (CAR, 1, 5)
        pps[22:] = (255, 0, 0)
        write_png(root / "pps" / f"{image_id}_gtFine_leftImg8bit.png", pps)
        write_png(root / "images" / f"{image_id}_leftImg8bit.png", np.full((H, W, 3), 90 + n, np.uint8))
    return list(ids)


def test_plan_jobs_matches_files_by_id(tmp_path):
    ids = make_dataset(tmp_path)
    jobs = plan_jobs(gt=tmp_path / "gt", pred=tmp_path / "pps", image_dir=tmp_path / "images")
    assert [j.key for j in jobs] == ids
    assert jobs[1].pred.name == f"{ids[1]}_gtFine_leftImg8bit.png" and jobs[1].photo.name == f"{ids[1]}_leftImg8bit.png"
    assert [j.key for j in plan_jobs(gt=tmp_path / "gt", pred=None, ids=[ids[1]])] == [ids[1]]
    single = plan_jobs(gt=None, pred=tmp_path / "pps" / f"{ids[0]}_gtFine_leftImg8bit.png")
    assert [(j.key, j.gt) for j in single] == [(ids[0], None)]
    assert [j.key for j in plan_jobs(gt=None, pred=tmp_path / "pps")] == ids  # ids from the file names
    gt_file = jobs[0].gt
    paired = plan_jobs(gt=gt_file, pred=tmp_path / "pps")
    assert [(j.key, j.pred.name) for j in paired] == [(ids[0], f"{ids[0]}_gtFine_leftImg8bit.png")]
    with pytest.raises(PpsError, match="unknown image ids: nope"):
        plan_jobs(gt=tmp_path / "gt", pred=None, ids=["nope"])
    with pytest.raises(PpsError, match="give ground truth"):
        plan_jobs(gt=None, pred=None)


def test_visualize_writes_panels_and_legend(tmp_path, palette):
    ids = make_dataset(tmp_path)
    jobs = plan_jobs(gt=tmp_path / "gt", pred=tmp_path / "pps", image_dir=tmp_path / "images")
    results = visualize(jobs, tmp_path / "out", palette=palette, scale=2, workers=1)
    assert [r.key for r in results] == ids
    assert results[0].gt_sids == (ROAD, SKY, CAR) and results[0].pred_sids == (ROAD, CAR) and results[0].void
    image = read_png(tmp_path / "out" / f"{ids[0]}.png", channels=3)
    assert image.shape[0] >= 22 + 2 * H and image.shape[1] > 3 * 2 * W + 2 * 4
    # the GT panel starts after the photo and a 4 px gap; its pixel (0, 0) is sky
    assert tuple(image[22, 2 * W + 4]) == SKY_RGB
    assert tuple(image[22, 0]) == (90, 90, 90)
    assert (tmp_path / "out" / "legend.png").is_file()
    # same bytes whatever the number of workers
    visualize(jobs, tmp_path / "out2", palette=palette, scale=2, workers=2)
    for name in (f"{ids[0]}.png", f"{ids[1]}.png", "legend.png"):
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "out2" / name).read_bytes()


def test_size_mismatch_names_the_file_and_writes_nothing(tmp_path, palette):
    ids = make_dataset(tmp_path)
    bad = tmp_path / "pps" / f"{ids[1]}_gtFine_leftImg8bit.png"
    write_png(bad, np.zeros((H, W + 1, 3), np.uint8))
    jobs = plan_jobs(gt=tmp_path / "gt", pred=tmp_path / "pps")
    with pytest.raises(PpsError, match=rf"^{bad}: size 33x24, expected 32x24 \({ids[1]}_gtFinePanopticParts.tif\)$"):
        visualize(jobs, tmp_path / "out", palette=palette)
    assert not (tmp_path / "out").exists()


def test_sizes_are_checked_against_images_json(tmp_path, palette):
    ids = make_dataset(tmp_path, ids=("a",))
    (tmp_path / "images.json").write_text(json.dumps({"images": [{"id": "a", "file_name": "a.png", "width": 8, "height": 4}]}))
    jobs = plan_jobs(gt=tmp_path / "gt", pred=None, images_json=tmp_path / "images.json")
    assert jobs[0].key == ids[0] and jobs[0].size == (8, 4)
    with pytest.raises(PpsError, match=r"a_gtFinePanopticParts.tif: size 32x24, expected 8x4 \(images.json\)$"):
        visualize(jobs, tmp_path / "out", palette=palette)


def test_invalid_uids_are_a_user_error(tmp_path, palette):
    write_uid_tiff(tmp_path / "x.tif", np.array([[7, 123], [-1, 7]], np.int32))
    with pytest.raises(PpsError, match=r"x.tif: invalid uids -1, 123 \(3-digit"):
        visualize(plan_jobs(gt=tmp_path / "x.tif", pred=None), tmp_path / "out", palette=palette)


def _app() -> typer.Typer:
    """The real app once `visualize` is registered there, else a stand-in with the same command."""
    if any(c.name == "visualize" for c in cli.app.registered_commands):
        return cli.app
    app = typer.Typer()
    app.callback()(lambda: None)
    app.command("visualize")(visualize_command)
    return app


runner = CliRunner()


def test_cli_writes_one_png_per_image(tmp_path):
    ids = make_dataset(tmp_path)
    args = ["visualize", "-s", "cpp-default", "--gt", str(tmp_path / "gt"), "--pred", str(tmp_path / "pps")]
    args += ["--image-dir", str(tmp_path / "images"), "-o", str(tmp_path / "vis"), "-j", "1", "--scale", "0.5"]
    result = runner.invoke(_app(), args)
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in (tmp_path / "vis").iterdir()) == sorted([f"{i}.png" for i in ids] + ["legend.png"])
    assert read_png(tmp_path / "vis" / f"{ids[0]}.png", channels=3).shape[0] >= 22 + H // 2


def test_cli_bad_input_is_one_line_exit_2(tmp_path):
    ids = make_dataset(tmp_path)
    bad = tmp_path / "pps" / f"{ids[0]}_gtFine_leftImg8bit.png"
    write_png(bad, np.zeros((H, W), np.uint8))  # grayscale, not a 3-channel PPS PNG
    args = ["visualize", "-s", "cpp-default", "--gt", str(tmp_path / "gt"), "--pred", str(tmp_path / "pps")]
    result = runner.invoke(_app(), [*args, "-o", str(tmp_path / "vis"), "-j", "1"])
    assert result.exit_code == 2, result.output
    lines = result.stderr.strip().splitlines()
    assert lines[-1] == f"error: {bad}: 8-bit grayscale PNG, expected an 8-bit RGB PNG" and "Traceback" not in result.output
    assert not (tmp_path / "vis").exists()
    result = runner.invoke(_app(), ["visualize", "-s", "cpp-default", "-o", str(tmp_path / "vis")])
    assert result.exit_code == 2 and result.stderr.strip().startswith("error: --gt/--pred: give ground truth")


def test_cli_on_generated_demo_data(tmp_path):
    from pps_cli.demo import synth
    synth.generate_demo(tmp_path / "demo", dataset="cityscapes", num_images=2, height=64, width=128, seed=0)
    args = ["visualize", "-s", "cpp-default", "--gt", str(tmp_path / "demo" / "gt")]
    args += ["--pred", str(tmp_path / "demo" / "predictions" / "pps"), "--image-dir", str(tmp_path / "demo" / "images")]
    result = runner.invoke(_app(), [*args, "-o", str(tmp_path / "vis"), "-j", "2"])
    assert result.exit_code == 0, result.output
    assert len(list((tmp_path / "vis").glob("*.png"))) == 3


def test_cli_ids_as_a_list_or_a_file_like_the_other_commands(tmp_path):
    from pps_cli.demo import synth

    synth.generate_demo(tmp_path / "demo", dataset="cityscapes", num_images=3, height=32, width=64, seed=0)
    gt = tmp_path / "demo" / "gt"
    ids = sorted(p.name.removesuffix("_gtFinePanopticParts.tif") for p in gt.rglob("*.tif"))
    args = ["visualize", "-s", "cpp-default", "--gt", str(gt), "-j", "1"]
    result = runner.invoke(_app(), [*args, "--ids", f"{ids[2]}, {ids[0]}", "-o", str(tmp_path / "list")])
    assert result.exit_code == 0, result.output
    assert sorted(p.stem for p in (tmp_path / "list").glob("*.png") if p.stem != "legend") == [ids[0], ids[2]]
    (tmp_path / "ids.txt").write_text(f"# the one to look at\n{ids[1]}\n\n")
    result = runner.invoke(_app(), [*args, "--ids", str(tmp_path / "ids.txt"), "-o", str(tmp_path / "file")])
    assert result.exit_code == 0, result.output
    assert sorted(p.stem for p in (tmp_path / "file").glob("*.png") if p.stem != "legend") == [ids[1]]
    for bad, message in [("nope", "error: --ids: unknown image ids: nope"), (" , ", "error: --ids: no image ids given")]:
        result = runner.invoke(_app(), [*args, "--ids", bad, "-o", str(tmp_path / "bad")])
        assert result.exit_code == 2 and result.stderr.strip() == message, result.output
    assert not (tmp_path / "bad").exists()


# ----------------------------------------------------------------------------- error views


def test_error_view_panel_colors_known_pixels(tmp_path, palette):
    from pps_cli.error_view import CODE_COLORS, FN, FP, IGNORED, TP, VOID_CODE

    # 4x8: road everywhere (GT); columns 6-7 are GT ego vehicle (sid 1, not evaluated: void);
    # prediction: road in columns 0-3, car (no car in GT: FP) in columns 4-5, ego vehicle in 6-7
    uids = np.full((4, 8), ROAD, np.int32)
    uids[:, 6:] = 1
    pps = np.zeros((4, 8, 3), np.uint8)
    pps[:, :4] = (ROAD, 1, 1)
    pps[:, 4:6] = (CAR, 1, 1)
    pps[:, 6:] = (1, 0, 0)
    write_uid_tiff(tmp_path / "gt" / "x.tif", uids)
    write_png(tmp_path / "pps" / "x.png", pps)
    jobs = plan_jobs(gt=tmp_path / "gt", pred=tmp_path / "pps")
    spec = load_eval_spec("cpp-default")
    # road: GT 24 px, predicted 16, IoU 16/24 > 0.5 -> TP; car 8 px on road -> FP
    results = visualize(jobs, tmp_path / "out", palette=palette, legend=False, workers=1, errors_spec=spec)
    assert results[0].error_codes == (VOID_CODE, TP, FP)  # the road under the car is FP (FP wins over TP)
    image = read_png(tmp_path / "out" / "x.png", channels=3)
    assert image.shape == (22 + 4, 3 * 8 + 2 * 4, 3)  # GT | prediction | errors
    errors = image[22:, 2 * (8 + 4) :]
    assert tuple(errors[0, 0]) == tuple(CODE_COLORS[TP]) and tuple(errors[3, 3]) == tuple(CODE_COLORS[TP])
    assert tuple(errors[1, 5]) == tuple(CODE_COLORS[FP])
    assert tuple(errors[2, 7]) == tuple(CODE_COLORS[VOID_CODE])
    # ego vehicle is drawn as void in the GT and prediction panels too
    assert tuple(image[22, 7]) == VOID_COLOR and tuple(image[22 + 1, 8 + 4 + 7]) == VOID_COLOR
    assert FN not in results[0].error_codes and IGNORED not in results[0].error_codes
    visualize(jobs, tmp_path / "out2", palette=palette, legend=False, workers=2, errors_spec=spec)
    assert (tmp_path / "out2" / "x.png").read_bytes() == (tmp_path / "out" / "x.png").read_bytes()


def test_error_legend_lists_outcomes_and_scales(palette):
    from pps_cli.error_view import FP, FP_FN, TP, VOID_CODE
    from pps_cli.visualize import legend_scale

    classes = ImageClasses("x", (ROAD, 1), (ROAD,), True, False, (VOID_CODE, TP, FP, FP_FN))
    names = [e.name for e in legend_entries(classes, palette=palette)]
    assert names == ["1 ego vehicle (not evaluated)", "7 road", "void / not evaluated", "true positive", "false positive", "FP and FN"]
    assert legend_scale(128) == 1.0 and legend_scale(1024) == 4.0 and legend_scale(100000) == 8.0
    small = render_legend(legend_entries(classes, palette=palette))
    large = render_legend(legend_entries(classes, palette=palette), scale=2.0)
    assert large.shape[0] == 2 * small.shape[0] and large.shape[1] > 1.8 * small.shape[1]


def test_cli_errors_on_demo_data_and_needs_both_inputs(tmp_path):
    from pps_cli.demo.synth import generate_demo

    generate_demo(tmp_path / "demo", num_images=1, height=64, width=128, seed=2)
    base = ["visualize", "-s", "cpp-default", "--gt", str(tmp_path / "demo" / "gt"), "-j", "1"]
    pred = ["--pred", str(tmp_path / "demo" / "predictions" / "pps")]
    result = runner.invoke(_app(), [*base, *pred, "--errors", "-o", str(tmp_path / "a"), "--scale", "4"])
    assert result.exit_code == 0, result.output
    (png,) = [p for p in (tmp_path / "a").iterdir() if p.name != "legend.png"]
    # GT, prediction and error panels of 512 px each, and the legend
    assert read_png(png, channels=3).shape[1] > 3 * 512
    result = runner.invoke(_app(), [*base, "--errors", "-o", str(tmp_path / "b")])
    assert result.exit_code == 2 and result.stderr.strip() == "error: --errors: needs both --gt and --pred"
    assert not (tmp_path / "b").exists()


def test_pascal_class_colors_are_distinct():
    import itertools

    from pps_cli.visualize import MIN_DELTA_E, _lab

    spec = load_eval_spec("ppp-default")
    colors = Palette.from_spec(spec).colors
    lab = _lab(colors[list(spec.eval_sids)])
    closest = min(float(np.linalg.norm(lab[a] - lab[b])) for a, b in itertools.combinations(range(59), 2))
    # the VOC palette has sofa (0, 192, 0) and sign (32, 192, 0) at a Lab distance of 2.1
    assert closest >= MIN_DELTA_E and len(spec.eval_sids) == 59
    assert VOID_COLOR not in {tuple(int(c) for c in colors[sid]) for sid in spec.eval_sids}
    kept = [sid for sid in spec.eval_sids if tuple(colors[sid]) == tuple(spec.dataset.colors[sid])]
    assert len(kept) == 47 and tuple(colors[18]) == (0, 192, 0)  # the official color of sofa stays; sign (82) moves
    assert tuple(colors[82]) != (32, 192, 0)
    # Cityscapes colors are all distinct enough: kept as they are
    cpp = load_eval_spec("cpp-default")
    assert all(tuple(Palette.from_spec(cpp).colors[sid]) == tuple(cpp.dataset.colors[sid]) for sid in cpp.eval_sids)
