"""The arrays Assignment 1's layer notebook checks against, computed by the
reference library. ``public`` is shipped to students (the visible part of
their test cells uses it); ``hidden`` uses other inputs and shapes and reaches only the grader."""
import numpy as np

from scratchnn import (SGD, Linear, ReLU, Sequential, Tanh, l2_penalty, log_softmax, mlp, numerical_gradient,
                       rel_error, softmax, softmax_cross_entropy, train_step)
from scratchnn import init
from scratchnn.init import glorot_normal, glorot_uniform, he_normal, he_uniform, normal
from scratchnn.layers import Layer, is_weight
from scratchnn.standins import fit_on_stand_ins

TOLERANCES = {"linear_out": {"rtol": 1e-6, "atol": 1e-9}, "linear_dx": {"rtol": 1e-6, "atol": 1e-9},
              "linear_dW": {"rtol": 1e-6, "atol": 1e-9}, "linear_db": {"rtol": 1e-6, "atol": 1e-9},
              "relu_out": {"rtol": 1e-9, "atol": 0}, "relu_dx": {"rtol": 1e-9, "atol": 0},
              "tanh_out": {"rtol": 1e-7, "atol": 1e-12}, "tanh_dx": {"rtol": 1e-7, "atol": 1e-12},
              "ce_loss": {"rtol": 1e-7, "atol": 1e-10}, "ce_dscores": {"rtol": 1e-6, "atol": 1e-10},
              "ce_big_loss": {"rtol": 1e-7, "atol": 1e-10}, "ce_big_dscores": {"rtol": 1e-6, "atol": 1e-10},
              "init_normal": {"rtol": 1e-12, "atol": 0}, "init_glorot_uniform": {"rtol": 1e-12, "atol": 0},
              "init_glorot_normal": {"rtol": 1e-12, "atol": 0}, "init_he_uniform": {"rtol": 1e-12, "atol": 0},
              "init_he_normal": {"rtol": 1e-12, "atol": 0},
              "sgd_w": {"rtol": 1e-12, "atol": 0}, "step_loss": {"rtol": 1e-7, "atol": 1e-10},
              "step_fc1.W": {"rtol": 1e-6, "atol": 1e-10}, "step_fc1.b": {"rtol": 1e-6, "atol": 1e-10},
              "step_fc2.W": {"rtol": 1e-6, "atol": 1e-10}, "step_fc2.b": {"rtol": 1e-6, "atol": 1e-10},
              "gradcheck_grad": {"rtol": 1e-6, "atol": 1e-8}, "num_params_count": {"rtol": 0, "atol": 0},
              "softmax_out": {"rtol": 1e-7, "atol": 1e-12}, "softmax_big": {"rtol": 1e-7, "atol": 1e-12},
              "log_softmax_out": {"rtol": 1e-7, "atol": 1e-10}, "log_softmax_big": {"rtol": 1e-7, "atol": 1e-10},
              "seqa_scores": {"rtol": 1e-12, "atol": 1e-12}, "seqb_scores": {"rtol": 1e-12, "atol": 1e-12},
              "seqb_dx": {"rtol": 1e-12, "atol": 1e-12},
              **{f"{net}_{k}": {"rtol": 0, "atol": 0} for net in ("seqa", "seqb")
                 for k in ("forward_calls", "backward_calls", "returns_none")},
              **{f"mlp_{k}": {"rtol": 1e-9, "atol": 1e-12}
                 for k in ("scores", "loss", "grad_fc1.W", "grad_fc1.b", "grad_fc2.W", "grad_fc2.b")},
              "gradarr_grad": {"rtol": 1e-6, "atol": 1e-8},
              "sgdwd_W": {"rtol": 1e-12, "atol": 1e-15}, "sgdwd_b": {"rtol": 1e-12, "atol": 1e-15},
              "l2_penalty": {"rtol": 1e-9, "atol": 1e-12},
              **{f"l2_grad_{k}": {"rtol": 1e-12, "atol": 0} for k in ("W1", "W2")},
              **{f"step_given_{k}": {"rtol": 1e-9, "atol": 1e-12} for k in ("fc1.W", "fc1.b", "fc2.W", "fc2.b")},
              **{k: {"rtol": 0, "atol": 0} for k in ("relu_zero_dx", "init_zeros", "init_float32_bytes",
                                                     "gradcheck_x_after")},
              **{k: {"rtol": 1e-9, "atol": 1e-12} for k in ("rel_error_same", "rel_error_signs", "tanh_big_out")}}
INITIALISERS = ("zeros", "normal", "glorot_uniform", "glorot_normal", "he_uniform", "he_normal")


def _unseen_case():
    """Hidden only: a gradient the checker must find, and a network's size."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((2, 3, 2))
    sizes = [784, 300, 100, 10]
    # numerical_gradient_array of f() = tanh(x @ A), against the analytic gradient
    xa, a = rng.standard_normal((3, 4)), rng.standard_normal((4, 5))
    dout = rng.standard_normal((3, 5))
    return {"gradcheck_x": x, "gradcheck_grad": np.cos(x) * x + np.sin(x),
            "num_params_sizes": np.array(sizes), "num_params_count": np.array(mlp(sizes).num_params()),
            "gradarr_x": xa, "gradarr_A": a, "gradarr_dout": dout,
            "gradarr_grad": ((1 - np.tanh(xa @ a) ** 2) * dout) @ a.T}


def _edge_cases(shape, seed, gradcheck_x):
    """Hidden only: edge cases, each as its inputs and the reference's answer, so
    that a hidden test's source shows inputs and keys, never an expected value."""
    case = {"relu_zero_x": np.array([[-1.0, 0.0, 2.0]])}
    relu = ReLU()
    relu.forward(case["relu_zero_x"])
    case["relu_zero_dx"] = relu.backward(np.ones((1, 3)))
    case["init_zeros"] = init.zeros(shape)
    case["init_float32_bytes"] = np.array([getattr(init, name)(shape, seed, dtype=np.float32).itemsize
                                           for name in INITIALISERS])
    x = gradcheck_x.copy()
    numerical_gradient(lambda: np.sum(np.sin(x) * x), x)
    case["gradcheck_x_after"], case["rel_error_same"] = x, np.array(rel_error(x, x))
    case["rel_error_a"], case["rel_error_b"] = np.array([-1.0, 4.0]), np.array([1.0, 4.0])
    case["rel_error_signs"] = np.array(rel_error(case["rel_error_a"], case["rel_error_b"]))
    case["tanh_big_x"] = np.array([-1000.0, 1000.0])
    case["tanh_big_out"] = Tanh().forward(case["tanh_big_x"])
    return case


def _gradarr_case(seed):
    """Public: numerical_gradient_array of f() = x @ A, whose gradient is dout @ A.T."""
    rng = np.random.default_rng(seed)
    x, a, dout = rng.standard_normal((3, 4)), rng.standard_normal((4, 2)), rng.standard_normal((3, 2))
    return {"gradarr_x": x, "gradarr_A": a, "gradarr_dout": dout, "gradarr_grad": dout @ a.T}


def _training_case(seed, shape):
    """Initialisers, one SGD step and one training step, from ``seed``."""
    rng = np.random.default_rng(seed)
    case = {"init_seed": np.array(seed), "init_shape": np.array(shape), "init_std": np.array(0.3)}
    case["init_normal"] = normal(shape, seed, std=0.3)
    for name, fn in (("glorot_uniform", glorot_uniform), ("glorot_normal", glorot_normal),
                     ("he_uniform", he_uniform), ("he_normal", he_normal)):
        case[f"init_{name}"] = fn(shape, seed)
    case["sgd_w0"], case["sgd_g"] = rng.standard_normal(shape), rng.standard_normal(shape)
    w = {"w": case["sgd_w0"].copy()}
    SGD(w, lr=0.05).step({"w": case["sgd_g"]})
    case["sgd_w"] = w["w"]
    case.update(_sgd_decay_case(rng, shape, lr=0.05 if seed % 2 else 0.2, decay=0.1 if seed % 2 else 0.3))
    model = mlp([shape[0], shape[1], 3], seed=seed)
    for k, v in model.params.items():  # biases that are not zero, so that decaying them shows
        if not is_weight(k):
            v[...] = 0.5 * rng.standard_normal(v.shape)
    case.update({f"step0_{k}": v.copy() for k, v in model.params.items()})
    case["step_X"], case["step_y"] = rng.standard_normal((8, shape[0])), rng.integers(0, 3, 8)
    case.update(_replayed_step(model, case["step_X"], case["step_y"], reg=0.01 if seed % 2 else 0.05))
    case["step_loss"] = train_step(model, SGD(model, lr=0.1), case["step_X"], case["step_y"],
                                   reg=float(case["step_reg"]))
    case.update({f"step_{k}": v for k, v in model.params.items()})
    case.update(_l2_case(rng, shape))
    return case


def _sgd_decay_case(rng, shape, lr, decay):
    """Two SGD steps with weight decay on a weight W and a bias b that is not zero."""
    w0 = {"W": rng.standard_normal(shape), "b": rng.standard_normal(shape[1])}
    grads = [{"W": rng.standard_normal(shape), "b": rng.standard_normal(shape[1])} for _ in range(2)]
    params = {k: v.copy() for k, v in w0.items()}
    opt = SGD(params, lr=lr, weight_decay=decay)
    for g in grads:
        opt.step(g)
    return {"sgdwd_W0": w0["W"], "sgdwd_b0": w0["b"], "sgdwd_lr": np.array(lr), "sgdwd_decay": np.array(decay),
            "sgdwd_g_W": np.stack([g["W"] for g in grads]), "sgdwd_g_b": np.stack([g["b"] for g in grads]),
            "sgdwd_W": params["W"], "sgdwd_b": params["b"]}


def _replayed_step(model, X, y, reg):
    """What the correct pieces give in a training step of ``model`` on (X, y) (its
    scores, the loss and its gradient, the parameters' gradients, the L2 penalty of
    each weight and its gradient), for the stand-ins that replay them while
    train_step alone is graded; and what train_step must hand the optimizer."""
    scores = model.forward(X)
    data_loss, dscores = softmax_cross_entropy(scores, y)
    model.backward(dscores)
    grads = {k: g.copy() for k, g in model.grads.items()}
    case = {"step_reg": np.array(reg), "step_scores": scores, "step_dscores": dscores,
            "step_data_loss": np.array(data_loss), **{f"step_grad_{k}": g for k, g in grads.items()}}
    given = dict(grads)
    for k, w in model.weights().items():
        penalty, dw = l2_penalty({k: w}, reg)
        case[f"step_pen_{k}"], case[f"step_dpen_{k}"] = np.array(penalty), dw[k]
        given[k] = grads[k] + dw[k]
    case.update({f"step_given_{k}": g for k, g in given.items()})
    return case


def _l2_case(rng, shape):
    """l2_penalty of two weight matrices."""
    weights = {"W1": rng.standard_normal(shape), "W2": rng.standard_normal((shape[1], 3))}
    reg = 0.03
    penalty, grads = l2_penalty(weights, reg)
    return {"l2_W1": weights["W1"], "l2_W2": weights["W2"], "l2_reg": np.array(reg),
            "l2_penalty": np.array(penalty), **{f"l2_grad_{k}": g for k, g in grads.items()}}


def _case(seed, image_shape, out_features, num_classes):
    rng = np.random.default_rng(seed)
    n, d = 4 + seed % 3, int(np.prod(image_shape))
    case = {"linear_x": rng.standard_normal((n, *image_shape)),
            "linear_W": rng.standard_normal((d, out_features)),
            "linear_b": rng.standard_normal(out_features),
            "linear_dout": rng.standard_normal((n, out_features)),
            "relu_x": rng.standard_normal((n, 7)), "relu_dout": rng.standard_normal((n, 7)),
            "tanh_x": 2 * rng.standard_normal((n, 6)), "tanh_dout": rng.standard_normal((n, 6)),
            "ce_scores": rng.standard_normal((n, num_classes)),
            "ce_y": rng.integers(0, num_classes, n),
            "ce_big_scores": rng.standard_normal((n, num_classes)) * 1000}
    case["relu_x"].flat[::3] = 0.0  # exact zeros, where the derivative is 0: `x >= 0` must fail
    layer = Linear(d, out_features)
    layer.params["W"][...], layer.params["b"][...] = case["linear_W"], case["linear_b"]
    case["linear_out"] = layer.forward(case["linear_x"])
    case["linear_dx"] = layer.backward(case["linear_dout"])
    case["linear_dW"], case["linear_db"] = layer.grads["W"], layer.grads["b"]
    relu = ReLU()
    case["relu_out"] = relu.forward(case["relu_x"])
    case["relu_dx"] = relu.backward(case["relu_dout"])
    tanh = Tanh()
    case["tanh_out"] = tanh.forward(case["tanh_x"])
    case["tanh_dx"] = tanh.backward(case["tanh_dout"])
    case["ce_loss"], case["ce_dscores"] = softmax_cross_entropy(case["ce_scores"], case["ce_y"])
    case["softmax_out"], case["softmax_big"] = softmax(case["ce_scores"]), softmax(case["ce_big_scores"])
    case["log_softmax_out"] = log_softmax(case["ce_scores"])
    case["log_softmax_big"] = log_softmax(case["ce_big_scores"])
    case["ce_big_loss"], case["ce_big_dscores"] = softmax_cross_entropy(case["ce_big_scores"], case["ce_y"])
    return case


class _StandIn(Layer):
    """The notebook's stand-in layers (01_layers, `StandIn` and `StandInLinear`), as
    Sequential meets them: ``x @ p`` (a matrix p, for a Linear) or ``x * p`` (a vector p,
    for an activation), each call logged as ``3 * index + (0 forward, 1 backward,
    2 backward with input_grad=False)``."""

    def __init__(self, index, p, log):
        Layer.__init__(self)
        self.index, self.p, self.log = index, p, log

    def forward(self, x):
        self.log.append(3 * self.index)
        return x @ self.p if self.p.ndim == 2 else x * self.p

    def backward(self, dout, input_grad=True):
        self.log.append(3 * self.index + (1 if input_grad else 2))
        if not input_grad:
            return None
        return dout @ self.p.T if self.p.ndim == 2 else dout * self.p


class _StandInLinear(_StandIn, Linear):
    pass


def _sequential_case(net, seed, widths, first_linear):
    """Sequential.forward and backward of stand-in layers (Linear, activation, ..., Linear;
    with an activation before the first Linear unless ``first_linear``): their
    parameters, input and upstream gradient; the scores, the gradient returned (or
    whether None is), and the calls the layers got, in order."""
    rng = np.random.default_rng(seed)
    kinds, params = [], []
    if not first_linear:
        kinds, params = [0], [rng.uniform(0.5, 1.5, widths[0])]
    for i, (fan_in, fan_out) in enumerate(zip(widths[:-1], widths[1:])):
        kinds.append(1)
        params.append(rng.standard_normal((fan_in, fan_out)))
        if i < len(widths) - 2:
            kinds.append(0)
            params.append(rng.uniform(0.5, 1.5, fan_out))
    n = 3 + seed % 3
    case = {f"{net}_kinds": np.array(kinds), **{f"{net}_p{i}": p for i, p in enumerate(params)},
            f"{net}_x": rng.standard_normal((n, widths[0])), f"{net}_dout": rng.standard_normal((n, widths[-1]))}
    log = []
    layers = [(f"fc{i}" if kind else f"act{i}", (_StandInLinear if kind else _StandIn)(i, p, log))
              for i, (kind, p) in enumerate(zip(kinds, params))]
    model = Sequential(layers)
    case[f"{net}_scores"] = model.forward(case[f"{net}_x"])
    case[f"{net}_forward_calls"], log[:] = np.array(log), []
    dx = model.backward(case[f"{net}_dout"])
    case[f"{net}_backward_calls"] = np.array(log)
    if dx is None:
        case[f"{net}_returns_none"] = np.array(True)
    else:
        case[f"{net}_dx"] = dx
    return case


def _mlp_case(seed):
    """A whole small MLP (Linear-ReLU-Linear, biases not zero) on images: scores, loss, gradients."""
    rng = np.random.default_rng(seed)
    x, y = rng.standard_normal((5, 2, 6)), rng.integers(0, 4, 5)
    case = {"mlp_x": x, "mlp_y": y, "mlp_W1": 0.3 * rng.standard_normal((12, 8)), "mlp_b1": rng.standard_normal(8),
            "mlp_W2": 0.3 * rng.standard_normal((8, 4)), "mlp_b2": rng.standard_normal(4)}
    model = Sequential([Linear(12, 8), ReLU(), Linear(8, 4)])
    for k in ("W1", "b1", "W2", "b2"):
        model.params[f"fc{k[1]}.{k[0]}"][...] = case[f"mlp_{k}"]
    case["mlp_scores"] = model.forward(x)
    loss, dscores = softmax_cross_entropy(case["mlp_scores"], y)
    model.backward(dscores)
    case["mlp_loss"] = np.array(loss)
    case.update({f"mlp_grad_{k}": g.copy() for k, g in model.grads.items()})
    return case


def _fit_case(seed, n, n_val, batch_size, epochs, eval_size, reg, patience, val_acc):
    """fit, alone, on the stand-ins above: the inputs (sizes, seed, labels, the losses
    train_step returns, the accuracies evaluate gives; the validation accuracy of each epoch
    ``val_acc``, as the table holds it at that epoch's step count), and what fit does: the
    examples of every step, the History and the weights it ends with."""
    rng = np.random.default_rng(seed)
    steps_per_epoch = -(-n // batch_size)
    size = 101  # more than the steps of a run
    val_table = rng.uniform(0.1, 0.3, size)
    for epoch, acc in enumerate(val_acc):
        val_table[(epoch + 1) * steps_per_epoch % size] = acc
    case = {"fit_n": np.array(n), "fit_n_val": np.array(n_val), "fit_batch_size": np.array(batch_size),
            "fit_epochs": np.array(epochs), "fit_eval_size": np.array(eval_size), "fit_seed": np.array(seed),
            "fit_reg": np.array(reg), "fit_patience": np.array(-1 if patience is None else patience),
            "fit_y_train": rng.integers(0, 10, n), "fit_y_val": rng.integers(0, 10, n_val),
            "fit_step_losses": rng.uniform(0.5, 2.5, size), "fit_train_acc_table": rng.uniform(0.4, 0.9, size),
            "fit_val_acc_table": val_table}
    h, stand_ins = fit_on_stand_ins(case)
    case.update({"fit_steps": np.array(len(stand_ins.rows)), "fit_rows": np.concatenate(stand_ins.rows),
                 "fit_batch_sizes": np.array([len(r) for r in stand_ins.rows]),
                 "fit_iteration_loss": np.array(h.iteration_loss), "fit_train_loss": np.array(h.train_loss),
                 "fit_train_acc": np.array(h.train_acc), "fit_val_loss": np.array(h.val_loss),
                 "fit_val_acc": np.array(h.val_acc), "fit_best_epoch": np.array(h.best_epoch),
                 "fit_final_steps": stand_ins.params["steps"].copy()})
    return case


TOLERANCES.update({k: {"rtol": 0, "atol": 0} for k in ("fit_steps", "fit_rows", "fit_batch_sizes", "fit_best_epoch",
                                                       "fit_final_steps")})
TOLERANCES.update({k: {"rtol": 1e-12, "atol": 1e-12} for k in ("fit_iteration_loss", "fit_train_loss",
                                                               "fit_train_acc", "fit_val_loss", "fit_val_acc")})


def record():
    """``(public, hidden, tolerances)``."""
    public = {**_case(1, (3, 2, 2), 5, 6), **_training_case(11, (6, 4)), **_gradarr_case(13),
              **_sequential_case("seqa", 21, (4, 5, 3, 2), first_linear=True),
              **_sequential_case("seqb", 22, (3, 4, 2), first_linear=False), **_mlp_case(23)}
    hidden = {**_case(2, (2, 3, 5), 4, 10), **_training_case(12, (5, 7)), **_unseen_case(),
              **_sequential_case("seqa", 31, (3, 6, 4, 5, 3), first_linear=True),
              **_sequential_case("seqb", 32, (5, 2, 4, 3), first_linear=False)}
    hidden.update(_edge_cases(tuple(hidden["init_shape"]), int(hidden["init_seed"]), hidden["gradcheck_x"]))
    # 02_mlp's test_fit: N not a multiple of the batch size; the best epoch before the last, then a tie
    public.update(_fit_case(3, 23, 7, 5, 4, 10, 0.01, None, val_acc=[0.4, 0.7, 0.7, 0.5]))
    hidden.update(_fit_case(8, 37, 9, 8, 6, 12, 0.003, 2, val_acc=[0.2, 0.5, 0.8, 0.6, 0.8, 0.9]))
    return public, hidden, TOLERANCES
