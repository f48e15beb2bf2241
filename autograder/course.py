"""Build ``course/``, a standard nbgrader course directory, from the sources:

    assignments/<id>/   notebook sources (jupytext percent), manifest, expected recipe
    source_lib/         the reference library
        -> course/source/<id>/   notebooks, stripped scratchnn/, data_scripts/,
                                 expected/public.*, hidden_expected.*
        -> course/nbgrader_config.py, course/jupyter/kernels/ (the grading kernel)
        -> course/release/<id>/  (nbgrader generate_assignment), then linted
"""
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import jupytext
import nbformat

from . import expected, lint
from .strip import solution_lines, strip_solutions

REPO = Path(__file__).resolve().parents[1]
LIBRARY = REPO / "source_lib" / "scratchnn"
DATA_SCRIPTS = REPO / "data_scripts"
ASSIGNMENTS = REPO / "assignments"
COURSE_ID = "scratchnn"
KERNEL = "scratchnn-grader"
HIDDEN = "hidden_*"


def assignment_ids():
    return sorted(p.parent.name for p in ASSIGNMENTS.glob("*/manifest.json"))


def manifest(assignment_id):
    path = ASSIGNMENTS / assignment_id / "manifest.json"
    if not path.exists():
        raise SystemExit(f"no assignment {assignment_id!r}: choose from {assignment_ids()}")
    return json.loads(path.read_text())


# -- who writes what ------------------------------------------------------------
# Each manifest's "writes" names the library functions its students write
# ("layers.Linear", "optim.SGD.update", or a whole module: "init"). A release
# hands out the solutions of earlier assignments and strips the rest.
def owner(qualname):
    """The first assignment whose "writes" covers ``module.Class.function``, or None."""
    for aid in assignment_ids():
        if any(qualname == w or qualname.startswith(w + ".") for w in manifest(aid).get("writes", [])):
            return aid
    return None


def solved_before(assignment_id):
    """``keep(module)(function)``: is that region solved in ``assignment_id``'s release?
    With no assignment, nothing is."""
    earlier = assignment_ids()[:assignment_ids().index(assignment_id)] if assignment_id else []
    return lambda module: lambda where: owner(f"{module}.{where}") in earlier


def skeleton(path, assignment_id):
    """The library module at ``path`` as ``assignment_id``'s release has it."""
    return strip_solutions(path.read_text(), str(path), keep=solved_before(assignment_id)(path.stem))


def student_modules(assignment_id):
    """Library modules with something left to write in ``assignment_id``."""
    return sorted(p.name for p in LIBRARY.glob("*.py")
                  if solution_lines(p.read_text(), str(p), keep=solved_before(assignment_id)(p.stem)))


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


def assemble_source(course_dir, assignment_id):
    """``course/source/<id>/``: everything the release and the grader start from."""
    spec = manifest(assignment_id)
    src_dir = ASSIGNMENTS / assignment_id
    dest = Path(course_dir) / "source" / assignment_id
    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)
    for source in spec["notebooks"]:
        nb = notebook_from_source(src_dir / source)
        nbformat.write(nb, dest / (Path(source).stem + ".ipynb"))
    _copy_package(LIBRARY, dest / "scratchnn", lambda p: skeleton(p, assignment_id))
    _copy_package(DATA_SCRIPTS, dest / "data_scripts")
    public, hidden, tolerances = expected.verified(assignment_id)
    expected.write(dest / "expected" / "public", public, tolerances)
    expected.write(dest / "hidden_expected", hidden, tolerances)
    return dest


def gradebook_url(course_dir):
    """The gradebook's database URL: ``scratchnn.json``'s ``db_url`` (written by
    ``build --db-url``), else the course's own SQLite file."""
    settings = Path(course_dir) / "scratchnn.json"
    url = json.loads(settings.read_text()).get("db_url") if settings.exists() else None
    return url or f"sqlite:///{Path(course_dir).resolve() / 'gradebook.db'}"


def write_config(course_dir, timeout_s=30, isolation="auto", wall_s=600, db_url=None):
    """``nbgrader_config.py`` and the grading kernel's spec. ``isolation`` and
    ``wall_s`` (per notebook): see :class:`autograder.sandbox.SandboxedExecute`;
    ``db_url``: a PostgreSQL gradebook (``postgresql+psycopg2://user:pw@host/db``)
    instead of the default SQLite file, for several graders or machines."""
    course_dir = Path(course_dir).resolve()
    (course_dir / "scratchnn.json").write_text(json.dumps({"db_url": db_url}) + "\n")
    exclude = {aid: [f"scratchnn/{m}" for m in student_modules(aid)] for aid in assignment_ids()}
    (course_dir / "nbgrader_config.py").write_text(f'''# Generated by `python -m autograder build`: edit the sources, not this file.
c = get_config()
c.CourseDirectory.course_id = {COURSE_ID!r}
c.CourseDirectory.root = {str(course_dir)!r}
c.CourseDirectory.db_url = {gradebook_url(course_dir)!r}
# Students' own modules are graded as submitted, never replaced by the skeletons.
c.Autograde.exclude_overwriting = {exclude!r}
# Notebooks run in a sandbox (autograder/sandbox.py), with the kernel that imports
# only the submission's own scratchnn/; limits per cell and per notebook.
c.Autograde.autograde_preprocessors = [
    "autograder.sandbox.SandboxedExecute",
    "nbgrader.preprocessors.IgnorePattern",
    "nbconvert.preprocessors.ClearMetadataPreprocessor",
    "nbgrader.preprocessors.LimitOutput",
    "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties",
    "nbgrader.preprocessors.CheckCellMetadata",
]
c.SandboxedExecute.timeout = {timeout_s}
c.SandboxedExecute.isolation = {isolation!r}
c.SandboxedExecute.wall_s = {wall_s}
c.Execute.timeout = {timeout_s}
c.ExecutePreprocessor.timeout = {timeout_s}
c.ExecutePreprocessor.kernel_name = {KERNEL!r}
c.Execute.kernel_name = {KERNEL!r}
# Feedback shows test results, never the hidden tests themselves.
c.GenerateFeedback.preprocessors = [
    "nbgrader.preprocessors.GetGrades",
    "nbgrader.preprocessors.ClearHiddenTests",
    "nbconvert.preprocessors.CSSHTMLHeaderPreprocessor",
]
''')
    kernel_dir = course_dir / "jupyter" / "kernels" / KERNEL
    kernel_dir.mkdir(parents=True, exist_ok=True)
    (kernel_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, str(Path(__file__).with_name("kernel.py")), "-f", "{connection_file}",
                 "--InteractiveShell.xmode=Minimal"],
        "display_name": "scratchnn grader", "language": "python"}, indent=1))


def nbgrader(course_dir, *args, check=True, timeout=None):
    """Run an nbgrader command in the course directory; returns the process."""
    # nbgrader runs `alembic` from PATH: put this environment's scripts first.
    env = {**os.environ, "JUPYTER_PATH": str(Path(course_dir).resolve() / "jupyter"),
           "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    proc = subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=course_dir, env=env,
                          capture_output=True, text=True, timeout=timeout)
    if check and proc.returncode != 0:
        raise RuntimeError(f"nbgrader {' '.join(args)} failed:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
    return proc


def build(course_dir="course", assignments=None, timeout_s=None, isolation="auto", wall_s=600,
          db_url=None):
    """Assemble the sources, write the config, release every assignment, lint.
    ``timeout_s`` overrides the manifests' per-cell time limit; ``isolation``,
    ``wall_s`` and ``db_url``: see :func:`write_config`."""
    course_dir = Path(course_dir)
    course_dir.mkdir(parents=True, exist_ok=True)
    assignments = assignments or assignment_ids()
    write_config(course_dir, timeout_s or max(manifest(a).get("timeout_s", 30) for a in assignments),
                 isolation, wall_s, db_url)
    for aid in assignments:
        assemble_source(course_dir, aid)
        nbgrader(course_dir, "generate_assignment", aid, "--force",
                 *[f"--CourseDirectory.ignore={p}" for p in
                   (".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", HIDDEN)])
    problems = lint.lint_release(course_dir)
    if problems:
        raise SystemExit("release linter: leaks found\n  " + "\n  ".join(problems))
    return course_dir
