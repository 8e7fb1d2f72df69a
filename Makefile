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

# The browser tests drive Debian's Chromium (Playwright's own browser download is not available).
CHROMIUM ?= $(or $(shell command -v chromium 2>/dev/null),/usr/bin/chromium)
export CHROMIUM

.PHONY: help install db stop run serve test test-fast lint format migrate loadbank shell superuser \
	chromium bench clean

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-10s %s\n", $$1, $$2}'

$(STAMP): pyproject.toml
	@if [ -z "$(PYTHON)" ]; then \
		echo "No Python 3.12 or newer found. Install one (e.g. 'pyenv install 3.13' or your distribution's python3.13 package) and retry." >&2; \
		exit 1; fi
	@echo "Installing the dependencies into $(VENV) with $$($(PYTHON) --version) (log: $(VENV)/install.log)"
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@# pip and setuptools are chatty even with --quiet: keep their output in a log, show it on failure.
	@{ $(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip \
		&& $(PY) -m pip install --quiet --disable-pip-version-check -e ".[dev]"; } >$(VENV)/install.log 2>&1 \
		|| { cat $(VENV)/install.log >&2; echo "Installing the dependencies failed (log above, also in $(VENV)/install.log)." >&2; exit 1; }
	@touch $(STAMP)

install: $(STAMP) ## Create .venv and install the dependencies

db: install ## Start the private PostgreSQL (unless DATABASE_URL is set)
	$(DB_UP)

stop: ## Stop the private PostgreSQL (data stays in .data/)
	@test ! -x $(PY) || $(PY) -m interviewprep.devdb stop

migrate: db ## Apply database migrations
	@$(PY) manage.py migrate --no-input --verbosity 0

loadbank: migrate ## Load (upsert) the question bank from fixtures/bank
	@if [ -d fixtures/bank ] && ls fixtures/bank/*.yaml >/dev/null 2>&1; then \
		$(PY) manage.py import_bank --totals fixtures/bank; \
	else echo "fixtures/bank is empty: no questions to load."; fi

run: loadbank ## Install, start the database, load the bank and serve http://127.0.0.1:8000/ (HOST=, PORT=)
	@$(PY) manage.py check --fail-level ERROR >/dev/null
	@echo
	@echo "  Create an admin: make superuser   Make someone an interviewer: $(PY) manage.py grant_interviewer USERNAME"
	@echo "  Ctrl-C stops the web server; make stop stops the database."
	@echo "  InterviewPrep is at http://$(HOST):$(PORT)/"
	@echo
	@# runserver's own banner goes to stdout; requests and errors still show (stderr).
	@$(PY) manage.py runserver --skip-checks $(HOST):$(PORT) >/dev/null

# A production-like local run: DEBUG off, hashed static files from collectstatic, gunicorn.
SERVE_ENV = DEBUG=0 ALLOWED_HOSTS=$(HOST) SECURE_SSL_REDIRECT=0 SECURE_HSTS_SECONDS=0 \
	SECRET_KEY_FILE=.data/secret_key DATABASE_URL="$${DATABASE_URL:-$$($(PY) -m interviewprep.devdb url)}"

serve: loadbank ## Like production: DEBUG=0, collectstatic, gunicorn (HOST=, PORT=)
	@test -s .data/secret_key || $(PY) -c 'import secrets; print(secrets.token_urlsafe(50))' >.data/secret_key
	@$(SERVE_ENV) $(PY) manage.py collectstatic --no-input --verbosity 0
	@echo
	@echo "  InterviewPrep (DEBUG=0, gunicorn) is at http://$(HOST):$(PORT)/  (Ctrl-C stops it)"
	@echo
	@$(SERVE_ENV) $(BIN)/gunicorn interviewprep.wsgi --bind $(HOST):$(PORT) --workers 2 --log-level warning

lint: install ## ruff, ruff format --check, mypy (django-stubs), hadolint, compose.yaml schema
	@$(BIN)/ruff check .
	@$(BIN)/ruff format --check .
	@$(BIN)/mypy
	@$(BIN)/hadolint Dockerfile
	@$(BIN)/check-jsonschema --builtin-schema vendor.compose-spec compose.yaml

format: install ## Apply ruff fixes and formatting
	@$(BIN)/ruff check --fix .
	@$(BIN)/ruff format .

# Installs Chromium with apt when it is missing and apt can (as root or with sudo), else says what to do.
chromium: ## Install Chromium for the browser tests if missing (or set CHROMIUM=/path)
	@if [ ! -x "$(CHROMIUM)" ]; then \
		if command -v apt-get >/dev/null 2>&1 && { [ "$$(id -u)" = 0 ] || sudo -n true 2>/dev/null; }; then \
			sudo=$$([ "$$(id -u)" = 0 ] || echo sudo -n); \
			echo "Installing Chromium for the browser tests (apt-get install chromium)"; \
			$$sudo env DEBIAN_FRONTEND=noninteractive apt-get update -qq \
			&& $$sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null \
			|| { echo "Installing Chromium with apt-get failed; install the chromium package, or set CHROMIUM=/path/to/chromium." >&2; exit 1; }; \
		else \
			echo "The browser tests need Chromium at $(CHROMIUM): install Debian's chromium package (apt-get install chromium), set CHROMIUM=/path/to/chromium, or run make test-fast." >&2; \
			exit 1; \
		fi; \
		test -x "$(CHROMIUM)" || { echo "apt-get installed chromium, but not at $(CHROMIUM); set CHROMIUM=/path/to/chromium." >&2; exit 1; }; \
	fi

test: db chromium ## Every check: migrations, lint, unit, integration and browser tests
	@$(PY) manage.py makemigrations --check --dry-run
	@$(MAKE) --no-print-directory lint
	@$(BIN)/pytest --create-db $(PYTEST_ARGS)

test-fast: db ## Tests without the browser
	@$(BIN)/pytest -m "not browser" $(PYTEST_ARGS)

shell: db ## Django shell
	@$(PY) manage.py shell

superuser: migrate ## Create an admin (asks; or set DJANGO_SUPERUSER_USERNAME/_EMAIL/_PASSWORD)
	@$(PY) manage.py createsuperuser $(if $(DJANGO_SUPERUSER_PASSWORD),--no-input)

bench: db ## Run the benchmarks in bench/ (see docs/benchmarks.md); installs wrk and redis-server if missing
	@command -v wrk >/dev/null && command -v redis-server >/dev/null \
		|| { apt-get update -qq && apt-get install -y -qq wrk redis-server >/dev/null; }
	@status=0; for script in bench/bench_*.py; do echo "== $$script"; $(PY) $$script || status=1; done; exit $$status

clean: stop ## Remove the virtualenv, the database and caches
	rm -rf $(VENV) .data staticfiles .pytest_cache .ruff_cache
