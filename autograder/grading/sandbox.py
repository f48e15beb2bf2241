"""Run a submission's notebook in isolation (what nbgrader's ``Execute`` step
becomes: :class:`autograder.grading.preprocessors.SandboxedExecute`).

Each notebook runs in a working copy of the submission of its own, through
``runner.py``, under Debian's ``bubblewrap`` when the machine has it:

- filesystem: only the system, Python, this folder's scripts and the dataset
  cache, read-only, plus the working copy and ``/tmp``, each a tmpfs of
  ``Grading.tmp_mb`` (in memory, so capped). ``source/``, other submissions, the
  gradebook, the reference library and the recorded hidden answers are not there;
- network: a namespace of its own, with nothing in it;
- processes: a PID namespace; the whole tree dies with the sandbox;
- the kernel gives up root for a user of its own, under limits on memory, CPU
  time, processes and file size (kernel.py), and the run has a wall-clock limit.

Without bubblewrap (``isolation = "none"``, or "auto" on a machine without it)
only the last line holds: limits, an unprivileged kernel when grading as root
(if Python is readable by other users; else the kernel stays root, and the
limit on processes does not bind it), the wall clock and the withheld hidden
answers. The student's code can then read whatever its user can read, and
open network connections.
"""
import functools
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import nbformat
import numpy as np

from data_scripts import cache

from ..build.holdout import FILENAME as HOLDOUT
from .cgroups import Group, group_memory_mb

RUNNER = Path(__file__).with_name("runner.py")
INSIDE = Path("/submission")  # the working copy in the sandbox (a tmpfs of its own)
GIVEN = Path("/given")        # what it is copied from, read-only


@functools.lru_cache(maxsize=None)
def bubblewrap_works():
    """Is ``bwrap`` installed and allowed to make namespaces here?"""
    if not shutil.which("bwrap"):
        return False
    probe = subprocess.run(["bwrap", "--ro-bind", "/", "/", "--unshare-net", "--unshare-pid", "true"],
                           capture_output=True)
    return probe.returncode == 0


def resolve(isolation):
    """"auto" -> "bubblewrap" where it works, else "none"."""
    if isolation == "auto":
        return "bubblewrap" if bubblewrap_works() else "none"
    if isolation == "bubblewrap" and not bubblewrap_works():
        raise RuntimeError("isolation = 'bubblewrap' but bwrap is missing or not allowed here: "
                           "install Debian's bubblewrap, or set SandboxedExecute.isolation")
    if isolation not in ("bubblewrap", "none"):
        raise ValueError(f"isolation must be 'auto', 'bubblewrap' or 'none', got {isolation!r}")
    return isolation


def readable_by_anyone(path):
    """Can a user of no group read ``path`` (every parent searchable)?"""
    path = Path(path).resolve()
    return all(p.stat().st_mode & 0o001 for p in [path, *path.parents])


def _readonly(paths):
    """bwrap arguments exposing ``paths`` read-only (symlinks as symlinks).
    Their parent folders are made traversable (bwrap would make them 0700)."""
    links = [Path(p) for p in paths if Path(p).is_symlink() and Path(p).parent == Path("/")]
    binds = [Path(p) for p in paths if Path(p).exists() and Path(p) not in links]
    parents = sorted({str(a) for p in binds for a in p.parents if a != Path("/")}, key=len)
    return ([a for link in links for a in ("--symlink", os.readlink(link), str(link))]
            + [a for parent in parents for a in ("--perms", "0755", "--dir", parent)]
            + [a for path in binds for a in ("--ro-bind", str(path), str(path))])


def bubblewrap_command(work, out, data_dirs, tmp_mb):
    """The bwrap prefix: the system and ``work`` read-only (``work`` at
    ``/given``, which the runner copies into the working copy, a tmpfs of
    ``tmp_mb`` MB like ``/tmp``), ``out`` writable."""
    size = str(tmp_mb * 2**20)
    system = ["/usr", "/etc", "/bin", "/sbin", "/lib", "/lib64", "/lib32"]
    python = {sys.base_prefix, sys.prefix, str(Path(sys.executable).resolve().parents[1])}
    # Every namespace but the user one: the kernel must become a real unprivileged user.
    return ["bwrap", "--die-with-parent", "--new-session", "--unshare-ipc", "--unshare-pid",
            "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
            "--dev", "/dev", "--proc", "/proc", "--perms", "1777", "--size", size, "--tmpfs", "/tmp",
            *_readonly(system + sorted(python) + [str(RUNNER.parent)] + [str(d) for d in data_dirs]),
            "--ro-bind", str(work), str(GIVEN), "--size", size, "--tmpfs", str(INSIDE),
            "--bind", str(out), "/output",
            "--chdir", str(INSIDE), "--clearenv"]


def working_copy(submission, work, hidden_from):
    """Copy the submission (its notebooks aside) to ``work`` and add the hidden
    checks' inputs from ``hidden_from`` (the course's source folder): each
    ``hidden_*.npz`` keeps only the keys its ``.json`` gives no tolerance for,
    so the answers never enter the sandbox (nor the held-out images)."""
    shutil.copytree(submission, work, dirs_exist_ok=True,
                    ignore=shutil.ignore_patterns("*.ipynb", ".answers", "hidden_*"))
    for npz in Path(hidden_from).glob("hidden_*.npz"):
        if npz.name == HOLDOUT:  # judged outside the sandbox
            continue
        tolerances = npz.with_suffix(".json")
        judged = json.loads(tolerances.read_text()) if tolerances.exists() else {}
        with np.load(npz, allow_pickle=False) as data:
            inputs = {k: data[k] for k in data.files if k not in judged}
        np.savez(work / npz.name, **inputs)


def data_dirs():
    """The dataset cache the notebooks read (read-only in the sandbox), which
    the kernel's own user must be able to read."""
    folder = cache.cache_dir()
    if not folder.exists():
        return []
    if folder.stat().st_mode & 0o005 != 0o005:
        raise RuntimeError(f"the dataset cache {folder} is private to its owner, and the grading "
                           f"kernel runs as another user: `chmod o+rx {folder}`")
    return [folder]


def run_notebook(nb, submission, out, grading, assignment_id, hidden_from, uid=None):
    """Execute ``nb`` (a notebook of ``submission``) in a fresh working copy,
    under the limits of ``grading`` (a :class:`~autograder.settings.Grading`)
    for ``assignment_id``; ``out`` receives ``answers/`` and ``status.json``.
    Returns the executed notebook (as far as it got: cells never run have no
    execution count), or None if not even that came back (the reason in status.json)."""
    out, isolation = Path(out), resolve(grading.isolation)
    limits = grading.limits(uid or 200000 + os.getpid() % 50000)
    if isolation == "none" and not (readable_by_anyone(sys.prefix) and readable_by_anyone(sys.base_prefix)):
        # Python itself is private to the grading user: the kernel cannot change user.
        limits = {**limits, "uid": os.getuid()}
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    with tempfile.TemporaryDirectory(prefix="scratchnn-") as tmp:
        work = Path(tmp) / "work"
        working_copy(submission, work, hidden_from)
        path = work / "notebook.ipynb"
        nbformat.write(nb, path)
        env = {"PATH": "/usr/bin:/bin", "HOME": "/tmp", "MPLBACKEND": "Agg", "MPLCONFIGDIR": "/tmp",
               "XDG_CACHE_HOME": "/tmp", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
               "PYTHONDONTWRITEBYTECODE": "1", "SCRATCHNN_DATA_DIR": str(cache.cache_dir()),
               "NUMPY_MADVISE_HUGEPAGE": "0"}  # see autograder._no_huge_pages
        runner = [sys.executable, str(RUNNER), "--timeout", str(grading.cell_timeout(assignment_id)),
                  "--limits", json.dumps(limits), "--max-output", str(grading.max_output)]
        os.chmod(tmp, 0o755)  # the kernel's own user must reach the working copy
        if isolation == "bubblewrap":
            command = bubblewrap_command(work, out, data_dirs(), grading.tmp_mb)
            for key, value in env.items():
                command += ["--setenv", key, value]
            command += ["--", *runner, "--copy-from", str(GIVEN), str(INSIDE / path.name), "/output"]
            proc_env = {}
        else:
            command, proc_env = [*runner, str(path), str(out)], {**os.environ, **env}
        with Group(group_memory_mb(grading), grading.cpus, grading.processes) as group:
            _run_with_wall_clock(group.wrap(command), proc_env, grading.wall_s, out)
        executed = out / "executed.ipynb"
        result = nbformat.read(executed, as_version=4) if executed.exists() else None
        if executed.exists():
            executed.unlink()
    return result


def _run_with_wall_clock(command, env, wall_s, out):
    proc = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                            start_new_session=True)
    try:
        log, _ = proc.communicate(timeout=wall_s)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        log, _ = proc.communicate()
        (out / "status.json").write_text(json.dumps(
            {"completed": False, "reason": f"the notebook did not finish within {wall_s} s"}))
    (out / "runner.log").write_bytes(log[-20000:])
    if not (out / "status.json").exists():
        (out / "status.json").write_text(json.dumps(
            {"completed": False, "reason": f"the sandbox stopped (exit code {proc.returncode})"}))
