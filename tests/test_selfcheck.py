"""`python -m autograder check`: the kit grades itself on a fresh course."""
from autograder.selfcheck import check_all


def test_reference_full_marks_release_zero_every_mutant_caught(tmp_path, capsys):
    assert check_all(tmp_path / "course")
    out = capsys.readouterr().out
    assert "FAIL" not in out
    assert "kill rate: 26/26 mutants (100%)" in out
