"""The release linter: nothing of the solutions or the hidden tests may reach
what students receive (``release/``), and nothing of the hidden tests what
they read back (``feedback/``, which also holds their own modules)."""
from fnmatch import fnmatch
from pathlib import Path

from .strip import BEGIN, BEGIN_HIDDEN, END, END_HIDDEN, regions, solution_lines, strip_solutions

LIBRARY = Path(__file__).resolve().parents[1] / "source_lib" / "scratchnn"
ASSIGNMENTS = Path(__file__).resolve().parents[1] / "assignments"
MIN_LENGTH = 16  # shorter lines (``return out``) also occur in provided code


def _distinctive(lines, provided=()):
    lines = {l.strip() for l in lines} - set(provided)
    return {l for l in lines if len(l) >= MIN_LENGTH and not l.startswith("#")}


def _sources():
    """The reference modules and the notebook sources, as texts."""
    return [p.read_text() for p in sorted(LIBRARY.glob("*.py")) + sorted(ASSIGNMENTS.glob("*/*.py"))]


def provided_lines():
    """What students receive anyway: every source with its solutions and hidden tests stripped."""
    return {l.strip() for text in _sources() for l in strip_solutions(text).splitlines()}


def hidden_test_lines():
    """Lines of the notebooks' hidden tests (less those students see elsewhere)."""
    found = set()
    for path in ASSIGNMENTS.glob("*/*.py"):
        text = path.read_text()
        lines = text.splitlines()
        for start, stop in regions(text, BEGIN_HIDDEN, END_HIDDEN, str(path)):
            found.update(lines[start + 1:stop])
    return _distinctive(found, provided_lines())


def solution_text_lines():
    """Lines of the reference's and the notebooks' solution regions (less
    those that provided code has too)."""
    found = {l for text in _sources() for l in solution_lines(text)}
    return _distinctive(found, provided_lines())


def lint_tree(root, solutions=True, hidden_glob="hidden_*"):
    """Problems under ``root`` as ``path:line: what``: hidden files, hidden-test
    markers and lines, and (with ``solutions``) solution markers and lines."""
    root, problems = Path(root), []
    markers = (BEGIN_HIDDEN, END_HIDDEN) + ((BEGIN, END) if solutions else ())
    known = hidden_test_lines() | (solution_text_lines() if solutions else set())
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
