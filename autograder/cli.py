"""``python -m autograder``: build, record, lint, grade, report, demo, check, hostile."""
import argparse
import os
from pathlib import Path


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python -m autograder", description=__doc__)
    parser.add_argument("--course", default="course", type=Path,
                        help="the nbgrader course directory (default: course/)")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="assemble course/ and release every assignment")
    build.add_argument("assignments", nargs="*")
    build.add_argument("--db-url", help="gradebook database URL, e.g. postgresql+psycopg2://user:pw@host/db "
                                        "(default: SQLite in the course directory)")
    build.add_argument("--isolation", choices=["auto", "bubblewrap", "none"], default="auto",
                       help="sandbox for student code (default: bubblewrap where it works)")
    build.add_argument("--exchange", type=Path,
                       help="nbgrader's exchange folder, shared with the students' Jupyter, e.g. "
                            "/srv/nbgrader/exchange (default: COURSE/exchange)")
    record = sub.add_parser("record", help="record an assignment's expected arrays from the reference")
    record.add_argument("assignment")
    sub.add_parser("lint", help="look for leaks in release/ and feedback/")
    grade = sub.add_parser("grade", help="autograde submissions, feedback, grades.csv")
    grade.add_argument("assignment")
    grade.add_argument("--zip-dir", type=Path, help="a folder of LMS downloads to collect first")
    grade.add_argument("--workers", type=int, default=os.cpu_count(),
                       help="submissions graded at a time (default: the number of cores)")
    grade.add_argument("--resume", action="store_true",
                       help="grade only submissions changed since they were last graded; "
                            "report every score the gradebook holds")
    grade.add_argument("--dask", metavar="SCHEDULER",
                       help="grade on a Dask cluster: 'local' for one on this machine, or a "
                            "scheduler address such as tcp://10.0.0.5:8786")
    report = sub.add_parser("report", help="after grading: the class report (one HTML page) and LMS exports")
    report.add_argument("assignment")
    report.add_argument("--similarity", type=float, default=None, metavar="SHARE",
                        help="list pairs sharing at least this share of one side's code (default: 0.5)")
    report.add_argument("--canvas-id", help="the Canvas assignment's number, for the Canvas CSV's column")
    sub.add_parser("demo", help="build, release, grade a sample class, print the table")
    check = sub.add_parser("check", help="the kit grades itself: reference, release, mutants")
    check.add_argument("assignments", nargs="*")
    check.add_argument("--catalog", type=Path, metavar="FILE",
                       help="a mutant catalog of one's own (a list, for the one assignment named, or "
                            "{assignment id: [mutants]}) instead of assignments/<id>/mutants.json")
    check.add_argument("--every", type=int, default=1, metavar="N",
                       help="grade only every N-th mutant (quicker; coverage is then not judged)")
    sub.add_parser("hostile", help="grade hostile submissions with honest ones; print the verdicts")
    args = parser.parse_args(argv)

    if args.command == "build":
        from .build.assemble import build
        build(args.course, args.assignments or None, isolation=args.isolation, db_url=args.db_url,
              exchange=args.exchange)
        print(f"built {args.course}: released and linted")
    elif args.command == "record":
        from .build.expected import record
        print(f"recorded {record(args.assignment)}")
    elif args.command == "lint":
        from .build.lint import lint_release, lint_tree
        problems = lint_release(args.course) + lint_tree(args.course / "feedback", solutions=False)
        print("\n".join(problems) or "no leaks")
        return 1 if problems else 0
    elif args.command == "grade":
        from .grading.grade import grade, report
        print(report(grade(args.course, args.assignment, args.zip_dir, workers=args.workers,
                           resume=args.resume, dask=args.dask)))
    elif args.command == "report":
        from .report import THRESHOLD, build_report, summary
        threshold = THRESHOLD if args.similarity is None else args.similarity
        if not 0 <= threshold <= 1:
            parser.error("--similarity is a share between 0 and 1")
        print(summary(build_report(args.course, args.assignment, threshold, args.canvas_id)))
    elif args.command == "demo":
        from .harness.demo import demo
        demo(args.course)
    elif args.command == "hostile":
        from .harness.hostile import run_suite, table
        rows = run_suite(args.course)
        print(table(rows))
        return 0 if all(r[3] for r in rows) else 1
    elif args.command == "check":
        from .harness.selfcheck import check_all
        return 0 if check_all(args.course, args.assignments or None, every=args.every, catalog=args.catalog) else 1
    return 0
