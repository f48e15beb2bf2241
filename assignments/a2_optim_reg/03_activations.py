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
from scratchnn.checks import CheckFailed, Expected, check, check_close, describe_mismatch, run
from scratchnn.data import describe_mnist, load_mnist
from scratchnn.gradcheck import numerical_gradient_array
from scratchnn.layers import sigmoid

expected = e = Expected("expected/public")
# The grader runs the tests, never the long experiments: those cells skip themselves.
GRADING = os.environ.get("NBGRADER_EXECUTION") == "autograde"
data = load_mnist(dtype=np.float32)
print(describe_mnist(data))


def layer_checks(exp, key, make, suffix=""):
    """A fresh layer ``make()`` against the recorded ``<key>_out`` and ``<key>_dx`` on the recorded
    inputs, and its backward pass against centred differences."""
    layer = make()
    name = type(layer).__name__
    exp.check(f"{name}.forward{suffix}", f"{key}_out", lambda: layer.forward(exp["act_x"]))
    exp.check(f"{name}.backward{suffix}", f"{key}_dx", lambda: layer.backward(exp["act_dout"]))
    x, dout = exp["act_x"].copy(), exp["act_dout"]

    def both():
        numeric = numerical_gradient_array(lambda: layer.forward(x), x, dout)
        layer.forward(x)
        return layer.backward(dout), numeric
    (analytic, numeric), hints = run(f"{name} gradient check", both)
    check_close(f"{name}.backward against centred differences{suffix}", analytic, numeric,
                rtol=1e-6, atol=1e-9, hints=hints)


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
# layer `Sigmoid`, whose backward pass uses $\sigma'(x) = \sigma(x)\,(1 - \sigma(x))$.

# %%
# Self-check: sigmoid and Sigmoid
expected.check("sigmoid", "sigmoid_fn_out", lambda: sigmoid(e["act_x"]))
name = "sigmoid of large inputs, without overflow"
expected.check(name, "sigmoid_fn_big", strictly(name, lambda: sigmoid(e["sigmoid_big_x"])))
layer_checks(e, "sigmoid", snn.Sigmoid)

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

# %%
# Self-check: LeakyReLU (with the slope of the recorded values)
layer_checks(e, "leaky", lambda: snn.LeakyReLU(float(e["leaky_slope"])))

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
# (`np.expm1(z)` computes $e^z - 1$ accurately for small $z$).

# %%
# Self-check: ELU (with the alpha of the recorded values)
layer_checks(e, "elu", lambda: snn.ELU(float(e["elu_alpha"])))
name = "ELU.forward of large inputs, without overflow"
check(name, strictly(name, lambda: snn.ELU().forward(np.array([-1000.0, 1000.0]))), np.array([-1.0, 1000.0]))

# %% kind="tests" id="test_elu" points=2
# test: ELU (2 points)
layer_checks(e, "elu", lambda: snn.ELU(float(e["elu_alpha"])))
name = "ELU.forward of large inputs, without overflow"
check(name, strictly(name, lambda: snn.ELU().forward(np.array([-1000.0, 1000.0]))), np.array([-1.0, 1000.0]))
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
# The test grades `SELU` alone: while it runs, `ELU`'s forward and backward are stand-ins
# that give what a correct ELU gives on the recorded inputs, so that a bug in your ELU costs
# points in `test_elu` only. (The self-check uses your own ELU.)

# %%
@contextlib.contextmanager
def correct_elu(exp):
    """ELU.forward and ELU.backward, as SELU's super() finds them, replaced by stand-ins that
    replay a correct ELU (of SELU's alpha) on the recorded input ``act_x``."""
    forward, backward = snn.ELU.forward, snn.ELU.backward

    def replayed_forward(self, x):
        if describe_mismatch(np.asarray(x), exp["act_x"], rtol=1e-12, atol=0):
            raise CheckFailed("SELU.forward gave ELU.forward something other than its input x")
        self.cache = "replayed"
        return exp["selu_elu_out"].copy()

    def replayed_backward(self, dout):
        if self.cache != "replayed":
            raise CheckFailed("SELU.backward called before SELU.forward")
        return dout * exp["selu_elu_grad"]

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


# Self-check: SELU, alone, then with your own ELU (and its centred differences)
selu_checks(e)
layer_checks(e, "selu", snn.SELU)
z = np.random.default_rng(0).standard_normal(200_000)
check("SELU keeps mean 0 and variance 1 of a standard normal input",
      lambda: np.array([snn.SELU().forward(z).mean(), snn.SELU().forward(z).var()]), np.array([0.0, 1.0]),
      rtol=0, atol=0.02)

# %% kind="tests" id="test_selu" points=2
# test: SELU (2 points)
selu_checks(e)
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
        runs[name] = snn.fit(net, snn.SGD(net, lr=0.05), data["X_train"][:5000], data["y_train"][:5000],
                             data["X_val"], data["y_val"], epochs=5, batch_size=100, progress=False)
    plots.compare_runs(runs, "val_acc", ax=axes[1], title="Validation accuracy, SGD, 5,000 images")
    fig.tight_layout()
    plt.show()
    print("activation   val acc after 1 epoch  after 5 epochs")
    for name, h in runs.items():
        print(f"{name:12} {h.val_acc[0]:21.4f} {h.val_acc[-1]:15.4f}")

# %% [markdown]
# **Written answer (3 points).** From the two plots and the derivatives above: which
# activations let the gradient reach the first layers, and which shrink it? Which trains
# fastest here, and which slowest? Explain the differences, and say what leaky ReLU, ELU and
# SELU each fix about ReLU.
#
# *A full answer* (1 point each): reads both plots with numbers (how the gradient's size
# changes with depth for each activation; accuracies after 1 and 5 epochs); explains them by
# the derivatives (their largest value, where they saturate, whether the outputs are centred
# at zero); and names what each ReLU variant changes on the negative side and why that
# matters (dead units, mean activations, self-normalisation).

# %% [markdown] kind="manual" id="answer_activations" points=3
# YOUR ANSWER HERE
