"""The release linter: nothing of the solutions, the hidden tests or the mark
schemes may reach what students receive (``release/``), and nothing of the
hidden tests or mark schemes what they read back (``feedback/``, which also
holds their own modules). And two rules on the sources: hidden tests show
inputs and names, never an expected value, since the kernel that runs them is
the student's; every written answer's question is in the locked markdown cell
before its answer cell, which holds nothing that the release would erase."""
import ast
import re
import textwrap
from fnmatch import fnmatch
from pathlib import Path

from ..sources import ASSIGNMENTS, LIBRARY, manifest, solved_before
from .strip import BEGIN, BEGIN_HIDDEN, END, END_HIDDEN, regions, solution_lines, strip_solutions

MIN_LENGTH = 16  # shorter lines (``return out``) also occur in provided code
BEGIN_MARK, END_MARK = "### BEGIN MARK SCHEME", "### END MARK SCHEME"
ANSWER = "YOUR ANSWER HERE"
RUBRIC = re.compile(r"\b(marking|mark scheme|rubric)\s*:", re.IGNORECASE)


def _distinctive(lines, provided=()):
    lines = {l.strip() for l in lines} - set(provided)
    return {l for l in lines if len(l) >= MIN_LENGTH and not l.startswith("#")}


def _sources(assignment_id=None):
    """``(text, keep)`` of the reference modules and the notebook sources, where
    ``keep`` says which regions ``assignment_id``'s release hands out solved."""
    keep = solved_before(assignment_id)
    return [(p.read_text(), keep(p.stem) if p.parent == LIBRARY else None)
            for p in sorted(LIBRARY.glob("*.py")) + sorted(ASSIGNMENTS.glob("*/*.py"))]


def provided_lines(assignment_id=None):
    """What students of ``assignment_id`` receive anyway: every source with the
    solutions they write and the hidden tests stripped."""
    return {l.strip() for text, keep in _sources(assignment_id)
            for l in strip_solutions(text, keep=keep).splitlines()}


def hidden_test_lines():
    """Lines of the notebooks' hidden tests and mark schemes (less those
    students see elsewhere)."""
    found = set()
    for path in ASSIGNMENTS.glob("*/*.py"):
        text = path.read_text()
        lines = text.splitlines()
        for start, stop in regions(text, BEGIN_HIDDEN, END_HIDDEN, str(path)):
            found.update(lines[start + 1:stop])
        for start, stop in regions(text, "# " + BEGIN_MARK, "# " + END_MARK, str(path)):
            found.update(line[2:] for line in lines[start + 1:stop])  # markdown, less its "# "
    return _distinctive(found, provided_lines())


def solution_text_lines(assignment_id=None):
    """Lines of the reference's and the notebooks' solution regions that
    ``assignment_id``'s students write (less those that provided code has too)."""
    found = {l for text, keep in _sources(assignment_id) for l in solution_lines(text, keep=keep)}
    return _distinctive(found, provided_lines(assignment_id))


def lint_release(course_dir):
    """``lint_tree`` of each assignment's release."""
    return [problem for folder in sorted((Path(course_dir) / "release").glob("*")) if folder.is_dir()
            for problem in lint_tree(folder, assignment_id=folder.name)]


def lint_tree(root, solutions=True, hidden_glob="hidden_*", assignment_id=None):
    """Problems under ``root`` as ``path:line: what``: hidden files, hidden-test
    markers and lines, and (with ``solutions``) solution markers and the lines
    of the solutions ``assignment_id``'s students write (all, without one)."""
    root, problems = Path(root), []
    markers = (BEGIN_HIDDEN, END_HIDDEN, BEGIN_MARK, END_MARK) + ((BEGIN, END) if solutions else ())
    known = hidden_test_lines() | (solution_text_lines(assignment_id) if solutions else set())
    if not root.exists():
        return problems
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        if fnmatch(path.name, hidden_glob):
            problems.append(f"{path}: hidden file in a student-facing folder")
            continue
        if path.suffix not in (".py", ".ipynb", ".html", ".json", ".md", ".txt"):
            continue
        for number, line in enumerate(path.read_text(errors="replace").splitlines(), 1):
            if any(marker in line for marker in markers):
                problems.append(f"{path}:{number}: solution or hidden-test marker")
            stripped = line.strip().strip('",').replace('\\"', '"').replace("\\n", "").strip()
            if stripped in known:
                problems.append(f"{path}:{number}: a line of the reference solution or hidden tests: {stripped!r}")
    return problems


def shown_expected_values(path, withheld):
    """Checks in the hidden tests of the notebook source ``path`` whose source
    hands the kernel an expected value: a plain ``check`` or ``check_close``
    (unless ``fixed=False``, a consistency check against the submission's own
    results), or an ``Expected.check`` of a key not in ``withheld`` (the keys
    the kernel's copy of the hidden arrays leaves out). As ``path:line: what``."""
    text, problems = Path(path).read_text(), []
    lines = text.splitlines()
    for start, stop in regions(text, BEGIN_HIDDEN, END_HIDDEN, str(path)):
        tree = ast.parse(textwrap.dedent("\n".join(lines[start + 1:stop])), str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            where = f"{Path(path).name}:{start + 1 + node.lineno}"
            func = node.func
            if isinstance(func, ast.Name) and func.id in ("check", "check_close"):
                if not any(k.arg == "fixed" and isinstance(k.value, ast.Constant) and k.value.value is False
                           for k in node.keywords):
                    problems.append(f"{where}: {func.id}() shows its expected value: record it in the "
                                    f"recipe and use hidden.check(name, key, compute)")
            elif (isinstance(func, ast.Attribute) and func.attr == "check" and len(node.args) >= 2
                  and isinstance(node.args[1], ast.Constant) and node.args[1].value not in withheld):
                problems.append(f"{where}: the key {node.args[1].value!r} reaches the kernel: "
                                f"give it a tolerance in the recipe so that it is withheld")
    return problems


def shown_in_hidden_tests(assignment_id, hidden, tolerances):
    """:func:`shown_expected_values` of every notebook of ``assignment_id``,
    whose hidden arrays are ``hidden``: those with a tolerance are withheld."""
    withheld = set(tolerances) & set(hidden)
    return [problem for source in manifest(assignment_id)["notebooks"]
            for problem in shown_expected_values(ASSIGNMENTS / assignment_id / source, withheld)]


def _without_mark_scheme(text, where):
    lines = text.splitlines()
    dropped = {i for start, stop in regions(text, BEGIN_MARK, END_MARK, where) for i in range(start, stop + 1)}
    return [line for i, line in enumerate(lines) if i not in dropped]


def written_answer_problems(nb, name):
    """The written answers of the nbgrader notebook ``nb`` (``name`` in
    messages), as ``name: what``: each answer cell holds only ``YOUR ANSWER
    HERE`` (the release erases anything else) right after a locked markdown
    cell whose question is left once its mark scheme is stripped; rubric text
    only inside mark-scheme regions, which only question cells hold."""
    problems = []
    for i, cell in enumerate(nb.cells):
        meta = cell.metadata.get("nbgrader", {})
        where = f"{name}: cell {meta.get('grade_id', i)}"
        manual = cell.cell_type == "markdown" and meta.get("grade") and meta.get("solution")
        after_answer = i + 1 < len(nb.cells) and nb.cells[i + 1].metadata.get("nbgrader", {}).get("solution") \
            and nb.cells[i + 1].cell_type == "markdown"
        if cell.cell_type == "markdown":
            kept = _without_mark_scheme(cell.source, where)
            if any(RUBRIC.search(line) for line in kept):
                problems.append(f"{where}: rubric text outside {BEGIN_MARK} ... {END_MARK}")
            if len(kept) < len(cell.source.splitlines()) and not after_answer:
                problems.append(f"{where}: a mark scheme belongs in the question cell right before an answer cell")
        if not manual:
            continue
        if cell.source.strip() != ANSWER:
            problems.append(f"{where}: the answer cell holds more than {ANSWER!r}, which the release erases: "
                            f"put the question in the locked markdown cell before it")
        before = nb.cells[i - 1] if i else None
        question = before is not None and before.cell_type == "markdown" and \
            before.metadata.get("nbgrader", {}).get("locked") and not before.metadata["nbgrader"].get("solution")
        text = [l for l in _without_mark_scheme(before.source, where)
                if l.strip() and not l.startswith("#") and not RUBRIC.search(l)] if question else []
        if not text:
            problems.append(f"{where}: no question before it (a locked markdown cell, whose text is left "
                            f"once the mark scheme is stripped)")
    return problems
