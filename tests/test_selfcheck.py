"""`python -m autograder check`: the kit grades itself on a fresh course."""
import re

from autograder.selfcheck import check_all


def test_reference_full_marks_release_zero_every_mutant_caught(tmp_path, capsys, cifar_standin):
    assert check_all(tmp_path / "course")
    out = capsys.readouterr().out
    assert "FAIL" not in out
    rates = re.findall(r"kill rate: (\d+)/(\d+) mutants", out)
    assert rates and all(killed == total and int(total) >= 8 for killed, total in rates), rates
