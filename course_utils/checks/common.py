"""Check helpers shared by several lessons: random inputs, learners' Keras models, Dense stacks."""

from __future__ import annotations

import contextlib
import functools
import logging
from collections.abc import Sequence

import numpy as np

from .validate import Incorrect, NotAttempted, call_learner, describe, require_array

ACTIVATIONS = {
    None: lambda z: z,
    "relu": lambda z: np.maximum(z, 0.0),
    "sigmoid": lambda z: 1.0 / (1.0 + np.exp(-z)),
    "tanh": np.tanh,
}
ACTIVATION_TEXT = {None: "no activation (linear)", "relu": "ReLU", "sigmoid": "sigmoid",
                    "tanh": "tanh"}


def dense_params(sizes: Sequence[int]) -> int:
    """Parameters of a stack of Dense layers with biases: sum of (inputs + 1) * outputs."""
    return sum((n_in + 1) * n_out for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True))


def random_images(n: int, seed: int) -> np.ndarray:
    """A batch of random float32 'images' in [0, 1], shape (n, 28, 28)."""
    return np.random.default_rng(seed).random((n, 28, 28), dtype=np.float32)


def to_numpy(weight) -> np.ndarray:
    import keras

    return np.asarray(keras.ops.convert_to_numpy(weight), dtype=np.float64)


def require_keras_model(value: object, name: str):
    """A Keras model or layer (built or not yet); None means not attempted."""
    import keras

    if value is None:
        raise NotAttempted(f"{name} is None: build the model and return it.")
    if not isinstance(value, keras.layers.Layer):
        raise Incorrect(f"{name} should be a Keras model; found {describe(value)}.")
    return value


def input_features(model) -> tuple | None:
    """The input shape a model declares (without the batch axis), if it declares one."""
    try:
        shape = model.input_shape
    except Exception:  # noqa: BLE001 - subclassed models and layers declare none
        return None
    if isinstance(shape, tuple) and shape and (shape[0] is None or isinstance(shape[0], int)):
        return tuple(shape[1:])
    return None


def learner_model(fn, argument: int, name: str, expected_input: tuple, advice: str):
    """Call a learner's model builder ``name(argument)``; the model must take ``expected_input``
    (``advice`` says how, when it declares another input shape)."""
    shown = f"{name}({argument})"
    model = require_keras_model(call_learner(fn, argument, name=shown),
                                f"The model `{shown}` returned")
    declared = input_features(model)
    if declared is not None and declared != expected_input:
        raise Incorrect(f"`{shown}` takes inputs of shape {declared}; {advice}")
    return model


def run_model(model, inputs: np.ndarray, name: str) -> np.ndarray:
    """Call a learner's model on a batch; the output as a finite NumPy array."""
    out = call_learner(model, inputs, name=name)
    if out is None:
        raise NotAttempted(f"`{name}` returned None: the model (or its `call`) is not written.")
    return require_array(out, f"The output of `{name}`")


def require_param_count(model, name: str, expected: int, architecture: str) -> None:
    found = int(model.count_params())
    if found != expected:
        raise Incorrect(
            f"{name} has {found:,} parameters; {architecture} has {expected:,}. Compare the "
            "layer sizes in `model.summary()` with the ones asked for."
        )


def _find_weights(model, sizes: Sequence[int], name: str):
    """(kernel, bias) pairs of the Dense layers ``sizes[i] -> sizes[i + 1]``, in order."""
    weights = [to_numpy(w) for w in model.weights]
    used: set[int] = set()

    def take(shape):
        for index, value in enumerate(weights):
            if index not in used and value.shape == shape:
                used.add(index)
                return value
        found = ", ".join(str(w.shape) for w in weights) or "none"
        raise Incorrect(
            f"{name} has no weight of shape {shape} (a Dense layer from {shape[0]} to "
            f"{shape[-1]} units needs one); its weights have shapes {found}."
        )

    return [(take((a, b)), take((b,))) for a, b in zip(sizes[:-1], sizes[1:], strict=True)]


def dense_forward(pairs, activations, inputs: np.ndarray) -> np.ndarray:
    """What a stack of Dense layers computes, in NumPy (float64)."""
    h = np.asarray(inputs, dtype=np.float64).reshape(len(inputs), -1)
    for (kernel, bias), activation in zip(pairs, activations, strict=True):
        h = ACTIVATIONS[activation](h @ kernel + bias)
    return h


def require_dense_stack(
    model, name: str, sizes: Sequence[int], activations: Sequence[str | None],
    inputs: np.ndarray, outputs: np.ndarray,
) -> None:
    """The model's outputs equal a Dense stack with these sizes and activations, using its own
    weights; if not, name the layer whose activation looks wrong."""
    pairs = _find_weights(model, sizes, name)
    flat = outputs.reshape(len(outputs), -1)
    if np.allclose(flat, dense_forward(pairs, activations, inputs), rtol=1e-4, atol=1e-5):
        return
    for layer, expected in enumerate(activations):
        for other in ACTIVATIONS:
            if other == expected:
                continue
            trial = list(activations)
            trial[layer] = other
            if np.allclose(flat, dense_forward(pairs, trial, inputs), rtol=1e-4, atol=1e-5):
                raise Incorrect(
                    f"Layer {layer + 1} of {name} ({sizes[layer]} -> {sizes[layer + 1]} units) "
                    f"seems to use {ACTIVATION_TEXT[other]}; it should use "
                    f"{ACTIVATION_TEXT[expected]}."
                )
    _require_listed_activations(model, name, sizes, activations)
    wanted = ", ".join(
        f"{a} -> {b} ({ACTIVATION_TEXT[act]})"
        for a, b, act in zip(sizes[:-1], sizes[1:], activations, strict=True)
    )
    raise Incorrect(
        f"The sizes of {name} are right, but its outputs are not those of Dense layers "
        f"{wanted} applied in this order. Did you add another layer or change the order?"
    )


def _dense_layers(model) -> list:
    """The Dense layers of a model, in order, looking inside nested models."""
    import keras

    found = []
    for layer in getattr(model, "layers", []):
        if isinstance(layer, keras.layers.Dense):
            found.append(layer)
        else:
            found.extend(_dense_layers(layer))
    return found


def _require_listed_activations(model, name: str, sizes, activations) -> None:
    """Name a Dense layer whose activation (any activation, listed or not) is not the one asked."""
    dense = _dense_layers(model)
    if len(dense) != len(activations):
        return
    for number, (layer, expected) in enumerate(zip(dense, activations, strict=True), start=1):
        used = getattr(layer.activation, "__name__", str(layer.activation))
        used = None if used == "linear" else used
        if used != expected:
            shown = ACTIVATION_TEXT.get(used, f"the {used} activation")
            raise Incorrect(
                f"Layer {number} of {name} ({sizes[number - 1]} -> {sizes[number]} units) uses "
                f"{shown}; it should use {ACTIVATION_TEXT[expected]}."
            )


@contextlib.contextmanager
def quiet_retracing():
    """Keep TensorFlow's "retracing" warning out of the feedback while a check calls many new
    models (harmless there; the learner did nothing wrong)."""
    logger = logging.getLogger("tensorflow")
    level = logger.level
    logger.setLevel(logging.ERROR)
    try:
        yield
    finally:
        logger.setLevel(level)


def explain_mismatch(found, mistakes, *, rtol: float, prefix: str, otherwise: str,
                     atol: float = 0.0):
    """Raise Incorrect naming the first typical mistake (value, message) whose value matches
    ``found`` (a number or an array: same shape, all finite, close everywhere); otherwise raise
    Incorrect with ``otherwise``."""
    for value, message in mistakes:
        with np.errstate(all="ignore"):
            value = np.asarray(value, dtype=np.float64)
        if (value.shape == np.shape(found) and np.all(np.isfinite(value))
                and np.allclose(found, value, rtol=rtol, atol=atol)):
            raise Incorrect(f"{prefix} {message}")
    raise Incorrect(f"{prefix} {otherwise}")


@functools.cache
def bundled_image_split(seed: int, n_train: int, n_held_out: int) -> tuple[np.ndarray, np.ndarray]:
    """``n_train`` and ``n_held_out`` other images of the bundled MNIST subset (float32 in
    [0, 1]), in an order fixed by ``seed``: the same for every learner and every call."""
    from ..data import load_bundled_mnist

    images, _ = load_bundled_mnist()
    order = np.random.default_rng(seed).permutation(len(images))
    x = images.astype(np.float32) / np.float32(255.0)
    return x[order[:n_train]], x[order[n_train:n_train + n_held_out]]
