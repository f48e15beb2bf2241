"""Item analysis of the test cells: the share of the class with full, partial
and no marks, and why cells lost points, grouped per cell. Reasons that differ only in
their numbers or quoted values ("3 of 24 values are off", "5 of 24 values
are off") are one mistake; the name of the check that failed (``check 'x'``)
is kept, since it says which part of the cell is wrong."""
import re
from dataclasses import dataclass, field

NUMBER = re.compile(r"(?<![\w.])[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?!\w)|\b(?:nan|inf)\b")
QUOTED = re.compile(r"'[^'\n]{1,80}'|\"[^\"\n]{1,80}\"")
CHECK = re.compile(r"check '[^'\n]*'")  # the judge names the failed check so: kept whole
NO_REASON = "(no reason recorded: the cell failed without an error message)"


@dataclass
class Group:
    pattern: str                 # the reason with its numbers as N and quoted values as '…'
    example: str                 # one student's reason, as written
    students: list = field(default_factory=list)


def normalise(reason):
    """``reason`` with numbers as N and quoted values as '…', check names kept."""
    text = " ".join(reason.split())
    values = lambda part: NUMBER.sub("N", QUOTED.sub("'…'", part))  # noqa: E731
    names = CHECK.findall(text)
    parts = [values(p) for p in CHECK.split(text)]
    return "".join(p + n for p, n in zip(parts, names + [""]))


def failure_groups(data):
    """``{grade_id: [Group]}`` over the graded submissions that did not get a
    test cell's full marks, most common first; each student counted once per
    cell, by the first reason given (the notebook's error or the judgement)."""
    out = {}
    for cell in data.tests:
        groups = {}
        for student in data.graded:
            mark = student.marks.get(cell.name)
            if mark is None or mark.score >= cell.points:
                continue
            why = (student.reasons.get(cell.name) or [NO_REASON])[0]
            group = groups.setdefault(normalise(why), Group(normalise(why), why))
            group.students.append(student.id)
        out[cell.name] = sorted(groups.values(), key=lambda g: (-len(g.students), g.pattern))
    return out


def cell_shares(data):
    """``{grade_id: {"full", "partial", "none": share, "mean": points, "n": count}}``
    over the graded submissions, per test cell."""
    out = {}
    for cell in data.tests:
        scores = [s.marks[cell.name].score for s in data.graded if cell.name in s.marks]
        n = len(scores)
        full = sum(x >= cell.points for x in scores)
        none = sum(x <= 0 for x in scores)
        out[cell.name] = {"n": n, "full": full / n if n else 0.0, "none": none / n if n else 0.0,
                          "partial": (n - full - none) / n if n else 0.0,
                          "mean": sum(scores) / n if n else 0.0}
    return out
