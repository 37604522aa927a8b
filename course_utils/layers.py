"""Custom layers used by the lessons: a Dense layer tied to another one's transposed kernel.

Lesson 02 introduces tied weights; later lessons (linear autoencoders, PCA) reuse the layer.
"""

from __future__ import annotations

import keras


class DenseTranspose(keras.layers.Layer):
    """``activation(inputs @ dense.kernel.T + bias)``: a decoder layer tied to an encoder layer.

    It reuses the kernel of ``dense`` (transposed) and owns only a bias, one per input unit of
    ``dense``. The kernel stays the encoder's weight: Keras counts and trains it once, as part
    of the encoder, so ``decoder.count_params()`` shows only what the tied decoder adds.

    >>> code_layer = encoder.get_layer("code")              # Dense(code_size) on 128 inputs
    >>> DenseTranspose(code_layer, activation="relu")       # maps codes back to 128 units
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
        raise NotImplementedError(
            "A DenseTranspose layer points at another layer and cannot be serialised on its "
            "own: save the model's weights with `model.save_weights(...)` and rebuild it in code."
        )
