"""Sparse autoencoders (SAEs) for interpretability, and the metrics used to judge them.

An SAE rewrites activations ``x`` (n, d) as a sparse, non-negative combination of many learned
directions: ``z = relu((x - b_dec) @ W_enc + b_enc)`` with ``m`` latents (often m > d), and
``x_hat = z @ D + b_dec``, where the rows of ``D`` (m, d), the *decoder directions*, have unit
length (``D`` is ``W_dec`` with each row divided by its norm). Unit rows matter for the L1
variant: otherwise the model could shrink ``z`` and grow ``D`` to dodge the penalty. Two ways to
make ``z`` sparse:

* ``l1 > 0``: the loss adds ``l1 * mean_over_inputs(sum_j z_j)`` (Bricken et al. 2023).
* ``k``: TopK (Gao et al. 2024): keep the ``k`` largest pre-activations of each input, zero the
  rest, then ReLU. L0 is then at most ``k`` by construction; no penalty is needed.

``linear=True`` drops the ReLU (and allows neither ``k`` nor ``l1``): a plain linear autoencoder
with the same shapes, initialisation and training, as a control (lesson 12 uses it to test the
advice to prefer linear activations). Its latents can be negative, so a decoder direction may
represent a feature pointing either way: compare it with ``feature_recovery(..., signed=False)``.

The loss is the mean squared error over inputs and dimensions plus the penalty. The model has
one layer, so :func:`train_sae` writes its gradients out and runs Adam in NumPy: for a model this
small, that is many times faster than ``keras.Model.fit``, whose fixed cost per model (tracing,
compiling) would dominate, and it gives the same numbers on every machine.

Metrics (NumPy):

* :func:`fvu`, fraction of variance unexplained: ``sum ||x - x_hat||^2 / sum ||x - mean(x)||^2``
  (total over inputs and dimensions; 0 perfect, 1 no better than predicting the mean).
* :func:`l0` (mean active latents per input, active = ``z > 0``), :func:`dead_latents` (latents
  never active on the inputs given), :func:`firing_frequency` (share of inputs on which each
  latent is active).
* :func:`feature_recovery`: the share of known true directions that some decoder direction
  matches with cosine >= 0.9. It takes the *maximum* cosine over decoder directions for each true
  direction (not a one-to-one assignment: two close true features may share a latent) and the
  *signed* cosine: a latent is non-negative, so a direction pointing the opposite way cannot
  represent the feature.
* :func:`matched_share`: the same between two SAEs (e.g. trained with different seeds).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

MATCH_THRESHOLD = 0.9


@dataclass
class SparseAutoencoder:
    """A trained SAE: weights as NumPy arrays, ``k`` (TopK) or ``l1`` (L1 penalty)."""

    w_enc: np.ndarray  # (d, m)
    b_enc: np.ndarray  # (m,)
    w_dec: np.ndarray  # (m, d), rows normalised in use
    b_dec: np.ndarray  # (d,)
    k: int | None = None
    l1: float = 0.0
    linear: bool = False
    history: dict = field(default_factory=dict)

    @property
    def n_inputs(self) -> int:
        return self.w_enc.shape[0]

    @property
    def n_latents(self) -> int:
        return self.w_enc.shape[1]

    def pre_activations(self, x) -> np.ndarray:
        return (np.asarray(x, dtype=self.w_enc.dtype) - self.b_dec) @ self.w_enc + self.b_enc

    def encode(self, x) -> np.ndarray:
        """The latents ``z`` (n, m), all >= 0 (any sign if ``linear``); at most ``k`` non-zero
        per row for TopK."""
        pre = self.pre_activations(x)
        if self.linear:
            return pre
        if self.k is not None:
            pre = topk(pre, self.k)
        return np.maximum(pre, 0.0)

    @property
    def directions(self) -> np.ndarray:
        """The decoder directions: rows of unit length (m, d)."""
        return self.w_dec / _row_norms(self.w_dec)

    def decode(self, z) -> np.ndarray:
        return np.asarray(z, dtype=self.w_dec.dtype) @ self.directions + self.b_dec

    def __call__(self, x) -> np.ndarray:
        return self.decode(self.encode(x))


def _row_norms(w: np.ndarray) -> np.ndarray:
    return np.sqrt(np.sum(w * w, axis=1, keepdims=True) + 1e-12)


def topk(pre, k: int) -> np.ndarray:
    """Keep the ``k`` largest values of each row of ``pre`` (n, m) and set the others to 0."""
    pre = np.asarray(pre)
    if not 1 <= k <= pre.shape[1]:
        raise ValueError(f"k must lie between 1 and {pre.shape[1]}; got {k!r}.")
    kth = np.partition(pre, pre.shape[1] - k, axis=1)[:, pre.shape[1] - k][:, None]
    return np.where(pre >= kth, pre, 0.0).astype(pre.dtype)


def init_from_data(x: np.ndarray, n_latents: int, rng: np.random.Generator):
    """``b_dec`` = the mean of ``x``; decoder rows = ``n_latents`` random centred inputs (unit
    length); encoder = their transpose. Latents then start where the data are, which leaves far
    fewer of them dead than a random start."""
    mean = x.mean(axis=0)
    rows = x[rng.choice(len(x), size=n_latents, replace=len(x) < n_latents)] - mean
    rows = rows + 1e-3 * rng.normal(size=rows.shape)  # never a zero row
    rows = rows / np.linalg.norm(rows, axis=1, keepdims=True)
    f32 = np.float32
    return rows.T.astype(f32).copy(), np.zeros(n_latents, f32), rows.astype(f32), mean.astype(f32)


def _gradients(sae: SparseAutoencoder, x: np.ndarray):
    """Loss and gradients for (w_enc, b_enc, w_dec, b_dec) on the batch ``x``."""
    n, d = x.shape
    norms = _row_norms(sae.w_dec)
    directions = sae.w_dec / norms
    centred = x - sae.b_dec
    pre = centred @ sae.w_enc + sae.b_enc
    z = pre if sae.linear else np.maximum(topk(pre, sae.k) if sae.k is not None else pre, 0.0)
    error = z @ directions + sae.b_dec - x
    loss = float(np.mean(error**2)) + sae.l1 * float(z.sum(axis=1).mean())
    g_out = 2.0 * error / (n * d)
    g_z = g_out @ directions.T + sae.l1 / n
    g_pre = g_z if sae.linear else g_z * (z > 0)
    g_dirs = z.T @ g_out
    g_w_dec = (g_dirs - directions * np.sum(g_dirs * directions, axis=1, keepdims=True)) / norms
    g_b_dec = g_out.sum(axis=0) - g_pre.sum(axis=0) @ sae.w_enc.T
    return loss, (centred.T @ g_pre, g_pre.sum(axis=0), g_w_dec, g_b_dec)


def train_sae(
    x,
    n_latents: int,
    *,
    k: int | None = None,
    l1: float = 0.0,
    epochs: int = 20,
    batch_size: int = 256,
    learning_rate: float = 3e-3,
    seed: int = 0,
    linear: bool = False,
    description: str | None = None,
) -> SparseAutoencoder:
    """Train an SAE on the rows of ``x`` with Adam (minibatches, reshuffled every epoch).

    ``seed`` fixes the initial weights and the shuffling; ``linear=True`` trains the linear
    control (no ReLU, no sparsity). With ``description`` a progress bar
    over epochs is shown; without it, training is silent (checks, tests). The mean loss of each
    epoch is kept in ``sae.history["loss"]``.
    """
    from .progress import progress

    x = np.asarray(x, dtype=np.float32)
    if x.ndim != 2 or len(x) < 2:
        raise ValueError(f"train_sae expects activations of shape (n, d); got {x.shape}.")
    if k is not None and not 1 <= int(k) <= n_latents:
        raise ValueError(f"k must lie between 1 and n_latents={n_latents}; got {k!r}.")
    if l1 < 0:
        raise ValueError(f"l1 is a penalty strength and cannot be negative; got {l1!r}.")
    if linear and (k is not None or l1 > 0):
        raise ValueError("A linear autoencoder has no ReLU to make latents sparse: pass neither "
                         "k nor l1 with linear=True.")
    rng = np.random.default_rng(seed)
    sae = SparseAutoencoder(*init_from_data(x, n_latents, rng), k=None if k is None else int(k),
                            l1=float(l1), linear=bool(linear))
    params = [sae.w_enc, sae.b_enc, sae.w_dec, sae.b_dec]
    moments = [np.zeros_like(p) for p in params]
    squares = [np.zeros_like(p) for p in params]
    beta1, beta2, step = 0.9, 0.999, 0
    epochs_iter = progress(range(epochs), description) if description else range(epochs)
    losses = []
    for _ in epochs_iter:
        order = rng.permutation(len(x))
        total = 0.0
        for start in range(0, len(x), batch_size):
            batch = x[order[start:start + batch_size]]
            loss, grads = _gradients(sae, batch)
            total += loss * len(batch)
            step += 1
            correction = np.sqrt(1 - beta2**step) / (1 - beta1**step)
            for p, g, m, v in zip(params, grads, moments, squares, strict=True):
                m *= beta1
                m += (1 - beta1) * g
                v *= beta2
                v += (1 - beta2) * g * g
                p -= (learning_rate * correction * m / (np.sqrt(v) + 1e-8)).astype(p.dtype)
        losses.append(total / len(x))
    sae.history = {"loss": losses}
    return sae


def latents(sae: SparseAutoencoder, x) -> np.ndarray:
    """The SAE's latents for ``x`` (n, n_latents)."""
    return sae.encode(x)


def reconstruct(sae: SparseAutoencoder, x) -> np.ndarray:
    return sae(x)


def decoder_directions(sae: SparseAutoencoder) -> np.ndarray:
    """Unit-length decoder directions as rows (n_latents, n_inputs)."""
    return sae.directions


# -- metrics ---------------------------------------------------------------------------------
def fvu(x, x_hat) -> float:
    """Fraction of variance unexplained: total squared error over total variance about the mean.

    >>> fvu(np.array([[0.0], [2.0]]), np.array([[1.0], [1.0]]))   # predicting the mean
    1.0
    """
    x = np.asarray(x, dtype=np.float64)
    x_hat = np.asarray(x_hat, dtype=np.float64).reshape(x.shape)
    total = np.sum((x - x.mean(axis=0)) ** 2)
    if total == 0:
        raise ValueError("The inputs have no variance, so FVU is undefined.")
    return float(np.sum((x - x_hat) ** 2) / total)


def _codes(z) -> np.ndarray:
    z = np.asarray(z)
    if z.ndim != 2:
        raise ValueError(f"latents should have shape (n_inputs, n_latents); got {z.shape}.")
    return z


def firing_frequency(z) -> np.ndarray:
    """For each latent, the share of inputs on which it is active (``z > 0``)."""
    return (_codes(z) > 0).mean(axis=0)


def l0(z) -> float:
    """The mean number of active latents (``z > 0``) per input."""
    return float((_codes(z) > 0).sum(axis=1).mean())


def dead_latents(z) -> int:
    """The number of latents that are never active (``z > 0``) on these inputs."""
    return int(np.sum(~(_codes(z) > 0).any(axis=0)))


def cosine_matrix(a, b) -> np.ndarray:
    """Signed cosine between every row of ``a`` (rows of the result) and every row of ``b``."""
    a = np.asarray(a, dtype=np.float64)
    b = np.asarray(b, dtype=np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise ValueError(f"Directions are rows of the same length; got shapes {a.shape} and "
                         f"{b.shape}.")
    a = a / np.linalg.norm(a, axis=1, keepdims=True)
    b = b / np.linalg.norm(b, axis=1, keepdims=True)
    return a @ b.T


def best_cosines(true_directions, found_directions, *, signed: bool = True) -> np.ndarray:
    """For each row of ``true_directions``, its largest cosine with a found direction (``|cos|``
    with ``signed=False``)."""
    cosines = cosine_matrix(true_directions, found_directions)
    return (cosines if signed else np.abs(cosines)).max(axis=1)


def feature_recovery(true_directions, found_directions,
                     threshold: float = MATCH_THRESHOLD, *, signed: bool = True) -> float:
    """Share of true directions (rows) matched by some found direction with cosine >= threshold.

    Max-cosine matching, signed: see the module docstring. ``signed=False`` counts ``|cos|``, for
    latents that may be negative (a linear autoencoder's).
    """
    best = best_cosines(true_directions, found_directions, signed=signed)
    return float(np.mean(best >= threshold))


def matched_share(directions_a, directions_b, threshold: float = MATCH_THRESHOLD,
                  alive=None) -> float:
    """Share of the rows of ``directions_a`` that some row of ``directions_b`` matches (cosine
    >= threshold). ``alive`` (booleans per row of a) restricts the count to those rows."""
    best = best_cosines(directions_a, directions_b)
    if alive is not None:
        best = best[np.asarray(alive, dtype=bool)]
    return float(np.mean(best >= threshold)) if best.size else 0.0
