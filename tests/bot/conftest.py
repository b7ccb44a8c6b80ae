"""The dialogue engine on real parts: the real model's parses (recorded: tests/support/
recorded_nlu.py), the backend as a process (SQLite), the bot's own store. Conversation tests
run twice: straight into the engine, and through the fake Telegram Bot API into the bot
process (the Rasa server itself; backend on PostgreSQL)."""

from __future__ import annotations

import pytest

from backend.kernel.config import DEV_INTERNAL_SECRET
from bot.backend_client import BackendClient
from bot.dialogue.engine import DialogueEngine
from bot.dialogue.state import ConversationStore
from nlu.client import NluClient
from tests.support import clock
from tests.support.chats import EngineChat, TelegramChat
from tests.support.processes import Service, free_port
from tests.support.recorded_nlu import RECORD, RecordedNlu, check

# A Tuesday morning on the test clock: the engine's clock in the engine-driven tests (the
# backend process runs on the same clock: tests/support/clock.py).
NOW = clock.NOW


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


async def make_engine(nlu: NluClient | RecordedNlu | str, backend_url: str,
                      store_url: str) -> DialogueEngine:
    """The engine on `nlu` (a Rasa URL: the real server)."""
    store = ConversationStore(store_url)
    await store.create_tables()
    return DialogueEngine(
        nlu=NluClient(nlu) if isinstance(nlu, str) else nlu, store=store,
        hotline="400-800-1234", clock=lambda: NOW,
        backend=BackendClient(backend_url, token=DEV_INTERNAL_SECRET, retry_delays=(0.1,)),
    )


@pytest.fixture
async def recorded_nlu(request: pytest.FixtureRequest) -> RecordedNlu:
    """The real model's parses of the messages the test sends; recording, from Rasa itself."""
    nlu = RecordedNlu(request.getfixturevalue("rasa_url") if RECORD else None)
    yield nlu
    await nlu.aclose()
    check(nlu)


@pytest.fixture
async def engine(recorded_nlu: RecordedNlu, backend_url: str, tmp_path) -> DialogueEngine:
    engine = await make_engine(recorded_nlu, backend_url,
                               f"sqlite+aiosqlite:///{tmp_path}/bot.db")
    yield engine
    await engine.backend.aclose()
    await engine.store.close()


@pytest.fixture
def engine_chat(engine: DialogueEngine, backend_url: str) -> EngineChat:
    """A new customer's chat straight into the engine only: for the variations of a path
    whose main line `chat` also runs through Telegram."""
    return EngineChat(engine, backend_url, NOW)


@pytest.fixture(params=["engine", "telegram"])
def chat(request: pytest.FixtureRequest):
    """A new customer's chat: straight into the engine (recorded parses), or through Telegram
    (the Rasa server; PostgreSQL). A module using it is marked `rasa` (a parallel run orders
    by the mark)."""
    if request.param == "engine":
        return EngineChat(request.getfixturevalue("engine"),
                          request.getfixturevalue("backend_url"), NOW)
    return TelegramChat(request.getfixturevalue("stack"))
