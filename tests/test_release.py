"""What a release hands students, read from the sources without building:
each assignment's TODOs are its own (later assignments' functions are stubs
that say which assignment brings them), every skeleton keeps the reference's
provided lines, every written question is visible and its rubric is not, and
the README's assignment table matches the manifests and notebooks."""
import ast
import re

import pytest

from autograder import sources
from autograder.build import lint
from autograder.build.assemble import notebook_from_source
from autograder.build.strip import regions, strip_solutions

MODULES = sorted(sources.LIBRARY.glob("*.py"))


def _function_spans(text):
    """``{qualname: (first line, last line)}`` (0-based) of every function of ``text``."""
    spans = {}

    def visit(node, prefix):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                name = f"{prefix}{child.name}"
                if not isinstance(child, ast.ClassDef):
                    spans[name] = (child.lineno - 1, child.end_lineno - 1)
                visit(child, name + ".")
    visit(ast.parse(text), "")
    return spans


def _todos(text):
    """``(qualname, line)`` of every TODO and every "comes with" stub of a skeleton."""
    spans = _function_spans(text)
    found = []
    for i, line in enumerate(text.splitlines()):
        if "# TODO" in line or "comes with" in line:
            owner = [name for name, (a, b) in spans.items() if a <= i <= b]
            found.append((max(owner, key=len) if owner else None, line.strip()))
    return found


@pytest.mark.parametrize("aid", sources.assignment_ids())
def test_a_release_holds_exactly_its_assignments_todos(aid):
    own, later = [], []
    ids = sources.assignment_ids()
    for path in MODULES:
        for function, line in _todos(sources.skeleton(path, aid)):
            qualname = f"{path.stem}.{function}"
            owner = sources.owner(qualname)
            if line.startswith("# TODO"):
                assert owner == aid, f"{aid}'s release: {qualname} is a TODO, but {owner} writes it"
                own.append(qualname)
            else:
                assert owner in ids[ids.index(aid) + 1:], f"{aid}'s release: {qualname} says {line!r}"
                assert f"({owner})" in line, line
                later.append(qualname)
    assert own, f"{aid}'s release has no TODO"
    print(f"{aid}: {len(own)} TODOs, all its own; {len(later)} stubs of later assignments")


def test_every_solution_region_has_an_owner():
    for path in MODULES:
        text = path.read_text()
        spans = _function_spans(text)
        for start, _ in regions(text, filename=str(path)):
            function = max((n for n, (a, b) in spans.items() if a <= start <= b), key=len)
            assert sources.owner(f"{path.stem}.{function}"), f"{path.name}:{start + 1}: no manifest writes {function}"


@pytest.mark.parametrize("aid", sources.assignment_ids())
def test_skeletons_keep_every_provided_line(aid):
    """Function by function, a skeleton is the reference outside its solution
    regions: each region becomes its stub (or stays, solved), nothing else moves."""
    for path in MODULES:
        reference = path.read_text()
        lines, marked = reference.splitlines(), set()
        for start, stop in regions(reference, filename=str(path)):
            marked.update(range(start, stop + 1))
        skeleton = sources.skeleton(path, aid)
        solved = strip_solutions(reference, keep=lambda where: True).splitlines()
        ref_spans, skel_spans = _function_spans(reference), _function_spans(skeleton)
        assert set(ref_spans) == set(skel_spans), path.name
        for name, (a, b) in ref_spans.items():
            provided = [lines[i] for i in range(a, b + 1) if i not in marked]
            s, e = skel_spans[name]
            got = [line for line in skeleton.splitlines()[s:e + 1]
                   if not (line.strip().startswith(("# TODO", "raise NotImplementedError(")) and line not in solved)]
            kept_solution = [line for line in got if line not in provided]
            assert [line for line in got if line in provided] == provided, f"{path.name}: {name} lost a provided line"
            assert all(line in solved for line in kept_solution), f"{path.name}: {name}: {kept_solution}"


NOTEBOOKS = [(aid, nb) for aid in sources.assignment_ids() for nb in sources.manifest(aid)["notebooks"]]


@pytest.mark.parametrize("aid, source", NOTEBOOKS, ids=[f"{a}/{n}" for a, n in NOTEBOOKS])
def test_every_written_question_is_visible_and_its_rubric_is_not(aid, source):
    nb = notebook_from_source(sources.ASSIGNMENTS / aid / source)
    assert lint.written_answer_problems(nb, source) == []


def test_the_written_answer_rule_finds_what_the_release_would_hide():
    nb = notebook_from_source(sources.ASSIGNMENTS / "a1_backprop" / "01_layers.py")
    answers = [i for i, c in enumerate(nb.cells) if c.metadata["nbgrader"]["solution"] and c.cell_type == "markdown"]
    assert answers
    i = answers[0]
    nb.cells[i].source = "**Why?** Explain.\n\nYOUR ANSWER HERE"  # the question inside the answer cell
    nb.cells[i - 1].source = "## 5. Written answer\n\n*Marking:* 1 point for the overflow."
    problems = lint.written_answer_problems(nb, "planted")
    assert any("rubric text outside" in p for p in problems), problems
    assert any("holds more than 'YOUR ANSWER HERE'" in p for p in problems), problems
    assert any("no question before it" in p for p in problems), problems


def _readme_table():
    """``{assignment: {notebook stem: "tests + written"}}`` from the README's table."""
    text = (sources.REPO / "README.md").read_text()
    table = text.split("## Assignments", 1)[1].split("\n\n", 2)[1]
    rows, current = {}, None
    for line in table.splitlines()[2:]:
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if cells[0]:
            current = re.match(r"`(\w+)`", cells[0]).group(1)
            rows[current] = {}
        rows[current][re.match(r"`(\w+)`", cells[1]).group(1)] = cells[2]
    return rows


def _points(aid, source):
    nb = notebook_from_source(sources.ASSIGNMENTS / aid / source)
    graded = [c for c in nb.cells if c.metadata["nbgrader"]["grade"]]
    tests = sum(c.metadata["nbgrader"]["points"] for c in graded if c.cell_type == "code")
    written = sum(c.metadata["nbgrader"]["points"] for c in graded if c.cell_type == "markdown")
    return f"{tests:g} + {written:g}"


def test_the_readme_lists_every_assignment_and_notebook_with_its_points():
    want = {aid: {nb.removesuffix(".py"): _points(aid, nb) for nb in sources.manifest(aid)["notebooks"]}
            for aid in sources.assignment_ids()}
    assert _readme_table() == want
