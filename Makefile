# The portal's two commands: `make run` and `make test`. Everything else supports them.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
export FLASK_APP := wsgi

.PHONY: run test test-only install install-dev assets migrate seed lint bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip

$(VENV)/.runtime: $(BIN)/python requirements.txt
	$(BIN)/pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.runtime requirements-dev.txt
	$(BIN)/pip install -q -r requirements-dev.txt
	touch $@

install: $(VENV)/.runtime
install-dev: $(VENV)/.dev

# Front-end libraries from their pinned npm packages into app/static/vendor (not committed).
# Without npm, pages fall back to the pinned CDN with Subresource Integrity.
assets:
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --ignore-scripts --no-audit --no-fund --loglevel=error && \
		rm -rf app/static/vendor && mkdir -p app/static/vendor/dsfr/utility/icons app/static/vendor/htmx && \
		cp node_modules/@gouvfr/dsfr/dist/dsfr.min.css node_modules/@gouvfr/dsfr/dist/dsfr.module.min.js \
		   node_modules/@gouvfr/dsfr/dist/dsfr.nomodule.min.js app/static/vendor/dsfr/ && \
		cp node_modules/@gouvfr/dsfr/dist/utility/icons/icons.min.css app/static/vendor/dsfr/utility/icons/ && \
		cp -r node_modules/@gouvfr/dsfr/dist/fonts node_modules/@gouvfr/dsfr/dist/icons \
		      node_modules/@gouvfr/dsfr/dist/favicon app/static/vendor/dsfr/ && \
		cp node_modules/htmx.org/dist/htmx.min.js app/static/vendor/htmx/ ; \
	else echo "npm absent : les pages chargeront le DSFR et htmx depuis le CDN (SRI)."; fi

# Local targets run in debug (no SECRET_KEY needed). On a PaaS, the Procfile's release step migrates.
migrate: install
	FLASK_DEBUG=1 $(BIN)/flask db upgrade

seed: migrate
	FLASK_DEBUG=1 $(BIN)/flask seed reference
	FLASK_DEBUG=1 $(BIN)/flask seed demo

run: install assets seed
	FLASK_DEBUG=1 $(BIN)/flask run --host 127.0.0.1 --port 5000

test: install-dev assets test-only

test-only:
	$(BIN)/python -m pytest

lint: install-dev
	$(BIN)/ruff check app tests bench
	$(BIN)/ruff format --check app tests bench
	FLASK_DEBUG=1 $(BIN)/flask db check

bench: install-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules app/static/vendor .pytest_cache
