"""environment.yml (Binder/conda) and pyproject.toml list the same packages and bounds."""

import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

ROOT = Path(__file__).resolve().parent.parent


def _pyproject():
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


def _environment():
    return yaml.safe_load((ROOT / "environment.yml").read_text())


def _normalise(requirements):
    return {Requirement(r).name.lower(): str(Requirement(r).specifier) for r in requirements}


def test_pip_section_matches_pyproject_dependencies():
    conda_deps = _environment()["dependencies"]
    pip_section = next(d["pip"] for d in conda_deps if isinstance(d, dict))
    assert _normalise(pip_section) == _normalise(_pyproject()["dependencies"])


def test_conda_python_satisfies_requires_python():
    conda_deps = _environment()["dependencies"]
    python = next(d for d in conda_deps if isinstance(d, str) and d.startswith("python"))
    version = python.split("=", 1)[1]
    assert version in SpecifierSet(_pyproject()["requires-python"])


def test_conda_forge_is_the_channel():
    assert _environment()["channels"] == ["conda-forge"]
