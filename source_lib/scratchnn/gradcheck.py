"""Gradient checking: compare an analytic gradient with centred differences
``(f(x + h) - f(x - h)) / 2h``, whose error shrinks like ``h**2`` until
floating-point round-off (about ``eps_machine / h``) takes over.

Check in float64: float32 round-off swamps the comparison.
"""
import warnings

import numpy as np


def rel_error(a, b, eps=1e-8):
    """Largest elementwise ``|a - b| / max(|a| + |b|, eps)``; 0 when equal."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    ### BEGIN SOLUTION
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), eps), initial=0.0))
    ### END SOLUTION


def _warn_if_low_precision(x):
    if x.dtype != np.float64:
        warnings.warn(f"gradient check on a {x.dtype} array: round-off will dominate "
                      "the comparison; check gradients in float64", stacklevel=3)


def centred_difference(f, x, index, h=1e-5):
    """``(f() at x + h e_i  -  f() at x - h e_i) / 2h`` for the entry ``index``
    of ``x``: ``x`` is perturbed in place, and restored before returning."""
    ### BEGIN SOLUTION
    old = x[index]
    x[index] = old + h
    f_plus = f()
    x[index] = old - h
    f_minus = f()
    x[index] = old
    return (f_plus - f_minus) / (2 * h)
    ### END SOLUTION


def numerical_gradient(f, x, h=1e-5):
    """Gradient of a scalar function ``f()`` with respect to the array ``x``.

    ``f`` takes no argument: it reads ``x``, which is perturbed in place one
    entry at a time and restored. Returns an array shaped like ``x``.
    """
    _warn_if_low_precision(x)
    grad = np.zeros_like(x)
    ### BEGIN SOLUTION
    for i in np.ndindex(x.shape):
        grad[i] = centred_difference(f, x, i, h)
    ### END SOLUTION
    return grad


def numerical_gradient_array(f, x, dout, h=1e-5):
    """Gradient of ``sum(f() * dout)`` with respect to ``x``, for an
    array-valued ``f`` and an upstream gradient ``dout`` shaped like ``f()``:
    exactly what a layer's ``backward(dout)`` must return."""
    _warn_if_low_precision(x)
    grad = np.zeros_like(x)
    ### BEGIN SOLUTION
    for i in np.ndindex(x.shape):
        old = x[i]
        x[i] = old + h
        f_plus = f().copy()
        x[i] = old - h
        f_minus = f().copy()
        x[i] = old
        grad[i] = np.sum((f_plus - f_minus) * dout) / (2 * h)
    ### END SOLUTION
    return grad


def sparse_gradient_check(f, x, analytic_grad, num_checks=10, h=1e-5, rng=0):
    """Compare ``analytic_grad`` with centred differences at ``num_checks``
    random coordinates of ``x`` (cheap for large weight matrices).

    Returns a list of ``(index, numerical, analytic, relative_error)``.
    """
    _warn_if_low_precision(x)
    rng = np.random.default_rng(rng)
    results = []
    for _ in range(num_checks):
        i = tuple(int(rng.integers(n)) for n in x.shape)
        numeric = centred_difference(f, x, i, h)
        results.append((i, numeric, float(analytic_grad[i]), rel_error(numeric, analytic_grad[i])))
    return results


def check_layer_gradients(layer, x, dout=None, h=1e-6, rng=0):
    """Relative errors of a layer's ``backward`` against numerical gradients,
    for its input (key ``"x"``) and every parameter. ``dout`` defaults to a
    seeded random upstream gradient."""
    rng = np.random.default_rng(rng)
    out = layer.forward(x)
    if dout is None:
        dout = rng.standard_normal(out.shape)
    dx = layer.backward(dout)
    errors = {"x": rel_error(dx, numerical_gradient_array(lambda: layer.forward(x), x, dout, h))}
    analytic = {k: g.copy() for k, g in layer.grads.items()}
    for name, w in layer.params.items():
        numeric = numerical_gradient_array(lambda: layer.forward(x), w, dout, h)
        errors[name] = rel_error(analytic[name], numeric)
    return errors
