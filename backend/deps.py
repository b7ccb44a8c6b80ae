"""Everything a route gets injected: settings, a database session, the caller's role, the
outbox wake-up."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Callable
from typing import Annotated

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from backend.config import Settings

_bearer = HTTPBearer(auto_error=False, description="the bot's or staff's bearer token")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]


def get_settings(request: Request) -> Settings:
    return request.app.state.settings


SettingsDep = Annotated[Settings, Depends(get_settings)]


async def get_session(request: Request) -> AsyncIterator[AsyncSession]:
    async with request.app.state.sessionmaker() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(get_session)]


def _token_matches(credentials: HTTPAuthorizationCredentials | None, expected: str) -> bool:
    if credentials is None or not expected:
        return False
    return hmac.compare_digest(credentials.credentials.encode("utf-8"), expected.encode("utf-8"))


def _unauthorised() -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, "missing or wrong bearer token",
                         headers={"WWW-Authenticate": "Bearer"})


def require_service(credentials: Credentials, settings: SettingsDep) -> str:
    """The caller is the bot (bearer = internal secret)."""
    if not _token_matches(credentials, settings.internal_secret):
        raise _unauthorised()
    return "service"


def require_staff(credentials: Credentials, settings: SettingsDep) -> str:
    """The caller is staff (bearer = staff API token). Returns the actor name for the record."""
    if not _token_matches(credentials, settings.staff_api_token):
        raise _unauthorised()
    return "staff:api"


ServiceDep = Annotated[str, Depends(require_service)]
StaffDep = Annotated[str, Depends(require_staff)]


def get_outbox_wakeup(request: Request) -> Callable[[], None]:
    return request.app.state.dispatcher.wake


OutboxWakeDep = Annotated[Callable[[], None], Depends(get_outbox_wakeup)]
