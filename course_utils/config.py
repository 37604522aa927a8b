"""Run-time settings read from the environment: fast mode, offline mode, data, strict checks.

One helper, :class:`Budget`, turns "what a learner runs" into "what the tests run", so
notebooks never branch on the mode by hand.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

FAST_ENV = "COURSE_FAST"
OFFLINE_ENV = "COURSE_OFFLINE"
DATA_ENV = "COURSE_DATA"
STRICT_ENV = "COURSE_STRICT_CHECKS"

_TRUE = {"1", "true", "yes", "on"}


def env_flag(name: str) -> bool:
    """True when the environment variable ``name`` is set to 1/true/yes/on."""
    return os.environ.get(name, "").strip().lower() in _TRUE


def is_fast() -> bool:
    """Fast mode (``COURSE_FAST=1``): tiny epochs and sample counts, for tests."""
    return env_flag(FAST_ENV)


def is_offline() -> bool:
    """Offline mode (``COURSE_OFFLINE=1``): never try to download anything."""
    return env_flag(OFFLINE_ENV)


def wants_full_mnist() -> bool:
    """``COURSE_DATA=full`` asks for the full MNIST; unset (or ``bundled``) means the subset."""
    value = os.environ.get(DATA_ENV, "").strip().lower()
    if value in {"", "bundled", "subset"}:
        return False
    if value == "full":
        return True
    raise ValueError(
        f"{DATA_ENV} is {os.environ[DATA_ENV]!r}; use {DATA_ENV}=full for the full MNIST, or "
        "leave it unset for the bundled subset the notebooks were stored with."
    )


def strict_checks() -> bool:
    """Strict checks (``COURSE_STRICT_CHECKS=1``): any outcome but "correct" raises."""
    return strict_expectation() is not None


def strict_expectation() -> str | None:
    """The outcome every check must have in strict mode, or None when checks are not strict.

    ``COURSE_STRICT_CHECKS=1`` demands "correct" (tests of the solutions);
    ``COURSE_STRICT_CHECKS=not_attempted`` demands "not attempted" (tests of untouched exercises).
    """
    value = os.environ.get(STRICT_ENV, "").strip().lower()
    if value in _TRUE:
        return "correct"
    if value in {"not_attempted", "not-attempted"}:
        return "not attempted"
    return None


@dataclass(frozen=True)
class Budget:
    """Epochs and sample counts for the current mode.

    >>> budget = Budget(fast=False)
    >>> budget.epochs(20), budget.samples(4000)
    (20, 4000)
    >>> Budget(fast=True).epochs(20), Budget(fast=True).samples(4000)
    (1, 256)
    """

    fast: bool

    @classmethod
    def from_env(cls) -> Budget:
        return cls(fast=is_fast())

    @property
    def mode(self) -> str:
        return "fast" if self.fast else "full"

    def epochs(self, full: int, fast: int = 1) -> int:
        """Number of training epochs: ``full`` normally, ``fast`` in fast mode."""
        _require_positive_int(full, "full")
        _require_positive_int(fast, "fast")
        return min(fast, full) if self.fast else full

    def samples(self, full: int, fast: int = 256) -> int:
        """Number of examples to use: ``full`` normally, ``fast`` in fast mode."""
        _require_positive_int(full, "full")
        _require_positive_int(fast, "fast")
        return min(fast, full) if self.fast else full

    def steps(self, full: int, fast: int = 5) -> int:
        """Number of steps of a custom loop (or of any repeated experiment)."""
        return self.samples(full, fast)


def _require_positive_int(value: object, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"Budget: `{name}` must be a positive whole number, got {value!r}.")
