"""Every compiled kernel the model runs, with the argument types it is called with, and their
compilation before a process's first month: over two cores when numba's on-disk cache is cold.

numba compiles a kernel the first time it is called and keeps the machine code in its cache
on disk, so a fresh clone's first run compiles them all (some eight seconds on one core) and
every later process loads them (a tenth of a second). Compiling is single-threaded, but the
kernels are independent: when the first one turns out to need compiling, a helper process
compiles `HELPER` (about half the work) into the cache while this one compiles `OWN`, and
then loads the helper's from the cache. With one core, or if the helper cannot start, fails or
takes too long, this process compiles them itself: slower, never different, since a kernel's
machine code is the same whoever compiles it.

`KERNELS` lists each kernel with the types the model passes (C-contiguous arrays): a kernel
called with other types would compile again in the middle of a run, which a test rules out.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from functools import cache
from pathlib import Path
from typing import Any

from numba import types

from . import cooperation, kernels, partner_kernels, payoff, welfare

VECTOR, MATRIX = types.float64[::1], types.float64[:, ::1]  # C-contiguous arrays
SINGLE_VECTOR, SINGLE_MATRIX = types.float32[::1], types.float32[:, ::1]  # citizens' state
INT_VECTOR, INT_MATRIX = types.int64[::1], types.int64[:, ::1]
BOOL_VECTOR, BOOL_MATRIX = types.boolean[::1], types.boolean[:, ::1]
FLOAT, INT, BOOL = types.float64, types.int64, types.boolean

# (module, kernel, argument types): this process compiles these...
OWN: tuple[tuple[Any, str, tuple[Any, ...]], ...] = (
    # first, as it compiles quickest: whether it had to be compiled tells a cold cache
    (partner_kernels, "update_beliefs", (MATRIX, MATRIX, MATRIX, FLOAT)),
    (
        kernels,
        "serve",
        (
            SINGLE_MATRIX,
            SINGLE_VECTOR,
            BOOL_VECTOR,
            SINGLE_MATRIX,
            MATRIX,
            MATRIX,
            VECTOR,
            VECTOR,
            FLOAT,
            FLOAT,
            BOOL_VECTOR,
            SINGLE_VECTOR,
        ),
    ),
    (kernels, "decay_and_sum_need", (SINGLE_MATRIX, SINGLE_VECTOR, SINGLE_VECTOR, FLOAT)),
    (kernels, "channel_sums", (MATRIX, MATRIX, VECTOR, BOOL_VECTOR, FLOAT, VECTOR, FLOAT)),
    (kernels, "coordinated_reach", (SINGLE_MATRIX, SINGLE_VECTOR, VECTOR, VECTOR, VECTOR)),
    (
        kernels,
        "serve_terms",
        (types.float64[:, :], types.float64[:, :], VECTOR, FLOAT, VECTOR, FLOAT),
    ),
    (welfare, "_sorted_bits", (types.uint32[::1], types.uint32)),  # float32 welfare
    (cooperation, "_shares", (INT_VECTOR, MATRIX, VECTOR, FLOAT, MATRIX, BOOL_MATRIX)),
    (payoff, "group_payoffs", (MATRIX, MATRIX, VECTOR)),
    (partner_kernels, "member_means", (MATRIX, MATRIX)),
    (partner_kernels, "co_membership", (MATRIX, BOOL_VECTOR)),
    (partner_kernels, "groups_left", (INT_VECTOR, BOOL_VECTOR)),
    (partner_kernels, "leave_reasons", (MATRIX, MATRIX, MATRIX, BOOL_VECTOR, FLOAT, FLOAT)),
    (partner_kernels, "strengthen_ties", (MATRIX, BOOL_MATRIX, FLOAT, FLOAT, FLOAT)),
    (partner_kernels, "governance_fits", (VECTOR, VECTOR, VECTOR, MATRIX)),
    (
        partner_kernels,
        "governance_costs",  # pools' mode .. formality, NAO code, costs; the table's columns
        (INT_VECTOR, VECTOR, VECTOR, BOOL_VECTOR, INT, FLOAT, FLOAT, INT_VECTOR, *(VECTOR,) * 3),
    ),
    (partner_kernels, "update_values", (MATRIX, MATRIX, MATRIX, MATRIX, FLOAT)),
    (
        partner_kernels,
        "promises",  # membership .. members, commitments and sanction rate, warned
        (MATRIX, BOOL_VECTOR, VECTOR, VECTOR, MATRIX, VECTOR, VECTOR, *(FLOAT,) * 3, BOOL_MATRIX),
    ),
    (partner_kernels, "pool_inflow", (MATRIX, BOOL_VECTOR, FLOAT, VECTOR)),
    (partner_kernels, "reserves", (VECTOR, VECTOR, VECTOR, FLOAT, FLOAT)),
    (partner_kernels, "levy_fines", (MATRIX, VECTOR, VECTOR, BOOL_MATRIX, VECTOR)),
    (
        partner_kernels,
        "partner_choice",
        (INT, BOOL_MATRIX, INT_VECTOR, INT, INT_VECTOR, VECTOR, FLOAT),
    ),
)
# ...and, when the cache is cold, a helper process these (about as long in all).
HELPER: tuple[tuple[Any, str, tuple[Any, ...]], ...] = (
    (kernels, "spread", (SINGLE_VECTOR, types.int32[:, ::1], BOOL_VECTOR, FLOAT, FLOAT, FLOAT)),
    (
        partner_kernels,
        "pool_operations",
        (MATRIX, MATRIX, VECTOR, VECTOR, MATRIX, MATRIX, BOOL, VECTOR, MATRIX, FLOAT, FLOAT),
    ),
    (
        partner_kernels,
        "partner_observations",
        (
            MATRIX,
            INT_MATRIX,
            MATRIX,
            MATRIX,
            VECTOR,
            MATRIX,
            BOOL_VECTOR,
            VECTOR,
            VECTOR,
            FLOAT,
            FLOAT,
            FLOAT,
        ),
    ),
    (
        partner_kernels,
        "payments",
        (MATRIX, BOOL_VECTOR, MATRIX, MATRIX, MATRIX, FLOAT, BOOL_VECTOR, VECTOR, FLOAT, VECTOR),
    ),
    (
        partner_kernels,
        "governance_choice",
        (MATRIX, INT_VECTOR, MATRIX, VECTOR, INT, INT, INT, FLOAT),
    ),
    (
        partner_kernels,
        "delivered_units",
        (MATRIX, MATRIX, MATRIX, MATRIX, BOOL, INT_MATRIX, MATRIX, VECTOR),
    ),
    (
        partner_kernels,
        "service_channels",  # units, pool units, expertise, pool quality .. coordination
        (
            MATRIX,
            MATRIX,
            MATRIX,
            MATRIX,
            VECTOR,
            MATRIX,
            BOOL_VECTOR,
            BOOL_VECTOR,
            *(FLOAT,) * 2,
            BOOL,
        ),
    ),
    (
        partner_kernels,
        "pool_returns",
        (MATRIX, VECTOR, VECTOR, MATRIX, MATRIX, MATRIX, MATRIX, MATRIX, MATRIX, VECTOR),
    ),
    (partner_kernels, "trust_in_shared_pools", (MATRIX, VECTOR, INT_VECTOR)),
    (partner_kernels, "contribution_rates", (MATRIX, MATRIX, BOOL_VECTOR)),
    (
        partner_kernels,
        "update_accountability",
        (VECTOR, BOOL_VECTOR, MATRIX, INT_VECTOR, INT, FLOAT, FLOAT, FLOAT),
    ),
)
KERNELS = OWN + HELPER

HELPER_TIMEOUT_S = 120.0  # then this process stops waiting and compiles the rest itself


def _compile(entries: tuple[tuple[Any, str, tuple[Any, ...]], ...]) -> None:
    """Compile (or load from the cache) each kernel for its argument types; a kernel that is
    plain Python (NUMBA_DISABLE_JIT, or replaced by a wrapper, as a profiler's) is left be."""
    for module, name, signature in entries:
        kernel = getattr(module, name)
        if hasattr(kernel, "compile"):
            kernel.compile(signature)


def _cold() -> bool:
    """Whether the first kernel had to be compiled, not loaded: the cache is cold."""
    module, name, _ = OWN[0]
    stats = getattr(getattr(module, name), "stats", None)  # none for plain Python
    return stats is not None and bool(stats.cache_misses)


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _start_helper() -> subprocess.Popen[bytes] | None:
    """A process that compiles HELPER into the cache (None if one cannot start). It imports
    this very package (its parent directory first on the path), so that it fills the cache
    entries of these source files."""
    package_parent = str(Path(__file__).resolve().parent.parent)
    path = os.pathsep.join(filter(None, [package_parent, os.environ.get("PYTHONPATH")]))
    try:
        return subprocess.Popen(
            [sys.executable, "-c", f"import {__package__}.kernel_cache as k; k.helper_main()"],
            env={**os.environ, "PYTHONPATH": path},
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
    except OSError:
        return None


def _wait(helper: subprocess.Popen[bytes]) -> None:
    try:
        helper.wait(timeout=HELPER_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        helper.kill()
        helper.wait()


@cache
def ensure_compiled() -> None:
    """Compile or load every kernel now, once per process (the model calls this when it is
    built): over two processes when the cache is cold and there are two cores."""
    _compile(OWN[:1])
    helper = _start_helper() if _cold() and _cores() >= 2 else None
    _compile(OWN[1:])
    if helper is not None:
        _wait(helper)
    _compile(HELPER)  # loaded from the cache when the helper compiled them


def helper_main() -> None:
    """The helper process: compile HELPER into the cache; stop if the parent goes away."""
    parent = os.getppid()

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.5)
        os._exit(1)

    threading.Thread(target=watch, daemon=True).start()
    _compile(HELPER)
