"""Assignment 1's initialisation study (02_mlp, section 7) shows what its mark
scheme says: the reference's runs of ``plots.init_study``, with the notebook's
settings (its defaults) and the reference's 784-512-512-10, on the bundled
subset. The same claims hold on the full MNIST, whose first training images are
the bundled ones (checked by hand when the settings were chosen)."""
import math

import matplotlib
import numpy as np
import pytest

matplotlib.use("Agg")

from scratchnn import plots  # noqa: E402
from scratchnn.data import load_mnist  # noqa: E402


@pytest.fixture(scope="module")
def runs():
    histories = plots.init_study([784, 512, 512, 10], load_mnist(source="bundled", dtype=np.float32))
    assert list(histories) == ["zeros", "normal(0, 1)", "glorot"]
    return histories


def last_epoch_loss(h):
    """The mean training loss of the minibatches of the last epoch."""
    return float(np.mean(h.iteration_loss[-(len(h.iteration_loss) // len(h.train_loss)):]))


def test_zeros_stay_flat_near_ln_10_at_chance(runs):
    zeros = runs["zeros"]
    assert np.all(np.abs(np.array(zeros.iteration_loss) - math.log(10)) < 0.05)
    assert np.all(np.abs(np.array(zeros.val_loss) - math.log(10)) < 0.05)
    assert max(zeros.val_acc) < 0.2 and len(set(zeros.val_acc)) == 1  # one class for every image


def test_normal_starts_enormous_and_ends_far_worse_than_glorot(runs):
    normal, glorot = runs["normal(0, 1)"], runs["glorot"]
    assert glorot.iteration_loss[0] < 3 and normal.iteration_loss[0] > 100 * glorot.iteration_loss[0]
    assert last_epoch_loss(normal) > 3 * last_epoch_loss(glorot)
    assert min(normal.val_loss) > 30 * max(glorot.val_loss[-1], 0.1)
    assert normal.val_loss[-1] > 30 * glorot.val_loss[-1]


def test_glorot_falls_steadily_and_accuracy_alone_hides_the_difference(runs):
    normal, glorot = runs["normal(0, 1)"], runs["glorot"]
    assert np.all(np.diff(glorot.val_loss) < 0) and glorot.val_loss[-1] < 1
    assert glorot.val_acc[-1] > 0.7
    # both classify most images right: the mark scheme says the accuracies are close
    assert abs(normal.val_acc[-1] - glorot.val_acc[-1]) < 0.1
