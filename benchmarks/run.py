"""Model speed, printed as figures: run with `make bench` or `python benchmarks/run.py`.

Measures, in one run on this machine, side by side and interleaved so that drift hits every
figure alike (medians over `--repeats`, with min-max):

1. the default scenario's time per run (2,000 citizens, 50 organizations, 120 months, every
   month's metrics collected, building the town included), and its ratio to one run of
   Mesa's Boltzmann wealth model (10,000 agents x 10 steps), taken pair by pair;
2. a lower bound: a compiled pass that touches every citizen-domain cell of the default town
   once per month for 120 months (the least any model of these citizens must do), and our
   run time as a multiple of it;
3. 100,000 citizens x 120 months: seconds and peak memory, in a child process (its own peak);
4. the first run in a fresh process: loading the compiled kernels from numba's on-disk cache,
   and compiling them from scratch (an empty cache, as in a fresh clone).

With `--baseline DIR`, the default town of another checkout and of this one are also timed
each in a fresh process, alternating, and their ratio taken pair by pair: the before/after
figure of a change (the in-process figure shares its process with the Boltzmann runs).

CPU time (`time.process_time`) is reported for the in-process figures: on a shared machine
it is far less noisy than wall time. The load average is printed before and after; read the
figures together with it.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TARGETS = {
    "boltzmann_ratio": 0.04,
    "floor_multiple": 30.0,
    "large_run_s": 5.0,
    "large_peak_mib": 1024.0,
    "first_run_s": 10.0,
}


def default_run(seed: int = 0) -> float:
    """CPU seconds for one default-scenario run (build + 120 months + metrics frame)."""
    from simulation import PartnershipModel
    from simulation.scenario import default_scenario

    sc = default_scenario()
    start = time.process_time()
    model = PartnershipModel(rng=sc.seed + seed, params=sc.model, shocks=sc.shocks)
    for _ in range(sc.steps):
        model.step()
    model.metrics_frame()
    return time.process_time() - start


def boltzmann_run(seed: int, n: int = 10_000, steps: int = 10) -> float:
    """CPU seconds for one run of Mesa's Boltzmann wealth example (build + steps)."""
    from mesa.examples.basic.boltzmann_wealth_model.model import (
        BoltzmannScenario,
        BoltzmannWealth,
    )

    start = time.process_time()
    model = BoltzmannWealth(scenario=BoltzmannScenario(n=n, width=100, height=100, rng=seed))
    for _ in range(steps):
        model.step()
    return time.process_time() - start


def _touch_every_cell(welfare: np.ndarray, keep: np.ndarray, months: int) -> float:
    """One multiply-add per citizen-domain cell per month: the floor of a month's work."""
    n, n_domains = welfare.shape
    total = 0.0
    for _ in range(months):
        for i in range(n):
            k = keep[i]
            for d in range(n_domains):
                w = welfare[i, d] * k + 0.001 * (1.0 - welfare[i, d])
                welfare[i, d] = w
                total += w
    return total


@cache
def _compiled_floor() -> Callable[[np.ndarray, np.ndarray, int], float]:
    """The lower bound's pass, compiled on first use: numba loads numpy, which must load
    after the package (`main` imports it first; a numpy loaded before it would time this
    CPU's widest code paths instead of those the package pins for its users)."""
    from numba import njit

    return njit(cache=False)(_touch_every_cell)


def floor_run(n: int = 2_000, n_domains: int = 4, months: int = 120) -> float:
    """CPU seconds for the lower bound on the default town's citizen arrays (float32)."""
    import numpy as np

    touch_every_cell = _compiled_floor()
    rng = np.random.default_rng(0)
    welfare = rng.random((n, n_domains), dtype=np.float32)
    keep = (1.0 - 0.01 * rng.random(n)).astype(np.float32)
    start = time.process_time()
    touch_every_cell(welfare, keep, months)
    return time.process_time() - start


def child_large(n: int, steps: int) -> None:
    """Run the large town in this process and print its figures as JSON."""
    from simulation import PartnershipModel

    PartnershipModel(rng=0, n_citizens=100).step()  # load the kernels before timing
    start = time.perf_counter()
    model = PartnershipModel(rng=1, n_citizens=n)
    for _ in range(steps):
        model.step()
    seconds = time.perf_counter() - start
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "peak_mib": peak}))


def child_default(baseline: str) -> None:
    """In a fresh process, the default town and Boltzmann timed with the package found in
    `baseline` (a checkout's root), after a warm-up run: the median of three default runs
    (one run alone is at the mercy of a noisy machine), then one Boltzmann run."""
    sys.path.insert(0, baseline)
    default_run(), boltzmann_run(0)
    ours = statistics.median(default_run(seed) for seed in (1, 2, 3))
    print(json.dumps({"ours": ours, "boltzmann": boltzmann_run(1)}))


def child_first_run() -> None:
    """In a fresh process: seconds of the first small run (kernel load or compile) and of a
    second one (already loaded); their difference is the start-up cost."""
    from simulation import PartnershipModel

    times = []
    for _ in range(2):
        start = time.perf_counter()
        model = PartnershipModel(rng=0, n_citizens=100, n_ngo=2, n_business=2)
        for _ in range(2):
            model.step()
        times.append(time.perf_counter() - start)
    print(json.dumps({"first": times[0], "second": times[1]}))


def _child(args: list[str], env: dict[str, str] | None = None) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def first_run(compile_from_scratch: bool) -> float:
    """Start-up seconds of the first run in a fresh process; optionally with an empty cache."""
    if not compile_from_scratch:
        r = _child(["--child-first-run"])
    else:
        with tempfile.TemporaryDirectory() as cache:
            r = _child(["--child-first-run"], env={"NUMBA_CACHE_DIR": cache})
    return r["first"] - r["second"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="measurements per figure")
    parser.add_argument("--large", type=int, default=100_000, help="citizens in the large town")
    parser.add_argument("--child-large", nargs=2, type=int, help=argparse.SUPPRESS)
    parser.add_argument(
        "--baseline",
        metavar="DIR",
        help="also time the default town with the package of another checkout (its root "
        "directory) and of this one, each in a fresh process, alternating: before and after "
        "a change in one run, and their ratio pair by pair",
    )
    parser.add_argument("--child-default", help=argparse.SUPPRESS)
    parser.add_argument("--child-first-run", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_large:
        child_large(*args.child_large)
        return
    if args.child_first_run:
        child_first_run()
        return
    if args.child_default:
        child_default(args.child_default)
        return

    # This checkout's package before anything loads numpy (Mesa, numba, the lower bound):
    # its import pins numpy's code paths, as for its users. The children above import
    # theirs first (the baseline's from its own checkout), so they must not get here.
    import simulation  # noqa: F401

    print(f"{os.cpu_count()} cores, load average before: {_load()}")
    default_run(), boltzmann_run(0), floor_run()  # compile / load, warm caches

    ours, boltz, ratios, floors, multiples = [], [], [], [], []
    before, before_ratios, after, changes = [], [], [], []
    for i in range(args.repeats):
        o, b, f = default_run(i), boltzmann_run(i), floor_run()
        ours.append(o)
        boltz.append(b)
        floors.append(f)
        ratios.append(o / b)
        multiples.append(o / f)
        if args.baseline:
            r = _child(["--child-default", os.path.abspath(args.baseline)])
            before.append(r["ours"])
            before_ratios.append(r["ours"] / r["boltzmann"])
            # This checkout timed the same way, in a fresh process: the pair's ratio is the
            # change's own figure, free of what else this process holds (Boltzmann's agents).
            mine = _child(["--child-default", str(ROOT)])
            after.append(mine["ours"])
            changes.append(mine["ours"] / r["ours"])
    halves = max(1, args.repeats // 2)
    large = [_child(["--child-large", str(args.large), "120"]) for _ in range(halves)]
    loads = [first_run(compile_from_scratch=False) for _ in range(halves)]
    compiles = [first_run(compile_from_scratch=True) for _ in range(max(1, halves // 2))]

    rows: list[tuple[str, list[float], str, float | None]] = [
        ("default town, CPU s per run", ours, "", None),
        ("Boltzmann 10k x 10, CPU s per run", boltz, "", None),
        ("ratio default / Boltzmann (paired)", ratios, "<=", TARGETS["boltzmann_ratio"]),
        ("lower bound (every cell once a month), s", floors, "", None),
        ("default town / lower bound (paired)", multiples, "<=", TARGETS["floor_multiple"]),
        *(
            [
                ("baseline: default town, CPU s per run", before, "", None),
                ("baseline: ratio to Boltzmann (paired)", before_ratios, "", None),
                ("this checkout, same way, CPU s per run", after, "", None),
                ("this checkout / baseline (paired)", changes, "", None),
            ]
            if args.baseline
            else []
        ),
        (
            f"{args.large:,} citizens x 120 months, wall s",
            [r["seconds"] for r in large],
            "<",
            TARGETS["large_run_s"],
        ),
        ("  peak memory, MiB", [r["peak_mib"] for r in large], "<", TARGETS["large_peak_mib"]),
        ("first run: kernel cache load, s", loads, "<=", TARGETS["first_run_s"]),
        ("first run: compile (empty cache), s", compiles, "<=", TARGETS["first_run_s"]),
    ]
    print(f"\n{'figure':<44}{'median':>10}{'min':>10}{'max':>10}  target")
    for name, values, op, target in rows:
        print(_row(name, values, op, target))
    print(f"load average after: {_load()}")


def _row(name: str, values: list[float], op: str, target: float | None) -> str:
    m = statistics.median(values)
    goal = ""
    if target is not None:
        met: Callable[[float, float], bool] = {
            "<": float.__lt__,
            "<=": float.__le__,
        }[op]
        goal = f"{op} {target:g} {'met' if met(float(m), target) else 'NOT met'}"
    return f"{name:<44}{m:>10.4g}{min(values):>10.4g}{max(values):>10.4g}  {goal}"


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
