"""Sweep runner vs mesa.batch_run on the same design: throughput, coordinator memory, scaling.

    .venv/bin/python benchmarks/sweep_bench.py            # 200 runs x 120 months, ~5 min on 2 cores
    .venv/bin/python benchmarks/sweep_bench.py --quick    # 40 runs x 24 months, a smoke test
    .venv/bin/python benchmarks/sweep_bench.py --reps 100 --no-single   # the 2,000-run comparison

Design: the `sweeps/trust-x-volatility.toml` grid (trust_gain 5 levels x funding_volatility
4 levels) x replications on the default town, with every month's metrics kept (our
`series_every = 1`, batch_run's `data_collection_period = 1`).  batch_run gets the same
seeds as our common-random-number replicates, so both compute the very same runs; the script
checks that their final welfare agrees exactly.

Our side runs through `sweep_command`, the code behind `partnership sweep FILE`; batch_run
wraps `simulation.PartnershipModel` directly.  Our coordinator imports neither Mesa, the model,
numpy, pyarrow nor pandas (workers run the model and encode their results as Parquet; the
coordinator writes the bytes); batch_run's must import the model class it is given.
`--scale` instead measures how coordinator memory grows with the number of runs (short runs,
200 vs 1000).
Each configuration runs in a fresh interpreter.  Memory is the coordinating (parent) process's
peak resident set size, from the kernel's high-water mark (VmHWM, reset just before the
sweep starts): "peak" is the absolute peak, "growth" is the peak minus the RSS just before
the sweep (imports excluded).  Workers' memory is not counted for either tool.
Figures are printed, not asserted; the machine's load average is printed too, because other
processes on a 2-core machine change the numbers.
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
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TRUST = [0.02, 0.05, 0.10, 0.20, 0.30]
VOLATILITY = [0.0, 0.2, 0.4, 0.6]
ROOT_SEED = 20240601


def _rss_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def _measure(fn: Any) -> dict[str, float]:
    """Run fn(); return seconds and the coordinator's memory before and at peak (MiB).

    Total RSS peak comes from the kernel (VmHWM, reset first); anonymous memory (heap, i.e.
    data, excluding shared-library pages mapped in on first use) is sampled every 10 ms.
    """
    import gc
    import threading

    gc.collect()
    before = _rss_kib("VmRSS")
    anon_before = _rss_kib("RssAnon")
    anon_peak = [anon_before]
    stop = threading.Event()

    def sample() -> None:
        while not stop.wait(0.01):
            anon_peak[0] = max(anon_peak[0], _rss_kib("RssAnon"))

    sampler = threading.Thread(target=sample, daemon=True)
    exact = _reset_peak()
    sampler.start()
    t0 = time.perf_counter()
    fn()
    elapsed = time.perf_counter() - t0
    stop.set()
    sampler.join()
    anon_peak[0] = max(anon_peak[0], _rss_kib("RssAnon"))
    peak = _rss_kib("VmHWM")
    if not exact:  # no clear_refs: fall back to the lifetime peak
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {
        "seconds": elapsed,
        "rss_before_mib": before / 1024,
        "peak_mib": peak / 1024,
        "anon_growth_mib": (anon_peak[0] - anon_before) / 1024,
        "exact_peak": exact,
    }


BENCH_SWEEP = """\
name = "bench"
base = "default"
steps = {steps}
replications = {reps}
root_seed = {seed}

[factors.trust_gain]
values = {trust}

[factors.funding_volatility]
values = {volatility}

[outputs]
series_every = 1
"""


def child_ours(workers: int, reps: int, steps: int, out: Path) -> dict[str, Any]:
    """Our side goes through the command's own code path (`partnership sweep FILE`)."""
    import contextlib
    import io

    from simulation.sweep import read_runs
    from simulation.sweep.cli import sweep_command

    out.mkdir(parents=True, exist_ok=True)
    path = out.parent / f"bench-{workers}.toml"
    path.write_text(
        BENCH_SWEEP.format(
            steps=steps, reps=reps, seed=ROOT_SEED, trust=TRUST, volatility=VOLATILITY
        )
    )
    codes: list[int] = []
    with contextlib.redirect_stdout(io.StringIO()):
        m = _measure(
            lambda: codes.append(
                sweep_command(path, workers, None, True, out, progress=False, summary=False)
            )
        )
    _stop_forkserver()
    runs = read_runs(out)
    assert codes == [0] and len(runs) == len(TRUST) * len(VOLATILITY) * reps
    # Share of the wall time the workers spent inside runs: the runner's own overhead
    # (start-up, scheduling, idle tails), independent of other load on the machine.
    return {
        **m,
        "runs": len(runs),
        "workers": workers,
        "busy_s": float(runs["duration_s"].sum()),
        "cpu_per_run_s": float(runs["cpu_s"].mean()),
    }


def _stop_forkserver() -> None:
    """Stop and reap the workers' fork server, so the kernel accounts its CPU, and its
    workers', to this process tree (batch_run's spawned workers are reaped by its pool).
    A private call of multiprocessing; without it our workers' CPU would go uncounted."""
    import multiprocessing.forkserver

    multiprocessing.forkserver._forkserver._stop()


def child_batch(processes: int, reps: int, steps: int, out: Path) -> dict[str, Any]:
    # The package before Mesa: importing it first pins numpy's SIMD dispatch, as the
    # `partnership` command does for our workers. Mesa imports numpy, and a numpy loaded
    # unpinned takes this CPU's widest paths, whose last bits differ (numpy_dispatch).
    from simulation import PartnershipModel
    from simulation.sweep.seeds import run_seed

    # isort: split
    import mesa

    seeds = [run_seed(ROOT_SEED, 0, r) for r in range(reps)]
    results: list[Any] = []
    m = _measure(
        lambda: results.append(
            mesa.batch_run(
                PartnershipModel,
                parameters={"trust_gain": TRUST, "funding_volatility": VOLATILITY},
                number_processes=processes,
                data_collection_period=1,
                max_steps=steps,
                display_progress=False,
                rng=seeds,
            )
        )
    )
    rows = results[0]
    finals = {
        f"{r['trust_gain']}|{r['funding_volatility']}|{r['iteration']}": r["community_welfare"]
        for r in rows
        if r["Step"] == steps
    }
    (out / "batch_finals.json").write_text(json.dumps(finals))
    return {**m, "runs": len(finals), "rows_in_memory": len(rows)}


def run_child(kind: str, n: int, reps: int, steps: int, out: Path) -> dict[str, Any]:
    cmd = [
        sys.executable,
        __file__,
        "--child",
        kind,
        "--n",
        str(n),
        "--reps",
        str(reps),
        "--steps",
        str(steps),
        "--out",
        str(out),
    ]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, check=False)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode:
        raise SystemExit(f"{kind} failed:\n{proc.stderr}")
    # CPU of the configuration's whole process tree (coordinator and every worker the kernel
    # accounted to it): what the runs cost whatever else the machine was doing
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return {**json.loads(proc.stdout.strip().splitlines()[-1]), "tree_cpu_s": cpu}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--reps", type=int, default=10, help="replications (20 points each)")
    ap.add_argument("--steps", type=int, default=120)
    ap.add_argument("--quick", action="store_true", help="2 replications x 24 months")
    ap.add_argument(
        "--repeat",
        type=int,
        default=1,
        help="run every configuration N times, in rotating order; report medians",
    )
    ap.add_argument(
        "--scale", action="store_true", help="memory growth at 200 and 1000 runs (24 months)"
    )
    ap.add_argument(
        "--no-single",
        action="store_true",
        help="skip the 1-worker sweep (halves the time; no 1 -> 2 worker speed-up)",
    )
    ap.add_argument("--child", choices=["ours", "batch"], help=argparse.SUPPRESS)
    ap.add_argument("--n", type=int, default=2, help=argparse.SUPPRESS)
    ap.add_argument("--out", type=Path, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.quick:
        args.reps, args.steps = 2, 24
    if args.child:
        fn = child_ours if args.child == "ours" else child_batch
        print(json.dumps(fn(args.n, args.reps, args.steps, args.out)))
        return

    if args.scale:
        _scale()
        return
    runs = len(TRUST) * len(VOLATILITY) * args.reps
    print(
        f"design: {runs} runs of the default town x {args.steps} months, every month kept; "
        f"{os.cpu_count()} cores, load average before: {_load()}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        plan = {
            "ours-2": ("ours", 2, out / "o2"),
            "batch-2": ("batch", 2, out),
            "ours-1": ("ours", 1, out / "o1"),
        }
        if args.no_single:
            del plan["ours-1"]
        res: dict[str, list[dict[str, Any]]] = {key: [] for key in plan}
        keys = list(plan)
        for i in range(args.repeat):
            # rotate the order, so a busy spell of the machine or a warm cache favours no one
            for key in keys[i % len(keys) :] + keys[: i % len(keys)]:
                kind, n, where = plan[key]
                res[key].append(run_child(kind, n, args.reps, args.steps, where))
        from simulation.sweep import read_runs

        ours = read_runs(out / "o2")
        finals = json.loads((out / "batch_finals.json").read_text())
        same = len(finals) == len(ours) and all(
            finals[f"{r.trust_gain}|{r.funding_volatility}|{r.replicate}"] == r.community_welfare
            for r in ours.itertuples()
        )
        size = sum(p.stat().st_size for p in (out / "o2").rglob("*.parquet")) / 2**20
    _report(res, same, size)


def _scale() -> None:
    """Coordinator memory growth vs number of runs: flat for us, linear for batch_run."""
    print(f"memory scaling, 2 workers, 24 months, every month kept; load {_load()}")
    print(f"{'runs':>6} {'ours RSS':>9} {'ours heap':>10} {'batch RSS':>10} {'batch heap':>11}")
    for reps in (10, 50):
        with tempfile.TemporaryDirectory() as tmp:
            o = run_child("ours", 2, reps, 24, Path(tmp) / "o")
            b = run_child("batch", 2, reps, 24, Path(tmp))
        print(
            f"{o['runs']:>6} {o['peak_mib'] - o['rss_before_mib']:>9.1f} "
            f"{o['anon_growth_mib']:>10.1f} {b['peak_mib'] - b['rss_before_mib']:>10.1f} "
            f"{b['anon_growth_mib']:>11.1f}   (MiB)"
        )


def _load() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def _spread(values: list[float]) -> str:
    """Median, and min-max when there are several repeats."""
    mid = statistics.median(values)
    if len(values) == 1:
        return f"{mid:.2f}"
    return f"{mid:.2f} [{min(values):.2f}-{max(values):.2f}]"


def _report(runs: dict[str, list[dict[str, Any]]], same: bool, size: float) -> None:
    """Medians over the repeats; ratios are paired (taken within one repeat), then summarized."""
    labels = {
        "ours-1": "partnership sweep, 1 worker",
        "ours-2": "partnership sweep, 2 workers",
        "batch-2": "mesa.batch_run, 2 processes",
    }
    single = "ours-1" in runs
    n = len(runs["ours-2"])
    res = {k: sorted(v, key=lambda r: r["seconds"])[(len(v) - 1) // 2] for k, v in runs.items()}
    print(
        f"\n{n} repeat(s); the median run of each configuration:\n"
        f"{'configuration':30} {'runs':>5} {'seconds':>8} {'runs/s':>7} {'peak MiB':>9} "
        f"{'RSS growth':>11} {'heap growth':>12}"
    )
    for key in runs:
        r = res[key]
        print(
            f"{labels[key]:30} {r['runs']:>5} {r['seconds']:>8.1f} "
            f"{r['runs'] / r['seconds']:>7.2f} {r['peak_mib']:>9.0f} "
            f"{r['peak_mib'] - r['rss_before_mib']:>11.1f} {r['anon_growth_mib']:>12.1f}"
        )
    pairs = list(zip(runs["ours-2"], runs["batch-2"], strict=True))
    thr = [b["seconds"] / o["seconds"] for o, b in pairs]
    cpu = [b["tree_cpu_s"] / o["tree_cpu_s"] for o, b in pairs]
    heap = [o["anon_growth_mib"] / b["anon_growth_mib"] for o, b in pairs]
    peak = [o["peak_mib"] / b["peak_mib"] for o, b in pairs]
    o2, b2 = res["ours-2"], res["batch-2"]
    g_o, g_b = o2["peak_mib"] - o2["rss_before_mib"], b2["peak_mib"] - b2["rss_before_mib"]
    print("\npaired ratios, median [min-max] over the repeats:")
    print(f"throughput vs batch_run, 2 processes each: {_spread(thr)}x (target >= 1)")
    print(
        f"CPU per run, whole process tree:           {_spread(cpu)}x fewer CPU seconds ("
        f"{o2['tree_cpu_s'] / o2['runs']:.3f} vs {b2['tree_cpu_s'] / b2['runs']:.3f} s per run; "
        "robust to other load, unlike wall time)"
    )
    print(
        f"coordinator heap growth vs batch_run:      {_spread(heap)} ("
        f"{o2['anon_growth_mib']:.1f} vs {b2['anon_growth_mib']:.1f} MiB: the data each holds)"
    )
    print(
        f"coordinator RSS growth vs batch_run:       {g_o / g_b:.2f} ({g_o:.1f} vs {g_b:.1f} MiB: "
        "heap plus library code paged in)"
    )
    print(
        f"coordinator peak RSS vs batch_run:         {_spread(peak)} "
        f"({o2['peak_mib']:.0f} vs {b2['peak_mib']:.0f} MiB, of which imports "
        f"{o2['rss_before_mib']:.0f} / {b2['rss_before_mib']:.0f} MiB; target <= 0.2)"
    )
    if single:
        pairs_12 = zip(runs["ours-1"], runs["ours-2"], strict=True)
        speedup = [o1["seconds"] / o2["seconds"] for o1, o2 in pairs_12]
        print(f"speed-up 1 -> 2 workers:                   {_spread(speedup)}x (target >= 1.8x)")
    for key in [k for k in runs if k.startswith("ours")]:
        r = res[key]
        busy = r["busy_s"] / (r["workers"] * r["seconds"])
        print(
            f"{labels[key]}: workers inside runs {busy:.0%} of the wall time, "
            f"{r['cpu_per_run_s']:.2f} s CPU per run"
        )
    print(f"batch_run kept {b2['rows_in_memory']} rows in memory; we streamed {size:.1f} MiB")
    print(f"same final welfare as batch_run in every run: {same}")
    print(f"load average after: {_load()}")


if __name__ == "__main__":
    main()
