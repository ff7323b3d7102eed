"""Model speed, printed as figures: run with `make bench` or `python benchmarks/run.py`.

Measures, in one run on this machine and interleaved so that drift hits both sides alike:
1. the default scenario's wall time per run (120 months, 2,000 citizens, 50 organizations);
2. 100,000 citizens x 120 months: wall time, citizen-steps per second and peak memory
   (in a child process, so its peak is its own);
3. Mesa's own Boltzmann wealth model (10,000 agents, 10 steps) in agent-steps per second,
   side by side with our citizen-steps per second, and their ratio.
Rates time stepping only (both models' construction excluded); the 120-month wall time
includes building the town. Medians over repetitions; the JIT compile happens in a warm-up
run and is reported apart.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time

TARGETS = {
    "default_run_s": 1.0,
    "large_run_s": 20.0,
    "large_peak_mib": 2048.0,
    "speed_ratio": 50.0,
}


def default_run() -> float:
    """Seconds for one default-scenario run (build + 120 months)."""
    from simulation import PartnershipModel
    from simulation.scenario import default_scenario

    sc = default_scenario()
    start = time.perf_counter()
    model = PartnershipModel(rng=sc.seed, params=sc.model, shocks=sc.shocks)
    for _ in range(sc.steps):
        model.step()
    return time.perf_counter() - start


def citizen_rate(n: int, steps: int, seed: int) -> tuple[float, float]:
    """(seconds incl. build, citizen-steps per second of stepping alone) for n citizens."""
    from simulation import PartnershipModel

    start = time.perf_counter()
    model = PartnershipModel(rng=seed, n_citizens=n)
    built = time.perf_counter()
    for _ in range(steps):
        model.step()
    end = time.perf_counter()
    return end - start, n * steps / (end - built)


def boltzmann_rate(seed: int, n: int = 10_000, steps: int = 10) -> float:
    """Agent-steps per second of stepping Mesa's Boltzmann wealth example (build excluded)."""
    from mesa.examples.basic.boltzmann_wealth_model.model import (
        BoltzmannScenario,
        BoltzmannWealth,
    )

    model = BoltzmannWealth(scenario=BoltzmannScenario(n=n, width=100, height=100, rng=seed))
    start = time.perf_counter()
    for _ in range(steps):
        model.step()
    return n * steps / (time.perf_counter() - start)


def child_large(n: int, steps: int) -> None:
    """Run the large town in this process and print its figures as JSON."""
    seconds, rate = citizen_rate(n, steps, seed=1)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "rate": rate, "peak_mib": peak}))


def large_in_child(n: int, steps: int) -> dict[str, float]:
    """The large run in a fresh process: its own peak memory, compiled kernels from cache."""
    out = subprocess.run(
        [sys.executable, __file__, "--child-large", str(n), str(steps)],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="measurements per figure")
    parser.add_argument("--large", type=int, default=100_000, help="citizens in the large town")
    parser.add_argument("--child-large", nargs=2, type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child_large:
        child_large(*args.child_large)
        return

    # Both sides are timed on one machine, but a busy machine hurts our memory-bound loops more
    # than Boltzmann's interpreter-bound ones: read the ratio together with the load.
    print(f"{os.cpu_count()} cores, load average before: {_load()}")
    start = time.perf_counter()
    default_run()  # compiles (or loads) the kernels
    print(f"warm-up (includes JIT compile or cache load): {time.perf_counter() - start:.2f} s")

    defaults, ours, boltz, ratios = [], [], [], []
    for i in range(args.repeats):
        defaults.append(default_run())
        b = boltzmann_rate(seed=i)
        _, o = citizen_rate(args.large, 12, seed=i)
        boltz.append(b)
        ours.append(o)
        ratios.append(o / b)
    large = [large_in_child(args.large, 120) for _ in range(max(1, args.repeats // 2))]

    med = statistics.median
    rows = [
        ("default scenario, s per run", med(defaults), min(defaults), max(defaults), "<", 1.0),
        (
            f"{args.large:,} citizens x 120 months, s",
            med(r["seconds"] for r in large),
            min(r["seconds"] for r in large),
            max(r["seconds"] for r in large),
            "<",
            TARGETS["large_run_s"],
        ),
        (
            "  peak memory, MiB",
            med(r["peak_mib"] for r in large),
            min(r["peak_mib"] for r in large),
            max(r["peak_mib"] for r in large),
            "<",
            TARGETS["large_peak_mib"],
        ),
        ("citizen-steps/s (stepping, 12 months)", med(ours), min(ours), max(ours), "", None),
        ("Boltzmann agent-steps/s (10k x 10)", med(boltz), min(boltz), max(boltz), "", None),
        ("ratio ours / Boltzmann (paired)", med(ratios), min(ratios), max(ratios), ">=", 50.0),
    ]
    print(f"\n{'figure':<40}{'median':>12}{'min':>12}{'max':>12}  target")
    for name, m, lo, hi, op, target in rows:
        goal = f"{op} {target:g}" if target is not None else ""
        ok = ""
        if target is not None:
            ok = "met" if (m < target if op == "<" else m >= target) else "NOT met"
        print(f"{name:<40}{m:>12.4g}{lo:>12.4g}{hi:>12.4g}  {goal} {ok}")
    print(f"load average after: {_load()}")


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


if __name__ == "__main__":
    main()
