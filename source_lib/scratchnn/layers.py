"""Layers: each one computes ``forward(x)`` and, from the upstream gradient,
``backward(dout)``.

The contract every layer keeps:

* ``forward(x)`` returns the output and caches what ``backward`` needs;
* ``backward(dout)`` returns ``dx`` (same shape as ``x``) and fills
  ``self.grads[k]`` for every ``self.params[k]``;
* ``params`` and ``grads`` are dicts with the same keys (``"W"`` for weights,
  ``"b"`` for biases); a :class:`~scratchnn.model.Sequential` prefixes them with
  the layer's name (``"fc1.W"``).

Shapes: ``N`` is the batch size, ``D`` the number of input features and ``M``
the number of output features.
"""
import inspect

import numpy as np

from . import init as initializers
from ._checks import check_ndim


def is_weight(name):
    """Whether the parameter ``name`` (``"W"``, ``"fc1.W"``, ``"fc1.b"``) is a weight
    rather than a bias: weights are what L2 regularisation and weight decay shrink."""
    return name.rsplit(".", 1)[-1] == "W"


class Layer:
    """Base class: no parameters, train mode by default."""

    def __init__(self):
        self.params = {}
        self.grads = {}
        self.training = True
        self.cache = None

    def forward(self, x):
        raise NotImplementedError

    def backward(self, dout):
        raise NotImplementedError

    def __call__(self, x):
        return self.forward(x)

    def _cached(self):
        """The forward cache, or a clear error if backward comes first."""
        if self.cache is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        return self.cache

    def __repr__(self):
        return f"{type(self).__name__}()"


class Linear(Layer):
    """Fully connected layer ``out = x.reshape(N, D) @ W + b``.

    Accepts N-d input such as images ``(N, 3, 32, 32)``: everything after the
    batch axis is flattened into ``D`` features.

    Parameters: ``W`` of shape (D, M), ``b`` of shape (M,).
    """

    def __init__(self, in_features, out_features, init="glorot_uniform", rng=None,
                 dtype=np.float64):
        super().__init__()
        self.in_features, self.out_features = int(in_features), int(out_features)
        rng = np.random.default_rng(rng)
        self.params["W"] = initializers.initialize(
            init, (self.in_features, self.out_features), rng=rng, dtype=dtype)
        self.params["b"] = np.zeros(self.out_features, dtype=dtype)
        self.grads = {k: np.zeros_like(v) for k, v in self.params.items()}

    def forward(self, x):
        """x: (N, d1, ..., dk) with d1*...*dk == D  ->  out: (N, M)."""
        check_ndim(x, 2, "Linear input", at_least=True)
        if np.prod(x.shape[1:]) != self.in_features:
            raise ValueError(
                f"Linear({self.in_features}, {self.out_features}) got input of shape "
                f"{x.shape}: its {int(np.prod(x.shape[1:]))} features per example "
                f"should be {self.in_features}")
        ### BEGIN SOLUTION
        x2d = x.reshape(len(x), -1)
        self.cache = (x2d, x.shape)
        return x2d @ self.params["W"] + self.params["b"]
        ### END SOLUTION

    def backward(self, dout, input_grad=True):
        """dout: (N, M)  ->  dx: same shape as the forward input; fills dW, db.
        With ``input_grad=False`` (how a model calls its first layer, whose dx
        nothing uses), returns None without computing dx."""
        x2d, x_shape = self._cached()
        ### BEGIN SOLUTION
        self.grads["W"] = x2d.T @ dout
        self.grads["b"] = dout.sum(axis=0)
        if not input_grad:
            return None
        return (dout @ self.params["W"].T).reshape(x_shape)
        ### END SOLUTION

    def __repr__(self):
        return f"Linear({self.in_features}, {self.out_features})"


class ReLU(Layer):
    """``max(0, x)`` elementwise; any shape."""

    def forward(self, x):
        ### BEGIN SOLUTION
        self.cache = x > 0
        return x * self.cache
        ### END SOLUTION

    def backward(self, dout):
        mask = self._cached()
        ### BEGIN SOLUTION
        return dout * mask
        ### END SOLUTION


class LeakyReLU(Layer):
    """``x`` where positive, ``alpha * x`` elsewhere (``alpha``: the slope of the
    negative side); any shape."""

    def __init__(self, alpha=0.01):
        super().__init__()
        self.alpha = alpha

    def forward(self, x):
        ### BEGIN SOLUTION
        self.cache = x > 0
        return np.where(self.cache, x, self.alpha * x)
        ### END SOLUTION

    def backward(self, dout):
        positive = self._cached()
        ### BEGIN SOLUTION
        return np.where(positive, dout, self.alpha * dout)
        ### END SOLUTION

    def __repr__(self):
        return f"LeakyReLU(alpha={self.alpha})"


def sigmoid(x):
    """Logistic function, stable for inputs of any size: ``exp`` is only ever
    taken of ``-|x|`` so it never overflows."""
    ### BEGIN SOLUTION
    z = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + z), z / (1 + z))
    ### END SOLUTION


class Sigmoid(Layer):
    """``1 / (1 + exp(-x))`` elementwise; any shape."""

    def forward(self, x):
        ### BEGIN SOLUTION
        self.cache = sigmoid(x)
        return self.cache
        ### END SOLUTION

    def backward(self, dout):
        out = self._cached()
        ### BEGIN SOLUTION
        return dout * out * (1 - out)
        ### END SOLUTION


class Tanh(Layer):
    """``tanh(x)`` elementwise (NumPy's tanh saturates cleanly); any shape."""

    def forward(self, x):
        ### BEGIN SOLUTION
        self.cache = np.tanh(x)
        return self.cache
        ### END SOLUTION

    def backward(self, dout):
        out = self._cached()
        ### BEGIN SOLUTION
        return dout * (1 - out ** 2)
        ### END SOLUTION


class ELU(Layer):
    """``x`` where positive, ``alpha * (exp(x) - 1)`` elsewhere; any shape."""

    def __init__(self, alpha=1.0):
        super().__init__()
        self.alpha = alpha

    def forward(self, x):
        ### BEGIN SOLUTION
        # expm1 of min(x, 0): accurate near 0 and never overflows for large x.
        neg = self.alpha * np.expm1(np.minimum(x, 0))
        self.cache = (x > 0, neg)
        return np.where(x > 0, x, neg)
        ### END SOLUTION

    def backward(self, dout):
        positive, neg = self._cached()
        ### BEGIN SOLUTION
        return dout * np.where(positive, 1, neg + self.alpha)
        ### END SOLUTION

    def __repr__(self):
        return f"ELU(alpha={self.alpha})"


class SELU(ELU):
    """Self-normalising ELU: ``scale * elu(x, alpha)``; any shape. The defaults are
    the constants of Klambauer et al. (2017), for which inputs of mean 0 and
    variance 1 give outputs of mean 0 and variance 1."""

    def __init__(self, alpha=1.6732632423543772, scale=1.0507009873554805):
        super().__init__(alpha)
        self.scale = scale

    def forward(self, x):
        ### BEGIN SOLUTION
        return self.scale * super().forward(x)
        ### END SOLUTION

    def backward(self, dout):
        ### BEGIN SOLUTION
        return super().backward(self.scale * dout)
        ### END SOLUTION

    def __repr__(self):
        return f"SELU(alpha={self.alpha}, scale={self.scale})"


class Dropout(Layer):
    """Inverted dropout: in training, zero each unit with probability
    ``drop_prob`` and scale the survivors by ``1 / (1 - drop_prob)``, so the
    expected output equals the input; in eval mode, the identity.

    Masks are drawn from ``rng`` (a seed or ``np.random.Generator``); the last
    one is kept in ``self.mask`` for ``backward``. To check gradients, set
    ``self.fixed_mask`` (0/1 values, shape of ``x``): every forward then uses it.
    """

    def __init__(self, drop_prob=0.5, rng=None):
        super().__init__()
        if not 0 <= drop_prob < 1:
            raise ValueError(f"drop_prob must be in [0, 1), got {drop_prob}")
        self.drop_prob = drop_prob
        self.rng = np.random.default_rng(rng)
        self.fixed_mask = None
        self.mask = None

    def forward(self, x):
        """x: any shape  ->  same shape."""
        if not self.training or self.drop_prob == 0:
            self.mask = None
            return x
        ### BEGIN SOLUTION
        keep = 1 - self.drop_prob
        kept = self.fixed_mask if self.fixed_mask is not None else self.rng.random(x.shape) < keep
        self.mask = np.asarray(kept, dtype=x.dtype) / keep
        return x * self.mask
        ### END SOLUTION

    def backward(self, dout):
        """dout: shape of x  ->  dx: shape of x (the same mask as forward)."""
        if self.mask is None:  # eval mode or drop_prob == 0: the identity
            return dout
        ### BEGIN SOLUTION
        return dout * self.mask
        ### END SOLUTION

    def __repr__(self):
        return f"Dropout(drop_prob={self.drop_prob})"


ACTIVATIONS = {
    "relu": ReLU, "leaky_relu": LeakyReLU, "sigmoid": Sigmoid, "tanh": Tanh,
    "elu": ELU, "selu": SELU,
}


def activation(name, **params):
    """A new activation layer from its name and parameters, e.g.
    ``activation("relu")``, ``activation("leaky_relu", alpha=0.1)``."""
    try:
        cls = ACTIVATIONS[name.lower()]
    except KeyError:
        raise ValueError(f"unknown activation {name!r}; choose from {sorted(ACTIVATIONS)}") from None
    accepted = list(inspect.signature(cls).parameters)
    unknown = sorted(set(params) - set(accepted))
    if unknown:
        takes = f"takes {', '.join(accepted)}" if accepted else "takes no parameters"
        raise TypeError(f"activation {name!r} ({cls.__name__}) {takes}, not {', '.join(unknown)}")
    return cls(**params)

