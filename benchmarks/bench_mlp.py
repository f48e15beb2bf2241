"""One MNIST epoch of the seed network 784-512-512-10 (batch 128, SGD 0.1,
Glorot init): the reference library in float32 and float64 against PyTorch on
the CPU (when installed), and against the machine's float32 matmul peak, all
measured in the same run.

    python benchmarks/bench_mlp.py [--repeats 3] [--threads 2]

Prints figures; asserts nothing (the machine is shared: compare ratios).
"""
import argparse
import os
import statistics
import sys
import time

import numpy as np

SIZES = [784, 512, 512, 10]
BATCH, LR = 128, 0.1


def useful_flops(n_examples):
    """Multiply-adds x2 of one epoch: forward and dW for every Linear, dx for
    all but the first (the model skips the gradient it never uses)."""
    per_example = 0
    for i, (d, m) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        per_example += 2 * d * m * (2 if i == 0 else 3)
    return per_example * n_examples


def matmul_peak(dtype, repeats=5):
    """Best GFLOP/s of square GEMMs and of the network's own shapes."""
    rng = np.random.default_rng(0)
    shapes = [(2048, 2048, 2048), (1024, 1024, 1024), (BATCH, 784, 512), (784, BATCH, 512)]
    best = 0.0
    for n, k, m in shapes:
        a, b = rng.random((n, k), dtype=dtype), rng.random((k, m), dtype=dtype)
        a @ b
        reps = max(3, int(2e9 / (2 * n * k * m)))
        for _ in range(repeats):
            start = time.perf_counter()
            for _ in range(reps):
                a @ b
            best = max(best, 2 * n * k * m * reps / (time.perf_counter() - start) / 1e9)
    return best


def scratchnn_epoch(data, dtype):
    import scratchnn as snn
    from scratchnn.train import minibatches, train_step
    X, y = data["X_train"].astype(dtype), data["y_train"]
    model = snn.mlp(SIZES, init="glorot_uniform", seed=0, dtype=dtype)
    opt = snn.SGD(model, lr=LR)
    batches = minibatches(len(X), BATCH, np.random.default_rng(0))
    start = time.perf_counter()
    for idx in batches:
        train_step(model, opt, X[idx], y[idx])
    seconds = time.perf_counter() - start
    return seconds, snn.evaluate(model, data["X_val"].astype(dtype), data["y_val"])[1]


def torch_epoch(data, threads):
    import torch
    from torch import nn
    torch.set_num_threads(threads)
    torch.manual_seed(0)
    layers = []
    for i, (d, m) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        linear = nn.Linear(d, m)
        nn.init.xavier_uniform_(linear.weight)
        nn.init.zeros_(linear.bias)
        layers += [linear] + ([nn.ReLU()] if i < len(SIZES) - 2 else [])
    model = nn.Sequential(*layers)
    opt = torch.optim.SGD(model.parameters(), lr=LR)
    loss_fn = nn.CrossEntropyLoss()
    X = torch.from_numpy(data["X_train"].astype(np.float32))
    y = torch.from_numpy(data["y_train"])
    from scratchnn.train import minibatches
    batches = [torch.from_numpy(i) for i in minibatches(len(X), BATCH, np.random.default_rng(0))]
    start = time.perf_counter()
    for idx in batches:
        opt.zero_grad(set_to_none=True)
        loss_fn(model(X[idx]), y[idx]).backward()
        opt.step()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        pred = model(torch.from_numpy(data["X_val"].astype(np.float32))).argmax(1).numpy()
    return seconds, float(np.mean(pred == data["y_val"]))


def interleaved(runners, repeats):
    """Run each runner once per round, round after round, so that the machine's
    drifts hit all of them alike. Returns {name: [(seconds, val_acc), ...]}."""
    results = {name: [] for name in runners}
    for _ in range(repeats):
        for name, run in runners.items():
            results[name].append(run())
    return results


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    args = parser.parse_args()
    try:
        from threadpoolctl import threadpool_info, threadpool_limits
        threadpool_limits(args.threads)
        blas = ", ".join(f"{i['internal_api']} {i.get('version')} ({i.get('architecture')}, "
                         f"{i['num_threads']} threads)" for i in threadpool_info())
    except ImportError:
        blas = "threadpoolctl not installed: BLAS threads as the environment sets them"

    import data_scripts
    from scratchnn.data import load_mnist
    mnist = os.environ.get("SCRATCHNN_MNIST_DIR") or os.path.join(
        os.path.dirname(__file__), "..", "..", "shared", "datasets", "mnist")
    source = "full" if data_scripts.is_cached("mnist") or os.path.isdir(mnist) else "bundled"
    if source == "full" and not data_scripts.is_cached("mnist"):
        data_scripts.fetch("mnist", source_dir=mnist)
    data = load_mnist(source=source, dtype=np.float32)
    n = len(data["X_train"])

    print(f"NumPy {np.__version__}; BLAS: {blas}")
    print(f"MNIST ({source}): {n} training images, batch {BATCH}, SGD lr {LR}, "
          f"median of {args.repeats} epochs\n")
    peak32, peak64 = matmul_peak(np.float32), matmul_peak(np.float64)
    runners = {"scratchnn float32": lambda: scratchnn_epoch(data, np.float32),
               "scratchnn float64": lambda: scratchnn_epoch(data, np.float64)}
    try:
        import torch
        torch_name = f"PyTorch {torch.__version__} float32"
        runners[torch_name] = lambda: torch_epoch(data, args.threads)
    except ImportError:
        torch_name = None
    results = interleaved(runners, args.repeats)
    seconds = {name: statistics.median(s for s, _ in runs) for name, runs in results.items()}

    flops = useful_flops(n)
    print(f"{'':28}{'s/epoch':>9}{'val acc':>9}{'GFLOP/s':>9}")
    for name, runs in results.items():
        print(f"{name:28}{seconds[name]:9.3f}{runs[-1][1]:9.4f}{flops / seconds[name] / 1e9:9.1f}")
    share32 = flops / seconds["scratchnn float32"] / 1e9 / peak32
    share64 = flops / seconds["scratchnn float64"] / 1e9 / peak64
    print(f"\nmatmul peak: float32 {peak32:.1f} GFLOP/s, float64 {peak64:.1f} GFLOP/s")
    print(f"scratchnn float32 reaches {100 * share32:.0f}% of the float32 peak (target >= 60%)")
    print(f"scratchnn float64 reaches {100 * share64:.0f}% of the float64 peak")
    if torch_name:
        ratios = [a[0] / b[0] for a, b in zip(results["scratchnn float32"], results[torch_name])]
        print(f"scratchnn float32 / PyTorch time: {statistics.median(ratios):.2f} "
              f"(median of {len(ratios)} paired epochs, range {min(ratios):.2f}-{max(ratios):.2f}; "
              f"target <= 0.8)")
    else:
        print("PyTorch is not installed: `pip install torch==2.13.0` for the comparison")
    return 0


if __name__ == "__main__":
    sys.exit(main())
