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

# Front end from the pinned npm packages: only the DSFR parts the portal uses, fingerprinted and
# precompressed (gzip, brotli) into app/static/dist/ (not committed); see app/core/assetbuild.py.
assets: install
	@command -v npm >/dev/null 2>&1 || { echo "npm est nécessaire pour construire le front (make assets)."; exit 1; }
	npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
	$(BIN)/python -m app.core.assetbuild

# Local targets run in debug (no SECRET_KEY needed). On a PaaS, the Procfile's release step migrates.
migrate: install
	FLASK_DEBUG=1 $(BIN)/flask db upgrade

seed: migrate
	FLASK_DEBUG=1 $(BIN)/flask seed reference
	FLASK_DEBUG=1 $(BIN)/flask seed demo

run: install assets seed
	FLASK_DEBUG=1 $(BIN)/flask run --host 127.0.0.1 --port 5000

test: install-dev assets test-only

# One worker per CPU (pytest-xdist); on PostgreSQL each worker gets its own database.
test-only:
	$(BIN)/python -m pytest -n auto

lint: install-dev
	$(BIN)/ruff check app tests bench
	$(BIN)/ruff format --check app tests bench
	FLASK_DEBUG=1 $(BIN)/flask db check

bench: install-dev
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) node_modules app/static/dist app/static/cache_manifest.json .pytest_cache
