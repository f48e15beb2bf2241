"""How long the autograder takes on one reference submission of each
assignment (target: at most 60 s each on 2 cores).

    python benchmarks/bench_grading.py
"""
import sys
import tempfile
import time
from pathlib import Path

from autograder.course import assignment_ids, build
from autograder.grade import grade
from autograder.submissions import make_submission, reference_modules


def main():
    with tempfile.TemporaryDirectory() as tmp:
        course_dir = Path(tmp) / "course"
        start = time.perf_counter()
        build(course_dir)
        print(f"build and release: {time.perf_counter() - start:.1f} s")
        for aid in assignment_ids():
            make_submission(course_dir, "reference", aid, reference_modules(), solved=True)
            start = time.perf_counter()
            (result,) = grade(course_dir, aid)
            seconds = time.perf_counter() - start
            print(f"{aid}: reference submission graded in {seconds:.1f} s "
                  f"(autograde, feedback and export; target <= 60 s), "
                  f"{sum(result.tests.values()):g} autograded points")
    return 0


if __name__ == "__main__":
    sys.exit(main())
