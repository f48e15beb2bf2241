"""Grading speed, end to end (autograde in the sandbox, judgement, feedback,
export), against plain nbgrader measured in the same run:

- one reference submission of each assignment;
- A1's reference submission, ours (``grade``, one worker) against plain
  ``nbgrader autograde`` with nbgrader's own ``Execute`` and no sandbox, in
  alternating rounds (target: ours faster, and <= 8 s);
- a class of ``--class-size`` A1 submissions (the reference and its mutants, in
  turn) with 2 workers (target: 40 in <= 80 s);
- the sandbox's cost per submission: bubblewrap against limits only.

    python benchmarks/bench_grading.py [--class-size 40] [--rounds 3]
"""
import argparse
import importlib.util
import io
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

from autograder.build.assemble import build, nbgrader, write_config
from autograder.grading.grade import grade
from autograder.grading.sandbox import bubblewrap_works
from autograder.harness.submissions import make_submission, mutate, reference_modules
from autograder.settings import grading
from autograder.sources import ASSIGNMENTS, assignment_ids

A1 = "a1_backprop"
# nbgrader's own pipeline, as it comes: appended to a copy of the course's configuration.
PLAIN = '''
c.Autograde.sanitize_preprocessors = ["nbgrader.preprocessors.ClearOutput", "nbgrader.preprocessors.DeduplicateIds",
    "nbgrader.preprocessors.OverwriteKernelspec", "nbgrader.preprocessors.OverwriteCells",
    "nbgrader.preprocessors.CheckCellMetadata"]
c.Autograde.autograde_preprocessors = ["nbgrader.preprocessors.Execute", "nbgrader.preprocessors.IgnorePattern",
    "nbgrader.preprocessors.LimitOutput", "nbgrader.preprocessors.SaveAutoGrades",
    "nbgrader.preprocessors.AssignLatePenalties", "nbgrader.preprocessors.CheckCellMetadata"]
c.Execute.timeout = 30
'''


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


def timed(fn):
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def ours_against_plain(tmp, rounds):
    """A1's reference graded by ``grade`` (one worker, end to end) and by plain
    ``nbgrader autograde``, alternately; medians."""
    ours, plain = Path(tmp) / "ours", Path(tmp) / "plain"
    for course in (ours, plain):
        build(course, [A1], progress=lambda line: None)
        make_submission(course, "reference", A1, reference_modules(A1), solved=True)
    with open(plain / "nbgrader_config.py", "a") as f:
        f.write(PLAIN)
    times = {"ours": [], "plain": []}
    for _ in range(rounds):
        times["ours"].append(timed(lambda: grade(ours, A1, workers=1, progress=io.StringIO())))
        times["plain"].append(timed(lambda: nbgrader(plain, "autograde", A1, "--student=reference", "--force")))
    o, p = statistics.median(times["ours"]), statistics.median(times["plain"])
    print(f"{A1} reference, median of {rounds}: ours {o:.1f} s end to end (sandbox, judgement, feedback, "
          f"export; target <= 8 s), plain nbgrader autograde {p:.1f} s (no sandbox, no judgement, "
          f"no feedback): ours/plain = {o / p:.2f} (target < 1)")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--class-size", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir="/var/tmp") as tmp:
        os.chmod(tmp, 0o755)
        course_dir = Path(tmp) / "course"
        use_cifar_standin(Path(tmp) / "data")
        print(f"build and release, the reference's answers recorded: {timed(lambda: build(course_dir)):.1f} s")
        for aid in assignment_ids():
            make_submission(course_dir, "reference", aid, reference_modules(aid), solved=True)
            seconds = timed(lambda: grade(course_dir, aid, workers=1, progress=io.StringIO()))
            print(f"{aid}: reference submission graded end to end in {seconds:.1f} s")
        ours_against_plain(tmp, args.rounds)
        class_of(course_dir, A1, args.class_size)
        seconds = timed(lambda: grade(course_dir, A1, workers=2, progress=io.StringIO()))
        print(f"{args.class_size} submissions of {A1}, 2 workers: {seconds:.1f} s, "
              f"{args.class_size / seconds * 60:.1f} submissions/min (target: 40 in <= 80 s)")
        sandbox_overhead(course_dir, min(args.class_size, 10))
    return 0


def sandbox_overhead(course_dir, size):
    """The same ``size`` submissions graded with bubblewrap and with limits only
    (one worker), alternating twice; the difference per submission."""
    if not bubblewrap_works():
        print("sandbox overhead: bubblewrap is not available here")
        return
    class_of(course_dir, A1, size)
    settings = grading(course_dir)
    seconds = {"bubblewrap": [], "none": []}
    for isolation in ("bubblewrap", "none", "bubblewrap", "none"):
        settings.isolation = isolation
        write_config(course_dir, settings)
        seconds[isolation].append(timed(lambda: grade(course_dir, A1, workers=1, progress=io.StringIO())) / size)
    with_, without = min(seconds["bubblewrap"]), min(seconds["none"])
    print(f"sandbox overhead: {with_:.2f} s per submission with bubblewrap, {without:.2f} s with "
          f"limits only: {with_ - without:+.2f} s ({100 * (with_ / without - 1):+.0f}%)")


if __name__ == "__main__":
    sys.exit(main())
