"""The class report on a crafted class graded for real: failure reasons
grouped and counted, similar submissions paired (and an independent one
not), written answers' manual scores, LMS exports that parse back to the
gradebook's totals, and the page as headless Chromium shows it."""
import csv
import re
import shutil
import subprocess
import textwrap

import numpy as np
import pytest
from nbgrader.api import Gradebook, MissingEntry

from autograder.grading.grade import grade
from autograder.harness.submissions import make_submission, mutate, reference_modules
from autograder.layout import COURSE_ID
from autograder.report import build_report, summary
from autograder.report.items import normalise
from autograder.settings import gradebook_url
from conftest import clone, debian_package, points

AID = "a1_backprop"

# One student's own solution of the 01_layers pieces (not the reference's), ...
PAIR_A = {
    "Linear.forward": """
        flat = x.reshape(x.shape[0], -1)
        self.cache = (flat, x.shape)
        out = np.dot(flat, self.params["W"])
        out += self.params["b"]
        return out""",
    "Linear.backward": """
        weights = self.params["W"]
        grad_w = np.dot(x2d.T, dout)
        grad_b = np.sum(dout, axis=0)
        self.grads["W"], self.grads["b"] = grad_w, grad_b
        if input_grad:
            grad_x = np.dot(dout, weights.T)
            return grad_x.reshape(x_shape)
        return None""",
    "ReLU.forward": """
        positive = x > 0
        self.cache = positive
        return np.where(positive, x, 0.0)""",
    "ReLU.backward": """
        result = np.where(mask, dout, 0.0)
        return result""",
    "softmax": """
        top = np.max(scores, axis=1, keepdims=True)
        e = np.exp(scores - top)
        total = np.sum(e, axis=1, keepdims=True)
        return e / total""",
    "log_softmax": """
        top = np.max(scores, axis=1, keepdims=True)
        return scores - top - np.log(np.sum(np.exp(scores - top), axis=1, keepdims=True))""",
    "softmax_cross_entropy": """
        count = scores.shape[0]
        rows = np.arange(count)
        top = np.max(scores, axis=1, keepdims=True)
        logp = (scores - top) - np.log(np.sum(np.exp(scores - top), axis=1, keepdims=True))
        loss = -np.sum(logp[rows, y]) / count
        grad = np.exp(logp)
        grad[rows, y] -= 1.0
        return float(loss), grad / count""",
    "glorot_uniform": """
        bound = np.sqrt(6.0 / (fan_in + fan_out))
        weights = rng.uniform(low=-bound, high=bound, size=shape)
        return weights.astype(dtype)""",
    "l2_penalty": """
        total = 0.0
        grads = {}
        for name, w in weights.items():
            total += float(np.sum(np.square(w)))
            grads[name] = reg * w
        return 0.5 * reg * total, grads""",
}
# ... the same code with its variables renamed (the other student's copy, whose
# functions are also reordered below) ...
RENAMED = {"flat": "x_flat", "out": "result_", "weights": "W_mat", "grad_w": "dW", "grad_b": "db",
           "grad_x": "dx", "positive": "is_pos", "result": "passed", "top": "row_max", "e": "exps",
           "total": "denom", "count": "n_samples", "rows": "idx", "logp": "log_probs", "grad": "d_scores",
           "loss": "mean_loss", "name": "key", "bound": "lim", "w": "mat", "grads": "gradients"}
# ... and a student who wrote them independently.
INDEPENDENT = {
    "Linear.forward": """
        n = x.shape[0]
        flat = np.reshape(x, (n, self.in_features))
        self.cache = (flat, x.shape)
        return np.einsum("nd,dm->nm", flat, self.params["W"]) + self.params["b"][None, :]""",
    "Linear.backward": """
        self.grads["b"] = np.einsum("nm->m", dout)
        self.grads["W"] = np.einsum("nd,nm->dm", x2d, dout)
        return np.einsum("nm,dm->nd", dout, self.params["W"]).reshape(x_shape) if input_grad else None""",
    "ReLU.forward": """
        self.cache = (x > 0).astype(x.dtype)
        return np.maximum(x, 0)""",
    "ReLU.backward": """
        out = dout.copy()
        out[mask == 0] = 0
        return out""",
    "softmax": """
        z = scores - np.amax(scores, axis=-1)[:, None]
        np.exp(z, out=z)
        z /= z.sum(axis=-1)[:, None]
        return z""",
    "log_softmax": """
        m = np.amax(scores, axis=-1)[:, None]
        return scores - m - np.log(np.exp(scores - m).sum(axis=-1))[:, None]""",
    "softmax_cross_entropy": """
        shift = scores - np.amax(scores, axis=-1)[:, None]
        lse = np.log(np.exp(shift).sum(axis=-1))
        onehot = np.eye(scores.shape[1])[y]
        loss = np.mean(lse - (shift * onehot).sum(axis=-1))
        return float(loss), (softmax(scores) - onehot) / len(y)""",
    "glorot_uniform": """
        a = (6 / sum(shape)) ** 0.5
        return (a * (2 * rng.random(shape) - 1)).astype(dtype)""",
    "l2_penalty": """
        squares = [np.vdot(w, w) for w in weights.values()]
        grads = dict(zip(weights, (w * reg for w in weights.values())))
        return 0.5 * reg * float(np.sum(squares)), grads""",
}
ANSWER = "exp(-max) cancels between numerator and denominator; exp(1000) overflows to inf, inf/inf is nan."


def fill(skeleton, bodies):
    """The released skeleton with each named TODO replaced by a body."""
    for where, body in bodies.items():
        line = re.search(rf'^( *)raise NotImplementedError\("{re.escape(where)} is not implemented yet"\)\n',
                         skeleton, re.M)
        body = textwrap.indent(textwrap.dedent(body).strip("\n"), line.group(1))
        skeleton = skeleton[:line.start()] + body + "\n" + skeleton[line.end():]
    return skeleton


def rename(bodies):
    """Local names renamed (attributes such as ``self.grads`` stay)."""
    return {k: re.sub(r"(?<!\.)\b\w+\b", lambda m: RENAMED.get(m.group(0), m.group(0)), v)
            for k, v in bodies.items()}


def reorder(module, first):
    """``module`` with its top-level definitions ``first`` moved to the front."""
    head, *defs = re.split(r"\n(?=(?:def|class) )", module)
    named = {re.match(r"(?:def|class) (\w+)", d).group(1): d for d in defs}
    ordered = [named[n] for n in first] + [d for n, d in named.items() if n not in first]
    return "\n".join([head, *ordered]) + "\n"


def own_modules(course, bodies):
    """The release's modules with ``bodies`` filled in (the rest left to do)."""
    where = lambda name: ("layers.py" if "." in name else "init.py" if name == "glorot_uniform"  # noqa: E731
                          else "losses.py")
    release = course / "release" / AID / "scratchnn"
    return {module: fill((release / module).read_text(), {k: v for k, v in bodies.items() if where(k) == module})
            for module in ("layers.py", "losses.py", "init.py")}


SCALE = ("    dscores /= n\n", "")                  # dscores not divided by n ...
SCALE_TWICE = ("    dscores /= n\n", "    dscores /= n * n\n")  # ... or divided by n twice
NO_SHIFT = ("    shifted = scores - scores.max(axis=1, keepdims=True)\n    return shifted",
            "    shifted = scores\n    return shifted")
RELU = ("return dout * mask", "return dout")


def test_reasons_differing_only_in_numbers_or_quoted_values_are_one_group():
    three = "CheckFailed: dx: 3 of 24 values are off; largest relative error 0.5 (tolerance 1e-06); first at index (0, 2)"
    five = "CheckFailed: dx: 5 of 24 values are off; largest relative error 12 (tolerance 1e-06); first at index (1, 0)"
    assert normalise(three) == normalise(five) == (
        "CheckFailed: dx: N of N values are off; largest relative error N (tolerance N); first at index (N, N)")
    assert normalise("hint: NumPy warned 'overflow encountered in exp'") == normalise("hint: NumPy warned 'x'")
    judged = "check 'loss on scores near 1000' is wrong; check 'fc1.W' never gave its answer"
    assert normalise(judged) == judged  # which check failed is kept whole
    assert normalise("NameError: name 'fc2' is not defined") == "NameError: name '…' is not defined"


@pytest.fixture(scope="module")
def graded(a1_built, tmp_path_factory):
    course = clone(a1_built, tmp_path_factory.mktemp("course") / "course")
    ref = reference_modules(AID)
    pair_a = own_modules(course, PAIR_A)
    pair_b = own_modules(course, rename(PAIR_A))
    pair_b.update({"layers.py": reorder(pair_b["layers.py"], ["Layer", "Tanh", "ReLU", "Linear"]),
                   "losses.py": reorder(pair_b["losses.py"], ["l2_penalty", "softmax_cross_entropy", "log_softmax"])})
    students = {
        "reference": dict(modules=ref, answers={"answer_max_shift": ANSWER}, solved=True),
        "untouched": {},
        "scale_a": dict(modules=mutate(ref, "losses.py", *SCALE)),
        "scale_b": dict(modules=mutate(ref, "losses.py", *SCALE_TWICE)),
        "no_shift": dict(modules=mutate(ref, "losses.py", *NO_SHIFT)),
        "relu_bug": dict(modules=mutate(ref, "layers.py", *RELU)),
        "pair_a": dict(modules=pair_a),
        "pair_b": dict(modules=pair_b),
        "independent": dict(modules=own_modules(course, INDEPENDENT)),
    }
    assert pair_a != pair_b
    for student, kwargs in students.items():
        make_submission(course, student, AID, **kwargs)
    grade(course, AID, workers=2)
    with Gradebook(gradebook_url(course), COURSE_ID) as gb:  # what formgrader's Manual Grading saves
        mark = gb.find_grade("answer_max_shift", "01_layers", AID, "reference")
        mark.manual_score, mark.needs_manual_grade = 2.0, False
        gb.db.commit()
    return course, build_report(course, AID)


def test_failure_reasons_are_grouped_and_counted_exactly(graded):
    _, report = graded
    groups = {cell: {frozenset(g.students): g for g in gs} for cell, gs in report.groups.items()}
    assert set(groups["test_softmax_ce"]) == {frozenset({"scale_a", "scale_b"}), frozenset({"no_shift"}),
                                              frozenset({"untouched"})}
    scaled = groups["test_softmax_ce"][frozenset({"scale_a", "scale_b"})]
    assert "softmax_cross_entropy dscores: N of N values are off" in scaled.pattern
    by_id = {s.id: s for s in report.data.students}
    reasons = [by_id[who].reasons["test_softmax_ce"][0] for who in ("scale_a", "scale_b")]
    assert reasons[0] != reasons[1] and normalise(reasons[0]) == normalise(reasons[1])  # numbers differ
    # a visible check names it now: the public scores include some near 1000
    assert "of scores near N: contains -N" in groups["test_softmax_ce"][frozenset({"no_shift"})].pattern
    assert set(groups["test_relu"]) == {frozenset({"relu_bug"}), frozenset({"untouched"})}
    assert "not implemented yet" in groups["test_relu"][frozenset({"untouched"})].pattern
    assert groups["test_linear_forward"].keys() == {frozenset({"untouched"})}
    shares = {s.id: s.marks["test_relu"].score for s in report.data.graded}
    assert shares == {s: (0 if s in ("relu_bug", "untouched") else 2) for s in shares}


def test_similar_submissions_are_paired_and_an_independent_one_is_not(graded):
    _, report = graded
    pairs = {frozenset((p.a, p.b)): p for p in report.pairs}
    assert frozenset({"pair_a", "pair_b"}) in pairs
    copied = pairs[frozenset({"pair_a", "pair_b"})]
    assert min(copied.share_a, copied.share_b) > 0.75
    assert "highlight" in copied.html_a and "x_flat" in copied.html_a + copied.html_b
    for pair in pairs:
        assert "independent" not in pair, pair
        assert "untouched" not in pair, pair  # the skeleton's own lines never count
        assert not (pair & {"pair_a", "pair_b"} and "reference" in pair), pair
    # the reference's bug-fixed copies are copies: listed too
    assert frozenset({"reference", "relu_bug"}) in pairs


def test_manual_scores_and_exports_match_the_gradebook(graded):
    course, report = graded
    page = report.path.read_text()
    assert "<b>answer_max_shift</b> (01_layers): 1 of 9 scored, mean 2.00 of 2" in page
    expected, top = {}, None
    with Gradebook(gradebook_url(course), COURSE_ID) as gb:
        top = gb.find_assignment(AID).max_score
        for student in gb.students:
            try:
                sub = gb.find_submission(AID, student.id)
            except MissingEntry:
                expected[student.id] = None
                continue
            expected[student.id] = max(0.0, sub.score - sub.late_submission_penalty)
    assert expected["reference"] == points(AID)[0] + 2  # autograded + the 2 entered by hand
    with open(course / "reports" / AID / "canvas.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    assert list(rows[0])[:5] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section"]
    column = list(rows[0])[5]
    assert rows[0]["Student"] == "Points Possible" and float(rows[0][column]) == top
    canvas = {r["SIS User ID"]: float(r[column]) if r[column] else None for r in rows[1:]}
    with open(course / "reports" / AID / "moodle.csv", newline="") as f:
        moodle = {r["ID number"]: float(r[AID]) if r[AID] else None for r in csv.DictReader(f)}
    assert canvas == expected and moodle == expected


def test_page_is_self_contained_and_links_feedback(graded):
    course, report = graded
    page = report.path.read_text()
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page)  # nothing from the network
    assert page.count('src="data:image/png;base64,') == 3
    for href in re.findall(r'href="([^"#][^"]*)"', page):
        assert (report.path.parent / href).exists(), href
    assert 'href="../../feedback/pair_a/a1_backprop/01_layers.html"' in page
    for section in ("Scores", "Test cells", "Submissions to look at", "Written answers",
                    "Similar submissions", "All students", "Exports"):
        assert f">{section}</h2>" in page
    assert "never a verdict" in page and "pair_a</b> and <b>pair_b" in page
    assert "class report: " in summary(report)


def test_page_opens_in_headless_chromium(graded, tmp_path):
    _, report = graded
    browser = shutil.which("chromium")
    if browser is None:
        debian_package("chromium")
        browser = shutil.which("chromium")
    shot = tmp_path / "class_report.png"
    done = subprocess.run([browser, "--headless=new", "--no-sandbox", "--disable-gpu",
                           f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
                           "--window-size=1280,2000", report.path.as_uri()],
                          capture_output=True, text=True, timeout=120)
    assert shot.exists(), done.stderr[-2000:]
    import matplotlib.image
    pixels = matplotlib.image.imread(shot)
    assert pixels.shape[:2] == (2000, 1280)
    assert np.std(pixels[..., :3]) > 0.05  # text and figures, not a blank page
    print(f"\nscreenshot of the class report: {shot}")
