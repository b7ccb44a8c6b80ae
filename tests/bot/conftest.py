"""The dialogue engine on real parts: the Rasa server, the backend as a process (SQLite), the
bot's own store. The engine is driven directly with channel-neutral messages."""

from __future__ import annotations

import itertools
from datetime import datetime

import httpx
import pytest

from backend.config import DEV_INTERNAL_SECRET, DEV_STAFF_TOKEN
from bot.backend_client import BackendClient
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.state import ConversationStore
from bot.dialogue.types import Attachment, InboundMessage, Reply
from nlu.client import NluClient
from tests.support.processes import Service, free_port

# A Tuesday morning: appointment wording ("明天下午") is read against this clock.
NOW = datetime(2026, 11, 24, 9, 30)


@pytest.fixture(scope="module")
def backend_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("backend")
    port = free_port()
    service = Service("backend", ["backend"], {
        "DATABASE_URL": f"sqlite+aiosqlite:///{folder}/frontdesk.db",
        "BACKEND_PORT": str(port),
        # No bot listens here: pushes stay in the outbox.
        "BOT_PUSH_URL": f"http://127.0.0.1:{free_port()}/internal/push",
        "DATA_DIR": str(folder),
    }, f"http://127.0.0.1:{port}/health").start()
    yield f"http://127.0.0.1:{port}"
    service.stop()


class Chat:
    """One customer's chat with the engine, as a channel adapter would drive it."""

    _ids = itertools.count(1)

    def __init__(self, engine: DialogueEngine, backend_url: str, channel: str = "webchat"):
        self.engine, self.backend_url, self.channel = engine, backend_url, channel
        self.chat_id = f"chat-{next(self._ids)}"
        self.updates = itertools.count(1)
        self.last: list[Reply] = []

    async def say(self, text: str, **extra) -> list[Reply]:
        return await self._send(text=text, **extra)

    async def press(self, data: str) -> list[Reply]:
        buttons = [b.data for r in self.last for row in r.buttons for b in row]
        assert data in buttons, f"{data} not offered; buttons were {buttons}"
        return await self._send(button=data)

    async def photo(self, caption: str | None = None) -> list[Reply]:
        return await self._send(text=caption, attachments=(Attachment("photo", "file-1"),))

    async def _send(self, **fields) -> list[Reply]:
        update_id = fields.pop("update_id", None) or f"u{next(self.updates)}"
        self.last = await self.engine.handle(InboundMessage(
            channel=self.channel, chat_id=self.chat_id, update_id=update_id, **fields))
        return self.last

    @property
    def text(self) -> str:
        return "\n".join(r.text for r in self.last)

    def buttons(self) -> list[str]:
        return [b.data for r in self.last for row in r.buttons for b in row]

    def tickets(self) -> list[dict]:
        """The customer's tickets in full, as staff see them (oldest first)."""
        mine = httpx.get(
            f"{self.backend_url}/api/v1/customers/{self.channel}/{self.chat_id}/tickets",
            headers={"Authorization": f"Bearer {DEV_INTERNAL_SECRET}"}, timeout=10)
        mine.raise_for_status()
        return [httpx.get(f"{self.backend_url}/api/v1/tickets/{t['number']}", timeout=10,
                          headers={"Authorization": f"Bearer {DEV_STAFF_TOKEN}"}).json()
                for t in reversed(mine.json())]


async def make_engine(rasa_url: str, backend_url: str, store_url: str) -> DialogueEngine:
    store = ConversationStore(store_url)
    await store.create_tables()
    return DialogueEngine(
        nlu=NluClient(rasa_url), store=store, hotline="400-800-1234", clock=lambda: NOW,
        backend=BackendClient(backend_url, token=DEV_INTERNAL_SECRET, retry_delays=(0.1,)),
    )


@pytest.fixture
async def engine(rasa_url: str, backend_url: str, tmp_path) -> DialogueEngine:
    engine = await make_engine(rasa_url, backend_url, f"sqlite+aiosqlite:///{tmp_path}/bot.db")
    yield engine
    await engine.nlu.aclose()
    await engine.backend.aclose()
    await engine.store.close()


@pytest.fixture
def chat(engine: DialogueEngine, backend_url: str) -> Chat:
    return Chat(engine, backend_url)
