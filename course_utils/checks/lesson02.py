"""Checks for lesson 02, "The decoder and the autoencoder": the mean-image baseline, the
decoder's output activation chosen by measuring, compression in bits, a tied-weights layer and
an untied autoencoder within a tied one's parameter budget."""

from __future__ import annotations

import math

import numpy as np

from .common import dense_params, quiet_retracing, run_model, to_numpy
from .exercise import Exercise
from .validate import (
    Incorrect,
    NotAttempted,
    call_function,
    call_learner,
    describe,
    distinct_numbers,
    require_array,
    require_close,
    require_function,
    require_number,
)

LESSON = "02"
PIXEL_BITS = 8
N_PIXELS = 784
ACTIVATIONS = ("linear", "relu", "sigmoid")


# -- exercise 1: the mean-image baseline ------------------------------------------------------
def _baseline_case(seed: int, n_train: int, n_eval: int, side: int):
    """Training and held-out 'images' whose means differ, pixels never reaching 1, so that the
    usual mistakes (held-out mean, one grey level, per-image sums, RMSE) all give other numbers."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:side, :side] / (side - 1)
    blob = np.exp(-((yy - 0.5) ** 2 + (xx - 0.45) ** 2) / 0.08)  # ink in the middle
    x_train = np.clip(0.7 * blob * rng.random((n_train, side, side)), 0, 0.9)
    shifted = np.exp(-((yy - 0.4) ** 2 + (xx - 0.6) ** 2) / 0.05)
    x_eval = np.clip(0.8 * shifted * rng.random((n_eval, side, side)), 0, 0.9)
    return x_train.astype(np.float32), x_eval.astype(np.float32)


def _baseline_mistakes(x_train: np.ndarray, x_eval: np.ndarray, expected: float):
    pixels = int(np.prod(x_eval.shape[1:]))
    mean_image = x_train.astype(np.float64).mean(axis=0)
    return (
        (np.mean((x_eval - x_eval.mean(axis=0)) ** 2),
         "That is the error of the mean of the held-out images themselves. The baseline may "
         "only learn from the training images: use `x_train.mean(axis=0)`."),
        (np.mean((x_eval - x_train.mean()) ** 2),
         "That is the error of one grey level (the mean of all training pixels). Average over "
         "the images only, `x_train.mean(axis=0)`, to keep one mean value per pixel."),
        (expected * pixels,
         f"That is {pixels} times too large: a sum over each image's {pixels} pixels. The MSE "
         "is a mean over pixels as well as over images: `np.mean(...)` over everything."),
        (expected * x_eval.size,
         "That is the total squared error; the MSE divides it by the number of values."),
        (math.sqrt(expected),
         "That is the square root of the MSE (the RMSE): leave out the square root."),
        (np.mean(np.abs(x_eval - mean_image)),
         "That is the mean absolute error: square the differences instead."),
        (np.mean(x_eval - mean_image) ** 2,
         "That squares the mean difference; square each difference first, then average."),
        (np.mean((x_train - mean_image) ** 2),
         "That is the error on the training images; measure it on the held-out ones, x_eval."),
    )


def _check_mean_image_mse(mean_image_mse) -> str:
    fn = require_function(mean_image_mse, "mean_image_mse")
    for seed, (n_train, n_eval, side) in enumerate(((60, 25, 28), (40, 30, 28), (50, 20, 14))):
        x_train, x_eval = _baseline_case(seed, n_train, n_eval, side)
        train_copy, eval_copy = x_train.copy(), x_eval.copy()
        shown = f"mean_image_mse(x_train, x_eval) for images of {side}x{side} pixels"
        out = call_function(fn, train_copy, eval_copy, name="mean_image_mse(x_train, x_eval)")
        if not (np.array_equal(train_copy, x_train) and np.array_equal(eval_copy, x_eval)):
            raise Incorrect("`mean_image_mse` changed the images it was given; work on copies "
                            "(e.g. `x - mean` makes a new array, `x -= mean` does not).")
        found = require_number(out, f"`{shown}`")
        expected = float(np.mean((x_eval.astype(np.float64)
                                  - x_train.astype(np.float64).mean(axis=0)) ** 2))
        if math.isclose(found, expected, rel_tol=1e-4):
            continue
        shown_found, shown_expected = distinct_numbers(found, expected)
        prefix = f"For {n_eval} held-out images of {side}x{side} pixels, expected " \
                 f"{shown_expected}; found {shown_found}."
        for value, advice in _baseline_mistakes(x_train, x_eval, expected):
            if math.isclose(found, float(value), rel_tol=1e-4):
                raise Incorrect(f"{prefix} {advice}")
        raise Incorrect(f"{prefix} Average the squared difference between each held-out image "
                        "and the mean training image over all images and pixels.")
    return ("The number every autoencoder must beat: one mean image, learnt from the training "
            "images, scored on held-out ones.")


# -- exercise 2: the output activation, chosen by measuring -----------------------------------
def _probe_images(n: int, seed: int) -> np.ndarray:
    """Held-out 'images' for the measuring check: mostly dark, a few bright pixels, max < 1."""
    rng = np.random.default_rng(seed)
    images = rng.random((n, 28, 28)) * (rng.random((n, 28, 28)) < 0.2)
    return (0.95 * images).astype(np.float32)


def _probe_model(activation: str, seed: int):
    """A small autoencoder with random weights whose outputs, before the output activation,
    straddle 0 and 1: the linear one leaves [0, 1] on both sides, ReLU gives exact zeros and
    values above 1, the sigmoid stays inside."""
    from ..models import dense_autoencoder

    model = dense_autoencoder(6, hidden=(16,), output_activation=activation,
                              name=f"probe_{activation}")
    rng = np.random.default_rng(seed)
    weights = [rng.normal(0.0, 1.5 / np.sqrt(w.shape[0]), w.shape) if w.ndim == 2
               else rng.normal(0.0, 0.1, w.shape) for w in model.get_weights()]
    weights[-1] = weights[-1] + 0.5  # pixel biases around 0.5
    model.set_weights([w.astype(np.float32) for w in weights])
    model.compile(loss="mse")  # so that a learner may measure it with model.evaluate
    return model


def _check_val_mse(found: float, recon, x_val, shown: str) -> None:
    val = float(np.mean((recon - x_val) ** 2))
    if math.isclose(found, val, rel_tol=1e-4):
        return
    shown_found, shown_val = distinct_numbers(found, val)
    prefix = f"{shown} gave a validation MSE of {shown_found}; expected {shown_val}."
    mistakes = (
        (val * N_PIXELS, "Yours is 784 times larger: a sum over each image's pixels. Take the "
                         "mean over pixels too."),
        (math.sqrt(val), "Yours is its square root (the RMSE): leave out the square root."),
        (float(np.mean(np.abs(recon - x_val))), "Yours is the mean absolute error: square the "
                                                "differences."),
        (float(np.mean(x_val ** 2)), "Yours is the error of an all-black output: compare x_val "
                                     "with the model's reconstructions of x_val."),
    )
    for value, advice in mistakes:
        if math.isclose(found, value, rel_tol=1e-4):
            raise Incorrect(f"{prefix} {advice}")
    raise Incorrect(f"{prefix} Reconstruct the x_val you were given (not the training or test "
                    "images of the notebook) and average the squared differences: "
                    "np.mean((x_val - model.predict(x_val, verbose=0)) ** 2).")


def _check_outside(found: float, recon, shown: str) -> None:
    below, above = recon < 0, recon > 1
    share = float(np.mean(below | above))
    one_value = 1.5 / recon.size  # predict() and model() may differ in the last bit at 0 or 1
    if math.isclose(found, share, rel_tol=1e-6, abs_tol=one_value):
        return
    prefix = (f"{shown} gave {found:.6g} as the share of values outside [0, 1]; expected "
              f"{share:.6g}.")
    mistakes = (
        (share * recon.size, "Yours is the count of such values: divide by their total number "
                             "(or use np.mean on the boolean array)."),
        (100 * share, "Yours is a percentage: return a share between 0 and 1."),
        (float(np.mean(below)), "Yours counts only values below 0: values above 1 are "
                                "impossible pixels too."),
        (float(np.mean(above)), "Yours counts only values above 1: values below 0 are "
                                "impossible pixels too."),
        (float(np.mean((recon <= 0) | (recon >= 1))),
         "Yours also counts values of exactly 0 or 1, which are valid pixels: use < 0 and > 1."),
    )
    for value, advice in mistakes:
        if math.isclose(found, value, rel_tol=1e-6, abs_tol=1e-9):
            raise Incorrect(f"{prefix} {advice}")
    raise Incorrect(f"{prefix} Count the reconstructed values below 0 or above 1 and divide by "
                    "the number of values: np.mean((r < 0) | (r > 1)).")


def _check_measure(fn) -> dict:
    """Run the learner's measure(model, x_val) on probe models; returns the verified table."""
    with quiet_retracing():
        return _measure_probes(fn)


def _measure_probes(fn) -> dict:
    table = {}
    for seed, activation in enumerate(ACTIVATIONS):
        model = _probe_model(activation, seed=10 + seed)
        x_val = _probe_images(30 + 7 * seed, seed=20 + seed)
        shown = f"measure(model, x_val), for a model with a {activation} output,"
        out = call_function(fn, model, x_val.copy(), name="measure(model, x_val)")
        if out is None:
            raise NotAttempted("`measure` returned None: replace the stub with your code.")
        if isinstance(out, np.ndarray) and out.shape == (2,):
            out = tuple(out)
        if not isinstance(out, (tuple, list)) or len(out) != 2:
            raise Incorrect("measure(model, x_val) should return two numbers, (val_mse, "
                            f"outside); found {describe(out)}.")
        val_mse = require_number(out[0], "The validation MSE from measure(model, x_val)")
        outside = require_number(out[1], "The share outside [0, 1] from measure(model, x_val)")
        recon = to_numpy(model(x_val)).reshape(x_val.shape)
        _check_val_mse(val_mse, recon, x_val.astype(np.float64), shown)
        _check_outside(outside, recon, shown)
        table[activation] = (val_mse, outside)
    return table


ONE_VALUE = 1 / (30 * N_PIXELS)  # one reconstructed value out of 30 images: the smallest share


def _synthetic_tables():
    """Result tables on which the usual wrong rules pick another activation: the lowest MSE, the
    smallest share, a soft rule (MSE plus a multiple of the share, up to about 200 times) and a
    tolerance on the share (a share of one value, or exactly 0.001, 0.01 or 0.05, with <= or <)."""
    return (
        {"relu": (0.0152, 0.027), "sigmoid": (0.0161, 0.0), "linear": (0.0170, 0.39)},
        {"sigmoid": (0.0190, 0.0), "linear": (0.0200, 0.0), "relu": (0.0180, 0.0)},
        {"linear": (0.0300, 0.0), "relu": (0.0120, 0.1), "sigmoid": (0.0250, 0.0)},
        {"sigmoid": (0.0400, 0.0), "relu": (0.0210, 0.0), "linear": (0.0220, 0.3)},
        {"sigmoid": (0.0220, 0.0), "relu": (0.0120, ONE_VALUE), "linear": (0.0240, 0.0)},
        {"linear": (0.0170, 0.001), "sigmoid": (0.0190, 0.0), "relu": (0.0230, 0.0)},
        {"relu": (0.0140, 0.01), "sigmoid": (0.0170, 0.0), "linear": (0.0300, 0.2)},
        {"sigmoid": (0.0260, 0.0), "linear": (0.0150, 0.05), "relu": (0.0270, 0.0)},
    )


def _expected_choice(results: dict) -> str:
    valid = [name for name, (_, outside) in results.items() if outside == 0]
    return min(valid, key=lambda name: results[name][0])


def _check_choice(fn, results: dict, where: str) -> None:
    table = {name: (float(mse), float(outside)) for name, (mse, outside) in results.items()}
    out = call_function(fn, dict(table), name="choose_activation(results)")
    if out is None:
        raise NotAttempted("`choose_activation` returned None: replace the stub with your code.")
    if not isinstance(out, str) or out not in table:
        raise Incorrect(f"`choose_activation(results)` should return one of the keys of "
                        f"results ({', '.join(table)}); found {describe(out)}.")
    expected = _expected_choice(table)
    if out == expected:
        return
    shown = "; ".join(f"{name}: MSE {mse:.4g}, {outside:.3g} outside" for name, (mse, outside)
                      in table.items())
    mse, outside = table[out]
    if 0 < outside <= 0.05:
        advice = (f"{out} puts a share of {outside:.3g} of its values outside [0, 1]: few, but "
                  "each is an impossible pixel, so it does not qualify. Neither a tolerance on "
                  "the share nor adding the share to the MSE keeps it out: keep only the "
                  "activations whose share is exactly 0, then take the lowest MSE.")
    elif outside > 0:
        advice = (f"{out} puts a share of {outside:.3g} of its values outside [0, 1]: those "
                  "are impossible pixels, so it does not qualify, however low its MSE. Keep "
                  "only the activations with no value outside [0, 1], then take the lowest MSE.")
    else:
        advice = (f"{out} keeps every value in [0, 1], but so does {expected}, with a lower "
                  f"validation MSE ({table[expected][0]:.4g} against {mse:.4g}). Among the "
                  "activations that qualify, take the lowest MSE.")
    raise Incorrect(f"For {where} ({shown}) your rule chose {out}; expected {expected}. {advice}")


def _check_output_activation(measure, choose_activation) -> str:
    fn = require_function(measure, "measure")
    choose = require_function(choose_activation, "choose_activation")
    probes = _check_measure(fn)
    for number, table in enumerate((*_synthetic_tables(), probes), start=1):
        _check_choice(choose, table, f"the test table {number}")
    return ("Measured right, chosen by a rule: only activations that keep every pixel in [0, 1] "
            "qualify, then the lowest validation MSE wins.")


# -- exercise 3: compression ratio -----------------------------------------------------------
def _check_compression_ratio(compression_ratio) -> str:
    fn = require_function(compression_ratio, "compression_ratio")
    for code_size, code_bits in ((32, 32), (2, 32), (32, 8), (10, 16)):
        shown = f"compression_ratio({code_size}, {code_bits})"
        found = require_number(call_function(fn, code_size, code_bits, name=shown), f"`{shown}`")
        expected = N_PIXELS * PIXEL_BITS / (code_size * code_bits)
        if np.isclose(found, expected, rtol=1e-6):
            continue
        if found and np.isclose(found, 1 / expected, rtol=1e-6):
            raise Incorrect(
                f"`{shown}` gave {found:.4g}, the inverse: divide the image's bits by the "
                "code's bits, so a code smaller than the image gives a ratio above 1."
            )
        if np.isclose(found, N_PIXELS / code_size, rtol=1e-6):
            raise Incorrect(
                f"`{shown}` gave {found:.4g} = 784 / {code_size}: that compares numbers of "
                f"values. Compare bits: 8 per pixel, `code_bits` per code value."
            )
        shown_found, shown_expected = distinct_numbers(found, expected)
        raise Incorrect(
            f"`{shown}` gave {shown_found}; expected {shown_expected} = (784 pixels x 8 bits) / "
            f"({code_size} values x {code_bits} bits)."
        )
    return "Bits in, bits out: a float32 code is less of a compression than its size suggests."


# -- exercise 4: a tied-weights layer ---------------------------------------------------------
def _tied_dense(rng):
    import keras

    dense = keras.layers.Dense(7)
    dense.build((None, 11))
    dense.kernel.assign(rng.normal(size=(11, 7)).astype("float32"))
    dense.bias.assign(rng.normal(size=(7,)).astype("float32"))
    return dense


def _make_tied_layer(cls, dense, activation):
    import keras

    if activation is None:
        layer = call_learner(cls, dense, name="DenseTranspose(dense)")
    else:
        layer = call_learner(cls, dense, activation=activation,
                             name=f"DenseTranspose(dense, activation={activation!r})")
    if layer is None:
        raise NotAttempted("`DenseTranspose(dense)` gave None: write the class.")
    if not isinstance(layer, keras.layers.Layer):
        raise Incorrect(
            f"`DenseTranspose(dense)` should create a Keras layer; found a "
            f"{type(layer).__name__}. Subclass `keras.layers.Layer`."
        )
    return layer


def _call_tied(layer, inputs, shape) -> np.ndarray:
    out = call_learner(layer, inputs, name="layer(x)")
    if out is None:
        raise NotAttempted("Your layer's `call` returns None: write `call`.")
    out = require_array(out, "The output of your layer")
    if out.shape == (len(inputs), 7):
        raise Incorrect(
            "The output has 7 features, like the dense layer's output; the tied layer goes the "
            "other way, back to the dense layer's 11 inputs: multiply by the *transposed* kernel."
        )
    return require_array(out, "The output of your layer", shape=shape)


def _own_weights(layer, dense):
    theirs = {id(w) for w in dense.weights}
    return [w for w in layer.weights if id(w) not in theirs]


def _check_tied_gradients(layer, dense, x: np.ndarray, rng) -> None:
    """Training must reach the tied kernel: d/dW of sum(layer(x) * g) is g.T @ x, and the bias
    gets g summed over the batch."""
    import tensorflow as tf

    upstream = rng.normal(size=(len(x), 11)).astype("float32")
    with tf.GradientTape() as tape:
        out = call_learner(layer, x, name="layer(x)")
        loss = tf.reduce_sum(tf.convert_to_tensor(out) * upstream)
    own = _own_weights(layer, dense)
    kernel_grad, bias_grad = tape.gradient(loss, [dense.kernel, own[0]])
    if kernel_grad is None:
        raise Incorrect(
            "No gradient reaches the dense layer's kernel through your layer, so training the "
            "decoder would never update the shared kernel. Use `self.dense.kernel` itself in "
            "`call` (not a NumPy copy, `.numpy()` or `stop_gradient`)."
        )
    require_close(to_numpy(kernel_grad), upstream.T @ x, "The gradient of the tied kernel",
                  rtol=1e-3, atol=1e-4)
    if bias_grad is None:
        raise Incorrect("No gradient reaches your bias: add `self.bias` (the weight) in `call`.")
    require_close(to_numpy(bias_grad), upstream.sum(axis=0), "The gradient of the bias",
                  rtol=1e-3, atol=1e-4)


def _check_dense_transpose(DenseTranspose) -> str:  # noqa: N803 - the learner's class name
    import keras

    cls = require_function(DenseTranspose, "DenseTranspose")
    rng = np.random.default_rng(7)
    dense = _tied_dense(rng)
    x = rng.normal(size=(5, 7)).astype("float32")
    layer = _make_tied_layer(cls, dense, None)
    _call_tied(layer, x, (5, 11))
    own = _own_weights(layer, dense)
    kernels = [tuple(w.shape) for w in own if len(w.shape) == 2]
    if kernels:
        raise Incorrect(
            f"Your layer created its own kernel of shape {kernels[0]}. A tied layer owns no "
            "kernel: read `dense.kernel` in `call` and transpose it."
        )
    if [tuple(w.shape) for w in own] != [(11,)] or not own[0].trainable:
        shapes = [tuple(w.shape) for w in own]
        raise Incorrect(
            f"A tied layer should own exactly one trainable weight, a bias of 11 values (one per "
            f"input of the dense layer); yours owns weights of shapes {shapes}. Create it in "
            "`build` with `self.add_weight(shape=(dense_inputs,), initializer='zeros')`."
        )
    bias = rng.normal(size=(11,)).astype("float32")
    own[0].assign(bias)
    kernel = to_numpy(dense.kernel)
    out = _call_tied(layer, x, (5, 11))
    if np.allclose(out, x @ kernel.T, rtol=1e-4, atol=1e-5):
        raise Incorrect("The output is `x @ W.T` without the bias: add `self.bias` in `call`.")
    require_close(out, x @ kernel.T + bias, "layer(x) compared with x @ W.T + b",
                  rtol=1e-4, atol=1e-5)
    new_kernel = rng.normal(size=(11, 7)).astype("float32")
    dense.kernel.assign(new_kernel)
    out = _call_tied(layer, x, (5, 11))
    if np.allclose(out, x @ kernel.T + bias, rtol=1e-4, atol=1e-5):
        raise Incorrect(
            "When the dense layer's kernel changes, your layer's output does not: it keeps a "
            "copy from when it was built. Read `self.dense.kernel` inside `call` instead."
        )
    require_close(out, x @ new_kernel.T + bias, "layer(x) after the dense kernel changed",
                  rtol=1e-4, atol=1e-5)
    sigmoid_layer = _make_tied_layer(cls, dense, "sigmoid")
    out = _call_tied(sigmoid_layer, x, (5, 11))
    _own_weights(sigmoid_layer, dense)[0].assign(bias)
    out = _call_tied(sigmoid_layer, x, (5, 11))
    linear = x @ new_kernel.T + bias
    if np.allclose(out, linear, rtol=1e-4, atol=1e-5):
        raise Incorrect(
            "With `activation='sigmoid'` the output is still linear: apply "
            "`keras.activations.get(activation)` to the result in `call`."
        )
    require_close(out, 1 / (1 + np.exp(-linear)), "The sigmoid layer's output",
                  rtol=1e-4, atol=1e-5)
    _check_tied_gradients(layer, dense, x, rng)
    model = call_learner(
        lambda: keras.Sequential([keras.Input(shape=(7,)), cls(dense)]),
        name="keras.Sequential([keras.Input(shape=(7,)), DenseTranspose(dense)])",
    )
    run_model(model, x, "a model with your layer")
    return "x @ W.T + b with the dense layer's own kernel: a decoder layer for the price of a bias."


# -- exercise 5: an untied autoencoder within a tied one's budget -----------------------------
def untied_params(hidden: int, code_size: int, n_pixels: int = N_PIXELS) -> int:
    """Parameters of the untied autoencoder n_pixels -> hidden -> code -> hidden -> n_pixels."""
    return dense_params([n_pixels, hidden, code_size, hidden, n_pixels])


def _widest(budget: int, code_size: int, n_pixels: int) -> int:
    """untied_params solved for the hidden width: 2 (n + k + 1) h + n + k <= budget."""
    return (budget - n_pixels - code_size) // (2 * (n_pixels + code_size + 1))


def _width_cases():
    """(budget, code_size, n_pixels): the lesson's tied budget, a budget met exactly (so < and
    <= differ), one just below it, another image size (so a hard-coded 784 shows), a large one
    (so forgetting the biases shows)."""
    return (
        (105_520, 32, N_PIXELS),
        (untied_params(20, 8, 100), 8, 100),
        (untied_params(20, 8, 100) - 1, 8, 100),
        (50_000, 2, N_PIXELS),
        (30_000, 16, 300),
        (2_000_000, 32, N_PIXELS),  # a budget where forgetting the biases shows
    )


def _width_mistakes():
    """(wrong rule, advice) for the usual mistakes; a rule is recognised when it matches the
    learner's answer in every case."""
    return (
        (lambda b, k, n: b // (2 * (n + k)),
         "that width forgets the biases: every Dense layer has one bias per unit, "
         "(n_in + 1) * n_out parameters."),
        (lambda b, k, n: _widest(b, k, N_PIXELS),
         "that is the answer for 784 pixels: use the n_pixels argument, not a hard-coded 784."),
        (lambda b, k, n: (b - n - k) // (n + k + 2),
         "that is the width of a TIED autoencoder (the decoder adds only biases); the untied "
         "one learns two kernels per layer pair: n -> h and h -> n."),
        (lambda b, k, n: round((b - n - k) / (2 * (n + k + 1))),
         "rounding to the nearest width can go over the budget: round down."),
    )


def _check_untied_width(widest_hidden) -> str:
    fn = require_function(widest_hidden, "widest_hidden")
    answers = []
    for budget, code_size, n_pixels in _width_cases():
        shown = f"widest_hidden({budget}, {code_size}, n_pixels={n_pixels})"
        out = call_function(fn, budget, code_size, n_pixels=n_pixels, name=shown)
        found = require_number(out, f"`{shown}`")
        if found != int(found):
            raise Incorrect(f"`{shown}` gave {found:g}: a layer has a whole number of units. "
                            "Round down, e.g. with //.")
        answers.append((shown, int(found), budget, code_size, n_pixels))
    wrong = [a for a in answers if a[1] != _widest(*a[2:])]
    if not wrong:
        return ("Same budget, two designs: the untied autoencoder can afford only half the "
                "hidden width of the tied one.")
    shown, found, budget, k, n = wrong[0]
    expected = _widest(budget, k, n)
    prefix = f"`{shown}` gave {found}; expected {expected}:"
    for rule, advice in _width_mistakes():
        if all(rule(*a[2:]) == a[1] for a in answers):
            raise Incorrect(f"{prefix} {advice}")
    if found > expected:
        raise Incorrect(f"{prefix} a width of {found} has {untied_params(found, k, n):,} "
                        "parameters, over the budget. Take the largest width whose count stays "
                        "at most the budget.")
    if found == expected - 1:
        raise Incorrect(f"{prefix} one unit narrower than needed: a width of {expected} has "
                        f"{untied_params(expected, k, n):,} parameters, which is within the "
                        "budget (at most, not strictly below).")
    raise Incorrect(
        f"{prefix} count the parameters of the four Dense layers of {n} -> h -> {k} -> h -> "
        f"{n}, (n_in + 1) * n_out each, and take the largest h whose total stays within the "
        "budget."
    )


# -- the exercises ---------------------------------------------------------------------------
mean_image_mse = Exercise(
    lesson=LESSON,
    name="mean_image_mse",
    title="the mean-image baseline on held-out images",
    checker=_check_mean_image_mse,
    hints=[
        "The lazy 'autoencoder' outputs the same image for every input: the mean of the "
        "TRAINING images, one value per pixel. Score it on the held-out images.",
        "`x_train.mean(axis=0)` has the shape of one image; subtracting it from `x_eval` "
        "broadcasts over the held-out images.",
        "`return float(np.mean((x_eval - x_train.mean(axis=0)) ** 2))`",
    ],
)

output_activation = Exercise(
    lesson=LESSON,
    name="output_activation",
    title="choose the decoder's output activation by measuring",
    checker=_check_output_activation,
    hints=[
        "In `measure`, reconstruct the x_val you were given (`model.predict(x_val, verbose=0)`) "
        "and average the squared differences over images and pixels. The share outside [0, 1] "
        "is the mean of a boolean array: `np.mean((r < 0) | (r > 1))`.",
        "In `choose_activation`, first keep only the activations whose share outside [0, 1] is "
        "0, then take the one with the lowest validation MSE.",
        "`valid = [a for a, (mse, out) in results.items() if out == 0]` then "
        "`return min(valid, key=lambda a: results[a][0])`",
    ],
)

compression_ratio = Exercise(
    lesson=LESSON,
    name="compression_ratio",
    title="how many times smaller is the code, in bits?",
    checker=_check_compression_ratio,
    hints=[
        "An MNIST image is 784 pixels of 8 bits each; a code is `code_size` numbers of "
        "`code_bits` bits each.",
        "The ratio is (bits of the image) / (bits of the code): above 1 when the code is "
        "smaller.",
        "`return 784 * 8 / (code_size * code_bits)`",
    ],
)

dense_transpose = Exercise(
    lesson=LESSON,
    name="dense_transpose",
    title="a Dense layer tied to another layer's transposed kernel",
    checker=_check_dense_transpose,
    hints=[
        "Keep the dense layer in `__init__` (`self.dense = dense`); in `build`, create only a "
        "bias with one value per *input* of the dense layer: `self.dense.kernel.shape[0]`.",
        "In `call`, multiply by the transposed kernel: `keras.ops.matmul(inputs, "
        "keras.ops.transpose(self.dense.kernel))`, add the bias, apply the activation.",
        "`return self.activation(keras.ops.matmul(inputs, "
        "keras.ops.transpose(self.dense.kernel)) + self.bias)` with "
        "`self.activation = keras.activations.get(activation)` set in `__init__`",
    ],
)

untied_width = Exercise(
    lesson=LESSON,
    name="untied_width",
    title="the widest untied autoencoder within a parameter budget",
    checker=_check_untied_width,
    hints=[
        "Count the four Dense layers of n -> h -> k -> h -> n: each has (n_in + 1) * n_out "
        "parameters. The count grows with h, so find the largest h that stays within budget.",
        "Either loop `h = 0; while count(h + 1) <= budget: h += 1`, or solve "
        "count(h) <= budget for h and round down.",
        "`return (budget - n_pixels - code_size) // (2 * (n_pixels + code_size + 1))`",
    ],
)

EXERCISES = (mean_image_mse, output_activation, compression_ratio, dense_transpose,
             untied_width)
