# Chronicle: `make run` serves the seed data set, `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000
PYTEST_ARGS ?=
# pytest-xdist processes (0 = one process); each has its own test database, files stay whole.
PYTEST_WORKERS ?= 2
BENCH_EVENTS ?= 1000000

.PHONY: setup run test lint format migrate seed serve bench clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)

# Reinstall only when requirements.txt changes.
$(VENV)/.installed: requirements.txt | $(BIN)/activate
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

setup: $(VENV)/.installed

migrate: setup
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py load_seed
	$(PY) manage.py create_demo_curator --reviewer

run: seed
	@echo "Chronicle on http://$(HOST):$(PORT)/ (admin at /admin/, API at /api/v1/, docs at /api/docs/)"
	$(PY) manage.py runserver $(HOST):$(PORT)

# Production mode on this machine: gunicorn + whitenoise on 127.0.0.1, DEBUG off.
# SECRET_KEY must be set; over plain http locally, pass SECURE_SSL_REDIRECT=0 and the
# *_COOKIE_SECURE=0 variables (behind a TLS proxy leave them on).
WORKERS ?= 3
serve: migrate
	@test -n "$$SECRET_KEY" || { echo "make serve needs SECRET_KEY (see .env.example)"; exit 1; }
	DEBUG=0 $(PY) manage.py collectstatic --noinput -v0
	DEBUG=0 $(BIN)/gunicorn --config config/gunicorn.py --bind $(HOST):$(PORT) --workers $(WORKERS) --access-logfile -

# Celery worker for background exports (config/celery.py, docs/scaling.md); needs a broker:
# CELERY_BROKER_URL=redis://127.0.0.1:6379/0 make worker (REDIS_URL is used when it is unset).
# The web process needs the same broker setting, or it runs large exports inline.
.PHONY: worker
EXPORTS_QUEUE ?= exports
CELERY_CONCURRENCY ?= 2
worker: setup
	@test -n "$$CELERY_BROKER_URL$$REDIS_URL" || { echo "make worker needs CELERY_BROKER_URL (or REDIS_URL), e.g. redis://127.0.0.1:6379/0" >&2; exit 2; }
	EXPORTS_QUEUE=$(EXPORTS_QUEUE) $(BIN)/celery -A config worker --loglevel INFO --queues $(EXPORTS_QUEUE) \
	  --concurrency $(CELERY_CONCURRENCY) --max-tasks-per-child 100

test: setup
	$(BIN)/pytest $(if $(filter-out 0,$(PYTEST_WORKERS)),-n $(PYTEST_WORKERS) --dist loadfile) $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: setup
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# Benchmarks (docs/benchmarks.md) need PostgreSQL; `make bench BENCH_EVENTS=100000` for a quick run.
bench: setup
	@case "$$DATABASE_URL" in postgres://*|postgresql://*|pgsql://*) ;; \
	  *) echo "make bench needs PostgreSQL: DATABASE_URL=postgres://user@host:5432/db make bench" >&2; exit 2;; \
	esac
	BENCH_EVENTS=$(BENCH_EVENTS) $(PY) bench/run.py

# Re-vendor the explorer's JavaScript (docs/explorer.md): needs npm; `make run` and CI do not.
.PHONY: vendor-js
vendor-js:
	bash ops/vendor_js.sh

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache

# Operations (docs/operations.md). Backups: pg_dump -Fc of $DATABASE_URL into $(BACKUP_DIR)/;
# `make restore FILE=backups/chronicle-….dump` restores one (FORCE=1 to replace a database holding data).
.PHONY: backup restore
BACKUP_DIR ?= backups
backup:
	BACKUP_DIR=$(BACKUP_DIR) $(PY) -m ops.backup backup
restore:
	@test -n "$(FILE)" || { echo "make restore needs FILE=backups/chronicle-<timestamp>.dump" >&2; exit 2; }
	$(PY) -m ops.backup restore "$(FILE)" $(if $(filter 1 yes true,$(FORCE)),--force)

# A longer schemathesis run than the suite's bounded one (tests/api/test_api_schema.py): FUZZ_EXAMPLES
# examples per operation, as anonymous and as curator; set DATABASE_URL to fuzz on PostgreSQL.
.PHONY: fuzz
FUZZ_EXAMPLES ?= 200
fuzz: setup
	FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) $(BIN)/pytest tests/api/test_api_schema.py -k conforms -p no:cacheprovider $(PYTEST_ARGS)

# Load test (docs/operations.md, docs/benchmarks.md "Load test"): gunicorn as `make serve` on 127.0.0.1,
# LOADTEST_CLIENTS clients with ~1 s think time for LOADTEST_DURATION s, then 4 concurrent full CSV exports.
.PHONY: loadtest
LOADTEST_CLIENTS ?= 50
LOADTEST_DURATION ?= 60
loadtest: setup
	@case "$$DATABASE_URL" in postgres://*|postgresql://*) ;; \
	  *) echo "make loadtest needs PostgreSQL: DATABASE_URL=postgres://user@host:5432/chronicle_scale make loadtest" >&2; exit 2;; \
	esac
	$(PY) -m ops.loadtest --clients $(LOADTEST_CLIENTS) --duration $(LOADTEST_DURATION) --workers $(WORKERS)
