# Two commands: `make lab` (set up and open the course) and `make test` (set up and test it).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LAB_ARGS ?=
PYTEST_ARGS ?=
# JupyterLab refuses to run as root unless told; containers and CI often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test lint exercises exercises-check outputs benchmark clean-venv

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade "pip>=24"
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

lab: $(STAMP)  ## start JupyterLab on lesson 00 (LAB_ARGS=--no-browser for headless)
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" notebooks/00_welcome.ipynb $(ROOT_FLAG) $(LAB_ARGS)

test: $(STAMP)  ## lint, then every unit test and every notebook (fast mode, offline)
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: $(STAMP)
	$(BIN)/ruff check .

exercises: $(STAMP)  ## regenerate exercises/ from solutions/ (FORCE=1 overwrites edited ones)
	$(BIN)/python -m course_utils.make_exercises $(if $(FORCE),--force,)

exercises-check: $(STAMP)
	$(BIN)/python -m course_utils.make_exercises --check

clean-venv:
	rm -rf $(VENV)

outputs: $(STAMP)  ## execute notebooks/ and solutions/ in full mode and store their outputs
	$(BIN)/python tools/execute_notebooks.py $(NOTEBOOKS)
