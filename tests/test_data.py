"""scratchnn.data: the course's splits, scaling and label helpers."""
import numpy as np
import pytest

import data_scripts
from scratchnn.data import load_cifar10, load_mnist, normalize, one_hot


def test_bundled_mnist_splits():
    data = load_mnist(source="bundled")
    assert data["source"] == "bundled"
    assert data["X_train"].shape == (5000, 784) and data["X_val"].shape == (1000, 784)
    assert data["X_test"].shape == (1000, 784)
    assert data["X_train"].dtype == np.float64 and data["y_train"].dtype == np.int64
    assert 0 <= data["X_train"].min() and data["X_train"].max() <= 1
    mini = data_scripts.load_bundled()
    np.testing.assert_array_equal(data["y_val"], mini["y_train"][5000:])


def test_auto_uses_the_full_cache_when_there_is_one(mnist_dir, tmp_path, monkeypatch):
    monkeypatch.delenv("SCRATCHNN_DATA_FROM", raising=False)
    assert load_mnist(data_dir=tmp_path)["source"] == "bundled"  # nothing cached, never downloads
    data_scripts.fetch("mnist", source_dir=mnist_dir, cache_dir=tmp_path)
    data = load_mnist(data_dir=tmp_path, flatten=False, dtype=np.float32)
    assert data["source"] == "full"
    assert data["X_train"].shape == (50000, 28, 28) and data["X_val"].shape == (10000, 28, 28)
    assert data["X_test"].dtype == np.float32


def test_cifar_needs_a_cache_and_says_how(tmp_path, monkeypatch):
    monkeypatch.delenv("SCRATCHNN_DATA_FROM", raising=False)
    with pytest.raises(FileNotFoundError, match="python -m data_scripts fetch cifar10"):
        load_cifar10(data_dir=tmp_path)


def test_cifar_splits_from_a_real_format_cache(tmp_path):
    from test_data_scripts import small_cifar_archive
    spec, archive, _ = small_cifar_archive(per_batch=300)
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / spec.archive).write_bytes(archive)
    arrays, meta = data_scripts.build(spec, tmp_path / "src")
    meta["md5"] = {f.name: f.md5 for f in data_scripts.sources.CIFAR10.files}  # stands in for the real one
    data_scripts.cache.write(tmp_path / "cifar10.npz", arrays, meta)
    data = load_cifar10(num_train=1400, num_val=100, num_test=200, data_dir=tmp_path)
    assert data["X_train"].shape == (1400, 3, 32, 32) and data["X_val"].shape == (100, 3, 32, 32)
    assert data["X_test"].shape == (200, 3, 32, 32) and data["X_train"].dtype == np.float32
    np.testing.assert_allclose(data["X_train"][0], arrays["x_train"][0].transpose(2, 0, 1) / 255)
    with pytest.raises(ValueError, match="CIFAR-10 has 1500"):
        load_cifar10(num_train=1500, num_val=100, data_dir=tmp_path)


def test_normalize_uses_training_statistics_only():
    rng = np.random.default_rng(0)
    train, test = rng.normal(5, 3, (1000, 4)), rng.normal(0, 1, (10, 4))
    train_n, test_n = normalize(train, test)
    np.testing.assert_allclose(train_n.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(train_n.std(axis=0), 1, atol=1e-6)
    np.testing.assert_allclose(test_n, (test - train.mean(0)) / (train.std(0) + 1e-8))
    assert train[0, 0] != train_n[0, 0]  # inputs untouched


def test_one_hot():
    np.testing.assert_array_equal(one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(ValueError, match=r"\[0, 2\]"):
        one_hot(np.array([3]), 3)
    with pytest.raises(ValueError, match="integer"):
        one_hot(np.array([0.5]), 3)
