# Yiwang: `make demo` runs the platform with demo data; `make test` runs every test on SQLite and PostgreSQL.
# Both work on a fresh Debian machine: missing Debian packages are installed with apt-get (bin/system-deps).
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
DEMO_SEED ?= 2026
DEMO_ITEMS ?= 15000
PIP := $(BIN)/python -m pip -q --disable-pip-version-check
# Tests run in parallel (pytest-xdist), one worker per CPU the system shows (`logical`: on a 2-vCPU machine 2,
# where `auto` may count 1 physical core); `make test WORKERS=0` runs them one by one.
# Each test file stays on one worker (`--dist loadfile`, in pyproject.toml).
# `make test REVERSE=1` runs every test in reverse order, to catch tests that depend on the order.
WORKERS ?= logical
REVERSE ?=
PYTEST := $(BIN)/pytest -p no:cacheprovider -q --durations=10 -n $(WORKERS) $(if $(REVERSE),--reverse)
export PYTHON
export DJANGO_SETTINGS_MODULE ?= yiwang.conf.dev

.PHONY: demo test venv system-deps lint messages i18n i18n-check prepare test-sqlite test-postgres test-browser \
	test-replica test-reverse bench clean lock

# The virtualenv, rebuilt when the lock file or the package metadata change.
$(BIN)/yiwang: pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install --require-hashes -r requirements.lock
	$(PIP) install --no-deps -e .
	touch $(BIN)/yiwang

venv: $(BIN)/yiwang

system-deps:
	bin/system-deps $(if $(filter test test-%,$(MAKECMDGOALS)),test,demo)

# Compiles the committed .po catalogs (src/yiwang/locale) into .mo files.
messages: venv
	cd src/yiwang && ../../$(BIN)/yiwang compilemessages -v0

# Re-extracts every translatable string and fills the Chinese from src/yiwang/locale/parts/*.json.
i18n: venv
	bin/i18n

i18n-check: venv
	bin/i18n --check

# Everything the demo server needs before it starts (also used by hand after a `git pull`).
prepare: system-deps venv messages
	$(BIN)/yiwang migrate -v0
	$(BIN)/yiwang createcachetable
	$(BIN)/yiwang collectstatic --noinput -v0

# The demo steps (app yiwang.ops) each exit non-zero on any failure, so make stops at the first with its message.
demo: prepare
	$(BIN)/yiwang seed_demo --seed $(DEMO_SEED) --items $(DEMO_ITEMS) --if-empty
	$(BIN)/yiwang load_holidays --all
	$(BIN)/yiwang demo_accounts
	$(BIN)/yiwang demo_identities
	$(BIN)/yiwang seed_licenses --if-empty
	$(BIN)/yiwang seed_hotline --if-empty
	$(BIN)/yiwang seed_halls --if-empty
	$(BIN)/yiwang seed_bundles --if-empty
	$(BIN)/yiwang seed_ratings --if-empty
	$(BIN)/yiwang seed_exchange --if-empty
	$(BIN)/yiwang seed_policies --if-empty
	$(BIN)/yiwang stats_seed_demo --if-empty
	$(BIN)/yiwang seed_supervision_cards --if-empty
	$(BIN)/yiwang run_demo --bind $(HOST):$(PORT)

# ruff, and the layering contracts of .importlinter (docs/architecture.md).
lint: venv
	$(BIN)/ruff check src tests $(wildcard bench)
	$(BIN)/ruff format --check src tests $(wildcard bench)
	$(BIN)/lint-imports --no-cache --no-logo

test: system-deps venv messages lint i18n-check test-sqlite test-postgres test-replica

# The whole suite on SQLite, browser tests included.
test-sqlite: venv messages
	DJANGO_SETTINGS_MODULE=yiwang.conf.test $(PYTEST)

# The whole suite again on a throwaway PostgreSQL server; the browser tests ran on SQLite already.
test-postgres: venv messages
	DJANGO_SETTINGS_MODULE=yiwang.conf.test bin/run-with-postgres $(PYTEST) -m "not browser"

# The read replica against a real PostgreSQL primary and streaming replica on loopback (pg_basebackup).
test-replica: venv messages
	DJANGO_SETTINGS_MODULE=yiwang.conf.test bin/run-with-replica $(PYTEST) -m replica tests/core/test_replica_live.py

test-browser: venv messages
	DJANGO_SETTINGS_MODULE=yiwang.conf.test $(PYTEST) -m browser

# The whole suite on SQLite in reverse order (now and then, and before a release).
test-reverse: venv messages
	DJANGO_SETTINGS_MODULE=yiwang.conf.test $(PYTEST) --reverse

# Benchmarks (not timed tests); each script's docstring tells its options.
bench: venv
	$(BIN)/python bench/search_bench.py
	$(BIN)/python bench/import_bench.py

lock:
	uv pip compile pyproject.toml --extra dev --python-version 3.11 --generate-hashes -o requirements.lock

clean:
	rm -rf $(VENV) var .pytest_cache
	find src -name '*.mo' -delete
