# torchcanvas: `make run` serves the editor, `make test` runs the whole suite.
# Both set up everything they need on a fresh machine (Debian, Python 3.11, Node 20).

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
STATIC := src/torchcanvas/static/index.html
WEB_SOURCES := $(shell find web/src web/index.html web/package.json web/vite.config.* -type f 2>/dev/null)

.PHONY: run test setup web lint typecheck bench clean system-deps

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip
	$(PIP) install --quiet -e '.[train,dev]'
	touch $@

# The editor's static files; rebuilt when a web source changes.
web: $(STATIC)

$(STATIC): $(WEB_SOURCES)
	@if [ -f web/package.json ]; then \
		cd web && npm ci --no-audit --no-fund --loglevel=error && npm run build; \
	else echo "web/ not present yet: skipping the editor build"; fi

# Chromium drives the end-to-end tests; PostgreSQL backs the storage tests.
system-deps:
	@if [ ! -x /usr/bin/chromium ] || ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || ! id postgres >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium postgresql >/dev/null; \
	fi

run: setup web
	$(VENV)/bin/torchcanvas serve

test: setup web system-deps lint
	$(PY) -m pytest -q -p no:cacheprovider $(PYTEST_ARGS)

lint: setup
	$(VENV)/bin/ruff check src tests bench
	$(VENV)/bin/mypy

bench: setup web
	$(PY) bench/core.py
	$(PY) bench/runner.py
	$(PY) bench/web.py --fps --check

clean:
	rm -rf $(VENV) web/node_modules src/torchcanvas/static
