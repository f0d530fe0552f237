# Samverkan: developer commands. `make help` lists them.
#
# Needs only Python 3.11 and make: everything else comes from the locked
# requirements into .venv. GNU gettext is not needed to build (Babel compiles
# the translations); only `make makemessages` uses it.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help
.DELETE_ON_ERROR:

VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
STAMP := $(VENV)/.installed

# The interpreter that creates the virtualenv; its version is checked below.
PYTHON ?= $(shell command -v python3.11 || command -v python3 || echo python3)

# Settings refuse to start without SECRET_KEY unless in DEBUG or demo mode.
DEV := DEBUG=1
DEMO := SAMVERKAN_DEMO=1
# Tests run on SQLite with two-factor auth enforced, whatever the shell exports.
TEST_ENV := DEBUG= SAMVERKAN_DEMO= SAMVERKAN_REQUIRE_2FA= DATABASE_URL=
PYTEST_ARGS ?=
# The suite runs in parallel, one worker per core (pytest-xdist), each test file on one
# worker so that a module's fixtures are built once. PYTEST_WORKERS=0 runs it in one process.
PYTEST_WORKERS ?= auto
PYTEST_PARALLEL = $(if $(filter 0,$(PYTEST_WORKERS)),,-n $(PYTEST_WORKERS) --dist loadfile)
# `make test-postgres`: pytest-django creates and drops test_<name> on this server.
PG_URL ?= postgres://postgres@127.0.0.1:5432/samverkan

CHROMIUM := /usr/bin/chromium

PO_FILES := $(wildcard samverkan/locale/*/LC_MESSAGES/*.po samverkan/*/locale/*/LC_MESSAGES/*.po)
MO_FILES := $(PO_FILES:.po=.mo)

.PHONY: help install messages demo test test-postgres lint audit-deps format typecheck check makemessages clean bench

help:
	@echo "make demo           install if needed, migrate, load the demo users, run http://127.0.0.1:8000 and the job worker"
	@echo "make test           the whole test suite on SQLite (browser tests need $(CHROMIUM))"
	@echo "make test-postgres  the whole test suite on PostgreSQL (PG_URL=$(PG_URL))"
	@echo "make install        .venv with the locked dependencies, translations compiled"
	@echo "make messages       compile the .po translations to .mo (Babel)"
	@echo "make makemessages   extract new strings into the .po files (needs GNU gettext)"
	@echo "make lint           ruff check (with its security rules), their exceptions' reasons, the import contracts"
	@echo "make audit-deps     pip-audit over the lock files (skipped with a message without internet)"
	@echo "make format         ruff format (rewrites files)"
	@echo "make typecheck      mypy --strict"
	@echo "make check          Django's system checks, migrations check, deployment checks"
	@echo "make bench          time the results report on national-scale data, SQLite and PostgreSQL (slow) -> docs/benchmarks.md"
	@echo "make bench-intel    link 100k and 1M synthetic intel items (DuckDB, Spark): quality, time, memory (slow)"
	@echo "make bench-load     gunicorn + job worker on PostgreSQL under locust: latency, lost writes, audit cost, max write rate, hand entry during an import (slow)"
	@echo "make clean          remove .venv, compiled translations and caches"

install: $(STAMP) messages

$(STAMP): requirements-dev.lock requirements.lock
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null || { \
	  echo "Samverkan needs Python 3.11; '$(PYTHON)' is not. Install it, or run: make PYTHON=/path/to/python3.11 ..." >&2; \
	  exit 1; }
	@if ! $(PY) -c 'import sys; sys.exit(sys.version_info[:2] != (3, 11))' 2>/dev/null; then \
	  echo "Creating $(VENV) with $(PYTHON)"; \
	  $(PYTHON) -m venv --clear $(VENV); \
	fi
	$(PY) -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r requirements-dev.lock
	@touch $@

messages: $(MO_FILES)

%.mo: %.po | $(STAMP)
	$(PY) scripts/compile_messages.py $<

demo: install
	@mkdir -p staticfiles  # whitenoise serves from the finders in demo mode; this keeps it quiet
	$(DEMO) $(PY) manage.py migrate --noinput
	$(DEMO) $(PY) manage.py load_demo
	@echo "Samverkan demo: http://127.0.0.1:8000 (log in as a user above, password: demo)"
	@echo "Background jobs (linking, imports): manage.py db_worker runs beside the web server"
	@$(DEMO) $(PY) manage.py db_worker --no-reload --verbosity 0 & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null || true' EXIT INT TERM; \
	  $(DEMO) $(PY) manage.py runserver 127.0.0.1:8000

# Browser tests run only where Debian's chromium is installed.
define run_pytest
	@if [ -x $(CHROMIUM) ]; then \
	  $(1) $(PY) -m pytest $(PYTEST_PARALLEL) $(PYTEST_ARGS); \
	else \
	  status=0; \
	  $(1) $(PY) -m pytest $(PYTEST_PARALLEL) -m "not browser" $(PYTEST_ARGS) || status=$$?; \
	  echo "Browser tests SKIPPED: $(CHROMIUM) not found (apt-get install chromium)"; \
	  exit $$status; \
	fi
endef

test: install
	$(call run_pytest,$(TEST_ENV))

test-postgres: install
	$(call run_pytest,$(TEST_ENV) DATABASE_URL=$(PG_URL))

lint: install
	$(BIN)/ruff check .
	$(PY) scripts/check_noqa.py
	$(BIN)/lint-imports --no-logo

# pip-audit over both lock files; skipped, with a message saying so, when its advisory
# source cannot be reached (CI may have no internet). scripts/audit_deps.py says more.
audit-deps: install
	$(PY) scripts/audit_deps.py

format: install
	$(BIN)/ruff format .

typecheck: install
	$(DEV) $(BIN)/mypy samverkan scripts

check: install
	$(DEV) $(PY) manage.py check
	$(DEV) $(PY) manage.py makemigrations --check --dry-run
	@echo "$(PY) manage.py check --deploy --fail-level WARNING  (production settings)"
	@audit=$$(mktemp -d) && trap 'rm -rf "$$audit"' EXIT && \
	  (umask 077 && $(PY) -c 'import secrets; print("check-1:" + secrets.token_hex(32))' > "$$audit/audit.key") && \
	  mkdir "$$audit/checkpoints" && \
	  DEBUG=0 SAMVERKAN_DEMO=0 ALLOWED_HOSTS=samverkan.example.se \
	  SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	  SAMVERKAN_AUDIT_KEY_FILE="$$audit/audit.key" SAMVERKAN_AUDIT_CHECKPOINT_DIR="$$audit/checkpoints" \
	  $(PY) manage.py check --deploy --fail-level WARNING

# Not part of `make test` or CI: generates about 2 million encounters per database the first
# time (bench-data/ and the PostgreSQL database samverkan_bench, reused afterwards) and takes
# several minutes. BENCH_ARGS=--regenerate starts the data again; see scripts/bench_report.py.
BENCH_ARGS ?=
BENCH_PG_URL ?= postgres://postgres@127.0.0.1:5432/samverkan_bench
bench: install
	$(DEV) $(PY) scripts/bench_report.py --pg-url $(BENCH_PG_URL) $(BENCH_ARGS)

# Django's makemessages calls xgettext and msgmerge (apt-get install gettext).
makemessages: install
	$(DEV) $(PY) manage.py makemessages --locale=sv --locale=en --no-location --no-obsolete \
	  --ignore='staticfiles/*' --ignore='scripts/*' --ignore='docs/*'

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache .import_linter_cache staticfiles
	rm -f $(MO_FILES)
	find . -name __pycache__ -type d -prune -exec rm -rf {} +

# Intelligence linkage: quality against the generator's ground truth, time and peak memory at
# 100,000 and 1,000,000 items with DuckDB and 100,000 with Spark (needs Java); data cached in
# bench-data/intel/. Results: bench-data/intel/results.json; see docs/benchmarks.md.
.PHONY: bench-intel
bench-intel: install
	$(PY) scripts/bench_intel.py

# Load: gunicorn and the job worker on PostgreSQL (BENCH_LOAD_PG, databases samverkan_load_template
# and samverkan_load_run) driven by locust; not a test. Runs: the mix with the audit log on and
# off, encounter-write rates stepped up to p95 >= 100 ms, the mix during an import of
# BENCH_LOAD_IMPORT intelligence items. Results: bench-data/load/; see docs/benchmarks.md and
# scripts/bench_load.py (BENCH_LOAD_ARGS="--only mix --seconds 60" and so on).
BENCH_LOAD_PG ?= postgres://postgres@127.0.0.1:5432
BENCH_LOAD_IMPORT ?= 1000000
BENCH_LOAD_ARGS ?=
.PHONY: bench-load
bench-load: install
	$(PY) scripts/bench_load.py --pg-url $(BENCH_LOAD_PG) --import-size $(BENCH_LOAD_IMPORT) $(BENCH_LOAD_ARGS)
