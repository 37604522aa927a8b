"""Lesson 01 checks: the reference answers pass, typical mistakes get specific messages."""

import keras
import numpy as np
import pytest
from sklearn.neighbors import KNeighborsClassifier

from course_utils.checks import Outcome
from course_utils.checks import lesson01 as checks


def _assert(feedback, outcome, phrase):
    assert feedback.outcome is outcome, feedback
    assert phrase in feedback.message, feedback


def _pairs(sizes):
    return zip(sizes[:-1], sizes[1:], strict=True)


# -- count_dense_params ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("answer", "outcome", "phrase"),
    [
        (lambda s: sum(a * b + b for a, b in _pairs(s)), Outcome.CORRECT, "Weights plus biases"),
        (lambda s: sum(a * b for a, b in _pairs(s)), Outcome.INCORRECT, "not the biases"),
        (lambda s: sum(a * b + a for a, b in _pairs(s)), Outcome.INCORRECT, "per output unit"),
        (lambda s: s[0] * s[1] + s[1], Outcome.INCORRECT, "leaves out"),
        (lambda s: sum((a + 1) * (b + 1) for a, b in _pairs(s)), Outcome.INCORRECT,
         "consecutive pairs"),
        # off by one: the loop stops one layer early
        (lambda s: sum(s[i] * s[i + 1] + s[i + 1] for i in range(len(s) - 2)),
         Outcome.INCORRECT, "leaves out the first or the last layer"),
        # a hard-coded 784 input
        (lambda s: sum(a * b + b for a, b in _pairs([784, *s[1:]])), Outcome.INCORRECT,
         "instead of writing 784"),
        (lambda s: str(sum(a * b + b for a, b in _pairs(s))), Outcome.INCORRECT, "single number"),
        (lambda s: None, Outcome.NOT_ATTEMPTED, "YOUR CODE HERE"),
    ],
)
def test_count_dense_params(answer, outcome, phrase):
    _assert(checks.count_dense_params.evaluate(answer), outcome, phrase)


def test_count_dense_params_result_instead_of_function():
    _assert(checks.count_dense_params.evaluate(104608), Outcome.INCORRECT,
            "should be the function itself")


# -- encode ----------------------------------------------------------------------------------
def _encode(encoder, images):
    if images.ndim == 2:
        images = images[None]
    return encoder.predict(images, verbose=0)


@pytest.mark.parametrize(
    ("answer", "outcome", "phrase"),
    [
        (_encode, Outcome.CORRECT, "single image"),
        (lambda e, x: keras.ops.convert_to_numpy(e(x.reshape(-1, 28, 28))), Outcome.CORRECT,
         "single image"),
        (lambda e, x: e.predict(x, verbose=0), Outcome.INCORRECT, "images[None]"),
        (lambda e, x: e(x), Outcome.INCORRECT, "NumPy array"),
        (lambda e, x: _encode(e, x)[0] if x.ndim == 2 else _encode(e, x), Outcome.INCORRECT,
         "shape (1, 5)"),
        (lambda e, x: _encode(e, x) * 2, Outcome.INCORRECT, "differs"),
        (lambda e, x: x.reshape(len(x), -1), Outcome.INCORRECT, "shape (7, 5)"),
        (lambda e, x: None, Outcome.NOT_ATTEMPTED, "stub"),
    ],
)
def test_encode(answer, outcome, phrase):
    _assert(checks.encode.evaluate(answer), outcome, phrase)


def test_encode_result_instead_of_function():
    codes = np.zeros((7, 5), dtype=np.float32)
    _assert(checks.encode.evaluate(codes), Outcome.INCORRECT, "pass the function instead")


# -- smallest_code_size ----------------------------------------------------------------------
def _knn(train, y_train, test, y_test, neighbours=5):
    knn = KNeighborsClassifier(n_neighbors=neighbours)
    knn.fit(train.reshape(len(train), -1), y_train)
    return knn.score(test.reshape(len(test), -1), y_test)


def _sweep(encoders, x_fit, y_fit, x_val, y_val, neighbours=5):
    pixels = _knn(x_fit, y_fit, x_val, y_val, neighbours)
    accuracy = {}
    for k, encoder in encoders.items():
        fit = keras.ops.convert_to_numpy(encoder(x_fit))
        val = keras.ops.convert_to_numpy(encoder(x_val))
        accuracy[k] = _knn(fit, y_fit, val, y_val, neighbours)
    return pixels, accuracy


def _smallest(encoders, x_fit, y_fit, x_val, y_val, margin):
    pixels, accuracy = _sweep(encoders, x_fit, y_fit, x_val, y_val)
    for k in sorted(encoders):
        if accuracy[k] >= pixels - margin:
            return k
    return None


def _largest_passing(encoders, x_fit, y_fit, x_val, y_val, margin):
    pixels, accuracy = _sweep(encoders, x_fit, y_fit, x_val, y_val)
    return max(k for k in encoders if accuracy[k] >= pixels - margin)


def _in_given_order(encoders, x_fit, y_fit, x_val, y_val, margin):
    pixels, accuracy = _sweep(encoders, x_fit, y_fit, x_val, y_val)
    return next(k for k in encoders if accuracy[k] >= pixels - margin)


def _no_margin(encoders, x_fit, y_fit, x_val, y_val, margin):
    pixels, accuracy = _sweep(encoders, x_fit, y_fit, x_val, y_val)
    passing = [k for k in sorted(encoders) if accuracy[k] >= pixels]
    return passing[0] if passing else max(encoders)


def _relative_margin(encoders, x_fit, y_fit, x_val, y_val, margin):
    pixels, accuracy = _sweep(encoders, x_fit, y_fit, x_val, y_val)
    return min(k for k in encoders if accuracy[k] >= pixels * (1 - margin))


def _one_neighbour(encoders, x_fit, y_fit, x_val, y_val, margin):
    pixels, accuracy = _sweep(encoders, x_fit, y_fit, x_val, y_val, neighbours=1)
    return min(k for k in encoders if accuracy[k] >= pixels - margin)


def _scored_on_fit_images(encoders, x_fit, y_fit, x_val, y_val, margin):
    """Fits and scores every 5-NN classifier on x_fit: x_val is never used."""
    return _smallest(encoders, x_fit, y_fit, x_fit, y_fit, margin)


def _codes_scored_on_fit_images(encoders, x_fit, y_fit, x_val, y_val, margin):
    """The pixels scored on x_fit too, but written as a loop over both feature kinds."""
    def train_accuracy(features):
        flat = np.reshape(features, (len(features), -1))
        return KNeighborsClassifier(n_neighbors=5).fit(flat, y_fit).score(flat, y_fit)

    target = train_accuracy(x_fit) - margin
    for k in sorted(encoders):
        if train_accuracy(encoders[k].predict(x_fit, verbose=0)) >= target:
            return k
    return None


def _fit_on_fit_and_val(encoders, x_fit, y_fit, x_val, y_val, margin):
    """Fits on x_fit and x_val together ("more data"), scores on x_val."""
    x_all = np.concatenate([x_fit, x_val])
    y_all = np.concatenate([y_fit, y_val])
    return _smallest(encoders, x_all, y_all, x_val, y_val, margin)


def _returns_accuracy(encoders, x_fit, y_fit, x_val, y_val, margin):
    k = _smallest(encoders, x_fit, y_fit, x_val, y_val, margin)
    return _sweep({k: encoders[k]}, x_fit, y_fit, x_val, y_val)[1][k]


@pytest.mark.parametrize(
    ("answer", "outcome", "phrase"),
    [
        (_smallest, Outcome.CORRECT, "two different margins"),
        (_largest_passing, Outcome.INCORRECT, "also reaches the target"),
        (_in_given_order, Outcome.INCORRECT, "sorted(encoders)"),
        (_no_margin, Outcome.INCORRECT, "also reaches the target"),
        (_relative_margin, Outcome.INCORRECT, "also reaches the target"),
        (_one_neighbour, Outcome.INCORRECT, "also reaches the target"),
        (_scored_on_fit_images, Outcome.INCORRECT, "you scored on the images you fitted on"),
        (_codes_scored_on_fit_images, Outcome.INCORRECT,
         "you scored on the images you fitted on"),
        (_fit_on_fit_and_val, Outcome.INCORRECT, "fitted on x_fit and x_val together"),
        (_returns_accuracy, Outcome.INCORRECT, "looks like an accuracy"),
        (lambda *args: 5, Outcome.INCORRECT, "keys of `encoders`"),
        (lambda *args: None, Outcome.NOT_ATTEMPTED, "replace the stub"),
    ],
)
def test_smallest_code_size(answer, outcome, phrase):
    _assert(checks.smallest_code_size.evaluate(answer), outcome, phrase)


def test_smallest_code_size_cases_are_clear_cut():
    """Each expected answer clears its target, and each smaller size misses it, by more than a
    few validation images, so a tie broken differently cannot flip the decision."""
    pixels, accuracy = checks._sweep_reference()
    n_val = len(checks._sweep_data()[2])
    answers = []
    for margin, offered in checks.SWEEP_CASES:
        target = pixels - margin
        passing = [k for k in sorted(offered) if accuracy[k] >= target]
        answers.append(passing[0])
        assert accuracy[passing[0]] - target > 4 / n_val
        assert all(target - accuracy[k] > 4 / n_val for k in offered if k < passing[0])
    assert answers == [32, 8]


def test_smallest_code_size_seen_images_rules_differ():
    """Scoring on images the classifier was fitted on picks a smaller size than validation
    (in the first case), clear of its target by more than a few images."""
    margin, offered = checks.SWEEP_CASES[0]
    expected = checks._sweep_answer("validation", margin, offered)
    n = len(checks._sweep_data()[2])
    for rule in ("fit_images", "fit_and_val"):
        found = checks._sweep_answer(rule, margin, offered)
        assert found is not None and found < expected
        pixels, accuracy = checks._sweep_scores(rule)
        target = pixels - margin
        assert accuracy[found] - target > 4 / n
        assert all(target - accuracy[k] > 4 / n for k in offered if k < found)


def test_smallest_code_size_result_instead_of_function():
    _assert(checks.smallest_code_size.evaluate(32), Outcome.INCORRECT,
            "should be the function itself")


# -- article_encoder (Article A, fixed) ------------------------------------------------------
def _encoder(*dense_layers, flatten=True, input_shape=(28, 28)):
    layers = [keras.Input(shape=input_shape)]
    layers += [keras.layers.Flatten()] if flatten else []
    return keras.Sequential(layers + list(dense_layers))


def _dense(units, activation=None):
    return keras.layers.Dense(units, activation=activation)


def _article_a(flatten=True, code_activation="relu"):
    return _encoder(_dense(64, "relu"), _dense(32, code_activation), flatten=flatten)


class SubclassedEncoder(keras.Model):
    """Article A's style (a subclassed Model), with the flatten added in `call`."""

    def __init__(self):
        super().__init__()
        self.flatten = keras.layers.Flatten()
        self.hidden = keras.layers.Dense(64, activation="relu")
        self.code = keras.layers.Dense(32, activation="relu")

    def call(self, images):
        return self.code(self.hidden(self.flatten(images)))


class UnflattenedEncoder(keras.Model):
    """Article A's encoder exactly as written: no flatten."""

    def __init__(self):
        super().__init__()
        self.hidden = keras.layers.Dense(64, activation="relu")
        self.code = keras.layers.Dense(32, activation="relu")

    def call(self, images):
        return self.code(self.hidden(images))


@pytest.mark.parametrize(
    ("answer", "outcome", "phrase"),
    [
        (lambda: _article_a(), Outcome.CORRECT, "Article A's encoder, fixed"),
        (SubclassedEncoder, Outcome.CORRECT, "Article A's encoder, fixed"),
        (lambda: _article_a(flatten=False), Outcome.INCORRECT, "still Article A's bug"),
        (UnflattenedEncoder, Outcome.INCORRECT, "still Article A's bug"),
        # the lesson's convention (a linear code) instead of Article A's ReLU code
        (lambda: _article_a(code_activation=None), Outcome.INCORRECT,
         "Layer 2 of `build_article_encoder()` (64 -> 32 units) seems to use no activation"),
        (lambda: _encoder(_dense(64, "tanh"), _dense(32, "relu")), Outcome.INCORRECT,
         "seems to use tanh"),
        # Article B's sizes, 784 -> 128 -> 32
        (lambda: _encoder(_dense(128, "relu"), _dense(32, "relu")), Outcome.INCORRECT,
         "784 -> 64 -> 32, has 52,320"),
        # biases forgotten
        (lambda: _encoder(keras.layers.Dense(64, activation="relu", use_bias=False),
                          keras.layers.Dense(32, activation="relu", use_bias=False)),
         Outcome.INCORRECT, "has 52,224 parameters"),
        # Flatten too late: the first Dense still reads rows of 28 pixels
        (lambda: _encoder(_dense(64, "relu"), keras.layers.Flatten(), _dense(32, "relu"),
                          flatten=False), Outcome.INCORRECT, "parameters"),
        # the old course exercise, 784 -> 128 -> 64 -> 32
        (lambda: _encoder(_dense(128, "relu"), _dense(64, "relu"), _dense(32, "relu")),
         Outcome.INCORRECT, "parameters"),
        # flat inputs, as in Article B: no longer takes images
        (lambda: _encoder(_dense(64, "relu"), _dense(32, "relu"), flatten=False,
                          input_shape=(784,)), Outcome.INCORRECT, "takes inputs of shape (784,)"),
        (lambda: "encoder", Outcome.INCORRECT, "Keras model"),
        (lambda: None, Outcome.NOT_ATTEMPTED, "build the model"),
    ],
)
def test_article_encoder(answer, outcome, phrase):
    _assert(checks.article_encoder.evaluate(answer), outcome, phrase)


def test_article_encoder_model_instead_of_function():
    _assert(checks.article_encoder.evaluate(_article_a()), Outcome.INCORRECT,
            "pass the function instead")


def test_article_b_layers_sequential_is_reported_as_raised():
    def article():
        from keras import layers

        return layers.Sequential([layers.Dense(32)])

    feedback = checks.article_encoder.evaluate(article)
    assert feedback.outcome is Outcome.RAISED
    assert "AttributeError" in feedback.message


# -- dead_units ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("answer", "outcome", "phrase"),
    [
        (lambda c: int(np.all(c == 0, axis=0).sum()), Outcome.CORRECT, "every image"),
        (lambda c: np.sum(c.max(axis=0) == 0), Outcome.CORRECT, "every image"),
        (lambda c: keras.ops.sum(keras.ops.all(c == 0, axis=0)), Outcome.CORRECT, "every image"),
        (lambda c: int(np.sum(c == 0)), Outcome.INCORRECT, "number of zero values"),
        (lambda c: int(np.all(c == 0, axis=1).sum()), Outcome.INCORRECT, "axis 0"),
        (lambda c: int(np.any(c == 0, axis=0).sum()), Outcome.INCORRECT, "not `any`"),
        (lambda c: float(np.all(c == 0, axis=0).mean()), Outcome.INCORRECT, "fraction"),
        (lambda c: np.all(c == 0, axis=0), Outcome.INCORRECT, "one per unit"),
        (lambda c: int(np.all(c < 0, axis=0).sum()), Outcome.INCORRECT, "exactly zero"),
        (lambda c: None, Outcome.NOT_ATTEMPTED, "stub"),
    ],
)
def test_dead_units(answer, outcome, phrase):
    _assert(checks.dead_units.evaluate(answer), outcome, phrase)


def test_dead_units_result_instead_of_function():
    _assert(checks.dead_units.evaluate(3), Outcome.INCORRECT, "should be the function itself")


def test_dead_unit_cases_tell_the_mistakes_apart():
    for _text, codes, expected in checks._dead_unit_cases():
        zero = codes == 0
        assert expected == np.all(zero, axis=0).sum()
        if len(codes) > 1:
            assert expected not in (zero.sum(), zero.all(axis=1).sum(), zero.any(axis=0).sum())


def test_dense_params():
    assert checks.dense_params([784, 128, 32]) == 784 * 128 + 128 + 128 * 32 + 32


# -- a written function that forgets `return` is not "not attempted" ------------------------
def _count_no_return(sizes):
    total = sum(a * b + b for a, b in _pairs(sizes))
    print(total)


def _encode_no_return(encoder, images):
    codes = keras.ops.convert_to_numpy(encoder(images))
    print(codes.shape)


def _smallest_no_return(encoders, x_fit, y_fit, x_val, y_val, margin):
    for k in sorted(encoders):
        chosen = k
        break
    print(chosen)


def _dead_no_return(codes):
    dead = int(np.all(codes == 0, axis=0).sum())
    print(dead)


@pytest.mark.parametrize(
    ("exercise", "answer"),
    [
        (checks.count_dense_params, _count_no_return),
        (checks.encode, _encode_no_return),
        (checks.smallest_code_size, _smallest_no_return),
        (checks.dead_units, _dead_no_return),
    ],
)
def test_forgotten_return_is_named(exercise, answer):
    _assert(exercise.evaluate(answer), Outcome.INCORRECT, "Did you forget `return`?")
