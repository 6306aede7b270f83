# Yiwang: `make demo` runs the platform with demo data; `make test` runs every test on SQLite and PostgreSQL.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_SEED ?= 2026
DEMO_ITEMS ?= 15000
export DJANGO_SETTINGS_MODULE ?= yiwang.conf.dev

.PHONY: demo test venv system-deps lint messages test-sqlite test-postgres bench clean lock

$(BIN)/yiwang: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --disable-pip-version-check --require-hashes -r requirements.lock
	$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e . || \
		$(BIN)/python -m pip install -q --disable-pip-version-check --no-deps -e .
	touch $(BIN)/yiwang

venv: $(BIN)/yiwang

system-deps:
	bin/system-deps $(if $(filter test,$(MAKECMDGOALS)),test,demo)

messages: venv
	cd src/yiwang && ../../$(BIN)/yiwang compilemessages -v0

demo: system-deps venv messages
	$(BIN)/yiwang migrate -v0
	$(BIN)/yiwang createcachetable
	$(BIN)/yiwang collectstatic --noinput -v0
	$(BIN)/yiwang seed_demo --seed $(DEMO_SEED) --items $(DEMO_ITEMS) --if-empty
	$(BIN)/yiwang demo_accounts
	$(BIN)/yiwang run_demo --bind $(HOST):$(PORT)

lint: venv
	$(BIN)/ruff check src tests bench

test: system-deps venv messages lint test-sqlite test-postgres

test-sqlite: venv
	DJANGO_SETTINGS_MODULE=yiwang.conf.test $(BIN)/pytest -p no:cacheprovider -q

test-postgres: venv
	bin/run-with-postgres $(BIN)/pytest -p no:cacheprovider -q

bench: venv
	$(BIN)/python bench/run_all.py

lock:
	uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock

clean:
	rm -rf $(VENV) var .pytest_cache
