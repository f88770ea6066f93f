# Two commands matter: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
PORT ?= 5000
WORKERS ?= 2
export FLASK_APP := wsgi

.PHONY: run test test-fast lint bench clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.txt
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

## Serve on http://127.0.0.1:$(PORT) with the embedded database under instance/.
run: $(VENV)/.installed
	$(PY) -m flask db upgrade
	$(PY) -m flask demo
	$(VENV)/bin/gunicorn --bind 127.0.0.1:$(PORT) --workers $(WORKERS) --threads 4 --access-logfile - wsgi:app

## The whole suite: lint, then mongomock, then the embedded store (sqlite, with its own tests in
## tests/store: differential against mongomock, 4 processes at once, kill -9), then the browser tests.
test: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check interviewer tests migrations bench tools
	$(PY) -m pytest -q -m "not browser" --ignore=tests/store
	TEST_BACKEND=sqlite $(PY) -m pytest -q -m "not browser"
	$(PY) -m pytest -q -m browser

## Only the fast pass (mongomock, no browser).
test-fast: $(VENV)/.dev-installed
	$(PY) -m pytest -q -m "not browser"

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check interviewer tests migrations bench tools

## Benchmarks: AI grading agreement, the embedded store per operation, then the data layer at scale
## (SCALE_ARGS=--quick for a short run).
bench: $(VENV)/.dev-installed
	$(PY) bench/grading.py
	$(PY) bench/challenge.py
	$(PY) bench/store_ops.py
	$(PY) bench/scale.py $(SCALE_ARGS)

clean:
	rm -rf $(VENV) .pytest_cache
