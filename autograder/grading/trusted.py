"""Answers the grader works out itself, in its own process and with the
reference library, from files a student hands in (trained weights, a
predictions CSV): the checks a notebook records with
``scratchnn.checks.judged_from_file``. Nothing the kernel computed is used;
what to measure (file, dataset, split, goal) comes from the reference's
recorded answer, never from the submission's; the held-out images and their
goal, from the course (``source/<id>/hidden_holdout.npz``)."""
import ast
import functools
import io
import json
import os
import stat
from pathlib import Path

import numpy as np

MAX_FILE_BYTES = 200 * 2**20
MAX_PARAMETERS = 50_000_000  # no network a course hands in is larger


def plain_file(path):
    """The bytes of ``path``, a regular file under the cap, opened without following a link."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_FILE_BYTES:
            raise ValueError(f"not a regular file of at most {MAX_FILE_BYTES:,} bytes")
        return f.read(MAX_FILE_BYTES + 1)


def trusted_model(path):
    """The network saved at ``path``, built by ``scratchnn.load_model`` (known
    layer types only, no pickle) after checking that its layers are no larger
    than the weights it holds (a description alone must not allocate much)."""
    from scratchnn import load_model
    data = plain_file(path)
    with np.load(io.BytesIO(data), allow_pickle=False) as saved:
        held = sum(saved[k].size for k in saved.files if k != "__meta__")
        layers = json.loads(str(saved["__meta__"])).get("layers", [])
    declared = 0
    for text in map(str, layers):
        call = ast.parse(text, mode="eval").body
        if isinstance(call, ast.Call):
            sizes = [ast.literal_eval(a) for a in call.args] + [ast.literal_eval(k.value) for k in call.keywords]
            numbers = [n for n in sizes if isinstance(n, int)][:2]
            declared += int(np.prod(numbers)) if len(numbers) == 2 else 0
    if declared > min(held, MAX_PARAMETERS):
        raise ValueError(f"its layers declare {declared:,} weights but it holds {held:,}")
    return load_model(io.BytesIO(data))


@functools.lru_cache(maxsize=4)
def held_out(dataset):
    """``{"val": (X, y), "test": (X, y)}`` of ``dataset``, prepared as the
    assignment's notebook prepares them, by the reference's code."""
    from scratchnn.data import load_cifar10, load_mnist, normalize
    if dataset == "mnist":
        d = load_mnist(dtype=np.float32)
        return {"val": (d["X_val"], d["y_val"]), "test": (d["X_test"], d["y_test"])}
    if dataset == "cifar10":
        d = load_cifar10(num_test=10000)
        rows = [x.reshape(len(x), -1) for x in (d["X_train"], d["X_val"], d["X_test"])]
        _, X_val, X_test = normalize(*rows)
        return {"val": (X_val, d["y_val"]), "test": (X_test, d["y_test"])}
    raise ValueError(f"no held-out data for {dataset!r}")


@functools.lru_cache(maxsize=4)
def shipped_holdout(path):
    """``(X, y, goal)`` of the held-out images the course was built with
    (:mod:`autograder.build.holdout`), prepared as the notebook prepares its own."""
    from scratchnn.data import _scaled
    with np.load(path, allow_pickle=False) as saved:
        X = _scaled(saved["x"], np.float32)
        if "mean" in saved.files:
            X = (X - saved["mean"]) / saved["std"]
        return X, saved["y"].astype(np.int64), float(saved["goal"])


def accuracy(folder, meta, holdout=None):
    """None if the handed-in network reaches the goal, else why not: on the
    images the course was built with (``holdout``, their goal) for the split
    "holdout", on this machine's copy of the dataset for another split."""
    from scratchnn import accuracy as score, predict
    if meta["split"] == "holdout":
        if holdout is None or not Path(holdout).is_file():
            return "the course's held-out images are missing: build the course again"
        X, y, goal = shipped_holdout(str(holdout))
    else:
        (X, y), goal = held_out(meta["dataset"])[meta["split"]], meta["goal"]
    reached = score(predict(trusted_model(folder / meta["file"]), X), y)
    if reached < goal:
        where = "held-out" if meta["split"] == "holdout" else meta["split"]
        return f"{meta['file']} reaches {reached:.4f} on the {where} images; the goal is {goal}"
    return None


def predictions(folder, meta):
    """None if the predictions file covers the test images in order, agrees with
    the handed-in network and reaches the goal, else why not."""
    from scratchnn import accuracy as score, predict
    X, y = held_out(meta["dataset"])["test"]
    text = plain_file(folder / meta["file"]).decode("utf-8", "replace")
    lines = text.splitlines()
    if not lines or lines[0].strip() != "Id,Category":
        return f"{meta['file']} does not start with the header Id,Category"
    rows = np.loadtxt(io.StringIO("\n".join(lines[1:])), delimiter=",", dtype=np.int64, ndmin=2)
    if rows.shape != (len(X), 2) or not np.array_equal(rows[:, 0], np.arange(len(X))):
        return f"{meta['file']} does not hold one row per test image, ids 0 to {len(X) - 1} in order"
    agree = np.mean(rows[:, 1] == predict(trusted_model(folder / meta["weights"]), X))
    if agree < 0.99:
        return f"only {agree:.1%} of {meta['file']} are the predictions of {meta['weights']}"
    reached = score(rows[:, 1], y)
    return None if reached >= meta["goal"] else (f"{meta['file']} reaches {reached:.4f} test accuracy; "
                                                 f"the goal is {meta['goal']}")


JUDGES = {"accuracy": accuracy, "predictions": predictions}


def judge_file(folder, meta, holdout=None):
    """Run the judge ``meta["judge"]`` on the submission's ``folder``; None if
    the answer stands, else why not (an unreadable file is a wrong answer).
    ``holdout``: the course's held-out images, for the accuracy judge."""
    try:
        return JUDGES[meta["judge"]](folder, meta, **({"holdout": holdout} if meta["judge"] == "accuracy" else {}))
    except Exception as exc:  # noqa: BLE001 - a handed-in file is data
        return f"{meta.get('file')} could not be judged: {type(exc).__name__}: {str(exc)[:200]}"
