"""Kemitraan: an agent-based model of partnership dynamics and community welfare."""

import os

# Arrow's default allocator keeps freed memory; plain malloc keeps a sweep coordinator flat.
os.environ.setdefault("ARROW_DEFAULT_MEMORY_POOL", "system")

from .agents import (
    NGO,
    Business,
    Citizen,
    CommunityOrganization,
    EducationInstitution,
    GovernmentAgency,
    Organization,
)
from .model import METRICS, Event, PartnershipModel
from .params import DOMAINS, KINDS, Governance, ModelParams, Sector, Shock, TrustRule
from .partnership import Partnership

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
