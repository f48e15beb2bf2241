"""The class report as one HTML page: styles inline, figures embedded, links
to each student's feedback relative to the page (so the course folder can be
moved or copied whole). Everything a student wrote is escaped."""
import datetime
import os
import statistics
import urllib.parse
from html import escape

from . import plots
from .exports import MOODLE_IDS, CANVAS_IDS, points

STYLE = """
body { font-family: system-ui, sans-serif; margin: 2em auto; max-width: 1200px; padding: 0 1em; color: #222; }
h1 { font-size: 1.6em; } h2 { border-bottom: 2px solid #ddd; padding-bottom: .2em; margin-top: 2em; }
table { border-collapse: collapse; margin: .5em 0 1em; } th, td { border: 1px solid #ccc; padding: .25em .6em; }
th { background: #f3f3f3; text-align: left; } td.n { text-align: right; font-variant-numeric: tabular-nums; }
nav a { margin-right: 1em; } .note { color: #555; font-size: .92em; } .muted { color: #888; }
.full { color: #2e7d32; } .partial { color: #b26a00; } .none { color: #c62828; }
.tag { display: inline-block; border-radius: 3px; padding: 0 .4em; margin-right: .3em; font-size: .85em;
       background: #eee; }
.tag.bad { background: #ffcdd2; } .tag.warn { background: #ffe0b2; } .tag.info { background: #e3f2fd; }
.group { margin: .3em 0 .3em 1em; } .group code { white-space: pre-wrap; overflow-wrap: anywhere; }
.pair { display: grid; grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); gap: .8em; }
.pair pre { background: #fafafa; border: 1px solid #ddd; padding: .5em; overflow: auto; max-height: 32em;
            font-size: .8em; }
.highlight-red { background: #ffcdd2; } .highlight-green { background: #c8e6c9; }
img { max-width: 100%; }
"""


def _pct(x):
    return f"{100 * x:.0f}%"


def _points(x):
    return f"{x:g} point{'' if x == 1 else 's'}"


def _manual(mark):
    """A written answer's cell: the score entered by hand, "to grade", or nbgrader's 0."""
    if mark is None:
        return "<td class='n muted'>-</td>"
    if mark.manual_score is not None:
        return f"<td class=n>{points(mark.manual_score)}</td>"
    if mark.needs_manual_grade:
        return "<td class='n muted'>to grade</td>"
    return f"<td class='n muted'>{points(mark.score)} (unanswered)</td>"


def _tags(student):
    tags = []
    if not student.handed_in:
        tags.append(("no submission", "info"))
    elif not student.graded:
        tags.append(("failed to grade", "bad"))
    if student.timed_out:
        tags.append(("timed out", "bad"))
    if student.flagged:
        tags.append(("flagged for review", "warn"))
    if student.feedback_withheld:
        tags.append(("feedback withheld", "warn"))
    return "".join(f'<span class="tag {kind}">{escape(text)}</span>' for text, kind in tags)


class Page:
    def __init__(self, data, groups, shares, pairs, threshold, canvas_column):
        self.data, self.groups, self.shares = data, groups, shares
        self.pairs, self.threshold, self.canvas_column = pairs, threshold, canvas_column
        self.here = data.course.report(data.aid).parent

    def link(self, path, text):
        href = urllib.parse.quote(os.path.relpath(path, self.here).replace(os.sep, "/"))
        return f'<a href="{href}">{escape(text)}</a>'

    def feedback(self, student):
        """Links to the student's feedback, or to the log of a failed grading."""
        course, aid = self.data.course, self.data.aid
        pages = sorted(course.feedback(student.id, aid).glob("*.html"))
        if pages:
            return " ".join(self.link(p, p.stem) for p in pages)
        if student.handed_in and course.log(student.id, aid).exists():
            return self.link(course.log(student.id, aid), "grading log")
        return '<span class="muted">none</span>'

    def render(self):
        d = self.data
        sections = [self.summary(), self.scores(), self.cells(), self.attention(), self.written(),
                    self.similarity(), self.everyone(), self.exports()]
        nav = " ".join(f'<a href="#{k}">{t}</a>' for k, t in (
            ("scores", "Scores"), ("cells", "Test cells"), ("attention", "To look at"),
            ("written", "Written answers"), ("similarity", "Similar submissions"),
            ("students", "All students"), ("exports", "Exports")))
        return (f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
                f"<title>Class report: {escape(d.aid)}</title><style>{STYLE}</style></head><body>"
                f"<h1>Class report: {escape(d.title)} <span class=muted>({escape(d.aid)})</span></h1>"
                f"<nav>{nav}</nav>{''.join(sections)}</body></html>\n")

    def summary(self):
        d = self.data
        handed = [s for s in d.students if s.handed_in]
        count = lambda pred: sum(1 for s in handed if pred(s))  # noqa: E731
        rows = [("handed in", len(handed)), ("graded", len(d.graded)),
                ("failed to grade", count(lambda s: not s.graded)), ("timed out", count(lambda s: s.timed_out)),
                ("flagged for review", count(lambda s: s.flagged)),
                ("waiting for manual grading", count(lambda s: s.graded and s.needs_manual_grade))]
        stamp = datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z")
        table = "".join(f"<tr><th>{k}</th><td class=n>{v}</td></tr>" for k, v in rows)
        return (f'<p class="note">Built {stamp} from the gradebook and the autograded notebooks of '
                f"<code>{escape(str(d.course.root))}</code>. For the instructor only: it shows "
                f"students' code and names.</p><table>{table}</table>")

    def scores(self):
        d = self.data
        totals = [s.score for s in d.graded]
        if not totals:
            return '<h2 id="scores">Scores</h2><p>No graded submissions yet.</p>'
        stats = (f"mean {statistics.mean(totals):.1f}, median {statistics.median(totals):g}, "
                 f"lowest {min(totals):g}, highest {max(totals):g}, out of {d.max_score:g}")
        rows = []
        for name in sorted(d.notebook_max):
            got = [s.notebooks.get(name, 0) for s in d.graded]
            top = d.notebook_max[name]
            rows.append(f"<tr><td>{escape(name)}</td><td class=n>{top:g}</td>"
                        f"<td class=n>{statistics.mean(got):.1f}</td><td class=n>{statistics.median(got):g}</td>"
                        f"<td class=n>{sum(g >= top for g in got)}</td></tr>")
        return (f'<h2 id="scores">Scores</h2><p>{len(totals)} graded submissions: {stats} '
                f'(late penalties deducted, manual scores included once entered).</p>'
                f'<img alt="score distribution" src="{plots.score_histogram(d)}">'
                f"<h3>Per notebook</h3><table><tr><th>notebook</th><th>points</th><th>mean</th>"
                f"<th>median</th><th>full marks</th></tr>{''.join(rows)}</table>"
                f'<img alt="per-notebook totals" src="{plots.notebook_totals(d)}">')

    def cells(self):
        d = self.data
        if not d.tests or not d.graded:
            return '<h2 id="cells">Test cells</h2><p>Nothing graded yet.</p>'
        rows, details = [], []
        for cell in d.tests:
            s = self.shares[cell.name]
            rows.append(f"<tr><td>{escape(cell.notebook)}</td><td><a href='#cell-{escape(cell.name)}'>"
                        f"{escape(cell.name)}</a></td><td class=n>{cell.points:g}</td>"
                        f"<td class='n full'>{_pct(s['full'])}</td><td class='n partial'>{_pct(s['partial'])}</td>"
                        f"<td class='n none'>{_pct(s['none'])}</td><td class=n>{s['mean']:.2f}</td></tr>")
            groups = self.groups.get(cell.name, [])
            body = "".join(
                f"<div class=group><b>{len(g.students)} student{'s' if len(g.students) != 1 else ''}</b>: "
                f"<code>{escape(g.pattern)}</code><br><span class=note>e.g. {escape(g.example[:400])} "
                f"&mdash; {escape(', '.join(g.students))}</span></div>" for g in groups)
            details.append(f"<h4 id='cell-{escape(cell.name)}'>{escape(cell.notebook)} / {escape(cell.name)} "
                           f"({_points(cell.points)})</h4>"
                           + (body or "<p class=note>every graded submission got full marks</p>"))
        return (f'<h2 id="cells">Test cells</h2><table><tr><th>notebook</th><th>cell</th><th>points</th>'
                f"<th>full marks</th><th>partial</th><th>no marks</th><th>mean</th></tr>{''.join(rows)}</table>"
                f'<img alt="marks per test cell" src="{plots.cell_outcomes(d, self.shares)}">'
                f"<h3>Most common reasons for lost points</h3><p class=note>Reasons that differ only in "
                f"numbers (N) or quoted values are one group; each student counts once per cell, by the "
                f"first reason the grader gave.</p>{''.join(details)}")

    def attention(self):
        rows = [f"<tr><td>{escape(s.id)}</td><td>{_tags(s)}</td><td class=n>"
                f"{points(s.score) if s.graded else '-'}</td><td>{self.feedback(s)}</td></tr>"
                for s in self.data.students if s.handed_in and
                (not s.graded or s.timed_out or s.flagged or s.feedback_withheld)]
        table = (f"<table><tr><th>student</th><th>why</th><th>score</th><th>feedback</th></tr>{''.join(rows)}</table>"
                 if rows else "<p>Nothing: every submission was graded, in time and unflagged.</p>")
        return (f'<h2 id="attention">Submissions to look at</h2><p class=note>Failed: nbgrader could not '
                f"grade it (see its log). Timed out: a cell or the notebook ran out of time. Flagged: the "
                f"judgement disputes what the notebook showed, or the notebook was repaired (formgrader "
                f"lists these for manual grading).</p>{table}")

    def written(self):
        d = self.data
        cells = d.written
        if not cells:
            return '<h2 id="written">Written answers</h2><p>This assignment has none.</p>'
        head = "".join(f"<th>{escape(c.name)} ({_points(c.points)})</th>" for c in cells)
        summary, rows = [], []
        for c in cells:
            marks = [s.marks[c.name] for s in d.graded if c.name in s.marks]
            done = [m.manual_score for m in marks if m.manual_score is not None]
            waiting = sum(m.needs_manual_grade for m in marks)
            mean = f", mean {statistics.mean(done):.2f} of {c.points:g}" if done else ""
            summary.append(f"<li><b>{escape(c.name)}</b> ({escape(c.notebook)}): {len(done)} of {len(marks)} "
                           f"scored{mean}; {waiting} to grade; {len(marks) - len(done) - waiting} "
                           f"left unanswered (0, by nbgrader)</li>")
        for s in d.graded:
            rows.append(f"<tr><td>{escape(s.id)}</td>{''.join(_manual(s.marks.get(c.name)) for c in cells)}</tr>")
        return (f'<h2 id="written">Written answers</h2><p class=note>Scores entered in formgrader '
                f"(Manual Grading); build the report again after grading to update them. An answer left "
                f"as released is scored 0 by nbgrader itself.</p>"
                f"<ul>{''.join(summary)}</ul><table><tr><th>student</th>{head}</tr>{''.join(rows)}</table>")

    def similarity(self):
        intro = (f'<h2 id="similarity">Similar submissions</h2><p class=note>What each student wrote (the '
                 f"library modules of the assignment and the notebooks' code answer cells) compared by "
                 f"copydetect, with the released skeleton's own code discounted; names do not matter and "
                 f"neither does the order of functions. Listed: pairs where at least "
                 f"{_pct(self.threshold)} of one side's own code is also in the other. <b>A prompt for "
                 f"review, never a verdict</b>: short exercises have few ways to be written. In the code "
                 f"below, the skeleton's lines are <code>#| </code> comments (context, never compared) and "
                 f"the regions both share are highlighted.</p>")
        if not self.pairs:
            return intro + "<p>No pair above the threshold.</p>"
        items = []
        for i, p in enumerate(self.pairs):  # the most similar open, as an example
            items.append(f"<details{' open' if i == 0 else ''}><summary><b>{escape(p.a)}</b> and <b>{escape(p.b)}</b>: "
                         f"{_pct(p.share_a)} of {escape(p.a)}'s code is in {escape(p.b)}'s, "
                         f"{_pct(p.share_b)} of {escape(p.b)}'s in {escape(p.a)}'s</summary>"
                         f"<div class=pair><div><b>{escape(p.a)}</b><pre>{p.html_a}</pre></div>"
                         f"<div><b>{escape(p.b)}</b><pre>{p.html_b}</pre></div></div></details>")
        return intro + "".join(items)

    def everyone(self):
        d = self.data
        names = sorted(d.notebook_max)
        head = "".join(f"<th>{escape(n)} ({d.notebook_max[n]:g})</th>" for n in names)
        rows = []
        for s in d.students:
            nbs = "".join(f"<td class=n>{s.notebooks[n]:g}</td>" if n in s.notebooks else "<td class=n>-</td>"
                          for n in names)
            total = points(s.score) if s.graded else "-"
            penalty = f" <span class=note>(late: -{s.penalty:g})</span>" if s.penalty else ""
            rows.append(f"<tr><td>{escape(s.id)}</td><td>{escape(s.name)}</td>{nbs}<td class=n>{total}{penalty}"
                        f"</td><td>{_tags(s)}</td><td>{self.feedback(s)}</td></tr>")
        return (f'<h2 id="students">All students</h2><table><tr><th>student</th><th>name</th>{head}'
                f"<th>total ({d.max_score:g})</th><th>status</th><th>feedback</th></tr>{''.join(rows)}</table>")

    def exports(self):
        c = self.data.course
        return (f'<h2 id="exports">Exports</h2><ul>'
                f"<li>{self.link(c.canvas_csv(self.data.aid), 'canvas.csv')}: "
                f"{escape(', '.join(CANVAS_IDS + [self.canvas_column]))}; a \"Points Possible\" row first</li>"
                f"<li>{self.link(c.moodle_csv(self.data.aid), 'moodle.csv')}: "
                f"{escape(', '.join(MOODLE_IDS + [self.data.aid]))}</li></ul>"
                f"<p class=note>Totals as <code>nbgrader export</code> makes them (late penalties deducted, "
                f"manual scores included); blank where the gradebook holds no graded submission. Columns "
                f"explained in the README, \"The class report\".</p>")
