"""Collect the zips an LMS (Canvas, Moodle, ...) gives out, one per student, into
nbgrader's ``submitted/<student id>/<assignment id>/``.

Layout: a folder of zips, one per student, named ``<student id>.zip`` or
``<student id>__<anything>.zip`` (``will_smith__attempt_2026-11-20.zip``), or any
LMS name when a roster of ids is given (the longest id the name starts with,
followed by ``_``, ``-``, ``.`` or nothing). Inside: the release's files as laid
out in the release (``01_layers.ipynb``, ``scratchnn/layers.py``, ...),
optionally under one top folder. Every zip is treated as hostile data.
"""
import os
import shutil
import stat
import tempfile
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from ..layout import RESERVED, STUDENT_ID



TIMESTAMP_FORMAT = "%Y-%m-%d %H:%M:%S.%f UTC"  # what nbgrader parses from timestamp.txt
CHUNK = 2**20
# What a damaged, truncated, encrypted or exotic zip raises while listed or read.
UNREADABLE = (zipfile.BadZipFile, OSError, EOFError, RuntimeError, NotImplementedError, ValueError, zlib.error)


@dataclass
class Collected:
    students: dict = field(default_factory=dict)  # student id -> sorted relative paths written
    problems: list = field(default_factory=list)  # one line each, naming the zip (and entry)


class Refused(Exception):
    """The zip broke a cap: nothing of it is collected."""


def student_id(zip_name, roster=None):
    """The id a zip's name gives; None when the roster holds no id for it."""
    stem = zip_name[:-len(".zip")]
    if roster is None:
        return stem.split("__", 1)[0]
    fits = [sid for sid in roster
            if stem == sid or (stem.startswith(sid) and stem[len(sid):len(sid) + 1] in ("_", "-", "."))]
    return max(fits, key=len, default=None)  # "will_smith_a1" is will_smith's, not will's


def entry_parts(name):
    """The components of a relative entry path, or None if it is not safe to write."""
    if name.startswith("/") or "\\" in name or "\0" in name:
        return None
    parts = [p for p in name.split("/") if p not in ("", ".")]
    return parts if parts and ".." not in parts else None


def top_folder_is_root(paths, wanted):
    """Whether all entries sit under one top folder ("compress folder") to take as
    the root: not when that loses wanted files (a zip of just scratchnn/ keeps it)."""
    if len({p[0] for p in paths}) != 1 or any(len(p) < 2 for p in paths):
        return False
    return sum(wanted("/".join(p[1:])) for p in paths) >= sum(wanted("/".join(p)) for p in paths)


def read_zip(path, wanted, into, max_files, max_file_bytes, max_total_bytes):
    """Write the wanted files of one zip, and its timestamp.txt, under ``into``;
    return (sorted relative paths written, problems). Raise Refused past a cap."""
    problems, files = [], []
    with zipfile.ZipFile(path) as zf:
        infos = zf.infolist()
        if len(infos) > max_files:
            raise Refused(f"{len(infos)} entries, more than the {max_files} allowed")
        for info in infos:
            name, mode = info.orig_filename, info.external_attr >> 16  # orig keeps any NUL
            parts = entry_parts(name)
            if parts is None:
                problems.append(f"{name!r}: unsafe path (absolute, '..', backslash or NUL); skipped")
            elif parts[0] == "__MACOSX" or parts[-1] == ".DS_Store":
                continue  # Finder's litter
            elif stat.S_ISLNK(mode):
                problems.append(f"{name!r}: symbolic link; skipped")
            elif info.is_dir() or stat.S_ISDIR(mode):
                continue  # folders are made as their files need them
            elif stat.S_IFMT(mode) not in (0, stat.S_IFREG):  # no type bits: a plain file
                problems.append(f"{name!r}: not a regular file; skipped")
            else:
                files.append((parts, info))
        strip = int(top_folder_is_root([p for p, _ in files], wanted))
        written, dates, ignored, total = [], [], [], 0
        for parts, info in files:
            rel = "/".join(parts[strip:])
            if rel != "timestamp.txt" and not wanted(rel):
                ignored.append(rel)
                continue
            target = os.path.join(into, *parts[strip:])
            try:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                out = open(target, "xb")  # exclusive: never through an existing file or link
            except (FileExistsError, NotADirectoryError):
                problems.append(f"{info.orig_filename!r}: clashes with another entry; skipped")
                continue
            with out, zf.open(info) as src:
                size = 0
                while chunk := src.read(CHUNK):  # count what comes out: headers can lie
                    size, total = size + len(chunk), total + len(chunk)
                    if size > max_file_bytes:
                        raise Refused(f"{info.orig_filename!r} unpacks to over {max_file_bytes} bytes")
                    if total > max_total_bytes:
                        raise Refused(f"unpacks to over {max_total_bytes} bytes in all")
                    out.write(chunk)
            written.append(rel)
            try:
                dates.append(datetime(*info.date_time))  # no zone in a zip: taken as UTC
            except ValueError:  # a zeroed DOS date
                pass
    if ignored:
        more = ", ..." if len(ignored) > 5 else ""
        problems.append(f"ignored {len(ignored)} file(s) not asked for: {', '.join(ignored[:5])}{more}")
    if not written:
        problems.append("holds none of the files asked for; nothing collected")
    elif "timestamp.txt" not in written and dates:
        with open(os.path.join(into, "timestamp.txt"), "x") as f:
            f.write(max(dates).strftime(TIMESTAMP_FORMAT))
        written.append("timestamp.txt")
    return sorted(written), problems


def replace(tmp, dest):
    """Move the folder ``tmp`` to ``dest``, the earlier ``dest`` out of the way first."""
    os.chmod(tmp, 0o755)  # mkdtemp's 0o700 would hide it from a grader run as another user
    old = tmp.with_name(tmp.name + "-old")
    dest.parent.mkdir(exist_ok=True)
    if os.path.lexists(dest):
        os.rename(dest, old)
    os.rename(tmp, dest)
    if os.path.lexists(old):
        old.unlink() if old.is_symlink() else shutil.rmtree(old)


def collect_zips(zip_dir, submitted_dir, assignment_id, wanted, roster=None,
                 max_files=200, max_file_bytes=50 * 2**20, max_total_bytes=200 * 2**20):
    """Collect each ``*.zip`` of ``zip_dir`` into ``submitted_dir/<id>/<assignment_id>/``
    (replacing an earlier one), keeping the files whose ``/``-separated relative
    path ``wanted`` accepts. Caps: entries per zip, bytes per file, bytes per zip."""
    zip_dir, submitted_dir = Path(zip_dir), Path(submitted_dir)
    names = zip_dir.iterdir() if zip_dir.is_dir() else ()
    zips = sorted(p for p in names if p.suffix.lower() == ".zip" and p.is_file())
    if not zips:
        raise SystemExit(f"no .zip file in {zip_dir}: expected one zip per student, named "
                         f"<student id>.zip or <student id>__<anything>.zip (any name with a roster)")
    if not STUDENT_ID.fullmatch(assignment_id):
        raise ValueError(f"not an assignment id: {assignment_id!r}")
    roster = None if roster is None else set(roster)
    result, by_id = Collected(), {}
    for path in zips:
        sid = student_id(path.name, roster)
        if sid is None:
            result.problems.append(f"{path.name}: matches no student id of the roster; skipped")
        elif not STUDENT_ID.fullmatch(sid) or sid.lower() in RESERVED:
            result.problems.append(f"{path.name}: {sid!r} is not a valid student id or is reserved; skipped")
        else:
            by_id.setdefault(sid, []).append(path)
    submitted_dir.mkdir(parents=True, exist_ok=True)
    for sid, paths in sorted(by_id.items()):
        if len(paths) > 1:
            names = ", ".join(p.name for p in paths)
            result.problems += [f"{p.name}: {sid!r} is given by {names}; none collected" for p in paths]
            continue
        # Unpacked in submitted/ itself: same filesystem, so moving it in is a rename,
        # and a zip that fails leaves no trace (its temporary folder is removed).
        tmp = Path(tempfile.mkdtemp(prefix=f".collecting-{sid}-", dir=submitted_dir))
        try:
            try:
                written, problems = read_zip(paths[0], wanted, tmp, max_files, max_file_bytes, max_total_bytes)
            except Refused as e:
                written, problems = [], [f"{e}; nothing of it collected"]
            except UNREADABLE as e:
                written, problems = [], [f"not a readable zip ({type(e).__name__}: {e}); skipped"]
            if written:
                replace(tmp, submitted_dir / sid / assignment_id)
                result.students[sid] = written
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        result.problems += [f"{paths[0].name}: {p}" for p in problems]
    return result
