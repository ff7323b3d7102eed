"""`python -m simulation.sweep sweep FILE ...` / `... summarize DIR`: exactly
`partnership sweep ...` / `partnership summarize ...` (one command line, one set of options)."""

from __future__ import annotations

import sys

from simulation.cli import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
