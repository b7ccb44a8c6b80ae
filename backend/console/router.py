"""The staff console's pages: static HTML, JS and CSS from `static/`, built in the browser from
the JSON API (never templated with data on the server). A page visited without a console
session redirects to the login page. Every response under /console carries the security
headers (`SECURITY_HEADERS`). Signing in and out lives in `backend/staff/router.py`."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import APIRouter, FastAPI, Request
from fastapi.responses import FileResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from backend.customers.access import EDITORS, FINDERS
from backend.deps import SESSION_COOKIE, SessionDep, SettingsDep, StaffUser, require_roles
from backend.fees.enums import RepairType
from backend.kernel.clock import local_now
from backend.knowledge.enums import PRODUCTS
from backend.parts.enums import STOCK_KEEPERS, STOCK_READERS
from backend.products.enums import Region
from backend.staff import service as staff_service
from backend.staff.enums import ALL_ROLES, CredentialKind, Role
from backend.tickets.enums import TRANSITIONS, TicketPriority, TicketStatus, TicketType

STATIC = Path(__file__).parent / "static"
PREFIX = "/console"

SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
        "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; "
        "frame-ancestors 'none'"),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

router = APIRouter(prefix=PREFIX, tags=["console"], include_in_schema=False)


def _page(name: str) -> FileResponse:
    return FileResponse(STATIC / name, media_type="text/html; charset=utf-8")


async def _signed_in(request: Request, db_session) -> bool:
    token = request.cookies.get(SESSION_COOKIE)
    if not token:
        return False
    return await staff_service.resolve(db_session=db_session, token=token,
                                       kind=CredentialKind.console) is not None


async def _guarded(request: Request, db_session, name: str) -> Response:
    """The page, or a redirect to the login page that comes back here afterwards."""
    if not await _signed_in(request, db_session):
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return RedirectResponse(f"{PREFIX}/login?next={quote(target, safe='')}", status_code=303)
    return _page(name)


@router.get("/login")
async def login_page() -> Response:
    return _page("login.html")


@router.get("")
async def root() -> Response:
    return RedirectResponse(f"{PREFIX}/tickets", status_code=303)


@router.get("/")
async def root_slash() -> Response:
    return RedirectResponse(f"{PREFIX}/tickets", status_code=303)


@router.get("/tickets")
async def queue_page(request: Request, db_session: SessionDep) -> Response:
    return await _guarded(request, db_session, "queue.html")


@router.get("/tickets/{number}")
async def ticket_page(number: str, request: Request, db_session: SessionDep) -> Response:
    return await _guarded(request, db_session, "ticket.html")


@router.get("/tickets/{number}/complete")
async def complete_page(number: str, request: Request, db_session: SessionDep) -> Response:
    """The technician's completion form, made for a phone."""
    return await _guarded(request, db_session, "complete.html")


@router.get("/live")
async def live_page(request: Request, db_session: SessionDep) -> Response:
    return await _guarded(request, db_session, "live.html")


@router.get("/stats")
async def stats_page(request: Request, db_session: SessionDep) -> Response:
    return await _guarded(request, db_session, "stats.html")


@router.get("/customers")
async def customer_page(request: Request, db_session: SessionDep) -> Response:
    return await _guarded(request, db_session, "customer.html")


@router.get("/policies")
async def policies_page(request: Request, db_session: SessionDep) -> Response:
    return await _guarded(request, db_session, "policies.html")


@router.get("/fees")
async def fees_page(request: Request, db_session: SessionDep) -> Response:
    return await _guarded(request, db_session, "fees.html")


@router.get("/parts")
async def parts_page(request: Request, db_session: SessionDep) -> Response:
    return await _guarded(request, db_session, "parts.html")


@router.get("/meta.json")
async def meta(settings: SettingsDep, staff: StaffUser = require_roles(*ALL_ROLES)) -> dict:
    """The vocabulary the pages need: statuses and the allowed next ones, types, priorities,
    product categories and regions, and what the caller's role may do (the routes decide; the
    pages only leave out what would be refused)."""
    return {
        "statuses": [s.value for s in TicketStatus],
        "transitions": {s.value: sorted(t.value for t in TRANSITIONS.get(s, ()))
                        for s in TicketStatus},
        "types": [t.value for t in TicketType],
        "priorities": [p.value for p in TicketPriority],
        "role": staff.role.value,
        "may_assign": staff.role in (Role.dispatcher, Role.supervisor, Role.admin),
        "may_talk": staff.role in (Role.agent, Role.supervisor, Role.admin),
        "may_find_customers": staff.role in FINDERS,
        "may_edit_customers": staff.role in EDITORS,
        "may_see_personal_data": staff.role in (Role.supervisor, Role.admin),
        "may_edit_policies": staff.role == Role.admin,
        "may_see_stock": staff.role in STOCK_READERS and staff.role != Role.technician,
        "may_keep_stock": staff.role in STOCK_KEEPERS,
        "may_edit_fees": staff.role == Role.admin,
        "product_categories": list(PRODUCTS),
        # The day warranties are counted on (TICKET_TIMEZONE), not the browser's.
        "today": local_now(settings.ticket_timezone).date().isoformat(),
        "regions": [r.value for r in Region],
        "repair_types": [t.value for t in RepairType],
    }


class SecurityHeaders:
    """ASGI middleware: the security headers on every response under /console (a response
    that sets one itself keeps its own)."""

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        path = scope.get("path", "") if scope["type"] == "http" else ""
        if not (path == PREFIX or path.startswith(f"{PREFIX}/")):
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name.lower().encode("latin-1"), value.encode("latin-1"))
                         for name, value in SECURITY_HEADERS.items()
                         if name.lower().encode("latin-1") not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install(app: FastAPI) -> None:
    """Add the pages, the static files and the security headers to the app."""
    app.include_router(router)
    app.mount(f"{PREFIX}/static", StaticFiles(directory=STATIC), name="console-static")
    app.add_middleware(SecurityHeaders)
