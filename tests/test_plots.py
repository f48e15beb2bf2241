"""Figures draw what they are given: lines equal the recorded values, labels
and legends are set, files are written."""
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402

import scratchnn as snn  # noqa: E402
from scratchnn import plots  # noqa: E402
from scratchnn.train import History  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def history(offset=0.0):
    return History(iteration_loss=list(np.linspace(2, 0.5, 30) + offset), lr=[0.1, 0.05, 0.025],
                   train_loss=[1.5, 1.0, 0.6], train_acc=[0.6, 0.8, 0.9],
                   val_loss=[1.6, 1.1, 0.9], val_acc=[0.55, 0.78, 0.74], best_epoch=1)


def test_learning_curves(tmp_path):
    fig = plots.learning_curves(history(), title="run")
    loss_ax, acc_ax, lr_ax = fig.axes
    np.testing.assert_allclose(loss_ax.lines[0].get_ydata(), history().iteration_loss)
    np.testing.assert_allclose(acc_ax.lines[1].get_ydata(), [0.55, 0.78, 0.74])
    assert acc_ax.lines[2].get_xdata()[0] == 2  # best epoch marked (1-based)
    np.testing.assert_allclose(lr_ax.lines[0].get_ydata(), [0.1, 0.05, 0.025])
    assert all(ax.get_xlabel() and ax.get_ylabel() and ax.get_title() for ax in fig.axes)
    path = plots.save(fig, tmp_path / "sub" / "curves.png")
    assert path.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.parametrize("metric", ["val_acc", "train_loss", "epoch_train_loss", "iteration_loss"])
def test_compare_runs(metric):
    runs = {"zeros": history(1.0), "glorot": history(0.0)}
    fig = plots.compare_runs(runs, metric=metric, logy=metric.endswith("loss"))
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["zeros", "glorot"]
    expected = (runs["glorot"].epoch_train_loss(10) if metric == "epoch_train_loss"
                else getattr(runs["glorot"], metric))
    np.testing.assert_allclose(ax.lines[1].get_ydata(), expected)
    assert ax.get_ylabel() == plots.METRICS[metric]


def test_activation_functions_plot_the_layers_and_their_derivatives():
    x = np.linspace(-2, 2, 9)
    fig = plots.activation_functions(("relu", "sigmoid"), x=x)
    relu_ax, sigmoid_ax = fig.axes[:2]
    np.testing.assert_allclose(relu_ax.lines[0].get_ydata(), np.maximum(x, 0))
    np.testing.assert_allclose(relu_ax.lines[1].get_ydata(), (x > 0).astype(float))
    s = 1 / (1 + np.exp(-x))
    np.testing.assert_allclose(sigmoid_ax.lines[1].get_ydata(), s * (1 - s))
    assert [ax.get_title() for ax in fig.axes if ax.get_visible()] == ["relu", "sigmoid"]


def test_gradient_check_vs_epsilon_is_log_log():
    fig = plots.gradient_check_vs_epsilon([1, 10, 100], [1e-3, 1e-5, 1e-7], xlabel="N")
    ax = fig.axes[0]
    assert ax.get_xscale() == ax.get_yscale() == "log" and ax.get_xlabel() == "N"


def test_confusion_matrix_writes_the_counts():
    m = np.array([[5, 1], [0, 7]])
    fig = plots.confusion_matrix(m, class_names=["cat", "dog"])
    assert [t.get_text() for t in fig.axes[0].texts] == ["5", "1", "0", "7"]
    assert [t.get_text() for t in fig.axes[0].get_yticklabels()] == ["cat", "dog"]


def test_image_galleries():
    rgb = np.random.default_rng(0).random((5, 3, 32, 32))
    fig = plots.image_grid(rgb, labels=[0, 1, 2, 3, 4], predictions=[1, 1, 2, 3, 0],
                           class_names=list("abcde"))
    titled = [ax.get_title() for ax in fig.axes if ax.images]
    assert titled == ["a -> b", "b -> b", "c -> c", "d -> d", "e -> a"]
    assert fig.axes[0].images[0].get_array().shape == (32, 32, 3)
    fig = plots.first_layer_weights(np.random.default_rng(1).standard_normal((784, 20)), num=10)
    assert sum(1 for ax in fig.axes if ax.images) == 10


def test_layer_statistics_show_vanishing_and_exploding_signals():
    X = np.random.default_rng(0).standard_normal((200, 784))

    def hidden_stds(init):
        stats = plots.layer_statistics(snn.mlp([784, 256, 256, 256, 10], init=init, seed=0), X)
        return [s["out_std"] for s in stats if s["name"].startswith("relu")], stats

    zeros, _ = hidden_stds("zeros")
    assert zeros == [0.0, 0.0, 0.0]
    big, _ = hidden_stds(1.0)
    assert big[2] > 100 * big[0]  # N(0, 1) weights: activations grow ~16x per layer
    he, stats = hidden_stds("he_normal")
    assert max(he) < 3 * min(he)  # He keeps them level
    assert all(s["grad_std"] > 0 for s in stats)
    fig = plots.plot_layer_statistics(stats, title="He")
    assert len(fig.axes) == 2 + 3
