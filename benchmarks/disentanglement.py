"""MIG of a VAE and of beta-VAEs on the shapes dataset, over several seeds per beta.

The recipe of lesson 11: ``course_utils.vae.dense_vae(10, hidden=(256,))`` trained on 4,000
images of ``make_shapes(4000, seed=0)`` (Adam 3e-3, batch 128, ``--epochs`` epochs, default 15);
MIG (``course_utils.disentanglement.mig``, 20 bins per unit) of 2,000 validation images,
``make_shapes(2000, seed=1)``, three ways: on the posterior means (all units, as
disentanglement_lib), on one sample z ~ q(z | x) per image (``sample_codes``, seed 0), and on the
means of the units whose KL is at least ``--min-kl`` nats (default 0.1). The seed sets the
initial weights and the sampling noise; the data are the same for every run. Prints one row per
beta: mean, standard deviation (ddof=1) and every seed's MIG on the means, the mean and sd of the
other two estimates, the mean reconstruction (nats per image), and the per-factor gaps (means)
averaged over the seeds; then the training seconds per model.

    python benchmarks/disentanglement.py [--betas 1 4 8] [--seeds 5] [--epochs 15] [--min-kl 0.1]
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
import numpy as np  # noqa: E402

from course_utils.disentanglement import mig, mig_per_factor, sample_codes  # noqa: E402
from course_utils.shapes import FACTOR_NAMES, make_shapes  # noqa: E402
from course_utils.vae import dense_vae, kl_per_unit  # noqa: E402

CODE_SIZE, HIDDEN, LEARNING_RATE, BATCH = 10, (256,), 3e-3, 128


def run(beta: float, seed: int, train, validation, epochs: int, min_kl: float) -> dict:
    """Train one VAE; its validation MIG (three ways), per-factor gaps and reconstruction."""
    keras.utils.set_random_seed(seed)
    vae = dense_vae(CODE_SIZE, hidden=HIDDEN, beta=beta, seed=seed)
    vae.compile(optimizer=keras.optimizers.Adam(LEARNING_RATE))
    start = time.perf_counter()
    vae.fit(train.images, epochs=epochs, batch_size=BATCH, verbose=0)
    seconds = time.perf_counter() - start
    scores = vae.evaluate(validation.images, batch_size=500, verbose=0, return_dict=True)
    codes, log_var = vae.encoder.predict(validation.images, batch_size=500, verbose=0)
    gaps = mig_per_factor(codes, validation.factors)
    keep = np.asarray(kl_per_unit(codes, log_var)).mean(axis=0) >= min_kl
    active = (mig(codes[:, keep], validation.factors) if keep.sum() >= 2 else float("nan"))
    return dict(mig=float(gaps.mean()), gaps=gaps, reconstruction=scores["reconstruction"],
                samples=mig(sample_codes(codes, log_var, seed=0), validation.factors),
                active=active, units=int(keep.sum()), kl=scores["kl"], seconds=seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--betas", type=float, nargs="+", default=[1.0, 4.0, 8.0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--epochs", type=int, default=15)
    parser.add_argument("--min-kl", type=float, default=0.1)
    args = parser.parse_args()
    train, validation = make_shapes(4000, seed=0), make_shapes(2000, seed=1)
    results = {}
    for beta in args.betas:
        results[beta] = [run(beta, seed, train, validation, args.epochs, args.min_kl)
                         for seed in range(args.seeds)]
        for seed, r in enumerate(results[beta]):
            print(f"beta {beta:g} seed {seed}: MIG {r['mig']:.3f} (samples {r['samples']:.3f}, "
                  f"{r['units']} units >= {args.min_kl:g} nats {r['active']:.3f}), reconstruction "
                  f"{r['reconstruction']:.1f}, KL {r['kl']:.1f}, {r['seconds']:.0f} s",
                  flush=True)
    print(f"\n{args.epochs} epochs, {args.seeds} seeds per beta, validation MIG")
    print(f"| beta | MIG mean | std | per seed | samples | KL >= {args.min_kl:g} only | "
          f"reconstruction | KL | "
          f"{' | '.join(FACTOR_NAMES)} |")
    print("|---" * (8 + len(FACTOR_NAMES)) + "|")
    for beta, rows in results.items():
        migs = np.array([r["mig"] for r in rows])
        gaps = np.mean([r["gaps"] for r in rows], axis=0)
        print(f"| {beta:g} | {migs.mean():.3f} | {migs.std(ddof=1):.3f} | "
              f"{' '.join(f'{m:.3f}' for m in migs)} | {_mean_sd(rows, 'samples')} | "
              f"{_mean_sd(rows, 'active')} | "
              f"{np.mean([r['reconstruction'] for r in rows]):.1f} | "
              f"{np.mean([r['kl'] for r in rows]):.1f} | "
              f"{' | '.join(f'{g:.3f}' for g in gaps)} |")
    seconds = [r["seconds"] for rows in results.values() for r in rows]
    print(f"\ntraining: {sum(seconds):.0f} s for {len(seconds)} models ({min(seconds):.1f} to "
          f"{max(seconds):.1f} s each)")


def _mean_sd(rows: list[dict], key: str) -> str:
    values = np.array([r[key] for r in rows], dtype=float)
    values = values[np.isfinite(values)]
    sd = values.std(ddof=1) if len(values) > 1 else float("nan")
    return f"{values.mean():.3f} ± {sd:.3f}"


if __name__ == "__main__":
    main()
