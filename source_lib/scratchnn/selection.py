"""Model selection: k-fold cross-validation and hyperparameter search.

A *trial* is a function ``trial(params, X_train, y_train, X_val, y_val)``
that trains a fresh model with hyperparameters ``params`` (a dict) and
returns its validation accuracy (or a dict with at least ``"val_acc"``).
"""
import itertools

import numpy as np


def kfold_indices(n, k, seed=0):
    """``k`` pairs ``(train_idx, val_idx)`` that split a seeded permutation of
    ``range(n)`` into ``k`` folds of near-equal size; each example is in
    exactly one validation fold."""
    if not 2 <= k <= n:
        raise ValueError(f"k must be between 2 and the number of examples ({n}), got {k}")
    ### BEGIN SOLUTION
    # hint: np.array_split a seeded permutation into k folds; fold i validates, the rest train
    folds = np.array_split(np.random.default_rng(seed).permutation(n), k)
    return [(np.concatenate(folds[:i] + folds[i + 1:]), folds[i]) for i in range(k)]
    ### END SOLUTION


def cross_validate(trial, params, X, y, k=5, seed=0):
    """Mean and standard deviation over ``k`` folds of ``trial``'s validation
    accuracy, and the per-fold scores: ``(mean, std, scores)``."""
    scores = [_val_acc(trial(params, X[tr], y[tr], X[va], y[va]))
              for tr, va in kfold_indices(len(X), k, seed)]
    return float(np.mean(scores)), float(np.std(scores)), scores


def grid(**choices):
    """Every combination of the given choices, as a list of dicts:
    ``grid(lr=[0.1, 0.01], batch_size=[64])`` -> two settings."""
    names = list(choices)
    return [dict(zip(names, values)) for values in itertools.product(*choices.values())]


def random_settings(num, seed=0, **spaces):
    """``num`` random settings; each space is a list (pick one), or a tuple
    ``("log", low, high)`` / ``("uniform", low, high)`` / ``("int", low, high)``."""
    rng = np.random.default_rng(seed)

    def draw(space):
        if isinstance(space, list):
            return space[rng.integers(len(space))]
        kind, low, high = space
        if kind == "log":
            return float(np.exp(rng.uniform(np.log(low), np.log(high))))
        if kind == "uniform":
            return float(rng.uniform(low, high))
        if kind == "int":
            return int(rng.integers(low, high + 1))
        raise ValueError(f"unknown search space {space!r}")

    return [{name: draw(space) for name, space in spaces.items()} for _ in range(num)]


def search(trial, settings, X_train, y_train, X_val, y_val):
    """Run ``trial`` on every setting; return the results as a list of dicts
    (the setting plus what the trial returned), best validation accuracy first."""
    rows = []
    for params in settings:
        result = trial(dict(params), X_train, y_train, X_val, y_val)
        extra = result if isinstance(result, dict) else {"val_acc": result}
        rows.append({**params, **extra})
    return sorted(rows, key=lambda row: -_val_acc(row))


def format_table(rows, columns=None, floatfmt=".4g"):
    """Rows of dicts as an aligned text table (for notebooks and logs)."""
    if not rows:
        return "(no results)"
    columns = columns or list(dict.fromkeys(k for row in rows for k in row))
    cell = lambda v: format(v, floatfmt) if isinstance(v, float) else str(v)  # noqa: E731
    body = [[cell(row.get(c, "")) for c in columns] for row in rows]
    widths = [max(len(c), *(len(r[i]) for r in body)) for i, c in enumerate(columns)]
    line = lambda cells: "  ".join(s.rjust(w) for s, w in zip(cells, widths))  # noqa: E731
    return "\n".join([line(columns), line(["-" * w for w in widths])] + [line(r) for r in body])


def _val_acc(result):
    return float(result["val_acc"] if isinstance(result, dict) else result)
