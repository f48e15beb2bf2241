"""Grade a class: autograde every submission, generate feedback, export
``grades.csv``, and report what ``grades.csv`` does not show (submissions that
failed outright, and those that need manual grading)."""
import contextlib
import json
import os
import shutil
import sqlite3
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from . import judge, lint
from .course import COURSE_ID, HIDDEN, gradebook_url, nbgrader


@dataclass
class Result:
    student: str
    score: float = 0.0
    max_score: float = 0.0
    tests: dict = field(default_factory=dict)     # grade_id -> autograded score
    needs_manual_grade: bool = False
    failed: bool = False                          # nbgrader could not grade it at all
    taken: dict = field(default_factory=dict)     # grade_id -> why the judgement took its points
    flagged: bool = False                         # the notebook's verdict and the judgement disagree
    feedback_withheld: bool = False


def collect_zips(course_dir, assignment_id, zip_dir):
    """Collect LMS downloads into ``submitted/`` with nbgrader zip_collect: one
    ``<student>_<anything>.zip`` per student, holding the notebooks and the
    ``scratchnn/`` modules as laid out in the release."""
    archive = Path(course_dir) / "downloaded" / assignment_id / "archive"
    shutil.rmtree(archive, ignore_errors=True)
    archive.mkdir(parents=True)
    zips = sorted(Path(zip_dir).glob("*.zip"))
    if not zips:
        raise SystemExit(f"no .zip files in {zip_dir}")
    for z in zips:
        shutil.copy(z, archive)
    nbgrader(course_dir, "zip_collect", assignment_id, "--force",
             "--FileNameCollectorPlugin.valid_ext=.ipynb", "--FileNameCollectorPlugin.valid_ext=.py",
             "--FileNameCollectorPlugin.named_regexp="
             r".*/extracted/(?P<student_id>[^/_]+)_[^/]*/(?P<file_id>.+)")


def students(course_dir, assignment_id):
    return sorted(p.parent.name for p in (Path(course_dir) / "submitted").glob(f"*/{assignment_id}")
                  if p.is_dir())


def is_graded(course_dir, assignment_id, student):
    """Autograded since the submission last changed."""
    done = Path(course_dir) / "autograded" / student / assignment_id
    submitted = Path(course_dir) / "submitted" / student / assignment_id
    if not any(done.glob("*.ipynb")):
        return False
    newest = max(p.stat().st_mtime for p in submitted.rglob("*") if p.is_file())
    return min(p.stat().st_mtime for p in done.glob("*.ipynb")) >= newest


def restore_test_cells(course_dir, assignment_id, student):
    """Put back the test cells a submission deleted, and drop the copies of
    those it duplicated (nbgrader would skip the first and reject the second
    outright); the originals are kept as ``*.ipynb.orig``. Returns what changed."""
    changes = []
    for path in sorted((Path(course_dir) / "submitted" / student / assignment_id).glob("*.ipynb")):
        release = Path(course_dir) / "release" / assignment_id / path.name
        if not release.exists():
            continue
        nb, given = nbformat.read(path, as_version=4), nbformat.read(release, as_version=4)
        tests = {_grade_id(c): c for c in given.cells if c.metadata.get("nbgrader", {}).get("grade")}
        cells, seen = [], set()
        for cell in nb.cells:
            gid = _grade_id(cell)
            if gid in tests and gid in seen:
                changes.append(f"{path.name}: a copy of {gid} removed")
                continue
            seen.add(gid)
            cells.append(cell)
        for i, cell in enumerate(given.cells):
            gid = _grade_id(cell)
            if gid in tests and gid not in seen:
                before = {_grade_id(c) for c in given.cells[:i]}
                at = max((j + 1 for j, c in enumerate(cells) if _grade_id(c) in before), default=0)
                cells.insert(at, tests[gid])
                changes.append(f"{path.name}: {gid} was deleted, restored from the release")
        if len(changes) and cells != nb.cells:
            shutil.copy(path, path.with_name(path.name + ".orig"))
            nb.cells = cells
            nbformat.write(nb, path)
    return changes


def _grade_id(cell):
    return cell.get("metadata", {}).get("nbgrader", {}).get("grade_id")


def autograde_one(course_dir, assignment_id, student):
    """``nbgrader autograde --student``, its log kept in ``logs/<id>/``; the
    unit of work of every executor (threads here, or Dask workers anywhere
    that sees the course directory). Deleted or duplicated test cells are
    repaired first, and the repair noted in ``judge/<id>/<student>/repairs.json``."""
    repairs = restore_test_cells(course_dir, assignment_id, student)
    note = Path(course_dir) / "judge" / assignment_id / student / "repairs.json"
    note.unlink(missing_ok=True)
    if repairs:
        note.parent.mkdir(parents=True, exist_ok=True)
        note.write_text(json.dumps(repairs, indent=1))
    proc = nbgrader(course_dir, "autograde", assignment_id, f"--student={student}", "--force", check=False)
    logs = Path(course_dir) / "logs" / assignment_id
    (logs / f"{student}.log").write_text(proc.stdout + proc.stderr)
    return student, proc.returncode


@contextlib.contextmanager
def executor(workers, dask=None):
    """``(submit, as_completed)``: a thread pool, or with ``dask`` a Dask
    cluster: ``"local"`` starts one of ``workers`` processes on this machine,
    anything else is the address of a running scheduler."""
    if dask is None:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            yield pool.submit, as_completed
        return
    from dask.distributed import Client, LocalCluster
    from dask.distributed import as_completed as dask_completed
    with contextlib.ExitStack() as stack:
        if dask == "local":
            cluster = stack.enter_context(LocalCluster(n_workers=workers, threads_per_worker=1,
                                                       dashboard_address=None))
            client = stack.enter_context(Client(cluster))
        else:
            client = stack.enter_context(Client(dask))
        yield (lambda fn, *args: client.submit(fn, *args, pure=False)), dask_completed


def autograde_parallel(course_dir, assignment_id, workers, force=False, progress=None, dask=None):
    """Autograde every submission, ``workers`` at a time (or on a Dask
    cluster, see :func:`executor`), into the one gradebook, with progress and
    an ETA. Submissions graded since they last changed are skipped unless
    ``force``. Returns the students graded."""
    course_dir = Path(course_dir).resolve()
    if gradebook_url(course_dir).startswith("sqlite"):
        with sqlite3.connect(course_dir / "gradebook.db") as db:  # readers never block the writer
            db.execute("PRAGMA journal_mode=WAL")
    todo = [s for s in students(course_dir, assignment_id)
            if force or not is_graded(course_dir, assignment_id, s)]
    logs = course_dir / "logs" / assignment_id
    logs.mkdir(parents=True, exist_ok=True)
    start, done = time.perf_counter(), 0
    with executor(workers, dask) as (submit, completed):
        for future in completed([submit(autograde_one, course_dir, assignment_id, s) for s in todo]):
            student, code = future.result()
            done += 1
            elapsed = time.perf_counter() - start
            eta = elapsed / done * (len(todo) - done)
            status = "graded" if code == 0 else f"FAILED, see {logs / (student + '.log')}"
            print(f"[{done}/{len(todo)}] {student}: {status} ({elapsed:.0f} s, about {eta:.0f} s left)",
                  file=progress or sys.stdout, flush=True)
    return todo


def grade(course_dir, assignment_id, zip_dir=None, timeout=None, workers=None, force=True, dask=None):
    """Autograde, judge, feedback and export; returns one :class:`Result` per
    student. With ``workers`` (or ``dask``), submissions are graded that many
    at a time (see :func:`autograde_parallel`); otherwise by one nbgrader command."""
    course_dir = Path(course_dir)
    if zip_dir:
        collect_zips(course_dir, assignment_id, zip_dir)
    if workers or dask:
        graded = autograde_parallel(course_dir, assignment_id, workers or os.cpu_count(), force, dask=dask)
    else:
        graded = students(course_dir, assignment_id)
        nbgrader(course_dir, "autograde", assignment_id, "--force", check=False, timeout=timeout)
    judge_class(course_dir, assignment_id, graded)
    nbgrader(course_dir, "generate_feedback", assignment_id, "--force", check=False,
             *[f"--CourseDirectory.ignore={p}" for p in
               (".ipynb_checkpoints", "*.pyc", "__pycache__", HIDDEN)])
    nbgrader(course_dir, "export", check=False)
    withhold_leaky_feedback(course_dir, assignment_id)
    return results(course_dir, assignment_id)


def judge_class(course_dir, assignment_id, graded):
    """Judge every submission just autograded (see :mod:`autograder.judge`) and
    keep each verdict in ``judge/<id>/<student>/verdict.json``."""
    reference = judge.reference_answers(course_dir, assignment_id)
    for student in graded:
        if not any((Path(course_dir) / "autograded" / student / assignment_id).glob("*.ipynb")):
            continue
        verdicts = judge.judge_submission(course_dir, assignment_id, student, reference)
        taken, flagged = judge.apply(course_dir, assignment_id, student, verdicts)
        path = Path(course_dir) / "judge" / assignment_id / student / "verdict.json"
        path.write_text(json.dumps({"taken": taken, "flagged": flagged}, indent=1))


def withhold_leaky_feedback(course_dir, assignment_id):
    """Feedback that would show hidden tests (a submission can print what its
    kernel saw) is deleted, never sent; the student is listed for review."""
    for folder in sorted((Path(course_dir) / "feedback").glob(f"*/{assignment_id}")):
        leaks = lint.lint_tree(folder, solutions=False)
        if leaks:
            shutil.rmtree(folder)
            (Path(course_dir) / "judge" / assignment_id / folder.parent.name).mkdir(parents=True, exist_ok=True)
            (Path(course_dir) / "judge" / assignment_id / folder.parent.name / "feedback_withheld.txt") \
                .write_text("\n".join(leaks))


def results(course_dir, assignment_id):
    """Scores read from the gradebook, per student and per test cell."""
    submitted = students(course_dir, assignment_id)
    out = []
    with Gradebook(gradebook_url(course_dir), COURSE_ID) as gb:
        for student in submitted:
            result = Result(student)
            try:
                sub = gb.find_submission(assignment_id, student)
            except MissingEntry:
                result.failed = True
                out.append(result)
                continue
            autograded = Path(course_dir) / "autograded" / student / assignment_id
            result.failed = not any(autograded.glob("*.ipynb"))
            result.score, result.max_score = sub.score, sub.max_score
            verdict = Path(course_dir) / "judge" / assignment_id / student / "verdict.json"
            if verdict.exists():
                found = json.loads(verdict.read_text())
                result.taken, result.flagged = found["taken"], found["flagged"]
            result.feedback_withheld = (verdict.parent / "feedback_withheld.txt").exists()
            if (verdict.parent / "repairs.json").exists():  # a tampered notebook is always reviewed
                result.flagged = True
                result.taken["(notebook)"] = json.loads((verdict.parent / "repairs.json").read_text())
            result.needs_manual_grade = sub.needs_manual_grade
            for nb in sub.notebooks:
                for g in nb.grades:
                    if g.cell.cell_type == "code":
                        result.tests[g.name] = g.score
            out.append(result)
    return out


def report(results):
    """A student x test table, then the submissions that need attention."""
    if not results:
        return "no submissions"
    tests = sorted({t for r in results for t in r.tests})
    names = [t.removeprefix("test_") for t in tests]
    width = max(len(r.student) for r in results) + 2
    col = max(len(n) for n in names) + 2
    lines = ["student".ljust(width) + "".join(n.rjust(col) for n in names) + "      total"]
    for r in results:
        cells = "".join((f"{r.tests[t]:g}" if t in r.tests else "-").rjust(col) for t in tests)
        lines.append(r.student.ljust(width) + cells + f"{r.score:7g}/{r.max_score:g}")
    failed = [r.student for r in results if r.failed]
    manual = [r.student for r in results if r.needs_manual_grade and not r.failed]
    lines.append("")
    lines.append(f"failed to grade: {', '.join(failed) or 'none'}")
    lines.append(f"need manual grading: {', '.join(manual) or 'none'}")
    flagged = [r.student for r in results if r.flagged]
    lines.append(f"flagged for review (the notebook's verdict and the judgement disagree): "
                 f"{', '.join(flagged) or 'none'}")
    withheld = [r.student for r in results if r.feedback_withheld]
    if withheld:
        lines.append(f"feedback withheld (it would show hidden tests): {', '.join(withheld)}")
    for r in results:
        for grade_id, reasons in r.taken.items():
            lines.append(f"  {r.student} {grade_id}: " + "; ".join(reasons[:3]))
    return "\n".join(lines)
