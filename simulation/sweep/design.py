"""Design points: full-factorial grids, Latin hypercubes (scipy.stats.qmc), Saltelli/Sobol'
samples and Morris trajectories (SALib).  No hand-written samplers: the libraries' samplers
are well tested and give SALib the sample layout its analyses expect.

A sampled design is drawn in a short-lived child process (``python -m
simulation.sweep.design``) unless the sampler is already loaded here: SciPy, and SALib with
the pandas it pulls in, would otherwise stay resident in the sweep's coordinating process
(70-140 MiB) for the whole sweep, only to draw a few thousand numbers.  The child runs the
same library code with the same seed and returns the floats as JSON, whose shortest
round-trip repr is exact, so the points are bitwise the same either way.
"""

from __future__ import annotations

import itertools
import json
import math
import os
import subprocess
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from simulation.sweep.errors import SweepError
from simulation.sweep.seeds import design_seed

if TYPE_CHECKING:
    from simulation.sweep.spec import SweepSpec

_SAMPLER_MODULE = {"lhs": "scipy", "sobol": "SALib", "morris": "SALib"}
MORRIS_LEVELS = 4  # grid levels of a Morris design (Saltelli et al. 2008: 4 with p/2 jumps)


def _problem(spec: SweepSpec, types: dict[str, str]) -> dict[str, Any]:
    """SALib problem; integer factors get [low, high + 1) and are floored, so every integer
    in [low, high] is equally likely."""
    bounds = []
    for name, f in spec.factors.items():
        assert f.low is not None and f.high is not None
        bounds.append([f.low, f.high + 1.0] if types[name] == "int" else [f.low, f.high])
    return {"num_vars": len(spec.factors), "names": list(spec.factors), "bounds": bounds}


def _to_points(
    spec: SweepSpec, types: dict[str, str], matrix: list[list[float]]
) -> list[dict[str, Any]]:
    points = []
    names = list(spec.factors)
    for row in matrix:
        point: dict[str, Any] = {}
        for name, x in zip(names, row, strict=True):
            if types[name] == "int":
                high = spec.factors[name].high
                assert high is not None
                point[name] = min(math.floor(x), int(high))
            else:
                point[name] = x
        points.append(point)
    return points


def sample(
    method: str, problem: dict[str, Any], n: int, root_seed: int, second_order: bool = False
) -> list[list[float]]:
    """The sampler's rows, scaled to the factor bounds, as plain floats."""
    seed = design_seed(root_seed)
    if method == "lhs":
        import numpy as np
        from scipy.stats import qmc

        unit = qmc.LatinHypercube(d=problem["num_vars"], rng=np.random.default_rng(seed))
        lows = [b[0] for b in problem["bounds"]]
        highs = [b[1] for b in problem["bounds"]]
        return qmc.scale(unit.random(n), lows, highs).tolist()
    if method == "morris":
        from SALib.sample import morris

        rows = morris.sample(problem, n, num_levels=MORRIS_LEVELS, seed=seed % 2**32)
        return rows.tolist()
    from SALib.sample import sobol

    matrix = sobol.sample(problem, n, calc_second_order=second_order, scramble=True, seed=seed)
    return matrix.tolist()


def _sample_in_child(args: dict[str, Any]) -> list[list[float]]:
    """`sample(**args)` in a fresh interpreter, so its libraries never load here."""
    package_parent = str(Path(__file__).resolve().parents[2])
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_parent, path]))}
    try:
        proc = subprocess.run(
            [sys.executable, "-m", "simulation.sweep.design"],
            input=json.dumps(args),
            capture_output=True,
            text=True,
            env=env,
            check=False,
        )
    except OSError:  # no usable interpreter (an embedded Python): draw it here
        return sample(**args)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
        raise SweepError(f"drawing the {args['method']} design failed: {last}")
    return json.loads(proc.stdout)


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
    assert spec.design.samples is not None
    args = {
        "method": method,
        "problem": problem,
        "n": spec.design.samples,
        "root_seed": root_seed,
        "second_order": spec.design.second_order,
    }
    loaded = _SAMPLER_MODULE[method] in sys.modules
    matrix = sample(**args) if loaded else _sample_in_child(args)
    return _to_points(spec, types, matrix), problem if method in {"sobol", "morris"} else None


if __name__ == "__main__":  # the child of _sample_in_child: JSON arguments in, rows out
    json.dump(sample(**json.load(sys.stdin)), sys.stdout)
