# Two commands do the set-up on a fresh clone: `make run` and `make test`.
PYTHON_VERSION := $(shell cat .python-version)
PYTHON ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/$(PYTHON_VERSION)*/bin/python3) $(shell command -v python$(PYTHON_VERSION)))
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

.PHONY: run dev serve test check lint typecheck imports migrations-check format bench install install-runtime lock clean-var

$(BIN)/python:
	@test -n "$(PYTHON)" || (echo "Python $(PYTHON_VERSION) not found: install it (pyenv install $(PYTHON_VERSION))" && exit 1)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Two hashed lock files, both generated from pyproject.toml by `make lock`: requirements/runtime.txt
# (what production needs: `make serve`) and requirements/dev.txt (runtime plus tests, lint, types).
# Each is installed again only when it changes. pip adds what a lock gained and never removes what
# it lost: after a removal, delete .venv.
RUNTIME_LOCK := requirements/runtime.txt
DEV_LOCK := requirements/dev.txt

$(VENV)/.installed-runtime: $(RUNTIME_LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(RUNTIME_LOCK)
	touch $@

$(VENV)/.installed: $(DEV_LOCK) | $(BIN)/python
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r $(DEV_LOCK)
	touch $@

install: $(VENV)/.installed

install-runtime: $(VENV)/.installed-runtime

# Regenerates both locks after a change to the dependencies in pyproject.toml. Versions already
# locked stay as they are; `make lock LOCK_ARGS=--upgrade` moves everything to the newest allowed.
# The dev lock is constrained by the runtime lock, so both install the same runtime versions.
UV_COMPILE = $(BIN)/uv pip compile pyproject.toml --quiet --generate-hashes \
	--python-version $(PYTHON_VERSION) $(LOCK_ARGS)

lock: install
	$(UV_COMPILE) -o $(RUNTIME_LOCK)
	$(UV_COMPILE) --group dev --constraints $(RUNTIME_LOCK) -o $(DEV_LOCK)

# `make run` serves with gunicorn (cxresearch/gunicorn_embedded.py: one process, threads, the
# search index written by a thread of its own); `make dev` with Django's auto-reloading
# development server, which indexes inside each request and answers more slowly.
run: install
	mkdir -p var
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py seed_demo
	DEBUG=$${DEBUG:-true} $(BIN)/gunicorn cxresearch.wsgi --config python:cxresearch.gunicorn_embedded --bind $(HOST)

dev: install
	mkdir -p var
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py migrate --noinput
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py seed_demo
	DEBUG=$${DEBUG:-true} $(BIN)/python manage.py runserver $(HOST)

# A team deployment: gunicorn, the Celery workers and beat (Procfile), against the PostgreSQL
# and Redis of DATABASE_URL and REDIS_URL. PROCESSES picks some of them for another machine:
# `make serve PROCESSES="web worker"`. See README, "Running for a team".
PROCESSES ?=

# `honcho run` gives each step the environment plus a .env file, as `honcho start` does.
serve: install-runtime
	@$(BIN)/honcho run sh -c 'test -n "$$DATABASE_URL" && test -n "$$REDIS_URL"' || \
		(echo "make serve needs DATABASE_URL and REDIS_URL (README: Running for a team)" && exit 1)
	mkdir -p var
	$(BIN)/honcho run $(BIN)/python manage.py migrate --noinput
	$(BIN)/honcho run $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/honcho start $(PROCESSES)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# What CI checks before the tests: lint and format, types, the import contracts, and that every
# model change has its migration.
check: lint typecheck imports migrations-check

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

imports: install
	$(BIN)/lint-imports

migrations-check: install
	DJANGO_SETTINGS_MODULE=cxresearch.test_settings $(BIN)/python manage.py makemigrations --check --dry-run

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Benchmarks at repository scale (bench/): `make bench` (small, a few minutes) or
# `make bench SCALE=large`. With DATABASE_URL=postgres://… it runs on that server, in a
# database of its own. Results: bench/results/<date>-<scale>.json.
SCALE ?= small

bench: install
	$(BIN)/python -m bench.run --scale $(SCALE)
