# The two commands: `make run` and `make test`. Everything else is a step of those.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
export DJANGO_SETTINGS_MODULE := archive.settings
# Debug is off unless asked for (`make dev`, or DJANGO_DEBUG=1): `make run` shows what readers see,
# friendly error pages included. The secret key is generated once into var/secret_key.

.PHONY: run dev admin install data dictionaries serve test lint format test-postgres clean bench loadtest faults abuse a11y vnu messages

run: install data serve

# Debug on (tracebacks, Django's technical 404) and Django's reloading development server.
dev: install data
	DJANGO_DEBUG=1 $(BIN)/python manage.py runserver 127.0.0.1:$(PORT)

# The editors' login for /admin/: asks for a user name, an e-mail address and a password.
admin: install
	$(BIN)/python manage.py createsuperuser

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: requirements.txt | $(BIN)/python
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

data: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py load_topics
	$(MAKE) dictionaries
	$(BIN)/python manage.py ingest data/transcripts/
	@# ingest aligns only the transcripts it (re)writes: stored links follow the current aligner
	$(BIN)/python manage.py align --all
	$(BIN)/python manage.py check_index --fix
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0

# The bilingual dictionaries cross-language search uses: CC-CEDICT comes with requirements.txt,
# Ding's German-English list with Debian's trans-de-en (installed here when missing and apt-get
# can; without it German is translated through the topic names only).
DING := /usr/share/trans/de-en
dictionaries: install
	@test -f $(DING) || ! command -v apt-get >/dev/null || [ "$$(id -u)" != 0 ] || \
		{ apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -q trans-de-en >/dev/null; } || \
		echo "trans-de-en could not be installed: German-English translation is off"
	$(BIN)/python manage.py build_dictionaries

serve: install
	PORT=$(PORT) $(BIN)/gunicorn -c archive/gunicorn.conf.py archive.wsgi

test: install lint vnu
	$(BIN)/python -m pytest

# The W3C Nu HTML checker (vnu.jar, Java) from npm, into a cache outside the tree (~30 MB; kept
# by `make clean`). tests/test_accessibility.py finds it there, or at $$VNU_JAR. Without npm the
# HTML check is skipped (CI installs nodejs and npm, .ci/run).
VNU_VERSION := 26.9.27
VNU_DIR := $(HOME)/.cache/founder-archive/vnu-$(VNU_VERSION)
vnu:
	@test -f $(VNU_DIR)/node_modules/vnu-jar/build/dist/vnu.jar || ! command -v npm >/dev/null || \
		npm install --ignore-scripts --no-audit --no-fund --silent --prefix $(VNU_DIR) vnu-jar@$(VNU_VERSION) || \
		echo "vnu-jar could not be installed: the HTML check is skipped"

# Accessibility alone: axe-core (WCAG 2.1 AA) and the Nu HTML checker on every page type.
a11y: install vnu
	$(BIN)/python -m pytest tests/test_accessibility.py

# The interface's translations (docs/translating.md): collect every string into locale/de and
# locale/zh_Hans (new ones arrive empty, to translate), then compile the .mo files that are committed.
# Needs GNU gettext (apt-get install gettext).
messages: install
	$(BIN)/python manage.py makemessages --locale=de --locale=zh_Hans --add-location=file \
		--ignore='tests/*' --ignore='benchmarks/*' --ignore='var/*' --ignore='docs/*' --ignore='deploy/*' --ignore='data/*'
	$(BIN)/python manage.py compilemessages --locale=de --locale=zh_Hans --ignore='.venv/*' --ignore=var

# ruff: lint and formatting (ruff.toml). `make format` rewrites the tree in place.
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The suite again on a throwaway PostgreSQL server (installed with apt-get if missing). Browser
# tests serve SQLite archives of their own, so they are not repeated here.
test-postgres: install
	bash .ci/with-postgres $(BIN)/python -m pytest -m "not browser"

# Speed figures on a synthetic archive in a temporary directory (never var/): `make bench TURNS=100000`.
TURNS ?= 20000
bench: install
	$(BIN)/python manage.py bench --turns $(TURNS)

# HTTP load on that archive (kept in bench-$(TURNS)/): gunicorn, 4 workers; wrk, 16 connections, loopback;
# a request mix with a popular head and a long tail, with the result cache off then on (CACHE=on|off|both).
DURATION ?= 30
CACHE ?= both
loadtest: install
	$(BIN)/python benchmarks/loadtest.py --turns $(TURNS) --duration $(DURATION) --cache $(CACHE)

# Reliability figures (docs/reliability.md): each sets up its own archive in a temporary
# directory, serves it with gunicorn on a free loopback port, and stops by itself.
faults: install
	$(BIN)/python benchmarks/fault_injection.py --kills 50

abuse: install
	$(BIN)/python benchmarks/pathological_queries.py
	$(BIN)/python benchmarks/fuzz_uploads.py --files 600
	SEARCH_FUZZ_EXAMPLES=20000 $(BIN)/python -m pytest tests/search/test_query.py -k fuzzed_queries -q

clean:
	rm -rf $(VENV) var
