"""The repository keeps its promises: pinned, matching dependency lists and
the layout the README describes."""
import re

from conftest import REPO


def _pins(lines, sep):
    pins = {}
    for line in lines:
        line = line.split("#")[0].strip().lstrip("- ").strip()
        if sep in line:
            name, version = line.split(sep, 1)
            pins[name.strip().lower()] = version.strip()
    return pins


def test_requirements_and_environment_pin_the_same_versions():
    pip = _pins((REPO / "requirements.txt").read_text().splitlines(), "==")
    conda_lines = [l for l in (REPO / "environment.yml").read_text().splitlines()
                   if re.match(r"\s*-\s*[\w.-]+=[^=]", l)]
    conda = _pins(conda_lines, "=")
    assert pip, "requirements.txt pins nothing"
    assert pip == conda, f"requirements.txt {pip} != environment.yml {conda}"
    assert pip["nbgrader"] == "0.9.6"


def test_the_students_requirements_are_the_courses_versions():
    course = _pins((REPO / "requirements.txt").read_text().splitlines(), "==")
    student = _pins((REPO / "student" / "requirements.txt").read_text().splitlines(), "==")
    assert {"nbgrader", "jupyterlab", "numpy"} <= set(student)
    assert student == {name: course[name] for name in student}


def test_every_requirement_is_pinned_exactly():
    for line in [*(REPO / "requirements.txt").read_text().splitlines(),
                 *(REPO / "student" / "requirements.txt").read_text().splitlines()]:
        line = line.split("#")[0].strip()
        if line:
            assert re.fullmatch(r"[\w.-]+==[\w.]+", line), f"not pinned exactly: {line!r}"


def test_layout():
    for path in ["assignments", "source_lib/scratchnn", "autograder", "data_scripts",
                 "environment.yml", "README.md", "pyproject.toml", "Makefile",
                 "tests", "benchmarks", ".ci/run", "student/requirements.txt", "student/configure.py"]:
        assert (REPO / path).exists(), f"{path} is missing"


def test_readme_opens_with_the_two_commands():
    readme = (REPO / "README.md").read_text()
    ci = (REPO / ".ci" / "run").read_text()
    blocks = re.findall(r"```(?:bash|sh)?\n(.*?)```", readme, re.S)
    assert len(blocks) >= 2
    first, second = blocks[0].strip(), blocks[1].strip()
    assert "pip install" in first and "pip install" in second
    assert "pytest" in second
    test_command = second.splitlines()[-1].split("&&")[-1].strip()
    assert test_command in ci, f".ci/run must run the README's test command {test_command!r}"
