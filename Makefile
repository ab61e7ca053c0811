# The two commands: `make run` (console with demo data, worker and beat) and `make test` (whole suite).
PYTHON ?= python3
# Where `make run` serves the console; the links in development e-mails point here too (settings CONSOLE_ADDRESS).
CONSOLE_ADDRESS ?= 127.0.0.1:8000
export CONSOLE_ADDRESS
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup setup-run messages lint bench audit screenshots clean

RUN_STAMP := $(VENV)/.installed-run

# Running needs the runtime and honcho; the tests and tools (Playwright, Hypothesis, schemathesis, ruff, ...)
# are installed by the first `make test` (or lint, messages, ...).
$(RUN_STAMP): requirements.txt requirements-local.txt
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-local.txt
	touch $(RUN_STAMP)

$(STAMP): $(RUN_STAMP) requirements-dev.txt
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

# A development checkout's .env (DEBUG on, a random key of its own), so `python manage.py ...` works from the
# shell with nothing exported. Never overwritten; ignored by git and kept out of the image (.dockerignore).
.env:
	$(BIN)/python scripts/write_dev_env.py .env

setup-run: $(RUN_STAMP) .env
	mkdir -p var/mail
	$(BIN)/python scripts/compile_translations.py

setup: $(STAMP) setup-run

run: setup-run
	DJANGO_DEBUG=true $(BIN)/python manage.py migrate --no-input -v0
	DJANGO_DEBUG=true $(BIN)/python manage.py load_demo_data
	@echo ""
	@echo "  Reseller Console: http://$(CONSOLE_ADDRESS)/"
	@echo "  Demo logins (password demo-pass-2026):"
	@echo "    sam.sales      sales, Nordic Software AB"
	@echo "    anna.admin     reseller admin, Nordic Software AB"
	@echo "    bea.sales      sales, Baltic Licensing OÜ"
	@echo "    ines.internal  internal sales (all resellers)"
	@echo "    admin          superuser (Django admin at /admin/)"
	@echo "  E-mails are written to var/mail/. Ctrl-C stops web, worker and beat."
	@echo ""
	PATH="$(CURDIR)/$(BIN):$$PATH" DJANGO_DEBUG=true $(BIN)/honcho start -f Procfile.dev

test: setup
	$(BIN)/python -m pytest

messages: $(STAMP)
	DJANGO_DEBUG=true $(BIN)/python manage.py makemessages -l sv --ignore=.venv --ignore=var --ignore=staticfiles --no-obsolete

# Seeds 1,000,000 customers into the PostgreSQL database "bench" and measures the daily jobs (docs/performance.md).
bench: setup
	$(BIN)/python bench/run.py --customers $${CUSTOMERS:-1000000}

# Known vulnerabilities in the pinned requirements (PyPI's advisory data); fails on any, and on any package it
# could not check. Needs pypi.org's JSON API, which a registry mirror does not serve.
audit: $(STAMP)
	$(BIN)/python -m pip install --quiet pip-audit==2.10.1
	$(BIN)/pip-audit --strict --progress-spinner off -r requirements.txt -r requirements-local.txt -r requirements-dev.txt

# docs/screenshots/: the main pages over the demo data, in Debian's Chromium (apt-get install chromium).
screenshots: setup
	$(BIN)/python scripts/screenshots.py

# ruff, the import contract and mypy (configuration in pyproject.toml; about 30 s cold, a few seconds cached).
lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy

clean:
	rm -rf var staticfiles
