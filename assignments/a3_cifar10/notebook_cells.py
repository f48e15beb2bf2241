"""Run answer cells of the assignment's notebook source outside a notebook, so
that the expected arrays and the reference artifacts come from the very code
a solved notebook runs (not from a copy that could drift from it)."""
from pathlib import Path

import jupytext

NOTEBOOK = Path(__file__).with_name("01_cifar10.py")
PREAMBLE = """
import os
import numpy as np
import scratchnn as snn
from scratchnn import export, plots
from scratchnn.data import load_cifar10, normalize
GRADING = False
WEIGHTS, PREDICTIONS = "cifar_mlp.npz", "cifar10_predictions.csv"
"""


def cell_sources(path=NOTEBOOK):
    """``{id: source}`` of the cells whose header names an ``id``."""
    nb = jupytext.read(path, fmt="py:percent")
    return {c.metadata["id"]: c.source for c in nb.cells if "id" in c.metadata}


def namespace(ids, extra=None):
    """A namespace in which the preamble, ``extra`` and then the cells ``ids``
    (in that order) have run."""
    sources = cell_sources()
    ns = {"__name__": "a3_cifar10_cells"}
    exec(PREAMBLE + (extra or ""), ns)
    for cell_id in ids:
        code = "\n".join(l for l in sources[cell_id].splitlines() if not l.lstrip().startswith("%"))
        exec(compile(code, f"{NOTEBOOK.name}:{cell_id}", "exec"), ns)
    return ns
