"""``demo``, the main job: build and release the course, hand in a small class
of sample submissions, grade it, show the results and write the class report."""
import os
import shutil
import time
from pathlib import Path

from ..build.assemble import build
from ..grading.grade import grade, report
from ..report import build_report, summary
from .submissions import make_submission, mutate, reference_modules

ASSIGNMENT = "a1_backprop"
ANSWER = ("Multiplying numerator and denominator by exp(-max) changes nothing, so the softmax "
          "is the same; without it exp(1000) overflows to inf and inf/inf gives NaN.")


def sample_class(course_dir):
    """Eight students: right, untouched, realistic bugs, an endless loop, a
    tampered test cell, and modules deleted."""
    ref = reference_modules(ASSIGNMENT)
    bug = lambda file, old, new: mutate(ref, file, old, new)  # noqa: E731
    students = {
        "alice": dict(modules=ref, answers={"answer_max_shift": ANSWER}, solved=True),
        "bob": {},
        "carol": dict(modules=bug("losses.py", "    dscores /= n\n", ""), solved=True),
        "dan": dict(modules=bug("layers.py", 'self.grads["b"] = dout.sum(axis=0)',
                                'self.grads["b"] = np.zeros_like(self.params["b"])'), solved=True),
        "erin": dict(modules=bug("losses.py", "    shifted = scores - scores.max(axis=1, keepdims=True)\n"
                                 "    return shifted", "    shifted = scores\n    return shifted"), solved=True),
        "frank": dict(modules={**ref, "layers.py": ref["layers.py"] + "\nwhile True:\n    pass\n"}),
        "grace": dict(modules=bug("layers.py", "return dout * mask", "return dout"), solved=True,
                      edit_cell=("test_relu", 'print("all tests passed")')),
        "heidi": dict(modules=ref, delete=["layers.py", "losses.py"]),
    }
    shutil.rmtree(Path(course_dir) / "submitted", ignore_errors=True)
    for student, kwargs in students.items():
        make_submission(course_dir, student, ASSIGNMENT, **kwargs)
    return students


def plot_scores(results, path):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 3.5))
    scores = [r.score for r in results]
    top = max(r.max_score for r in results)
    ax.hist(scores, bins=range(int(top) + 2), align="left", rwidth=0.8)
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.set(xlabel=f"score (out of {top:g})", ylabel="students",
           title=f"{ASSIGNMENT}: autograded scores")
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)
    return path


def demo(course_dir="course"):
    start = time.perf_counter()
    course_dir = Path(course_dir)
    build(course_dir)
    print(f"built and released {course_dir}/release/{ASSIGNMENT} "
          f"({time.perf_counter() - start:.0f} s; linted: no solution or hidden test leaked)")
    sample_class(course_dir)
    graded = time.perf_counter()
    results = grade(course_dir, ASSIGNMENT, workers=os.cpu_count())
    print(f"graded {len(results)} submissions, {os.cpu_count()} at a time, in "
          f"{time.perf_counter() - graded:.0f} s\n")
    print(report(results))
    plot = plot_scores(results, course_dir / "score_distribution.png")
    print(f"\nfeedback: {course_dir}/feedback/<student>/{ASSIGNMENT}/   grades: {course_dir}/grades.csv")
    print(f"score distribution: {plot}")
    print(summary(build_report(course_dir, ASSIGNMENT)))
    print(f"demo took {time.perf_counter() - start:.0f} s")
