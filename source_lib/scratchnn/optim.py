"""Optimizers: ``step()`` moves every parameter against its gradient.

An optimizer is built on a model (anything with ``params`` and ``grads``
dicts keyed by parameter name) or on a plain dict of parameter arrays, in which
case ``step(grads)`` takes the matching dict of gradients. Parameters are
updated in place. Per-parameter state lives in dicts keyed by the same names
(``velocity``, ``cache``, ``m``, ``v``) that a notebook can set and inspect.

Every optimizer takes ``weight_decay``: L2 regularisation added to the gradient of
each weight, ``g + weight_decay * w``, before the update. Biases are not decayed,
the convention of :func:`scratchnn.losses.l2_penalty`: a weight is a parameter
named ``W`` (``"fc1.W"``, or ``"W"`` in a plain dict; see
:func:`scratchnn.layers.is_weight`).

Conventions (those of the most used courses):
momentum ``v = mu*v - lr*g; w += v``; RMSProp ``cache = decay*cache + (1-decay)*g^2``;
Adam increments ``t`` before the bias correction.
"""
import numpy as np

from .layers import is_weight


class Optimizer:
    """Base class: checks the gradients, adds weight decay, calls ``update``."""

    def __init__(self, params, lr, weight_decay=0.0):
        if lr <= 0:
            raise ValueError(f"learning rate must be positive, got {lr}")
        if weight_decay < 0:
            raise ValueError(f"weight decay must be >= 0, got {weight_decay}")
        self.model = None if isinstance(params, dict) else params
        self._params = params if self.model is None else None
        self.lr, self.weight_decay = lr, weight_decay
        if weight_decay and not any(is_weight(name) for name in self.params):
            raise ValueError(f"weight decay applies only to weights, parameters named W or "
                             f"<layer>.W, and none of {sorted(self.params)} is one")

    @property
    def params(self):
        """The parameters being optimised, by name."""
        return self.model.params if self.model is not None else self._params

    def step(self, grads=None):
        """Update every parameter in place from its gradient (all are checked
        first, so a bad gradient leaves every parameter as it was)."""
        grads = self._checked(grads)
        self.begin_step()
        for name, w in self.params.items():
            self.update(name, w, self._decayed(name, w, grads[name]))

    def begin_step(self):
        """Called once per step, before the updates (Adam counts its steps here)."""

    def _checked(self, grads):
        """The gradients to apply, after checking that they match the parameters."""
        if grads is None:
            if self.model is None:
                raise TypeError("this optimizer was built on a dict of parameters: "
                                "call step(grads) with the matching dict of gradients")
            grads = self.model.grads
        params = self.params
        missing = params.keys() - grads.keys()
        if missing:
            raise KeyError(f"no gradient for parameters {sorted(missing)}")
        for name, w in params.items():
            if grads[name].shape != w.shape:
                raise ValueError(f"gradient of {name} has shape {grads[name].shape}, "
                                 f"parameter has shape {w.shape}")
        return grads

    def _decayed(self, name, w, g):
        """The gradient ``g`` of ``w``, plus ``weight_decay * w`` if ``w`` is a weight."""
        if self.weight_decay and is_weight(name):
            return g + self.weight_decay * w
        return g

    def update(self, name, w, g):
        """Update the array ``w`` (named ``name``) in place from gradient ``g``
        (weight decay, if any, is already in ``g``)."""
        raise NotImplementedError

    @staticmethod
    def _state(store, name, like):
        """The state array ``store[name]``, created as zeros on first use."""
        if name not in store:
            store[name] = np.zeros_like(like)
        return store[name]


class SGD(Optimizer):
    """Plain SGD, ``w -= lr * g``; with ``weight_decay``, ``g + weight_decay * w``
    for weights (not biases)."""

    def __init__(self, params, lr=1e-2, weight_decay=0.0):
        super().__init__(params, lr, weight_decay)

    def update(self, name, w, g):
        ### BEGIN SOLUTION
        w -= self.lr * g
        ### END SOLUTION


class Momentum(Optimizer):
    """SGD with momentum ``v = mu*v - lr*g; w += v``; with ``nesterov=True``
    the look-ahead form ``w += -mu*v_prev + (1 + mu)*v``; with ``weight_decay``,
    ``g + weight_decay * w`` for weights (not biases). State: ``velocity[name]``."""

    def __init__(self, params, lr=1e-2, momentum=0.9, nesterov=False, weight_decay=0.0):
        super().__init__(params, lr, weight_decay)
        self.momentum, self.nesterov = momentum, nesterov
        self.velocity = {}

    def update(self, name, w, g):
        v = self._state(self.velocity, name, w)
        ### BEGIN SOLUTION
        v_prev = v.copy() if self.nesterov else None
        v *= self.momentum
        v -= self.lr * g
        if self.nesterov:
            w += (1 + self.momentum) * v - self.momentum * v_prev
        else:
            w += v
        ### END SOLUTION


class RMSProp(Optimizer):
    """``cache = decay*cache + (1-decay)*g^2; w -= lr * g / (sqrt(cache) + eps)``;
    with ``weight_decay``, ``g + weight_decay * w`` for weights (not biases).
    State: ``cache[name]``."""

    def __init__(self, params, lr=1e-3, decay=0.99, eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr, weight_decay)
        self.decay, self.eps = decay, eps
        self.cache = {}

    def update(self, name, w, g):
        cache = self._state(self.cache, name, w)
        ### BEGIN SOLUTION
        cache *= self.decay
        cache += (1 - self.decay) * g * g
        w -= self.lr * g / (np.sqrt(cache) + self.eps)
        ### END SOLUTION


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015). Each ``step`` first increments ``t``, then
    ``m = b1*m + (1-b1)*g``, ``v = b2*v + (1-b2)*g^2``,
    ``w -= lr * m_hat / (sqrt(v_hat) + eps)`` with ``m_hat = m / (1 - b1^t)``,
    ``v_hat = v / (1 - b2^t)``; with ``weight_decay``, ``g + weight_decay * w`` for
    weights (not biases): L2 in the gradient, not AdamW's decoupled decay.
    State: ``m[name]``, ``v[name]``, ``t``."""

    def __init__(self, params, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-8, weight_decay=0.0):
        super().__init__(params, lr, weight_decay)
        self.beta1, self.beta2, self.eps = beta1, beta2, eps
        self.m, self.v, self.t = {}, {}, 0

    def begin_step(self):
        self.t += 1  # one time step for all parameters

    def update(self, name, w, g):
        m = self._state(self.m, name, w)
        v = self._state(self.v, name, w)
        ### BEGIN SOLUTION
        m *= self.beta1
        m += (1 - self.beta1) * g
        v *= self.beta2
        v += (1 - self.beta2) * g * g
        m_hat = m / (1 - self.beta1 ** self.t)
        v_hat = v / (1 - self.beta2 ** self.t)
        w -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
        ### END SOLUTION


OPTIMIZERS = {"sgd": SGD, "momentum": Momentum, "rmsprop": RMSProp, "adam": Adam}


def make_optimizer(name, params, **kwargs):
    """An optimizer by name, e.g. ``make_optimizer("adam", model, lr=1e-3)``."""
    try:
        cls = OPTIMIZERS[name.lower()]
    except KeyError:
        raise ValueError(f"unknown optimizer {name!r}; choose from {sorted(OPTIMIZERS)}") from None
    return cls(params, **kwargs)
