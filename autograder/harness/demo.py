"""``demo``, the main job: build and release a1_backprop, let a sample class
of eight fetch it through nbgrader's exchange, work and submit, collect and
grade it, release the feedback each student then fetches, show the
results and write the class report. Every step prints a line within a few seconds."""
import os
import shutil
import sys
import time
from pathlib import Path

from ..build.assemble import build
from ..grading.grade import grade, report
from ..layout import COURSE_ID, Course
from ..progress import Heartbeat
from ..report import build_report, summary
from . import classroom
from .submissions import do_work, mutate, reference_modules

ASSIGNMENT = "a1_backprop"
TIMEOUT_S = 10  # per cell: the honest cells take well under a second, the endless loop is stopped soon
ANSWER = ("Multiplying numerator and denominator by exp(-max) changes nothing, so the softmax "
          "is the same; without it exp(1000) overflows to inf and inf/inf gives NaN.")


def sample_class():
    """``{student: (scenario, work)}``: right, untouched, realistic bugs, an
    endless loop, a tampered test cell, and modules deleted (``work`` as
    :func:`~.submissions.do_work` takes it)."""
    ref = reference_modules(ASSIGNMENT)
    bug = lambda file, old, new: mutate(ref, file, old, new)  # noqa: E731
    return {
        "alice": ("all solved, written answer", dict(modules=ref, answers={"answer_max_shift": ANSWER},
                                                      solved=True)),
        "bob": ("hands in the release untouched", {}),
        "carol": ("bug: loss gradient not / N", dict(modules=bug("losses.py", "    dscores /= n\n", ""),
                                                      solved=True)),
        "dan": ("bug: Linear's db always 0", dict(modules=bug(
            "layers.py", 'self.grads["b"] = dout.sum(axis=0)', 'self.grads["b"] = np.zeros_like(self.params["b"])'),
            solved=True)),
        "erin": ("bug: softmax without max shift", dict(modules=bug(
            "losses.py", "    shifted = scores - scores.max(axis=1, keepdims=True)\n    return shifted",
            "    shifted = scores\n    return shifted"), solved=True)),
        "frank": ("endless loop in layers.py", dict(modules={**ref, "layers.py": ref["layers.py"]
                                                            + "\nwhile True:\n    pass\n"})),
        "grace": ("ReLU bug, test cell edited", dict(modules=bug("layers.py", "return dout * mask", "return dout"),
                                                     solved=True, edit_cell=("test_relu", 'print("all tests passed")'))),
        "heidi": ("deleted layers.py, losses.py", dict(modules=ref, delete=["layers.py", "losses.py"])),
    }


def fresh_start(course, students):
    """The sample class's earlier run is gone: its homes, hand-ins, grades' files and the exchange."""
    for student in students:
        for folder in (classroom.homes(course) / student, course.submitted(student, ASSIGNMENT).parent,
                       course.autograded(student, ASSIGNMENT).parent, course.feedback(student, ASSIGNMENT).parent):
            shutil.rmtree(folder, ignore_errors=True)
    shutil.rmtree(classroom.exchange_root(course) / COURSE_ID, ignore_errors=True)


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


class _Narrator:
    """Lines stamped with the seconds since the start; after a few silent
    seconds, a line saying what is still going on."""

    def __init__(self):
        self.doing, self.since = "starting", time.monotonic()
        self.out = Heartbeat(sys.stdout, self.status, every=7, stamp=True)  # grade speaks up after 5 s

    def say(self, line, doing=None):
        print(line, file=self.out, flush=True)
        self.doing, self.since = doing or line.strip(), time.monotonic()

    def status(self):
        return f"  ... {self.doing} ({time.monotonic() - self.since:.0f} s)"


def demo(course_dir="course"):
    start, times, course_dir = time.monotonic(), {}, Path(course_dir)
    students, narrator = sample_class(), _Narrator()
    say = narrator.say
    with narrator.out as out:
        say(f"scratchnn demo: {ASSIGNMENT} for a class of {len(students)} through nbgrader's exchange, "
            f"graded {os.cpu_count()} at a time (per-cell time limit {TIMEOUT_S} s)")
        say(f"building {course_dir}/ ({ASSIGNMENT} only)", "building")
        build(course_dir, [ASSIGNMENT], timeout_s=TIMEOUT_S, progress=lambda line: say(f"  {line}"))
        course = Course(course_dir)
        times["build"] = time.monotonic() - start

        mark = time.monotonic()
        fresh_start(course, students)
        classroom.release(course, ASSIGNMENT)
        say(f"instructor: nbgrader release_assignment {ASSIGNMENT} (exchange: {classroom.exchange_root(course)})")
        say("students: nbgrader fetch_assignment, work, nbgrader submit")
        for name, (scenario, work) in students.items():
            student = classroom.Student(name, classroom.homes(course) / name, course)
            folder = student.fetch(ASSIGNMENT)
            do_work(course, ASSIGNMENT, folder, **work)
            student.submit(ASSIGNMENT)
            say(f"  {name:6} {scenario:31} fetched into {folder.relative_to(course.root.parent)}, worked, submitted")
        classroom.collect(course, ASSIGNMENT, check_owner=False)  # the sample students share one OS user
        say(f"instructor: nbgrader collect {ASSIGNMENT}: {len(course.students(ASSIGNMENT))} submissions "
            f"into {course_dir}/submitted/")
        times["exchange"] = time.monotonic() - mark

        mark = time.monotonic()
        say(f"grading: nbgrader autograde and generate_feedback per submission, {os.cpu_count()} at a time",
            "grading")
        results = grade(course_dir, ASSIGNMENT, workers=os.cpu_count(), progress=out)
        times["grading"] = time.monotonic() - mark

        mark = time.monotonic()
        classroom.release_feedback(course, ASSIGNMENT)
        say(f"instructor: nbgrader release_feedback {ASSIGNMENT}")
        fetched = {name: classroom.Student(name, classroom.homes(course) / name, course).fetch_feedback(ASSIGNMENT)
                   for name in students}
        got = [name for name, files in fetched.items() if files]
        example = fetched[got[0]][0].relative_to(course.root.parent) if got else "-"
        say(f"students: nbgrader fetch_feedback: {len(got)} of {len(students)} have their feedback "
            f"(e.g. {example})")
        times["exchange"] += time.monotonic() - mark
        plot = plot_scores(results, course_dir / "score_distribution.png")
    print("\n" + report(results, {name: scenario for name, (scenario, _) in students.items()}))
    print(f"\nfeedback: {course_dir}/feedback/<student>/{ASSIGNMENT}/   grades: {course_dir}/grades.csv   "
          f"score distribution: {plot}")
    print(summary(build_report(course_dir, ASSIGNMENT)))
    print(f"demo took {time.monotonic() - start:.0f} s ("
          + ", ".join(f"{k} {v:.0f} s" for k, v in times.items()) + ")")
    return results
