import pytest

from course_utils.config import Budget, strict_expectation


def test_full_mode_uses_full_numbers():
    budget = Budget(fast=False)
    assert (budget.epochs(20), budget.samples(4000), budget.mode) == (20, 4000, "full")


def test_fast_mode_shrinks_but_never_grows():
    budget = Budget(fast=True)
    assert budget.epochs(20) == 1
    assert budget.epochs(20, fast=3) == 3
    assert budget.samples(4000) == 256
    assert budget.samples(100) == 100  # never more than the full amount
    assert budget.mode == "fast"


def test_budget_reads_the_environment(monkeypatch):
    monkeypatch.setenv("COURSE_FAST", "1")
    assert Budget.from_env().fast
    monkeypatch.setenv("COURSE_FAST", "0")
    assert not Budget.from_env().fast


@pytest.mark.parametrize("bad", [0, -3, 2.5, "10", None, True])
def test_budget_rejects_nonsense_with_a_clear_message(bad):
    with pytest.raises(ValueError, match="positive whole number"):
        Budget(fast=False).epochs(bad)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("1", "correct"), ("true", "correct"), ("not_attempted", "not attempted"), ("", None),
     ("0", None)],
)
def test_strict_expectation(monkeypatch, value, expected):
    monkeypatch.setenv("COURSE_STRICT_CHECKS", value)
    assert strict_expectation() == expected
