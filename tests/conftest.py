"""Shared fixtures: where the repository, the shared datasets and the real
MNIST files are, and Assignment 1's course, built once and handed out as copies."""
import atexit
import os
import shutil
import tempfile
from pathlib import Path

import pytest

os.environ.setdefault("MPLBACKEND", "Agg")  # tests never open windows
# A dataset cache of the tests' own (empty: MNIST comes from the bundled subset unless a
# test fetches it), never the developer's. Not under /tmp: the grading sandbox has its own.
os.environ["SCRATCHNN_DATA_DIR"] = tempfile.mkdtemp(prefix="scratchnn-test-data-", dir="/var/tmp")
os.chmod(os.environ["SCRATCHNN_DATA_DIR"], 0o755)  # the grading kernel runs as another user
atexit.register(shutil.rmtree, os.environ["SCRATCHNN_DATA_DIR"], True)
os.environ.pop("SCRATCHNN_DATA_FROM", None)
# The reference's recorded answers, shared by every course the tests build (never the developer's).
os.environ["SCRATCHNN_REFERENCE_CACHE"] = tempfile.mkdtemp(prefix="scratchnn-test-reference-", dir="/var/tmp")
atexit.register(shutil.rmtree, os.environ["SCRATCHNN_REFERENCE_CACHE"], True)

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
MNIST_DIR = Path(os.environ.get("SCRATCHNN_MNIST_DIR", SHARED / "datasets" / "mnist"))
GET_MNIST = (f"the real MNIST files (train-images-idx3-ubyte.gz and the three others) are "
             f"expected in {MNIST_DIR}; get them with `python -m data_scripts fetch mnist` and "
             f"point SCRATCHNN_MNIST_DIR at a folder holding the four files")


@pytest.fixture(scope="session")
def repo_root():
    return REPO


@pytest.fixture(scope="session")
def mnist_dir():
    """The folder of the four real MNIST files; fails (never skips) when absent."""
    if not (MNIST_DIR / "train-images-idx3-ubyte.gz").exists():
        pytest.fail(GET_MNIST)
    return MNIST_DIR


@pytest.fixture(scope="session")
def postgres_server():
    """A PostgreSQL server of the tests' own, from Debian's postgresql package
    (``.ci/run`` installs it), in a temporary folder on a free port; yields a
    function making a fresh database and returning its URL."""
    import shutil
    import socket
    import subprocess
    import tempfile
    import uuid
    bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not bins:
        debian_package("postgresql")
        bins = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    bindir = bins[-1].parent
    folder = Path(tempfile.mkdtemp(prefix="scratchnn-pg-", dir="/var/tmp"))
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.getuid() == 0 else []
    if as_postgres:
        shutil.chown(folder, "postgres")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    run = lambda *cmd: subprocess.run([*as_postgres, *cmd], check=True, capture_output=True)  # noqa: E731
    run(str(bindir / "initdb"), "-D", str(folder / "data"), "-U", "scratchnn", "--auth=trust")
    run(str(bindir / "pg_ctl"), "-D", str(folder / "data"), "-l", str(folder / "log"), "-w", "start",
        "-o", f"-p {port} -k {folder} -c listen_addresses=127.0.0.1")
    import psycopg2

    def fresh_database():
        name = f"gradebook_{uuid.uuid4().hex[:8]}"
        conn = psycopg2.connect(host="127.0.0.1", port=port, user="scratchnn", dbname="postgres")
        conn.autocommit = True
        conn.cursor().execute(f"CREATE DATABASE {name}")
        conn.close()
        return f"postgresql+psycopg2://scratchnn@127.0.0.1:{port}/{name}"

    yield fresh_database
    run(str(bindir / "pg_ctl"), "-D", str(folder / "data"), "-m", "immediate", "stop")
    shutil.rmtree(folder, ignore_errors=True)


def debian_package(name):
    """Install a Debian package the tests need, or fail saying how to get it."""
    import shutil
    import subprocess
    if os.getuid() == 0 and shutil.which("apt-get"):
        done = subprocess.run(["apt-get", "install", "-y", "-qq", name], capture_output=True)
        if done.returncode == 0:
            return
    pytest.fail(f"these tests need Debian's {name}: `sudo apt-get install -y {name}` (.ci/run does)")


@pytest.fixture(scope="session")
def cifar_standin():
    """CIFAR-10 is not available to the tests: its synthetic stand-in
    (assignments/a3_cifar10/standin.py, real sizes and cache format) goes into
    the tests' dataset cache instead."""
    import importlib.util
    path = REPO / "assignments" / "a3_cifar10" / "standin.py"
    spec = importlib.util.spec_from_file_location("cifar_standin", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_standin_cache(os.environ["SCRATCHNN_DATA_DIR"])


@pytest.fixture(scope="session")
def a1_built(tmp_path_factory):
    """Assignment 1 built and released once (8 s cells), copied by :func:`clone`."""
    from autograder.build.assemble import build
    return build(tmp_path_factory.mktemp("a1-built") / "course", ["a1_backprop"], timeout_s=8)


@pytest.fixture
def a1_course(a1_built, tmp_path):
    """A course folder of the test's own, as building Assignment 1 leaves it."""
    return clone(a1_built, tmp_path / "course")


def clone(built, dest):
    """A copy of the built course at ``dest``, its configuration pointing there."""
    shutil.copytree(built, dest, symlinks=True)
    config = dest / "nbgrader_config.py"
    config.write_text(config.read_text().replace(str(built), str(dest)))
    return dest


def points(aid):
    """``(autograded, written)`` points of an assignment, from its notebook sources."""
    from autograder import sources
    from autograder.build.assemble import notebook_from_source
    cells = [c for nb in sources.manifest(aid)["notebooks"]
             for c in notebook_from_source(sources.ASSIGNMENTS / aid / nb).cells if c.metadata["nbgrader"]["grade"]]
    return (sum(c.metadata["nbgrader"]["points"] for c in cells if c.cell_type == "code"),
            sum(c.metadata["nbgrader"]["points"] for c in cells if c.cell_type == "markdown"))
