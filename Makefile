# Ambassador Journey: `make run` sets everything up and serves the demo; `make test` runs the tests.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
FLASK := $(BIN)/flask --app wsgi
PORT ?= 5000
STAMP := $(VENV)/.installed

.PHONY: run dev test test-postgres test-browser install translations compile-translations db seed clean

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP) compile-translations

compile-translations: $(STAMP)
	$(BIN)/pybabel compile -d translations --statistics 2>&1 | grep -v '^$$' || true
	@test -f translations/nl/LC_MESSAGES/messages.mo

db: install
	$(FLASK) db upgrade
	$(FLASK) seed-demo --if-empty

run: db
	@echo "Serving Ambassador Journey on http://127.0.0.1:$(PORT) (demo password: demo-ambassador)"
	$(BIN)/gunicorn --bind 127.0.0.1:$(PORT) --workers 2 --access-logfile - wsgi:app

dev: db
	$(FLASK) run --debug --port $(PORT)

test: install
	$(BIN)/pytest -q --ignore=tests/browser

test-postgres: install
	TEST_DATABASE_URL=$${TEST_DATABASE_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/ambassador_test} \
	REQUIRE_POSTGRES=1 $(BIN)/pytest -q --ignore=tests/browser

test-browser: install
	REQUIRE_BROWSER=1 $(BIN)/pytest -q tests/browser

translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l --no-location --sort-output -o translations/messages.pot .
	$(BIN)/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching --ignore-obsolete
	$(BIN)/pybabel compile -d translations --statistics

clean:
	rm -rf $(VENV) instance/ambassador.db*
