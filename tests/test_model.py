"""Sequential models: names, modes, parameter counts and safe checkpoints."""
import numpy as np
import pytest

import scratchnn as snn


def test_parameter_names_and_count_of_the_seed_network():
    model = snn.mlp([784, 512, 512, 10])
    assert list(model.params) == ["fc1.W", "fc1.b", "fc2.W", "fc2.b", "fc3.W", "fc3.b"]
    assert model.params.keys() == model.grads.keys()
    assert model.num_params() == 784 * 512 + 512 + 512 * 512 + 512 + 512 * 10 + 10 == 669706
    assert list(model.weights()) == ["fc1.W", "fc2.W", "fc3.W"]
    assert list(model.layers) == ["fc1", "relu1", "fc2", "relu2", "fc3"]


def test_mlp_activation_with_parameters(tmp_path):
    model = snn.mlp([4, 3, 3, 2], activation_name="leaky_relu", activation_params={"alpha": 0.2})
    hidden = [l for l in model.layers.values() if not isinstance(l, snn.Linear)]
    assert [type(l) for l in hidden] == [snn.LeakyReLU] * 2 and [l.alpha for l in hidden] == [0.2, 0.2]
    assert hidden[0] is not hidden[1]
    model.save(tmp_path / "leaky.npz")  # the parameters survive a checkpoint
    assert [l.alpha for l in snn.load_model(tmp_path / "leaky.npz").layers.values()
            if isinstance(l, snn.LeakyReLU)] == [0.2, 0.2]
    selu = snn.mlp([4, 3, 2], activation_name="selu", activation_params={"scale": 2.0}).layers["selu1"]
    assert (selu.alpha, selu.scale) == (1.6732632423543772, 2.0)
    with pytest.raises(TypeError, match=r"'tanh' \(Tanh\) takes no parameters, not alpha"):
        snn.mlp([4, 3, 2], activation_name="tanh", activation_params={"alpha": 0.1})


def test_names_must_be_unique():
    with pytest.raises(ValueError, match="unique"):
        snn.Sequential([("a", snn.ReLU()), ("a", snn.ReLU())])


def test_train_and_eval_mode_reach_dropout():
    model = snn.mlp([20, 30, 5], drop_prob=0.5, seed=0)
    x = np.ones((4, 20))
    assert not np.array_equal(model.forward(x), model.forward(x))  # new masks
    model.eval()
    assert not model.layers["dropout1"].training
    np.testing.assert_array_equal(model.forward(x), model.forward(x))
    assert model.train().layers["dropout1"].training


def test_dtype_switch():
    model = snn.mlp([6, 4, 3], dtype=np.float32)
    assert model.dtype == np.float32
    assert model.forward(np.ones((2, 6), dtype=np.float32)).dtype == np.float32


def test_checkpoint_round_trip(tmp_path):
    model = snn.mlp([6, 5, 3], seed=1)
    path = tmp_path / "weights.npz"
    model.save(path)
    other = snn.mlp([6, 5, 3], seed=2).load(path)
    for k, w in model.params.items():
        np.testing.assert_array_equal(other.params[k], w)
    assert [p.name for p in tmp_path.iterdir()] == ["weights.npz"]


def test_loading_a_mismatched_checkpoint_says_what_differs(tmp_path):
    snn.mlp([6, 5, 3]).save(tmp_path / "w.npz")
    with pytest.raises(ValueError, match=r"fc1.W: checkpoint has shape \(6, 5\)"):
        snn.mlp([6, 4, 3]).load(tmp_path / "w.npz")
    with pytest.raises(ValueError, match="missing.*fc3.W"):
        snn.mlp([6, 5, 4, 3]).load(tmp_path / "w.npz")


class Payload:
    """An object whose unpickling would create a file."""
    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_a_crafted_checkpoint_runs_no_code(tmp_path):
    marker = tmp_path / "pwned"
    evil = np.empty(1, dtype=object)
    evil[0] = Payload(marker)
    good = snn.mlp([6, 5, 3]).state_dict()
    np.savez(tmp_path / "evil.npz", **{**good, "fc1.W": evil})
    with pytest.raises(ValueError, match="allow_pickle"):
        snn.mlp([6, 5, 3]).load(tmp_path / "evil.npz")
    assert not marker.exists()


def test_seeded_models_are_reproducible():
    a, b = snn.mlp([8, 6, 3], seed=4), snn.mlp([8, 6, 3], seed=4)
    for k in a.params:
        np.testing.assert_array_equal(a.params[k], b.params[k])
    assert not np.array_equal(a.params["fc1.W"], snn.mlp([8, 6, 3], seed=5).params["fc1.W"])


def test_first_layer_skips_its_input_gradient():
    model = snn.mlp([4, 3, 2])
    model.forward(np.ones((2, 4)))
    assert model.backward(np.ones((2, 2))) is None
    assert model.grads["fc1.W"].shape == (4, 3)


def test_sequential_leaves_the_layers_it_is_given_as_they_were():
    fc = snn.Linear(4, 3, rng=0)
    attributes = {k: v for k, v in vars(fc).items() if not isinstance(v, dict)}
    model = snn.Sequential([fc, snn.ReLU(), snn.Linear(3, 2, rng=1)])
    assert {k: v for k, v in vars(fc).items() if not isinstance(v, dict)} == attributes
    x, dout = np.ones((2, 4)), np.ones((2, 3))
    model.forward(x)
    assert model.backward(np.ones((2, 2))) is None   # in the model, dx of the input is skipped
    fc.forward(x)
    np.testing.assert_allclose(fc.backward(dout), dout @ fc.params["W"].T)  # on its own, computed
