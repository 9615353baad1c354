# Two commands do all the set-up on a fresh machine: `make run` and `make test`.
VENV ?= .venv
PY := $(VENV)/bin/python
FLASK := $(VENV)/bin/flask --app wsgi
PYTHON ?= python3

.PHONY: install run test test-sqlite test-postgres lint static audit load migrations-check bench bench-report clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $@

install: $(VENV)/.installed

# Migrate a SQLite database under instance/, seed the demo network if empty, and serve it on
# http://127.0.0.1:$PORT (default 5000) with the scheduled jobs and a loopback Stripe stand-in
# (on $STRIPE_PORT, default 8420) beside it. It prints the URL and the demo logins; Ctrl+C stops
# everything it started.
run: install
	mkdir -p instance
	$(FLASK) db upgrade
	PUBLIC_BASE_URL=$${PUBLIC_BASE_URL:-http://127.0.0.1:$${PORT:-5000}} $(FLASK) demo seed
	VENV=$(VENV) scripts/run_dev.sh

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/bandit -q -c pyproject.toml -r wnwa config.py wsgi.py

# The whole suite on SQLite, then again on a throwaway PostgreSQL cluster on loopback.
# With WNWA_REQUIRE_POSTGRES=1 (CI) a missing PostgreSQL fails the run instead of skipping it.
test: install lint static test-sqlite test-postgres

# House rules checked by semgrep, offline, with the rules kept in semgrep/wnwa.yml (no logging
# of request data or accounts, no |safe or Markup on data, no raw SQL outside reviewed modules);
# `semgrep --test` first proves each rule still catches its cases in semgrep/wnwa.py.
SEMGREP := $(VENV)/bin/semgrep
SEMGREP_FLAGS := --metrics=off --disable-version-check --quiet
static: install
	$(SEMGREP) --test $(SEMGREP_FLAGS) semgrep
	$(SEMGREP) scan --config semgrep/wnwa.yml $(SEMGREP_FLAGS) --error wnwa templates config.py wsgi.py

# Known vulnerabilities in the installed packages. It needs the package index and the advisory
# database, so it is not part of `make test`; --strict fails when a package cannot be checked
# instead of reporting "no known vulnerabilities" for what it skipped.
audit: install
	$(VENV)/bin/pip-audit --strict --skip-editable --progress-spinner off

test-sqlite: install
	WNWA_CONFIG=testing $(PY) -m pytest
	$(MAKE) --no-print-directory migrations-check

test-postgres: install
	@if scripts/with_postgres.sh true 2>/dev/null; then \
	  WNWA_CONFIG=testing scripts/with_postgres.sh $(PY) -m pytest && \
	  scripts/with_postgres.sh $(MAKE) --no-print-directory migrations-check; \
	elif [ "$$WNWA_REQUIRE_POSTGRES" = "1" ]; then \
	  echo "PostgreSQL is required (WNWA_REQUIRE_POSTGRES=1) but could not be started" >&2; exit 1; \
	else \
	  echo "PostgreSQL server binaries not found: PostgreSQL run skipped (apt-get install postgresql)"; \
	fi

# An empty database migrated to head must match the models exactly.
migrations-check: install
	@tmp=$$(mktemp -d); \
	url=$${MIGRATION_DATABASE_URL:-sqlite:///$$tmp/check.sqlite3}; \
	DATABASE_URL=$$url MIGRATION_DATABASE_URL=$$url WNWA_CONFIG=development $(FLASK) db upgrade >/dev/null && \
	DATABASE_URL=$$url MIGRATION_DATABASE_URL=$$url WNWA_CONFIG=development $(FLASK) db check; \
	status=$$?; rm -rf $$tmp; exit $$status

# Each benchmark writes docs/bench/<area>.md; docs/BENCHMARKS.md is assembled from them.
bench: install
	@for script in bench/bench_*.py; do \
	  [ -e "$$script" ] || continue; echo "== $$script"; $(PY) $$script || exit 1; \
	done
	$(MAKE) --no-print-directory bench-report

# Mixed load (locust, headless, loopback only, bounded): officers searching, opening profiles
# and the crisis page while a chief imports 13,000 rows and finance opens invoices, on the
# US-scale data, SQLite then PostgreSQL; figures into docs/bench/load.md and BENCHMARKS.md.
# Run it on a quiet machine: it measures throughput.
load: install
	$(PY) bench/load.py --engine $${LOAD_ENGINE:-both} --seconds $${LOAD_SECONDS:-60} --users $${LOAD_USERS:-16}
	$(MAKE) --no-print-directory bench-report

bench-report:
	@{ echo "# Benchmarks"; echo; \
	   echo "Measured by \`make bench\` on this project's machine class (2 cores, 24 GiB)."; \
	   echo "Each section below is written by its script in bench/; re-run to refresh."; \
	   for f in docs/bench/*.md; do echo; sed 's/^#/##/' "$$f"; done; } > docs/BENCHMARKS.md
	@echo "docs/BENCHMARKS.md updated"

# Everything the Makefile, the app and the tests generate; the sources stay.
clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis *.egg-info build dist
	rm -rf instance/wnwa.sqlite3* instance/outbox instance/uploads instance/bench instance/.wnwa-job-*.lock instance/zip-centroids-*.tsv
	rmdir instance 2>/dev/null || true
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
