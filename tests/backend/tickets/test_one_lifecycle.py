"""The ticket lifecycle (backend/tickets/lifecycle.py) is the one place that writes a ticket's
status, records its events and locks it: read from the source with `ast`."""

from __future__ import annotations

import ast
from pathlib import Path

BACKEND = Path(__file__).resolve().parents[3] / "backend"
LIFECYCLE = BACKEND / "tickets" / "lifecycle.py"
# Creating a ticket writes its first event (and its first status) itself.
CREATION = BACKEND / "tickets" / "service.py"


def _trees():
    for path in sorted(BACKEND.rglob("*.py")):
        yield path, ast.parse(path.read_text(encoding="utf-8"))


def test_only_the_lifecycle_writes_a_status_or_an_event() -> None:
    found = []
    for path, tree in _trees():
        if path == LIFECYCLE:
            continue
        for node in ast.walk(tree):
            targets = []
            if isinstance(node, ast.Assign):
                targets = [t for target in node.targets
                           for t in (target.elts if isinstance(target, ast.Tuple) else [target])]
            elif isinstance(node, ast.AugAssign | ast.AnnAssign):
                targets = [node.target]
            if any(isinstance(t, ast.Attribute) and t.attr == "status"
                   and isinstance(t.value, ast.Name) and t.value.id == "ticket"
                   for t in targets):
                found.append(f"{path.relative_to(BACKEND)}:{node.lineno} writes ticket.status")
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
                    and node.func.id == "TicketEvent" and path != CREATION):
                found.append(f"{path.relative_to(BACKEND)}:{node.lineno} makes a TicketEvent")
    assert found == []


def test_only_the_lifecycle_locks_a_ticket_by_number() -> None:
    """`with_for_update` on a select of Ticket: the lifecycle's, and the SLA worker's bulk
    read of first responses (many tickets, SKIP LOCKED)."""
    allowed = {LIFECYCLE, BACKEND / "sla" / "service.py"}
    found = []
    for path, tree in _trees():
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr == "with_for_update" and path not in allowed
                    and "select(Ticket" in ast.unparse(node)):
                found.append(f"{path.relative_to(BACKEND)}:{node.lineno}")
    assert found == []
