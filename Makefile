# Tongxing: every target creates or reuses .venv and installs what it needs.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
SUDO   := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
export TONGXING_DATA_DIR ?= $(CURDIR)/var

.PHONY: install model run test lint bench bench-deps i18n catalogs rasa-compare clean e2e-deps chromium screenshots

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade "pip>=24"

$(STAMP): $(BIN)/python pyproject.toml
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(STAMP)

# The NLU model is trained here, never by a request: only when no model in $(TONGXING_DATA_DIR)/nlu
# matches the training data and the code version (the cache key hashes both).
install: $(STAMP) catalogs model

model: $(STAMP)
	$(BIN)/tongxing nlu train --if-stale

# Compile the Babel catalogs (.po -> .mo); the .mo files are build products.
catalogs: $(STAMP)
	$(BIN)/pybabel compile --domain messages --directory locales --use-fuzzy --statistics 2>&1 | tail -n 3

# Re-extract user-facing strings and merge them into every catalog.
i18n: $(STAMP)
	$(BIN)/pybabel extract --mapping babel.cfg --output-file locales/messages.pot \
	    --no-location --sort-output --project tongxing --copyright-holder Tongxing .
	$(BIN)/pybabel update --domain messages --input-file locales/messages.pot --output-dir locales \
	    --no-fuzzy-matching --ignore-obsolete
	$(BIN)/python locales/hant.py
	$(MAKE) catalogs

run: install
	$(BIN)/tongxing db upgrade
	$(BIN)/tongxing check
	$(BIN)/tongxing serve

# On every core (pytest-xdist), a test module on one worker (its module fixtures built once).
test: install e2e-deps
	$(BIN)/python -m pytest -n auto --dist loadfile

# What the end-to-end tests need from outside PyPI (e2e-deps), installed here and never by hand.
# The browser tests' Chromium: Debian's package (`playwright install` downloads from a CDN; never used),
# with a Chinese font so that the pages (and docs/screenshots/webchat.png) show characters.
e2e-deps: chromium
chromium:
	@test -x /usr/bin/chromium && fc-list :lang=zh | grep -q . || { \
	    echo "installing Debian's chromium and a Chinese font for the browser tests"; \
	    $(SUDO) apt-get update -qq && \
	    DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends \
	        chromium fonts-wqy-microhei >/dev/null; }

# Re-take the screenshots for the README (the web chat on a phone, the console's reports on a tablet).
screenshots: install e2e-deps
	TONGXING_UPDATE_SCREENSHOTS=1 $(BIN)/python -m pytest tests/e2e -q -k "layout or reports"
# What the end-to-end tests run against, installed from pinned files (nothing by hand).
# The Telegram Bot API emulator: telegram-test-api 4.2.1, exactly as package-lock.json says (Node 20, npm).
TELEGRAM_EMULATOR := tests/e2e/telegram_emulator
$(TELEGRAM_EMULATOR)/node_modules/.package-lock.json: $(TELEGRAM_EMULATOR)/package-lock.json
	npm ci --prefix $(TELEGRAM_EMULATOR) --no-audit --no-fund --loglevel=error
	touch $@
e2e-deps: $(TELEGRAM_EMULATOR)/node_modules/.package-lock.json

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check core bot dialogues nlu knowledge reminders
	$(BIN)/mypy
	$(BIN)/lint-imports

bench: install bench-deps
	$(BIN)/python -m bench $(BENCH_ARGS)  # BENCH_ARGS=--full: the reminders at full size

# The server benches' load generator: wrk (Debian's package, compiled), so that the client takes little
# of the 2 cores it shares with the server. Where it cannot be installed, the bench falls back to its
# Python client and says so in its figures (that client took about a quarter of the server's capacity).
bench-deps:
	@command -v wrk >/dev/null || { \
	    echo "installing Debian's wrk for the server benches"; \
	    { $(SUDO) apt-get update -qq && \
	      DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends wrk >/dev/null; } || \
	    echo "wrk could not be installed: the benches use their Python client"; }

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache $(TELEGRAM_EMULATOR)/node_modules

# Our engine against Rasa 3.6 DIET on the same held-out file (not part of `make test`; a few minutes).
# Rasa needs Python 3.10 (pyenv) and lives in its own venv outside the project's.
RASA_VENV := var/rasa-venv
RASA_WORK := var/rasa-compare
rasa-compare: install
	@mkdir -p var/rasa-scratch/tmp
	@test -x $(RASA_VENV)/bin/rasa || ( \
	    PYENV_VERSION=3.10.13 python3.10 -m venv $(RASA_VENV) && \
	    HOME=$(CURDIR)/var/rasa-scratch TMPDIR=$(CURDIR)/var/rasa-scratch/tmp \
	    $(RASA_VENV)/bin/pip install --quiet "rasa==3.6.21" jieba )
	RASA_TELEMETRY_ENABLED=false $(BIN)/python -m bench.rasa_compare --rasa-venv $(RASA_VENV) --work $(RASA_WORK)
