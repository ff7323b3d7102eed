"""Names of the per-month metrics the model reports (its properties, collected each step).

Kept apart from model.py so that tools which only need the names (the sweep runner's
coordinator validating a sweep file) need not import Mesa, numba or the model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from .params import DOMAINS, KINDS

if TYPE_CHECKING:
    import pandas as pd

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
    "cohort_contribution_rate",
    "leakage_share",
    "citizen_satisfaction",
    "trust_age_correlation",
    "ngo_income_cv",
)


class MetricRecorder:
    """Each month's value of every metric in `names`, read from the model's properties.

    Mesa's DataCollector deep-copies every reported value and dispatches on the reporter's
    type on every call; the metrics are plain numbers read from properties, so this recorder
    takes one `getattr` per metric (about a tenth of a default run's time saved). It keeps
    the attributes that `mesa.batch_run` reads from a DataCollector (`model_vars`,
    `_collection_steps`, empty agent records), so batch_run runs the model unchanged.
    Any property named in `names` is recorded: a new metric needs only its property and
    its name in METRICS.
    """

    def __init__(self, names: tuple[str, ...] = METRICS) -> None:
        self.model_vars: dict[str, list[object]] = {name: [] for name in names}
        self._collection_steps: list[float] = []
        self.agent_reporters: dict[str, object] = {}
        self.agenttype_reporters: dict[type, object] = {}
        self._agent_records: dict[float, list[object]] = {}
        self._agenttype_records: dict[float, dict[type, list[object]]] = {}

    def collect(self, model: object) -> None:
        """Record the model's current value of every metric."""
        self._collection_steps.append(model.time)  # type: ignore[attr-defined]
        for name, values in self.model_vars.items():
            values.append(getattr(model, name))

    def get_model_vars_dataframe(self) -> pd.DataFrame:
        """One row per collection, one column per metric (as Mesa's DataCollector gives)."""
        import pandas as pd

        return pd.DataFrame(self.model_vars)
