"""A control group per sandbox, for its whole process tree: at most one CPU
(``Grading.cpus``), a memory cap that counts its tmpfs pages too, and a cap on
processes. cgroup v2 where its controllers are there to use, else v1; where
neither can be written (not root, no hierarchy), none: the kernel's rlimits
(kernel.py) are then the only limits, and :func:`describe` says so."""
import os
import uuid
from pathlib import Path

ROOT = Path("/sys/fs/cgroup")
V1 = {"memory": ("memory.limit_in_bytes", None), "cpu": ("cpu.cfs_quota_us", "cpu.cfs_period_us"),
      "pids": ("pids.max", None)}


def _own(controller):
    """This process's cgroup folder in the v1 hierarchy of ``controller``."""
    for line in Path("/proc/self/cgroup").read_text().splitlines():
        _, names, path = line.split(":", 2)
        if controller in names.split(","):
            return ROOT / controller / path.lstrip("/")
    return None


def version():
    """"v2", "v1" or None: what this process can use."""
    if os.geteuid() != 0:
        return None
    v2 = ROOT / "cgroup.controllers"
    if v2.exists() and {"cpu", "memory", "pids"} <= set(v2.read_text().split()):
        return "v2"
    folders = [_own(c) for c in V1]
    return "v1" if all(f and (f / "cgroup.procs").exists() for f in folders) else None


class Group:
    """``with Group(memory_mb, cpus, processes) as group:`` and
    ``group.wrap(command)`` runs ``command`` inside it; on exit, whatever is
    left in it is killed and it is removed."""

    def __init__(self, memory_mb, cpus, processes):
        self.kind, self.name = version(), f"scratchnn-{uuid.uuid4().hex[:12]}"
        self.memory, self.cpus, self.processes = memory_mb * 2**20, cpus, processes
        self.folders = []

    def __enter__(self):
        period = 100_000
        if self.kind == "v2":
            own = ROOT / Path(Path("/proc/self/cgroup").read_text().split("::", 1)[1].strip()).relative_to("/")
            base = own if own == ROOT else own.parent  # v2: no processes in a parent with children, but the root
            try:
                (base / "cgroup.subtree_control").write_text("+cpu +memory +pids")
            except OSError:
                pass  # already on
            folder = base / self.name
            folder.mkdir()
            (folder / "memory.max").write_text(str(self.memory))
            (folder / "cpu.max").write_text(f"{int(period * self.cpus)} {period}")
            (folder / "pids.max").write_text(str(self.processes))
            self.folders = [folder]
        elif self.kind == "v1":
            for controller, (limit, period_file) in V1.items():
                folder = _own(controller) / self.name
                folder.mkdir()
                self.folders.append(folder)
                if period_file:
                    (folder / period_file).write_text(str(period))
                    (folder / limit).write_text(str(int(period * self.cpus)))
                else:
                    (folder / limit).write_text(str(self.memory if controller == "memory" else self.processes))
        return self

    def wrap(self, command):
        """``command``, started by a shell that first joins the group (so that
        nothing it starts runs outside it)."""
        if not self.folders:
            return command
        joins = " && ".join(f"echo $$ > {f / 'cgroup.procs'}" for f in self.folders)
        return ["/bin/sh", "-c", f'{joins} && exec "$@"', "sh", *command]

    def __exit__(self, *exc):
        for folder in self.folders:
            for _ in range(50):
                pids = (folder / "cgroup.procs").read_text().split()
                if not pids:
                    break
                for pid in pids:
                    try:
                        os.kill(int(pid), 9)
                    except ProcessLookupError:
                        pass
            _rmdir(folder)


def _rmdir(folder):
    try:
        folder.rmdir()
    except OSError:
        pass


def group_memory_mb(grading):
    """The kernel's memory, both tmpfs and room for the runner."""
    return grading.memory_mb + 2 * grading.tmp_mb + 256


def describe(grading):
    """One line: the limits every sandbox runs under, and by what means."""
    kind = version()
    group = (f"control groups {kind}: at most {grading.cpus:g} CPU, {group_memory_mb(grading):,} MB "
             f"of memory (tmpfs included), {grading.processes} processes" if kind else
             "no control groups (not root, or none here): no CPU share; memory and processes by rlimits only")
    return (f"limits per sandbox: {grading.memory_mb:,} MB address space, {grading.cpu_s} CPU s, "
            f"{grading.processes} processes, files of {grading.file_mb} MB, /tmp and working copy "
            f"{grading.tmp_mb} MB each, {grading.max_output:,} bytes of output per cell, "
            f"{grading.wall_s} s per notebook; {group}")
