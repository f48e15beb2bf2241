# %% [markdown]
# # Assignment 2, part 2: regularisation, L2 and dropout
#
# A network with hundreds of thousands of weights can memorise a few thousand training
# images: training accuracy climbs to 100% while validation accuracy stalls. Two classic
# remedies:
#
# * **L2 regularisation** adds $\frac{\lambda}{2} \sum \lVert W \rVert^2$ to the loss (you wrote it into
#   `train_step` in Assignment 1): large weights cost something. Its strength $\lambda$ is chosen by
#   **k-fold cross-validation**, and a final model is then trained on all the training data;
# * **dropout** switches off a random half (or so) of the hidden units at every training step,
#   so that no unit can rely on any other being there.
#
# You write `kfold_indices` in `scratchnn/selection.py`, the `Dropout` layer's forward and
# backward passes in `scratchnn/layers.py`, and a function in this notebook that picks
# $\lambda$ by cross-validation.
#
# After each piece, run the **test cell** below it (its first line says `test:`): it prints
# `OK  <check>` for every check that passes, or stops at the first one that does not and says
# what is wrong. The grader runs the same cells with further checks you cannot see, on inputs
# you have not seen. nbgrader's **Validate** button and the grader run the tests only: the
# two experiments (sections 3 and 7) skip themselves while they run (`GRADING` in the setup
# cell), so Validate takes seconds. Run them yourself (Run All takes a minute or two) to
# answer the written questions.
#
# | part | points |
# | --- | --- |
# | k-fold indices | 2 |
# | Choosing $\lambda$ by cross-validation | 2 |
# | Dropout forward (train and eval mode) | 3 |
# | Dropout backward | 2 |
# | Written answer: L2 and cross-validation | 2 |
# | Written answer: dropout and overfitting | 3 |
# | **total** | **14** |

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
from scratchnn.checks import Expected, check, check_close, run
from scratchnn.data import describe_mnist, load_mnist
from scratchnn.gradcheck import numerical_gradient_array
from scratchnn.selection import cross_validate, format_table, kfold_indices

expected = e = Expected("expected/public")
# Validate and the grader run the tests, never the long experiments: those cells skip themselves.
GRADING = os.environ.get("NBGRADER_EXECUTION") in ("autograde", "validate")
data = load_mnist(dtype=np.float32)
print(describe_mnist(data))


def kfold_checks(exp, suffix=""):
    """kfold_indices against what every split must satisfy, then against the recorded folds."""
    n, k, seed = int(exp["kfold_n"]), int(exp["kfold_k"]), int(exp["kfold_seed"])
    name = f"kfold_indices(n={n}, k={k}, seed={seed}){suffix}"
    folds, _ = run(name, lambda: kfold_indices(n, k, seed))
    check(f"{name}: number of folds", lambda: len(folds), k)
    check(f"{name}: every example in exactly one validation fold",
          lambda: np.sort(np.concatenate([va for _, va in folds])), np.arange(n))
    for i, (tr, va) in enumerate(folds):
        check(f"{name}: fold {i} trains on every example it does not validate on",
              lambda: np.sort(np.concatenate([tr, va])), np.arange(n))
    exp.check(f"{name}: validation folds of near-equal size", "kfold_val_sizes",
              lambda: np.array([len(va) for _, va in folds]))
    exp.check(f"{name}: validation indices, fold after fold", "kfold_val",
              lambda: np.concatenate([va for _, va in folds]))
    exp.check(f"{name}: training indices, fold after fold", "kfold_train",
              lambda: np.concatenate([tr for tr, _ in folds]))


def dropout_with_mask(exp):
    """A Dropout layer of the recorded drop probability, with the recorded mask fixed."""
    layer = snn.Dropout(float(exp["drop_p"]))
    layer.fixed_mask = exp["drop_mask"]
    return layer


def dropout_statistics(p, x, seed=0, quiet=False):
    """Check inverted dropout's statistics at drop probability p on the input x."""
    layer = snn.Dropout(p, rng=seed)
    out, _ = run(f"Dropout({p}).forward", lambda: layer.forward(x))
    layer.training = False
    out_eval = layer.forward(x)
    if not quiet:
        print(f"p = {p:.2f}: input mean {x.mean():.4f}, train-mode mean {out.mean():.4f}, eval-mode mean "
              f"{out_eval.mean():.4f}; zeroed in train mode {np.mean(out == 0):.4f}, "
              f"in eval mode {np.mean(out_eval == 0):.4f}")
    check(f"Dropout({p}): output shape", lambda: np.array(out.shape), np.array(x.shape))
    check(f"Dropout({p}): fraction of the units zeroed in train mode", lambda: np.mean(out == 0), p,
          rtol=0, atol=0.01)
    check(f"Dropout({p}): mean kept by inverted dropout", lambda: out.mean(), x.mean(), rtol=0.02)
    check(f"Dropout({p}): the survivors are scaled by 1 / (1 - p)", lambda: out[out != 0],
          x[out != 0] / (1 - p))
    check(f"Dropout({p}): eval mode is the identity", lambda: out_eval, x)

# %% [markdown]
# ## 1. k-fold cross-validation
#
# One validation split gives one noisy estimate. **k-fold cross-validation** splits the
# training examples into $k$ folds of (nearly) equal size, trains $k$ times, each time
# validating on one fold and training on the other $k - 1$, and averages the $k$ scores.
#
# Implement `kfold_indices(n, k, seed)` in `scratchnn/selection.py`. It returns a list of
# $k$ pairs `(train_idx, val_idx)` of index arrays. To make the folds reproducible, do it
# exactly this way: shuffle with `np.random.default_rng(seed).permutation(n)`, cut the
# permutation into $k$ consecutive folds with `np.array_split` (their sizes differ by at most
# one), and let pair $i$ validate on fold $i$ and train on the other folds, concatenated in
# their order.
#
# The test cell below checks what every split must satisfy (k folds, every example validated
# exactly once, each fold training on all the others) with $n = 10$, $k = 3$, which do not
# divide, and then the recorded folds.

# %% kind="tests" id="test_kfold" points=2
# test: k-fold indices (2 points)
kfold_checks(e)
### BEGIN HIDDEN TESTS
hidden = Expected("hidden_expected")
kfold_checks(hidden, " (new n, k and seed)")
hidden.check("kfold_indices with k = n (leave one out): validation folds of one example", "kfold_loo_sizes",
             lambda: np.array([len(va) for _, va in kfold_indices(6, 6, 1)]))
### END HIDDEN TESTS

# %% [markdown]
# ## 2. Choosing $\lambda$ by cross-validation
#
# `cross_validate(trial, params, X, y, k, seed)` (given, in `scratchnn/selection.py`) runs
# `trial(params, X_train, y_train, X_val, y_val)` on each of your $k$ splits and returns
# `(mean, std, scores)` of the validation accuracies the trial returns.
#
# Write `choose_lambda(lambdas, trial, X, y, k=5, seed=0)`: cross-validate every candidate
# `reg` in `lambdas` (call the trial with `params = {"reg": reg}`, on `k` folds from `seed`),
# and return `(best, rows)`: `best` the candidate of the **highest mean** validation accuracy,
# `rows` one dict `{"reg": ..., "mean": ..., "std": ...}` per candidate, in the order of
# `lambdas`.

# %% kind="solution" id="choose_lambda"
def choose_lambda(lambdas, trial, X, y, k=5, seed=0):
    ### BEGIN SOLUTION
    rows = []
    for reg in lambdas:
        mean, std, _ = cross_validate(trial, {"reg": reg}, X, y, k=k, seed=seed)
        rows.append({"reg": reg, "mean": mean, "std": std})
    best = max(rows, key=lambda row: row["mean"])["reg"]
    return best, rows
    ### END SOLUTION

# %% [markdown]
# The test below uses a stand-in trial that trains nothing: its accuracy is a known function
# of `reg` and of the validation fold, so the right answer is known in advance. It grades
# `choose_lambda` alone: while it runs, `kfold_indices` is a stand-in too (folds of every
# k-th example, a correct split of its own), so a bug in yours costs points in `test_kfold` only.

# %% kind="tests" id="test_choose_lambda" points=2
# test: choose_lambda (2 points)
def every_kth_folds(n, k, seed=0):
    """k folds of every k-th example (fold i: i, i + k, i + 2k, ...), each validating once:
    a correct split, not the one of kfold_indices."""
    return [(np.setdiff1d(np.arange(n), np.arange(i, n, k)), np.arange(i, n, k)) for i in range(k)]


@contextlib.contextmanager
def folds_replaced():
    """kfold_indices, in the library and in this notebook, replaced by every_kth_folds."""
    import scratchnn.selection as selection_module
    saved = selection_module.kfold_indices, globals()["kfold_indices"]
    selection_module.kfold_indices = globals()["kfold_indices"] = every_kth_folds
    try:
        yield
    finally:
        selection_module.kfold_indices, globals()["kfold_indices"] = saved


def stand_in_trial(peak):
    """A trial whose accuracy peaks at reg = peak and shifts a little with the validation fold."""
    calls = []

    def trial(params, X_train, y_train, X_val, y_val):
        calls.append((params["reg"], len(X_train), len(X_val)))
        return 0.9 - 0.05 * abs(np.log10(params["reg"] / peak)) + 0.001 * float(X_val.sum())
    return trial, calls


def choose_lambda_checks(lambdas, peak, n, k, seed):
    X, y = np.arange(n, dtype=float)[:, None], np.zeros(n, dtype=int)
    trial, calls = stand_in_trial(peak)
    with folds_replaced():
        (best, rows), _ = run("choose_lambda", lambda: choose_lambda(lambdas, trial, X, y, k=k, seed=seed))
    folds = every_kth_folds(n, k, seed)
    name = f"choose_lambda({lambdas}, k={k})"
    check(f"{name}: trials run (one per candidate and fold)", lambda: len(calls), len(lambdas) * k)
    check(f"{name}: each trial trains on n - n/k examples",
          lambda: np.sort([c[1] for c in calls]), np.sort([n - len(va) for _ in lambdas for _, va in folds]))
    check(f"{name}: one row per candidate, in order", lambda: np.array([row["reg"] for row in rows]),
          np.array(lambdas))
    means = [0.9 - 0.05 * abs(np.log10(reg / peak)) + 0.001 * X.sum() / k for reg in lambdas]
    check(f"{name}: mean validation accuracy of each candidate",
          lambda: np.array([row["mean"] for row in rows]), np.array(means))
    stds = [np.std([0.001 * X[va].sum() for _, va in folds]) for _ in lambdas]
    check(f"{name}: standard deviation over the folds", lambda: np.array([row["std"] for row in rows]),
          np.array(stds), atol=1e-9)
    check(f"{name}: the candidate of the highest mean accuracy", lambda: best, peak)


choose_lambda_checks([1e-4, 1e-3, 1e-2, 1e-1, 1.0], peak=1e-2, n=20, k=4, seed=0)
### BEGIN HIDDEN TESTS
choose_lambda_checks([0.3, 3e-5, 3e-3, 3e-4, 0.03], peak=3e-4, n=31, k=3, seed=5)
hidden = Expected("hidden_expected")
n, k = int(hidden["choose_n"]), int(hidden["choose_k"])
with folds_replaced():
    best, rows = choose_lambda(list(hidden["choose_lambdas"]), stand_in_trial(float(hidden["choose_peak"]))[0],
                               np.arange(n, dtype=float)[:, None], np.zeros(n, dtype=int), k=k, seed=2)
hidden.check("choose_lambda on candidates you have not seen: the mean accuracy of each", "choose_means",
             lambda: np.array([row["mean"] for row in rows]))
hidden.check("choose_lambda on candidates you have not seen: the one chosen", "choose_best", lambda: best)
### END HIDDEN TESTS

# %% [markdown]
# ## 3. L2 regularisation, $\lambda$ chosen by 5-fold cross-validation
#
# The candidates are $\lambda \in \{10^{-4}, 10^{-3}, 10^{-2}, 10^{-1}\}$, the network 784-128-10
# trained with SGD for 6 epochs. Cross-validation runs on the first 5,000 training images
# (20 trainings); the final model is then trained with the chosen $\lambda$ on **all** the
# training images and evaluated once on the validation and test sets.

# %%
LAMBDAS = [1e-4, 1e-3, 1e-2, 1e-1]


def l2_trial(params, X_train, y_train, X_val, y_val):
    """Train a fresh 784-128-10 network with L2 strength params["reg"]; return its accuracies
    (and print them: a line per trial)."""
    net = snn.mlp([784, 128, 10], init="glorot", seed=0, dtype=np.float32)
    history = snn.fit(net, snn.SGD(net, lr=0.1), X_train, y_train, X_val, y_val, epochs=6,
                      batch_size=100, reg=params["reg"], progress=False)
    print(f"lambda = {params['reg']:g}: trained on {len(X_train)}, validation accuracy "
          f"{history.val_acc[-1]:.4f} on {len(X_val)}")
    return {"val_acc": history.val_acc[-1], "train_acc": history.train_acc[-1]}


if not GRADING:
    X_cv, y_cv = data["X_train"][:5000], data["y_train"][:5000]
    best_reg, cv_rows = choose_lambda(LAMBDAS, l2_trial, X_cv, y_cv, k=5, seed=0)
    print(format_table(cv_rows))
    print(f"chosen lambda: {best_reg:g}")
    fig, ax = plt.subplots(figsize=(6.5, 4))
    ax.errorbar([r["reg"] for r in cv_rows], [r["mean"] for r in cv_rows],
                yerr=[r["std"] for r in cv_rows], fmt="o-", capsize=4)
    ax.set_xscale("log")
    ax.set(xlabel="L2 strength lambda", ylabel="validation accuracy (mean ± std over 5 folds)",
           title="5-fold cross-validation of the L2 strength")
    plt.show()

    final = snn.mlp([784, 128, 10], init="glorot", seed=0, dtype=np.float32)
    final_history = snn.fit(final, snn.SGD(final, lr=0.1), data["X_train"], data["y_train"], epochs=6,
                            batch_size=100, reg=best_reg)
    plots.learning_curves(final_history, title=f"Final model: lambda = {best_reg:g}, all "
                                              f"{len(data['X_train'])} training images")
    plt.show()
    for split in ("train", "val", "test"):
        loss, acc = snn.evaluate(final, data[f"X_{split}"], data[f"y_{split}"])
        print(f"final model, {split:5} accuracy {acc:.4f} (loss {loss:.4f})")

# %% [markdown]
# ## 4. Written answer: L2 and cross-validation (2 points)
#
# Which $\lambda$ did cross-validation choose? Compare the differences between the
# candidates' mean accuracies with the spread over the folds: is the choice clear-cut? What
# goes wrong with a $\lambda$ much too large, and why is the final model trained on all the
# training data rather than taken from one of the folds?
#
# ### BEGIN MARK SCHEME
# - 1 point: reads the chosen $\lambda$, the means and the standard deviations from the table,
#   and judges from them whether the choice is clear-cut (differences between neighbouring
#   candidates against the spread over the folds).
# - 1 point: a much too large $\lambda$ shrinks the weights towards zero, so both the training
#   and the validation accuracy fall (underfitting); the folds only chose $\lambda$, and the
#   final model uses all the training data because more data gives a better model with the
#   chosen $\lambda$.
# ### END MARK SCHEME

# %% [markdown] kind="manual" id="answer_l2" points=2
# YOUR ANSWER HERE

# %% [markdown]
# ## 5. Dropout, forward
#
# In **training** mode, `Dropout(p)` zeroes each unit independently with probability $p$ and
# multiplies the survivors by $1 / (1 - p)$ (**inverted dropout**): the expected output equals
# the input, so at test time nothing needs rescaling. In **eval** mode (`layer.training = False`,
# or `model.eval()`) it is the identity: that part is given.
#
# Implement the training branch of `Dropout.forward`: draw the units to keep from the layer's
# generator, `self.rng.random(x.shape) < 1 - p`, or take `self.fixed_mask` (0/1 values) when one
# is set (the gradient check below needs a fixed mask); store the scaled mask
# (0 or $1/(1-p)$ for each unit, in `x`'s dtype) in `self.mask` and return `x * self.mask`.
# Each call draws a new mask.
#
# The test cell below checks the output with a fixed mask, and the mask it leaves in
# `self.mask`; then it prints, for three drop probabilities on an input of mean about 5, the
# statistics that should hold (the mean of the output close to the input's, the fraction of
# zeros close to $p$ in train mode and 0 in eval mode) and checks them; last, that two forward
# passes draw two masks and that float32 stays float32.

# %% kind="tests" id="test_dropout_forward" points=3
# test: Dropout forward in train and eval mode (3 points)
layer = dropout_with_mask(e)
expected.check("Dropout.forward with a fixed mask", "drop_out", lambda: layer.forward(e["drop_x"]))
check("Dropout.forward keeps the scaled mask, 0 or 1 / (1 - p), in self.mask", lambda: layer.mask,
      e["drop_mask"] / (1 - float(e["drop_p"])))
x = 5 + np.random.default_rng(0).standard_normal((500, 500))
for p in (0.25, 0.5, 0.75):
    dropout_statistics(p, x)
layer = snn.Dropout(0.5, rng=0)
first, second = layer.forward(x), layer.forward(x)
check("Dropout: each forward pass draws a new mask", lambda: np.mean((first == 0) != (second == 0)), 0.5,
      rtol=0, atol=0.01)
check("Dropout keeps float32 inputs float32", lambda: layer.forward(x.astype(np.float32)).dtype == np.float32, True)
### BEGIN HIDDEN TESTS
hidden = Expected("hidden_expected")
hidden.check("Dropout.forward with a fixed mask on new inputs", "drop_out",
             lambda: dropout_with_mask(hidden).forward(hidden["drop_x"]))
x = 3 + np.random.default_rng(7).standard_normal((40, 50, 60))
for p in (0.1, 0.3, 0.6, 0.9):
    dropout_statistics(p, x, seed=11, quiet=True)
layer = snn.Dropout(0.5, rng=3)
first, second = layer.forward(x), layer.forward(x)
hidden.check("Dropout: each forward pass draws a new mask", "drop_new_mask",
             lambda: np.any((first == 0) != (second == 0)))
assert layer.forward(x.astype(np.float32)).dtype == np.float32, "Dropout must keep float32 inputs float32"
### END HIDDEN TESTS

# %% [markdown]
# ## 6. Dropout, backward
#
# The output is `x * mask`, so the gradient is `dout * mask`, with the mask of the last
# forward pass, `self.mask`. Implement `Dropout.backward`; the checks set `self.mask` to the
# scaled mask a forward pass keeps (so that `backward` is checked on its own, whatever
# `forward` does) and compare with the recorded gradient and with centred differences of
# `x * mask`: run the test cell below.

# %%
def dropout_backward_checks(exp, suffix=""):
    p = float(exp["drop_p"])
    mask = exp["drop_mask"] / (1 - p)  # what forward keeps in self.mask: 0, or 1 / (1 - p)
    layer = snn.Dropout(p)
    layer.mask = mask.copy()
    exp.check("Dropout.backward" + suffix, "drop_dx", lambda: layer.backward(exp["drop_dout"]))
    x = exp["drop_x"].copy()
    (analytic, numeric), hints = run("Dropout gradient check", lambda: (
        layer.backward(exp["drop_dout"]), numerical_gradient_array(lambda: x * mask, x, exp["drop_dout"])))
    check_close("Dropout.backward against centred differences of x * mask" + suffix, analytic, numeric,
                rtol=1e-6, atol=1e-9, hints=hints)

# %% kind="tests" id="test_dropout_backward" points=2
# test: Dropout backward (2 points)
dropout_backward_checks(e)
### BEGIN HIDDEN TESTS
hidden = Expected("hidden_expected")
dropout_backward_checks(hidden, " (new inputs)")
layer = snn.Dropout(0.4)
rng = np.random.default_rng(4)
first, last = [(rng.random((30, 20)) < 0.6) / 0.6 for _ in range(2)]
layer.mask = first
layer.backward(np.ones((30, 20)))
layer.mask = last  # as the next forward pass leaves it
hidden.check("Dropout.backward uses the mask of the last forward pass", "drop_last_dx",
             lambda: layer.backward(np.ones((30, 20))))
### END HIDDEN TESTS

# %% [markdown]
# ## 7. Dropout against overfitting
#
# On only 1,000 training images, a 784-512-512-10 network trained with Adam memorises the
# training set: without dropout its training accuracy reaches 100%. Train it for 40 epochs
# with dropout after each hidden layer, $p \in \{0, 0.25, 0.5, 0.75, 0.9\}$, and compare the
# losses and accuracies on the training images and on 2,000 validation images (both measured
# in eval mode, without dropout).

# %%
if not GRADING:
    X_small, y_small = data["X_train"][:1000], data["y_train"][:1000]
    X_v, y_v = data["X_val"][:2000], data["y_val"][:2000]
    sweep = {}
    for p in (0.0, 0.25, 0.5, 0.75, 0.9):
        net = snn.mlp([784, 512, 512, 10], init="glorot", drop_prob=p, seed=0, dtype=np.float32)
        sweep[f"p = {p}"] = h = snn.fit(net, snn.Adam(net, lr=1e-3), X_small, y_small, X_v, y_v, epochs=40,
                                        batch_size=100)
        print(f"p = {p}: after 40 epochs training accuracy {h.train_acc[-1]:.4f}, validation accuracy "
              f"{h.val_acc[-1]:.4f}")
    fig, axes = plt.subplots(2, 2, figsize=(13, 9))
    plots.compare_runs(sweep, "train_loss", ax=axes[0, 0], logy=True, title="Training loss (1,000 images)")
    plots.compare_runs(sweep, "val_loss", ax=axes[0, 1], title="Validation loss")
    plots.compare_runs(sweep, "val_acc", ax=axes[1, 0], title="Validation accuracy")
    gaps = {name: (h.train_acc[-1] - h.val_acc[-1], h.val_loss[-1] - h.train_loss[-1])
            for name, h in sweep.items()}
    where = np.arange(len(gaps))
    axes[1, 1].bar(where - 0.2, [g[0] for g in gaps.values()], width=0.4, label="train acc - val acc")
    axes[1, 1].bar(where + 0.2, [g[1] for g in gaps.values()], width=0.4, label="val loss - train loss")
    axes[1, 1].set_xticks(where, list(gaps))
    axes[1, 1].set(xlabel="drop probability", ylabel="gap after 40 epochs",
                   title="Generalisation gap after 40 epochs")
    axes[1, 1].legend()
    fig.suptitle("Dropout on a small training set")
    fig.tight_layout()
    plt.show()
    print("dropout   train loss  val loss  train acc  val acc  best val acc")
    for name, h in sweep.items():
        print(f"{name:8} {h.train_loss[-1]:11.4f} {h.val_loss[-1]:9.4f} {h.train_acc[-1]:10.4f} "
              f"{h.val_acc[-1]:8.4f} {h.best_val_acc:13.4f}")

# %% [markdown]
# ## 8. Written answer: dropout and overfitting (3 points)
#
# What does dropout do to the training loss, the validation loss and accuracy, and the gaps
# between training and validation, as $p$ grows? Why does it have this effect, and why can $p$
# be too large?
#
# ### BEGIN MARK SCHEME
# - 1 point: reads the trends in the plots with numbers (losses, accuracies and gaps for each
#   $p$, and how the validation loss moves late in training).
# - 1 point: explains by what mechanism dropout makes memorising the training set harder (no
#   unit can rely on any other; a different thinned network at every step, an average of many)
#   and what the network computes at test time (all units, with inverted dropout no rescaling).
# - 1 point: says what happens, and why, when too few units are kept (too little capacity and
#   too noisy a signal at every step: training, and eventually validation, accuracy fall).
# ### END MARK SCHEME

# %% [markdown] kind="manual" id="answer_dropout" points=3
# YOUR ANSWER HERE
