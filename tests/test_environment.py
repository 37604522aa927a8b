"""The environment report of lesson 00 names the Python environment, never a machine path."""

import re
import sys

ABSOLUTE_PATH = re.compile(r"(?<![\w.])(/[\w.-]+){2,}|[A-Za-z]:\\")


def test_python_description_names_the_environment_not_its_path(monkeypatch, tmp_path):
    from course_utils import environment

    venv = tmp_path / "work" / ".venv"
    venv.mkdir(parents=True)
    monkeypatch.setattr(sys, "prefix", str(venv))
    monkeypatch.setattr(sys, "base_prefix", "/usr/local")
    monkeypatch.delenv("CONDA_DEFAULT_ENV", raising=False)
    text = environment.python_description()
    assert "virtual environment (.venv)" in text and str(tmp_path) not in text

    (venv / "conda-meta").mkdir()
    monkeypatch.setenv("CONDA_DEFAULT_ENV", "autoencoders")
    assert "conda environment 'autoencoders'" in environment.python_description()

    monkeypatch.setattr(sys, "prefix", "/usr")
    monkeypatch.setattr(sys, "base_prefix", "/usr")
    assert "no virtual environment" in environment.python_description()


def test_environment_report_holds_no_absolute_path():
    from course_utils.environment import environment_report

    report = environment_report()
    assert report.startswith("Python ")
    assert sys.executable not in report and sys.prefix not in report
    assert not ABSOLUTE_PATH.search(report), report
