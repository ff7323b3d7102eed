"""Names of the per-month metrics the model reports (its properties, collected each step).

Kept apart from model.py so that tools which only need the names (the sweep runner's
coordinator validating a sweep file) need not import Mesa, numba or the model.
"""

from __future__ import annotations

from .params import DOMAINS, KINDS

METRICS: tuple[str, ...] = (
    "community_welfare",
    *(f"welfare_{d}" for d in DOMAINS),
    "gini",
    "sen_welfare",
    "coverage",
    "active_partnerships",
    "formal_partnerships",
    "informal_partnerships",
    *(f"partnerships_{k}" for k in KINDS),
    "mean_trust",
    "partner_trust",
    "duplication_waste",
    "resource_efficiency",
    "partnership_survival",
    "participation_rate",
    "volunteers",
    "awareness",
    "government_accountability",
    "spending",
    "contribution_rate",
    "leakage_share",
    "citizen_satisfaction",
    "trust_age_correlation",
    "ngo_income_cv",
)
