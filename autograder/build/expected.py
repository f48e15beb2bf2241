"""Expected arrays: recorded from the reference by each assignment's seeded
recipe, committed under ``assignments/<id>/expected/``, and verified on every
build so that a change to the reference that moves them is caught."""
import importlib.util
import json
from pathlib import Path

import numpy as np

from ..sources import ASSIGNMENTS


def recipe(assignment_id, filename="expected_recipe.py"):
    path = ASSIGNMENTS / assignment_id / filename
    spec = importlib.util.spec_from_file_location(f"{path.stem}_{assignment_id}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def write(stem, arrays, tolerances):
    """``<stem>.npz`` and ``<stem>.json`` (the tolerances of its keys)."""
    stem = Path(stem)
    stem.parent.mkdir(parents=True, exist_ok=True)
    np.savez(stem.with_suffix(".npz"), **{k: np.asarray(v) for k, v in arrays.items()})
    stem.with_suffix(".json").write_text(json.dumps(
        {k: v for k, v in tolerances.items() if k in arrays}, indent=1, sort_keys=True) + "\n")


def read(stem):
    with np.load(Path(stem).with_suffix(".npz"), allow_pickle=False) as data:
        return {k: data[k] for k in data.files}


def committed_dir(assignment_id):
    return ASSIGNMENTS / assignment_id / "expected"


def record(assignment_id):
    """Recompute the arrays from the reference and commit-ready write them."""
    public, hidden, tolerances = recipe(assignment_id).record()
    write(committed_dir(assignment_id) / "public", public, tolerances)
    write(committed_dir(assignment_id) / "hidden_expected", hidden, tolerances)
    return committed_dir(assignment_id)


def verified(assignment_id):
    """The committed arrays, after checking that the reference reproduces them."""
    public, hidden, tolerances = recipe(assignment_id).record()
    folder = committed_dir(assignment_id)
    if not (folder / "public.npz").exists():
        raise SystemExit(f"{folder} has no recorded arrays: run `python -m autograder record {assignment_id}`")
    drift = []
    for stem, fresh in (("public", public), ("hidden_expected", hidden)):
        stored = read(folder / stem)
        for key in sorted(set(fresh) | set(stored)):
            if key not in fresh or key not in stored:
                drift.append(f"{stem}:{key} is {'new' if key in fresh else 'gone'}")
            elif not np.allclose(np.asarray(fresh[key]), stored[key], rtol=1e-12, atol=0):
                drift.append(f"{stem}:{key} changed")
    if drift:
        raise SystemExit(f"the reference no longer reproduces {folder}:\n  " + "\n  ".join(drift)
                         + f"\nIf the change is intended, run `python -m autograder record "
                           f"{assignment_id}` and commit the new arrays.")
    return read(folder / "public"), read(folder / "hidden_expected"), tolerances
