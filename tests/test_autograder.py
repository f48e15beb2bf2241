"""The course pipeline on real nbgrader: strip, build, lint, release, grade,
feedback; and the shared comparison students and the grader both use."""
import json
import shutil
import time

import nbformat
import numpy as np
import pytest

from autograder import sources
from autograder.build import assemble, lint
from autograder.build.strip import MarkerError, strip_solutions
from autograder.grading.grade import grade
from autograder.harness.submissions import make_submission, mutate, reference_modules
from conftest import clone, points
from scratchnn.checks import CheckFailed, check, check_close

AID = "a1_backprop"


# -- stripping -----------------------------------------------------------------
def test_strip_keeps_signature_docstring_and_code_around_the_region():
    source = '''class Layer:
    def forward(self, x):
        """Docstring stays."""
        check(x)  # provided
        ### BEGIN SOLUTION
        # hint: multiply by two
        out = 2 * x
        return out
        ### END SOLUTION
'''
    stripped = strip_solutions(source)
    assert stripped == '''class Layer:
    def forward(self, x):
        """Docstring stays."""
        check(x)  # provided
        # TODO: multiply by two
        raise NotImplementedError("Layer.forward is not implemented yet")
'''
    compile(stripped, "<stripped>", "exec")


def test_strip_removes_hidden_tests_and_rejects_bad_markers():
    assert strip_solutions("a = 1\n### BEGIN HIDDEN TESTS\nassert a\n### END HIDDEN TESTS\nb = 2\n") == "a = 1\nb = 2\n"
    with pytest.raises(MarkerError, match="<text>:3: ### BEGIN SOLUTION inside"):
        strip_solutions("def f():\n    ### BEGIN SOLUTION\n    ### BEGIN SOLUTION\n")
    with pytest.raises(MarkerError, match="never closed"):
        strip_solutions("def f():\n    ### BEGIN SOLUTION\n    return 1\n")


def test_every_stripped_library_module_compiles_and_keeps_no_solution():
    solutions = lint.solution_text_lines()
    for path in sources.LIBRARY.glob("*.py"):
        stripped = strip_solutions(path.read_text())
        compile(stripped, str(path), "exec")
        assert not {l.strip() for l in stripped.splitlines()} & solutions, path.name


# -- the shared comparison -----------------------------------------------------
def test_check_close_messages(capsys):
    check_close("ok", np.ones(3), np.ones(3))
    assert capsys.readouterr().out == "OK  ok\n"
    cases = [
        (None, np.ones(2), "got None: did you forget to return"),
        (np.ones((3, 2)), np.ones((2, 3)), "shape (3, 2) but expected (2, 3) (same numbers of elements"),
        (np.array([1.0, 2.0, 3.5]), np.array([1.0, 2.0, 3.0]),
         "1 of 3 values are off; largest relative error 0.167 (tolerance 1e-06); first at index (2,)"),
        (np.array([1, 2]), np.array([1.0, 2.0]), "dtype int64 but expected floating point"),
        (np.array([np.inf]), np.array([1.0]), "contains inf at index (0,)"),
        ([1.0], np.ones(1), "expected a NumPy array, got list"),
    ]
    for actual, expected, message in cases:
        with pytest.raises(CheckFailed) as err:
            check_close("x", actual, expected)
        assert message in str(err.value)


def test_check_explains_missing_work_and_turns_warnings_into_hints(capsys):
    def todo():
        raise NotImplementedError("Linear.forward is not implemented yet")

    with pytest.raises(CheckFailed, match="not implemented yet"):
        check("Linear.forward", todo, np.ones(1))
    with pytest.raises(CheckFailed, match="hint: NumPy warned 'overflow encountered in exp'"):
        check("softmax", lambda: np.exp(np.array([1000.0])), np.array([1.0]))
    assert capsys.readouterr().err == ""  # nothing on stderr, which nbgrader counts as a failure


# -- the course on real nbgrader -----------------------------------------------
@pytest.fixture(scope="module")
def built(a1_built, tmp_path_factory):
    return clone(a1_built, tmp_path_factory.mktemp("course") / "course")


def test_build_releases_a_clean_assignment(built):
    release = built / "release" / AID
    assert (release / "01_layers.ipynb").exists() and (release / "expected" / "public.npz").exists()
    assert not list(release.rglob("hidden_*"))
    assert (built / "source" / AID / "hidden_expected.npz").exists()
    layers = (release / "scratchnn" / "layers.py").read_text()
    assert "raise NotImplementedError(\"Linear.forward is not implemented yet\")" in layers
    nb = nbformat.read(release / "01_layers.ipynb", as_version=4)
    sources = "\n".join(c.source for c in nb.cells)
    assert "hidden_expected" not in sources and "BEGIN HIDDEN" not in sources
    tests = {c.metadata["nbgrader"]["grade_id"]: c.metadata["nbgrader"]["points"] for c in nb.cells
             if c.metadata["nbgrader"]["grade"]}
    assert tests == {"test_linear_forward": 2, "test_linear_backward": 3, "test_relu": 2,
                     "test_softmax_ce": 3, "test_sequential": 2, "answer_max_shift": 2}
    config = (built / "nbgrader_config.py").read_text()
    assert "'scratchnn/layers.py'" in config and "ClearHiddenTests" in config
    assert lint.lint_release(built) == []


def test_linter_finds_a_planted_leak(built, tmp_path):
    leaky = tmp_path / "release"
    shutil.copytree(built / "release", leaky)
    module = leaky / AID / "scratchnn" / "losses.py"
    module.write_text(module.read_text() + "\n    ### BEGIN SOLUTION\n")
    (leaky / AID / "hidden_expected.npz").write_bytes(b"x")
    ref_line = "dscores[np.arange(n), y] -= 1"
    (leaky / AID / "notes.py").write_text(f"    {ref_line}\n")
    problems = lint.lint_tree(leaky)
    assert any("losses.py" in p and "marker" in p for p in problems)
    assert any("hidden_expected.npz: hidden file" in p for p in problems)
    assert any("notes.py:1" in p and ref_line in p for p in problems)


def test_hidden_tests_show_no_expected_value(tmp_path):
    from autograder.build import expected
    for aid in sources.assignment_ids():
        _, hidden, tolerances = expected.verified(aid)
        assert lint.shown_in_hidden_tests(aid, hidden, tolerances) == []
    planted = tmp_path / "planted.py"
    planted.write_text("# %% kind=\"tests\"\ncheck('visible', f, 1.0)\n### BEGIN HIDDEN TESTS\n"
                       "check('ReLU at 0', lambda: relu(0.0), 0.0)\n"
                       "check('own count', lambda: n, count, fixed=False)\n"
                       "hidden.check('kept', 'relu_x', lambda: x)\nhidden.check('fine', 'relu_out', lambda: y)\n"
                       "### END HIDDEN TESTS\n")
    problems = lint.shown_expected_values(planted, {"relu_out"})
    assert len(problems) == 2, problems
    assert problems[0].startswith("planted.py:4: check() shows its expected value")
    assert problems[1].startswith("planted.py:6: the key 'relu_x' reaches the kernel")


def test_expected_arrays_are_verified_against_the_reference(monkeypatch, tmp_path):
    from autograder.build import expected
    folder = tmp_path / AID / "expected"
    shutil.copytree(expected.committed_dir(AID), folder)
    shutil.copy(expected.ASSIGNMENTS / AID / "expected_recipe.py", tmp_path / AID)
    monkeypatch.setattr(expected, "ASSIGNMENTS", tmp_path)
    expected.verified(AID)  # as committed: reproduced
    arrays = expected.read(folder / "public")
    arrays["linear_out"] = arrays["linear_out"] + 1e-6
    expected.write(folder / "public", arrays, json.loads((folder / "public.json").read_text()))
    with pytest.raises(SystemExit, match="public:linear_out changed"):
        expected.verified(AID)


def test_grading_crafted_submissions(built):
    ref = reference_modules(AID)
    make_submission(built, "reference", AID, ref, answers={"answer_max_shift": "Because."}, solved=True)
    make_submission(built, "untouched", AID)
    make_submission(built, "no-1-over-n", AID, mutate(ref, "losses.py", "    dscores /= n\n", ""))
    make_submission(built, "deleted", AID, ref, delete=["layers.py"])
    make_submission(built, "endless", AID, {**ref, "losses.py": ref["losses.py"] + "\nwhile True:\n    pass\n"})
    make_submission(built, "tampered", AID, mutate(ref, "layers.py", "return dout * mask", "return dout"),
                    edit_cell=("test_relu", "print('OK')"))
    checks = built / "release" / AID / "scratchnn" / "checks.py"
    tampered_checks = built / "submitted" / "tampered" / AID / "scratchnn" / "checks.py"
    tampered_checks.write_text(checks.read_text().replace("    problem = describe_mismatch", "    return\n    problem = describe_mismatch"))
    results = {r.student: r for r in grade(built, AID, workers=2)}
    assert results["reference"].tests == {"test_linear_forward": 2, "test_linear_backward": 3,
                                          "test_relu": 2, "test_softmax_ce": 3, "test_sequential": 2,
                                          "test_initialisers": 2,
                                          "test_gradcheck": 2, "test_sgd": 1, "test_train_step": 2, "test_fit": 2,
                                          "test_tanh": 1, "test_model_size": 1, "test_accuracy": 3}
    assert results["reference"].needs_manual_grade
    assert sum(results["untouched"].tests.values()) == 0
    assert results["no-1-over-n"].tests["test_softmax_ce"] == 0
    assert results["no-1-over-n"].tests["test_linear_backward"] == 3
    assert sum(results["deleted"].tests.values()) == 0  # no fallback on the installed reference
    assert sum(results["endless"].tests.values()) == 0 and not results["endless"].failed
    assert results["endless"].timed_out and "no reply within 8 s" in results["endless"].timed_out[0]
    assert not results["reference"].timed_out and not results["untouched"].timed_out
    # the edited test cell is restored and the provided checks.py replaced: the bug costs points
    assert results["tampered"].tests["test_relu"] == 0
    assert results["tampered"].tests["test_linear_forward"] == 2
    assert (built / "grades.csv").exists()
    # nbgrader reports a locked cell that changed; here only the edited one, never the hidden
    # tests put back into cells as released, nor anything else for an honest submission
    logs = {s: (built / "logs" / AID / f"{s}.log").read_text() for s in results}
    assert "WARNING" not in logs["reference"] and "WARNING" not in logs["untouched"]
    assert logs["tampered"].count("has changed") == 1 and "cell test_relu has changed" in logs["tampered"]
    feedback = (built / "feedback" / "no-1-over-n" / AID / "01_layers.html").read_text()
    assert "hidden_expected" not in feedback and "BEGIN HIDDEN" not in feedback
    assert lint.lint_tree(built / "feedback", solutions=False) == []


def test_grading_lms_zip_downloads(built, tmp_path, capsys):
    """Zips as LMSs hand them out: a folder on top, a suffix after ``__``, the
    handed-in weights inside; one that names no valid student is reported."""
    downloads = tmp_path / "downloads"
    downloads.mkdir()
    for student, modules, top in (("yuki_tanaka", reference_modules(AID), True), ("zoe", {}, False)):
        folder = make_submission(built, f"tmp-{student}", AID, modules, solved=bool(modules))
        shutil.make_archive(str(downloads / f"{student}__attempt_2026-11-20"), "zip",
                            folder.parent if top else folder, AID if top else None)
        shutil.rmtree(folder.parent)
    (downloads / ".reference.zip").write_bytes((downloads / "zoe__attempt_2026-11-20.zip").read_bytes())
    results = {r.student: r for r in grade(built, AID, zip_dir=downloads, workers=2)}
    assert results["yuki_tanaka"].score == points(AID)[0]  # the modules, the notebooks and mnist_mlp.npz all travelled
    assert (built / "submitted" / "yuki_tanaka" / AID / "mnist_mlp.npz").exists()
    assert results["zoe"].score == 0
    out = capsys.readouterr().out
    assert ".reference" not in results and "collect:" in out and ".reference.zip" in out


def test_resume_grades_what_changed_and_reports_the_gradebook(a1_course):
    built = a1_course
    make_submission(built, "ann", AID, reference_modules(AID), solved=True)
    make_submission(built, "ben", AID)
    results = {r.student: r.score for r in grade(built, AID, workers=2)}
    assert results == {"ann": points(AID)[0], "ben": 0}
    assert sorted((built / "logs" / AID).iterdir()) == [built / "logs" / AID / f"{s}.log" for s in ("ann", "ben")]
    stamp = (built / "autograded" / "ann" / AID / "01_layers.ipynb").stat().st_mtime
    make_submission(built, "ben", AID, reference_modules(AID), solved=True)  # a new hand-in
    results = {r.student: r.score for r in grade(built, AID, workers=2, resume=True)}
    assert results == {"ann": points(AID)[0], "ben": points(AID)[0]}  # every score, from the gradebook
    assert (built / "autograded" / "ann" / AID / "01_layers.ipynb").stat().st_mtime == stamp  # not regraded


def test_initialiser_skeletons_keep_their_provided_lines():
    """A student's natural body, written into the released skeleton, works with
    an integer seed: the provided ``rng = np.random.default_rng(rng)`` survives."""
    text = sources.skeleton(sources.LIBRARY / "init.py", AID)
    bodies = {"normal": "return (std * rng.standard_normal(shape)).astype(dtype)",
              "glorot_normal": "return (np.sqrt(2 / (fan_in + fan_out)) * rng.standard_normal(shape)).astype(dtype)",
              "he_normal": "return (np.sqrt(2 / fan_in) * rng.standard_normal(shape)).astype(dtype)",
              "glorot_uniform": "return rng.uniform(-1, 1, shape).astype(dtype)",
              "he_uniform": "return rng.uniform(-1, 1, shape).astype(dtype)",
              "zeros": "return np.zeros(shape, dtype)"}
    for name, body in bodies.items():
        text = text.replace(f'raise NotImplementedError("{name} is not implemented yet")', body)
    module = {}
    exec(compile(text, "init.py", "exec"), module)
    for name in bodies:
        assert module[name]((3, 4), 0).shape == (3, 4), name


def test_the_eta_lays_the_work_left_on_the_workers():
    from autograder.grading.grade import _Progress
    clock = _Progress(6, None, AID)
    clock.begin(["a", "b", "c", "d", "e", "f"], workers=2)
    assert clock.eta() is None  # nothing to go by yet
    clock.took = [4.0, 4.0]
    now = time.monotonic()
    clock.running, clock.queued = {"c": now - 1, "d": now - 1}, ["e", "f"]
    assert 6.9 < clock.eta() < 7.1      # 3 s left on each worker, then one more of 4 s on each
    clock.running, clock.queued = {"c": now - 10}, []
    assert 9.9 < clock.eta() < 10.1     # longer than any so far: as long again, never "0 s left"


def test_report_names_scenarios_and_timeouts():
    from autograder.grading.grade import Result, report
    results = [Result("ann", 3, 5, {"test_a": 3, "test_b": 0}),
               Result("ben", 0, 5, {"test_a": 0, "test_b": 0}, timed_out=["01 cell 2: no reply within 8 s"])]
    text = report(results, {"ann": "solved", "ben": "endless loop"})
    header, ann, ben = text.splitlines()[:3]
    assert header.split() == ["student", "scenario", "a", "b", "total"]
    assert ann.split() == ["ann", "solved", "3", "0", "3/5"] and ben.split()[:3] == ["ben", "endless", "loop"]
    assert "timed out (graded;" in text and "ben (01 cell 2: no reply within 8 s)" in text


def test_a_heartbeat_speaks_up_when_nothing_else_does(capsys):
    import sys
    from autograder.progress import Heartbeat
    with Heartbeat(sys.stdout, lambda: "still here", every=0.5, stamp=True) as out:
        print("started", file=out)
        time.sleep(1.8)
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].endswith("] started") and lines[0].startswith("[")
    assert 2 <= sum(line.endswith("still here") for line in lines) <= 4
