"""`python -m autograder check` on a fresh course: for every assignment the
reference scores full marks and the release 0; here with every 15th mutant of
each catalog, to keep the suite short (`make check` grades every mutant and
judges the coverage of every function in `writes`). The catalogs themselves,
their forms and the coverage rule are checked without grading anything."""
import json
import os
import re

import pytest

from autograder.harness import selfcheck
from autograder.harness.selfcheck import (MutantResult, Report, catalog_problems, check_all, format_report,
                                          mutants, touched, unmutated, writes_functions)
from autograder.sources import assignment_ids


def test_reference_full_marks_release_zero_mutants_caught(tmp_path, capsys, cifar_standin):
    assert all(len(mutants(aid)) >= 10 for aid in assignment_ids())
    assert check_all(tmp_path / "course", every=15)
    out = capsys.readouterr().out
    assert "FAIL" not in out
    rates = re.findall(r"kill rate: (\d+)/(\d+) mutants", out)
    assert len(rates) == len(assignment_ids()) and all(k == t for k, t in rates), rates
    assert "a3_cifar10 (data: a synthetic stand-in for CIFAR-10" in out
    assert re.search(r"mutant-\S+\s+test_\w+\s+0/\d+\s+total \d+/\d+", out)  # its test's score, the total


@pytest.mark.parametrize("aid", assignment_ids())
def test_every_catalog_applies_and_gives_every_writes_function_a_mutant(aid):
    assert writes_functions(aid)
    assert catalog_problems(aid, mutants(aid)) == []
    assert unmutated(aid, mutants(aid)) == []


def test_writes_functions_are_the_solution_regions_each_assignment_owns():
    a1, a3 = writes_functions("a1_backprop"), writes_functions("a3_cifar10")
    assert {"layers.Linear.forward", "layers.Linear.backward", "losses.softmax", "losses.l2_penalty",
            "gradcheck.numerical_gradient_array", "optim.SGD.update", "train.train_step"} <= set(a1)
    assert "optim.Momentum.update" not in a1 and "layers.Dropout.forward" not in a1
    assert a3 == ["export.write_predictions_csv", "train.confusion_matrix"]


def test_mutant_forms_catalog_files_and_what_a_mutant_changes(tmp_path):
    single = {"name": "db_mean", "test": "test_linear_backward", "file": "layers.py",
              "old": "self.grads[\"b\"] = dout.sum(axis=0)", "new": "self.grads[\"b\"] = dout.mean(axis=0)"}
    spanning = {"name": "relu_both_ways", "test": "test_relu", "replace": [
        {"file": "layers.py", "old": "        self.cache = x > 0\n        return x * self.cache",
         "new": "        self.cache = x >= 0\n        return x * self.cache"},
        {"file": "layers.py", "old": "        return dout * mask", "new": "        return dout"}]}
    cell = {"name": "lowest", "test": "test_choose_lambda", "cell": "choose_lambda",
            "old": "best = max(rows", "new": "best = min(rows"}
    assert touched(single) == ["layers.Linear.backward"]
    assert touched(spanning) == ["layers.ReLU.forward", "layers.ReLU.backward"]
    assert touched(cell) == ["cell choose_lambda"]
    mine = tmp_path / "mine.json"
    mine.write_text(json.dumps([single, spanning]))
    assert mutants("a1_backprop", mine) == [single, spanning]
    keyed = tmp_path / "keyed.json"
    keyed.write_text(json.dumps({"a1_backprop": [single], "a2_optim_reg": [cell]}))
    assert mutants("a2_optim_reg", keyed) == [cell] and mutants("a3_cifar10", keyed) == []
    assert catalog_problems("a1_backprop", [single, spanning]) == []
    # a spanning mutant covers neither function alone; functions without one of their own are named
    left = unmutated("a1_backprop", [single, spanning])
    assert "layers.ReLU.forward" in left and "losses.softmax" in left and "layers.Linear.backward" not in left
    wrong = [{**single, "old": "no such code"}, {**single, "name": "x", "test": "test_nothing"},
             {"name": "y", "test": "test_relu", "replace": [{"cell": "hidden_sizes", "old": "nope", "new": ""}]}]
    problems = catalog_problems("a1_backprop", wrong)
    assert any("db_mean" in p and "matches 0 times" in p for p in problems)
    assert any("'test_nothing' is not a graded test" in p for p in problems)
    assert any(p.startswith("mutant y:") and "matches 0 times" in p for p in problems)


def test_the_table_names_other_tests_and_judges_coverage():
    caught = MutantResult({"name": "a"}, ["layers.ReLU.forward"], "test_relu", 0, 2, 20, ["test_accuracy"])
    missed = MutantResult({"name": "b"}, ["layers.ReLU.backward"], "test_relu", 2, 2, 22)
    report = Report("a1_backprop", "MNIST", rows=[("reference", "full marks", True, "22 points")],
                    results=[caught, missed], total=22,
                    functions=["layers.ReLU.forward", "layers.ReLU.backward"], catalog_size=2)
    text = re.sub(r" +", " ", format_report(report))
    assert "PASS mutant-a test_relu 0/2 total 20/22 also caught by test_accuracy" in text
    assert "FAIL mutant-b test_relu 2/2 total 22/22" in text
    assert "PASS layers.ReLU.forward tests: test_relu, test_accuracy" in text
    assert "FAIL layers.ReLU.backward" in text
    assert "kill rate: 1/2 mutants (50%)" in text and "coverage: 1/2 writes functions" in text
    assert report.uncovered == ["layers.ReLU.backward"] and not report.ok


def test_an_uncached_dataset_is_replaced_by_its_standin_and_said_so(tmp_path, monkeypatch):
    monkeypatch.setenv("SCRATCHNN_DATA_DIR", str(tmp_path / "empty"))
    monkeypatch.setenv("SCRATCHNN_STANDIN_DIR", str(tmp_path / "standin"))
    real = selfcheck.recipe

    def small(aid, filename):
        module = real(aid, filename)
        make = module.make_standin_cache
        module.make_standin_cache = lambda folder: make(folder, per_class_train=4, per_class_test=2)
        return module
    monkeypatch.setattr(selfcheck, "recipe", small)
    with selfcheck.dataset_for("a3_cifar10") as data:
        assert os.environ["SCRATCHNN_DATA_DIR"] == str(tmp_path / "standin")
        assert (tmp_path / "standin" / "cifar10.npz").exists()
        assert "SYNTHETIC STAND-IN for CIFAR-10" in data and "not cached" in data
    assert os.environ["SCRATCHNN_DATA_DIR"] == str(tmp_path / "empty")
    with selfcheck.dataset_for("a1_backprop") as data:
        assert data == "the bundled MNIST subset (MNIST is not cached)"
