"""The instructor's toolkit: build the course from one source, release it
with nbgrader, grade a class, and check that the kit grades itself right."""
import os

import numpy as np


def _no_huge_pages():
    """NumPy asks the OS for huge pages for every large array; where the kernel
    then compacts memory on each page fault (transparent huge pages with
    defrag "madvise"), preparing CIFAR-10 or training takes 2-5 times longer.
    Off for this process (whatever imports the kit: its CLI, nbgrader, the
    workers) and for the processes it starts; the sandbox sets it itself."""
    os.environ.setdefault("NUMPY_MADVISE_HUGEPAGE", "0")
    switch = getattr(np._core.multiarray, "_set_madvise_hugepage", None)
    if switch is not None and os.environ["NUMPY_MADVISE_HUGEPAGE"] == "0":
        switch(False)


_no_huge_pages()
