"""The judgement outside the student's reach.

In the sandbox, every check a test cell runs hands its answer to the runner
(``scratchnn.checks.record_answer``); hidden checks can do nothing else, since
their expected values are withheld from the kernel. Here, in the grader's own
process where no student code ever ran, each test cell's answers are compared
with those of the reference solution, recorded at build by running it through
the same sandbox on the same inputs. A test cell keeps its points only if every
answer the reference gave is there and right, and if the notebook ran to it
without a cell timing out.

Where the notebook's own verdict (the points nbgrader gave) and this one
disagree on something the notebook could judge itself (a public check, a
missing answer), the submission is flagged for review: that is what
redefining the checker, NumPy or a builtin, or deleting a check, looks like.
"""
import io
import json
import os
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from scratchnn.checks import describe_mismatch

from .trusted import judge_file


@dataclass
class Verdict:
    """One test cell: kept its points or not, why, and whether to review it."""
    grade_id: str
    passed: bool
    reasons: list = field(default_factory=list)
    flagged: bool = False


MAX_ANSWER_BYTES, MAX_UNPACKED_BYTES = 16 * 2**20, 64 * 2**20  # the runner's cap; unpacked, per file


def read_answer(path):
    """``(name, arrays, meta)`` of one answer file, opened without following a
    link, regular and under its caps (packed and unpacked) before NumPy reads it."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(f.fileno())
        if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_ANSWER_BYTES:
            raise ValueError("not a regular file under the cap")
        packed = f.read(MAX_ANSWER_BYTES + 1)
    with zipfile.ZipFile(io.BytesIO(packed)) as archive:
        if sum(member.file_size for member in archive.infolist()) > MAX_UNPACKED_BYTES:
            raise ValueError("unpacks past the cap")
    with np.load(io.BytesIO(packed), allow_pickle=False) as data:
        meta = json.loads(str(data["meta"]))
        arrays = {k: data[k] for k in ("value", "expected") if k in data.files}
    return str(meta["name"]), arrays, meta


def load_answers(folder):
    """``{grade_id: [(name, arrays, meta), ...]}`` in the order they were
    given (``arrays``: "value", and "expected" if the check gave one);
    unreadable, linked or oversized files count as missing answers."""
    answers = {}
    folder = Path(folder)
    for cell in sorted(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink()) if folder.is_dir() else []:
        for path in sorted(cell.glob("*.npz")):
            try:
                answers.setdefault(cell.name, []).append(read_answer(path))
            except Exception:  # noqa: BLE001 - a file the kernel wrote is data, never trusted
                continue
    return answers


def _by_name(answers):
    grouped = {}
    for name, arrays, meta in answers:
        grouped.setdefault(name, []).append((arrays, meta))
    return grouped


def _mismatch(actual, expected, meta):
    if actual.dtype.kind == "U" or expected.dtype.kind == "U":
        return None if np.array_equal(actual, expected) else "not a number"
    return describe_mismatch(actual, expected, meta["rtol"], meta["atol"])


def judge_cell(grade_id, reference, student, folder=None, holdout=None):
    """Compare one cell's answers with the reference's, check by check, as the
    reference's recorded answer says (its tolerances, and how): an answer to a
    recorded array must equal the reference's answer; one to a fixed expected
    value must match the reference's expected value; a consistency check is
    redone against the expected value the submission gave; an answer judged
    from a handed-in file is worked out here (:mod:`.trusted`) from ``folder``
    (and the course's held-out images, ``holdout``)."""
    verdict = Verdict(grade_id, True)
    mine = _by_name(student)
    for name, given in _by_name(reference).items():
        for k, (ref, meta) in enumerate(given):
            if meta.get("judge"):
                wrong = judge_file(Path(folder), meta, holdout) if folder else "no handed-in files to judge"
                if wrong:  # the notebook may have shown otherwise: reviewed
                    verdict.passed, verdict.flagged = False, True
                    verdict.reasons.append(f"check '{name}': {wrong}")
                continue
            if k >= len(mine.get(name, [])):
                verdict.passed, verdict.flagged = False, True
                verdict.reasons.append(f"check '{name}' never gave its answer")
                continue
            arrays = mine[name][k][0]
            if meta.get("recorded"):
                target = ref["value"]
            else:
                target = ref.get("expected") if meta.get("fixed", True) else arrays.get("expected")
            wrong = _mismatch(arrays["value"], target, meta) if target is not None else "no expected value"
            if wrong:
                verdict.passed = False
                verdict.flagged |= bool(meta.get("compared"))
                verdict.reasons.append(f"check '{name}' is wrong" + (f": {wrong}" if meta.get("compared") else ""))
    return verdict


def timed_out_before(notebook):
    """``{grade_id: reason}`` for test cells run after a cell that timed out:
    the notebook did not run top to bottom, so their passing proves nothing."""
    out, stalled = {}, None
    for cell in notebook.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type != "code":
            continue
        if stalled and meta.get("grade"):
            out[meta["grade_id"]] = stalled
        if not stalled and any(o.get("output_type") == "error" and o.get("ename") in
                               ("CellTimeoutError", "KeyboardInterrupt") for o in cell.get("outputs", [])):
            stalled = f"an earlier cell ({meta.get('grade_id', 'unnamed')}) did not finish in time"
    return out


def judge_notebook(notebook, answers, reference, folder=None, holdout=None):
    """The verdicts on every test cell of an executed ``notebook``, given the
    answers its checks handed in and the reference's (both as :func:`load_answers`),
    and the submission's ``folder`` (for answers judged from handed-in files)."""
    stalled = timed_out_before(notebook)
    verdicts = []
    for cell in notebook.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade"):
            continue
        verdict = judge_cell(meta["grade_id"], reference.get(meta["grade_id"], []),
                             answers.get(meta["grade_id"], []), folder, holdout)
        if meta["grade_id"] in stalled:
            verdict.passed = False
            verdict.reasons.insert(0, stalled[meta["grade_id"]])
        verdicts.append(verdict)
    return verdicts
