"""Kaggle-style submission files: one row per test example."""
import csv
from pathlib import Path

import numpy as np


def write_predictions_csv(path, predictions, ids=None, header=("Id", "Category")):
    """Write ``predictions`` (N,) integer classes to ``path`` as CSV with
    columns ``Id,Category``; ids default to ``0..N-1``. Returns the path."""
    predictions = np.asarray(predictions)
    if predictions.ndim != 1 or not np.issubdtype(predictions.dtype, np.integer):
        raise ValueError(f"predictions must be a 1-d integer array, got {predictions.dtype} "
                         f"of shape {predictions.shape} (did you forget argmax?)")
    ids = np.arange(len(predictions)) if ids is None else np.asarray(ids)
    if len(ids) != len(predictions):
        raise ValueError(f"{len(ids)} ids for {len(predictions)} predictions")
    path = Path(path)
    with open(path, "w", newline="") as f:
        ### BEGIN SOLUTION
        writer = csv.writer(f)
        writer.writerow(header)
        writer.writerows(zip(ids.tolist(), predictions.tolist()))
        ### END SOLUTION
    return path


def read_predictions_csv(path):
    """``(ids, predictions)`` from a file written by :func:`write_predictions_csv`."""
    data = np.loadtxt(path, delimiter=",", skiprows=1, dtype=np.int64, ndmin=2)
    return data[:, 0], data[:, 1]
