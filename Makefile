# archal-dash: `make run` starts the dashboard, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
READY := $(VENV)/.installed

.DEFAULT_GOAL := help

$(READY): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

.PHONY: install
install: $(READY) ## Create .venv and install the pinned requirements

.PHONY: run
run: $(READY) ## Start the dashboard on http://127.0.0.1:8000 (sample Archal API when ARCHAL_TOKEN is unset)
	DEBUG=$${DEBUG:-true} $(PY) manage.py migrate --noinput
	$(PY) -m sample_api.run_dashboard

# Tests run in parallel, one process per CPU (pytest-xdist; each has its own test
# database, servers and browser); an idle process takes tests from a busy one's
# queue (worksteal), so one slow file does not hold up the end. More processes
# than CPUs was slower here. TEST_WORKERS=0: all in this process.
TEST_WORKERS ?= auto

.PHONY: test
test: $(READY) lint typecheck ## Run every test (browser tests too when Chromium is installed)
	$(PY) -m pytest -n $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

.PHONY: lint
lint: $(READY) ## Check the code with ruff (likely bugs, unused and unsorted imports)
	$(PY) -m ruff check .

.PHONY: typecheck
typecheck: $(READY) ## Check the types of runs/ and archal_dash/ with mypy (settings: pyproject.toml)
	$(PY) -m mypy runs archal_dash

.PHONY: sample-api
sample-api: $(READY) ## Serve only the sample Archal API on :8765
	$(PY) -m sample_api

LOAD_READY := $(VENV)/.load-installed

$(LOAD_READY): $(READY) requirements-load.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-load.txt
	touch $@

.PHONY: loadtest
loadtest: $(LOAD_READY) ## Load-test the Procfile's gunicorn for 60 s (DATABASE_URL=postgres://…/<new db>, CACHE_URL=redis://… for two dynos, LOADTEST_ARGS=--saturate)
	$(PY) -m loadtest $(LOADTEST_ARGS)

.PHONY: bench
bench: $(READY) ## Print the viewer's performance table (FILES="a.json b.json" to add records; a few minutes)
	$(PY) -m bench $(BENCH_ARGS) $(FILES)

.PHONY: clean
clean: ## Remove the virtualenv and caches
	rm -rf $(VENV) .pytest_cache .mypy_cache .hypothesis staticfiles

.PHONY: help
help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'
