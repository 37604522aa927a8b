"""Checks for lesson 05, "Regularisation, sparsity and denoising"."""

from __future__ import annotations

import functools

import numpy as np

from .common import bundled_image_split, explain_mismatch
from .exercise import Exercise
from .validate import (
    Incorrect,
    call_function,
    call_learner,
    describe,
    distinct_numbers,
    require_array,
    require_function,
    require_model,
    require_number,
)

LESSON = "05"


# -- weight_penalty ------------------------------------------------------------------------------
def _kernels_and_biases(model) -> tuple[list[np.ndarray], list[np.ndarray]]:
    import keras

    kernels, others = [], []
    for weight in model.weights:
        values = keras.ops.convert_to_numpy(weight).astype(np.float64)
        (kernels if weight.path.endswith("kernel") else others).append(values)
    return kernels, others


def _penalty(arrays, l1: float, l2: float) -> float:
    return float(sum(l1 * np.abs(a).sum() + l2 * np.square(a).sum() for a in arrays))


def _small_model(seed: int):
    """A small unregularised autoencoder with random weights and (non-zero) biases."""
    from ..models import dense_autoencoder

    model = dense_autoencoder(6, hidden=(12,))
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(0.0, 0.3, w.shape).astype(np.float32)
                       for w in model.get_weights()])
    model.compile(loss="mse")  # a learner may inspect it with model.evaluate
    return model


def _check_weight_penalty(weight_penalty) -> str:
    fn = require_function(weight_penalty, "weight_penalty")
    for seed, (l1, l2) in enumerate(((0.0, 1e-2), (1e-3, 0.0), (2e-3, 5e-3))):
        model = _small_model(seed)
        kernels, biases = _kernels_and_biases(model)
        shown = f"weight_penalty(model, l1={l1}, l2={l2})"
        found = require_number(call_function(fn, model, l1, l2, name=shown), shown)
        expected = _penalty(kernels, l1, l2)
        if np.isclose(found, expected, rtol=1e-4):
            continue
        sizes = sum(k.size for k in kernels)
        mistakes = [
            (_penalty(kernels + biases, l1, l2), "You penalised the biases too. Keras' "
             "`kernel_regularizer` only sees the kernels (weight matrices): keep weights whose "
             "`.path` ends with 'kernel'."),
            (_penalty(kernels, l2, l1), "L1 and L2 are swapped: L1 is `l1 * sum(|w|)`, L2 is "
             "`l2 * sum(w**2)`."),
            (_penalty(kernels, l1, l2) / sizes, "That is a mean over the weights; the penalty "
             "is a sum over every kernel entry."),
            (_penalty(kernels[: len(kernels) // 2], l1, l2), "That is the encoder's kernels only: "
             "the decoder's kernels are penalised too (loop over model.weights, not "
             "model.encoder.weights)."),
            (sum(l1 * np.abs(k).sum() + l2 * np.sqrt(np.square(k).sum()) for k in kernels),
             "For L2 you took the norm (a square root); the penalty uses the squared weights, "
             "`sum(w**2)`, without a root."),
        ]
        explain_mismatch(
            found, mistakes, rtol=1e-4,
            prefix=f"With l1={l1}, l2={l2}: expected {expected:.6g}, found {found:.6g}.",
            otherwise="Add `l1 * sum(|w|) + l2 * sum(w**2)` over the kernels of every Dense "
            "layer.",
        )
    return "Your penalty matches what `keras.regularizers.L1L2(l1, l2)` adds to the loss."


# -- kl_sparsity_penalty -------------------------------------------------------------------------
def _kl(rho: float, rho_hat: np.ndarray) -> np.ndarray:
    return rho * np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat))


def _reference_kl(codes: np.ndarray, rho: float) -> float:
    rho_hat = np.clip(codes.astype(np.float64).mean(axis=0), 1e-6, 1 - 1e-6)
    return float(_kl(rho, rho_hat).sum())


def _check_kl_sparsity_penalty(kl_sparsity_penalty) -> str:
    fn = require_function(kl_sparsity_penalty, "kl_sparsity_penalty")
    rng = np.random.default_rng(5)
    for rho, scale in ((0.05, 0.3), (0.2, 0.9)):
        codes = (rng.random((64, 20)) * scale).astype(np.float32)
        before = codes.copy()
        shown = f"kl_sparsity_penalty(codes, rho={rho})"
        found = require_number(call_function(fn, codes, rho, name=shown), shown)
        if not np.array_equal(codes, before):
            raise Incorrect("Your function changed the `codes` array it was given. Clip a copy "
                            "(`np.clip(...)` returns a new array) instead of clipping in place.")
        expected = _reference_kl(codes, rho)
        if np.isclose(found, expected, rtol=1e-3, atol=1e-5):
            continue
        per_image = np.clip(codes.astype(np.float64).mean(axis=1), 1e-6, 1 - 1e-6)
        rho_hat = codes.astype(np.float64).mean(axis=0)
        mistakes = [
            (_kl(rho, per_image).sum(), "rho_hat should be the mean of each *unit* over the "
             "batch (`codes.mean(axis=0)`), not the mean of each image."),
            (expected / codes.shape[1], "That is the mean over units; Ng's penalty *sums* "
             "KL(rho || rho_hat_j) over the units j."),
            (float((rho_hat * np.log(rho_hat / rho) + (1 - rho_hat)
                    * np.log((1 - rho_hat) / (1 - rho))).sum()),
             "The KL divergence is the wrong way round: use KL(rho || rho_hat) = "
             "rho log(rho / rho_hat) + (1 - rho) log((1 - rho) / (1 - rho_hat))."),
            (float((rho * np.log(rho / rho_hat)).sum()), "The second term, "
             "(1 - rho) log((1 - rho) / (1 - rho_hat)), is missing."),
        ]
        explain_mismatch(
            found, mistakes, rtol=1e-3,
            prefix=f"With rho={rho}: expected {expected:.5g}, found {found:.5g}.",
            otherwise="Compute rho_hat = codes.mean(axis=0), then sum KL(rho || rho_hat) over "
            "units.",
        )
    # Edge cases: units that are always off (0) or always on (1) must not give NaN or inf.
    for value, rho_hat_near, words in ((0.0, 0.01, "exactly 0"), (1.0, 0.99, "exactly 1")):
        codes = np.full((8, 5), value, dtype=np.float32)
        found = call_function(fn, codes, 0.05, name="kl_sparsity_penalty(codes, 0.05)")
        array = require_array(found, f"The penalty for codes that are all {words}", finite=False)
        if array.size != 1 or not np.isfinite(array).all():
            raise Incorrect(
                f"When every code is {words}, the penalty is {array.ravel()[:3]}: log(0) gives "
                "inf or NaN. Clip rho_hat into [1e-6, 1 - 1e-6] before taking logs."
            )
        at_least = 5 * float(_kl(0.05, np.array(rho_hat_near)))
        if float(array.reshape(())) < at_least:
            found_text, target = distinct_numbers(float(array.reshape(())), at_least)
            raise Incorrect(
                f"When every code is {words}, the penalty should be large (at least "
                f"{target}); found {found_text}. Clip rho_hat only a tiny bit, e.g. into "
                "[1e-6, 1 - 1e-6]."
            )
    return "Matches the reference, and codes of exactly 0 or 1 give a finite penalty."


# -- build_sparse_autoencoder --------------------------------------------------------------------
TARGET_ACTIVE = 35.0  # mean active units per held-out image (of 100), code > ACTIVE_THRESHOLD
TARGET_DEAD = 10  # units never active on the held-out images
TARGET_MSE = 0.050  # held-out reconstruction MSE
ACTIVE_THRESHOLD = 0.1
CODE_UNITS = 100
CHECK_EPOCHS, CHECK_BATCH, CHECK_LEARNING_RATE = 5, 50, 1e-2


def _check_images() -> tuple[np.ndarray, np.ndarray]:
    """1,000 training and 500 held-out images from the bundled MNIST subset, always the same."""
    return bundled_image_split(5, 1000, 500)


def _snapshot(model) -> list[np.ndarray]:
    """Copies of all the model's weights, to compare after training."""
    import keras

    return [keras.ops.convert_to_numpy(w).copy() for w in model.weights]


def _unchanged_kernels(model, before: list[np.ndarray]) -> list[str]:
    """Paths of the kernels that training left exactly as they were (frozen weights)."""
    import keras

    return [w.path for w, old in zip(model.weights, before, strict=True)
            if w.path.endswith("kernel") and np.array_equal(keras.ops.convert_to_numpy(w), old)]


def train_for_check(model):
    """Compile and train ``model`` the way the check does; returns (held-out MSE, codes)."""
    import keras

    x_train, x_val = _check_images()
    model.compile(optimizer=keras.optimizers.Adam(CHECK_LEARNING_RATE), loss="mse")
    before = _snapshot(model)
    call_learner(model.fit, x_train, x_train, epochs=CHECK_EPOCHS, batch_size=CHECK_BATCH,
                 verbose=0, shuffle=True, name="model.fit (the check trains your model)")
    frozen = _unchanged_kernels(model, before)
    if frozen:
        raise Incorrect(f"The check trained your model, but {len(frozen)} weight matrices did not "
                        f"change (e.g. {frozen[0]}): is trainable set to False somewhere?")
    reconstructions = keras.ops.convert_to_numpy(model(x_val))
    codes = keras.ops.convert_to_numpy(model.encoder(x_val))
    return float(np.mean((reconstructions - x_val) ** 2)), codes


def _check_build_sparse_autoencoder(build_sparse_autoencoder) -> str:
    import keras

    from ..sparsity import activity_stats

    fn = require_function(build_sparse_autoencoder, "build_sparse_autoencoder")
    keras.utils.set_random_seed(0)
    model = require_model(call_function(fn, name="build_sparse_autoencoder()"),
                          "build_sparse_autoencoder()")
    encoder = getattr(model, "encoder", None)
    if not isinstance(encoder, keras.layers.Layer):
        raise Incorrect("The model needs an `.encoder` (the check counts active code units); "
                        "build it with `dense_autoencoder(...)` from `course_utils.models`.")
    probe = np.random.default_rng(0).random((3, 28, 28), dtype=np.float32)
    output = call_learner(model, probe, name="model(images)")
    require_array(output, "The model's output for 3 images", shape=(3, 28, 28))
    codes = require_array(call_learner(encoder, probe, name="model.encoder(images)"),
                          "The codes of 3 images", shape=(3, None))
    if codes.shape[1] != CODE_UNITS:
        raise Incorrect(f"The code should have {CODE_UNITS} units; found {codes.shape[1]}. Use "
                        f"`dense_autoencoder({CODE_UNITS}, hidden=(), ...)`.")
    if codes.min() < 0 or codes.max() > 1:
        raise Incorrect("Codes should lie in [0, 1] so that 'active' (code > 0.1) and the KL "
                        "target mean the same in every model: use `code_activation='sigmoid'`.")
    mse, codes = train_for_check(model)
    if not np.isfinite(mse):
        raise Incorrect("Training gave NaN: is the penalty weight very large?")
    stats = activity_stats(codes, ACTIVE_THRESHOLD)
    measured = (f"After the check's training: {stats.mean_active:.1f} active units per held-out "
                f"image, {stats.dead_units} dead units, held-out MSE {mse:.4f}.")
    if stats.mean_active > TARGET_ACTIVE:
        found_text, target = distinct_numbers(stats.mean_active, TARGET_ACTIVE)
        raise Incorrect(f"{measured} The target is at most {target} active units (found "
                        f"{found_text}): add a "
                        "sparsity penalty (`activity_regularizer=KLSparsity(rho, weight)`) or "
                        "make it stronger (smaller rho, larger weight).")
    if stats.dead_units > TARGET_DEAD:
        raise Incorrect(f"{measured} At most {TARGET_DEAD} units may be dead (never active); found "
                        f"{stats.dead_units}: an "
                        "L1 activity penalty switches units off for good; the KL penalty keeps "
                        "every unit near its target rate. Try `KLSparsity`.")
    if mse > TARGET_MSE:
        found_text, target = distinct_numbers(mse, TARGET_MSE)
        raise Incorrect(f"{measured} The MSE must be at most {target} (found {found_text}): the "
                        "penalty is so "
                        "strong that the codes carry too little. Lower the weight or raise rho.")
    return f"{measured} Sparse, alive and still a good reconstruction."


# -- l2_strength ---------------------------------------------------------------------------------
L2_IMAGES = 100  # training images: few, so that an unpenalised model learns them by heart
L2_STEPS = 200  # full-batch Adam steps
L2_LEARNING_RATE = 3e-3
L2_TARGET_MSE = 0.045  # held-out MSE the chosen strength must reach


def train_with_l2(images, strength: float, *, seed: int = 0):
    """The recipe of exercise 4: a 784-128-32-128-784 autoencoder with ``L2(strength)`` on every
    kernel, trained with Adam (learning rate 3e-3) for 200 full-batch steps on ``images``.

    The check trains exactly this way, on its own images, and measures on others.
    """
    import keras

    from ..models import dense_autoencoder

    images = np.asarray(images, dtype=np.float32)
    keras.utils.set_random_seed(seed)
    penalty = keras.regularizers.L2(strength) if strength > 0 else None
    model = dense_autoencoder(32, hidden=(128,), kernel_regularizer=penalty)
    # Several steps per call of the compiled train function: faster, and the same arithmetic.
    model.compile(optimizer=keras.optimizers.Adam(L2_LEARNING_RATE), loss="mse",
                  steps_per_execution=L2_STEPS // 4)
    repeated = np.concatenate([images] * L2_STEPS)  # one epoch of L2_STEPS full batches
    model.fit(repeated, repeated, epochs=1, batch_size=len(images), shuffle=False, verbose=0)
    return model


def _mse(model, inputs: np.ndarray, targets: np.ndarray | None = None) -> float:
    import keras

    targets = inputs if targets is None else targets
    outputs = keras.ops.convert_to_numpy(model(inputs))
    return float(np.mean((outputs.reshape(targets.shape) - targets) ** 2))


@functools.cache
def _l2_result(strength: float) -> tuple[float, float]:
    """(training MSE, held-out MSE) of the exercise-4 recipe on the check's images."""
    x_train, x_held_out = _check_images()
    model = train_with_l2(x_train[:L2_IMAGES], strength)
    return _mse(model, x_train[:L2_IMAGES]), _mse(model, x_held_out)


def _check_l2_strength(strength) -> str:
    if hasattr(strength, "get_config") and not isinstance(strength, (int, float)):
        raise Incorrect(f"L2_STRENGTH should be the number you chose (e.g. 1e-5); found "
                        f"{describe(strength)}. Pass the strength itself, not a regulariser.")
    found = require_number(strength, "L2_STRENGTH")
    if found < 0:
        raise Incorrect(f"L2_STRENGTH is {found:g}: a penalty strength cannot be negative.")
    if found > 1.0:
        raise Incorrect(f"L2_STRENGTH is {found:g}: far too strong (typical strengths lie between "
                        "1e-6 and 1e-2). Did you return a validation MSE or a grid index?")
    train_mse, held_out = _l2_result(found)
    shown, target = distinct_numbers(held_out, L2_TARGET_MSE)
    measured = (f"With L2({found:g}) the check's model reached training MSE {train_mse:.4f} and "
                f"held-out MSE {shown}.")
    if held_out <= L2_TARGET_MSE:
        return f"{measured} That meets the target of {target}."
    if held_out - train_mse > 0.015:
        raise Incorrect(f"{measured} The target is at most {target}. The model learned its "
                        f"{L2_IMAGES} training images far better than new ones: the penalty is "
                        "too weak. Choose by the validation MSE, not the training MSE.")
    raise Incorrect(f"{measured} The target is at most {target}. Training and held-out errors "
                    "are close and both high: the penalty is so strong that the model underfits. "
                    "A small train/validation gap is not the goal in itself: choose the strength "
                    "with the lowest validation MSE.")


# -- train_denoiser ------------------------------------------------------------------------------
DENOISE_STD = 0.4
DENOISE_TARGET_MSE = 0.036  # held-out MSE of the denoised noisy images against the clean ones
SECOND_STD = 0.25  # the second call's noise level: a hard-coded 0.4 shows
SECOND_IMAGES = 200  # the second call's images: other digits, mirrored, unlike any global


class _FitRecorder:
    """Wraps ``keras.Model.fit`` while the learner's function runs: notes the first batch it was
    given, whether the weights changed and whether the fitted model adds GaussianNoise itself."""

    def __init__(self):
        self.calls = 0
        self.batch = None  # (inputs, targets) as float64 arrays of shape (n, 784)
        self.frozen = []  # paths of weights that did not change during a fit
        self.noise_layer = False  # a keras.layers.GaussianNoise inside the fitted model

    def __enter__(self):
        import keras

        self._original = original = keras.Model.fit
        recorder = self

        def fit(model, *args, **kwargs):
            x = args[0] if args else kwargs.get("x")
            y = args[1] if len(args) > 1 else kwargs.get("y")
            recorder.note(x, y)
            recorder.noise_layer |= _has_gaussian_noise(model)
            before = _snapshot(model)
            history = original(model, *args, **kwargs)
            recorder.calls += 1
            if len(before) == len(model.weights):  # else the model was built during fit
                recorder.frozen += _unchanged_kernels(model, before)
            return history

        keras.Model.fit = fit
        return self

    def __exit__(self, *exc):
        import keras

        keras.Model.fit = self._original
        return False

    def note(self, x, y) -> None:
        if self.batch is not None:
            return
        try:
            import keras

            if isinstance(x, keras.utils.PyDataset):
                x, y = x[0][:2]
            if y is None:
                return
            inputs = np.asarray(keras.ops.convert_to_numpy(x), dtype=np.float64)[:200]
            targets = np.asarray(keras.ops.convert_to_numpy(y), dtype=np.float64)[:200]
            if inputs.shape != targets.shape or len(inputs) < 2:
                return
            self.batch = inputs.reshape(len(inputs), -1), targets.reshape(len(targets), -1)
        except Exception:  # noqa: BLE001 - a data source we cannot read: no diagnosis, no harm
            self.batch = None


def _has_gaussian_noise(model) -> bool:
    import keras

    try:
        layers = model._flatten_layers(include_self=True, recursive=True)
        return any(isinstance(layer, keras.layers.GaussianNoise) for layer in layers)
    except Exception:  # noqa: BLE001 - a model we cannot walk: no diagnosis, no harm
        return False


def _same_noise_everywhere(inputs: np.ndarray, targets: np.ndarray) -> bool:
    """True when every image got the same noise pattern (compared where no clipping happened)."""
    noise = inputs - targets
    inside = (inputs > 0) & (inputs < 1)
    pairs = [(i, i + 1) for i in range(min(len(inputs) - 1, 5))]
    compared = 0
    for i, j in pairs:
        both = inside[i] & inside[j]
        if both.sum() < 50:
            continue
        if not np.allclose(noise[i, both], noise[j, both], atol=1e-5):
            return False
        compared += 1
    return compared > 0


def _one_value_per_image(inputs: np.ndarray, targets: np.ndarray) -> bool:
    """True when each image's noise is one number (the same on all its unclipped pixels)."""
    noise = inputs - targets
    inside = (inputs > 0) & (inputs < 1)
    compared = 0
    for i in range(min(len(inputs), 10)):
        if inside[i].sum() < 20:
            continue
        values = noise[i, inside[i]]
        if np.ptp(values) > 1e-4 or abs(values.mean()) < 1e-3:  # varied, or no noise at all
            return False
        compared += 1
    return compared > 0


def _rows_among(rows: np.ndarray, images: np.ndarray) -> bool:
    """True when every row equals (to float32 precision) one of the flattened ``images``."""
    flat = images.reshape(len(images), -1).astype(np.float64)
    distances = (np.square(rows).sum(1)[:, None] + np.square(flat).sum(1)[None, :]
                 - 2 * rows @ flat.T)
    return bool(np.all(distances.min(axis=1) < 1e-6))


def _diagnose_training_pairs(batch, std: float, images: np.ndarray, other_std: float,
                             noise_layer: bool) -> None:
    inputs, targets = batch
    if targets.max() <= 1.0 / 255 + 1e-6 and targets.max() > 0:
        raise Incorrect("The targets your model was trained on are at most 1/255: the images "
                        "were divided by 255 again, although they already lie in [0, 1].")
    if np.allclose(inputs, targets, atol=1e-6):
        if noise_layer:
            raise Incorrect(
                "Your model adds its noise itself with a keras.layers.GaussianNoise layer, and "
                "fit got the clean images as inputs. That layer's noise is not clipped: in "
                "training your model sees pixel values below 0 and above 1, which the noisy "
                "images the exercise describes (clipped into [0, 1]) never have. Make the noisy "
                "copies yourself (add_gaussian_noise from course_utils.noise, or np.clip(images "
                "+ noise, 0, 1); NoisyBatches draws fresh ones each epoch) and fit(noisy, clean)."
            )
        raise Incorrect("Your model was trained with inputs equal to its targets (clean images "
                        "in, clean images out?). A denoising autoencoder learns from (noisy "
                        "input, clean target) pairs: fit(noisy, clean).")
    if not _rows_among(targets, images):
        if _rows_among(inputs, images):
            raise Incorrect("Your model was trained on (clean input, noisy target) pairs: the "
                            "arguments of fit are swapped. Use fit(noisy, clean).")
        raise Incorrect("The targets your model was trained on are not the `images` your "
                        "function was given: the check called it with its own images, and it "
                        "trained on others (the notebook's x_fit?). Build the noisy copies and "
                        "the targets from the `images` argument.")
    if inputs.min() < -1e-6 or inputs.max() > 1 + 1e-6:
        raise Incorrect(f"The noisy training inputs range from {inputs.min():.3g} to "
                        f"{inputs.max():.3g}: clip them into [0, 1], as real pixels are "
                        "(np.clip(noisy, 0, 1), or add_gaussian_noise from course_utils.noise).")
    if _one_value_per_image(inputs, targets):
        raise Incorrect("Each training image got a single noise value, added to all its pixels "
                        "(a brighter or darker image, not a noisy one): draw one independent "
                        "value per pixel, noise of shape images.shape.")
    if _same_noise_everywhere(inputs, targets):
        raise Incorrect("Every training image got the same noise pattern: draw noise of the full "
                        "shape images.shape (one independent value per pixel of every image), "
                        "not of a single 28x28 image.")
    background = targets == 0
    if background.sum() < 1000:
        return
    # On a blank pixel the noisy value is clip(noise, 0, 1): zero-mean noise leaves about half of
    # them at exactly 0, and the positive half has the median of a half-normal, 0.674 std.
    blank = inputs[background]
    at_zero = float(np.mean(blank == 0))
    if at_zero < 0.25:
        raise Incorrect(f"On blank pixels of your training inputs the noise was almost never "
                        f"negative (only {at_zero:.0%} stayed at 0; zero-mean noise leaves about "
                        "half of them at 0 after clipping). Gaussian noise has mean 0: "
                        "rng.normal(0, std, images.shape), not rng.random or rng.uniform(0, ...).")
    positive = blank[blank > 0]
    estimate = float(np.median(positive)) / 0.6745 if positive.size > 100 else 0.0
    if 0.8 * std < estimate < 1.25 * std:
        return
    if abs(estimate - other_std) < 0.15 * other_std:
        raise Incorrect(f"The check called train_denoiser(images, std={std}), but the noise "
                        f"in your training inputs has a standard deviation of about "
                        f"{estimate:.2g}, the std of the check's other call ({other_std}): your "
                        "function seems to use a fixed noise level. Use the `std` argument.")
    raise Incorrect(f"The check asked for noise with standard deviation {std}, but the noise on "
                    f"blank pixels of your training inputs looks like a standard deviation of "
                    f"about {estimate:.2g}. Pass std as the scale of rng.normal (not std**2), and "
                    "add it to every pixel.")


@functools.cache
def _denoise_test_set() -> tuple[np.ndarray, np.ndarray]:
    from ..noise import add_gaussian_noise

    _, x_held_out = _check_images()
    return add_gaussian_noise(x_held_out, DENOISE_STD, rng=2024), x_held_out


def _second_images() -> np.ndarray:
    """Other digits than the first call's, mirrored left to right: no global array has them."""
    images, _ = bundled_image_split(6, SECOND_IMAGES, 0)
    return np.ascontiguousarray(images[:, :, ::-1])


def _train_once(fn, images: np.ndarray, std: float, other_std: float):
    """Call the learner's train_denoiser(images, std) and diagnose what it trained on."""
    import keras

    given = images.copy()
    keras.utils.set_random_seed(0)
    shown = f"train_denoiser(images, std={std})"
    with _FitRecorder() as recorder:
        model = call_function(fn, given, std, name=shown)
    model = require_model(model, shown)
    if not np.array_equal(given, images):
        raise Incorrect("train_denoiser changed the clean images it was given. Make noisy "
                        "copies (images + noise returns a new array) and keep the clean ones as "
                        "targets.")
    if recorder.frozen:
        raise Incorrect(f"During fit, {len(recorder.frozen)} weight matrices did not change "
                        f"(e.g. {recorder.frozen[0]}): is trainable set to False somewhere?")
    if recorder.batch is not None:
        _diagnose_training_pairs(recorder.batch, std, images, other_std, recorder.noise_layer)
    return model, recorder


def _check_train_denoiser(train_denoiser) -> str:
    fn = require_function(train_denoiser, "train_denoiser")
    x_train, _ = _check_images()
    model, recorder = _train_once(fn, x_train, DENOISE_STD, SECOND_STD)
    # A second call, with other images and another noise level: an answer that ignores an
    # argument (the notebook's images, a fixed std) trains on the wrong pairs.
    _train_once(fn, _second_images(), SECOND_STD, DENOISE_STD)
    noisy, clean = _denoise_test_set()
    outputs = require_array(call_learner(model, noisy, name="model(noisy_images)"),
                            "The model's output for 500 noisy images", shape=(500, None, None))
    found = float(np.mean((outputs.reshape(clean.shape) - clean) ** 2))
    found_text, target = distinct_numbers(found, DENOISE_TARGET_MSE)
    measured = (f"On 500 held-out images with noise of std {DENOISE_STD}, the MSE of your "
                f"model's output against the clean images is {found_text}")
    if found > DENOISE_TARGET_MSE:
        if recorder.calls == 0:
            raise Incorrect(f"{measured}; the target is at most {target}. The model was never "
                            "trained with model.fit: did you call fit?")
        raise Incorrect(f"{measured}; the target is at most {target}. Train longer (more "
                        "epochs), with fresh noise each epoch (NoisyBatches from "
                        "course_utils.noise), or try a larger learning rate such as 3e-3.")
    return (f"{measured}; the target was at most {target}. A second call, with "
            f"{SECOND_IMAGES} other images and std={SECOND_STD}, trained on the right pairs too.")


weight_penalty = Exercise(
    lesson=LESSON,
    name="weight_penalty",
    title="the L1/L2 penalty Keras adds, by hand",
    checker=_check_weight_penalty,
    hints=[
        "Loop over `model.weights`; a weight's `.path` (e.g. 'encoder/dense/kernel') tells you "
        "whether it is a kernel. Biases are not penalised.",
        "For each kernel `w = keras.ops.convert_to_numpy(weight)`, add "
        "`l1 * np.abs(w).sum() + l2 * np.square(w).sum()`.",
        "`return sum(l1 * np.abs(w).sum() + l2 * np.square(w).sum() for w in "
        "(keras.ops.convert_to_numpy(v) for v in model.weights if v.path.endswith('kernel')))`",
    ],
)

kl_sparsity_penalty = Exercise(
    lesson=LESSON,
    name="kl_sparsity_penalty",
    title="the KL target-sparsity penalty",
    checker=_check_kl_sparsity_penalty,
    hints=[
        "rho_hat_j is the average activation of unit j over the batch: one number per column of "
        "`codes`.",
        "Clip rho_hat into [1e-6, 1 - 1e-6] so that log(0) never happens, then add up "
        "rho * log(rho / rho_hat) + (1 - rho) * log((1 - rho) / (1 - rho_hat)) over the units.",
        "`rho_hat = np.clip(codes.mean(axis=0), 1e-6, 1 - 1e-6)` and `return np.sum(rho * "
        "np.log(rho / rho_hat) + (1 - rho) * np.log((1 - rho) / (1 - rho_hat)))`",
    ],
)

build_sparse_autoencoder = Exercise(
    lesson=LESSON,
    name="build_sparse_autoencoder",
    title="a sparse autoencoder that meets a held-out target",
    checker=_check_build_sparse_autoencoder,
    hints=[
        "Start from `dense_autoencoder(100, hidden=(), code_activation='sigmoid')` and add an "
        "`activity_regularizer`. Without one, about 90 of the 100 units are active per image.",
        "`KLSparsity(rho=0.05, weight=...)`: a weight around 1e-3 to 1e-2 balances sparsity "
        "against the MSE. Too large, and the reconstructions suffer.",
        "`return dense_autoencoder(100, hidden=(), code_activation='sigmoid', "
        "activity_regularizer=KLSparsity(rho=0.05, weight=3e-3))`",
    ],
)

l2_strength = Exercise(
    lesson=LESSON,
    name="l2_strength",
    title="an L2 strength chosen on validation images",
    checker=_check_l2_strength,
    hints=[
        "For each strength in STRENGTHS: model = checks.train_with_l2(x_few, strength), then "
        "the MSE of model(x_val) against x_val. Put the numbers in a table or a dict.",
        "Too weak a penalty and the model learns its 100 images by heart (low training MSE, "
        "high validation MSE); too strong and both errors are high. Take the strength with the "
        "lowest validation MSE.",
        "min(results, key=lambda s: results[s]) picks the key of a dict {strength: validation "
        "MSE} with the smallest value.",
    ],
)

train_denoiser = Exercise(
    lesson=LESSON,
    name="train_denoiser",
    title="a denoising autoencoder that meets a robustness target",
    checker=_check_train_denoiser,
    hints=[
        "Inputs: noisy copies of the images (fresh noise of std `std` for every pixel of every "
        "image, clipped into [0, 1]); targets: the clean images.",
        "NoisyBatches(images, partial(add_gaussian_noise, std=std), batch_size=100, seed=0) "
        "gives fit such pairs with new noise every epoch; pass it as the only data argument.",
        "dense_autoencoder(32, hidden=(128,)) compiled with Adam(3e-3) and MSE, then about 20 "
        "epochs of NoisyBatches with batch size 100.",
    ],
)


EXERCISES = (
    weight_penalty,
    kl_sparsity_penalty,
    build_sparse_autoencoder,
    l2_strength,
    train_denoiser,
)
