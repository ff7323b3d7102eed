"""`python -m simulation.experiments [NAME] [--list] [--quick] [--check] [--workers N]`:
exactly `partnership experiment ...` (one command line, one set of options)."""

from __future__ import annotations

import sys

from simulation.cli import main

if __name__ == "__main__":
    sys.exit(main(["experiment", *sys.argv[1:]]))
