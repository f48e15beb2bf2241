# %% [markdown]
# # Assignment 2, part 1: optimizers and learning-rate schedules
#
# Plain SGD takes a step of the same size in every direction. In a long narrow valley it
# bounces between the walls and creeps along the floor. Three fixes are in everyday use:
#
# * **momentum** remembers where it has been going and keeps going there;
# * **RMSProp** divides each parameter's step by a running average of its gradient's size;
# * **Adam** does both, with a correction for starting its averages at zero.
#
# You write them in `scratchnn/optim.py` (`Momentum.update`, `RMSProp.update`, `Adam.update`),
# and an exponential learning-rate schedule in `scratchnn/schedules.py`
# (`ExponentialDecay.__call__`). `SGD` is the one you wrote in Assignment 1 (it is handed out
# solved). Then you compare all four on MNIST.
#
# After each piece, run the **test cell** below it (its first line says `test:`): it prints
# `OK  <check>` for every check that passes, or stops at the first one that does not and says
# what is wrong (not implemented yet, a wrong shape, the largest error and where). The grader
# runs the same cells with further checks you cannot see, on inputs and hyperparameters you
# have not seen: hard-coding an answer earns nothing.
#
# nbgrader's **Validate** button and the grader run the tests only: the long experiment at the
# end skips itself while they run (`GRADING` in the setup cell), so Validate takes seconds.
# Run it yourself (Run All takes about a minute) to answer the written questions.
#
# | part | points |
# | --- | --- |
# | SGD with momentum (and Nesterov) | 3 |
# | RMSProp | 2 |
# | Adam | 3 |
# | Exponential learning-rate decay | 1 |
# | Hyperparameters that train | 1 |
# | Written answer: Adam's bias correction | 2 |
# | Written answer: comparing the optimizers | 3 |
# | **total** | **15** |

# %%
# Setup: run this cell first. The modules are reloaded whenever you edit them.
# %load_ext autoreload
# %autoreload 2
import os

import matplotlib.pyplot as plt
import numpy as np

import scratchnn as snn
from scratchnn import plots
from scratchnn.checks import Expected, answer_of, captured_warnings, check, describe_mismatch
from scratchnn.data import describe_mnist, load_mnist

expected = e = Expected("expected/public")
# Validate and the grader run the tests, never the long experiments: those cells skip themselves.
GRADING = os.environ.get("NBGRADER_EXECUTION") in ("autograde", "validate")
data = load_mnist(dtype=np.float32)
print(describe_mnist(data))

PARAMS = ("W", "b")


def start(exp):
    """The starting parameters of the optimizer checks: a dict {"W": (D, M), "b": (M,)}."""
    return {p: exp[f"opt_w0_{p}"].copy() for p in PARAMS}


def gradient(exp, step):
    """The gradients of step ``step`` (0, 1, ...)."""
    return {p: exp[f"opt_g_{p}"][step] for p in PARAMS}


def state(exp, key):
    """Optimizer state given by the checks, e.g. state(e, "mom_v0") -> {"W": ..., "b": ...}."""
    return {p: exp[f"{key}_{p}"].copy() for p in PARAMS}


def run_steps(make, exp, num_steps=None):
    """Parameters after ``num_steps`` steps (default: every recorded gradient) of
    a fresh optimizer ``make(params)``."""
    params = start(exp)
    optimizer = make(params)
    for step in range(len(exp["opt_g_W"]) if num_steps is None else num_steps):
        optimizer.step(gradient(exp, step))
    return params


def check_params(exp, name, key, params):
    """Check both parameters against the recorded ``<key>_W`` and ``<key>_b``."""
    for p in PARAMS:
        exp.check(f"{name}: {p}", f"{key}_{p}", lambda: params[p])


# The optimizers of the checks, with the hyperparameters stored beside their inputs.
def momentum(exp, nesterov=False, weight_decay=0.0):
    return lambda params: snn.Momentum(params, lr=float(exp["mom_lr"]), momentum=float(exp["mom_mu"]),
                                       nesterov=nesterov, weight_decay=weight_decay)


def rmsprop(exp, weight_decay=0.0):
    return lambda params: snn.RMSProp(params, lr=float(exp["rms_lr"]), decay=float(exp["rms_decay"]),
                                      eps=float(exp["rms_eps"]), weight_decay=weight_decay)


def adam(exp, weight_decay=0.0):
    return lambda params: snn.Adam(params, lr=float(exp["adam_lr"]), beta1=float(exp["adam_b1"]),
                                   beta2=float(exp["adam_b2"]), weight_decay=weight_decay)


def decay_checks(exp, make, name, key, suffix=""):
    """Several steps from rest with weight decay: the weight W decays, the bias b (not zero) never."""
    wd = float(exp["opt_wd"])
    check_params(exp, f"{name} with weight_decay={wd:g}: parameters after several steps (W decayed, "
                      f"b never){suffix}", f"{key}_wdk", run_steps(make(exp, weight_decay=wd), exp))

# %% [markdown]
# ## 1. SGD with momentum
#
# Each parameter keeps a **velocity** $v$ (zeros at first), a decaying sum of past steps:
# $$v \leftarrow \mu v - \eta\, g, \qquad w \leftarrow w + v,$$
# with learning rate $\eta$ and momentum $\mu$ (typically 0.9). Along a direction where the
# gradient keeps its sign, the steps add up to about $\eta g / (1 - \mu)$, ten times SGD's;
# where it flips sign from step to step, they cancel.
#
# **Nesterov momentum** (`nesterov=True`) evaluates the gradient where momentum is about to
# carry the weights. With the same velocity update, that amounts to
# $$w \leftarrow w - \mu\, v_\text{prev} + (1 + \mu)\, v ,$$
# where $v_\text{prev}$ is the velocity before this step.
#
# Implement `Momentum.update(name, w, g)` in `scratchnn/optim.py`. The velocity of parameter
# `name` is `self.velocity[name]` (the code given to you creates it as zeros on first use).
# Update `w` **and the velocity in place** (`w += ...`, `v *= ...`): the next step must find
# the velocity you leave, and the model holds those very arrays.
#
# Every optimizer takes a `weight_decay`, as SGD does: the code given to you adds
# `weight_decay * w` to the gradient of each weight (a parameter named `W`), never of a bias,
# before calling `update` (the convention of `l2_penalty`), so `update` uses `g` as it comes.
#
# Then run the test cell below. It checks one step from a given velocity (the parameters and
# the velocity you leave), several steps from rest, the same for Nesterov, and several steps
# with weight decay, on a bias that is not zero: weight decay must shrink `W` and leave `b` alone.

# %% kind="tests" id="test_momentum" points=3
# test: SGD with momentum and Nesterov momentum (3 points)
def momentum_checks(exp, suffix=""):
    params = start(exp)
    opt = momentum(exp)(params)
    opt.velocity = state(exp, "mom_v0")
    opt.step(gradient(exp, 0))
    check_params(exp, "Momentum: parameters after one step" + suffix, "mom_w1", params)
    check_params(exp, "Momentum: velocity after one step" + suffix, "mom_s1", opt.velocity)
    check_params(exp, "Momentum: parameters after several steps from rest" + suffix, "mom_wk",
                 run_steps(momentum(exp), exp))
    params = start(exp)
    opt = momentum(exp, nesterov=True)(params)
    opt.velocity = state(exp, "mom_v0")
    opt.step(gradient(exp, 0))
    check_params(exp, "Nesterov: parameters after one step" + suffix, "nest_w1", params)
    check_params(exp, "Nesterov: velocity after one step" + suffix, "nest_s1", opt.velocity)
    check_params(exp, "Nesterov: parameters after several steps from rest" + suffix, "nest_wk",
                 run_steps(momentum(exp, nesterov=True), exp))
    decay_checks(exp, momentum, "Momentum", "mom", suffix)


momentum_checks(e)
### BEGIN HIDDEN TESTS
hidden = Expected("hidden_expected")
momentum_checks(hidden, " (new inputs and hyperparameters)")
w = {"w": hidden["mom_equal_w0"].copy()}
opt = snn.Momentum(w, lr=0.5, momentum=0.9)
opt.step({"w": hidden["mom_equal_g"]})
opt.step({"w": hidden["mom_equal_g"]})
hidden.check("Momentum: two equal gradients make the second step 1.9 times the first", "mom_equal_w",
             lambda: w["w"])
### END HIDDEN TESTS

# %% [markdown]
# ## 2. RMSProp
#
# RMSProp keeps, for every parameter entry, a running average of the squared gradient,
# and divides the step by its square root:
# $$c \leftarrow \rho\, c + (1 - \rho)\, g^2, \qquad w \leftarrow w - \eta\, \frac{g}{\sqrt{c} + \epsilon}.$$
# Entries whose gradients are large take smaller steps and entries whose gradients are
# tiny take larger ones; $\epsilon$ (outside the square root) only prevents division by zero.
# The running average is `self.cache[name]`, the decay $\rho$ is `self.decay`.
# Implement `RMSProp.update`, updating `w` and the cache in place, then run the test cell below
# (one step from a given cache, several steps from rest, several with weight decay). Its
# $\epsilon$ is large (0.01), so an $\epsilon$ put inside the square root shows.

# %% kind="tests" id="test_rmsprop" points=2
# test: RMSProp (2 points)
def rmsprop_checks(exp, suffix=""):
    params = start(exp)
    opt = rmsprop(exp)(params)
    opt.cache = state(exp, "rms_c0")
    opt.step(gradient(exp, 0))
    check_params(exp, "RMSProp: parameters after one step" + suffix, "rms_w1", params)
    check_params(exp, "RMSProp: cache after one step" + suffix, "rms_s1", opt.cache)
    check_params(exp, "RMSProp: parameters after several steps from rest" + suffix, "rms_wk",
                 run_steps(rmsprop(exp), exp))
    decay_checks(exp, rmsprop, "RMSProp", "rms", suffix)


rmsprop_checks(e)
### BEGIN HIDDEN TESTS
hidden = Expected("hidden_expected")
rmsprop_checks(hidden, " (new inputs and hyperparameters)")
w = {"w": np.zeros(2)}
snn.RMSProp(w, lr=0.1, decay=0.0, eps=0.0).step({"w": hidden["rms_scale_g"]})
hidden.check("RMSProp with decay 0 and eps 0: every entry moves by lr, whatever its gradient's size",
             "rms_scale_w", lambda: w["w"])
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Adam
#
# Adam keeps a running mean $m$ of the gradients (momentum) and a running mean $v$ of their
# squares (RMSProp), both started at zero, and counts its steps in `self.t`:
# $$m \leftarrow \beta_1 m + (1 - \beta_1)\, g, \qquad v \leftarrow \beta_2 v + (1 - \beta_2)\, g^2,$$
# $$\hat m = \frac{m}{1 - \beta_1^{\,t}}, \qquad \hat v = \frac{v}{1 - \beta_2^{\,t}}, \qquad
#   w \leftarrow w - \eta\, \frac{\hat m}{\sqrt{\hat v} + \epsilon}.$$
# `step()` increments `self.t` **before** calling `update` for each parameter (that code is
# given), so in `update`, `self.t` is already the number of the current step: 1 on the
# first step. The running means are `self.m[name]` and `self.v[name]`; update them in place.
#
# The test cell below starts one step from a given state at $t = 3$, where a missing bias
# correction, or one computed with $t \pm 1$, changes the step; then several steps from rest,
# and several with weight decay.

# %% kind="tests" id="test_adam" points=3
# test: Adam (3 points)
def adam_checks(exp, suffix=""):
    params = start(exp)
    opt = adam(exp)(params)
    opt.m, opt.v, opt.t = state(exp, "adam_m0"), state(exp, "adam_v0"), int(exp["adam_t0"])
    opt.step(gradient(exp, 0))
    check_params(exp, "Adam: parameters after one step" + suffix, "adam_w1", params)
    check_params(exp, "Adam: m after one step" + suffix, "adam_m1", opt.m)
    check_params(exp, "Adam: v after one step" + suffix, "adam_v1", opt.v)
    check_params(exp, "Adam: parameters after several steps from rest" + suffix, "adam_wk",
                 run_steps(adam(exp), exp))
    decay_checks(exp, adam, "Adam", "adam", suffix)


adam_checks(e)
### BEGIN HIDDEN TESTS
hidden = Expected("hidden_expected")
adam_checks(hidden, " (new inputs and hyperparameters)")
w = {"w": np.zeros(3)}
snn.Adam(w, lr=0.01, eps=0.0).step({"w": hidden["adam_sign_g"]})
hidden.check("Adam's first step (bias-corrected): every entry moves by lr against its gradient's sign",
             "adam_sign_w", lambda: w["w"])
### END HIDDEN TESTS

# %% [markdown]
# ## 4. Exponential learning-rate decay
#
# Large steps help early, small steps help settle at the end. The simplest schedule
# multiplies the rate by a constant `decay` after every epoch:
# $$\eta_\text{epoch} = \eta_0 \cdot \text{decay}^{\,\text{epoch}}, \qquad \text{epoch} = 0, 1, 2, \ldots$$
# so epoch 0 trains at $\eta_0$. `fit(..., schedule=...)` calls the schedule at the start
# of every epoch and sets the optimizer's `lr`. Implement `ExponentialDecay.__call__` in
# `scratchnn/schedules.py`. A schedule is a function of the epoch it is given, not a state:
# it must give the same rate for the same epoch however often, and in whatever order, it is
# asked (a plot, a restart or a log may ask out of turn). The test cell below asks for epochs
# 0 to 11, then asks a fresh schedule out of order.

# %%
def decay_schedule_checks(exp, suffix=""):
    """ExponentialDecay at epochs 0 to 11, then a fresh one asked at the recorded epochs, out of order."""
    schedule = snn.ExponentialDecay(float(exp["decay_lr0"]), decay=float(exp["decay_rate"]))
    exp.check("ExponentialDecay, epochs 0 to 11" + suffix, "decay_lrs",
              lambda: np.array([schedule(k) for k in range(12)]))
    order = [int(k) for k in exp["decay_order"]]
    schedule = snn.ExponentialDecay(float(exp["decay_lr0"]), decay=float(exp["decay_rate"]))
    exp.check(f"ExponentialDecay, a fresh one asked at epochs {order} (out of order, one twice){suffix}",
              "decay_lrs_order", lambda: np.array([schedule(k) for k in order]))


# %% kind="tests" id="test_exponential_decay" points=1
# test: exponential decay (1 point)
decay_schedule_checks(e)
### BEGIN HIDDEN TESTS
hidden = Expected("hidden_expected")
decay_schedule_checks(hidden, " (a new rate and decay)")
### END HIDDEN TESTS

# %% [markdown]
# ## 5. Written answer: why Adam corrects its averages (2 points)
#
# On Adam's first step ($t = 1$, with $\beta_1 = 0.9$, $\beta_2 = 0.999$), what are $m$ and $v$
# in terms of the gradient $g$, and how large would the step be **without** the bias
# correction? What does the correction turn the first step into?
#
# ### BEGIN MARK SCHEME
# - 1 point: $m = 0.1\,g$ and $v = 0.001\,g^2$ after the first step, so the uncorrected step is
#   $\eta \cdot 0.1 g / (\sqrt{0.001}\,|g| + \epsilon) \approx 3.2\,\eta$ per weight (about
#   $\eta\,(1-\beta_1)/\sqrt{1-\beta_2}$), more than three times the intended $\eta$.
# - 1 point: corrected, $\hat m = g$ and $\hat v = g^2$, so the first step is
#   $\eta\, g / (|g| + \epsilon) \approx \eta \cdot \mathrm{sign}(g)$, whatever the scale of
#   the gradient; the correction fades as $t$ grows because $\beta^t \to 0$, so
#   $1 - \beta^t \to 1$.
# ### END MARK SCHEME

# %% [markdown] kind="manual" id="answer_bias_correction" points=2
# YOUR ANSWER HERE

# %% [markdown]
# ## 6. Hyperparameters that train
#
# Choose a learning rate (and, for momentum, a momentum) for each optimizer, for the
# comparison below: a network with two hidden layers on MNIST, minibatches of 100. Each
# entry maps a name to a function that builds the optimizer on a model. The test trains a
# small network with each of your choices for 150 steps on a toy problem and checks that the
# loss falls below half its starting value. It grades the choices, not your updates: where your
# optimizer fails its own test, it says so, and the grader trains with a correct update.
# (Hint: momentum's effective step is about $\eta / (1 - \mu)$; the adaptive methods take
# steps of about $\eta$ per weight whatever the gradient's scale, so their $\eta$ is usually
# 10 to 100 times smaller than SGD's.)

# %% kind="solution" id="optimizer_settings"
### BEGIN SOLUTION
OPTIMIZERS = {
    "SGD": lambda net: snn.SGD(net, lr=0.1),
    "momentum": lambda net: snn.Momentum(net, lr=0.01, momentum=0.9),
    "RMSProp": lambda net: snn.RMSProp(net, lr=1e-3),
    "Adam": lambda net: snn.Adam(net, lr=1e-3),
}
### END SOLUTION

# %% kind="tests" id="test_optimizer_settings" points=1
# test: every optimizer setting trains (1 point)
OPTIMIZERS = answer_of("optimizer_settings", ["OPTIMIZERS"], globals())
for name, cls in (("SGD", snn.SGD), ("momentum", snn.Momentum), ("RMSProp", snn.RMSProp), ("Adam", snn.Adam)):
    assert name in OPTIMIZERS, f"OPTIMIZERS has no entry {name!r}"
    check(f"OPTIMIZERS[{name!r}] builds a {cls.__name__}",
          lambda: type(OPTIMIZERS[name](snn.mlp([2, 3]))) is cls, True)


def toy_loss_ratio(make, seed=0, steps=150):
    """Final / initial training loss of a 20-32-3 network trained on 512 toy points."""
    rng = np.random.default_rng(seed)
    centres = 0.5 * rng.standard_normal((3, 20))
    y = rng.integers(0, 3, 512)
    X = centres[y] + rng.standard_normal((512, 20))
    net = snn.mlp([20, 32, 3], init="glorot", seed=seed)
    opt = make(net)
    first = snn.evaluate(net, X, y)[0]
    for step in range(steps):
        batch = rng.integers(0, 512, 128)
        snn.train_step(net, opt, X[batch], y[batch])
    last = snn.evaluate(net, X, y)[0]
    return last / first if np.isfinite(last) else np.inf


def fails_its_test(name):
    """The test of the optimizer behind OPTIMIZERS[name] if it gives wrong steps on the
    recorded inputs (checked quietly), else None: a setting is graded, not your update."""
    makers = {"momentum": (momentum, "mom", "test_momentum"), "RMSProp": (rmsprop, "rms", "test_rmsprop"),
              "Adam": (adam, "adam", "test_adam")}
    if name not in makers:
        return None  # SGD is handed out solved
    make, key, test = makers[name]
    try:
        with captured_warnings():
            params = run_steps(make(e), e)
            wrong = any(describe_mismatch(params[p], e[f"{key}_wk_{p}"], 1e-9, 1e-12) for p in PARAMS)
    except Exception:  # noqa: BLE001 - not implemented, or broken
        wrong = True
    return test if wrong else None


for name in OPTIMIZERS:
    broken = fails_its_test(name)
    if broken:
        print(f"--  {name}: not tried here, since your update fails {broken}: fix it there first "
              f"(the grader tries your setting with a correct update)")
        continue
    ratio = toy_loss_ratio(OPTIMIZERS[name])
    assert ratio < 0.5, (f"{name}: 150 steps on a toy problem took the loss only to {ratio:.2f} of its "
                         f"start (should be below 0.5): learning rate too small or too large")
    print(f"OK  {name} trains (loss down to {ratio:.2f} of its start)")
### BEGIN HIDDEN TESTS
class _Momentum(snn.Momentum):
    def update(self, name, w, g):
        v = self._state(self.velocity, name, w)
        before = np.array(v)
        v[...] = self.momentum * before - self.lr * g
        w += (1 + self.momentum) * v - self.momentum * before if self.nesterov else v


class _RMSProp(snn.RMSProp):
    def update(self, name, w, g):
        cache = self._state(self.cache, name, w)
        cache[...] = self.decay * cache + (1 - self.decay) * np.square(g)
        w -= self.lr * g / (self.eps + np.sqrt(cache))


class _Adam(snn.Adam):
    def update(self, name, w, g):
        m, v = self._state(self.m, name, w), self._state(self.v, name, w)
        m[...] = self.beta1 * m + (1 - self.beta1) * g
        v[...] = self.beta2 * v + (1 - self.beta2) * np.square(g)
        w -= self.lr * (m / (1 - self.beta1 ** self.t)) / (np.sqrt(v / (1 - self.beta2 ** self.t)) + self.eps)


def with_correct_update(make):
    """``make``, the optimizer it builds given a correct update (with the hyperparameters chosen)."""
    def build(net):
        opt = make(net)
        correct = {snn.Momentum: _Momentum, snn.RMSProp: _RMSProp, snn.Adam: _Adam}.get(type(opt))
        if correct is not None:
            opt.__class__ = correct
        return opt
    return build


for seed in (0, 3):
    for name in OPTIMIZERS:
        ratio = toy_loss_ratio(with_correct_update(OPTIMIZERS[name]), seed=seed)
        assert ratio < 0.5, (f"{name} (toy problem {seed}): 150 steps took the loss only to {ratio:.2f} of its "
                             f"start: learning rate too small or too large")
### END HIDDEN TESTS

# %% [markdown]
# ## 7. Four optimizers, one network
#
# The same network (784-128-64-10, Glorot initialisation, the same seed) trained for 6 epochs
# with each optimizer on the first 10,000 training images (all 5,000 with the bundled subset),
# and a fifth run: momentum with an exponentially decaying learning rate (decay 0.7 per
# epoch). Watch how fast the training loss falls in the first epoch, where each run ends, and
# the gap between training and validation accuracy.

# %%
if not GRADING:
    EPOCHS = 6
    X_train, y_train = data["X_train"][:10000], data["y_train"][:10000]
    runs = {**OPTIMIZERS, "momentum + decay 0.7": OPTIMIZERS["momentum"]}
    histories = {}
    for name, make in runs.items():
        net = snn.mlp([784, 128, 64, 10], init="glorot", seed=0, dtype=np.float32)
        optimizer = make(net)
        schedule = snn.ExponentialDecay(optimizer.lr, decay=0.7) if "decay" in name else None
        histories[name] = h = snn.fit(net, optimizer, X_train, y_train, data["X_val"],
                                      data["y_val"], epochs=EPOCHS, batch_size=100, schedule=schedule)
        print(f"{name:22} mean training loss of epoch 1 {np.mean(h.iteration_loss[:len(X_train) // 100]):.4f}, "
              f"validation accuracy after {EPOCHS} epochs {h.val_acc[-1]:.4f}")
    fig, axes = plt.subplots(1, 3, figsize=(18, 4.5))
    plots.compare_runs(histories, "iteration_loss", ax=axes[0], logy=True,
                       title="Training loss of every minibatch")
    plots.compare_runs(histories, "train_acc", ax=axes[1], title="Training accuracy per epoch")
    plots.compare_runs(histories, "val_acc", ax=axes[2], title="Validation accuracy per epoch")
    fig.suptitle(f"SGD, momentum, RMSProp and Adam on MNIST ({len(X_train)} training images)")
    fig.tight_layout()
    plt.show()
    plots.learning_curves(histories["momentum + decay 0.7"], title="Momentum with exponential decay 0.7")
    plt.show()
    print("optimizer             train acc  val acc  (last epoch)  best val acc")
    for name, h in histories.items():
        print(f"{name:22} {h.train_acc[-1]:9.4f} {h.val_acc[-1]:8.4f} {h.best_val_acc:27.4f}")

# %% [markdown]
# ## 8. Written answer: comparing the optimizers (3 points)
#
# Describe what the curves show. Which optimizer reduces the training loss fastest in the
# first epoch, and which ends with the best validation accuracy? Explain the differences with
# what each method does to the step size, and say what the learning-rate decay changed in the
# fifth run.
#
# ### BEGIN MARK SCHEME
# - 1 point: reads the curves, naming with numbers (from the printed table or the plots) the
#   fastest and the slowest start and the best final validation accuracy.
# - 1 point: explains those differences by what each method does to the size and direction
#   of the steps (momentum adds up steps along directions where the gradient keeps its sign;
#   RMSProp and Adam scale the step of each weight by its own gradient's size).
# - 1 point: says what the decay changed late in training (a less noisy minibatch loss, a
#   validation accuracy that settles) and at what cost (smaller steps: slower progress late,
#   and a rate that decays too fast stops learning).
# ### END MARK SCHEME

# %% [markdown] kind="manual" id="answer_optimizers" points=3
# YOUR ANSWER HERE
