"""One grading path: the same crafted class graded five ways (nbgrader's own
CLI per student, formgrader's Autograde button against a running formgrader,
and `grade` serial, with two workers and on a local Dask cluster) leaves the
same scores, flags and `nbgrader export` rows in the gradebook; the feedback
of a judged cell says why it lost its points."""
import csv

import pytest
from nbgrader.api import Gradebook

from autograder.build.assemble import nbgrader
from autograder.grading.grade import grade
from autograder.harness.hostile import delete_and_duplicate_tests
from autograder.harness.submissions import make_submission, mutate, reference_modules
from autograder.layout import COURSE_ID
from autograder.settings import gradebook_url
from conftest import clone, points
from formgrader_server import running_formgrader

AID = "a1_backprop"
TANH_BY_EXP = ("        self.cache = np.tanh(x)",
               "        self.cache = (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))")


def crafted_class(course):
    """The reference (weights handed in), the untouched release, a tanh that
    overflows at +-1000, which only the judgement of a hidden check catches,
    and a notebook with a test cell deleted and another duplicated."""
    ref = reference_modules(AID)
    make_submission(course, "reference", AID, ref, solved=True)
    make_submission(course, "untouched", AID)
    make_submission(course, "tanh_by_exp", AID, mutate(ref, "layers.py", *TANH_BY_EXP), solved=True)
    delete_and_duplicate_tests(make_submission(course, "tampered", AID, ref, solved=True))
    return ["reference", "tampered", "tanh_by_exp", "untouched"]


def by_hand(course, students):
    for student in students:
        nbgrader(course, "autograde", AID, f"--student={student}", "--force")


def by_formgrader(course, students):
    with running_formgrader(course) as fg:
        assert fg.get("/formgrader")[0] == 200
        for student in students:
            reply = fg.autograde(AID, student)
            assert reply["success"], reply.get("error")


WAYS = {
    "nbgrader autograde": by_hand,
    "formgrader": by_formgrader,
    "grade, serial": lambda course, _: grade(course, AID, workers=1),
    "grade --workers 2": lambda course, _: grade(course, AID, workers=2),
    "grade --dask local": lambda course, _: grade(course, AID, workers=2, dask="local"),
}


def gradebook_rows(course, students):
    """``{student: (score, needs manual grade, {cell: score})}`` and the export's rows."""
    rows = {}
    with Gradebook(gradebook_url(course), COURSE_ID) as gb:
        for student in students:
            sub = gb.find_submission(AID, student)
            cells = {g.name: (g.score, g.needs_manual_grade) for nb in sub.notebooks for g in nb.grades}
            rows[student] = (sub.score, sub.needs_manual_grade, cells)
    nbgrader(course, "export", f"--to={course / 'export.csv'}")
    with open(course / "export.csv") as f:
        exported = sorted(tuple(r.values()) for r in csv.DictReader(f))
    return rows, exported


@pytest.fixture(scope="module")
def graded_five_ways(a1_built, tmp_path_factory):
    graded = {}
    for way, run in WAYS.items():
        course = clone(a1_built, tmp_path_factory.mktemp("course") / "course")
        students = crafted_class(course)
        run(course, students)
        graded[way] = (course, gradebook_rows(course, students))
    return graded


def test_every_way_of_grading_leaves_the_same_gradebook(graded_five_ways, capsys):
    (first, (_, (rows, exported))), *others = graded_five_ways.items()
    with capsys.disabled():
        print("\n" + "way".ljust(22) + "".join(s.rjust(16) for s in rows) + "   export rows")
        for way, (_, (r, e)) in graded_five_ways.items():
            print(way.ljust(22) + "".join(f"{r[s][0]:g}{'*' if r[s][1] else ''}".rjust(16) for s in rows)
                  + f"   {'same' if e == exported else 'DIFFERENT'}")
        print("(* needs manual grading)")
    assert rows["reference"][0] == points(AID)[0] and rows["untouched"][0] == 0
    assert rows["tanh_by_exp"][2]["test_tanh"][0] == 0   # only the judgement of a hidden check sees it
    assert rows["tanh_by_exp"][0] == points(AID)[0] - 1
    assert rows["tampered"][0] == points(AID)[0] and rows["tampered"][2]["test_relu"] == (2, True)  # restored, flagged
    for way, (_, (other_rows, other_exported)) in others:
        assert other_rows == rows, way
        assert other_exported == exported, way


def test_feedback_says_why_a_judged_cell_lost_its_points(graded_five_ways):
    course, _ = graded_five_ways["grade --workers 2"]
    html = (course / "feedback" / "tanh_by_exp" / AID / "02_mlp.html").read_text()
    assert "GraderCheck" in html and "Tanh.forward does not overflow at +-1000" in html
    assert "pre-wrap" in html  # long messages wrap
    assert "hidden_expected" not in html and "BEGIN HIDDEN" not in html
    tampered = (course / "feedback" / "tampered" / AID / "01_layers.html").read_text()
    assert "this test cell was deleted; it was restored from the release" in tampered
