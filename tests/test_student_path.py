"""A student's path through each release, notebook by notebook: with exactly
the TODOs of notebooks 1..k done (the reference's, in order), every check of
notebooks 1..k prints OK, notebook k+1 says "not implemented yet" wherever
it fails, and nothing else fails: an undone TODO fails its own check and
stops nothing else. The notebooks run as the Validate button runs them
(long experiments skip themselves); the files a notebook hands in are made
by its training cells, so the tests that measure them are left out here
(they are graded on real hand-ins elsewhere). Also: nbgrader's own
``validate`` on an untouched release fails, with the "not implemented yet" lines."""
import re
import shutil
import subprocess
import sys

import nbformat
import pytest
from nbclient import NotebookClient

from autograder import sources
from autograder.build.assemble import assemble_source, nbgrader, write_config
from autograder.build.strip import _enclosing_function, regions, strip_solutions
from autograder.layout import Course
from autograder.settings import Grading

PATHS = [(aid, k) for aid in sources.assignment_ids() for k in range(len(sources.manifest(aid)["notebooks"]) + 1)]


@pytest.fixture(scope="module")
def course(tmp_path_factory, cifar_standin):
    """Every assignment assembled and released by nbgrader (no reference recorded)."""
    root = tmp_path_factory.mktemp("student-path") / "course"
    root.mkdir()
    write_config(root, Grading(timeouts={aid: 60 for aid in sources.assignment_ids()}))
    for aid in sources.assignment_ids():
        assemble_source(root, aid)
        nbgrader(root, "generate_assignment", aid, "--force")
    return Course(root)


def work_done(course, aid, k, dest):
    """The release of ``aid`` with the TODOs of its first ``k`` notebooks done:
    their library functions and their solution cells, taken from the reference."""
    shutil.copytree(course.release(aid), dest)
    notebooks = sources.manifest(aid)["notebooks"]
    names = [w for nb in notebooks[:k] for w in sources.notebook_writes(aid)[nb]]
    for path in sources.LIBRARY.glob("*.py"):
        before = sources.solved_before(aid)(path.stem)
        done = lambda where, module=path.stem, before=before: before(where) or sources.covers(names, f"{module}.{where}")
        text = strip_solutions(path.read_text(), str(path), keep=done, later=sources.brought_later(aid)(path.stem))
        (dest / "scratchnn" / path.name).write_text(text)
    for source in notebooks[:k]:
        name = source.replace(".py", ".ipynb")
        solved = {c.metadata["nbgrader"]["grade_id"]: c.source for c in
                  nbformat.read(course.source(aid) / name, as_version=4).cells}
        nb = nbformat.read(dest / name, as_version=4)
        for cell in nb.cells:
            meta = cell.metadata["nbgrader"]
            if meta.get("solution") and cell.cell_type == "code":
                cell.source = solved[meta["grade_id"]]
        nbformat.write(nb, dest / name)
    return dest


def still_to_write(aid, k):
    """``Class.function`` and ``function`` names of what notebooks k+1.. of ``aid`` write."""
    names = [w for nb in sources.manifest(aid)["notebooks"][k:] for w in sources.notebook_writes(aid)[nb]]
    found = set()
    for path in sources.LIBRARY.glob("*.py"):
        text = path.read_text()
        for start, _ in regions(text, filename=str(path)):
            where = _enclosing_function(text.splitlines(), start)
            if sources.covers(names, f"{path.stem}.{where}"):
                found.add(where)
    return found


def run_as_validate(path, monkeypatch):
    """Every cell of the notebook at ``path``, errors allowed: ``[(cell, outputs text, errors)]``."""
    monkeypatch.setenv("NBGRADER_EXECUTION", "validate")
    monkeypatch.setenv("MPLBACKEND", "Agg")
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", allow_errors=True,
                   resources={"metadata": {"path": str(path.parent)}}).execute()
    cells = []
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        assert cell.execution_count, "a cell did not run"
        text = "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")
        errors = [f"{o.ename}: {o.evalue}" for o in cell.outputs if o.output_type == "error"]
        cells.append((cell, text, errors))
    return cells


def _names_a_hand_in(aid, error):
    """Is ``error`` a test's complaint that a file the notebook hands in is missing?"""
    return any(f in error for f in sources.manifest(aid).get("hands_in", [])) and "not implemented" not in error


@pytest.mark.parametrize("aid, k", PATHS, ids=[f"{a}-done-{k}" for a, k in PATHS])
def test_each_notebook_passes_with_its_own_todos_done(course, aid, k, tmp_path, monkeypatch):
    notebooks = sources.manifest(aid)["notebooks"]
    folder = work_done(course, aid, k, tmp_path / aid)
    runs = ([(notebooks[k - 1], True)] if k else []) + ([(notebooks[k], False)] if k < len(notebooks) else [])
    for source, done in runs:
        cells = run_as_validate(folder / source.replace(".py", ".ipynb"), monkeypatch)
        where = f"{aid}/{source} with notebooks 1..{k} done"
        stray, undone = [], []
        for cell, text, errors in cells:
            if errors and all(_names_a_hand_in(aid, e) for e in errors):
                continue
            for error in errors:
                (undone if "not implemented yet" in error else stray).append(f"{cell.source.splitlines()[0]}: {error}")
            assert "not implemented" not in text or not done, (where, text)
        assert not stray, (where, stray)
        if done:
            assert not undone, (where, undone)
            assert "OK  " in "".join(text for _, text, _ in cells), where
        else:
            assert undone, f"{where}: nothing says 'not implemented yet'"
            named = {n for e in undone for n in re.findall(r"([\w.]+) is not implemented yet", e)} - {"cell"}
            assert named <= still_to_write(aid, k), (where, named - still_to_write(aid, k))


def test_nbgrader_validate_fails_on_an_untouched_release(course, tmp_path):
    aid = sources.assignment_ids()[0]
    folder = shutil.copytree(course.release(aid), tmp_path / aid)
    first = sources.manifest(aid)["notebooks"][0].replace(".py", ".ipynb")
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "validate", first], cwd=folder,
                          capture_output=True, text=True, timeout=300)
    assert "VALIDATION FAILED" in proc.stdout, proc.stdout[-2000:]
    assert "not implemented yet" in proc.stdout, proc.stdout[-2000:]
