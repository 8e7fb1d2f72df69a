# InterviewPrep. `make run` serves the app; `make test` runs every check. Both install what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

# A Python >= 3.12: the version in .python-version (pyenv), then python3.13, python3.12, python3.
PYTHON ?= $(shell for p in python$$(cat .python-version 2>/dev/null) python3.13 python3.12 python3; do \
	command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	&& { echo $$p; break; }; done)

# Without DATABASE_URL the project runs its own PostgreSQL in .data/ (interviewprep/devdb.py).
DB_UP = $(if $(DATABASE_URL),@echo "Using DATABASE_URL.",@$(PY) -m interviewprep.devdb start >/dev/null && echo "Private PostgreSQL running in .data/pg")

.PHONY: help install db stop run test test-fast lint format migrate loadbank shell superuser bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
		echo "No Python 3.12 or newer found. Install one (e.g. 'pyenv install 3.13' or your distribution's python3.13 package) and retry." >&2; \
		exit 1; fi
	@echo "Creating $(VENV) with $$($(PYTHON) --version)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the dependencies

db: install ## Start the private PostgreSQL (unless DATABASE_URL is set)
	$(DB_UP)

stop: ## Stop the private PostgreSQL (data stays in .data/)
	@test ! -x $(PY) || $(PY) -m interviewprep.devdb stop

migrate: db ## Apply database migrations
	@$(PY) manage.py migrate --no-input

loadbank: migrate ## Load (upsert) the question bank from fixtures/bank
	@if [ -d fixtures/bank ] && ls fixtures/bank/*.yaml >/dev/null 2>&1; then \
		$(PY) manage.py import_bank fixtures/bank; \
	else echo "fixtures/bank is empty: no questions to load."; fi

run: loadbank ## Install, start the database, load the bank and serve http://127.0.0.1:8000/
	@echo
	@echo "  InterviewPrep is at http://$(HOST):$(PORT)/  (Ctrl-C stops the web server)"
	@echo "  Create an admin: $(PY) manage.py createsuperuser   then open http://$(HOST):$(PORT)/admin/"
	@echo "  Make someone an interviewer: $(PY) manage.py grant_interviewer USERNAME"
	@echo
	@$(PY) manage.py runserver $(HOST):$(PORT)

lint: install ## ruff, ruff format --check, hadolint
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@$(BIN)/hadolint Dockerfile

format: install ## Apply ruff fixes and formatting
	@$(BIN)/ruff check --fix .
	@$(BIN)/ruff format .

test: db ## Every check: migrations, lint, unit, integration and browser tests
	@$(PY) manage.py makemigrations --check --dry-run
	@$(MAKE) --no-print-directory lint
	@$(BIN)/pytest --create-db $(PYTEST_ARGS)

test-fast: db ## Tests without the browser
	@$(BIN)/pytest -m "not browser" $(PYTEST_ARGS)

shell: db ## Django shell
	@$(PY) manage.py shell

superuser: migrate ## Create an admin account
	@$(PY) manage.py createsuperuser

bench: db ## Run the benchmarks in bench/ (see docs/benchmarks.md); installs wrk if missing
	@command -v wrk >/dev/null || { apt-get update -qq && apt-get install -y -qq wrk >/dev/null; }
	@status=0; for script in bench/bench_*.py; do echo "== $$script"; $(PY) $$script || status=1; done; exit $$status

clean: stop ## Remove the virtualenv, the database and caches
	rm -rf $(VENV) .data staticfiles .pytest_cache .ruff_cache
