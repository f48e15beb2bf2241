"""The held-out images a handed-in network is graded on are the course's,
fixed at build: the judge reads them from ``source/<id>/hidden_holdout.npz``
with their goal, whatever the grading machine has cached; the sandbox never
hands them to the student's kernel."""
import numpy as np

import scratchnn as snn
from autograder.build import holdout
from autograder.grading import sandbox, trusted


def _network_and_images(tmp_path, n=200):
    rng = np.random.default_rng(0)
    pixels = rng.integers(0, 256, (n, 784), dtype=np.uint8)
    net = snn.mlp([784, 32, 10], init="glorot", seed=1, dtype=np.float32)
    net.save(tmp_path / "mnist_mlp.npz")
    labels = snn.predict(net, (pixels / 255).astype(np.float32))
    return pixels, labels


def test_the_judge_measures_the_courses_images_against_their_goal(tmp_path):
    pixels, labels = _network_and_images(tmp_path)
    meta = {"judge": "accuracy", "file": "mnist_mlp.npz", "dataset": "mnist", "split": "holdout", "goal": 0.1}
    right = tmp_path / "right.npz"
    np.savez(right, x=pixels, y=labels, goal=np.array(0.97), source=np.array("full"), dataset=np.array("mnist"))
    assert trusted.judge_file(tmp_path, meta, right) is None
    wrong = tmp_path / "wrong.npz"  # a tenth of the labels right: the file's goal counts, not the notebook's
    np.savez(wrong, x=pixels, y=np.where(np.arange(len(labels)) % 10 == 0, labels, (labels + 1) % 10),
             goal=np.array(0.97), source=np.array("full"), dataset=np.array("mnist"))
    assert trusted.judge_file(tmp_path, meta, wrong) == \
        "mnist_mlp.npz reaches 0.1000 on the held-out images; the goal is 0.97"
    assert trusted.judge_file(tmp_path, meta, tmp_path / "missing.npz") == \
        "the course's held-out images are missing: build the course again"


def test_a_course_built_without_the_full_mnist_is_a_practice_course(tmp_path, monkeypatch):
    monkeypatch.setenv("SCRATCHNN_DATA_DIR", str(tmp_path / "no-datasets"))
    said = []
    path = holdout.write(tmp_path, "a1_backprop", progress=said.append)
    with np.load(path) as saved:
        assert str(saved["source"]) == "bundled" and float(saved["goal"]) == 0.90
        assert saved["x"].shape == (1000, 784) and saved["x"].dtype == np.uint8
    assert "practice course" in said[0] and "0.97 on the full dataset" in said[0]
    assert holdout.write(tmp_path, "a2_optim_reg") is None  # nothing handed in to measure


def test_the_sandbox_keeps_the_held_out_images_out_of_the_kernel(tmp_path):
    source, submission, work = tmp_path / "source", tmp_path / "submission", tmp_path / "work"
    for folder in (source, submission, work):
        folder.mkdir()
    np.savez(source / holdout.FILENAME, x=np.zeros((2, 784), np.uint8), y=np.zeros(2, np.int64))
    np.savez(source / "hidden_expected.npz", relu_x=np.ones(3))
    sandbox.working_copy(submission, work, source)
    assert sorted(p.name for p in work.iterdir()) == ["hidden_expected.npz"]


def test_a_course_built_with_the_full_mnist_ships_its_test_images(tmp_path, monkeypatch, mnist_dir):
    import data_scripts
    from scratchnn.data import load_mnist
    cache = tmp_path / "cache"
    data_scripts.fetch("mnist", source_dir=mnist_dir, cache_dir=cache)
    monkeypatch.setenv("SCRATCHNN_DATA_DIR", str(cache))
    said = []
    path = holdout.write(tmp_path, "a1_backprop", progress=said.append)
    X, y, goal = trusted.shipped_holdout(str(path))
    assert goal == 0.97 and not said
    data = load_mnist(dtype=np.float32)  # what the notebook's X_test is: the same images, prepared the same way
    assert np.array_equal(X, data["X_test"]) and np.array_equal(y, data["y_test"]) and len(y) == 10000
