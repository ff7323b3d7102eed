"""Seeds and run ids, derived from one root seed so results never depend on scheduling.

Every seed is a pure function of ``(root_seed, point, replicate)`` computed with numpy's
`SeedSequence` spawn tree, so a run's result is the same whatever the number of workers,
the executor or the order in which runs finish:

* ``SeedSequence(root_seed).spawn(...)[0]`` seeds the design sampler (LHS / Sobol');
* child ``[1]`` spawns one seed per *replicate* (common random numbers, the default):
  replicate r uses the same stream at every design point, so a difference between two points
  reflects the parameters, not luck (a classic variance-reduction device);
* child ``[2]`` spawns per point, then per replicate, when common random numbers are off.

A child is built directly from its spawn key (``SeedSequence(root, spawn_key=(1, r))`` equals
``SeedSequence(root).spawn(2)[1].spawn(r + 1)[r]``), so no list of seeds is ever held.

Run ids address a run by its seed *key* (root seed and spawn key), which determines the seed,
so the coordinating process can tell which runs are done without loading numpy: the seeds
themselves are drawn in the workers.
"""

from __future__ import annotations

import hashlib
import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np

DESIGN_BRANCH, COMMON_BRANCH, INDEPENDENT_BRANCH = 0, 1, 2
SEED_MASK = 2**63 - 1  # fits a signed 64-bit Parquet column


def _seed_int(seq: np.random.SeedSequence) -> int:
    lo, hi = (int(x) for x in seq.generate_state(2, dtype="uint32"))
    return ((hi << 32) | lo) & SEED_MASK


def _sequence(root_seed: int, key: tuple[int, ...]) -> np.random.SeedSequence:
    import numpy as np  # here, not at the top: the coordinator never draws a seed

    return np.random.SeedSequence(root_seed, spawn_key=key)


def design_seed(root_seed: int) -> int:
    """Seed for the design sampler (LHS / Sobol' scrambling)."""
    return _seed_int(_sequence(root_seed, (DESIGN_BRANCH,)))


def spawn_key(point_id: int, replicate: int, *, common: bool = True) -> tuple[int, ...]:
    """Where one run's seed sits in the spawn tree under the root seed."""
    return (COMMON_BRANCH, replicate) if common else (INDEPENDENT_BRANCH, point_id, replicate)


def run_seed(root_seed: int, point_id: int, replicate: int, *, common: bool = True) -> int:
    """The integer seed passed to ``run_one(seed=...)`` for one run."""
    return _seed_int(_sequence(root_seed, spawn_key(point_id, replicate, common=common)))


def context_digest(base_params: dict[str, Any], shocks: Any, steps: int) -> str:
    """Digest of what every run of a sweep shares (base parameters, shocks, months)."""
    blob = json.dumps(
        {"params": base_params, "shocks": list(shocks), "steps": steps},
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def run_id(
    context: str,
    factors: dict[str, Any],
    point_id: int,
    replicate: int,
    *,
    root_seed: int,
    key: tuple[int, ...],
) -> str:
    """Content address of one run: same inputs, same id (16 hex digits).

    ``root_seed`` and the spawn ``key`` fix the run's seed.  The point index is part of the
    address so two design points that happen to coincide (e.g. integer rounding in a Latin
    hypercube) stay two runs.
    """
    blob = json.dumps(
        [context, factors, point_id, replicate, root_seed, list(key)],
        sort_keys=True,
        separators=(",", ":"),
    )
    return hashlib.sha256(blob.encode()).hexdigest()[:16]
