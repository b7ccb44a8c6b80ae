"""Staff routes: signing in (API tokens, console sessions) and managing accounts (admin).
Thin: validation in schemas, work in service."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlsplit

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError
from pydantic import ValidationError

from backend.deps import (
    SESSION_COOKIE,
    ClientIpDep,
    Credentials,
    SessionDep,
    SettingsDep,
    StaffUser,
    check_csrf,
    require_roles,
)
from backend.errors import NotFound
from backend.staff import service as staff_service
from backend.staff.enums import ALL_ROLES, CredentialKind, Role
from backend.staff.models import Staff
from backend.staff.schemas import (
    ConsoleSessionOut,
    LoginRequest,
    StaffCreate,
    StaffOut,
    StaffUpdate,
    TokenOut,
)
from backend.text import NoControl

auth_router = APIRouter(prefix="/api/v1/auth", tags=["auth"])
console_router = APIRouter(prefix="/console", tags=["console"])
router = APIRouter(prefix="/api/v1/staff", tags=["staff"])

NOT_FOUND = "no such staff account"
NO_STORE = {"Cache-Control": "no-store"}
_LOGIN_SCHEMA = LoginRequest.model_json_schema()
LOGIN_BODY = {"requestBody": {"required": True, "content": {
    "application/x-www-form-urlencoded": {"schema": _LOGIN_SCHEMA},
    "application/json": {"schema": _LOGIN_SCHEMA},
}}}
SIGN_IN_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"description": "wrong username or password (or deactivated account)"},
    422: {"description": "no username and password, as a form or as JSON"},
    403: {"description": "sent from a page of another site (Origin, Referer)"},
    429: {"description": "too many failed sign-ins or requests; see Retry-After"}}


async def _login_request(request: Request) -> LoginRequest:
    """Username and password from a form (`application/x-www-form-urlencoded`) or JSON."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        raw = (await request.body()).decode("utf-8")
        if content_type == "application/x-www-form-urlencoded":
            return LoginRequest.model_validate(dict(parse_qsl(raw, keep_blank_values=True)))
        return LoginRequest.model_validate(json.loads(raw))
    except ValidationError as exc:
        raise RequestValidationError(
            [{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]
        ) from None
    except ValueError:  # not UTF-8, not JSON
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT,
                            "send username and password as a form or as JSON") from None


LoginDep = Annotated[LoginRequest, Depends(_login_request)]


def _same_site(request: Request, settings: SettingsDep) -> None:
    """A sign-in sent by a browser must come from the backend's own pages (or an origin in
    CONSOLE_ALLOWED_ORIGINS): its Origin, else its Referer, names this host. 403 otherwise, so
    another site cannot sign a visitor in to an account of its choosing, nor make visitors'
    browsers guess passwords. Requests without either header (scripts) pass."""
    source = request.headers.get("origin") or request.headers.get("referer")
    if source is None:
        return
    parts = urlsplit(source)
    allowed = {origin.strip().rstrip("/").lower()
               for origin in settings.console_allowed_origins.split(",") if origin.strip()}
    if parts.netloc and (parts.netloc.lower() == request.headers.get("host", "").lower()
                         or f"{parts.scheme}://{parts.netloc}".lower() in allowed):
        return
    raise HTTPException(status.HTTP_403_FORBIDDEN, "sign-in from another site refused")


SameSite = Depends(_same_site)


async def _authenticate(login: LoginRequest, db_session, settings, ip: str | None) -> Staff:
    throttle = staff_service.LoginThrottle(
        max_failures=settings.login_max_failures,
        max_failures_per_address=settings.login_max_failures_per_address,
        window=timedelta(seconds=settings.login_failure_window_seconds),
        backoff=timedelta(seconds=settings.login_backoff_seconds),
        backoff_max=timedelta(seconds=settings.login_backoff_max_seconds),
    )
    try:
        return await staff_service.authenticate(
            db_session=db_session, username=login.username, password=login.password,
            client_ip=ip, throttle=throttle,
        )
    except staff_service.TooManyAttempts as exc:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, str(exc),
                            headers={"Retry-After": str(exc.retry_after)}) from None
    except staff_service.InvalidCredentials as exc:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, str(exc),
                            headers={"WWW-Authenticate": "Bearer"}) from None


# ---- API tokens ----------------------------------------------------------------------------

@auth_router.post("/token", response_model=TokenOut, openapi_extra=LOGIN_BODY,
                  responses=SIGN_IN_ERRORS, dependencies=[SameSite])
async def issue_token(login: LoginDep, response: Response, db_session: SessionDep,
                      settings: SettingsDep, ip: ClientIpDep) -> TokenOut:
    """Sign in for the API: an opaque bearer token, valid for `STAFF_TOKEN_HOURS`. Send it as
    `Authorization: Bearer …`; `DELETE /api/v1/auth/token` with it signs out."""
    staff = await _authenticate(login, db_session, settings, ip)
    lifetime = timedelta(hours=settings.staff_token_hours)
    sign_in = await staff_service.start_session(db_session=db_session, staff=staff,
                                                kind=CredentialKind.api_token,
                                                lifetime=lifetime)
    response.headers.update(NO_STORE)
    return TokenOut(access_token=sign_in.token, expires_at=sign_in.session.expires_at,
                    expires_in=int(lifetime.total_seconds()))


@auth_router.delete("/token", status_code=status.HTTP_204_NO_CONTENT,
                    responses={400: {"description": "not an API token (the static token, or "
                                                    "a console session)"}})
async def revoke_token(credentials: Credentials, db_session: SessionDep,
                       staff: Annotated[StaffUser, require_roles(*ALL_ROLES)]) -> Response:
    """Sign out: the bearer token of this request stops working."""
    if (credentials is None or staff.session is None
            or staff.session.kind != CredentialKind.api_token):
        raise HTTPException(status.HTTP_400_BAD_REQUEST,
                            "only API tokens are revoked here (the static token is changed in "
                            "the settings; the console signs out at POST /console/logout)")
    await staff_service.end_session(db_session=db_session, token=credentials.credentials,
                                    kind=CredentialKind.api_token)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


# ---- console sessions ----------------------------------------------------------------------

def _cookie_options(settings) -> dict:
    return {"key": SESSION_COOKIE, "path": "/", "httponly": True, "samesite": "lax",
            "secure": settings.environment != "development"}


@console_router.post("/login", response_model=ConsoleSessionOut, openapi_extra=LOGIN_BODY,
                     responses=SIGN_IN_ERRORS, dependencies=[SameSite])
async def console_login(login: LoginDep, request: Request, response: Response,
                        db_session: SessionDep, settings: SettingsDep,
                        ip: ClientIpDep) -> ConsoleSessionOut:
    """Sign in to the console: a session cookie (HttpOnly, SameSite=Lax, Secure outside
    development) and the CSRF token the pages send with every unsafe request."""
    staff = await _authenticate(login, db_session, settings, ip)
    if previous := request.cookies.get(SESSION_COOKIE):  # a new session, never the old one
        await staff_service.end_session(db_session=db_session, token=previous,
                                        kind=CredentialKind.console)
    lifetime = timedelta(hours=settings.console_session_hours)
    sign_in = await staff_service.start_session(db_session=db_session, staff=staff,
                                                kind=CredentialKind.console, lifetime=lifetime)
    response.set_cookie(value=sign_in.token, max_age=int(lifetime.total_seconds()),
                        **_cookie_options(settings))
    response.headers.update(NO_STORE)
    return _session_out(staff, sign_in.session)


def _session_out(staff: Staff, session) -> ConsoleSessionOut:
    return ConsoleSessionOut(username=staff.username, display_name=staff.display_name,
                             role=Role(staff.role), outlet_id=staff.outlet_id,
                             csrf_token=session.csrf_token, expires_at=session.expires_at)


@console_router.get("/session", response_model=ConsoleSessionOut,
                    responses={401: {"description": "not signed in to the console"}})
async def console_session(response: Response, staff: Annotated[StaffUser,
                                                               require_roles(*ALL_ROLES)]
                          ) -> ConsoleSessionOut:
    """Who is signed in to the console, and their CSRF token (for a page that was reloaded)."""
    if staff.session is None or staff.session.kind != CredentialKind.console:
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "not signed in to the console")
    response.headers.update(NO_STORE)
    return _session_out(staff.session.staff, staff.session)


@console_router.post("/logout", status_code=status.HTTP_204_NO_CONTENT,
                     responses={403: {"description": "missing or wrong CSRF token"}})
async def console_logout(request: Request, db_session: SessionDep,
                         settings: SettingsDep) -> Response:
    """Sign out of the console (with the CSRF token). The cookie is cleared also when the
    session had already ended."""
    if token := request.cookies.get(SESSION_COOKIE):
        session = await staff_service.resolve(db_session=db_session, token=token,
                                              kind=CredentialKind.console)
        if session is not None:
            await check_csrf(request, session)
            await staff_service.end_session(db_session=db_session, token=token,
                                            kind=CredentialKind.console)
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    response.delete_cookie(**_cookie_options(settings))
    return response


# ---- accounts (admin) ----------------------------------------------------------------------

@router.get("", response_model=list[StaffOut])
async def list_staff(db_session: SessionDep,
                     _: Annotated[StaffUser, require_roles(Role.admin)]) -> list[StaffOut]:
    """Every account, active or not, by username."""
    return [StaffOut.model_validate(s)
            for s in await staff_service.list_staff(db_session=db_session)]


NO_OUTLET = "a field refused, or no active outlet has that `outlet_id`"


@router.post("", response_model=StaffOut, status_code=status.HTTP_201_CREATED,
             responses={409: {"description": "the username or the staff number is taken"},
                        422: {"description": NO_OUTLET}})
async def create_staff(data: StaffCreate, db_session: SessionDep,
                       _: Annotated[StaffUser, require_roles(Role.admin)]) -> StaffOut:
    """Add an account, with its staff number (工号) and its outlet if it has them. Usernames
    are never reused (deactivate instead of deleting)."""
    try:
        staff = await staff_service.create(db_session=db_session, data=data)
    except staff_service.NoSuchOutlet as exc:  # (a body field: 422, as pydantic's own)
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    return StaffOut.model_validate(staff)


@router.patch("/{username}", response_model=StaffOut,
              responses={404: {"description": NOT_FOUND},
                         409: {"description": "it would leave no active admin, or the "
                                              "staff number is taken"},
                         422: {"description": NO_OUTLET}})
async def update_staff(username: Annotated[str, NoControl], data: StaffUpdate,
                       db_session: SessionDep,
                       _: Annotated[StaffUser, require_roles(Role.admin)]) -> StaffOut:
    """Change role, display name, staff number (工号: told to the customer with a visit;
    null removes it), outlet (a dispatcher's low-stock alerts are its; null removes it),
    password or active; a new password or deactivation signs the account out everywhere."""
    try:
        staff = await staff_service.update(db_session=db_session, username=username,
                                           data=data)
    except staff_service.NoSuchOutlet as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, str(exc)) from None
    if staff is None:
        raise NotFound(NOT_FOUND)
    return StaffOut.model_validate(staff)
