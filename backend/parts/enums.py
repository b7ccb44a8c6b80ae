"""Spare-parts vocabulary: what kind of part, what moves stock, where a defective part stands,
and who may do what (GB/T 27922 5.12c: 配件的供应与管理)."""

from __future__ import annotations

from enum import StrEnum

from backend.staff.enums import ALL_ROLES, Role


class PartKind(StrEnum):
    """As the warranty policies sort a category's parts (backend/products/policies.yml)."""

    main = "main"  # 主要部件: covered for the main-parts period (压缩机)
    wearing = "wearing"  # 易损件: not covered by the warranty (门封条, 滤芯, 镁棒)
    other = "other"  # covered with the whole unit


class MovementKind(StrEnum):
    """One line of the stock ledger: where units came from and went to."""

    receipt = "receipt"  # into an outlet (a delivery; a repaired part back)
    issue = "issue"  # outlet → technician
    use = "use"  # technician → fitted on a ticket (consumed)
    return_ = "return"  # technician → outlet


class DefectiveState(StrEnum):
    """A part removed on a repair and sent back for repair (坏件返修), to its end."""

    removed = "removed"  # taken out on site, recorded against the ticket
    sent_to_repair = "sent_to_repair"
    repaired = "repaired"  # end
    scrapped = "scrapped"  # end


DEFECTIVE_TRANSITIONS: dict[DefectiveState, frozenset[DefectiveState]] = {
    DefectiveState.removed: frozenset({DefectiveState.sent_to_repair, DefectiveState.scrapped}),
    DefectiveState.sent_to_repair: frozenset({DefectiveState.repaired, DefectiveState.scrapped}),
    DefectiveState.repaired: frozenset(),
    DefectiveState.scrapped: frozenset(),
}
DEFECTIVE_ENDS = frozenset({DefectiveState.repaired, DefectiveState.scrapped})

# Kinds of the ticket events parts write (the ticket's service record; outlets' precedent:
# the tickets package does not know them).
PART_USED = "part_used"
PART_REMOVED = "part_removed"

# Who does what. The catalogue: admins keep it, all staff read it (the desk quotes from it, a
# technician looks a part up). Stock: dispatchers and admins move it and set thresholds,
# supervisors read it, a technician reads their own. Parts used and removed on a ticket: its
# technician, or the desk on a technician's behalf.
CATALOGUE_READERS = ALL_ROLES
CATALOGUE_EDITORS = frozenset({Role.admin})
STOCK_KEEPERS = frozenset({Role.dispatcher, Role.admin})
STOCK_READERS = frozenset({Role.dispatcher, Role.supervisor, Role.admin, Role.technician})
ON_BEHALF = frozenset({Role.dispatcher, Role.supervisor, Role.admin})
TICKET_PARTS = ON_BEHALF | {Role.technician}
