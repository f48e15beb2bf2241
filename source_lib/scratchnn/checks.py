"""The one comparison behind every check a notebook runs and every autograder test.

``check_close("Linear.forward", out, expected)`` prints one ``OK`` line, or
raises :class:`CheckFailed` with a message that says, in words, what is wrong:
not implemented yet, the wrong type, shape or dtype, or the largest relative
error against the tolerance and the first index that is off. NumPy warnings
raised while computing the answer are captured and shown as hints (a grader
counts anything written to stderr as a failure).

When the grader runs a notebook (``$SCRATCHNN_ANSWERS`` names a folder), every
check also leaves its answer there, so that the grader can judge it again in a
process where no student code ever ran; a hidden check whose expected value is
withheld (it is not in the kernel's copy) only leaves its answer.
"""
import contextlib
import itertools
import json
import os
import warnings
from pathlib import Path

import numpy as np

DEFAULT_RTOL, DEFAULT_ATOL = 1e-6, 1e-8


class CheckFailed(AssertionError):
    """A check did not pass; the message explains why."""


@contextlib.contextmanager
def captured_warnings():
    """Collect NumPy and Python warnings instead of printing them to stderr."""
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="warn", under="ignore"):
        warnings.simplefilter("always")
        yield caught


def run(name, compute):
    """Call ``compute()`` and return its result and the warnings it raised;
    a missing implementation becomes a clear :class:`CheckFailed`."""
    with captured_warnings() as caught:
        try:
            result = compute()
        except NotImplementedError as exc:
            raise CheckFailed(f"{name}: not implemented yet ({exc})") from None
    return result, [str(w.message) for w in caught]


def check_close(name, actual, expected, rtol=DEFAULT_RTOL, atol=DEFAULT_ATOL, hints=()):
    """Compare ``actual`` with ``expected``; print OK or raise CheckFailed."""
    problem = describe_mismatch(actual, expected, rtol, atol)
    if problem:
        hint = "".join(f"\n  hint: NumPy warned '{h}' while computing it" for h in hints)
        raise CheckFailed(f"{name}: {problem}{hint}")
    print(f"OK  {name}")


def check(name, compute, expected, rtol=DEFAULT_RTOL, atol=DEFAULT_ATOL, fixed=True):
    """``check_close`` on the result of ``compute()``, warnings shown as hints.
    ``fixed``: ``expected`` is the same for every submission (a literal, or
    worked out from the cell's own inputs), so the grader compares with the
    reference's; pass False for a consistency check whose expected value comes
    from the submission's own results."""
    actual, hints = run(name, compute)
    record_answer(name, actual, rtol, atol, expected=expected, fixed=fixed)
    check_close(name, actual, expected, rtol, atol, hints)


def answer_of(cell_name, names, namespace):
    """The values ``names`` that the notebook's solution cell ``cell_name``
    defines in ``namespace`` (the notebook's ``globals()``), or a CheckFailed
    saying that cell is not done yet (not a NameError in the test after it)."""
    missing = [n for n in names if n not in namespace]
    if missing:
        raise CheckFailed(f"{cell_name}: not implemented yet (fill in the cell that defines {', '.join(missing)})")
    return namespace[names[0]] if len(names) == 1 else tuple(namespace[n] for n in names)


def judged_from_file(name, judge, compute, **params):
    """An answer the grader works out itself, in its own process and with its
    own code, from a file the student hands in (``judge``: "accuracy" or
    "predictions", with ``params`` such as ``file``, ``dataset``, ``split``,
    ``goal``); ``compute()`` is the notebook's own figure, shown, never trusted."""
    actual, _ = run(name, compute)
    record_answer(name, actual, 0.0, 0.0, compared=False, judge=judge, **params)
    return actual


_answers = itertools.count()


def record_answer(name, actual, rtol, atol, expected=None, compared=True, **how):
    """Leave ``actual`` for the grader's own judgement (only while grading).
    Without ``expected``, the expected value is a recorded array, and the
    grader compares with the reference's answer; with it, the grader compares
    with ``expected`` (the reference's, when ``how`` says ``fixed``).
    ``compared``: the notebook compares it too."""
    folder = os.environ.get("SCRATCHNN_ANSWERS")
    if not folder:
        return
    meta = json.dumps({"name": name, "rtol": rtol, "atol": atol, "compared": compared,
                       "recorded": expected is None, **how})
    arrays = {"value": _storable(actual)}
    if expected is not None:
        arrays["expected"] = _storable(expected)
    with open(Path(folder) / f"{next(_answers):06d}.npz", "wb") as f:
        np.savez(f, meta=np.array(meta), **arrays)


def _storable(value):
    """Numbers as an array; anything else as its (short) text, judged wrong."""
    try:
        array = np.asarray(value)
        if array.dtype.kind in "biufc":
            return array
    except (TypeError, ValueError):
        pass
    return np.array(repr(value)[:200])


def describe_mismatch(actual, expected, rtol=DEFAULT_RTOL, atol=DEFAULT_ATOL):
    """None if ``actual`` matches ``expected``, else a sentence saying how not."""
    if actual is None:
        return "got None: did you forget to return the result?"
    expected = np.asarray(expected)
    if not isinstance(actual, (np.ndarray, np.generic, float, int)):
        return f"expected a NumPy array, got {type(actual).__name__}"
    actual = np.asarray(actual)
    if actual.shape != expected.shape:
        return (f"shape {actual.shape} but expected {expected.shape}"
                + (" (same numbers of elements: a reshape or transpose is missing?)"
                   if actual.size == expected.size else ""))
    if expected.dtype.kind == "f" and actual.dtype.kind not in "fc":
        return f"dtype {actual.dtype} but expected floating point ({expected.dtype}): integer division?"
    if expected.dtype.kind in "iub":
        wrong = actual != expected
        if wrong.any():
            first = tuple(int(i) for i in np.argwhere(wrong)[0])
            return (f"{int(wrong.sum())} of {wrong.size} values differ; first at index {first}: "
                    f"got {actual[first]}, expected {expected[first]}")
        return None
    bad_actual = ~np.isfinite(actual)
    if (bad_actual & np.isfinite(expected)).any():
        first = tuple(int(i) for i in np.argwhere(bad_actual & np.isfinite(expected))[0])
        return f"contains {actual[first]} at index {first} (expected {expected[first]}): overflow?"
    with np.errstate(all="ignore"):  # a check must never write warnings itself
        error = np.abs(actual - expected)
        scale = np.abs(expected)
        rel = np.divide(error, scale, out=np.where(error > 0, np.inf, 0.0), where=scale > 0)
        wrong = ~np.isclose(actual, expected, rtol=rtol, atol=atol)
    if wrong.any():
        first = tuple(int(i) for i in np.argwhere(wrong)[0])
        return (f"{int(wrong.sum())} of {wrong.size} values are off; largest relative error "
                f"{rel.max():.3g} (tolerance {rtol:g}); first at index {first}: got "
                f"{actual[first]:.6g}, expected {expected[first]:.6g}")
    return None


class Expected:
    """Expected arrays and their tolerances, as the course build records them:
    ``<name>.npz`` beside ``<name>.json`` (``{"key": {"rtol": .., "atol": ..}}``)."""

    def __init__(self, path):
        path = Path(path)
        with np.load(path.with_suffix(".npz"), allow_pickle=False) as data:
            self.arrays = {k: data[k] for k in data.files}
        tol = path.with_suffix(".json")
        self.tolerances = json.loads(tol.read_text()) if tol.exists() else {}

    def __getitem__(self, key):
        return self.arrays[key]

    def check(self, name, key, compute):
        """Check ``compute()`` against the array ``key`` with its own tolerance;
        while grading, a withheld key is only answered, for the grader to judge."""
        tol = self.tolerances.get(key, {})
        rtol, atol = tol.get("rtol", DEFAULT_RTOL), tol.get("atol", DEFAULT_ATOL)
        withheld = key not in self.arrays and os.environ.get("SCRATCHNN_ANSWERS")
        actual, hints = run(name, compute)
        record_answer(name, actual, rtol, atol, compared=not withheld)
        if withheld:
            print(f"--  {name}: answer handed to the grader")
        else:
            check_close(name, actual, self.arrays[key], rtol, atol, hints)
