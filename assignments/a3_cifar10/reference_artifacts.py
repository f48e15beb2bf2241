"""What a solved Assignment 3 hands in besides its notebook: the trained
weights ``cifar_mlp.npz`` and the test-set predictions
``cifar10_predictions.csv``, made by running the notebook's own cells (its
preprocessing, network, final hyperparameters, training and prediction
cells, seeded) with the reference library. Needs CIFAR-10, or the stand-in
(``standin.py``), in the cache that ``SCRATCHNN_DATA_DIR`` selects."""
import contextlib
import io
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
from notebook_cells import namespace  # noqa: E402

CELLS = ["preprocess", "apply_preprocess", "build_network", "final_hyperparameters",
         "final_training", "write_predictions"]


def make(folder):
    os.environ.setdefault("MPLBACKEND", "Agg")
    import matplotlib.pyplot as plt
    extra = ("data = load_cifar10(num_test=10000)\n"
             "import matplotlib.pyplot as plt\nplt.show = lambda *a, **k: plt.close('all')\n")
    with contextlib.chdir(folder), contextlib.redirect_stdout(io.StringIO()):
        namespace(CELLS, extra)
    plt.close("all")
    return [Path(folder) / "cifar_mlp.npz", Path(folder) / "cifar10_predictions.csv"]
