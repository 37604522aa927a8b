"""Checks record their outcomes; a learner sees them with show_progress(); recording never fails
a check."""

from __future__ import annotations

import json

import pytest

from course_utils import show_progress
from course_utils.checks import lesson00, records
from course_utils.checks.overview import NOT_CHECKED, course_exercises
from course_utils.checks.records import load_records, progress_file, record_outcome


@pytest.fixture
def record_file(tmp_path, monkeypatch):
    path = tmp_path / "progress.json"
    monkeypatch.setenv("COURSE_PROGRESS_FILE", str(path))
    monkeypatch.delenv("COURSE_STRICT_CHECKS", raising=False)
    return path


def test_checks_record_their_latest_outcome(record_file):
    lesson00.scale_pixels.check(None)
    assert load_records()["00/scale_pixels"]["outcome"] == "not attempted"
    lesson00.scale_pixels.check(lambda raw: raw.astype("float32") / 255)
    record = json.loads(record_file.read_text())["00/scale_pixels"]
    assert record["outcome"] == "correct" and record["lesson"] == "00" and record["time"]


def test_hints_and_solutions_are_not_outcomes(record_file):
    lesson00.scale_pixels.hint()
    lesson00.scale_pixels.solution()
    assert load_records() == {}


def test_show_progress_lists_every_exercise_with_its_latest_outcome(record_file):
    lesson00.scale_pixels.check(lambda raw: raw.astype("float32") / 255)
    lesson00.flatten_images.check(lambda images: images.reshape(-1))
    table = show_progress()
    by_name = {(row.lesson, row.exercise): row.outcome for row in table.rows}
    assert len(table.rows) == len(course_exercises())
    assert by_name["00", "scale_pixels"] == "correct"
    assert by_name["00", "flatten_images"] == "incorrect"
    assert by_name["00", "image_mse"] == NOT_CHECKED
    assert table.summary.startswith(f"1 of {len(table.rows)} exercises correct; 2 checked")
    assert "Not quite yet" in str(table) and "Not quite yet" in table._repr_html_()
    lesson_00 = show_progress("00").rows
    assert lesson_00 == show_progress(0).rows == table.rows[: len(lesson_00)]
    assert {row.lesson for row in lesson_00} == {"00"}


def test_a_broken_record_file_is_ignored_and_replaced(record_file):
    record_file.write_text("{ not json")
    assert load_records() == {}
    lesson00.scale_pixels.check(lambda raw: raw.astype("float32") / 255)
    assert load_records()["00/scale_pixels"]["outcome"] == "correct"


def test_a_read_only_folder_never_makes_a_check_fail(record_file, monkeypatch, capsys):
    def read_only(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(records.tempfile, "mkstemp", read_only)  # as in a read-only folder
    monkeypatch.setenv("COURSE_STRICT_CHECKS", "1")
    lesson00.scale_pixels.check(lambda raw: raw.astype("float32") / 255)  # does not raise
    assert "Correct" in capsys.readouterr().out
    assert not record_outcome("00", "x", "correct", "")
    assert not record_file.exists()


def test_an_unwritable_path_returns_false_silently(tmp_path):
    assert not record_outcome("00", "x", "correct", "", path=tmp_path / "missing" / "p.json")
    assert not record_outcome("00", "x", "correct", "", path=tmp_path)  # a folder


def test_the_default_file_is_in_the_course_folder_and_ignored_by_git(monkeypatch):
    monkeypatch.delenv("COURSE_PROGRESS_FILE", raising=False)
    from course_utils.paths import COURSE_ROOT

    assert progress_file() == COURSE_ROOT / ".course_progress.json"
    assert ".course_progress" in (COURSE_ROOT / ".gitignore").read_text()
