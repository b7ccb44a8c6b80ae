"""`/health` says whether the database answers."""

from __future__ import annotations

import asyncio
import gc

import httpx
import pytest

from backend.app import create_app
from tests.backend.conftest import make_settings
from tests.support.processes import free_port


async def test_health_ok(client) -> None:
    response = await client.get("/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


@pytest.mark.parametrize("kind", ["sqlite", "postgres"])
async def test_health_503_when_the_database_is_unreachable(kind: str, tmp_path) -> None:
    url = (f"postgresql+asyncpg://postgres@127.0.0.1:{free_port()}/frontdesk"
           if kind == "postgres"
           else f"sqlite+aiosqlite:///{tmp_path}/no/such/directory/frontdesk.db")
    app = create_app(make_settings(url))
    async with app.router.lifespan_context(app):
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app),
                                     base_url="http://backend.test") as client:
            response = await client.get("/health")
        # aiosqlite leaves a failed connection's worker thread for the garbage collector;
        # collect it while this test's event loop still runs.
        gc.collect()
        await asyncio.sleep(0.05)
    assert response.status_code == 503
    assert response.json() == {"status": "degraded", "database": "unreachable"}
