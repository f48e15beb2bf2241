# %% [markdown]
# # Assignment 3: CIFAR-10 with multilayer perceptrons
#
# You now train your networks on natural images: the 60,000 32×32 colour images of
# CIFAR-10 in ten classes (airplane, automobile, bird, cat, deer, dog, frog, horse, ship,
# truck). You prepare the inputs, build networks of any depth and width, compare depths and
# optimizers, tune a network to at least 50% validation accuracy, and hand in its weights and
# its predictions on the test set as a Kaggle-style CSV. You write `confusion_matrix` in
# `scratchnn/train.py`, `write_predictions_csv` in `scratchnn/export.py`, and the answer
# cells of this notebook.
#
# After each piece, run the **test cell** below it (its first line says `test:`): it prints
# `OK  <check>` for every check that passes, or stops at the first one that does not and says
# what is wrong. The grader runs the same cells with further checks you cannot see, on inputs
# you have not seen.
#
# nbgrader's **Validate** button and the grader run the tests only: the experiments and the
# final training skip themselves while they run (`GRADING` in the setup cell), so Validate
# takes seconds. The tests of your trained network and of its predictions read the files that
# the training and prediction cells write: run those cells yourself (Run All takes a few
# minutes) before you validate and submit.
#
# **Data.** This notebook runs on CIFAR-10 from the kit's cache: 49,000 training, 1,000
# validation and 10,000 test images. If it is not on your machine yet, run once, in a
# terminal in this folder:
#
#     python -m data_scripts fetch cifar10
#
# (170 MB; with the archive `cifar-10-python.tar.gz` already downloaded into a folder DIR:
# `python -m data_scripts fetch cifar10 --from DIR`). The first cell says which data it loaded.
#
# | part | points |
# | --- | --- |
# | Preprocessing | 2 |
# | Networks of any depth and width | 2 |
# | Confusion matrix (`train.confusion_matrix`) | 2 |
# | Kaggle CSV writer (`export.write_predictions_csv`) | 2 |
# | Written answer: depth and optimizers | 2 |
# | Written answer: how you tuned | 2 |
# | Your trained network: at least 50% validation accuracy | 4 |
# | Your test-set predictions file | 2 |
# | Written answer: what the network gets wrong | 2 |
# | **total** | **20** |
#
# The weights you hand in (`cifar_mlp.npz`) and the predictions (`cifar10_predictions.csv`)
# are graded as you submit them: the grader loads them and never trains anything. Hand both
# files in with this notebook.

# %%
# Setup: run this cell first. The modules are reloaded whenever you edit them.
# %load_ext autoreload
# %autoreload 2
import json
import os
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import data_scripts
import scratchnn as snn
from scratchnn import export, plots
from scratchnn.checks import Expected, captured_warnings, check, describe_mismatch, judged_from_file
from scratchnn.data import load_cifar10, normalize

expected = e = Expected("expected/public")
# Validate and the grader run the tests, never the long experiments: those cells skip themselves.
GRADING = os.environ.get("NBGRADER_EXECUTION") in ("autograde", "validate")
WEIGHTS, PREDICTIONS = "cifar_mlp.npz", "cifar10_predictions.csv"
data = load_cifar10(num_test=10000)
classes = data["classes"]
with np.load(data_scripts.cache_path("cifar10"), allow_pickle=False) as cached:
    standin = json.loads(str(cached["meta"])).get("standin", False)
print(f"{'A SYNTHETIC STAND-IN for CIFAR-10 (for testing the kit)' if standin else 'CIFAR-10'}: "
      f"{len(data['X_train']):,} training, {len(data['X_val']):,} validation, "
      f"{len(data['X_test']):,} test images of shape {data['X_train'].shape[1:]}")


def network_problems(net, depth, width, input_size, num_classes):
    """What is wrong with ``net`` as a depth/width network (an empty list if nothing)."""
    if not isinstance(net, snn.Sequential):
        return [f"expected a Sequential, got {type(net).__name__}"]
    kinds = [type(layer).__name__ for layer in net.layers.values()]
    want = ["Linear", "ReLU"] * (depth - 1) + ["Linear"]
    if kinds != want:
        return [f"layers {kinds}, expected {want}"]
    sizes = [input_size] + [width] * (depth - 1) + [num_classes]
    shapes = [w.shape for w in net.weights().values()]
    if shapes != list(zip(sizes[:-1], sizes[1:])):
        return [f"weight shapes {shapes}, expected {list(zip(sizes[:-1], sizes[1:]))}"]
    problems = [] if net.dtype == np.float32 else [f"dtype {net.dtype}, expected float32"]
    for name, w in net.weights().items():
        ratio = w.std() / np.sqrt(2 / w.shape[0])
        if not 0.85 < ratio < 1.15:
            problems.append(f"{name} has std {w.std():.3g}; He initialisation gives "
                            f"sqrt(2 / fan_in) = {np.sqrt(2 / w.shape[0]):.3g}")
    return problems


def preprocess_fails_its_test():
    """Whether ``preprocess`` gives wrong outputs on the recorded inputs (checked quietly):
    what the accuracies measured in this notebook depend on besides the handed-in files."""
    try:
        with captured_warnings():
            outputs = preprocess(e["pre_a"].copy(), e["pre_b"].copy())
            return any(describe_mismatch(out, e[key], **e.tolerances[key])
                       for out, key in zip(outputs, ("pre_out_a", "pre_out_b")))
    except Exception:  # noqa: BLE001 - not written, or broken
        return True


def csv_lines(predictions, **kwargs):
    """The lines that write_predictions_csv writes for ``predictions``."""
    with tempfile.TemporaryDirectory() as folder:
        path = export.write_predictions_csv(Path(folder) / "check.csv", predictions, **kwargs)
        return Path(path).read_text().splitlines()


def csv_rows(lines):
    """The rows after the header, as integers."""
    return np.array([[int(v) for v in line.split(",")] for line in lines[1:]])

# %% [markdown]
# ## 1. Preprocessing
#
# A multilayer perceptron takes vectors: each image (3, 32, 32) becomes a row of 3,072
# numbers. Then, as in most vision pipelines, centre the data: subtract from every feature
# its mean **over the training images**, and divide by its standard deviation over the
# training images (`scratchnn.data.normalize` does both). The validation and test images are
# transformed with the *training* statistics too: computing statistics on the test set would
# let it leak into the model, and a single test image could not be processed on its own.
#
# Write `preprocess(X_train, *others)`: it returns a tuple of arrays, flattened to
# (N, 3072) and standardised, in the order given (`X_train` first), leaving its inputs
# unchanged and keeping their dtype. The test cell below checks it on small images whose
# features have different means and spreads.

# %% kind="solution" id="preprocess"
def preprocess(X_train, *others):
    """Flatten each image to a row and standardise every feature with the
    mean and std of ``X_train``; returns a tuple ``(X_train, *others)``."""
    ### BEGIN SOLUTION
    rows = [x.reshape(len(x), -1) for x in (X_train, *others)]
    return tuple(normalize(*rows)) if others else (normalize(rows[0]),)
    ### END SOLUTION

# %% kind="tests" id="test_preprocess" points=2
# test: preprocessing (2 points)
pre_a, pre_b = e["pre_a"].copy(), e["pre_b"].copy()
out_a, out_b = preprocess(pre_a, pre_b)
expected.check("preprocess: the training images", "pre_out_a", lambda: out_a)
expected.check("preprocess: other images, with the training statistics", "pre_out_b", lambda: out_b)
check("preprocess keeps float32 inputs float32", lambda: out_a.dtype == np.float32 and out_b.dtype == np.float32,
      True)
check("preprocess leaves its input X_train unchanged", lambda: pre_a, e["pre_a"])
check("preprocess leaves its other inputs unchanged", lambda: pre_b, e["pre_b"])
### BEGIN HIDDEN TESTS
hidden = Expected("hidden_expected")
inputs = [hidden[k].copy() for k in ("pre_a", "pre_b", "pre_c")]
outputs = preprocess(*inputs)
assert len(outputs) == 3, f"preprocess of 3 arrays returned {len(outputs)}"
for key, out in zip(("pre_out_a", "pre_out_b", "pre_out_c"), outputs):
    hidden.check(f"preprocess on new inputs: {key}", key, lambda: out)
for k, x in zip("abc", inputs):
    hidden.check(f"preprocess leaves its input pre_{k} unchanged", f"pre_kept_{k}", lambda: x)
### END HIDDEN TESTS

# %% [markdown]
# Now the real data. This takes a few seconds; the raw training and test images are dropped
# from `data` to save memory (the raw validation images stay, for plotting).

# %% id="apply_preprocess"
X_train, X_val, X_test = preprocess(data.pop("X_train"), data["X_val"], data.pop("X_test"))
y_train, y_val, y_test = data["y_train"], data["y_val"], data["y_test"]
print(f"X_train {X_train.shape} {X_train.dtype}, X_val {X_val.shape}, X_test {X_test.shape}")

# %% [markdown]
# ## 2. Networks of any depth and width
#
# Write `build_network(depth, width, input_size=3072, num_classes=10, seed=0)`: a
# `Sequential` of `depth` Linear layers, the `depth - 1` hidden ones of `width` units each,
# with a ReLU after every hidden layer and none after the last (the loss applies the
# softmax). So `depth=2` is input → hidden → scores. Start the weights with He
# initialisation (standard deviation $\sqrt{2/n_\text{in}}$, uniform or normal), drawn from
# `seed` so that the same seed gives the same network, and use float32 throughout: it
# halves the memory and the time of every matrix product. (`snn.mlp` can help.) The test
# cell below checks the layers, their shapes, the dtype and the spread of the weights of two
# small networks, and that the seed decides the weights.

# %% kind="solution" id="build_network"
def build_network(depth, width, input_size=3072, num_classes=10, seed=0):
    """``depth`` Linear layers, ReLUs between them, He-initialised from ``seed``, float32."""
    ### BEGIN SOLUTION
    sizes = [input_size] + [width] * (depth - 1) + [num_classes]
    return snn.mlp(sizes, init="he", seed=seed, dtype=np.float32)
    ### END SOLUTION

# %% kind="tests" id="test_build_network" points=2
# test: networks of any depth and width (2 points)
for depth, width in ((3, 50), (2, 64)):
    problems = network_problems(build_network(depth, width, input_size=48, seed=1), depth, width, 48, 10)
    assert not problems, f"build_network({depth}, {width}): " + "; ".join(problems)
    print(f"OK  build_network({depth}, {width})")
same = build_network(3, 50, input_size=48, seed=1).params["fc1.W"]
check("build_network: the same seed gives the same weights",
      lambda: build_network(3, 50, input_size=48, seed=1).params["fc1.W"], same, fixed=False)
assert not np.allclose(build_network(3, 50, input_size=48, seed=2).params["fc1.W"], same), \
    "build_network ignores its seed: seeds 1 and 2 give the same weights"
print("OK  build_network: another seed gives other weights")
### BEGIN HIDDEN TESTS
for depth, width, d_in, c in ((4, 200, 20, 7), (1, 9, 300, 5), (5, 120, 30, 3)):
    net = build_network(depth, width, input_size=d_in, num_classes=c, seed=3)
    problems = network_problems(net, depth, width, d_in, c)
    assert not problems, f"build_network({depth}, {width}, {d_in}, {c}): " + "; ".join(problems)
    scores = net.forward(np.ones((2, d_in), dtype=np.float32))
    assert scores.shape == (2, c), f"scores of shape {scores.shape}, expected (2, {c})"
hidden = Expected("hidden_expected")
hidden.check("build_network(4, 200, input_size=20, num_classes=7): its weight shapes", "build_shapes",
             lambda: np.array([w.shape for w in build_network(4, 200, input_size=20, num_classes=7,
                                                              seed=3).weights().values()]))
### END HIDDEN TESTS

# %% [markdown]
# ## 3. Deeper, and a better optimizer
#
# Two comparisons, each on the first 10,000 training images and with hidden layers of 128
# units, so that they run in about a minute: a 2-layer network (one hidden layer) against a
# 3-layer one of the same width, both trained with Adam for 6 epochs; then the 3-layer network trained by SGD whose learning rate decays exponentially
# (multiplied by 0.9 after every epoch) against Adam. The left plots show the average
# training loss of each epoch, the right ones the validation accuracy.

# %%
if not GRADING:
    subset, WIDTH_COMPARED = slice(0, 10000), 128

    def run(depth, make_optimizer, schedule=None, epochs=6):
        net = build_network(depth, WIDTH_COMPARED, seed=0)
        history = snn.fit(net, make_optimizer(net), X_train[subset], y_train[subset], X_val, y_val,
                          epochs=epochs, batch_size=200, schedule=schedule)
        print(f"trained {depth} layers for {epochs} epochs: best validation accuracy {history.best_val_acc:.3f}")
        return history

    def show(histories, title):
        fig, (left, right) = plt.subplots(1, 2, figsize=(13, 4.5))
        plots.compare_runs(histories, "epoch_train_loss", ax=left, title=f"{title}: training loss")
        plots.compare_runs(histories, "val_acc", ax=right, title=f"{title}: validation accuracy")
        fig.tight_layout()
        plt.show()

    depth_runs = {f"{d} layers": run(d, lambda net: snn.Adam(net, lr=1e-3)) for d in (2, 3)}
    show(depth_runs, f"Depth (Adam, width {WIDTH_COMPARED})")
    optimizer_runs = {
        "SGD, lr 0.02 x 0.9 per epoch": run(3, lambda net: snn.SGD(net, lr=0.02),
                                            schedule=snn.ExponentialDecay(0.02, decay=0.9)),
        "Adam, lr 0.001": depth_runs["3 layers"]}
    show(optimizer_runs, "Optimizer (3 layers)")
    for name, h in {**depth_runs, **optimizer_runs}.items():
        print(f"{name:30s} best validation accuracy {h.best_val_acc:.3f}, "
              f"final training accuracy {h.train_acc[-1]:.3f}")

# %% [markdown]
# ### Written answer: depth and optimizers (2 points)
#
# Did the extra layer help on 10,000 images, and how can you tell whether it was the model or
# the amount of data that limited it? Compare SGD with decay and Adam: which lowers the
# training loss faster in the first epochs, which ends with the better validation accuracy,
# and why might that differ?
#
# ### BEGIN MARK SCHEME
# - 1 point: reads the depth curves correctly (training loss, validation accuracy and the
#   train/validation gap, with numbers from the run): a gap that grows while the validation
#   accuracy stalls says the data, not the model, limits it.
# - 1 point: the optimizers, with a reason: Adam's per-parameter step sizes against one global
#   rate that decays, and a faster fall of the training loss need not mean a better
#   validation accuracy.
# ### END MARK SCHEME

# %% [markdown] kind="manual" id="answer_comparisons" points=2
# YOUR ANSWER HERE

# %% [markdown]
# ## 4. A tuning guide
#
# Tune on the validation set, one change at a time, and look at the curves of
# `plots.learning_curves(history)` before changing anything:
#
# | what you see | what it says | what to change |
# | --- | --- | --- |
# | the loss of each iteration jumps around a level that barely falls, or rises; NaN | steps too large | lower the learning rate (÷3), or a larger batch |
# | the loss falls but very slowly, almost a straight line | steps too small | raise the learning rate (×3); Adam instead of SGD |
# | the loss stays flat at $\ln 10 \approx 2.30$ from the start | nothing is learned: dead units, or no gradient | check preprocessing and initialisation; a learning rate that is much too large can kill ReLUs |
# | the loss falls, then flattens, and both accuracies stay low | the model is too small (underfits) | wider or deeper layers, more epochs |
# | training accuracy keeps climbing, validation accuracy stalls or falls: a growing gap | the model memorises (overfits) | L2 regularisation (`reg`), fewer epochs (the fit loop keeps the best epoch), a smaller model, more data |
# | validation accuracy still rising at the last epoch | stopped early | more epochs, or a decaying rate to settle |
#
# Search the learning rate first on a log scale (1e-4, 3e-4, 1e-3, 3e-3 for Adam; 1e-3 to
# 1e-1 for SGD), with few epochs on a training subset; then width and depth; then the
# regularisation; last, the number of epochs on all 49,000 images. On real CIFAR-10 a
# well-tuned MLP reaches 50-55%; the weights of your final choice are saved to
# `cifar_mlp.npz` by the training cell below. Try your settings in cells of your own, and
# leave the ones you choose in the next cell: `DEPTH`, `WIDTH`, `LR` (Adam's learning
# rate), `DECAY` (the learning rate is multiplied by it after each epoch), `REG` (L2),
# `EPOCHS` and `BATCH_SIZE`. Keep the final training within a few minutes.

# %% kind="solution" id="final_hyperparameters"
# Your final choice: the next cell trains it on all the training images and saves it.
### BEGIN SOLUTION
DEPTH, WIDTH = 3, 256
LR, DECAY, REG = 1e-3, 0.8, 1e-3
EPOCHS, BATCH_SIZE = 5, 200
### END SOLUTION

# %% id="final_training"
if not GRADING:
    final = build_network(DEPTH, WIDTH, seed=0)
    history = snn.fit(final, snn.Adam(final, lr=LR), X_train, y_train, X_val, y_val, epochs=EPOCHS,
                      batch_size=BATCH_SIZE, reg=REG, schedule=snn.ExponentialDecay(LR, decay=DECAY))
    final.save(WEIGHTS)
    plots.learning_curves(history, title=f"Final network: depth {DEPTH}, width {WIDTH}, Adam")
    plt.show()
    print(f"best validation accuracy {history.best_val_acc:.3f} (epoch {history.best_epoch + 1}); "
          f"weights saved to {WEIGHTS}")

# %% [markdown]
# ### Written answer: how you tuned (2 points)
#
# Which settings did you try, in which order, and what in the curves made you change each
# one? Name one setting that made things worse and say why.
#
# ### BEGIN MARK SCHEME
# - 1 point: a sequence of at least three experiments with their validation accuracies.
# - 1 point: reads at least one of them with the tuning guide (a noisy or flat loss, or a
#   train/validation gap, and the change it called for), and names a setting that made
#   things worse, with why.
# ### END MARK SCHEME

# %% [markdown] kind="manual" id="answer_tuning" points=2
# YOUR ANSWER HERE

# %% [markdown]
# ## 5. Confusion matrix and the test-set predictions
#
# A confusion matrix counts, for each true class (row) and each predicted class (column),
# how many examples fall there: the diagonal holds the correct ones. Implement
# `confusion_matrix(y_true, y_pred, num_classes)` in `scratchnn/train.py`. Beware: with
# `matrix[y_true, y_pred] += 1`, NumPy adds only once for pairs that repeat
# (`np.add.at` adds every one).
#
# Then implement `write_predictions_csv(path, predictions, ids=None, header=("Id", "Category"))`
# in `scratchnn/export.py`: a header row, then one row `id,class` per example, as Kaggle
# expects them (the `csv` module's `writer` does the quoting and the line ends).
#
# The two test cells below check `confusion_matrix` on labels where pairs repeat, and the
# CSV writer with the default ids and header, then with ids and a header of its own.

# %% kind="tests" id="test_confusion_matrix" points=2
# test: confusion matrix (2 points)
expected.check("confusion_matrix", "cm_matrix",
               lambda: snn.confusion_matrix(e["cm_true"], e["cm_pred"], int(e["cm_classes"])))
check("confusion_matrix of a perfect classifier", lambda: snn.confusion_matrix(np.arange(3), np.arange(3), 3),
      np.eye(3, dtype=np.int64))
### BEGIN HIDDEN TESTS
hidden = Expected("hidden_expected")
hidden.check("confusion_matrix on new labels", "cm_matrix",
             lambda: snn.confusion_matrix(hidden["cm_true"], hidden["cm_pred"], int(hidden["cm_classes"])))
hidden.check("confusion_matrix of one pair seen 5 times", "cm_repeat",
             lambda: snn.confusion_matrix(np.full(5, 1), np.full(5, 2), 4)[1, 2])
hidden.check("confusion_matrix: rows sum to the counts of the true classes", "cm_row_sums",
             lambda: snn.confusion_matrix(hidden["cm_true"], hidden["cm_pred"], int(hidden["cm_classes"])).sum(axis=1))
### END HIDDEN TESTS

# %% kind="tests" id="test_write_csv" points=2
# test: the Kaggle CSV writer (2 points)
lines = csv_lines(np.array([3, 0, 9]))
if lines != ["Id,Category", "0,3", "1,0", "2,9"]:
    print(f"write_predictions_csv(path, [3, 0, 9]) wrote the lines {lines}")
check("write_predictions_csv: a header, then one 'id,class' row per prediction",
      lambda: lines == ["Id,Category", "0,3", "1,0", "2,9"], True)
lines = csv_lines(np.array([1, 8]), ids=np.array([40, 7]), header=("ImageId", "Label"))
if lines != ["ImageId,Label", "40,1", "7,8"]:
    print(f"write_predictions_csv(path, [1, 8], ids=[40, 7], header=('ImageId', 'Label')) wrote the lines {lines}")
check("write_predictions_csv with ids and a header of its own", lambda: lines == ["ImageId,Label", "40,1", "7,8"],
      True)
### BEGIN HIDDEN TESTS
hidden = Expected("hidden_expected")
lines = csv_lines(hidden["csv_header_predictions"], ids=hidden["csv_header_ids"], header=("ImageId", "Label"))
hidden.check("write_predictions_csv with a header of its own: the header", "csv_header_ok",
             lambda: lines[0] == ",".join(("ImageId", "Label")))
hidden.check("write_predictions_csv with a header of its own: the rows", "csv_header_rows", lambda: csv_rows(lines))
hidden.check("write_predictions_csv of 12 predictions: the rows", "csv_count_rows",
             lambda: csv_rows(csv_lines(hidden["csv_count_predictions"])))
lines = csv_lines(hidden["csv_predictions"], ids=hidden["csv_ids"])
hidden.check("write_predictions_csv with ids of its own: the rows", "csv_rows", lambda: csv_rows(lines))
### END HIDDEN TESTS

# %% [markdown]
# With both written, predict the classes of the 10,000 test images with your saved network
# and write them to `cifar10_predictions.csv` (ids 0 to 9,999, in the order of the test set).
# The two test cells after it check the files you hand in: the validation accuracy of your
# network (at least 50% earns the points), and that the file holds the predictions of that
# network, in order.

# %% id="write_predictions"
if not GRADING:
    submitted = snn.load_model(WEIGHTS)
    export.write_predictions_csv(PREDICTIONS, snn.predict(submitted, X_test))
    print(f"{PREDICTIONS}: {len(X_test):,} predictions")

# %% kind="tests" id="test_trained_weights" points=4
# test: the submitted network reaches 50% validation accuracy (4 points)
assert Path(WEIGHTS).exists(), f"no {WEIGHTS} here: run the final training cell above first"
submitted = snn.load_model(WEIGHTS)
assert snn.predict(submitted, X_val[:5]).shape == (5,), "the network does not map an image to one class"
val_acc = snn.accuracy(snn.predict(submitted, X_val), y_val)
if preprocess_fails_its_test():  # the grader measures the weights on images it prepares itself
    print(f"--  {WEIGHTS}: {val_acc:.3f} on images prepared by your preprocess, which fails test_preprocess: "
          f"fix it first. The grader measures {WEIGHTS} on images it prepares itself.")
else:
    assert val_acc >= 0.50, f"{WEIGHTS} reaches {val_acc:.3f} validation accuracy; 0.50 is needed"
    print(f"OK  {WEIGHTS}: validation accuracy {val_acc:.3f}")
### BEGIN HIDDEN TESTS
test_acc = judged_from_file(f"accuracy of {WEIGHTS} on the course's held-out images", "accuracy",
                            lambda: snn.accuracy(snn.predict(submitted, X_test), y_test),
                            file=WEIGHTS, dataset="cifar10", split="holdout")
### END HIDDEN TESTS

# %% kind="tests" id="test_predictions_csv" points=2
# test: the predictions file (2 points)
assert Path(PREDICTIONS).exists(), f"no {PREDICTIONS} here: run the prediction cell above first"
header = Path(PREDICTIONS).read_text().splitlines()[0]
assert header == "Id,Category", f"the header is {header!r}, expected 'Id,Category'"
ids, predictions = export.read_predictions_csv(PREDICTIONS)
check("the ids of the predictions file", lambda: ids, np.arange(len(X_test)))
assert predictions.min() >= 0 and predictions.max() <= 9, "classes must be 0 to 9"
agree = np.mean(predictions == snn.predict(snn.load_model(WEIGHTS), X_test))
if preprocess_fails_its_test():  # the grader compares them on images it prepares itself
    print(f"--  {PREDICTIONS}: {agree:.1%} agree with {WEIGHTS} on images prepared by your preprocess, which "
          f"fails test_preprocess: fix it first. The grader compares them on images it prepares itself.")
else:
    assert agree >= 0.99, f"only {agree:.1%} of the predictions are those of {WEIGHTS}"
    print(f"OK  {PREDICTIONS}: {agree:.1%} agree with {WEIGHTS}")
### BEGIN HIDDEN TESTS
test_acc = judged_from_file(f"{PREDICTIONS}: the test images in order, as {WEIGHTS} predicts them, 48% right",
                            "predictions", lambda: snn.accuracy(predictions, y_test), file=PREDICTIONS,
                            weights=WEIGHTS, dataset="cifar10", goal=0.48)
### END HIDDEN TESTS

# %% [markdown]
# ## 6. What the network gets wrong
#
# The confusion matrix of your network on the validation set (each row divided by the number
# of images of that class), and a gallery of validation images it misclassifies, titled
# *true class → predicted class*.

# %%
if not GRADING:
    val_pred = snn.predict(submitted, X_val)
    fig = plots.confusion_matrix(snn.confusion_matrix(y_val, val_pred, 10), classes, normalize=True)
    fig.axes[0].set_title("Confusion matrix on the validation set (fraction of each true class)")
    plt.show()
    wrong = np.flatnonzero(val_pred != y_val)
    fig = plots.image_grid(data["X_val"][wrong], y_val[wrong], val_pred[wrong], classes, num=24)
    fig.suptitle("Misclassified validation images: true class -> predicted class")
    plt.show()

# %% [markdown]
# ### Written answer: what the network gets wrong (2 points)
#
# Which pairs of classes does your network confuse most, and which class does it recognise
# best? From the gallery, what do the misclassified images have in common, and what does an
# MLP on raw pixels lack that would help?
#
# ### BEGIN MARK SCHEME
# - 1 point: two or more confused pairs and the best class, read from the matrix.
# - 1 point: a pattern in the gallery (colour, background or pose rather than shape) and the
#   reason: the MLP sees each pixel at a fixed position, with no notion of local shape or of
#   translation (what convolutions bring).
# ### END MARK SCHEME

# %% [markdown] kind="manual" id="answer_errors" points=2
# YOUR ANSWER HERE
