"""Parameter draws from a calibration posterior, for experiments under parameter uncertainty.

A posterior is the `posterior.parquet` that `partnership calibrate` writes: one row per
accepted design point (`point_id`, `distance`, the calibrated parameters regression-adjusted,
their `weight`, the pattern statistics of the design point).  An experiment run "under the
posterior" picks K of those rows with its own root seed, with probability in proportion to
their weight and without repeats (a row of weight 0 is never picked), so the same command
picks the same rows on any machine, and runs every arm once per row.  A file without a
`weight` column (a rejection sample) weighs its rows equally.  Within a draw every arm
shares its seeds (common random numbers); each draw gets its own root seed, derived from
the experiment's, so draws are independent replicates of the whole experiment.
"""

from __future__ import annotations

import hashlib
import math
import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from simulation import shipped
from simulation.experiments.definition import ExperimentDef, ExperimentError
from simulation.inputs import InputError, read_toml, validate
from simulation.params import ModelParams, plausible_ranges
from simulation.scenario import MAX_SEED, resolve

MAX_POSTERIOR_BYTES = 50_000_000
REQUIRED = ("point_id", "distance")  # what marks a file as a calibration's posterior
WEIGHT = "weight"  # the regression-adjusted posterior's weights (absent: equal weights)
ALLOWED = "the posterior.parquet that 'partnership calibrate' writes"


@dataclass(frozen=True)
class Posterior:
    """The usable part of a posterior file: its rows' calibrated parameters."""

    path: Path
    sha256: str
    parameters: pd.DataFrame  # one row per accepted point; index point_id
    missing: tuple[str, ...]  # calibrated parameters the file lacks (held at defaults)
    weights: np.ndarray  # one per row, >= 0 (equal when the file has none)

    @property
    def shown(self) -> str:
        """The path as recorded in manifests: relative to the working folder or to the
        shipped experiments, else the file name (no machine paths in committed files)."""
        for root in (Path.cwd(), shipped.folder("experiments").parent):
            try:
                return str(self.path.resolve().relative_to(root.resolve()))
            except ValueError:
                continue
        return self.path.name

    @property
    def size(self) -> int:
        """Number of posterior points that can be drawn (positive weight)."""
        return int(np.count_nonzero(self.weights))


@dataclass(frozen=True)
class Draw:
    """One posterior point chosen for an experiment, with the root seed its arms share."""

    index: int
    point_id: int
    seed: int
    parameters: dict[str, Any]

    @property
    def folder(self) -> str:
        """Sub-folder name of this draw's runs."""
        return f"draw-{self.index:03d}"


def _refuse(label: str, what: str) -> ExperimentError:
    return ExperimentError(f"{label}: {what} (allowed: {ALLOWED})")


def _read_frame(path: Path, label: str) -> tuple[pd.DataFrame, str]:
    """The Parquet table of a regular file of bounded size, and its SHA-256."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        raise _refuse(label, "file not found") from None
    except OSError as exc:
        raise _refuse(label, f"cannot read ({exc.strerror or exc})") from None
    if not stat.S_ISREG(info.st_mode):
        raise _refuse(label, "not a regular file")
    if info.st_size > MAX_POSTERIOR_BYTES:
        raise _refuse(label, f"{info.st_size} bytes is too large (at most {MAX_POSTERIOR_BYTES})")
    data = path.read_bytes()
    try:
        import io

        frame = pd.read_parquet(io.BytesIO(data))
    except Exception:  # pyarrow raises many kinds of error for a file that is not Parquet
        raise _refuse(label, "not a Parquet file") from None
    return frame, hashlib.sha256(data).hexdigest()


def _parameter_value(name: str, value: Any, label: str) -> Any:
    """A posterior value as the model takes it: finite, inside the prior; integer parameters
    rounded as the calibration's own design and centre round them."""
    number = float(value)
    low, high = plausible_ranges()[name]
    if not math.isfinite(number) or not low <= number <= high:
        raise _refuse(label, f"column {name}: value {value!r} outside its prior [{low}, {high}]")
    return round(number) if ModelParams.model_fields[name].annotation is int else number


def read_posterior(path: Path, label: str = "--posterior") -> Posterior:
    """Read and check a posterior file; ExperimentError (one line) if it cannot be used."""
    where = f"{label} {path}"
    frame, digest = _read_frame(path, where)
    lacking = [c for c in REQUIRED if c not in frame.columns]
    if lacking:
        raise _refuse(where, f"not a posterior: no column {lacking[0]}")
    ranges = plausible_ranges()
    names = [c for c in frame.columns if c in ranges]
    if not names:
        raise _refuse(where, "no column names a calibrated parameter")
    if frame.empty:
        raise _refuse(where, "holds no posterior point")
    if frame["point_id"].duplicated().any():
        raise _refuse(where, "column point_id: repeated ids")
    for name in names:
        if not pd.api.types.is_numeric_dtype(frame[name]) or pd.api.types.is_bool_dtype(
            frame[name]
        ):
            raise _refuse(where, f"column {name}: type {frame[name].dtype} (a number expected)")
    rows = {}
    for pid, row in frame.set_index("point_id")[names].iterrows():
        values = {n: _parameter_value(n, row[n], where) for n in names}
        try:
            validate(ModelParams, values, f"{where} point {pid}")
        except InputError as exc:
            raise ExperimentError(str(exc)) from None
        rows[int(pid)] = values
    params = pd.DataFrame.from_dict(rows, orient="index")[names]
    params.index.name = "point_id"
    missing = tuple(n for n in ranges if n not in names)
    return Posterior(path, digest, params, missing, _weights(frame, where))


def _weights(frame: pd.DataFrame, where: str) -> np.ndarray:
    """The rows' weights: the `weight` column (finite, >= 0, some positive), else equal."""
    if WEIGHT not in frame.columns:
        return np.ones(len(frame))
    column = frame[WEIGHT]
    if not pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        raise _refuse(where, f"column {WEIGHT}: type {column.dtype} (a number expected)")
    weights = column.to_numpy(dtype=float)
    if not (np.isfinite(weights) & (weights >= 0)).all() or not (weights > 0).any():
        raise _refuse(where, f"column {WEIGHT}: finite values >= 0, some positive, expected")
    return weights


def check_draws(posterior: Posterior, draws: int, label: str = "--draws") -> None:
    """K must be between 2 (a spread over draws) and the posterior's size (without repeats)."""
    if not 2 <= draws <= posterior.size:
        raise ExperimentError(
            f"{label} {draws}: out of range for {posterior.path} (allowed: 2 to "
            f"{posterior.size}, the number of posterior points of positive weight)"
        )


def draw_seed(root_seed: int, index: int) -> int:
    """Root seed of draw `index`: independent streams per draw, reproducible anywhere."""
    state = np.random.SeedSequence([root_seed, index]).generate_state(2, np.uint64)
    return int(state[0]) % MAX_SEED


def draw_order(weights: np.ndarray, root_seed: int) -> np.ndarray:
    """Every row of positive weight in the order a generator seeded with `root_seed` picks
    them without repeats, each pick in proportion to weight (Efraimidis & Spirakis 2006:
    sort by u^(1/w), u uniform).  Equal weights: one seeded permutation."""
    rng = np.random.default_rng(root_seed)
    if np.all(weights == weights[0]):
        return rng.permutation(weights.size)
    keys = rng.random(weights.size) ** (1.0 / np.maximum(weights, 1e-300))
    ranked = np.argsort(-keys, kind="stable")
    return ranked[weights[ranked] > 0]


def choose_draws(posterior: Posterior, draws: int, root_seed: int) -> list[Draw]:
    """K posterior points chosen without repeats and in proportion to their weight by a
    generator seeded with `root_seed`: the first K of one seeded order, so fewer draws are
    the first of more (a run with more draws reuses the runs of one with fewer)."""
    check_draws(posterior, draws)
    picks = draw_order(posterior.weights, root_seed)[:draws]
    out = []
    for i, row in enumerate(picks):
        pid = int(posterior.parameters.index[row])
        values = posterior.parameters.iloc[row].to_dict()
        typed = {k: _parameter_value(k, v, str(posterior.path)) for k, v in values.items()}
        out.append(Draw(i, pid, draw_seed(root_seed, i), typed))
    return out


def _explicit_keys(base: str) -> set[str]:
    """Parameters the base scenario file sets itself (they define the arm: they win over the
    draw, e.g. partnering_rate = 0 in the town without partnerships)."""
    try:
        data = read_toml(resolve(base))
    except InputError as exc:
        raise ExperimentError(str(exc)) from None
    model = data.get("model", {})
    return set(model) if isinstance(model, dict) else set()


def with_draw(exp: ExperimentDef, draw: Draw, extra: dict[str, Any] | None = None) -> ExperimentDef:
    """The experiment with draw `draw`'s parameters and root seed.

    Priority, lowest first: the draw, the arm's base scenario, the experiment's `set`, the
    arm's `set`, the factors (what the experiment varies stays varied), the quick variant's
    `set`, then `extra` (e.g. a town size for the robustness table)."""
    fixed = set(exp.set) | set(exp.quick.set) | set(extra or {})
    arms = []
    for a in exp.arms:
        own = fixed | set(a.set) | set(a.factors) | set(exp.quick.factors)
        own |= _explicit_keys(a.base)
        drawn = {k: v for k, v in draw.parameters.items() if k not in own}
        arms.append(a.model_copy(update={"set": {**drawn, **a.set}}))
    quick = exp.quick.model_copy(update={"set": {**exp.quick.set, **(extra or {})}})
    update: dict[str, Any] = {"arms": tuple(arms), "root_seed": draw.seed, "quick": quick}
    if extra:
        update["set"] = {**exp.set, **extra}
    return exp.model_copy(update=update)
