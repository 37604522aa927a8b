"""Test negative ELBO of the course's dense VAE within a training-time budget.

Trains ``course_utils.vae.dense_vae(code, hidden=(512, 256))`` on the bundled MNIST training
split (4,000 images; Adam 1e-3, batch ``--batch-size``, default 64) one epoch at a time until
``--budget`` seconds of training have passed, and after each epoch measures the negative ELBO
(summed BCE + KL per image, one sampled z, beta = 1) on the 1,000 test images; evaluation is not
timed. Prints, per code size: the test negative ELBO at the end of the budget, the lowest seen on
the way (and when), and when it first reached ``--target`` nats (default 158).

The pixels are grey levels, so every number contains the summed binary entropy of the test images
(printed: about 46 nats per image) and is not a bound on -log p(x); compare it only with numbers
computed the same way (see ``course_utils.vae``), not with published MNIST likelihoods.

    python benchmarks/vae_elbo.py [--codes 2 8 16] [--budget 60] [--seed 0] [--batch-size 64]
                                  [--target 158]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("COURSE_OFFLINE", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from course_utils.quiet import import_tensorflow  # noqa: E402

import_tensorflow()

import keras  # noqa: E402

from course_utils.data import load_mnist  # noqa: E402
from course_utils.vae import binary_entropy, dense_vae, negative_elbo  # noqa: E402


def run(code: int, budget: float, seed: int, data, batch_size: int = 64,
        target: float = 158.0) -> dict:
    """Train one VAE for ``budget`` seconds; the test negative ELBO after every epoch."""
    keras.utils.set_random_seed(seed)
    vae = dense_vae(code, seed=seed)
    vae.compile(optimizer=keras.optimizers.Adam(1e-3))
    trained, curve = 0.0, []
    while trained < budget:
        start = time.perf_counter()
        vae.fit(data.x_train, epochs=1, batch_size=batch_size, verbose=0)
        trained += time.perf_counter() - start
        curve.append((trained, negative_elbo(vae, data.x_test, seed=seed)))
    reached = next((t for t, nelbo in curve if nelbo <= target), None)
    best_t, best = min(curve, key=lambda point: point[1])
    return dict(code=code, epochs=len(curve), seconds=trained, final=curve[-1][1],
                best=best, best_t=best_t, reached=reached)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--codes", type=int, nargs="+", default=[2, 8, 16])
    parser.add_argument("--budget", type=float, default=60.0)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=64)
    parser.add_argument("--target", type=float, default=158.0)
    args = parser.parse_args()
    data = load_mnist(full=False)
    print(f"dense VAE 784-512-256-code, {len(data.x_train)} train / {len(data.x_test)} test "
          f"images, batch {args.batch_size}, {args.budget:.0f} s of training, "
          f"target {args.target:g} nats")
    print(f"entropy floor inside every number: {binary_entropy(data.x_test).mean():.1f} nats "
          "per test image")
    print(f"{'code':>4} {'epochs':>6} {'seconds':>7} {'final -ELBO':>11} "
          f"{'lowest -ELBO (at s)':>20} {'<= target at s':>14}")
    for code in args.codes:
        r = run(code, args.budget, args.seed, data, args.batch_size, args.target)
        reached = "never" if r["reached"] is None else f"{r['reached']:.1f}"
        print(f"{r['code']:>4} {r['epochs']:>6} {r['seconds']:>7.1f} {r['final']:>11.1f} "
              f"{r['best']:>12.1f} ({r['best_t']:>5.1f}) {reached:>14}", flush=True)


if __name__ == "__main__":
    main()
