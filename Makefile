# Two commands a new user needs: `make demo` and `make test`. Both set up .venv/ first.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed-stamp

.PHONY: demo test bench eval clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test,dask]"
	touch $(STAMP)

demo: $(STAMP)
	QUOTEX_HOME=$(CURDIR)/.venv/quotex-home $(VENV)/bin/quotex extract seeds/

test: $(STAMP)
	$(PY) -m pytest -q

eval: $(STAMP)
	$(VENV)/bin/quotex eval --gold ../shared/gold/seeds.jsonl seeds/ --verbose

bench: $(STAMP)
	$(PY) bench/bench.py

clean:
	rm -rf $(VENV) .pytest_cache build src/*.egg-info
