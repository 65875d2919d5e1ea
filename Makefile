# gpsearch: `make run` and `make test` are the two commands a new machine needs.
SHELL := /bin/bash
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000
INDEX ?= var/index
PIP := $(BIN)/python -m pip install --disable-pip-version-check -q -c constraints.txt

.PHONY: setup setup-dev setup-bench index run test lint bench bench-1m bench-deps browser-deps nginx-deps soak lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e .
	touch $@

# Each stamp installs its extras in one pip run (not the base package first, then again).
$(VENV)/.installed-dev: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e '.[dev]'
	touch $@ $(VENV)/.installed

$(VENV)/.installed-bench: $(BIN)/python pyproject.toml constraints.txt
	$(PIP) -e '.[dev,bench]'
	touch $@ $(VENV)/.installed-dev $(VENV)/.installed

# The place tables a build resolves cities with, compiled once when installing (as the
# interface translations are): a first build then maps them instead of spending ~2 s
# reading GeoNames (nothing writes them at run time; stale ones are passed over).
PLACES_KEY := corpus/data/compiled/places/tables.key
$(PLACES_KEY): $(VENV)/.installed corpus/place_data.py corpus/gazetteer.py corpus/data/places_overrides.tsv corpus/data/country_centres.tsv
	$(BIN)/python -m corpus.place_data
	touch $@

setup: $(VENV)/.installed $(PLACES_KEY)
setup-dev: $(VENV)/.installed-dev $(PLACES_KEY)
setup-bench: $(VENV)/.installed-bench bench-deps $(PLACES_KEY)

# Debian's Xapian bindings for the xapian peer (they belong to /usr/bin/python3, which the
# peer runs in a child process); guarded: without them the peer is skipped with a note.
bench-deps:
	@if ! /usr/bin/python3 -c 'import xapian' 2>/dev/null; then \
		echo "installing python3-xapian (apt-get)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq python3-xapian >/dev/null \
		|| echo "WARNING: could not install python3-xapian: the xapian peer will be skipped"; \
	fi

index: setup
	$(BIN)/gpsearch index --index $(INDEX)

run: index
	$(BIN)/gpsearch serve --index $(INDEX) --host $(HOST) --port $(PORT)

# Debian's chromium for the browser tests; guarded so machines that have it skip apt.
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "installing chromium (apt-get)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium chromium-driver >/dev/null \
		|| echo "WARNING: could not install chromium: browser tests will be skipped (and fail under .ci/run)"; \
	fi

# Debian's nginx for the reverse-proxy test (tests/reliability/test_nginx.py), guarded the same way.
nginx-deps:
	@if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then \
		echo "installing nginx (apt-get)"; \
		SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
		$$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nginx-light >/dev/null \
		|| echo "WARNING: could not install nginx: the nginx test will be skipped (and fail under .ci/run)"; \
	fi

lint: setup-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: setup-bench browser-deps nginx-deps lint
	$(BIN)/python -m pytest

bench: setup-bench
	$(BIN)/python -m benchmarks.run

# The scale point: gpsearch and tantivy at 1M synthetic entries, library only (not in CI;
# about 25 min on 2 cores) -> benchmarks/scale-1m/report.md.
bench-1m: setup-bench
	$(BIN)/python -m benchmarks.run --sizes 1m --systems gpsearch,tantivy --no-http --updates 3 --out-dir benchmarks/scale-1m $(BENCH_ARGS)

# 10 minutes of mixed queries from 8 clients with a rebuild every minute (not in CI).
soak: setup-bench
	$(BIN)/python -m benchmarks.soak $(SOAK_ARGS)

# Refresh the lock after changing dependencies in pyproject.toml.
lock:
	rm -rf /tmp/gpsearch-lock && $(PYTHON) -m venv /tmp/gpsearch-lock
	/tmp/gpsearch-lock/bin/pip install -q -e '.[dev,bench]'
	/tmp/gpsearch-lock/bin/pip freeze --exclude-editable | grep -v '^-e' > constraints.txt

clean:
	rm -rf $(VENV) var build *.egg-info corpus/data/compiled
