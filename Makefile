# torchcanvas: `make run` serves the editor, `make test` runs the whole suite.
# Both set up everything they need on a fresh machine (Debian, Python 3.11, Node 20).

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STATIC := src/torchcanvas/static/index.html
WEB_SOURCES := $(shell find web/src web/index.html web/package.json web/vite.config.* -type f 2>/dev/null)

.PHONY: run test test-py test-web typecheck setup web web-deps lint bench clean system-deps

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[train,dev,cluster]'
	touch $@

# The front end's packages, installed again when the lock file changes.
web-deps: web/node_modules/.package-lock.json

web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund --loglevel=error
	touch $@

# The editor's static files; rebuilt when a web source changes.
web: $(STATIC)

$(STATIC): $(WEB_SOURCES) web/node_modules/.package-lock.json
	cd web && npm run build:fast

# Chromium drives the end-to-end tests; PostgreSQL backs the storage tests.
system-deps:
	@if [ ! -x /usr/bin/chromium ] || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! id postgres >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium postgresql >/dev/null; \
	fi

run: setup web
	$(VENV)/bin/torchcanvas serve

# Everything is installed first, then the four suites run side by side (-j); each one's output
# is printed whole when it ends (-O), and -k lets the others finish when one fails (make still
# exits non-zero). PostgreSQL needs no server here: its fixture starts a cluster per test worker.
# --dist loadgroup keeps the tests of one xdist_group on one worker (they share one Ray head).
PYTEST_WORKERS ?= auto

test: setup web system-deps
	$(MAKE) --no-print-directory -k -j4 -O lint test-py test-web typecheck

test-py: setup web system-deps
	$(PY) -m pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) --dist loadgroup $(PYTEST_ARGS)

test-web: web-deps
	cd web && npx vitest run

typecheck: web-deps
	cd web && npx tsc --noEmit

lint: setup
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy

bench: setup web
	$(PY) bench/core.py
	$(PY) bench/runner.py
	$(PY) bench/web.py --fps --check

clean:
	rm -rf $(VENV) web/node_modules src/torchcanvas/static
