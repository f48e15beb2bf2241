"""Losses: each returns ``(loss, gradient)`` so a training step reads
``loss, dscores = softmax_cross_entropy(scores, y)``.

Shapes: ``scores`` (N, C) raw class scores (logits), ``y`` (N,) integer labels
in ``[0, C)``.
"""
import numpy as np

from ._checks import check_finite, check_labels, check_ndim


def softmax(scores):
    """Row-wise softmax of (N, C) scores -> (N, C) probabilities.

    Subtracting each row's maximum first changes nothing mathematically
    (the factor ``exp(-max)`` cancels) but keeps ``exp`` from overflowing.
    """
    ### BEGIN SOLUTION
    shifted = scores - scores.max(axis=1, keepdims=True)
    exp = np.exp(shifted)
    return exp / exp.sum(axis=1, keepdims=True)
    ### END SOLUTION


def log_softmax(scores):
    """Row-wise log of the softmax of (N, C) scores, computed without ever
    taking ``log(0)``: ``log p = shifted - log(sum(exp(shifted)))``."""
    ### BEGIN SOLUTION
    shifted = scores - scores.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    ### END SOLUTION


def softmax_cross_entropy(scores, y):
    """Mean cross-entropy of the softmax of ``scores`` against labels ``y``.

    scores: (N, C); y: (N,) ints in [0, C).
    Returns ``(loss, dscores)``: a float, and the (N, C) gradient of the loss
    with respect to ``scores``, ``(softmax(scores) - one_hot(y)) / N``.
    """
    check_ndim(scores, 2, "scores")
    check_labels(y, len(scores), scores.shape[1])
    check_finite(scores, "scores")
    ### BEGIN SOLUTION
    n = len(scores)
    log_probs = log_softmax(scores)
    loss = -log_probs[np.arange(n), y].mean()
    dscores = np.exp(log_probs)
    dscores[np.arange(n), y] -= 1
    dscores /= n
    return float(loss), dscores
    ### END SOLUTION


def l2_penalty(weights, reg):
    """``0.5 * reg * sum ||W||^2`` over a dict of weight matrices.

    Biases are not penalised: pass only weights (see
    :meth:`scratchnn.model.Sequential.weights` and :func:`scratchnn.layers.is_weight`,
    the rule weight decay in :mod:`scratchnn.optim` follows too). Returns ``(penalty, grads)``
    with ``grads[k] = reg * W_k``, to be added to the data-loss gradients.
    """
    ### BEGIN SOLUTION
    penalty = 0.5 * reg * sum(float(np.sum(w * w)) for w in weights.values())
    return penalty, {k: reg * w for k, w in weights.items()}
    ### END SOLUTION
