"""The fit loop, metrics, model selection and prediction export."""
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import scratchnn as snn
from scratchnn import selection
from scratchnn.export import read_predictions_csv, write_predictions_csv
from scratchnn.train import minibatches, predict_scores


def blobs(n=600, d=5, classes=3, seed=0, spread=0.6):
    """Gaussian clusters: an easy problem a working MLP solves."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(0, 3, (classes, d))
    y = rng.integers(0, classes, n)
    return centres[y] + rng.normal(0, spread, (n, d)), y


@pytest.fixture(scope="module")
def data():
    X, y = blobs()
    return X[:450], y[:450], X[450:], y[450:]


def test_fit_learns_and_records_history(data):
    Xtr, ytr, Xva, yva = data
    model = snn.mlp([5, 16, 3], seed=0)
    h = snn.fit(model, snn.SGD(model, lr=0.2), Xtr, ytr, Xva, yva, epochs=5, batch_size=50,
                schedule=snn.ExponentialDecay(0.2, 0.5))
    assert len(h.iteration_loss) == 5 * 9
    assert len(h.train_loss) == len(h.val_acc) == len(h.lr) == 5
    assert h.lr == pytest.approx([0.2, 0.1, 0.05, 0.025, 0.0125])
    assert h.best_val_acc > 0.95
    assert h.iteration_loss[-1] < h.iteration_loss[0] / 3
    assert h.epoch_train_loss(9).shape == (5,)


WITHOUT_TQDM_AND_MATPLOTLIB = textwrap.dedent("""
    import sys
    sys.modules["tqdm"] = None        # importing either now raises ImportError
    sys.modules["matplotlib"] = None
    import numpy as np
    import scratchnn as snn
    from scratchnn import plots
    from scratchnn.data import load_mnist

    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((40, 5)), rng.integers(0, 3, 40)
    model = snn.mlp([5, 8, 3], seed=0)
    history = snn.fit(model, snn.SGD(model, lr=0.1), X, y, X, y, epochs=2, batch_size=10, progress=False)
    assert len(history.val_acc) == 2
    plots.layer_statistics(model, X)
    assert load_mnist(source="bundled")["X_train"].shape == (5000, 784)
    print("ok")
""")


def test_scratchnn_needs_only_numpy():
    """tqdm and matplotlib are imported where used: without them, scratchnn
    imports, trains without a bar and loads the bundled data."""
    done = subprocess.run([sys.executable, "-c", WITHOUT_TQDM_AND_MATPLOTLIB],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout == "ok\n"


def test_fit_restores_the_best_validation_weights(data):
    Xtr, ytr, Xva, yva = data
    model = snn.mlp([5, 16, 3], seed=0)
    # A sane first epoch, then a learning rate that wrecks the weights.
    wreck = lambda epoch: 0.2 if epoch == 0 else 500.0  # noqa: E731
    h = snn.fit(model, snn.SGD(model, lr=0.2), Xtr, ytr, Xva, yva, epochs=3, schedule=wreck)
    assert h.best_epoch == int(np.argmax(h.val_acc)) and max(h.val_acc) > min(h.val_acc)
    assert snn.evaluate(model, Xva, yva)[1] == h.best_val_acc


def test_patience_stops_early(data):
    Xtr, ytr, Xva, yva = data
    model = snn.mlp([5, 16, 3], seed=0)
    h = snn.fit(model, snn.SGD(model, lr=1e-9), Xtr, ytr, Xva, yva, epochs=20, patience=2)
    assert len(h.val_acc) == 3  # no progress after the first epoch: two more, then stop


def test_fit_is_reproducible(data):
    Xtr, ytr, Xva, yva = data
    runs = []
    for _ in range(2):
        model = snn.mlp([5, 8, 3], drop_prob=0.2, seed=3)
        runs.append((snn.fit(model, snn.Adam(model, lr=0.01), Xtr, ytr, Xva, yva, epochs=2, seed=9),
                     model.state_dict()))
    assert runs[0][0].iteration_loss == runs[1][0].iteration_loss
    np.testing.assert_array_equal(runs[0][1]["fc2.W"], runs[1][1]["fc2.W"])


def test_float32_training_stays_float32(data):
    Xtr, ytr, _, _ = data
    model = snn.mlp([5, 8, 3], dtype=np.float32)
    snn.fit(model, snn.Momentum(model, lr=0.1), Xtr.astype(np.float32), ytr, epochs=1)
    assert all(w.dtype == np.float32 for w in model.params.values())


def test_train_step_adds_l2_to_the_loss_and_gradient():
    X, y = blobs(n=20)
    losses = []
    for reg in (0.0, 0.5):
        model = snn.mlp([5, 4, 3], seed=1)
        before = model.params["fc1.b"].copy(), model.params["fc1.W"].copy()
        losses.append(snn.train_step(model, snn.SGD(model, lr=0.1), X, y, reg=reg))
        moved = model.params["fc1.b"] - before[0], model.params["fc1.W"] - before[1]
    penalty = 0.25 * sum(np.sum(w ** 2) for w in snn.mlp([5, 4, 3], seed=1).weights().values())
    assert losses[1] == pytest.approx(losses[0] + penalty)
    assert np.abs(moved[1]).sum() > 0 and np.abs(moved[0]).sum() > 0


def test_predictions_in_batches_equal_one_batch(data):
    _, _, Xva, _ = data
    model = snn.mlp([5, 8, 3], seed=0)
    np.testing.assert_allclose(predict_scores(model, Xva, batch_size=7), model.eval().forward(Xva))
    assert snn.predict(model, Xva).shape == (len(Xva),)


def test_minibatches_cover_every_example_once():
    batches = minibatches(10, 4, np.random.default_rng(0))
    assert [len(b) for b in batches] == [4, 4, 2]
    assert sorted(np.concatenate(batches).tolist()) == list(range(10))


def test_accuracy_and_confusion_matrix():
    assert snn.accuracy(np.array([1, 2, 3]), np.array([1, 0, 3])) == pytest.approx(2 / 3)
    with pytest.raises(ValueError, match="shape"):
        snn.accuracy(np.zeros(3), np.zeros(4))
    m = snn.confusion_matrix(np.array([0, 0, 1, 2]), np.array([0, 1, 1, 0]), num_classes=3)
    np.testing.assert_array_equal(m, [[1, 1, 0], [0, 1, 0], [1, 0, 0]])


# -- model selection -----------------------------------------------------------
def test_kfold_partitions():
    folds = selection.kfold_indices(10, 3, seed=0)
    vals = [set(v.tolist()) for _, v in folds]
    assert sorted(len(v) for v in vals) == [3, 3, 4]
    assert set().union(*vals) == set(range(10)) and sum(map(len, vals)) == 10
    for train, val in folds:
        assert not set(train.tolist()) & set(val.tolist()) and len(train) + len(val) == 10
    with pytest.raises(ValueError, match="k must be"):
        selection.kfold_indices(5, 1)


def test_cross_validate_averages_folds():
    X, y = np.arange(12.0)[:, None], np.arange(12) % 2
    trial = lambda params, Xt, yt, Xv, yv: float(len(Xv))  # noqa: E731
    mean, std, scores = selection.cross_validate(trial, {}, X, y, k=4)
    assert scores == [3.0] * 4 and mean == 3.0 and std == 0.0


def test_grid_and_random_settings():
    g = selection.grid(lr=[0.1, 0.01], hidden=[32, 64, 128])
    assert len(g) == 6 and {"lr": 0.01, "hidden": 64} in g
    r = selection.random_settings(50, seed=1, lr=("log", 1e-4, 1e-1), units=("int", 10, 20),
                                  act=["relu", "tanh"], drop=("uniform", 0, 0.5))
    assert all(1e-4 <= s["lr"] <= 1e-1 and 10 <= s["units"] <= 20 and 0 <= s["drop"] <= 0.5 for s in r)
    assert {s["act"] for s in r} == {"relu", "tanh"}
    assert r == selection.random_settings(50, seed=1, lr=("log", 1e-4, 1e-1), units=("int", 10, 20),
                                          act=["relu", "tanh"], drop=("uniform", 0, 0.5))


def test_search_sorts_by_validation_accuracy_and_formats_a_table(data):
    Xtr, ytr, Xva, yva = data

    def trial(params, Xt, yt, Xv, yv):
        model = snn.mlp([5, params["hidden"], 3], seed=0)
        h = snn.fit(model, snn.SGD(model, lr=params["lr"]), Xt, yt, Xv, yv, epochs=2)
        return {"val_acc": h.best_val_acc, "train_acc": h.train_acc[-1]}

    rows = selection.search(trial, selection.grid(lr=[1e-6, 0.3], hidden=[8]), Xtr, ytr, Xva, yva)
    assert [r["lr"] for r in rows] == [0.3, 1e-6]
    assert rows[0]["val_acc"] >= rows[1]["val_acc"]
    table = selection.format_table(rows)
    assert table.splitlines()[0].split() == ["lr", "hidden", "val_acc", "train_acc"]
    assert len(table.splitlines()) == 4


# -- export --------------------------------------------------------------------
def test_prediction_csv_round_trip(tmp_path):
    path = write_predictions_csv(tmp_path / "sub.csv", np.array([3, 1, 4]))
    assert path.read_text().splitlines() == ["Id,Category", "0,3", "1,1", "2,4"]
    ids, preds = read_predictions_csv(path)
    np.testing.assert_array_equal(preds, [3, 1, 4])
    with pytest.raises(ValueError, match="argmax"):
        write_predictions_csv(tmp_path / "bad.csv", np.array([[0.1, 0.9]]))
