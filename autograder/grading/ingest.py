"""Ingest: the first step of every autograde, nbgrader's ``pre_convert_hook``
(set in the generated ``nbgrader_config.py``), run before nbgrader reads or
copies any file of a submission, whoever started it. A submission is data:

- its student id must be a plain id (``layout.STUDENT_ID``, not a reserved name)
  and its folders real folders, else the whole submission is set aside;
- nothing is followed: links, devices, pipes, sockets and hard-linked files
  are moved to ``quarantine/<id>/<student>/`` (moved, never read or deleted);
- at most ``MAX_FILES`` files, each at most ``MAX_FILE_BYTES`` and together at
  most ``MAX_TOTAL_BYTES``; what is past a cap is moved aside too;
- each notebook must be a valid nbformat 4 notebook of at most
  ``MAX_NOTEBOOK_BYTES``; one that is not is moved aside and replaced by the
  untouched release, so it scores 0 and the rest is still graded.

What it did is written to ``logs/<id>/<student>.ingest``; such a submission is
flagged for review. nbgrader copies the submission after this step, so it only
ever copies regular files that were there when ingest looked.
"""
import json
import os
import shutil
import stat
from pathlib import Path

import nbformat

from ..layout import RESERVED, STUDENT_ID, Course

MAX_FILES = 500
MAX_FILE_BYTES = 100 * 2**20
MAX_TOTAL_BYTES = 300 * 2**20
MAX_NOTEBOOK_BYTES = 20 * 2**20


def pre_convert_hook(assignment=None, student=None, notebooks=(), **_):
    """nbgrader calls this once per submission, with its notebooks' paths."""
    if notebooks:
        folder = Path(notebooks[0]).parent  # <course>/submitted/<student>/<assignment>
        ingest(Course(folder.parents[2]), folder.parent.name, folder.name)


def ingest(course, student, aid):
    """Make ``submitted/<student>/<aid>/`` safe to read; returns the notes."""
    folder, aside = course.submitted(student, aid), course.quarantine(student, aid)
    shutil.rmtree(aside, ignore_errors=True)
    try:
        if not STUDENT_ID.fullmatch(student) or student.lower() in RESERVED:
            notes = [_set_aside(folder, aside, f"{student!r} is not a valid student id")]
        elif not _real_folder(folder.parent) or not _real_folder(folder):
            notes = [_set_aside(folder, aside, "the submission's folder is a link, not a folder")]
        else:
            refused = _refuse_what_is_not_plain(folder, aside)
            notes = [f"refused {path.relative_to(folder)}: {why}" for path, why in refused]
            notes += _check_notebooks(course, folder, aid, aside, {p.name for p, _ in refused if p.parent == folder})
    except Exception as exc:  # noqa: BLE001 - nbgrader ignores a failing hook: never leave it unsafe
        notes = [_set_aside(folder, aside, f"ingest failed ({type(exc).__name__}: {exc})")]
    note = course.ingest_note(student, aid)
    note.unlink(missing_ok=True)
    if notes:
        note.parent.mkdir(parents=True, exist_ok=True)
        note.write_text("\n".join(notes) + "\n")
    return notes


def _real_folder(path):
    try:
        return stat.S_ISDIR(os.lstat(path).st_mode)
    except FileNotFoundError:
        return False


def _set_aside(folder, aside, why):
    """Move the whole submission away (it is not graded)."""
    aside.parent.mkdir(parents=True, exist_ok=True)
    if os.path.lexists(folder):
        os.rename(folder, aside)
    return f"not graded: {why}; the submission was moved to {aside}"


def _move(path, folder, aside):
    target = aside / path.relative_to(folder)
    target.parent.mkdir(parents=True, exist_ok=True)
    os.rename(path, target)  # a rename never follows the link it moves


def _refuse_what_is_not_plain(folder, aside):
    refused, count, total = [], 0, 0
    for path in sorted(walk(folder)):
        info = os.lstat(path)
        why = None
        if not stat.S_ISREG(info.st_mode):
            why = "a link" if stat.S_ISLNK(info.st_mode) else "not a regular file"
        elif info.st_nlink > 1:
            why = "a hard link to another file"
        elif info.st_size > MAX_FILE_BYTES:
            why = f"{info.st_size:,} bytes, over the cap of {MAX_FILE_BYTES:,}"
        elif count + 1 > MAX_FILES or total + info.st_size > MAX_TOTAL_BYTES:
            why = f"past the caps of {MAX_FILES} files and {MAX_TOTAL_BYTES:,} bytes in all"
        if why:
            _move(path, folder, aside)
            refused.append((path, why))
        else:
            count, total = count + 1, total + info.st_size
    return refused


def walk(folder):
    """Every entry under ``folder`` but its real folders, links never followed."""
    with os.scandir(folder) as entries:
        for entry in entries:
            if entry.is_dir(follow_symlinks=False):
                yield from walk(Path(entry.path))
            else:
                yield Path(entry.path)


def _check_notebooks(course, folder, aid, aside, refused):
    """Validate each notebook; one refused or invalid is replaced by the release's."""
    notes = []
    for release in sorted(course.release(aid).glob("*.ipynb")):
        path = folder / release.name
        if release.name in refused:
            shutil.copy(release, path)
            notes.append(f"replaced {path.name} by the untouched release (the submitted one was refused)")
            continue
        if not path.exists():
            continue
        try:
            if path.stat().st_size > MAX_NOTEBOOK_BYTES:
                raise ValueError(f"{path.stat().st_size:,} bytes, over the cap of {MAX_NOTEBOOK_BYTES:,}")
            nb = nbformat.reads(path.read_text(encoding="utf-8"), as_version=nbformat.NO_CONVERT)
            if nb.get("nbformat") != 4:
                raise ValueError(f"nbformat {nb.get('nbformat')}, not 4")
            nbformat.validate(nb)
        except (ValueError, UnicodeDecodeError, json.JSONDecodeError, nbformat.ValidationError) as exc:
            _move(path, folder, aside)
            shutil.copy(release, path)
            notes.append(f"replaced {path.name} by the untouched release: not a valid notebook "
                         f"({str(exc).splitlines()[0][:200]})")
    return notes
