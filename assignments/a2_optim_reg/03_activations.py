# %% [markdown]
# # Assignment 2, part 3: the activation zoo
#
# ReLU is not the only nonlinearity, and not the first: sigmoid and tanh came long before it,
# and leaky ReLU, ELU and SELU came after, each to fix something. You implement the forward
# and backward passes of four more (tanh you wrote in Assignment 1) in `scratchnn/layers.py`:
# the function `sigmoid`, and the layers `Sigmoid`, `LeakyReLU`, `ELU` and `SELU`. You check
# them against recorded values and against centred differences, plot the whole zoo with its
# derivatives, and see what each does to the gradients of a deep network and to its training.
#
# Every backward pass has the same shape: `dx = dout * f'(x)`, elementwise. Cache in `forward`
# whatever makes `f'` cheap: for sigmoid, as for tanh, the output itself
# ($\sigma' = \sigma(1 - \sigma)$, $\tanh' = 1 - \tanh^2$).
#
# After each piece, run the **test cell** below it (its first line says `test:`): it prints
# `OK  <check>` for every check that passes, or stops at the first one that does not and says
# what is wrong. Each checks the forward and backward passes on recorded inputs, then on inputs
# that hold exact zeros and very large numbers of both signs (where the usual mistakes show:
# the derivative at 0, an `exp` that overflows), then the backward pass against centred
# differences. The grader runs the same cells with further checks you cannot see, on inputs
# you have not seen. nbgrader's **Validate** button and the grader skip the experiment of
# section 6 (`GRADING` in the setup cell); run it yourself to answer the written question.
#
# | part | points |
# | --- | --- |
# | Sigmoid (stable) | 2 |
# | Leaky ReLU | 2 |
# | ELU | 2 |
# | SELU | 2 |
# | Written answer: the activations compared | 3 |
# | **total** | **11** |

# %%
# Setup: run this cell first. The modules are reloaded whenever you edit them.
# %load_ext autoreload
# %autoreload 2
import contextlib
import os

import matplotlib.pyplot as plt
import numpy as np

import scratchnn as snn
from scratchnn import plots
from scratchnn.checks import CheckFailed, Expected, captured_warnings, check_close, describe_mismatch, run
from scratchnn.data import describe_mnist, load_mnist
from scratchnn.gradcheck import numerical_gradient_array
from scratchnn.layers import sigmoid

expected = e = Expected("expected/public")
# Validate and the grader run the tests, never the long experiments: those cells skip themselves.
GRADING = os.environ.get("NBGRADER_EXECUTION") in ("autograde", "validate")
data = load_mnist(dtype=np.float32)
print(describe_mnist(data))


def layer_checks(exp, key, make, suffix=""):
    """A fresh layer ``make()`` against the recorded ``<key>_out`` and ``<key>_dx`` on the recorded
    inputs, then on inputs with exact zeros and large numbers (``act_edge_x``, without overflow),
    and its backward pass against centred differences (away from the kinks at 0)."""
    layer = make()
    name = type(layer).__name__
    exp.check(f"{name}.forward{suffix}", f"{key}_out", lambda: layer.forward(exp["act_x"]))
    exp.check(f"{name}.backward{suffix}", f"{key}_dx", lambda: layer.backward(exp["act_dout"]))
    edge_checks(exp, key, layer, suffix)
    x, dout = exp["act_x"].copy(), exp["act_dout"]

    def both():
        numeric = numerical_gradient_array(lambda: layer.forward(x), x, dout)
        layer.forward(x)
        return layer.backward(dout), numeric
    (analytic, numeric), hints = run(f"{name} gradient check", both)
    check_close(f"{name}.backward against centred differences{suffix}", analytic, numeric,
                rtol=1e-6, atol=1e-9, hints=hints)


def edge_checks(exp, key, layer, suffix=""):
    """``layer`` on ``act_edge_x`` (exact zeros, large numbers of both signs), forward and backward,
    against the recorded ``<key>_edge_out`` and ``<key>_edge_dx``, failing on any overflow."""
    name = type(layer).__name__
    what = f"{name}.forward at 0 and of large inputs, without overflow{suffix}"
    exp.check(what, f"{key}_edge_out", strictly(what, lambda: layer.forward(exp["act_edge_x"])))
    what = f"{name}.backward at 0 (the derivative of the 'otherwise' branch) and at large inputs{suffix}"
    exp.check(what, f"{key}_edge_dx", strictly(what, lambda: layer.backward(np.ones_like(exp["act_edge_x"]))))


def strictly(name, compute):
    """``compute``, made to fail with a clear message if NumPy overflows (it raises here
    instead of warning)."""
    def strict():
        with np.errstate(over="raise", invalid="raise", divide="raise"):
            try:
                return compute()
            except FloatingPointError as exc:
                raise CheckFailed(f"{name}: NumPy reports {exc}: take exp only of numbers <= 0") from None
    return strict

# %% [markdown]
# ## 1. Sigmoid
#
# $\sigma(x) = 1 / (1 + e^{-x})$ squashes any number into $(0, 1)$. Written that way it
# overflows: `np.exp(1000)` is `inf` (with a warning) for $x = -1000$. The stable form takes
# the exponential of $-|x|$ only, with $z = e^{-|x|}$:
# $$\sigma(x) = \frac{1}{1 + z} \text{ for } x \ge 0, \qquad \sigma(x) = \frac{z}{1 + z} \text{ for } x < 0 .$$
# Implement the function `sigmoid(x)` (elementwise, any shape, no loop: `np.where`), then the
# layer `Sigmoid`, whose backward pass uses $\sigma'(x) = \sigma(x)\,(1 - \sigma(x))$. The test
# cell below feeds both inputs as large as $\pm 1000$: NumPy's overflow (in either branch of
# `np.where`) fails it.

# %% kind="tests" id="test_sigmoid" points=2
# test: sigmoid and Sigmoid (2 points)
expected.check("sigmoid", "sigmoid_fn_out", lambda: sigmoid(e["act_x"]))
name = "sigmoid of large inputs, without overflow"
expected.check(name, "sigmoid_fn_big", strictly(name, lambda: sigmoid(e["sigmoid_big_x"])))
layer_checks(e, "sigmoid", snn.Sigmoid)
### BEGIN HIDDEN TESTS
hidden = Expected("hidden_expected")
hidden.check("sigmoid on new inputs", "sigmoid_fn_out", lambda: sigmoid(hidden["act_x"]))
name = "sigmoid of new large inputs, without overflow"
hidden.check(name, "sigmoid_fn_big", strictly(name, lambda: sigmoid(hidden["sigmoid_big_x"])))
layer_checks(hidden, "sigmoid", snn.Sigmoid, " (new inputs)")
name = "Sigmoid.forward of large float32 inputs, without overflow"
hidden.check(name, "sigmoid_f32_out", strictly(name, lambda: snn.Sigmoid().forward(hidden["sigmoid_f32_x"])))
### END HIDDEN TESTS

# %% [markdown]
# ## 2. Leaky ReLU
#
# A ReLU whose input is negative for every example passes no gradient at all: the unit is
# "dead" and never recovers. Leaky ReLU keeps a small slope $\alpha$ (`self.alpha`,
# 0.01 by default) on the negative side:
# $$f(x) = x \text{ if } x > 0, \qquad f(x) = \alpha\,x \text{ otherwise}; \qquad f'(x) = 1 \text{ or } \alpha.$$
# At $x = 0$ the derivative is that of the "otherwise" branch, $\alpha$ (as ReLU's is 0 there):
# the test cell below has exact zeros in its inputs.

# %% kind="tests" id="test_leaky_relu" points=2
# test: LeakyReLU (2 points)
layer_checks(e, "leaky", lambda: snn.LeakyReLU(float(e["leaky_slope"])))
### BEGIN HIDDEN TESTS
hidden = Expected("hidden_expected")
layer_checks(hidden, "leaky", lambda: snn.LeakyReLU(float(hidden["leaky_slope"])), " (new inputs and slope)")
leaky = snn.LeakyReLU()
hidden.check("LeakyReLU default slope 0.01", "leaky_default_out", lambda: leaky.forward(hidden["leaky_default_x"]))
### END HIDDEN TESTS

# %% [markdown]
# ## 3. ELU
#
# The exponential linear unit is smooth on the negative side and saturates at $-\alpha$
# (`self.alpha`, 1 by default):
# $$f(x) = x \text{ if } x > 0, \qquad f(x) = \alpha\,(e^{x} - 1) \text{ otherwise};
#   \qquad f'(x) = 1 \text{ or } \alpha e^{x} = f(x) + \alpha .$$
# `np.where` evaluates both branches everywhere, so `np.exp(x)` would overflow for large
# positive $x$ that the other branch handles: take the exponential of `np.minimum(x, 0)`
# (`np.expm1(z)` computes $e^z - 1$ accurately for small $z$). At $x = 0$, as for leaky ReLU,
# the derivative is the "otherwise" branch's: $\alpha e^0 = \alpha$. The test cell below checks
# inputs of $\pm 1000$ and exact zeros.

# %% kind="tests" id="test_elu" points=2
# test: ELU (2 points)
layer_checks(e, "elu", lambda: snn.ELU(float(e["elu_alpha"])))
### BEGIN HIDDEN TESTS
hidden = Expected("hidden_expected")
layer_checks(hidden, "elu", lambda: snn.ELU(float(hidden["elu_alpha"])), " (new inputs and alpha)")
### END HIDDEN TESTS

# %% [markdown]
# ## 4. SELU
#
# SELU is an ELU scaled by a constant, $f(x) = \lambda\, \text{ELU}_\alpha(x)$, by default with
# $\lambda \approx 1.0507$ (`self.scale`) and $\alpha \approx 1.6733$ (`self.alpha`), chosen
# (Klambauer et al., 2017) so that activations of mean 0 and variance 1 keep that mean and
# variance layer after layer. `SELU` is a subclass of `ELU` that also keeps `scale`:
# implement its forward and backward passes by calling `super().forward` and
# `super().backward` and scaling by $\lambda$ (where? think of the chain rule).
#
# The test grades `SELU` alone: while its graded checks run, `ELU`'s forward and backward are
# stand-ins that give what a correct ELU gives on the recorded inputs, so that a bug in your ELU
# costs points in `test_elu` only. Then, if your ELU passes its checks, it checks SELU with your
# own ELU against centred differences, and that SELU keeps the mean 0 and the variance 1 of a
# standard normal input.

# %%
REPLAYED = {"act_x": ("selu_elu_out", "selu_elu_grad"), "act_edge_x": ("selu_elu_edge_out", "selu_elu_edge_grad")}


@contextlib.contextmanager
def correct_elu(exp):
    """ELU.forward and ELU.backward, as SELU's super() finds them, replaced by stand-ins that
    replay a correct ELU (of SELU's alpha) on the recorded inputs ``act_x`` and ``act_edge_x``."""
    forward, backward = snn.ELU.forward, snn.ELU.backward

    def replayed_forward(self, x):
        for key in REPLAYED:
            if np.shape(x) == exp[key].shape and not describe_mismatch(np.asarray(x), exp[key], rtol=1e-12, atol=0):
                self.cache = key
                return exp[REPLAYED[key][0]].copy()
        raise CheckFailed("SELU.forward gave ELU.forward something other than its input x")

    def replayed_backward(self, dout):
        if self.cache not in REPLAYED:
            raise CheckFailed("SELU.backward called before SELU.forward")
        return dout * exp[REPLAYED[self.cache][1]]

    snn.ELU.forward, snn.ELU.backward = replayed_forward, replayed_backward
    try:
        yield
    finally:
        snn.ELU.forward, snn.ELU.backward = forward, backward


def selu_checks(exp, suffix=""):
    """SELU forward and backward on the recorded inputs, with a correct ELU underneath."""
    layer = snn.SELU()
    with correct_elu(exp):
        exp.check("SELU.forward" + suffix, "selu_out", lambda: layer.forward(exp["act_x"]))
        exp.check("SELU.backward" + suffix, "selu_dx", lambda: layer.backward(exp["act_dout"]))
        edge_checks(exp, "selu", layer, suffix)


def your_elu_fails(exp):
    """Whether your ELU gives wrong outputs on the recorded inputs (checked quietly), with the
    alpha of its checks and with SELU's."""
    cases = ((float(exp["elu_alpha"]), "act_dout", "elu_out", "elu_dx"),
             (snn.SELU().alpha, None, "selu_elu_out", "selu_elu_grad"))
    try:
        with captured_warnings():
            for alpha, dout, out, dx in cases:
                layer = snn.ELU(alpha)
                if describe_mismatch(layer.forward(exp["act_x"]), exp[out], 1e-9, 1e-12):
                    return True
                upstream = exp[dout] if dout else np.ones_like(exp["act_x"])
                if describe_mismatch(layer.backward(upstream), exp[dx], 1e-9, 1e-12):
                    return True
    except Exception:  # noqa: BLE001 - not implemented, or broken
        return True
    return False


def selu_with_your_elu(exp):
    """SELU on your own ELU (not graded here: your ELU is graded in test_elu): its backward
    pass against centred differences, and self-normalisation."""
    if your_elu_fails(exp):
        print("--  SELU with your own ELU: not tried, since your ELU fails test_elu: fix it there first")
        return
    layer, x, dout = snn.SELU(), exp["act_x"].copy(), exp["act_dout"]

    def both():
        numeric = numerical_gradient_array(lambda: layer.forward(x), x, dout)
        layer.forward(x)
        return layer.backward(dout), numeric
    (analytic, numeric), hints = run("SELU gradient check", both)
    check_close("SELU.backward, with your ELU, against centred differences", analytic, numeric,
                rtol=1e-6, atol=1e-9, hints=hints)
    z = np.random.default_rng(0).standard_normal(200_000)
    out = snn.SELU().forward(z)
    print(f"SELU of a standard normal input: mean {out.mean():.4f}, variance {out.var():.4f}")
    check_close("SELU keeps mean 0 and variance 1 of a standard normal input", np.array([out.mean(), out.var()]),
                np.array([0.0, 1.0]), rtol=0, atol=0.02)

# %% kind="tests" id="test_selu" points=2
# test: SELU (2 points)
selu_checks(e)
selu_with_your_elu(e)
### BEGIN HIDDEN TESTS
hidden = Expected("hidden_expected")
selu_checks(hidden, " (new inputs)")
### END HIDDEN TESTS

# %% [markdown]
# ## 5. The zoo, with derivatives
#
# Each activation (solid) and its derivative (dashed), the derivative drawn from your own
# `backward` with an upstream gradient of ones.

# %%
fig = plots.activation_functions()
fig.suptitle("Activation functions f and their derivatives f' (from backward)", y=1.02)
plt.show()

# %% [markdown]
# ## 6. What they do to a deep network
#
# Left: a 6-layer network (5 hidden layers of 256, Glorot initialisation), one batch of
# 256 validation images forward and backward: the standard deviation of the gradient
# flowing into each layer, for each activation. Right: the same activations in a
# 784-256-256-10 network trained with SGD (learning rate 0.05) for 5 epochs on 5,000 training
# images.

# %%
if not GRADING:
    names = ("sigmoid", "tanh", "relu", "leaky_relu", "elu", "selu")
    fig, axes = plt.subplots(1, 2, figsize=(14, 4.5))
    for name in names:
        deep = snn.mlp([784] + [256] * 5 + [10], activation_name=name, init="glorot", seed=0)
        stats = plots.layer_statistics(deep, data["X_val"][:256].astype(np.float64))
        linear = [s for s in stats if s["name"].startswith("fc")]
        axes[0].plot(range(1, len(linear) + 1), [s["grad_std"] for s in linear], "o-", label=name)
    axes[0].set_yscale("log")
    axes[0].set(xlabel="linear layer (1 = first)", ylabel="std of the gradient of its output",
                title="Gradients at initialisation, by depth")
    axes[0].legend()
    runs = {}
    for name in names:
        net = snn.mlp([784, 256, 256, 10], activation_name=name, init="glorot", seed=0, dtype=np.float32)
        runs[name] = h = snn.fit(net, snn.SGD(net, lr=0.05), data["X_train"][:5000], data["y_train"][:5000],
                                 data["X_val"], data["y_val"], epochs=5, batch_size=100)
        print(f"{name:12} validation accuracy after 1 epoch {h.val_acc[0]:.4f}, after 5 {h.val_acc[-1]:.4f}")
    plots.compare_runs(runs, "val_acc", ax=axes[1], title="Validation accuracy, SGD, 5,000 images")
    fig.tight_layout()
    plt.show()
    print("activation   val acc after 1 epoch  after 5 epochs")
    for name, h in runs.items():
        print(f"{name:12} {h.val_acc[0]:21.4f} {h.val_acc[-1]:15.4f}")

# %% [markdown]
# ## 7. Written answer: the activations compared (3 points)
#
# From the two plots and the derivatives above: which activations let the gradient reach the
# first layers, and which shrink it? Which trains fastest here, and which slowest? Explain the
# differences, and say what leaky ReLU, ELU and SELU each fix about ReLU.
#
# ### BEGIN MARK SCHEME
# - 1 point: reads both plots with numbers (how the gradient's size changes with depth for
#   each activation; accuracies after 1 and 5 epochs).
# - 1 point: explains them by the derivatives (their largest value: 1/4 for sigmoid, 1 for
#   tanh and the ReLUs; where they saturate; whether the outputs are centred at zero).
# - 1 point: names what each ReLU variant changes on the negative side and why that matters
#   (leaky ReLU: a gradient for negative inputs, no dead units; ELU: smooth, negative outputs
#   that pull the mean activation towards zero; SELU: scaled so that mean and variance are kept
#   layer after layer, self-normalisation).
# ### END MARK SCHEME

# %% [markdown] kind="manual" id="answer_activations" points=3
# YOUR ANSWER HERE
