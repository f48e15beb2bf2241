"""Training and evaluation: one step, the fit loop, predictions and metrics.

Shapes: ``X`` (N, ...) inputs, ``y`` (N,) integer labels, ``C`` classes.
"""
import importlib.util
import os
import sys
import time
from dataclasses import dataclass, field

import numpy as np

from .losses import l2_penalty, softmax_cross_entropy
from .schedules import Constant


def train_step(model, optimizer, X, y, reg=0.0):
    """One minibatch step: forward, loss (+ L2 on weights), backward, update.
    Returns the loss (data loss plus penalty) as a float."""
    model.train()
    ### BEGIN SOLUTION
    scores = model.forward(X)
    loss, dscores = softmax_cross_entropy(scores, y)
    model.backward(dscores)
    grads = model.grads
    if reg:
        penalty, dweights = l2_penalty(model.weights(), reg)
        loss += penalty
        for name, dw in dweights.items():
            grads[name] = grads[name] + dw
    optimizer.step(grads)
    return loss
    ### END SOLUTION


def predict_scores(model, X, batch_size=1000):
    """Scores (N, C) in eval mode, computed ``batch_size`` rows at a time."""
    was_training = model.training
    model.eval()
    try:
        return np.concatenate([model.forward(X[i:i + batch_size])
                               for i in range(0, len(X), batch_size)])
    finally:
        model.train(was_training)


def predict(model, X, batch_size=1000):
    """Predicted class (N,) of each example."""
    return predict_scores(model, X, batch_size).argmax(axis=1)


def accuracy(y_pred, y_true):
    """Fraction of ``y_pred`` equal to ``y_true``."""
    y_pred, y_true = np.asarray(y_pred), np.asarray(y_true)
    if y_pred.shape != y_true.shape:
        raise ValueError(f"predictions {y_pred.shape} and labels {y_true.shape} differ in shape")
    return float(np.mean(y_pred == y_true))


def evaluate(model, X, y, batch_size=1000):
    """``(mean loss, accuracy)`` of the model on ``(X, y)``, in eval mode."""
    scores = predict_scores(model, X, batch_size)
    loss, _ = softmax_cross_entropy(scores, y)
    return loss, accuracy(scores.argmax(axis=1), y)


def confusion_matrix(y_true, y_pred, num_classes=None):
    """(C, C) counts: row = true class, column = predicted class. Labels
    must be integers in ``[0, C)``; C defaults to the largest label + 1."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape or y_true.ndim != 1:
        raise ValueError(f"y_true {y_true.shape} and y_pred {y_pred.shape} must be 1-d and of one length")
    c = num_classes or int(max(y_true.max(initial=0), y_pred.max(initial=0))) + 1
    for name, y in (("y_true", y_true), ("y_pred", y_pred)):
        if y.size and (y.min() < 0 or y.max() >= c):
            raise ValueError(f"{name} holds {y.min()}..{y.max()}: labels must lie in [0, {c - 1}]")
    matrix = np.zeros((c, c), dtype=np.int64)
    ### BEGIN SOLUTION
    np.add.at(matrix, (y_true, y_pred), 1)
    ### END SOLUTION
    return matrix


def minibatches(n, batch_size, rng):
    """Index arrays covering ``range(n)`` in a random order, ``batch_size`` at a time."""
    order = rng.permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


@dataclass
class History:
    """What a run recorded: the loss of every iteration, and per epoch the
    learning rate, train/val loss and accuracy. ``best_epoch`` is the epoch
    whose weights the model holds at the end (the best validation accuracy)."""
    iteration_loss: list = field(default_factory=list)
    lr: list = field(default_factory=list)
    train_loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)
    epoch_time: list = field(default_factory=list)
    best_epoch: int = -1

    @property
    def best_val_acc(self):
        return self.val_acc[self.best_epoch] if self.val_acc else float("nan")

    def epoch_train_loss(self, iterations_per_epoch):
        """Average training loss of each epoch (over its minibatches)."""
        losses = np.asarray(self.iteration_loss)
        return losses[: len(losses) // iterations_per_epoch * iterations_per_epoch] \
            .reshape(-1, iterations_per_epoch).mean(axis=1)


def fit(model, optimizer, X_train, y_train, X_val=None, y_val=None, epochs=10,
        batch_size=128, schedule=None, reg=0.0, seed=0, patience=None,
        eval_train_size=10000, progress=None):
    """Train ``model`` with minibatch ``optimizer`` steps; return a :class:`History`.

    - minibatches are drawn in a new random order each epoch from ``seed``;
    - ``schedule(epoch)`` sets the learning rate at the start of each epoch;
    - after each epoch, loss and accuracy on (up to ``eval_train_size``
      examples of) the training set and on the validation set are recorded;
    - the weights of the best validation epoch are restored at the end, and
      with ``patience`` training stops after that many epochs without progress;
    - ``progress``: a tqdm bar, shown by default only in an interactive session
      where tqdm is installed (without a bar, tqdm is never imported).
    """
    if len(X_train) != len(y_train):
        raise ValueError(f"{len(X_train)} training examples but {len(y_train)} labels")
    rng = np.random.default_rng(seed)
    schedule = schedule or Constant(optimizer.lr)
    history, best_state = History(), None
    if progress is None:
        progress = _show_progress()
    # the training examples measured after each epoch: the same ones every epoch
    eval_idx = rng.permutation(len(X_train))[:eval_train_size]
    bar = _progress_bar(epochs * -(-len(X_train) // batch_size), progress)
    try:
        for epoch in range(epochs):
            start = time.perf_counter()
            optimizer.lr = schedule(epoch)
            history.lr.append(optimizer.lr)
            # One epoch, then its measurements:
            # 1. a new order of the examples, ``rng.permutation(len(X_train))``: one draw per
            #    epoch from ``rng`` (so a run is reproducible from ``seed``);
            # 2. minibatches of ``batch_size`` examples in that order, the last one smaller if
            #    ``batch_size`` does not divide N (every example once per epoch); for each,
            #    ``train_step(model, optimizer, X_batch, y_batch, reg)``, its loss appended to
            #    ``history.iteration_loss``, and ``bar.update()``;
            # 3. ``evaluate`` on the examples ``eval_idx`` of the training set, appended to
            #    ``history.train_loss`` and ``history.train_acc``; and, when there is a
            #    validation set, on it, appended to ``history.val_loss`` and ``history.val_acc``.
            ### BEGIN SOLUTION
            order = rng.permutation(len(X_train))
            for i in range(0, len(X_train), batch_size):
                idx = order[i:i + batch_size]
                history.iteration_loss.append(train_step(model, optimizer, X_train[idx], y_train[idx], reg))
                bar.update()
            loss, acc = evaluate(model, X_train[eval_idx], y_train[eval_idx])
            history.train_loss.append(loss)
            history.train_acc.append(acc)
            if X_val is not None:
                loss, acc = evaluate(model, X_val, y_val)
                history.val_loss.append(loss)
                history.val_acc.append(acc)
            ### END SOLUTION
            history.epoch_time.append(time.perf_counter() - start)
            if X_val is None:
                continue
            # keep the weights of the best validation accuracy so far (the first, on a tie)
            bar.set_postfix(epoch=epoch + 1, val_acc=f"{history.val_acc[-1]:.4f}")
            if history.best_epoch < 0 or history.val_acc[-1] > history.best_val_acc:
                history.best_epoch, best_state = epoch, model.state_dict()
            elif patience is not None and epoch - history.best_epoch >= patience:
                break
    finally:
        bar.close()
    if best_state is not None:
        model.load_state_dict(best_state)
    else:
        history.best_epoch = len(history.train_loss) - 1
    return history


def _show_progress():
    """A bar in a terminal or a notebook if tqdm is installed; quiet under CI,
    pytest, nbgrader or a pipe (and never on stderr, which nbgrader counts as a
    failing cell)."""
    if os.environ.get("CI") or os.environ.get("NBGRADER_EXECUTION") or "pytest" in sys.modules:
        return False
    if importlib.util.find_spec("tqdm") is None:
        return False
    return sys.stdout.isatty() or "ipykernel" in sys.modules


def _progress_bar(total, show):
    """A tqdm bar of ``total`` batches on stdout, or a silent stand-in: tqdm is
    imported only to be shown."""
    if not show:
        return _NoBar()
    from tqdm import tqdm
    return tqdm(total=total, unit="batch", leave=False, file=sys.stdout)


class _NoBar:
    """The part of a tqdm bar that ``fit`` uses, doing nothing."""

    def update(self, n=1):
        pass

    def set_postfix(self, **values):
        pass

    def close(self):
        pass
