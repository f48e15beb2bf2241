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
# | Softmax cross-entropy | 3 |
# | Written answer | 2 |
# | **total** | **12** |

# %%
# Setup: run this cell first. The modules are reloaded whenever you edit them.
# %load_ext autoreload
# %autoreload 2
import numpy as np

from scratchnn import Linear, ReLU, softmax_cross_entropy
from scratchnn.checks import Expected, check
from scratchnn.gradcheck import numerical_gradient, numerical_gradient_array, rel_error

expected = Expected("expected/public")


def linear_with(W, b):
    """A Linear layer holding copies of the given weights."""
    layer = Linear(*W.shape)
    layer.params["W"][...], layer.params["b"][...] = W, b
    return layer

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
expected.check("Linear.forward", "linear_out",
               lambda: linear_with(e["linear_W"], e["linear_b"]).forward(e["linear_x"]))

# %% kind="tests" id="test_linear_forward" points=2
# test: Linear.forward (2 points)
expected.check("Linear.forward", "linear_out",
               lambda: linear_with(e["linear_W"], e["linear_b"]).forward(e["linear_x"]))
### BEGIN HIDDEN TESTS
hidden = Expected("hidden_expected")
hidden.check("Linear.forward on new inputs", "linear_out",
             lambda: linear_with(hidden["linear_W"], hidden["linear_b"]).forward(hidden["linear_x"]))
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
# Self-check: Linear.backward
layer = linear_with(e["linear_W"], e["linear_b"])
layer.forward(e["linear_x"])
expected.check("Linear.backward dx", "linear_dx", lambda: layer.backward(e["linear_dout"]))
expected.check("Linear.backward dW", "linear_dW", lambda: layer.grads["W"])
expected.check("Linear.backward db", "linear_db", lambda: layer.grads["b"])
x = e["linear_x"].copy()
numeric = numerical_gradient_array(lambda: layer.forward(x), x, e["linear_dout"])
layer.forward(x)
print("relative error of dx against centred differences:",
      rel_error(layer.backward(e["linear_dout"]), numeric), "(should be < 1e-7)")

# %% kind="tests" id="test_linear_backward" points=3
# test: Linear.backward (3 points)
layer = linear_with(e["linear_W"], e["linear_b"])
layer.forward(e["linear_x"])
expected.check("Linear.backward dx", "linear_dx", lambda: layer.backward(e["linear_dout"]))
expected.check("Linear.backward dW", "linear_dW", lambda: layer.grads["W"])
expected.check("Linear.backward db", "linear_db", lambda: layer.grads["b"])
### BEGIN HIDDEN TESTS
hidden = Expected("hidden_expected")
layer = linear_with(hidden["linear_W"], hidden["linear_b"])
layer.forward(hidden["linear_x"])
hidden.check("Linear.backward dx on new inputs", "linear_dx", lambda: layer.backward(hidden["linear_dout"]))
hidden.check("Linear.backward dW on new inputs", "linear_dW", lambda: layer.grads["W"])
hidden.check("Linear.backward db on new inputs", "linear_db", lambda: layer.grads["b"])
### END HIDDEN TESTS

# %% [markdown]
# ## 3. ReLU
#
# $\text{ReLU}(x) = \max(0, x)$ elementwise. Its derivative is 1 where the *input* was
# positive and 0 elsewhere, so the backward pass lets `dout` through only there.

# %%
# Self-check: ReLU
relu = ReLU()
expected.check("ReLU.forward", "relu_out", lambda: relu.forward(e["relu_x"]))
expected.check("ReLU.backward", "relu_dx", lambda: relu.backward(e["relu_dout"]))

# %% kind="tests" id="test_relu" points=2
# test: ReLU forward and backward (2 points)
relu = ReLU()
expected.check("ReLU.forward", "relu_out", lambda: relu.forward(e["relu_x"]))
expected.check("ReLU.backward", "relu_dx", lambda: relu.backward(e["relu_dout"]))
### BEGIN HIDDEN TESTS
hidden = Expected("hidden_expected")
relu = ReLU()
hidden.check("ReLU.forward on new inputs", "relu_out", lambda: relu.forward(hidden["relu_x"]))
hidden.check("ReLU.backward on new inputs", "relu_dx", lambda: relu.backward(hidden["relu_dout"]))
relu.forward(np.array([[-1.0, 0.0, 2.0]]))
check("ReLU.backward at 0", lambda: relu.backward(np.ones((1, 3))), np.array([[0.0, 0.0, 1.0]]))
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Softmax cross-entropy
#
# The softmax turns scores into probabilities, $p_{nc} = e^{s_{nc}} / \sum_k e^{s_{nk}}$, and
# the loss is the mean negative log-probability of the correct classes:
# $$L = -\frac{1}{N}\sum_n \log p_{n, y_n}, \qquad
#   \frac{\partial L}{\partial s} = \frac{1}{N}\left(p - \text{onehot}(y)\right).$$
# Subtract each row's maximum score before exponentiating: it changes nothing mathematically
# and keeps `np.exp` from overflowing. Return `(loss, dscores)`.

# %%
# Self-check: softmax_cross_entropy
expected.check("softmax_cross_entropy loss", "ce_loss",
               lambda: softmax_cross_entropy(e["ce_scores"], e["ce_y"])[0])
expected.check("softmax_cross_entropy dscores", "ce_dscores",
               lambda: softmax_cross_entropy(e["ce_scores"], e["ce_y"])[1])
scores = e["ce_scores"].copy()
numeric = numerical_gradient(lambda: softmax_cross_entropy(scores, e["ce_y"])[0], scores)
print("relative error against centred differences:",
      rel_error(softmax_cross_entropy(scores, e["ce_y"])[1], numeric), "(should be < 1e-7)")

# %% kind="tests" id="test_softmax_ce" points=3
# test: softmax cross-entropy (3 points)
expected.check("softmax_cross_entropy loss", "ce_loss",
               lambda: softmax_cross_entropy(e["ce_scores"], e["ce_y"])[0])
expected.check("softmax_cross_entropy dscores", "ce_dscores",
               lambda: softmax_cross_entropy(e["ce_scores"], e["ce_y"])[1])
### BEGIN HIDDEN TESTS
hidden = Expected("hidden_expected")
hidden.check("softmax_cross_entropy loss on new inputs", "ce_loss",
             lambda: softmax_cross_entropy(hidden["ce_scores"], hidden["ce_y"])[0])
hidden.check("softmax_cross_entropy dscores on new inputs", "ce_dscores",
             lambda: softmax_cross_entropy(hidden["ce_scores"], hidden["ce_y"])[1])
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
