"""Make the bundled mini MNIST: a fixed, real subset small enough to ship."""
import numpy as np

from . import BUNDLED, cache
from .assemble import build
from .sources import MNIST

TRAIN_PER_CLASS, TEST_PER_CLASS = 600, 100


def first_per_class(labels, per_class):
    """Indices of the first ``per_class`` examples of each class, in file order."""
    return np.sort(np.concatenate([np.flatnonzero(labels == c)[:per_class] for c in range(10)]))


def make_bundled(source_dir, path=BUNDLED):
    """Write the mini set from the four official MNIST files in ``source_dir``."""
    arrays, meta = build(MNIST, source_dir)
    train = first_per_class(arrays["y_train"], TRAIN_PER_CLASS)
    test = first_per_class(arrays["y_test"], TEST_PER_CLASS)
    subset = {"x_train": arrays["x_train"][train], "y_train": arrays["y_train"][train],
              "x_test": arrays["x_test"][test], "y_test": arrays["y_test"][test],
              "classes": arrays["classes"], "train_index": train, "test_index": test}
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npz")
    np.savez_compressed(tmp, meta=np.array(_meta_json(meta)), **subset)
    tmp.replace(path)
    return path


def _meta_json(meta):
    import json
    return json.dumps({**meta, "format": cache.FORMAT, "dataset": "mnist_mini",
                       "subset": f"first {TRAIN_PER_CLASS} training and {TEST_PER_CLASS} test "
                                 "images of each class, in file order"})
