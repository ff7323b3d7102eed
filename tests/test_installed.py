"""Works where it is installed: the wheel, installed into a fresh virtual environment outside
the repository, does what the README shows, and writes only under the working folder.

To stay fast and offline-friendly, the fresh environment reuses the dependencies already
installed for the tests (a .pth line pointing at this interpreter's site-packages) and pip
builds the wheel from the checkout; only the project itself is installed from the wheel.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SWEEP = """\
name = "tiny"
base = "formal-partnerships"
steps = 2

[factors.partnering_rate]
values = [0.1, 0.3]
"""


def sh(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    proc = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    assert proc.returncode == 0, f"{args}\n{proc.stdout[-2000:]}\n{proc.stderr[-3000:]}"
    return proc


def source_copy(dest: Path) -> Path:
    """The checkout's files as git sees them (tracked, or new and not ignored), copied as they
    are now: pip builds in the source folder and setuptools reuses its `build/`, so a file
    dropped from the package data would otherwise still ship from an earlier build."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT, capture_output=True, check=True,
    ).stdout.decode()  # fmt: skip
    for name in filter(None, listed.split("\0")):
        if (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    return dest


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, str]]:
    """(bin folder, environment) of a fresh venv holding the project's wheel."""
    tmp = tmp_path_factory.mktemp("installed")
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    source = source_copy(tmp / "source")
    sh([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp), str(source)],
       tmp, env)  # fmt: skip
    (wheel,) = tmp.glob("kemitraan-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    for folder in ("scenarios", "sweeps", "experiments"):
        shipped = sorted(str(p.relative_to(ROOT / folder)) for p in (ROOT / folder).rglob("*.toml"))
        prefix = f"simulation/data/{folder}/"
        inside = sorted(
            n.removeprefix(prefix) for n in names if n.startswith(prefix) and n.endswith(".toml")
        )
        assert inside == shipped, folder
    assert "simulation/data/experiments/robustness/posterior.parquet" in names
    assert "simulation/data/results/trust-phase/quick-reference.csv" in names  # for --check
    venv = tmp / "venv"
    sh([sys.executable, "-m", "venv", str(venv)], tmp, env)
    py = venv / "bin" / "python"
    site = sh([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
              tmp, env).stdout.strip()  # fmt: skip
    deps = sysconfig.get_paths()["purelib"]  # the test environment's packages, after the venv's
    Path(site, "zz-test-dependencies.pth").write_text(deps + "\n")
    sh([str(py), "-m", "pip", "install", "-q", "--no-deps", "--no-index", str(wheel)], tmp, env)
    return venv / "bin", env


def test_the_installed_package_is_not_the_checkout(installed, tmp_path: Path) -> None:
    bin_dir, env = installed
    where = sh([str(bin_dir / "python"), "-c", "import simulation; print(simulation.__file__)"],
               tmp_path, env).stdout  # fmt: skip
    assert str(ROOT) not in where and "site-packages" in where
    assert "0.1.0" in sh([str(bin_dir / "partnership"), "--version"], tmp_path, env).stdout
    assert "0.1.0" in sh([str(bin_dir / "python"), "-m", "simulation", "--version"],
                         tmp_path, env).stdout  # fmt: skip


def test_the_readme_commands_work_outside_the_repository(installed, tmp_path: Path) -> None:
    bin_dir, env = installed
    exe = str(bin_dir / "partnership")
    listed = sh([exe, "scenarios"], tmp_path, env).stdout.splitlines()
    assert len(listed) == len(list((ROOT / "scenarios").glob("*.toml")))
    assert any(line.startswith("formal-partnerships") for line in listed)
    sh([exe, "run", "formal-partnerships", "--steps", "3"], tmp_path, env)
    assert (tmp_path / "results/runs/formal-partnerships-seed42/timeseries.csv").is_file()
    experiments = sh([exe, "experiment", "--list"], tmp_path, env).stdout.splitlines()
    assert len(experiments) == len(list((ROOT / "experiments").glob("*.toml")))
    (tmp_path / "tiny.toml").write_text(SWEEP)
    sweep = sh([exe, "sweep", "tiny.toml", "--workers", "1"], tmp_path, env)
    assert "2 runs" in sweep.stdout
    assert (tmp_path / "results/tiny/summary/summary.md").is_file()
    assert "partnering_rate" in sh([exe, "params"], tmp_path, env).stdout
    count = "from simulation.experiments.patterns import load_patterns; print(len(load_patterns()))"
    assert int(sh([str(bin_dir / "python"), "-c", count], tmp_path, env).stdout) >= 6
    tiny = ["--quick", "--months", "12", "--workers", "1", "--no-progress"]
    sh([exe, "calibrate", *tiny, "--points", "4", "--check-seeds", "1"], tmp_path, env)
    assert (tmp_path / "results/calibration/quick/calibrated.toml").is_file()
    sh([exe, "sensitivity", *tiny, "--trajectories", "2"], tmp_path, env)
    assert (tmp_path / "results/sensitivity/morris.csv").is_file()
    posterior = "from simulation.experiments.robustness import POSTERIOR_FILE, load_claims; "
    posterior += "load_claims(); assert POSTERIOR_FILE.is_file()"
    sh([str(bin_dir / "python"), "-c", posterior], tmp_path, env)
    check = [exe, "experiment", "trust-phase", "--quick", "--check", "--workers", "1"]
    assert "verdict: REPRODUCED" in sh([*check, "--no-progress"], tmp_path, env).stdout
    shipped = "from simulation.sweep import load_sweep; load_sweep('resilience-composition')"
    sh([str(bin_dir / "python"), "-c", shipped], tmp_path, env)
    # everything written is under the working folder
    written = {p.relative_to(tmp_path).parts[0] for p in tmp_path.rglob("*")}
    assert written == {"results", "tiny.toml"}
