# Two commands: `make lab` (set up and open the course) and `make test` (set up and test it).
# Python: the course supports 3.11, 3.12 and 3.13 (Keras 3.14+ needs 3.11; TensorFlow 2.21 has
# no wheels for 3.14). Unless PYTHON=... names one, make takes the first supported interpreter
# of PYTHON_CANDIDATES. tools/check_python.py decides, run by each candidate, and explains what
# to do when none fits, before anything is created. An existing .venv is checked the same way.
PYTHON ?=
PYTHON_CANDIDATES := python3.13 python3.12 python3.11 python3 python
CHECK_PYTHON := tools/check_python.py
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
LAB_ARGS ?=
PYTEST_ARGS ?=
# JupyterLab refuses to run as root unless told; containers and CI often are root.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root,)

.PHONY: lab test lint exercises exercises-check outputs benchmark clean-venv grade site

$(STAMP): pyproject.toml
	@if [ -x "$(BIN)/python" ]; then \
	    "$(BIN)/python" $(CHECK_PYTHON) --venv "$(VENV)" || exit 1; \
	elif [ -n "$(PYTHON)" ]; then \
	    if ! command -v "$(PYTHON)" >/dev/null 2>&1; then \
	        echo "PYTHON=$(PYTHON): no such command. Name a Python 3.11, 3.12 or 3.13," \
	            "e.g. make PYTHON=python3.12 (no .venv was created)." >&2; \
	        exit 1; \
	    fi; \
	    "$(PYTHON)" $(CHECK_PYTHON) --name "PYTHON=$(PYTHON)" || exit 1; \
	    "$(PYTHON)" -m venv "$(VENV)" || exit 1; \
	else \
	    py=""; found=""; \
	    for c in $(PYTHON_CANDIDATES); do \
	        command -v "$$c" >/dev/null 2>&1 || continue; \
	        "$$c" $(CHECK_PYTHON) --quiet 2>/dev/null; rc=$$?; \
	        if [ $$rc -eq 0 ]; then py="$$c"; break; fi; \
	        if [ $$rc -eq 3 ] && [ -z "$$found" ]; then found="$$c"; fi; \
	    done; \
	    if [ -z "$$py" ] && [ -n "$$found" ]; then \
	        "$$found" $(CHECK_PYTHON) --name "$$found" --tried "$(PYTHON_CANDIDATES)"; \
	        exit 1; \
	    elif [ -z "$$py" ]; then \
	        echo "" >&2; \
	        echo "No Python found: make looked for $(PYTHON_CANDIDATES)." >&2; \
	        echo "The course needs Python 3.11, 3.12 or 3.13. Install one, e.g." \
	            "'uv python install 3.12', 'pyenv install 3.12', or conda with" \
	            "'conda env create -f environment.yml'; then run make again." >&2; \
	        echo "Nothing was installed and no .venv was created." >&2; \
	        exit 1; \
	    fi; \
	    "$$py" $(CHECK_PYTHON) --name "$$py" && "$$py" -m venv "$(VENV)" || exit 1; \
	fi
	@# uv installs the same packages as pip, in a third of the time; pip is the fallback.
	@# --compile-bytecode: uv does not write .pyc files by default, and where PYTHONDONTWRITEBYTECODE
	@# is set nothing ever does, so every kernel would compile TensorFlow's sources again
	@# (about 5 CPU-seconds of each notebook's first cell).
	$(BIN)/python -m pip install --quiet uv && \
	    $(BIN)/python -m uv pip install --quiet --compile-bytecode -e ".[dev]" --python "$(BIN)/python" || { \
	    $(BIN)/python -m pip install --quiet --upgrade "pip>=24" && \
	    $(BIN)/python -m pip install --quiet -e ".[dev]"; }
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

grade: $(STAMP)  ## grade a room's exercise notebooks: make grade SUBMISSIONS=room [GRADE_ARGS=--jobs 4]
	@if [ -z "$(SUBMISSIONS)" ]; then echo "Name the folder: make grade SUBMISSIONS=path/to/room" >&2; exit 2; fi
	$(BIN)/python -m course_utils.grade "$(SUBMISSIONS)" --out grades.csv --html grades.html $(GRADE_ARGS)

site: $(STAMP)  ## build the course website into _build/site from the stored notebooks, offline
	$(BIN)/python site/build.py $(if $(SITE_REPOSITORY),--repository "$(SITE_REPOSITORY)",)
