# Everything runs inside .venv, created on first use from requirements.txt.
PY := .venv/bin/python
VENV_STAMP := .venv/.installed

.PHONY: setup test test-fast demo check bench data clean

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

data: setup            ## cache MNIST (add FROM=dir to use local files)
	$(PY) -m data_scripts fetch mnist $(if $(FROM),--from $(FROM))

clean:
	rm -rf course out .pytest_cache
