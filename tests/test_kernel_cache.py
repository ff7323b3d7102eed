"""Every compiled kernel is ready before the first month, and a cold cache is compiled over two
processes (kernel_cache.py).

A kernel that the model called with types other than those `kernel_cache.KERNELS` lists
would compile a second time in the middle of a run; a kernel left out of the list would
compile lazily, on one core. A cold cache is checked in fresh processes, each with an empty
cache of its own: the helper's kernels must come from the cache (the helper compiled them),
or from this process when no helper could run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from simulation.kernel_cache import HELPER, KERNELS, OWN

ROOT = Path(__file__).resolve().parents[1]


SIGNATURES_AFTER_RUNS = """
import json
import numba
from simulation import PartnershipModel, cooperation, kernels, partner_kernels, payoff, welfare
from simulation.scenario import default_scenario, list_scenarios, load_scenario

scenarios = [default_scenario(), *(load_scenario(path) for path in list_scenarios())]
for scenario in scenarios:  # formal and informal pools, volunteers, shocks, saturation
    model = PartnershipModel(rng=3, params=scenario.model, shocks=scenario.shocks)
    for _ in range(24):
        model.step()
found = {}
for module in (kernels, partner_kernels, welfare, cooperation, payoff):
    for name, value in vars(module).items():
        if (
            isinstance(value, numba.core.registry.CPUDispatcher)
            and value.py_func.__module__ == module.__name__
            and value.targetoptions.get("inline") != "always"  # compiled into callers
        ):
            found[f"{module.__name__}.{name}"] = [str(s) for s in value.signatures]
print(json.dumps(found))
"""


def test_the_model_calls_every_kernel_only_with_the_listed_types() -> None:
    """In a fresh process (other tests call kernels with types of their own), every shipped
    scenario's first two years call each kernel with its listed types only."""
    listed = {f"{module.__name__}.{name}": [str(sig)] for module, name, sig in KERNELS}
    assert len(listed) == len(KERNELS), "a kernel listed twice"
    out = subprocess.run(
        [sys.executable, "-c", SIGNATURES_AFTER_RUNS],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert json.loads(out.stdout) == listed


COLD_RUN = """
import json, sys
import simulation.kernel_cache as k
if sys.argv[1] == "no-helper":
    k.sys.executable = "/nonexistent/python"  # the helper cannot start
k.ensure_compiled()
stats = lambda entries: [bool(getattr(m, n).stats.cache_hits) for m, n, _ in entries]
print(json.dumps({"own": stats(k.OWN), "helper": stats(k.HELPER)}))
"""


def cold_run(tmp_path: Path, mode: str) -> dict[str, list[bool]]:
    """ensure_compiled in a fresh process with an empty cache: which kernels were loaded
    from the cache (True) rather than compiled in that process."""
    out = subprocess.run(
        [sys.executable, "-c", COLD_RUN, mode],
        cwd=ROOT,
        env={**os.environ, "NUMBA_CACHE_DIR": str(tmp_path / "cache")},
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    return json.loads(out.stdout)


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="needs two cores")
def test_a_cold_cache_is_compiled_by_this_process_and_a_helper(tmp_path: Path) -> None:
    loaded = cold_run(tmp_path, "helper")
    assert loaded["own"] == [False] * len(OWN)
    assert loaded["helper"] == [True] * len(HELPER)


def test_without_a_helper_this_process_compiles_every_kernel(tmp_path: Path) -> None:
    loaded = cold_run(tmp_path, "no-helper")
    assert loaded == {"own": [False] * len(OWN), "helper": [False] * len(HELPER)}
