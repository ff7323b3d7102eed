"""Where a default month goes, and what the speed targets leave for the rest, printed as
figures: `python benchmarks/month_budget.py`.

`make bench` says how fast a run is; this says what it is made of, so that a speed-up can be
aimed and a target judged. A month of the default town is split into four parts, timed by
wrapping the methods that do each (the wrappers' own cost, measured on an empty method, is
taken off):

1. citizens: the compiled passes over every citizen (delivery, awareness, participation);
2. partnership events: organizations' partner search, the pools they form, join, leave and
   dissolve, volunteers dropping out and leaders changing: Python, one organization or pool
   at a time, as agents' behaviour in Mesa is;
3. metrics: the month's row of every metric (the Gini's sort included);
4. the rest: each step's array operations and compiled passes over partnerships and
   organizations, and Mesa's step.

It then prints the run's cost in Boltzmann runs (Mesa's wealth model, 10,000 agents x 10
steps) and in lower bounds (a compiled pass touching every citizen-domain cell once a month),
each timed pair by pair in this process as `make bench` does, next to what the run would cost
if the rest took no time at all: the least that compiling more of the bookkeeping could reach
while the other three parts stay as they are.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from typing import Any

from run import TARGETS, boltzmann_run, default_run, floor_run  # this folder: run as a script

# Each part's methods as (module, class or "" for a module's function, name). None of them
# calls another one of the list, so no time is counted twice.
PARTS: dict[str, tuple[tuple[str, str, str], ...]] = {
    "citizens": (
        ("simulation.model", "", "deliver"),  # the module's name for services.deliver
        ("simulation.population", "CitizenPopulation", "spread_awareness"),
        ("simulation.population", "CitizenPopulation", "draw_participation"),
    ),
    "partnership events": (
        ("simulation.agents", "Organization", "look_for_partners"),
        ("simulation.model", "PartnershipModel", "_review_one"),
        ("simulation.model", "PartnershipModel", "_review_volunteers"),
        ("simulation.model", "PartnershipModel", "_drop_ended"),
        ("simulation.agents", "Organization", "change_leader"),
    ),
    "metrics": (("simulation.metrics", "MetricRecorder", "collect"),),
}


class Clock:
    """Seconds and calls per part, from wrappers put around the parts' methods."""

    def __init__(self) -> None:
        self.seconds = dict.fromkeys(PARTS, 0.0)
        self.calls = dict.fromkeys(PARTS, 0)

    def wrap(self, part: str, method: Callable[..., Any]) -> Callable[..., Any]:
        """`method`, timed into `part`."""
        seconds, calls, clock = self.seconds, self.calls, time.perf_counter

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = clock()
            result = method(*args, **kwargs)
            seconds[part] += clock() - start
            calls[part] += 1
            return result

        return timed

    def reset(self) -> None:
        """Start counting from zero (a new run)."""
        for part in PARTS:
            self.seconds[part], self.calls[part] = 0.0, 0


def instrument(clock: Clock) -> None:
    """Put `clock`'s wrappers around every method of PARTS (for this process's life)."""
    import importlib

    for part, methods in PARTS.items():
        for module_name, owner_name, name in methods:
            module = importlib.import_module(module_name)
            owner = getattr(module, owner_name) if owner_name else module
            setattr(owner, name, clock.wrap(part, getattr(owner, name)))


def wrapper_cost(calls: int = 200_000) -> float:
    """Seconds a wrapper adds to one call, beyond the call itself (an empty method, timed on
    a clock of its own)."""

    def empty() -> None:
        return None

    timed = Clock().wrap("metrics", empty)
    start = time.perf_counter()
    for _ in range(calls):
        timed()
    wrapped = time.perf_counter() - start
    start = time.perf_counter()
    for _ in range(calls):
        empty()
    bare = time.perf_counter() - start
    return max(wrapped - bare, 0.0) / calls


def month_parts(clock: Clock, overhead: float, seed: int) -> dict[str, float]:
    """Seconds per month of each part, and of the whole month, over one default run."""
    from simulation import PartnershipModel
    from simulation.scenario import default_scenario

    scenario = default_scenario()
    model = PartnershipModel(rng=scenario.seed + seed, params=scenario.model)
    clock.reset()
    start = time.perf_counter()
    for _ in range(scenario.steps):
        model.step()
    whole = time.perf_counter() - start
    total_calls = sum(clock.calls.values())
    parts = {
        part: (clock.seconds[part] - overhead * clock.calls[part]) / scenario.steps
        for part in PARTS
    }
    parts["month"] = (whole - overhead * total_calls) / scenario.steps
    parts["the rest"] = parts["month"] - sum(parts[part] for part in PARTS)
    return parts


def main() -> None:
    """Time the parts and the runs, and print the figures."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7, help="runs per figure")
    args = parser.parse_args()

    import simulation  # noqa: F401  (before numpy: the code paths its users run)

    ours, boltzmann, floors = [], [], []
    default_run(), boltzmann_run(0), floor_run()  # compile / load, warm caches
    for i in range(args.repeats):  # uninstrumented runs first: the wrappers stay once put
        ours.append(default_run(i))
        boltzmann.append(boltzmann_run(i))
        floors.append(floor_run())
    clock = Clock()
    overhead = wrapper_cost()
    instrument(clock)
    month_parts(clock, overhead, 0)  # warm the wrapped paths
    samples = [month_parts(clock, overhead, i) for i in range(args.repeats)]
    print_parts(samples, overhead)
    print_reach(samples, ours, boltzmann, floors)


def print_parts(samples: list[dict[str, float]], overhead: float) -> None:
    """The table of parts: medians, min-max and shares of the month."""
    month = statistics.median(s["month"] for s in samples)
    print(f"where a default month goes: medians of {len(samples)} runs, microseconds a month")
    print(f"(each wrapped call's own {overhead * 1e6:.2f} us taken off)\n")
    print(f"{'part':<22}{'us/month':>10}{'min':>8}{'max':>8}{'share':>8}")
    for part in [*PARTS, "the rest", "month"]:
        values = [s[part] * 1e6 for s in samples]
        median = statistics.median(values)
        print(
            f"{part:<22}{median:>10.0f}{min(values):>8.0f}{max(values):>8.0f}"
            f"{median / (month * 1e6):>8.0%}"
        )


def print_reach(
    samples: list[dict[str, float]],
    ours: list[float],
    boltzmann: list[float],
    floors: list[float],
) -> None:
    """The run in Boltzmann runs and lower bounds now, the month the Boltzmann target allows,
    and the run if the rest took no time (its CPU time scaled by the other three parts' share
    of the month)."""
    month = statistics.median(s["month"] for s in samples)
    three = statistics.median(sum(s[part] for part in PARTS) for s in samples)
    allowed = TARGETS["boltzmann_ratio"] * statistics.median(boltzmann) / 120  # set-up included
    print(
        f"\nBoltzmann run {statistics.median(boltzmann):.2f} s of CPU; lower bound "
        f"{statistics.median(floors) * 1e3:.2f} ms"
    )
    print(
        f"a month the target {TARGETS['boltzmann_ratio']:g} allows here at most "
        f"{allowed * 1e6:.0f} us; citizens, events and metrics alone take {three * 1e6:.0f} us"
    )
    print(f"\n{'run, paired, uninstrumented':<32}{'now':>16}{'if the rest took 0':>20}  target")
    for name, units, target, digits in (
        ("in Boltzmann runs", boltzmann, TARGETS["boltzmann_ratio"], 3),
        ("in lower bounds", floors, TARGETS["floor_multiple"], 0),
    ):
        ratios = [o / u for o, u in zip(ours, units, strict=True)]
        ratio = statistics.median(ratios)
        least = ratio * three / month
        now = f"{ratio:.{digits}f} [{min(ratios):.{digits}f}-{max(ratios):.{digits}f}]"
        reach = "within reach" if least <= target else "out of reach"
        print(f"{name:<32}{now:>16}{least:>20.{digits}f}  <= {target:g}: {reach}")


if __name__ == "__main__":
    main()
