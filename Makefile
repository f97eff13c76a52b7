# Set-up and everyday commands. Only Python 3.11+, git and make are needed:
# the first target that needs the virtual environment creates it from the lock file.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
ARGS ?=

.PHONY: demo test lint typecheck lock serve clean

$(VENV)/.installed: requirements.lock pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

demo: $(VENV)/.installed  ## build the demo trading center and serve it at http://127.0.0.1:8000
	$(BIN)/jianzheng demo $(ARGS)

test: $(VENV)/.installed  ## the whole test suite (PostgreSQL and browser tests skip when absent)
	$(BIN)/python -m pytest -n auto --dist loadfile $(ARGS)

lint: $(VENV)/.installed
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/lint-imports

typecheck: $(VENV)/.installed
	$(BIN)/mypy

lock:  ## re-resolve the pinned dependencies after editing pyproject.toml
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --python-version 3.11 -o requirements.lock

clean:
	rm -rf $(VENV) build *.egg-info
