"""docs/api.md: every python block runs, and its worked examples give the numbers of the file-based commands."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch

from pps_cli.io import read_json
from pps_cli.specs import load_eval_spec

from .api_demo import as_json, image_pairs, make_demos, panoptic_inputs, without_file_names

DOC = Path(__file__).parents[1] / "docs" / "api.md"


@pytest.fixture(scope="session")
def demos(tmp_path_factory):
    return make_demos(tmp_path_factory)


@pytest.fixture(scope="module")
def namespace():
    """The names defined by running every ```python block of docs/api.md in order (they must all run)."""
    blocks = re.findall(r"^```python\n(.*?)^```", DOC.read_text(encoding="utf-8"), flags=re.S | re.M)
    assert len(blocks) >= 4
    names: dict = {"__name__": "docs_api"}
    for block in blocks:
        exec(compile(block, str(DOC), "exec"), names)  # noqa: S102
    return names


def detectron2_batches(root: Path, batch_size: int = 2):
    """(inputs, outputs) per batch as a detectron2 panoptic model with a part head gives them: tensors,
    contiguous category ids, (P, H, W) part logits."""
    contiguous = {sid: index for index, sid in enumerate(load_eval_spec("cpp-default").eval_sids)}
    items = []
    for gt, segment_ids, segments_info, part_ids in panoptic_inputs(root, "cpp-default"):
        info = [{**s, "category_id": contiguous[s["category_id"]]} for s in segments_info]
        logits = torch.nn.functional.one_hot(torch.from_numpy(part_ids).long(), 256).permute(2, 0, 1).float()
        items.append(
            ({"pps_gt": torch.from_numpy(gt)}, {"panoptic_seg": (torch.from_numpy(segment_ids), info), "part_seg": logits})
        )
    for start in range(0, len(items), batch_size):
        batch = items[start : start + batch_size]
        yield [i for i, _ in batch], [o for _, o in batch]


def test_detectron2_style_evaluator_gives_the_results_of_pps_run(namespace, demos):
    root = demos["cpp-default"]
    evaluator = namespace["PartPanopticEvaluator"]("cpp-default")
    evaluator.reset()
    for inputs, outputs in detectron2_batches(root):
        evaluator.process(inputs, outputs)
    scores = evaluator.evaluate()
    expected = without_file_names(read_json(root / "out" / "results.json"))
    assert as_json(scores["results"]) == expected
    assert scores["PartPQ"] == expected["summary"]["all"]["PartPQ"] and scores["PQ"] == expected["pq"]["All"]["pq"]


def test_detectron2_style_evaluator_gathers_the_states_of_every_process(namespace, demos):
    root = demos["cpp-default"]
    sent: dict[int, dict] = {}

    def gather_of(rank):
        def gather(state, dst=0):  # what detectron2.utils.comm.gather returns on each rank
            sent[rank] = state
            return [sent[r] for r in sorted(sent)] if rank == dst else []

        return gather

    ranks = [namespace["PartPanopticEvaluator"]("cpp-default", gather=gather_of(rank)) for rank in (0, 1)]
    for n, (inputs, outputs) in enumerate(detectron2_batches(root, batch_size=1)):
        ranks[min(n, 1)].process(inputs, outputs)  # rank 0: image 1, rank 1: images 2 and 3
    assert ranks[1].evaluate() is None
    scores = ranks[0].evaluate()
    expected = read_json(root / "out" / "results.json")
    assert scores["results"]["num_images"] == 3
    assert scores["PartPQ"] == pytest.approx(expected["summary"]["all"]["PartPQ"], abs=1e-12)
    assert scores["results"]["miou"] == expected["miou"]


def test_lightning_style_module_gives_the_numbers_of_pps_evaluate(namespace, demos):
    root = demos["cpp-default"]
    pairs = image_pairs(root, root / "predictions" / "pps")
    module = namespace["PartSegmentationModule"](torch.nn.Identity())  # the "network" returns the PPS predictions
    for batch_idx, start in enumerate(range(0, len(pairs), 2)):
        batch = pairs[start : start + 2]
        images = torch.from_numpy(np.stack([pred for _, pred in batch]))
        module.validation_step({"image": images, "pps_gt": torch.from_numpy(np.stack([gt for gt, _ in batch]))}, batch_idx)
    scores = module.on_validation_epoch_end()
    from pps_cli.api import Evaluator

    expected = Evaluator("cpp-default")
    for gt, pred in pairs:
        expected.update(gt, pred)
    document = expected.compute()
    assert scores["PartPQ"].item() == document["summary"]["all"]["PartPQ"]
    assert scores["PQ"].item() == document["pq"]["All"]["pq"]
    assert scores["mIoU_parts"].item() == document["miou"]["parts"]["mIoU"]
    assert int(module.val_quality.num_images) == 0  # reset for the next epoch
