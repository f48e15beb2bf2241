"""The arrays Assignment 1's layer notebook checks against, computed by the
reference library. ``public`` is shipped to students (their self-checks use
it); ``hidden`` uses other inputs and shapes and reaches only the grader."""
import numpy as np

from scratchnn import Linear, ReLU, softmax_cross_entropy

TOLERANCES = {"linear_out": {"rtol": 1e-6, "atol": 1e-9}, "linear_dx": {"rtol": 1e-6, "atol": 1e-9},
              "linear_dW": {"rtol": 1e-6, "atol": 1e-9}, "linear_db": {"rtol": 1e-6, "atol": 1e-9},
              "relu_out": {"rtol": 1e-9, "atol": 0}, "relu_dx": {"rtol": 1e-9, "atol": 0},
              "ce_loss": {"rtol": 1e-7, "atol": 1e-10}, "ce_dscores": {"rtol": 1e-6, "atol": 1e-10},
              "ce_big_loss": {"rtol": 1e-7, "atol": 1e-10}, "ce_big_dscores": {"rtol": 1e-6, "atol": 1e-10}}


def _case(seed, image_shape, out_features, num_classes):
    rng = np.random.default_rng(seed)
    n, d = 4 + seed % 3, int(np.prod(image_shape))
    case = {"linear_x": rng.standard_normal((n, *image_shape)),
            "linear_W": rng.standard_normal((d, out_features)),
            "linear_b": rng.standard_normal(out_features),
            "linear_dout": rng.standard_normal((n, out_features)),
            "relu_x": rng.standard_normal((n, 7)), "relu_dout": rng.standard_normal((n, 7)),
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
    case["ce_loss"], case["ce_dscores"] = softmax_cross_entropy(case["ce_scores"], case["ce_y"])
    case["ce_big_loss"], case["ce_big_dscores"] = softmax_cross_entropy(case["ce_big_scores"], case["ce_y"])
    return case


def record():
    """``(public, hidden, tolerances)``."""
    return _case(1, (3, 2, 2), 5, 6), _case(2, (2, 3, 5), 4, 10), TOLERANCES
