"""The arrays Assignment 2's notebooks check against, computed by the
reference library. ``public`` is shipped to students (the visible checks use
it); ``hidden`` uses other inputs, shapes and hyperparameters and reaches only
the grader. Hyperparameters are stored beside the inputs, so that a notebook
runs the same code on both."""
import numpy as np

from scratchnn import ELU, SELU, Adam, Dropout, ExponentialDecay, LeakyReLU, Momentum, RMSProp, Sigmoid
from scratchnn.layers import sigmoid
from scratchnn.selection import kfold_indices

EXACT = {"rtol": 1e-12, "atol": 0}
STEP = {"rtol": 1e-9, "atol": 1e-12}
TOLERANCES = {
    **{f"{opt}_{what}{p}": STEP for opt in ("mom", "nest", "rms", "adam")
       for what in ("w1_", "s1_", "wk_", "m1_", "v1_", "wdk_") for p in ("W", "b")},
    "decay_lrs": {"rtol": 1e-12, "atol": 1e-15}, "decay_lrs_order": {"rtol": 1e-12, "atol": 1e-15},
    "choose_means": {"rtol": 1e-9, "atol": 1e-12}, "choose_best": {"rtol": 0, "atol": 0},
    "kfold_train": EXACT, "kfold_val": EXACT, "kfold_train_sizes": EXACT, "kfold_val_sizes": EXACT,
    "drop_out": STEP, "drop_dx": STEP,
    **{f"{name}_{what}": STEP for name in ("sigmoid_fn", "sigmoid", "leaky", "elu", "selu")
       for what in ("out", "dx", "edge_out", "edge_dx")},
    "sigmoid_fn_big": STEP,
    **{k: STEP for k in ("mom_equal_w", "rms_scale_w", "adam_sign_w", "sigmoid_f32_out", "leaky_default_out")},
    **{k: EXACT for k in ("kfold_loo_sizes", "drop_new_mask", "drop_last_dx")},
}


def _params(rng, shape):
    return {"W": rng.standard_normal(shape), "b": rng.standard_normal(shape[1])}


def _stepped(opt, grads):
    for g in grads:
        opt.step(g)
    return opt


def _optimizer_case(seed, shape, steps):
    """One step from a given state, and ``steps`` steps from a fresh optimizer,
    for each optimizer; parameters ``W`` (shape) and ``b`` (shape[1],)."""
    rng = np.random.default_rng(seed)
    case = {}
    w0 = _params(rng, shape)
    grads = [_params(rng, shape) for _ in range(steps)]
    for p in ("W", "b"):
        case[f"opt_w0_{p}"] = w0[p]
        case[f"opt_g_{p}"] = np.stack([g[p] for g in grads])
    copy = lambda d: {k: v.copy() for k, v in d.items()}  # noqa: E731
    # hyperparameters: public and hidden differ
    case["mom_lr"], case["mom_mu"] = np.array(0.1 if seed % 2 else 0.05), np.array(0.9 if seed % 2 else 0.8)
    case["rms_lr"], case["rms_decay"] = np.array(0.01 if seed % 2 else 0.02), np.array(0.9 if seed % 2 else 0.95)
    case["rms_eps"] = np.array(1e-2 if seed % 2 else 5e-2)
    case["adam_lr"], case["adam_b1"], case["adam_b2"] = (np.array(0.01 if seed % 2 else 0.02),
                                                        np.array(0.9 if seed % 2 else 0.8),
                                                        np.array(0.999 if seed % 2 else 0.99))
    case["adam_t0"] = np.array(3 if seed % 2 else 7)
    case["opt_wd"] = np.array(0.1 if seed % 2 else 0.3)  # weight decay: of the weight W, never of the bias b
    for p in ("W", "b"):
        case[f"mom_v0_{p}"] = 0.3 * rng.standard_normal(w0[p].shape)
        case[f"rms_c0_{p}"] = 0.05 * rng.random(w0[p].shape)
        case[f"adam_m0_{p}"] = 0.3 * rng.standard_normal(w0[p].shape)
        case[f"adam_v0_{p}"] = 0.2 * rng.random(w0[p].shape)

    def state(prefix):
        return {p: case[f"{prefix}_{p}"].copy() for p in ("W", "b")}

    makers = {
        "mom": (lambda w: Momentum(w, lr=float(case["mom_lr"]), momentum=float(case["mom_mu"])), "velocity",
                "mom_v0"),
        "nest": (lambda w: Momentum(w, lr=float(case["mom_lr"]), momentum=float(case["mom_mu"]), nesterov=True),
                 "velocity", "mom_v0"),
        "rms": (lambda w: RMSProp(w, lr=float(case["rms_lr"]), decay=float(case["rms_decay"]),
                                  eps=float(case["rms_eps"])), "cache", "rms_c0"),
    }
    for name, (make, attr, given) in makers.items():
        w = copy(w0)
        opt = make(w)
        setattr(opt, attr, state(given))
        opt.step(grads[0])
        for p in ("W", "b"):
            case[f"{name}_w1_{p}"], case[f"{name}_s1_{p}"] = w[p], getattr(opt, attr)[p]
        w = copy(w0)
        _stepped(make(w), grads)
        for p in ("W", "b"):
            case[f"{name}_wk_{p}"] = w[p]
        if name != "nest":
            w = copy(w0)
            opt = make(w)
            opt.weight_decay = float(case["opt_wd"])
            _stepped(opt, grads)
            for p in ("W", "b"):
                case[f"{name}_wdk_{p}"] = w[p]

    def adam(w, weight_decay=0.0):
        return Adam(w, lr=float(case["adam_lr"]), beta1=float(case["adam_b1"]), beta2=float(case["adam_b2"]),
                    weight_decay=weight_decay)
    w = copy(w0)
    opt = adam(w)
    opt.m, opt.v, opt.t = state("adam_m0"), state("adam_v0"), int(case["adam_t0"])
    opt.step(grads[0])
    for p in ("W", "b"):
        case[f"adam_w1_{p}"], case[f"adam_m1_{p}"], case[f"adam_v1_{p}"] = w[p], opt.m[p], opt.v[p]
    w = copy(w0)
    _stepped(adam(w), grads)
    for p in ("W", "b"):
        case[f"adam_wk_{p}"] = w[p]
    w = copy(w0)
    _stepped(adam(w, float(case["opt_wd"])), grads)
    for p in ("W", "b"):
        case[f"adam_wdk_{p}"] = w[p]
    return case


def _schedule_case(lr, decay, order):
    """The rates of epochs 0 to 11, and of the epochs ``order`` asked of a fresh schedule
    (out of order, some twice: a schedule is a function of the epoch, not a state)."""
    schedule = ExponentialDecay(lr, decay=decay)
    lrs = np.array([schedule(epoch) for epoch in range(12)])
    fresh = ExponentialDecay(lr, decay=decay)
    return {"decay_lr0": np.array(lr), "decay_rate": np.array(decay), "decay_lrs": lrs,
            "decay_order": np.array(order), "decay_lrs_order": np.array([fresh(epoch) for epoch in order])}


def _kfold_case(n, k, seed):
    folds = kfold_indices(n, k, seed)
    return {"kfold_n": np.array(n), "kfold_k": np.array(k), "kfold_seed": np.array(seed),
            "kfold_train": np.concatenate([tr for tr, _ in folds]),
            "kfold_val": np.concatenate([va for _, va in folds]),
            "kfold_train_sizes": np.array([len(tr) for tr, _ in folds]),
            "kfold_val_sizes": np.array([len(va) for _, va in folds])}


def _away_from_zero(x, margin=0.05):
    """Inputs at least ``margin`` from the kinks at 0 (numerical gradients are exact there)."""
    return x + margin * np.sign(x)


def _layer_case(seed, shape, drop_prob, slope, alpha):
    rng = np.random.default_rng(seed)
    case = {"drop_x": rng.standard_normal(shape) + 1.0, "drop_p": np.array(drop_prob),
            "drop_mask": (rng.random(shape) >= drop_prob).astype(np.float64),
            "drop_dout": rng.standard_normal(shape)}
    layer = Dropout(drop_prob)
    layer.fixed_mask = case["drop_mask"]
    case["drop_out"] = layer.forward(case["drop_x"])
    case["drop_dx"] = layer.backward(case["drop_dout"])

    x = _away_from_zero(2 * rng.standard_normal(shape))
    case["act_x"], case["act_dout"] = x, rng.standard_normal(shape)
    case["leaky_slope"], case["elu_alpha"] = np.array(slope), np.array(alpha)
    case["sigmoid_fn_out"] = sigmoid(x)
    big = np.array([-1000.0, -50.0, -1e-3, 0.0, 1e-3, 50.0, 1000.0]) * (1 + seed % 3)
    case["sigmoid_big_x"], case["sigmoid_fn_big"] = big, sigmoid(big)
    # where the usual mistakes show: exact zeros (the derivative of the "otherwise" branch at 0)
    # and inputs so large that an exp of the wrong sign overflows
    edge = np.array([-1000.0, -40.0, -1.5, -1e-3, 0.0, 0.0, 1e-3, 1.5, 40.0, 1000.0]) * (1 + seed % 3)
    case["act_edge_x"] = edge
    for name, layer in (("sigmoid", Sigmoid()), ("leaky", LeakyReLU(slope)),
                        ("elu", ELU(alpha)), ("selu", SELU())):
        case[f"{name}_out"] = layer.forward(x)
        case[f"{name}_dx"] = layer.backward(case["act_dout"])
        case[f"{name}_edge_out"] = layer.forward(edge)
        case[f"{name}_edge_dx"] = layer.backward(np.ones_like(edge))
    # what a correct ELU of SELU's alpha gives on x and on the edge inputs, for the stand-in
    # that replays it while SELU alone is graded: its output, and its derivative
    elu = ELU(SELU().alpha)
    case["selu_elu_out"] = elu.forward(x)
    case["selu_elu_grad"] = elu.backward(np.ones_like(x))
    case["selu_elu_edge_out"] = elu.forward(edge)
    case["selu_elu_edge_grad"] = elu.backward(np.ones_like(edge))
    return case


def _edge_cases():
    """Hidden only: edge cases, each as its inputs and the reference's answer, so
    that a hidden test's source shows inputs and keys, never an expected value."""
    case = {"mom_equal_w0": np.array([1.0, -2.0]), "mom_equal_g": np.array([1.0, 1.0]),
            "rms_scale_g": np.array([1e-4, -50.0]), "adam_sign_g": np.array([1e-3, -7.0, 300.0])}
    w = {"w": case["mom_equal_w0"].copy()}
    _stepped(Momentum(w, lr=0.5, momentum=0.9), [{"w": case["mom_equal_g"]}] * 2)
    case["mom_equal_w"] = w["w"]
    w = {"w": np.zeros(2)}
    RMSProp(w, lr=0.1, decay=0.0, eps=0.0).step({"w": case["rms_scale_g"]})
    case["rms_scale_w"] = w["w"]
    w = {"w": np.zeros(3)}
    Adam(w, lr=0.01, eps=0.0).step({"w": case["adam_sign_g"]})
    case["adam_sign_w"] = w["w"]
    case["kfold_loo_sizes"] = np.array([len(va) for _, va in kfold_indices(6, 6, 1)])
    x = 3 + np.random.default_rng(7).standard_normal((40, 50, 60))
    layer = Dropout(0.5, rng=3)
    first, second = layer.forward(x), layer.forward(x)
    case["drop_new_mask"] = np.array(np.any((first == 0) != (second == 0)))
    rng = np.random.default_rng(4)
    first, last = [(rng.random((30, 20)) < 0.6) / 0.6 for _ in range(2)]
    layer = Dropout(0.4)
    layer.mask = first
    layer.backward(np.ones((30, 20)))
    layer.mask = last
    case["drop_last_dx"] = layer.backward(np.ones((30, 20)))
    case["sigmoid_f32_x"] = np.array([-500.0, 0.0, 500.0], dtype=np.float32)
    case["sigmoid_f32_out"] = Sigmoid().forward(case["sigmoid_f32_x"])
    case["leaky_default_x"] = np.array([-3.0, 2.0])
    case["leaky_default_out"] = LeakyReLU().forward(case["leaky_default_x"])
    return case


def _choose_case(lambdas, peak, n, k):
    """Hidden only: what choose_lambda must find with the notebook's stand-in
    trial (accuracy 0.9 - 0.05 |log10(reg / peak)| + 0.001 * sum of the fold's X),
    whose mean over any k folds of X = 0..n-1 is the same."""
    means = [0.9 - 0.05 * abs(np.log10(reg / peak)) + 0.001 * (n * (n - 1) / 2) / k for reg in lambdas]
    return {"choose_lambdas": np.array(lambdas), "choose_peak": np.array(peak), "choose_n": np.array(n),
            "choose_k": np.array(k), "choose_means": np.array(means),
            "choose_best": np.array(lambdas[int(np.argmax(means))])}


def record():
    """``(public, hidden, tolerances)``."""
    public = {**_optimizer_case(1, (4, 3), 5), **_schedule_case(0.1, 0.85, [3, 0, 7, 7, 11, 1]), **_kfold_case(10, 3, 5),
              **_layer_case(1, (4, 5), 0.5, 0.1, 1.5)}
    hidden = {**_optimizer_case(2, (3, 6), 7), **_schedule_case(0.03, 0.7, [9, 2, 0, 5, 5, 14, 1]), **_kfold_case(23, 4, 7),
              **_layer_case(2, (3, 7), 0.3, 0.2, 0.7), **_choose_case([0.5, 5e-4, 5e-2, 5e-3, 5e-5], 5e-3, 29, 4),
              **_edge_cases()}
    return public, hidden, TOLERANCES
