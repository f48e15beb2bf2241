"""``check``: the kit grades itself. For each assignment, the reference
submission must score full marks, the untouched release 0 on every test, and
every realistic bug of the mutant catalog must lose points on the test meant
to catch it."""
import json
import os
import shutil
import time
from pathlib import Path

from ..build.assemble import build
from ..sources import ASSIGNMENTS, assignment_ids
from ..grading.grade import grade
from .submissions import make_submission, mutate, reference_modules


def mutants(assignment_id):
    path = ASSIGNMENTS / assignment_id / "mutants.json"
    return json.loads(path.read_text()) if path.exists() else []


def check_assignment(course_dir, assignment_id, every=1):
    """Grade the reference, the release and every mutant (or every
    ``every``-th, for a quicker run that says so); return the verdicts as rows
    ``(submission, expectation, passed, detail)``."""
    ref = reference_modules(assignment_id)
    shutil.rmtree(Path(course_dir) / "submitted", ignore_errors=True)
    make_submission(course_dir, "reference", assignment_id, ref, solved=True)
    make_submission(course_dir, "untouched", assignment_id)
    catalog = mutants(assignment_id)[::every]
    for m in catalog:  # a bug in a library module ("file") or in a notebook answer cell ("cell")
        if "cell" in m:
            make_submission(course_dir, f"mutant-{m['name']}", assignment_id, ref,
                            patch_cell=(m["cell"], m["old"], m["new"]), solved=True)
        else:
            make_submission(course_dir, f"mutant-{m['name']}", assignment_id,
                            mutate(ref, m["file"], m["old"], m["new"]), solved=True)
    results = {r.student: r for r in grade(course_dir, assignment_id, workers=os.cpu_count())}
    rows = []
    reference, release = results["reference"], results["untouched"]
    full = sum(reference.tests.values())
    rows.append(("reference", "full marks on every test", not reference.failed and all(
        reference.tests[t] == max_points(course_dir, assignment_id, t) for t in reference.tests),
        f"{full:g} points"))
    rows.append(("untouched release", "0 on every test", not any(release.tests.values()),
                 f"{sum(release.tests.values()):g} points"))
    for m in catalog:
        r = results[f"mutant-{m['name']}"]
        lost = r.tests.get(m["test"], 0) < reference.tests.get(m["test"], 0)
        rows.append((f"mutant-{m['name']}", f"loses points on {m['test']}", lost,
                     f"{r.tests.get(m['test'], 0):g}/{reference.tests.get(m['test'], 0):g}"))
    return rows


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


def check_all(course_dir="course", assignments=None, every=1):
    """Build, check every assignment, print the verdicts and the kill rate
    (of every ``every``-th mutant of each catalog)."""
    start = time.perf_counter()
    build(course_dir, assignments)
    ok = True
    for aid in assignments or assignment_ids():
        rows = check_assignment(course_dir, aid, every)
        width = max(len(r[0]) for r in rows) + 2
        print(f"\n{aid}")
        for name, expectation, passed, detail in rows:
            print(f"  {'PASS' if passed else 'FAIL'}  {name.ljust(width)}{expectation} ({detail})")
        killed = [r for r in rows if r[0].startswith("mutant-")]
        rate = sum(r[2] for r in killed) / len(killed) if killed else float("nan")
        sample = f" (every {every}th of {len(mutants(aid))})" if every > 1 else ""
        print(f"  kill rate: {sum(r[2] for r in killed)}/{len(killed)} mutants{sample} ({100 * rate:.0f}%)")
        ok &= all(r[2] for r in rows)
    print(f"\ncheck took {time.perf_counter() - start:.0f} s")
    return ok
