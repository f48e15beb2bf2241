"""The reference solution's answers, recorded once, at build: the source
notebooks (answer cells solved) run with the reference modules and handed-in
files through the same sandbox and limits as every submission. The judge
compares each submission's answers with these, by grade id and check name.

Runs are cached by everything they depend on (notebooks, modules, expected
arrays, handed-in files, the dataset cache, this Python and NumPy), in
``$SCRATCHNN_REFERENCE_CACHE`` (default ``~/.cache/scratchnn/reference``), so
courses built from the same sources share one run."""
import hashlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
import numpy as np

from data_scripts import cache

from .. import sources
from ..grading.judge import load_answers
from ..grading.sandbox import run_notebook
from . import expected


def artifacts(course, aid):
    """What a solved submission of ``aid`` hands in besides notebooks and
    modules, made once per course by the assignment's ``reference_artifacts.py``."""
    folder = course.reference_artifacts(aid)
    if not (sources.ASSIGNMENTS / aid / "reference_artifacts.py").exists():
        return []
    if not (folder / ".made").exists():
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        expected.recipe(aid, "reference_artifacts.py").make(folder)
        (folder / ".made").touch()
    return sorted(p for p in folder.iterdir() if not p.name.startswith("."))


def solved_folder(course, aid, dest):
    """``dest``: the source folder with the reference modules and handed-in files."""
    shutil.copytree(course.source(aid), dest, ignore=shutil.ignore_patterns("*.ipynb", "hidden_*"))
    for name, text in sources.reference_modules(aid).items():
        (dest / "scratchnn" / name).write_text(text)
    for path in artifacts(course, aid):
        shutil.copy(path, dest)
    return dest


def _content(path):
    """What in a file can change a run: not cell ids, nor a zip's timestamps."""
    if path.suffix == ".ipynb":
        cells = nbformat.read(path, as_version=4).cells
        return json.dumps([(c.cell_type, c.source, c.metadata.get("nbgrader")) for c in cells]).encode()
    if path.suffix == ".npz":
        with np.load(path, allow_pickle=False) as data:
            return b"".join(k.encode() + np.ascontiguousarray(data[k]).tobytes() for k in sorted(data.files))
    return path.read_bytes()


def _key(course, aid, solved):
    digest = hashlib.sha256(f"{sys.version} {np.__version__}".encode())
    source = course.source(aid)
    files = sorted(source.glob("*.ipynb")) + sorted(source.glob("hidden_*"))
    named = [(p.name, p) for p in files] + [(str(p.relative_to(solved)), p)
                                           for p in sorted(solved.rglob("*")) if p.is_file()]
    for name, path in named:
        digest.update(name.encode() + b"\0" + _content(path))
    data = cache.cache_dir()
    for path in sorted(data.glob("*")) if data.exists() else []:
        stat = path.stat()
        digest.update(f"{path.name} {stat.st_size} {stat.st_mtime_ns}".encode())
    return digest.hexdigest()[:24]


def unjudged_cells(course, aid, answers):
    """Graded cells of ``aid`` none of whose recorded ``answers`` the kernel
    cannot forge: a check against a withheld array, or one judged from a
    handed-in file. Only a cell grading a choice (the manifest's
    ``graded_choices``) may do without, and it must still record an answer."""
    choices = set(sources.manifest(aid).get("graded_choices", []))
    found = []
    for path in sorted(course.source(aid).glob("*.ipynb")):
        for gid in _test_cells(path):
            metas = [meta for _, _, meta in load_answers(answers / path.stem).get(gid, [])]
            if not metas or not (gid in choices or any(m.get("judge") or (m.get("recorded") and not m.get("compared"))
                                                      for m in metas)):
                found.append(f"{path.name}: {gid}")
    return found


def _test_cells(path):
    return [c.metadata["nbgrader"]["grade_id"] for c in nbformat.read(path, as_version=4).cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")]


def _cache_root():
    return Path(os.environ.get("SCRATCHNN_REFERENCE_CACHE", Path.home() / ".cache" / "scratchnn" / "reference"))


def record(course, aid, grading):
    """Run (or take from the cache) the reference of ``aid`` and store its
    answers in ``course.reference_answers(aid)``; returns a line saying which."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="scratchnn-reference-") as tmp:
        try:
            solved = solved_folder(course, aid, Path(tmp) / "submission")
        except FileNotFoundError as missing:  # its dataset is not cached (CIFAR-10 cannot be bundled)
            return f"{aid}: the reference's answers are NOT recorded, so it cannot be graded yet: {missing}"
        cached = _cache_root() / _key(course, aid, solved)
        how = "taken from the cache"
        if not (cached / "done").exists():
            how = "recorded"
            _cache_root().mkdir(parents=True, exist_ok=True)
            staging = Path(tempfile.mkdtemp(prefix="staging-", dir=_cache_root()))
            for path in sorted(course.source(aid).glob("*.ipynb")):
                nb = nbformat.read(path, as_version=4)
                run_notebook(nb, solved, Path(tmp) / path.stem, grading, aid, course.source(aid), uid=199999)
                status = json.loads((Path(tmp) / path.stem / "status.json").read_text())
                if not status["completed"]:
                    raise SystemExit(f"the reference solution of {aid}/{path.name} did not run to the end: "
                                     f"{status['reason']}\n{(Path(tmp) / path.stem / 'runner.log').read_text()[-2000:]}")
                shutil.copytree(Path(tmp) / path.stem / "answers", staging / path.stem, dirs_exist_ok=True)
                (staging / path.stem).mkdir(exist_ok=True)
            (staging / "done").touch()
            shutil.rmtree(cached, ignore_errors=True)
            staging.rename(cached)
    unjudged = unjudged_cells(course, aid, cached)
    if unjudged:
        raise SystemExit(f"{aid}: these graded cells give the grader no answer it can judge against "
                         f"something the kernel never saw (a withheld Expected.check, or judged_from_file; "
                         f"or list the cell in the manifest's graded_choices):\n  " + "\n  ".join(unjudged))
    target = course.reference_answers(aid)
    shutil.rmtree(target, ignore_errors=True)
    shutil.copytree(cached, target, ignore=shutil.ignore_patterns("done"))
    os.chmod(target.parent, 0o700)  # the judge's, never the student kernel's
    return f"{aid}: the reference's answers {how} ({time.perf_counter() - start:.0f} s)"
