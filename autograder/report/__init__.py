"""``report``: after grading, one self-contained HTML page about an
assignment's class (``reports/<id>/index.html``) and its grades as the CSV
files LMSs import, beside it. Read from the gradebook through nbgrader's API
and from the autograded notebooks; it changes neither.

- :mod:`.gather`: the gradebook's scores, manual scores, flags and the reasons;
- :mod:`.items`: per test cell, shares of full, partial and no marks, failure groups;
- :mod:`.similarity`: pairs of similar submissions, by copydetect;
- :mod:`.exports`: Canvas and Moodle CSV files;
- :mod:`.plots`, :mod:`.page`: the figures and the page.
"""
from dataclasses import dataclass
from pathlib import Path

from .exports import canvas_column, write_canvas, write_moodle
from .gather import ClassData, gather
from .items import cell_shares, failure_groups
from .similarity import THRESHOLD, similar_pairs


SHOWN = 12  # pairs printed; the page lists them all


@dataclass
class Report:
    path: Path
    data: ClassData
    groups: dict   # grade id -> [items.Group]
    pairs: list    # similarity.Pair


def build_report(course_dir, aid, threshold=THRESHOLD, canvas_id=None):
    """Write ``aid``'s class report and exports; returns what they show."""
    from .page import Page
    data = gather(course_dir, aid)
    course = data.course
    course.reports(aid).mkdir(parents=True, exist_ok=True)
    groups, pairs = failure_groups(data), similar_pairs(data, threshold)
    write_canvas(data, course.canvas_csv(aid), canvas_id)
    write_moodle(data, course.moodle_csv(aid))
    page = Page(data, groups, cell_shares(data), pairs, threshold, canvas_column(data, canvas_id))
    course.report(aid).write_text(page.render(), encoding="utf-8")
    return Report(course.report(aid), data, groups, pairs)


def summary(report):
    """What ``report`` prints: where the page is and the pairs it lists."""
    lines = [f"class report: {report.path}"]
    pairs = ", ".join(f"{p.a} & {p.b} ({p.share:.0%})" for p in report.pairs[:SHOWN]) or "none"
    if len(report.pairs) > SHOWN:
        pairs += f", and {len(report.pairs) - SHOWN} more in the report"
    lines.append(f"similar submissions to review (not a verdict): {pairs}")
    lines.append(f"LMS exports: {report.data.course.canvas_csv(report.data.aid)}, "
                 f"{report.data.course.moodle_csv(report.data.aid)}")
    return "\n".join(lines)
