"""The grading kernel: an IPython kernel in which ``scratchnn`` and
``data_scripts`` come from the submission's own folder or not at all, so a
submission that deleted its modules cannot fall back on an installed reference.

In the sandbox (``$SCRATCHNN_LIMITS`` set, see :mod:`autograder.sandbox`) it
first reads its connection file and opens its sockets, then gives up root for
an unprivileged user of its own and takes on the resource limits, before any
student code runs: nothing in the notebook can lift them again.

Started by Jupyter as ``python kernel.py -f CONNECTION_FILE``.
"""
import importlib.machinery
import json
import os
import resource
import sys

OWN_PACKAGES = ("scratchnn", "data_scripts")


class SubmissionOnly:
    """Meta-path finder, first in line: the submission's packages, or an error."""

    @staticmethod
    def find_spec(name, path=None, target=None):
        if name.partition(".")[0] not in OWN_PACKAGES:
            return None
        search = [os.getcwd()] if path is None else path
        spec = importlib.machinery.PathFinder.find_spec(name, search)
        if spec is None:
            raise ModuleNotFoundError(f"No module named {name!r} in this submission", name=name)
        return spec


def confine(limits):
    """Resource limits, then an unprivileged user (a root process ignores the
    limit on processes). ``limits``: uid, memory_mb, cpu_s, processes, file_mb."""
    mb = 1024 * 1024
    for which, value in ((resource.RLIMIT_AS, limits["memory_mb"] * mb),
                         (resource.RLIMIT_CPU, limits["cpu_s"]),
                         (resource.RLIMIT_NPROC, limits["processes"]),
                         (resource.RLIMIT_FSIZE, limits["file_mb"] * mb),
                         (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(which, (value, value))
    if os.getuid() == 0:
        os.setgroups([])
        os.setgid(limits["uid"])
        os.setuid(limits["uid"])


if __name__ == "__main__":
    sys.path[0] = os.getcwd()  # not this file's folder
    sys.meta_path.insert(0, SubmissionOnly)
    from ipykernel.kernelapp import IPKernelApp
    app = IPKernelApp.instance()
    app.initialize(sys.argv[1:])
    if os.environ.get("SCRATCHNN_LIMITS"):
        confine(json.loads(os.environ.pop("SCRATCHNN_LIMITS")))
    app.start()
