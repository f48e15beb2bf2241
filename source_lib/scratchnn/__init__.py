"""scratchnn: neural networks from scratch in NumPy.

The modules, in the order a course meets them:

=============  ==========================================================
``layers``     Linear, ReLU, LeakyReLU, Sigmoid, Tanh, ELU, SELU, Dropout
``losses``     softmax, softmax cross-entropy, L2 penalty
``init``       zeros, normal, Glorot/Xavier and He initialisers
``gradcheck``  numerical gradients and relative errors
``model``      Sequential container, ``mlp`` builder, ``.npz`` checkpoints
``optim``      SGD, Momentum (Nesterov), RMSProp, Adam
``schedules``  constant, exponential, step and cosine learning rates
``train``      training step, fit loop, predict/evaluate, confusion matrix
``selection``  k-fold cross-validation, grid and random search
``export``     Kaggle-style prediction CSV
``data``       MNIST, Fashion-MNIST, CIFAR-10 splits and normalisation
``plots``      learning curves, activations, gradient checks, weights
=============  ==========================================================
"""
from .gradcheck import (centred_difference, check_layer_gradients, numerical_gradient,
                        numerical_gradient_array, rel_error, sparse_gradient_check)
from .init import initialize
from .layers import ELU, SELU, Dropout, LeakyReLU, Linear, ReLU, Sigmoid, Tanh, activation
from .losses import l2_penalty, log_softmax, softmax, softmax_cross_entropy
from .model import Sequential, load_model, mlp
from .optim import SGD, Adam, Momentum, RMSProp, make_optimizer
from .schedules import Constant, Cosine, ExponentialDecay, StepDecay
from .train import History, accuracy, confusion_matrix, evaluate, fit, predict, train_step

__version__ = "0.1.0"

