"""The kit's steps in nbgrader's own pipelines, named in the generated
``nbgrader_config.py``, so that every way of running nbgrader (its CLI,
formgrader's buttons, ``python -m autograder grade``) scores alike:

- autograde, sanitising:  :class:`RestoreTestCells` first, :class:`OverwriteCells`
  in place of nbgrader's;
- autograde, grading:     :class:`SandboxedExecute` in place of ``Execute``,
  :class:`JudgeAnswers` before ``SaveAutoGrades``, :class:`FlagForReview` after it;
- feedback:               :class:`ClearHiddenTests` in place of nbgrader's, :class:`WrapOutputs`.

A judged cell that loses its points gets an error output that says why, so
``SaveAutoGrades`` scores it 0 and the feedback shows the reason.
"""
import json
import tempfile
from pathlib import Path

import nbformat
from nbgrader import utils
from nbgrader.api import Gradebook
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import ClearHiddenTests as NbgraderClearHiddenTests
from nbgrader.preprocessors import ClearMarkScheme as NbgraderClearMarkScheme
from nbgrader.preprocessors import NbGraderPreprocessor
from nbgrader.preprocessors import OverwriteCells as NbgraderOverwriteCells
from traitlets import List

from ..layout import Course
from ..settings import Grading
from ..build.holdout import FILENAME as HOLDOUT
from .judge import judge_notebook, load_answers
from .sandbox import run_notebook

VERDICT = "GraderCheck"  # the ename of the judgement's error outputs
NOTE = "[grader] "       # the start of the judgement's notes to the student


def _course(preprocessor):
    return Course(CourseDirectory(parent=preprocessor).root)


def _grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def _is_test(cell):
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.get("cell_type") == "code" and meta.get("grade") and not meta.get("solution")


def restore(cells, released):
    """``(cells, repairs)``: ``cells`` with the test cells of ``released`` that
    are missing put back after the cells that precede them there, and copies of
    test cells dropped; ``repairs`` says what changed, per grade id."""
    tests = {_grade_id(c): c for c in released if _is_test(c)}
    kept, seen, repairs = [], set(), []
    for cell in cells:
        gid = _grade_id(cell)
        if gid in tests and gid in seen:
            repairs.append({"grade_id": gid, "what": "this test cell was duplicated; the copy was removed"})
            continue
        seen.add(gid)
        kept.append(cell)
    for i, cell in enumerate(released):
        gid = _grade_id(cell)
        if gid in tests and gid not in seen:
            before = {_grade_id(c) for c in released[:i]}
            at = max((j + 1 for j, c in enumerate(kept) if _grade_id(c) in before), default=0)
            kept.insert(at, nbformat.from_dict(json.loads(json.dumps(tests[gid]))))
            repairs.append({"grade_id": gid, "what": "this test cell was deleted; it was restored from the release"})
    return kept, repairs


class RestoreTestCells(NbGraderPreprocessor):
    """Put back deleted test cells and drop duplicated ones (nbgrader would
    skip the first and reject the second); the repair is noted in the
    notebook's metadata, for :class:`JudgeAnswers` to flag."""

    def preprocess(self, nb, resources):
        nbgrader = resources["nbgrader"]
        release = _course(self).release(nbgrader["assignment"]) / f"{nbgrader['notebook']}.ipynb"
        if release.exists():
            nb.cells, repairs = restore(nb.cells, nbformat.read(release, as_version=4).cells)
            nb.metadata.pop("scratchnn", None)  # only the grader writes this
            if repairs:
                nb.metadata["scratchnn"] = {"repairs": repairs}
        return nb, resources


def _checksum(cell):
    try:
        return utils.compute_checksum(cell)
    except (KeyError, TypeError, ValueError, AttributeError):  # metadata a student broke
        return None


class OverwriteCells(NbgraderOverwriteCells):
    """nbgrader's, without its false alarms. The gradebook holds each test cell
    with its hidden tests and the release without them, so nbgrader warns that
    every test cell of every submission "has changed" (and puts the hidden tests
    back, as it should). Here a cell exactly as released (its checksum
    recomputed from ``release/``, never read from the submission's metadata) is
    put back without the warning; an edited one is still reported."""

    def preprocess(self, nb, resources):
        nbgrader = resources["nbgrader"]
        release = _course(self).release(nbgrader["assignment"]) / f"{nbgrader['notebook']}.ipynb"
        cells = nbformat.read(release, as_version=4).cells if release.exists() else []
        self._released = {_grade_id(c): _checksum(c) for c in cells if _grade_id(c)}
        return super().preprocess(nb, resources)

    def preprocess_cell(self, cell, resources, cell_index):
        released = self._released.get(_grade_id(cell))
        self._as_released = released is not None and _checksum(cell) == released
        return super().preprocess_cell(cell, resources, cell_index)

    def report_change(self, name, attr, old, new):
        if attr == "checksum" and self._as_released:
            self.log.debug("cell %s is as released; its hidden tests are put back", name)
            return
        super().report_change(name, attr, old, new)


class SandboxedExecute(NbGraderPreprocessor):
    """nbgrader's execution step, in the sandbox (:mod:`.sandbox`), under the
    limits of ``c.Grading``. The answers the checks hand in are kept in
    ``resources`` for :class:`JudgeAnswers`, never on disk."""

    def preprocess(self, nb, resources):
        folder = Path(resources["metadata"]["path"])  # the submission's copy in autograded/
        aid = resources["nbgrader"]["assignment"]
        with tempfile.TemporaryDirectory(prefix="scratchnn-out-") as out:
            executed = run_notebook(nb, folder, out, Grading(parent=self), aid, _course(self).source(aid))
            status = json.loads((Path(out) / "status.json").read_text())
            resources["scratchnn"] = {"answers": load_answers(Path(out) / "answers"), "status": status}
        reason = status.get("reason", "the notebook came back changed")
        if executed is None or len(executed.cells) != len(nb.cells):
            executed = None
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            done = executed.cells[i] if executed else {}
            cell.outputs, cell.execution_count = done.get("outputs", []), done.get("execution_count")
            if cell.execution_count is None and cell.source.strip():  # never ran: it cannot pass
                cell.outputs.append(nbformat.v4.new_output("error", ename="GradingError", evalue=reason,
                                                           traceback=[f"GradingError: {reason}"]))
        return nb, resources


def _failed_in_notebook(cell):
    return any(o.get("output_type") == "error" or (o.get("output_type") == "stream" and o.get("name") == "stderr")
               for o in cell.get("outputs", []))


class JudgeAnswers(NbGraderPreprocessor):
    """Judge every test cell against the reference's recorded answers
    (:mod:`.judge`). A cell the notebook passed but the judgement does not gets
    an error output naming the checks that failed, first, so it scores 0
    whatever else it printed; a cell whose failure the notebook could have seen
    itself (a public check, a missing answer), or one that was repaired, is
    flagged for review."""

    def preprocess(self, nb, resources):
        nbgrader, found = resources["nbgrader"], resources.setdefault("scratchnn", {})
        recorded = _course(self).reference_answers(nbgrader["assignment"]) / nbgrader["notebook"]
        if not recorded.is_dir():
            raise RuntimeError(f"the reference's answers for {nbgrader['assignment']}/{nbgrader['notebook']} "
                               f"are not recorded: run `python -m autograder build` again")
        folder = Path(resources["metadata"]["path"])  # the submission's copy in autograded/
        holdout = _course(self).source(nbgrader["assignment"]) / HOLDOUT
        verdicts = {v.grade_id: v for v in judge_notebook(nb, found.get("answers", {}), load_answers(recorded),
                                                          folder, holdout)}
        repairs = nb.metadata.pop("scratchnn", {}).get("repairs", [])
        flagged = set()
        for cell in nb.cells:
            if _is_test(cell):  # no partial credit from output: a cell passes or fails
                for output in cell.outputs:
                    if output.get("output_type") == "execute_result":
                        output.output_type = "display_data"
                        output.pop("execution_count", None)
            verdict = verdicts.get(_grade_id(cell))
            if verdict and not verdict.passed and not _failed_in_notebook(cell):
                cell.outputs.insert(0, nbformat.v4.new_output(
                    "error", ename=VERDICT, evalue="; ".join(verdict.reasons),
                    traceback=[f"{VERDICT}: the grader checked this cell's answers again, outside your "
                               f"notebook, and took its points:", *(f"  - {r}" for r in verdict.reasons)]))
                if verdict.flagged:
                    flagged.add(verdict.grade_id)
            for repair in (r for r in repairs if r["grade_id"] == _grade_id(cell)):
                cell.outputs.append(nbformat.v4.new_output("stream", name="stdout",
                                                           text=f"{NOTE}{repair['what']}\n"))
                flagged.add(repair["grade_id"])
        found["flagged"] = sorted(flagged)
        return nb, resources


class FlagForReview(NbGraderPreprocessor):
    """After ``SaveAutoGrades``: the cells :class:`JudgeAnswers` flagged need
    manual grading, so formgrader lists them for review."""

    def preprocess(self, nb, resources):
        nbgrader = resources["nbgrader"]
        flagged = resources.get("scratchnn", {}).get("flagged", [])
        if flagged:
            with Gradebook(nbgrader["db_url"]) as gb:
                for grade_id in flagged:
                    gb.find_grade(grade_id, nbgrader["notebook"], nbgrader["assignment"],
                                  nbgrader["student"]).needs_manual_grade = True
                gb.db.commit()
        return nb, resources


WRAP = "pre, .output_text pre, .output_error pre { white-space: pre-wrap; overflow-wrap: anywhere; }"


# nbgrader's preprocessors shadow a setting nbconvert's HTML export gives every
# preprocessor, and each feedback log then says "display_data_priority not
# recognized": the feedback steps here take it.
def _quiet():
    return List().tag(config=True)


class ClearHiddenTests(NbgraderClearHiddenTests):
    """nbgrader's, quiet (see ``_quiet``)."""

    display_data_priority = _quiet()


class ClearMarkScheme(NbgraderClearMarkScheme):
    """nbgrader's, quiet (see ``_quiet``)."""

    display_data_priority = _quiet()


class WrapOutputs(NbGraderPreprocessor):
    """Feedback: long lines of output and messages wrap instead of running off the page."""

    display_data_priority = _quiet()

    def preprocess(self, nb, resources):
        resources.setdefault("inlining", {}).setdefault("css", []).append(WRAP)
        return nb, resources
