# The two commands a newcomer runs: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
# Installs are stamped with a checksum of the requirements, so they rerun only when
# a requirements file changes.
STAMP := $(VENV)/.installed-$(shell cat requirements.txt | cksum | cut -d' ' -f1)
DEV_STAMP := $(VENV)/.installed-dev-$(shell cat requirements.txt requirements-dev.txt | cksum | cut -d' ' -f1)
HOST ?= 127.0.0.1
PORT ?= 8000
# pytest-xdist workers, each with its own test database (test_<name>_gw0...); 0 runs
# in one process. `--dist loadfile` keeps a file's tests on one worker.
PYTEST_WORKERS ?= 2
PYTEST_ARGS ?=

.PHONY: run test install install-dev messages migrate demo bench wheelhouse frontend lint format secrets ci clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade --quiet pip

$(STAMP): requirements.txt | $(PY)
	$(PIP) install --quiet -r requirements.txt
	touch $@

# requirements-dev.txt includes requirements.txt, so it stamps both.
$(DEV_STAMP): requirements.txt requirements-dev.txt | $(PY)
	$(PIP) install --quiet -r requirements-dev.txt
	touch $@ $(STAMP)

install: $(STAMP)

install-dev: $(DEV_STAMP)

## Compile the translation catalogues (the zh_Hans .po files under locale/).
messages: install
	@if [ -d locale ]; then $(PY) manage.py compilemessages --ignore=$(VENV) --verbosity 0; \
	else echo "no locale/ directory: nothing to compile"; fi

migrate: install messages
	$(PY) manage.py migrate --no-input --verbosity 0

## Demo accounts, one per role, printed with their passwords (safe to run twice).
demo: migrate
	$(PY) manage.py load_demo_data

## Create the virtualenv, install, migrate, load the catalogue and demo data, serve.
run: demo
	@echo "Serving http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	$(PY) manage.py runserver $(HOST):$(PORT)

## Install what the tests need and run the whole suite (SQLite unless DATABASE_URL is set).
test: install-dev messages
	$(PY) manage.py makemigrations --check --dry-run --verbosity 1
	$(VENV)/bin/ruff check .
	$(VENV)/bin/pytest -n $(PYTEST_WORKERS) --dist loadfile --durations=25 $(PYTEST_ARGS)

## Benchmarks: figures next to a baseline from the same run, never timed assertions.
## Pages and APIs at BENCH_PEOPLE synthetic people (default 100000; the data set is made
## once and reused) next to a bare Django view; every page each demo role reaches, timed
## in-process with its SQL count (bench/crawl.py, slowest first); platform delivery of 100,000 events; the
## Excel export next to raw openpyxl. PostgreSQL when DATABASE_URL is set. Uses wrk when
## installed (apt-get install wrk), else a pure-Python load generator.
BENCH_PEOPLE ?= 100000
bench: install-dev
	BENCH_PEOPLE=$(BENCH_PEOPLE) $(PY) bench/pages.py
	BENCH_PEOPLE=$(BENCH_PEOPLE) $(PY) bench/crawl.py --top 20
	$(PY) bench/run.py $(BENCH_ARGS)
	$(PY) bench/import_bench.py $(IMPORT_BENCH_ARGS)
	$(PY) bench/export.py

## Every wheel the portal needs (runtime, or DEV=1 for the test tools too) into
## ./wheelhouse/, for installation on a closed network:
##   pip install --no-index --find-links wheelhouse -r requirements.txt
WHEELHOUSE ?= wheelhouse
wheelhouse: | $(PY)
	$(PIP) download --quiet --dest $(WHEELHOUSE) --only-binary=:all: -r $(if $(DEV),requirements-dev.txt,requirements.txt)
	$(PIP) download --quiet --dest $(WHEELHOUSE) --only-binary=:all: pip setuptools wheel
	@echo "$$(ls $(WHEELHOUSE) | wc -l) files in $(WHEELHOUSE)/"

## Rebuild the vendored GOV.UK Frontend CSS/JS (needs node and npm; output is committed).
frontend:
	tools/frontend/build.sh

lint: install-dev
	$(VENV)/bin/ruff check .

format: install-dev
	$(VENV)/bin/ruff format .

## Generate the five production keys for docker compose into ./secrets/ (never overwrites).
secrets:
	@umask 077; mkdir -p secrets; \
	for spec in django_secret_key:token_urlsafe:50 blind_index_key:token_hex:32 platform_signing_key:token_hex:32 audit_hmac_key:token_hex:32; do \
	  name=$${spec%%:*}; rest=$${spec#*:}; fn=$${rest%%:*}; n=$${rest#*:}; \
	  if [ -e secrets/$$name ]; then echo "secrets/$$name exists, kept"; \
	  else $(PYTHON) -c "import secrets; print(secrets.$$fn($$n))" > secrets/$$name && echo "secrets/$$name written"; fi; \
	done; \
	if [ -e secrets/field_encryption_keys ]; then echo "secrets/field_encryption_keys exists, kept"; \
	else $(PYTHON) -c "import secrets; print('1:' + secrets.token_hex(16))" > secrets/field_encryption_keys \
	  && echo "secrets/field_encryption_keys written"; fi

## What CI runs: the suite on SQLite and on PostgreSQL and Redis, compose validation, check --deploy.
ci:
	bash .ci/run

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache $(WHEELHOUSE)
