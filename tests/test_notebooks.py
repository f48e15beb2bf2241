"""Every notebook runs top to bottom in a real kernel: the source notebook
(answers and hidden tests included) with the reference modules, as a student
who finished would run it, and with nothing on stderr (a grader counts that).
On a dataset cache of their own, the same whatever other tests fetched: MNIST
not fetched (the bundled subset, as a student who has not fetched it works)
and the CIFAR-10 stand-in."""
import shutil
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from autograder import sources
from autograder.build.assemble import assemble_source

NOTEBOOKS = [(aid, nb) for aid in sources.assignment_ids() for nb in sources.manifest(aid)["notebooks"]]


@pytest.fixture(scope="module")
def notebook_data(tmp_path_factory, cifar_standin):
    folder = tmp_path_factory.mktemp("data")
    shutil.copy(cifar_standin, folder / Path(cifar_standin).name)
    return folder


@pytest.fixture(scope="module")
def solved_assignments(tmp_path_factory, notebook_data):
    """Each assignment's source folder (solutions in the notebooks) with the reference modules."""
    root = tmp_path_factory.mktemp("course")
    folders = {}
    for aid in sources.assignment_ids():
        folder = assemble_source(root, aid)
        for name, text in sources.reference_modules(aid).items():
            (folder / "scratchnn" / name).write_text(text)
        folders[aid] = folder
    return folders


@pytest.mark.parametrize("aid, source", NOTEBOOKS, ids=[f"{a}/{n}" for a, n in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(solved_assignments, notebook_data, aid, source, monkeypatch):
    monkeypatch.setenv("MPLBACKEND", "Agg")
    monkeypatch.setenv("SCRATCHNN_DATA_DIR", str(notebook_data))
    folder = solved_assignments[aid]
    path = folder / source.replace(".py", ".ipynb")
    nb = nbformat.read(path, as_version=4)
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(folder)}}).execute()
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    stderr = [o.text for o in outputs if o.output_type == "stream" and o.name == "stderr"]
    assert not stderr, stderr
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "OK  " in text and "not implemented" not in text
