"""Grading a room: every bad submission gets its row, a check that did not run is never correct."""

from __future__ import annotations

import csv
import hashlib
import json
import re

import nbformat
import pytest

from course_utils.checks import lesson00
from course_utils.grade import grade_all, main
from course_utils.grading import sandbox
from course_utils.grading.report import terminal_table, write_csv, write_html
from course_utils.grading.runner import DID_NOT_RUN, NOT_GRADED, Limits, Row
from course_utils.grading.submissions import find_submissions, lessons_in, read_notebook
from course_utils.paths import EXERCISES_DIR, SOLUTIONS_DIR

LESSON00 = [e.name for e in lesson00.EXERCISES]
# In a sandbox where bubblewrap works (CI installs it); elsewhere without one, as --no-sandbox.
SANDBOX = sandbox.unavailable() is None
IMPORT = "from course_utils.checks import lesson00 as checks"
RIGHT = "checks.scale_pixels.check(lambda raw: raw.astype('float32') / 255)"
WRONG = "checks.flatten_images.check(lambda images: images.reshape(-1))"


def notebook(*cells: str) -> str:
    return nbformat.writes(nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell(source) for source in cells]))


# Each learner hands in one notebook, named like lesson 00's (unless the case is about names).
ROOM = {
    "good": ("00_welcome.ipynb", notebook(IMPORT, RIGHT, WRONG)),
    "loops": ("00_welcome.ipynb", notebook(
        IMPORT, RIGHT, "import time\nwhile True:\n    time.sleep(1)", WRONG)),
    "eats_memory": ("00_welcome.ipynb", notebook(
        IMPORT, RIGHT, "xs = []\nwhile True:\n    xs.append([1] * 1000)", WRONG)),
    "kills_kernel": ("00_welcome.ipynb", notebook(IMPORT, "import os\nos._exit(1)", RIGHT)),
    "prints_megabytes": ("00_welcome.ipynb",
                         notebook(IMPORT, "print('x' * 5_000_000)", RIGHT)),
    "deletes_files": ("00_welcome.ipynb", notebook(
        IMPORT, "import os\nfor name in os.listdir('.'):\n    os.remove(name)", RIGHT)),
    "widget": ("00_welcome.ipynb", notebook(
        IMPORT, "import ipywidgets\nfrom IPython.display import display\n"
                "display(ipywidgets.IntSlider())", RIGHT)),
    "raises": ("00_welcome.ipynb", notebook(IMPORT, "1 / 0", RIGHT)),
    "invalid_json": ("00_welcome.ipynb", '{"cells": [ oops'),
    "empty": ("00_welcome.ipynb", ""),
    "other_lesson": ("00_welcome.ipynb", notebook(
        "from course_utils.checks import lesson01 as checks",
        "checks.count_dense_params.check(lambda sizes: 0)")),
    "no_lesson": ("my_notes.ipynb", notebook("print('hello')")),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    room = tmp_path_factory.mktemp("room")
    digests = {}
    for learner, (name, text) in ROOM.items():
        (room / learner).mkdir()
        path = room / learner / name
        path.write_text(text, encoding="utf-8")
        digests[path] = hashlib.sha256(path.read_bytes()).hexdigest()
    # The time limit is per cell and generous: on a loaded machine importing the checks can take
    # many seconds. The endless loop sleeps, so its half minute costs no CPU.
    limits = Limits(timeout=30, memory_mb=800, sandbox=SANDBOX)
    rows = grade_all([room], limits, jobs=3, log=lambda _: None)
    return room, digests, rows


def rows_of(rows, learner):
    return {row.exercise: row for row in rows if row.learner == learner}


def test_every_learner_gets_rows_and_no_submission_is_modified(graded):
    room, digests, rows = graded
    assert {row.learner for row in rows} == set(ROOM)
    for path, digest in digests.items():
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, path


def test_a_good_notebook_gets_its_outcomes_and_the_checks_it_never_called(graded):
    good = rows_of(graded[2], "good")
    assert set(good) == set(LESSON00)
    assert good["scale_pixels"].outcome == "correct"
    assert good["flatten_images"].outcome == "incorrect"
    assert good["unflatten_images"].outcome == DID_NOT_RUN
    assert "never called" in good["unflatten_images"].message
    assert not any(row.tampering for row in good.values())


@pytest.mark.parametrize("learner, reason", [
    ("loops", r"stopped in code cell 3 .*(longer than|60 s)"),
    ("eats_memory", r"stopped in code cell 3 .*more than 800 MB of memory"),
    ("raises", r"stopped in code cell 2 .*ZeroDivisionError"),
])
def test_checks_after_the_cell_that_stopped_the_notebook_did_not_run(graded, learner, reason):
    rows = rows_of(graded[2], learner)
    if learner != "raises":
        assert rows["scale_pixels"].outcome == "correct", rows["scale_pixels"]  # ran first
    assert rows["flatten_images"].outcome == DID_NOT_RUN
    assert rows["flatten_images"].message
    assert re.search(reason, rows["flatten_images"].message), rows["flatten_images"].message


def test_a_dead_kernel_is_reported_and_nothing_after_it_counts_as_correct(graded):
    rows = rows_of(graded[2], "kills_kernel")
    assert all(row.outcome == DID_NOT_RUN for row in rows.values())
    assert "kernel died" in rows["scale_pixels"].message


@pytest.mark.parametrize("learner", ["prints_megabytes", "deletes_files", "widget"])
def test_noisy_destructive_or_interactive_code_does_not_stop_grading(graded, learner):
    assert rows_of(graded[2], learner)["scale_pixels"].outcome == "correct"


@pytest.mark.parametrize("learner, message", [
    ("invalid_json", "not valid notebook JSON"),
    ("empty", "empty"),
    ("no_lesson", "not a course exercise notebook"),
])
def test_unreadable_or_foreign_notebooks_get_one_row_saying_why(graded, learner, message):
    [row] = [row for row in graded[2] if row.learner == learner]
    assert row.outcome == NOT_GRADED and message in row.message


def test_a_notebook_of_another_lesson_is_graded_as_that_lesson(graded):
    rows = rows_of(graded[2], "other_lesson")
    assert rows["count_dense_params"].lesson == "01"
    assert rows["count_dense_params"].outcome == "incorrect"
    assert "holds lesson 01's exercises" in rows["count_dense_params"].message


def test_solutions_are_correct_and_untouched_exercises_not_attempted(tmp_path):
    """Two real notebooks graded at once (--jobs 2): the whole of lesson 00."""
    for learner, folder in (("solutions", SOLUTIONS_DIR), ("untouched", EXERCISES_DIR)):
        (tmp_path / learner).mkdir()
        source = next(folder.glob("00_*.ipynb"))
        (tmp_path / learner / source.name).write_bytes(source.read_bytes())
    out = tmp_path / "report.csv"
    assert main([str(tmp_path), "--out", str(out), "--html", str(tmp_path / "r.html"),
                 "--jobs", "2", "--timeout", "240", *([] if SANDBOX else ["--no-sandbox"])]) == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8")))
    assert {row["exercise"] for row in rows} == set(LESSON00)
    for row in rows:
        expected = "correct" if row["learner"] == "solutions" else "not attempted"
        assert row["outcome"] == expected, row
    assert "share correct" in (tmp_path / "r.html").read_text(encoding="utf-8")


def test_submission_layouts(tmp_path):
    (tmp_path / "room" / "ann").mkdir(parents=True)
    (tmp_path / "room" / "ann" / "00_welcome.ipynb").write_text("{}")
    (tmp_path / "single.ipynb").write_text("{}")
    assert [(s.learner, s.name) for s in find_submissions([tmp_path / "room"])] == [
        ("ann", "00_welcome.ipynb")]
    assert [s.learner for s in find_submissions([tmp_path / "room" / "ann"])] == ["ann"]
    assert [s.learner for s in find_submissions([tmp_path / "single.ipynb"])] == [tmp_path.name]
    with pytest.raises(FileNotFoundError):
        find_submissions([tmp_path / "missing"])


def test_reading_notebooks_and_their_lessons(tmp_path):
    path = tmp_path / "x.ipynb"
    path.write_text(json.dumps({"cells": "no"}))
    assert read_notebook(path) == (None, "the file is JSON but not a notebook (it has no list "
                                         "of cells)")
    parsed = json.loads(notebook(IMPORT, "from course_utils.checks.lesson03 import x"))
    assert lessons_in(parsed) == ["00", "03"]


def test_reports(tmp_path):
    rows = [Row("ann", "00_welcome.ipynb", "00", "scale_pixels", "correct", ""),
            Row("bob", "00_welcome.ipynb", "00", "scale_pixels", "incorrect", "float64"),
            Row("bob", "x.ipynb", "", "", NOT_GRADED, "empty")]
    write_csv(rows, tmp_path / "r.csv")
    table = list(csv.DictReader((tmp_path / "r.csv").open(encoding="utf-8")))
    assert table[1] == {"learner": "bob", "notebook": "00_welcome.ipynb", "lesson": "00",
                        "exercise": "scale_pixels", "outcome": "incorrect", "message": "float64",
                        "tampering": ""}
    write_html(rows, tmp_path / "r.html")
    page = (tmp_path / "r.html").read_text(encoding="utf-8")
    assert "share correct" in page and "50%" in page and "no notebook" in page
    text = terminal_table(rows)
    assert "00/scale_pixels" in text and "50" in text
