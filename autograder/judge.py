"""The judgement outside the student's reach.

In the sandbox, every check a test cell runs hands its answer to the runner
(``scratchnn.checks.record_answer``); hidden checks can do nothing else, since
their expected values are withheld from the kernel. Here, in the grader's own
process where no student code ever ran, each test cell's answers are compared
with those of the reference solution, run through the same sandbox on the same
inputs. A test cell keeps its points only if every answer the reference gave
is there and right, and if the notebook ran to it without a cell timing out.

Where the notebook's own verdict (the points nbgrader gave) and this one
disagree on something the notebook could judge itself (a public check, a
missing answer), the submission is flagged for review: that is what
redefining the checker, NumPy or a builtin, or deleting a check, looks like.
"""
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np
from nbgrader.api import Gradebook

from scratchnn.checks import describe_mismatch

from .course import COURSE_ID, gradebook_url, manifest
from .expected import reference_artifacts
from .sandbox import run_notebook
from .submissions import reference_modules


@dataclass
class Verdict:
    """One test cell: kept its points or not, why, and whether to review it."""
    grade_id: str
    passed: bool
    reasons: list = field(default_factory=list)
    flagged: bool = False


def load_answers(folder):
    """``{grade_id: [(name, arrays, meta), ...]}`` in the order they were
    given (``arrays``: "value", and "expected" if the check gave one);
    unreadable files count as missing answers."""
    answers = {}
    for cell in sorted(Path(folder).glob("*")) if Path(folder).exists() else []:
        for path in sorted(cell.glob("*.npz")):
            try:
                with np.load(path, allow_pickle=False) as data:
                    meta = json.loads(str(data["meta"]))
                    arrays = {k: data[k] for k in ("value", "expected") if k in data.files}
                answers.setdefault(cell.name, []).append((str(meta["name"]), arrays, meta))
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


def judge_cell(grade_id, reference, student):
    """Compare one cell's answers with the reference's: an answer to a
    recorded array must equal the reference's answer; any other must match
    the expected value its check gave (the comparison is redone here)."""
    verdict = Verdict(grade_id, True)
    mine = _by_name(student)
    for name, given in _by_name(reference).items():
        for k, (ref, meta) in enumerate(given):
            if k >= len(mine.get(name, [])):
                verdict.passed, verdict.flagged = False, True
                verdict.reasons.append(f"check '{name}' never gave its answer")
                continue
            arrays = mine[name][k][0]
            target = ref["value"] if meta.get("recorded") else arrays.get("expected")
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


# -- the reference's answers ----------------------------------------------------
def reference_answers(course_dir, assignment_id, isolation="auto"):
    """``{notebook: {grade_id: answers}}`` of the reference solution, made once
    per course directory by running the source notebooks in the sandbox."""
    course_dir = Path(course_dir)
    folder = course_dir / "judge" / assignment_id / ".reference"
    source = course_dir / "source" / assignment_id
    notebooks = sorted(source.glob("*.ipynb"))
    stamp = json.dumps({p.name: p.stat().st_mtime for p in notebooks})
    if not (folder / "stamp.json").exists() or (folder / "stamp.json").read_text() != stamp:
        shutil.rmtree(folder, ignore_errors=True)
        solved = folder / "submission"
        shutil.copytree(source, solved, ignore=shutil.ignore_patterns("*.ipynb"))
        for name, text in reference_modules(assignment_id).items():
            (solved / "scratchnn" / name).write_text(text)
        for path in reference_artifacts(course_dir, assignment_id):
            shutil.copy(path, solved)
        timeout = manifest(assignment_id).get("timeout_s", 30)
        for path in notebooks:
            limits = {"uid": 199999, "memory_mb": 4096, "cpu_s": 600, "processes": 64, "file_mb": 200}
            nb = nbformat.read(path, as_version=4)
            run_notebook(nb, solved, folder / path.stem, limits, timeout, 600, isolation)
            status = json.loads((folder / path.stem / "status.json").read_text())
            if not status["completed"]:
                raise RuntimeError(f"the reference solution of {assignment_id}/{path.name} did not run "
                                   f"to the end: {status['reason']}")
        (folder / "stamp.json").write_text(stamp)
    return {p.stem: load_answers(folder / p.stem / "answers") for p in notebooks}


# -- a class ----------------------------------------------------------------------
def judge_submission(course_dir, assignment_id, student, reference):
    """The verdicts on every test cell of one student's autograded notebooks."""
    course_dir = Path(course_dir)
    verdicts = []
    for name, cells in reference.items():
        path = course_dir / "autograded" / student / assignment_id / f"{name}.ipynb"
        if not path.exists():
            continue
        notebook = nbformat.read(path, as_version=4)
        stalled = timed_out_before(notebook)
        answers = load_answers(course_dir / "judge" / assignment_id / student / name / "answers")
        tests = [c.metadata["nbgrader"]["grade_id"] for c in notebook.cells
                 if c.cell_type == "code" and c.get("metadata", {}).get("nbgrader", {}).get("grade")]
        for grade_id in tests:
            verdict = judge_cell(grade_id, cells.get(grade_id, []), answers.get(grade_id, []))
            if grade_id in stalled:
                verdict.passed = False
                verdict.reasons.insert(0, stalled[grade_id])
            verdicts.append(verdict)
    return verdicts


def apply(course_dir, assignment_id, student, verdicts):
    """Write the verdicts into the gradebook: a failed cell scores 0, and a
    flagged one also needs manual grading. Returns ``{grade_id: reasons}`` of
    the cells whose points the judgement took away, and whether any was flagged."""
    taken, flagged = {}, False
    with Gradebook(gradebook_url(course_dir), COURSE_ID) as gb:
        submission = gb.find_submission(assignment_id, student)
        grades = {g.name: g for nb in submission.notebooks for g in nb.grades}
        for verdict in verdicts:
            grade = grades.get(verdict.grade_id)
            if grade is None or verdict.passed:
                continue
            if (grade.auto_score or 0) > 0:
                taken[verdict.grade_id] = verdict.reasons
                flagged |= verdict.flagged
                grade.auto_score = 0
                grade.needs_manual_grade = grade.needs_manual_grade or verdict.flagged
        gb.db.commit()
    return taken, flagged
