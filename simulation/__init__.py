"""Kemitraan: an agent-based model of partnership dynamics and community welfare.

Names are loaded on first use (PEP 562), so `import simulation.sweep` in a sweep's
coordinating process does not pull in Mesa, numba or the model: only workers need them.
"""

from __future__ import annotations

import importlib
import os
from typing import TYPE_CHECKING, Any

from . import numpy_dispatch

# Before anything imports numpy: the same numpy and BLAS code paths on every x86-64 CPU.
numpy_dispatch.pin()
# Arrow's default allocator keeps freed memory; plain malloc keeps a sweep coordinator flat.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

if TYPE_CHECKING:
    from .agents import (
        NGO,
        Business,
        Citizen,
        CommunityOrganization,
        EducationInstitution,
        GovernmentAgency,
        Organization,
    )
    from .metrics import METRICS
    from .model import Event, PartnershipModel
    from .params import DOMAINS, KINDS, Governance, ModelParams, Sector, Shock, TrustRule
    from .partnership import Partnership

_HOME = {
    **dict.fromkeys(
        (
            "NGO",
            "Business",
            "Citizen",
            "CommunityOrganization",
            "EducationInstitution",
            "GovernmentAgency",
            "Organization",
        ),
        "agents",
    ),
    "METRICS": "metrics",
    "Event": "model",
    "PartnershipModel": "model",
    **dict.fromkeys(
        ("DOMAINS", "KINDS", "Governance", "ModelParams", "Sector", "Shock", "TrustRule"),
        "params",
    ),
    "Partnership": "partnership",
}

__all__ = [
    "DOMAINS",
    "KINDS",
    "METRICS",
    "NGO",
    "Business",
    "Citizen",
    "CommunityOrganization",
    "EducationInstitution",
    "Event",
    "Governance",
    "GovernmentAgency",
    "ModelParams",
    "Organization",
    "Partnership",
    "PartnershipModel",
    "Sector",
    "Shock",
    "TrustRule",
]


def __getattr__(name: str) -> Any:
    """Import the module that holds `name` the first time someone asks for it."""
    try:
        module = _HOME[name]
    except KeyError:
        raise AttributeError(f"module 'simulation' has no attribute {name!r}") from None
    value = getattr(importlib.import_module(f".{module}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_HOME])
