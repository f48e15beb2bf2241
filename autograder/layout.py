"""Every path under the course directory, in one place. The folders nbgrader
owns keep nbgrader's layout; the kit adds ``reference/`` (the reference
solution's recorded answers and handed-in files, read by the judge and never
visible to a sandbox), ``logs/``, ``reports/`` (the class reports, for the
instructor only: they show students' code) and, unless put elsewhere, nbgrader's
``exchange/``."""
import os
import re
from dataclasses import dataclass
from pathlib import Path

COURSE_ID = "scratchnn"
HIDDEN = "hidden_*"  # files kept out of releases and feedback: hidden inputs and answers
# A student id: letters, digits, "_", "-" and "." (not first); never a path.
STUDENT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
# Never students: the names of nbgrader's course folders, so that no id reads as one.
RESERVED = {"source", "release", "submitted", "autograded", "feedback", "downloaded", "gradebook"}


@dataclass(frozen=True)
class Course:
    root: Path

    def __post_init__(self):
        root = self.root.root if isinstance(self.root, Course) else self.root
        object.__setattr__(self, "root", Path(root).resolve())

    # -- the course's own files ------------------------------------------------
    @property
    def config_file(self):
        return self.root / "nbgrader_config.py"

    @property
    def gradebook_file(self):
        return self.root / "gradebook.db"

    @property
    def exchange(self):
        """nbgrader's exchange by default (``build --exchange`` puts it elsewhere)."""
        return self.root / "exchange"

    @property
    def grades_csv(self):
        return self.root / "grades.csv"

    def source(self, aid):
        return self.root / "source" / aid

    def release(self, aid):
        return self.root / "release" / aid

    def reference_answers(self, aid):
        """``<notebook>/<grade id>/*.npz``: what each check of the reference handed in."""
        return self.root / "reference" / aid / "answers"

    def reference_artifacts(self, aid):
        """The files a solved submission hands in (trained weights, predictions)."""
        return self.root / "reference" / aid / "artifacts"

    def logs(self, aid):
        return self.root / "logs" / aid

    def reports(self, aid):
        """The class report of ``aid`` and its grade exports."""
        return self.root / "reports" / aid

    def report(self, aid):
        """The class report: one self-contained HTML page."""
        return self.reports(aid) / "index.html"

    def canvas_csv(self, aid):
        return self.reports(aid) / "canvas.csv"

    def moodle_csv(self, aid):
        return self.reports(aid) / "moodle.csv"

    # -- per student -----------------------------------------------------------
    def submitted(self, student, aid):
        return self.root / "submitted" / student / aid

    def autograded(self, student, aid):
        return self.root / "autograded" / student / aid

    def feedback(self, student, aid):
        return self.root / "feedback" / student / aid

    def log(self, student, aid):
        return self.logs(aid) / f"{student}.log"

    def ingest_note(self, student, aid):
        """What ingest refused or replaced in a submission, if anything."""
        return self.logs(aid) / f"{student}.ingest"

    def quarantine(self, student, aid):
        """Where ingest moves what it refuses: links, devices, oversized files."""
        return self.root / "quarantine" / aid / student

    def students(self, aid):
        """Ids with a submission of ``aid``, sorted; odd ones too (``.x``), for ingest to refuse."""
        folder = self.root / "submitted"
        names = os.listdir(folder) if folder.is_dir() else []
        return sorted(n for n in names if os.path.lexists(folder / n / aid))
