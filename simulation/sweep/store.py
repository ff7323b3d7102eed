"""The results folder: a partitioned Parquet dataset written so that a crash never corrupts it.

Layout of ``results/<name>/``::

    .partnership              marker: this folder was written by `partnership sweep`
    _manifest.json            provenance, spec hash (see manifest.py)
    _sweep.toml               copy of the sweep file
    runs/part-*.parquet       one row per run: ids, seed, factors, status, error, outcomes
    runs/_index.jsonl         which runs each part holds, their status, the parts' SHA-256
    series/part-*.parquet     long table (run_id, step, metrics...), when series are kept
    summary/                  tables and figures (summary.py)

Workers encode each task's runs as Parquet (`encode.py`); the coordinator only publishes the
bytes, so it never loads pyarrow, numpy or pandas while a sweep runs.  Publishing a part is:
append its line (with the SHA-256 of its bytes) to the index (fsynced), then write the series
part and the runs part, each under a hidden temporary name, fsynced and renamed into place.
The runs part is the commit point: an index line whose runs part is missing (a kill before
the rename) is ignored, a series part without its runs part is deleted at the next start, and
a reader or a resume only ever sees whole files.  Run ids are content addresses, so resume is
"run every design id not yet committed", and reads keep the latest row per run id.

A resume and `summarize` check every part against the index: a part that is not listed, not
a whole Parquet file or whose bytes no longer match their checksum (a flipped bit, a bad
copy) is set aside as ``.corrupt-part-*.parquet``, said so, and its runs run again at the
next resume; the readers leave such a part out with a warning.  When a sweep completes, its
parts are compacted into one runs part (and one series part) with exactly one row per run, a
retried run keeping its latest row: the new index, which names the parts it replaces, is the
commit point, and the replaced parts are deleted after it (again at the next start if a kill
came first).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
import uuid
import warnings
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
PART_ROWS = 1_000_000  # rows per compacted part: bounds a reader's peak memory per file


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
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:  # a full disk, Ctrl-C: leave no half-written file behind
        tmp.unlink(missing_ok=True)
        raise
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


def file_sha256(path: Path) -> str | None:
    """SHA-256 of a file's bytes, or None if it cannot be read."""
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as fh:
            while block := fh.read(1 << 20):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def _damage(part: Path, series: Path, entry: dict[str, Any] | None) -> str | None:
    """Why a published part must not be read, or None if it is sound."""
    if entry is None:
        return f"not listed in {INDEX}"
    for path, key in ((part, "sha256"), (series, "series_sha256")):
        if path is series and not series.exists():
            if key in entry:
                return "its series part is missing"
            continue
        if not _whole(path):
            return "unreadable (not a whole Parquet file)"
        expected = entry.get(key)
        if expected is not None and file_sha256(path) != expected:
            return "its bytes changed on disk (checksum mismatch)"
    return None


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

        Deletes temporary files, parts a committed compaction replaced, and series parts whose
        runs part never got published; cuts a torn last line off the index; and sets aside
        parts that the index does not list, that are not whole or whose bytes do not match
        the index's checksum (their runs are simply run again).
        """
        self.runs_dir.mkdir(parents=True, exist_ok=True)
        self.series_dir.mkdir(parents=True, exist_ok=True)
        for d in (self.runs_dir, self.series_dir, self.root):
            for tmp in d.glob(".*.tmp"):
                tmp.unlink(missing_ok=True)
        self._mend_index()
        self._drop_superseded()
        published = {p.name for p in _parts(self.runs_dir)}
        for part in _parts(self.series_dir):
            if part.name not in published:
                part.unlink()
        return self.set_aside_damaged()

    def damaged(self) -> list[tuple[str, str]]:
        """Published parts that must not be read, as (name, why), in publication order."""
        entries = dict(self._index_entries())
        bad = []
        for part in _parts(self.runs_dir):
            why = _damage(part, self.series_dir / part.name, entries.get(part.name))
            if why:
                bad.append((part.name, why))
        return bad

    def set_aside_damaged(self) -> list[str]:
        """Rename each damaged part (and its series part) to ``.corrupt-NAME``, so that its
        runs count as missing; return one warning per part."""
        counts = {name: len(runs) for name, runs in self._index_lines()}
        warnings_: list[str] = []
        for name, why in self.damaged():
            for d in (self.runs_dir, self.series_dir):
                if (d / name).exists():
                    os.replace(d / name, d / f".corrupt-{name}")
            runs = f"its {counts[name]} runs" if name in counts else "its runs"
            warnings_.append(
                f"{self.runs_dir / name}: {why}; set aside as .corrupt-{name}, {runs} will "
                "run again"
            )
        return warnings_

    def _drop_superseded(self) -> None:
        """Delete the parts a committed compaction replaced (a kill can leave some)."""
        for entry in self._entries():
            for name in entry.get("superseded") or ():
                if isinstance(name, str) and name.startswith("part-") and "/" not in name:
                    for d in (self.runs_dir, self.series_dir):
                        (d / name).unlink(missing_ok=True)

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

    def _entries(self) -> Iterable[dict[str, Any]]:
        if not self.index_path.exists():
            return
        with open(self.index_path, encoding="utf-8") as fh:
            for line in fh:
                try:
                    entry = json.loads(line)
                except ValueError:
                    continue  # a torn line: its part was never published
                if isinstance(entry, dict):
                    yield entry

    def _index_entries(self) -> Iterable[tuple[str, dict[str, Any]]]:
        for entry in self._entries():
            if isinstance(entry.get("part"), str) and isinstance(entry.get("runs"), list):
                yield entry["part"], entry

    def _index_lines(self) -> Iterable[tuple[str, list[list[str]]]]:
        for name, entry in self._index_entries():
            yield name, list(entry["runs"])

    def scan(self) -> dict[str, str]:
        """Run id -> status of every committed run (the latest part wins)."""
        published = {p.name for p in _parts(self.runs_dir)}
        latest: dict[str, str] = {}
        for name, runs in self._index_lines():
            if name in published:
                latest.update((rid, status) for rid, status in runs)
        return latest

    def readable_parts(self) -> list[Path]:
        """Published runs parts that pass every check, in publication order."""
        bad = {name for name, _ in self.damaged()}
        return [p for p in _parts(self.runs_dir) if p.name not in bad]

    def needs_compaction(self) -> bool:
        """More than one part, or a run recorded twice (a retried run)."""
        seen: set[str] = set()
        for n_lines, (_, runs) in enumerate(self._index_lines(), start=1):
            if n_lines > 1:
                return True
            for rid, _status in runs:
                if rid in seen:
                    return True
                seen.add(rid)
        return False

    # --- writing --------------------------------------------------------------------------------

    def write(self, part: EncodedPart) -> None:
        """Publish one encoded part: index line, then series part, then runs part."""
        name = _part_name()
        entry: dict[str, Any] = {
            "part": name,
            "runs": [[rid, st] for rid, st, _ in part.runs],
            "sha256": hashlib.sha256(part.table).hexdigest(),
        }
        if part.series is not None:
            entry["series_sha256"] = hashlib.sha256(part.series).hexdigest()
        with open(self.index_path, "a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        if part.series is not None:
            write_bytes_atomic(part.series, self.series_dir / name)
        write_bytes_atomic(part.table, self.runs_dir / name)

    def compact(self) -> None:
        """Rewrite a complete sweep's parts as one row per run, in design order.

        Crash-safe: the new parts are published first (not yet listed, so a kill here only
        leaves them to be set aside), then the new index, which names the replaced parts,
        replaces the old one in one rename (the commit point), then the replaced parts go.
        """
        if not self.needs_compaction():
            return
        good = self.readable_parts()
        runs = _latest_rows(_concat(good))
        if runs is None:
            return
        old = [p.name for p in _parts(self.runs_dir)]
        series_parts = [self.series_dir / p.name for p in good]
        series = _concat([p for p in series_parts if p.exists()])
        entries = []
        for start in range(0, runs.num_rows, PART_ROWS):
            chunk = runs.slice(start, PART_ROWS)
            ids = chunk["run_id"].to_pylist()
            name = _part_name()
            entry: dict[str, Any] = {
                "part": name,
                "runs": [list(x) for x in zip(ids, chunk["status"].to_pylist(), strict=True)],
            }
            if series is not None:
                mine = _series_of(series, ids)
                entry["series_sha256"] = _write_table(mine, self.series_dir / name)
            entry["sha256"] = _write_table(chunk, self.runs_dir / name)
            entries.append(entry)
        entries[-1]["superseded"] = old
        text = "".join(json.dumps(e) + "\n" for e in entries)
        write_bytes_atomic(text.encode(), self.index_path)
        self._drop_superseded()


def compact_in_child(root: Path) -> str | None:
    """`RunStore(root).compact()` in a fresh interpreter, so that pyarrow never loads in the
    coordinator (nor stays there with the whole dataset); returns a warning if it failed (the
    parts as written are still whole, and the next run of the sweep tries again)."""
    if "pyarrow" in sys.modules:  # already here (a notebook, the experiments): no child needed
        try:
            RunStore(root).compact()
        except (OSError, ValueError) as exc:
            return f"{root}: the parts were not compacted ({exc}); the next run tries again"
        return None
    package_parent = str(Path(__file__).resolve().parents[2])
    path = os.environ.get("PYTHONPATH")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [package_parent, path]))}
    proc = subprocess.run(
        [sys.executable, "-m", "simulation.sweep.store", str(root)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if proc.returncode == 0:
        return None
    last = (proc.stderr.strip().splitlines() or ["no message"])[-1]
    return f"{root}: the parts were not compacted ({last}); the next run tries again"


def _part_name() -> str:
    return f"part-{time.time_ns():020d}-{uuid.uuid4().hex[:8]}.parquet"


# --- reading ------------------------------------------------------------------------------------


def _concat(parts: list[Path], columns: list[str] | None = None) -> Any:
    import pyarrow as pa  # readers only: the coordinator writes bytes the workers encoded
    import pyarrow.parquet as pq

    tables = [pq.read_table(p, columns=columns) for p in parts]
    if not tables:
        return None
    return pa.concat_tables(tables, promote_options="default")


def _last_per_key(table: Any, keys: list[str]) -> Any:
    """The rows of `table` last in file order for each value of `keys`."""
    import numpy as np
    import pyarrow as pa

    rows = pa.Array.from_buffers(
        pa.int64(), table.num_rows, [None, pa.py_buffer(np.arange(table.num_rows, dtype=np.int64))]
    )
    last = table.select(keys).append_column("_row", rows).group_by(keys, use_threads=False)
    return table.take(last.aggregate([("_row", "max")]).column("_row_max"))


def _latest_rows(table: Any) -> Any:
    """One row per run id, the one published last, sorted by (point_id, replicate)."""
    if table is None:
        return None
    latest = _last_per_key(table, ["run_id"])
    return latest.sort_by([("point_id", "ascending"), ("replicate", "ascending")])


def _series_of(table: Any, run_ids: list[str]) -> Any:
    """The series rows of these runs, one per (run, step) (the latest), sorted."""
    import pyarrow as pa
    import pyarrow.compute as pc

    mine = table.filter(pc.is_in(table["run_id"], value_set=pa.array(run_ids, pa.string())))
    latest = _last_per_key(mine, ["run_id", "step"])
    return latest.sort_by([("run_id", "ascending"), ("step", "ascending")])


def _write_table(table: Any, path: Path) -> str:
    """Publish a table as a Parquet part (atomically); return the SHA-256 of its bytes."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    sink = pa.BufferOutputStream()
    pq.write_table(table, sink, compression="zstd")
    data = sink.getvalue().to_pybytes()
    write_bytes_atomic(data, path)
    return hashlib.sha256(data).hexdigest()


def _readable(root: Path) -> list[Path]:
    """Parts a reader may use; damaged ones are left out with a warning (the next resume or
    `summarize` sets them aside and says so)."""
    store = RunStore(root)
    damaged = store.damaged()
    for name, why in damaged:
        warnings.warn(
            f"{store.runs_dir / name}: {why}; its runs are left out (run the sweep again to "
            "redo them)",
            stacklevel=3,
        )
    bad = {name for name, _ in damaged}
    return [p for p in _parts(store.runs_dir) if p.name not in bad]


def read_runs(results_dir: str | Path, *, volatile: bool = True) -> Any:
    """All runs as a pandas DataFrame, one row per run id (the latest if a run was retried),
    sorted by (point_id, replicate).  ``volatile=False`` drops timing and worker columns, which
    leaves exactly the columns that are bitwise reproducible.  Parts that fail their checksum
    are left out with a warning."""
    import pandas as pd  # readers only

    root = Path(results_dir)
    table = _latest_rows(_concat(_readable(root)))
    if table is None:
        return pd.DataFrame(columns=[*ID_COLUMNS, "status"])
    df = table.to_pandas()
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
    published = {p.name for p in _readable(root)}
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


if __name__ == "__main__":  # the child of compact_in_child
    RunStore(Path(sys.argv[1])).compact()
