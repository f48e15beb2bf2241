"""Training on real MNIST: a quick run on the bundled subset every time, and
the seed architecture 784-512-512-10 to >= 97% validation accuracy."""
import time

import numpy as np
import pytest

import data_scripts
import scratchnn as snn
from scratchnn.data import load_mnist


def test_small_mlp_learns_the_bundled_subset():
    data = load_mnist(source="bundled", dtype=np.float32)
    model = snn.mlp([784, 128, 10], init="he", seed=0, dtype=np.float32)
    h = snn.fit(model, snn.Momentum(model, lr=0.05), data["X_train"], data["y_train"],
                data["X_val"], data["y_val"], epochs=5, batch_size=64)
    assert h.best_val_acc > 0.90
    assert snn.evaluate(model, data["X_test"], data["y_test"])[1] > 0.88


@pytest.mark.slow
def test_seed_network_reaches_97_percent_on_full_mnist(mnist_dir, tmp_path_factory):
    cache = tmp_path_factory.mktemp("cache")
    data_scripts.fetch("mnist", source_dir=mnist_dir, cache_dir=cache)
    data = load_mnist(source="full", dtype=np.float32, data_dir=cache)
    assert data["X_train"].shape == (50000, 784) and data["X_val"].shape == (10000, 784)
    model = snn.mlp([784, 512, 512, 10], init="glorot", seed=0, dtype=np.float32)
    start = time.perf_counter()
    h = snn.fit(model, snn.Momentum(model, lr=0.05, momentum=0.9), data["X_train"], data["y_train"],
                data["X_val"], data["y_val"], epochs=5, batch_size=128, seed=0)
    print(f"\n784-512-512-10: val acc per epoch {[round(a, 4) for a in h.val_acc]}, "
          f"{time.perf_counter() - start:.1f} s")
    assert h.best_val_acc >= 0.97
    assert snn.evaluate(model, data["X_test"], data["y_test"])[1] >= 0.97
