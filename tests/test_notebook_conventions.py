"""Course-wide conventions every lesson follows (see ../shared/course-plan.md)."""

import importlib
import re

import nbformat
import pytest

from course_utils.paths import EXERCISES_DIR, NOTEBOOKS_DIR, SOLUTIONS_DIR

LESSONS = sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
SOLUTIONS = sorted(SOLUTIONS_DIR.glob("[0-9][0-9]_*.ipynb"))
STORED_EXECUTED = LESSONS + SOLUTIONS


def _code_cells(path):
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def _markdown(path):
    cells = nbformat.read(path, as_version=4).cells
    return "\n".join(c.source for c in cells if c.cell_type == "markdown")


@pytest.mark.parametrize("path", STORED_EXECUTED + sorted(EXERCISES_DIR.glob("*.ipynb")),
                         ids=lambda p: f"{p.parent.name}/{p.name}")
def test_first_code_cell_starts_the_lesson(path):
    assert "start_lesson(" in _code_cells(path)[0].source, (
        "the first code cell must call start_lesson(...): it seeds and shows mode and data source"
    )


@pytest.mark.parametrize("path", LESSONS, ids=lambda p: p.name)
def test_lesson_anatomy(path):
    text = _markdown(path)
    for heading in ("What you will learn", "Key takeaways", "Further reading"):
        assert heading in text, f"{path.name} lacks a '{heading}' section"
    assert re.search(r"exercises/" + re.escape(path.name), text), "no pointer to the exercises"


@pytest.mark.parametrize("path", STORED_EXECUTED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_stored_notebooks_are_executed_in_full_mode_without_errors(path):
    cells = _code_cells(path)
    assert all(c.execution_count is not None for c in cells), f"{path} is not fully executed"
    outputs = [o for c in cells for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"], f"{path} stores an error"
    text = "".join(o.get("text", "") for o in outputs if o.output_type == "stream")
    assert "Mode:   fast" not in text, f"{path} was stored in fast mode; run `make outputs`"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_every_solutions_notebook_has_a_lesson_and_checks(path):
    assert (NOTEBOOKS_DIR / path.name).exists(), f"no lesson notebook for {path.name}"
    checks = importlib.import_module(f"course_utils.checks.lesson{path.name[:2]}")
    source = "\n".join(c.source for c in _code_cells(path))
    for exercise in checks.EXERCISES:
        assert f"checks.{exercise.name}.check(" in source, (
            f"{path.name} never checks exercise `{exercise.name}`"
        )
    assert len(checks.EXERCISES) >= (2 if path.name.startswith("00") else 4)
