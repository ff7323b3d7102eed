"""Output folders: the tool writes only where the user pointed it, and replaces only its own.

Every folder the tool writes results into (`partnership run`, a sweep's results folder)
holds a small marker file, `.partnership`, that says which command wrote it.  A folder
without the marker belongs to someone else: the tool refuses to write into it (unless it
is empty), so a mistyped `--out` can never delete or overwrite a user's files.

Bad paths raise `OutputRefusedError` (one line; the commands exit 2); a folder the tool may
use but cannot write to raises `PermissionError` with a one-line message (exit 1).
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Literal

MARKER = ".partnership"
Kind = Literal["run", "sweep", "calibrate", "sensitivity", "posterior", "robustness"]
_LEGACY_SWEEP = "_manifest.json"  # results folders written before the marker existed
_LEGACY_RUN = frozenset({"timeseries.csv", "timeseries.parquet", "figure.png", "scenario.json"})


class OutputRefusedError(ValueError):
    """An output path the tool must not use; `str()` is one line naming it and why."""


def check_out_path(path: str | Path, option: str = "--out") -> Path:
    """Refuse paths that name no folder of their own: '', '.', '..', the working folder or
    any folder above it (writing or replacing there would mix with, or destroy, the user's
    files).  Returns the path unchanged otherwise."""
    text = str(path)
    if not text.strip():
        raise OutputRefusedError(
            f"{option} '': empty path (allowed: a folder for the results, e.g. results/mine)"
        )
    p = Path(text)
    here = Path.cwd().resolve()
    target = p.resolve()
    if ".." in p.parts or target == here or target in here.parents:
        raise OutputRefusedError(
            f"{option} {text!r}: names the working folder, a folder above it or goes up with "
            "'..' (allowed: a folder of its own for the results, e.g. results/mine)"
        )
    return p


def owner(folder: Path) -> str | None:
    """The command that wrote `folder` ('run', 'sweep'), or None if it did not."""
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
        kind = data.get("kind") if isinstance(data, dict) else None
        return kind if isinstance(kind, str) else None
    except (OSError, ValueError):
        pass
    if _legacy_run(folder):
        return "run"
    try:  # a sweep folder from before the marker: its manifest says so
        manifest = json.loads((folder / _LEGACY_SWEEP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return "sweep" if isinstance(manifest, dict) and "spec_hash" in manifest else None


def _legacy_run(folder: Path) -> bool:
    """A run's output from before the marker: exactly the four files `run` writes, with its
    scenario.json (so `make run` keeps working in a clone that ran it before)."""
    try:
        names = {p.name for p in folder.iterdir()}
        scenario = json.loads((folder / "scenario.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return names == _LEGACY_RUN and isinstance(scenario, dict) and "model" in scenario


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists() or candidate.is_symlink():
            return candidate
    return Path.cwd()


def check_folder(
    path: Path, kind: Kind, option: str = "--out", replaces: frozenset[str] | None = None
) -> None:
    """May `kind` write into (or, with `replaces`, replace) the folder `path`?

    Allowed: a path that does not exist yet (below a writable folder), an empty folder, or a
    folder that this command wrote before and, when it is to be replaced, that holds only
    the files named in `replaces` (so a file the user added is never deleted).  Refused
    (OutputRefusedError): a file, a path inside a file, a symbolic link in the last place, a
    non-empty folder without the marker or with another command's.  PermissionError when
    the place cannot be written.
    """
    if path.is_symlink() and kind == "run":
        raise OutputRefusedError(
            f"{option} {path}: is a symbolic link; refusing to replace it (allowed: a real "
            "folder, or a new path)"
        )
    if path.exists():
        if not path.is_dir():
            raise OutputRefusedError(
                f"{option} {path}: exists and is not a folder (allowed: a folder, or a new path)"
            )
        written_by = owner(path)
        if written_by != kind and _has_entries(path):
            whose = (
                f"was written by 'partnership {written_by}'"
                if written_by
                else "holds files this tool did not write"
            )
            raise OutputRefusedError(
                f"{option} {path}: {whose}; refusing to write there (allowed: a new or empty "
                f"folder, or one an earlier 'partnership {kind}' wrote)"
            )
        if replaces is not None and written_by == kind:
            added = sorted(p.name for p in path.iterdir() if p.name not in replaces | {MARKER})
            if added:
                raise OutputRefusedError(
                    f"{option} {path}: holds files 'partnership {kind}' did not write "
                    f"({', '.join(added[:3])}{' ...' if len(added) > 3 else ''}); refusing to "
                    "replace it (allowed: move them away, or a new folder)"
                )
        writable = path if kind == "sweep" else path.parent
        _check_writable(writable, path, option)
        if kind == "run" and read_only(path):
            _refuse_permission(path, option)
        return
    existing = _nearest_existing(path)
    if not existing.is_dir():
        raise OutputRefusedError(
            f"{option} {path}: {existing} is a file, not a folder (allowed: a path below a folder)"
        )
    _check_writable(existing, path, option)


def _has_entries(folder: Path) -> bool:
    """Anything in the folder but the sweep's lock file (taken before the marker is written)?"""
    try:
        return any(p.name != ".lock" for p in folder.iterdir())
    except OSError:
        return True


def read_only(folder: Path) -> bool:
    """Cannot be written, or made read-only by its owner (no owner write bit): a choice the
    tool respects even when it runs as root, to whom every folder is writable."""
    try:
        mode = folder.stat().st_mode
    except OSError:
        return True
    return not os.access(folder, os.W_OK | os.X_OK) or not mode & stat.S_IWUSR


def _check_writable(folder: Path, path: Path, option: str) -> None:
    if read_only(folder):
        _refuse_permission(folder, option, path)


def _refuse_permission(folder: Path, option: str, path: Path | None = None) -> None:
    target = f"{option} {path}: " if path is not None and path != folder else f"{option} "
    raise PermissionError(f"{target}{folder}: cannot write there (permission denied)")


def mark(folder: Path, kind: Kind) -> None:
    """Write the marker that makes `folder` this tool's own (readable by the group)."""
    marker = folder / MARKER
    if owner(folder) == kind and marker.exists():
        return
    marker.write_text(json.dumps({"written_by": "partnership", "kind": kind}) + "\n")


def group_readable(path: Path) -> None:
    """Give a folder made by `tempfile.mkdtemp` (0700) the usual permissions (0755 under the
    common umask), so the group can read the results."""
    mask = os.umask(0)
    os.umask(mask)
    path.chmod(0o777 & ~mask)
