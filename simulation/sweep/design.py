"""Design points: full-factorial grids, Latin hypercubes (scipy.stats.qmc) and Saltelli/Sobol'
samples (SALib).  No hand-written samplers: the libraries' samplers are well tested and give
SALib the sample layout its Sobol' analysis expects.
"""

from __future__ import annotations

import itertools
import math
from typing import TYPE_CHECKING, Any

from simulation.sweep.seeds import design_seed

if TYPE_CHECKING:
    import numpy as np

    from simulation.sweep.spec import SweepSpec


def _problem(spec: SweepSpec, types: dict[str, str]) -> dict[str, Any]:
    """SALib problem; integer factors get [low, high + 1) and are floored, so every integer
    in [low, high] is equally likely."""
    bounds = []
    for name, f in spec.factors.items():
        assert f.low is not None and f.high is not None
        bounds.append([f.low, f.high + 1.0] if types[name] == "int" else [f.low, f.high])
    return {"num_vars": len(spec.factors), "names": list(spec.factors), "bounds": bounds}


def _to_points(spec: SweepSpec, types: dict[str, str], matrix: np.ndarray) -> list[dict[str, Any]]:
    points = []
    names = list(spec.factors)
    for row in matrix:
        point: dict[str, Any] = {}
        for name, x in zip(names, row, strict=True):
            if types[name] == "int":
                high = spec.factors[name].high
                assert high is not None
                point[name] = min(math.floor(float(x)), int(high))
            else:
                point[name] = float(x)
        points.append(point)
    return points


def build_design(
    spec: SweepSpec, types: dict[str, str], levels: dict[str, list[Any]], root_seed: int
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    """Return the design points (factor name -> value) and, for Sobol', the SALib problem.

    Point order is deterministic: grids vary the last factor fastest; sampled designs keep the
    sampler's row order (which SALib's analysis relies on).
    """
    method = spec.design.method
    if method == "grid":
        names = list(spec.factors)
        combos = itertools.product(*(levels[n] for n in names))
        return [dict(zip(names, c, strict=True)) for c in combos], None
    problem = _problem(spec, types)
    n = spec.design.samples
    assert n is not None
    seed = design_seed(root_seed)
    if method == "lhs":
        import numpy as np  # imported here: grid sweeps need neither numpy nor scipy
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=problem["num_vars"], rng=np.random.default_rng(seed))
        lows = [b[0] for b in problem["bounds"]]
        highs = [b[1] for b in problem["bounds"]]
        matrix = qmc.scale(unit.random(n), lows, highs)
        return _to_points(spec, types, matrix), None
    from SALib.sample import sobol

    matrix = sobol.sample(
        problem, n, calc_second_order=spec.design.second_order, scramble=True, seed=seed
    )
    return _to_points(spec, types, matrix), problem
