"""Optimizers, schedules and initialisers against values worked out by hand."""
import math

import numpy as np
import pytest

import scratchnn as snn
from scratchnn import init

W0 = np.array([1.0, -2.0])
G = np.array([0.5, 0.1])


def one_step(opt_cls, **kwargs):
    w = {"w": W0.copy()}
    opt = opt_cls(w, **kwargs)
    opt.step({"w": G})
    return w["w"], opt


def test_sgd_step():
    w, _ = one_step(snn.SGD, lr=0.1)
    np.testing.assert_allclose(w, [1 - 0.05, -2 - 0.01])


def test_momentum_two_steps():
    w = {"w": W0.copy()}
    opt = snn.Momentum(w, lr=0.1, momentum=0.9)
    opt.step({"w": G})          # v = -0.1 g = [-0.05, -0.01]
    np.testing.assert_allclose(opt.velocity["w"], [-0.05, -0.01])
    np.testing.assert_allclose(w["w"], [0.95, -2.01])
    opt.step({"w": G})          # v = 0.9 v - 0.1 g = [-0.095, -0.019]
    np.testing.assert_allclose(opt.velocity["w"], [-0.095, -0.019])
    np.testing.assert_allclose(w["w"], [0.855, -2.029])


def test_nesterov_step_from_a_given_velocity():
    w = {"w": W0.copy()}
    opt = snn.Momentum(w, lr=0.1, momentum=0.9, nesterov=True)
    opt.velocity["w"] = np.array([0.2, 0.0])
    opt.step({"w": G})
    # v_new = 0.9*[0.2, 0] - 0.1*g = [0.13, -0.01]; w += -0.9*v_prev + 1.9*v_new
    np.testing.assert_allclose(opt.velocity["w"], [0.13, -0.01])
    np.testing.assert_allclose(w["w"], [1 - 0.18 + 0.247, -2 - 0.019])


def test_rmsprop_step():
    w, opt = one_step(snn.RMSProp, lr=0.01, decay=0.9, eps=1e-8)
    cache = 0.1 * G ** 2                        # [0.025, 0.001]
    np.testing.assert_allclose(opt.cache["w"], cache)
    np.testing.assert_allclose(w, W0 - 0.01 * G / (np.sqrt(cache) + 1e-8))
    # |g| / sqrt(0.1 g^2) = sqrt(10): every coordinate moves by lr * sqrt(10)
    np.testing.assert_allclose(np.abs(w - W0), 0.01 * math.sqrt(10), rtol=1e-6)


def test_adam_first_step_moves_every_coordinate_by_lr():
    w, opt = one_step(snn.Adam, lr=0.01)
    assert opt.t == 1
    np.testing.assert_allclose(opt.m["w"], 0.1 * G)
    np.testing.assert_allclose(opt.v["w"], 0.001 * G ** 2)
    # bias-corrected m_hat = g, v_hat = g^2: the step is lr * sign(g)
    np.testing.assert_allclose(w, W0 - 0.01 * np.sign(G), rtol=1e-6)


def test_adam_step_from_given_state():
    w = {"w": W0.copy()}
    opt = snn.Adam(w, lr=0.1, beta1=0.5, beta2=0.75, eps=0.0)
    opt.m["w"], opt.v["w"], opt.t = np.array([0.2, 0.2]), np.array([0.04, 0.04]), 1
    opt.step({"w": G})
    m = 0.5 * 0.2 + 0.5 * G                     # [0.35, 0.15]
    v = 0.75 * 0.04 + 0.25 * G ** 2             # [0.0925, 0.0325]
    m_hat, v_hat = m / (1 - 0.5 ** 2), v / (1 - 0.75 ** 2)
    np.testing.assert_allclose(w["w"], W0 - 0.1 * m_hat / np.sqrt(v_hat))
    assert opt.t == 2


@pytest.mark.parametrize("name", ["sgd", "momentum", "rmsprop", "adam"])
def test_state_after_several_steps_matches_a_plain_loop(name):
    rng = np.random.default_rng(0)
    grads = [rng.standard_normal(3) for _ in range(5)]
    w = {"w": np.ones(3)}
    opt = snn.make_optimizer(name, w, lr=0.05)
    for g in grads:
        opt.step({"w": g})
    x, v, m, s = np.ones(3), np.zeros(3), np.zeros(3), np.zeros(3)
    for t, g in enumerate(grads, 1):
        if name == "sgd":
            x -= 0.05 * g
        elif name == "momentum":
            v = 0.9 * v - 0.05 * g
            x += v
        elif name == "rmsprop":
            s = 0.99 * s + 0.01 * g ** 2
            x -= 0.05 * g / (np.sqrt(s) + 1e-8)
        else:
            m, s = 0.9 * m + 0.1 * g, 0.999 * s + 0.001 * g ** 2
            x -= 0.05 * (m / (1 - 0.9 ** t)) / (np.sqrt(s / (1 - 0.999 ** t)) + 1e-8)
    np.testing.assert_allclose(w["w"], x, rtol=1e-12)
    state = {"momentum": lambda: opt.velocity["w"], "rmsprop": lambda: opt.cache["w"],
             "adam": lambda: opt.v["w"]}
    if name in state:
        np.testing.assert_allclose(state[name](), {"momentum": v, "rmsprop": s, "adam": s}[name])


def test_optimizer_on_a_model_reads_its_gradients():
    model = snn.mlp([3, 2], seed=0)
    before = model.state_dict()
    model.layers["fc1"].grads["W"] = np.ones((3, 2))
    model.layers["fc1"].grads["b"] = np.ones(2)
    snn.SGD(model, lr=0.5).step()
    np.testing.assert_allclose(model.params["fc1.W"], before["fc1.W"] - 0.5)
    np.testing.assert_allclose(model.params["fc1.b"], before["fc1.b"] - 0.5)


def test_optimizer_errors():
    with pytest.raises(TypeError, match="step\\(grads\\)"):
        snn.SGD({"w": np.ones(2)}).step()
    with pytest.raises(ValueError, match="shape"):
        snn.SGD({"w": np.ones(2)}).step({"w": np.ones(3)})
    with pytest.raises(KeyError, match="no gradient"):
        snn.SGD({"w": np.ones(2)}).step({})
    with pytest.raises(ValueError, match="positive"):
        snn.Adam({"w": np.ones(2)}, lr=0)
    with pytest.raises(ValueError, match="unknown optimizer"):
        snn.make_optimizer("adagrad", {"w": np.ones(2)})


# -- weight decay: weights only, never biases ----------------------------------
# One step from W0, b0 with weight_decay 0.5: the weights' gradient becomes
# G + 0.5 * W0 = [1.0, -0.9] (the second coordinate changes sign); the bias keeps GB.
B0, GB = np.array([0.3]), np.array([0.2])


def decayed_step(opt_cls, **kwargs):
    params = {"W": W0.copy(), "b": B0.copy()}
    opt = opt_cls(params, weight_decay=0.5, **kwargs)
    opt.step({"W": G, "b": GB})
    return params, opt


def test_sgd_weight_decay_step():
    p, _ = decayed_step(snn.SGD, lr=0.1)
    np.testing.assert_allclose(p["W"], [1 - 0.1 * 1.0, -2 - 0.1 * -0.9])
    np.testing.assert_allclose(p["b"], [0.3 - 0.1 * 0.2])   # not 0.3 - 0.1 * (0.2 + 0.15)


def test_momentum_weight_decay_step():
    p, opt = decayed_step(snn.Momentum, lr=0.1, momentum=0.9)
    np.testing.assert_allclose(opt.velocity["W"], [-0.1, 0.09])
    np.testing.assert_allclose(p["W"], [0.9, -1.91])
    np.testing.assert_allclose(opt.velocity["b"], [-0.02])
    np.testing.assert_allclose(p["b"], [0.28])


def test_rmsprop_weight_decay_step():
    params = {"W": W0.copy(), "b": B0.copy()}
    opt = snn.RMSProp(params, lr=0.01, decay=0.9, eps=0.0, weight_decay=0.5)
    opt.cache = {"W": np.array([0.9, 0.9]), "b": np.array([0.9])}
    opt.step({"W": G, "b": GB})
    # cache = 0.9 * 0.9 + 0.1 * g^2: [0.81 + 0.1, 0.81 + 0.081] for W, 0.81 + 0.004 for b
    np.testing.assert_allclose(opt.cache["W"], [0.91, 0.891])
    np.testing.assert_allclose(params["W"], [1 - 0.01 / math.sqrt(0.91), -2 + 0.009 / math.sqrt(0.891)])
    np.testing.assert_allclose(opt.cache["b"], [0.814])
    np.testing.assert_allclose(params["b"], [0.3 - 0.002 / math.sqrt(0.814)])


def test_adam_weight_decay_step():
    p, opt = decayed_step(snn.Adam, lr=0.01, eps=0.0)
    # first step: m_hat = g, v_hat = g^2, so every coordinate moves by lr against sign(g)
    np.testing.assert_allclose(opt.m["W"], [0.1, -0.09])
    np.testing.assert_allclose(p["W"], [1 - 0.01, -2 + 0.01])   # without decay: -2 - 0.01
    np.testing.assert_allclose(opt.m["b"], [0.02])
    np.testing.assert_allclose(p["b"], [0.3 - 0.01])


@pytest.mark.parametrize("name", ["sgd", "momentum", "rmsprop", "adam"])
def test_weight_decay_leaves_a_models_biases_alone(name):
    model = snn.mlp([3, 4, 2], seed=0)
    before = model.state_dict()
    for layer in model.layers.values():
        for g in layer.grads.values():
            g[...] = 0
    snn.make_optimizer(name, model, lr=0.1, weight_decay=0.5).step()
    for k, w in model.params.items():
        if k.endswith(".b"):
            np.testing.assert_array_equal(w, before[k])
        else:   # a zero gradient plus decay: every weight moves towards 0
            np.testing.assert_array_equal(np.sign(before[k] - w), np.sign(before[k]))


@pytest.mark.parametrize("name", ["sgd", "momentum", "rmsprop", "adam"])
def test_weight_decay_is_the_l2_penalty_of_train_step(name):
    """train_step(reg=r) and an optimizer with weight_decay=r take the same steps: both add
    r * W to the weights' gradients and leave the biases' alone (biases not zero here)."""
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((16, 5)), rng.integers(0, 3, 16)
    models = [snn.mlp([5, 4, 3], seed=1) for _ in range(2)]
    for model in models:
        for k, w in model.params.items():
            if k.endswith(".b"):
                w[...] = np.arange(w.size) * 0.1 + 0.3
    by_reg, by_decay = (snn.make_optimizer(name, models[0], lr=0.05),
                        snn.make_optimizer(name, models[1], lr=0.05, weight_decay=0.2))
    for _ in range(3):
        loss_reg = snn.train_step(models[0], by_reg, X, y, reg=0.2)
        loss_data = snn.train_step(models[1], by_decay, X, y)
    penalty, _ = snn.l2_penalty(models[0].weights(), 0.2)
    for k in models[0].params:
        np.testing.assert_allclose(models[0].params[k], models[1].params[k], rtol=1e-12, atol=1e-14)
    assert loss_reg > loss_data  # the same step, but train_step's loss includes the penalty
    assert penalty > 0


def test_weight_decay_needs_weights():
    with pytest.raises(ValueError, match=r"parameters named W.*\['w'\]"):
        snn.Adam({"w": np.ones(2)}, weight_decay=0.1)
    with pytest.raises(ValueError, match=">= 0"):
        snn.SGD({"W": np.ones(2)}, weight_decay=-1.0)


# -- schedules -----------------------------------------------------------------
def test_schedules():
    exp = snn.ExponentialDecay(0.1, decay=0.5)
    assert [exp(e) for e in range(3)] == pytest.approx([0.1, 0.05, 0.025])
    step = snn.StepDecay(1.0, step_size=2, gamma=0.1)
    assert [step(e) for e in range(5)] == pytest.approx([1, 1, 0.1, 0.1, 0.01])
    cos = snn.Cosine(1.0, epochs=4, min_lr=0.2)
    assert [cos(e) for e in (0, 2, 4, 9)] == pytest.approx([1.0, 0.6, 0.2, 0.2])
    assert snn.Constant(0.3)(99) == 0.3


# -- initialisers --------------------------------------------------------------
@pytest.mark.parametrize("scheme, std", [
    ("glorot_uniform", math.sqrt(2 / (400 + 600))), ("glorot_normal", math.sqrt(2 / 1000)),
    ("he_uniform", math.sqrt(2 / 400)), ("he_normal", math.sqrt(2 / 400)), (0.05, 0.05),
])
def test_initialiser_statistics(scheme, std):
    w = snn.initialize(scheme, (400, 600), rng=0)
    assert w.shape == (400, 600) and w.dtype == np.float64
    assert abs(w.mean()) < 4 * std / math.sqrt(w.size)
    assert w.std() == pytest.approx(std, rel=0.01)


def test_uniform_limits():
    assert np.abs(init.glorot_uniform((30, 70), rng=0)).max() <= math.sqrt(6 / 100)
    assert np.abs(init.he_uniform((30, 70), rng=0)).max() <= math.sqrt(6 / 30)


def test_initialisers_are_seeded_typed_and_named():
    a, b = snn.initialize("he", (5, 4), rng=3), snn.initialize("he_normal", (5, 4), rng=3)
    np.testing.assert_array_equal(a, b)
    assert snn.initialize("xavier", (5, 4), rng=0, dtype=np.float32).dtype == np.float32
    assert not snn.initialize("zeros", (5, 4)).any()
    with pytest.raises(ValueError, match="unknown initialiser"):
        snn.initialize("orthogonal", (5, 4))
