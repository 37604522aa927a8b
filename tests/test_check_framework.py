"""Every outcome of the check framework, and that nothing a learner passes makes it raise."""

import numpy as np
import pytest

from course_utils.checks import CheckFailed, Exercise, Outcome
from course_utils.checks.feedback import Feedback
from course_utils.checks.validate import (
    Incorrect,
    call_learner,
    require_array,
    require_function,
    require_model,
    require_number,
)


def _check_double(double):
    fn = require_function(double, "double")
    x = np.arange(6, dtype=np.float32).reshape(2, 3)
    out = require_array(call_learner(fn, x, name="double(x)"), "The result", shape=(2, 3))
    if np.allclose(out, x):
        raise Incorrect("The result equals the input: multiply it by 2.")
    np.testing.assert_allclose(out, 2 * x)  # an AssertionError here is a checker bug on purpose
    return "Doubled."


def _check_model(model):
    require_model(model, "model")
    return "A built model."


DOUBLE = Exercise(lesson="99", name="double", title="double it", checker=_check_double,
                  hints=["Multiply.", "`return 2 * x`"])
MODEL = Exercise(lesson="99", name="model", title="a model", checker=_check_model, hints=["Hi."])


def _raises_inside(x):
    return x[10, 10]


@pytest.mark.parametrize(
    ("answer", "outcome", "words"),
    [
        (lambda x: 2 * x, Outcome.CORRECT, "Doubled"),
        (lambda x: x, Outcome.INCORRECT, "equals the input"),
        (lambda x: x.ravel(), Outcome.INCORRECT, "shape (2, 3); found shape (6,)"),
        (lambda x: x * np.nan, Outcome.INCORRECT, "6 NaN"),
        (lambda x: "twice", Outcome.INCORRECT, "found the string"),
        (lambda x: {"a": 1}, Outcome.INCORRECT, "array of numbers"),
        (lambda x: [[1, 2], [3]], Outcome.INCORRECT, "could not be read"),
        (lambda x: None, Outcome.NOT_ATTEMPTED, "YOUR CODE HERE"),
        (None, Outcome.NOT_ATTEMPTED, "still None"),
        ("a string", Outcome.INCORRECT, "should be the function itself"),
        (42, Outcome.INCORRECT, "should be the function itself"),
        (_raises_inside, Outcome.RAISED, "IndexError"),
        (lambda x: 2 * x + 1, Outcome.CHECK_ERROR, "report"),
    ],
)
def test_outcomes(answer, outcome, words):
    feedback = DOUBLE.evaluate(answer)
    assert feedback.outcome is outcome, feedback
    assert words in feedback.message


def test_learner_error_names_the_function_and_the_line():
    feedback = DOUBLE.evaluate(_raises_inside)
    assert "in `_raises_inside`" in feedback.message
    assert "return x[10, 10]" in feedback.message


def test_missing_arguments_explain_how_to_call():
    feedback = DOUBLE.evaluate()
    assert feedback.outcome is Outcome.INCORRECT
    assert "check(double)" in feedback.message


def test_check_shows_feedback_and_never_raises_when_not_strict(monkeypatch, capsys):
    monkeypatch.delenv("COURSE_STRICT_CHECKS", raising=False)
    for answer in (None, "x", lambda x: x, _raises_inside, lambda x: 2 * x + 1):
        assert DOUBLE.check(answer) is None
    printed = capsys.readouterr().out
    assert "[Not attempted yet]" in printed and "[Your code raised an error]" in printed


def test_strict_mode_raises_on_anything_but_correct(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_STRICT_CHECKS", "1")
    DOUBLE.check(lambda x: 2 * x)
    with pytest.raises(CheckFailed, match="Not quite yet"):
        DOUBLE.check(lambda x: x)
    with pytest.raises(CheckFailed, match="Not attempted"):
        DOUBLE.check(None)


def test_strict_not_attempted_mode_for_untouched_exercises(monkeypatch, capsys):
    monkeypatch.setenv("COURSE_STRICT_CHECKS", "not_attempted")
    DOUBLE.check(None)
    with pytest.raises(CheckFailed, match="expected 'not attempted'"):
        DOUBLE.check(lambda x: 2 * x)


def test_html_is_escaped_and_coloured():
    feedback = Feedback("ex <1>", Outcome.INCORRECT, "use `a<b` & <script>", details="<pre>")
    html = feedback._repr_html_()
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert "<code>a&lt;b</code>" in html
    assert "course-incorrect" in html
    assert str(feedback).startswith("[Not quite yet] ex <1>:")


def test_hints_are_layered():
    exercise = Exercise(lesson="99", name="h", title="t", checker=_check_double,
                        hints=["first", "second"])
    assert "(1 of 2) first" in exercise.hint_feedback().message
    assert "(2 of 2) second" in exercise.hint_feedback().message
    assert "(2 of 2) second" in exercise.hint_feedback().message  # stays on the last
    assert "(1 of 2) first" in exercise.hint_feedback(1).message
    assert "hints 1 to 2" in exercise.hint_feedback(5).message
    assert "hints 1 to 2" in exercise.hint_feedback("two").message


def test_an_exercise_needs_hints():
    with pytest.raises(ValueError, match="at least one hint"):
        Exercise(lesson="99", name="x", title="t", checker=_check_double, hints=[])


def test_missing_solution_notebook_is_explained():
    feedback = DOUBLE.solution_feedback()
    assert feedback.outcome is Outcome.SOLUTION
    assert "No solutions notebook for lesson 99" in feedback.message


def test_model_checks_not_built_nan_and_wrong_type():
    import keras

    assert MODEL.evaluate(None).outcome is Outcome.NOT_ATTEMPTED
    assert "should be a Keras model" in MODEL.evaluate(np.zeros(3)).message
    unbuilt = keras.Sequential([keras.layers.Dense(2)])
    feedback = MODEL.evaluate(unbuilt)
    assert feedback.outcome is Outcome.INCORRECT and "not built" in feedback.message
    built = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Dense(2)])
    assert MODEL.evaluate(built).outcome is Outcome.CORRECT
    built.layers[0].kernel.assign(np.full((3, 2), np.nan, dtype=np.float32))
    feedback = MODEL.evaluate(built)
    assert feedback.outcome is Outcome.INCORRECT and "NaN" in feedback.message


@pytest.mark.parametrize("value", [3, np.int64(3), np.array(3.0), np.array([3.0]), np.float32(3)])
def test_require_number_accepts_any_single_number(value):
    assert require_number(value, "x") == 3.0


@pytest.mark.parametrize(
    ("value", "words"),
    [("3", "single number"), (True, "single number"), ([1, 2], "2 values"),
     (np.nan, "not a finite"), (len, "single number")],
)
def test_require_number_rejects_clearly(value, words):
    with pytest.raises(Incorrect, match=words):
        require_number(value, "x")


def test_a_keras_model_passed_for_a_function_is_called_the_result():
    import keras

    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(3)])
    feedback = DOUBLE.evaluate(model)
    assert feedback.outcome is Outcome.INCORRECT
    assert "should be the function itself; found a Keras Sequential" in feedback.message
    assert "check(double), without parentheses" in feedback.message


def test_learner_errors_lose_terminal_colours_and_stay_short():
    def coloured(x):
        raise ValueError("\x1b[1mInvalid input\x1b[0m shape " + "x" * 2000)

    feedback = DOUBLE.evaluate(coloured)
    assert feedback.outcome is Outcome.RAISED
    assert "\x1b" not in feedback.message
    assert "ValueError: Invalid input shape" in feedback.message
    assert len(feedback.message) < 1000
