"""Build ``course/``, a standard nbgrader course directory, from the sources:

    assignments/<id>/   notebook sources (jupytext percent), manifest, expected recipe
    source_lib/         the reference library
        -> course/nbgrader_config.py   nbgrader's settings and the kit's (``c.Grading``)
        -> course/source/<id>/   notebooks, stripped scratchnn/, data_scripts/,
                                 expected/public.*, hidden_expected.*
        -> course/release/<id>/  (nbgrader generate_assignment), then linted
        -> course/reference/<id>/   the reference solution's answers, recorded once
"""
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat

from .. import sources
from ..layout import COURSE_ID, HIDDEN, Course
from ..settings import Grading
from . import expected, holdout, lint, reference


# -- notebooks -----------------------------------------------------------------
def _nbgrader_metadata(cell, index):
    kind, grade_id = cell.metadata.pop("kind", None), cell.metadata.pop("id", None)
    points = cell.metadata.pop("points", None)
    cell.metadata.pop("lines_to_next_cell", None)
    meta = {"schema_version": 3, "task": False, "grade": False, "solution": False, "locked": True,
            "grade_id": grade_id or f"cell_{index:03d}"}
    if kind == "tests":
        meta.update(grade=True, points=points)
    elif kind == "manual":
        meta.update(grade=True, solution=True, locked=False, points=points)
    elif kind == "solution":
        meta.update(solution=True, locked=False)
    elif kind is not None:
        raise ValueError(f"unknown cell kind {kind!r}")
    cell.metadata["nbgrader"] = meta
    return cell


def notebook_from_source(path):
    """An nbgrader notebook from a jupytext percent source."""
    nb = jupytext.read(path, fmt="py:percent")
    nb.cells = [_nbgrader_metadata(cell, i) for i, cell in enumerate(nb.cells)]
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                   "language_info": {"name": "python"}}
    return nb


# -- the course directory ------------------------------------------------------
def _copy_package(src, dest, transform=None):
    dest.mkdir(parents=True, exist_ok=True)
    for path in sorted(src.rglob("*")):
        if "__pycache__" in path.parts or path.is_dir():
            continue
        target = dest / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        if transform and path.suffix == ".py":
            target.write_text(transform(path))
        else:
            shutil.copy(path, target)


def assemble_source(course_dir, assignment_id, progress=print):
    """``course/source/<id>/``: everything the release and the grader start from."""
    spec = sources.manifest(assignment_id)
    dest = Course(course_dir).source(assignment_id)
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    notebooks = {source: notebook_from_source(sources.ASSIGNMENTS / assignment_id / source)
                 for source in spec["notebooks"]}
    unclear = [p for source, nb in notebooks.items() for p in lint.written_answer_problems(nb, source)]
    if unclear:
        raise SystemExit(f"{assignment_id}: written answers students could not see or that show the rubric\n  "
                         + "\n  ".join(unclear))
    for source, nb in notebooks.items():
        nbformat.write(nb, dest / (Path(source).stem + ".ipynb"))
    _copy_package(sources.LIBRARY, dest / "scratchnn", lambda p: sources.skeleton(p, assignment_id))
    _copy_package(sources.DATA_SCRIPTS, dest / "data_scripts")
    public, hidden, tolerances = expected.verified(assignment_id)
    shown = lint.shown_in_hidden_tests(assignment_id, hidden, tolerances)
    if shown:
        raise SystemExit(f"{assignment_id}: hidden tests that show an expected value\n  " + "\n  ".join(shown))
    expected.write(dest / "expected" / "public", public, tolerances)
    expected.write(dest / "hidden_expected", hidden, tolerances)
    holdout.write(dest, assignment_id, progress)
    return dest


PIPELINE = '''
# Autograding, whoever runs it (`nbgrader autograde`, formgrader's button, or
# `python -m autograder grade`): each submission is made safe to read before
# nbgrader touches it (links, devices, oversized files and invalid notebooks set
# aside); deleted or duplicated test cells are repaired and edited locked cells
# restored; each notebook runs in a sandbox (limits in c.Grading); every test cell's
# answers are judged against the reference's, outside the sandbox, before the
# scores are saved; cells the judgement disputes are flagged for manual review.
c.Autograde.pre_convert_hook = "autograder.grading.ingest.pre_convert_hook"
c.ExchangeFactory.collect = "autograder.grading.exchange.SafeCollect"  # collects without following links
c.Autograde.sanitize_preprocessors = [
    "autograder.grading.preprocessors.RestoreTestCells",
    "nbgrader.preprocessors.ClearOutput",
    "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec",
    "autograder.grading.preprocessors.OverwriteCells",  # nbgrader's, without false alarms
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.Autograde.autograde_preprocessors = [
    "autograder.grading.preprocessors.SandboxedExecute",
    "autograder.grading.preprocessors.JudgeAnswers",
    "nbgrader.preprocessors.IgnorePattern",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "autograder.grading.preprocessors.FlagForReview",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
# An unfilled solution cell says what it is, like the modules' TODOs.
c.ClearSolutions.code_stub = {"python": '# YOUR CODE HERE\\nraise NotImplementedError("this cell is not implemented yet")'}
# Written answers: the question is a locked markdown cell whose mark scheme
# (### BEGIN MARK SCHEME ... ### END MARK SCHEME) the release strips; autograde
# restores locked cells from the gradebook, so formgrader shows it to graders.
c.ClearMarkScheme.enforce_metadata = False  # nbgrader wants it in a task cell
# Feedback shows results and the judgement's reasons, never the hidden tests
# or the mark schemes.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "autograder.grading.preprocessors.ClearHiddenTests",  # nbgrader's, without a false alarm
    "autograder.grading.preprocessors.ClearMarkScheme",  # nbgrader's, quiet
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
    "autograder.grading.preprocessors.WrapOutputs",
]
'''


def write_config(course_dir, grading, db_url=None, exchange=None):
    """``nbgrader_config.py``: nbgrader's settings, the kit's grading pipeline
    and ``grading`` (a :class:`~autograder.settings.Grading`); ``db_url``: a
    PostgreSQL gradebook (``postgresql+psycopg2://user:pw@host/db``) instead of
    the course's own SQLite file, for several graders or machines; ``exchange``:
    nbgrader's exchange folder (default ``course/exchange``), made if missing."""
    course = Course(course_dir)
    db_url = db_url or f"sqlite:///{course.gradebook_file}"
    exchange = make_exchange(exchange or course.exchange)
    exclude = {aid: [f"scratchnn/{m}" for m in sources.student_modules(aid)] for aid in sources.assignment_ids()}
    ignore = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".answers"]
    course.config_file.write_text("\n".join([
        "# Generated by `python -m autograder build`: edit the sources, not this file.",
        "c = get_config()",
        f"c.CourseDirectory.course_id = {COURSE_ID!r}",
        f"c.CourseDirectory.root = {str(course.root)!r}",
        f"c.CourseDirectory.db_url = {db_url!r}",
        "# Release, fetch, submit, collect and feedback go through this folder (students'",
        "# nbgrader_config.py names it too: see the README, \"For students\").",
        f"c.Exchange.root = {str(exchange)!r}",
        "# Hidden inputs and answers stay in source/: never released, copied into autograded/",
        "# or fed back (the sandbox takes the inputs from source/ itself).",
        f"c.CourseDirectory.ignore = {ignore + [HIDDEN]!r}",
        "# Students' own modules are graded as submitted, never replaced by the skeletons.",
        f"c.Autograde.exclude_overwriting = {exclude!r}",
        PIPELINE,
        "# The sandbox: per-cell timeouts by assignment, limits per notebook (autograder/settings.py).",
        *grading.as_config_lines(), ""]))


def make_exchange(folder):
    """nbgrader's exchange root: every user of the course writes into it (nbgrader
    checks that it is writable by whoever fetches or submits), so like /tmp it is
    world-writable with the sticky bit; nbgrader sets the modes below it."""
    folder = Path(folder).resolve()
    if not folder.is_dir():
        folder.mkdir(parents=True)
        folder.chmod(0o1777)
    return folder


def nbgrader(course_dir, *args, check=True, timeout=None):
    """Run an nbgrader command in the course directory; returns the process."""
    # nbgrader runs `alembic` from PATH: put this environment's scripts first.
    env = {**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course_dir, env=env,
                          capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    return proc


def build(course_dir="course", assignments=None, timeout_s=None, isolation="auto", wall_s=600,
          db_url=None, exchange=None, progress=print):
    """Assemble the sources, write the config, release every assignment,
    record the reference's answers, lint. ``timeout_s`` overrides the
    manifests' per-cell time limit; ``isolation`` and ``wall_s``: see
    :class:`~autograder.settings.Grading`; ``db_url`` and ``exchange``: see
    :func:`write_config`; ``progress`` gets a line per step."""
    course = Course(course_dir)
    course.root.mkdir(parents=True, exist_ok=True)
    assignments = assignments or sources.assignment_ids()
    grading = Grading(isolation=isolation, wall_s=wall_s, timeouts={
        aid: timeout_s or sources.manifest(aid).get("timeout_s", 30) for aid in sources.assignment_ids()})
    write_config(course.root, grading, db_url, exchange)
    for aid in assignments:
        progress(f"{aid}: assembling source/ and running nbgrader generate_assignment")
        assemble_source(course.root, aid, progress)
        nbgrader(course.root, "generate_assignment", aid, "--force")
    problems = lint.lint_release(course.root)
    if problems:
        raise SystemExit("release linter: leaks found\n  " + "\n  ".join(problems))
    progress("release/ linted: no solution or hidden test leaked")
    for aid in assignments:
        progress(f"{aid}: recording the reference solution's answers (cached by content)")
        progress(reference.record(course, aid, grading))
    return course.root
