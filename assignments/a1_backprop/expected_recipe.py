"""The arrays Assignment 1's layer notebook checks against, computed by the
reference library. ``public`` is shipped to students (their self-checks use
it); ``hidden`` uses other inputs and shapes and reaches only the grader."""
import numpy as np

from scratchnn import SGD, Linear, ReLU, Tanh, mlp, softmax_cross_entropy, train_step
from scratchnn.init import glorot_normal, glorot_uniform, he_normal, he_uniform, normal

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
              "gradcheck_grad": {"rtol": 1e-6, "atol": 1e-8}, "num_params_count": {"rtol": 0, "atol": 0}}


def _unseen_case():
    """Hidden only: a gradient the checker must find, and a network's size."""
    x = np.random.default_rng(5).standard_normal((2, 3, 2))
    sizes = [784, 300, 100, 10]
    return {"gradcheck_x": x, "gradcheck_grad": np.cos(x) * x + np.sin(x),
            "num_params_sizes": np.array(sizes), "num_params_count": np.array(mlp(sizes).num_params())}


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
    model = mlp([shape[0], shape[1], 3], seed=seed)
    case.update({f"step0_{k}": v.copy() for k, v in model.params.items()})
    case["step_X"], case["step_y"] = rng.standard_normal((8, shape[0])), rng.integers(0, 3, 8)
    case["step_loss"] = train_step(model, SGD(model, lr=0.1), case["step_X"], case["step_y"], reg=0.01)
    case.update({f"step_{k}": v for k, v in model.params.items()})
    return case


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
    case["ce_big_loss"], case["ce_big_dscores"] = softmax_cross_entropy(case["ce_big_scores"], case["ce_y"])
    return case


def record():
    """``(public, hidden, tolerances)``."""
    public = {**_case(1, (3, 2, 2), 5, 6), **_training_case(11, (6, 4))}
    hidden = {**_case(2, (2, 3, 5), 4, 10), **_training_case(12, (5, 7)), **_unseen_case()}
    return public, hidden, TOLERANCES
