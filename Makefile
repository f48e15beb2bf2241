# Everything runs inside .venv, created on first use from requirements.txt.
PY := .venv/bin/python
VENV_STAMP := .venv/.installed

.PHONY: setup test test-fast demo check bench data lab student clean

setup: $(VENV_STAMP)

$(VENV_STAMP): requirements.txt pyproject.toml
	python3 -m venv .venv
	.venv/bin/pip install -q -r requirements.txt -e .
	touch $@

test: setup            ## the whole suite (what CI runs)
	$(PY) -m pytest

test-fast: setup       ## everything but the full-MNIST training
	$(PY) -m pytest -m "not slow"

demo: setup            ## the end-to-end course demo
	$(PY) -m autograder demo

check: setup           ## the kit grades itself: reference, release, mutants
	$(PY) -m autograder check

bench: setup           ## speed figures (printed, not asserted)
	$(PY) benchmarks/bench_mlp.py
	$(PY) benchmarks/bench_grading.py
	$(PY) benchmarks/bench_notebooks.py --validate

data: setup            ## cache MNIST (add FROM=dir to use local files)
	$(PY) -m data_scripts fetch mnist $(if $(FROM),--from $(FROM))

lab: setup             ## the instructor's JupyterLab on course/ (Nbgrader > Formgrader); build first
	cd course && ../.venv/bin/jupyter lab

# A student's environment of its own, as students set theirs up (README, "For students");
# EXCHANGE= the course's exchange folder (default: course/exchange, for trying it out here).
student: .venv-student/.installed
	.venv-student/bin/python student/configure.py --exchange $(or $(EXCHANGE),$(CURDIR)/course/exchange) \
	  $(if $(STUDENT),--student $(STUDENT))
	@echo "start it with: .venv-student/bin/jupyter lab"

.venv-student/.installed: student/requirements.txt
	python3 -m venv .venv-student
	.venv-student/bin/pip install -q -r student/requirements.txt
	touch $@

clean:
	rm -rf course out .pytest_cache
