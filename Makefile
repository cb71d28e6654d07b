# Two commands on a fresh machine: `make run` and `make test`. Both are idempotent; the second
# time they only redo what changed (stamps in .make/).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMPS := .make
HOST ?= 127.0.0.1
PORT ?= 5000
export HOST PORT

# Runtime: CJK fonts, an emoji fallback font (emoji in names print instead of empty boxes), fast font
# subsetting for WeasyPrint, Pango, fontconfig, pdftotext/pdftoppm.
APT_PACKAGES := fonts-noto-cjk fonts-noto-color-emoji libharfbuzz-subset0 libpango-1.0-0 libpangoft2-1.0-0 \
	fontconfig poppler-utils
# Tests only: a real browser for the end-to-end suite.
APT_TEST_PACKAGES := chromium libreoffice-writer-nogui

CATALOGUES := $(wildcard surveyapp/translations/*/LC_MESSAGES/messages.po)
COMPILED := $(CATALOGUES:.po=.mo)

.PHONY: run test setup system-packages system-test-packages translations bytecode migrate lint messages bench clean

run: setup
	$(BIN)/flask users bootstrap
	@echo "Serving on http://$(HOST):$(PORT)/"
	$(BIN)/gunicorn -c gunicorn.conf.py wsgi:app

test: setup system-test-packages $(STAMPS)/requirements-dev $(STAMPS)/e2e-node
	$(BIN)/ruff check surveyapp tests bench migrations wsgi.py
	$(BIN)/ruff format --check surveyapp tests bench migrations wsgi.py
	$(BIN)/bandit -q -r surveyapp -ll
	@scripts/audit-dependencies.sh $(BIN) $(STAMPS)/dependency-audit-warning
	$(BIN)/pytest
	@if [ -s $(STAMPS)/dependency-audit-warning ]; then cat $(STAMPS)/dependency-audit-warning >&2; fi

setup: system-packages $(STAMPS)/requirements translations bytecode migrate
	$(BIN)/flask questionnaire load-builtin

# The app's own modules compiled once (only changed files are redone): every process then reads them
# instead of compiling about 130 modules at start (0.4 s of CPU each time where PYTHONDONTWRITEBYTECODE is set,
# as on many servers and containers; Python still checks each file's time stamp and never runs a stale one).
bytecode: $(STAMPS)/requirements
	@$(BIN)/python -m compileall -q surveyapp migrations wsgi.py gunicorn.conf.py > /dev/null

system-packages:
	@scripts/install-system-packages.sh $(APT_PACKAGES)

system-test-packages:
	@scripts/install-system-packages.sh $(APT_TEST_PACKAGES)

$(STAMPS)/venv:
	@mkdir -p $(STAMPS)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	@touch $@

$(STAMPS)/requirements: requirements.txt $(STAMPS)/venv
	$(BIN)/pip install --quiet -r requirements.txt
	@touch $@

$(STAMPS)/requirements-dev: requirements-dev.txt requirements.txt $(STAMPS)/venv
	$(BIN)/pip install --quiet -r requirements-dev.txt
	@touch $@

# axe-core for the accessibility checks of the browser tests, from the npm registry.
$(STAMPS)/e2e-node: tests/e2e/package.json tests/e2e/package-lock.json
	@mkdir -p $(STAMPS)
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests/e2e --no-audit --no-fund --silent && touch $@; \
	else \
		echo "WARNING: npm is missing: the accessibility checks of the browser tests will be skipped." >&2; \
	fi

translations: $(STAMPS)/requirements $(COMPILED)

surveyapp/translations/%/LC_MESSAGES/messages.mo: surveyapp/translations/%/LC_MESSAGES/messages.po
	@$(BIN)/pybabel compile -i $< -o $@

migrate: $(STAMPS)/requirements
	$(BIN)/flask db upgrade

lint: $(STAMPS)/requirements-dev
	$(BIN)/ruff check surveyapp tests bench migrations wsgi.py
	$(BIN)/ruff format --check surveyapp tests bench migrations wsgi.py

# For developers: re-extract messages after changing user-facing text, then translate the new entries.
messages: $(STAMPS)/requirements
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_ngettext:1,2 -o surveyapp/translations/messages.pot --no-location --sort-output --omit-header .
	$(BIN)/pybabel update -i surveyapp/translations/messages.pot -d surveyapp/translations --no-fuzzy-matching

bench: $(STAMPS)/requirements-dev
	@for script in bench/*.py; do echo "== $$script"; $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) $(STAMPS) .pytest_cache .ruff_cache $(COMPILED)
