"""The backend's FastAPI application: `create_app(settings)`.

The engine and session factory are made here (connecting lazily); the ticket lifecycle's hooks
are installed (backend/wiring.py); the lifespan starts the outbox dispatcher and the SLA worker
(unless `outbox_dispatcher_enabled` / `sla_worker_enabled` is off) and disposes the engine. The
purge (expired nonces, product photos never linked) always runs; the outermost middleware adds
the security headers and the rate limits per address (backend/security/http.py). What a domain
error answers over HTTP is decided here, in one table (`DOMAIN_ERRORS`), not in the routers.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from backend import wiring
from backend.console.router import install as install_console
from backend.customers.router import router as customers_router
from backend.customers.service import CustomerAnonymised
from backend.errors import NotFound
from backend.fees.router import router as fees_router
from backend.fees.service import FeeRefused, StaleVersion
from backend.handoff.router import router as handoff_router
from backend.handoff.service import HandoffConflict
from backend.health import router as health_router
from backend.kernel import business_calendar, crypto
from backend.kernel.config import Settings, get_settings
from backend.kernel.database import make_engine, make_sessionmaker
from backend.knowledge.router import router as knowledge_router
from backend.notifications.dispatcher import OutboxDispatcher
from backend.outlets.router import router as outlets_router
from backend.outlets.service import OutletUnavailable, TicketNotOpen
from backend.parts.errors import (
    DefectiveStateRefused,
    NotEnoughStock,
    PartNumberTaken,
    PartRefused,
)
from backend.parts.router import router as parts_router
from backend.privacy.rotation import KeyRotationWorker
from backend.privacy.router import router as privacy_router
from backend.products.photos.router import router as product_photos_router
from backend.products.router import router as products_router
from backend.products.service import DateInTheFuture, ProductRefused, UnknownCategory
from backend.quotes.errors import QuoteNotCurrent, QuoteRefused, ReceiptTaken
from backend.quotes.router import router as quotes_router
from backend.security.http import RateLimit, SecurityHeaders
from backend.security.worker import PurgeWorker
from backend.service_records.errors import (
    CompletionRefused,
    NotAgreed,
    RecordClosed,
    RecordNotCurrent,
)
from backend.service_records.pdf_router import router as record_pdf_router
from backend.service_records.router import router as service_records_router
from backend.sla.acceptance import CannotComplete, NothingToAnswer
from backend.sla.appointments import DateInThePast, NoAppointment
from backend.sla.router import router as sla_router
from backend.sla.worker import SlaWorker
from backend.staff.router import auth_router, console_router
from backend.staff.router import router as staff_router
from backend.staff.service import LastAdmin, StaffNumberTaken, UsernameTaken
from backend.stats.router import router as stats_router
from backend.stats.service import ReportCache
from backend.stats.worker import FactsWorker
from backend.surveys.router import router as surveys_router
from backend.surveys.worker import SurveyWorker
from backend.tickets.errors import (
    ActionNotAllowed,
    IdempotencyConflict,
    NoProduct,
    NoSuchStaff,
    NotOfThatTeam,
    OverrideReasonMissing,
)
from backend.tickets.router import router as tickets_router

log = logging.getLogger(__name__)

# What each domain error answers: `{"detail": str(error)}` with this status code (a subclass
# answers as its base: TransitionNotAllowed as ActionNotAllowed).
DOMAIN_ERRORS: dict[type[Exception], int] = {
    NotFound: 404,
    IdempotencyConflict: 409,
    ActionNotAllowed: 409,  # and TransitionNotAllowed
    NotOfThatTeam: 422,
    NoSuchStaff: 422,
    NoProduct: 422,
    OverrideReasonMissing: 422,
    DateInThePast: 422,
    NoAppointment: 409,
    CannotComplete: 409,
    NothingToAnswer: 409,
    TicketNotOpen: 409,
    OutletUnavailable: 422,
    HandoffConflict: 409,
    UsernameTaken: 409,
    LastAdmin: 409,
    StaffNumberTaken: 409,
    DateInTheFuture: 422,
    UnknownCategory: 422,
    ProductRefused: 422,  # and what else products refuse
    CustomerAnonymised: 409,
    FeeRefused: 422,
    StaleVersion: 409,  # a fee standard changed since the version a change was made on
    PartRefused: 422,
    PartNumberTaken: 409,
    NotEnoughStock: 409,
    DefectiveStateRefused: 409,
    QuoteRefused: 422,
    QuoteNotCurrent: 409,  # with `quote_status` and `current_version`
    ReceiptTaken: 409,
    CompletionRefused: 422,
    NotAgreed: 409,
    RecordNotCurrent: 409,  # with `record_version` and `current_version`
    RecordClosed: 409,
}


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    crypto.configure(settings.field_encryption_keys)
    business_calendar.configure(settings)
    wiring.install_hooks()
    engine = make_engine(settings.database_url)
    sessionmaker = make_sessionmaker(engine)
    dispatcher = OutboxDispatcher(sessionmaker=sessionmaker, settings=settings)
    sla_worker = SlaWorker(sessionmaker=sessionmaker, settings=settings,
                           wake_outbox=dispatcher.wake)
    # Tests with a worker switched off drive `run_once(now=...)` themselves.
    survey_worker = SurveyWorker(sessionmaker=sessionmaker, settings=settings,
                                 wake_outbox=dispatcher.wake)
    nonce_purge = PurgeWorker(sessionmaker=sessionmaker)
    key_rotation = KeyRotationWorker(sessionmaker=sessionmaker, settings=settings)
    stats_facts = FactsWorker(sessionmaker=sessionmaker, settings=settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.outbox_dispatcher_enabled:
            dispatcher.start()
        if settings.sla_worker_enabled:
            sla_worker.start()
        if settings.survey_worker_enabled:
            survey_worker.start()
        nonce_purge.start()
        if settings.key_rotation_enabled:
            key_rotation.start()
        if settings.stats_facts_worker_enabled:
            stats_facts.start()
        try:
            yield
        finally:
            await stats_facts.stop()
            await key_rotation.stop()
            await nonce_purge.stop()
            await survey_worker.stop()
            await sla_worker.stop()
            await dispatcher.stop()
            await engine.dispose()

    app = FastAPI(title="frontdesk backend", version="0.1.0", lifespan=lifespan,
                  description="Tickets of the after-sales front desk. The bot calls the "
                              "service routes with the internal secret; staff sign in "
                              "(/api/v1/auth/token, /console/login) and act by role.")
    app.state.settings = settings
    app.state.engine = engine
    app.state.sessionmaker = sessionmaker
    app.state.dispatcher = dispatcher
    app.state.survey_worker = survey_worker
    app.state.sla_worker = sla_worker
    app.state.key_rotation = key_rotation
    app.state.stats_facts = stats_facts
    app.state.stats_cache = ReportCache()
    # Starlette types every handler as taking any Exception; it calls this one for its class.
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    for error in DOMAIN_ERRORS:
        app.add_exception_handler(error, _domain_error)
    app.include_router(health_router)
    app.include_router(tickets_router)
    app.include_router(knowledge_router)
    app.include_router(auth_router)
    app.include_router(console_router)
    app.include_router(staff_router)
    app.include_router(handoff_router)
    app.include_router(outlets_router)
    app.include_router(sla_router)
    app.include_router(surveys_router)
    app.include_router(stats_router)
    app.include_router(privacy_router)
    app.include_router(products_router)
    app.include_router(fees_router)
    app.include_router(product_photos_router)
    app.include_router(customers_router)
    app.include_router(parts_router)
    app.include_router(quotes_router)
    app.include_router(record_pdf_router)
    app.include_router(service_records_router)
    install_console(app)
    # Outermost: a refused request gets the security headers too.
    app.add_middleware(RateLimit, settings=settings)
    app.add_middleware(SecurityHeaders)
    _document_common_errors(app)
    return app


# Answers every operation may give that no route declares itself, added to the OpenAPI
# document: by the operation's security schemes (deps.py: the bot has its signature header only,
# staff also the console's cookie; dependencies cannot declare responses), and for a body that
# FastAPI cannot even decode.
_BOT_ERRORS = {"401": {"description": "not the bot: credentials or signature missing or wrong"}}
_STAFF_ERRORS = {
    "401": {"description": "not signed in: no valid staff token or console session"},
    "403": {"description": "the caller's role may not do this, or the console's CSRF token "
                           "is missing"},
}
_BODY_ERRORS = {"400": {"description": "the body cannot be decoded (not UTF-8)"}}


def _document_common_errors(app: FastAPI) -> None:
    generate = app.openapi

    def openapi() -> dict:
        document = generate()
        for operations in document.get("paths", {}).values():
            for operation in operations.values():
                schemes = {name for requirement in operation.get("security", ())
                           for name in requirement}
                errors: dict[str, dict[str, str]] = {}
                if schemes:
                    errors |= _STAFF_ERRORS if "APIKeyCookie" in schemes else _BOT_ERRORS
                if "requestBody" in operation:
                    errors |= _BODY_ERRORS
                for code, response in errors.items():
                    operation["responses"].setdefault(code, response)
        return document

    # Replacing the method is FastAPI's documented way to change the document.
    app.openapi = openapi  # type: ignore[method-assign]


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 that names the field and the problem but never echoes the input (it may be a phone
    number or an address)."""
    errors = [
        {"loc": list(error.get("loc", ())), "msg": error.get("msg", ""),
         "type": error.get("type", "")}
        for error in exc.errors()
    ]
    return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)


async def _domain_error(request: Request, exc: Exception) -> JSONResponse:
    """A refusal of the domain (DOMAIN_ERRORS): its message as the detail, as an
    HTTPException(status, message) would give it; beside it the error's `answer_fields`, if
    it has any (QuoteNotCurrent: which state the quote is in)."""
    code = next(code for error, code in DOMAIN_ERRORS.items() if isinstance(exc, error))
    return JSONResponse({"detail": str(exc), **getattr(exc, "answer_fields", {})},
                        status_code=code)
