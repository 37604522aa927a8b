"""Reference models shared by the lessons: a dense encoder, decoder and autoencoder.

Lessons 01-02 teach how to build these; later lessons reuse them from here so that no notebook
copies another's model code.
"""

from __future__ import annotations

from collections.abc import Sequence

import keras

from course_utils.layers import DenseTranspose, tie_targets

IMAGE_SHAPE = (28, 28)


@keras.saving.register_keras_serializable(package="course_utils")
class Autoencoder(keras.Model):
    """An encoder and a decoder trained as one model; ``.encoder`` and ``.decoder`` stay usable.

    It survives ``model.save("ae.keras")`` / ``keras.models.load_model("ae.keras")``: the config
    holds both parts, and a decoder of ``DenseTranspose`` layers is tied again to the loaded
    encoder's kernels (see ``course_utils.layers.DenseTranspose``). The encoder and decoder must
    themselves be serialisable (Sequential or functional models of Keras or course layers).
    In a new Python session, ``import course_utils.models`` before ``load_model``: Keras finds
    a registered class only once its module has been imported.
    """

    def __init__(self, encoder: keras.Model, decoder: keras.Model, **kwargs):
        super().__init__(**kwargs)
        self.encoder = encoder
        self.decoder = decoder

    def call(self, inputs, training=False):
        return self.decoder(self.encoder(inputs, training=training), training=training)

    def build(self, input_shape):
        input_shape = (None, *tuple(input_shape)[1:])  # the batch size is not part of the model
        if not self.encoder.built:
            self.encoder.build(input_shape)
        if not self.decoder.built:
            self.decoder.build(self.encoder.compute_output_shape(input_shape))
        super().build(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(
            encoder=keras.saving.serialize_keras_object(self.encoder),
            decoder=keras.saving.serialize_keras_object(self.decoder),
        )
        return config

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        encoder = keras.saving.deserialize_keras_object(
            config.pop("encoder"), custom_objects=custom_objects
        )
        # The decoder may hold layers tied to the encoder's Dense layers: rebuild those ties.
        with tie_targets(encoder):
            decoder = keras.saving.deserialize_keras_object(
                config.pop("decoder"), custom_objects=custom_objects
            )
        return cls(encoder, decoder, **config)


def dense_encoder(
    code_size: int,
    hidden: Sequence[int] = (128,),
    *,
    input_shape: tuple[int, ...] = IMAGE_SHAPE,
    activation: str | None = "relu",
    code_activation: str | None = None,
    kernel_regularizer=None,
    activity_regularizer=None,
    name: str = "encoder",
) -> keras.Sequential:
    """Flatten, Dense hidden layers, then a Dense code layer of ``code_size`` units."""
    layers = [keras.Input(shape=input_shape), keras.layers.Flatten()]
    layers += [
        keras.layers.Dense(units, activation=activation, kernel_regularizer=kernel_regularizer)
        for units in hidden
    ]
    layers.append(
        keras.layers.Dense(
            code_size,
            activation=code_activation,
            kernel_regularizer=kernel_regularizer,
            activity_regularizer=activity_regularizer,
            name="code",
        )
    )
    return keras.Sequential(layers, name=name)


def dense_decoder(
    code_size: int,
    hidden: Sequence[int] = (128,),
    *,
    output_shape: tuple[int, ...] = IMAGE_SHAPE,
    activation: str | None = "relu",
    output_activation: str | None = "sigmoid",
    kernel_regularizer=None,
    name: str = "decoder",
) -> keras.Sequential:
    """Dense hidden layers (mirrored), a Dense output of the image size, reshaped to images."""
    size = 1
    for side in output_shape:
        size *= side
    layers = [keras.Input(shape=(code_size,))]
    layers += [
        keras.layers.Dense(units, activation=activation, kernel_regularizer=kernel_regularizer)
        for units in hidden
    ]
    layers += [
        keras.layers.Dense(size, activation=output_activation,
                           kernel_regularizer=kernel_regularizer, name="pixels"),
        keras.layers.Reshape(output_shape),
    ]
    return keras.Sequential(layers, name=name)


def dense_autoencoder(
    code_size: int,
    hidden: Sequence[int] = (128,),
    *,
    input_shape: tuple[int, ...] = IMAGE_SHAPE,
    activation: str | None = "relu",
    code_activation: str | None = None,
    output_activation: str | None = "sigmoid",
    kernel_regularizer=None,
    activity_regularizer=None,
    name: str = "autoencoder",
) -> Autoencoder:
    """A mirrored dense autoencoder, e.g. 784-128-``code_size``-128-784, built and uncompiled."""
    encoder = dense_encoder(
        code_size, hidden, input_shape=input_shape, activation=activation,
        code_activation=code_activation, kernel_regularizer=kernel_regularizer,
        activity_regularizer=activity_regularizer,
    )
    decoder = dense_decoder(
        code_size, tuple(reversed(tuple(hidden))), output_shape=input_shape,
        activation=activation, output_activation=output_activation,
        kernel_regularizer=kernel_regularizer,
    )
    model = Autoencoder(encoder, decoder, name=name)
    model.build((None, *input_shape))
    return model


def tied_dense_autoencoder(
    code_size: int,
    hidden: Sequence[int] = (128,),
    *,
    input_shape: tuple[int, ...] = IMAGE_SHAPE,
    activation: str | None = "relu",
    output_activation: str | None = "sigmoid",
    name: str = "tied_autoencoder",
) -> Autoencoder:
    """A dense autoencoder whose decoder reuses the encoder's kernels, transposed
    (``DenseTranspose``): about half the parameters of ``dense_autoencoder``. Built, uncompiled."""
    encoder = dense_encoder(code_size, hidden, input_shape=input_shape, activation=activation)
    dense = [layer for layer in encoder.layers if isinstance(layer, keras.layers.Dense)]
    activations = [activation] * (len(dense) - 1) + [output_activation]
    decoder = keras.Sequential(
        [
            keras.Input(shape=(code_size,)),
            *(DenseTranspose(layer, activation=act)
              for layer, act in zip(reversed(dense), activations, strict=True)),
            keras.layers.Reshape(input_shape),
        ],
        name="tied_decoder",
    )
    model = Autoencoder(encoder, decoder, name=name)
    model.build((None, *input_shape))
    return model
