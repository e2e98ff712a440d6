# Watt's Up: every target installs what it needs first.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
PY_STAMP   := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
WEB_DEPS   := web/node_modules/.installed
WEB_BUILD  := web/dist/.built
# what the web app's build depends on: a change to any of these rebuilds it on the next `make run`
WEB_SOURCES := $(shell find web/src web/public -type f -not -name '*.test.*' 2>/dev/null) web/index.html web/vite.config.ts \
               web/tsconfig.json web/openapi.json
UV_VERSION := 0.13.9
# the end-to-end browser tests drive Debian's Chromium through Playwright (no browser download)
CHROMIUM ?= /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
HOST ?= 127.0.0.1
PORT ?= 7071

.PHONY: install run test lint typecheck infra-check bench clean web web-test web-api e2e

$(PY_STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -c 'import sys; assert sys.version_info[:2] == (3, 11), "Python 3.11 is required"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	# uv (from PyPI) resolves and installs in seconds where pip takes most of a minute
	$(PY) -m pip install --quiet --disable-pip-version-check "uv==$(UV_VERSION)"
	$(VENV)/bin/uv pip install --quiet --python $(PY) -r requirements-dev.txt
	touch $@

$(NODE_STAMP): package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(WEB_DEPS): web/package.json web/package-lock.json
	npm ci --prefix web --no-audit --no-fund --loglevel=error
	touch $@

$(WEB_BUILD): $(WEB_DEPS) $(WEB_SOURCES)
	npm run build --prefix web
	touch $@

$(CHROMIUM):
	@command -v apt-get >/dev/null || { echo "Chromium is needed at $(CHROMIUM) for the browser tests (Debian: apt-get install chromium)"; exit 1; }
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-liberation >/dev/null
	test -x $(CHROMIUM)

## web: build the web app into web/dist (served by the local host at /)
web: $(WEB_BUILD)

## web-test: type-check the web app and run its Vitest tests
web-test: $(WEB_DEPS)
	npm run typecheck --prefix web
	npm test --prefix web

## web-api: after an API change, regenerate web/openapi.json and the TypeScript types from it
web-api: $(PY_STAMP) $(WEB_DEPS)
	$(PY) tools/openapi_dump.py
	npm run gen --prefix web

## e2e: the web app end to end in headless Chromium against the local host (demo data, simulated chargers);
## screenshots of the key screens in web/e2e-results/screens, the report in web/e2e-results/report
e2e: $(PY_STAMP) $(WEB_BUILD) $(CHROMIUM)
	CHROMIUM_PATH=$(CHROMIUM) WATTSUP_PYTHON=$(abspath $(PY)) npm run e2e --prefix web

local.settings.json:
	cp local.settings.example.json $@

install: $(PY_STAMP) $(NODE_STAMP) $(WEB_DEPS)

## run: start the whole system locally on the embedded defaults, with demo data
run: $(PY_STAMP) local.settings.json $(WEB_BUILD)
	WEBPUBSUB_ENDPOINT=http://$(HOST):$(PORT) APP_BASE_URL=http://$(HOST):$(PORT) \
	  $(PY) -m local_host --host $(HOST) --port $(PORT) --simulate 3

## test: lint and type-check, then every test (web app: Vitest, then end to end in Chromium; Python: unit, contract
## incl. the Cosmos stand-in, functions, end-to-end)
test: install $(WEB_BUILD) $(CHROMIUM)
	$(PY) -m ruff check .
	$(PY) -m mypy shared functions local_host function_app.py simulator
	# the web app before pytest, so that pytest's summary stays the last line
	npm run typecheck --prefix web
	npm test --prefix web
	CHROMIUM_PATH=$(CHROMIUM) WATTSUP_PYTHON=$(abspath $(PY)) npm run e2e --prefix web
	WATTSUP_REQUIRE_COSMOS=1 $(PY) -m pytest

lint: install
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .

typecheck: install
	$(PY) -m mypy shared functions local_host function_app.py simulator

## infra-check: the Bicep tests; where the Bicep CLI exists also bicep build and lint
infra-check: $(PY_STAMP)
	$(PY) -m pytest -q tests/infra
	@if command -v bicep >/dev/null 2>&1; then \
	  bicep build infra/bicep/main.bicep --stdout >/dev/null && \
	  for f in infra/bicep/main.bicep infra/bicep/modules/*.bicep; do bicep lint "$$f" || exit 1; done; \
	else echo "bicep CLI not found: only the checks of tests/infra ran (see infra/bicep/README.md)"; fi

bench: install
	$(PY) bench/health_rps.py

clean:
	rm -rf .data .pytest_cache .mypy_cache .ruff_cache .hypothesis web/dist web/e2e-results
