"""Checks for lesson 10, "Interpreting latent spaces"."""

from __future__ import annotations

import functools

import numpy as np

from .common import bundled_image_split, explain_mismatch
from .exercise import Exercise
from .validate import (
    Incorrect,
    call_learner,
    distinct_numbers,
    require_array,
    require_function,
    require_number,
)

LESSON = "10"


def _worst(found: np.ndarray, expected: np.ndarray) -> str:
    gap = np.abs(found - expected)
    index = tuple(int(i) for i in np.unravel_index(int(np.argmax(gap)), gap.shape))
    return f"At index {index} expected {expected[index]:.5g}, found {found[index]:.5g}."


# -- slerp ---------------------------------------------------------------------------------------
def _slerp_reference(a, b, t, omega):
    t = t[:, None]
    return (np.sin((1 - t) * omega) * a + np.sin(t * omega) * b) / np.sin(omega)


def _slerp_cases():
    rng = np.random.default_rng(10)
    prior = rng.normal(size=(2, 8))  # typical prior samples: norms near sqrt(8)
    small = rng.normal(size=(2, 8))
    small = small / np.linalg.norm(small, axis=1, keepdims=True) * np.array([[0.6], [0.9]])
    return [("two prior samples", prior[0], prior[1]), ("two short codes", small[0], small[1])]


def _check_slerp(slerp) -> str:
    fn = require_function(slerp, "slerp")
    t = np.linspace(0.0, 1.0, 7)
    for what, a, b in _slerp_cases():
        shown = "slerp(a, b, t)"
        result = call_learner(fn, a.copy(), b.copy(), t.copy(), name=shown)
        found = require_array(result, f"The result of `{shown}` for {what}",
                              shape=(len(t), len(a)), finite=False).astype(np.float64)
        cosine = a @ b / (np.linalg.norm(a) * np.linalg.norm(b))
        omega = np.arccos(cosine)
        expected = _slerp_reference(a, b, t, omega)
        if np.allclose(found, expected, rtol=1e-4, atol=1e-5):
            continue
        if not np.all(np.isfinite(found)):
            raise Incorrect(f"For {what} your result holds NaN or infinite values. Is the angle "
                            "computed from the *normalised* codes (cosine = a·b / (|a| |b|), "
                            "clipped into [-1, 1] before arccos)?")
        with np.errstate(all="ignore"):
            raw = np.arccos(np.clip(a @ b, -1, 1))
            mistakes = [
                ((1 - t[:, None]) * a + t[:, None] * b, "That is the straight line "
                 "(1 - t) a + t b (lerp). Slerp follows the arc: weights sin((1 - t) w) / sin(w) "
                 "and sin(t w) / sin(w), with w the angle between the codes."),
                (np.sin((1 - t[:, None]) * omega) * a + np.sin(t[:, None] * omega) * b,
                 "The division by sin(w) is missing: without it the path starts and ends short "
                 "of a and b (at t = 0 you get sin(w) * a)."),
                (_slerp_reference(a, b, t, raw), "The angle is arccos(a·b) of the raw codes; "
                 "the cosine of the angle is a·b / (|a| |b|): normalise first."),
                (_slerp_reference(a, b, 1 - t, omega), "a and b are swapped: at t = 0 slerp "
                 "must return a, at t = 1 it must return b."),
                (_slerp_reference(a, b, t, np.degrees(omega)), "The angle is in degrees; "
                 "np.sin expects radians (np.arccos already gives radians)."),
            ]
        explain_mismatch(found, mistakes, rtol=1e-4, atol=1e-6,
                         prefix=f"For {what}: {_worst(found, expected)}",
                         otherwise="Compute w = arccos(a·b / (|a| |b|)), then (sin((1 - t) w) a "
                                   "+ sin(t w) b) / sin(w) for each t (shape (len(t), k)).")
    return ("Your slerp matches the reference for long and short codes; at t = 0 and 1 it returns "
            "the two codes, and between them it follows the arc.")


# -- integrated_gradients ------------------------------------------------------------------------
IG_STEPS = 64


def _cubic_case(seed: int):
    rng = np.random.default_rng(seed)
    w = rng.normal(0.0, 1.0, (28, 28))
    x = rng.uniform(0.0, 1.0, (28, 28))
    baseline = np.full((28, 28), 0.3)

    def f(batch):
        from keras import ops

        return ops.sum(ops.convert_to_tensor(w.astype(np.float32)) * batch ** 3, axis=(1, 2))

    return w, x, baseline, f


def _ig_from_rule(w, x, b, alphas):
    """Attributions with the gradients 3 w p**2 averaged over the path points at ``alphas``."""
    points = b[None] + np.asarray(alphas)[:, None, None] * (x - b)[None]
    return (x - b) * (3 * w * points ** 2).mean(axis=0)


def _check_integrated_gradients(integrated_gradients) -> str:
    fn = require_function(integrated_gradients, "integrated_gradients")
    w, x, b, f = _cubic_case(3)
    shown = f"integrated_gradients(f, x, baseline, steps={IG_STEPS})"
    result = call_learner(fn, f, x.astype(np.float32), b.astype(np.float32), IG_STEPS,
                          name=shown)
    found = require_array(result, f"The result of `{shown}`", shape=(28, 28)).astype(np.float64)
    exact = w * (x ** 3 - b ** 3)  # the integral in closed form
    total, difference = found.sum(), exact.sum()
    error = abs(total - difference) / abs(difference)
    if np.allclose(found, exact, rtol=2e-3, atol=2e-4):
        return (f"Your attributions match the exact integral (f = sum(w * x**3), known in closed "
                f"form) and add up to f(x) - f(baseline) within {100 * error:.3f} %.")
    n = IG_STEPS
    mid = (np.arange(n) + 0.5) / n
    mean_grad = (3 * w * (b[None] + mid[:, None, None] * (x - b)[None]) ** 2).mean(axis=0)
    mistakes = [
        (mean_grad, "The factor (x - baseline) is missing: the attribution is (x_i - b_i) times "
         "the mean gradient along the path."),
        (x * mean_grad, "You multiplied by x instead of (x - baseline): the check's baseline is "
         "not black (it is 0.3 everywhere)."),
        ((x - b) * 3 * w * x ** 2, "That is (x - baseline) times the gradient at x only. "
         "Integrated gradients average the gradient over the whole path from the baseline to x."),
        (_ig_from_rule(w, x, b, np.linspace(0, 1, n)), "You averaged the gradients at "
         f"np.linspace(0, 1, {n}): both ends get a full weight, an off-by-one Riemann sum. Use "
         "the midpoints (k + 0.5) / steps, k = 0 ... steps - 1."),
        (_ig_from_rule(w, x, b, np.arange(n) / n), "That is the left Riemann sum (alpha = k / "
         "steps): its error shrinks only like 1/steps (here about "
         f"{100 * abs(_ig_from_rule(w, x, b, np.arange(n) / n).sum() / difference - 1):.1f} % of "
         "the total). Use the midpoints (k + 0.5) / steps."),
        (_ig_from_rule(w, x, b, np.arange(1, n + 1) / n), "That is the right Riemann sum (alpha "
         "= k / steps, k = 1 ... steps): its error shrinks only like 1/steps. Use the midpoints "
         "(k + 0.5) / steps."),
        (-exact, "The sign is flipped: the attributions should add up to f(x) - f(baseline)."),
        (exact.sum() / exact.size * np.ones_like(exact), "Every pixel got the same share: the "
         "attribution is per pixel, (x_i - b_i) times the mean of df/dx_i."),
    ]
    prefix = (f"{_worst(found, exact)} Your attributions add up to {total:.4g}; f(x) - "
              f"f(baseline) = {difference:.4g} (completeness error {100 * error:.2f} %).")
    explain_mismatch(found, mistakes, prefix=prefix, rtol=1e-3, atol=1e-5,
                     otherwise="Average the gradient of f at baseline + alpha (x - baseline) "
                               "over alpha = (k + 0.5) / steps, then multiply by (x - baseline).")


# -- slant ---------------------------------------------------------------------------------------
def _stroke(shear: float, offset: float, thickness: float = 1.6) -> np.ndarray:
    """A blurred line stroke from (row 5) to (row 22) with x = 14 + offset - shear * (row - 14)."""
    rows, cols = np.mgrid[0:28, 0:28]
    centre = 14 + offset - shear * (rows - 14)
    image = np.exp(-((cols - centre) / thickness) ** 2)
    image[(rows < 5) | (rows > 22)] = 0.0
    return image


def _slant_images() -> np.ndarray:
    rng = np.random.default_rng(5)
    strokes = [_stroke(s, o) for s, o in ((0.4, 3.0), (-0.3, -4.0), (0.0, 5.0), (0.7, -2.0))]
    blobs = rng.uniform(0.0, 1.0, (3, 28, 28)) * (rng.uniform(size=(3, 28, 28)) > 0.7)
    return np.concatenate([np.stack(strokes), blobs]).astype(np.float32)


def _moments(images: np.ndarray, centred: bool = True):
    mass = images.sum(axis=(1, 2))
    rows = np.arange(28.0)[None, :, None]
    cols = np.arange(28.0)[None, None, :]
    y_bar = (images * rows).sum(axis=(1, 2)) / mass if centred else np.zeros(len(images))
    x_bar = (images * cols).sum(axis=(1, 2)) / mass if centred else np.zeros(len(images))
    dy = rows - y_bar[:, None, None]
    dx = cols - x_bar[:, None, None]
    return tuple((images * p).sum(axis=(1, 2)) / mass for p in (dx * dy, dx * dx, dy * dy))


def _check_slant(slant) -> str:
    fn = require_function(slant, "slant")
    images = _slant_images()
    shown = "slant(images)"
    result = call_learner(fn, images.copy(), name=shown)
    found = require_array(result, f"The result of `{shown}`", shape=(len(images),))
    found = found.astype(np.float64)
    x = images.astype(np.float64)
    mu11, mu20, mu02 = _moments(x)
    expected = -mu11 / mu02
    if np.allclose(found, expected, rtol=1e-4, atol=1e-6):
        return ("Your slant matches -mu11 / mu02 from centred moments: +0.4 for a stroke whose "
                "top leans 0.4 pixels right per row, 0 for a vertical one.")
    r11, r20, r02 = _moments(x, centred=False)
    mistakes = [
        (mu11 / mu02, "The sign is flipped. Rows count downwards, so a stroke leaning right "
         "(top to the right) has x falling as the row grows: mu11 < 0. Slant = -mu11 / mu02."),
        (-mu11 / mu20, "You divided by mu20, the spread along x (wrong axis). The slant is x's "
         "shift per row: divide by mu02, the spread of the rows."),
        (mu11 / mu20, "You divided by mu20 (the spread along x, wrong axis) and the sign is "
         "flipped. Slant = -mu11 / mu02."),
        (-r11 / r02, "The moments are not centred: subtract the centroid (x̄, ȳ) first, "
         "otherwise the position of the digit leaks into its slant."),
        (r11 / r02, "The moments are not centred (subtract x̄ and ȳ first) and the sign is "
         "flipped."),
        (-mu11, "That is -mu11 alone: divide it by mu02 to get a shift per row."),
    ]
    explain_mismatch(found, mistakes, prefix=_worst(found, expected), rtol=1e-3, atol=1e-6,
                     otherwise="With pixel values as weights: centre the column x and the row y "
                               "on their means, then slant = -E[dx dy] / E[dy dy].")


# -- unit_r2 -------------------------------------------------------------------------------------
def _probe_data(seed: int = 4):
    rng = np.random.default_rng(seed)
    n_train, n_test, k = 40, 300, 5
    codes = rng.normal(size=(n_train + n_test, k))
    values = 1.5 * codes[:, 2] - 0.7 * codes[:, 4] + rng.normal(0.0, 1.0, n_train + n_test)
    values[:n_train] += 0.9 * codes[:n_train, 0]  # unit 1 only looks useful on the training rows
    return (codes[:n_train], values[:n_train], codes[n_train:], values[n_train:])


def _r2(truth, prediction):
    return 1.0 - np.sum((truth - prediction) ** 2) / np.sum((truth - truth.mean()) ** 2)


def _fit_predict(x_fit, y_fit, x_new):
    slope, intercept = np.polyfit(x_fit, y_fit, 1)
    return slope * x_new + intercept


def _check_unit_r2(unit_r2) -> str:
    fn = require_function(unit_r2, "unit_r2")
    c_train, v_train, c_test, v_test = _probe_data()
    k = c_train.shape[1]
    shown = "unit_r2(codes_train, values_train, codes_test, values_test)"
    result = call_learner(fn, c_train.copy(), v_train.copy(), c_test.copy(), v_test.copy(),
                          name=shown)
    values = require_array(result, f"The result of `{shown}`")
    if values.size == 1:
        raise Incorrect(f"`{shown}` gave one number; the check expects one R² per code unit, "
                        f"shape ({k},): fit a separate regression on each unit alone.")
    found = require_array(values, f"The result of `{shown}`", shape=(k,)).astype(np.float64)
    expected = np.array([_r2(v_test, _fit_predict(c_train[:, u], v_train, c_test[:, u]))
                         for u in range(k)])
    if np.allclose(found, expected, rtol=1e-3, atol=1e-4):
        best = int(np.argmax(expected)) + 1
        return (f"R² per unit on held-out codes: unit {best} explains the attribute best "
                f"({expected.max():.2f}); unit 1, which looks useful on the 40 training codes, "
                f"does worse than the mean on held-out codes ({expected[0]:.2f}).")
    train = np.array([_r2(v_train, _fit_predict(c_train[:, u], v_train, c_train[:, u]))
                      for u in range(k)])
    refit = np.array([_r2(v_test, _fit_predict(c_test[:, u], v_test, c_test[:, u]))
                      for u in range(k)])
    corr = np.array([np.corrcoef(c_test[:, u], v_test)[0, 1] for u in range(k)])
    swapped = np.array([_r2(_fit_predict(c_train[:, u], v_train, c_test[:, u]), v_test)
                        for u in range(k)])
    mistakes = [
        (train, "Those are the R² on the *training* codes. A probe is judged on held-out codes: "
         "fit on (codes_train, values_train), score on (codes_test, values_test)."),
        (refit, "You fitted the regression on the held-out codes themselves, then scored it "
         "there (the same as r² of the held-out codes). Fit on the training codes, score on "
         "the held-out ones."),
        (corr, "Those are correlations r (with a sign), not R²; and R² of a fitted model on new "
         "data is 1 - SS_res / SS_tot, which can even be negative."),
        (swapped, "The arguments of r2_score are swapped: r2_score(y_true, y_pred), truth "
         "first."),
    ]
    explain_mismatch(found, mistakes, prefix=_worst(found, expected), rtol=1e-3, atol=1e-4,
                     otherwise="For each unit u: LinearRegression().fit(codes_train[:, [u]], "
                               "values_train), then r2_score(values_test, "
                               "model.predict(codes_test[:, [u]])).")


# -- alpha: a concept edit with a target change in ink mass ---------------------------------------
EDIT_CODE = 8
TARGET_INK_CHANGE, INK_TOLERANCE = 0.25, 0.05  # +25 % +- 5 points


class LinearCode:
    """A linear autoencoder in closed form (PCA, lesson 04): ``encode`` images (n, 28, 28) to
    codes (n, k), ``decode`` codes to images, clipped into [0, 1]."""

    def __init__(self, images, k: int = EDIT_CODE):
        from sklearn.decomposition import PCA

        flat = np.asarray(images, dtype=np.float64).reshape(len(images), -1)
        self.pca = PCA(n_components=k, random_state=0).fit(flat)
        self.k = k

    def encode(self, images) -> np.ndarray:
        flat = np.asarray(images, dtype=np.float64).reshape(len(images), -1)
        return self.pca.transform(flat)

    def decode(self, codes) -> np.ndarray:
        flat = self.pca.inverse_transform(np.atleast_2d(np.asarray(codes, dtype=np.float64)))
        return np.clip(flat, 0.0, 1.0).reshape(-1, 28, 28)


@functools.cache
def edit_model() -> LinearCode:
    """The code of exercise 5: an 8-unit linear code (PCA) of the check's 1,200 training
    images. No training loop: built in a fraction of a second, the same in every session."""
    x_train, _ = edit_images()
    return LinearCode(x_train)


def edit_images() -> tuple[np.ndarray, np.ndarray]:
    """The check's 1,200 training and 400 held-out images (always the same)."""
    return bundled_image_split(10, 1200, 400)


def thickness_direction(model, images, fraction: float = 0.25) -> np.ndarray:
    """Mean code of the thickest ``fraction`` of ``images`` minus that of the thinnest
    ``fraction``, thickness measured on the images themselves (``stroke_thickness``)."""
    from ..image_attributes import stroke_thickness

    codes = model.encode(images)
    thickness = stroke_thickness(images)
    low, high = np.quantile(thickness, [fraction, 1 - fraction])
    return codes[thickness >= high].mean(axis=0) - codes[thickness <= low].mean(axis=0)


def ink_change(model, images, direction, alpha: float) -> float:
    """Relative change of the mean ink mass of the decoded codes of ``images`` when each code
    moves by ``alpha * direction``: mean ink(decode(z + alpha d)) / mean ink(decode(z)) - 1."""
    from ..image_attributes import ink_mass

    codes = model.encode(images)
    before = ink_mass(model.decode(codes)).mean()
    after = ink_mass(model.decode(codes + alpha * np.asarray(direction, np.float64))).mean()
    return float(after / before - 1.0)


@functools.cache
def _held_out_change(alpha: float) -> float:
    model = edit_model()
    x_train, x_held_out = edit_images()
    return ink_change(model, x_held_out, thickness_direction(model, x_train), alpha)


def _check_alpha(alpha) -> str:
    found = require_number(alpha, "ALPHA")
    if abs(found) > 20:
        raise Incorrect(f"ALPHA is {found:g}: far too large (the codes' units have a spread of "
                        "about 1, and a useful step is a few units at most). Did you store an "
                        "ink mass or a percentage instead of the step size?")
    change = _held_out_change(found)
    shown, target = distinct_numbers(100 * change, 100 * TARGET_INK_CHANGE)
    measured = (f"With ALPHA = {found:g} the check moved the codes of its 400 held-out images "
                f"along its thick-minus-thin direction: the mean ink mass changed by {shown} %.")
    low, high = TARGET_INK_CHANGE - INK_TOLERANCE, TARGET_INK_CHANGE + INK_TOLERANCE
    if found < 0 and change < 0:
        raise Incorrect(f"{measured} A negative step goes from thick towards thin: the ink "
                        "falls. Take a positive ALPHA.")
    if change < low:
        raise Incorrect(f"{measured} The target is {target} % ± {100 * INK_TOLERANCE:g} points: "
                        "take a larger step.")
    if change > high:
        raise Incorrect(f"{measured} The target is {target} % ± {100 * INK_TOLERANCE:g} points: "
                        "that step overshoots; take a smaller one.")
    return f"{measured} Within {target} % ± {100 * INK_TOLERANCE:g} points."


# -- exercises -----------------------------------------------------------------------------------
slerp = Exercise(
    lesson=LESSON,
    name="slerp",
    title="spherical interpolation between two codes",
    checker=_check_slerp,
    hints=[
        "First the angle w between the codes: the cosine is a·b / (|a| |b|); clip it into "
        "[-1, 1] before np.arccos.",
        "Each point is (sin((1 - t) w) * a + sin(t w) * b) / sin(w). With t of shape (m,), "
        "use t[:, None] so that the result has shape (m, k).",
        "omega = np.arccos(np.clip(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)), -1, 1)); "
        "t = np.asarray(t)[:, None]; return (np.sin((1 - t) * omega) * a + np.sin(t * omega) "
        "* b) / np.sin(omega)",
    ],
)

integrated_gradients = Exercise(
    lesson=LESSON,
    name="integrated_gradients",
    title="integrated gradients with a midpoint sum",
    checker=_check_integrated_gradients,
    hints=[
        "Build all path points at once: alphas = (np.arange(steps) + 0.5) / steps, points = "
        "baseline + alphas[:, None, None] * (x - baseline), shape (steps, 28, 28).",
        "Inside tf.GradientTape: tape.watch(points), total = tf.reduce_sum(f(points)); then "
        "tape.gradient(total, points) gives the gradient at every point.",
        "return (x - baseline) * grads.numpy().mean(axis=0), with points a tf.constant of "
        "float32.",
    ],
)

slant = Exercise(
    lesson=LESSON,
    name="slant",
    title="slant from centred image moments",
    checker=_check_slant,
    hints=[
        "With the pixel values as weights, compute the centroid of each image: x̄ (column) "
        "and ȳ (row).",
        "mu11 = sum(p * (x - x̄) * (y - ȳ)) / sum(p), mu02 = sum(p * (y - ȳ)**2) / sum(p); "
        "rows grow downwards, so a right-leaning digit has mu11 < 0.",
        "rows, cols = np.arange(28)[None, :, None], np.arange(28)[None, None, :]; ... "
        "return -mu11 / mu02",
    ],
)

unit_r2 = Exercise(
    lesson=LESSON,
    name="unit_r2",
    title="held-out R² of a linear probe on each code unit",
    checker=_check_unit_r2,
    hints=[
        "One regression per unit, on that unit alone: codes_train[:, [u]] has shape (n, 1).",
        "Fit on the training codes; score on the held-out codes with r2_score(y_true, y_pred).",
        "return np.array([r2_score(values_test, LinearRegression().fit(codes_train[:, [u]], "
        "values_train).predict(codes_test[:, [u]])) for u in range(codes_train.shape[1])])",
    ],
)

alpha = Exercise(
    lesson=LESSON,
    name="alpha",
    title="a concept edit with a target change in ink mass",
    checker=_check_alpha,
    hints=[
        "model = checks.edit_model(); d = checks.thickness_direction(model, x_fit); then for "
        "each alpha in ALPHAS, checks.ink_change(model, x_val, d, alpha).",
        "The ink rises with alpha (the direction points from thin to thick digits): keep the "
        "alpha whose change on validation images is closest to +25 %.",
        "min(ALPHAS, key=lambda a: abs(changes[a] - checks.TARGET_INK_CHANGE)), with changes "
        "a dict {alpha: change}.",
    ],
)

EXERCISES = (
    slerp,
    integrated_gradients,
    slant,
    unit_r2,
    alpha,
)
