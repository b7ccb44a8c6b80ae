"""Which optional columns of the tickets table this database has: other domains (outlets,
staff, SLA, service records) add them, and the statistics offer only the breakdowns and the SLA figures they
allow (`Capabilities.unavailable` lists the others)."""

from __future__ import annotations

from dataclasses import dataclass

from backend.models import Base
from backend.stats import facts as stats_facts
from backend.stats.enums import Dimension

TICKETS = Base.metadata.tables["tickets"]
SLA_COLUMNS = stats_facts.SLA_COLUMNS
MILESTONE_COLUMNS = ("first_responded_at", "on_site_at", "resolved_at")


@dataclass(frozen=True)
class Capabilities:
    """Which optional columns the tickets table has (other domains add them)."""

    dimensions: tuple[Dimension, ...]
    milestone_columns: bool
    sla: bool

    @classmethod
    def of_schema(cls) -> Capabilities:
        columns = TICKETS.c
        dimensions = [Dimension.type, Dimension.product]
        if "outlet_id" in columns or "proposed_outlet_id" in columns:
            dimensions.append(Dimension.outlet)
        if "assignee_id" in columns and "staff" in Base.metadata.tables:
            dimensions.append(Dimension.technician)
        sla = all(name in columns for pair in SLA_COLUMNS.values() for name in pair)
        if sla and "sla_policy_id" in columns and "sla_policies" in Base.metadata.tables:
            dimensions.append(Dimension.sla_policy)
        if "service_records" in Base.metadata.tables:
            dimensions.append(Dimension.fault_category)
        return cls(dimensions=tuple(dimensions),
                   milestone_columns=all(name in columns for name in MILESTONE_COLUMNS),
                   sla=sla)

    @property
    def unavailable(self) -> list[str]:
        missing = [f"breakdown:{d}" for d in Dimension if d not in self.dimensions]
        if not self.sla:
            missing.append("sla_compliance")
        return missing

