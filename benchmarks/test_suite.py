"""Time the test suite by part: unit tests, each notebook folder, the site, browser and grading.

    python benchmarks/test_suite.py                      # every part, workers as `make test`
    python benchmarks/test_suite.py --parts exercises unit
    python benchmarks/test_suite.py --workers 2 --write  # also store the per-file seconds

Each part is one pytest run (the repository's pytest settings: fast mode, offline, `-n auto`
unless ``--workers`` says otherwise), timed from start to end, so a part's seconds include its own
kernel starts and its last, longest file. The parts add up to more than one `make test`, where the
files of all parts share the workers. The table lists, per part, the files, the tests by outcome
and the wall seconds, then the slowest files (the sum of their tests' setup, call and teardown).

``--write`` stores ``benchmarks/test_suite_results.json``: the table, the machine (cores, load
average before the run) and the seconds of every file, which conftest.py uses to start the longest
files first. Run it under ``flock /tmp/heavy.lock`` on a shared machine.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "benchmarks" / "test_suite_results.json"
_SLOW_TESTS = ("tests/test_grading.py", "tests/test_grading_hostile.py", "tests/test_site.py")


def _existing(paths: list[str]) -> list[str]:
    return [path for path in paths if (ROOT / path).exists()]


def parts() -> dict[str, list[str]]:
    """pytest arguments of each part; together they run every test of `make test` once."""
    ignore = [f"--ignore={path}" for path in _existing(list(_SLOW_TESTS))]
    return {
        "unit": ["tests", "-m", "not e2e", *ignore],
        "notebooks": ["notebooks"],
        "solutions": ["solutions"],
        "exercises": ["exercises"],
        "site": [*_existing(["tests/test_site.py"]), "-m", "not e2e"],
        "browser": ["tests", "-m", "e2e"],
        "grading": _existing(list(_SLOW_TESTS[:2])),
    }


_DURATION = re.compile(r"^\s*([\d.]+)s (?:setup|call|teardown)\s+(\S+?)::")
_SUMMARY = re.compile(r"(\d+) (passed|failed|skipped|errors?|deselected|xfailed|xpassed)")


def run_part(name: str, args: list[str], workers: str | None, log_dir: Path | None = None) -> dict:
    """Run one part; its wall seconds, outcome counts and seconds per file."""
    command = [sys.executable, "-m", "pytest", *args, "-q", "-p", "no:cacheprovider",
               "--durations=0", "--durations-min=0"]
    if workers is not None:
        command += ["-n", workers]
    start = time.perf_counter()
    done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
    seconds = time.perf_counter() - start
    if log_dir is not None:  # every test's seconds, e.g. to find a notebook's slowest cell
        (log_dir / f"{name}.log").write_text(done.stdout + done.stderr, encoding="utf-8")
    per_file: dict[str, float] = defaultdict(float)
    tests: dict[str, set[str]] = defaultdict(set)
    for line in done.stdout.splitlines():
        match = _DURATION.match(line)
        if match:
            per_file[match[2]] += float(match[1])
            tests[match[2]].add(line.split("::", 1)[1].strip())
    tail = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    counts = {kind.rstrip("s") if kind.startswith("error") else kind: int(n)
              for n, kind in _SUMMARY.findall(tail)}
    if done.returncode not in (0, 5):  # 5: nothing collected (e.g. no browser tests here)
        print(f"{name}: pytest exited with {done.returncode}; last lines:\n"
              + "\n".join(done.stdout.splitlines()[-15:]), file=sys.stderr)
    return {"seconds": round(seconds, 1), "files": len(per_file), "counts": counts,
            "returncode": done.returncode,
            "per_file": {path: round(s, 2) for path, s in per_file.items()},
            "tests_per_file": {path: len(ids) for path, ids in tests.items()}}


def simulate(order: list[str], seconds: dict[str, float], workers: int) -> float:
    """Wall seconds when each free worker takes the next file of ``order`` (xdist's loadfile)."""
    free_at = [0.0] * max(1, workers)
    for path in order:
        soonest = free_at.index(min(free_at))
        free_at[soonest] += seconds[path]
    return max(free_at)


def report(results: dict, cores: int | None, load: float | None, workers_option: str | None,
           slowest: int) -> None:
    """The table of parts, the slowest files and the estimated wall time of one whole run."""
    print(f"\n{'part':<10} {'files':>6} {'passed':>7} {'failed':>7} {'skipped':>8} {'seconds':>9}")
    for name, part in results.items():
        counts = part["counts"]
        failed = counts.get("failed", 0) + counts.get("error", 0)
        print(f"{name:<10} {part['files']:>6} {counts.get('passed', 0):>7} {failed:>7} "
              f"{counts.get('skipped', 0):>8} {part['seconds']:>9.1f}")
    total = sum(part["seconds"] for part in results.values())
    print(f"{'total':<10} {'':>6} {'':>7} {'':>7} {'':>8} {total:>9.1f}")
    print(f"({cores} cores, load average {load:.1f} before the run)" if load is not None else "")

    per_file = {path: s for part in results.values() for path, s in part["per_file"].items()}
    print("\nslowest files (seconds of their tests, summed over workers):")
    for path, seconds in sorted(per_file.items(), key=lambda item: -item[1])[:slowest]:
        print(f"{seconds:>8.1f}  {path}")

    counts = {path: n for part in results.values() for path, n in part["tests_per_file"].items()}
    workers = max(1, int(workers_option) if (workers_option or "").isdigit() else cores or 1)
    most_tests_first = sorted(per_file, key=lambda path: -counts[path])  # xdist's own reorder
    longest_first = sorted(per_file, key=lambda path: -per_file[path])   # conftest.py's order
    print(f"\none run of all these files on {workers} workers, file by file (an estimate from "
          "the seconds above):")
    for label, order in (("most tests first (xdist's --loadscope-reorder)", most_tests_first),
                         ("longest first (conftest.py, --no-loadscope-reorder)", longest_first)):
        print(f"  {label:<52} {simulate(order, per_file, workers):8.1f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--parts", nargs="+", choices=list(parts()), default=list(parts()))
    parser.add_argument("--workers", help="pytest-xdist -n (default: the repository's addopts)")
    parser.add_argument("--slowest", type=int, default=15, help="files listed after the table")
    parser.add_argument("--write", action="store_true", help=f"store {RESULTS.name}")
    parser.add_argument("--logs", type=Path, help="keep each part's pytest output in this folder")
    parser.add_argument("--summary", action="store_true",
                        help=f"run nothing: print the table from {RESULTS.name}")
    args = parser.parse_args()

    if args.summary:
        stored = json.loads(RESULTS.read_text())
        results = {name: {**part, "per_file": {}, "tests_per_file": {}}
                   for name, part in stored["parts"].items()}
        results[next(iter(results))].update(per_file=stored["seconds_per_file"],
                                            tests_per_file=stored["tests_per_file"])
        machine = stored["machine"]
        report(results, machine["cores"], machine["load_average_before"], None, args.slowest)
        return
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    results = {}
    for name in args.parts:
        if args.logs:
            args.logs.mkdir(parents=True, exist_ok=True)
        results[name] = run_part(name, parts()[name], args.workers, args.logs)
        counts = ", ".join(f"{n} {kind}" for kind, n in results[name]["counts"].items())
        print(f"{name:<10} {results[name]['seconds']:>8.1f} s  ({counts})", flush=True)

    report(results, cores, load, args.workers, args.slowest)

    if args.write:
        stored = json.loads(RESULTS.read_text()) if RESULTS.exists() else {}
        stored.setdefault("seconds_per_file", {}).update(
            {path: s for part in results.values() for path, s in part["per_file"].items()})
        stored.setdefault("tests_per_file", {}).update(
            {path: n for part in results.values() for path, n in part["tests_per_file"].items()})
        stored["parts"] = {**stored.get("parts", {}), **{
            name: {k: v for k, v in part.items() if k not in ("per_file", "tests_per_file")}
            for name, part in results.items()}}
        stored["machine"] = {"cores": cores, "load_average_before": load,
                             "workers": args.workers or "addopts"}
        RESULTS.write_text(json.dumps(stored, indent=1, sort_keys=True) + "\n")
        print(f"\nwrote {RESULTS.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
