# Ambassador Journey: `make run` sets everything up and serves the demo; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PIP := $(BIN)/python -m pip install --quiet --constraint constraints.txt
# .flaskenv names the app, so plain `flask` commands work (python-dotenv reads it).
FLASK := $(BIN)/flask
PORT ?= 5000
# One stamp per set of packages: `make run` installs only what the portal needs to run.
STAMP := $(VENV)/.installed
TEST_STAMP := $(VENV)/.installed-test
BROWSER_STAMP := $(VENV)/.installed-browser
LINT_STAMP := $(VENV)/.installed-lint
BENCH_STAMP := $(VENV)/.installed-bench

.PHONY: run dev test test-postgres test-browser lint lock install translations compile-translations db clean bench

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml constraints.txt | $(BIN)/python
	$(PIP) -e .
	touch $@

$(TEST_STAMP): $(STAMP)
	$(PIP) -e '.[test]'
	touch $@

$(BROWSER_STAMP): $(TEST_STAMP)
	$(PIP) -e '.[test,browser]'
	touch $@

$(LINT_STAMP): $(STAMP)
	$(PIP) -e '.[lint]'
	touch $@

$(BENCH_STAMP): $(STAMP)
	$(PIP) -e '.[bench]'
	touch $@

install: $(STAMP) compile-translations

compile-translations: $(STAMP)
	$(BIN)/pybabel compile -d translations --statistics 2>&1 | grep -v '^$$' || true
	@test -f translations/nl/LC_MESSAGES/messages.mo

db: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty

# Web (gunicorn) and the job worker together from the Procfile; one Ctrl-C stops both. honcho gives
# each process its own PORT, so BASE_URL is fixed here: links in mail from the worker point at the web.
run: db
	@echo "Serving Ambassador Journey on http://127.0.0.1:$(PORT) with its worker (demo password: demo-ambassador)"
	BASE_URL=$${BASE_URL:-http://127.0.0.1:$(PORT)} $(BIN)/honcho --procfile Procfile start --port $(PORT)

dev: db
	$(FLASK) run --debug --port $(PORT)

test: install $(TEST_STAMP)
	$(BIN)/pytest -q --ignore=tests/browser

test-postgres: install $(TEST_STAMP)
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/ambassador_test} \
	REQUIRE_POSTGRES=1 $(BIN)/pytest -q --ignore=tests/browser

test-browser: install $(BROWSER_STAMP)
	REQUIRE_BROWSER=1 $(BIN)/pytest -q tests/browser

lint: $(LINT_STAMP)
	$(BIN)/ruff check app tests bench tools migrations wsgi.py docs/examples
	$(BIN)/lint-imports

# The portal against a bare Flask page (docs/performance.md): demo size on SQLite and PostgreSQL;
# BENCH_LARGE=1 adds 100,000 customers (seeded once, reused); BENCH_ARGS passes more options
# (e.g. BENCH_ARGS="--quick --only home,complete"). wrk is Debian's package.
bench: install $(BENCH_STAMP)
	@command -v wrk >/dev/null 2>&1 || apt-get install -y wrk || sudo apt-get install -y wrk
	$(BIN)/python -m bench --db both --size $(if $(BENCH_LARGE),both,demo) $(BENCH_ARGS)

# Re-resolve every dependency (all extras) into constraints.txt; commit it with what CI then tested.
lock: $(STAMP)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --all-extras --python-version 3.11 --no-header --no-annotate \
		--quiet -o constraints.txt

translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l --no-location --sort-output -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d translations --statistics

clean:
	rm -rf $(VENV) instance/ambassador.db*
