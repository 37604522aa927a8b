"""What the browser tests share: where Chromium is, how it is started, and skipping without it."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path(os.environ.get("COURSE_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


def chromium_or_skip(what: str) -> None:
    """Skip ``what`` (a test's description) without Chromium or Playwright; in CI, fail."""
    missing = []
    if not CHROMIUM.exists():
        missing.append(f"Chromium at {CHROMIUM} (apt-get install chromium)")
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        missing.append("Playwright for Python (pip install playwright)")
    if missing:
        reason = f"{what} needs " + " and ".join(missing)
        if os.environ.get("CI"):
            pytest.fail(reason + "; CI must provide it (.ci/run installs Chromium).")
        pytest.skip(reason)
