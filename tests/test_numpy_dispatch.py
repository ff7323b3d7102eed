"""numpy's SIMD dispatch is pinned before numpy loads, so a run does not depend on the CPU."""

from __future__ import annotations

import os
import platform
import subprocess
import sys

import pytest

from simulation import numpy_dispatch

X86 = platform.machine().lower() in {"x86_64", "amd64"}
SHOW = (
    "import os, sys\n"
    "{first}\n"
    "from simulation import numpy_dispatch\n"
    "print(os.environ.get('NPY_DISABLE_CPU_FEATURES'), numpy_dispatch.enabled())\n"
)


def fresh(first: str = "import simulation", **env: str) -> str:
    """What a fresh interpreter reports: the variable and the targets numpy dispatches to."""
    clean = {k: v for k, v in os.environ.items() if k != numpy_dispatch.VARIABLE}
    out = subprocess.run(
        [sys.executable, "-c", SHOW.format(first=first)],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    return out.stdout.strip()


@pytest.mark.skipif(not X86, reason="numpy's x86 dispatch targets")
def test_importing_simulation_first_runs_numpy_baseline_code_only():
    assert fresh() == f"{numpy_dispatch.DISPATCHED_X86} []"


@pytest.mark.skipif(not X86, reason="numpy's x86 dispatch targets")
def test_the_test_process_is_pinned_like_the_command():
    """So a test that compares this process with a fresh `partnership` compares runs."""
    assert numpy_dispatch.enabled() == []


def test_a_value_the_user_set_is_kept():
    assert fresh(NPY_DISABLE_CPU_FEATURES="AVX512_SPR").startswith("AVX512_SPR ")


def test_after_numpy_nothing_changes_so_workers_match_their_parent():
    """numpy already loaded: setting the variable now would give spawned workers other code
    paths than the parent's."""
    variable, _ = fresh(first="import numpy\nimport simulation").split(" ", 1)
    assert variable == "None"
