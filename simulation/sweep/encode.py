"""Finished runs as Parquet bytes: done where the runs ran, so the coordinator never loads pyarrow.

A worker turns the records of its task (`execute.run_task`) into one runs table and, when
series are kept, one series table, each encoded as a zstd-compressed Parquet file in memory.
The coordinator only writes those bytes to disk (`store.RunStore.write`), which keeps its
memory to its own small footprint however many runs a sweep has.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from simulation.sweep.store import EncodedPart, outcome_column

_ARROW_TYPES = {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(), "str": pa.string()}


def arrow_column(values: Iterable[Any], kind: pa.DataType) -> pa.Array:
    """An Arrow array of `kind` (string, bool, int64, float64, timestamp); None -> null.

    Built from numpy buffers rather than with pa.array(), which imports pandas to inspect its
    input: recording a run that killed its worker happens in the coordinator, which must not
    grow by pandas' ~45 MiB for that.
    """
    if isinstance(values, np.ndarray) and values.dtype.kind in "fiu":  # no nulls: zero copy
        data = np.ascontiguousarray(values, np.float64 if pa.types.is_floating(kind) else np.int64)
        return pa.Array.from_buffers(kind, len(data), [None, pa.py_buffer(data)])
    items = list(values)
    n = len(items)
    valid = np.fromiter((v is not None for v in items), bool, n)
    mask = None if valid.all() else pa.py_buffer(np.packbits(valid, bitorder="little"))
    if pa.types.is_string(kind):
        encoded = [b"" if v is None else str(v).encode() for v in items]
        offsets = np.zeros(n + 1, np.int32)
        np.cumsum([len(b) for b in encoded], out=offsets[1:])
        buffers = [mask, pa.py_buffer(offsets), pa.py_buffer(b"".join(encoded))]
        return pa.Array.from_buffers(kind, n, buffers)
    if pa.types.is_boolean(kind):
        bits = np.packbits(np.fromiter((bool(v) for v in items), bool, n), bitorder="little")
        return pa.Array.from_buffers(kind, n, [mask, pa.py_buffer(bits)])
    dtype = np.float64 if pa.types.is_floating(kind) else np.int64
    data = np.fromiter((0 if v is None else v for v in items), dtype, n)
    return pa.Array.from_buffers(kind, n, [mask, pa.py_buffer(data)])


def runs_table(rows: list[dict[str, Any]], factor_types: dict[str, str]) -> pa.Table:
    """One row per run: ids, seed, factors, status, error, outcomes, timing."""
    factors = list(factor_types)
    cols: dict[str, pa.Array] = {
        "run_id": arrow_column([r["run_id"] for r in rows], pa.string()),
        "point_id": arrow_column([r["point_id"] for r in rows], pa.int64()),
        "replicate": arrow_column([r["replicate"] for r in rows], pa.int64()),
        "seed": arrow_column([r["seed"] for r in rows], pa.int64()),
    }
    for f in factors:
        cols[f] = arrow_column([r["factors"][f] for r in rows], _ARROW_TYPES[factor_types[f]])
    cols["status"] = arrow_column([r["status"] for r in rows], pa.string())
    cols["error"] = arrow_column([r.get("error") for r in rows], pa.string())
    cols["traceback"] = arrow_column([r.get("traceback") for r in rows], pa.string())
    cols["attempts"] = arrow_column([r.get("attempts", 1) for r in rows], pa.int64())
    names: dict[str, None] = {}
    for r in rows:
        names.update(dict.fromkeys(r.get("outcomes") or {}))
    for n in names:
        values = [(r.get("outcomes") or {}).get(n) for r in rows]
        cols[outcome_column(n, factors)] = arrow_column(values, pa.float64())
    cols["duration_s"] = arrow_column([r["duration_s"] for r in rows], pa.float64())
    cols["cpu_s"] = arrow_column([r.get("cpu_s") for r in rows], pa.float64())
    cols["finished_at"] = arrow_column(
        [int(r["finished_at"] * 1e6) for r in rows], pa.timestamp("us", tz="UTC")
    )
    cols["worker"] = arrow_column([r["worker"] for r in rows], pa.string())
    return pa.table(cols)


def series_table(series: list[tuple[str, dict[str, np.ndarray]]]) -> pa.Table:
    """Long table (run_id, step, metrics...) of the kept time series."""
    names: dict[str, None] = {}
    for _, s in series:
        names.update(dict.fromkeys(k for k in s if k != "step"))
    steps = [np.asarray(s["step"], np.int64) for _, s in series]
    cols: dict[str, pa.Array] = {
        "run_id": arrow_column(
            (rid for rid, s in series for _ in range(len(s["step"]))), pa.string()
        ),
        "step": arrow_column(np.concatenate(steps), pa.int64()),
    }
    for n in names:
        parts = [
            np.asarray(s[n], np.float64) if n in s else np.full(len(s["step"]), np.nan)
            for _, s in series
        ]
        cols[n] = arrow_column(np.concatenate(parts), pa.float64())
    return pa.table(cols)


def parquet_bytes(table: pa.Table) -> bytes:
    """A whole Parquet file (zstd) in memory."""
    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    return sink.getvalue().to_pybytes()


def encode_records(records: list[dict[str, Any]], factor_types: dict[str, str]) -> EncodedPart:
    """The records of finished runs (see `execute.run_task`) as one part, ready to publish."""
    series = [(r["run_id"], r["series"]) for r in records if r.get("series") is not None]
    return EncodedPart(
        runs=tuple((r["run_id"], r["status"], float(r["duration_s"])) for r in records),
        table=parquet_bytes(runs_table(records, factor_types)),
        series=parquet_bytes(series_table(series)) if series else None,
    )
