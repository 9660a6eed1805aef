# Two commands on a fresh machine: `make demo` and `make test`. Everything they need is installed
# here: the virtual environment, the CPU build of torch (before anything that could pull a CUDA
# build), ecohub, its first-party plugins, and the system packages the tests drive for real
# (a PostgreSQL server and Chromium).

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PLUGINS := $(sort $(wildcard plugins/*/pyproject.toml))
INSTALLED := $(VENV)/.installed
DATA_DIR ?= $(abspath ../shared/data)
PYTEST_ARGS ?=

.PHONY: install system-deps demo dashboard test clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(INSTALLED): $(BIN)/python pyproject.toml $(PLUGINS)
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e ".[test]" $(foreach p,$(PLUGINS),-e $(dir $(p)))
	touch $@

install: $(INSTALLED)

# The tests start a throwaway PostgreSQL cluster and drive Debian's Chromium; install both when absent.
system-deps:
	@if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql; fi
	@if ! command -v chromium >/dev/null 2>&1; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-liberation; fi

demo: install
	HUB_DATA_DIR=$(DATA_DIR) $(BIN)/hub demo

dashboard: install
	$(BIN)/hub dashboard

test: install system-deps
	HUB_DATA_DIR=$(DATA_DIR) $(BIN)/python -m pytest $(PYTEST_ARGS)

clean:
	rm -rf $(VENV) registry.db registry.db-wal registry.db-shm hub-store
