# Two commands do the set-up on a fresh clone: `make run` and `make test`.
PYTHON_VERSION := $(shell cat .python-version)
PYTHON ?= $(firstword $(wildcard $(HOME)/.pyenv/versions/$(PYTHON_VERSION)*/bin/python3) $(shell command -v python$(PYTHON_VERSION)))
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1:8000

.PHONY: run dev serve test lint format bench install clean-var

$(BIN)/python:
	@test -n "$(PYTHON)" || (echo "Python $(PYTHON_VERSION) not found: install it (pyenv install $(PYTHON_VERSION))" && exit 1)
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when requirements.txt changes.
$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

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
serve: install
	@$(BIN)/honcho run sh -c 'test -n "$$DATABASE_URL" && test -n "$$REDIS_URL"' || \
		(echo "make serve needs DATABASE_URL and REDIS_URL (README: Running for a team)" && exit 1)
	mkdir -p var
	$(BIN)/honcho run $(BIN)/python manage.py migrate --noinput
	$(BIN)/honcho run $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	$(BIN)/honcho start $(PROCESSES)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Benchmarks at repository scale (bench/): `make bench` (small, a few minutes) or
# `make bench SCALE=large`. With DATABASE_URL=postgres://… it runs on that server, in a
# database of its own. Results: bench/results/<date>-<scale>.json.
SCALE ?= small

bench: install
	$(BIN)/python -m bench.run --scale $(SCALE)
