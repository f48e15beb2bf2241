"""Every layer and loss against centred differences, in float64.

The numerical gradients here come from an independent implementation, so a
bug in scratchnn.gradcheck cannot hide a bug in a layer."""
import numpy as np
import pytest

import scratchnn as snn
from scratchnn import gradcheck

SEEDS = [0, 1, 2]
TOL = 1e-7


def centred(f, x, dout, h=1e-5):
    """Gradient of sum(f() * dout) w.r.t. x, one coordinate at a time (the
    outputs are subtracted before summing, so unchanged ones cancel exactly)."""
    grad = np.zeros_like(x)
    flat, g = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        plus = np.array(f(), copy=True)
        flat[i] = old - h
        minus = np.array(f(), copy=True)
        flat[i] = old
        g[i] = np.sum((plus - minus) * dout) / (2 * h)
    return grad


def away_from_kink(x, margin=1e-3):
    """Push inputs off 0, where ReLU-like layers have no derivative."""
    return np.where(np.abs(x) < margin, np.sign(x + 1e-12) * margin * 2, x)


def random_shape(rng, ndim=2):
    return tuple(int(n) for n in rng.integers(2, 6, ndim))


ACTIVATIONS = [snn.ReLU, lambda: snn.LeakyReLU(0.1), snn.Sigmoid, snn.Tanh,
               lambda: snn.ELU(0.7), snn.SELU]


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("make", ACTIVATIONS, ids=["relu", "leaky", "sigmoid", "tanh", "elu", "selu"])
def test_activation_backward(make, seed):
    rng = np.random.default_rng(seed)
    layer = make()
    x = away_from_kink(rng.standard_normal(random_shape(rng, 3)) * 2)
    dout = rng.standard_normal(x.shape)
    layer.forward(x)
    dx = layer.backward(dout)
    assert dx.shape == x.shape
    assert gradcheck.rel_error(dx, centred(lambda: layer.forward(x), x, dout)) < TOL


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("input_shape", [(4, 6), (3, 2, 3, 4), (2, 3, 4, 4)])
def test_linear_backward_with_nd_input(input_shape, seed):
    rng = np.random.default_rng(seed)
    d = int(np.prod(input_shape[1:]))
    layer = snn.Linear(d, 5, init="normal", rng=seed)
    layer.params["b"][:] = rng.standard_normal(5)
    x = rng.standard_normal(input_shape)
    dout = rng.standard_normal((input_shape[0], 5))
    out = layer.forward(x)
    np.testing.assert_allclose(out, x.reshape(len(x), -1) @ layer.params["W"] + layer.params["b"])
    dx = layer.backward(dout)
    assert dx.shape == input_shape
    f = lambda: layer.forward(x)  # noqa: E731
    # The layer is linear in each input: a large step has no truncation error
    # and keeps round-off small.
    assert gradcheck.rel_error(dx, centred(f, x, dout, h=1e-3)) < TOL
    for name in ("W", "b"):
        numeric = centred(f, layer.params[name], dout, h=1e-3)
        assert gradcheck.rel_error(layer.grads[name], numeric) < TOL


@pytest.mark.parametrize("seed", SEEDS)
def test_dropout_backward_with_a_fixed_mask(seed):
    rng = np.random.default_rng(seed)
    layer = snn.Dropout(drop_prob=0.4, rng=seed)
    x = rng.standard_normal((6, 7))
    layer.fixed_mask = rng.random(x.shape) < 0.6
    dout = rng.standard_normal(x.shape)
    out = layer.forward(x)
    np.testing.assert_allclose(out, x * layer.fixed_mask / 0.6)
    dx = layer.backward(dout)
    assert gradcheck.rel_error(dx, centred(lambda: layer.forward(x), x, dout)) < TOL


@pytest.mark.parametrize("seed", SEEDS)
def test_softmax_cross_entropy_gradient(seed):
    rng = np.random.default_rng(seed)
    n, c = rng.integers(2, 9), rng.integers(2, 12)
    scores = rng.standard_normal((n, c))
    y = rng.integers(0, c, n)
    loss, dscores = snn.softmax_cross_entropy(scores, y)
    numeric = centred(lambda: np.array(snn.softmax_cross_entropy(scores, y)[0]), scores, 1.0)
    assert gradcheck.rel_error(dscores, numeric) < TOL
    expected = -np.mean(np.log(np.exp(scores[np.arange(n), y]) / np.exp(scores).sum(axis=1)))
    assert loss == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("seed", SEEDS)
def test_l2_penalty_gradient_and_value(seed):
    rng = np.random.default_rng(seed)
    weights = {"fc1.W": rng.standard_normal((3, 4)), "fc2.W": rng.standard_normal((4, 2))}
    penalty, grads = snn.l2_penalty(weights, reg=0.3)
    assert penalty == pytest.approx(0.15 * sum(np.sum(w ** 2) for w in weights.values()))
    for name, w in weights.items():
        numeric = centred(lambda: np.array(snn.l2_penalty(weights, 0.3)[0]), w, 1.0)
        assert gradcheck.rel_error(grads[name], numeric) < TOL


@pytest.mark.parametrize("seed", SEEDS)
def test_whole_model_gradient_with_l2_and_dropout(seed):
    rng = np.random.default_rng(seed)
    model = snn.mlp([6, 5, 4, 3], activation_name="tanh", drop_prob=0.3, seed=seed)
    x, y = rng.standard_normal((5, 6)), rng.integers(0, 3, 5)
    model.forward(x)  # draws a mask in each dropout layer, kept fixed for the check
    for layer in model.layers.values():
        if isinstance(layer, snn.Dropout):
            layer.fixed_mask = layer.mask != 0
    reg = 0.1

    def total_loss():
        loss, _ = snn.softmax_cross_entropy(model.forward(x), y)
        return np.array(loss + snn.l2_penalty(model.weights(), reg)[0])

    _, dscores = snn.softmax_cross_entropy(model.forward(x), y)
    model.backward(dscores)
    _, dweights = snn.l2_penalty(model.weights(), reg)
    for name, w in model.params.items():
        analytic = model.grads[name] + dweights.get(name, 0)
        assert gradcheck.rel_error(analytic, centred(total_loss, w, 1.0)) < TOL, name


# -- the checker itself --------------------------------------------------------
def test_library_checker_agrees_with_the_independent_one():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4))
    dout = rng.standard_normal((3, 4))
    f = lambda: np.tanh(x) * 2  # noqa: E731
    np.testing.assert_allclose(gradcheck.numerical_gradient_array(f, x, dout), centred(f, x, dout),
                               rtol=1e-6)
    g = lambda: float(np.sum(x ** 3))  # noqa: E731
    np.testing.assert_allclose(gradcheck.numerical_gradient(g, x), 3 * x ** 2, rtol=1e-7)


def test_check_layer_gradients_catches_a_wrong_backward():
    class WrongReLU(snn.ReLU):
        def backward(self, dout):
            return dout  # forgets the mask

    x = away_from_kink(np.random.default_rng(0).standard_normal((4, 5)))
    assert snn.check_layer_gradients(snn.ReLU(), x)["x"] < TOL
    assert snn.check_layer_gradients(WrongReLU(), x)["x"] > 0.1


def test_sparse_check_reports_each_coordinate():
    rng = np.random.default_rng(1)
    w = rng.standard_normal((20, 30))
    results = snn.sparse_gradient_check(lambda: float(np.sum(w ** 2)), w, 2 * w, num_checks=7)
    assert len(results) == 7
    assert all(err < 1e-8 for *_, err in results)
    bad = snn.sparse_gradient_check(lambda: float(np.sum(w ** 2)), w, 3 * w, num_checks=3)
    assert all(err > 0.1 for *_, err in bad)


def test_rel_error():
    assert snn.rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0
    assert snn.rel_error(np.array([1.0]), np.array([3.0])) == pytest.approx(0.5)
    with pytest.raises(ValueError, match="shapes differ"):
        snn.rel_error(np.zeros(2), np.zeros(3))


def test_float32_check_warns():
    x = np.ones(3, dtype=np.float32)
    with pytest.warns(UserWarning, match="float64"):
        gradcheck.numerical_gradient(lambda: float(np.sum(x)), x)


def test_gradient_error_against_epsilon_has_a_sweet_spot():
    """Truncation error falls like h^2, round-off grows like 1/h: the best h
    is in between, which the course's finite-difference study plots."""
    x = np.array([0.7])
    exact = np.cos(0.7)
    errors = {h: abs(gradcheck.numerical_gradient(lambda: float(np.sin(x[0])), x, h=h)[0] - exact)
              for h in (1e-1, 1e-5, 1e-12)}
    assert errors[1e-5] < errors[1e-1] and errors[1e-5] < errors[1e-12]
