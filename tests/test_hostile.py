"""Hostile submissions, graded in one batch with honest ones (see
autograder/hostile.py): each gets the score it deserves, the honest ones
exactly what they get alone. The table is printed with the test results."""
import pytest

from autograder.grading.sandbox import bubblewrap_works
from autograder.harness.hostile import run_suite, table
from conftest import debian_package


def test_hostile_submissions(tmp_path, capsys):
    if not bubblewrap_works():
        debian_package("bubblewrap")
        if not bubblewrap_works():
            pytest.fail("bubblewrap is installed but cannot make namespaces here")
    rows = run_suite(tmp_path / "course")
    with capsys.disabled():
        print("\n" + table(rows))
    failed = [r for r in rows if not r[3]]
    assert not failed, table(failed)
