"""Run All of each notebook with the reference solution, as a student who
finished runs it in Jupyter: per cell its wall time and its longest silence
(the longest stretch without output), and per notebook the kernel's CPU time;
with ``--validate``, also nbgrader's Validate (what the button runs).

    python benchmarks/bench_notebooks.py [a1_backprop/02_mlp ...] [--data bundled|full|both] [--validate]

``bundled``: no dataset fetched (the mini MNIST that ships with the kit);
``full``: the real MNIST, copied into a cache of its own from
``../shared/datasets/mnist`` (or ``SCRATCHNN_MNIST_DIR``). A3 runs on the
synthetic CIFAR-10 stand-in in both. Targets: at most 180 s of CPU per
notebook, no cell silent for more than 10 s, Validate within 60 s.
"""
import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import psutil
from nbclient import NotebookClient

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from autograder import sources  # noqa: E402
from autograder.build.assemble import assemble_source  # noqa: E402

MNIST_DIR = Path(os.environ.get("SCRATCHNN_MNIST_DIR", REPO.parent / "shared" / "datasets" / "mnist"))
SILENCE_S, CPU_S, VALIDATE_S = 10, 180, 60


class TimedClient(NotebookClient):
    """nbclient's client, noting when each output arrives."""

    def output(self, outs, msg, display_id, cell_index):
        self.stamps.setdefault(cell_index, []).append(time.monotonic())
        return super().output(outs, msg, display_id, cell_index)


def data_cache(folder, full):
    """A dataset cache: the CIFAR-10 stand-in, and the full MNIST if ``full``."""
    folder.mkdir(mode=0o755, exist_ok=True)
    env = {**os.environ, "SCRATCHNN_DATA_DIR": str(folder)}
    if full:
        subprocess.run([sys.executable, "-m", "data_scripts", "fetch", "mnist", "--from", str(MNIST_DIR),
                        "--cache-dir", str(folder)], cwd=REPO, env=env, check=True, capture_output=True)
    import importlib.util
    spec = importlib.util.spec_from_file_location("standin", sources.ASSIGNMENTS / "a3_cifar10" / "standin.py")
    standin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(standin)
    standin.make_standin_cache(folder)
    return folder


def solved_folder(root, aid):
    """``source/<aid>/`` (solutions in the notebooks) with the reference modules."""
    folder = assemble_source(root, aid)
    for name, text in sources.reference_modules(aid).items():
        (folder / "scratchnn" / name).write_text(text)
    return folder


def run_all(path):
    """``(rows, cpu_s, wall_s, errors)``: rows of (cell index, first line, wall, longest silence)."""
    nb = nbformat.read(path, as_version=4)
    client = TimedClient(nb, timeout=900, kernel_name="python3", allow_errors=True,
                         resources={"metadata": {"path": str(path.parent)}})
    rows, start = [], time.monotonic()
    with client.setup_kernel():
        client.stamps = {}
        kernel = psutil.Process(client.km.provisioner.process.pid)
        for index, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            began = time.monotonic()
            client.execute_cell(cell, index)
            ended = time.monotonic()
            marks = [began, *client.stamps.get(index, []), ended]
            silence = max(b - a for a, b in zip(marks, marks[1:]))
            rows.append((index, cell.source.splitlines()[0][:60] if cell.source else "", ended - began, silence))
        times = kernel.cpu_times()
        cpu = times.user + times.system + times.children_user + times.children_system
    errors = [f"cell {i}: {o.ename}: {o.evalue[:120]}" for i, c in enumerate(nb.cells) if c.cell_type == "code"
              for o in c.outputs if o.output_type == "error"]
    return rows, cpu, time.monotonic() - start, errors


def validate(path):
    """``(seconds, passed)`` of nbgrader's Validate on ``path``."""
    start = time.monotonic()
    proc = subprocess.run([sys.executable, "-m", "nbgrader", "validate", path.name], cwd=path.parent,
                          capture_output=True, text=True)
    return time.monotonic() - start, "Success! Your notebook passes all the tests." in proc.stdout


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("notebooks", nargs="*", help="<assignment>/<notebook stem>; default: all")
    parser.add_argument("--data", choices=["bundled", "full", "both"], default="both")
    parser.add_argument("--validate", action="store_true", help="also time nbgrader validate")
    parser.add_argument("--cells", action="store_true", help="print every cell, not only the slow ones")
    args = parser.parse_args()
    chosen = args.notebooks or [f"{aid}/{Path(nb).stem}" for aid in sources.assignment_ids()
                                for nb in sources.manifest(aid)["notebooks"]]
    for key in ("CI", "NBGRADER_EXECUTION"):  # a student's Jupyter: progress bars shown
        os.environ.pop(key, None)
    os.environ["MPLBACKEND"] = "Agg"
    with tempfile.TemporaryDirectory(dir="/var/tmp") as tmp:
        os.chmod(tmp, 0o755)
        for data in (["bundled", "full"] if args.data == "both" else [args.data]):
            os.environ["SCRATCHNN_DATA_DIR"] = str(data_cache(Path(tmp) / f"data-{data}", data == "full"))
            folders = {}
            for name in chosen:
                aid, stem = name.split("/")
                if aid not in folders:
                    folders[aid] = solved_folder(Path(tmp) / f"course-{data}", aid)
                path = folders[aid] / f"{stem}.ipynb"
                rows, cpu, wall, errors = run_all(path)
                silent = max(rows, key=lambda r: r[3])
                print(f"{name} on {'the full MNIST' if data == 'full' else 'the bundled subset'}: Run All "
                      f"{wall:.1f} s wall, {cpu:.1f} s kernel CPU (target <= {CPU_S}); longest silence "
                      f"{silent[3]:.1f} s in cell {silent[0]} (target <= {SILENCE_S})"
                      + (f"; {len(errors)} errors" if errors else ""))
                for index, first, seconds, silence in rows:
                    if args.cells or seconds > 2:
                        print(f"    cell {index:3d} {seconds:7.1f} s  silent {silence:5.1f} s  {first}")
                for error in errors:
                    print(f"    {error}")
                if args.validate:
                    seconds, passed = validate(path)
                    print(f"    nbgrader validate: {seconds:.1f} s, {'passed' if passed else 'FAILED'} "
                          f"(target <= {VALIDATE_S} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
