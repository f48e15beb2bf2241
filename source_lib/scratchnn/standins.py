"""Stand-ins that a test grades one piece of the library with, the pieces it
calls held fixed, so that a bug costs points once, in the test of its piece:
``fit`` run on a model, ``train_step`` and ``evaluate`` that record what they
are given and answer from recorded tables (the ``fit_*`` arrays of ``exp``, an
:class:`~scratchnn.checks.Expected` or a dict)."""
import numpy as np

from . import train
from .checks import CheckFailed


class FitStandIns:
    """Stand-ins for the model, train_step and evaluate while fit runs: the model's one
    parameter counts the train_step calls; train_step records the examples it is given
    (X_train holds each example's index, X_val -1 - its index) and returns a recorded loss;
    evaluate's loss and accuracy say when it ran and on which examples."""

    def __init__(self, exp):
        self.exp, self.rows = exp, []
        self.params = {"steps": np.zeros(1)}
        self.lr, self.training = 0.1, True

    def state_dict(self):
        return {k: v.copy() for k, v in self.params.items()}

    def load_state_dict(self, state):
        for k, v in state.items():
            self.params[k][...] = v

    def train(self, mode=True):
        self.training = mode
        return self

    def eval(self):
        return self.train(False)

    def train_step(self, model, optimizer, X, y, reg=0.0):
        if model is not self or optimizer is not self:
            raise CheckFailed("fit gave train_step a model or an optimizer other than its own")
        X = np.asarray(X)
        if X.ndim != 2 or X.shape[1] != 1 or not np.all((X >= 0) & (X < int(self.exp["fit_n"]))):
            raise CheckFailed(f"fit gave train_step images of shape {X.shape} that are not rows of X_train")
        rows = X[:, 0].astype(int)
        if not np.array_equal(np.asarray(y), self.exp["fit_y_train"][rows]):
            raise CheckFailed("fit gave train_step the labels of other examples than its images: index X_train "
                              "and y_train with the same indices")
        if not np.isclose(reg, float(self.exp["fit_reg"]), rtol=1e-12, atol=0):
            raise CheckFailed(f"fit gave train_step reg={reg}, not the reg fit was given "
                              f"({float(self.exp['fit_reg'])})")
        self.rows.append(rows)
        model.params["steps"] += 1
        losses = self.exp["fit_step_losses"]
        return float(losses[(len(self.rows) - 1) % len(losses)])

    def evaluate(self, model, X, y, batch_size=1000):
        steps, rows = int(model.params["steps"][0]), np.asarray(X)[:, 0]
        val = bool(np.all(rows < 0))
        examples = (-1 - rows if val else rows).astype(int)
        if not np.array_equal(np.asarray(y), self.exp["fit_y_val" if val else "fit_y_train"][examples]):
            raise CheckFailed("fit gave evaluate the labels of other examples than its images")
        table = self.exp["fit_val_acc_table" if val else "fit_train_acc_table"]
        return steps + float(np.mean(examples)) / 1000, float(table[steps % len(table)])


def fit_on_stand_ins(exp):
    """``fit`` on :class:`FitStandIns`, with the sizes, seed, reg and patience of
    ``exp``: ``(history, stand_ins)``, ``stand_ins.rows`` the examples of each step.
    The training examples are their indices, the validation ones -1 - theirs."""
    n, n_val, patience = int(exp["fit_n"]), int(exp["fit_n_val"]), int(exp["fit_patience"])
    stand_ins = FitStandIns(exp)
    X, X_val = np.arange(n, dtype=float)[:, None], -1 - np.arange(n_val, dtype=float)[:, None]
    saved = train.train_step, train.evaluate
    train.train_step, train.evaluate = stand_ins.train_step, stand_ins.evaluate
    try:
        history = train.fit(stand_ins, stand_ins, X, exp["fit_y_train"], X_val, exp["fit_y_val"],
                            epochs=int(exp["fit_epochs"]), batch_size=int(exp["fit_batch_size"]),
                            reg=float(exp["fit_reg"]), seed=int(exp["fit_seed"]),
                            patience=None if patience < 0 else patience,
                            eval_train_size=int(exp["fit_eval_size"]), progress=False)
    finally:
        train.train_step, train.evaluate = saved
    return history, stand_ins
