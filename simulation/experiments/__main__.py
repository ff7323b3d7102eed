"""`python -m simulation.experiments [NAME] [--list] [--quick] [--check] [--workers N]`."""

from __future__ import annotations

import argparse
import sys

from simulation.experiments.cli import experiment_command


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and run; returns the exit code."""
    p = argparse.ArgumentParser(prog="python -m simulation.experiments")
    p.add_argument("name", nargs="?")
    p.add_argument("--list", action="store_true", help="list experiments and their questions")
    p.add_argument("--quick", action="store_true", help="small variant (about a minute)")
    p.add_argument("--check", action="store_true", help="re-run and compare with committed")
    p.add_argument("--workers", type=int, default=None, help="processes (default 2; 0 serial)")
    p.add_argument("--no-progress", action="store_true")
    a = p.parse_args(argv)
    return experiment_command(
        a.name, a.list, a.quick, a.check, a.workers, progress=not a.no_progress
    )


if __name__ == "__main__":
    sys.exit(main())
