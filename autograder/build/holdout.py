"""The held-out images an assignment's handed-in network is graded on, fixed
when the course is built and shipped with its hidden data
(``source/<id>/hidden_holdout.npz``): every grader of the course measures
the same images against the same goal, whatever it has cached itself.

A manifest's ``"holdout"`` names the dataset and the goal, and the goal of
a practice course built without the full dataset (only MNIST has a bundled
subset, on which no network reaches the real goal): ``{"dataset": "mnist",
"goal": 0.97, "bundled_goal": 0.90}``. The file holds the test images as
uint8 pixels, their labels, the goal, the source ("full" or "bundled") and,
for CIFAR-10, the training mean and deviation the notebook normalises with.
"""
from pathlib import Path

import numpy as np

from .. import sources

FILENAME = "hidden_holdout.npz"


def _mnist():
    import data_scripts
    if data_scripts.is_cached("mnist"):
        raw, source = data_scripts.load("mnist"), "full"
    else:
        raw, source = data_scripts.load_bundled(), "bundled"
    return {"x": raw["x_test"].reshape(len(raw["x_test"]), -1), "y": raw["y_test"]}, source


def _cifar10():
    from scratchnn.data import load_cifar10
    import data_scripts
    d = load_cifar10(num_test=10000)
    rows = d["X_train"].reshape(len(d["X_train"]), -1)
    raw = data_scripts.load("cifar10")["x_test"][:10000]
    return {"x": raw.transpose(0, 3, 1, 2).reshape(len(raw), -1), "y": d["y_test"],
            "mean": rows.mean(axis=0), "std": rows.std(axis=0) + 1e-8}, "full"


LOADERS = {"mnist": _mnist, "cifar10": _cifar10}


def write(dest, assignment_id, progress=print):
    """``dest/hidden_holdout.npz`` for ``assignment_id`` (nothing without a
    ``"holdout"`` in its manifest); returns its path or None."""
    spec = sources.manifest(assignment_id).get("holdout")
    if not spec:
        return None
    arrays, source = LOADERS[spec["dataset"]]()
    goal = spec["goal"] if source == "full" else spec.get("bundled_goal")
    if goal is None:
        raise SystemExit(f"{assignment_id}: {spec['dataset']} is not cached: fetch it first "
                         f"(`python -m data_scripts fetch {spec['dataset']}`)")
    if source != "full":
        progress(f"{assignment_id}: {spec['dataset']} is not cached, so this is a practice course: its network is "
                 f"graded on the bundled subset's {len(arrays['y']):,} test images against {goal} (the goal is "
                 f"{spec['goal']} on the full dataset: `python -m data_scripts fetch {spec['dataset']}`, then build)")
    path = Path(dest) / FILENAME
    np.savez(path, **arrays, goal=np.array(goal), source=np.array(source),
                        dataset=np.array(spec["dataset"]))
    return path
