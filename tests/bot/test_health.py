"""The bot's `/health` is a readiness check: 200 while the bot can serve customers (its
database and the backend answer), "degraded" but still 200 when only the NLU is away (the bot
answers with its menu), 503 when its database or the backend is unreachable.

Real processes: the bot (PostgreSQL, the real Rasa server), the backend, the fake Telegram Bot
API; the bot reaches its database and Rasa through switchable proxies on loopback."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.fakes.telegram import FakeTelegram
from tests.support.db import postgres_database
from tests.support.processes import Service, free_port
from tests.support.proxy import TcpProxy
from tests.support.stack import process_env


@dataclass
class Parts:
    bot: Service
    backend: Service
    database: TcpProxy  # between the bot and its PostgreSQL database
    rasa: TcpProxy

    @property
    def health_url(self) -> str:
        return self.bot.health_url

    def health(self) -> httpx.Response:
        return httpx.get(self.health_url, timeout=10)

    def wait_for(self, code: int, **parts: str) -> dict:
        """The health answer once it has the HTTP status `code` and these parts (the bot's pool and the
        NLU client notice a change on their next use); fails after 30 s."""
        deadline = time.monotonic() + 30
        while True:
            response = self.health()
            body = response.json()
            if response.status_code == code and all(body.get(k) == v
                                                      for k, v in parts.items()):
                return body
            assert time.monotonic() < deadline, (response.status_code, body)
            time.sleep(0.2)


@pytest.fixture(scope="module")
def parts(rasa_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Parts]:
    folder = tmp_path_factory.mktemp("health")
    with postgres_database(migrate=False, prefix="frontdesk_bot_health") as bot_database, \
            FakeTelegram() as telegram:
        url = make_url(bot_database)
        database = TcpProxy(url.port or 5432).up()
        rasa = TcpProxy(int(rasa_url.rsplit(":", 1)[1])).up()
        backend_port, bot_port = free_port(), free_port()
        env = {
            **process_env(
                data_dir=folder, database_url=f"sqlite+aiosqlite:///{folder}/frontdesk.db",
                bot_database_url=url.set(port=database.port).render_as_string(
                    hide_password=False),
                telegram=telegram, rasa_url=rasa.url, backend_port=backend_port,
                bot_port=bot_port),
            "SLA_WORKER_ENABLED": "false", "SURVEY_WORKER_ENABLED": "false",
        }
        backend = Service("backend", ["backend"], env,
                          f"http://127.0.0.1:{backend_port}/health").start()
        bot = Service("bot", ["bot"], env, f"http://127.0.0.1:{bot_port}/health")
        try:
            bot.start()
            yield Parts(bot, backend, database, rasa)
        finally:
            bot.stop()
            backend.stop()
            database.close()
            rasa.close()


def test_ready_when_its_database_the_backend_and_the_nlu_answer(parts: Parts) -> None:
    response = parts.health()
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok", "database": "ok", "backend": "ok", "nlu": "ok",
        "nlu_replicas": {"up": 1, "of": 1}, "channels": ["telegram", "webchat"]}


def test_without_the_nlu_still_ready_but_degraded(parts: Parts) -> None:
    parts.rasa.down()
    try:
        body = parts.wait_for(200, nlu="fallback")
        assert body["status"] == "degraded"
        assert (body["database"], body["backend"]) == ("ok", "ok")
        assert body["nlu_replicas"] == {"up": 0, "of": 1}
    finally:
        parts.rasa.up()
    parts.wait_for(200, status="ok", nlu="ok")


def test_unavailable_while_the_backend_is_down(parts: Parts) -> None:
    parts.backend.stop()
    try:
        response = parts.health()
        assert response.status_code == 503
        assert response.json()["status"] == "unavailable"
        assert response.json()["backend"] == "unreachable"
        assert response.json()["database"] == "ok"
    finally:
        parts.backend.start()
    parts.wait_for(200, status="ok", backend="ok")


def test_unavailable_while_its_database_is_unreachable(parts: Parts) -> None:
    parts.database.down()
    try:
        body = parts.wait_for(503, database="unreachable")
        assert body["status"] == "unavailable" and body["backend"] == "ok"
    finally:
        parts.database.up()
    parts.wait_for(200, status="ok", database="ok")
