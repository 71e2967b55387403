# Two commands: `make run` and `make test`. Everything else here serves them.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# requirements.lock is what production runs (the image installs only it);
# requirements-dev.lock adds the tools for tests, lint, locking and benchmarks, held to
# the same versions. The venv is reinstalled when either changes.
LOCKS := requirements.lock requirements-dev.lock
STAMP := $(VENV)/.installed-$(shell cat $(LOCKS) | sha1sum | cut -c1-12)

.PHONY: help env run test lint format code translations messages clean lock bench bench-large bench-reminders bench-pdf bench-api bench-evidence bench-packet bench-xlsx

help:
	@echo "make run    start Aftercare on http://127.0.0.1:8000 (SQLite, embedded broker, demo data)"
	@echo "make test   run the test suite (CI=true: PostgreSQL, Redis, real worker, Chromium)"
	@echo "make lint   ruff check and format check"
	@echo "make code EMAIL=attorney@harbor.example   print a demo user's current sign-in code"

$(STAMP): $(LOCKS)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock -r requirements-dev.lock
	@rm -f $(VENV)/.installed-*
	@touch $@

# Local keys, written once and never committed (.gitignore). Production sets its own.
.env: | $(STAMP)
	@$(BIN)/python -c "import secrets; from cryptography.fernet import Fernet; \
	print('SECRET_KEY=' + secrets.token_urlsafe(50)); \
	print('FIELD_ENCRYPTION_KEY=' + Fernet.generate_key().decode()); \
	print('BLIND_INDEX_KEY=' + secrets.token_urlsafe(48))" > $@
	@echo "Wrote local keys to .env"

# `make env` is what the settings error message suggests when a key is missing.
env: .env

translations: $(STAMP) .env
	@$(BIN)/python manage.py compile_translations

# run_local starts the web server and the worker (with beat) and stops them all on Ctrl-C.
run: $(STAMP) .env translations
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py seed_demo
	@echo
	@echo "Aftercare: http://127.0.0.1:8000  (sign in with a demo user above; the second"
	@echo "factor is the authenticator code: make code EMAIL=attorney@harbor.example)"
	@echo
	$(BIN)/python manage.py run_local 127.0.0.1:8000

test: $(STAMP) .env translations
	AFTERCARE_ENV=test $(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

code: $(STAMP) .env
	@$(BIN)/python manage.py totp_code $(EMAIL)

# Update locale/*/django.po after changing user-facing text.
messages: $(STAMP) .env
	$(BIN)/python manage.py makemessages --locale es --ignore '.venv/*' --ignore 'var/*'

clean:
	rm -rf var/ .pytest_cache .ruff_cache

# Re-pin after changing the ranges in pyproject.toml, from the index pip is configured
# with. The runtime lock first; the development lock is constrained by it, so tests run
# the very versions production does. Existing pins are kept unless a range excludes them.
LOCK_FLAGS := --quiet --strip-extras --no-emit-index-url --no-emit-find-links
lock: $(STAMP)
	$(BIN)/pip-compile $(LOCK_FLAGS) -o requirements.lock pyproject.toml
	$(BIN)/pip-compile $(LOCK_FLAGS) --extra dev -c requirements.lock \
	  -o requirements-dev.lock pyproject.toml

# Benchmarks (PostgreSQL; they build and drop their own databases). See benchmarks/README.md.
# The scale suite: every goal of issue #8 at 100k survivors (growth measured from 10k).
bench: $(STAMP) .env
	$(BIN)/python benchmarks/scale_suite.py --survivors 100000 $(BENCH_ARGS)
	$(BIN)/python benchmarks/pdf_render.py
	$(BIN)/python benchmarks/xlsx_export.py

# 1M survivors and about 10M permission rows, growth from 100k: building takes a while.
bench-large: $(STAMP) .env
	$(BIN)/python benchmarks/scale_suite.py --survivors 1000000 --growth-from 100000 $(BENCH_ARGS)
	$(BIN)/python benchmarks/xlsx_export.py

# The delivery rate needs a Redis of your own: BENCH_REDIS_URL=redis://127.0.0.1:PORT/0
bench-reminders: $(STAMP) .env
	$(BIN)/python benchmarks/reminder_claim_scan.py
	$(BIN)/python benchmarks/reminder_delivery_rate.py

# Every template's seconds per page in a freshly started worker; no database.
bench-api: $(STAMP) .env
	$(BIN)/python benchmarks/api_lists.py $(BENCH_ARGS)

bench-pdf: $(STAMP) .env
	$(BIN)/python benchmarks/pdf_render.py

# Web-worker seconds for evidence uploads at the 5 MB limit and hostile files; no database.
bench-evidence: $(STAMP) .env
	$(BIN)/python benchmarks/evidence_upload.py

# Peak memory of an XLSX export of 100,000 rows (issue #15: <= 200 MB); no database.
bench-xlsx: $(STAMP) .env
	$(BIN)/python benchmarks/xlsx_export.py

# Seconds and worker memory for a 100-page filing packet of 40 exhibits; no database.
bench-packet: $(STAMP) .env
	$(BIN)/python benchmarks/packet_build.py
