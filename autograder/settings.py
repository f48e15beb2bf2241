"""The kit's one typed configuration, ``c.Grading.*`` in the course's
generated ``nbgrader_config.py``, beside nbgrader's own settings. The build
writes it; the sandbox, the judge, the reference run and ``grade`` read it
from there, whoever starts nbgrader (its CLI, formgrader, or ``grade``)."""
from traitlets import Dict, Enum, Float, Integer
from traitlets.config import Config, Configurable
from traitlets.config.loader import PyFileConfigLoader

from .layout import Course


class Grading(Configurable):
    """Limits and isolation of the sandbox each notebook runs in."""

    isolation = Enum(["auto", "bubblewrap", "none"], "auto",
                     help="bubblewrap, none (limits only), or auto: bubblewrap if it works").tag(config=True)
    timeouts = Dict(value_trait=Integer(), help="seconds per cell, by assignment").tag(config=True)
    timeout = Integer(30, help="seconds per cell of an assignment not in `timeouts`").tag(config=True)
    wall_s = Integer(600, help="seconds for a whole notebook").tag(config=True)
    memory_mb = Integer(4096, help="address space of the kernel, MB").tag(config=True)
    cpu_s = Integer(600, help="CPU seconds of the kernel").tag(config=True)
    cpus = Float(1.0, help="CPUs a sandbox may use at most (with control groups)").tag(config=True)
    processes = Integer(64, help="processes and threads of the kernel's user").tag(config=True)
    file_mb = Integer(200, help="largest file the kernel may write, MB").tag(config=True)
    max_output = Integer(1_000_000, help="bytes of output kept per cell").tag(config=True)
    tmp_mb = Integer(512, help="size of the sandbox's /tmp and, apart, of its working copy: "
                               "each a tmpfs held in memory, MB (bubblewrap only)").tag(config=True)

    def cell_timeout(self, assignment_id):
        return self.timeouts.get(assignment_id, self.timeout)

    def limits(self, uid):
        """What the kernel takes on before any student code runs (kernel.py)."""
        return {"uid": uid, "memory_mb": self.memory_mb, "cpu_s": self.cpu_s,
                "processes": self.processes, "file_mb": self.file_mb}

    def as_config_lines(self):
        """This object's values as lines of ``nbgrader_config.py``."""
        return [f"c.Grading.{name} = {getattr(self, name)!r}" for name in sorted(self.trait_names(config=True))]


def load(course):
    """The course's configuration, as nbgrader itself reads it."""
    course = Course(course)
    if not course.config_file.exists():
        raise SystemExit(f"{course.root} has no nbgrader_config.py: run `python -m autograder build` first")
    config = Config()
    config.merge(PyFileConfigLoader(course.config_file.name, path=str(course.root)).load_config())
    return config


def grading(course):
    return Grading(config=load(course))


def gradebook_url(course):
    return load(course).CourseDirectory.db_url
