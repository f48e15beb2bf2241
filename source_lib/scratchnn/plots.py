"""Figures for the course (matplotlib). Each function draws on the axes it is
given, or on a new figure, and returns the figure; none calls ``plt.show()``.
matplotlib is imported by the first figure, not with this module."""
from pathlib import Path

import numpy as np

from .layers import activation
from .losses import softmax_cross_entropy


def _subplots(*args, **kwargs):
    """``plt.subplots``, importing matplotlib here: scratchnn itself needs only NumPy."""
    import matplotlib.pyplot as plt
    return plt.subplots(*args, **kwargs)


def _axes(ax, figsize=(6, 4)):
    if ax is None:
        fig, ax = _subplots(figsize=figsize)
    return ax.figure, ax


def save(fig, path):
    """Save ``fig`` as a PNG (creating folders); returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    return path


def _moving_average(values, window):
    values = np.asarray(values, dtype=float)
    window = max(1, min(window, len(values)))
    return np.convolve(values, np.ones(window) / window, mode="valid")


def learning_curves(history, title=None):
    """Three panels: the loss of every iteration (and its moving average), train
    and validation accuracy per epoch, and the learning rate per epoch."""
    fig, (ax_loss, ax_acc, ax_lr) = _subplots(1, 3, figsize=(15, 4))
    its = np.arange(len(history.iteration_loss))
    ax_loss.plot(its, history.iteration_loss, alpha=0.3, label="each iteration")
    window = max(1, len(its) // 50)
    smooth = _moving_average(history.iteration_loss, window)
    ax_loss.plot(its[window - 1:], smooth, label=f"moving average ({window})")
    ax_loss.set(xlabel="iteration", ylabel="training loss", title="Loss")
    ax_loss.legend()
    epochs = np.arange(1, len(history.train_acc) + 1)
    ax_acc.plot(epochs, history.train_acc, "o-", label="train")
    if history.val_acc:
        ax_acc.plot(epochs, history.val_acc, "o-", label="validation")
        ax_acc.axvline(history.best_epoch + 1, color="grey", ls=":", label="best epoch")
    ax_acc.set(xlabel="epoch", ylabel="accuracy", title="Accuracy")
    ax_acc.legend()
    ax_lr.plot(epochs, history.lr, "o-")
    ax_lr.set(xlabel="epoch", ylabel="learning rate", title="Learning rate")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


METRICS = {"train_loss": "training loss", "val_loss": "validation loss",
           "train_acc": "training accuracy", "val_acc": "validation accuracy",
           "iteration_loss": "training loss (each iteration)",
           "epoch_train_loss": "average training loss per epoch"}


def compare_runs(histories, metric="val_acc", ax=None, logy=False, title=None):
    """Several runs on one axes: ``histories`` maps a label (an init scheme, an
    optimizer, a dropout rate) to its History."""
    fig, ax = _axes(ax, (7, 4.5))
    for label, h in histories.items():
        if metric == "epoch_train_loss":
            values = h.epoch_train_loss(len(h.iteration_loss) // len(h.train_loss))
        else:
            values = getattr(h, metric)
        x = np.arange(len(values)) + (0 if metric == "iteration_loss" else 1)
        ax.plot(x, values, "-" if metric == "iteration_loss" else "o-", label=str(label))
    ax.set(xlabel="iteration" if metric == "iteration_loss" else "epoch", ylabel=METRICS[metric],
           title=title or METRICS[metric].capitalize())
    if logy:
        ax.set_yscale("log")
    ax.legend()
    return fig


def activation_functions(names=("sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu"),
                         x=None):
    """Each activation and its derivative; the derivative comes from the layer's
    own ``backward`` (with an upstream gradient of ones), so a student's
    implementation is what gets drawn."""
    x = np.linspace(-4, 4, 401) if x is None else x
    cols = 3
    rows = -(-len(names) // cols)
    fig, axes = _subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False)
    for ax, name in zip(axes.flat, names):
        layer = activation(name)
        y = layer.forward(x)
        ax.plot(x, y, label="f(x)")
        ax.plot(x, layer.backward(np.ones_like(x)), "--", label="f'(x)")
        ax.axhline(0, color="grey", lw=0.5)
        ax.axvline(0, color="grey", lw=0.5)
        ax.set(title=name, xlabel="x")
        ax.legend()
    for ax in list(axes.flat)[len(names):]:
        ax.set_visible(False)
    fig.tight_layout()
    return fig


def gradient_check_vs_epsilon(eps, errors, ax=None, title=None, xlabel="epsilon"):
    """Maximum difference between numerical and analytic gradients against the
    step (log-log): it falls like eps^2, until round-off takes over."""
    fig, ax = _axes(ax)
    ax.loglog(eps, errors, "o-")
    ax.set(xlabel=xlabel, ylabel="max |numerical - analytic|",
           title=title or "Finite-difference error")
    ax.grid(True, which="both", alpha=0.3)
    return fig


def confusion_matrix(matrix, class_names=None, ax=None, normalize=False):
    """A (C, C) confusion matrix as a heat map, true class on the rows."""
    matrix = np.asarray(matrix)
    shown = matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1) if normalize else matrix
    fig, ax = _axes(ax, (6, 5.5))
    image = ax.imshow(shown, cmap="Blues")
    fig.colorbar(image, ax=ax, fraction=0.046)
    names = class_names or [str(i) for i in range(len(matrix))]
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right")
    ax.set_yticks(range(len(names)), names)
    threshold = shown.max() / 2
    for (i, j), value in np.ndenumerate(shown):
        text = f"{value:.2f}" if normalize else str(int(value))
        ax.text(j, i, text, ha="center", va="center", fontsize=7,
                color="white" if value > threshold else "black")
    ax.set(xlabel="predicted class", ylabel="true class", title="Confusion matrix")
    return fig


def _as_images(x, image_shape):
    """(N, D) or (N, ...) -> (N, H, W) or (N, H, W, 3) scaled to [0, 1] each."""
    x = np.asarray(x, dtype=float).reshape((len(x),) + tuple(image_shape))
    if x.ndim == 4 and x.shape[1] == 3:
        x = x.transpose(0, 2, 3, 1)
    low = x.reshape(len(x), -1).min(axis=1).reshape((-1,) + (1,) * (x.ndim - 1))
    high = x.reshape(len(x), -1).max(axis=1).reshape((-1,) + (1,) * (x.ndim - 1))
    return (x - low) / np.maximum(high - low, 1e-12)


def _grid(images, titles, cols, size=1.6):
    rows = -(-len(images) // cols)
    fig, axes = _subplots(rows, cols, figsize=(size * cols, size * rows), squeeze=False)
    for ax in axes.flat:
        ax.axis("off")
    for ax, image, title in zip(axes.flat, images, titles):
        ax.imshow(image, cmap="gray" if image.ndim == 2 else None)
        if title:
            ax.set_title(title, fontsize=8)
    return fig


def first_layer_weights(W, image_shape=(28, 28), num=64):
    """The first ``num`` columns of a first-layer weight matrix W (D, M), each
    shown as an image: what each hidden unit looks for."""
    W = np.asarray(W)
    images = _as_images(W[:, :num].T, image_shape)
    fig = _grid(images, [""] * len(images), cols=min(8, len(images)), size=1.2)
    fig.suptitle("First-layer weights")
    return fig


def image_grid(images, labels=None, predictions=None, class_names=None, num=32):
    """A gallery, e.g. of misclassified images titled ``true -> predicted``.
    images: (N, 784), (N, 28, 28) or (N, 3, 32, 32)."""
    images = np.asarray(images)[:num]
    shape = (28, 28) if images[0].size == 784 else images.shape[1:]
    name = (lambda c: class_names[c]) if class_names is not None else str
    titles = []
    for i in range(len(images)):
        parts = [name(labels[i])] if labels is not None else []
        if predictions is not None:
            parts.append(name(predictions[i]))
        titles.append(" -> ".join(parts))
    return _grid(_as_images(images, shape), titles, cols=min(8, len(images)))


def layer_statistics(model, X, y=None, seed=0):
    """Forward and backward one batch through a Sequential and record, for each
    layer, the mean and std of its output and the std of the gradient flowing
    into it. Under bad initialisation these shrink to 0 or blow up with depth.

    Returns a list of dicts (one per layer, in order) with keys ``name``,
    ``out_mean``, ``out_std``, ``grad_std`` and ``out`` (the activations)."""
    stats, x = [], X
    was_training = model.training
    model.eval()
    try:
        for name, layer in model.layers.items():
            x = layer.forward(x)
            stats.append({"name": name, "out": x, "out_mean": float(x.mean()), "out_std": float(x.std())})
        if y is None:
            y = np.random.default_rng(seed).integers(0, x.shape[1], len(x))
        _, dout = softmax_cross_entropy(x, y)
        for entry, layer in zip(reversed(stats), reversed(list(model.layers.values()))):
            entry["grad_std"] = float(dout.std())  # gradient w.r.t. this layer's output
            dout = layer.backward(dout)
    finally:
        model.train(was_training)
    return stats


def plot_layer_statistics(stats, title=None):
    """Activation std and gradient std per layer (log scale), and histograms of
    the activations of each nonlinearity."""
    hidden = [s for s in stats[:-1] if not s["name"].startswith(("fc", "dropout"))]
    fig, axes = _subplots(1, 2 + len(hidden), figsize=(4 * (2 + len(hidden)), 3.5), squeeze=False)
    axes = axes[0]
    names = [s["name"] for s in stats]
    for ax, key, label in ((axes[0], "out_std", "std of activations"),
                           (axes[1], "grad_std", "std of gradients")):
        values = np.array([s[key] for s in stats])
        ax.plot(range(len(names)), np.maximum(values, 1e-30), "o-")
        ax.set_yscale("log")
        ax.set_xticks(range(len(names)), names, rotation=45)
        ax.set(title=label, xlabel="layer")
    for ax, s in zip(axes[2:], hidden):
        ax.hist(s["out"].ravel(), bins=50)
        ax.set(title=f"{s['name']} outputs", xlabel="value")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig


INIT_STUDY = {"zeros": "zeros", "normal(0, 1)": 1.0, "glorot": "glorot"}


def init_study(sizes, data, inits=None, train_size=3000, val_size=1000, epochs=4, lr=0.02, batch_size=64,
               seed=0, dtype=np.float32, progress=None):
    """Train the same MLP ``sizes`` (ReLU) from each initialisation of ``inits``
    (a label -> an ``init`` of :func:`scratchnn.mlp`; default zeros, N(0, 1) and
    Glorot) on the first ``train_size`` training images of ``data`` (a dict of
    :func:`scratchnn.data.load_mnist`), with the same seed, SGD, learning rate and
    minibatches, validating on the first ``val_size`` validation images after
    every epoch. Prints a line per run; returns ``{label: History}`` (what
    :func:`plot_init_study` draws)."""
    from .model import mlp
    from .optim import SGD
    from .train import fit
    X_train, y_train = data["X_train"][:train_size], data["y_train"][:train_size]
    X_val, y_val = data["X_val"][:val_size], data["y_val"][:val_size]
    histories = {}
    for label, init in (inits or INIT_STUDY).items():
        net = mlp(sizes, init=init, seed=seed, dtype=dtype)
        histories[label] = h = fit(net, SGD(net, lr=lr), X_train, y_train, X_val, y_val, epochs=epochs,
                                   batch_size=batch_size, seed=seed, eval_train_size=1000, progress=progress)
        steps = -(-len(X_train) // batch_size)  # per epoch
        print(f"{label:13} training loss: first minibatch {h.iteration_loss[0]:9.4g}, mean of the last epoch "
              f"{np.mean(h.iteration_loss[-steps:]):8.4g};  validation after the last epoch: loss "
              f"{h.val_loss[-1]:8.4g}, accuracy {h.val_acc[-1]:.3f}")
    return histories


def plot_init_study(histories, title=None):
    """Three panels of :func:`init_study`'s runs: the training loss of every
    minibatch, and the validation loss and accuracy after each epoch."""
    fig, axes = _subplots(1, 3, figsize=(17, 4.5))
    compare_runs(histories, "iteration_loss", ax=axes[0], logy=True, title="Training loss of every minibatch")
    compare_runs(histories, "val_loss", ax=axes[1], logy=True, title="Validation loss after each epoch")
    compare_runs(histories, "val_acc", ax=axes[2], title="Validation accuracy after each epoch")
    if title:
        fig.suptitle(title)
    fig.tight_layout()
    return fig
