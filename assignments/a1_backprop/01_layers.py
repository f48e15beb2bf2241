# %% [markdown]
# # Assignment 1, part 1: layers, forward and backward
#
# A neural network is a chain of simple functions. For each one you will write
# the **forward pass** (its output) and the **backward pass** (how the loss changes with
# its input and parameters, given how it changes with its output). Backpropagation is
# nothing more than calling the backward passes in reverse order.
#
# You write the code in the module `scratchnn/layers.py` and `scratchnn/losses.py` of
# this folder, where every place to fill in says `# TODO` and raises `NotImplementedError`.
# After each piece, run the **self-check** cell below it: it prints `OK` or says exactly
# what is wrong. The cells marked *test* are graded (they also run checks you cannot see,
# on inputs you have not seen: hard-coding an answer earns nothing).
#
# | part | points |
# | --- | --- |
# | Linear forward | 2 |
# | Linear backward | 3 |
# | ReLU forward and backward | 2 |
# | Softmax and softmax cross-entropy | 3 |
# | Written answer | 2 |
# | **total** | **12** |

# %%
# Setup: run this cell first. The modules are reloaded whenever you edit them.
# %load_ext autoreload
# %autoreload 2
import numpy as np

from scratchnn import Linear, ReLU, softmax_cross_entropy
from scratchnn.checks import CheckFailed, Expected, check
from scratchnn.gradcheck import numerical_gradient, numerical_gradient_array, rel_error
from scratchnn.losses import log_softmax, softmax

expected = Expected("expected/public")


def linear_with(W, b):
    """A Linear layer holding copies of the given weights."""
    layer = Linear(*W.shape)
    layer.params["W"][...], layer.params["b"][...] = W, b
    return layer


def linear_forward_checks(exp, suffix=""):
    """Linear.forward's output, and the cache it leaves for backward: (x flattened, x's shape)."""
    layer, x = linear_with(exp["linear_W"], exp["linear_b"]), exp["linear_x"]
    exp.check("Linear.forward" + suffix, "linear_out", lambda: layer.forward(x))

    def cached(i):
        if not (isinstance(layer.cache, tuple) and len(layer.cache) == 2):
            raise CheckFailed(f"Linear.forward must keep (x flattened to (N, D), x.shape) in self.cache "
                              f"for backward; it keeps {type(layer.cache).__name__}")
        return np.asarray(layer.cache[i])
    check("Linear.forward keeps x flattened to (N, D) in self.cache" + suffix, lambda: cached(0),
          x.reshape(len(x), -1))
    check("Linear.forward keeps x's shape in self.cache" + suffix, lambda: cached(1), np.array(x.shape))


def linear_ready(W, b, x):
    """A Linear layer holding copies of W and b, with the cache a forward pass on x
    leaves: backward is checked on its own, whatever forward does."""
    layer = linear_with(W, b)
    layer.cache = (x.reshape(len(x), -1), x.shape)
    return layer


def linear_backward_checks(exp, suffix=""):
    """Linear.backward from the cache of the recorded x: dx, dW and db; then again after
    another batch went through the same layer (gradients are assigned, never added up)."""
    x, dout = exp["linear_x"], exp["linear_dout"]
    layer = linear_ready(exp["linear_W"], exp["linear_b"], x)
    exp.check("Linear.backward dx" + suffix, "linear_dx", lambda: layer.backward(dout))
    exp.check("Linear.backward dW" + suffix, "linear_dW", lambda: layer.grads["W"])
    exp.check("Linear.backward db" + suffix, "linear_db", lambda: layer.grads["b"])
    layer.cache = (-2 * x[::-1].reshape(len(x), -1), x.shape)  # an earlier batch first
    layer.backward(dout[::-1] + 1)
    layer.cache = (x.reshape(len(x), -1), x.shape)
    layer.backward(dout)
    exp.check("Linear.backward a second time: dW of that batch alone (assigned, not added)" + suffix,
              "linear_dW", lambda: layer.grads["W"])
    exp.check("Linear.backward a second time: db of that batch alone (assigned, not added)" + suffix,
              "linear_db", lambda: layer.grads["b"])
    check("Linear.backward(dout, input_grad=False) returns None" + suffix,
          lambda: layer.backward(dout, input_grad=False) is None, True)


def relu_checks(exp, suffix=""):
    """ReLU forward and backward on the recorded inputs, then on them again after another
    batch went through the same layer (backward uses the mask of the last forward)."""
    relu = ReLU()
    exp.check("ReLU.forward" + suffix, "relu_out", lambda: relu.forward(exp["relu_x"]))
    exp.check("ReLU.backward" + suffix, "relu_dx", lambda: relu.backward(exp["relu_dout"]))
    relu = ReLU()
    relu.forward(-exp["relu_x"])  # an earlier batch through the same layer
    exp.check("ReLU.forward of a second batch" + suffix, "relu_out", lambda: relu.forward(exp["relu_x"]))
    exp.check("ReLU.backward of a second batch: its own mask" + suffix, "relu_dx",
              lambda: relu.backward(exp["relu_dout"]))


def softmax_checks(exp, suffix=""):
    """softmax, log_softmax and softmax_cross_entropy on the recorded scores."""
    exp.check("softmax" + suffix, "softmax_out", lambda: softmax(exp["ce_scores"]))
    exp.check("log_softmax" + suffix, "log_softmax_out", lambda: log_softmax(exp["ce_scores"]))
    exp.check("softmax_cross_entropy loss" + suffix, "ce_loss",
              lambda: softmax_cross_entropy(exp["ce_scores"], exp["ce_y"])[0])
    exp.check("softmax_cross_entropy dscores" + suffix, "ce_dscores",
              lambda: softmax_cross_entropy(exp["ce_scores"], exp["ce_y"])[1])

# %% [markdown]
# ## 1. The fully connected layer
#
# `Linear(D, M)` maps each example, flattened to $D$ features, to $M$ outputs:
# $$\text{out} = x W + b, \qquad x \in \mathbb{R}^{N \times D},\; W \in \mathbb{R}^{D \times M},\; b \in \mathbb{R}^{M}.$$
# Images arrive as $(N, 3, 32, 32)$ or $(N, 28, 28)$: flatten everything after the batch axis
# (`x.reshape(len(x), -1)`) and keep what `backward` will need in `self.cache`.
#
# Implement `Linear.forward`, then run the self-check.

# %%
# Self-check: Linear.forward
e = expected
linear_forward_checks(e)

# %% kind="tests" id="test_linear_forward" points=2
# test: Linear.forward (2 points)
linear_forward_checks(e)
### BEGIN HIDDEN TESTS
hidden = Expected("hidden_expected")
linear_forward_checks(hidden, " (new inputs)")
### END HIDDEN TESTS

# %% [markdown]
# ## 2. Backward through the fully connected layer
#
# Given $\partial L/\partial \text{out}$ (`dout`, shape $(N, M)$), the chain rule gives
# $$\frac{\partial L}{\partial W} = x^\top \,\text{dout}, \qquad
#   \frac{\partial L}{\partial b} = \sum_{n} \text{dout}_{n}, \qquad
#   \frac{\partial L}{\partial x} = \text{dout}\, W^\top .$$
# A quick sanity check: every gradient has the shape of the thing it is the gradient of.
# `dx` must come back in the input's original shape, e.g. $(N, 3, 32, 32)$.
# Store `dW` and `db` in `self.grads["W"]` and `self.grads["b"]`, and return `dx`; when called
# with `input_grad=False`, return `None` without computing it (a network calls its first layer
# that way: nothing uses the gradient with respect to the images, and skipping it saves time).
#
# The self-check also compares your gradients with **centred differences**
# $\big(f(x+h) - f(x-h)\big) / 2h$, which need no calculus at all.

# %%
# Self-check: Linear.backward (from the cache a forward pass leaves, so that it is checked on its own)
linear_backward_checks(e)
layer = linear_with(e["linear_W"], e["linear_b"])
x = e["linear_x"].copy()
numeric = numerical_gradient_array(lambda: layer.forward(x), x, e["linear_dout"])
layer.forward(x)
print("relative error of dx against centred differences:",
      rel_error(layer.backward(e["linear_dout"]), numeric), "(should be < 1e-7)")

# %% kind="tests" id="test_linear_backward" points=3
# test: Linear.backward (3 points)
linear_backward_checks(e)
### BEGIN HIDDEN TESTS
hidden = Expected("hidden_expected")
linear_backward_checks(hidden, " (new inputs)")
### END HIDDEN TESTS

# %% [markdown]
# ## 3. ReLU
#
# $\text{ReLU}(x) = \max(0, x)$ elementwise. Its derivative is 1 where the *input* was
# positive and 0 elsewhere, so the backward pass lets `dout` through only there.

# %%
# Self-check: ReLU
relu_checks(e)

# %% kind="tests" id="test_relu" points=2
# test: ReLU forward and backward (2 points)
relu_checks(e)
### BEGIN HIDDEN TESTS
hidden = Expected("hidden_expected")
relu_checks(hidden, " (new inputs)")
relu = ReLU()
relu.forward(hidden["relu_zero_x"])
hidden.check("ReLU.backward at 0", "relu_zero_dx", lambda: relu.backward(np.ones_like(hidden["relu_zero_x"])))
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Softmax cross-entropy
#
# The softmax turns scores into probabilities, $p_{nc} = e^{s_{nc}} / \sum_k e^{s_{nk}}$, and
# the loss is the mean negative log-probability of the correct classes:
# $$L = -\frac{1}{N}\sum_n \log p_{n, y_n}, \qquad
#   \frac{\partial L}{\partial s} = \frac{1}{N}\left(p - \text{onehot}(y)\right).$$
# Subtract each row's maximum score before exponentiating: it changes nothing mathematically
# and keeps `np.exp` from overflowing. In `scratchnn/losses.py`, write `softmax(scores)` (the
# probabilities, row by row), `log_softmax(scores)` (their logarithms, computed as
# `shifted - log(sum(exp(shifted)))` so that no `log(0)` is ever taken), then
# `softmax_cross_entropy(scores, y)`, which returns `(loss, dscores)`.

# %%
# Self-check: softmax, log_softmax and softmax_cross_entropy
softmax_checks(e)
scores = e["ce_scores"].copy()
numeric = numerical_gradient(lambda: softmax_cross_entropy(scores, e["ce_y"])[0], scores)
print("relative error against centred differences:",
      rel_error(softmax_cross_entropy(scores, e["ce_y"])[1], numeric), "(should be < 1e-7)")

# %% kind="tests" id="test_softmax_ce" points=3
# test: softmax, log_softmax and softmax cross-entropy (3 points)
softmax_checks(e)
### BEGIN HIDDEN TESTS
hidden = Expected("hidden_expected")
softmax_checks(hidden, " (new inputs)")
hidden.check("softmax of scores near 1000", "softmax_big", lambda: softmax(hidden["ce_big_scores"]))
hidden.check("softmax_cross_entropy loss on scores near 1000", "ce_big_loss",
             lambda: softmax_cross_entropy(hidden["ce_big_scores"], hidden["ce_y"])[0])
hidden.check("softmax_cross_entropy dscores on scores near 1000", "ce_big_dscores",
             lambda: softmax_cross_entropy(hidden["ce_big_scores"], hidden["ce_y"])[1])
### END HIDDEN TESTS

# %% [markdown]
# ## 5. Written answer (2 points)
#
# Why does subtracting the row maximum before `np.exp` leave the softmax unchanged, and
# what goes wrong without it for scores around 1000? Answer in two or three sentences.
#
# *Marking:* 1 point for showing that a common factor $e^{-m}$ cancels between numerator and
# denominator; 1 point for saying that $e^{1000}$ overflows to `inf` and `inf / inf` gives `nan`.

# %% [markdown] kind="manual" id="answer_max_shift" points=2
# YOUR ANSWER HERE
