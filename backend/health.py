"""`GET /health`: the process answers, and whether the database does."""

from __future__ import annotations

import asyncio
import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

router = APIRouter(tags=["health"])
log = logging.getLogger(__name__)

DATABASE_CHECK_TIMEOUT = 3.0


@router.get("/health", responses={503: {"description": "the database is unreachable"}})
async def health(request: Request) -> JSONResponse:
    try:
        async with asyncio.timeout(DATABASE_CHECK_TIMEOUT):
            async with request.app.state.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
    except Exception as exc:
        log.warning("health: database unreachable: %s", type(exc).__name__)
        return JSONResponse({"status": "degraded", "database": "unreachable"}, status_code=503)
    return JSONResponse({"status": "ok", "database": "ok"})
