"""Learning-rate schedules: callables mapping an epoch (0, 1, ...) to a rate.
The fit loop sets ``optimizer.lr = schedule(epoch)`` at the start of each epoch."""
import math


class Constant:
    def __init__(self, lr):
        self.lr = lr

    def __call__(self, epoch):
        return self.lr


class ExponentialDecay:
    """``lr * decay ** epoch``: multiply the rate by ``decay`` after each epoch."""

    def __init__(self, lr, decay=0.95):
        self.lr, self.decay = lr, decay

    def __call__(self, epoch):
        ### BEGIN SOLUTION
        return self.lr * self.decay ** epoch
        ### END SOLUTION


class StepDecay:
    """``lr * gamma ** (epoch // step_size)``: cut the rate every ``step_size`` epochs."""

    def __init__(self, lr, step_size=10, gamma=0.1):
        self.lr, self.step_size, self.gamma = lr, step_size, gamma

    def __call__(self, epoch):
        return self.lr * self.gamma ** (epoch // self.step_size)


class Cosine:
    """Half a cosine from ``lr`` at epoch 0 down to ``min_lr`` at ``epochs``."""

    def __init__(self, lr, epochs, min_lr=0.0):
        self.lr, self.epochs, self.min_lr = lr, epochs, min_lr

    def __call__(self, epoch):
        progress = min(epoch, self.epochs) / self.epochs
        return self.min_lr + 0.5 * (self.lr - self.min_lr) * (1 + math.cos(math.pi * progress))
