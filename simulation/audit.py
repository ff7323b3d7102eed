"""Leakage of government money and the audits that deter it (B7; Olken 2007).

Olken (2007, Journal of Political Economy 115(2):200-249) measured missing expenditure in
over 600 Indonesian village road projects: roughly a quarter of spending went missing where
the audit probability was the usual 4 %, and raising it to 100 % cut missing expenditure by
about 8 percentage points. Grassroots monitoring reduced only missing wages, with little
overall effect, so partnerships with the community (K2) raise accountability to citizens
(targeting) but not this rate. Olken had two audit arms; the share missing in between is
interpolated linearly, an assumption.
"""

from __future__ import annotations

OLKEN_BASE_AUDIT = 0.04  # audit probability in Olken's control villages
OLKEN_FULL_AUDIT = 1.0  # audit treatment: every project audited
OLKEN_AUDIT_EFFECT = 0.08  # percentage points of missing expenditure removed by full audit
OLKEN_LEAKAGE = 0.28  # missing share at the 4 % audit rate (the default `leakage`)


def missing_share(audit_probability: float, base_leakage: float) -> float:
    """Share of government spending that goes missing at a given audit probability.

    `base_leakage` is the share missing at Olken's 4 % audit rate; the full-audit arm
    removes OLKEN_AUDIT_EFFECT of it, scaled so the effect is proportional to the leakage
    there is to remove (never below zero).
    """
    reach = (audit_probability - OLKEN_BASE_AUDIT) / (OLKEN_FULL_AUDIT - OLKEN_BASE_AUDIT)
    effect = OLKEN_AUDIT_EFFECT * base_leakage / OLKEN_LEAKAGE
    return max(0.0, base_leakage - effect * reach)
