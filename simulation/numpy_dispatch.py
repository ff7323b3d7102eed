"""numpy's and its BLAS's CPU code paths, pinned so a seed gives bitwise the same results on
every x86-64 CPU.

numpy picks, when it is imported, the widest SIMD version of each vectorized function that
the CPU supports, and the AVX-512, AVX2 and baseline versions of `exp`, `log` and `power`
differ in the last bits.  In this model those bits do not stay small: the town's float32
composite welfare (`x ** (1/4)`) differs by one unit in the last place at month 0, the
organizations' targeting and partnering decisions compare such values, and by month 120 a
mean differs by about 1e-4 (seen between an AVX-512 and an AVX2 machine: 60 of 120 values of
an experiment's quick table).  Switching numpy's dispatch off makes every x86-64 machine run
the same baseline (x86-64-v2) code, which numpy needs anyway to load.  It cost 1-6 % of a
default run while the Gini sorted with numpy's sort, whose baseline version is the slowest;
the sort is now compiled (welfare.sorted_values), and what the pin costs is within the
machine's noise.  The model itself never calls BLAS, but the calibration's regression
adjustment does (`lstsq`), and OpenBLAS picks its kernels by CPU too: its AVX-512 (SkylakeX)
and AVX2 (Haswell) kernels give posteriors one unit in the last place apart, which the
robustness table's runs then carry further.  OpenBLAS is pinned to its Prescott (SSE3)
kernels, which every x86-64 CPU runs.

numpy reads the setting once, when it is imported, so it is made only if numpy has not been
imported yet (the `partnership` command and `python -m simulation` import this package
first), and never over a value the user set.  In a process that imported numpy before this
package, nothing changes: its sweep workers inherit the same environment, so a run is still
the same on any number of workers, but reproducing it on another CPU needs the variable set
before Python starts.  What remains machine-dependent is the C library's scalar math, the
same on machines with the same operating system and FMA support.
"""

from __future__ import annotations

import os
import platform
import sys
from importlib import metadata

# numpy >= 2.4 groups its x86 dispatch targets by microarchitecture level (x86-64-v3, -v4).
PINNED = {
    "NPY_DISABLE_CPU_FEATURES": "X86_V3,X86_V4,AVX512_ICL,AVX512_SPR",
    "OPENBLAS_CORETYPE": "Prescott",
}
GROUPED_SINCE = (2, 4)


def _numpy_version() -> tuple[int, int]:
    """numpy's (major, minor), read from its metadata without importing it."""
    try:
        major, minor = metadata.version("numpy").split(".")[:2]
        return int(major), int(minor)
    except (metadata.PackageNotFoundError, ValueError):
        return (0, 0)


def pin() -> list[str]:
    """Switch numpy's x86 SIMD dispatch off, and OpenBLAS to its oldest x86-64 kernels, for
    this process and the workers it starts.

    Returns the variables set: none on another architecture, for an older numpy whose
    targets have other names, or once numpy is imported (the parent and its workers would
    then run different code); never one the user set.
    """
    if (
        "numpy" in sys.modules
        or platform.machine().lower() not in {"x86_64", "amd64"}
        or _numpy_version() < GROUPED_SINCE
    ):
        return []
    unset = [name for name in PINNED if name not in os.environ]
    os.environ.update({name: PINNED[name] for name in unset})
    return unset


def enabled() -> list[str]:
    """The SIMD targets numpy dispatches to in this process (empty when pinned), for manifests."""
    import numpy as np

    features = np._core._multiarray_umath.__cpu_features__
    dispatch = np._core._multiarray_umath.__cpu_dispatch__
    return [name for name in dispatch if features.get(name)]
