"""What the class report shows, read from the gradebook through nbgrader's API
(so it works on SQLite and PostgreSQL alike), and from the autograded
notebooks what the gradebook does not keep: why cells lost their points and
which notebooks ran out of time."""
from dataclasses import dataclass, field

import nbformat
from nbgrader.api import Gradebook, MissingEntry

from .. import settings, sources
from ..grading.grade import results
from ..layout import COURSE_ID, Course


@dataclass
class Cell:
    notebook: str
    name: str
    points: float
    manual: bool  # a written answer, scored by hand in formgrader


@dataclass
class Mark:
    score: float
    manual_score: float | None  # entered in formgrader; it replaces the autograded score
    needs_manual_grade: bool


@dataclass
class Student:
    id: str
    first_name: str = ""
    last_name: str = ""
    email: str = ""
    lms_user_id: str = ""
    handed_in: bool = False    # a folder in submitted/ (or one ingest set aside)
    graded: bool = False       # a submission in the gradebook
    failed: bool = False       # handed in, but nbgrader could not grade it
    timed_out: bool = False    # a cell or the whole notebook ran out of time
    flagged: bool = False
    needs_manual_grade: bool = False
    feedback_withheld: bool = False
    raw_score: float = 0.0
    penalty: float = 0.0
    max_score: float = 0.0
    notebooks: dict = field(default_factory=dict)  # notebook name -> score
    marks: dict = field(default_factory=dict)      # grade id -> Mark
    reasons: dict = field(default_factory=dict)    # grade id -> [why it lost points]

    @property
    def score(self):
        """The total an LMS gets: as ``nbgrader export``, less the late penalty."""
        return max(0.0, self.raw_score - self.penalty)

    @property
    def name(self):
        return " ".join(filter(None, [self.first_name, self.last_name]))


@dataclass
class ClassData:
    course: Course
    aid: str
    title: str
    cells: list        # Cell, in notebook order
    notebook_max: dict  # notebook name -> points
    max_score: float
    students: list     # Student, sorted by id

    @property
    def tests(self):
        return [c for c in self.cells if not c.manual]

    @property
    def written(self):
        return [c for c in self.cells if c.manual]

    @property
    def graded(self):
        return [s for s in self.students if s.graded]


def gather(course_dir, aid):
    """Everything the report needs about ``aid``'s class."""
    course = Course(course_dir)
    title = sources.manifest(aid).get("title", aid)
    checked = {r.student: r for r in results(course, aid, reason_limit=None)}
    with Gradebook(settings.gradebook_url(course.root), COURSE_ID) as gb:
        try:
            assignment = gb.find_assignment(aid)
        except MissingEntry:
            raise SystemExit(f"the gradebook has no assignment {aid!r}: build and grade it first") from None
        cells = [Cell(nb.name, c.name, c.max_score, c.cell_type == "markdown")
                 for nb in assignment.notebooks for c in nb.grade_cells]
        order = {c.name: i for i, c in enumerate(_notebook_order(course, aid))}
        cells.sort(key=lambda c: (c.notebook, order.get(c.name, len(order))))
        notebook_max = {nb.name: nb.max_score for nb in assignment.notebooks}
        people = {p.id: p for p in gb.students}
        students = []
        for sid in sorted(set(checked) | set(people)):
            student = Student(sid, handed_in=sid in checked)
            if sid in people:
                p = people[sid]
                student.first_name, student.last_name = p.first_name or "", p.last_name or ""
                student.email, student.lms_user_id = p.email or "", p.lms_user_id or ""
            if sid in checked:
                r = checked[sid]
                student.failed, student.flagged = r.failed, r.flagged
                student.feedback_withheld, student.reasons = r.feedback_withheld, r.taken
            try:
                sub = gb.find_submission(aid, sid)
            except MissingEntry:
                students.append(student)
                continue
            student.graded = not student.failed
            student.raw_score, student.max_score = sub.score, sub.max_score
            student.penalty = sub.late_submission_penalty or 0.0
            student.needs_manual_grade = sub.needs_manual_grade
            for nb in sub.notebooks:
                student.notebooks[nb.name] = nb.score
                for g in nb.grades:
                    student.marks[g.name] = Mark(g.score, g.manual_score, bool(g.needs_manual_grade))
            students.append(student)
        max_score = assignment.max_score
    for student in students:
        student.timed_out = _timed_out(course, aid, student.id)
    return ClassData(course, aid, title, cells, notebook_max, max_score, students)


def _notebook_order(course, aid):
    """The graded cells of the release's notebooks, in the order students see them."""
    out = []
    for path in sorted(course.release(aid).glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade"):
                out.append(Cell(path.stem, meta["grade_id"], meta.get("points", 0), cell.cell_type == "markdown"))
    return out


def _timed_out(course, aid, student):
    """Whether a cell hit its time limit or the notebook its wall clock."""
    for path in course.autograded(student, aid).glob("*.ipynb"):
        for cell in nbformat.read(path, as_version=4).cells:
            for out in cell.get("outputs", []):
                if out.get("output_type") != "error":
                    continue
                if out.get("ename") == "CellTimeoutError" or (
                        out.get("ename") == "GradingError" and "did not finish within" in out.get("evalue", "")):
                    return True
    return False
