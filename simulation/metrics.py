"""Names of the per-month metrics the model reports, and the recorder that keeps them.

Kept apart from model.py so that tools which only need the names (the sweep runner's
coordinator validating a sweep file) need not import Mesa, numba, numpy or the model: the
recorder imports numpy and pandas only when a model creates one.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .params import DOMAINS, KINDS

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

KIND_COUNTS: tuple[str, ...] = tuple(f"partnerships_{k}" for k in KINDS)  # in KINDS' order

METRICS: tuple[str, ...] = (
    "community_welfare",
    *(f"welfare_{d}" for d in DOMAINS),
    "gini",
    "sen_welfare",
    "coverage",
    "active_partnerships",
    "formal_partnerships",
    "informal_partnerships",
    *KIND_COUNTS,
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

# Metrics that count things (partnerships, volunteers): integer columns; the rest are floats.
COUNTS: frozenset[str] = frozenset(
    {
        "active_partnerships",
        "formal_partnerships",
        "informal_partnerships",
        *KIND_COUNTS,
        "volunteers",
    }
)


class MetricRecorder:
    """Each month's value of every metric in `names`, kept in one preallocated array.

    A month's values come from the model's `current_metrics(names)`, which computes metrics
    that share inputs together and reads the others from their properties (a new metric needs
    only its property and its name in METRICS). They are numbers: counts (`COUNTS`) come back
    as int64, the rest as float64, exactly as recorded (a float64 holds every count below
    2**53). Mesa's DataCollector appends a deep copy of every value to a list per metric and
    builds its table from lists of Python objects; this writes one row of an array a month
    and builds the table from its columns when asked. It keeps the attributes that
    `mesa.batch_run` reads from a DataCollector (`model_vars`, `_collection_steps`, empty
    agent records), so batch_run runs the model unchanged.
    """

    def __init__(self, names: tuple[str, ...] = METRICS, capacity: int = 128) -> None:
        import numpy as np

        self.names = names
        self._values = np.empty((capacity, len(names)))
        self._rows = 0
        self._collection_steps: list[float] = []
        self.agent_reporters: dict[str, object] = {}
        self.agenttype_reporters: dict[type, object] = {}
        self._agent_records: dict[float, list[object]] = {}
        self._agenttype_records: dict[float, dict[type, list[object]]] = {}

    def collect(self, model: Any) -> None:
        """Record the model's current value of every metric."""
        if self._rows == len(self._values):  # storage grows by doubling
            import numpy as np

            self._values = np.concatenate([self._values, np.empty_like(self._values)])
        self._values[self._rows] = list(model.current_metrics(self.names).values())
        self._rows += 1
        self._collection_steps.append(model.time)

    def __len__(self) -> int:
        """Months recorded (the initial state included)."""
        return self._rows

    def series(self, name: str) -> np.ndarray:
        """Every recorded value of one metric, oldest first (int64 for counts, else float64)."""
        column = self._values[: self._rows, self.names.index(name)]
        return column.astype("int64") if name in COUNTS else column.copy()

    def latest(self) -> dict[str, float]:
        """The last recorded value of every metric, as floats."""
        return dict(zip(self.names, self._values[self._rows - 1].tolist(), strict=True))

    @property
    def model_vars(self) -> dict[str, np.ndarray]:
        """Every metric's recorded values, by name (what `mesa.batch_run` reads)."""
        return {name: self.series(name) for name in self.names}

    def frame(self, every: int = 1) -> pd.DataFrame:
        """Tidy table of every `every`-th month: column `step` (0 = the initial state, the
        first collection), then one per metric, counts as int64, the rest float64."""
        import numpy as np
        import pandas as pd

        rows = slice(0, self._rows, every)
        columns = {"step": np.arange(self._rows, dtype=np.int64)[rows]}
        for k, name in enumerate(self.names):
            column = self._values[rows, k]
            columns[name] = column.astype(np.int64) if name in COUNTS else column
        return pd.DataFrame(columns)

    def get_model_vars_dataframe(self) -> pd.DataFrame:
        """One row per collection, one column per metric (as Mesa's DataCollector gives)."""
        return self.frame().drop(columns="step")
