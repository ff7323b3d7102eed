"""`python -m simulation.sweep sweep FILE` / `... summarize DIR` (same as `partnership ...`)."""

from __future__ import annotations

import argparse
import sys

from simulation.sweep.cli import summarize_command, sweep_command


def main(argv: list[str] | None = None) -> int:
    """Parse arguments and run a command; returns the exit code."""
    parser = argparse.ArgumentParser(prog="python -m simulation.sweep")
    sub = parser.add_subparsers(dest="command", required=True)
    s = sub.add_parser("sweep", help="run or resume a sweep file")
    s.add_argument("path")
    s.add_argument("--workers", type=int, default=None, help="local processes (0 = serial)")
    s.add_argument("--scheduler", default=None, help="Dask scheduler address")
    s.add_argument("--fresh", action="store_true", help="discard existing results")
    s.add_argument("--out", default=None, help="results folder (default results/<name>)")
    s.add_argument("--retry-failed", action="store_true", help="rerun failed runs")
    s.add_argument("--no-progress", action="store_true")
    s.add_argument("--no-summary", action="store_true", help="skip tables and figures")
    s.add_argument(
        "--timeout", type=float, default=None, help="seconds a run may take before it is stopped"
    )
    m = sub.add_parser("summarize", help="tables and figures for a results folder")
    m.add_argument("results_dir")
    args = parser.parse_args(argv)
    if args.command == "sweep":
        return sweep_command(
            args.path,
            args.workers,
            args.scheduler,
            args.fresh,
            args.out,
            retry_failed=args.retry_failed,
            progress=not args.no_progress,
            summary=not args.no_summary,
            timeout_s=args.timeout,
        )
    return summarize_command(args.results_dir)


if __name__ == "__main__":
    sys.exit(main())
