"""Building blocks for checkers: turn a learner's value into something checkable, or say why not.

Each helper raises :class:`Incorrect` or :class:`NotAttempted` with a specific message; the
framework turns those into feedback. Learner code is only ever run through
:func:`call_learner`, so an exception inside it is reported as the learner's, with the line.
"""

from __future__ import annotations

import dis
import re
import sys
import traceback
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

_PACKAGE_DIR = str(Path(__file__).resolve().parent.parent)
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_LONGEST_ERROR = 600


class Incorrect(Exception):
    """The answer is wrong; the message says what was expected and what was found."""


class NotAttempted(Exception):
    """The exercise still holds its stub (None, or a function that returns None)."""


class LearnerCodeError(Exception):
    """The learner's code raised; keeps the original exception and where it happened."""

    def __init__(self, original: BaseException, where: str):
        text = _ANSI.sub("", str(original)).strip()  # Keras colours its errors for terminals
        if len(text) > _LONGEST_ERROR:
            text = text[:_LONGEST_ERROR].rstrip() + " ..."
        self.summary = f"{type(original).__name__}: {text}"
        super().__init__(self.summary)
        self.original = original
        self.where = where


def describe(value: object) -> str:
    """A short description of a value for messages: its type and, for arrays, shape/dtype."""
    if value is None:
        return "None"
    if _is_keras_layer(value):
        return f"a Keras {type(value).__name__} (a model or layer)"
    shape = getattr(value, "shape", None)
    if shape is not None and hasattr(value, "dtype"):
        return f"{type(value).__name__} of shape {tuple(shape)} and dtype {value.dtype}"
    if isinstance(value, str):
        shown = value if len(value) <= 30 else value[:27] + "..."
        return f"the string {shown!r}"
    kind = type(value).__name__
    return f"{'an' if kind[0].lower() in 'aeiou' else 'a'} {kind}"


def require_function(value: object, name: str) -> Callable:
    """A callable, or NotAttempted (None) / Incorrect (anything else).

    A Keras model or layer is callable too, but where a function is asked for it is almost always
    the *result* of calling the function (``check(build_encoder(16))``): that gets its own message.
    """
    if value is None:
        raise NotAttempted(f"`{name}` is still None: write the function, then check it.")
    if _is_keras_layer(value) or not callable(value):
        raise Incorrect(
            f"`{name}` should be the function itself; found {describe(value)}. If you passed the "
            f"result of calling it, pass the function instead: check({name}), without "
            "parentheses after its name."
        )
    return value


def _is_keras_layer(value: object) -> bool:
    keras = sys.modules.get("keras")  # never import Keras just to ask
    return keras is not None and isinstance(value, keras.layers.Layer)


def call_learner(fn: Callable, *args, name: str, **kwargs):
    """Call the learner's function; an exception becomes LearnerCodeError with its location."""
    try:
        return fn(*args, **kwargs)
    except Exception as err:  # noqa: BLE001 - anything the learner's code raises
        raise LearnerCodeError(err, _learner_location(err, name)) from err


def _learner_location(err: BaseException, name: str) -> str:
    """The deepest traceback frame outside this package and outside installed libraries."""
    frames = traceback.extract_tb(err.__traceback__)
    mine = [f for f in frames if not f.filename.startswith(_PACKAGE_DIR)]
    learner = [f for f in mine if "site-packages" not in f.filename and not f.filename.startswith(
        sys.prefix + "/lib")]
    frame = (learner or mine or frames)[-1]
    where = f"in `{frame.name}`, line {frame.lineno}"
    if frame.filename.startswith("<ipython-input") or "ipykernel" in frame.filename:
        where += " of the cell that defines it"
    code = f":\n    {frame.line}" if frame.line else "."
    return f"{where} (called as `{name}`){code}"


def require_number(value: object, name: str) -> float:
    """One finite real number: a float, a NumPy/TensorFlow scalar or a one-element array."""
    if value is None:
        raise NotAttempted(f"{name} is None: replace the `# YOUR CODE HERE` stub with your code.")
    if isinstance(value, (str, bytes, bool)) or callable(value):
        raise Incorrect(f"{name} should be a single number; found {describe(value)}.")
    try:
        array = np.asarray(value, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise Incorrect(f"{name} should be a single number; found {describe(value)}.") from err
    if array.size != 1:
        raise Incorrect(
            f"{name} should be a single number; found {array.size} values (shape {array.shape})."
        )
    number = float(array.reshape(()))
    if not np.isfinite(number):
        raise Incorrect(f"{name} is {number}, not a finite number.")
    return number


def distinct_numbers(found: float, target: float, digits: int = 3) -> tuple[str, str]:
    """Both numbers with just enough significant digits that they do not print alike.

    >>> distinct_numbers(0.20581, 0.206)
    ('0.2058', '0.206')
    """
    for width in range(digits, 12):
        shown = f"{found:.{width}g}", f"{target:.{width}g}"
        if shown[0] != shown[1] or found == target:
            return shown
    return f"{found!r}", f"{target!r}"


def require_array(
    value: object,
    name: str,
    *,
    shape: Sequence[int | None] | None = None,
    finite: bool = True,
) -> np.ndarray:
    """A numeric NumPy array (tensors and lists are converted) with the expected shape.

    ``shape`` may hold None for "any size" in that axis.
    """
    if value is None:
        raise NotAttempted(f"{name} is None: replace the `# YOUR CODE HERE` stub with your code.")
    if isinstance(value, (str, bytes, dict, set)):
        raise Incorrect(f"{name} should be an array of numbers; found {describe(value)}.")
    try:
        array = np.asarray(value)
    except Exception as err:  # noqa: BLE001 - ragged lists, odd objects
        raise Incorrect(f"{name} could not be read as an array ({err}).") from err
    if array.dtype == object or not (np.issubdtype(array.dtype, np.number) or array.dtype == bool):
        raise Incorrect(f"{name} should hold numbers; found {describe(value)}.")
    if shape is not None:
        expected = tuple(shape)
        same_rank = array.ndim == len(expected)
        if not same_rank or any(
            want is not None and got != want
            for got, want in zip(array.shape, expected, strict=True)
        ):
            raise Incorrect(
                f"{name} should have shape {_shape_text(expected)}; found shape {array.shape}."
            )
    if finite and np.issubdtype(array.dtype, np.floating):
        bad = int(np.size(array) - np.isfinite(array).sum())
        if bad:
            raise Incorrect(f"{name} contains {bad} NaN or infinite value(s) out of {array.size}.")
    return array


def _shape_text(shape: Sequence[int | None]) -> str:
    parts = ["any" if s is None else str(s) for s in shape]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"


def require_close(
    found: np.ndarray, expected: np.ndarray, name: str, *, rtol: float = 1e-5, atol: float = 1e-6
) -> None:
    """Values match a reference within tolerances, else Incorrect naming the worst entry."""
    found = np.asarray(found, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    if found.shape != expected.shape:
        raise Incorrect(f"{name} should have shape {expected.shape}; found {found.shape}.")
    if not np.allclose(found, expected, rtol=rtol, atol=atol):
        gap = np.abs(found - expected)
        worst = np.unravel_index(int(np.argmax(gap)), gap.shape)
        raise Incorrect(
            f"{name} differs from the expected values: at index {tuple(int(i) for i in worst)} "
            f"expected {expected[worst]:.6g}, found {found[worst]:.6g} "
            f"({int((gap > atol + rtol * np.abs(expected)).sum())} of {gap.size} values off)."
        )


def require_model(value: object, name: str):
    """A built Keras model (or layer) whose weights are all finite."""
    import keras

    if value is None:
        raise NotAttempted(f"`{name}` is None: build the model first.")
    if not isinstance(value, keras.layers.Layer):
        raise Incorrect(f"`{name}` should be a Keras model; found {describe(value)}.")
    if not value.built:
        raise Incorrect(
            f"`{name}` is not built yet, so it has no weights: start it with `keras.Input(...)` "
            "or call it once on a batch."
        )
    for weight in value.weights:
        if not np.all(np.isfinite(keras.ops.convert_to_numpy(weight))):
            raise Incorrect(f"`{name}` has NaN or infinite values in weight `{weight.path}`.")
    return value


_STUB_OPCODES = {"RESUME", "NOP", "LOAD_CONST", "STORE_FAST", "RETURN_VALUE", "RETURN_CONST",
                 "CACHE"}
_GIVEN_OPCODES = {"LOAD_GLOBAL", "LOAD_NAME", "PUSH_NULL", "PRECALL", "CALL", "KW_NAMES",
                  "CALL_KW", "LOAD_FAST", "POP_TOP"}


def is_untouched_stub(fn: object, given: Iterable[str] = ()) -> bool:
    """True for an exercise's generated stub: `name = None` lines and `return None`, plus calls
    of the functions named in ``given`` where the exercise hands out a first line (e.g.
    ``model = dense_autoencoder(32)``). A function the learner wrote does other work."""
    code = getattr(fn, "__code__", None)
    if code is None:
        return False
    allowed = set(given)
    for ins in dis.get_instructions(code):
        if ins.opname in _STUB_OPCODES:
            if ins.opname == "LOAD_CONST" and ins.argval is not None and not allowed:
                return False
        elif not allowed or ins.opname not in _GIVEN_OPCODES:
            return False
        elif ins.opname in ("LOAD_GLOBAL", "LOAD_NAME") and ins.argval not in allowed:
            return False
    return True


def returned_none(
    fn: object, call: str, *, given: Iterable[str] = (), advice: str = ""
) -> Exception:
    """What to raise when the learner's function returned None: NotAttempted for the untouched
    stub, Incorrect ("did you forget `return`?") for a function the learner wrote."""
    if is_untouched_stub(fn, given):
        return NotAttempted(f"`{call}` returned None, so it is still the stub: replace the "
                            "stub's `# YOUR CODE HERE` line with your code, then check it.")
    return Incorrect(f"`{call}` returned None. Did you forget `return`? A function that ends "
                     "without a `return` statement gives None (printing a value does not return "
                     "it)." + (f" {advice}" if advice else ""))


def call_function(fn: Callable, *args, name: str, given: Iterable[str] = (), advice: str = "",
                  **kwargs):
    """:func:`call_learner` for an exercise's function, whose None result is never an answer:
    the untouched stub is NotAttempted, a written function "did you forget `return`?"."""
    out = call_learner(fn, *args, name=name, **kwargs)
    if out is None:
        raise returned_none(fn, name, given=given, advice=advice)
    return out
