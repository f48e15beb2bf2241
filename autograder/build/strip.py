"""Strip solution regions from Python modules, the way nbgrader does for
notebook cells (nbgrader leaves ``.py`` files untouched).

``### BEGIN SOLUTION`` ... ``### END SOLUTION`` becomes, at the same indentation,
a ``# TODO`` and a ``raise NotImplementedError`` naming the function; a region
whose first line is ``# hint: ...`` keeps the hint in the TODO. Hidden-test
regions are removed. Signatures, docstrings and comments stay. A ``keep``
predicate on the enclosing function's name hands some regions out solved
(an earlier assignment's), markers removed; ``later(name)``, the assignment
that brings a function when it is not this one, makes its region a stub that
says so, with no TODO.
"""
import re

BEGIN, END = "### BEGIN SOLUTION", "### END SOLUTION"
BEGIN_HIDDEN, END_HIDDEN = "### BEGIN HIDDEN TESTS", "### END HIDDEN TESTS"
MARKERS = (BEGIN, END, BEGIN_HIDDEN, END_HIDDEN)


class MarkerError(ValueError):
    """Unbalanced or nested markers (with file and line)."""


def _enclosing_function(lines, index):
    """``Class.method`` or ``function`` around line ``index``, if any."""
    names, indent = [], len(lines[index]) - len(lines[index].lstrip())
    for line in reversed(lines[:index]):
        match = re.match(r"(\s*)(?:async\s+def|def|class)\s+(\w+)", line)
        if match and len(match.group(1)) < indent:
            names.insert(0, match.group(2))
            indent = len(match.group(1))
    return ".".join(names) or None


def regions(text, begin=BEGIN, end=END, filename="<text>"):
    """(start, stop) line indices of each region, markers included."""
    lines, found, start = text.splitlines(), [], None
    for i, line in enumerate(lines):
        stripped = line.strip()
        if stripped == begin:
            if start is not None:
                raise MarkerError(f"{filename}:{i + 1}: {begin} inside the region opened on line {start + 1}")
            start = i
        elif stripped == end:
            if start is None:
                raise MarkerError(f"{filename}:{i + 1}: {end} without {begin}")
            found.append((start, i))
            start = None
    if start is not None:
        raise MarkerError(f"{filename}:{start + 1}: {begin} is never closed")
    return found


def _kept(lines, start, keep):
    return keep is not None and keep(_enclosing_function(lines, start) or "")


def strip_solutions(text, filename="<text>", keep=None, later=None):
    """The skeleton of ``text``: every solution region replaced by a TODO,
    but those whose function ``keep(name)`` accepts, which stay solved, and
    those ``later(name)`` names an assignment for, which say it brings them."""
    lines = text.splitlines()
    out, last = [], 0
    hidden = regions(text, BEGIN_HIDDEN, END_HIDDEN, filename)
    for start, stop in sorted(regions(text, filename=filename) + hidden):
        out += lines[last:start]
        last = stop + 1
        if (start, stop) in hidden:
            continue
        if _kept(lines, start, keep):
            out += lines[start + 1:stop]
            continue
        indent = lines[start][: len(lines[start]) - len(lines[start].lstrip())]
        where = _enclosing_function(lines, start)
        brought_by = later(where or "") if later else None
        if brought_by:
            out.append(f'{indent}raise NotImplementedError("{where} comes with {brought_by}")')
            continue
        body = [l.strip() for l in lines[start + 1:stop]]
        hint = body[0][len("# hint:"):].strip() if body and body[0].startswith("# hint:") else ""
        todo = f"{indent}# TODO: {hint}" if hint else f"{indent}# TODO: your code here"
        what = f"{where} is not implemented yet" if where else "not implemented yet"
        out += [todo, f'{indent}raise NotImplementedError("{what}")']
    out += lines[last:]
    return "\n".join(out) + ("\n" if text.endswith("\n") else "")


def solution_lines(text, filename="<text>", keep=None):
    """The lines inside the solution regions that ``strip_solutions`` removes
    (what a release must never contain)."""
    lines = text.splitlines()
    return [lines[i] for start, stop in regions(text, filename=filename)
            if not _kept(lines, start, keep) for i in range(start + 1, stop)]


def has_markers(text):
    return any(marker in text for marker in MARKERS)
