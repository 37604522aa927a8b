"""What the course runs on: versions, cores, accelerators (lesson 00's environment check)."""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata

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


def environment_report() -> str:
    """A short, readable report: Python, platform, cores, GPUs, package versions, problems."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    versions = package_versions()
    lines = [
        f"Python      {platform.python_version()} ({sys.executable})",
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
