"""The backend's FastAPI application: `create_app(settings)`.

The engine and session factory are made here (connecting lazily); the lifespan starts the
outbox dispatcher and the SLA worker (unless `outbox_dispatcher_enabled` / `sla_worker_enabled`
is off) and disposes the engine.
"""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from backend import crypto
from backend.config import Settings, get_settings
from backend.console.router import install as install_console
from backend.database import make_engine, make_sessionmaker
from backend.health import router as health_router
from backend.knowledge.router import router as knowledge_router
from backend.notifications.dispatcher import OutboxDispatcher
from backend.outlets.router import router as outlets_router
from backend.sla import calendar as sla_calendar
from backend.sla.router import router as sla_router
from backend.sla.worker import SlaWorker
from backend.surveys.worker import SurveyWorker
from backend.staff.router import auth_router, console_router
from backend.handoff.router import router as handoff_router
from backend.staff.router import router as staff_router
from backend.stats.router import router as stats_router
from backend.surveys.router import router as surveys_router
from backend.tickets.router import router as tickets_router

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()
    crypto.configure(settings.field_encryption_keys)
    sla_calendar.configure(settings)
    engine = make_engine(settings.database_url)
    sessionmaker = make_sessionmaker(engine)
    dispatcher = OutboxDispatcher(sessionmaker=sessionmaker, settings=settings)
    sla_worker = SlaWorker(sessionmaker=sessionmaker, settings=settings,
                           wake_outbox=dispatcher.wake)
    # Tests with a worker switched off drive `run_once(now=...)` themselves.
    survey_worker = SurveyWorker(sessionmaker=sessionmaker, settings=settings,
                                 wake_outbox=dispatcher.wake)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        if settings.outbox_dispatcher_enabled:
            dispatcher.start()
        if settings.sla_worker_enabled:
            sla_worker.start()
        if settings.survey_worker_enabled:
            survey_worker.start()
        try:
            yield
        finally:
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
    app.add_exception_handler(RequestValidationError, _validation_error)
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
    install_console(app)
    return app


async def _validation_error(request: Request, exc: RequestValidationError) -> JSONResponse:
    """422 that names the field and the problem but never echoes the input (it may be a phone
    number or an address)."""
    errors = [
        {"loc": list(error.get("loc", ())), "msg": error.get("msg", ""),
         "type": error.get("type", "")}
        for error in exc.errors()
    ]
    return JSONResponse({"detail": jsonable_encoder(errors)}, status_code=422)
