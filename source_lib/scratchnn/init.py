"""Weight initialisers: each returns a new array of ``shape = (fan_in, fan_out)``
drawn from a seeded ``np.random.Generator``.

Why it matters: with all-zero weights every hidden unit computes the same thing
and receives the same gradient, so they never become different; with a fixed
``std`` that is too large or too small, activations and gradients explode or
vanish layer after layer. Glorot keeps the variance of activations and of
gradients about constant (for tanh/sigmoid); He does the same for ReLU, which
zeroes half of its inputs.
"""
import numpy as np


def _fans(shape):
    if len(shape) != 2:
        raise ValueError(f"initialisers expect a (fan_in, fan_out) shape, got {shape}")
    return shape


def zeros(shape, rng=None, dtype=np.float64):
    """All zeros (a bad idea for weights: every unit stays identical)."""
    ### BEGIN SOLUTION
    return np.zeros(shape, dtype=dtype)
    ### END SOLUTION


def normal(shape, rng=None, std=1.0, dtype=np.float64):
    """Gaussian with mean 0 and standard deviation ``std``."""
    rng = np.random.default_rng(rng)
    ### BEGIN SOLUTION
    return (std * rng.standard_normal(shape)).astype(dtype)
    ### END SOLUTION


def glorot_uniform(shape, rng=None, dtype=np.float64):
    """Uniform on ``[-a, a]`` with ``a = sqrt(6 / (fan_in + fan_out))``."""
    fan_in, fan_out = _fans(shape)
    rng = np.random.default_rng(rng)
    ### BEGIN SOLUTION
    limit = np.sqrt(6 / (fan_in + fan_out))
    return rng.uniform(-limit, limit, shape).astype(dtype)
    ### END SOLUTION


def glorot_normal(shape, rng=None, dtype=np.float64):
    """Gaussian with ``std = sqrt(2 / (fan_in + fan_out))``."""
    fan_in, fan_out = _fans(shape)
    rng = np.random.default_rng(rng)
    ### BEGIN SOLUTION
    return normal(shape, rng, std=np.sqrt(2 / (fan_in + fan_out)), dtype=dtype)
    ### END SOLUTION


def he_uniform(shape, rng=None, dtype=np.float64):
    """Uniform on ``[-a, a]`` with ``a = sqrt(6 / fan_in)``."""
    fan_in, _ = _fans(shape)
    rng = np.random.default_rng(rng)
    ### BEGIN SOLUTION
    limit = np.sqrt(6 / fan_in)
    return rng.uniform(-limit, limit, shape).astype(dtype)
    ### END SOLUTION


def he_normal(shape, rng=None, dtype=np.float64):
    """Gaussian with ``std = sqrt(2 / fan_in)``."""
    fan_in, _ = _fans(shape)
    rng = np.random.default_rng(rng)
    ### BEGIN SOLUTION
    return normal(shape, rng, std=np.sqrt(2 / fan_in), dtype=dtype)
    ### END SOLUTION


INITIALIZERS = {
    "zeros": zeros, "normal": normal,
    "glorot_uniform": glorot_uniform, "glorot_normal": glorot_normal,
    "he_uniform": he_uniform, "he_normal": he_normal,
}
ALIASES = {"glorot": "glorot_uniform", "xavier": "glorot_uniform",
           "xavier_uniform": "glorot_uniform", "xavier_normal": "glorot_normal",
           "he": "he_normal", "kaiming": "he_normal"}


def initialize(scheme, shape, rng=None, dtype=np.float64):
    """Weights of ``shape`` by ``scheme``: a name (``"glorot"``, ``"he"``,
    ``"normal"``, ``"zeros"``, ...), a float (``normal`` with that std), or a
    callable ``f(shape, rng, dtype=...)``."""
    if callable(scheme):
        return scheme(shape, rng, dtype=dtype)
    if isinstance(scheme, (int, float)) and not isinstance(scheme, bool):
        return normal(shape, rng, std=float(scheme), dtype=dtype)
    name = ALIASES.get(str(scheme).lower(), str(scheme).lower())
    if name not in INITIALIZERS:
        raise ValueError(f"unknown initialiser {scheme!r}; choose from "
                         f"{sorted(INITIALIZERS) + sorted(ALIASES)} or give a std")
    return INITIALIZERS[name](shape, rng, dtype=dtype)
