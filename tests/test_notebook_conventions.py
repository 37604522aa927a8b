"""Course-wide conventions every lesson follows (see ../shared/course-plan.md)."""

import importlib
import re

import nbformat
import pytest

from course_utils.paths import EXERCISES_DIR, NOTEBOOKS_DIR, SOLUTIONS_DIR

LESSONS = sorted(NOTEBOOKS_DIR.glob("[0-9][0-9]_*.ipynb"))
SOLUTIONS = sorted(SOLUTIONS_DIR.glob("[0-9][0-9]_*.ipynb"))
STORED_EXECUTED = LESSONS + SOLUTIONS
MIN_EXERCISES = 5  # checked exercises per lesson (course plan: "At least 5 per lesson")


def _code_cells(path):
    return [c for c in nbformat.read(path, as_version=4).cells if c.cell_type == "code"]


def _markdown(path):
    cells = nbformat.read(path, as_version=4).cells
    return "\n".join(c.source for c in cells if c.cell_type == "markdown")


def _cell_label(path, index, cell):
    """'solutions/03_training.ipynb, cell 12 (id 1a2b3c4d, "model.fit(...")' for messages."""
    first_line = next((line for line in cell.source.splitlines() if line.strip()), "")
    if len(first_line) > 60:
        first_line = first_line[:57] + "..."
    cell_id = getattr(cell, "id", None) or cell.get("id")
    ident = f"id {cell_id}, " if cell_id else ""
    return f"{path.parent.name}/{path.name}, cell {index + 1} ({ident}{first_line!r})"


def _output_texts(cell):
    """Every text a reader sees in a code cell's outputs: streams, text/plain, text/html."""
    for output in cell.get("outputs", []):
        if output.get("output_type") == "stream":
            yield output.get("name", "stream"), output.get("text", "")
        data = output.get("data", {})
        for mime in ("text/plain", "text/html", "text/markdown"):
            if mime in data:
                value = data[mime]
                yield mime, "".join(value) if isinstance(value, list) else value
        if output.get("output_type") == "error":
            yield "traceback", "\n".join(output.get("traceback", []))


def _stored_cells(path):
    notebook = nbformat.read(path, as_version=4)
    return [(i, c) for i, c in enumerate(notebook.cells) if c.cell_type == "code"]


def _listing(summary, problems, limit=12):
    """A failure message: what is wrong and what to do, then one line per place (capped)."""
    unique = list(dict.fromkeys(problems))
    shown = unique[:limit]
    if len(unique) > limit:
        shown.append(f"... and {len(unique) - limit} more")
    return summary + ":\n  " + "\n  ".join(shown)


def _line_around(text, start, end, width=110):
    """The (\\r- or \\n-separated) line of ``text`` that holds text[start:end], shortened."""
    cut = max(text.rfind("\n", 0, start), text.rfind("\r", 0, start)) + 1
    stops = [i for i in (text.find("\n", end), text.find("\r", end)) if i != -1]
    line = text[cut:min(stops) if stops else None].strip()
    return line if len(line) <= width else line[: width - 3] + "..."


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
    cells = _stored_cells(path)
    rerun = (f"re-execute it in full mode: .venv/bin/python tools/execute_notebooks.py "
             f"{path.parent.name}/{path.name}")
    unexecuted = [_cell_label(path, i, c) for i, c in cells if c.execution_count is None]
    assert not unexecuted, _listing(f"{path.name} is not fully executed; {rerun}", unexecuted)
    errors = [_cell_label(path, i, c) for i, c in cells
              if any(o.output_type == "error" for o in c.outputs)]
    assert not errors, _listing(f"{path.name} stores an error; fix the cell, then {rerun}",
                                errors)
    text = "".join(o.get("text", "") for _, c in cells for o in c.outputs
                   if o.output_type == "stream")
    assert "Mode:   fast" not in text, f"{path} was stored in fast mode; {rerun}"


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_every_solutions_notebook_has_a_lesson_and_checks(path):
    assert (NOTEBOOKS_DIR / path.name).exists(), f"no lesson notebook for {path.name}"
    checks = importlib.import_module(f"course_utils.checks.lesson{path.name[:2]}")
    source = "\n".join(c.source for c in _code_cells(path))
    for exercise in checks.EXERCISES:
        assert f"checks.{exercise.name}.check(" in source, (
            f"{path.name} never checks exercise `{exercise.name}`"
        )
    checked = [e.name for e in checks.EXERCISES if f"checks.{e.name}.check(" in source]
    assert len(checked) >= MIN_EXERCISES, (
        f"solutions/{path.name} has {len(checked)} checked exercises ({', '.join(checked)}); "
        f"every lesson needs at least {MIN_EXERCISES}: add exercises (an Exercise in "
        f"course_utils/checks/lesson{path.name[:2]}.py, a '# Exercise: name' cell and a "
        "checks.<name>.check(...) cell in the solutions notebook)"
    )


# A tqdm bar below 100 %: "37%|", "  0%|", "37.5%|" (in text/plain, streams or text/html).
PARTIAL_PROGRESS = re.compile(r"(?<![\d.])\d{1,2}(?:\.\d+)?%\|")

# Absolute paths of the machine that executed the notebook (file:///home/... included). URLs
# do not match: the path must not follow a letter, digit, '.', ':', '~' or '-' (as in
# https://host/usr/... or ~/.keras/...).
ABSOLUTE_PATH = re.compile(
    r"(?<![\w.:~-])/(?:home|Users|root|tmp|work|opt|usr|private|var/folders)/"
    r"|(?<![A-Za-z])[A-Za-z]:\\{1,2}[\w.$ -]"
    r"|site-packages|dist-packages"
)


@pytest.mark.parametrize(
    ("text", "partial"),
    [("  0%|          | 0/15 [00:00<?, ?epoch/s]", True), ("tied AE:  37%|███▋ | 37/100", True),
     ("99.5%|#########", True), ("100%|██████████| 15/15 [00:04<00:00]", False),
     ("accuracy 37% | loss 0.1", False), ("done", False)],
)
def test_the_progress_pattern(text, partial):
    assert bool(PARTIAL_PROGRESS.search(text)) is partial


@pytest.mark.parametrize(
    ("text", "absolute"),
    [("Python 3.11.7 (/work/main/.venv/bin/python)", True),
     ("/home/ana/course/notebooks/03.ipynb:12: UserWarning", True),
     ("saved to /tmp/tmpab12/model.keras", True), ("/Users/bo/data", True),
     ("/root/.keras/datasets/mnist.npz", True), ("lib/python3.11/site-packages/keras", True),
     ("C:\\Users\\ana\\course", True), ('<a href="file:///home/ana/x.png">', True),
     ("/usr/lib/python3.11/warnings.py", True),
     ("https://keras.io/api/models/", False), ("see ~/.keras/datasets", False),
     ("https://example.org/home/page", False), ("arXiv:1312.6114", False),
     ("ratio 3/4, loss 0.1", False), ("exercises/03_training.ipynb", False)],
)
def test_the_absolute_path_pattern(text, absolute):
    assert bool(ABSOLUTE_PATH.search(text)) is absolute


@pytest.mark.parametrize("path", STORED_EXECUTED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_stored_notebooks_show_no_unfinished_progress_bar(path):
    problems = [
        f"{_cell_label(path, index, cell)}: {where} shows "
        f"{_line_around(text, found.start(), found.end())!r}"
        for index, cell in _stored_cells(path)
        for where, text in _output_texts(cell)
        for found in PARTIAL_PROGRESS.finditer(text)
    ]
    assert not problems, _listing(
        f"{path.parent.name}/{path.name} stores a progress bar below 100 % (a reader sees each "
        "run's final state, never '0%|'). Show progress only with course_utils.progress "
        "(EpochProgress with fit(..., verbose=0), progress(...) around a loop), do not break "
        "out of a progress loop, and re-execute: .venv/bin/python tools/execute_notebooks.py "
        f"{path.parent.name}/{path.name}",
        problems,
    )


@pytest.mark.parametrize("path", STORED_EXECUTED, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_stored_outputs_hold_no_absolute_paths(path):
    problems = [
        f"{_cell_label(path, index, cell)}: {where}: "
        f"{_line_around(text, found.start(), found.end())!r}"
        for index, cell in _stored_cells(path)
        for where, text in _output_texts(cell)
        for found in ABSOLUTE_PATH.finditer(text)
    ]
    assert not problems, _listing(
        f"{path.parent.name}/{path.name} stores an absolute path of the machine that ran it; "
        "stored outputs are read on other machines. Print paths relative to the course (or "
        "not at all), fix or silence at its source a warning that names a library file, then "
        f"re-execute: .venv/bin/python tools/execute_notebooks.py {path.parent.name}/{path.name}",
        problems,
    )


SOLUTION_HEADING = re.compile(r"^\s{0,3}#{1,6}\s*(BEGIN|END) SOLUTION\b", re.MULTILINE)


@pytest.mark.parametrize("path", SOLUTIONS, ids=lambda p: p.name)
def test_solution_markers_in_markdown_are_html_comments(path):
    notebook = nbformat.read(path, as_version=4)
    problems = [
        f"{_cell_label(path, index, cell)}: {found.group(0).strip()!r}"
        for index, cell in enumerate(notebook.cells) if cell.cell_type == "markdown"
        for found in SOLUTION_HEADING.finditer(cell.source)
    ]
    assert not problems, _listing(
        f"solutions/{path.name}: a solution marker in a markdown (written-answer) cell renders "
        "as a heading. Write the markers as HTML comments on their own lines, "
        "<!-- ### BEGIN SOLUTION --> and <!-- ### END SOLUTION -->, then regenerate the "
        f"exercises: .venv/bin/python -m course_utils.make_exercises {path.name[:2]}",
        problems,
    )
