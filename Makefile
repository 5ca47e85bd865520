# `make run` and `make test` work on a fresh machine with nothing but the checkout.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: run test lint docs unit system bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
# torch alone first: the CPU build is found then, where sentence-transformers would pull CUDA.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/frontdesk serve --demo --with-worker

# The slowest tests are listed at the end, so a run that grows slower shows where.
test: $(STAMP) system lint docs
	$(BIN)/pytest --durations=25

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

# The guides in docs/ as a static site in site/; --strict fails on a broken link or anchor.
# Not --quiet: it drops the warnings --strict counts, and the build would pass.
docs: $(STAMP)
	$(BIN)/mkdocs build --strict

unit: $(STAMP)
	$(BIN)/pytest tests/unit

# The tests start their own throwaway PostgreSQL cluster and drive a headless Chromium, both
# from the system's packages; only what is missing is installed.
SYSTEM_PACKAGES := $(if $(wildcard /usr/lib/postgresql/*/bin/initdb),,postgresql) \
	$(if $(wildcard /usr/bin/chromium),,chromium fonts-dejavu-core)

system:
	@if [ -n "$(strip $(SYSTEM_PACKAGES))" ]; then \
		$(SUDO) apt-get update && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \
			$(SYSTEM_PACKAGES); \
	else \
		echo "PostgreSQL and Chromium present"; \
	fi

bench: $(STAMP) system
	$(BIN)/python -m bench

clean:
	rm -rf $(VENV) data test-output site
