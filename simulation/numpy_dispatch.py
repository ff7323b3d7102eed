"""numpy's SIMD code paths, pinned so a seed gives bitwise the same run on every x86-64 CPU.

numpy picks, when it is imported, the widest SIMD version of each vectorized function that
the CPU supports, and the AVX-512, AVX2 and baseline versions of `exp`, `log` and `power`
differ in the last bits.  In this model those bits do not stay small: the town's float32
composite welfare (`x ** (1/4)`) differs by one unit in the last place at month 0, the
organizations' targeting and partnering decisions compare such values, and by month 120 a
mean differs by about 1e-4 (seen between an AVX-512 and an AVX2 machine: 60 of 120 values of
an experiment's quick table).  Switching numpy's dispatch off makes every x86-64 machine run
the same baseline (x86-64-v2) code, which numpy needs anyway to load; it costs about 5 % of
a default run.

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

VARIABLE = "NPY_DISABLE_CPU_FEATURES"
# numpy >= 2.4 groups its x86 dispatch targets by microarchitecture level (x86-64-v3, -v4).
DISPATCHED_X86 = "X86_V3,X86_V4,AVX512_ICL,AVX512_SPR"
GROUPED_SINCE = (2, 4)


def _numpy_version() -> tuple[int, int]:
    """numpy's (major, minor), read from its metadata without importing it."""
    try:
        major, minor = metadata.version("numpy").split(".")[:2]
        return int(major), int(minor)
    except (metadata.PackageNotFoundError, ValueError):
        return (0, 0)


def pin() -> bool:
    """Switch numpy's x86 SIMD dispatch off for this process and the workers it starts.

    Returns whether the variable was set: not on another architecture, not for an older
    numpy whose targets have other names, not over the user's own value, and not once numpy
    is imported (the parent and its workers would then run different code).
    """
    if (
        "numpy" in sys.modules
        or VARIABLE in os.environ
        or platform.machine().lower() not in {"x86_64", "amd64"}
        or _numpy_version() < GROUPED_SINCE
    ):
        return False
    os.environ[VARIABLE] = DISPATCHED_X86
    return True


def enabled() -> list[str]:
    """The SIMD targets numpy dispatches to in this process (empty when pinned), for manifests."""
    import numpy as np

    features = np._core._multiarray_umath.__cpu_features__
    dispatch = np._core._multiarray_umath.__cpu_dispatch__
    return [name for name in dispatch if features.get(name)]
