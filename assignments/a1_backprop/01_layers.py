# %% [markdown]
# # Assignment 1, part 1: layers, forward and backward
#
# A neural network is a chain of simple functions. For each one you will write
# the **forward pass** (its output) and the **backward pass** (how the loss changes with
# its input and parameters, given how it changes with its output). Backpropagation is
# nothing more than calling the backward passes in reverse order, which is the last
# thing you write here: the network's own forward and backward passes, through its layers.
#
# You write the code in the modules `scratchnn/layers.py`, `scratchnn/losses.py` and
# `scratchnn/model.py` of this folder, where every place to fill in says `# TODO` and raises
# `NotImplementedError`. This notebook needs only what you write in it: the initialisers and
# the gradient checker come in notebook 2, where you also compare the gradients of a network of
# your layers with centred differences.
#
# After each piece, run the **test cell** below it (its first line says `test:`): it prints
# `OK  <check>` for every check that passes, or stops at the first one that does not and says
# what is wrong ("not implemented yet", a wrong shape, the largest error and where). Its inputs
# are chosen so that the usual mistakes show: a bias that is not zero, exact zeros in the ReLU's
# input, scores of the order of 1000 for the softmax. The grader runs the same cells with further
# checks you cannot see, on inputs you have not seen: hard-coding an answer earns nothing.
#
# | part | points |
# | --- | --- |
# | Linear forward | 2 |
# | Linear backward | 3 |
# | ReLU forward and backward | 2 |
# | Softmax and softmax cross-entropy | 3 |
# | The network's forward and backward passes (`Sequential`) | 2 |
# | Written answer: the max shift | 2 |
# | **total** | **14** |

# %%
# Setup: run this cell first. The modules are reloaded whenever you edit them.
# %load_ext autoreload
# %autoreload 2
import numpy as np

from scratchnn import Linear, ReLU, Sequential, softmax_cross_entropy
from scratchnn.checks import CheckFailed, Expected, captured_warnings, check, check_close, describe_mismatch, run
from scratchnn.layers import Layer
from scratchnn.losses import log_softmax, softmax

expected = e = Expected("expected/public")


def placeholder_init(shape, rng=None, dtype=np.float64):
    """The initialiser of the checks' layers, whose weights are set right after (you write
    the real initialisers in notebook 2)."""
    return np.empty(shape, dtype=dtype)


def linear_with(W, b):
    """A Linear layer holding copies of the given weights."""
    layer = Linear(*W.shape, init=placeholder_init)
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
    """ReLU forward and backward on the recorded inputs (exact zeros among them), then on them
    again after another batch went through the same layer (backward uses the mask of the last forward)."""
    relu = ReLU()
    exp.check("ReLU.forward" + suffix, "relu_out", lambda: relu.forward(exp["relu_x"]))
    exp.check("ReLU.backward, at 0 too" + suffix, "relu_dx", lambda: relu.backward(exp["relu_dout"]))
    relu = ReLU()
    relu.forward(-exp["relu_x"])  # an earlier batch through the same layer
    exp.check("ReLU.forward of a second batch" + suffix, "relu_out", lambda: relu.forward(exp["relu_x"]))
    exp.check("ReLU.backward of a second batch: its own mask" + suffix, "relu_dx",
              lambda: relu.backward(exp["relu_dout"]))


def softmax_checks(exp, suffix=""):
    """softmax, log_softmax and softmax_cross_entropy on the recorded scores, then on scores
    of the order of 1000 (where np.exp overflows without the max shift)."""
    ordinary = ("ce_scores", "", ("softmax_out", "log_softmax_out", "ce_loss", "ce_dscores"))
    large = ("ce_big_scores", " of scores near 1000",
             ("softmax_big", "log_softmax_big", "ce_big_loss", "ce_big_dscores"))
    for scores, size, keys in (ordinary, large):
        s, y = exp[scores], exp["ce_y"]
        exp.check(f"softmax{size}{suffix}", keys[0], lambda: softmax(s))
        exp.check(f"log_softmax{size}{suffix}", keys[1], lambda: log_softmax(s))
        exp.check(f"softmax_cross_entropy loss{size}{suffix}", keys[2], lambda: softmax_cross_entropy(s, y)[0])
        exp.check(f"softmax_cross_entropy dscores{size}{suffix}", keys[3], lambda: softmax_cross_entropy(s, y)[1])

# %% [markdown]
# ## 1. The fully connected layer
#
# `Linear(D, M)` maps each example, flattened to $D$ features, to $M$ outputs:
# $$\text{out} = x W + b, \qquad x \in \mathbb{R}^{N \times D},\; W \in \mathbb{R}^{D \times M},\; b \in \mathbb{R}^{M}.$$
# Images arrive as $(N, 3, 32, 32)$ or $(N, 28, 28)$: flatten everything after the batch axis
# (`x.reshape(len(x), -1)`) and keep what `backward` will need in `self.cache`.
#
# Implement `Linear.forward`, then run the test cell below (its bias is not zero, and its input
# is a batch of small $3 \times 2 \times 2$ images).

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
# The test cell below checks `backward` on its own: it starts from the cache a correct forward
# pass leaves, whatever your `forward` does. It calls `backward` a second time, after another
# batch, since a layer's gradients are those of the last batch alone. In notebook 2 you will
# also compare these gradients with centred differences $\big(f(x+h) - f(x-h)\big) / 2h$,
# which need no calculus at all.

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
# positive and 0 elsewhere, at 0 included, so the backward pass lets `dout` through only where
# $x > 0$. The test cell's input has exact zeros, where `dout` must not get through.

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
#
# The test cell below checks all three on ordinary scores, then on scores of the order of 1000
# (up to about 2,300 in size), where a softmax without the max shift gives `nan`.

# %% kind="tests" id="test_softmax_ce" points=3
# test: softmax, log_softmax and softmax cross-entropy (3 points)
softmax_checks(e)
### BEGIN HIDDEN TESTS
hidden = Expected("hidden_expected")
softmax_checks(hidden, " (new inputs)")
### END HIDDEN TESTS

# %% [markdown]
# ## 5. The network: forward and backward through its layers
#
# A network `Sequential([Linear(784, 512), ReLU(), Linear(512, 10)])` keeps its layers in
# `self.layers`, a dict `{name: layer}` in the network's order (`fc1`, `relu1`, `fc2`: the
# names its parameters go by, `fc1.W`, `fc1.b`, ...). In `scratchnn/model.py`, write
#
# * `Sequential.forward(x)`: each layer's forward pass, first to last, each applied to the
#   output of the one before it; return the last layer's output (the scores);
# * `Sequential.backward(dout)`: each layer's backward pass, **last to first**, each given the
#   gradient that the layer after it returned (the last layer gets `dout`, the gradient of the
#   loss with respect to the scores). Each layer fills its own `grads` on the way. Return what
#   the first layer returns: the gradient with respect to the network's input. But when the
#   first layer is a `Linear`, call it with `backward(dout, input_grad=False)` and return `None`:
#   nothing uses the gradient with respect to the images, and computing it would cost a matrix
#   product as large as that of `dW`. Only a `Linear` takes `input_grad` (test with
#   `isinstance(layer, Linear)`); the activations' `backward` has `dout` only.
#
# The test cell below grades these two alone: its networks are made of **stand-in layers**
# (defined in the next cell) that do something simple and known, $x P$ or $x \odot p$, and
# record every call they get, so that a bug in your `Linear` or `ReLU` costs points in their own
# tests, not here. It checks the scores, the calls in their order, and what `backward` returns,
# for a network that starts with a Linear and for one that starts with an activation. Then,
# without grading, it runs a whole small network of your own layers, forward, loss and
# backward, against the recorded scores, loss and gradients (once your layers pass their tests).

# %%
WHAT = ("forward", "backward", "backward(input_grad=False)")


class StandIn(Layer):
    """A stand-in layer for checking Sequential alone. ``p`` a vector: like an activation,
    forward returns ``x * p`` and backward ``dout * p``; ``p`` a matrix (StandInLinear): like
    a Linear without bias, ``x @ p`` and ``dout @ p.T``. Every call goes into ``log`` as
    ``(index, what)``; an input of the wrong shape, or None, is refused with the reason."""

    def __init__(self, index, name, p, log):
        Layer.__init__(self)  # not super(): a StandInLinear's next class is Linear, which makes weights
        self.index, self.name, self.p, self.log = index, name, p, log

    def _takes(self, what, a, width, whose):
        if not (isinstance(a, np.ndarray) and a.ndim == 2 and a.shape[1] == width):
            got = "None" if a is None else f"shape {np.shape(a)}"
            raise CheckFailed(f"layer {self.name}.{what} got {got}, but takes (N, {width}): {whose}")

    def forward(self, x):
        self.log.append((self.index, "forward"))
        self._takes("forward", x, self.p.shape[0],
                    "a layer's forward takes the output of the layer before it (the first layer, the input x)")
        return x @ self.p if self.p.ndim == 2 else x * self.p

    def backward(self, dout, input_grad=True):
        self.log.append((self.index, WHAT[1] if input_grad else WHAT[2]))
        self._takes("backward", dout, self.p.shape[-1], "a layer's backward takes the gradient that the "
                    "layer after it returned (the last layer, the network's dout)")
        if not input_grad:
            return None
        return dout @ self.p.T if self.p.ndim == 2 else dout * self.p

    def __repr__(self):
        return f"{type(self).__name__}({self.name})"


class StandInLinear(StandIn, Linear):
    """A stand-in that Sequential takes for a Linear (``isinstance(layer, Linear)``)."""


def standin_network(exp, net):
    """The Sequential of stand-ins that the recorded ``<net>_kinds`` (1: Linear, 0: activation)
    and ``<net>_p<i>`` describe, its layers' names, and the log of the calls they get."""
    log, layers = [], []
    for i, kind in enumerate(exp[f"{net}_kinds"]):
        name = f"fc{i}" if kind else f"act{i}"
        layers.append((name, (StandInLinear if kind else StandIn)(i, name, exp[f"{net}_p{i}"], log)))
    return Sequential(layers), [name for name, _ in layers], log


def in_words(codes, names):
    return ", ".join(f"{names[c // 3]}.{WHAT[c % 3]}" for c in codes) or "no call at all"


def calls_check(exp, key, name, call, log, names):
    """Run ``call()``, then check the calls the stand-ins got, in order, against the recorded
    ones (said in words when they differ); returns what ``call()`` returned."""
    result = []

    def calls():
        log.clear()
        result.append(call())
        seen = np.array([3 * i + WHAT.index(what) for i, what in log], dtype=int)
        if key in exp.arrays and describe_mismatch(seen, exp[key]):
            raise CheckFailed(f"{name}: the layers got {in_words(seen, names)}; "
                              f"expected {in_words(exp[key], names)}")
        return seen
    exp.check(name, key, calls)
    return result[0]


def sequential_checks(exp, net, suffix=""):
    """Sequential.forward and backward on a network of stand-ins: the scores, the calls the
    layers got, and what backward returns (None after a first Linear, else its dx)."""
    model, names, log = standin_network(exp, net)
    where = f" (stand-ins {' -> '.join(names)}){suffix}"
    exp.check("Sequential.forward returns the last layer's output" + where, f"{net}_scores",
              lambda: calls_check(exp, f"{net}_forward_calls", "Sequential.forward calls each layer once, "
                                  "first to last" + where, lambda: model.forward(exp[f"{net}_x"]), log, names))
    first = ", the first (a Linear) with input_grad=False" if exp[f"{net}_kinds"][0] else ""
    dx = calls_check(exp, f"{net}_backward_calls", f"Sequential.backward calls each layer once, last to first{first}"
                     + where, lambda: model.backward(exp[f"{net}_dout"]), log, names)
    if exp[f"{net}_kinds"][0]:
        exp.check("Sequential.backward returns None when the first layer is a Linear" + where,
                  f"{net}_returns_none", lambda: np.array(dx is None))
    else:
        exp.check("Sequential.backward returns the first layer's dx" + where, f"{net}_dx", lambda: dx)


def tolerance(exp, key):
    return {"rtol": exp.tolerances[key]["rtol"], "atol": exp.tolerances[key]["atol"]}


def your_failing_piece(exp):
    """The first of your layers and losses that gives a wrong answer on the recorded inputs of
    its test, checked quietly, or None."""
    def linear():  # forward, then backward from the cache it left
        layer = linear_with(exp["linear_W"], exp["linear_b"])
        return [(layer.forward(exp["linear_x"]), "linear_out"), (layer.backward(exp["linear_dout"]), "linear_dx"),
                (layer.grads["W"], "linear_dW"), (layer.grads["b"], "linear_db")]

    def relu():
        layer = ReLU()
        return [(layer.forward(exp["relu_x"]), "relu_out"), (layer.backward(exp["relu_dout"]), "relu_dx")]

    def loss():
        return list(zip(softmax_cross_entropy(exp["ce_scores"], exp["ce_y"]), ("ce_loss", "ce_dscores")))
    for piece, answers in (("Linear (test_linear_forward, test_linear_backward)", linear),
                           ("ReLU (test_relu)", relu), ("softmax_cross_entropy (test_softmax_ce)", loss)):
        try:
            with captured_warnings():
                if any(describe_mismatch(a, exp[k], **tolerance(exp, k)) for a, k in answers()):
                    return piece
        except Exception:  # noqa: BLE001 - not implemented, or broken
            return piece
    return None


def whole_network_check(exp):
    """Your Sequential of your own layers, Linear(12, 8) -> ReLU -> Linear(8, 4) (biases not
    zero), on 5 images of 2 x 6 pixels: its scores, loss and gradients against the recorded
    ones. Not graded here: each piece is graded in its own test."""
    piece = your_failing_piece(exp)
    if piece:
        print(f"--  the whole network of your own layers: not tried, since your {piece} fails: fix it there first")
        return
    model = Sequential([linear_with(exp["mlp_W1"], exp["mlp_b1"]), ReLU(), linear_with(exp["mlp_W2"], exp["mlp_b2"])])

    def forward_loss_backward():
        scores = model.forward(exp["mlp_x"])
        loss, dscores = softmax_cross_entropy(scores, exp["mlp_y"])
        model.backward(dscores)
        return scores, loss
    (scores, loss), hints = run("the whole network", forward_loss_backward)
    check_close("your network of your layers: scores", scores, exp["mlp_scores"], hints=hints,
                **tolerance(exp, "mlp_scores"))
    check_close("your network of your layers: loss", loss, exp["mlp_loss"], **tolerance(exp, "mlp_loss"))
    for k, g in model.grads.items():
        check_close(f"your network of your layers: gradient of {k}", g, exp[f"mlp_grad_{k}"],
                    **tolerance(exp, f"mlp_grad_{k}"))
    print(f"loss of this untrained network on its 5 images: {loss:.4f}")

# %% kind="tests" id="test_sequential" points=2
# test: Sequential.forward and Sequential.backward (2 points)
sequential_checks(e, "seqa")
sequential_checks(e, "seqb")
whole_network_check(e)
### BEGIN HIDDEN TESTS
hidden = Expected("hidden_expected")
sequential_checks(hidden, "seqa", " (new layers)")
sequential_checks(hidden, "seqb", " (new layers)")
### END HIDDEN TESTS

# %% [markdown]
# ## 6. Written answer: the max shift (2 points)
#
# Why does subtracting the row maximum before `np.exp` leave the softmax unchanged, and
# what goes wrong without it for scores around 1000? Answer in two or three sentences.
#
# ### BEGIN MARK SCHEME
# - 1 point: a common factor $e^{-m}$ ($m$ the row's maximum) cancels between numerator and
#   denominator, so the probabilities are the same.
# - 1 point: $e^{1000}$ overflows to `inf` (float64 overflows above about $e^{709}$), and
#   `inf / inf` gives `nan`.
# ### END MARK SCHEME

# %% [markdown] kind="manual" id="answer_max_shift" points=2
# YOUR ANSWER HERE
