"""Custom layers used by the lessons: a Dense layer tied to another one's transposed kernel.

Lesson 02 introduces tied weights; later lessons (linear autoencoders, PCA) reuse the layer.
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator

import keras

# While a model that holds tied layers is being deserialised, the Dense layers a
# DenseTranspose may be tied to, by name (see ``tie_targets``).
_TIE_TARGETS: contextvars.ContextVar[dict[str, keras.layers.Dense] | None] = (
    contextvars.ContextVar("course_utils_tie_targets", default=None)
)


def _dense_layers(layer: keras.layers.Layer) -> Iterator[keras.layers.Dense]:
    """Every Dense layer in ``layer``, looking inside nested models."""
    if isinstance(layer, keras.layers.Dense):
        yield layer
    for child in getattr(layer, "layers", ()):
        yield from _dense_layers(child)


@contextlib.contextmanager
def tie_targets(*models: keras.layers.Layer) -> Iterator[None]:
    """Let DenseTranspose layers deserialised inside this block tie to Dense layers of ``models``.

    ``Autoencoder.from_config`` rebuilds the encoder first, then the decoder inside this block,
    so that each saved ``DenseTranspose`` finds the Dense layer it was tied to by its name.
    """
    targets = dict(_TIE_TARGETS.get() or {})
    for model in models:
        targets.update({dense.name: dense for dense in _dense_layers(model)})
    token = _TIE_TARGETS.set(targets)
    try:
        yield
    finally:
        _TIE_TARGETS.reset(token)


@keras.saving.register_keras_serializable(package="course_utils")
class DenseTranspose(keras.layers.Layer):
    """``activation(inputs @ dense.kernel.T + bias)``: a decoder layer tied to an encoder layer.

    It reuses the kernel of ``dense`` (transposed) and owns only a bias, one per input unit of
    ``dense``. The kernel stays the encoder's weight: Keras counts and trains it once, as part
    of the encoder, so ``decoder.count_params()`` shows only what the tied decoder adds.

    >>> code_layer = encoder.get_layer("code")              # Dense(code_size) on 128 inputs
    >>> DenseTranspose(code_layer, activation="relu")       # maps codes back to 128 units

    Saving: the tie is a reference to another layer, so the layer's config stores the tied
    layer's *name* and the tie is rebuilt when the whole model is loaded. Save the whole
    ``course_utils.models.Autoencoder`` (``model.save("tied.keras")``, then
    ``keras.models.load_model("tied.keras")``): its encoder is rebuilt first and each
    DenseTranspose in its decoder is tied again to the encoder's Dense layer of that name, so
    the loaded model shares one kernel exactly as the original did. A decoder saved on its
    own cannot be loaded (its kernel lives in the encoder); loading it says so.
    """

    def __init__(self, dense: keras.layers.Dense, activation=None, **kwargs):
        if not isinstance(dense, keras.layers.Dense):
            raise TypeError(
                f"DenseTranspose ties itself to a keras.layers.Dense; got {type(dense).__name__}."
            )
        super().__init__(**kwargs)
        # object.__setattr__ skips Keras's automatic tracking: the tied kernel must not become
        # one of this layer's own weights (it is the encoder's, counted and trained there).
        object.__setattr__(self, "tied", dense)
        self.activation = keras.activations.get(activation)

    @property
    def kernel(self):
        """The tied kernel, shape (units of ``dense``, inputs of ``dense``): ``dense.kernel.T``."""
        return keras.ops.transpose(self._dense_kernel())

    def _dense_kernel(self):
        if not self.tied.built:
            raise ValueError(
                f"DenseTranspose is tied to layer `{self.tied.name}`, which has no kernel yet: "
                "build the encoder first (start it with keras.Input(...))."
            )
        return self.tied.kernel

    def build(self, input_shape):
        units_in, units_out = self._dense_kernel().shape
        if input_shape[-1] is not None and input_shape[-1] != units_out:
            raise ValueError(
                f"DenseTranspose tied to `{self.tied.name}` expects inputs with {units_out} "
                f"features (that layer's units); got shape {tuple(input_shape)}."
            )
        self.bias = self.add_weight(name="bias", shape=(units_in,), initializer="zeros")

    def call(self, inputs):
        outputs = keras.ops.matmul(inputs, keras.ops.transpose(self._dense_kernel()))
        return self.activation(outputs + self.bias)

    def compute_output_shape(self, input_shape):
        return (*input_shape[:-1], self._dense_kernel().shape[0])

    def get_config(self):
        """The tied layer is stored by name; see the class docstring for how it is re-tied."""
        config = super().get_config()
        config.update(
            tied_to=self.tied.name,
            activation=keras.activations.serialize(self.activation),
        )
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        name = config.pop("tied_to")
        dense = (_TIE_TARGETS.get() or {}).get(name)
        if dense is None:
            raise ValueError(
                f"This DenseTranspose was tied to the Dense layer `{name}`, which is not part "
                "of what is being loaded. A tied decoder can only be loaded together with its "
                "encoder: save and load the whole course_utils.models.Autoencoder (or load "
                "inside `with course_utils.layers.tie_targets(encoder):`)."
            )
        return cls(dense, **config)
