"""What the course runs on: versions, cores, accelerators (lesson 00's environment check)."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata
from pathlib import Path

PACKAGES = (
    "tensorflow", "keras", "numpy", "scipy", "scikit-learn", "matplotlib", "ipywidgets",
    "jupyterlab", "tqdm",
)
MIN_PYTHON = (3, 10)


def package_versions(packages: tuple[str, ...] = PACKAGES) -> dict[str, str]:
    """Installed version of each package, or 'missing'."""
    found = {}
    for name in packages:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = "missing"
    return found


def python_description() -> str:
    """Python's version and the kind of environment it runs in, without any path.

    Stored notebooks are read on other machines, so the report names the environment
    (``.venv``, a conda environment's name) rather than where the interpreter lives.
    """
    version = platform.python_version()
    conda_env = os.environ.get("CONDA_DEFAULT_ENV")
    if (Path(sys.prefix) / "conda-meta").exists():
        name = conda_env or Path(sys.prefix).name
        return f"{version} in the conda environment {name!r}"
    if sys.prefix != getattr(sys, "base_prefix", sys.prefix):
        return f"{version} in a virtual environment ({Path(sys.prefix).name})"
    return f"{version} (system installation, no virtual environment)"


def environment_report() -> str:
    """A short, readable report: Python, platform, cores, GPUs, package versions, problems."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    versions = package_versions()
    lines = [
        f"Python      {python_description()}",
        f"Platform    {platform.system()} {platform.machine()}, {os.cpu_count()} CPU cores",
        f"GPUs        {len(gpus)} visible" + ("" if gpus else " (fine: the course runs on a CPU)"),
    ]
    lines += [f"{name:<13}{version}" for name, version in versions.items()]
    problems = [name for name, version in versions.items() if version == "missing"]
    if sys.version_info < MIN_PYTHON:
        problems.append(f"Python {'.'.join(map(str, MIN_PYTHON))}+")
    lines.append(
        "All set." if not problems else f"Missing: {', '.join(problems)} - run `make lab` again."
    )
    return "\n".join(lines)
