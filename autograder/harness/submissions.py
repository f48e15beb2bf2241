"""Make submissions as students hand them in: the released folder, with
their modules, notebook edits and written answers."""
import datetime
import shutil
from pathlib import Path

import nbformat

from ..build.reference import artifacts
from ..layout import Course
from ..sources import reference_modules  # noqa: F401 - what a solved submission's modules are


def mutate(modules, file, old, new):
    """A copy of ``modules`` with ``old`` replaced by ``new`` in ``file``
    (exactly once: a patch that no longer applies is an error)."""
    return {**modules, file: _replace_once(modules[file], old, new, where=file)}


def _replace_once(text, old, new, where):
    if text.count(old) != 1:
        raise ValueError(f"mutant patch for {where} matches {text.count(old)} times: {old!r}")
    return text.replace(old, new)


def make_submission(course_dir, student, assignment_id, modules=None, **work):
    """``submitted/<student>/<id>/`` from the release, with ``modules`` and
    ``work`` done (see :func:`do_work`) and a fixed timestamp, as collected
    from an LMS."""
    course = Course(course_dir)
    release, dest = course.release(assignment_id), course.submitted(student, assignment_id)
    shutil.rmtree(dest, ignore_errors=True)
    shutil.copytree(release, dest)
    do_work(course, assignment_id, dest, modules, **work)
    stamp = datetime.datetime(2026, 11, 20, 12, 0, tzinfo=datetime.timezone.utc)
    (dest / "timestamp.txt").write_text(stamp.strftime("%Y-%m-%d %H:%M:%S.%f %Z"))
    return dest


def do_work(course_dir, assignment_id, dest, modules=None, delete=(), edit_cell=None, patch_cell=None,
            patch_cells=(), answers=None, solved=False):
    """A student's work in ``dest``, a copy of the release (a submission, or
    the folder a student fetched).

    modules: {file name: text} written into ``scratchnn/``; delete: module
    files removed; edit_cell: (grade_id, new source); patch_cell: (grade_id,
    old, new), a replacement made once in that cell (patch_cells: several, made
    in order); answers: {grade_id: text}
    for written-answer cells; solved: the notebooks' answer cells filled in
    with the solutions of the source notebooks, and the reference's artifacts
    (trained weights, predictions) handed in."""
    course, dest = Course(course_dir), Path(dest)
    if solved:
        for path in dest.glob("*.ipynb"):
            _fill_solutions(path, course.source(assignment_id) / path.name)
        for path in artifacts(course, assignment_id):
            shutil.copy(path, dest)
    for name, text in (modules or {}).items():
        (dest / "scratchnn" / name).write_text(text)
    for name in delete:
        (dest / "scratchnn" / name).unlink()
    patches = [patch_cell, *patch_cells] if patch_cell else list(patch_cells)
    for path in dest.glob("*.ipynb"):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if edit_cell and grade_id == edit_cell[0]:
                cell.source = edit_cell[1]
            for patch in patches:
                if grade_id == patch[0]:
                    cell.source = _replace_once(cell.source, *patch[1:], where=f"cell {grade_id}")
            if answers and grade_id in answers:
                cell.source = answers[grade_id]
        nbformat.write(nb, path)
    return dest


def _fill_solutions(path, source):
    """Copy the source notebook's answer cells (solutions, markers removed) into ``path``."""
    solutions = {c.metadata["nbgrader"]["grade_id"]: c.source for c in nbformat.read(source, 4).cells
                 if c.metadata.get("nbgrader", {}).get("solution")}
    nb = nbformat.read(path, as_version=4)
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id in solutions and cell.cell_type == "code":
            cell.source = "\n".join(l for l in solutions[grade_id].splitlines()
                                    if l.strip() not in ("### BEGIN SOLUTION", "### END SOLUTION"))
    nbformat.write(nb, path)
