"""What other domains do inside a ticket's transaction, without the tickets package knowing
them: the lifecycle (backend/tickets/lifecycle.py) calls the hooks installed here.

`backend.wiring.install_hooks()` installs them (create_app does, so the API, the workers and
anything run from the app have them); the lifecycle refuses to run without them, so a process
that forgot is told at once rather than left with tickets whose due times never move.

Hook points (keyword arguments, all in the caller's transaction; none commits):
- `created(db_session, ticket, customer)`: a new ticket, before it is first flushed
  (outlets: the place and proposed outlet; sla: the due times), in the order installed;
- `status_changed(db_session, ticket, status, actor, now)`: the status was written, before
  the customer's push is queued (sla: milestones met);
- `follow_up(db_session, ticket, status, now)`: after the push (surveys: a resolved ticket's
  survey request, queued after the status message). Not for an erasure's cancellations;
- `priority_changed(db_session, ticket)`: the priority was raised (sla: due times again);
- `staff_acted(db_session, ticket, now)`: staff did something besides a status change
  (sla: the first response).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

Hook = Callable[..., Awaitable[object]]


@dataclass(frozen=True)
class Hooks:
    created: Sequence[Hook] = ()
    status_changed: Sequence[Hook] = ()
    follow_up: Sequence[Hook] = ()
    priority_changed: Sequence[Hook] = ()
    staff_acted: Sequence[Hook] = ()
    installed: bool = field(default=True, repr=False)


_hooks = Hooks(installed=False)


def install(hooks: Hooks) -> None:
    """Set the hooks (all of them at once: installing again replaces them)."""
    global _hooks
    _hooks = hooks


def installed() -> bool:
    return _hooks.installed


def _current() -> Hooks:
    if not _hooks.installed:
        raise RuntimeError("the ticket hooks are not installed: call "
                           "backend.wiring.install_hooks() (create_app does)")
    return _hooks


async def run(point: str, **arguments: object) -> None:
    """Call the hooks of `point` in the order installed."""
    for hook in getattr(_current(), point):
        await hook(**arguments)
