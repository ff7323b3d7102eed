"""Imported before any test module: `simulation` first, so numpy's SIMD dispatch is pinned in
the test process as in the `partnership` command and the fresh interpreters the tests start
(see simulation/numpy_dispatch.py); otherwise a test comparing the two would compare code
paths, not runs."""

import simulation  # noqa: F401
