"""Report a headline number from a notebook so that benchmarks can collect it.

``report_metric("test_mse", 0.0171)`` prints the number for the learner and, when the
environment variable ``COURSE_METRICS_FILE`` names a file (benchmarks set it), appends it there
as one JSON line.
"""

from __future__ import annotations

import json
import os

METRICS_ENV = "COURSE_METRICS_FILE"


def report_metric(name: str, value: float, *, label: str | None = None) -> float:
    """Print ``label: value`` and record it for benchmarks; returns the value as a float."""
    number = float(value)
    print(f"{label or name}: {number:.4g}")
    target = os.environ.get(METRICS_ENV)
    if target:
        with open(target, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"name": name, "value": number}) + "\n")
    return number
