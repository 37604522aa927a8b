"""AE + Gaussian vs VAE vs GAN on MNIST at equal wall-clock budgets, over seeds.

For each seed and family (``course_utils.families.FAMILIES``: a dense autoencoder 784-512-256-16
with a Gaussian fitted to its training codes; a dense VAE of the same size, sampled from its prior
and from a Gaussian fitted to its posterior means; the dense GAN ``course_utils.gan.mnist_gan``),
one model trains on the bundled 4,000 MNIST training images for ``--seconds`` of wall-clock time,
with constant learning rates. The clock starts after the first call into TensorFlow (tracing).
At each checkpoint (seconds of training, scoring time excluded)
1,000 samples are scored against the 1,000 test images in the course classifier's feature space:
Fréchet distance, precision, recall, density, coverage, the digit histogram, and the steps taken.
A budget's row is the first checkpoint at or after it (with constant learning rates, what a run of
that budget would give). Results go to a JSON file kept in the repository, which lesson 08 reads.

    python benchmarks/families.py [--seconds 60] [--budgets 15 60] [--seeds 0 1 2]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("COURSE_OFFLINE", "1")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from course_utils.quiet import import_tensorflow  # noqa: E402

import_tensorflow()

import keras  # noqa: E402

from course_utils import load_mnist  # noqa: E402
from course_utils.families import (  # noqa: E402
    FAMILIES,
    format_cell,
    format_table,
    summarise,
    train_for_seconds,
)
from course_utils.features import mnist_features  # noqa: E402

CHECKPOINTS = (2.5, 5, 10, 15, 20, 30, 45, 60, 90, 120, 180)
DEFAULT_OUT = ROOT / "benchmarks" / "families_results.json"
COMMAND = "python benchmarks/families.py"


def markdown_table(table: dict, seconds: float) -> str:
    columns = ["frechet_distance", "precision", "recall", "density", "coverage", "steps"]
    head = ["model", "FD", "precision", "recall", "density", "coverage", "steps"]
    lines = [f"| {' | '.join(head)} |", "|" + "---|" * len(head)]
    for sampler, row in table.items():
        cells = [format_cell(column, *row[column][:2]) for column in columns]
        lines.append(f"| {sampler} at {seconds:g} s | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--budgets", type=float, nargs="+", default=[15.0, 60.0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--families", nargs="+", default=list(FAMILIES))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args()

    mnist = load_mnist()
    real_features = mnist_features(mnist.x_test)
    checkpoints = [c for c in CHECKPOINTS if c < args.seconds] + list(args.budgets)
    runs = []
    started = time.perf_counter()
    for seed in args.seeds:  # seeds outermost: a burst of load hits every family alike
        for family in args.families:
            run = train_for_seconds(family, mnist.x_train, real_features, seconds=args.seconds,
                                    seed=seed, checkpoints=checkpoints)
            for sampler, points in run.scores.items():
                runs.append({"family": family, "sampler": sampler, "seed": seed,
                             "seconds": round(run.seconds, 2), "steps": run.steps,
                             "tracing_seconds": round(run.tracing_seconds, 2),
                             "checkpoints": points})
                last = points[-1]
                print(f"{sampler:<22} seed {seed}: FD {last['frechet_distance']:.1f} after "
                      f"{last['seconds']:.0f} s, {last['steps']} steps", flush=True)
            keras.backend.clear_session()
    results = {
        "description": "AE + Gaussian vs VAE vs GAN on the bundled MNIST subset, equal "
                       "wall-clock budgets; 1,000 samples per checkpoint scored against the "
                       "1,000 test images with course_utils.generation.generation_scores on "
                       "course_utils.features.mnist_features",
        "command": COMMAND,
        "seconds": args.seconds, "budgets": args.budgets, "seeds": args.seeds,
        "n_train": int(len(mnist.x_train)), "n_test": int(len(mnist.x_test)),
        "data": mnist.source, "cpus": os.cpu_count(), "machine": platform.machine(),
        "keras": keras.__version__, "wall_seconds": round(time.perf_counter() - started, 1),
        "runs": runs,
    }
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=1) + "\n")
    for seconds in args.budgets:
        table = summarise(runs, seconds)
        print()
        print(format_table(table, seconds))
        print()
        print(markdown_table(table, seconds))
    print(f"\nwrote {args.out.relative_to(ROOT) if args.out.is_relative_to(ROOT) else args.out}")


if __name__ == "__main__":
    main()
