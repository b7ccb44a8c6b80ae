"""Everything a route gets injected: settings, a database session, the caller (the bot, or a
staff member and their role), the outbox wake-up."""

from __future__ import annotations

import hmac
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Annotated, Any
from urllib.parse import parse_qsl

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyCookie, APIKeyHeader, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.ext.asyncio import AsyncSession

from backend.kernel import signing
from backend.kernel.config import Settings
from backend.security import service as security_service
from backend.staff import service as staff_service
from backend.staff.enums import STATIC_TOKEN_USERNAME, CredentialKind, Role
from backend.staff.models import Staff, StaffSession

SESSION_COOKIE = "frontdesk_session"
CSRF_HEADER = "X-CSRF-Token"
CSRF_FIELD = "csrf_token"  # the same, as a form field
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

_bearer = HTTPBearer(auto_error=False, description="a staff API token (POST "
                     "/api/v1/auth/token) or the static STAFF_API_TOKEN")
_signature = APIKeyHeader(name=signing.SIGNATURE_HEADER, auto_error=False,
                          description="the bot's calls: HMAC-SHA256 with the internal secret "
                          f"over {signing.TIMESTAMP_HEADER}, {signing.NONCE_HEADER}, method, "
                          "path and body (docs/security.md)")
_session_cookie = APIKeyCookie(name=SESSION_COOKIE, auto_error=False,
                               description="the staff console's session (POST /console/login); "
                               f"unsafe requests also need the {CSRF_HEADER} header")
Credentials = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]
SessionCookie = Annotated[str | None, Depends(_session_cookie)]


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


async def require_service(request: Request, settings: SettingsDep, db_session: SessionDep,
                          signature: Annotated[str | None, Depends(_signature)]) -> str:
    """The caller is the bot: the request is signed with the internal secret
    (backend/kernel/signing.py), fresh, and its nonce was not used before (409: a
    replay). Nothing else is accepted: not even the secret itself as a bearer token."""
    if signature is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "an internal call must be signed",
                            headers={"WWW-Authenticate": "Bearer"})
    signed = signing.verify(
        settings.internal_secret, request.headers, method=request.method,
        target=signing.request_target(request.url.path, request.scope["query_string"]),
        body=await request.body())
    if signed is None:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED,
                            "wrong or stale signature of an internal call")
    if not await security_service.claim_nonce(db_session=db_session, signed=signed):
        raise HTTPException(status.HTTP_409_CONFLICT,
                            "this internal call was received before (a replay)")
    return "service"


ServiceDep = Annotated[str, Depends(require_service)]


@dataclass(frozen=True)
class StaffUser:
    """The staff member calling: an account, or the static STAFF_API_TOKEN acting as the admin
    "api" (no account, no session)."""

    username: str
    display_name: str
    role: Role
    staff_id: int | None = None
    session: StaffSession | None = None  # the sign-in used (None: the static token)

    @classmethod
    def of(cls, session: StaffSession) -> StaffUser:
        staff: Staff = session.staff
        return cls(username=staff.username, display_name=staff.display_name,
                   role=Role(staff.role), staff_id=staff.id, session=session)

    @property
    def actor(self) -> str:
        """Who did it, in ticket records."""
        return f"staff:{self.username}"

    @property
    def own_tickets_only(self) -> int | None:
        """The account whose assigned tickets are all this caller may see and change (a
        technician's own), or None: every ticket."""
        return self.staff_id if self.role == Role.technician else None


STATIC_TOKEN_USER = StaffUser(username=STATIC_TOKEN_USERNAME, display_name="API",
                              role=Role.admin)


def _forbidden(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_403_FORBIDDEN, detail)


async def check_csrf(request: Request, session: StaffSession) -> None:
    """An unsafe request with the session cookie must carry the session's CSRF token (header
    X-CSRF-Token, or the form field csrf_token): a page of another site can make the browser
    send the cookie, but cannot know the token. 403 otherwise."""
    given = request.headers.get(CSRF_HEADER)
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if given is None and content_type == "application/x-www-form-urlencoded":
        body = (await request.body()).decode("utf-8", errors="replace")
        given = dict(parse_qsl(body, keep_blank_values=True)).get(CSRF_FIELD)
    expected = session.csrf_token or ""
    if not given or not expected or not hmac.compare_digest(given.encode("utf-8"),
                                                             expected.encode("utf-8")):
        raise _forbidden(f"missing or wrong CSRF token (send the {CSRF_HEADER} header)")


async def get_current_staff(request: Request, credentials: Credentials, cookie: SessionCookie,
                            settings: SettingsDep, db_session: SessionDep) -> StaffUser:
    """The staff member behind a bearer token (an API token or the static one) or, without
    one, the console session cookie (+ CSRF token on unsafe requests). 401 otherwise; the bot's
    internal secret is no staff credential."""
    if credentials is not None:
        if _token_matches(credentials, settings.staff_api_token):
            return STATIC_TOKEN_USER
        session = await staff_service.resolve(db_session=db_session,
                                              token=credentials.credentials,
                                              kind=CredentialKind.api_token)
    elif cookie:
        session = await staff_service.resolve(db_session=db_session, token=cookie,
                                              kind=CredentialKind.console)
        if session is not None and request.method in UNSAFE_METHODS:
            await check_csrf(request, session)
    else:
        session = None
    if session is None:
        raise _unauthorised()
    return StaffUser.of(session)


CurrentStaff = Annotated[StaffUser, Depends(get_current_staff)]


def require_roles(*roles: Role) -> Any:
    """A route's guard, declared in its signature:

        staff: Annotated[StaffUser, require_roles(Role.dispatcher, Role.admin)]

    401 without valid staff credentials, 403 for a role not listed."""
    allowed = frozenset(roles)

    async def check_role(staff: CurrentStaff) -> StaffUser:
        if staff.role not in allowed:
            raise _forbidden(f"a {staff.role} may not do this")
        return staff

    return Depends(check_role)


def client_ip(request: Request) -> str | None:
    """The peer's address (behind a proxy: run uvicorn with --proxy-headers and
    --forwarded-allow-ips so that this is the client's)."""
    return request.client.host if request.client else None


ClientIpDep = Annotated[str | None, Depends(client_ip)]


def get_outbox_wakeup(request: Request) -> Callable[[], None]:
    return request.app.state.dispatcher.wake


OutboxWakeDep = Annotated[Callable[[], None], Depends(get_outbox_wakeup)]
