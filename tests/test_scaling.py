"""Grading beyond one SQLite file and one machine's threads: a PostgreSQL
gradebook (a real server) filled from a Dask cluster, on the same grading
code path as everything else."""
import os

import psycopg2

from autograder.build.assemble import build
from autograder.grading.grade import grade
from autograder.harness.submissions import make_submission, mutate, reference_modules
from conftest import points

AID = "a1_backprop"


def test_postgresql_gradebook_filled_from_a_dask_cluster(postgres_server, tmp_path, capsys):
    url = postgres_server()
    built = build(tmp_path / "course", [AID], timeout_s=8, db_url=url)
    assert f"c.CourseDirectory.db_url = {url!r}" in (built / "nbgrader_config.py").read_text()
    ref = reference_modules(AID)
    make_submission(built, "ann", AID, ref, solved=True)
    make_submission(built, "ben", AID)
    make_submission(built, "cat", AID, mutate(ref, "losses.py", "    dscores /= n\n", ""), solved=True)
    environ = dict(os.environ)
    by = {r.student: r for r in grade(built, AID, workers=2, dask="local")}
    assert dict(os.environ) == environ  # not the cluster's one BLAS thread for what runs next
    assert "[3/3]" in capsys.readouterr().out
    assert not by["ann"].failed and by["ann"].score == points("a1_backprop")[0]
    assert by["ben"].score == 0
    assert by["cat"].tests["test_softmax_ce"] == 0 and by["cat"].tests["test_linear_forward"] == 2
    assert not (built / "gradebook.db").exists()
    with psycopg2.connect(url.replace("+psycopg2", "")) as conn, conn.cursor() as cur:
        cur.execute("SELECT student_id FROM submitted_assignment ORDER BY student_id")
        assert [row[0] for row in cur.fetchall()] == ["ann", "ben", "cat"]
