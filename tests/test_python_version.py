"""`make` picks a supported Python (3.11-3.13) or stops before creating .venv, saying why.

The decision is tools/check_python.py's `decide`; the Makefile runs that script with each
candidate interpreter. Makefile runs here happen in a temporary copy of the repository's
Makefile, pyproject.toml and script, with fake interpreters (shell scripts that run the check
with a pretend version and never install anything), so the repository's .venv is untouched.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import stat
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parent.parent
SCRIPT = ROOT / "tools" / "check_python.py"


def _load_script():
    spec = importlib.util.spec_from_file_location("check_python", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


check_python = _load_script()


# -- the decision ------------------------------------------------------------------------------
@pytest.mark.parametrize("version", [(3, 11, 0), (3, 11, 7), (3, 12, 1), (3, 13, 0), (3, 13, 9),
                                     (3, 12)])
def test_supported_versions(version):
    assert check_python.decide(version) == "supported"


@pytest.mark.parametrize("version", [(3, 10, 13), (3, 10, 0), (3, 9, 18), (3, 6, 15), (2, 7, 18)])
def test_too_old_versions(version):
    assert check_python.decide(version) == "too old"


@pytest.mark.parametrize("version", [(3, 14, 0), (3, 15, 0), (4, 0, 0)])
def test_too_new_versions(version):
    assert check_python.decide(version) == "too new"


def test_decide_accepts_sys_version_info():
    assert check_python.decide(sys.version_info) == "supported"  # the venv runs 3.11-3.13


@pytest.mark.parametrize(("version", "verdict"), [((3, 10, 13), "too old"),
                                                  ((3, 14, 0), "too new")])
def test_the_message_says_what_works_what_was_found_and_how_to_get_one(version, verdict):
    message = check_python.explain(version, name="python3", executable="/usr/bin/python3",
                                   tried=["python3.13", "python3.12", "python3.11", "python3"])
    found = ".".join(map(str, version))
    assert f"Python {found} is {verdict} for this course" in message
    assert "Found: python3 (/usr/bin/python3)" in message
    assert "The course needs Python 3.11, 3.12 or 3.13." in message
    assert "make looked for python3.13 python3.12 python3.11 python3" in message
    for way in ("uv python install 3.12", "pyenv install 3.12",
                "conda env create -f environment.yml", "make PYTHON="):
        assert way in message
    assert "no .venv was created" in message


def test_an_old_venv_is_named_with_the_way_out():
    message = check_python.explain((3, 10, 13), venv=".venv")
    assert "The existing .venv was made with Python 3.10.13" in message
    assert "make clean-venv" in message


def test_the_script_accepts_the_interpreter_running_the_tests():
    result = subprocess.run([sys.executable, str(SCRIPT), "--name", "python3"],
                            capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("Using python3 (Python 3.1")


# -- one range everywhere ----------------------------------------------------------------------
def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_requires_python_is_the_supported_range():
    requires = _pyproject()["project"]["requires-python"]
    assert SpecifierSet(requires) == SpecifierSet(check_python.REQUIRES_PYTHON)
    for minor in range(6, 17):
        version = (3, minor, 0)
        expected = check_python.decide(version) == "supported"
        assert (f"3.{minor}.0" in SpecifierSet(requires)) is expected, version


def test_ruff_targets_the_oldest_supported_python():
    oldest = check_python.SUPPORTED[0]
    assert _pyproject()["tool"]["ruff"]["target-version"] == f"py{oldest[0]}{oldest[1]}"


def test_environment_yml_states_the_same_range():
    dependencies = yaml.safe_load((ROOT / "environment.yml").read_text())["dependencies"]
    python = next(d for d in dependencies if isinstance(d, str) and d.startswith("python"))
    spec = python.removeprefix("python").replace(" ", "")
    assert SpecifierSet(spec) == SpecifierSet(check_python.REQUIRES_PYTHON), python


def test_readme_states_the_same_range():
    readme = (ROOT / "README.md").read_text()
    section = readme.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    assert f"Python {check_python.SUPPORTED_TEXT}" in section
    assert not re.search(r"Python 3\.\d+ or newer", section), "the README still says 'or newer'"


# -- the Makefile, with fake interpreters ------------------------------------------------------
FAKE = """#!/bin/sh
# A fake Python {version}: runs the version check as if it were {version}; pretends to make a
# venv (a copy of itself) and to pip-install (logged), so nothing is downloaded.
if [ "$1" = "-m" ] && [ "$2" = "venv" ]; then
    /bin/mkdir -p "$3/bin" && /bin/cp "$0" "$3/bin/python" && echo "$0" > "$3/made-by"
    exit 0
fi
if [ "$1" = "-m" ] && {{ [ "$2" = "pip" ] || [ "$2" = "uv" ]; }}; then
    echo "$*" >> "{log}"
    exit 0
fi
exec "{real}" -c 'import runpy, sys
sys.version_info = ({major}, {minor}, {micro}, "final", 0)
sys.argv = sys.argv[1:]
runpy.run_path(sys.argv[0], run_name="__main__")' "$@"
"""


def _fake_python(path: Path, version: str, log: Path) -> Path:
    major, minor, micro = (int(part) for part in version.split("."))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(FAKE.format(version=version, real=sys.executable, major=major, minor=minor,
                                micro=micro, log=log))
    path.chmod(path.stat().st_mode | stat.S_IXUSR | stat.S_IXGRP | stat.S_IXOTH)
    return path


@pytest.fixture
def project(tmp_path):
    """A copy of what `make`'s setup step reads, in a temporary folder without a .venv."""
    if shutil.which("make") is None:
        pytest.skip("make is not installed")
    for name in ("Makefile", "pyproject.toml", "tools/check_python.py"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    return tmp_path


def _make(project: Path, *args: str, path: str | None = None):
    env = dict(os.environ)
    env.pop("PYTHON", None)
    env.pop("MAKEFLAGS", None)
    if path is not None:
        env["PATH"] = path
    return subprocess.run([shutil.which("make"), "--no-print-directory", "-C", str(project),
                           ".venv/.installed", *args], capture_output=True, text=True,
                          env=env, check=False, timeout=120)


def _only_these_on_path(project: Path, **pythons: str) -> str:
    """A PATH with the given fake interpreters (name -> version) and the tools make needs."""
    bin_dir = project / "fake-bin"
    bin_dir.mkdir()
    for tool in ("touch", "id"):
        os.symlink(shutil.which(tool), bin_dir / tool)
    for name, version in pythons.items():
        _fake_python(bin_dir / name.replace("_", "."), version, project / "pip.log")
    return str(bin_dir)


@pytest.mark.parametrize(("version", "verdict"), [("3.10.13", "too old"), ("3.14.0", "too new")])
def test_make_with_an_unsupported_python_stops_before_creating_the_venv(project, version,
                                                                         verdict):
    fake = _fake_python(project / "fake" / f"python{version}", version, project / "pip.log")
    result = _make(project, f"PYTHON={fake}")
    assert result.returncode != 0
    assert f"Python {version} is {verdict} for this course. Found: PYTHON={fake}" in result.stderr
    assert "The course needs Python 3.11, 3.12 or 3.13." in result.stderr
    assert "uv python install 3.12" in result.stderr
    assert not (project / ".venv").exists()
    assert not (project / "pip.log").exists()


def test_make_without_a_supported_python_on_the_path_says_what_it_looked_for(project):
    path = _only_these_on_path(project, python3="3.10.13")
    result = _make(project, path=path)
    assert result.returncode != 0
    assert "Python 3.10.13 is too old for this course. Found: python3" in result.stderr
    assert "make looked for python3.13 python3.12 python3.11 python3 python" in result.stderr
    assert not (project / ".venv").exists()


def test_make_without_any_python_on_the_path_says_so(project):
    result = _make(project, path=_only_these_on_path(project))
    assert result.returncode != 0
    assert "No Python found" in result.stderr and "3.11, 3.12 or 3.13" in result.stderr
    assert not (project / ".venv").exists()


def test_make_picks_the_newest_supported_python_by_itself(project):
    path = _only_these_on_path(project, python3="3.10.13", python3_11="3.11.7",
                               python3_12="3.12.1")
    result = _make(project, path=path)
    assert result.returncode == 0, result.stderr
    assert "Using python3.12 (Python 3.12.1) to create .venv." in result.stdout
    assert (project / ".venv" / "made-by").read_text().strip().endswith("/python3.12")
    assert "pip install --quiet --compile-bytecode -e .[dev]" in (project / "pip.log").read_text()
    assert (project / ".venv" / ".installed").exists()


def test_make_keeps_using_an_existing_supported_venv(project):
    _fake_python(project / ".venv" / "bin" / "python", "3.11.7", project / "pip.log")
    result = _make(project, path=_only_these_on_path(project))  # no other Python at all
    assert result.returncode == 0, result.stderr
    assert "pip install --quiet --compile-bytecode -e .[dev]" in (project / "pip.log").read_text()
    assert (project / ".venv" / ".installed").exists()


def test_make_with_an_existing_unsupported_venv_says_how_to_replace_it(project):
    _fake_python(project / ".venv" / "bin" / "python", "3.10.13", project / "pip.log")
    result = _make(project, path=_only_these_on_path(project, python3_12="3.12.1"))
    assert result.returncode != 0
    assert "The existing .venv was made with Python 3.10.13" in result.stderr
    assert "make clean-venv" in result.stderr
    assert not (project / "pip.log").exists()
