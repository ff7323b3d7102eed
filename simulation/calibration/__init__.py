"""Calibration by approximate Bayesian computation against the observed patterns.

    partnership calibrate experiments/patterns/patterns.toml --points 2000 --seeds 5

The prior is uniform over every range `simulation.params.plausible_ranges()` returns; a Latin
hypercube over those ranges is run by the sweep runner (parallel, resumable, Dask-ready),
each design point evaluated on every calibration pattern (`design.py`); rejection ABC keeps
the points whose statistics lie closest to the patterns, distances scaled by each pattern's
tolerance, and a weighted local-linear regression adjusts them to the patterns (Beaumont et
al. 2002; `posterior.py`); `report.py` writes the posterior, its figures, the `calibrated`
scenario and the check of the held-out patterns.
"""
