"""The results folder: a partitioned Parquet dataset written so that a crash never corrupts it.

Layout of ``results/<name>/``::

    _manifest.json            provenance, spec hash (see manifest.py)
    _sweep.toml               copy of the sweep file
    runs/part-*.parquet       one row per run: ids, seed, factors, status, error, outcomes
    series/part-*.parquet     long table (run_id, step, metrics...), when series are kept
    summary/                  tables and figures (summary.py)

Each flush writes ``.part-X.parquet.tmp``, fsyncs it and renames it into place, so a reader
(or a resume) only ever sees whole files.  A runs part and its series part share a name; the
series part is published first, so a kill between the two renames leaves only an orphan
series part, which the next start deletes.  Run ids are content addresses, so resume is
"run every design id not yet in runs/", and reads keep the latest row per run id.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

ID_COLUMNS = ("run_id", "point_id", "replicate", "seed")
STATUS_COLUMNS = ("status", "error", "traceback", "attempts")
# Differ between two executions of the same run; everything else is bitwise reproducible.
VOLATILE_COLUMNS = ("duration_s", "cpu_s", "finished_at", "worker")
RESERVED = frozenset(ID_COLUMNS + STATUS_COLUMNS + VOLATILE_COLUMNS)
_ARROW_TYPES = {"int": pa.int64(), "float": pa.float64(), "bool": pa.bool_(), "str": pa.string()}
MANIFEST = "_manifest.json"
SWEEP_COPY = "_sweep.toml"


def outcome_column(name: str, factor_names: Iterable[str]) -> str:
    """Column of an outcome; prefixed only if it would clash with an id or factor column."""
    return f"outcome_{name}" if name in RESERVED or name in set(factor_names) else name


def arrow_column(values: Iterable[Any], kind: pa.DataType) -> pa.Array:
    """An Arrow array of `kind` (string, bool, int64, float64, timestamp); None -> null.

    Built from numpy buffers rather than with pa.array(), which imports pandas to inspect its
    input: pandas would add ~45 MiB to the coordinating process, which otherwise needs only
    pyarrow to write its parts.
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


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # e.g. Windows: directories cannot be opened
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(table: pa.Table, path: Path) -> None:
    """Write a Parquet file under a hidden temporary name, fsync it, then rename it in place."""
    tmp = path.with_name(f".{path.name}.tmp")
    pq.write_table(table, tmp, compression="zstd")
    fd = os.open(tmp, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def write_bytes_atomic(data: bytes, path: Path) -> None:
    """Same publish-by-rename for small files (manifest, sweep copy)."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _parts(directory: Path) -> list[Path]:
    return sorted(directory.glob("part-*.parquet")) if directory.is_dir() else []


class RunStore:
    """Buffers finished runs and publishes them as Parquet parts; knows what is already done."""

    def __init__(
        self,
        root: Path,
        factor_types: dict[str, str],
        *,
        flush_seconds: float = 5.0,
        flush_runs: int = 500,
        flush_series_rows: int = 100_000,
    ) -> None:
        self.root = Path(root)
        self.factor_types = dict(factor_types)
        self.flush_seconds = flush_seconds
        self.flush_runs = flush_runs
        self.flush_series_rows = flush_series_rows
        self._rows: list[dict[str, Any]] = []
        self._series: list[tuple[str, dict[str, np.ndarray]]] = []
        self._series_rows = 0
        self._last_flush = time.monotonic()
        self.parts_written = 0

    # --- folder ---------------------------------------------------------------------------------

    @property
    def runs_dir(self) -> Path:
        return self.root / "runs"

    @property
    def series_dir(self) -> Path:
        return self.root / "series"

    @property
    def manifest_path(self) -> Path:
        return self.root / MANIFEST

    def lock(self) -> None:
        """Hold an exclusive lock on the folder while a sweep writes to it, so a second
        coordinator started by mistake is refused instead of redoing the same runs.  The
        kernel drops the lock when the process dies, even on kill -9."""
        try:
            import fcntl
        except ImportError:  # pragma: no cover - Windows: no lock, reads still dedupe
            return
        self.root.mkdir(parents=True, exist_ok=True)
        fh = open(self.root / ".lock", "a+")  # noqa: SIM115 (held until unlock)
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            fh.close()
            from simulation.sweep.errors import SweepError

            raise SweepError(
                f"{self.root}: another sweep is writing to this folder right now (allowed: "
                "wait for it, or use --out for another folder)"
            ) from None
        self._lock = fh

    def unlock(self) -> None:
        """Release the folder lock."""
        fh = getattr(self, "_lock", None)
        if fh is not None:
            fh.close()
            self._lock = None

    def has_results(self) -> bool:
        """True if the folder already holds a sweep (manifest or published parts)."""
        return self.manifest_path.exists() or bool(_parts(self.runs_dir))

    def wipe(self) -> None:
        """Remove what a sweep writes (for --fresh); leaves unrelated files alone."""
        for sub in ("runs", "series", "summary"):
            shutil.rmtree(self.root / sub, ignore_errors=True)
        for name in (MANIFEST, SWEEP_COPY):
            (self.root / name).unlink(missing_ok=True)

    def prepare(self) -> list[str]:
        """Create the folders and clean up after a crash; return warnings for the user.

        Deletes temporary files, series parts whose runs part never got published, and moves
        unreadable parts aside (their runs are simply run again).
        """
        warnings: list[str] = []
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        self.series_dir.mkdir(parents=True, exist_ok=True)
        for d in (self.runs_dir, self.series_dir, self.root):
            for tmp in d.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)
        published = {p.name for p in _parts(self.runs_dir)}
        for part in _parts(self.series_dir):
            if part.name not in published:
                part.unlink()
        for part in _parts(self.runs_dir):
            try:
                pq.read_metadata(part)
            except (OSError, pa.ArrowException) as exc:
                aside = part.with_name(f".corrupt-{part.name}")
                os.replace(part, aside)
                series = self.series_dir / part.name
                if series.exists():
                    os.replace(series, series.with_name(f".corrupt-{part.name}"))
                warnings.append(f"{part}: unreadable ({exc}); moved aside, its runs will rerun")
        return warnings

    def scan(self) -> dict[str, str]:
        """Run id -> status of every run on disk (latest row wins)."""
        latest: dict[str, tuple[float, str]] = {}
        for part in _parts(self.runs_dir):
            t = pq.read_table(part, columns=["run_id", "status", "finished_at"])
            ids = t.column("run_id").to_pylist()
            status = t.column("status").to_pylist()
            fin = t.column("finished_at").cast(pa.int64()).to_pylist()
            for i, s, f in zip(ids, status, fin, strict=True):
                if i not in latest or f >= latest[i][0]:
                    latest[i] = (f, s)
        return {i: s for i, (_, s) in latest.items()}

    # --- writing --------------------------------------------------------------------------------

    def add(self, record: dict[str, Any]) -> None:
        """Buffer one finished run (see execute.run_task for the record's keys)."""
        series = record.pop("series", None)
        self._rows.append(record)
        if series is not None:
            self._series.append((record["run_id"], series))
            self._series_rows += len(series["step"])
        self.maybe_flush()

    def maybe_flush(self) -> None:
        """Publish a part when enough runs, series rows or seconds have piled up."""
        if not self._rows:
            return
        if (
            len(self._rows) >= self.flush_runs
            or self._series_rows >= self.flush_series_rows
            or time.monotonic() - self._last_flush >= self.flush_seconds
        ):
            self.flush()

    def flush(self) -> None:
        """Publish everything buffered (series part first, then the runs part)."""
        self._last_flush = time.monotonic()
        if not self._rows:
            return
        name = f"part-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.parquet"
        if self._series:
            write_atomic(_series_table(self._series), self.series_dir / name)
        write_atomic(self._runs_table(self._rows), self.runs_dir / name)
        self._rows, self._series, self._series_rows = [], [], 0
        self.parts_written += 1

    def _runs_table(self, rows: list[dict[str, Any]]) -> pa.Table:
        factors = list(self.factor_types)
        cols: dict[str, pa.Array] = {
            "run_id": arrow_column([r["run_id"] for r in rows], pa.string()),
            "point_id": arrow_column([r["point_id"] for r in rows], pa.int64()),
            "replicate": arrow_column([r["replicate"] for r in rows], pa.int64()),
            "seed": arrow_column([r["seed"] for r in rows], pa.int64()),
        }
        for f in factors:
            cols[f] = arrow_column(
                [r["factors"][f] for r in rows], _ARROW_TYPES[self.factor_types[f]]
            )
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


def _series_table(series: list[tuple[str, dict[str, np.ndarray]]]) -> pa.Table:
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


# --- reading ------------------------------------------------------------------------------------


def _concat(parts: list[Path], columns: list[str] | None = None) -> pa.Table | None:
    tables = [pq.read_table(p, columns=columns) for p in parts]
    if not tables:
        return None
    return pa.concat_tables(tables, promote_options="default")


def read_runs(results_dir: str | Path, *, volatile: bool = True) -> Any:
    """All runs as a pandas DataFrame, one row per run id (the latest if a run was retried),
    sorted by (point_id, replicate).  ``volatile=False`` drops timing and worker columns, which
    leaves exactly the columns that are bitwise reproducible."""
    import pandas as pd  # readers only: the coordinator writes with pyarrow alone

    root = Path(results_dir)
    table = _concat(_parts(root / "runs"))
    if table is None:
        return pd.DataFrame(columns=[*ID_COLUMNS, "status"])
    df = table.to_pandas()
    df = df.sort_values(["run_id", "finished_at"], kind="stable")
    df = df.drop_duplicates("run_id", keep="last")
    df = df.sort_values(["point_id", "replicate"], kind="stable").reset_index(drop=True)
    factors, outcome_order = _layout(root)
    fixed = [c for c in ID_COLUMNS if c in df]
    factor_cols = [c for c in factors if c in df]
    status = [c for c in STATUS_COLUMNS if c in df]
    tail = [c for c in VOLATILE_COLUMNS if c in df]
    taken = {*fixed, *factor_cols, *status, *tail}
    rank = {outcome_column(n, factors): i for i, n in enumerate(outcome_order)}
    outcomes = sorted(
        (c for c in df.columns if c not in taken), key=lambda c: rank.get(c, len(rank))
    )
    df = df[[*fixed, *factor_cols, *status, *outcomes, *tail]]
    if not volatile:
        df = df.drop(columns=tail)
    return df


def _layout(root: Path) -> tuple[list[str], list[str]]:
    """Factor names and outcome order recorded in the manifest (empty if there is none)."""
    try:
        manifest = json.loads((root / MANIFEST).read_text())
    except (OSError, ValueError):
        return [], []
    return list(manifest.get("factors", [])), list(manifest.get("outcome_order", []))


def read_series(
    results_dir: str | Path,
    run_ids: Iterable[str] | None = None,
    columns: list[str] | None = None,
) -> Any:
    """The kept time series as a long pandas DataFrame (run_id, step, metrics...), restricted
    to published runs, without duplicates, sorted by (run_id, step)."""
    import pandas as pd

    root = Path(results_dir)
    published = {p.name for p in _parts(root / "runs")}
    tables = []
    for part in _parts(root / "series"):
        if part.name not in published:
            continue
        cols = None
        if columns is not None:
            have = set(pq.read_schema(part).names)
            cols = [c for c in columns if c in have]
        tables.append(pq.read_table(part, columns=cols))
    if not tables:
        return pd.DataFrame(columns=["run_id", "step"])
    df = pa.concat_tables(tables, promote_options="default").to_pandas()
    if run_ids is not None:
        df = df[df["run_id"].isin(set(run_ids))]
    df = df.drop_duplicates(["run_id", "step"], keep="last")
    return df.sort_values(["run_id", "step"], kind="stable").reset_index(drop=True)
