"""The course's sources in this repository: the reference library, the
assignments and their manifests, and who writes what.

Each manifest's ``writes`` names, notebook by notebook, the library functions
its students write (``layers.Linear``, ``optim.SGD.update``, or a whole module:
``init``); a release hands out the solutions of earlier assignments, leaves a
TODO in its own and a stub naming the assignment that brings them in later ones.
``hands_in`` names the files besides notebooks and modules that students hand
in (trained weights, predictions); ``timeout_s`` is the per-cell time limit;
``dataset`` the dataset its notebooks run on, ``holdout`` the images and goal its
handed-in network is graded on (:mod:`autograder.build.holdout`), and ``standin`` a module whose
``make_standin_cache(folder)`` writes a synthetic stand-in for it (what
``check`` runs on when the dataset is not cached)."""
import json
from pathlib import Path

from .build.strip import solution_lines, strip_solutions

REPO = Path(__file__).resolve().parents[1]
LIBRARY = REPO / "source_lib" / "scratchnn"
DATA_SCRIPTS = REPO / "data_scripts"
ASSIGNMENTS = REPO / "assignments"


def assignment_ids():
    return sorted(p.parent.name for p in ASSIGNMENTS.glob("*/manifest.json"))


def manifest(assignment_id):
    path = ASSIGNMENTS / assignment_id / "manifest.json"
    if not path.exists():
        raise SystemExit(f"no assignment {assignment_id!r}: choose from {assignment_ids()}")
    return json.loads(path.read_text())


def notebook_writes(assignment_id):
    """``{notebook source: [what its students write]}``, in notebook order."""
    return manifest(assignment_id).get("writes", {})


def writes(assignment_id):
    """Everything the students of ``assignment_id`` write, all notebooks."""
    return [w for names in notebook_writes(assignment_id).values() for w in names]


def covers(names, qualname):
    """Does one of ``names`` (``module``, ``module.Class``, ...) cover ``qualname``?"""
    return any(qualname == w or qualname.startswith(w + ".") for w in names)


def owner(qualname):
    """The first assignment whose "writes" covers ``module.Class.function``, or None."""
    for aid in assignment_ids():
        if covers(writes(aid), qualname):
            return aid
    return None


def solved_before(assignment_id):
    """``keep(module)(function)``: is that region solved in ``assignment_id``'s release?
    With no assignment, nothing is."""
    earlier = assignment_ids()[:assignment_ids().index(assignment_id)] if assignment_id else []
    return lambda module: lambda where: owner(f"{module}.{where}") in earlier


def brought_later(assignment_id):
    """``later(module)(function)``: the later assignment that brings it
    ("Assignment 2 (a2_optim_reg)"), or None."""
    ids = assignment_ids()
    later_ids = ids[ids.index(assignment_id) + 1:] if assignment_id else []

    def in_module(module):
        def later(where):
            aid = owner(f"{module}.{where}")
            return f"{manifest(aid)['title'].split(':')[0]} ({aid})" if aid in later_ids else None
        return later
    return in_module


def skeleton(path, assignment_id):
    """The library module at ``path`` as ``assignment_id``'s release has it."""
    return strip_solutions(path.read_text(), str(path), keep=solved_before(assignment_id)(path.stem),
                           later=brought_later(assignment_id)(path.stem))


def student_modules(assignment_id):
    """Library modules with something left to write in ``assignment_id``."""
    return sorted(p.name for p in LIBRARY.glob("*.py")
                  if solution_lines(p.read_text(), str(p), keep=solved_before(assignment_id)(p.stem)))


def reference_modules(assignment_id):
    """The reference solution of every module students write in ``assignment_id``."""
    return {name: (LIBRARY / name).read_text() for name in student_modules(assignment_id)}


def handed_in(assignment_id):
    """Relative paths a submission of ``assignment_id`` consists of, as a
    predicate: its notebooks, its ``scratchnn/`` modules and the files its
    manifest says students hand in."""
    spec = manifest(assignment_id)
    notebooks = {Path(n).stem + ".ipynb" for n in spec["notebooks"]}
    extra = set(spec.get("hands_in", []))
    return lambda relpath: (relpath in notebooks or relpath in extra
                            or (relpath.startswith("scratchnn/") and relpath.endswith(".py")
                                and relpath.count("/") == 1))
