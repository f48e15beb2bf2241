"""Layer and loss behaviour: known values, dropout statistics, numerical
stability at extreme inputs, and clear errors on bad input."""
import math
import warnings

import numpy as np
import pytest

import scratchnn as snn
from scratchnn.layers import sigmoid


def test_known_activation_values():
    x = np.array([-1.0, 0.0, 2.0])
    np.testing.assert_allclose(snn.ReLU().forward(x), [0, 0, 2])
    np.testing.assert_allclose(snn.LeakyReLU(0.1).forward(x), [-0.1, 0, 2])
    np.testing.assert_allclose(snn.Sigmoid().forward(x), [1 / (1 + math.e), 0.5, 1 / (1 + math.exp(-2))])
    np.testing.assert_allclose(snn.Tanh().forward(x), np.tanh(x))
    np.testing.assert_allclose(snn.ELU().forward(x), [math.exp(-1) - 1, 0, 2])
    np.testing.assert_allclose(snn.SELU().forward(np.array([1.0, -1.0])),
                               [1.0507009873554805, 1.0507009873554805 * 1.6732632423543772 * (math.exp(-1) - 1)])


def test_relu_backward_uses_the_input_sign():
    relu = snn.ReLU()
    relu.forward(np.array([-2.0, 0.0, 3.0]))
    np.testing.assert_array_equal(relu.backward(np.ones(3)), [0, 0, 1])


def test_backward_before_forward_is_a_clear_error():
    with pytest.raises(RuntimeError, match="before forward"):
        snn.ReLU().backward(np.ones(2))


def test_softmax_rows_sum_to_one_and_uniform_loss_is_log_c():
    scores = np.random.default_rng(0).standard_normal((4, 6))
    np.testing.assert_allclose(snn.softmax(scores).sum(axis=1), 1)
    loss, _ = snn.softmax_cross_entropy(np.zeros((3, 10)), np.array([0, 4, 9]))
    assert loss == pytest.approx(math.log(10))


# -- stability -----------------------------------------------------------------
EXTREMES = np.array([[-1e4, -1000.0, 0.0, 1000.0, 1e4]])


@pytest.fixture
def strict_numpy():
    # Underflow to 0 is harmless and expected; overflow, 0/0 and log(0) are not.
    with warnings.catch_warnings(), np.errstate(over="raise", invalid="raise", divide="raise"):
        warnings.simplefilter("error")
        yield


def test_softmax_and_cross_entropy_at_extremes(strict_numpy):
    p = snn.softmax(EXTREMES)
    np.testing.assert_allclose(p, [[0, 0, 0, 0, 1]], atol=1e-300)
    loss, d = snn.softmax_cross_entropy(EXTREMES, np.array([3]))
    assert loss == pytest.approx(9000.0)
    assert np.isfinite(d).all()
    loss, _ = snn.softmax_cross_entropy(np.array([[1000.0, -1000.0]]), np.array([0]))
    assert loss == 0.0


def test_sigmoid_tanh_elu_at_extremes(strict_numpy):
    x = EXTREMES.ravel()
    np.testing.assert_allclose(sigmoid(x), [0, 0, 0.5, 1, 1], atol=1e-300)
    s = snn.Sigmoid()
    s.forward(x)
    assert np.isfinite(s.backward(np.ones(5))).all()
    np.testing.assert_allclose(snn.Tanh().forward(x), [-1, -1, 0, 1, 1])
    np.testing.assert_allclose(snn.ELU().forward(x), [-1, -1, 0, 1000, 1e4])
    np.testing.assert_allclose(snn.SELU().forward(x)[-1], 1.0507009873554805e4)


def test_sigmoid_float32_stays_float32(strict_numpy):
    x = np.array([-100.0, 100.0], dtype=np.float32)
    assert sigmoid(x).dtype == np.float32


# -- dropout -------------------------------------------------------------------
@pytest.mark.parametrize("drop_prob", [0.1, 0.5, 0.8])
def test_dropout_statistics(drop_prob):
    x = np.random.default_rng(1).uniform(1, 2, (200, 500))
    layer = snn.Dropout(drop_prob, rng=0)
    out = layer.forward(x)
    zeroed = np.mean(out == 0)
    sigma = math.sqrt(drop_prob * (1 - drop_prob) / x.size)
    assert abs(zeroed - drop_prob) < 5 * sigma
    assert out.mean() == pytest.approx(x.mean(), rel=0.02)  # inverted: expectation kept
    kept = out != 0
    np.testing.assert_allclose(out[kept], x[kept] / (1 - drop_prob))


def test_dropout_eval_is_identity_and_backward_reuses_the_mask():
    x = np.random.default_rng(2).standard_normal((50, 40))
    layer = snn.Dropout(0.5, rng=3)
    out = layer.forward(x)
    dx = layer.backward(np.ones_like(x))
    np.testing.assert_array_equal(dx != 0, out != 0)
    layer.training = False
    assert layer.forward(x) is x
    np.testing.assert_array_equal(layer.backward(x), x)


def test_dropout_is_seeded():
    x = np.ones((10, 10))
    a, b = snn.Dropout(0.5, rng=7).forward(x), snn.Dropout(0.5, rng=7).forward(x)
    np.testing.assert_array_equal(a, b)
    with pytest.raises(ValueError, match="drop_prob"):
        snn.Dropout(1.0)


# -- bad input -----------------------------------------------------------------
def test_linear_rejects_the_wrong_number_of_features():
    layer = snn.Linear(784, 10, rng=0)
    with pytest.raises(ValueError, match="should be 784"):
        layer.forward(np.zeros((2, 28, 27)))
    with pytest.raises(TypeError, match="NumPy array"):
        layer.forward([[0.0] * 784])
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        layer.forward(np.zeros(784))


@pytest.mark.parametrize("y, message", [
    (np.array([0, 3]), r"\[0, 2\]"), (np.array([0, -1]), r"\[0, 2\]"),
    (np.array([0.0, 1.0]), "integers"), (np.array([0, 1, 2]), "3 labels for 2 examples"),
])
def test_cross_entropy_rejects_bad_labels(y, message):
    with pytest.raises((ValueError, TypeError), match=message):
        snn.softmax_cross_entropy(np.zeros((2, 3)), y)


def test_cross_entropy_rejects_nan_and_says_where():
    scores = np.zeros((3, 4))
    scores[1, 2] = np.nan
    with pytest.raises(ValueError, match=r"nan at index \(1, 2\)"):
        snn.softmax_cross_entropy(scores, np.array([0, 1, 2]))


def test_unknown_names():
    with pytest.raises(ValueError, match="unknown activation"):
        snn.activation("swish")


def test_selu_takes_alpha_and_scale():
    x = np.array([1.0, -1.0])
    np.testing.assert_allclose(snn.SELU(alpha=2.0, scale=3.0).forward(x), [3.0, 3.0 * 2.0 * (math.exp(-1) - 1)])
    default = snn.SELU()
    assert (default.alpha, default.scale) == (1.6732632423543772, 1.0507009873554805)


def test_leaky_relu_and_elu_name_their_negative_side_alpha():
    assert snn.LeakyReLU(alpha=0.2).alpha == 0.2 and snn.LeakyReLU().alpha == 0.01
    assert snn.ELU(alpha=0.5).alpha == 0.5 and snn.ELU().alpha == 1.0
    with pytest.raises(TypeError):
        snn.LeakyReLU(negative_slope=0.1)


def test_activations_by_name_with_parameters():
    x = np.array([-1.0, 2.0])
    np.testing.assert_allclose(snn.activation("leaky_relu", alpha=0.2).forward(x), [-0.2, 2.0])
    np.testing.assert_allclose(snn.activation("ELU", alpha=0.5).forward(x), [0.5 * (math.exp(-1) - 1), 2.0])
    selu = snn.activation("selu", alpha=1.0, scale=2.0)
    assert isinstance(selu, snn.SELU) and (selu.alpha, selu.scale) == (1.0, 2.0)
    assert isinstance(snn.activation("relu"), snn.ReLU)


@pytest.mark.parametrize("name, params, message", [
    ("leaky_relu", {"negative_slope": 0.1}, r"activation 'leaky_relu' \(LeakyReLU\) takes alpha, not negative_slope"),
    ("selu", {"lambda_": 1.0}, r"'selu' \(SELU\) takes alpha, scale, not lambda_"),
    ("relu", {"alpha": 0.1}, r"'relu' \(ReLU\) takes no parameters, not alpha"),
])
def test_unknown_activation_parameters_are_a_clear_type_error(name, params, message):
    with pytest.raises(TypeError, match=message):
        snn.activation(name, **params)
