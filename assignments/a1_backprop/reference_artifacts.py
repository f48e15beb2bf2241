"""What the reference submission hands in besides its code: the weights of
the network its notebook trains (section 9 of 02_mlp, with its ``BEST``)."""
import numpy as np

import scratchnn as snn
from scratchnn.data import load_mnist

BEST = {"hidden_sizes": (512, 512), "activation": "relu", "lr": 0.1, "batch_size": 64, "epochs": 5}


def make(folder):
    data = load_mnist(dtype=np.float32)
    net = snn.mlp([784, *BEST["hidden_sizes"], 10], activation_name=BEST["activation"],
                  init="glorot", seed=0, dtype=np.float32)
    snn.fit(net, snn.SGD(net, lr=BEST["lr"]), data["X_train"], data["y_train"], data["X_val"],
            data["y_val"], epochs=BEST["epochs"], batch_size=BEST["batch_size"],
            schedule=snn.schedules.Cosine(BEST["lr"], BEST["epochs"]), progress=False)
    net.save(folder / "mnist_mlp.npz")
