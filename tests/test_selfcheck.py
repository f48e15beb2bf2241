"""`python -m autograder check` on a fresh course: for every assignment the
reference scores full marks and the release 0; here with every 8th mutant of
each catalog, to keep the suite short (`make check` grades every mutant)."""
import re

from autograder.harness.selfcheck import check_all, mutants
from autograder.sources import assignment_ids


def test_reference_full_marks_release_zero_mutants_caught(tmp_path, capsys, cifar_standin):
    assert all(len(mutants(aid)) >= 8 for aid in assignment_ids())
    assert check_all(tmp_path / "course", every=8)
    out = capsys.readouterr().out
    assert "FAIL" not in out
    rates = re.findall(r"kill rate: (\d+)/(\d+) mutants", out)
    assert len(rates) == len(assignment_ids()) and all(k == t for k, t in rates), rates
