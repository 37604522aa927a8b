"""Checks for lesson 05, "Regularisation, sparsity and denoising"."""

from __future__ import annotations

import functools

import numpy as np

from .exercise import Exercise
from .validate import (
    Incorrect,
    call_learner,
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
    return model




def _explain_mismatch(found: float, mistakes, *, rtol: float, prefix: str, otherwise: str):
    """Raise Incorrect naming the first typical mistake whose value matches ``found``."""
    for value, message in mistakes:
        if np.isclose(found, value, rtol=rtol):
            raise Incorrect(f"{prefix} {message}")
    raise Incorrect(f"{prefix} {otherwise}")


def _check_weight_penalty(weight_penalty) -> str:
    fn = require_function(weight_penalty, "weight_penalty")
    for seed, (l1, l2) in enumerate(((0.0, 1e-2), (1e-3, 0.0), (2e-3, 5e-3))):
        model = _small_model(seed)
        kernels, biases = _kernels_and_biases(model)
        shown = f"weight_penalty(model, l1={l1}, l2={l2})"
        found = require_number(call_learner(fn, model, l1, l2, name=shown), shown)
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
            (sum(l1 * np.abs(k).sum() + l2 * np.sqrt(np.square(k).sum()) for k in kernels),
             "For L2 you took the norm (a square root); the penalty uses the squared weights, "
             "`sum(w**2)`, without a root."),
        ]
        _explain_mismatch(
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
        found = require_number(call_learner(fn, codes, rho, name=shown), shown)
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
        _explain_mismatch(
            found, mistakes, rtol=1e-3,
            prefix=f"With rho={rho}: expected {expected:.5g}, found {found:.5g}.",
            otherwise="Compute rho_hat = codes.mean(axis=0), then sum KL(rho || rho_hat) over "
            "units.",
        )
    # Edge cases: units that are always off (0) or always on (1) must not give NaN or inf.
    for value, rho_hat_near, words in ((0.0, 0.01, "exactly 0"), (1.0, 0.99, "exactly 1")):
        codes = np.full((8, 5), value, dtype=np.float32)
        found = call_learner(fn, codes, 0.05, name="kl_sparsity_penalty(codes, 0.05)")
        array = require_array(found, f"The penalty for codes that are all {words}", finite=False)
        if array.size != 1 or not np.isfinite(array).all():
            raise Incorrect(
                f"When every code is {words}, the penalty is {array.ravel()[:3]}: log(0) gives "
                "inf or NaN. Clip rho_hat into [1e-6, 1 - 1e-6] before taking logs."
            )
        at_least = 5 * float(_kl(0.05, np.array(rho_hat_near)))
        if float(array.reshape(())) < at_least:
            raise Incorrect(
                f"When every code is {words}, the penalty should be large (at least "
                f"{at_least:.3g}); found {float(array.reshape(())):.3g}. Clip rho_hat only a "
                "tiny bit, e.g. into [1e-6, 1 - 1e-6]."
            )
    return "Matches the reference, and codes of exactly 0 or 1 give a finite penalty."


# -- build_sparse_autoencoder --------------------------------------------------------------------
TARGET_ACTIVE = 35.0  # mean active units per held-out image (of 100), code > ACTIVE_THRESHOLD
TARGET_DEAD = 10  # units never active on the held-out images
TARGET_MSE = 0.050  # held-out reconstruction MSE
ACTIVE_THRESHOLD = 0.1
CODE_UNITS = 100
CHECK_EPOCHS, CHECK_BATCH, CHECK_LEARNING_RATE = 5, 50, 1e-2


@functools.cache
def _check_images() -> tuple[np.ndarray, np.ndarray]:
    """1,000 training and 500 held-out images from the bundled MNIST subset, always the same."""
    from ..data import load_bundled_mnist

    images, _ = load_bundled_mnist()
    order = np.random.default_rng(5).permutation(len(images))
    x = images.astype(np.float32) / np.float32(255.0)
    return x[order[:1000]], x[order[1000:1500]]


def train_for_check(model):
    """Compile and train ``model`` the way the check does; returns (held-out MSE, codes)."""
    import keras

    x_train, x_val = _check_images()
    model.compile(optimizer=keras.optimizers.Adam(CHECK_LEARNING_RATE), loss="mse")
    call_learner(model.fit, x_train, x_train, epochs=CHECK_EPOCHS, batch_size=CHECK_BATCH,
                 verbose=0, shuffle=True, name="model.fit (the check trains your model)")
    reconstructions = keras.ops.convert_to_numpy(model(x_val))
    codes = keras.ops.convert_to_numpy(model.encoder(x_val))
    return float(np.mean((reconstructions - x_val) ** 2)), codes


def _check_build_sparse_autoencoder(build_sparse_autoencoder) -> str:
    import keras

    from ..sparsity import activity_stats

    fn = require_function(build_sparse_autoencoder, "build_sparse_autoencoder")
    keras.utils.set_random_seed(0)
    model = require_model(call_learner(fn, name="build_sparse_autoencoder()"),
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
        raise Incorrect(f"{measured} The target is at most {TARGET_ACTIVE:g} active units: add a "
                        "sparsity penalty (`activity_regularizer=KLSparsity(rho, weight)`) or "
                        "make it stronger (smaller rho, larger weight).")
    if stats.dead_units > TARGET_DEAD:
        raise Incorrect(f"{measured} At most {TARGET_DEAD} units may be dead (never active): an "
                        "L1 activity penalty switches units off for good; the KL penalty keeps "
                        "every unit near its target rate. Try `KLSparsity`.")
    if mse > TARGET_MSE:
        raise Incorrect(f"{measured} The MSE must be at most {TARGET_MSE:g}: the penalty is so "
                        "strong that the codes carry too little. Lower the weight or raise rho.")
    return f"{measured} Sparse, alive and still a good reconstruction."


# -- add_gaussian_noise and add_masking_noise ---------------------------------------------------
def _noise_input(seed: int, low: float) -> np.ndarray:
    return np.random.default_rng(seed).uniform(low, 0.8, (200, 28, 28)).astype(np.float32)


def _run_noise(fn, images: np.ndarray, level: float, seed: int, label: str) -> np.ndarray:
    before = images.copy()
    out = call_learner(fn, images, level, np.random.default_rng(seed), name=label)
    if not np.array_equal(images, before):
        raise Incorrect(f"`{label}` changed the images it was given. Work on a copy: "
                        "`images + noise` and `np.where(...)` return new arrays.")
    out = require_array(out, f"The result of `{label}`", shape=images.shape)
    if not np.issubdtype(out.dtype, np.floating):
        raise Incorrect(f"The result should hold floats (pixels in [0, 1]); found {out.dtype}.")
    return out.astype(np.float64)


def _check_reproducible(fn, images: np.ndarray, level: float, label: str) -> None:
    first = _run_noise(fn, images, level, 123, label)
    second = _run_noise(fn, images, level, 123, label)
    if not np.array_equal(first, second):
        raise Incorrect("Two calls with `np.random.default_rng(123)` gave different noise: draw "
                        "the noise from the `rng` argument (e.g. `rng.normal(...)`, "
                        "`rng.random(...)`), not from `np.random` directly.")
    other = _run_noise(fn, images, level, 124, label)
    if np.array_equal(first, other):
        raise Incorrect("Different generators gave the same noise: your function ignores `rng` "
                        "(a fixed seed inside?). Draw the noise from the `rng` it receives.")


def _check_add_gaussian_noise(add_gaussian_noise) -> str:
    fn = require_function(add_gaussian_noise, "add_gaussian_noise")
    for std in (0.05, 0.02):
        images = _noise_input(7, 0.3)
        label = f"add_gaussian_noise(images, {std}, rng)"
        noise = _run_noise(fn, images, std, 1, label) - images
        if np.allclose(noise, 0):
            raise Incorrect(f"With std={std} the images came back unchanged: add noise.")
        found_std = float(noise.std())
        if np.isclose(found_std, std**2, rtol=0.1):
            raise Incorrect(f"The noise has standard deviation {found_std:.4g}, about std² "
                            f"= {std**2:.4g}: pass the standard deviation (`scale=std`), not "
                            "the variance.")
        if not np.isclose(found_std, std, rtol=0.05):
            raise Incorrect(f"With std={std}, the added noise should have standard deviation "
                            f"{std}; found {found_std:.4g}.")
        if abs(float(noise.mean())) > 0.1 * std:
            raise Incorrect(f"The noise should have mean 0; found {float(noise.mean()):.4g}. "
                            "Draw from N(0, std²), e.g. `rng.normal(0.0, std, images.shape)`.")
        if np.allclose(noise[0], noise[1]):
            raise Incorrect("Every image got the same noise: draw noise of the full shape "
                            "`images.shape`, not of one image.")
    _check_reproducible(fn, _noise_input(8, 0.3), 0.1, "add_gaussian_noise(images, 0.1, rng)")
    # Heavy noise on mid-grey images: clipping, not rescaling, to [0, 1].
    grey = np.full((100, 28, 28), 0.5, dtype=np.float32)
    out = _run_noise(fn, grey, 1.0, 2, "add_gaussian_noise(grey_images, 1.0, rng)")
    if out.min() < 0 or out.max() > 1:
        raise Incorrect(f"With std=1 the noisy pixels range from {out.min():.3g} to "
                        f"{out.max():.3g}: clip them into [0, 1] with `np.clip(noisy, 0, 1)`.")
    at_zero, at_one = float((out == 0).mean()), float((out == 1).mean())
    if not (0.27 < at_zero < 0.35 and 0.27 < at_one < 0.35):
        raise Incorrect(f"Grey pixels (0.5) with std=1 noise should end up exactly 0 about 31% "
                        f"of the time and exactly 1 as often (clipping); found {100 * at_zero:.0f}"
                        f"% and {100 * at_one:.0f}%. Clip with `np.clip`; do not rescale.")
    return "Right spread, clipped to [0, 1], reproducible from `rng`, input untouched."


def _check_add_masking_noise(add_masking_noise) -> str:
    fn = require_function(add_masking_noise, "add_masking_noise")
    for fraction in (0.3, 0.75):
        images = _noise_input(9, 0.2)  # no pixel is 0 to begin with
        label = f"add_masking_noise(images, {fraction}, rng)"
        out = _run_noise(fn, images, fraction, 3, label)
        dropped = out == 0
        if np.array_equal(dropped[0], dropped[1]) and dropped.any():
            raise Incorrect("The same pixels were dropped in every image: draw the mask with the "
                            "full shape `images.shape`.")
        share = float(dropped.mean())
        if np.isclose(share, 1 - fraction, atol=0.01):
            raise Incorrect(f"With fraction={fraction}, {100 * share:.1f}% of the pixels became 0: "
                            "you kept that fraction instead of dropping it. Drop a pixel when "
                            "`rng.random(shape) < fraction`.")
        if not np.isclose(share, fraction, atol=0.01):
            raise Incorrect(f"With fraction={fraction}, {100 * fraction:.0f}% of the pixels should "
                            f"become 0; found {100 * share:.1f}%.")
        if not np.allclose(out[~dropped], images[~dropped], atol=1e-6):
            raise Incorrect("Pixels that were not dropped changed value. Masking noise leaves "
                            "them as they are (no 1/(1 - fraction) rescaling as in dropout).")
    images = _noise_input(10, 0.2)
    if not np.allclose(_run_noise(fn, images, 0.0, 4, "add_masking_noise(images, 0.0, rng)"),
                       images):
        raise Incorrect("With fraction=0 the images should come back unchanged.")
    if np.any(_run_noise(fn, images, 1.0, 4, "add_masking_noise(images, 1.0, rng)") != 0):
        raise Incorrect("With fraction=1 every pixel should be dropped (set to 0).")
    _check_reproducible(fn, images, 0.5, "add_masking_noise(images, 0.5, rng)")
    return "The right share of pixels dropped, the rest untouched, reproducible from `rng`."


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

add_gaussian_noise = Exercise(
    lesson=LESSON,
    name="add_gaussian_noise",
    title="Gaussian noise, clipped and reproducible",
    checker=_check_add_gaussian_noise,
    hints=[
        "Draw noise of the same shape as the images from the generator you are given: "
        "`rng.normal(0.0, std, size=images.shape)`.",
        "Add it to the images (a new array; the input stays as it is) and clip into [0, 1].",
        "`return np.clip(images + rng.normal(0.0, std, size=images.shape), 0.0, 1.0)"
        ".astype('float32')`",
    ],
)

add_masking_noise = Exercise(
    lesson=LESSON,
    name="add_masking_noise",
    title="masking noise: drop a fraction of the pixels",
    checker=_check_add_masking_noise,
    hints=[
        "Decide for every pixel independently: `rng.random(images.shape)` gives uniform numbers "
        "in [0, 1); a pixel is dropped when its number is below `fraction`.",
        "`np.where(condition, a, b)` picks from `a` where the condition holds, else from `b`, "
        "and returns a new array.",
        "`return np.where(rng.random(images.shape) < fraction, 0.0, images).astype('float32')`",
    ],
)

EXERCISES = (
    weight_penalty,
    kl_sparsity_penalty,
    build_sparse_autoencoder,
    add_gaussian_noise,
    add_masking_noise,
)
