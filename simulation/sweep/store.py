"""The results folder: a partitioned Parquet dataset written so that a crash never corrupts it.

Layout of ``results/<name>/``::

    _manifest.json            provenance, spec hash (see manifest.py)
    _sweep.toml               copy of the sweep file
    runs/part-*.parquet       one row per run: ids, seed, factors, status, error, outcomes
    runs/_index.jsonl         which runs each part holds, and their status
    series/part-*.parquet     long table (run_id, step, metrics...), when series are kept
    summary/                  tables and figures (summary.py)

Workers encode each task's runs as Parquet (`encode.py`); the coordinator only publishes the
bytes, so it never loads pyarrow, numpy or pandas while a sweep runs.  Publishing a part is:
append its line to the index (fsynced), then write the series part and the runs part, each
under a hidden temporary name, fsynced and renamed into place.  The runs part is the commit
point: an index line whose runs part is missing (a kill before the rename) is ignored, a
series part without its runs part is deleted at the next start, and a reader or a resume
only ever sees whole files.  Run ids are content addresses, so resume is "run every design
id not yet committed", and reads keep the latest row per run id.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ID_COLUMNS = ("run_id", "point_id", "replicate", "seed")
STATUS_COLUMNS = ("status", "error", "traceback", "attempts")
# Differ between two executions of the same run; everything else is bitwise reproducible.
VOLATILE_COLUMNS = ("duration_s", "cpu_s", "finished_at", "worker")
RESERVED = frozenset(ID_COLUMNS + STATUS_COLUMNS + VOLATILE_COLUMNS)
MANIFEST = "_manifest.json"
SWEEP_COPY = "_sweep.toml"
INDEX = "_index.jsonl"
_MAGIC = b"PAR1"


def outcome_column(name: str, factor_names: Iterable[str]) -> str:
    """Column of an outcome; prefixed only if it would clash with an id or factor column."""
    return f"outcome_{name}" if name in RESERVED or name in set(factor_names) else name


@dataclass(frozen=True)
class EncodedPart:
    """Finished runs encoded by a worker: Parquet bytes plus what the coordinator must know."""

    runs: tuple[tuple[str, str, float], ...]  # (run_id, status, duration_s) per run
    table: bytes  # the runs part
    series: bytes | None = None  # the series part, when series are kept


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


def write_bytes_atomic(data: bytes, path: Path) -> None:
    """Write a file under a hidden temporary name, fsync it, then rename it into place."""
    tmp = path.with_name(f".{path.name}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    _fsync_dir(path.parent)


def _parts(directory: Path) -> list[Path]:
    return sorted(directory.glob("part-*.parquet")) if directory.is_dir() else []


def _whole(path: Path) -> bool:
    """Does the file have a Parquet file's frame (magic at both ends, a footer that fits)?

    A cheap check that catches truncated or overwritten parts without loading pyarrow; the
    publish protocol (fsync, then rename) means a part is whole unless the disk lied.
    """
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(4)
            fh.seek(max(size - 8, 0))
            tail = fh.read(8)
    except OSError:
        return False
    if size < 12 or head != _MAGIC or tail[4:] != _MAGIC:
        return False
    return int.from_bytes(tail[:4], "little") <= size - 12


class RunStore:
    """Publishes parts that workers encoded; knows which runs are already done."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)

    # --- folder ---------------------------------------------------------------------------------

    @property
    def runs_dir(self) -> Path:
        return self.root / "runs"

    @property
    def series_dir(self) -> Path:
        return self.root / "series"

    @property
    def index_path(self) -> Path:
        return self.runs_dir / INDEX

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

        Deletes temporary files and series parts whose runs part never got published, cuts a
        torn last line off the index, and moves aside parts that are not whole or that the
        index does not list (their runs are simply run again).
        """
        warnings: list[str] = []
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        self.series_dir.mkdir(parents=True, exist_ok=True)
        for d in (self.runs_dir, self.series_dir, self.root):
            for tmp in d.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)
        self._mend_index()
        published = {p.name for p in _parts(self.runs_dir)}
        for part in _parts(self.series_dir):
            if part.name not in published:
                part.unlink()
        listed = {name for name, _ in self._index_lines()}
        for part in _parts(self.runs_dir):
            if part.name not in listed:
                why = f"not listed in {INDEX}"
            elif not _whole(part) or not self._series_whole(part.name):
                why = "unreadable (not a whole Parquet file)"
            else:
                continue
            for d in (self.runs_dir, self.series_dir):
                if (d / part.name).exists():
                    os.replace(d / part.name, d / f".corrupt-{part.name}")
            warnings.append(f"{part}: {why}; moved aside, its runs will rerun")
        return warnings

    def _series_whole(self, name: str) -> bool:
        series = self.series_dir / name
        return not series.exists() or _whole(series)

    def _mend_index(self) -> None:
        """A kill during an append can leave a torn last line: cut it, so the next append
        starts on a line of its own.  (Its part was never published: the line comes first.)"""
        path = self.index_path
        if not path.exists():
            return
        data = path.read_bytes()
        if data and not data.endswith(b"\n"):
            with open(path, "r+b") as fh:
                fh.truncate(data.rfind(b"\n") + 1)
                fh.flush()
                os.fsync(fh.fileno())

    def _index_lines(self) -> Iterable[tuple[str, list[list[str]]]]:
        if not self.index_path.exists():
            return
        with open(self.index_path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    entry = json.loads(line)
                    yield str(entry["part"]), list(entry["runs"])
                except (ValueError, KeyError, TypeError):
                    continue  # a torn line: its part was never published

    def scan(self) -> dict[str, str]:
        """Run id -> status of every committed run (the latest part wins)."""
        published = {p.name for p in _parts(self.runs_dir)}
        latest: dict[str, str] = {}
        for name, runs in self._index_lines():
            if name in published:
                latest.update((rid, status) for rid, status in runs)
        return latest

    # --- writing --------------------------------------------------------------------------------

    def write(self, part: EncodedPart) -> None:
        """Publish one encoded part: index line, then series part, then runs part."""
        name = f"part-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.parquet"
        line = json.dumps({"part": name, "runs": [[rid, st] for rid, st, _ in part.runs]})
        with open(self.index_path, "a", encoding="utf-8") as fh:
            fh.write(line + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        if part.series is not None:
            write_bytes_atomic(part.series, self.series_dir / name)
        write_bytes_atomic(part.table, self.runs_dir / name)


# --- reading ------------------------------------------------------------------------------------


def _concat(parts: list[Path], columns: list[str] | None = None) -> Any:
    import pyarrow as pa  # readers only: the coordinator writes bytes the workers encoded
    import pyarrow.parquet as pq

    tables = [pq.read_table(p, columns=columns) for p in parts]
    if not tables:
        return None
    return pa.concat_tables(tables, promote_options="default")


def read_runs(results_dir: str | Path, *, volatile: bool = True) -> Any:
    """All runs as a pandas DataFrame, one row per run id (the latest if a run was retried),
    sorted by (point_id, replicate).  ``volatile=False`` drops timing and worker columns, which
    leaves exactly the columns that are bitwise reproducible."""
    import pandas as pd  # readers only

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
    import pyarrow as pa
    import pyarrow.parquet as pq

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
