"""Checks for lesson 10, "Interpreting latent spaces"."""

from __future__ import annotations

import functools

import numpy as np

from .common import bundled_image_split, explain_mismatch
from .exercise import Exercise
from .validate import (
    Incorrect,
    NotAttempted,
    call_learner,
    describe,
    distinct_numbers,
    is_untouched_stub,
    require_array,
    require_function,
    require_number,
)

LESSON = "10"


def _worst(found: np.ndarray, expected: np.ndarray) -> str:
    gap = np.abs(found - expected)
    index = tuple(int(i) for i in np.unravel_index(int(np.argmax(gap)), gap.shape))
    return f"At index {index} expected {expected[index]:.5g}, found {found[index]:.5g}."


# -- integrated_gradients ------------------------------------------------------------------------
IG_STEPS = 64
FEW_STEPS = 4


def _cubic_f(w: np.ndarray):
    """f(batch) = sum(w * x**3) per image; float32 or float64 batches, NumPy or TensorFlow."""
    def f(batch):
        import tensorflow as tf

        batch = tf.cast(tf.convert_to_tensor(batch), tf.float32)
        return tf.reduce_sum(tf.constant(w, tf.float32) * batch ** 3, axis=(1, 2))

    return f


def _cubic_case(seed: int, noise_baseline: bool = False):
    rng = np.random.default_rng(seed)
    w = rng.normal(0.0, 1.0, (28, 28))
    x = rng.uniform(0.0, 1.0, (28, 28))
    baseline = rng.uniform(0.0, 1.0, (28, 28)) if noise_baseline else np.full((28, 28), 0.3)
    return w, x, baseline, _cubic_f(w)


def _ig_from_rule(w, x, b, alphas):
    """Attributions with the gradients 3 w p**2 averaged over the path points at ``alphas``."""
    points = b[None] + np.asarray(alphas)[:, None, None] * (x - b)[None]
    return (x - b) * (3 * w * points ** 2).mean(axis=0)


def _midpoints(n: int) -> np.ndarray:
    return (np.arange(n) + 0.5) / n


def _ig_mistakes(w, x, b, n, exact):
    mean_grad = (3 * w * (b[None] + _midpoints(n)[:, None, None] * (x - b)[None]) ** 2).mean(0)
    left = _ig_from_rule(w, x, b, np.arange(n) / n)
    return [
        (mean_grad, "The factor (x - baseline) is missing: the attribution is (x_i - b_i) times "
         "the mean gradient along the path."),
        (x * mean_grad, "You multiplied by x instead of (x - baseline): the check's baseline is "
         "not black."),
        (_ig_from_rule(w, x, np.zeros_like(x), _midpoints(n)), "Your attributions start from a "
         "black image: the `baseline` argument is ignored (the check passes a baseline that is "
         "not black)."),
        ((x - b) * 3 * w * x ** 2, "That is (x - baseline) times the gradient at x only. "
         "Integrated gradients average the gradient over the whole path from the baseline to x."),
        (_ig_from_rule(w, x, b, np.linspace(0, 1, n)), "You averaged the gradients at "
         f"np.linspace(0, 1, {n}): both ends get a full weight, an off-by-one Riemann sum. Use "
         "the midpoints (k + 0.5) / steps, k = 0 ... steps - 1."),
        (left, "That is the left Riemann sum (alpha = k / steps): its error shrinks only like "
         f"1/steps (here about {100 * abs(left.sum() / exact.sum() - 1):.1f} % of the total). "
         "Use the midpoints (k + 0.5) / steps."),
        (_ig_from_rule(w, x, b, np.arange(1, n + 1) / n), "That is the right Riemann sum (alpha "
         "= k / steps, k = 1 ... steps): its error shrinks only like 1/steps. Use the midpoints "
         "(k + 0.5) / steps."),
        (-exact, "The sign is flipped: the attributions should add up to f(x) - f(baseline)."),
        (exact.sum() / exact.size * np.ones_like(exact), "Every pixel got the same share: the "
         "attribution is per pixel, (x_i - b_i) times the mean of df/dx_i."),
    ]


def _run_ig(fn, f, x, b, steps, dtype) -> np.ndarray:
    shown = f"integrated_gradients(f, x, baseline, steps={steps})"
    result = call_learner(fn, f, x.astype(dtype), b.astype(dtype), steps, name=shown)
    return require_array(result, f"The result of `{shown}`", shape=(28, 28)).astype(np.float64)


def _check_integrated_gradients(integrated_gradients) -> str:
    fn = require_function(integrated_gradients, "integrated_gradients")
    # 1. Many steps, a grey baseline, float32 inputs: any accurate rule matches the integral.
    w, x, b, f = _cubic_case(3)
    found = _run_ig(fn, f, x, b, IG_STEPS, np.float32)
    exact = w * (x ** 3 - b ** 3)  # the integral in closed form
    total, difference = found.sum(), exact.sum()
    error = abs(total - difference) / abs(difference)
    if not np.allclose(found, exact, rtol=2e-3, atol=2e-4):
        prefix = (f"With steps={IG_STEPS} and a baseline of 0.3: {_worst(found, exact)} Your "
                  f"attributions add up to {total:.4g}; f(x) - f(baseline) = {difference:.4g} "
                  f"(completeness error {100 * error:.2f} %).")
        explain_mismatch(found, _ig_mistakes(w, x, b, IG_STEPS, exact), prefix=prefix,
                         rtol=1e-3, atol=1e-5,
                         otherwise="Average the gradient of f at baseline + alpha (x - baseline) "
                                   "over alpha = (k + 0.5) / steps, then multiply by "
                                   "(x - baseline).")
    # 2. Few steps, a noise baseline, float64 inputs: the sum must use `steps` points.
    w, x, b, f = _cubic_case(8, noise_baseline=True)
    found = _run_ig(fn, f, x, b, FEW_STEPS, np.float64)
    exact = w * (x ** 3 - b ** 3)
    midpoint = _ig_from_rule(w, x, b, _midpoints(FEW_STEPS))
    trapezoid = (x - b) * np.mean([(3 * w * (b + t * (x - b)) ** 2) * (1 if 0 < t < 1 else 0.5)
                                   for t in np.linspace(0, 1, FEW_STEPS + 1)], axis=0) * (
        (FEW_STEPS + 1) / FEW_STEPS)
    if not any(np.allclose(found, rule, rtol=1e-4, atol=1e-6) for rule in (midpoint, trapezoid)):
        prefix = (f"With steps={FEW_STEPS}, a random (noise) baseline and float64 inputs: "
                  f"{_worst(found, midpoint)}")
        mistakes = [(exact, f"Your attributions match the exact integral, not a sum over "
                            f"{FEW_STEPS} points: does your function use its `steps` argument "
                            "(a fixed number of steps ignores it)?")]
        explain_mismatch(found, mistakes + _ig_mistakes(w, x, b, FEW_STEPS, exact),
                         prefix=prefix, rtol=1e-4, atol=1e-6,
                         otherwise=f"With {FEW_STEPS} steps, average the gradient at alpha = "
                                   "(k + 0.5) / steps, k = 0 ... steps - 1, then multiply by "
                                   "(x - baseline).")
    return (f"Your attributions match the exact integral with {IG_STEPS} steps (completeness "
            f"error {100 * error:.3f} %), and the {FEW_STEPS}-point sum with a noise baseline "
            "and float64 inputs.")


# -- ig_steps: the fewest steps for a completeness tolerance --------------------------------------
STEPS_CASES = (  # seed, contrast per image (the worst is not the first), dtype, noise, options, tol
    (21, (0.35, 0.6, 1.0, 0.5, 0.45), np.float32, False, (2, 4, 8, 16, 32, 64), 0.003),
    (22, (0.5, 1.0, 0.3, 0.55), np.float64, True, (3, 6, 12, 24, 48, 96), 0.0025),
)


def _steps_case_data(seed: int, contrasts, noise: bool):
    rng = np.random.default_rng(seed)
    w = 4.0 * rng.normal(0.0, 1.0, (28, 28))
    baseline = rng.uniform(0.0, 1.0, (28, 28)) if noise else np.full((28, 28), 0.2)
    u = rng.uniform(0.0, 1.0, (len(contrasts), 28, 28))
    images = baseline + np.asarray(contrasts)[:, None, None] * (u - baseline)
    return w, images, baseline


def _steps_cases():
    """(description, f, images, baseline, options, tolerance) for the ig_steps check."""
    cases = []
    for seed, contrasts, dtype, noise, options, tolerance in STEPS_CASES:
        w, images, baseline = _steps_case_data(seed, contrasts, noise)
        what = (f"{len(images)} {np.dtype(dtype).name} images, "
                f"{'a noise' if noise else 'a grey (0.2)'} baseline, step_options={options}, "
                f"tolerance={tolerance}")
        cases.append((what, _cubic_f(w), images.astype(dtype), baseline.astype(dtype), options,
                      tolerance))
    return cases


def _midpoint_gap(w, images, baseline, options) -> tuple[np.ndarray, np.ndarray]:
    """For f = sum(w x**3): the midpoint sum's gap sum(w d**3) / (4 n**2) (images x options)
    and f(x) - f(b) per image, in closed form."""
    d = images - baseline
    gap = np.abs((w * d ** 3).sum(axis=(1, 2)))[:, None] / (4 * np.asarray(options) ** 2)
    return gap, (w * (images ** 3 - baseline ** 3)).sum(axis=(1, 2))


@functools.cache
def _steps_tables() -> tuple[dict[str, np.ndarray], ...]:
    """Per case: completeness errors (images x options) of the midpoint sum, in closed form:
    relative (the reference), absolute, and measured from a black baseline."""
    tables = []
    for seed, contrasts, _, noise, options, _ in STEPS_CASES:
        w, images, baseline = _steps_case_data(seed, contrasts, noise)
        gap, difference = _midpoint_gap(w, images, baseline, options)
        black_gap, black_difference = _midpoint_gap(w, images, np.zeros_like(baseline), options)
        tables.append({"relative": gap / np.abs(difference)[:, None], "absolute": gap,
                       "black": black_gap / np.abs(black_difference)[:, None]})
    return tuple(tables)


def _steps_rule(errors: np.ndarray, options, tolerance, *, reduce=np.max, pick=min):
    passing = [n for n, value in zip(options, reduce(errors, axis=0), strict=True)
               if value <= tolerance]
    return pick(passing) if passing else None


_STEPS_MISTAKES = [
    (dict(reduce=np.mean), "You compared the *mean* error over the images with the tolerance; "
     "the tolerance must hold for every image: compare the largest (worst) error."),
    (dict(reduce=lambda e, axis: e[0]), "Only the first image was checked: the tolerance must "
     "hold for every image in `images`."),
    (dict(pick=max), "That is the *largest* step count that meets the tolerance; the exercise "
     "asks for the smallest (the cheapest that is accurate enough)."),
    (dict(table="black"), "Your errors were measured from a black baseline: pass `baseline` to "
     "both integrated_gradients and completeness_error."),
    (dict(table="absolute"), "You compared the absolute gap |sum - (f(x) - f(b))| with the "
     "tolerance; the completeness error is relative: divide by |f(x) - f(b)| "
     "(completeness_error does)."),
    (dict(tolerance=0.01), "Your answers fit a tolerance of 0.01 whatever `tolerance` is: use "
     "the argument."),
]


def _steps_reference(index: int, *, table: str = "relative", tolerance=None, **rule):
    _, _, _, _, options, case_tolerance = _steps_cases()[index]
    errors = _steps_tables()[index][table]
    return _steps_rule(errors, options, case_tolerance if tolerance is None else tolerance,
                       **rule)


def _check_ig_steps(smallest_steps) -> str:
    fn = require_function(smallest_steps, "smallest_steps")
    answers = []
    for what, f, images, baseline, options, tolerance in _steps_cases():
        shown = "smallest_steps(f, images, baseline, step_options, tolerance)"
        result = call_learner(fn, f, images.copy(), baseline.copy(), options, tolerance,
                              name=shown)
        if result is None:
            if is_untouched_stub(fn):
                raise NotAttempted("`smallest_steps` is still the stub: replace `# YOUR CODE "
                                   "HERE` with your code and return the step count.")
            raise Incorrect(f"For {what}: `{shown}` returned None: did you forget `return`? "
                            "It should return one of the step counts in `step_options` (in "
                            "both cases at least one of them meets the tolerance).")
        if isinstance(result, bool) or not isinstance(result, int | np.integer):
            raise Incorrect(f"`{shown}` returned {describe(result)}; return a whole number "
                            "(an int from `step_options`): integrated_gradients(..., steps=...) "
                            "in the next cell accepts only a whole number.")
        if int(result) not in options:
            raise Incorrect(f"For {what}: `{shown}` returned {int(result)}, which is not one of "
                            f"the step counts {options}: does your function loop over "
                            "`step_options` (not a list of its own)?")
        answers.append(int(result))
    expected = [_steps_reference(i) for i in range(len(answers))]
    if answers == expected:
        return ("The smallest step count whose worst completeness error meets the tolerance, "
                f"for both cases ({expected[0]} and {expected[1]} steps); it changes with the "
                "tolerance, the baseline and the images, so measure it for yours.")
    index = next(i for i, (x, y) in enumerate(zip(answers, expected, strict=True)) if x != y)
    what = _steps_cases()[index][0]
    errors = _steps_tables()[index]["relative"]
    worst = ", ".join(f"{n}: {100 * e:.3g} %" for n, e in
                      zip(_steps_cases()[index][4], errors.max(axis=0), strict=True))
    prefix = (f"For {what}: expected {expected[index]}, found {answers[index]}. The worst "
              f"completeness error per step count is {worst}.")
    for rule, message in _STEPS_MISTAKES:
        if answers == [_steps_reference(i, **rule) for i in range(len(answers))]:
            raise Incorrect(f"{prefix} {message}")
    raise Incorrect(f"{prefix} For each step count n in step_options (smallest first): the "
                    "completeness error of integrated_gradients(f, x, baseline, steps=n) on "
                    "every image; return the first n whose largest error is <= tolerance.")


# -- unit_r2 -------------------------------------------------------------------------------------
PROBE_CASES = ((4, 40, 300, 5, np.float64), (9, 30, 200, 3, np.float32))  # seed, sizes, dtype


def _probe_data(seed: int = 4, n_train: int = 40, n_test: int = 300, k: int = 5,
                dtype=np.float64):
    rng = np.random.default_rng(seed)
    codes = rng.normal(size=(n_train + n_test, k))
    values = 1.5 * codes[:, 2] - 0.7 * codes[:, k - 1] + rng.normal(0.0, 1.0, n_train + n_test)
    values[:n_train] += 0.9 * codes[:n_train, 0]  # unit 1 only looks useful on the training rows
    codes, values = codes.astype(dtype), values.astype(dtype)
    return (codes[:n_train], values[:n_train], codes[n_train:], values[n_train:])


def _r2(truth, prediction):
    return 1.0 - np.sum((truth - prediction) ** 2) / np.sum((truth - truth.mean()) ** 2)


def _fit_predict(x_fit, y_fit, x_new):
    slope, intercept = np.polyfit(x_fit, y_fit, 1)
    return slope * x_new + intercept


def _check_unit_r2(unit_r2) -> str:
    fn = require_function(unit_r2, "unit_r2")
    for seed, n_train, n_test, k, dtype in PROBE_CASES:
        what = (f"{n_train} training and {n_test} held-out codes of {k} units "
                f"({np.dtype(dtype).name})")
        _check_unit_r2_case(fn, what, *_probe_data(seed, n_train, n_test, k, dtype))
    c_train, v_train, c_test, v_test = (a.astype(np.float64) for a in _probe_data())
    expected = np.array([_r2(v_test, _fit_predict(c_train[:, u], v_train, c_test[:, u]))
                         for u in range(c_train.shape[1])])
    best = int(np.argmax(expected)) + 1
    return (f"R² per unit on held-out codes, for 5-unit and 3-unit codes: unit {best} explains "
            f"the attribute best ({expected.max():.2f}); unit 1, which looks useful on the 40 "
            f"training codes, does worse than the mean on held-out codes ({expected[0]:.2f}).")


def _check_unit_r2_case(fn, what, c_train, v_train, c_test, v_test) -> None:
    k = c_train.shape[1]
    shown = "unit_r2(codes_train, values_train, codes_test, values_test)"
    result = call_learner(fn, c_train.copy(), v_train.copy(), c_test.copy(), v_test.copy(),
                          name=shown)
    values = require_array(result, f"The result of `{shown}`")
    if values.size == 1:
        raise Incorrect(f"`{shown}` gave one number; the check expects one R² per code unit, "
                        f"shape ({k},): fit a separate regression on each unit alone.")
    found = require_array(values, f"The result of `{shown}` for {what}",
                          shape=(k,)).astype(np.float64)
    c_train, v_train, c_test, v_test = (a.astype(np.float64)
                                        for a in (c_train, v_train, c_test, v_test))
    expected = np.array([_r2(v_test, _fit_predict(c_train[:, u], v_train, c_test[:, u]))
                         for u in range(k)])
    if np.allclose(found, expected, rtol=1e-3, atol=1e-4):
        return
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
    explain_mismatch(found, mistakes, prefix=f"For {what}: {_worst(found, expected)}",
                     rtol=1e-3, atol=1e-4,
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


# -- safe_alpha: the largest edit that keeps the digits' class ----------------------------------
SAFE_SHARE = 0.9
SAFE_IMAGES = 300


def kept_shares(model, images, direction, alphas, *, against_real: bool = False) -> np.ndarray:
    """For each alpha, the share of ``images`` whose decoded code, moved by ``alpha *
    direction``, the shipped classifier puts in the same class as the decoded unedited code
    (or, with ``against_real``, as the real image: a mistake the check names)."""
    from ..features import classify

    codes = model.encode(images)
    before = classify(images if against_real else model.decode(codes))
    step = np.asarray(direction, np.float64)
    return np.array([np.mean(classify(model.decode(codes + a * step)) == before) for a in alphas])


@functools.cache
def _safe_cases():
    """(description, model, images, direction, alphas, share) for the safe_alpha check."""
    x_train, x_held_out = edit_images()
    main = edit_model()
    small = LinearCode(x_train[:600], k=6)
    first = (f"the 8-unit code, {SAFE_IMAGES} held-out images, alphas 0.1, 0.2, ..., 1.0, "
             f"share={SAFE_SHARE}", main, x_held_out[:SAFE_IMAGES],
             thickness_direction(main, x_train), tuple(np.round(np.arange(0.1, 1.01, 0.1), 2)),
             SAFE_SHARE)
    alphas = (0.1, 0.2, 0.3, 0.45, 0.6, 0.8, 1.0, 1.25)
    images = x_held_out[SAFE_IMAGES:SAFE_IMAGES + 100]
    direction = thickness_direction(small, x_train[:600], fraction=0.1)
    shares = kept_shares(small, images, direction, alphas)
    # the share argument equals the measured share at one alpha: ">=" keeps it, ">" does not
    boundary = next(i for i in range(2, len(alphas) - 1)
                    if SAFE_SHARE > shares[i - 1] > shares[i] > shares[i + 1])
    second = (f"a 6-unit code of other images, 100 images, alphas {alphas}, share="
              f"{shares[boundary]:.4g} (exactly the share kept at alpha {alphas[boundary]})",
              small, images, direction, alphas, shares[boundary])
    return (first, second)


@functools.cache
def _safe_table(index: int, against_real: bool = False, main_model: bool = False) -> tuple:
    _, model, images, direction, alphas, _ = _safe_cases()[index]
    if main_model:  # the exercise's own model and direction instead of the arguments
        model = edit_model()
        direction = thickness_direction(model, edit_images()[0])
    return tuple(kept_shares(model, images, direction, alphas, against_real=against_real))


def _safe_rule(index: int, *, strict=False, pick=max, against_real=False, share=None,
               main_model=False):
    _, _, _, _, alphas, case_share = _safe_cases()[index]
    table = _safe_table(index, against_real, main_model)
    limit = case_share if share is None else share
    ok = [a for a, v in zip(alphas, table, strict=True) if (v > limit if strict else v >= limit)]
    return pick(ok) if ok else None


_SAFE_MISTAKES = [
    (dict(strict=True), "A share exactly equal to `share` is enough: keep alphas whose share "
     "is >= share, not > share."),
    (dict(pick=min), "That is the *smallest* alpha that keeps the share; the exercise asks for "
     "the largest (the strongest edit that still keeps the digits' class)."),
    (dict(against_real=True), "You compared the edited digits with the classifier's reading of "
     "the *real* images. Compare with the decoded, unedited codes, model.decode(model.encode("
     "images)): the decoder's blur alone changes some classes, and that is not the edit's "
     "doing."),
    (dict(share=SAFE_SHARE), f"Your answers fit a share of {SAFE_SHARE} whatever `share` is: use "
     "the argument."),
    (dict(main_model=True), "Your answer comes from checks.edit_model() and its own "
     "direction, not the `model`, `images` and `direction` passed in: use the arguments."),
]


def _check_safe_alpha(safe_alpha) -> str:
    fn = require_function(safe_alpha, "safe_alpha")
    answers: list[float | None] = []
    for what, model, images, direction, alphas, share in _safe_cases():
        shown = "safe_alpha(model, images, direction, alphas, share)"
        result = call_learner(fn, model, images.copy(), np.array(direction), alphas, share,
                              name=shown)
        if result is None:
            if is_untouched_stub(fn):
                raise NotAttempted("`safe_alpha` is still the stub: replace `# YOUR CODE HERE` "
                                   "with your code and return the largest alpha.")
            answers.append(None)
            continue
        found = require_number(result, f"The result of `{shown}`")
        match = [a for a in alphas if abs(a - found) < 1e-9]
        if not match:
            raise Incorrect(f"For {what}: `{shown}` returned {found:g}, which is not one of the "
                            "alphas. Return the alpha itself (not its share).")
        answers.append(match[0])
    expected = [_safe_rule(i) for i in range(len(answers))]
    if answers == expected:
        return (f"The largest alpha that keeps at least the share of digits in their class: "
                f"{expected[0]:g} for the 8-unit code at share {SAFE_SHARE}, and the boundary "
                "case (a share met exactly) kept.")
    index = next(i for i, (x, y) in enumerate(zip(answers, expected, strict=True)) if x != y)
    what, _, _, _, alphas, _ = _safe_cases()[index]
    shares = ", ".join(f"{a:g}: {v:.3f}" for a, v in zip(alphas, _safe_table(index),
                                                          strict=True))
    prefix = (f"For {what}: expected {expected[index]:g}, found {answers[index]}. The shares "
              f"kept per alpha are {shares}.")
    for rule, message in _SAFE_MISTAKES:
        if answers == [_safe_rule(i, **rule) for i in range(len(answers))]:
            raise Incorrect(f"{prefix} {message}")
    if answers[index] is None:
        raise Incorrect(f"{prefix} Your function returned None: did you forget `return`? In "
                        "both cases at least the first alpha keeps the share.")
    raise Incorrect(f"{prefix} For each alpha: classify the decoded codes moved by alpha * "
                    "direction, compare with the classes of the decoded unedited codes, and "
                    "return the largest alpha whose share of equal classes is >= share.")


# -- exercises -----------------------------------------------------------------------------------
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

ig_steps = Exercise(
    lesson=LESSON,
    name="ig_steps",
    title="the fewest integration steps for a completeness tolerance",
    checker=_check_ig_steps,
    hints=[
        "For each n in step_options, smallest first: attributions = attribution."
        "integrated_gradients(f, x, baseline, steps=n) for every image, then attribution."
        "completeness_error(f, x, attributions, baseline).",
        "The tolerance must hold for the worst image: compare the largest error with tolerance "
        "(<=), and return the first n that passes, as an int.",
        "for n in sorted(step_options): worst = max(attribution.completeness_error(f, x, "
        "attribution.integrated_gradients(f, x, baseline, steps=n), baseline) for x in images); "
        "if worst <= tolerance: return int(n)",
    ],
)

safe_alpha = Exercise(
    lesson=LESSON,
    name="safe_alpha",
    title="the largest concept edit that keeps the digits' class",
    checker=_check_safe_alpha,
    hints=[
        "codes = model.encode(images); before = classify(model.decode(codes)): the classes of "
        "the decoded, unedited digits are the reference.",
        "For each alpha: np.mean(classify(model.decode(codes + alpha * direction)) == before); "
        "keep the alphas whose share is >= share.",
        "return max(a for a in alphas if np.mean(classify(model.decode(codes + a * direction)) "
        "== before) >= share)",
    ],
)

EXERCISES = (
    integrated_gradients,
    ig_steps,
    unit_r2,
    alpha,
    safe_alpha,
)
