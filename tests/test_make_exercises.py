"""The exercise generator: stubs, refusing to overwrite a learner's work, staleness."""

import nbformat
import pytest

from course_utils import make_exercises
from course_utils.make_exercises import GeneratorError, generate, sync
from course_utils.paths import SOLUTIONS_DIR
from course_utils.solution_blocks import SolutionFormatError, strip_markers, stub_out

FUNCTION_CELL = '''# Exercise: scale
def scale(images):
    """Scale pixels."""
    ### BEGIN SOLUTION
    images = images.astype("float32")
    return images / 255.0
    ### END SOLUTION

print("defined")'''


def test_function_block_becomes_return_none():
    stub = stub_out(FUNCTION_CELL)
    assert "    # YOUR CODE HERE\n    images = None\n    return None" in stub
    assert "255.0" not in stub and "BEGIN SOLUTION" not in stub
    assert stub.endswith('print("defined")')
    namespace = {}
    exec(stub, namespace)  # the stub runs
    assert namespace["scale"](1) is None


def test_top_level_assignments_become_none():
    source = (
        "# Exercise: flat\n### BEGIN SOLUTION\n"
        "x_flat, y = data.reshape(-1), 3\nz: int = 2\nz += 1\n### END SOLUTION\n"
    )
    stub = stub_out(source)
    namespace = {}
    exec(stub, namespace)
    assert namespace["x_flat"] is None and namespace["y"] is None and namespace["z"] is None


def test_block_without_assignments_becomes_pass():
    stub = stub_out(
        "for i in range(3):\n    ### BEGIN SOLUTION\n    print(i)\n    ### END SOLUTION\n"
    )
    assert "    pass" in stub
    exec(stub, {})


def test_strip_markers_keeps_the_code():
    code = strip_markers(FUNCTION_CELL)
    assert "return images / 255.0" in code and "###" not in code


@pytest.mark.parametrize(
    "source",
    ["### BEGIN SOLUTION\nx = 1\n", "x = 1\n### END SOLUTION\n",
     "### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION\n"],
)
def test_broken_markers_are_reported(source):
    with pytest.raises(SolutionFormatError):
        stub_out(source)


def _solution_notebook(code: str = FUNCTION_CELL) -> nbformat.NotebookNode:
    notebook = nbformat.v4.new_notebook()
    cell = nbformat.v4.new_code_cell(code)
    cell.outputs = [nbformat.v4.new_output("stream", name="stdout", text="defined\n")]
    cell.execution_count = 3
    answer = nbformat.v4.new_markdown_cell(
        "Why?\n\n### BEGIN SOLUTION\nBecause.\n### END SOLUTION\n"
    )
    notebook.cells = [nbformat.v4.new_markdown_cell("# Title"), cell, answer]
    return notebook


def test_generate_clears_outputs_and_stubs_markdown():
    exercise = generate(_solution_notebook(), "solutions/99_x.ipynb")
    code = exercise.cells[1]
    assert code.outputs == [] and code.execution_count is None
    assert "Because." not in exercise.cells[2].source
    assert make_exercises.MARKDOWN_STUB in exercise.cells[2].source
    assert exercise.metadata["course"]["generated_from"] == "solutions/99_x.ipynb"


def test_a_solution_block_needs_an_exercise_marker():
    with pytest.raises(GeneratorError, match="Exercise: <name>"):
        generate(_solution_notebook("### BEGIN SOLUTION\nx = 1\n### END SOLUTION"), "s.ipynb")


@pytest.fixture
def course(tmp_path):
    solutions, exercises = tmp_path / "solutions", tmp_path / "exercises"
    solutions.mkdir()
    nbformat.write(_solution_notebook(), solutions / "99_x.ipynb")
    return solutions / "99_x.ipynb", exercises


def test_sync_writes_then_is_up_to_date(course):
    solution, exercises = course
    assert sync(solution, exercises).status == "written"
    assert sync(solution, exercises).status == "up to date"
    assert sync(solution, exercises, check_only=True).status == "up to date"


def test_sync_overwrites_an_untouched_but_outdated_exercise(course):
    solution, exercises = course
    sync(solution, exercises)
    notebook = nbformat.read(solution, as_version=4)
    notebook.cells.append(nbformat.v4.new_markdown_cell("New section"))
    nbformat.write(notebook, solution)
    assert sync(solution, exercises, check_only=True).status == "stale"
    assert sync(solution, exercises).status == "written"
    assert "New section" in (exercises / "99_x.ipynb").read_text()


def test_sync_refuses_to_overwrite_learner_work(course):
    solution, exercises = course
    sync(solution, exercises)
    target = exercises / "99_x.ipynb"
    work = nbformat.read(target, as_version=4)
    work.cells[1].source = work.cells[1].source.replace("# YOUR CODE HERE", "return images / 255")
    nbformat.write(work, target)
    learner_text = target.read_text()
    notebook = nbformat.read(solution, as_version=4)
    notebook.cells.append(nbformat.v4.new_markdown_cell("New section"))
    nbformat.write(notebook, solution)
    assert sync(solution, exercises).status == "refused"
    assert target.read_text() == learner_text  # untouched
    assert sync(solution, exercises, force=True).status == "written"
    assert "New section" in target.read_text()


def test_outputs_alone_are_not_learner_work(course):
    solution, exercises = course
    sync(solution, exercises)
    target = exercises / "99_x.ipynb"
    ran = nbformat.read(target, as_version=4)
    ran.cells[1].outputs = [nbformat.v4.new_output("stream", name="stdout", text="defined\n")]
    nbformat.write(ran, target)
    assert sync(solution, exercises).status == "written"


def test_repository_exercises_are_up_to_date():
    stale = [
        str(result)
        for path in sorted(SOLUTIONS_DIR.glob("[0-9][0-9]_*.ipynb"))
        if (result := sync(path, check_only=True)).status != "up to date"
    ]
    assert not stale, f"exercises/ is stale, run `make exercises`: {stale}"


def test_cli_check_mode_reports_success(capsys):
    assert make_exercises.main(["--check"]) == 0
    assert "up to date" in capsys.readouterr().out
