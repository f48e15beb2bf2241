"""Models: a :class:`Sequential` chain of layers, and :func:`mlp` to build one.

Parameter names are ``"<layer name>.<param>"`` (``"fc1.W"``, ``"fc1.b"``), so
optimizers, checkpoints and checks all speak the same keys.
"""
import ast
import json
import os
from pathlib import Path

import numpy as np

from .layers import ELU, SELU, Dropout, LeakyReLU, Linear, ReLU, Sigmoid, Tanh, activation, is_weight

CHECKPOINT_FORMAT = 1


class Sequential:
    """Layers applied in order. ``layers`` is a list of layers or of
    ``(name, layer)`` pairs; unnamed layers are called ``fc1, fc2, ...`` for
    Linear and ``<kind><i>`` otherwise (``relu1``, ``dropout2``)."""

    def __init__(self, layers):
        self.layers = {}
        counts = {}
        for item in layers:
            name, layer = item if isinstance(item, tuple) else (None, item)
            if name is None:
                kind = "fc" if isinstance(layer, Linear) else type(layer).__name__.lower()
                counts[kind] = counts.get(kind, 0) + 1
                name = f"{kind}{counts[kind]}"
            if name in self.layers or "." in name:
                raise ValueError(f"layer names must be unique and contain no '.', got {name!r}")
            self.layers[name] = layer
        self.training = True

    # -- computation ----------------------------------------------------
    def forward(self, x):
        """x: (N, ...) -> scores (N, C): each layer's forward pass, first to last,
        applied to the output of the one before it (``self.layers`` is a dict
        ``{name: layer}`` in the network's order)."""
        ### BEGIN SOLUTION
        for layer in self.layers.values():
            x = layer.forward(x)
        return x
        ### END SOLUTION

    __call__ = forward

    def backward(self, dout):
        """dout: gradient of the loss w.r.t. the output (N, C); fills every layer's grads.
        Each layer's backward pass, last to first, each given the gradient that the
        layer after it returned. Returns the gradient w.r.t. the input, or None if
        the first layer is a Linear: that one is called with ``input_grad=False``,
        since nothing uses the gradient w.r.t. the images, and skipping it saves a
        matmul as large as dW's."""
        ### BEGIN SOLUTION
        for i, layer in reversed(list(enumerate(self.layers.values()))):
            if i == 0 and isinstance(layer, Linear):
                return layer.backward(dout, input_grad=False)
            dout = layer.backward(dout)
        return dout
        ### END SOLUTION

    # -- parameters -----------------------------------------------------
    @property
    def params(self):
        """All parameters by unique name; the arrays are the layers' own."""
        return {f"{n}.{k}": v for n, layer in self.layers.items() for k, v in layer.params.items()}

    @property
    def grads(self):
        """All gradients, keyed like :attr:`params`."""
        return {f"{n}.{k}": v for n, layer in self.layers.items() for k, v in layer.grads.items()}

    def weights(self):
        """The weight matrices only (no biases): what L2 regularisation penalises."""
        return {k: v for k, v in self.params.items() if is_weight(k)}

    def num_params(self):
        """Number of scalar parameters, biases included."""
        return sum(v.size for v in self.params.values())

    @property
    def dtype(self):
        return next(iter(self.params.values())).dtype

    # -- modes ----------------------------------------------------------
    def train(self, mode=True):
        """Training mode (dropout active); returns self."""
        self.training = mode
        for layer in self.layers.values():
            layer.training = mode
        return self

    def eval(self):
        """Evaluation mode (dropout is the identity); returns self."""
        return self.train(False)

    # -- checkpoints ----------------------------------------------------
    def state_dict(self):
        """Copies of all parameters by name."""
        return {k: v.copy() for k, v in self.params.items()}

    def load_state_dict(self, state):
        """Copy ``state`` into the parameters; names and shapes must match."""
        params = self.params
        if set(state) != set(params):
            raise ValueError(f"checkpoint does not match the model: missing "
                             f"{sorted(set(params) - set(state))}, unexpected "
                             f"{sorted(set(state) - set(params))}")
        wrong = [f"{k}: checkpoint has shape {state[k].shape}, model has {w.shape}"
                 for k, w in params.items() if state[k].shape != w.shape]
        if wrong:  # checked before copying, so a bad checkpoint leaves the model as it was
            raise ValueError("checkpoint does not match the model: " + "; ".join(wrong))
        for k, w in params.items():
            w[...] = state[k]

    def save(self, path):
        """Write the weights to an ``.npz`` file (no pickle: loading runs no code)."""
        path = Path(path)
        meta = json.dumps({"format": CHECKPOINT_FORMAT, "names": list(self.layers),
                           "layers": [repr(l) for l in self.layers.values()]})
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as f:
            np.savez(f, __meta__=np.array(meta), **self.state_dict())
        os.replace(tmp, path)

    def load(self, path):
        """Read weights saved by :meth:`save` into this model; returns self."""
        with np.load(path, allow_pickle=False) as data:
            state = {k: data[k] for k in data.files if k != "__meta__"}
        self.load_state_dict(state)
        return self

    def __repr__(self):
        body = "\n".join(f"  ({n}): {l!r}" for n, l in self.layers.items())
        return f"Sequential(\n{body}\n)"


def mlp(sizes, activation_name="relu", activation_params=None, init="glorot_uniform",
        drop_prob=0.0, seed=0, dtype=np.float64):
    """A multilayer perceptron ``sizes[0] -> ... -> sizes[-1]``.

    ``mlp([784, 512, 512, 10])`` is Linear-ReLU-Linear-ReLU-Linear, with
    dropout after each activation when ``drop_prob > 0``. Every activation is
    ``activation(activation_name, **activation_params)``, e.g.
    ``activation_name="leaky_relu", activation_params={"alpha": 0.1}``. All
    randomness comes from one generator seeded by ``seed``.
    """
    if len(sizes) < 2:
        raise ValueError(f"an MLP needs at least input and output sizes, got {sizes}")
    rng = np.random.default_rng(seed)
    layers = []
    for i, (fan_in, fan_out) in enumerate(zip(sizes[:-1], sizes[1:])):
        layers.append(Linear(fan_in, fan_out, init=init, rng=rng, dtype=dtype))
        if i < len(sizes) - 2:
            layers.append(activation(activation_name, **(activation_params or {})))
            if drop_prob:
                layers.append(Dropout(drop_prob, rng=rng))
    return Sequential(layers)


LAYER_TYPES = {cls.__name__: cls for cls in (Linear, ReLU, LeakyReLU, Sigmoid, Tanh, ELU, SELU, Dropout)}


def load_model(path):
    """The model saved by :meth:`Sequential.save` at ``path``, architecture and
    weights. Reading it runs no code: no pickle, and the architecture is parsed
    from layer descriptions like ``Linear(784, 512)`` of known types only."""
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["__meta__"]))
            state = {k: data[k] for k in data.files if k != "__meta__"}
    except (OSError, ValueError, KeyError) as exc:
        raise ValueError(f"{path} is not a checkpoint written by Sequential.save ({exc})") from None
    descriptions = meta.get("layers", [])
    names = meta.get("names") or [None] * len(descriptions)
    model = Sequential([(name, _layer(text, state)) if name else _layer(text, state)
                        for name, text in zip(names, descriptions)])
    model.load_state_dict(state)
    return model


def _layer(text, state):
    """A layer from its description, its dtype taken from the checkpoint."""
    try:
        call = ast.parse(str(text), mode="eval").body
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name)
                and call.func.id in LAYER_TYPES):
            raise ValueError
        args = [ast.literal_eval(a) for a in call.args]
        kwargs = {k.arg: ast.literal_eval(k.value) for k in call.keywords}
    except (SyntaxError, ValueError):
        raise ValueError(f"checkpoint describes an unknown layer {text!r}; "
                         f"known: {', '.join(LAYER_TYPES)}") from None
    if call.func.id == "Linear":
        dtype = next((w.dtype for w in state.values() if w.dtype.kind == "f"), np.float64)
        return Linear(*args, **kwargs, init="zeros", dtype=dtype)
    return LAYER_TYPES[call.func.id](*args, **kwargs)
