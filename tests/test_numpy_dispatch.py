"""numpy's SIMD dispatch and OpenBLAS's kernels are pinned before numpy loads, so a result
does not depend on the CPU."""

from __future__ import annotations

import os
import platform
import subprocess
import sys
from pathlib import Path

import pytest

from simulation import numpy_dispatch

X86 = platform.machine().lower() in {"x86_64", "amd64"}
CPUINFO = Path("/proc/cpuinfo")
AVX2 = CPUINFO.is_file() and " avx2 " in CPUINFO.read_text()
SHOW = (
    "import os\n"
    "{first}\n"
    "from simulation import numpy_dispatch\n"
    "print(os.environ.get('NPY_DISABLE_CPU_FEATURES'), os.environ.get('OPENBLAS_CORETYPE'),\n"
    "      numpy_dispatch.enabled())\n"
)


def fresh(first: str = "import simulation", **env: str) -> str:
    """What a fresh interpreter reports: the variable and the targets numpy dispatches to."""
    clean = {k: v for k, v in os.environ.items() if k not in numpy_dispatch.PINNED}
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
    pinned = numpy_dispatch.PINNED
    assert fresh() == f"{pinned['NPY_DISABLE_CPU_FEATURES']} {pinned['OPENBLAS_CORETYPE']} []"


@pytest.mark.skipif(not X86, reason="numpy's x86 dispatch targets")
def test_the_test_process_is_pinned_like_the_command():
    """So a test that compares this process with a fresh `partnership` compares runs."""
    assert numpy_dispatch.enabled() == []


@pytest.mark.skipif(not X86, reason="numpy's x86 dispatch targets")
def test_a_value_the_user_set_is_kept_and_the_other_still_pinned():
    shown = fresh(NPY_DISABLE_CPU_FEATURES="AVX512_SPR").split(" ")
    assert shown[:2] == ["AVX512_SPR", numpy_dispatch.PINNED["OPENBLAS_CORETYPE"]]
    shown = fresh(OPENBLAS_CORETYPE="Haswell").split(" ")
    assert shown[:2] == [numpy_dispatch.PINNED["NPY_DISABLE_CPU_FEATURES"], "Haswell"]


def test_after_numpy_nothing_changes_so_workers_match_their_parent():
    """numpy already loaded: setting the variable now would give spawned workers other code
    paths than the parent's."""
    shown = fresh(first="import numpy\nimport simulation")
    assert shown.startswith("None None ")
    if X86 and AVX2:  # and numpy dispatches to what the CPU has
        assert "X86_V3" in shown
