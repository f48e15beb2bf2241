"""``check``: the kit grades itself. For each assignment, the reference
submission must score full marks, the untouched release 0 on every test, and
every realistic bug of the mutant catalog must lose points on the test meant
to catch it; every function its students write (the manifest's ``writes``)
must be covered by a graded test.

A catalog (``assignments/<id>/mutants.json``, or any file given with
``--catalog``) is a list of mutants, each a bug in a library module or in a
notebook answer cell, named, with the test meant to catch it::

    {"name": "...", "test": "test_x", "file": "layers.py", "old": "...", "new": "..."}
    {"name": "...", "test": "test_x", "cell": "choose_lambda", "old": "...", "new": "..."}
    {"name": "...", "test": "test_x", "replace": [{"file": ..., "old": ..., "new": ...},
                                                  {"cell": ..., "old": ..., "new": ...}]}

Each ``old`` must occur exactly once in its file or cell (the replacements of
one mutant are made in order). A file given with ``--catalog`` holds either such
a list (for the one assignment checked) or ``{"<assignment id>": [...], ...}``.

Coverage is worked out from the mutants: a function in ``writes`` is covered
when a mutant that changes that function alone loses points on a graded test.
A function is what a solution region of the reference library sits in
(``layers.Linear.backward``); a mutant changes the functions its ``old`` strings
start in."""
import contextlib
import json
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

from .. import sources
from ..build.assemble import build, notebook_from_source
from ..build.expected import recipe
from ..build.strip import _enclosing_function, regions
from ..grading.grade import grade
from ..sources import ASSIGNMENTS, LIBRARY, assignment_ids
from .submissions import make_submission, mutate, reference_modules

COVERAGE_RULE = ("covered: a mutant that changes that function alone loses points on a graded test")


# -- catalogs ------------------------------------------------------------------
def mutants(assignment_id, catalog=None):
    """The mutants of ``assignment_id``: from ``catalog`` (a path) if given,
    else the assignment's own ``mutants.json``."""
    path = Path(catalog) if catalog else ASSIGNMENTS / assignment_id / "mutants.json"
    if not path.exists():
        if catalog:
            raise SystemExit(f"no catalog {path}")
        return []
    try:
        data = json.loads(path.read_text())
    except ValueError as exc:
        raise SystemExit(f"{path} is not JSON: {exc}") from None
    if isinstance(data, dict):
        data = data.get(assignment_id, [])
    if not isinstance(data, list):
        raise SystemExit(f"{path}: a catalog is a list of mutants, or {{assignment id: [mutants]}}")
    return data


def replacements(mutant):
    """The mutant's replacements, each ``{"file" or "cell": ..., "old": ..., "new": ...}``."""
    if "replace" in mutant:
        return list(mutant["replace"])
    return [{k: mutant[k] for k in ("file", "cell", "old", "new") if k in mutant}]


def apply(modules, mutant):
    """``(modules, cell patches)`` of a submission with the mutant's bug: the
    library modules changed, and ``(grade_id, old, new)`` for notebook cells."""
    cells = []
    for r in replacements(mutant):
        if "cell" in r:
            cells.append((r["cell"], r["old"], r["new"]))
        else:
            modules = mutate(modules, r["file"], r["old"], r["new"])
    return modules, cells


# -- who writes what -------------------------------------------------------------
def writes_functions(assignment_id):
    """The library functions students write in ``assignment_id``: every
    function holding a solution region that its manifest's ``writes`` covers,
    as ``module.Class.function``."""
    found = []
    for path in sorted(LIBRARY.glob("*.py")):
        text = path.read_text()
        lines = text.splitlines()
        for start, _ in regions(text, filename=str(path)):
            name = f"{path.stem}.{_enclosing_function(lines, start)}"
            if sources.owner(name) == assignment_id and name not in found:
                found.append(name)
    return found


def touched(mutant):
    """What each replacement of ``mutant`` changes: ``module.Class.function``
    (where its ``old`` starts in the reference module) or ``cell <grade id>``."""
    out = []
    for r in replacements(mutant):
        if "cell" in r:
            out.append(f"cell {r['cell']}")
            continue
        text = (LIBRARY / r["file"]).read_text()
        at = text.find(r["old"])
        if at < 0:
            out.append(f"{Path(r['file']).stem}.?")
            continue
        at += len(r["old"]) - len(r["old"].lstrip())  # the first character that is not blank
        index = text.count("\n", 0, at)
        out.append(f"{Path(r['file']).stem}.{_enclosing_function(text.splitlines(), index) or '<module>'}")
    return list(dict.fromkeys(out))


def graded_tests(assignment_id):
    """``{grade id: notebook}`` of the assignment's graded test cells."""
    found = {}
    for name in sources.manifest(assignment_id)["notebooks"]:
        nb = notebook_from_source(ASSIGNMENTS / assignment_id / name)
        for cell in nb.cells:
            meta = cell.metadata.get("nbgrader", {})
            if cell.cell_type == "code" and meta.get("grade"):
                found[meta["grade_id"]] = name
    return found


def catalog_problems(assignment_id, catalog):
    """What is wrong with a catalog before anything is graded: mutants without a
    name or a graded test, names used twice, and replacements that do not apply
    exactly once (see :func:`unmutated` for the functions it leaves out)."""
    problems, tests, names = [], graded_tests(assignment_id), set()
    ref = reference_modules(assignment_id)
    cells = _solution_cells(assignment_id)
    for i, m in enumerate(catalog):
        name = m.get("name") or f"#{i}"
        if not m.get("name"):
            problems.append(f"mutant #{i} has no name")
        elif name in names:
            problems.append(f"mutant {name}: the name is used twice")
        names.add(name)
        if m.get("test") not in tests:
            problems.append(f"mutant {name}: {m.get('test')!r} is not a graded test of {assignment_id}")
        try:
            modules, patched = ref, dict(cells)
            for r in replacements(m):
                if not {"old", "new"} <= set(r) or ("file" in r) == ("cell" in r):
                    raise ValueError("each replacement needs a file or a cell, an old and a new string")
                if "file" in r:
                    if r["file"] not in modules:
                        raise ValueError(f"{r['file']} is not a module students write in {assignment_id}")
                    modules = mutate(modules, r["file"], r["old"], r["new"])
                else:
                    if r["cell"] not in patched:
                        raise ValueError(f"no answer cell {r['cell']!r}")
                    if patched[r["cell"]].count(r["old"]) != 1:
                        raise ValueError(f"the patch for cell {r['cell']} matches "
                                         f"{patched[r['cell']].count(r['old'])} times: {r['old']!r}")
                    patched[r["cell"]] = patched[r["cell"]].replace(r["old"], r["new"])
        except (ValueError, KeyError) as exc:
            problems.append(f"mutant {name}: {exc}")
    return problems


def unmutated(assignment_id, catalog):
    """The functions of ``writes`` that no mutant of ``catalog`` changes alone
    (``check`` reports them uncovered)."""
    alone = {f for m in catalog for f in touched(m) if len(touched(m)) == 1}
    return [f for f in writes_functions(assignment_id) if f not in alone]


def _solution_cells(assignment_id):
    cells = {}
    for name in sources.manifest(assignment_id)["notebooks"]:
        for cell in notebook_from_source(ASSIGNMENTS / assignment_id / name).cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("solution") and not meta.get("grade"):
                cells[meta["grade_id"]] = cell.source
    return cells


# -- the data an assignment runs on ----------------------------------------------
def _standin_dir():
    return Path(os.environ.get("SCRATCHNN_STANDIN_DIR") or f"/var/tmp/scratchnn-standin-{os.getuid()}")


@contextlib.contextmanager
def dataset_for(assignment_id):
    """While checking ``assignment_id``: its dataset as cached, or, where its
    manifest names a ``standin`` and the dataset is not cached, the synthetic
    stand-in, made (once) in a dataset cache folder of its own. Yields a
    sentence saying which."""
    import data_scripts
    spec = sources.manifest(assignment_id)
    name = spec.get("dataset")
    if name is None:
        yield "no dataset"
        return
    label = {"mnist": "MNIST", "cifar10": "CIFAR-10"}.get(name, name)
    if data_scripts.is_cached(name):
        if _is_standin(data_scripts.cache_path(name)):
            yield f"a synthetic stand-in for {label}, cached in place of {label} (its accuracies say nothing about {label})"
        else:
            yield f"{label}, cached"
        return
    if name == "mnist":
        yield "the bundled MNIST subset (MNIST is not cached)"
        return
    if not spec.get("standin"):
        yield f"{label} is NOT cached: its reference cannot be run"
        return
    folder = _standin_dir()
    if not data_scripts.is_cached(name, folder):
        folder.mkdir(parents=True, exist_ok=True)
        recipe(assignment_id, spec["standin"]).make_standin_cache(folder)
    os.chmod(folder, 0o755)  # the grading kernel runs as another user
    before = os.environ.get("SCRATCHNN_DATA_DIR")
    os.environ["SCRATCHNN_DATA_DIR"] = str(folder)
    try:
        yield (f"the SYNTHETIC STAND-IN for {label} ({folder}), since {label} is not cached: "
               f"its accuracies say nothing about {label}")
    finally:
        if before is None:
            os.environ.pop("SCRATCHNN_DATA_DIR", None)
        else:
            os.environ["SCRATCHNN_DATA_DIR"] = before


def _is_standin(path):
    import numpy as np
    with np.load(path, allow_pickle=False) as data:
        return bool(json.loads(str(data["meta"])).get("standin", False))


# -- grading ---------------------------------------------------------------------
@dataclass
class MutantResult:
    mutant: dict
    pieces: list                 # what it changes (module.function or cell <id>)
    test: str                    # the test meant to catch it
    score: float                 # on that test
    reference: float             # the reference's score on that test
    total: float
    also: list = field(default_factory=list)   # other tests on which it lost points

    @property
    def killed(self):
        return self.score < self.reference


@dataclass
class Report:
    assignment: str
    data: str = ""
    rows: list = field(default_factory=list)         # (submission, expectation, passed, detail)
    results: list = field(default_factory=list)      # MutantResult, in catalog order
    total: float = 0.0                               # the reference's autograded points
    functions: list = field(default_factory=list)    # writes functions
    sampled: bool = False                            # only part of the catalog was graded
    catalog_size: int = 0
    problems: list = field(default_factory=list)     # the catalog's

    def coverage(self):
        """``{function: (killed single-function mutants, tests that caught them,
        other mutants touching it)}``."""
        out = {}
        for f in self.functions:
            alone = [r for r in self.results if r.pieces == [f]]
            killed = [r for r in alone if r.killed]
            tests = list(dict.fromkeys(t for r in killed for t in [r.test, *r.also]))
            shared = [r for r in self.results if f in r.pieces and len(r.pieces) > 1]
            out[f] = (alone, killed, tests, shared)
        return out

    @property
    def uncovered(self):
        return [f for f, (_, killed, _, _) in self.coverage().items() if not killed]

    @property
    def ok(self):
        return (not self.problems and all(r[2] for r in self.rows) and all(r.killed for r in self.results)
                and (self.sampled or not self.uncovered))


def check_assignment(course_dir, assignment_id, every=1, catalog=None, data=""):
    """Grade the reference, the release and every mutant of the catalog (or
    every ``every``-th, for a quicker run that says so); return a :class:`Report`."""
    full_catalog = mutants(assignment_id, catalog)
    report = Report(assignment_id, data, functions=writes_functions(assignment_id),
                    sampled=every > 1, catalog_size=len(full_catalog),
                    problems=catalog_problems(assignment_id, full_catalog))
    if report.problems:
        return report
    ref = reference_modules(assignment_id)
    shutil.rmtree(Path(course_dir) / "submitted", ignore_errors=True)
    make_submission(course_dir, "reference", assignment_id, ref, solved=True)
    make_submission(course_dir, "untouched", assignment_id)
    chosen = full_catalog[::every]
    for m in chosen:
        modules, cells = apply(ref, m)
        make_submission(course_dir, f"mutant-{m['name']}", assignment_id, modules, patch_cells=cells, solved=True)
    results = {r.student: r for r in grade(course_dir, assignment_id, workers=os.cpu_count())}
    reference, release = results["reference"], results["untouched"]
    report.total = sum(reference.tests.values())
    report.rows.append(("reference", "full marks on every test", not reference.failed and all(
        reference.tests[t] == max_points(course_dir, assignment_id, t) for t in reference.tests),
        f"{report.total:g} points"))
    report.rows.append(("untouched release", "0 on every test", not any(release.tests.values()),
                        f"{sum(release.tests.values()):g} points"))
    for m in chosen:
        r = results[f"mutant-{m['name']}"]
        also = [t for t in reference.tests if t != m["test"] and r.tests.get(t, 0) < reference.tests[t]]
        report.results.append(MutantResult(m, touched(m), m["test"], r.tests.get(m["test"], 0),
                                           reference.tests.get(m["test"], 0), sum(r.tests.values()), also))
    return report


def max_points(course_dir, assignment_id, grade_id):
    from nbgrader.api import Gradebook

    from ..layout import COURSE_ID
    from ..settings import gradebook_url
    with Gradebook(gradebook_url(course_dir), COURSE_ID) as gb:
        for nb in gb.find_assignment(assignment_id).notebooks:
            for cell in nb.grade_cells:
                if cell.name == grade_id:
                    return cell.max_score
    raise KeyError(grade_id)


# -- the table -------------------------------------------------------------------
def _short(names, width=None):
    text = ", ".join(names) if names else "-"
    return text if width is None or len(text) <= width else text[:width - 3] + "..."


def format_report(report, every=1):
    """The verdicts, every mutant with its test's score, the total and the other
    tests that caught it, the kill rate, and every writes function with what covers it."""
    out = [f"\n{report.assignment} (data: {report.data})"]
    for problem in report.problems:
        out.append(f"  FAIL  catalog: {problem}")
    if report.problems:
        return "\n".join(out)
    width = max([len(r[0]) for r in report.rows] + [len(f"mutant-{r.mutant['name']}") for r in report.results]) + 2
    for name, expectation, passed, detail in report.rows:
        out.append(f"  {'PASS' if passed else 'FAIL'}  {name.ljust(width)}{expectation} ({detail})")
    if report.results:
        tw = max(len(r.test) for r in report.results) + 2
        out.append(f"  mutants: the score of the test meant to catch it, the total (of {report.total:g}), "
                   f"and any other test that lost points")
        for r in report.results:
            out.append(f"  {'PASS' if r.killed else 'FAIL'}  {('mutant-' + r.mutant['name']).ljust(width)}"
                       f"{r.test.ljust(tw)}{r.score:g}/{r.reference:g}  total {r.total:g}/{report.total:g}"
                       + (f"  also caught by {', '.join(r.also)}" if r.also else ""))
    killed = sum(r.killed for r in report.results)
    rate = killed / len(report.results) if report.results else float("nan")
    sample = f" (every {every}th of {report.catalog_size})" if report.sampled else ""
    out.append(f"  kill rate: {killed}/{len(report.results)} mutants{sample} ({100 * rate:.0f}%)")
    charged = [r for r in report.results if r.killed and r.also]
    out.append(f"  charged on more than one test: {len(charged)} of {killed} mutants caught"
               + (f" ({_short([r.mutant['name'] for r in charged])})" if charged else ""))
    out.append(f"  writes functions ({COVERAGE_RULE}):")
    fw = max([len(f) for f in report.functions] + [10]) + 2
    coverage = report.coverage()
    for f in report.functions:
        alone, killed_alone, tests, shared = coverage[f]
        if killed_alone:
            status = "PASS"
        elif report.sampled:
            status = "--  "
        else:
            status = "FAIL"
        names = [r.mutant["name"] for r in alone] + [f"{r.mutant['name']} (with {', '.join(p for p in r.pieces if p != f)})"
                                                      for r in shared]
        if not alone and not report.sampled:
            names = ["none of its own in the catalog"] + names
        out.append(f"  {status}  {f.ljust(fw)}tests: {_short(tests).ljust(34)} mutants "
                   f"{len(killed_alone)}/{len(alone)} killed: {_short(names, 120)}")
    covered = len(report.functions) - len(report.uncovered)
    note = " (a sample of the catalog: the rest are not graded, so coverage is not judged)" if report.sampled else ""
    out.append(f"  coverage: {covered}/{len(report.functions)} writes functions{note}")
    cells = [r for r in report.results if any(p.startswith("cell ") for p in r.pieces)]
    if cells:
        out.append(f"  answer cells: {killed_cells(cells)}")
    return "\n".join(out)


def killed_cells(results):
    by = {}
    for r in results:
        for p in r.pieces:
            if p.startswith("cell "):
                by.setdefault(p[5:], []).append(r)
    return "; ".join(f"{cell} {sum(r.killed for r in rs)}/{len(rs)} mutants killed" for cell, rs in by.items())


def check_all(course_dir="course", assignments=None, every=1, catalog=None):
    """Build and check every assignment (each on its own data: see
    :func:`dataset_for`), print the tables; True if everything held. With
    ``every``, only every ``every``-th mutant of each catalog is graded;
    ``catalog``: a catalog file of one's own instead of the assignments'."""
    start = time.perf_counter()
    ok = True
    chosen = assignments or assignment_ids()
    if catalog and len(chosen) > 1 and isinstance(json.loads(Path(catalog).read_text()), list):
        raise SystemExit("a catalog that is a list is for one assignment: name it, or key the catalog by assignment")
    for aid in chosen:
        with dataset_for(aid) as data:
            build(course_dir, [aid])
            report = check_assignment(course_dir, aid, every, catalog, data)
        print(format_report(report, every), flush=True)
        ok &= report.ok
    print(f"\ncheck took {time.perf_counter() - start:.0f} s")
    return ok
