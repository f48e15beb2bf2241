"""A class through nbgrader's exchange, as it happens in Jupyter: the
instructor releases an assignment; each student fetches it into a home folder
of their own, works and submits; the instructor collects, grades (``grade``)
and releases the feedback, which each student fetches.

Every step is nbgrader's own exchange code (what the students' Assignment List
and formgrader's buttons call), in this process: one nbgrader import for the
whole class instead of one per command. In real use each student is an OS
user, whose name nbgrader takes as the student id; here the sample students
share one OS user, so each names itself (``c.CourseDirectory.student_id``, as
``student/configure.py --student`` sets it for a student's own Jupyter)."""
import shutil
from pathlib import Path

from traitlets.config import Config

from .. import settings
from ..layout import COURSE_ID, Course


def _api(course, **config):
    """nbgrader's API on the course's configuration, with ``config`` ({"Class.trait": value}) on top."""
    from nbgrader.apps import NbGraderAPI
    from nbgrader.coursedir import CourseDirectory
    cfg = settings.load(course)
    for key, value in config.items():
        section, trait = key.split(".")
        setattr(cfg[section], trait, value)
    return NbGraderAPI(CourseDirectory(config=cfg), config=cfg)


def _check(done, what):
    if not done["success"]:
        raise RuntimeError(f"{what} failed:\n{done.get('log', '')}\n{done.get('error', '')}")
    return done


def release(course, aid):
    """``nbgrader release_assignment``: ``release/<aid>`` into the exchange."""
    return _check(_api(course).release_assignment(aid), f"release_assignment {aid}")


def collect(course, aid, check_owner=True):
    """``nbgrader collect`` (the course's safe collect): every student's latest
    submission into ``submitted/``. ``check_owner``: warn when a submission's
    owner is not the student it names (never true of sample students sharing
    one OS user)."""
    return _check(_api(course, **{"ExchangeCollect.check_owner": check_owner}).collect(aid),
                  f"collect {aid}")


def release_feedback(course, aid):
    """``nbgrader release_feedback``: every student's feedback into the exchange."""
    return _check(_api(course).release_feedback(aid), f"release_feedback {aid}")


class Student:
    """One student's side of the exchange, in ``home`` (their Jupyter's folder)."""

    def __init__(self, name, home, course):
        self.name, self.home = name, Path(home)
        self.home.mkdir(parents=True, exist_ok=True)
        self.config = Config()
        self.config.CourseDirectory.course_id = COURSE_ID
        self.config.CourseDirectory.student_id = name
        self.config.Exchange.root = str(exchange_root(course))
        self.config.Exchange.assignment_dir = str(self.home)
        self.config.Exchange.cache = str(self.home / ".nbgrader_cache")  # nbgrader's: in the user's data dir

    def _run(self, step, aid):
        from nbgrader.auth import Authenticator
        from nbgrader.coursedir import CourseDirectory
        from nbgrader.exchange import ExchangeFactory
        coursedir = CourseDirectory(config=self.config)
        coursedir.assignment_id = aid
        cls = getattr(ExchangeFactory(config=self.config), step)
        cls(coursedir=coursedir, authenticator=Authenticator(config=self.config), config=self.config).start()

    def fetch(self, aid):
        """``nbgrader fetch_assignment``: the released folder, into ``home/<aid>``."""
        shutil.rmtree(self.home / aid, ignore_errors=True)
        self._run("FetchAssignment", aid)
        return self.home / aid

    def submit(self, aid):
        """``nbgrader submit``: ``home/<aid>`` into the exchange's inbound folder."""
        self._run("Submit", aid)

    def fetch_feedback(self, aid):
        """``nbgrader fetch_feedback``: the feedback of every submission, as
        ``home/<aid>/feedback/<timestamp>/<notebook>.html``."""
        self._run("FetchFeedback", aid)
        return sorted((self.home / aid / "feedback").glob("*/*.html"))


def exchange_root(course):
    return Path(settings.load(course).Exchange.root)


def homes(course):
    """Where the sample students' home folders are."""
    return Course(course).root / "homes"
