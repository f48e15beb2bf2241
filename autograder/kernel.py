"""The grading kernel: an IPython kernel in which ``scratchnn`` and
``data_scripts`` come from the submission's own folder or not at all, so a
submission that deleted its modules cannot fall back on an installed reference.

Started by Jupyter as ``python kernel.py -f CONNECTION_FILE``.
"""
import importlib.machinery
import os
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


if __name__ == "__main__":
    sys.path[0] = os.getcwd()  # not this file's folder
    sys.meta_path.insert(0, SubmissionOnly)
    from ipykernel import kernelapp
    kernelapp.launch_new_instance()
