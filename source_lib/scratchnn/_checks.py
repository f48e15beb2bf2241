"""Input guards shared by the library: a wrong shape, a label out of range or
a NaN fails at once with a message that says what was expected."""
import numpy as np


def check_ndim(x, ndim, what, at_least=False):
    """Raise if ``x`` is not an array of ``ndim`` dimensions (or more)."""
    if not isinstance(x, np.ndarray):
        raise TypeError(f"{what} must be a NumPy array, got {type(x).__name__}")
    if (x.ndim < ndim) if at_least else (x.ndim != ndim):
        want = f"at least {ndim}" if at_least else str(ndim)
        raise ValueError(f"{what} must have {want} dimensions, got shape {x.shape}")


def check_finite(x, what):
    """Raise if ``x`` holds NaN or infinity (say where the first one is)."""
    bad = ~np.isfinite(x)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{what} contains {x[where]} at index {where}: "
                         f"check the learning rate and the data for NaN/inf")


def check_labels(y, num_examples, num_classes):
    """Raise unless ``y`` is ``num_examples`` integer labels in ``[0, num_classes)``."""
    check_ndim(y, 1, "labels y")
    if not np.issubdtype(y.dtype, np.integer):
        raise TypeError(f"labels y must be integers (class indices), got dtype {y.dtype}")
    if len(y) != num_examples:
        raise ValueError(f"got {len(y)} labels for {num_examples} examples")
    if len(y) and (y.min() < 0 or y.max() >= num_classes):
        raise ValueError(f"labels must lie in [0, {num_classes - 1}], "
                         f"got values from {y.min()} to {y.max()}")
