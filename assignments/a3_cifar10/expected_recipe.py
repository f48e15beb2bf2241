"""The arrays Assignment 3's notebook checks against, computed by the
reference (the library, and the notebook's own solution of ``preprocess``).
``public`` is shipped to students; ``hidden`` uses other inputs and shapes
and reaches only the grader."""
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
from notebook_cells import namespace  # noqa: E402

from scratchnn import confusion_matrix  # noqa: E402

TOLERANCES = {**{f"pre_out_{k}": {"rtol": 1e-5, "atol": 1e-6} for k in "abc"},
              "cm_matrix": {"rtol": 0, "atol": 0}, "build_shapes": {"rtol": 0, "atol": 0},
              **{k: {"rtol": 0, "atol": 0} for k in ("csv_rows", "cm_repeat", "cm_row_sums", "csv_header_ok",
                                                     "csv_header_rows", "csv_count_rows", "pre_kept_a",
                                                     "pre_kept_b", "pre_kept_c")}}


def _unseen_case():
    """Hidden only: the weight shapes of a network of unseen depth and width, and
    the rows a predictions file with ids of its own holds."""
    sizes = [20, 200, 200, 200, 7]
    predictions, ids = np.array([4, 4, 2, 8, 0]), np.array([21, 3, 9, 14, 5])
    return {"build_shapes": np.array(list(zip(sizes[:-1], sizes[1:]))),
            "csv_predictions": predictions, "csv_ids": ids, "csv_rows": np.stack([ids, predictions], axis=1)}


def _edge_cases(case):
    """Hidden only: edge cases, each as its inputs and the reference's answer, so
    that a hidden test's source shows inputs and keys, never an expected value."""
    edges = {f"pre_kept_{k}": case[f"pre_{k}"] for k in "abc"}  # preprocess must leave its inputs alone
    edges["cm_repeat"] = np.array(confusion_matrix(np.full(5, 1), np.full(5, 2), 4)[1, 2])
    edges["cm_row_sums"] = confusion_matrix(case["cm_true"], case["cm_pred"], int(case["cm_classes"])).sum(axis=1)
    edges["csv_header_predictions"], edges["csv_header_ids"] = np.array([7, 7, 1, 0]), np.array([10, 11, 15, 2])
    edges["csv_header_ok"] = np.array(True)  # "ImageId,Label"
    edges["csv_header_rows"] = np.stack([edges["csv_header_ids"], edges["csv_header_predictions"]], axis=1)
    edges["csv_count_predictions"] = np.arange(12) % 10
    edges["csv_count_rows"] = np.stack([np.arange(12), edges["csv_count_predictions"]], axis=1)
    return edges


def _images(rng, shapes, dtype):
    """Images with features of different means and spreads, so that per-feature
    statistics matter."""
    scale = rng.uniform(0.2, 3.0, shapes[0][1:])
    offset = rng.uniform(-2.0, 2.0, shapes[0][1:])
    return [(offset + scale * rng.standard_normal(s)).astype(dtype) for s in shapes]


def _case(seed, shapes, dtype, num_labels, num_classes, n):
    rng = np.random.default_rng(seed)
    preprocess = namespace(["preprocess"])["preprocess"]
    arrays = _images(rng, shapes, dtype)
    case = {f"pre_{k}": x for k, x in zip("abc", arrays)}
    case.update({f"pre_out_{k}": x for k, x in zip("abc", preprocess(*[x.copy() for x in arrays]))})
    case["cm_true"] = rng.integers(0, num_labels, n)
    case["cm_pred"] = np.where(rng.random(n) < 0.5, case["cm_true"], rng.integers(0, num_labels, n))
    case["cm_classes"] = np.array(num_classes)
    case["cm_matrix"] = confusion_matrix(case["cm_true"], case["cm_pred"], num_classes)
    return case


def record():
    """``(public, hidden, tolerances)``."""
    public = _case(31, [(7, 3, 2, 2), (4, 3, 2, 2)], np.float32, 4, 4, 40)
    hidden = {**_case(32, [(9, 2, 3, 3), (5, 2, 3, 3), (3, 2, 3, 3)], np.float64, 5, 6, 60), **_unseen_case()}
    hidden.update(_edge_cases(hidden))
    return public, hidden, TOLERANCES
