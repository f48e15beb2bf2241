"""Grading speed. One reference submission per assignment, end to end (target:
at most 60 s each on 2 cores); then a class of ``--class-size`` submissions
(the reference and its mutants, in turn) graded with 1 and with 2 workers in
the same run: submissions per minute and the speed-up (target >= 1.7x); and
the sandbox's cost per submission, bubblewrap against limits only.

    python benchmarks/bench_grading.py [--class-size 40]
"""
import argparse
import importlib.util
import io
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from autograder.course import ASSIGNMENTS, assignment_ids, build, manifest, write_config
from autograder.grade import autograde_parallel, grade
from autograder.sandbox import bubblewrap_works
from autograder.submissions import make_submission, mutate, reference_modules


def class_of(course_dir, aid, size):
    """``size`` submissions: the reference, then each mutant of the catalog, over and over."""
    ref = reference_modules(aid)
    variants = [ref] + [mutate(ref, m["file"], m["old"], m["new"])
                        for m in json.loads((ASSIGNMENTS / aid / "mutants.json").read_text()) if "file" in m]
    shutil.rmtree(Path(course_dir) / "submitted", ignore_errors=True)
    for i in range(size):
        make_submission(course_dir, f"student{i:03d}", aid, variants[i % len(variants)], solved=True)


def use_cifar_standin(folder):
    """Without CIFAR-10 in the cache, A3 runs on its synthetic stand-in (real
    sizes), in a cache of its own beside the MNIST one."""
    import data_scripts
    if data_scripts.is_cached("cifar10"):
        return
    folder.mkdir(mode=0o755)
    if data_scripts.is_cached("mnist"):
        shutil.copy(data_scripts.cache_path("mnist"), folder / "mnist.npz")  # the sandbox sees only this folder
    spec = importlib.util.spec_from_file_location("standin", ASSIGNMENTS / "a3_cifar10" / "standin.py")
    standin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(standin)
    standin.make_standin_cache(folder)
    os.environ["SCRATCHNN_DATA_DIR"] = str(folder)
    print("CIFAR-10 is not cached: a3_cifar10 runs on its synthetic stand-in")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--class-size", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        course_dir = Path(tmp) / "course"
        use_cifar_standin(Path(tmp) / "data")
        start = time.perf_counter()
        build(course_dir)
        print(f"build and release: {time.perf_counter() - start:.1f} s")
        for aid in assignment_ids():
            make_submission(course_dir, "reference", aid, reference_modules(aid), solved=True)
            start = time.perf_counter()
            (result,) = grade(course_dir, aid)
            print(f"{aid}: reference submission graded in {time.perf_counter() - start:.1f} s "
                  f"(autograde, feedback and export; target <= 60 s), "
                  f"{sum(result.tests.values()):g} autograded points")
        aid = assignment_ids()[0]
        class_of(course_dir, aid, args.class_size)
        rates = {}
        for workers in (1, 2):
            start = time.perf_counter()
            autograde_parallel(course_dir, aid, workers, force=True, progress=io.StringIO())
            seconds = time.perf_counter() - start
            rates[workers] = args.class_size / seconds * 60
            print(f"{args.class_size} submissions of {aid}, {workers} worker(s): {seconds:.1f} s, "
                  f"{rates[workers]:.1f} submissions/min")
        print(f"speed-up with 2 workers: {rates[2] / rates[1]:.2f}x (target >= 1.7x)")
        sandbox_overhead(course_dir, aid, min(args.class_size, 10))
    return 0


def sandbox_overhead(course_dir, aid, size):
    """The same ``size`` submissions graded with bubblewrap and with limits only
    (one worker), alternating twice; the difference per submission."""
    if not bubblewrap_works():
        print("sandbox overhead: bubblewrap is not available here")
        return
    class_of(course_dir, aid, size)
    seconds = {"bubblewrap": [], "none": []}
    for isolation in ("bubblewrap", "none", "bubblewrap", "none"):
        write_config(course_dir, manifest(aid).get("timeout_s", 30), isolation=isolation)
        start = time.perf_counter()
        autograde_parallel(course_dir, aid, 1, force=True, progress=io.StringIO())
        seconds[isolation].append((time.perf_counter() - start) / size)
    with_, without = min(seconds["bubblewrap"]), min(seconds["none"])
    print(f"sandbox overhead: {with_:.2f} s per submission with bubblewrap, {without:.2f} s with "
          f"limits only: {with_ - without:+.2f} s ({100 * (with_ / without - 1):+.0f}%)")


if __name__ == "__main__":
    sys.exit(main())
