"""``grade``: orchestration around nbgrader's own autograde. Collect LMS
downloads, schedule one ``autograde`` and ``generate_feedback`` per submission
on long-lived workers (processes that load nbgrader and the course's
configuration once, or Dask workers: the same call formgrader's Autograde button
makes), export ``grades.csv``, and report what the gradebook holds. Every
score is made by the pipeline configured in ``nbgrader_config.py``; nothing
here changes one."""
import contextlib
import multiprocessing
import os
import shutil
import sqlite3
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from .. import settings, sources
from ..build import lint
from ..layout import COURSE_ID, Course
from ..progress import Heartbeat
from .cgroups import describe
from .ingest import walk
from .preprocessors import NOTE, VERDICT
from .sandbox import resolve


@dataclass
class Result:
    student: str
    score: float = 0.0
    max_score: float = 0.0
    tests: dict = field(default_factory=dict)     # grade_id -> autograded score
    needs_manual_grade: bool = False
    failed: bool = False                          # nbgrader could not grade it at all
    taken: dict = field(default_factory=dict)     # grade_id -> why the cell lost its points
    flagged: bool = False                         # the judgement disputes what the notebook showed
    feedback_withheld: bool = False
    timed_out: list = field(default_factory=list)  # what ran past its time limit, per notebook


# -- one submission, in a worker ---------------------------------------------------
_apis = {}


def _api(root):
    """An NbGraderAPI on the course's own configuration, made once per worker
    (and again when the configuration changes)."""
    key = (root, Course(root).config_file.stat().st_mtime_ns)
    if key not in _apis:
        import warnings

        from sqlalchemy.exc import SAWarning
        warnings.filterwarnings("ignore", category=SAWarning)  # nbgrader's own, on SQLAlchemy 2
        os.environ["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])
        from nbgrader.apps import NbGraderAPI
        from nbgrader.coursedir import CourseDirectory
        config = settings.load(root)
        _apis[key] = NbGraderAPI(CourseDirectory(config=config), config=config)
    return _apis[key]


def grade_one(root, aid, student):
    """Autograde one submission and generate its feedback, as formgrader would;
    the log goes to ``logs/<id>/<student>.log``. Returns ``(student, ok)``;
    never raises, so one submission cannot stop the class."""
    course = Course(root)
    try:
        api = _api(str(root))
        done = api.autograde(aid, student, force=True, create=True)
        log = [done.get("log", ""), done.get("error", "")]
        if done["success"]:
            fed = api.generate_feedback(aid, student, force=True)
            log += [fed.get("log", ""), fed.get("error", "")]
            withhold_leaky_feedback(course, aid, student)
        ok = done["success"]
    except Exception:  # noqa: BLE001 - reported as failed to grade, with the reason
        log, ok = [traceback.format_exc()], False
    _write_log(course, aid, student, log)
    return student, ok


def _write_log(course, aid, student, lines):
    course.logs(aid).mkdir(parents=True, exist_ok=True)
    course.log(student, aid).write_text("\n".join(filter(None, lines)))


def withhold_leaky_feedback(course, aid, student):
    """Feedback that would show hidden tests (a submission can print what its
    kernel saw) is deleted, never sent; the student is listed for review."""
    folder, note = course.feedback(student, aid), course.logs(aid) / f"{student}.withheld"
    note.unlink(missing_ok=True)
    leaks = lint.lint_tree(folder, solutions=False)
    if leaks:
        shutil.rmtree(folder)
        course.logs(aid).mkdir(parents=True, exist_ok=True)
        note.write_text("\n".join(leaks))


# -- the class ---------------------------------------------------------------------
@contextlib.contextmanager
def executor(workers, dask=None):
    """``(submit, as_completed)``: ``workers`` long-lived processes, or with
    ``dask`` a Dask cluster: ``"local"`` starts one of ``workers`` processes on
    this machine, anything else is the address of a running scheduler."""
    if dask is None:
        # Forked, not spawned: a spawned worker would run the caller's script again.
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else "spawn"
        with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context(method)) as pool:
            yield pool.submit, as_completed
        return
    from dask.distributed import Client, LocalCluster
    from dask.distributed import as_completed as dask_completed
    with contextlib.ExitStack() as stack:
        # A LocalCluster leaves its workers' settings in this process's environment (one BLAS
        # thread, a fixed hash seed, ...), for whatever it starts later: put it back after.
        stack.callback(_restore_environ, dict(os.environ))
        if dask == "local":
            cluster = stack.enter_context(LocalCluster(n_workers=workers, threads_per_worker=1,
                                                       dashboard_address=None))
            client = stack.enter_context(Client(cluster))
        else:
            client = stack.enter_context(Client(dask))
        yield (lambda fn, *args: client.submit(fn, *args, pure=False)), dask_completed


def _restore_environ(saved):
    os.environ.clear()
    os.environ.update(saved)


def is_graded(course, aid, student):
    """Autograded since the submission last changed."""
    done = list(course.autograded(student, aid).glob("*.ipynb"))
    folder = course.submitted(student, aid)
    files = list(walk(folder)) if folder.is_dir() and not folder.is_symlink() else []
    return bool(done and files) and min(p.stat().st_mtime for p in done) >= max(os.lstat(p).st_mtime for p in files)


def grade(course_dir, aid, zip_dir=None, workers=None, resume=False, dask=None, progress=None):
    """Collect (``zip_dir``), autograde and feed back every submission of
    ``aid`` (with ``resume``, only those changed since they were graded),
    ``workers`` at a time (default: the number of cores; see :func:`executor`),
    export ``grades.csv``; returns one :class:`Result` per student, read from
    the gradebook."""
    course, progress = Course(course_dir), progress or sys.stdout
    sources.manifest(aid)
    if zip_dir:
        from .collect import collect_zips
        collected = collect_zips(zip_dir, course.root / "submitted", aid, sources.handed_in(aid))
        for line in collected.problems:
            print(f"collect: {line}", file=progress, flush=True)
    if settings.gradebook_url(course.root).startswith("sqlite"):
        with sqlite3.connect(course.gradebook_file) as db:  # readers never block the writer
            db.execute("PRAGMA journal_mode=WAL")
    todo = [s for s in course.students(aid) if not (resume and is_graded(course, aid, s))]
    limits = settings.grading(course.root)
    print(f"{describe(limits)}; isolation: {resolve(limits.isolation)}", file=progress, flush=True)
    clock = _Progress(len(todo), course, aid)
    with Heartbeat(progress, clock.status, every=5) as clock.out:
        died = _grade_all(course, aid, todo, workers or os.cpu_count(), dask, clock)
        for student in died:  # a worker died under these: each again alone, once
            _grade_all(course, aid, [student], 1, None, clock, last_try=True)
    export(course)
    return results(course, aid)


class _Progress:
    """One line per graded submission and, while none finishes, a status line
    every few seconds, each with an ETA: the submissions still queued and being
    graded laid out on the workers, at the mean time one has taken so far."""

    def __init__(self, total, course, aid):
        self.total, self.course, self.aid, self.out = total, course, aid, sys.stdout
        self.done, self.start, self.took = 0, time.monotonic(), []
        self.queued, self.running, self.workers = [], {}, 1

    def begin(self, students, workers):
        """``students`` are queued on ``workers``, started in order (as the pools do)."""
        self.queued, self.workers = list(students), max(1, workers)
        self._start_next()

    def _start_next(self):
        while self.queued and len(self.running) < self.workers:
            self.running[self.queued.pop(0)] = time.monotonic()

    def finished(self, student, ok=None):
        """``ok`` None: not graded after all (its worker died; it is queued again)."""
        started = self.running.pop(student, time.monotonic())
        self._start_next()
        if ok is None:
            return
        self.took.append(time.monotonic() - started)
        self.done += 1
        status = "graded" if ok else f"FAILED, see {self.course.log(student, self.aid)}"
        print(f"[{self.done}/{self.total}] {student}: {status} ({self._times()})", file=self.out, flush=True)

    def _left(self, ran):
        """What a submission graded for ``ran`` s yet may take: the mean of what
        those that took longer took beyond that, or, longer than them all, as long again."""
        longer = [t - ran for t in self.took if t > ran]
        return sum(longer) / len(longer) if longer else ran

    def eta(self):
        """Seconds left, or None before any is graded."""
        if not self.took:
            return None
        mean, now = sum(self.took) / len(self.took), time.monotonic()
        free = sorted(self._left(now - t) for t in self.running.values())
        free += [0.0] * (self.workers - len(free))
        for _ in self.queued:
            free[0] += mean
            free.sort()
        return max(free)

    def _times(self):
        eta = self.eta()
        left = "no estimate before the first is graded" if eta is None else f"about {eta:.0f} s left"
        return f"{time.monotonic() - self.start:.0f} s, {left}"

    def status(self):
        if self.running:
            return (f"  ... {self.done}/{self.total} graded, grading {', '.join(sorted(self.running))} "
                    f"({self._times()})")
        return None


def _grade_all(course, aid, students, workers, dask, progress, last_try=False):
    """Grade ``students``; returns those whose worker died (a broken pool
    cannot say which one broke it), or on the last try reports them failed."""
    died = []
    if not students:
        return died
    with executor(workers, dask) as (submit, completed):
        futures = {submit(grade_one, str(course.root), aid, s): s for s in students}
        progress.begin(students, workers)
        for future in completed(futures):
            student = futures[future]
            try:
                progress.finished(*future.result())
            except Exception as exc:  # noqa: BLE001 - the worker itself died
                if not last_try:
                    died.append(student)
                    progress.finished(student)
                    continue
                _write_log(course, aid, student, [f"the grading worker died: {type(exc).__name__}: {exc}"])
                progress.finished(student, False)
    return died


def export(course):
    """``grades.csv``, by nbgrader's own CSV export."""
    from nbgrader.plugins import CsvExportPlugin
    with Gradebook(settings.gradebook_url(course.root), COURSE_ID) as gb:
        CsvExportPlugin(to=str(course.grades_csv)).export(gb)


# -- what the gradebook holds --------------------------------------------------------
def _reasons(notebook, limit=300):
    """``{grade_id: [why]}`` for the test cells of an autograded notebook that
    failed or were repaired: the judgement's reasons, else the notebook's error
    (cut at ``limit`` characters; None: whole, as the class report groups them)."""
    found = {}
    for cell in notebook.cells:
        meta = cell.get("metadata", {}).get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade"):
            continue
        why = [o["text"].strip().removeprefix(NOTE) for o in cell.outputs
               if o.get("output_type") == "stream" and o.get("text", "").startswith(NOTE)]
        errors = [o for o in cell.outputs if o.get("output_type") == "error"]
        if errors:
            first = errors[0]
            error = f"{first['ename']}: {first['evalue']}"[:limit]
            why.insert(0, first["evalue"] if first["ename"] == VERDICT else error)
        if why:
            found[meta["grade_id"]] = why
    return found


def _timeouts(notebook):
    """What in an autograded notebook ran past a time limit: cells the grading
    kernel did not answer in time, or the whole notebook past its wall clock."""
    found = []
    for i, cell in enumerate(notebook.cells):
        for o in cell.get("outputs", []):
            if o.get("output_type") != "error":
                continue
            if o.get("ename") == "CellTimeoutError":
                line = next((l.strip("# ") for l in cell.source.splitlines() if l.strip("# ")), "")
                found.append(f'cell {i + 1} "{line.split(". ")[0][:40]}": {o.get("evalue") or "no reply in time"}')
            elif o.get("ename") == "GradingError" and "did not finish within" in o.get("evalue", ""):
                return found + [o["evalue"]]  # the same reason on every cell left
    return found


def results(course_dir, aid, reason_limit=300):
    """Scores per student and per test cell, as the gradebook holds them;
    the reasons why cells lost points cut at ``reason_limit`` characters."""
    course = Course(course_dir)
    out = []
    set_aside = {p.stem for p in course.logs(aid).glob("*.ingest")} - set(course.students(aid))
    with Gradebook(settings.gradebook_url(course.root), COURSE_ID) as gb:
        for student in sorted(set(course.students(aid)) | set_aside):
            result = Result(student)
            try:
                sub = gb.find_submission(aid, student)
            except MissingEntry:
                result.failed = True
                out.append(result)
                continue
            notebooks = sorted(course.autograded(student, aid).glob("*.ipynb"))
            result.failed = not notebooks
            result.score, result.max_score = sub.score, sub.max_score
            result.needs_manual_grade = sub.needs_manual_grade
            result.feedback_withheld = (course.logs(aid) / f"{student}.withheld").exists()
            for nb in sub.notebooks:
                for g in nb.grades:
                    if g.cell.cell_type == "code":
                        result.tests[g.name] = g.score
                        result.flagged |= bool(g.needs_manual_grade)
            for path in notebooks:
                notebook = nbformat.read(path, as_version=4)
                reasons = _reasons(notebook, reason_limit)
                result.taken.update({g: why for g, why in reasons.items() if g in result.tests})
                result.timed_out += [f"{path.stem} {what}" for what in _timeouts(notebook)]
            out.append(result)
    for result in out:  # what ingest refused or replaced: always reviewed
        note = course.ingest_note(result.student, aid)
        if note.exists():
            result.flagged = True
            result.taken["(submission)"] = note.read_text().splitlines()
    return out


def report(results, scenarios=None):
    """A student x test table (with ``scenarios``, {student: what the submission
    is}, a column saying so), then the submissions that need attention."""
    if not results:
        return "no submissions"
    scenarios = scenarios or {}
    tests = sorted({t for r in results for t in r.tests})
    names = [t.removeprefix("test_") for t in tests]
    first = max(len(r.student) for r in [*results, Result("student")]) + 2
    about = max([len("scenario")] + [len(v) for v in scenarios.values()]) + 2 if scenarios else 0
    lines = ["student".ljust(first) + ("scenario".ljust(about) if scenarios else "")
             + " ".join(names) + "    total"]
    for r in results:
        cells = " ".join((f"{r.tests[t]:g}" if t in r.tests else "-").rjust(len(n)) for t, n in zip(tests, names))
        lines.append(r.student.ljust(first) + scenarios.get(r.student, "").ljust(about) + cells
                     + f"{r.score:7g}/{r.max_score:g}")
    failed = [r.student for r in results if r.failed]
    manual = [r.student for r in results if r.needs_manual_grade and not r.failed]
    timed_out = [f"{r.student} ({'; '.join(r.timed_out)})" for r in results if r.timed_out]
    lines.append("")
    lines.append(f"failed to grade: {', '.join(failed) or 'none'}")
    lines.append(f"timed out (graded; what ran past its time limit, and every cell after it, "
                 f"scored 0): {', '.join(timed_out) or 'none'}")
    lines.append(f"need manual grading: {', '.join(manual) or 'none'}")
    flagged = [r.student for r in results if r.flagged]
    lines.append(f"flagged for review (the judgement disputes what the notebook showed, or the notebook "
                 f"was repaired): {', '.join(flagged) or 'none'}")
    withheld = [r.student for r in results if r.feedback_withheld]
    if withheld:
        lines.append(f"feedback withheld (it would show hidden tests): {', '.join(withheld)}")
    lines.append("why points were lost:")
    for r in results:
        for grade_id, reasons in sorted(r.taken.items()):
            lines.append(f"  {r.student} {grade_id}: " + "; ".join(reasons[:3]))
    return "\n".join(lines)
