"""Every model, imported once so that `Base.metadata` is complete (migrations, tests).

Each domain package's `models.py` (backend/<domain>/models.py) is found and imported here, so a
new domain needs no edit of this file.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

from backend.customers.models import ChatIdentity, Customer
from backend.kernel.database import Base
from backend.notifications.models import OutboxMessage
from backend.tickets.models import Ticket, TicketCounter, TicketEvent

_BACKEND = Path(__file__).resolve().parent

for _module in pkgutil.iter_modules([str(_BACKEND)]):
    if _module.ispkg and (_BACKEND / _module.name / "models.py").exists():
        importlib.import_module(f"backend.{_module.name}.models")

__all__ = ["Base", "ChatIdentity", "Customer", "OutboxMessage", "Ticket", "TicketCounter",
           "TicketEvent"]
