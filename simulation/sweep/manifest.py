"""Provenance of a results folder: what was run, with which code, where and when.

`_manifest.json` holds the normalized sweep and the model's source fingerprint (whose hashes
guard resume), the root seed, the design size, and one entry per session (each start of the
command: command line, git commit and dirty flag, package versions, Python, platform, start/end
time, counts).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import importlib.metadata
import json
import os
import platform
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from simulation import numpy_dispatch
from simulation.sweep.store import write_bytes_atomic

MANIFEST_FORMAT = 1
PACKAGE = Path(__file__).resolve().parents[1]
NOT_MODEL = frozenset(  # the package's top-level files that cannot change a result
    {
        "__main__.py",
        "app.py",
        "cli.py",
        "i18n.py",
        "kernel_cache.py",  # when kernels compile, not what they compute
        "outdir.py",
        "plots.py",
        "sensitivity.py",
        "shipped.py",
    }
)
PACKAGES = (
    "kemitraan",
    "mesa",
    "numpy",
    "pandas",
    "pyarrow",
    "scipy",
    "SALib",
    "pydantic",
    "networkx",
    "dask",
    "distributed",
    "matplotlib",
    "tqdm",
)


def now_iso() -> str:
    """UTC time, ISO 8601, to the second."""
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def package_versions() -> dict[str, str | None]:
    """Installed versions of the packages that can change a result or its reading."""
    out: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            out[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            out[name] = None
    return out


def git_state(path: Path | None = None) -> dict[str, Any]:
    """Commit and dirty flag of the repository holding the model code (None outside git)."""
    cwd = path or Path(__file__).resolve().parents[2]

    def git(*args: str) -> str | None:
        try:
            out = subprocess.run(
                ["git", *args], cwd=cwd, capture_output=True, text=True, timeout=10, check=True
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return out.stdout.strip()

    commit = git("rev-parse", "HEAD")
    status = git("status", "--porcelain", "--untracked-files=no")
    return {
        "commit": commit or None,
        "dirty": None if status is None else bool(status),
    }


def environment() -> dict[str, Any]:
    """Where this session runs."""
    return {
        "python": sys.version.split()[0],
        "implementation": platform.python_implementation(),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "hostname": socket.gethostname(),
        "cpu_count": os.cpu_count(),
        # what the workers inherit (numpy itself is not loaded in a sweep's coordinator)
        "cpu_pinning": {name: os.environ.get(name) for name in numpy_dispatch.PINNED},
        "packages": package_versions(),
        "git": git_state(),
    }


def model_fingerprint() -> str:
    """SHA-256 of the model's source files (the package's top-level modules but `NOT_MODEL`).

    It guards resume: a sweep matches runs on disk by parameters and seed only, so without it
    runs written by an older model would be silently mixed with new ones."""
    h = hashlib.sha256()
    for f in sorted(PACKAGE.glob("*.py")):
        if f.name not in NOT_MODEL:
            h.update(f.name.encode() + b"\0" + f.read_bytes())
    return h.hexdigest()


def file_sha256(text: str | None) -> str | None:
    """Hash of the sweep file's bytes (None for sweeps built in Python)."""
    return None if text is None else hashlib.sha256(text.encode()).hexdigest()


def read_manifest(path: Path) -> dict[str, Any] | None:
    """The manifest, or None if it is missing or unreadable."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write_manifest(path: Path, manifest: dict[str, Any]) -> None:
    """Publish the manifest atomically."""
    data = json.dumps(manifest, indent=2, sort_keys=False, default=str).encode()
    write_bytes_atomic(data + b"\n", path)


def diff_keys(old: dict[str, Any], new: dict[str, Any], prefix: str = "") -> list[str]:
    """Dotted keys whose values differ, for 'the sweep file changed' messages."""
    keys: list[str] = []
    for k in sorted(set(old) | set(new)):
        a, b = old.get(k), new.get(k)
        name = f"{prefix}{k}"
        if isinstance(a, dict) and isinstance(b, dict):
            keys.extend(diff_keys(a, b, f"{name}."))
        elif a != b:
            keys.append(name)
    return keys
